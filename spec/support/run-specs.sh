#!/usr/bin/env bash
# The one test command behind `make test` / `make asan`: runs the busted specs under LuaJIT and
# ends with the one line CI reads: "N passed, N failed" (errors count as failures).
#
#   bash spec/support/run-specs.sh                          every spec file, in parallel
#   bash spec/support/run-specs.sh --exclude-tags=slow      busted options go to every file
#   bash spec/support/run-specs.sh spec/unit                the spec files under a folder
#   bash spec/support/run-specs.sh spec/unit/cli_spec.lua   one file: plain busted, dots live
#
# Spec files run concurrently: a work queue of one busted process per file, pulled by
# HFL_SPEC_JOBS workers (default twice the cores, at least 2: most specs wait on servers and
# processes, not on the CPU), longest first by the durations the last run measured
# (build/spec-durations, or HFL_SPEC_DURATIONS; files it does not know go first). Each file
# gets its own HFL_CACHE_HOME. A file that crashes, or runs past HFL_SPEC_TIMEOUT seconds (default 900),
# counts as one failure with its output shown. HFL_SPEC_JOBS=1, or a busted option that
# changes what runs or how it is reported (-o, -l, -p, -C, -f, -r, --shuffle…), runs one plain
# busted over everything instead.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.deps/bin:$PATH"
# Under `make asan` busted runs with the sanitizer runtime preloaded (spec/support/helper.lua
# then loads the sanitizer build of hfl.core and hides the runtime from busted's children).
busted=(busted --lua=luajit)
if [ -n "${HFL_ASAN:-}" ]; then
  export HFL_BIN="$PWD/hfl-asan"
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  busted=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" "${busted[@]}")
else
  export HFL_BIN="$PWD/hfl"
fi

plain() { exec "${busted[@]}" "$@"; }

# Split the arguments into busted options and spec paths (files or folders).
opts=() paths=() serial=
[ "${HFL_SPEC_JOBS:-}" = 1 ] && serial=1
takes_value='^(-[pteoCfmr]|-Xoutput|-Xhelper|--(pattern|exclude-pattern|output|directory|config-file|coverage-config-file|tags|exclude-tags|filter|filter-out|lpath|cpath|run|repeat|seed|lang|loaders|helper|lua))$'
changes_run='^(-[olpCfrch]|-Xoutput|--(output|list|pattern|exclude-pattern|directory|config-file|run|coverage|help|version|shuffle|shuffle-files|sort-files)(=.*)?)$'
while [ $# -gt 0 ]; do
  a=$1; shift
  if [ "$a" = -- ]; then paths+=("$@"); break; fi
  [[ $a =~ $changes_run ]] && serial=1
  if [[ $a == -* ]]; then
    opts+=("$a")
    if [[ $a =~ $takes_value ]] && [ $# -gt 0 ]; then opts+=("$1"); shift; fi
  else
    paths+=("$a")
  fi
done
[ -n "$serial" ] && plain "${opts[@]}" "${paths[@]}"

# The spec files: everything under spec/ (or the folders given) named *_spec.lua, as .busted says.
files=()
for p in "${paths[@]:-spec}"; do
  [[ $p == */ ]] && p=${p%/}
  if [ -d "$p" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$p" -name '*_spec.lua' -type f | sort)
  else
    files+=("$p")
  fi
done
[ ${#files[@]} -eq 1 ] && plain "${opts[@]}" "${files[0]}"
if [ ${#files[@]} -eq 0 ]; then
  echo "run-specs: no spec files under ${paths[*]:-spec}"
  echo "0 passed, 1 failed"
  exit 1
fi

# Longest first: a long file started last would finish alone.
durations=${HFL_SPEC_DURATIONS:-build/spec-durations}
order=$(for f in "${files[@]}"; do
  d=$(awk -v f="$f" '$2 == f { d = $1 } END { print d == "" ? 1e9 : d }' "$durations" 2>/dev/null || echo 1e9)
  printf '%s\t%s\n' "$d" "$f"
done | sort -t$'\t' -k1,1gr -k2 | cut -f2)
mapfile -t files <<<"$order"

cores=$(nproc 2>/dev/null || echo 2)
jobs=${HFL_SPEC_JOBS:-$((cores * 2 < 2 ? 2 : cores * 2))}
limit=${HFL_SPEC_TIMEOUT:-900}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hfl-specs-XXXXXX")

stop_workers() {
  for pidfile in "$tmp"/*.pid; do
    [ -f "$pidfile" ] && kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null
  done
}
trap 'stop_workers; wait; rm -rf "$tmp"; exit 130' INT
trap 'stop_workers; wait; rm -rf "$tmp"; exit 143' TERM
trap 'rm -rf "$tmp"' EXIT

# One busted run of a file; `timeout` makes a process group, so a timeout (or Ctrl-C) also
# stops the servers the file started.
busted_file() {
  local i=$1 f=$2
  HFL_CACHE_HOME="$tmp/cache-$i" timeout -k 10 "$limit" \
    "${busted[@]}" -o spec/support/summary.lua -Xoutput worker "${opts[@]}" -- "$f" \
    </dev/null >"$tmp/$i.out" 2>"$tmp/$i.err" &
  echo $! >"$tmp/$i.pid"
  wait $!
}

# One file in its own busted. LuaJIT 2.1.0-beta3 (Debian's) now and then dies of a
# segmentation fault inside its JIT, in no particular spec: a file whose busted dies so, with
# no summary, runs once more, and the summary names the crash; a second crash fails the file.
run_file() {
  local i=$1 f=$2 start=${EPOCHREALTIME/./} rc
  busted_file "$i" "$f"
  rc=$?
  if ! tail -n 1 "$tmp/$i.out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$' \
    && grep -q 'Segmentation fault' "$tmp/$i.err" 2>/dev/null; then
    cat "$tmp/$i.out" "$tmp/$i.err" >"$tmp/$i.crash"
    busted_file "$i" "$f"
    rc=$?
  fi
  rm -f "$tmp/$i.pid"
  local us=$(( ${EPOCHREALTIME/./} - start ))
  echo "$rc" >"$tmp/$i.rc"
  printf '%d.%d\t%s\n' $((us / 1000000)) $((us / 100000 % 10)) "$f" >"$tmp/$i.time"
  local line cpu
  line=$(tail -n 1 "$tmp/$i.out")
  [[ $line =~ ^[0-9]+\ passed,\ [0-9]+\ failed$ ]] || line="crashed (exit $rc)"
  [ "$rc" -eq 124 ] && line="timed out after $limit s"
  # CPU time of what this subshell waited for: busted and every child it reaped.
  times >"$tmp/$i.cpu"
  cpu=$(awk 'function secs(x) { split(x, t, /[ms]/); return t[1] * 60 + t[2] }
    NR == 2 { printf "%.1f", secs($1) + secs($2) }' "$tmp/$i.cpu")
  printf '%6.1fs  cpu %5.1fs  %s  %s\n' "$(cut -f1 "$tmp/$i.time")" "$cpu" "$f" "$line"
}

echo "running ${#files[@]} spec files, $jobs at a time"
running=0
for i in "${!files[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
  run_file "$i" "${files[$i]}" &
  running=$((running + 1))
done
wait

# Every file's failures in full, then the sums.
passed=0 failed=0
for i in "${!files[@]}"; do
  if [ -f "$tmp/$i.crash" ]; then
    printf '\nRUN AGAIN after a LuaJIT segmentation fault: %s (its first run, last lines:)\n' "${files[$i]}"
    tail -n 5 "$tmp/$i.crash"
  fi
  f=${files[$i]} out="$tmp/$i.out" rc=$(cat "$tmp/$i.rc" 2>/dev/null || echo "?")
  last=$(tail -n 1 "$out" 2>/dev/null)
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
    passed=$((passed + p)) failed=$((failed + n))
    body=$(sed '$d' "$out" | sed '/./,$!d')
    if [ "$n" -eq 0 ] && [ "$rc" != 0 ]; then
      failed=$((failed + 1)) n=1
      body="$body"$'\n'"busted exited $rc without reporting a failure"
    fi
    [ -n "$body" ] && printf '\n== %s\n%s\n' "$f" "$body"
    [ "$n" -gt 0 ] && [ -s "$tmp/$i.err" ] && { echo "-- stderr of $f:"; cat "$tmp/$i.err"; }
  else
    failed=$((failed + 1))
    if [ "$rc" = 124 ]; then
      printf '\nTIMEOUT: %s ran longer than %s s (HFL_SPEC_TIMEOUT)\n' "$f" "$limit"
    else
      printf '\nCRASH: %s: busted exited %s without a summary\n' "$f" "$rc"
    fi
    cat "$out" "$tmp/$i.err" 2>/dev/null
  fi
done

# Remember the durations for the next run's order (files not run keep their old figure).
if [ -d "$(dirname "$durations")" ]; then
  touch "$durations"
  cat "$tmp"/*.time | awk -F'\t' 'NR == FNR { new[$2] = 1; print; next } !($2 in new)' - "$durations" \
    | while IFS=$'\t' read -r d f; do [[ $f == spec/* && -f $f ]] && printf '%s\t%s\n' "$d" "$f"; done \
    | sort -t$'\t' -k2 >"$tmp/durations" && mv -f "$tmp/durations" "$durations"
fi

printf '\n%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
