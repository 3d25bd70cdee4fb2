#!/bin/sh
# SPDX-License-Identifier: MIT
# Captures the fixtures of the state values (tests/unit/test_state.c) and
# of the OptionManager parser (test_parse.c) from vcsim:
#   vcsim_states.xml          the answer to a discovery of every kind with
#                             its state properties: the request of
#                             src/vs_inventory.c (build_specs, structure
#                             and states) for a vcsim of 1 datacenter, 1
#                             cluster of 2 hosts, 1 stand-alone host, 1 VM
#                             per host/pool and 1 extra resource pool
#   vcsim_states_request.xml  that request (test_state.c checks its paths
#                             against vs_state_paths: recapture when they
#                             change)
#   vcsim_option.xml          QueryOptions(config.vpxd.stats.maxQueryMetrics)
#                             of a vcsim started with -max-query-metrics 256
#   vcsim_option_fault.xml    QueryOptions of an option that does not exist
# vcsim is started on loopback and stopped by PID.
# Usage: tests/unit/data/capture_states.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
vcsim="$root/tests/bin/vcsim"
[ -x "$vcsim" ] || { echo "capture_states.sh: $vcsim missing (run tests/build-go.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$vcsim" -listen 127.0.0.1:0 -url-file "$tmp/url" -dc 1 -cluster 1 \
    -cluster-host 2 -host 1 -vm 1 -pool 1 -max-query-metrics 256 \
    >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
while [ ! -s "$tmp/url" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$tmp/err" >&2; exit 1; }
    sleep 0.1
done
url=$(cat "$tmp/url")

head='<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
tail='</soapenv:Body></soapenv:Envelope>'

# soap OUTFILE BODY
soap() {
    curl -sS -b "$tmp/jar" -c "$tmp/jar" \
        -H 'Content-Type: text/xml; charset=utf-8' \
        -H 'SOAPAction: "urn:vim25/6.5"' \
        --data-binary "$head$2$tail" -o "$1" "$url"
}

soap "$tmp/login.xml" '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>'

soap "$here/vcsim_option.xml" '<QueryOptions xmlns="urn:vim25"><_this type="OptionManager">VpxSettings</_this><name>config.vpxd.stats.maxQueryMetrics</name></QueryOptions>'
echo "captured vcsim_option.xml"
soap "$here/vcsim_option_fault.xml" '<QueryOptions xmlns="urn:vim25"><_this type="OptionManager">VpxSettings</_this><name>config.vpxd.stats.noSuchOption</name></QueryOptions>'
echo "captured vcsim_option_fault.xml"

soap "$tmp/view.xml" '<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>Folder</type><type>ComputeResource</type><type>HostSystem</type><type>VirtualMachine</type><type>Datacenter</type><type>Datastore</type><type>ResourcePool</type><recursive>true</recursive></CreateContainerView>'
view=$(sed -n 's/.*<returnval type="ContainerView">\([^<]*\)<.*/\1/p' "$tmp/view.xml")
[ -n "$view" ] || { echo "capture_states.sh: no view" >&2; cat "$tmp/view.xml" >&2; exit 1; }

ps() { # ps TYPE PATH...
    t=$1; shift
    printf '<propSet><type>%s</type><all>false</all>' "$t"
    for p in "$@"; do printf '<pathSet>%s</pathSet>' "$p"; done
    printf '</propSet>'
}
# The structure paths of src/vs_inventory.c, then the state paths of
# src/vs_state.c (vs_state_paths), per type.
vm_states='runtime.bootTime summary.config.numCpu summary.config.memorySizeMB overallStatus guest.toolsRunningStatus guest.toolsVersionStatus2 snapshot guest.disk triggeredAlarmState'
host_states='runtime.inMaintenanceMode runtime.standbyMode runtime.bootTime summary.hardware.cpuMhz summary.hardware.numCpuCores summary.hardware.memorySize summary.quickStats.overallCpuUsage summary.quickStats.overallMemoryUsage overallStatus vm triggeredAlarmState'
ds_states='summary.capacity summary.freeSpace summary.uncommitted summary.accessible summary.maintenanceMode summary.type host vm overallStatus triggeredAlarmState'
cl_states='summary.numHosts summary.numEffectiveHosts summary.totalCpu summary.effectiveCpu summary.totalMemory summary.effectiveMemory overallStatus triggeredAlarmState'
rp_states='runtime.cpu.overallUsage runtime.memory.overallUsage vm overallStatus triggeredAlarmState'
dc_states='overallStatus triggeredAlarmState'
# shellcheck disable=SC2086
specs="$(ps Folder name parent)$(ps ComputeResource name parent)$(ps HostSystem name parent runtime.powerState runtime.connectionState $host_states)$(ps VirtualMachine name parent runtime.powerState runtime.connectionState runtime.host config.template $vm_states)$(ps Datacenter name parent $dc_states)$(ps ClusterComputeResource $cl_states)$(ps Datastore name parent $ds_states)$(ps ResourcePool name parent $rp_states)"

request="<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet>$specs<objectSet><obj type=\"ContainerView\">$view</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
printf '%s%s%s\n' "$head" "$request" "$tail" >"$here/vcsim_states_request.xml"
soap "$here/vcsim_states.xml" "$request"
echo "captured vcsim_states.xml"
soap "$tmp/logout.xml" '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>'
