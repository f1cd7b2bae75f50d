#!/usr/bin/env bash
# Builds the template oracle build/tmplref (`make oracle`, and `make deps` after the packages)
# from main.go in GOPATH mode against Debian's Sprig v3 sources: no module download, no network.
# Does nothing when build/tmplref is newer than its sources. --quiet: print only on failure.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
SRC=spec/support/tmplref
OUT=build/tmplref
quiet=
[ "${1:-}" = --quiet ] && quiet=1

GO=/usr/lib/go-1.19/bin/go
[ -x "$GO" ] || GO=$(command -v go || true)
[ -n "$GO" ] || { echo "tmplref: no Go toolchain: apt-get install golang-1.19-go" >&2; exit 1; }
for pkg in github.com/Masterminds/sprig; do
  [ -d "/usr/share/gocode/src/$pkg" ] ||
    { echo "tmplref: /usr/share/gocode/src/$pkg is missing: apt-get install golang-github-masterminds-sprig-dev" >&2; exit 1; }
done

if [ -x "$OUT" ] && [ -z "$(find "$SRC/main.go" "$SRC/build.sh" -newer "$OUT" 2>/dev/null)" ]; then
  exit 0
fi

mkdir -p build
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# The package is built from a copy outside any GOPATH entry, so GOPATH mode resolves only the
# Sprig imports, from /usr/share/gocode.
mkdir -p "$gopath/src/tmplref"
cp "$SRC/main.go" "$gopath/src/tmplref/"
(cd "$gopath/src/tmplref" &&
  GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$ROOT/build/gocache" GOFLAGS= \
    "$GO" build -o "$ROOT/$OUT.tmp" .)
mv -f "$OUT.tmp" "$OUT"
[ -n "$quiet" ] || echo "tmplref: built $OUT"
