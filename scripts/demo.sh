#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job, end to end on one machine: sets up and builds everything,
# starts a bundled vCenter simulator (vcsim) and collectd with the vsphere
# plugin and write_prometheus on 127.0.0.1, and prints part of /metrics.
#   scripts/demo.sh            keep running until Ctrl-C
#   scripts/demo.sh --once     print the metrics and stop
# Inventory size: VCSIM_ARGS="-cluster 2 -cluster-host 4 -vm 50" scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=$(mktemp -d /tmp/vsphere-demo.XXXXXX)
mkdir -p "$work/plugins"
cp src/.libs/vsphere.so /usr/lib/collectd/write_prometheus.so /usr/lib/collectd/logfile.so "$work/plugins/"
vcsim_pid="" collectd_pid=""
cleanup() {
  [ -n "$collectd_pid" ] && kill "$collectd_pid" 2>/dev/null && wait "$collectd_pid" 2>/dev/null
  [ -n "$vcsim_pid" ] && kill "$vcsim_pid" 2>/dev/null && wait "$vcsim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2086
tests/bin/vcsim -listen 127.0.0.1:0 -url-file "$work/url" ${VCSIM_ARGS:-} >"$work/vcsim.log" 2>&1 &
vcsim_pid=$!
for _ in $(seq 1 600); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "vcsim did not start:"; cat "$work/vcsim.log"; exit 1; }
url=$(cat "$work/url")
port=${PROM_PORT:-9103}

cat >"$work/collectd.conf" <<CONF
Hostname "demo"
FQDNLookup false
Interval 20
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "$work/plugins"
TypesDB "/usr/share/collectd/types.db"
TypesDB "$PWD/collectd.conf.d/vsphere-types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$work/collectd.log"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$port"
</Plugin>
LoadPlugin vsphere
<Plugin vsphere>
  <Vcenter "demo">
    URL "$url"
    User "user"
    Password "pass"
  </Vcenter>
</Plugin>
CONF
collectd -f -C "$work/collectd.conf" >"$work/collectd.out" 2>&1 &
collectd_pid=$!
echo "vcsim at $url; collectd pid $collectd_pid; metrics at http://127.0.0.1:$port/metrics"
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | grep -q '^collectd_vsphere_vm_cpu_usage_average' && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^collectd_vsphere_(vm|host)_(cpu_usage_average|mem_usage_average|net_received_average)|^collectd_vsphere_self_(values|read_cpu_seconds)' | head -40
echo "--- collectd log:"
cat "$work/collectd.log"
if [ "${1:-}" != "--once" ]; then
  echo "--- running; press Ctrl-C to stop"
  wait "$collectd_pid"
fi
