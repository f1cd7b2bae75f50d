#!/usr/bin/env bash
# bench/startup.sh: median wall time of `./hfl version` (target <= 10 ms), next to a bare
# `luajit -e ''` as the floor, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() {
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | median
}
hfl_us=$(time_cmd ./hfl version)
floor_us=$(time_cmd luajit -e '')
printf 'startup: median of %d runs\n' "$runs"
printf '  floor  luajit -e ""        %6.2f ms\n' "$(echo "$floor_us / 1000" | bc -l)"
printf '  hfl    ./hfl version       %6.2f ms   (target <= 10 ms)\n' "$(echo "$hfl_us / 1000" | bc -l)"
