#!/usr/bin/env bash
# Builds, once per machine, the Kubernetes API server the #cluster specs run against:
# kube-apiserver from Debian's `kubernetes` source package (upstream 1.20.2) and etcd from
# Debian's `etcd-server`, into a cache outside the checkout so a fresh clone starts in seconds:
#   ${XDG_CACHE_HOME:-~/.cache}/hfl-test/kube-1.20.2/bin/{kube-apiserver,etcd}
# Prints that directory. Nothing is installed on the system: packages are fetched through apt
# with a private, temporary source list copied from the machine's own (with deb-src added) and
# unpacked with dpkg-deb. Builds are serialised by a lock, so parallel callers wait for one
# build and reuse it. Remove the cache directory to build again.
set -euo pipefail

KUBE_VERSION=1.20.2   # the upstream release the fixes below were made for
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/hfl-test
DEST=$CACHE/kube-$KUBE_VERSION
LOG=$CACHE/kube-$KUBE_VERSION.build.log
GO=/usr/lib/go-1.19/bin/go

say() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

built() { [ -x "$DEST/bin/kube-apiserver" ] && [ -x "$DEST/bin/etcd" ] && [ -f "$DEST/complete" ]; }

if built; then echo "$DEST"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/kube-$KUBE_VERSION.lock"
if ! flock -n 9; then
  say "another process is building kube-apiserver $KUBE_VERSION; waiting for it"
  flock 9
fi
if built; then echo "$DEST"; exit 0; fi

[ -x "$GO" ] || die "no Go 1.19 toolchain at $GO: run 'make deps' (golang-1.19-go)"
for tool in apt-get dpkg-deb patch openssl flock; do
  command -v "$tool" >/dev/null || die "$tool is missing (this needs a Debian machine; run 'make deps')"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hfl-kube-build.XXXXXX")
trap 'rm -rf "$WORK" "$DEST.tmp"' EXIT
: >"$LOG"
started=$SECONDS
say "building kube-apiserver $KUBE_VERSION into $DEST (once per machine; minutes on a loaded machine; log: $LOG)"

# Runs one named step with its output in the log; on failure shows the log's tail and stops.
step() {
  local name=$1 t0=$SECONDS
  shift
  printf '=== %s\n' "$name" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 25 "$LOG" >&2
    die "step '$name' failed after $((SECONDS - t0))s (full log: $LOG)"
  fi
  printf '=== %s: %ds\n' "$name" $((SECONDS - t0)) >>"$LOG"
}

# apt with its own source list, index and download directories under $WORK: the machine's
# sources as they are plus a deb-src twin of each, so `apt-get source` works although the
# machine has only deb lines. /etc/apt and the system's package lists are never touched, and
# the copy goes with $WORK, whatever happens.
APTDIR=$WORK/apt
APT=(apt-get -q -o "Dir::Etc::SourceList=$APTDIR/sources.list"
  -o "Dir::Etc::SourceParts=$APTDIR/sources.list.d" -o "Dir::State::Lists=$APTDIR/lists"
  -o "Dir::Cache=$APTDIR/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
  -o APT::Sandbox::User="$(id -un)")

apt_sources() {
  mkdir -p "$APTDIR/sources.list.d" "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
  local etc f n=0
  etc=$(apt-config shell E Dir::Etc/d | sed -n "s/^E='\(.*\)'$/\1/p")
  etc=${etc:-/etc/apt/}
  : >"$APTDIR/sources.list"
  for f in "$etc/sources.list" "$etc"/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^[[:space:]]*deb([[:space:]].*)$/deb\1\ndeb-src\1/p' "$f" >>"$APTDIR/sources.list"
  done
  for f in "$etc"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    sed -E 's/^Types:.*$/Types: deb deb-src/' "$f" >"$APTDIR/sources.list.d/$n.sources"
  done
  # A repository without source indexes makes update report an error; what matters is
  # whether the packages below can then be fetched, and that failure names them.
  "${APT[@]}" update || true
}

fetch_packages() {
  mkdir -p "$WORK/dl"
  (cd "$WORK/dl" &&
    "${APT[@]}" source --download-only kubernetes &&
    "${APT[@]}" download etcd-server golang-github-modern-go-reflect2-dev)
}

SRC=$WORK/gopath/src/k8s.io/kubernetes

unpack() {
  local orig
  orig=$(ls "$WORK"/dl/kubernetes_*.orig.tar.gz)
  case $orig in
    *"really$KUBE_VERSION.orig.tar.gz" | *"_$KUBE_VERSION.orig.tar.gz") ;;
    *) echo "Debian's kubernetes source is $(basename "$orig"), the fixes here are for $KUBE_VERSION" >&2
       return 1 ;;
  esac
  mkdir -p "$WORK/gopath/src/k8s.io" "$WORK/deb"
  tar -xzf "$orig" -C "$WORK/gopath/src/k8s.io"
  mv "$WORK/gopath/src/k8s.io/kubernetes-$KUBE_VERSION" "$SRC"
  tar -xJf "$WORK"/dl/kubernetes_*.debian.tar.xz -C "$SRC"
  local p
  while read -r p; do
    case $p in '' | '#'*) continue ;; esac
    patch -p1 -s -d "$SRC" <"$SRC/debian/patches/$p"
  done <"$SRC/debian/patches/series"
  dpkg-deb -x "$WORK"/dl/etcd-server_*.deb "$WORK/deb"
  dpkg-deb -x "$WORK"/dl/golang-github-modern-go-reflect2-dev_*.deb "$WORK/deb"
}

# Fix 1: vendor/modules.txt is in Go 1.15's layout; Go 1.19 misreads the wildcard replacement
# lines ("# path => path version") between the package lists, so they go to the end.
fix_modules_txt() {
  local m=$SRC/vendor/modules.txt
  awk '$1 == "#" && $3 == "=>" { tail[n++] = $0; next } { print } END { for (i = 0; i < n; i++) print tail[i] }' \
    "$m" >"$m.new"
  mv "$m.new" "$m"
}

# Fix 2: the vendored reflect2 v1.0.1 crashes at run time under Go >= 1.18; Debian's v1.0.2
# has the same API and no dependencies.
fix_reflect2() {
  local v=$SRC/vendor/github.com/modern-go/reflect2
  rm -rf "$v"
  cp -r "$WORK/deb/usr/share/gocode/src/github.com/modern-go/reflect2" "$v"
}

# Fix 3: pkg/generated/openapi/zz_generated.openapi.go is not in the tarball. It is generated
# the way upstream's Makefile.generated_files does: every directory with a `+k8s:openapi-gen=`
# tag (staging named by its vendor/ path), openapi-gen built from vendor, in GOPATH mode.
openapi_dirs() {
  (cd "$SRC" &&
    find -H . \( -path './_*' -o -path './.*' -o -path ./vendor -o -path ./debian \) -prune -o -type f -name '*.go' -print |
    sed -e 's|^\./staging/src|vendor|' -e 's|^\./||' -e 's|/[^/]*$||' | LC_ALL=C sort -u |
    while read -r d; do
      case $d in vendor/k8s.io/code-generator/* | vendor/k8s.io/sample-apiserver/*) continue ;; esac
      if [ -n "$(grep -ls '+k8s:openapi-gen=' "$d"/*.go | xargs -r grep -l '^// *+k8s:')" ]; then
        echo "k8s.io/kubernetes/$d"
      fi
    done)
}

gen_openapi() {
  local dirs
  dirs=$(openapi_dirs | paste -sd, -)
  [ -n "$dirs" ] || { echo "no +k8s:openapi-gen directories found" >&2; return 1; }
  echo "openapi-gen over $(tr , '\n' <<<"$dirs" | wc -l) directories"
  (cd "$SRC" &&
    GO111MODULE=off GOPATH="$WORK/gopath" GOFLAGS='' "$GO" build -o "$WORK/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen &&
    GO111MODULE=off GOPATH="$WORK/gopath" "$WORK/openapi-gen" --logtostderr \
      -i "$dirs" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
      -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$WORK/violations.report")
  test -s "$SRC/pkg/generated/openapi/zz_generated.openapi.go"
  # The API-rule report matching the checked-in list shows the same types were generated.
  diff "$WORK/violations.report" "$SRC/api/api-rules/violation_exceptions.list"
}

# Fix 4: the version, set the way hack/lib/version.sh does (a source archive has no git), in
# both version packages, or the server reports v0.0.0-master and clients misjudge it.
build_apiserver() {
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=${KUBE_VERSION%%.*}"
    ldflags+=" -X $pkg.gitMinor=$(cut -d. -f2 <<<"$KUBE_VERSION") -X $pkg.gitTreeState=archive"
    ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  (cd "$SRC" &&
    GO111MODULE=on GOFLAGS=-mod=vendor CGO_ENABLED=0 GOPROXY=off GOPATH="$WORK/gopath" \
      GOCACHE="${GOCACHE:-$CACHE/go-build}" \
      nice -n 10 "$GO" build -trimpath -ldflags "$ldflags" -o "$WORK/kube-apiserver" ./cmd/kube-apiserver)
  "$WORK/kube-apiserver" --version | grep -qx "Kubernetes v$KUBE_VERSION"
}

install_bins() {
  rm -rf "$DEST.tmp"
  mkdir -p "$DEST.tmp/bin"
  cp "$WORK/kube-apiserver" "$DEST.tmp/bin/"
  cp "$WORK/deb/usr/bin/etcd" "$DEST.tmp/bin/"
  "$DEST.tmp/bin/etcd" --version
  sed -n 's/^=== \(.*: [0-9]*s\)$/\1/p' "$LOG" >"$DEST.tmp/build-times"
  touch "$DEST.tmp/complete"
  rm -rf "$DEST"
  mv "$DEST.tmp" "$DEST"
}

step "apt sources" apt_sources
step "fetch packages" fetch_packages
step "unpack and patch" unpack
step "fix vendor/modules.txt" fix_modules_txt
step "fix reflect2" fix_reflect2
step "generate openapi" gen_openapi
step "build kube-apiserver" build_apiserver
step "install" install_bins
say "built kube-apiserver $KUBE_VERSION in $((SECONDS - started))s"
echo "$DEST"
