#!/usr/bin/env bash
# Runs a command (the spec runner, under `make test` / `make asan`) with a Kubernetes API
# server for the #cluster specs, named by HFL_TEST_KUBECONFIG:
# - HFL_TEST_KUBECONFIG already set: that cluster (a contributor's own), nothing started;
# - this checkout's `make cluster-up` cluster running: that one, left running afterwards;
# - otherwise one is started for this run (fresh etcd; built first if this machine has no
#   kube-apiserver yet), in the background while the other specs already run: the #cluster
#   specs wait for it (HFL_TEST_CLUSTER_PENDING names where its kubeconfig path or its failure
#   appears) and fail, with up.sh's message, when it cannot start. It is stopped when the
#   command ends, whatever its outcome.
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1

fail() {
  printf 'cluster: %s\n' "$1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if [ -n "${HFL_TEST_KUBECONFIG:-}" ]; then
  [ -r "$HFL_TEST_KUBECONFIG" ] || fail "HFL_TEST_KUBECONFIG=$HFL_TEST_KUBECONFIG is not a readable file"
  exec "$@"
fi

if kubeconfig=$(bash spec/support/cluster/up.sh --status); then
  HFL_TEST_KUBECONFIG=$kubeconfig exec "$@"
fi

pending=$(mktemp -d)
upper=
stop() {
  [ -n "$upper" ] && wait "$upper" 2>/dev/null
  bash spec/support/cluster/down.sh
  rm -rf "$pending"
}
trap stop EXIT
trap 'exit 130' INT TERM
(
  if kubeconfig=$(bash spec/support/cluster/up.sh 2>"$pending/log"); then
    printf '%s\n' "$kubeconfig" >"$pending/kubeconfig.tmp" && mv "$pending/kubeconfig.tmp" "$pending/kubeconfig"
  else
    : >"$pending/failed"
  fi
) &
upper=$!
HFL_TEST_CLUSTER_PENDING=$pending "$@"
