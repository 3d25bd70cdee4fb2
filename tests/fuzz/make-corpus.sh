#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the seed corpora of the fuzz targets (tests/fuzz/corpus/):
# starts tests/bin/vcsim on loopback (build it with tests/build-go.sh),
# captures the raw response bodies of the calls the plugin makes with curl
# (one cookie jar, so the session is kept), then writes each body with the
# 2 control bytes the harnesses expect (see fuzz_common.h) in front of it,
# plus the hand-made and hostile seeds. vcsim is stopped by PID.
# Usage: tests/fuzz/make-corpus.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vcsim="$root/tests/bin/vcsim"
[ -x "$vcsim" ] || { echo "make-corpus.sh: $vcsim missing (run tests/build-go.sh)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "make-corpus.sh: python3 missing" >&2; exit 1; }

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
raw="$tmp/raw"
mkdir -p "$raw"

head='<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
tail='</soapenv:Body></soapenv:Envelope>'

# soap NAME BODY: the response body goes to $raw/NAME.xml
soap() {
    curl -sS -b "$tmp/jar" -c "$tmp/jar" \
        -H 'Content-Type: text/xml; charset=utf-8' \
        -H 'SOAPAction: "urn:vim25/6.5"' \
        --data-binary "$head$2$tail" -o "$raw/$1.xml" "$url"
}

soap service_content '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>'
view_req='<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><type>HostSystem</type><recursive>true</recursive></CreateContainerView>'
soap fault_not_authenticated "$view_req"
soap fault_invalid_login '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>wrong</password></Login>'
soap login '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>'
soap container_view "$view_req"
view=$(sed -n 's/.*<returnval type="ContainerView">\([^<]*\)<.*/\1/p' "$raw/container_view.xml")
[ -n "$view" ] || { echo "make-corpus.sh: no ContainerView in the answer" >&2; exit 1; }

# maxObjects 2: a real vCenter answers 2 objects and a token; vcsim (govmomi
# 0.24) ignores maxObjects and answers everything without a token.
soap page "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet><pathSet>runtime.host</pathSet></propSet><propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet><pathSet>runtime.connectionState</pathSet><pathSet>parent</pathSet></propSet><objectSet><obj type=\"ContainerView\">$view</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>2</maxObjects></options></RetrievePropertiesEx>"
# vcsim does not implement it: a real MethodNotFound fault.
soap fault_method_not_found '<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>1</token></ContinueRetrievePropertiesEx>'

soap catalog_full '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>PerformanceManager</type><all>false</all><pathSet>perfCounter</pathSet></propSet><objectSet><obj type="PerformanceManager">PerfMgr</obj><skip>false</skip></objectSet></specSet><options/></RetrievePropertiesEx>'

# cpu.usage.average (2), cpu.usagemhz.average (6), mem.usage.average (24),
# net.received.average (148), every instance, 2 VMs
mid='<metricId><counterId>2</counterId><instance>*</instance></metricId><metricId><counterId>6</counterId><instance>*</instance></metricId><metricId><counterId>24</counterId><instance>*</instance></metricId><metricId><counterId>148</counterId><instance>*</instance></metricId>'
soap perf "<QueryPerf xmlns=\"urn:vim25\"><_this type=\"PerformanceManager\">PerfMgr</_this><querySpec><entity type=\"VirtualMachine\">vm-39</entity><maxSample>3</maxSample>$mid<intervalId>20</intervalId><format>normal</format></querySpec><querySpec><entity type=\"VirtualMachine\">vm-42</entity><maxSample>3</maxSample>$mid<intervalId>20</intervalId><format>normal</format></querySpec></QueryPerf>"
start=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000000Z)
soap perf_start "<QueryPerf xmlns=\"urn:vim25\"><_this type=\"PerformanceManager\">PerfMgr</_this><querySpec><entity type=\"HostSystem\">host-21</entity><startTime>$start</startTime><maxSample>180</maxSample><metricId><counterId>24</counterId><instance></instance></metricId><intervalId>20</intervalId><format>normal</format></querySpec></QueryPerf>"

# vCenter's events: a collector over every type and one ReadNextEvents page
# (vcsim keeps the latest 10 events in a collector's page, newest first);
# then the same call on the collector destroyed: ManagedObjectNotFound.
soap event_collector '<CreateCollectorForEvents xmlns="urn:vim25"><_this type="EventManager">EventManager</_this><filter></filter></CreateCollectorForEvents>'
collector=$(sed -n 's/.*<returnval type="EventHistoryCollector">\([^<]*\)<.*/\1/p' "$raw/event_collector.xml")
[ -n "$collector" ] || { echo "make-corpus.sh: no EventHistoryCollector in the answer" >&2; exit 1; }
read_events="<ReadNextEvents xmlns=\"urn:vim25\"><_this type=\"EventHistoryCollector\">$collector</_this><maxCount>1000</maxCount></ReadNextEvents>"
soap events "$read_events"
soap destroy_collector "<DestroyCollector xmlns=\"urn:vim25\"><_this type=\"EventHistoryCollector\">$collector</_this></DestroyCollector>"
soap fault_collector_gone "$read_events"

soap logout '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>'
# After Logout: a per-object NotAuthenticated fault in a missingSet.
soap page_missing_set_not_authenticated '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><all>false</all><pathSet>name</pathSet></propSet><objectSet><obj type="VirtualMachine">vm-39</obj><skip>false</skip></objectSet></specSet><options><maxObjects>2</maxObjects></options></RetrievePropertiesEx>'

kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=

python3 "$here/make_seeds.py" "$raw" "$here/corpus"
