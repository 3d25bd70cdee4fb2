#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the test helpers tests/vcsim and tests/vsctl (govmomi from Debian's
# golang-github-vmware-govmomi-dev, GOPATH mode, no network).
# Usage: tests/build-go.sh [OUTDIR]   (default: tests/bin)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$here/bin}
mkdir -p "$out"
out=$(cd "$out" && pwd)

export GO111MODULE=off
export GOPATH=/usr/share/gocode
export GOCACHE="$out/.gocache"
export GOFLAGS=
export GOPROXY=off
export CGO_ENABLED=0

command -v go >/dev/null 2>&1 || { echo "build-go.sh: go not found" >&2; exit 1; }
[ -d "$GOPATH/src/github.com/vmware/govmomi/simulator" ] || {
    echo "build-go.sh: govmomi not found under $GOPATH (install golang-github-vmware-govmomi-dev)" >&2
    exit 1
}

cd "$root"
for prog in vcsim vsctl; do
    go build -o "$out/$prog" "./tests/$prog"
done
echo "built $out/vcsim $out/vsctl"
