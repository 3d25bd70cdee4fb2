#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz seed corpora (called by make-corpus.sh).

Usage: make_seeds.py RAW_DIR CORPUS_DIR

RAW_DIR holds the response bodies captured from vcsim (NAME.xml); every
seed is written as 2 control bytes (the chunking, see fuzz_common.h)
followed by a response body:
  corpus/<target>/real_*  bodies captured from vcsim, each twice: in one
                          chunk and split
  corpus/<target>/edit_*  hand edits of captured bodies (what vcsim cannot
                          produce: a page with a token, a continuation page,
                          bound-breaking values), and ReadNextEvents answers
                          written by hand in the shape vCenter sends
  corpus/hostile/*        hostile documents, shared by every target
"""
import os
import re
import shutil
import sys

RAW, OUT = sys.argv[1], sys.argv[2]
TARGETS = ["fuzz_soap_fault", "fuzz_service_content", "fuzz_prop_page",
           "fuzz_catalog", "fuzz_queryperf", "fuzz_events"]
MAX_LEN = 65536

# Control bytes (b0, b1): b0 & 3 = mode, b0 >> 2 = param.
WHOLE = b"\x00\x00"           # one chunk
SPLITS = [
    b"\x21\x07",              # mode 1: 9 cuts at pseudo-random offsets
    b"\x03<",                 # mode 3: a cut before every '<'
    b"\x02\x00",              # mode 2: smallest chunks (capped at 1024)
    b"\x07\"",                # mode 3: a cut at every 2nd '"'
    b"\x02\x0f",              # mode 2: 16-byte chunks
    b"\x03>",                 # mode 3: a cut before every '>'
]


def raw(name):
    with open(os.path.join(RAW, name + ".xml"), "rb") as f:
        return f.read()


def put(target, name, body, prefix=WHOLE):
    data = prefix + body
    assert len(data) <= MAX_LEN, (target, name, len(data))
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


_split = [0]


def put_real(target, name, body):
    """A captured body: whole, and split with the next split pattern."""
    put(target, "real_" + name, body)
    put(target, "real_" + name + "_split", body, SPLITS[_split[0] % len(SPLITS)])
    _split[0] += 1


for t in TARGETS + ["hostile"]:
    shutil.rmtree(os.path.join(OUT, t), ignore_errors=True)

ENV_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope '
            b'xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
            b'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            b'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            b'<soapenv:Body>')
ENV_TAIL = b"</soapenv:Body></soapenv:Envelope>"


def envelope(inner):
    return ENV_HEAD + inner + ENV_TAIL


faults = ["fault_not_authenticated", "fault_invalid_login",
          "fault_method_not_found"]

# ---- fuzz_soap_fault: every captured answer --------------------------------
for name in (["service_content", "login", "container_view", "page", "perf",
              "perf_start", "logout", "page_missing_set_not_authenticated"]
             + faults):
    put_real("fuzz_soap_fault", name, raw(name))

# A fault the way real vCenter words it (soapenv:Fault, faultstring with
# entities, a detail with xsi:type and an element name ending in Fault).
put("fuzz_soap_fault", "edit_fault_vcenter_style", envelope(
    b"<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
    b"<faultstring>Cannot complete login due to an incorrect user name or "
    b"password &amp; &lt;more&gt; &#233;&#x20AC;</faultstring><detail>"
    b'<InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"/>'
    b"</detail></soapenv:Fault>"), SPLITS[1])
# A detail child without xsi:type: the type comes from the element name.
put("fuzz_soap_fault", "edit_fault_no_xsi_type", envelope(
    b"<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
    b"<faultstring>" + b"x" * 700 + b"</faultstring><detail>"
    b'<RequestCanceledFault xmlns="urn:vim25"><reason>r</reason>'
    b"</RequestCanceledFault></detail></soapenv:Fault>"))

# ---- fuzz_service_content ---------------------------------------------------
for name in ["service_content", "login", "fault_invalid_login",
             "fault_not_authenticated"]:
    put_real("fuzz_service_content", name, raw(name))
sc = raw("service_content")
# A stand-alone ESXi host answers apiType HostAgent and fewer managers.
esxi = sc.replace(b"<apiType>VirtualCenter</apiType>",
                  b"<apiType>HostAgent</apiType>")
esxi = re.sub(rb"<viewManager [^>]*>[^<]*</viewManager>", b"", esxi)
put("fuzz_service_content", "edit_service_content_hostagent", esxi)
# Every field longer than its array.
long_sc = sc
for tag in [b"rootFolder", b"propertyCollector", b"perfManager",
            b"sessionManager", b"apiVersion", b"apiType", b"fullName"]:
    long_sc = re.sub(rb"(<" + tag + rb"(?: [^>]*)?>)[^<]*(</" + tag + rb">)",
                     lambda m: m.group(1) + b"Z" * 300 + m.group(2), long_sc)
put("fuzz_service_content", "edit_service_content_long_fields", long_sc,
    SPLITS[2])

# ---- fuzz_prop_page ---------------------------------------------------------
page = raw("page")
put_real("fuzz_prop_page", "page", page)
put_real("fuzz_prop_page", "fault_method_not_found",
         raw("fault_method_not_found"))
put_real("fuzz_prop_page", "page_missing_set_not_authenticated",
         raw("page_missing_set_not_authenticated"))
put_real("fuzz_prop_page", "fault_not_authenticated",
         raw("fault_not_authenticated"))
objs = re.findall(rb"<objects>.*?</objects>", page)
assert len(objs) >= 4, "expected 4 objects from vcsim"
pre = page[:page.index(b"<objects>")]
post = page[page.index(b"</returnval>"):]
# What a vCenter sends for maxObjects 2: 2 objects and a token ...
put("fuzz_prop_page", "edit_page_with_token",
    pre + b"".join(objs[:2]) +
    b"<token>session[52f0c5a8-7d1e-d5f1-5a3c-2f4bbed2d1f4]52a1b7c3-1</token>"
    + post, SPLITS[3])
# ... and ContinueRetrievePropertiesEx the rest (no token: the last page).
cont_pre = pre.replace(b"RetrievePropertiesExResponse",
                       b"ContinueRetrievePropertiesExResponse")
cont_post = post.replace(b"RetrievePropertiesExResponse",
                         b"ContinueRetrievePropertiesExResponse")
put("fuzz_prop_page", "edit_continue_page", cont_pre + b"".join(objs[2:]) +
    cont_post)
# More than VS_PAGE_MAX_PROPS properties, values over VS_PAGE_MAX_VALUE,
# a complex (non-leaf) value, an obj without a type, objects without obj.
props = b"".join(
    b"<propSet><name>p%d</name><val xsi:type=\"xsd:string\">%s</val>"
    b"</propSet>" % (i, b"v" * (i * 40)) for i in range(20))
odd = (b'<objects><obj type="VirtualMachine">vm-1</obj>' + props +
       b"</objects>"
       b"<objects><obj>vm-2</obj><propSet><name>config</name>"
       b'<val xsi:type="VirtualMachineConfigInfo"><name>n</name>'
       b"<files><vmPathName>[ds] a/a.vmx</vmPathName></files></val>"
       b"</propSet></objects>"
       b"<objects><propSet><name>name</name><val>orphan</val></propSet>"
       b"</objects>"
       b'<objects><obj type="' + b"T" * 200 + b'">' + b"m" * 200 + b"</obj>"
       b"<propSet><val>no name</val><name>late</name></propSet></objects>")
put("fuzz_prop_page", "edit_page_bounds", pre + odd + b"<token>" +
    b"t" * 600 + b"</token>" + post, SPLITS[4])

# Update sets (WaitForUpdatesEx, the update stream) go through the same
# parser: the page's objects as "enter" in a first, truncated set; then a
# set with a "modify" (changeSets, one without val), a "leave", a version
# over its bound and two filterSets.
def as_update(obj, kind):
    body = obj.replace(b"<objects>", b"<objectSet><kind>" + kind + b"</kind>")
    body = body.replace(b"</objects>", b"</objectSet>")
    body = body.replace(b"<propSet>", b"<changeSet><op>assign</op>")
    return body.replace(b"</propSet>", b"</changeSet>")


upre = pre.replace(b"RetrievePropertiesExResponse", b"WaitForUpdatesExResponse")
upost = post.replace(b"RetrievePropertiesExResponse", b"WaitForUpdatesExResponse")
fset = b'<filterSet><filter type="PropertyFilter">session[1]f-1</filter>'
put("fuzz_prop_page", "edit_update_set_enter_truncated",
    upre + b"<version>1</version>" + fset +
    b"".join(as_update(o, b"enter") for o in objs) +
    b"</filterSet><truncated>true</truncated>" + upost, SPLITS[1])
put("fuzz_prop_page", "edit_update_set_modify_leave",
    upre + b"<version>" + b"9" * 300 + b"</version>" + fset +
    b'<objectSet><kind>modify</kind><obj type="VirtualMachine">vm-1</obj>'
    b"<changeSet><name>runtime.powerState</name><op>assign</op>"
    b"<val>poweredOff</val></changeSet><changeSet><name>snapshot</name>"
    b"<op>remove</op></changeSet></objectSet>"
    b'<objectSet><kind>leave</kind><obj type="VirtualMachine">vm-2</obj>'
    b"</objectSet></filterSet>" + fset +
    b'<objectSet><kind>bogus</kind><obj type="HostSystem">host-1</obj>'
    b"</objectSet></filterSet>" + upost, SPLITS[2])

# ---- fuzz_catalog -----------------------------------------------------------
cat = raw("catalog_full")
infos = re.findall(rb"<PerfCounterInfo>.*?</PerfCounterInfo>", cat)
assert len(infos) > 60, "expected the full perfCounter catalog"
cpre = cat[:cat.index(b"<PerfCounterInfo>")]
cpost = cat[cat.rindex(b"</PerfCounterInfo>") + len(b"</PerfCounterInfo>"):]
put("fuzz_catalog", "real_catalog_first20", cpre + b"".join(infos[:20]) +
    cpost)
put("fuzz_catalog", "real_catalog_first20_split", cpre +
    b"".join(infos[:20]) + cpost, SPLITS[0])
put("fuzz_catalog", "real_catalog_next40", cpre + b"".join(infos[20:60]) +
    cpost, SPLITS[5])
put_real("fuzz_catalog", "fault_not_authenticated",
         raw("fault_not_authenticated"))
one = infos[0]
bad = [
    one.replace(b"<key>1</key>", b"<key>-5</key>", 1),
    one.replace(b"<key>1</key>", b"<key>99999999999999999999</key>", 1),
    one.replace(b"<key>1</key>", b"<key>2147483648</key>", 1),
    one.replace(b"<key>1</key>", b"<key> 7</key>", 1),
    one.replace(b"<level>4</level>", b"<level>-9223372036854775808</level>"),
    one.replace(b"<level>4</level>", b"<level>4294967297</level>"),
    re.sub(rb"<groupInfo.*?</groupInfo>", b"", one),
    one.replace(b"<rollupType>none</rollupType>", b""),
    one.replace(b"<key>usage</key>", b"<key>" + b"n" * 200 + b"</key>"),
    b"<PerfCounterInfo><PerfCounterInfo><key>3</key></PerfCounterInfo>" +
    one[len(b"<PerfCounterInfo>"):],
]
put("fuzz_catalog", "edit_catalog_bad_counters", cpre + b"".join(bad) + cpost,
    SPLITS[1])

# ---- fuzz_queryperf ---------------------------------------------------------
perf = raw("perf")
put_real("fuzz_queryperf", "perf", perf)
put_real("fuzz_queryperf", "perf_start", raw("perf_start"))
put_real("fuzz_queryperf", "fault_not_authenticated",
         raw("fault_not_authenticated"))
ppre = perf[:perf.index(b"<returnval")]
ppost = perf[perf.index(b"</QueryPerfResponse>"):]
# Oldest first (vCenter's order), -1 (no data), odd timestamps.
ts = [b"2024-01-02T03:04:00Z", b"2024-01-02T03:04:20.5Z",
      b"2024-01-02T04:04:40.123456789+01:00", b"2024-02-30T25:00:00Z",
      b"0000-01-01T00:00:00-99:99", b"9999-12-31T23:59:60.999999Z",
      b"2024-01-02T03:05:00", b""]
vals = [b"1", b"-1", b"9223372036854775807", b"-9223372036854775808",
        b"99999999999999999999", b"1.5", b"", b" 3"]
rv = (b'<returnval xsi:type="PerfEntityMetric">'
      b'<entity type="HostSystem">host-21</entity>' +
      b"".join(b"<sampleInfo><timestamp>%s</timestamp><interval>20"
               b"</interval></sampleInfo>" % t for t in ts) +
      b'<value xsi:type="PerfMetricIntSeries"><id><counterId>2</counterId>'
      b"<instance></instance></id>" +
      b"".join(b"<value>%s</value>" % v for v in vals) + b"</value>"
      b'<value xsi:type="PerfMetricIntSeries"><id><counterId>-3</counterId>'
      b"<instance>vmnic0</instance></id><value>1</value></value>"
      b'<value xsi:type="PerfMetricIntSeries"><id><counterId>6</counterId>'
      b"<instance>" + b"i" * 300 + b"</instance></id><value>1</value>"
      b"<value>2</value></value></returnval>"
      b'<returnval xsi:type="PerfEntityMetric"><value><id><counterId>2'
      b"</counterId></id><value>1</value></value></returnval>")
put("fuzz_queryperf", "edit_perf_odd_values", ppre + rv + ppost, SPLITS[2])
# More than VS_PERF_MAX_SAMPLES samples.
many = (b'<returnval><entity type="VirtualMachine">vm-39</entity>' +
        b"".join(b"<sampleInfo><timestamp>2024-01-02T03:%02d:%02dZ</timestamp>"
                 b"</sampleInfo>" % (i // 60 % 60, i % 60)
                 for i in range(370)) +
        b"<value><id><counterId>2</counterId><instance>*</instance></id>" +
        b"".join(b"<value>%d</value>" % i for i in range(370)) +
        b"</value></returnval>")
put("fuzz_queryperf", "edit_perf_too_many_samples", ppre + many + ppost,
    SPLITS[3])
# Empty result (no data for the entity): an empty QueryPerfResponse.
put("fuzz_queryperf", "edit_perf_empty", ppre + ppost)

# ---- fuzz_events ------------------------------------------------------------
# ReadNextEvents answers. vcsim's (a collector's latest page, newest first)
# and its ManagedObjectNotFound for a destroyed collector; then answers
# written by hand the way vCenter sends them: Event's fields in schema order
# (key, chainId, createdTime, userName, datacenter, computeResource, host,
# vm, ds, fullFormattedMessage, ...), each entity argument as a name and a
# typed reference, the subclass's own fields after them.
put_real("fuzz_events", "events", raw("events"))
put_real("fuzz_events", "fault_collector_gone", raw("fault_collector_gone"))
put_real("fuzz_events", "fault_not_authenticated",
         raw("fault_not_authenticated"))


def events_answer(inner):
    return envelope(b'<ReadNextEventsResponse xmlns="urn:vim25">' + inner +
                    b"</ReadNextEventsResponse>")


def arg(name, ref_tag, ref_type, moref, shown):
    return (b"<%s><name>%s</name><%s type=\"%s\">%s</%s></%s>"
            % (name, shown, ref_tag, ref_type, moref, ref_tag, name))


DC = arg(b"datacenter", b"datacenter", b"Datacenter", b"datacenter-3", b"DC1")
CL = arg(b"computeResource", b"computeResource", b"ClusterComputeResource",
         b"domain-c8", b"Cluster-A")
H1 = arg(b"host", b"host", b"HostSystem", b"host-15", b"esx01.example.com")
H2 = arg(b"host", b"host", b"HostSystem", b"host-16", b"esx02.example.com")
VM = arg(b"vm", b"vm", b"VirtualMachine", b"vm-42", b"web01")
DS = arg(b"ds", b"datastore", b"Datastore", b"datastore-11", b"vsanDatastore")


def event(xsi_type, key, when, user, args, message, tail=b"", chain=None):
    return (b'<returnval xsi:type="%s"><key>%d</key><chainId>%d</chainId>'
            b"<createdTime>%s</createdTime><userName>%s</userName>%s"
            b"<fullFormattedMessage>%s</fullFormattedMessage>%s</returnval>"
            % (xsi_type, key, chain if chain is not None else key, when, user,
               b"".join(args), message, tail))


typed = b"".join([
    event(b"VmPoweredOnEvent", 48211, b"2026-11-02T09:14:03.218Z",
          b"VSPHERE.LOCAL\\ops", [DC, CL, H1, VM],
          b"web01 on esx01.example.com in DC1 is powered on",
          b"<template>false</template>", chain=48209),
    event(b"VmFailedToPowerOnEvent", 48215, b"2026-11-02T09:14:05.51Z",
          b"VSPHERE.LOCAL\\ops", [DC, CL, H1, VM],
          b"Cannot power on web01 on esx01.example.com in DC1. "
          b"Insufficient resources to satisfy configured failover level "
          b"for vSphere HA.",
          b"<template>false</template><reason><fault xsi:type=\""
          b"InsufficientFailoverResourcesFault\"/><localizedMessage>"
          b"Insufficient resources</localizedMessage></reason>",
          chain=48213),
    event(b"DrsVmMigratedEvent", 48230, b"2026-11-02T09:20:41.002Z", b"",
          [DC, CL, H2, VM],
          b"Migrating web01 from esx01.example.com, vsanDatastore to "
          b"esx02.example.com, vsanDatastore in DC1",
          b"<template>false</template>"
          b"<sourceHost><name>esx01.example.com</name><host type="
          b"\"HostSystem\">host-15</host></sourceHost>"
          b"<sourceDatacenter><name>DC1</name><datacenter type=\"Datacenter\">"
          b"datacenter-3</datacenter></sourceDatacenter>"
          b"<sourceDatastore><name>vsanDatastore</name><datastore type="
          b"\"Datastore\">datastore-11</datastore></sourceDatastore>",
          chain=48228),
    event(b"VmRelocatedEvent", 48240, b"2026-11-02T09:31:12.7Z",
          b"VSPHERE.LOCAL\\ops", [DC, CL, H2, VM, DS],
          b"Completed the relocation of the virtual machine",
          b"<template>false</template><sourceHost><name>esx01.example.com"
          b"</name><host type=\"HostSystem\">host-15</host></sourceHost>"),
    event(b"HostConnectionLostEvent", 48301, b"2026-11-02T10:02:00Z", b"",
          [DC, CL, H1], b"Host esx01.example.com in DC1 is not responding"),
    event(b"EnteredMaintenanceModeEvent", 48350, b"2026-11-02T10:30:00Z",
          b"root", [DC, CL, H2],
          b"Host esx02.example.com in DC1 has entered maintenance mode"),
    event(b"DatastoreRenamedEvent", 48360, b"2026-11-02T10:31:00Z",
          b"VSPHERE.LOCAL\\Administrator", [DC, DS],
          b"Renamed datastore from ds-old to vsanDatastore in DC1",
          b"<oldName>ds-old</oldName><newName>vsanDatastore</newName>"),
    event(b"BadUsernameSessionEvent", 48401, b"2026-11-02T11:00:00.000001Z",
          b"monitor@vsphere.local", [],
          b"Cannot login monitor@vsphere.local@192.0.2.7",
          b"<ipAddress>192.0.2.7</ipAddress>"),
])
put("fuzz_events", "edit_events_typed", events_answer(typed))
put("fuzz_events", "edit_events_typed_split", events_answer(typed), SPLITS[1])

# EventEx (eventTypeId, severity, arguments, object*) and ExtendedEvent.
ex = b"".join([
    event(b"EventEx", 48520, b"2026-11-02T12:00:01.5Z", b"", [DC, CL, H2, VM],
          b"vSphere HA restarted virtual machine web01 on host "
          b"esx02.example.com in cluster Cluster-A",
          b"<eventTypeId>com.vmware.vc.ha.VmRestartedByHAEvent</eventTypeId>"
          b"<severity>warning</severity>"
          b"<arguments><key>vmName</key><value xsi:type=\"xsd:string\">web01"
          b"</value></arguments><objectId>vm-42</objectId>"
          b"<objectType>VirtualMachine</objectType><objectName>web01"
          b"</objectName>"),
    event(b"EventEx", 48521, b"2026-11-02T12:00:00Z", b"", [DC, CL],
          b"vSphere HA detected a possible host failure of host "
          b"esx01.example.com in cluster Cluster-A in DC1",
          b"<eventTypeId>com.vmware.vc.HA.DasHostFailedEvent</eventTypeId>"
          b"<severity>error</severity><arguments><key>hostName</key>"
          b"<value xsi:type=\"xsd:string\">esx01.example.com</value>"
          b"</arguments>"),
    event(b"EventEx", 48530, b"2026-11-02T12:05:00Z", b"attacker@example",
          [], b"Failed login attempt for attacker@example from 192.0.2.9",
          b"<eventTypeId>com.vmware.sso.LoginFailure</eventTypeId>"
          b"<severity>info</severity><arguments><key>userName</key>"
          b"<value xsi:type=\"xsd:string\">attacker@example</value>"
          b"</arguments><arguments><key>ip</key><value xsi:type="
          b"\"xsd:string\">192.0.2.9</value></arguments>"),
    event(b"ExtendedEvent", 48540, b"2026-11-02T12:06:00Z", b"", [DC, H1],
          b"Lost access to volume vsanDatastore due to connectivity issues",
          b"<eventTypeId>vprob.vmfs.heartbeat.timedout</eventTypeId>"
          b"<managedObject type=\"HostSystem\">host-15</managedObject>"
          b"<data><key>1</key><value>vsanDatastore</value></data>"),
    # an EventEx whose eventTypeId is empty: its class stays its type
    event(b"EventEx", 48541, b"2026-11-02T12:07:00Z", b"", [],
          b"", b"<eventTypeId></eventTypeId><severity>user</severity>"),
])
put("fuzz_events", "edit_events_ex", events_answer(ex))
put("fuzz_events", "edit_events_ex_split", events_answer(ex), SPLITS[3])

# Nothing new: an empty answer, as vCenter sends it, and self-closed.
put("fuzz_events", "edit_events_empty", events_answer(b""))
put("fuzz_events", "edit_events_empty_selfclosed",
    envelope(b'<ReadNextEventsResponse xmlns="urn:vim25"/>'))

# A full page's worth of small events (ReadNextEvents pages hold up to 1000).
page = b"".join(
    event(b"VmPoweredOffEvent" if i % 3 else b"VmPoweredOnEvent", 50000 + i,
          b"2026-11-02T13:%02d:%02d.%03dZ" % (i // 60 % 60, i % 60, i), b"",
          [arg(b"vm", b"vm", b"VirtualMachine", b"vm-%d" % (100 + i),
               b"vm%03d" % i)], b"vm%03d is powered off" % i)
    for i in range(120))
put("fuzz_events", "edit_events_page", events_answer(page), SPLITS[2])

# Bounds and oddities: fields over their arrays with multi-byte characters
# across the cut, a key missing, not a number or overflowing, bad times and
# times before 1970, no or an empty xsi:type, an entity without a typed
# reference, a reference with an empty type, two references, a nested
# returnval, text where an entity is expected.
e_acute = "\u00e9".encode()           # 2 bytes
cjk = "\u6f22".encode()               # 3 bytes
odd = b"".join([
    event(b"T" * 300, 1, b"2026-11-02T14:00:00Z", e_acute * 100,
          [arg(b"vm", b"vm", b"V" * 100, b"m" * 300, cjk * 400),
           arg(b"host", b"host", b"HostSystem", b"host-1", b"h" * 1030)],
          e_acute * 600,
          b"<eventTypeId>" + b"x." * 150 + b"</eventTypeId><severity>" +
          cjk * 10 + b"</severity>"),
    b'<returnval xsi:type="VmPoweredOnEvent"><chainId>2</chainId>'
    b"<fullFormattedMessage>no key: dropped</fullFormattedMessage>"
    b"</returnval>",
    b'<returnval xsi:type="VmPoweredOnEvent"><key>three</key></returnval>',
    b'<returnval xsi:type="VmPoweredOnEvent"><key>99999999999999999999'
    b"</key><createdTime>2026-02-30T25:00:00Z</createdTime></returnval>",
    b"<returnval><key>4</key><chainId>-9223372036854775808</chainId>"
    b"<createdTime>1969-12-31T23:59:59.999999Z</createdTime>"
    b"<vm><name>no reference</name></vm>"
    b'<host><host type="">host-9</host><name>empty type</name></host>'
    b'<ds><datastore type="Datastore">datastore-1</datastore>'
    b'<datastore type="Datastore">datastore-2</datastore></ds>'
    b"<computeResource>text only</computeResource>"
    b'<datacenter><name><b>nested</b></name><datacenter type="Datacenter">'
    b"dc</datacenter></datacenter></returnval>",
    b'<returnval xsi:type=""><key>5</key><createdTime>'
    b"0000-01-01T00:00:00-14:00</createdTime>"
    b'<returnval xsi:type="VmPoweredOnEvent"><key>6</key></returnval>'
    b"</returnval>",
    b'<returnval xsi:type="VmPoweredOnEvent"><key>7</key><vm><vm '
    b'type="VirtualMachine">vm-7</vm><vm type="VirtualMachine">vm-8</vm>'
    b"</vm></returnval>",
])
put("fuzz_events", "edit_events_bounds", events_answer(odd), SPLITS[4])
# An event cut off in the middle: what came whole was handed on.
put("fuzz_events", "edit_events_truncated",
    events_answer(typed)[:len(ENV_HEAD) + len(typed) // 2], SPLITS[5])
# A fault the way vCenter words it for a collector it no longer has.
put("fuzz_events", "edit_fault_collector_not_found", envelope(
    b"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>"
    b"The object 'vim.event.EventHistoryCollector:session[52b1c4e0-9f3a-"
    b"6d2b-0f4e-7a1c2d3e4f50]52c9e8a1-3b2d-4c5e-8f90-a1b2c3d4e5f6' has "
    b"already been deleted or has not been completely created"
    b"</faultstring><detail><ManagedObjectNotFoundFault xmlns=\"urn:vim25\" "
    b'xsi:type="ManagedObjectNotFound"><obj type="EventHistoryCollector">'
    b"session[52b1c4e0-9f3a-6d2b-0f4e-7a1c2d3e4f50]52c9e8a1-3b2d-4c5e-8f90-"
    b"a1b2c3d4e5f6</obj></ManagedObjectNotFoundFault></detail>"
    b"</soapenv:Fault>"))

# ---- hostile: shared by every target ----------------------------------------
H = "hostile"
put(H, "truncated_mid_tag", sc[:len(sc) // 2] + b"<propertyColl")
put(H, "truncated_mid_text", perf[:perf.index(b"<value>") + 9], SPLITS[1])
put(H, "truncated_after_body_open", ENV_HEAD)
put(H, "billion_laughs", b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
    b' <!ENTITY lol "lol">\n' +
    b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1)
             if i > 1 else b"&lol;") * 10) for i in range(1, 10)) +
    b"]>\n" + envelope(b"<x>&lol9;</x>"), SPLITS[1])
put(H, "external_entity", b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE soapenv:Envelope [ <!ENTITY xxe SYSTEM '
    b'"file:///etc/passwd"> ]>\n' +
    envelope(b"<soapenv:Fault><faultstring>&xxe;</faultstring>"
             b"</soapenv:Fault>"))
put(H, "external_dtd", b'<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM '
    b'"http://127.0.0.1:9/evil.dtd">\n' + envelope(b"<a>&ent;</a>"),
    SPLITS[2])
put(H, "parameter_entity", b'<?xml version="1.0"?>\n<!DOCTYPE x [ '
    b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p; ]>\n<x/>')
put(H, "undeclared_entity", envelope(
    b'<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>'
    b'<rootFolder type="&a;">&b;</rootFolder></returnval>'
    b"</RetrieveServiceContentResponse>"))
deep_in = b"".join(b"<e%d>" % i for i in range(300))
deep_out = b"".join(b"</e%d>" % i for i in reversed(range(300)))
put(H, "deep_nesting", envelope(deep_in + deep_out), SPLITS[1])
# Exactly at the bound: Envelope, Body, then 62 more = depth 64.
put(H, "nesting_at_bound", envelope(b"<d>" * 62 + b"x" + b"</d>" * 62))
put(H, "nesting_over_bound", envelope(b"<d>" * 63 + b"x" + b"</d>" * 63))
put(H, "deep_nesting_in_fault", envelope(
    b"<soapenv:Fault><faultstring>f</faultstring><detail>" +
    b'<F xsi:type="NotAuthenticated">' * 100 + b"</F>" * 100 +
    b"</detail></soapenv:Fault>"), SPLITS[3])
put(H, "huge_attribute", envelope(
    b'<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>'
    b'<obj type="' + b"A" * 20000 + b'">vm-1</obj></objects></returnval>'
    b"</RetrievePropertiesExResponse>"))
put(H, "huge_xsi_type", envelope(
    b'<soapenv:Fault><detail><x xsi:type="vim25:' + b"N" * 20000 +
    b'"/></detail></soapenv:Fault>'), SPLITS[4])
put(H, "many_attributes", envelope(
    b"<a " + b" ".join(b'a%d="%d"' % (i, i) for i in range(1500)) + b"/>"))
put(H, "huge_text", envelope(b"<faultstring>" + b"T" * 20000 +
                             b"</faultstring>"), SPLITS[5])
put(H, "many_elements", envelope(b"<e/>" * 5000))
put(H, "empty", b"")
put(H, "whitespace", b" \r\n\t ")
put(H, "garbage", b"\xff\xfe\x00<\x00?\x00x\x00")
put(H, "two_roots", envelope(b"") + b"<again/>")
put(H, "trailing_text", envelope(b"") + b"tail")
put(H, "cdata_comment_pi", envelope(
    b"<!-- c --><?pi data?><soapenv:Fault><faultstring><![CDATA[<x>&y;]]>"
    b"</faultstring><detail><NotAuthenticatedFault/></detail>"
    b"</soapenv:Fault>"), SPLITS[0])
put(H, "char_refs", envelope(b"<a>&#0;</a><b>&#x10FFFF;&#xD800;</b>"))
put(H, "fault_wrong_namespace", b'<Envelope xmlns="urn:x"><Body><Fault>'
    b"<faultstring>no</faultstring><detail><X xsi:type=\"NotAuthenticated\" "
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></detail>'
    b"</Fault></Body></Envelope>")
put(H, "nested_faults", envelope(
    b"<soapenv:Fault><detail><soapenv:Fault><faultstring>inner</faultstring>"
    b"</soapenv:Fault><AFault/></detail><faultstring>outer</faultstring>"
    b"</soapenv:Fault><soapenv:Fault><faultstring>second</faultstring>"
    b"</soapenv:Fault>"))
put(H, "unbound_prefix", b"<soapenv:Envelope><xsi:a xsi:type=\"q\"/>"
    b"</soapenv:Envelope>")
utf16 = envelope(b"<soapenv:Fault><faultstring>w</faultstring>"
                 b"</soapenv:Fault>").replace(b'encoding="UTF-8"',
                                              b'encoding="UTF-16"')
put(H, "utf16", b"\xff\xfe" + utf16.decode().encode("utf-16-le"), SPLITS[1])
put(H, "latin1", envelope(b"<a>\xe9\xe8</a>").replace(
    b'encoding="UTF-8"', b'encoding="ISO-8859-1"'))
put(H, "bad_utf8", envelope(b"<a>\xc3\x28\xed\xa0\x80\xf4\x90\x80\x80</a>"))
put(H, "unknown_encoding", envelope(b"<a/>").replace(
    b'encoding="UTF-8"', b'encoding="X-NOPE"'))

for t in TARGETS + [H]:
    print("%-22s %d seeds" % (t, len(os.listdir(os.path.join(OUT, t)))))
