#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replay server: one recorded vSphere product version played to a client
over SOAP (python3 stdlib only, 127.0.0.1 only).

    with ReplayServer("vc6.5.0-op5") as rs:     # a dir of ../shared/realxml
        plugin_url = rs.url                      # http://127.0.0.1:PORT/sdk
        ...
        rs.stats()                               # counters, see below
        rs.requests()                            # what was asked, in order

The recordings (`<repo>/../shared/realxml`, or $VSPHERE_REALXML) are GENUINE
answers of real vCenter / ESXi servers, kept by other projects under their
own licenses: they are read in place, never copied. See its README.md.

What is served, per operation (R = the version's own recording, byte for
byte; r = a recording of another version, said where; S = synthesised in
the recordings' style):

  GET /sdk/vimServiceVersions.xml   R where recorded (esxi5.1, vc5.1, esxi6.5,
                  vc6.5, vc8.0.3); else S: the version and its priors, laid out
                  like the 5.1 file below 6.5 and like the 6.5 file from 6.5.
                  versions_file=False answers 404 instead.
  RetrieveServiceContent  R (vc8.0.3: two recordings, chosen by the request's
                  SOAPAction version: the newest recording not newer than it,
                  else the oldest: "5.5" below 8.0.2.0, "8.0.2.0" from there).
  Login           R LoginResponse; S (in that shape) where none was recorded.
                  Set-Cookie: vmware_soap_session="<40 hex>"; Path=/; HttpOnly;
                  Secure; (hex drawn per login). A wrong user/password: the
                  version's InvalidLogin recording, else the closest one of the
                  same product (vCenter: vc6.0.0-pyvmomi; ESXi: esxi6.0.0-op5),
                  HTTP 500; with the vc6.0.0 recording a new (unauthenticated)
                  cookie is set too, as recorded. A user in `denied_users`
                  (right password) gets esxi6.0.0-op5's "Permission to perform
                  this operation was denied." typed InvalidLogin.
  Logout          R where recorded, else S (same shape).
  CurrentTime     S: <returnval>dateTime</returnval>, the server clock
                  (+ clock_offset seconds), with microseconds.
  RetrievePropertiesEx, PerformanceManager
    perfCounter   R (vc9.0.1); op5 recordings are RetrievePropertiesResponse:
                  re-wrapped as RetrievePropertiesExResponse > returnval >
                  objects, nothing else changed. Versions without a catalog
                  borrow the nearest one of the same product (catalog_from):
                  vc5.5 <- vc5.1, vc6.0/vc6.7 <- vc6.5, vc8.0.3 <- vc9.0.1,
                  esxi6.0 <- esxi6.5.
    historicalInterval  R (vc9.0.1); S elsewhere: vCenter the four default
                  intervals 9.0.1 shows (300/1800/7200/86400 s, level
                  `stats_level`), ESXi an empty ArrayOfPerfInterval.
    both at once  S around the recorded propSets.
  RetrievePropertiesEx, CustomFieldsManager
    field         S: an object without the property (no custom attribute
                  defined; no recording holds one).
  QueryOptions    S: config.vpxd.stats.maxQueryMetrics: InvalidName fault on
                  vCenter < 6.5 (and on ESXi), a value (max_query_metrics,
                  default 256) from 6.5. returnval untyped (declared type
                  OptionValue), value xsi:type="xsd:int".
  CreateContainerView  R where recorded (vc5.5, vc6.0, vc8.0.3) while no view
                  of that moref is alive; else S: session[<uuid>]<uuid>.
  DestroyView     R (vc8.0.3) else S; a view that is not alive:
                  ManagedObjectNotFound.
  RetrievePropertiesEx over a ContainerView (TraversalSpec path "view"), or
                  of listed objects: S. Only the pathSets asked, per type (a
                  propSet of ComputeResource matches clusters, ManagedEntity
                  everything), propSets in name order, an unset property is an
                  object without that propSet, empty arrays are
                  <val xsi:type="ArrayOfX"></val>, xsi:type on every array item
                  and on no nested data object. Values come from the version's
                  own recorded answers where they hold them (op5: host names,
                  VM name + runtime, summary.guest, datastore info/summary,
                  cluster name/overallStatus, host runtime; pyvmomi: VM name,
                  parent, runtime, guest incl. disks, summary, datastore,
                  triggeredAlarmState, host name/parent/summary), else
                  plausible values. options.maxObjects pages: <token> (per
                  session "0", "1", ... per retrieval) placed before <objects>;
  ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx  S; an unknown
                  token: InvalidArgument.
  CreatePropertyCollector / CreateFilter / DestroyPropertyCollector  S
                  (session[<uuid>]<uuid> morefs; an unknown collector:
                  ManagedObjectNotFound). No genuine update set exists in the
                  recordings (ManageIQ's 1.1 MB one is not copied).
  WaitForUpdatesEx  S: the first call (version "") sends what the filters
                  select, every object "enter" with a changeSet per property
                  (op assign; an unset property without val), the values of
                  RetrievePropertiesEx above, in sets of maxObjectUpdates
                  with <truncated>true</truncated>, versions "1", "2", ...;
                  later calls return at once without a returnval (a recording
                  does not change); a version other than the last sent:
                  InvalidCollectorVersion.
  QueryPerf       S. format "normal": PerfEntityMetric (sampleInfo +
                  PerfMetricIntSeries) - no genuine normal answer exists; "csv":
                  PerfEntityMetricCSV as recorded. Per querySpec: entity,
                  startTime (exclusive), endTime (inclusive), maxSample,
                  metricId (counterId + instance: "" the aggregate, "*" the
                  aggregate plus instances), intervalId, format. Realtime (20 s,
                  hosts and VMs only): samples on 20 s boundaries, at most the
                  last hour (180), the newest maxSample of them. Historical
                  (vCenter: the historicalInterval ids; clusters, datastores,
                  datacenters, pools, and hosts/VMs too): maxSample ignored, no
                  startTime = everything retained (300 s: the whole day, 288),
                  only counters whose level <= the interval's level, newest
                  sample historical_delay seconds back (default 0). ESXi answers
                  no historical data; an entity kind without data for the
                  interval gets no returnval. Timestamps whole seconds, oldest
                  first. Values: the version's recorded CSV answers where
                  entity, counterId, instance and interval match - the sample at
                  time T is recorded value number (T // interval) mod n, in
                  recorded order (see recorded_value()); elsewhere deterministic
                  plausible values. Instances for "*": those the recorded CSV
                  shows for that entity and counter, else for that counter group
                  and entity kind in this version (cpu "0".., net "vmnic0".. or
                  a VM's "4000", disk LUN ids, datastore volume uuids, VM
                  virtualDisk "scsi0:0"); "datastore" and "virtualDisk" groups
                  of hosts and VMs have no aggregate. Historical queries over
                  maxQueryMetrics (vCenter): vCenter's faultstring ("This
                  operation is restricted by the administrator -
                  'vpxd.stats.maxQueryMetrics'...", as users quote it), typed
                  RestrictedByAdministrator (the type is a guess).
  anything else   SOAP fault "Unable to resolve WSDL method name X in
                  vim.version..." (HTTP 500), counted in unknown_operations.

Faults without a recording (NotAuthenticated, ManagedObjectNotFound,
InvalidArgument, InvalidName, RestrictedByAdministrator) are synthesised in
the recorded fault layout (the InvalidLogin envelopes): HTTP 500,
<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>..
<detail><XFault xmlns="urn:vim25" xsi:type="X">..</XFault></detail>.

Session realism: every request but RetrieveServiceContent and Login must
carry the cookie exactly as it was set (the quoted value), else
NotAuthenticated. Logout ends the session.

Inventory (morefs in the product's style): vCenter group-d1 > datacenter-N >
group-v/h/s/n folders > clusters domain-cN or stand-alone domain-sN >
host-N, vm-N, datastore-N; ESXi ha-folder-root > ha-datacenter >
ha-folder-vm/host/datastore/network > ha-compute-res > ha-host, VMs "1",
"2".., datastores by volume id. Recorded morefs and names are kept; what no
recording of that version holds is synthesised (MO.synthesized, .note) -
see inventory() and INVENTORY_EXTRA.

stats(): {"operations": {op: n}, "soap_actions": {action: n},
"op_actions": {"op action": n}, "http": {"METHOD path status": n},
"unknown_operations": {op: n}, "faults": {type: n}, "logins",
"login_failures", "logouts", "live_sessions", "not_authenticated",
"unlisted_soap_actions" (a SOAPAction version the server's
vimServiceVersions does not list), "views_created", "views_destroyed",
"views_live", "tokens_issued", "continues", "cancels", "query_specs",
"samples_sent", "collectors_created", "collectors_destroyed",
"collectors_live", "filters_created", "wait_for_updates",
"update_sets_truncated", ...}. requests(): [{"op", "soap_action", "cookie",
"session" (True/False/None), "status", "detail"}] in arrival order.

Run by hand: python3 replayserver.py vc6.5.0-op5 [--port N]
"""

import argparse
import calendar
import collections
import email.utils
import os
import re
import secrets
import select
import socket
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# the HTTP request record and the client-gone signal, as the fault server has them
from faultserver import _ClientGone, _Request  # noqa: E402

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)

NS = "{urn:vim25}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

# The envelope every genuine answer has, ESXi 5.1 (2013) to vCenter 9.0.1.
ENV_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"\n'
            ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"\n'
            ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<soapenv:Body>\n')
ENV_TAIL = '\n</soapenv:Body>\n</soapenv:Envelope>'

COOKIE_NAME = "vmware_soap_session"

_MAX_HEADER = 64 * 1024
_MAX_BODY = 32 * 1024 * 1024

# Default historical intervals as vCenter 9.0.1 recorded them.
HISTORICAL_INTERVALS = ((1, 300, "Past day", 86400), (2, 1800, "Past week", 604800),
                        (3, 7200, "Past month", 2592000), (4, 86400, "Past year", 31536000))

# Catalog and InvalidLogin recordings lent to versions without one.
CATALOG_FROM = {"vc5.5.0-pyvmomi": "vc5.1.0-op5", "vc6.0.0-pyvmomi": "vc6.5.0-op5",
                "vc6.7.0-pyvmomi": "vc6.5.0-op5", "vc8.0.3-pyvmomi": "vc9.0.1-manageiq",
                "esxi6.0.0-pyvmomi": "esxi6.5.0-op5", "esxi6.0.0-op5": "esxi6.5.0-op5"}
INVALID_LOGIN_FROM = {"vc": ("vc6.0.0-pyvmomi", "02-Fault-InvalidLogin.xml"),
                      "esxi": ("esxi6.0.0-op5", "02-Fault-InvalidLogin-badpassword.xml")}
PERMISSION_DENIED_FROM = ("esxi6.0.0-op5", "03-Fault-InvalidLogin-permissiondenied.xml")
# The recordings whose HTTP exchange is known to set a fresh cookie on a
# refused Login (README: vCenter 6.0 answers HTTP 500 and still sets one).
COOKIE_ON_REFUSAL = {("vc6.0.0-pyvmomi", "02-Fault-InvalidLogin.xml")}

# What no recording of a version holds but its inventory needs (all of it
# synthesised; the reason is kept as the objects' note).
INVENTORY_EXTRA = {
    "vc6.0.0-pyvmomi": {"empty": "its recorded ContainerView over the root folder is empty"},
    "vc5.1.0-op5": {
        "cluster": ("domain-c7", "Cluster",
                    "not recorded; its VMs are recorded with dasVmProtection "
                    "dasProtected=true, i.e. in an HA cluster"),
        # host-10's local datastore, by analogy with host-15's recorded
        # dev-02-local on the naa LUN of host-15 (host-10's naa LUN is
        # recorded in its QueryPerf answer)
        "datastores": [("datastore-11", "dev-01-local", "not recorded; named like the recorded "
                        "dev-02-local of the other host",
                        {"hosts": ["host-10"], "extents": ["naa.60024e806c65050018df452306d1df2c"]})],
    },
    "vc6.5.0-op5": {},
    "vc9.0.1-manageiq": {
        "cluster": ("domain-c8", "Cluster", "not recorded"),
        "hosts": [("host-1001", "esx01.example.com", "not recorded; 5 vmnics as "
                   "the recorded VM's net instances show")],
        "vms": [("vm-1085", "manageiq-vm-1085", "host-1001",
                 "moref and counters recorded (QueryPerf CSV), name not")],
        "datastores": [("datastore-1002", "datastore1", "not recorded")],
        "vmnics": 5,
    },
    "vc8.0.3-pyvmomi": {
        "cluster": ("domain-c9", "Cluster", "not recorded; the recorded VM is a "
                    "vCLS VM, which lives in a cluster"),
    },
    "esxi5.1.0-op5": {
        "datastores": [("51640f3c-2a1e9b60-4c3d-0024e8624f10", "datastore1",
                        "not recorded (ESXi's default name, a volume-id moref)")],
    },
    "esxi6.5.0-op5": {
        # The same host as vc6.5.0-op5's host-28 (same VMs, boot times and
        # LUNs in both recordings): its datastore as recorded there.
        "datastores_from": "vc6.5.0-op5",
    },
    "esxi6.0.0-op5": {
        "hosts": [("ha-host", "esxi60.example.com", "not recorded")],
    },
    "esxi6.0.0-pyvmomi": {
        "hosts": [("ha-host", "esxi00.example.com", "not recorded")],
    },
}


# ---------------------------------------------------------------------------
# small helpers

def realxml_dir():
    """Where the recordings are: $VSPHERE_REALXML, else <repo>/../shared/realxml."""
    d = os.environ.get("VSPHERE_REALXML") or os.path.join(REPO_ROOT, "..", "shared", "realxml")
    return os.path.normpath(d)


def esc(s):
    """Element text as vmacore writes it (it escapes ' and > too)."""
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def esc_attr(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def envelope(body):
    return (ENV_HEAD + body + ENV_TAIL).encode("utf-8")


def iso(t, micro=False):
    """Seconds since the epoch as xsd:dateTime, UTC, "Z"."""
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t)))
    if micro:
        s += ".%06d" % int(round((t - int(t)) * 1e6) % 1000000)
    return s + "Z"


_TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def parse_time(s):
    """xsd:dateTime -> seconds since the epoch (float), None if bad."""
    m = _TS_RE.match((s or "").strip())
    if not m:
        return None
    t = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)) + (0, 0, 0))
    if m.group(7):
        t += float(m.group(7))
    tz = m.group(8)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        t -= sign * (hh * 3600 + mm * 60)
    return t


def unit_rand(*parts):
    """A deterministic number in [0, 1) from the parts."""
    return zlib.crc32("|".join(str(p) for p in parts).encode()) / 4294967296.0


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child(el, name):
    if el is None:
        return None
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def children(el, name):
    return [c for c in el if local(c.tag) == name] if el is not None else []


def text_of(el, name, default=None):
    c = child(el, name)
    return (c.text or "") if c is not None else default


def render(el):
    """An ElementTree element of a recorded answer back as the vmacore XML
    it came from: xsi prefix for the schema-instance namespace, no other
    prefixes, text escaped as vmacore does."""
    attrs = ""
    for k, v in el.attrib.items():
        name = "xsi:" + local(k) if k.startswith(XSI) else k
        attrs += ' %s="%s"' % (name, esc_attr(v))
    inner = esc(el.text) if el.text else ""
    inner += "".join(render(c) + (esc(c.tail) if c.tail and c.tail.strip() else "") for c in el)
    return "<%s%s>%s</%s>" % (local(el.tag), attrs, inner, local(el.tag))


def render_val(el):
    """A recorded property value (a <val>, or a Fetch answer's <returnval>)
    as the <val> of a propSet."""
    s = render(el)
    tag = local(el.tag)
    return "<val" + s[len(tag) + 1:-(len(tag) + 3)] + "</val>"


def render_inner(el):
    s = render(el)
    return s[s.index(">") + 1:s.rindex("<")]


def version_tuple(v):
    """"8.0.2.0" -> (8, 0, 2, 0); "2.5u2" -> (2, 5, 0.5); an internal
    version such as "uA046D008" sorts after everything."""
    if not re.match(r"^\d", v or ""):
        return (999,)
    out = []
    for p in v.split("."):
        m = re.match(r"^(\d+)(?:u(\d+))?", p)
        if not m:
            break
        out.append(int(m.group(1)))
        if m.group(2):
            out.append(int(m.group(2)) / 10.0)
    return tuple(out)


def wsdl_version_name(v):
    """The vim.version name vCenter puts in "Unable to resolve WSDL method
    name" faults."""
    names = {"2.5u2": "version3", "4.0": "version5", "4.1": "version6", "5.0": "version7",
             "5.1": "version8", "5.5": "version9", "6.0": "version10", "6.5": "version11",
             "6.7": "version12"}
    if v in names:
        return "vim.version.%s (vim25/%s)" % (names[v], v)
    return "vim.version.v" + re.sub(r"[^0-9A-Za-z]", "_", v or "unknown")


# ---------------------------------------------------------------------------
# the recordings of one version

_CACHE = {}
_CACHE_LOCK = threading.Lock()


class Counter:
    __slots__ = ("key", "group", "name", "rollup", "unit", "stats_type", "level")

    @property
    def full(self):
        return "%s.%s.%s" % (self.group, self.name, self.rollup)


class Recording:
    """The files of one version directory, loaded once per process."""

    @classmethod
    def load(cls, path):
        path = os.path.normpath(path)
        with _CACHE_LOCK:
            rec = _CACHE.get(path)
            if rec is None:
                rec = _CACHE[path] = cls(path)
            return rec

    def __init__(self, path):
        if not os.path.isdir(path):
            raise FileNotFoundError("no recordings at %s" % path)
        self.path = path
        self.name = os.path.basename(path)
        self.op5 = self.name.endswith("-op5")
        self.product = "esxi" if self.name.startswith("esxi") else "vc"
        self.files = sorted(f for f in os.listdir(path) if f.endswith(".xml"))
        self.versions_xml = None
        self.service_contents = []      # [(SOAPAction version or None, bytes, file)]
        self.login = self.logout = None
        self.invalid_login = self.permission_denied = None   # (bytes, file)
        self.catalog = self.historical = None                # bytes of a RetrievePropertiesExResponse
        self.create_view = self.destroy_view = None
        self.csv = {}                    # (moref, interval, counterId, instance) -> [values]
        self.csv_entities = {}           # moref -> type
        self.objects = collections.OrderedDict()   # (type, moref) -> {prop: val element}
        fetch = {}
        for f in self.files:
            if ".request." in f:
                continue
            data = self.body(f)
            if f.endswith("vimServiceVersions.xml"):
                self.versions_xml = data
            elif "RetrieveServiceContentResponse" in f:
                m = re.search(r"-soapaction-(.+)\.xml$", f)
                self.service_contents.append((m.group(1) if m else None, data, f))
            elif f.endswith("-LoginResponse.xml"):
                self.login = data
            elif f.endswith("-LogoutResponse.xml"):
                self.logout = data
            elif "Fault-InvalidLogin-permissiondenied" in f:
                self.permission_denied = (data, f)
            elif "Fault-InvalidLogin" in f:
                self.invalid_login = (data, f)
            elif f.endswith("PerfMgr-perfCounter.xml"):
                self.catalog = rewrap_retrieve_properties(data)
            elif f.endswith("PerfMgr-historicalInterval.xml"):
                self.historical = rewrap_retrieve_properties(data)
            elif f.endswith("CreateContainerViewResponse.xml"):
                self.create_view = data
            elif f.endswith("DestroyViewResponse.xml"):
                self.destroy_view = data
            elif "QueryPerfResponse" in f and "csv" in f:
                self._load_csv(data)
            elif "FetchResponse-" in f:
                m = re.search(r"FetchResponse-(vm|host)-([A-Za-z]+)", f)
                if m:
                    fetch.setdefault(m.group(1), {})[m.group(2)] = (f, data)
            elif re.search(r"RetrieveProperties(Ex)?Response-", f) and "PerfMgr" not in f \
                    and "SessionManager" not in f and "containerview" not in f:
                self._load_props(data)
        self._load_fetch(fetch)
        sc = self.service_contents[0][1].decode("utf-8") if self.service_contents else ""
        self.about = {k: (re.search(r"<%s>([^<]*)</%s>" % (k, k), sc) or [None, ""])[1]
                      for k in ("fullName", "apiVersion", "apiType", "version", "name", "build")}
        self.managers = {k: (re.search(r"<%s type=\"[^\"]*\">([^<]*)</%s>" % (k, k), sc) or [None, ""])[1]
                         for k in ("rootFolder", "propertyCollector", "viewManager", "perfManager",
                                   "sessionManager", "setting", "customFieldsManager")}
        self.counters = parse_catalog(self.catalog) if self.catalog else {}

    def body(self, f):
        with open(os.path.join(self.path, f), "rb") as fh:
            data = fh.read()
        # op5 files carry one newline that the extraction added (README)
        if self.op5 and data.endswith(b"\n"):
            data = data[:-1]
        return data

    def _load_csv(self, data):
        root = ET.fromstring(data)
        for rv in root.iter(NS + "returnval"):
            ent = child(rv, "entity")
            info = (text_of(rv, "sampleInfoCSV") or "").split(",")
            if ent is None or len(info) < 2:
                continue
            interval = int(info[0])
            self.csv_entities[ent.text] = ent.get("type")
            for v in children(rv, "value"):
                ident = child(v, "id")
                cid = int(text_of(ident, "counterId"))
                inst = text_of(ident, "instance", "") or ""
                vals = [int(x) for x in (text_of(v, "value") or "").split(",") if x.strip()]
                self.csv[(ent.text, interval, cid, inst)] = vals

    def _load_props(self, data):
        root = ET.fromstring(data)
        resp = next(iter(child(root, "Body")), None)
        if resp is None:
            return
        holders = []
        for rv in children(resp, "returnval"):
            objs = children(rv, "objects")
            holders += objs if objs else [rv]
        for h in holders:
            obj = child(h, "obj")
            if obj is None:
                continue
            props = self.objects.setdefault((obj.get("type"), obj.text), {})
            for ps in children(h, "propSet"):
                props[text_of(ps, "name")] = child(ps, "val")

    def _load_fetch(self, fetch):
        """pyVmomi 8 read single properties with Fetch: the answer names no
        object; the summary tells which one it was."""
        for kind, props in fetch.items():
            summary = props.get("summary")
            if summary is None:
                continue
            rv = child(child(ET.fromstring(summary[1]), "Body")[0], "returnval")
            ref = child(rv, "vm" if kind == "vm" else "host")
            if ref is None:
                continue
            mo_type = "VirtualMachine" if kind == "vm" else "HostSystem"
            target = self.objects.setdefault((mo_type, ref.text), {})
            for prop, (f, data) in props.items():
                r = child(child(ET.fromstring(data), "Body")[0], "returnval")
                if r is not None:
                    target[prop] = r

    def service_content_for(self, action_version):
        """The recorded RetrieveServiceContent answer for a SOAPAction
        version: with several recordings keyed by version, the newest not
        newer than the asked one, else the oldest."""
        keyed = [(version_tuple(v), data, f) for v, data, f in self.service_contents if v]
        if not keyed:
            return self.service_contents[0][1], self.service_contents[0][2]
        keyed.sort()
        want = version_tuple(action_version or "")
        best = keyed[0]
        for k in keyed:
            if k[0] <= want:
                best = k
        return best[1], best[2]


def rewrap_retrieve_properties(data):
    """A RetrievePropertiesResponse (returnval = ObjectContent) as the
    RetrievePropertiesExResponse it is inside (returnval > objects); an Ex
    answer is returned as it is."""
    if b"<RetrievePropertiesExResponse" in data:
        return data
    data = data.replace(b'<RetrievePropertiesResponse xmlns="urn:vim25"><returnval>',
                        b'<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>', 1)
    data = data.replace(b"</returnval></RetrievePropertiesResponse>",
                        b"</objects></returnval></RetrievePropertiesExResponse>", 1)
    return data


def parse_catalog(data):
    out = {}
    root = ET.fromstring(data)
    for pc in root.iter(NS + "PerfCounterInfo"):
        c = Counter()
        c.key = int(text_of(pc, "key"))
        c.group = text_of(child(pc, "groupInfo"), "key")
        c.name = text_of(child(pc, "nameInfo"), "key")
        c.unit = text_of(child(pc, "unitInfo"), "key")
        c.rollup = text_of(pc, "rollupType")
        c.stats_type = text_of(pc, "statsType")
        lv = text_of(pc, "level")
        c.level = int(lv) if lv not in (None, "") else None
        out.setdefault(c.key, c)
    return out


def perf_propset(data, name):
    """The raw <propSet> of one PerformanceManager property in a recorded
    answer."""
    text = data.decode("utf-8")
    start = text.index("<propSet><name>%s</name>" % name)
    end = text.index("</propSet>", text.index("</val>", start)) + len("</propSet>")
    return text[start:end]


# ---------------------------------------------------------------------------
# the inventory

SUBTYPES = {"ComputeResource": {"ComputeResource", "ClusterComputeResource"},
            "ManagedEntity": {"Folder", "Datacenter", "ComputeResource", "ClusterComputeResource",
                              "HostSystem", "VirtualMachine", "Datastore", "ResourcePool",
                              "VirtualApp", "Network"},
            "ResourcePool": {"ResourcePool", "VirtualApp"}}


# Properties no recorded object has set: answered as unset (the object
# without that propSet), as vCenter does.
UNSET_PATHS = {"snapshot", "parentVApp", "rootSnapshot", "snapshot.rootSnapshotList",
               "runtime.bootTime", "summary.uncommitted"}


def type_matches(spec_type, mo_type):
    return mo_type == spec_type or mo_type in SUBTYPES.get(spec_type, ())


def v_typed(xsi_type, value):
    return '<val xsi:type="%s">%s</val>' % (xsi_type, esc(value))


def v_ref(mo_type, moref):
    return '<val type="%s" xsi:type="ManagedObjectReference">%s</val>' % (mo_type, esc(moref))


def v_refs(refs):
    return ('<val xsi:type="ArrayOfManagedObjectReference">%s</val>'
            % "".join('<ManagedObjectReference type="%s" xsi:type="ManagedObjectReference">%s'
                      '</ManagedObjectReference>' % (t, esc(m)) for t, m in refs))


def v_array(item_type, inners):
    return ('<val xsi:type="ArrayOf%s">%s</val>'
            % (item_type, "".join('<%s xsi:type="%s">%s</%s>' % (item_type, item_type, i, item_type)
                                  for i in inners)))


def v_strings(items):
    return ('<val xsi:type="ArrayOfString">%s</val>'
            % "".join('<string xsi:type="xsd:string">%s</string>' % esc(s) for s in items))


class MO:
    """One managed object: its props are rendered <val> elements (or
    callables of the server time giving one), keyed by property path."""

    def __init__(self, mo_type, moref, name, parent=None, synthesized=False, note=""):
        self.type = mo_type
        self.moref = moref
        self.name = name
        self.parent = parent             # MO or None (the root folder)
        self.synthesized = synthesized
        self.note = note
        self.props = {}
        self.recorded = {}               # whole recorded properties: name -> element
        # facts the performance data and state values use
        self.power = "poweredOn"
        self.connection = "connected"
        self.host = None                 # a VM's host (MO)
        self.boot = None                 # epoch seconds
        self.num_cpu = 2
        self.memory_mb = 2048
        self.cpu_mhz = 2400
        self.cores = 8
        self.mem_bytes = 32 * 1024 ** 3
        self.capacity = self.free = self.uncommitted = None
        self.ds_uuid = None
        self.extents = []
        self.datastores = []             # MOs
        self.vmnics = 2
        self.luns = []
        self.mount_hosts = []            # a datastore's hosts, if given

    @property
    def kind(self):
        return {"VirtualMachine": "vm", "HostSystem": "host", "ClusterComputeResource": "cluster",
                "Datastore": "datastore", "Datacenter": "datacenter", "ResourcePool": "resourcepool",
                "VirtualApp": "resourcepool"}.get(self.type)

    def __repr__(self):
        return "MO(%s %s %r)" % (self.type, self.moref, self.name)


def _get(props, *cands):
    """The first of several places a recorded fact may be: "runtime/powerState"
    is the powerState child of a recorded "runtime"; "runtime.powerState" a
    recorded dotted property."""
    for c in cands:
        parts = c.split("/")
        el = props.get(parts[0])
        for p in parts[1:]:
            el = child(el, p)
        if el is not None:
            return el
    return None


def _txt(props, *cands):
    el = _get(props, *cands)
    return el.text if el is not None and el.text is not None else None


class Inventory:
    """The managed objects of one version, built from its recordings."""

    def __init__(self, rec, realxml, counters=None):
        self.rec = rec
        self.counters = rec.counters if counters is None else counters
        self.objects = []
        self.by_moref = {}
        extra = INVENTORY_EXTRA.get(rec.name, {})
        esxi = rec.product == "esxi"
        R = rec.objects
        self.root_moref = rec.managers.get("rootFolder") or ("ha-folder-root" if esxi else "group-d1")

        def add(mo):
            self.objects.append(mo)
            self.by_moref[mo.moref] = mo
            return mo

        def recorded(mo_type):
            return [(m, p) for (t, m), p in R.items() if t == mo_type]

        self.hosts, self.vms, self.datastores, self.folders = [], [], [], {}
        self.datacenter = None
        if extra.get("empty"):
            return          # a vCenter without a datacenter, as recorded
        # datacenter and its folders
        dcs = recorded("Datacenter")
        if esxi:
            dc = add(MO("Datacenter", "ha-datacenter", "ha-datacenter", synthesized=True,
                        note="ESXi's own datacenter"))
            folders = {k: add(MO("Folder", "ha-folder-" + k, k, dc, True)) for k in
                       ("vm", "host", "datastore", "network")}
        else:
            dc_moref = dcs[0][0] if dcs else "datacenter-2"
            dc = add(MO("Datacenter", dc_moref, _txt(dcs[0][1], "name") if dcs and _txt(dcs[0][1], "name")
                        else "Datacenter", synthesized=True, note="name not recorded"))
            if dcs:
                dc.recorded = dcs[0][1]
            folders = {}
            for k, n in (("vm", "v3"), ("host", "h4"), ("datastore", "s5"), ("network", "n6")):
                folders[k] = add(MO("Folder", "group-" + n, k, dc, True))
        self.datacenter = dc
        self.folders = folders

        # clusters
        clusters = []
        for moref, props in recorded("ClusterComputeResource"):
            c = add(MO("ClusterComputeResource", moref, _txt(props, "name") or moref, folders["host"]))
            c.recorded = props
            clusters.append(c)
        if not clusters and "cluster" in extra:
            moref, name, note = extra["cluster"]
            clusters.append(add(MO("ClusterComputeResource", moref, name, folders["host"], True, note)))

        # hosts
        host_refs = collections.OrderedDict()
        for moref, props in recorded("HostSystem"):
            host_refs[moref] = props
        for moref, t in rec.csv_entities.items():
            if t == "HostSystem":
                host_refs.setdefault(moref, {})
        vm_props = collections.OrderedDict(recorded("VirtualMachine"))
        for moref, props in vm_props.items():
            h = _txt(props, "runtime/host", "runtime.host", "summary/runtime/host")
            if h:
                host_refs.setdefault(h, {})
        host_notes = {}
        if not host_refs and not extra.get("hosts") and (vm_props or extra.get("vms")):
            extra = dict(extra, hosts=[("ha-host" if esxi else "host-9", "esx01.example.com",
                                        "not recorded; the recorded VMs need a host")])
        for moref, name, note in extra.get("hosts", ()):
            if moref not in host_refs:
                host_refs[moref] = {}
            host_notes[moref] = (name, note)
        hosts = []
        n_compute = 100
        for moref, props in host_refs.items():
            name = _txt(props, "name", "summary/config/name")
            synth = False
            note = ""
            if not name and moref in host_notes:
                name, note = host_notes[moref]
                synth = True
            if not name:
                name, synth, note = "esx-%s.example.com" % moref, True, "name not recorded"
            parent_ref = _get(props, "parent")
            if esxi:
                cr = add(MO("ComputeResource", "ha-compute-res", name, folders["host"], True,
                            "ESXi's own compute resource"))
                parent = cr
            elif parent_ref is not None and parent_ref.get("type") == "ComputeResource":
                parent = add(MO("ComputeResource", parent_ref.text, name, folders["host"], True,
                                "recorded as the host's parent; its name is the host's"))
            elif clusters:
                parent = clusters[0]
            else:
                n_compute += 1
                parent = add(MO("ComputeResource", "domain-s%d" % n_compute, name, folders["host"], True,
                                "stand-alone host's compute resource"))
            h = add(MO("HostSystem", moref, name, parent, synth, note))
            h.recorded = props
            self._host_facts(h, props)
            hosts.append(h)
        self.hosts = hosts

        # VMs
        vms = []
        vm_extra = {m: (n, hr, note) for m, n, hr, note in extra.get("vms", ())}
        for moref in vm_extra:
            vm_props.setdefault(moref, {})
        for moref, t in rec.csv_entities.items():
            if t == "VirtualMachine":
                vm_props.setdefault(moref, {})
        for moref, props in vm_props.items():
            name = _txt(props, "name", "summary/config/name")
            synth, note = False, ""
            if not name:
                name, host_ref, note = vm_extra.get(moref, ("vm %s" % moref, None, "name not recorded"))
                synth = True
            host_ref = _txt(props, "runtime/host", "runtime.host", "summary/runtime/host") \
                or (vm_extra.get(moref, (None, None))[1]) or (hosts[0].moref if hosts else None)
            parent_el = _get(props, "parent")
            parent = folders["vm"]
            if parent_el is not None and parent_el.text != folders["vm"].moref:
                parent = add(MO("Folder", parent_el.text, "vm", dc, True, "recorded as the VM's parent"))
                folders["vm"] = parent
            vm = add(MO("VirtualMachine", moref, name, parent, synth, note))
            vm.recorded = props
            vm.host = self.by_moref.get(host_ref)
            self._vm_facts(vm, props)
            vms.append(vm)
        self.vms = vms

        # datastores
        stores = []
        ds_props = list(recorded("Datastore"))
        if not ds_props and extra.get("datastores_from"):
            other = Recording.load(os.path.join(realxml, extra["datastores_from"]))
            ds_props = [(self._esxi_ds_moref(p) or m, p) for (t, m), p in other.objects.items()
                        if t == "Datastore"]
        for moref, props in ds_props:
            if esxi:
                moref = self._esxi_ds_moref(props) or moref
            name = _txt(props, "summary/name", "info/name", "name") or moref
            ds = add(MO("Datastore", moref, name, folders["datastore"],
                        note="recorded in %s" % extra["datastores_from"] if extra.get("datastores_from")
                        else ""))
            ds.recorded = props
            self._ds_facts(ds, props)
            stores.append(ds)
        for moref, name, note, *more in extra.get("datastores", ()):
            if moref in self.by_moref:
                continue
            ds = add(MO("Datastore", moref, name, folders["datastore"], True, note))
            self._ds_facts(ds, {})
            if more:
                ds.extents = list(more[0].get("extents", ()))
                ds.mount_hosts = list(more[0].get("hosts", ()))
            stores.append(ds)
        self.datastores = stores

        # relations: which hosts mount which datastores (their LUNs hold the
        # datastore's extents, else every host), which VMs live on them
        disk_instances = collections.defaultdict(set)
        for (moref, interval, cid, inst) in rec.csv:
            c = self.counters.get(cid)
            if inst and c is not None and c.group == "disk":
                disk_instances[moref].add(inst)
        for h in hosts:
            h.luns = sorted(disk_instances.get(h.moref, ()))
            if extra.get("vmnics"):
                h.vmnics = extra["vmnics"]
        for ds in stores:
            mounted = [h for h in hosts if h.moref in ds.mount_hosts] if ds.mount_hosts else \
                [h for h in hosts if set(ds.extents) & set(h.luns)] or hosts
            for h in mounted:
                h.datastores.append(ds)
                if not h.luns:
                    h.luns = list(ds.extents)
        for vm in vms:
            recorded_ds = _get(vm.recorded, "datastore")
            if recorded_ds is not None:
                vm.datastores = [self.by_moref[r.text] for r in recorded_ds
                                 if r.text in self.by_moref]
            elif vm.host is not None:
                vm.datastores = list(vm.host.datastores[:1])
        for h in hosts:
            if not h.luns:
                h.luns = ["mpx.vmhba1:C0:T0:L0"]
            if h.boot is None:
                boots = [vm.boot for vm in vms if vm.host is h and vm.boot]
                h.boot = (min(boots) if boots else time.time() - 30 * 86400) - 3600
        self._props()

    # -- facts ---------------------------------------------------------------

    @staticmethod
    def _esxi_ds_moref(props):
        url = _txt(props, "summary/url", "info/url") or ""
        m = re.search(r"/volumes/([^/]+)/?$", url)
        return m.group(1) if m else None

    def _host_facts(self, h, p):
        h.power = _txt(p, "runtime/powerState", "runtime.powerState", "summary/runtime/powerState") or "poweredOn"
        h.connection = _txt(p, "runtime/connectionState", "runtime.connectionState",
                            "summary/runtime/connectionState") or "connected"
        boot = _txt(p, "runtime/bootTime", "runtime.bootTime", "summary/runtime/bootTime")
        h.boot = parse_time(boot) if boot else None
        for attr, cands, conv in (("cpu_mhz", ("summary/hardware/cpuMhz",), int),
                                  ("cores", ("summary/hardware/numCpuCores",), int),
                                  ("mem_bytes", ("summary/hardware/memorySize",), int)):
            v = _txt(p, *cands)
            if v:
                setattr(h, attr, conv(v))

    def _vm_facts(self, vm, p):
        vm.power = _txt(p, "runtime/powerState", "runtime.powerState", "summary/runtime/powerState") \
            or "poweredOn"
        vm.connection = _txt(p, "runtime/connectionState", "runtime.connectionState",
                             "summary/runtime/connectionState") or "connected"
        boot = _txt(p, "runtime/bootTime", "runtime.bootTime", "summary/runtime/bootTime")
        vm.boot = parse_time(boot) if boot else None
        n = _txt(p, "summary/config/numCpu")
        if n:
            vm.num_cpu = int(n)
        elif self.rec.csv:
            # as many vCPUs as the recorded cpu instances of this VM
            cpus = {inst for (m, i, cid, inst) in self.rec.csv
                    if m == vm.moref and inst and self.counters.get(cid)
                    and self.counters[cid].group == "cpu"}
            if cpus:
                vm.num_cpu = len(cpus)
        mem = _txt(p, "summary/config/memorySizeMB", "runtime/maxMemoryUsage")
        if mem:
            vm.memory_mb = int(mem)

    def _ds_facts(self, ds, p):
        for attr, cands in (("capacity", ("summary/capacity", "info/vmfs/capacity")),
                            ("free", ("summary/freeSpace", "info/freeSpace")),
                            ("uncommitted", ("summary/uncommitted",))):
            v = _txt(p, *cands)
            if v:
                setattr(ds, attr, int(v))
        if ds.capacity is None:
            ds.capacity = 500 * 1024 ** 3
            ds.free = 320 * 1024 ** 3
        ds.ds_uuid = self._esxi_ds_moref(p) or "%08x-%08x-%04x-%012x" % (
            zlib.crc32(ds.moref.encode()), zlib.crc32(ds.name.encode()), 0x4c3d, 0x0024e8624f10)
        vmfs = _get(p, "info/vmfs")
        ds.extents = [text_of(e, "diskName") for e in children(vmfs, "extent")] if vmfs is not None else []
        ds.type_name = _txt(p, "summary/type", "info/vmfs/type") or "VMFS"

    # -- properties ----------------------------------------------------------

    def _props(self):
        rec = self.rec
        esxi = rec.product == "esxi"
        for mo in self.objects:
            P = mo.props
            P["name"] = v_typed("xsd:string", mo.name)
            if mo.parent is not None:
                P["parent"] = v_ref(mo.parent.type, mo.parent.moref)
            else:
                P["parent"] = v_ref("Folder", self.root_moref)
            status = _txt(mo.recorded, "overallStatus", "summary/overallStatus") or "green"
            P["overallStatus"] = v_typed("ManagedEntityStatus", status)
            alarms = _get(mo.recorded, "triggeredAlarmState")
            P["triggeredAlarmState"] = render_val(alarms) if alarms is not None \
                else '<val xsi:type="ArrayOfAlarmState"></val>'
            if mo.type == "Folder":
                kids = [o for o in self.objects if o.parent is mo]
                P["childEntity"] = v_refs([(o.type, o.moref) for o in kids])
            elif mo.type == "Datacenter":
                for k in ("vm", "host", "datastore", "network"):
                    P[k + "Folder"] = v_ref("Folder", self.folders[k].moref)
            elif mo.type in ("ComputeResource", "ClusterComputeResource"):
                hosts = [h for h in self.hosts if h.parent is mo]
                P["host"] = v_refs([("HostSystem", h.moref) for h in hosts])
                stores = sorted({d.moref: d for h in hosts for d in h.datastores}.values(),
                                key=lambda d: d.moref)
                P["datastore"] = v_refs([("Datastore", d.moref) for d in stores])
                total_cpu = sum(h.cpu_mhz * h.cores for h in hosts)
                total_mem = sum(h.mem_bytes for h in hosts)
                P["summary.numHosts"] = v_typed("xsd:int", len(hosts))
                P["summary.numEffectiveHosts"] = v_typed(
                    "xsd:int", sum(1 for h in hosts if h.connection == "connected"))
                P["summary.totalCpu"] = v_typed("xsd:int", total_cpu)
                P["summary.effectiveCpu"] = v_typed("xsd:int", int(total_cpu * 0.92))
                P["summary.totalMemory"] = v_typed("xsd:long", total_mem)
                P["summary.effectiveMemory"] = v_typed("xsd:long", int(total_mem * 0.9) // 1048576)
            elif mo.type == "HostSystem":
                self._host_props(mo)
            elif mo.type == "VirtualMachine":
                self._vm_props(mo)
            elif mo.type == "Datastore":
                self._ds_props(mo, esxi)
            # whole recorded properties, served as recorded when asked
            for k, el in mo.recorded.items():
                if k not in P and el is not None and local(el.tag) in ("val", "returnval"):
                    P[k] = render_val(el)

    def _host_props(self, h):
        P = h.props
        P["runtime.powerState"] = v_typed("HostSystemPowerState", h.power)
        P["runtime.connectionState"] = v_typed("HostSystemConnectionState", h.connection)
        P["runtime.inMaintenanceMode"] = v_typed(
            "xsd:boolean", _txt(h.recorded, "runtime.inMaintenanceMode", "runtime/inMaintenanceMode",
                                "summary/runtime/inMaintenanceMode") or "false")
        P["runtime.standbyMode"] = v_typed(
            "xsd:string", _txt(h.recorded, "runtime/standbyMode", "summary/runtime/standbyMode") or "none")
        P["runtime.bootTime"] = v_typed("xsd:dateTime", iso(h.boot, micro=True))
        P["summary.hardware.cpuMhz"] = v_typed("xsd:int", h.cpu_mhz)
        P["summary.hardware.numCpuCores"] = v_typed("xsd:short", h.cores)
        P["summary.hardware.memorySize"] = v_typed("xsd:long", h.mem_bytes)
        uuid_el = _txt(h.recorded, "summary/hardware/uuid")
        P["hardware.systemInfo.uuid"] = v_typed(
            "xsd:string", uuid_el or str(uuid.UUID(int=zlib.crc32(h.moref.encode()) << 64 | 0x4c4c4544)))
        P["vm"] = lambda now, h=h: v_refs([("VirtualMachine", v.moref) for v in self.vms if v.host is h])
        P["datastore"] = v_refs([("Datastore", d.moref) for d in h.datastores])
        P["summary.quickStats.overallCpuUsage"] = lambda now, h=h: v_typed(
            "xsd:int", self.quick_value(h, "cpu.usagemhz.average", now, h.cpu_mhz // 4))
        P["summary.quickStats.overallMemoryUsage"] = lambda now, h=h: v_typed(
            "xsd:int", self.quick_value(h, "mem.consumed.average", now, h.mem_bytes // 4096) // 1024)

    def _vm_props(self, vm):
        P = vm.props
        on = vm.power == "poweredOn"
        P["runtime.powerState"] = v_typed("VirtualMachinePowerState", vm.power)
        P["runtime.connectionState"] = v_typed("VirtualMachineConnectionState", vm.connection)
        if vm.host is not None:
            P["runtime.host"] = v_ref("HostSystem", vm.host.moref)
        if on and vm.boot is None:
            vm.boot = time.time() - 7 * 86400 - unit_rand(vm.moref) * 86400
        if on:
            P["runtime.bootTime"] = v_typed("xsd:dateTime", iso(vm.boot, micro=True))
        P["config.template"] = v_typed("xsd:boolean", "false")
        iu = _txt(vm.recorded, "summary/config/instanceUuid")
        P["config.instanceUuid"] = v_typed("xsd:string", iu or str(uuid.UUID(
            int=(zlib.crc32(vm.moref.encode()) << 96) | zlib.crc32(vm.name.encode()))))
        P["summary.config.numCpu"] = v_typed("xsd:int", vm.num_cpu)
        P["summary.config.memorySizeMB"] = v_typed("xsd:int", vm.memory_mb)
        running = _txt(vm.recorded, "guest/toolsRunningStatus", "summary.guest/toolsRunningStatus",
                       "summary/guest/toolsRunningStatus")
        version = _txt(vm.recorded, "guest/toolsVersionStatus2", "summary.guest/toolsVersionStatus2",
                       "summary/guest/toolsVersionStatus2")
        P["guest.toolsRunningStatus"] = v_typed(
            "xsd:string", running or ("guestToolsRunning" if on else "guestToolsNotRunning"))
        P["guest.toolsVersionStatus2"] = v_typed("xsd:string", version or "guestToolsCurrent")
        guest = _get(vm.recorded, "guest")
        disks = children(guest, "disk") if guest is not None else []
        if disks:
            P["guest.disk"] = v_array("GuestDiskInfo", [render_inner(d) for d in disks])
        elif on and (running or "guestToolsRunning") == "guestToolsRunning":
            cap = 16 * 1024 ** 3
            free = int(cap * (0.3 + 0.5 * unit_rand(vm.moref, "disk")))
            P["guest.disk"] = v_array("GuestDiskInfo", [
                "<diskPath>/</diskPath><capacity>%d</capacity><freeSpace>%d</freeSpace>" % (cap, free)])
        else:
            P["guest.disk"] = '<val xsi:type="ArrayOfGuestDiskInfo"></val>'
        P["datastore"] = v_refs([("Datastore", d.moref) for d in vm.datastores])
        # "snapshot" and "parentVApp" stay unset: no recorded VM has them

    def _ds_props(self, ds, esxi):
        P = ds.props
        P["summary.capacity"] = v_typed("xsd:long", ds.capacity)
        P["summary.freeSpace"] = v_typed("xsd:long", ds.free)
        if ds.uncommitted is not None:
            P["summary.uncommitted"] = v_typed("xsd:long", ds.uncommitted)
        P["summary.accessible"] = v_typed("xsd:boolean", _txt(ds.recorded, "summary/accessible") or "true")
        P["summary.maintenanceMode"] = v_typed(
            "xsd:string", _txt(ds.recorded, "summary/maintenanceMode") or "normal")
        P["summary.type"] = v_typed("xsd:string", ds.type_name)
        P["summary.name"] = v_typed("xsd:string", ds.name)
        url = _txt(ds.recorded, "summary/url", "info/url") or "ds:///vmfs/volumes/%s/" % ds.ds_uuid
        P["summary.url"] = v_typed("xsd:string", url)
        mounts = [h for h in self.hosts if ds in h.datastores]
        P["host"] = v_array("DatastoreHostMount", [
            '<key type="HostSystem">%s</key><mountInfo><path>/vmfs/volumes/%s</path><accessMode>'
            'readWrite</accessMode><mounted>true</mounted><accessible>true</accessible></mountInfo>'
            % (esc(h.moref), esc(ds.ds_uuid)) for h in mounts])
        P["vm"] = v_refs([("VirtualMachine", v.moref) for v in self.vms if ds in v.datastores])

    def quick_value(self, mo, counter_full, now, default):
        """A host's quickStats from the same numbers QueryPerf gives."""
        key = next((c.key for c in self.counters.values() if c.full == counter_full), None)
        if key is None:
            return int(default)
        t = int(now // 20) * 20
        v = self.perf.value(mo, self.counters[key], "", 20, t)
        return int(v) if v is not None and v >= 0 else int(default)

    # -- queries -------------------------------------------------------------

    def contents(self, container, types, recursive=True):
        """Objects of the types below a container (ContainerView rules: the
        container itself is not in it)."""
        out = []
        for o in self.objects:
            if not any(type_matches(t, o.type) for t in types):
                continue
            chain, p = [], o.parent
            while p is not None and len(chain) < 64:
                chain.append(p.moref)
                p = p.parent
            chain.append(self.root_moref)
            if (container in chain) if recursive else (chain[0] == container):
                out.append(o)
        return out


# ---------------------------------------------------------------------------
# performance data

class Perf:
    """QueryPerf answers: windows, instances and values."""

    def __init__(self, rec, inv, catalog_rec, stats_level=1, historical_delay=0.0):
        self.rec = rec                   # the version (its CSV answers)
        self.inv = inv
        self.counters = catalog_rec.counters
        self.stats_level = stats_level
        self.historical_delay = historical_delay
        self.esxi = rec.product == "esxi"
        # instances the recordings show per (entity kind, counter group)
        self.group_instances = collections.defaultdict(set)
        self.entity_instances = collections.defaultdict(list)
        for (moref, interval, cid, inst) in rec.csv:
            c = self.counters.get(cid)
            kind = {"HostSystem": "host", "VirtualMachine": "vm"}.get(rec.csv_entities.get(moref))
            lst = self.entity_instances[(moref, interval, cid)]
            if inst not in lst:
                lst.append(inst)
            if c is not None and inst and kind:
                self.group_instances[(kind, c.group)].add(inst)

    def intervals(self):
        """{intervalId: (retention seconds, level)}"""
        out = {20: (3600, None)}
        if not self.esxi:
            for _key, period, _name, length in HISTORICAL_INTERVALS:
                out[period] = (length, self.stats_level)
        return out

    def has_data(self, mo, interval):
        if mo.kind is None:
            return False
        if interval == 20:
            return mo.kind in ("host", "vm")
        return not self.esxi

    def timestamps(self, interval, start=None, end=None, max_sample=None, now=None):
        retention, _ = self.intervals()[interval]
        delay = 0 if interval == 20 else self.historical_delay
        latest = int((now - delay) // interval) * interval
        earliest = latest - (retention // interval - 1) * interval
        lo = earliest
        if start is not None:
            lo = max(lo, (int(start) // interval + 1) * interval)
        hi = latest if end is None else min(latest, int(end) // interval * interval)
        ts = list(range(lo, hi + 1, interval)) if hi >= lo else []
        if interval == 20 and max_sample is not None and max_sample > 0:
            ts = ts[-max_sample:]
        return ts

    def instances(self, mo, counter, interval, wanted):
        """The instances a metricId gives: wanted "" -> [""], "*" -> aggregate
        and instances, a name -> that one if it exists."""
        recorded = self.entity_instances.get((mo.moref, interval, counter.key))
        if recorded is not None:
            allof = list(recorded)
        else:
            insts = self._instances(mo, counter)
            no_aggregate = mo.kind in ("vm", "host") and counter.group in ("virtualDisk", "datastore")
            allof = ([] if no_aggregate else [""]) + insts
        if wanted == "*":
            return allof
        return [wanted] if wanted in allof else []

    def _instances(self, mo, c):
        kind, g = mo.kind, c.group
        rec = sorted(self.group_instances.get((kind, g), ()))
        if kind == "host":
            if g == "cpu":
                return [str(i) for i in range(min(mo.cores, 8))]
            if g == "net":
                return rec or ["vmnic%d" % i for i in range(mo.vmnics)]
            if g == "disk":
                return list(mo.luns)
            if g == "datastore":
                return [d.ds_uuid for d in mo.datastores]
            return []
        if kind == "vm":
            if g == "cpu":
                return [str(i) for i in range(mo.num_cpu)]
            if g == "net":
                return rec or ["4000"]
            if g == "virtualDisk":
                return rec or ["scsi0:0"]
            if g == "disk":
                luns = [e for d in mo.datastores for e in d.extents]
                return luns or (list(mo.host.luns[:1]) if mo.host is not None else [])
            if g == "datastore":
                return [d.ds_uuid for d in mo.datastores]
            return []
        return []

    def recorded_value(self, moref, counter_id, instance, interval, t):
        """The recorded value for a sample at time t (or None): value number
        (t // interval) mod n of the recorded series, oldest first."""
        vals = self.rec.csv.get((moref, interval, counter_id, instance))
        if not vals:
            return None
        return vals[(int(t) // interval) % len(vals)]

    def value(self, mo, c, inst, interval, t):
        v = self.recorded_value(mo.moref, c.key, inst, interval, t)
        if v is not None:
            return v
        return self.synth(mo, c, inst, interval, t)

    def synth(self, mo, c, inst, interval, t):
        r = unit_rand(mo.moref, c.key, inst, t)
        full = c.full
        share = 1.0 / (1 + len(self._instances(mo, c))) if inst else 1.0
        if full == "sys.uptime.latest":
            boot = mo.boot or (t - 86400 * 5)
            return max(0, int(t - boot))
        if mo.kind == "datastore" and c.group == "disk":
            cap, free = mo.capacity or 0, mo.free or 0
            used = cap - free
            if c.name == "capacity":
                return cap // 1024
            if c.name == "used":
                return used // 1024
            if c.name == "provisioned":
                return (used + (mo.uncommitted or 0)) // 1024
        if mo.kind == "cluster":
            hosts = [h for h in self.inv.hosts if h.parent is mo]
            total = sum(h.cpu_mhz * h.cores for h in hosts) or 10000
            if full == "cpu.totalmhz.average":
                return total
            if full == "clusterServices.effectivecpu.average":
                return int(total * 0.92)
            if full == "clusterServices.effectivemem.average":
                return int(sum(h.mem_bytes for h in hosts) * 0.9) // 1048576
        u = c.unit
        if u == "percent":
            return int(300 + 2700 * r)
        if u == "megaHertz":
            top = (mo.cpu_mhz * mo.cores) if mo.kind == "host" else (mo.num_cpu * 2400)
            return int(top * (0.05 + 0.3 * r) * share)
        if u == "kiloBytes":
            if c.group == "mem" and c.name in ("swapped", "swapused", "vmmemctl", "swapin", "swapout",
                                               "compressed", "zipped", "zero", "swaptarget"):
                return 0
            share = 0.05 + 0.15 * r if c.name == "active" else 0.2 + 0.4 * r
            if mo.kind == "vm":
                return int(mo.memory_mb * 1024 * share)
            if mo.kind == "host":
                return int(mo.mem_bytes / 1024 * share)
            return int(4e6 + 8e6 * r)
        if u == "kiloBytesPerSecond":
            return int(800 * r * share)
        if u == "millisecond":
            if c.rollup == "summation":
                if c.name == "wait":
                    return int(interval * 1000 * (0.7 + 0.29 * r))
                return int(interval * 1000 * 0.02 * r * share)
            return int(20 * r)
        if u == "microsecond":
            return int(2000 * r)
        if u == "watt":
            return int(80 + 220 * r)
        if u == "second":
            return int(100 * r)
        if c.group == "vmop":
            return int(3 * r)
        return int(100 * r * share)


# ---------------------------------------------------------------------------
# HTTP plumbing

class _Conn:
    def __init__(self, server, sock):
        self.server = server
        self.sock = sock
        self.buf = b""

    def _recv(self, deadline):
        while not self.server._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                r, _, _ = select.select([self.sock], [], [], min(0.2, left))
            except (OSError, ValueError):
                return b""
            if r:
                try:
                    return self.sock.recv(65536)
                except OSError:
                    return b""
        return None

    def _fill(self, need, deadline):
        while need():
            data = self._recv(deadline)
            if not data:
                return False
            self.buf += data
            if len(self.buf) > _MAX_BODY + _MAX_HEADER:
                return False
        return True

    def read_request(self):
        idle = time.monotonic() + self.server.idle_timeout
        if not self._fill(lambda: b"\r\n\r\n" not in self.buf and len(self.buf) <= _MAX_HEADER, idle):
            return None
        if b"\r\n\r\n" not in self.buf:
            return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) != 3:
            return None
        req = _Request()
        req.method, req.target, req.version = parts
        req.headers = []
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                req.headers.append((k.strip(), v.strip()))
        if (req.header("Expect") or "").lower() == "100-continue":
            self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        deadline = time.monotonic() + 30.0
        if "chunked" in (req.header("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                if not self._fill(lambda: b"\r\n" not in self.buf, deadline):
                    return None
                line, self.buf = self.buf.split(b"\r\n", 1)
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    return None
                if size == 0:
                    if not self._fill(lambda: b"\r\n\r\n" not in b"\r\n" + self.buf, deadline):
                        return None
                    self.buf = (b"\r\n" + self.buf).split(b"\r\n\r\n", 1)[1]
                    break
                if size > _MAX_BODY or not self._fill(lambda: len(self.buf) < size + 2, deadline):
                    return None
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if len(body) > _MAX_BODY:
                    return None
        else:
            try:
                n = int(req.header("Content-Length") or 0)
            except ValueError:
                return None
            if n > _MAX_BODY or not self._fill(lambda: len(self.buf) < n, deadline):
                return None
            body, self.buf = self.buf[:n], self.buf[n:]
        req.body = body
        return req

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            raise _ClientGone()

    def respond(self, status, reason, headers, body, keep_alive):
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Date: %s" % email.utils.formatdate(usegmt=True),
                 "Cache-Control: no-cache",
                 "Connection: %s" % ("Keep-Alive" if keep_alive else "close")]
        lines += ["%s: %s" % kv for kv in headers]
        lines.append("Content-Length: %d" % len(body))
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + body)

    def serve(self):
        s = self.server
        try:
            self.sock.settimeout(10.0)       # bounds sendall
            while not s._stop.is_set():
                req = self.read_request()
                if req is None:
                    break
                status, reason, headers, body = s._handle(req)
                ka = req.keep_alive
                self.respond(status, reason, headers, body, ka)
                if not ka:
                    break
        except _ClientGone:
            pass
        except Exception as e:  # noqa: BLE001 - a test server must not die silently
            s._count("handler_errors", type(e).__name__)
            s.last_handler_error = repr(e)
        finally:
            try:
                self.sock.close()
            except OSError:
                pass
            s._forget(self)


# ---------------------------------------------------------------------------
# the server

class _Session:
    def __init__(self, cookie, user, authenticated):
        self.cookie = cookie             # the value as set, quotes included
        self.user = user
        self.authenticated = authenticated
        self.key = str(uuid.uuid4())
        self.views = {}                  # moref -> (container, types)
        self.retrievals = {}             # token -> [pending object xml]
        self.next_token = 0
        self.collectors = {}             # moref -> _Collector
        self.next_collector = 0
        self.created = time.time()


class _Collector:
    def __init__(self):
        self.filters = {}                # moref -> PropertyFilterSpec element
        self.sent = None                 # update sets sent (None: none asked)
        self.pending = []                # the initial update not yet sent


class ReplayServer:
    """See the module docstring. version_dir: a directory name inside the
    recordings (or a path). Options: user, password, denied_users (right
    password, no permission), versions_file (False: 404), catalog_from (a
    version dir lending its perfCounter catalog), max_query_metrics (None:
    256 from vCenter 6.5, InvalidName below), stats_level, historical_delay,
    clock_offset (seconds added to the server's clock)."""

    def __init__(self, version_dir, user="user", password="pass", denied_users=(), port=0,
                 realxml=None, versions_file=True, catalog_from=None, max_query_metrics=None,
                 stats_level=1, historical_delay=0.0, clock_offset=0.0, start=True):
        self.realxml = realxml or realxml_dir()
        path = version_dir if os.path.isabs(version_dir) else os.path.join(self.realxml, version_dir)
        self.rec = Recording.load(path)
        if not self.rec.service_contents:
            raise ValueError("%s holds no RetrieveServiceContent answer: not a product version" % path)
        self.version = self.rec.name
        self.user = user
        self.password = password
        self.denied_users = set(denied_users)
        self.versions_file = versions_file
        self.clock_offset = clock_offset
        self.port = port
        if self.rec.catalog:
            self.catalog_rec = self.rec
        else:
            src = catalog_from or CATALOG_FROM.get(self.version)
            self.catalog_rec = Recording.load(os.path.join(self.realxml, src)) if src else self.rec
        self.catalog_source = self.catalog_rec.name if self.catalog_rec.catalog else None
        # the CSV values are read against the served catalog's counter ids
        self.inventory = Inventory(self.rec, self.realxml, self.catalog_rec.counters)
        self.perf = Perf(self.rec, self.inventory, self.catalog_rec, stats_level, historical_delay)
        self.inventory.perf = self.perf
        api = self.rec.about.get("apiVersion") or "0"
        if self.rec.product == "vc" and version_tuple(api) >= (6, 5):
            self.max_query_metrics = 256 if max_query_metrics is None else max_query_metrics
        else:
            self.max_query_metrics = None if max_query_metrics is None else max_query_metrics
        self.has_option = self.rec.product == "vc" and (
            version_tuple(api) >= (6, 5) or max_query_metrics is not None)
        self.invalid_login = self._invalid_login_recording()
        self.served_versions = self._served_versions()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sessions = {}
        self._counters = collections.defaultdict(collections.Counter)
        self._scalars = collections.Counter()
        self._requests = []
        self.logout_cookies = []
        self._clients = {}
        self._lsock = None
        self._accept_thread = None
        self.idle_timeout = 300.0
        self.last_handler_error = None
        if start:
            self.start()

    # -- public -----------------------------------------------------------------

    @property
    def url(self):
        return "http://127.0.0.1:%d/sdk" % self.port

    @property
    def full_name(self):
        return self.rec.about.get("fullName")

    def now(self):
        return time.time() + self.clock_offset

    def stats(self):
        with self._lock:
            out = {k: dict(v) for k, v in self._counters.items()}
            for k in ("operations", "soap_actions", "op_actions", "http", "unknown_operations", "faults"):
                out.setdefault(k, {})
            out.update(self._scalars)
            for k in ("logins", "login_failures", "logouts", "not_authenticated", "unlisted_soap_actions",
                      "views_created", "views_destroyed", "tokens_issued", "continues", "cancels",
                      "query_specs", "samples_sent", "collectors_created", "collectors_destroyed",
                      "filters_created", "wait_for_updates", "update_sets_truncated"):
                out.setdefault(k, 0)
            out["live_sessions"] = sum(1 for s in self._sessions.values() if s.authenticated)
            out["views_live"] = sum(len(s.views) for s in self._sessions.values())
            out["collectors_live"] = sum(len(s.collectors) for s in self._sessions.values())
            return out

    def requests(self):
        with self._lock:
            return [dict(r) for r in self._requests]

    def recorded_value(self, moref, counter_id, instance, interval, t):
        return self.perf.recorded_value(moref, counter_id, instance, interval, t)

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        s.setblocking(False)
        self._lsock = s
        self.port = s.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name="replay-accept", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self, timeout=5.0):
        self._stop.set()
        if self._lsock is not None:
            try:
                self._lsock.close()
            except OSError:
                pass
        with self._lock:
            conns = dict(self._clients)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for t in [self._accept_thread] + list(conns.values()):
            if t is not None:
                t.join(max(0.0, deadline - time.monotonic()))

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- internals: sockets -------------------------------------------------------

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([self._lsock], [], [], 0.1)
                if not r:
                    continue
                sock, _peer = self._lsock.accept()
            except (OSError, ValueError):
                if self._stop.is_set():
                    return
                continue
            sock.setblocking(True)
            conn = _Conn(self, sock)
            t = threading.Thread(target=conn.serve, name="replay-conn", daemon=True)
            with self._lock:
                self._clients[conn] = t
                self._scalars["connections"] += 1
            t.start()

    def _forget(self, conn):
        with self._lock:
            self._clients.pop(conn, None)

    def _count(self, what, key, n=1):
        with self._lock:
            self._counters[what][key] += n

    def _scalar(self, what, n=1):
        with self._lock:
            self._scalars[what] += n

    # -- internals: recordings ----------------------------------------------------

    def _invalid_login_recording(self):
        if self.rec.invalid_login:
            data, f = self.rec.invalid_login
            return data, (self.version, f)
        src, f = INVALID_LOGIN_FROM[self.rec.product]
        other = Recording.load(os.path.join(self.realxml, src))
        data = other.invalid_login[0] if other.invalid_login and other.invalid_login[1] == f else other.body(f)
        return data, (src, f)

    def _served_versions(self):
        """The versions the server lists in vimServiceVersions.xml."""
        if self.rec.versions_xml:
            root = ET.fromstring(self.rec.versions_xml)
            for ns in root.iter("namespace"):
                if text_of(ns, "name") == "urn:vim25":
                    return [text_of(ns, "version")] + [v.text for v in children(child(ns, "priorVersions"),
                                                                                 "version")]
        return synth_versions(self.rec.about.get("apiVersion") or "6.5")

    def versions_document(self):
        if self.rec.versions_xml:
            return self.rec.versions_xml
        vs = self.served_versions
        if version_tuple(vs[0]) < (6, 5):
            return ('<?xml version="1.0" encoding="UTF-8" ?>\n<!--\n   Copyright 2008-2011 VMware, Inc.  '
                    'All rights reserved.\n-->\n<namespaces version="1.0">\n  <namespace>\n'
                    '    <name>urn:vim25</name>\n    <version>%s</version>\n    <priorVersions>\n%s'
                    '    </priorVersions>\n  </namespace>\n  <namespace>\n    <name>urn:vim2</name>\n'
                    '    <version>2.0</version>\n  </namespace>\n</namespaces>\n'
                    % (vs[0], "".join("      <version>%s</version>\n" % v for v in vs[1:]))).encode()
        return ('<?xml version="1.0" encoding="UTF-8" ?><namespaces version="1.0"><namespace><name>urn:vim25'
                '</name><version>%s</version><priorVersions>%s</priorVersions></namespace></namespaces>'
                % (vs[0], "".join("<version>%s</version>" % v for v in vs[1:]))).encode()

    # -- internals: requests ------------------------------------------------------

    def _log(self, entry):
        with self._lock:
            if len(self._requests) < 20000:
                self._requests.append(entry)

    def _handle(self, req):
        xml_hdr = [("Content-Type", "text/xml; charset=utf-8")]
        path = req.target.split("?", 1)[0]
        if req.method == "GET":
            if path == "/sdk/vimServiceVersions.xml" and self.versions_file:
                self._count("http", "GET %s 200" % path)
                self._log({"op": "GET vimServiceVersions.xml", "soap_action": None, "cookie": None,
                           "session": None, "status": 200, "detail": {}})
                return 200, "OK", xml_hdr, self.versions_document()
            self._count("http", "GET %s 404" % path)
            self._log({"op": "GET " + path, "soap_action": None, "cookie": None, "session": None,
                       "status": 404, "detail": {}})
            return 404, "Not Found", [("Content-Type", "text/html")], b""
        if req.method != "POST" or path != "/sdk":
            self._count("http", "%s %s 404" % (req.method, path))
            return 404, "Not Found", [("Content-Type", "text/html")], b""
        action = (req.header("SOAPAction") or "").strip().strip('"')
        cookie = self._cookie(req.header("Cookie"))
        try:
            root = ET.fromstring(req.body)
            body_el = next(c for c in root if local(c.tag) == "Body")
            call = next(iter(body_el))
        except (ET.ParseError, StopIteration, TypeError):
            self._count("http", "POST /sdk 500")
            self._count("faults", "InvalidRequest")
            return 500, "Internal Server Error", xml_hdr, fault_doc(
                "InvalidRequest", "Unable to parse the request", "", code="ClientFaultCode")
        op = local(call.tag)
        self._count("operations", op)
        self._count("soap_actions", action or "-")
        self._count("op_actions", "%s %s" % (op, action or "-"))
        av = action.split("/", 1)[1] if action.startswith("urn:vim25/") else None
        if av is not None and av not in self.served_versions:
            self._scalar("unlisted_soap_actions")
        with self._lock:
            sess = self._sessions.get(cookie) if cookie else None
        entry = {"op": op, "soap_action": action, "cookie": cookie,
                 "session": (sess is not None and sess.authenticated) if cookie else None,
                 "status": None, "detail": {}}
        headers = list(xml_hdr)
        handler = getattr(self, "_op_" + op, None)
        if handler is None:
            self._count("unknown_operations", op)
            status, body = 500, fault_doc(None, "Unable to resolve WSDL method name %s in %s"
                                          % (op, wsdl_version_name(av or self.served_versions[0])), "")
        elif op not in ("RetrieveServiceContent", "Login") and (sess is None or not sess.authenticated):
            self._scalar("not_authenticated")
            if cookie is None and req.header("Cookie") and COOKIE_NAME in req.header("Cookie"):
                self._scalar("cookie_malformed")
            status, body = 500, fault_doc(
                "NotAuthenticated", "The session is not authenticated.",
                '<object type="Folder">%s</object><privilegeId>System.View</privilegeId>'
                % esc(self.inventory.root_moref))
        else:
            status, body, extra_headers = handler(call, sess, av, entry)
            headers += extra_headers
        entry["status"] = status
        self._log(entry)
        self._count("http", "POST /sdk %d" % status)
        if status != 200:
            m = re.search(rb'<detail><\w+ xmlns="urn:vim25" xsi:type="(\w+)"', body)
            self._count("faults", m.group(1).decode() if m else "UnknownMethod")
        return status, ("OK" if status == 200 else "Internal Server Error"), headers, body

    @staticmethod
    def _cookie(header):
        """The vmware_soap_session value as sent (quotes kept)."""
        if not header:
            return None
        for part in header.split(";"):
            k, _, v = part.strip().partition("=")
            if k == COOKIE_NAME:
                return v
        return None

    def _new_cookie(self, user, authenticated):
        cookie = '"%s"' % secrets.token_hex(20)
        with self._lock:
            self._sessions[cookie] = _Session(cookie, user, authenticated)
        return cookie, ("Set-Cookie", '%s=%s; Path=/; HttpOnly; Secure;' % (COOKIE_NAME, cookie))

    # -- operations -----------------------------------------------------------------

    def _op_RetrieveServiceContent(self, call, sess, av, entry):
        data, f = self.rec.service_content_for(av)
        entry["detail"]["file"] = f
        return 200, data, []

    def _op_Login(self, call, sess, av, entry):
        user = text_of(call, "userName", "")
        password = text_of(call, "password", "")
        entry["detail"]["user"] = user
        if user == self.user and password == self.password and user not in self.denied_users:
            cookie, hdr = self._new_cookie(user, True)
            self._scalar("logins")
            if self.rec.login:
                return 200, self.rec.login, [hdr]
            now = self.now()
            return 200, envelope(
                '<LoginResponse xmlns="urn:vim25"><returnval><key>%s</key><userName>%s</userName>'
                '<fullName>%s</fullName><loginTime>%s</loginTime><lastActiveTime>%s</lastActiveTime>'
                '<locale>en</locale><messageLocale>en</messageLocale><extensionSession>false'
                '</extensionSession><ipAddress>127.0.0.1</ipAddress><userAgent>collectd-vsphere'
                '</userAgent><callCount>0</callCount></returnval></LoginResponse>'
                % (uuid.uuid4(), esc(user), esc(user), iso(now, True), iso(now, True))), [hdr]
        self._scalar("login_failures")
        if user in self.denied_users and user == self.user and password == self.password:
            src, f = PERMISSION_DENIED_FROM
            other = Recording.load(os.path.join(self.realxml, src))
            entry["detail"]["file"] = "%s/%s" % (src, f)
            return 500, other.body(f), []
        data, (src, f) = self.invalid_login
        entry["detail"]["file"] = "%s/%s" % (src, f)
        headers = []
        if (src, f) in COOKIE_ON_REFUSAL:
            _cookie, hdr = self._new_cookie(user, False)
            headers.append(hdr)
        return 500, data, headers

    def _op_Logout(self, call, sess, av, entry):
        with self._lock:
            self._sessions.pop(sess.cookie, None)
            self.logout_cookies.append(sess.cookie)
        self._scalar("logouts")
        if self.rec.logout:
            return 200, self.rec.logout, []
        return 200, envelope('<LogoutResponse xmlns="urn:vim25"></LogoutResponse>'), []

    def _op_CurrentTime(self, call, sess, av, entry):
        return 200, envelope('<CurrentTimeResponse xmlns="urn:vim25"><returnval>%s</returnval>'
                             '</CurrentTimeResponse>' % iso(self.now(), micro=True)), []

    def _op_QueryOptions(self, call, sess, av, entry):
        name = text_of(call, "name", "") or ""
        entry["detail"]["name"] = name
        key = "config.vpxd.stats.maxQueryMetrics"
        if self.has_option and self.max_query_metrics is not None and (name == key or key.startswith(name)):
            return 200, envelope(
                '<QueryOptionsResponse xmlns="urn:vim25"><returnval><key>%s</key><value xsi:type="xsd:int">'
                '%d</value></returnval></QueryOptionsResponse>' % (key, self.max_query_metrics)), []
        # vCenter's InvalidName carries no message (pyVmomi shows msg = '')
        return 500, fault_doc("InvalidName", "", "<name>%s</name>" % esc(name)), []

    def _op_CreateContainerView(self, call, sess, av, entry):
        container = text_of(call, "container", self.inventory.root_moref)
        types = [t.text for t in children(call, "type")]
        recursive = (text_of(call, "recursive", "false") or "").strip() == "true"
        entry["detail"].update(container=container, types=types)
        if container != self.inventory.root_moref and container not in self.inventory.by_moref:
            return 500, not_found_doc("Folder", container), []
        with self._lock:
            live = {m for s in self._sessions.values() for m in s.views}
        data = None
        if self.rec.create_view:
            m = re.search(rb'<returnval type="ContainerView">([^<]+)</returnval>', self.rec.create_view)
            if m and m.group(1).decode() not in live:
                moref, data = m.group(1).decode(), self.rec.create_view
        if data is None:
            moref = "session[%s]%s" % (sess.key, uuid.uuid4())
            data = envelope('<CreateContainerViewResponse xmlns="urn:vim25"><returnval type="ContainerView">'
                            '%s</returnval></CreateContainerViewResponse>' % esc(moref))
        with self._lock:
            sess.views[moref] = (container, types, recursive)
        self._scalar("views_created")
        return 200, data, []

    def _op_DestroyView(self, call, sess, av, entry):
        moref = text_of(call, "_this", "")
        with self._lock:
            known = sess.views.pop(moref, None)
        if known is None:
            return 500, not_found_doc("ContainerView", moref), []
        self._scalar("views_destroyed")
        if self.rec.destroy_view:
            return 200, self.rec.destroy_view, []
        return 200, envelope('<DestroyViewResponse xmlns="urn:vim25"></DestroyViewResponse>'), []

    def _op_RetrievePropertiesEx(self, call, sess, av, entry):
        opts = child(call, "options")
        mx = text_of(opts, "maxObjects") if opts is not None else None
        max_objects = int(mx) if mx and mx.strip().lstrip("-").isdigit() and int(mx) > 0 else None
        found = self._select(children(call, "specSet"), sess, entry)
        if not isinstance(found, list):
            return found  # a fault, or the PerformanceManager's answer
        entry["detail"]["max_objects"] = max_objects
        rendered = ['<objects><obj type="%s">%s</obj>%s</objects>' % (
            o_type, esc(o_ref), "".join("<propSet><name>%s</name>%s</propSet>" % (esc(n), v)
                                        for n, v in props if v is not None))
            for o_type, o_ref, props in found]
        return self._page(sess, "RetrievePropertiesExResponse", rendered, max_objects, entry)

    def _select(self, specs, sess, entry):
        """What PropertyFilterSpecs select: [(type, moref, [(path, rendered
        <val> or None when unset)])], or a finished answer (a fault; the
        PerformanceManager's properties)."""
        prop_specs, obj_specs = [], []
        for spec in specs:
            for ps in children(spec, "propSet"):
                prop_specs.append((text_of(ps, "type"), text_of(ps, "all", "false") == "true",
                                   [p.text for p in children(ps, "pathSet")]))
            obj_specs += children(spec, "objectSet")
        entry["detail"].update(paths=sorted({p for _t, _a, ps in prop_specs for p in ps}),
                               types=[t for t, _a, _p in prop_specs])
        perf = self.rec.managers.get("perfManager")
        objs = []
        for os_ in obj_specs:
            obj = child(os_, "obj")
            moref = obj.text if obj is not None else ""
            mo_type = obj.get("type") if obj is not None else ""
            skip = text_of(os_, "skip", "false") == "true"
            if moref == perf or mo_type == "PerformanceManager":
                return self._perf_manager_props(prop_specs, entry)
            if mo_type == "ContainerView" or moref in sess.views:
                view = sess.views.get(moref)
                if view is None:
                    return 500, not_found_doc("ContainerView", moref), []
                if not skip:
                    objs.append(("view", moref, view))
                if any(text_of(sel, "path") == "view" for sel in children(os_, "selectSet")):
                    objs += [("mo", o, None) for o in self.inventory.contents(*view)]
                continue
            mo = self.inventory.by_moref.get(moref)
            if mo is None and (moref in self.rec.managers.values() or moref == "ServiceInstance"):
                # a manager (SessionManager, ...): its properties are not
                # modelled; answered as an object without them
                mo = MO(mo_type, moref, moref)
            if mo is None:
                return 500, not_found_doc(mo_type or "ManagedEntity", moref), []
            if not skip:
                objs.append(("mo", mo, None))
        now = self.now()
        found = []
        seen = set()
        for kind, o, view in objs:
            o_type = "ContainerView" if kind == "view" else o.type
            o_ref = o if kind == "view" else o.moref
            if (o_type, o_ref) in seen:
                continue
            seen.add((o_type, o_ref))
            paths, any_match = set(), False
            for t, all_, ps in prop_specs:
                if type_matches(t, o_type):
                    any_match = True
                    paths.update(ps)
                    if all_ and kind == "mo":
                        paths.update(o.props)
            if not any_match:
                continue
            props = []
            for p in sorted(paths):
                if kind == "view":
                    if p == "view":
                        contents = self.inventory.contents(*view)
                        props.append((p, v_refs([(c.type, c.moref) for c in contents])))
                    continue
                v = o.props.get(p)
                if v is None:
                    if p not in UNSET_PATHS:
                        self._count("unmodelled_paths", "%s.%s" % (o_type, p))
                    props.append((p, None))
                    continue
                props.append((p, v(now) if callable(v) else v))
            found.append((o_type, o_ref, props))
        return found

    # -- the update stream (S): a private collector, filters, update sets ----

    def _collector(self, call, sess):
        with self._lock:
            return sess.collectors.get(text_of(call, "_this", ""))

    def _op_CreatePropertyCollector(self, call, sess, av, entry):
        with self._lock:
            sess.next_collector += 1
            moref = "session[%s]%s" % (sess.key, uuid.uuid4())
            sess.collectors[moref] = _Collector()
        self._scalar("collectors_created")
        return 200, envelope('<CreatePropertyCollectorResponse xmlns="urn:vim25"><returnval '
                             'type="PropertyCollector">%s</returnval></CreatePropertyCollectorResponse>'
                             % esc(moref)), []

    def _op_DestroyPropertyCollector(self, call, sess, av, entry):
        with self._lock:
            known = sess.collectors.pop(text_of(call, "_this", ""), None)
        if known is None:
            return 500, not_found_doc("PropertyCollector", text_of(call, "_this", "")), []
        self._scalar("collectors_destroyed")
        return 200, envelope('<DestroyPropertyCollectorResponse xmlns="urn:vim25">'
                             '</DestroyPropertyCollectorResponse>'), []

    def _op_CreateFilter(self, call, sess, av, entry):
        pc = self._collector(call, sess)
        if pc is None:
            return 500, not_found_doc("PropertyCollector", text_of(call, "_this", "")), []
        spec = child(call, "spec")
        if spec is None:
            return 500, invalid_argument_doc("spec"), []
        with self._lock:
            moref = "session[%s]%s" % (sess.key, uuid.uuid4())
            pc.filters[moref] = spec
        self._scalar("filters_created")
        return 200, envelope('<CreateFilterResponse xmlns="urn:vim25"><returnval type="PropertyFilter">'
                             '%s</returnval></CreateFilterResponse>' % esc(moref)), []

    def _op_WaitForUpdatesEx(self, call, sess, av, entry):
        """The first call (version "") sends every object the filters select
        as "enter" with all its properties (unset ones as a changeSet without
        val, as vCenter does), in sets of options.maxObjectUpdates with
        truncated; later calls, nothing having changed in a recording,
        return at once without a returnval (maxWaitSeconds 0). A version
        other than the last one sent: InvalidCollectorVersion."""
        pc = self._collector(call, sess)
        if pc is None:
            return 500, not_found_doc("PropertyCollector", text_of(call, "_this", "")), []
        version = text_of(call, "version", "") or ""
        opts = child(call, "options")
        mx = text_of(opts, "maxObjectUpdates") if opts is not None else None
        max_objects = int(mx) if mx and mx.strip().isdigit() and int(mx) > 0 else None
        entry["detail"].update(version_in=version, max_objects=max_objects)
        self._scalar("wait_for_updates")
        if version == "" and pc.sent is None:
            pending = []
            for f_ref, spec in pc.filters.items():
                found = self._select([spec], sess, entry)
                if not isinstance(found, list):
                    return found
                pending += [(f_ref, o_type, o_ref, props) for o_type, o_ref, props in found]
            pc.pending, pc.sent = pending, 0
        elif version != str(pc.sent):
            return 500, fault_doc("InvalidCollectorVersion", "The specified version is invalid.", ""), []
        if not pc.pending:
            return 200, envelope('<WaitForUpdatesExResponse xmlns="urn:vim25"></WaitForUpdatesExResponse>'), []
        page, pc.pending = ((pc.pending[:max_objects], pc.pending[max_objects:]) if max_objects
                            else (pc.pending, []))
        pc.sent += 1
        if pc.pending:
            self._scalar("update_sets_truncated")
        sets = []
        for f_ref in dict.fromkeys(f for f, _t, _r, _p in page):
            objs = "".join('<objectSet><kind>enter</kind><obj type="%s">%s</obj>%s</objectSet>' % (
                o_type, esc(o_ref), "".join(
                    "<changeSet><name>%s</name><op>assign</op>%s</changeSet>" % (esc(n), v or "")
                    for n, v in props))
                for f, o_type, o_ref, props in page if f == f_ref)
            sets.append('<filterSet><filter type="PropertyFilter">%s</filter>%s</filterSet>'
                        % (esc(f_ref), objs))
        entry["detail"]["objects"] = len(page)
        return 200, envelope('<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>%d</version>'
                             '%s%s</returnval></WaitForUpdatesExResponse>'
                             % (pc.sent, "".join(sets), "<truncated>true</truncated>" if pc.pending else "")), []

    def _page(self, sess, response, rendered, max_objects, entry, token=None):
        if not rendered and token is None:
            return 200, envelope('<%s xmlns="urn:vim25"></%s>' % (response, response)), []
        page, rest = (rendered[:max_objects], rendered[max_objects:]) if max_objects else (rendered, [])
        tok = ""
        with self._lock:
            if rest:
                if token is None:
                    token = str(sess.next_token)
                    sess.next_token += 1
                    self._scalars["tokens_issued"] += 1
                sess.retrievals[token] = (rest, max_objects)
                tok = "<token>%s</token>" % token
            elif token is not None:
                sess.retrievals.pop(token, None)
        entry["detail"].update(objects=len(page), token=token if rest else None)
        return 200, envelope('<%s xmlns="urn:vim25"><returnval>%s%s</returnval></%s>'
                             % (response, tok, "".join(page), response)), []

    def _op_ContinueRetrievePropertiesEx(self, call, sess, av, entry):
        token = text_of(call, "token", "")
        entry["detail"]["token_in"] = token
        with self._lock:
            pending = sess.retrievals.get(token)
        self._scalar("continues")
        if pending is None:
            return 500, invalid_argument_doc("token"), []
        rest, max_objects = pending
        return self._page(sess, "ContinueRetrievePropertiesExResponse", rest, max_objects, entry, token)

    def _op_CancelRetrievePropertiesEx(self, call, sess, av, entry):
        token = text_of(call, "token", "")
        entry["detail"]["token_in"] = token
        with self._lock:
            pending = sess.retrievals.pop(token, None)
        self._scalar("cancels")
        if pending is None:
            return 500, invalid_argument_doc("token"), []
        return 200, envelope('<CancelRetrievePropertiesExResponse xmlns="urn:vim25">'
                             '</CancelRetrievePropertiesExResponse>'), []

    def _perf_manager_props(self, prop_specs, entry):
        paths = sorted({p for t, _a, ps in prop_specs if type_matches(t, "PerformanceManager") for p in ps})
        entry["detail"]["perf_paths"] = paths
        if paths == ["perfCounter"] and self.catalog_rec.catalog:
            entry["detail"]["file"] = self.catalog_source
            return 200, self.catalog_rec.catalog, []
        if paths == ["historicalInterval"] and self.rec.historical:
            return 200, self.rec.historical, []
        sets = []
        for p in paths:
            if p == "perfCounter":
                if self.catalog_rec.catalog:
                    sets.append(perf_propset(self.catalog_rec.catalog, "perfCounter"))
            elif p == "historicalInterval":
                if self.rec.historical:
                    sets.append(perf_propset(self.rec.historical, "historicalInterval"))
                elif self.rec.product == "esxi":
                    sets.append('<propSet><name>historicalInterval</name>'
                                '<val xsi:type="ArrayOfPerfInterval"></val></propSet>')
                else:
                    sets.append('<propSet><name>historicalInterval</name>%s</propSet>' % v_array(
                        "PerfInterval", ['<key>%d</key><samplingPeriod>%d</samplingPeriod><name>%s</name>'
                                         '<length>%d</length><level>%d</level><enabled>true</enabled>'
                                         % (k, period, name, length, self.perf.stats_level)
                                         for k, period, name, length in HISTORICAL_INTERVALS]))
            else:
                self._count("unmodelled_paths", "PerformanceManager." + p)
        return 200, envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj '
                             'type="PerformanceManager">%s</obj>%s</objects></returnval>'
                             '</RetrievePropertiesExResponse>'
                             % (esc(self.rec.managers.get("perfManager") or "PerfMgr"), "".join(sets))), []

    def _op_QueryPerf(self, call, sess, av, entry):
        now = self.now()
        specs = []
        for qs in children(call, "querySpec"):
            ent = child(qs, "entity")
            st = text_of(qs, "startTime")
            en = text_of(qs, "endTime")
            ms = text_of(qs, "maxSample")
            ms = ms if ms and ms.strip().isdigit() and int(ms) > 0 else None
            iv = text_of(qs, "intervalId")
            fmt = text_of(qs, "format") or "normal"
            mids = [(int(text_of(m, "counterId")), text_of(m, "instance", "") or "")
                    for m in children(qs, "metricId")]
            specs.append({"entity": ent.text if ent is not None else "",
                          "type": ent.get("type") if ent is not None else None,
                          "start": parse_time(st) if st else None, "start_text": st,
                          "end": parse_time(en) if en else None,
                          "max_sample": int(ms) if ms else None,
                          "interval": int(iv) if iv else 20, "format": fmt, "metrics": mids})
        entry["detail"]["specs"] = [{k: s[k] for k in ("entity", "start_text", "max_sample", "interval",
                                                        "format")} | {"metrics": len(s["metrics"])}
                                    for s in specs]
        self._scalar("query_specs", len(specs))
        intervals = self.perf.intervals()
        hist_metrics = 0
        for s in specs:
            mo = self.inventory.by_moref.get(s["entity"])
            if mo is None:
                return 500, not_found_doc(s["type"] or "ManagedEntity", s["entity"]), []
            if s["interval"] not in intervals:
                if self.rec.product == "esxi":
                    continue
                return 500, invalid_argument_doc("querySpec.interval"), []
            if s["interval"] != 20:
                hist_metrics += len(s["metrics"])
        if self.max_query_metrics not in (None, -1) and hist_metrics > self.max_query_metrics \
                and self.rec.product == "vc":
            return 500, fault_doc(
                "RestrictedByAdministrator", "This operation is restricted by the administrator - "
                "'vpxd.stats.maxQueryMetrics'. Contact your system administrator.",
                "<details>vpxd.stats.maxQueryMetrics</details>"), []
        out = []
        samples = 0
        for s in specs:
            mo = self.inventory.by_moref[s["entity"]]
            iv = s["interval"]
            if iv not in intervals or not self.perf.has_data(mo, iv):
                continue
            if mo.kind in ("vm", "host") and (mo.power != "poweredOn" or mo.connection != "connected"):
                continue
            _retention, level = intervals[iv]
            ts = self.perf.timestamps(iv, s["start"], s["end"], s["max_sample"], now)
            if not ts:
                continue
            series = []
            for cid, inst in s["metrics"]:
                c = self.perf.counters.get(cid)
                if c is None or (level is not None and c.level is not None and c.level > level):
                    continue
                for i in self.perf.instances(mo, c, iv, inst):
                    if (cid, i) in {(x[0], x[1]) for x in series}:
                        continue
                    series.append((cid, i, [self.perf.value(mo, c, i, iv, t) for t in ts]))
            if not series:
                continue
            samples += len(ts) * len(series)
            ent = '<entity type="%s">%s</entity>' % (mo.type, esc(mo.moref))
            if s["format"] == "csv":
                out.append('<returnval xsi:type="PerfEntityMetricCSV">%s<sampleInfoCSV>%s</sampleInfoCSV>%s'
                           '</returnval>' % (ent, ",".join("%d,%s" % (iv, iso(t)) for t in ts), "".join(
                               '<value><id><counterId>%d</counterId><instance>%s</instance></id><value>%s'
                               '</value></value>' % (cid, esc(i), ",".join(str(v) for v in vals))
                               for cid, i, vals in series)))
            else:
                out.append('<returnval xsi:type="PerfEntityMetric">%s%s%s</returnval>' % (
                    ent, "".join("<sampleInfo><timestamp>%s</timestamp><interval>%d</interval></sampleInfo>"
                                 % (iso(t), iv) for t in ts), "".join(
                        '<value xsi:type="PerfMetricIntSeries"><id><counterId>%d</counterId><instance>%s'
                        '</instance></id>%s</value>' % (cid, esc(i), "".join("<value>%d</value>" % v
                                                                             for v in vals))
                        for cid, i, vals in series)))
        self._scalar("samples_sent", samples)
        entry["detail"]["entities_answered"] = len(out)
        entry["detail"]["samples"] = samples
        return 200, envelope('<QueryPerfResponse xmlns="urn:vim25">%s</QueryPerfResponse>' % "".join(out)), []


# ---------------------------------------------------------------------------
# synthesised documents

def fault_doc(fault_type, fault_string, detail_inner, code="ServerFaultCode"):
    """A SOAP fault in the layout of the recorded InvalidLogin faults."""
    detail = ""
    if fault_type:
        detail = ('<detail><%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault></detail>'
                  % (fault_type, fault_type, detail_inner, fault_type))
    return envelope('<soapenv:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring>%s'
                    '</soapenv:Fault>' % (code, esc(fault_string), detail))


def not_found_doc(mo_type, moref):
    return fault_doc("ManagedObjectNotFound",
                     "The object 'vim.%s:%s' has already been deleted or has not been completely created"
                     % (mo_type, moref), '<obj type="%s">%s</obj>' % (esc_attr(mo_type), esc(moref)))


def invalid_argument_doc(prop):
    return fault_doc("InvalidArgument", "A specified parameter was not correct: %s" % prop,
                     "<invalidProperty>%s</invalidProperty>" % esc(prop))


# The versions vCenter 8.0.3's vimServiceVersions.xml lists below its own,
# newest first; older servers list the part of it below their version.
_KNOWN_VERSIONS = ["8.0.3.0", "8.0.2.0", "8.0.1.0", "8.0.0.2", "8.0.0.1", "8.0.0.0", "7.0.3.2", "7.0.3.1",
                   "7.0.3.0", "7.0.2.1", "7.0.2.0", "7.0.1.1", "7.0.1.0", "7.0.0.2", "7.0.0.0", "6.9.1",
                   "6.8.7", "6.7.3", "6.7.2", "6.7.1", "6.7", "6.5", "6.0", "5.5", "5.1", "5.0", "4.1",
                   "4.0", "2.5u2", "2.5"]


def synth_versions(api_version):
    """[version, priors...] for a server of this apiVersion: before 6.5
    down to 2.5 (as 5.1 lists), from 6.5 down to 4.0 (as 6.5 lists)."""
    mine = version_tuple(api_version)
    floor = (2, 5) if mine < (6, 5) else (4, 0)
    priors = [v for v in _KNOWN_VERSIONS if version_tuple(v) < mine and version_tuple(v) >= floor]
    return [api_version] + priors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("version", help="a directory of the recordings, e.g. vc6.5.0-op5")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user", default="user")
    ap.add_argument("--password", default="pass")
    a = ap.parse_args(argv)
    rs = ReplayServer(a.version, user=a.user, password=a.password, port=a.port)
    print("%s (%s) at %s; catalog from %s; type 'stats' or 'quit'"
          % (rs.version, rs.full_name, rs.url, rs.catalog_source), flush=True)
    try:
        for line in sys.stdin:
            cmd = line.strip()
            if cmd in ("quit", "exit"):
                break
            if cmd == "stats":
                print(rs.stats(), flush=True)
            elif cmd == "inventory":
                for o in rs.inventory.objects:
                    print(o.type, o.moref, repr(o.name), "synthesized" if o.synthesized else "recorded",
                          o.note, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        rs.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
