#!/bin/sh
# SPDX-License-Identifier: MIT
# Captures vcsim_discovery.xml: the answer to the plugin's full discovery
# request (a ContainerView over Folder, Datacenter, ComputeResource,
# HostSystem and VirtualMachine, with the property paths of
# src/vs_inventory.c, uuids included) from a vcsim of 2 datacenters, each
# with 2 clusters of 2 hosts and 1 stand-alone host, 2 VMs per host/pool.
# vcsim is started on loopback and stopped by PID.
# Usage: tests/unit/data/capture_discovery.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
vcsim="$root/tests/bin/vcsim"
[ -x "$vcsim" ] || { echo "capture_discovery.sh: $vcsim missing (run tests/build-go.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$vcsim" -listen 127.0.0.1:0 -url-file "$tmp/url" -dc 2 -cluster 2 \
    -cluster-host 2 -host 1 -vm 2 >"$tmp/out" 2>"$tmp/err" &
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
soap "$tmp/view.xml" '<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>Folder</type><type>Datacenter</type><type>ComputeResource</type><type>HostSystem</type><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>'
view=$(sed -n 's/.*<returnval type="ContainerView">\([^<]*\)<.*/\1/p' "$tmp/view.xml")
[ -n "$view" ] || { echo "capture_discovery.sh: no view" >&2; cat "$tmp/view.xml" >&2; exit 1; }

ps() { # ps TYPE PATH...
    t=$1; shift
    printf '<propSet><type>%s</type><all>false</all>' "$t"
    for p in "$@"; do printf '<pathSet>%s</pathSet>' "$p"; done
    printf '</propSet>'
}
specs="$(ps Folder name parent)$(ps Datacenter name parent)$(ps ComputeResource name parent)$(ps HostSystem name parent runtime.powerState runtime.connectionState hardware.systemInfo.uuid)$(ps VirtualMachine name parent runtime.powerState runtime.connectionState runtime.host config.template config.instanceUuid)"

soap "$here/vcsim_discovery.xml" "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet>$specs<objectSet><obj type=\"ContainerView\">$view</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
echo "captured vcsim_discovery.xml"
soap "$tmp/logout.xml" '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>'
