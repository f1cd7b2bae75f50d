#!/usr/bin/env bash
# `make cluster-up`: starts the test cluster of this checkout — etcd with a fresh data
# directory and kube-apiserver (spec/support/cluster/build.sh builds it once per machine), both
# on free 127.0.0.1 ports, with throwaway certificates and one admin token — waits until the
# API server is ready, writes a kubeconfig and prints its path. Nothing else on success.
# Run state lives in .cluster/run (PIDs, logs, certificates, etcd data); down.sh stops exactly
# those PIDs and removes it. A second call while the cluster runs says so and prints the same
# path; --status only reports (exit 0 when running).
set -euo pipefail
cd "$(dirname "$0")/../../.."
STATE=$PWD/.cluster
RUN=$STATE/run
HERE=spec/support/cluster

say() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock 9

# shellcheck source=spec/support/cluster/pids.sh
. "$HERE/pids.sh"

if running "$RUN"; then
  [ "${1:-}" = --status ] || say "already running (stop it with 'make cluster-down')"
  echo "$RUN/kubeconfig"
  exit 0
fi
[ "${1:-}" != --status ] || exit 1
# A run whose processes are gone (a reboot, a kill) leaves files only; anything of it still
# alive is stopped first.
stop_all "$RUN"
rm -rf "$RUN"

BIN=$(bash "$HERE/build.sh")/bin

free_ports() { # n → n distinct free loopback ports, one a line
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print("\n".join(str(s.getsockname()[1]) for s in socks))
EOF
}

make_certs() {
  local d=$RUN/pki
  mkdir -p "$d"
  (cd "$d" &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
      -subj /CN=hfl-test-ca &&
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj /CN=kube-apiserver &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.cnf &&
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out apiserver.crt -days 30 -extfile san.cnf &&
    openssl genrsa -out sa.key 2048 &&
    openssl rsa -in sa.key -pubout -out sa.pub) >"$RUN/openssl.log" 2>&1 ||
    { cat "$RUN/openssl.log" >&2; die "openssl could not make the certificates"; }
  TOKEN=$(openssl rand -hex 24)
  printf '%s,hfl-admin,hfl-admin,"system:masters"\n' "$TOKEN" >"$d/tokens.csv"
}

# Starts a daemon in its own session (so it outlives make and ignores the terminal's ^C),
# without the lock's descriptor, and records "pid path" for down.sh.
start() { # name path args…
  local name=$1 path=$2
  shift 2
  setsid "$path" "$@" </dev/null >"$RUN/$name.log" 2>&1 9>&- &
  local pid=$! state
  echo "$pid $path" >>"$RUN/pids"
  # Until the child has exec'd the daemon /proc shows bash or setsid, and the PID would not
  # count as ours: wait for the exec (or the child's end).
  for _ in $(seq 1 200); do
    ours "$pid" "$path" && return 0
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null) || return 0
    [ -n "$state" ] && [ "$state" != Z ] || return 0
    sleep 0.05
  done
}

# Shows the daemons' last words, stops them and removes the run.
abandon() {
  local f
  for f in "$RUN"/etcd.log "$RUN"/kube-apiserver.log; do
    [ -s "$f" ] && { echo "--- $(basename "$f") (last lines)"; tail -n 15 "$f"; } >&2
  done
  stop_all "$RUN" || true
  rm -rf "$RUN"
}

wait_for() { # seconds what command… — until command succeeds (0) or a daemon dies (1)
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ! alive "$RUN"; then WHY="$what exited during start-up"; return 1; fi
    if [ $SECONDS -ge $deadline ]; then WHY="$what not ready after $1s"; return 1; fi
    sleep 0.5
  done
}

readyz() {
  [ "$(curl -sf --max-time 5 --cacert "$RUN/pki/ca.crt" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:$API_PORT/readyz")" = ok ]
}

launch() {
  local ports pki=$RUN/pki
  ports=$(free_ports 3 | paste -sd' ')
  read -r ETCD_PORT PEER_PORT API_PORT <<<"$ports"
  mkdir -m 700 "$RUN/etcd"
  start etcd "$BIN/etcd" --name hfl --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-cluster "hfl=http://127.0.0.1:$PEER_PORT" --logger=zap --log-level=warn
  wait_for 60 etcd curl -sf --max-time 5 "http://127.0.0.1:$ETCD_PORT/health" || return 1
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --token-auth-file "$pki/tokens.csv" --anonymous-auth=false --authorization-mode RBAC \
    --service-cluster-ip-range 10.0.0.0/24 \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer "https://127.0.0.1:$API_PORT" \
    --disable-admission-plugins ServiceAccount --endpoint-reconciler-type none
  wait_for 180 kube-apiserver readyz
}

write_kubeconfig() {
  local ca
  ca=$(base64 -w0 <"$RUN/pki/ca.crt")
  umask 077
  cat >"$RUN/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: hfl-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca
users:
- name: hfl-admin
  user:
    token: $TOKEN
contexts:
- name: hfl-test
  context:
    cluster: hfl-test
    user: hfl-admin
current-context: hfl-test
EOF
}

# Whatever stops this script before the kubeconfig is written takes the half-started run down.
trap '[ -s "$RUN/kubeconfig" ] || abandon' EXIT
mkdir -p "$RUN"
make_certs
for attempt in 1 2 3; do
  launch && break
  # Another process may take a port between free_ports and the daemon's bind.
  if [ $attempt -lt 3 ] && grep -qs 'address already in use' "$RUN"/*.log; then
    stop_all "$RUN"
    rm -rf "$RUN/etcd" "$RUN/pids" "$RUN"/*.log
    continue
  fi
  abandon
  die "$WHY"
done
write_kubeconfig
echo "$RUN/kubeconfig"
