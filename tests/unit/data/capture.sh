#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the vcsim_*.xml fixtures of the unit tests: starts
# tests/bin/vcsim on loopback (build it with tests/build-go.sh), sends the
# SOAP requests the plugin sends with curl (one cookie jar, so the session
# is kept) and saves the raw response bodies here. vcsim is stopped by PID.
# Usage: tests/unit/data/capture.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
vcsim="$root/tests/bin/vcsim"
[ -x "$vcsim" ] || { echo "capture.sh: $vcsim missing (run tests/build-go.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# 1 datacenter, 1 standalone host, 1 cluster of 1 host, 1 VM each: 2 + 2.
"$vcsim" -listen 127.0.0.1:0 -url-file "$tmp/url" -dc 1 -cluster 1 \
    -cluster-host 1 -host 1 -vm 1 >"$tmp/out" 2>"$tmp/err" &
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
        --data-binary "$head$2$tail" -o "$here/$1" "$url"
    echo "captured $1"
}

soap vcsim_service_content.xml '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>'

view_req='<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><type>HostSystem</type><recursive>true</recursive></CreateContainerView>'
soap vcsim_not_authenticated.xml "$view_req"

soap vcsim_login_invalid.xml '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>wrong</password></Login>'
soap vcsim_login.xml '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>'

soap vcsim_container_view.xml "$view_req"
view=$(sed -n 's/.*<returnval type="ContainerView">\([^<]*\)<.*/\1/p' "$here/vcsim_container_view.xml")

soap vcsim_props.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet><pathSet>runtime.host</pathSet></propSet><propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet><pathSet>runtime.connectionState</pathSet><pathSet>parent</pathSet></propSet><objectSet><obj type=\"ContainerView\">$view</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"

# vcsim (govmomi 0.24) does not implement it: a MethodNotFound fault.
soap vcsim_method_not_found.xml '<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>1</token></ContinueRetrievePropertiesEx>'

soap vcsim_catalog.xml '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>PerformanceManager</type><all>false</all><pathSet>perfCounter</pathSet></propSet><objectSet><obj type="PerformanceManager">PerfMgr</obj><skip>false</skip></objectSet></specSet><options/></RetrievePropertiesEx>'

# cpu.usage.average (2), cpu.usagemhz.average (6), net.received.average (148)
mid='<metricId><counterId>2</counterId><instance>*</instance></metricId><metricId><counterId>6</counterId><instance>*</instance></metricId><metricId><counterId>148</counterId><instance>*</instance></metricId>'
soap vcsim_perf.xml "<QueryPerf xmlns=\"urn:vim25\"><_this type=\"PerformanceManager\">PerfMgr</_this><querySpec><entity type=\"VirtualMachine\">vm-39</entity><maxSample>3</maxSample>$mid<intervalId>20</intervalId><format>normal</format></querySpec><querySpec><entity type=\"HostSystem\">host-21</entity><maxSample>3</maxSample>$mid<intervalId>20</intervalId><format>normal</format></querySpec></QueryPerf>"

# mem.usage.average (24), aggregate only, with a startTime
start=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000000Z)
soap vcsim_perf_start.xml "<QueryPerf xmlns=\"urn:vim25\"><_this type=\"PerformanceManager\">PerfMgr</_this><querySpec><entity type=\"VirtualMachine\">vm-42</entity><startTime>$start</startTime><maxSample>180</maxSample><metricId><counterId>24</counterId><instance></instance></metricId><intervalId>20</intervalId><format>normal</format></querySpec></QueryPerf>"

soap vcsim_logout.xml '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>'

# The full discovery answer of a larger inventory (its own vcsim): the
# capture is deterministic for a given vcsim build, and test_inventory.c
# spot-checks morefs and uuids from it.
"$here/capture_discovery.sh"

# The state values of every kind, and OptionManager answers (their own
# vcsim too).
"$here/capture_states.sh"
