#!/usr/bin/env bash
# The one test command behind `make test` / `make asan`: runs every busted spec under LuaJIT.
# busted's own summary line ends the output as "N passed, N failed" (spec/support/summary.lua).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.deps/bin:$PATH"
if [ -n "${HFL_ASAN:-}" ]; then
  export HFL_BIN="$PWD/hfl-asan"
  export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  export HFL_BIN="$PWD/hfl"
fi
busted --lua=luajit "$@"
