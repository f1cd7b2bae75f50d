#!/usr/bin/env bash
# Builds the YAML oracle build/yamlref (`make oracle`, and `make deps` after the packages)
# from main.go in GOPATH mode against Debian's go-yaml sources: no module download, no network.
# Does nothing when build/yamlref is newer than its sources. --quiet: print only on failure.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
SRC=spec/support/yamlref
OUT=build/yamlref
quiet=
[ "${1:-}" = --quiet ] && quiet=1

GO=/usr/lib/go-1.19/bin/go
[ -x "$GO" ] || GO=$(command -v go || true)
[ -n "$GO" ] || { echo "yamlref: no Go toolchain: run 'make deps' (golang-1.19-go)" >&2; exit 1; }
for pkg in gopkg.in/yaml.v3 gopkg.in/yaml.v2; do
  [ -d "/usr/share/gocode/src/$pkg" ] ||
    { echo "yamlref: /usr/share/gocode/src/$pkg is missing: run 'make deps'" >&2; exit 1; }
done

if [ -x "$OUT" ] && [ -z "$(find "$SRC/main.go" "$SRC/build.sh" -newer "$OUT" 2>/dev/null)" ]; then
  exit 0
fi

mkdir -p build
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
# The package is built from a copy outside any GOPATH entry, so GOPATH mode resolves only the
# two go-yaml imports, from /usr/share/gocode.
mkdir -p "$gopath/src/yamlref"
cp "$SRC/main.go" "$gopath/src/yamlref/"
(cd "$gopath/src/yamlref" &&
  GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$ROOT/build/gocache" GOFLAGS= \
    "$GO" build -o "$ROOT/$OUT.tmp" .)
mv -f "$OUT.tmp" "$OUT"
[ -n "$quiet" ] || echo "yamlref: built $OUT"
