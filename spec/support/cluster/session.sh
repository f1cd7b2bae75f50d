#!/usr/bin/env bash
# Runs a command (the spec runner, under `make test` / `make asan`) with a Kubernetes API
# server for the #cluster specs, named by HFL_TEST_KUBECONFIG:
# - HFL_TEST_KUBECONFIG already set: that cluster (a contributor's own), nothing started;
# - this checkout's `make cluster-up` cluster running: that one, left running afterwards;
# - otherwise one is started for this run (fresh etcd; built first if this machine has no
#   kube-apiserver yet) and stopped when the command ends, whatever its outcome.
# When no cluster can be had, nothing runs and the run fails with a summary line saying so.
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

trap 'bash spec/support/cluster/down.sh' EXIT
trap 'exit 130' INT TERM
kubeconfig=$(bash spec/support/cluster/up.sh) ||
  fail "the test API server could not be built or started (see above); the #cluster specs need it"
HFL_TEST_KUBECONFIG=$kubeconfig "$@"
