#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing its figure beside its floor or rival.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.deps/bin:$PATH"
status=0
bash bench/startup.sh || status=1
luajit bench/yaml.lua || status=1
luajit bench/proc.lua || status=1
luajit bench/tmpl.lua || status=1
luajit bench/state.lua || status=1
luajit bench/charts.lua || status=1
luajit bench/sched.lua || status=1
luajit bench/template.lua || status=1
luajit bench/chart_render.lua || status=1
luajit bench/records.lua || status=1
luajit bench/deploy.lua || status=1
exit $status
