#!/usr/bin/env bash
# Builds the libFuzzer harness for the YAML C core (spec/support/fuzz/yaml_fuzz.c) with ASan and
# UBSan into ${OUT:-/tmp/hfl-fuzz}/yaml_fuzz. Needs clang (14+) and libyaml-dev.
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${OUT:-/tmp/hfl-fuzz}
mkdir -p "$OUT"
${CC:-clang} -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
  -o "$OUT/yaml_fuzz" spec/support/fuzz/yaml_fuzz.c \
  c/yaml_decode.c c/yaml_emit.c c/yaml_scalar.c c/yaml_tree.c \
  $(pkg-config --cflags --libs yaml-0.1) -lm
echo "$OUT/yaml_fuzz"
