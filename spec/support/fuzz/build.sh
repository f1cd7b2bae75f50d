#!/usr/bin/env bash
# Builds the libFuzzer harnesses with ASan and UBSan into ${OUT:-/tmp/hfl-fuzz}: yaml_fuzz (the
# YAML C core, spec/support/fuzz/yaml_fuzz.c) and archive_fuzz (chart archive extraction,
# spec/support/fuzz/archive_fuzz.c). Needs clang (14+), libyaml-dev and libarchive-dev.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-/tmp/hfl-fuzz}
mkdir -p "$OUT"
${CC:-clang} -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -o "$OUT/yaml_fuzz" spec/support/fuzz/yaml_fuzz.c \
  c/yaml_decode.c c/yaml_emit.c c/yaml_scalar.c c/yaml_tree.c \
  $(pkg-config --cflags --libs yaml-0.1) -lm
${CC:-clang} -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -o "$OUT/archive_fuzz" spec/support/fuzz/archive_fuzz.c c/archive.c \
  $(pkg-config --cflags --libs libarchive)
echo "$OUT/yaml_fuzz $OUT/archive_fuzz"
