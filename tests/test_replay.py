#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The plugin inside a real collectd against GENUINE vCenter / ESXi answers,
replayed by tests/replayserver.py (one product version per server).

The recordings live in <repo>/../shared/realxml (or $VSPHERE_REALXML) under
their own licenses: read in place, never copied; without them every test
is reported as SKIP (neither passed nor failed).

For each version with a recorded counter catalog (vCenter 5.1, 6.5, 9.0.1;
ESXi 5.1, 6.5): login (the log names the product's fullName), the catalog
parsed (every object gets the default counters its catalog has), the
recorded values dispatched with the right unit (percent / 100), hosts and
VMs under their recorded names, clusters and datastores through historical
queries, the hierarchy in plugin_instance, no unknown operation, one Logout
with the session cookie at shutdown. A refused login (recorded InvalidLogin
answers): one ERROR line, collectd stays up, one attempt in 30 s.

Besides: the API version negotiated from each server's
vimServiceVersions.xml (one SOAPAction for every request; 5.5 when the
file is absent), CurrentTime after Login, historicalInterval read,
historical queries with a startTime.

Usage: test_replay.py [-k SUBSTRING] [--quick]
  --quick  two versions and the short login test (valgrind/ASan runs).
"""
import collections
import os
import re
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT, Collectd  # noqa: E402
import replayserver  # noqa: E402
from replayserver import ReplayServer  # noqa: E402
from test_integration import plugin_errors, self_metric  # noqa: E402

REALXML = replayserver.realxml_dir()
SCALE = 4.0 if os.environ.get("VSPHERE_WRAPPER") else 1.0   # valgrind: slower

# The versions with a recorded perfCounter catalog.
VERSIONS = ["vc5.1.0-op5", "vc6.5.0-op5", "vc9.0.1-manageiq", "esxi5.1.0-op5", "esxi6.5.0-op5"]
QUICK_VERSIONS = ["vc6.5.0-op5", "esxi5.1.0-op5"]
NS = "{urn:vim25}"
PERCENT_UNIT = "percent"


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# the genuine answers, read in place here (not through the server's parser)

def vdir(version):
    return os.path.join(REALXML, version)


def vfiles(version, pattern):
    return sorted(os.path.join(vdir(version), f) for f in os.listdir(vdir(version))
                  if re.search(pattern, f) and ".request." not in f)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


class GenuineCounter(collections.namedtuple("GenuineCounter", "key full unit level")):
    pass


def genuine_catalog(version):
    """{key: GenuineCounter} of the version's recorded perfCounter answer."""
    out = {}
    for f in vfiles(version, r"PerfMgr-perfCounter\.xml$"):
        for pc in ET.parse(f).getroot().iter(NS + "PerfCounterInfo"):
            key = int(pc.find(NS + "key").text)
            full = "%s.%s.%s" % (pc.find(NS + "groupInfo/" + NS + "key").text,
                                 pc.find(NS + "nameInfo/" + NS + "key").text, pc.find(NS + "rollupType").text)
            lv = pc.find(NS + "level")
            out.setdefault(key, GenuineCounter(key, full, pc.find(NS + "unitInfo/" + NS + "key").text,
                                               int(lv.text) if lv is not None else None))
    return out


def genuine_csv(version):
    """{(moref, interval, counterId, instance): [values]} of the recorded
    CSV QueryPerf answers."""
    out = {}
    for f in vfiles(version, r"QueryPerfResponse-.*csv.*\.xml$"):
        for rv in ET.parse(f).getroot().iter(NS + "returnval"):
            ent = rv.find(NS + "entity")
            interval = int(rv.find(NS + "sampleInfoCSV").text.split(",")[0])
            for v in rv.findall(NS + "value"):
                cid = int(v.find(NS + "id/" + NS + "counterId").text)
                inst = v.find(NS + "id/" + NS + "instance").text or ""
                out[(ent.text, interval, cid, inst)] = [int(x) for x in v.find(NS + "value").text.split(",")]
    return out


def genuine_objects(version):
    """{(type, moref): {property: val element}} of the recorded
    RetrieveProperties(Ex) answers."""
    out = collections.defaultdict(dict)
    for f in vfiles(version, r"RetrieveProperties(Ex)?Response-"):
        if "PerfMgr" in f:
            continue
        for el in ET.parse(f).getroot().iter():
            if _local(el.tag) not in ("returnval", "objects"):
                continue
            obj = el.find(NS + "obj")
            if obj is None:
                continue
            for ps in el.findall(NS + "propSet"):
                out[(obj.get("type"), obj.text)][ps.find(NS + "name").text] = ps.find(NS + "val")
    return out


def genuine_full_name(version):
    f = vfiles(version, r"RetrieveServiceContentResponse")[0]
    return re.search(r"<fullName>([^<]*)</fullName>", open(f, encoding="utf-8").read()).group(1)


def default_metrics():
    """{kind: [group.name.rollup]} from vs_default_metrics in src/vs_counters.c."""
    src = open(os.path.join(REPO_ROOT, "src", "vs_counters.c"), encoding="utf-8").read()
    body = src[src.index("vs_default_metrics[] = {"):]
    body = body[:body.index("};")]
    out = collections.defaultdict(list)
    for full in re.findall(r'"([a-z]+)\.([^"]+)"', body):
        out[full[0]].append(full[1])
    assert sum(len(v) for v in out.values()) >= 40, out
    return out


def metric_name(kind, full):
    return "collectd_vsphere_" + re.sub(r"[^A-Za-z0-9_]", "_", "%s_%s" % (kind, full.replace(".", "_")))


def vsphere_block(name, rs, user="user", password="pass", extra=""):
    return """LoadPlugin vsphere
<Plugin vsphere>
  <Vcenter "%s">
    URL "%s"
    User "%s"
    Password "%s"
    %s
  </Vcenter>
</Plugin>
""" % (name, rs.url, user, password, extra)


# ---------------------------------------------------------------------------
# one collectd run against one version, kept for the checks of later tests

_RUNS = collections.OrderedDict()


class Run:
    pass


def expected_series(rs, catalog, defaults):
    """{(metric, object name)}: the default counters its catalog has, for
    every object the plugin collects; historical kinds only at level 1
    (the interval level a default vCenter keeps)."""
    inv = rs.inventory
    esxi = rs.rec.product == "esxi"
    by_full = {}
    for c in catalog.values():
        by_full.setdefault(c.full, c)
    objs = {"vm": [v for v in inv.vms if v.power == "poweredOn" and v.connection == "connected"],
            "host": [h for h in inv.hosts if h.power == "poweredOn" and h.connection == "connected"],
            # ESXi keeps no historical statistics: no cluster, no datastore counters
            "cluster": [] if esxi else [o for o in inv.objects if o.type == "ClusterComputeResource"],
            "datastore": [] if esxi else list(inv.datastores)}
    out = set()
    interval = {"vm": 20, "host": 20}
    for kind, members in objs.items():
        for full in defaults[kind]:
            c = by_full.get(full)
            if c is None or (kind in ("cluster", "datastore") and (c.level or 0) > 1):
                continue
            # a counter kept per instance only (datastore.*, virtualDisk.*)
            # exists for an object only with such an instance
            out |= {(metric_name(kind, full), o.name) for o in members
                    if rs.perf.instances(o, rs.perf.counters[c.key], interval.get(kind, 300), "*")}
    return out, objs


def run_version(version, extra="", versions_file=True, key=None):
    """collectd + plugin against a ReplayServer of the version until every
    expected series is on /metrics and 3 read cycles are done, then stopped
    (Logout). Returns a Run; cached by key (default: the version)."""
    key = key or version
    if key in _RUNS:
        return _RUNS[key]
    r = Run()
    r.version = version
    r.catalog = genuine_catalog(version)
    r.defaults = default_metrics()
    with ReplayServer(version, versions_file=versions_file) as rs, \
            Collectd(vsphere_block("v", rs, extra="Interval 2\nInventoryPageSize 3\n" + extra),
                     interval=2) as cd:
        r.rs = rs
        r.expected, r.objects = expected_series(rs, r.catalog, r.defaults)
        start = time.monotonic()

        def complete():
            m = cd.metrics()
            got = {(n, l.get("instance")) for n, l, _v, _t in m if l.get("vsphere", "").startswith("v:")}
            r.missing = sorted(r.expected - got)
            return m if not r.missing else False
        try:
            cd.wait_for(complete, 60 * SCALE, what="every default counter of every object")
            r.complete = True
        except AssertionError:
            r.complete = False
        r.seconds_to_complete = time.monotonic() - start
        try:
            cd.wait_for(lambda: (self_metric(cd, "read_cycles", "v") or 0) >= 3, 30 * SCALE,
                        what="3 read cycles")
        except AssertionError:
            pass
        r.cycles = self_metric(cd, "read_cycles", "v")
        r.metrics = cd.metrics()
        r.self = {re.sub(r"_total$", "", n[len("collectd_vsphere_self_"):])
                  + (":" + l["type"] if l.get("type") else ""): v
                  for n, l, v, _t in r.metrics if n.startswith("collectd_vsphere_self_")}
        r.stats_running = rs.stats()
        r.alive = cd.alive()
        r.rc = cd.stop()
        r.log = cd.log()
        r.errors = plugin_errors(cd)
        r.stats = rs.stats()
        r.requests = rs.requests()
        r.logout_cookies = list(rs.logout_cookies)
    _RUNS[key] = r
    return r


def runs_made():
    """The runs made so far (every version test leaves one), else one run."""
    if not _RUNS:
        run_version(QUICK_VERSIONS[0])
    return [r for r in _RUNS.values() if r.rs is not None]


# ---------------------------------------------------------------------------
# per-version checks

def check_version(version):
    r = run_version(version)
    rs = r.rs
    full_name = genuine_full_name(version)
    problems = []

    # login: the log names the product as its recorded ServiceContent does
    if 'logged in as "user" (%s, API ' % full_name not in r.log:
        problems.append("no login line naming %r" % full_name)

    # the catalog: which defaults this catalog lacks (reported), and every
    # object got every default its catalog has
    by_full = {c.full for c in r.catalog.values()}
    lacking = ["%s.%s" % (k, f) for k, fs in r.defaults.items() for f in fs if f not in by_full]
    log("%s: catalog of %d counters (%s) lacks %d of %d defaults%s"
        % (version, len(r.catalog), rs.catalog_source, len(lacking), sum(map(len, r.defaults.values())),
           (": " + ", ".join(lacking)) if lacking else ""))
    log("%s: all %d expected series on /metrics after %.1f s, %s read cycles"
        % (version, len(r.expected), r.seconds_to_complete, r.cycles))
    if not r.complete:
        problems.append("missing series (%d): %s" % (len(r.missing), r.missing[:12]))
    for n, _l, _v, _t in r.metrics:
        if not n.startswith("collectd_vsphere_") or "_self_" in n:
            continue
        for full in lacking:
            if n == metric_name(*full.split(".", 1)):
                problems.append("%s dispatched though the catalog lacks it" % n)

    # names: hosts and VMs under their recorded names; powered-off VMs
    # only in state values
    rec = genuine_objects(version)
    names = {(t, m): p["name"].text for (t, m), p in rec.items() if "name" in p and p["name"] is not None}
    power = {}
    for (t, m), p in rec.items():
        el = p.get("runtime")
        ps = el.find(NS + "powerState") if el is not None else p.get("runtime.powerState")
        if t == "VirtualMachine" and ps is not None:
            power[m] = ps.text
    perf_vms = {l["instance"] for n, l, _v, _t in r.metrics if n == metric_name("vm", "cpu.usage.average")}
    perf_hosts = {l["instance"] for n, l, _v, _t in r.metrics if n == metric_name("host", "cpu.usage.average")}
    rec_hosts = {n for (t, m), n in names.items() if t == "HostSystem"}
    rec_vms_on = {n for (t, m), n in names.items() if t == "VirtualMachine" and power.get(m) == "poweredOn"}
    rec_vms_off = {n for (t, m), n in names.items() if t == "VirtualMachine" and power.get(m) == "poweredOff"}
    if not rec_hosts and not rec_vms_on:
        log("%s: no host or VM name recorded; the server's synthesised names instead: %s"
            % (version, sorted(perf_hosts | perf_vms)))
        rec_hosts = {h.name for h in r.objects["host"]}
        rec_vms_on = {v.name for v in r.objects["vm"]}
    else:
        log("%s: recorded hosts %s, VMs on %s, off %s" % (version, sorted(rec_hosts), sorted(rec_vms_on),
                                                          sorted(rec_vms_off)))
    if rec_hosts != perf_hosts:
        problems.append("host names on /metrics %s, recorded %s" % (sorted(perf_hosts), sorted(rec_hosts)))
    if rec_vms_on != perf_vms:
        problems.append("VM names on /metrics %s, recorded powered on %s" % (sorted(perf_vms),
                                                                             sorted(rec_vms_on)))
    states = {(l["instance"], v) for n, l, v, _t in r.metrics if n == "collectd_vsphere_vm_power_state"}
    for off in rec_vms_off:
        if (off, 0.0) not in states:
            problems.append("powered-off VM %r has no vm_power_state 0" % off)

    # hierarchy: plugin_instance is vcenter:datacenter:cluster (the host's
    # compute resource for VMs and hosts)
    inv = rs.inventory
    for kind in ("vm", "host", "cluster", "datastore"):
        for o in r.objects[kind]:
            if kind == "vm":
                compute = o.host.parent.name if o.host is not None else ""
            elif kind == "host":
                compute = o.parent.name
            elif kind == "cluster":
                compute = o.name
            else:
                compute = ""
            want = "v:%s:%s" % (inv.datacenter.name, compute)
            got = {l.get("vsphere") for n, l, _v, _t in r.metrics
                   if n.startswith("collectd_vsphere_%s_" % kind) and l.get("instance") == o.name}
            if got != {want}:
                problems.append("%s %r: plugin_instance %s, want %r" % (kind, o.name, sorted(got), want))

    # recorded values, with the right unit: the sample at time T is recorded
    # value number (T // 20) mod n (see replayserver.Perf.recorded_value)
    csv = genuine_csv(version)
    by_key = r.catalog
    on_metrics = collections.defaultdict(list)
    for n, l, v, ts in r.metrics:
        on_metrics[(n, l.get("instance"), l.get("type", ""))].append((v, ts))
    checked = 0
    for (moref, interval, cid, inst), vals in sorted(csv.items()):
        mo = inv.by_moref.get(moref)
        c = by_key.get(cid)
        if interval != 20 or mo is None or c is None or mo.kind not in ("vm", "host") \
                or c.full not in r.defaults[mo.kind] or mo not in r.objects[mo.kind]:
            continue
        got = on_metrics.get((metric_name(mo.kind, c.full), mo.name, inst))
        if not got:
            problems.append("recorded series %s %s %r (%s) not on /metrics" % (moref, c.full, inst, mo.name))
            continue
        for v, ts in got:
            t = ts // 1000
            want = vals[(t // 20) % len(vals)]
            if want < 0:
                continue
            want = want * 0.01 if c.unit == PERCENT_UNIT else float(want)
            checked += 1
            if abs(v - want) > 1e-9 * max(1.0, abs(want)):
                problems.append("%s %s %r at %d: %r, recorded %r (%s)" % (mo.name, c.full, inst, t, v, want,
                                                                          c.unit))
    log("%s: %d dispatched values checked against the recorded CSV answers" % (version, checked))
    if any(k[1] == 20 and k[0] in inv.by_moref for k in csv) and checked == 0:
        problems.append("no recorded value could be checked")

    # state values from recorded answers: datastore capacity, cluster
    # status, VM tools and boot times, host boot time
    statuses = {"gray": 0, "green": 1, "yellow": 2, "red": 3}
    want_states = []
    for (t, m), p in rec.items():
        mo = inv.by_moref.get(m)
        if mo is None:
            continue
        summ = p.get("summary")
        if t == "Datastore" and summ is not None and summ.find(NS + "capacity") is not None:
            want_states.append(("datastore_capacity_bytes", mo.name, float(summ.find(NS + "capacity").text)))
        if t == "ClusterComputeResource" and p.get("overallStatus") is not None:
            want_states.append(("cluster_overall_status", mo.name, statuses[p["overallStatus"].text]))
        guest = p.get("summary.guest")
        if t == "VirtualMachine" and guest is not None and guest.find(NS + "toolsRunningStatus") is not None:
            trs = guest.find(NS + "toolsRunningStatus").text
            want_states.append(("vm_tools_running", mo.name, 1.0 if trs == "guestToolsRunning" else 0.0))
        rt = p.get("runtime")
        boot = rt.find(NS + "bootTime") if rt is not None else None
        if boot is not None and t in ("VirtualMachine", "HostSystem"):
            want_states.append(("%s_boot_time_seconds" % ("vm" if t == "VirtualMachine" else "host"), mo.name,
                                replayserver.parse_time(boot.text)))
    for what, name, want in want_states:
        got = [v for n, l, v, _t in r.metrics if n == "collectd_vsphere_" + what and l.get("instance") == name]
        if not got or abs(got[0] - want) > 1e-6 * max(1.0, abs(want)):
            problems.append("%s of %r: %s, recorded %r" % (what, name, got, want))
    log("%s: %d state values checked against recorded answers" % (version, len(want_states)))

    # what the server saw
    st = r.stats
    if st["unknown_operations"]:
        problems.append("unknown operations asked: %s" % st["unknown_operations"])
    if st["not_authenticated"]:
        problems.append("%d requests without the session cookie" % st["not_authenticated"])
    allowed = {"InvalidName"} if rs.rec.product == "vc" and not rs.has_option else set()
    if set(st["faults"]) - allowed:
        problems.append("faults answered: %s" % st["faults"])
    # InventoryPageSize 3 pages the update stream's first update (the
    # full passes' tokens are test_semantics' and the unit tests')
    if st["update_sets_truncated"] < 1:
        problems.append("no truncated update set with InventoryPageSize 3")
    if not (st["collectors_created"] == st["collectors_destroyed"] == 1):
        problems.append("collectors created %d, destroyed %d (want one, destroyed at shutdown)"
                        % (st["collectors_created"], st["collectors_destroyed"]))
    if st["views_created"] != st["views_destroyed"]:
        problems.append("views created %d, destroyed %d" % (st["views_created"], st["views_destroyed"]))
    if st.get("unmodelled_paths"):
        log("%s: paths the server does not model (answered unset): %s" % (version, st["unmodelled_paths"]))
    if r.self.get("inventory_vms") != len(inv.vms) or r.self.get("inventory_hosts") != len(inv.hosts):
        problems.append("self_inventory vms/hosts %s/%s, server has %d/%d" % (
            r.self.get("inventory_vms"), r.self.get("inventory_hosts"), len(inv.vms), len(inv.hosts)))
    if r.errors:
        problems.append("plugin errors: %s" % r.errors[:3])

    # shutdown: exactly one Logout, with the cookie Login set; no session left
    login_cookies = {q["cookie"] for q in r.requests if q["session"]}
    if not r.alive:
        problems.append("collectd died during the run")
    if st["logins"] != 1 or st["logouts"] != 1 or st["operations"].get("Logout") != 1:
        problems.append("logins %d, logouts %d (Logout calls %s)" % (st["logins"], st["logouts"],
                                                                     st["operations"].get("Logout")))
    if len(login_cookies) != 1 or r.logout_cookies != list(login_cookies):
        problems.append("Logout cookies %s, session cookies %s" % (r.logout_cookies, sorted(login_cookies)))
    if st["live_sessions"]:
        problems.append("%d sessions left" % st["live_sessions"])
    if r.rc != 0:
        problems.append("collectd exit code %s" % r.rc)
    assert not problems, "%s: %s" % (version, "; ".join(problems))


def _version_test(version):
    def t():
        if not os.path.isdir(vdir(version)):
            raise harness.Skip("%s is missing" % vdir(version))
        check_version(version)
    t.__name__ = "test_" + re.sub(r"[^A-Za-z0-9]", "_", version)
    return t


VERSION_TESTS = [_version_test(v) for v in VERSIONS]


# ---------------------------------------------------------------------------
# the session's set-up and historical windows, over the runs made above

def test_soap_action_negotiated():
    """GET <URL>/vimServiceVersions.xml once per connection
    set-up, before RetrieveServiceContent, then one SOAPAction for every
    request: urn:vim25/<a version the server lists>."""
    problems = []
    for r in runs_made():
        reqs = r.requests
        gets = [i for i, q in enumerate(reqs) if q["op"] == "GET vimServiceVersions.xml"]
        rsc = [i for i, q in enumerate(reqs) if q["op"] == "RetrieveServiceContent"]
        actions = sorted({q["soap_action"] for q in reqs if q["soap_action"] is not None})
        listed = r.rs.served_versions
        log("%s: SOAPActions %s; the server lists %s" % (r.version, actions, listed[:4] + ["..."]))
        if len(gets) != 1 or not rsc or gets[0] > rsc[0]:
            problems.append("%s: vimServiceVersions.xml fetched %d times (%s before "
                            "RetrieveServiceContent)" % (r.version, len(gets),
                                                         "not" if not gets or not rsc or gets[0] > rsc[0]
                                                         else "once"))
        if len(actions) != 1 or not actions[0].startswith("urn:vim25/") \
                or actions[0].split("/", 1)[1] not in listed:
            problems.append("%s: SOAPActions %s (want one urn:vim25/<listed version>)" % (r.version, actions))
    assert not problems, "; ".join(problems)


def test_current_time_after_login():
    """CurrentTime right after Login, in the new session."""
    problems = []
    for r in runs_made():
        reqs = r.requests
        for i, q in enumerate(reqs):
            if q["op"] == "Login" and q["status"] == 200:
                nxt = reqs[i + 1] if i + 1 < len(reqs) else None
                if nxt is None or nxt["op"] != "CurrentTime" or not nxt["session"]:
                    problems.append("%s: after Login came %s" % (r.version, nxt and nxt["op"]))
    assert not problems, "; ".join(problems)


def test_historical_interval_read():
    """PerformanceManager.historicalInterval is read (its
    own RetrievePropertiesEx) once per session."""
    problems = []
    for r in runs_made():
        reads = [q for q in r.requests if q["op"] == "RetrievePropertiesEx"
                 and "historicalInterval" in q["detail"].get("perf_paths", ())]
        if len(reads) != r.stats["logins"]:
            problems.append("%s: %d historicalInterval reads in %d sessions"
                            % (r.version, len(reads), r.stats["logins"]))
    assert not problems, "; ".join(problems)


def test_historical_queries_have_start_time():
    """every historical QueryPerf (intervalId 300) has a
    startTime and no maxSample (vCenter ignores maxSample there and answers
    the whole day without a startTime)."""
    problems = []
    for r in runs_made():
        specs = [s for q in r.requests if q["op"] == "QueryPerf" for s in q["detail"].get("specs", ())
                 if s["interval"] != 20]
        bad = [s for s in specs if not s["start_text"] or s["max_sample"] is not None]
        first = next((q for q in r.requests if q["op"] == "QueryPerf"
                      and any(s["interval"] != 20 for s in q["detail"].get("specs", ()))), None)
        if first is not None:
            spec = first["detail"]["specs"][0]
            log("%s: the first historical QueryPerf (startTime %s, maxSample %s) was answered with %d "
                "samples" % (r.version, spec["start_text"], spec["max_sample"], first["detail"].get("samples", 0)))
        if bad:
            problems.append("%s: %d of %d historical specs without startTime or with maxSample, e.g. %s"
                            % (r.version, len(bad), len(specs), bad[0]))
    assert not problems, "; ".join(problems)


def test_versions_file_absent_falls_back_to_5_5():
    """without vimServiceVersions.xml (404) every request
    carries urn:vim25/5.5."""
    r = run_version("vc6.5.0-op5", versions_file=False, key="vc6.5.0-op5 without vimServiceVersions.xml")
    actions = sorted({q["soap_action"] for q in r.requests if q["soap_action"] is not None})
    gets = sum(1 for q in r.requests if q["op"].startswith("GET "))
    assert r.complete, "the run did not complete: %s" % r.missing[:5]
    assert gets == 1 and actions == ["urn:vim25/5.5"], "GETs %d, SOAPActions %s" % (gets, actions)


# ---------------------------------------------------------------------------
# refused logins (recorded InvalidLogin answers)

def invalid_login_servers():
    """(name, server, user, fault text) per vCenter block: the versions with
    a recorded InvalidLogin, one vCenter and one ESXi that borrow the
    closest recording, and ESXi 6.0's "Permission ... denied" variant."""
    return [
        ("vc60", ReplayServer("vc6.0.0-pyvmomi"), "user",
         "Cannot complete login due to an incorrect user name or password."),
        ("esxi60", ReplayServer("esxi6.0.0-op5"), "user",
         "Cannot complete login due to an incorrect user name or password."),
        ("esxi60denied", ReplayServer("esxi6.0.0-op5", user="monitor", denied_users={"monitor"}), "monitor",
         "Permission to perform this operation was denied."),
        ("vc65", ReplayServer("vc6.5.0-op5"), "user",
         "Cannot complete login due to an incorrect user name or password."),
    ]


def check_invalid_logins(seconds, max_logins):
    servers = invalid_login_servers()
    try:
        conf = _merge_blocks(servers)
        with Collectd(conf, interval=2) as cd:
            cd.wait_for(lambda: all(rs.stats()["operations"].get("Login") for _n, rs, _u, _t in servers),
                        30 * SCALE, what="a Login at every server")
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                assert cd.alive(), "collectd died:\n" + cd.log()[-2000:]
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            assert cd.alive(), "collectd died"
            problems = []
            for name, rs, user, text in servers:
                st = rs.stats()
                lines = [l for l in cd.log_lines("error") if 'vCenter "%s"' % name in l]
                src = [q["detail"].get("file") for q in rs.requests() if q["op"] == "Login"]
                log("%s (%s): %d Login(s), answered with %s; ERROR: %s"
                    % (name, rs.version, st["operations"].get("Login", 0), sorted(set(src)),
                       lines[0] if lines else None))
                if len(lines) != 1:
                    problems.append("%s: %d ERROR lines %s" % (name, len(lines), lines))
                elif not all(s in lines[0] for s in ('"%s"' % user, rs.url, text)):
                    problems.append("%s: the ERROR line lacks the user, URL or %r: %s" % (name, text, lines[0]))
                n = st["operations"].get("Login", 0)
                if not 1 <= n <= max_logins:
                    problems.append("%s: %d Login attempts in %.0f s" % (name, n, seconds))
                if st["logins"] or st["live_sessions"]:
                    problems.append("%s: a session was opened" % name)
                if st["unknown_operations"] or st["not_authenticated"]:
                    problems.append("%s: unknown operations %s, NotAuthenticated %d"
                                    % (name, st["unknown_operations"], st["not_authenticated"]))
            assert not problems, "; ".join(problems)
    finally:
        for _n, rs, _u, _t in servers:
            rs.stop()


def _merge_blocks(servers):
    blocks = []
    for name, rs, user, _text in servers:
        password = "pass" if name == "esxi60denied" else "wrong"
        blocks.append("""  <Vcenter "%s">
    URL "%s"
    User "%s"
    Password "%s"
    Interval 2
  </Vcenter>
""" % (name, rs.url, user, password))
    return "LoadPlugin vsphere\n<Plugin vsphere>\n%s</Plugin>\n" % "".join(blocks)


def test_invalid_login_one_error_line():
    """Recorded InvalidLogin answers: one ERROR line each naming user, URL
    and the server's fault text; one Login attempt in 30 s of 2 s reads
    (each genuine shape is taken for a refusal and backed off; the back-off
    schedule itself is pinned by the session's unit tests and, end to end
    over 180 s, by test_security's lockout test). The window starts once
    every server has seen its Login, so it is not scaled for valgrind: it
    must stay below the first back-off (60 s), or a second Login is right."""
    check_invalid_logins(30, 1)


# ---------------------------------------------------------------------------
# the server itself, pinned without the plugin

def _post(rs, inner, cookie=None, api="6.5"):
    return harness.soap_post(rs.url, inner, cookie, api=api)


def _file(version, name):
    with open(os.path.join(vdir(version), name), "rb") as f:
        data = f.read()
    return data[:-1] if version.endswith("-op5") and data.endswith(b"\n") else data


def test_replay_server_selfcheck():
    """Byte-for-byte recordings, cookie quoting, paging tokens, the
    QueryPerf window rules and instances, faults, synthesised style."""
    rsc = ('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
           '</RetrieveServiceContent>')
    # vCenter 6.5 (op5): recorded files served as recorded
    with ReplayServer("vc6.5.0-op5") as rs:
        with urllib.request.urlopen(rs.url + "/vimServiceVersions.xml", timeout=10) as f:
            assert f.read() == _file("vc6.5.0-op5", "00-vimServiceVersions.xml")
        st, text, ck = _post(rs, rsc)
        assert st == 200 and ck is None
        assert text.encode() == _file("vc6.5.0-op5", "01-RetrieveServiceContentResponse.xml")
        # a wrong password: the closest vCenter recording (6.0), HTTP 500
        # and, as recorded there, a fresh cookie that is no session
        st, text, ck = _post(rs, '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager'
                                 '</_this><userName>user</userName><password>x</password></Login>')
        assert st == 500 and text.encode() == _file("vc6.0.0-pyvmomi", "02-Fault-InvalidLogin.xml"), text
        assert ck and re.match(r'^vmware_soap_session="[0-9a-f]{40}"; Path=/; HttpOnly; Secure;$', ck), ck
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml(), ck.split(";", 1)[0])
        assert st == 500 and harness.soap_fault(text)["type"] == "NotAuthenticated", text
        # Login: the recorded answer, the recorded cookie style
        st, text, ck = _post(rs, '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager'
                                 '</_this><userName>user</userName><password>pass</password></Login>')
        assert st == 200 and text.encode() == _file("vc6.5.0-op5", "02-LoginResponse.xml")
        m = re.match(r'^vmware_soap_session="([0-9a-f]{40})"; Path=/; HttpOnly; Secure;$', ck)
        assert m, ck
        cookie = ck.split(";", 1)[0]
        # the cookie must come back exactly as set: quoted
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml(), "vmware_soap_session=" + m.group(1))
        assert st == 500 and harness.soap_fault(text)["type"] == "NotAuthenticated"
        assert "The session is not authenticated." in text and text.startswith(replayserver.ENV_HEAD)
        # the op5 catalog re-wrapped, nothing else changed
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml(), cookie)
        raw = _file("vc6.5.0-op5", "05-RetrievePropertiesResponse-PerfMgr-perfCounter.xml")
        assert st == 200 and text.encode() == raw.replace(
            b'<RetrievePropertiesResponse xmlns="urn:vim25"><returnval>',
            b'<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects>').replace(
            b"</returnval></RetrievePropertiesResponse>", b"</objects></returnval></RetrievePropertiesExResponse>")
        # historicalInterval synthesised like 9.0.1's
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml().replace("perfCounter", "historicalInterval"),
                            cookie)
        assert st == 200 and text.count('<PerfInterval xsi:type="PerfInterval">') == 4, text
        assert "<samplingPeriod>300</samplingPeriod><name>Past day</name><length>86400</length>" in text
        # QueryOptions from 6.5: a value
        st, text, _ = _post(rs, '<QueryOptions xmlns="urn:vim25"><_this type="OptionManager">VpxSettings</_this>'
                                '<name>config.vpxd.stats.maxQueryMetrics</name></QueryOptions>', cookie)
        assert st == 200 and '<value xsi:type="xsd:int">256</value>' in text, text
        # CurrentTime: the server clock
        st, text, _ = _post(rs, '<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance'
                                '</_this></CurrentTime>', cookie)
        t = replayserver.parse_time(re.search(r"<returnval>([^<]+)</returnval>", text).group(1))
        assert st == 200 and abs(t - time.time()) < 5, text
        # a view, paged: token "0" before the objects, then Continue, Cancel
        view = harness.create_container_view(rs.url, cookie, ("HostSystem", "VirtualMachine", "Datastore"))
        assert view.startswith("session[")
        st, text, _ = _post(rs, harness.retrieve_view_xml(view, "ManagedEntity", ("name",), max_objects=2),
                            cookie)
        assert st == 200 and re.search(r"<returnval><token>0</token><objects>", text), text
        assert text.count("<objects>") == 2
        cont = ('<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector'
                '</_this><token>%s</token></ContinueRetrievePropertiesEx>')
        st, text, _ = _post(rs, cont % "0", cookie)
        assert st == 200 and "<token>" not in text and text.count("<objects>") == 2, text
        st, text, _ = _post(rs, cont % "0", cookie)
        assert st == 500 and harness.soap_fault(text)["type"] == "InvalidArgument"
        st, text, _ = _post(rs, harness.retrieve_view_xml(view, "VirtualMachine", ("name", "snapshot",
                                                                                   "runtime.powerState",
                                                                                   "triggeredAlarmState"),
                                                          max_objects=1), cookie)
        assert "<token>1</token>" in text, text
        # an unset property is an object without that propSet; an empty
        # array is <val xsi:type="ArrayOfX"></val>; propSets in name order
        assert "<name>snapshot</name>" not in text
        assert '<val xsi:type="ArrayOfAlarmState"></val>' in text
        names = re.findall(r"<propSet><name>([^<]+)</name>", text)
        assert names == sorted(names), names
        st, text, _ = _post(rs, cont.replace("Continue", "Cancel") % "1", cookie)
        assert st == 200 and "CancelRetrievePropertiesExResponse" in text
        st, text, _ = _post(rs, cont % "1", cookie)
        assert st == 500
        # xsi:type on array items, not on nested data objects
        st, text, _ = _post(rs, harness.retrieve_view_xml(view, "Datastore", ("host", "summary.capacity")),
                            cookie)
        assert '<DatastoreHostMount xsi:type="DatastoreHostMount"><key type="HostSystem">host-28</key>' \
               '<mountInfo><path>' in text, text
        assert '<val xsi:type="xsd:long">356750721024</val>' in text
        st, text, _ = _post(rs, '<DestroyView xmlns="urn:vim25"><_this type="ContainerView">%s</_this>'
                                '</DestroyView>' % view, cookie)
        assert st == 200
        st, text, _ = _post(rs, '<DestroyView xmlns="urn:vim25"><_this type="ContainerView">%s</_this>'
                                '</DestroyView>' % view, cookie)
        assert st == 500 and harness.soap_fault(text)["type"] == "ManagedObjectNotFound"

        # QueryPerf windows: realtime on 20 s boundaries, oldest first,
        # startTime exclusive, maxSample the newest ones, at most an hour
        now = time.time()
        latest = int(now // 20) * 20
        st, text = harness.query_perf(rs.url, cookie, [("HostSystem", "host-28")], counters=(2, 6), instance="*",
                                      max_sample=3)
        d = harness.parse_query_perf(text)["host-28"]
        ts = [replayserver.parse_time(x) for x in d["timestamps"]]
        assert all(x % 20 == 0 for x in ts) and ts == sorted(ts) and len(ts) == 3, d["timestamps"]
        assert ts[-1] in (latest, latest + 20), (ts, latest)
        assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", x) for x in d["timestamps"])
        # recorded series: aggregate only, as recorded for host-28; values
        # recorded value number (T // 20) mod 180, percent in hundredths
        assert set(d["series"]) == {(2, ""), (6, "")}, d["series"].keys()
        csv = genuine_csv("vc6.5.0-op5")
        for (cid, inst), vals in d["series"].items():
            rec = csv[("host-28", 20, cid, inst)]
            assert vals == [rec[(int(t) // 20) % len(rec)] for t in ts], (cid, vals)
        st, text = harness.query_perf(rs.url, cookie, [("HostSystem", "host-28")], counters=(2,), instance="",
                                      start=ts[0])
        got = [replayserver.parse_time(x) for x in harness.parse_query_perf(text)["host-28"]["timestamps"]]
        assert got[0] == ts[1] and got[-1] == ts[-1], (got, ts)
        st, text = harness.query_perf(rs.url, cookie, [("HostSystem", "host-28")], counters=(2,), instance="",
                                      start=now - 7200)
        assert len(harness.parse_query_perf(text)["host-28"]["timestamps"]) == 180
        # instances "*" where nothing is recorded: per vCPU, vNIC, ...
        st, text = harness.query_perf(rs.url, cookie, [("VirtualMachine", "vm-31")], counters=(2, 148, 497),
                                      instance="*", max_sample=1)
        series = harness.parse_query_perf(text)["vm-31"]["series"]
        assert {(2, ""), (2, "0"), (2, "1"), (148, ""), (148, "4000")} <= set(series), series.keys()
        # historical: maxSample ignored, no startTime = the whole day;
        # clusters only historical; level > 1 counters not kept
        st, text = harness.query_perf(rs.url, cookie, [("ClusterComputeResource", "domain-c32")],
                                      counters=(2, 6), instance="", interval=300, max_sample=1)
        d = harness.parse_query_perf(text)["domain-c32"]
        ts = [replayserver.parse_time(x) for x in d["timestamps"]]
        assert len(ts) == 288 and all(x % 300 == 0 for x in ts) and ts == sorted(ts), len(ts)
        st, text = harness.query_perf(rs.url, cookie, [("ClusterComputeResource", "domain-c32")], counters=(2,),
                                      instance="", interval=20, max_sample=1)
        assert st == 200 and "<returnval" not in text, text
        st, text = harness.query_perf(rs.url, cookie, ["vm-999"], counters=(2,))
        assert st == 500 and harness.soap_fault(text)["type"] == "ManagedObjectNotFound"
        # format csv as recorded
        body = harness.query_perf_xml([("HostSystem", "host-28")], counters=(2,), instance="", max_sample=2)
        st, text, _ = _post(rs, body.replace("<format>normal</format>", "<format>csv</format>"), cookie)
        assert re.search(r'<returnval xsi:type="PerfEntityMetricCSV"><entity type="HostSystem">host-28</entity>'
                         r'<sampleInfoCSV>20,[^,<]+Z,20,[^,<]+Z</sampleInfoCSV>', text), text
        # over maxQueryMetrics (256): vCenter's fault
        st, text = harness.query_perf(rs.url, cookie, [("Datastore", "datastore-29")] * 40,
                                      counters=tuple(range(1, 8)), instance="", interval=300)
        assert st == 500 and "vpxd.stats.maxQueryMetrics" in text
        # an unknown operation: a fault naming it, counted
        st, text, _ = _post(rs, '<FrobnicateEx xmlns="urn:vim25"/>', cookie)
        assert st == 500 and "Unable to resolve WSDL method name FrobnicateEx" in text
        # Logout ends the session
        assert harness.soap_logout(rs.url, cookie) == 200
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml(), cookie)
        assert st == 500
        s = rs.stats()
        assert s["unknown_operations"] == {"FrobnicateEx": 1} and s["logouts"] == 1 and s["live_sessions"] == 0
        assert s["soap_actions"]["urn:vim25/6.5"] > 10 and rs.logout_cookies == [cookie.split("=", 1)[1]]

    # vCenter 8.0.3: RetrieveServiceContent by the request's SOAPAction
    with ReplayServer("vc8.0.3-pyvmomi") as rs:
        for api, f in (("5.5", "01-RetrieveServiceContentResponse-soapaction-5.5.xml"),
                       ("6.5", "01-RetrieveServiceContentResponse-soapaction-5.5.xml"),
                       ("8.0.2.0", "01-RetrieveServiceContentResponse-soapaction-8.0.2.0.xml"),
                       ("uA046D008", "01-RetrieveServiceContentResponse-soapaction-8.0.2.0.xml")):
            st, text, _ = _post(rs, rsc, api=api)
            assert st == 200 and text.encode() == _file("vc8.0.3-pyvmomi", f), (api, f)
        cookie = harness.soap_login(rs.url)
        st, text, _ = _post(rs, harness.create_container_view_xml(("Datacenter",)), cookie)
        assert text.encode() == _file("vc8.0.3-pyvmomi", "03-CreateContainerViewResponse.xml")

    # vCenter 9.0.1: synthesised vimServiceVersions in the 6.5 layout,
    # recorded historicalInterval, recorded Login/Logout
    with ReplayServer("vc9.0.1-manageiq") as rs:
        with urllib.request.urlopen(rs.url + "/vimServiceVersions.xml", timeout=10) as f:
            doc = f.read().decode()
        assert doc.startswith('<?xml version="1.0" encoding="UTF-8" ?><namespaces version="1.0"><namespace>'
                              '<name>urn:vim25</name><version>9.0.0.0</version><priorVersions><version>'
                              '8.0.3.0</version>'), doc
        cookie = harness.soap_login(rs.url)
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml().replace("perfCounter", "historicalInterval"),
                            cookie)
        assert text.encode() == _file("vc9.0.1-manageiq", "06-RetrievePropertiesExResponse-PerfMgr-"
                                                          "historicalInterval.xml")
        st, text = harness.query_perf(rs.url, cookie, [("VirtualMachine", "vm-1085")], counters=(151,),
                                      instance="*", max_sample=1)
        insts = {i for (_c, i) in harness.parse_query_perf(text)["vm-1085"]["series"]}
        assert insts == {"", "4000", "vmnic0", "vmnic1", "vmnic2", "vmnic3", "vmnic4"}, insts
        assert harness.soap_logout(rs.url, cookie) == 200

    # ESXi 5.1: QueryOptions has no such option; historicalInterval empty;
    # no historical data; synthesised 404 when the file is "absent"
    with ReplayServer("esxi5.1.0-op5", versions_file=False) as rs:
        try:
            urllib.request.urlopen(rs.url + "/vimServiceVersions.xml", timeout=10)
            raise AssertionError("vimServiceVersions.xml answered")
        except urllib.error.HTTPError as e:
            assert e.code == 404
        cookie = harness.soap_login(rs.url)
        st, text, _ = _post(rs, harness.retrieve_perf_counters_xml().replace("perfCounter", "historicalInterval")
                            .replace(">PerfMgr<", ">ha-perfmgr<"), cookie)
        assert '<val xsi:type="ArrayOfPerfInterval"></val>' in text, text
        st, text, _ = _post(rs, '<QueryOptions xmlns="urn:vim25"><_this type="OptionManager">HostAgentSettings'
                                '</_this><name>config.vpxd.stats.maxQueryMetrics</name></QueryOptions>', cookie)
        assert st == 500 and harness.soap_fault(text)["type"] == "InvalidName"
        st, text = harness.query_perf(rs.url, cookie, [("HostSystem", "ha-host")], counters=(1,), instance="",
                                      interval=300)
        assert st == 200 and "<returnval" not in text
        st, text = harness.query_perf(rs.url, cookie, [("HostSystem", "ha-host")], counters=(1,), instance="",
                                      max_sample=1)
        assert harness.parse_query_perf(text)["ha-host"]["series"][(1, "")] == [653]   # recorded, / 100 = 6.53 %

    # ESXi 6.0 (op5): the recorded bad-password answer, and the "Permission
    # ... denied" answer typed InvalidLogin; no cookie with either
    with ReplayServer("esxi6.0.0-op5", user="monitor", denied_users={"monitor"}) as rs:
        login = ('<Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this>'
                 '<userName>monitor</userName><password>%s</password></Login>')
        st, text, ck = _post(rs, login % "wrong")
        assert st == 500 and ck is None and text.encode() == _file("esxi6.0.0-op5",
                                                                   "02-Fault-InvalidLogin-badpassword.xml")
        st, text, ck = _post(rs, login % "pass")
        assert st == 500 and text.encode() == _file("esxi6.0.0-op5", "03-Fault-InvalidLogin-permissiondenied.xml")
        assert harness.soap_fault(text)["type"] == "InvalidLogin"


TESTS = [test_replay_server_selfcheck] + VERSION_TESTS + [
    test_soap_action_negotiated, test_current_time_after_login,
    test_historical_interval_read, test_historical_queries_have_start_time,
    test_versions_file_absent_falls_back_to_5_5,
    test_invalid_login_one_error_line]
LONG_TESTS = [t for t, v in zip(VERSION_TESTS, VERSIONS) if v not in QUICK_VERSIONS] + [
    test_versions_file_absent_falls_back_to_5_5]


def _needs_realxml(t):
    def wrapped():
        if not os.path.isdir(REALXML):
            raise harness.Skip("the recorded vCenter answers are not at %s (set VSPHERE_REALXML)"
                               % REALXML)
        t()
    wrapped.__name__ = t.__name__
    return wrapped


if __name__ == "__main__":
    long_names = {t.__name__ for t in LONG_TESTS}
    tests = [_needs_realxml(t) for t in TESTS]
    sys.exit(harness.main(tests, {t for t in tests if t.__name__ in long_names}))
