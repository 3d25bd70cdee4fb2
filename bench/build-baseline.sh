#!/bin/sh
# SPDX-License-Identifier: MIT
# Build bench/baseline, the govmomi-performance-package collector the
# benchmark compares the plugin with (govmomi from Debian's
# golang-github-vmware-govmomi-dev, GOPATH mode, no network).
# Usage: bench/build-baseline.sh [OUTDIR]   (default: bench/bin)
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

command -v go >/dev/null 2>&1 || { echo "build-baseline.sh: go not found" >&2; exit 1; }
[ -d "$GOPATH/src/github.com/vmware/govmomi/performance" ] || {
    echo "build-baseline.sh: govmomi not found under $GOPATH (install golang-github-vmware-govmomi-dev)" >&2
    exit 1
}

cd "$root"
go build -o "$out/baseline" ./bench/baseline
echo "built $out/baseline"
