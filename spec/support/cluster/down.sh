#!/usr/bin/env bash
# `make cluster-down`: stops the processes `make cluster-up` started for this checkout (by
# their saved PIDs) and removes the run's data (etcd data, certificates, kubeconfig, logs).
# Quiet, and a no-op when nothing runs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
STATE=$PWD/.cluster
RUN=$STATE/run
[ -d "$STATE" ] || exit 0
exec 9>"$STATE/lock"
flock 9
# shellcheck source=spec/support/cluster/pids.sh
. spec/support/cluster/pids.sh
stop_all "$RUN"
rm -rf "$RUN"
