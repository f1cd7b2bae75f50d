# shellcheck shell=bash
# Sourced by up.sh and down.sh: the processes of one cluster run, recorded in RUN/pids as
# "pid path" lines in start order. A recorded PID counts as ours only while /proc says it is
# still running that binary, so a PID the kernel has since given to another process is left
# alone; nothing is ever looked up or stopped by name.

ours() { # pid path
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  [ "$exe" = "$2" ] || [ "$exe" = "$2 (deleted)" ]
}

alive() { # run-dir → every recorded process is running
  local pid path n=0
  [ -s "$1/pids" ] || return 1
  while read -r pid path; do
    ours "$pid" "$path" || return 1
    n=$((n + 1))
  done <"$1/pids"
  [ "$n" -gt 0 ]
}

running() { # run-dir → started completely and still up
  [ -s "$1/kubeconfig" ] && alive "$1"
}

stop_all() { # run-dir → stops the recorded processes, last started first; 1 if one survives
  local pid path pids=() i
  [ -s "$1/pids" ] || return 0
  while read -r pid path; do
    ours "$pid" "$path" && pids=("$pid $path" "${pids[@]}")
  done <"$1/pids"
  for i in "${pids[@]}"; do
    read -r pid path <<<"$i"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      ours "$pid" "$path" || break
      sleep 0.1
    done
    if ours "$pid" "$path"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for i in "${pids[@]}"; do
    read -r pid path <<<"$i"
    for _ in $(seq 1 50); do ours "$pid" "$path" || continue 2; sleep 0.1; done
    echo "cluster: error: process $pid ($path) did not stop" >&2
    return 1
  done
}
