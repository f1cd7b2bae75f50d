#!/usr/bin/env bash
# Prepares a corpus of real charts for bench/chart_diff.lua, offline: each chart is taken
# out of a git directory (`git archive`), then every dependency its Chart.yaml names is
# copied into its charts/ from the charts prepared alongside (matched by name), so no
# chart repository is contacted at render time.
#
#   bash bench/chart-corpus.sh OUT GITDIR:PATH [GITDIR:PATH …]
#   bash bench/chart-corpus.sh /tmp/corpus /work/.mirror/bitnami+charts/repo:bitnami/nginx …
# A GITDIR:PATH/* entry takes every chart under PATH.
set -euo pipefail
out=$1; shift
mkdir -p "$out"
for spec in "$@"; do
  git_dir=${spec%%:*}; path=${spec#*:}
  if [[ $path == */\* ]]; then
    mapfile -t paths < <(git --git-dir="$git_dir" ls-tree --name-only HEAD "${path%/\*}/")
  else
    paths=("$path")
  fi
  for p in "${paths[@]}"; do
    name=${p##*/}
    git --git-dir="$git_dir" cat-file -e "HEAD:$p/Chart.yaml" 2>/dev/null || continue
    rm -rf "${out:?}/$name"
    git --git-dir="$git_dir" archive HEAD "$p" | tar -x -C "$out" --strip-components=$(( $(tr -cd / <<<"$p" | wc -c) ))
  done
done
here=$(cd "$(dirname "$0")/.." && pwd)
luajit -e "dofile('$here/hfl.lua')" "$here/bench/chart_vendor.lua" "$out"
