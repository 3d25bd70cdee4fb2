#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything collectd-vsphere needs to build, run and test on
# Debian 12, then builds the plugin (./configure && make) and the Go test
# tools (vcsim, vsctl). Idempotent; run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  build-essential autoconf automake libtool pkg-config git
  collectd-dev libcurl4-openssl-dev libxml2-dev
  # run: collectd itself and what Debian's write_prometheus.so links
  collectd-core libprotobuf-c1 libmicrohttpd12 curl ca-certificates
  # tests: vcsim from Debian's govmomi sources, python3, openssl for TLS certs
  golang-go golang-github-vmware-govmomi-dev python3 openssl procps
  # test backends (tests/backends.py): Prometheus, Graphite's carbon-cache +
  # whisper-fetch, InfluxDB 1.x; libgcrypt20 is what Debian's network.so links
  prometheus graphite-carbon python3-whisper influxdb libgcrypt20
  # Debian package (tests/test_package.py): dpkg-buildpackage, dh, the
  # manual page rendered with man -l
  dpkg-dev debhelper fakeroot man-db groff-base
  # sanitizers, memcheck, fuzzing
  clang libclang-rt-14-dev valgrind
  # the C sources' format (tests/test_build.py)
  clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -f Makefile ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  autoreconf -fi
  ./configure -q
fi
make -j"$(nproc)" src/vsphere.la
bash tests/build-go.sh tests/bin
echo "setup: plugin at src/.libs/vsphere.so, vcsim and vsctl in tests/bin"
