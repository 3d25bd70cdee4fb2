#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a production vCenter does and vcsim forgives, reproduced with the
stricter test vcsim (tests/vcsim: production behaviour switched on) and
checked through collectd (write_prometheus, csv) and, where it matters, a
real Prometheus (the file was test_realvc.py: it never needed a real
vCenter):

  * names: one name in two datacenters or clusters, one name twice in one
    cluster (two folders), a CJK name longer than 127 bytes, a name with
    '/', '\\' and '%' (stored escaped by vCenter);
  * hierarchy: vcenter, datacenter and cluster in plugin_instance, split
    into labels by the shipped Prometheus relabel stanza;
  * objects that change under the plugin: a VM destroyed between discovery
    and query (ManagedObjectNotFound, named or not), a host disconnected,
    a slow ESXi host;
  * per-series tracking: a -1 sample filled in later is dispatched once;
  * honest intervals: Interval 50 with collectd's interval 10 keeps every
    series on /metrics between reads;
  * session hygiene: sessions dropped on a guess are logged out first.

Usage: test_strict_vcsim.py [-k SUBSTRING] [--quick]
"""
import glob
import os
import re
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT, Collectd, Vcsim, find_metrics  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from test_integration import (plugin_errors, self_metric, self_value, vc_metrics,  # noqa: E402
                              vsphere_block, wait_cycles)

VM_CPU = "collectd_vsphere_vm_cpu_usage_average"
SCALE = 4.0 if os.environ.get("VSPHERE_WRAPPER") else 1.0   # valgrind: slower
RELABEL_EXAMPLE = os.path.join(REPO_ROOT, "collectd.conf.d", "prometheus-vsphere.yml")


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def vm_labels(cd, name=VM_CPU):
    """{(instance, vsphere)} of the VM series on /metrics."""
    return {(m[1]["instance"], m[1]["vsphere"]) for m in vc_metrics(cd.metrics(), name)}


def newest_by_vm(cd, name=VM_CPU):
    """{instance: newest sample time (ms)} of the VM series."""
    out = {}
    for m in vc_metrics(cd.metrics(), name):
        out[m[1]["instance"]] = max(out.get(m[1]["instance"], 0), m[3] or 0)
    return out


def proxied(fs, vc):
    return types.SimpleNamespace(url=fs.url, user=vc.user, password=vc.password)


def relabel_stanza():
    """The metric_relabel_configs list of the shipped example, as YAML."""
    text = open(RELABEL_EXAMPLE).read()
    block = text.split("metric_relabel_configs:", 1)[1]
    return "\n".join(l for l in block.splitlines() if l.strip())


# ---------------------------------------------------------------------------
# names and hierarchy

def test_same_name_in_two_datacenters_grouped_by_cluster_in_prometheus():
    """Two VMs in different datacenters and clusters renamed to one name:
    two series; the shipped relabel stanza gives vcenter, datacenter and
    cluster labels; sum by (cluster) has one series per cluster."""
    import backends
    with Vcsim(dc=2, cluster=2, cluster_host=1, host=0, vm=2) as vc:
        vc.rename("DC0_C0_RP0_VM0", "twin")
        vc.rename("DC1_C1_RP0_VM1", "twin")
        with Collectd(vsphere_block(vc, extra="Interval 2"), interval=1) as cd:
            want = {("twin", "sim:DC0:DC0_C0"), ("twin", "sim:DC1:DC1_C1")}
            cd.wait_for(lambda: want <= vm_labels(cd) and len(vm_labels(cd)) == 8, 60,
                        what="8 VM series, the twins apart")
            assert not plugin_errors(cd), plugin_errors(cd)
            with backends.Prometheus([cd.port], relabel_configs=relabel_stanza(),
                                     honor_labels=True, scrape_interval="2s") as prom:
                q = "sum by (cluster) (%s)" % VM_CPU
                res = prom.wait_for_query(q, lambda r: len(r) == 4, timeout=60)
                clusters = sorted(r["metric"].get("cluster") for r in res)
                assert clusters == ["DC0_C0", "DC0_C1", "DC1_C0", "DC1_C1"], res
                res = prom.query("count by (vcenter, datacenter, cluster) (%s)" % VM_CPU)
                got = sorted((r["metric"]["vcenter"], r["metric"]["datacenter"],
                              r["metric"]["cluster"], r["value"][1]) for r in res)
                assert got == [("sim", "DC0", "DC0_C0", "2"), ("sim", "DC0", "DC0_C1", "2"),
                               ("sim", "DC1", "DC1_C0", "2"), ("sim", "DC1", "DC1_C1", "2")], got
                twins = prom.query('%s{vm="twin"}' % VM_CPU)
                assert sorted((r["metric"]["datacenter"], r["metric"]["cluster"]) for r in twins) == \
                    [("DC0", "DC0_C0"), ("DC1", "DC1_C1")], twins
                hosts = prom.query("count by (cluster) (collectd_vsphere_host_cpu_usage_average)")
                assert len(hosts) == 4, hosts
                up = prom.query('up{job="collectd"}')
                assert up and up[0]["value"][1] == "1", up


def test_same_name_in_one_cluster_disambiguated_once():
    """One name twice in one cluster (two VM folders): the older VM (lower
    moref) keeps the name, the other gets ' (moref)'; logged once, not at
    every inventory refresh."""
    with Vcsim(dc=1, cluster=1, cluster_host=2, host=0, vm=3) as vc:
        vc.folder_create("/DC0/vm", "sub")
        vc.move("DC0_C0_RP0_VM1", "/DC0/vm/sub")
        vc.rename("DC0_C0_RP0_VM1", "DC0_C0_RP0_VM0")
        refs = sorted((m for m, _ in vc.moref("DC0_C0_RP0_VM0")),
                      key=lambda r: int(r.split("-")[-1]))
        assert len(refs) == 2, refs
        with Collectd(vsphere_block(vc, extra="Interval 0.5\nInventoryInterval 1"), interval=1) as cd:
            want = {("DC0_C0_RP0_VM0", "sim:DC0:DC0_C0"),
                    ("DC0_C0_RP0_VM0 (%s)" % refs[1], "sim:DC0:DC0_C0")}
            cd.wait_for(lambda: want <= vm_labels(cd), 60, what="both VMs, apart")
            c = self_value(cd, "read_cycles")
            wait_cycles(cd, c + 10, 60)   # several inventory refreshes
            warns = [l for l in cd.log_lines("warning") if "same identity" in l]
            assert len(warns) == 1 and refs[1] in warns[0] and refs[0] in warns[0], warns
            assert self_value(cd, "inventory_duplicates") == 1
            assert not plugin_errors(cd), plugin_errors(cd)


def test_long_cjk_name_and_escaped_characters():
    """A VM renamed to 68 CJK characters (204 bytes) is cut at a character
    boundary within collectd's 127 bytes, so the page stays valid UTF-8 and
    a real Prometheus keeps scraping it (up 1); '/', '\\' and '%' stored as
    %2f, %5c, %25 by vCenter are decoded ('/' then becomes '_' in collectd
    identifiers)."""
    import backends
    cjk = "".join(chr(0x4e00 + i) for i in range(68))
    with Vcsim(cluster=0, host=1, vm=3) as vc:
        vc.rename("DC0_H0_VM0", cjk)
        vc.rename("DC0_H0_VM1", "a/b\\c%d")
        names = {i["name"] for i in vc.inventory_full() if i["kind"] == "vm"}
        assert "a%2fb%5cc%25d" in names, names     # stored as vCenter does
        with Collectd(vsphere_block(vc, extra="Interval 1"), interval=1) as cd:
            cd.wait_for(lambda: len(vm_labels(cd)) == 3, 60, what="3 VMs")
            raw = harness.urllib.request.urlopen("http://127.0.0.1:%d/metrics" % cd.port,
                                                 timeout=10).read()
            raw.decode("utf-8", "strict")     # raises on a cut character
            got = {i for i, _ in vm_labels(cd)}
            cut = [n for n in got if n not in ("DC0_H0_VM2", "a_b\\c%d")]
            assert len(cut) == 1, got
            assert cjk.startswith(cut[0]) and len(cut[0].encode()) == 126, (cut, len(cut[0].encode()))
            assert "a_b\\c%d" in got, got
            with backends.Prometheus([cd.port], honor_labels=True, scrape_interval="2s") as prom:
                prom.wait_for_query('up{job="collectd"} == 1', lambda r: len(r) == 1, timeout=60)
                res = prom.wait_for_query('%s{instance="%s"}' % (VM_CPU, cut[0]),
                                          lambda r: len(r) == 1, timeout=30)
                assert res[0]["metric"]["instance"] == cut[0]


# ---------------------------------------------------------------------------
# objects that change under the plugin

def test_vm_destroyed_between_discovery_and_query():
    """Full passes (UpdateStream false): the inventory still lists a VM that
    was destroyed: QueryPerf faults with ManagedObjectNotFound naming it;
    the batch is retried without it in the same read, so the other VMs lose
    no sample; the inventory is refreshed; one error line, then recovery.
    With the update stream the VM leaves the inventory before the next
    queries: no fault at all, no error line."""
    for stream in (False, True):
        vm_destroyed(stream)


def vm_destroyed(stream):
    with Vcsim(cluster=1, cluster_host=2, host=0, vm=6) as vc:
        extra = "Interval 1\nInventoryInterval 300\nQueryBatchSize 50\nUpdateStream %s" % str(stream).lower()
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            # self_ values may reach write_prometheus a moment after the VMs'
            # (another write thread): wait, don't read once
            cd.wait_for(lambda: self_metric(cd, "inventory_vms") == 6, 30, what="inventory of 6 VMs")
            victim = "DC0_C0_RP0_VM3"
            vc.destroy(victim)
            t = time.time()
            cd.wait_for(lambda: self_metric(cd, "inventory_vms") == 5, 30,
                        what="the inventory refreshed without the VM")
            refreshed = time.time() - t
            # every other VM still gets new samples
            before = newest_by_vm(cd)
            others = [n for n in before if n != victim]
            cd.wait_for(lambda: all(newest_by_vm(cd).get(n, 0) > before[n] for n in others), 40,
                        what="new samples of the other VMs")
            stats = vc.control_stats()
            errs = plugin_errors(cd)
            if stream:
                assert stats["not_found_faults"] == 0 and not errs, (stats, errs)
            else:
                assert stats["not_found_faults"] >= 1, stats
                assert len(errs) == 1 and "ManagedObjectNotFound" in errs[0], errs
                cd.wait_for(lambda: "collecting again" in cd.log(), 20, what="recovery logged")
            log("destroyed VM (%s): inventory refreshed after %.1f s, %d NotFound faults"
                % ("update stream" if stream else "full passes", refreshed, stats["not_found_faults"]))


def test_unnamed_not_found_is_isolated_by_splitting():
    """A fault that does not name the missing object: the plugin splits the
    batch until the culprit is alone, so the other VMs keep their samples
    at every read; the culprit is left out until the next regular discovery
    (InventoryInterval), even though a refresh still lists it (vCenter says
    the same of a VM still being created), then tried again when its time
    is up (with the update stream, full passes are an hour apart)."""
    with Vcsim(cluster=1, cluster_host=2, host=0, vm=8) as vc, FaultServer(vc.url) as fs:
        extra = "Interval 1\nInventoryInterval 20\nQueryBatchSize 50\nConcurrency 2"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 8, 60, what="8 VMs")
            culprit = "DC0_C0_RP0_VM5"
            fs.not_found_morefs = {vc.moref(culprit)[0][0]}
            fs.not_found_named = False
            fs.mode = "not_found"
            c = self_value(cd, "read_cycles")
            wait_cycles(cd, c + 3, 30)
            before = newest_by_vm(cd)
            others = [n for n in before if n != culprit]
            cd.wait_for(lambda: all(newest_by_vm(cd).get(n, 0) > before[n] for n in others), 40,
                        what="new samples of the other VMs")
            assert newest_by_vm(cd).get(culprit, 0) <= before[culprit], "culprit still collected?"
            faults = len(fs.not_found_sent)
            cd.wait_for(lambda: (self_metric(cd, "entities_answered") or 0) >= 7 + 2, 30,
                        what="7 VMs + hosts answered")
            errs = plugin_errors(cd)
            assert len(errs) == 1 and "ManagedObjectNotFound" in errs[0], errs
            # split once (about 2 log2(8) requests), then left alone
            assert faults <= 8, fs.stats().get("operations")
            fs.mode = "pass"
            cd.wait_for(lambda: newest_by_vm(cd).get(culprit, 0) > before[culprit], 60,
                        what="the VM collected again")


def test_disconnected_host_and_its_vms_not_queried():
    """A host disconnected behind vCenter: its VMs' QueryPerf faults
    (HostNotConnected) until the next discovery, which leaves the host and
    its VMs out; the other VMs keep their samples; reconnected, they come
    back."""
    with Vcsim(cluster=1, cluster_host=3, host=0, vm=6) as vc:
        inv = [i for i in vc.inventory_full() if i["kind"] == "vm"]
        host = inv[0]["host"]
        on_host = {i["name"] for i in inv if i["host"] == host}
        extra = "Interval 1\nInventoryInterval 5\nQueryBatchSize 50"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            vc.host_state(host, "disconnected")
            wait_cycles(cd, self_value(cd, "read_cycles") + 8, 60)   # > InventoryInterval
            faults = vc.control_stats()["host_faults"]
            before = newest_by_vm(cd)
            others = [n for n in before if n not in on_host]
            cd.wait_for(lambda: all(newest_by_vm(cd).get(n, 0) > before[n] for n in others), 40,
                        what="new samples of the VMs of the other hosts")
            assert vc.control_stats()["host_faults"] == faults, "disconnected host still queried"
            self_value(cd, "errors")      # raises if never reported
            errs = plugin_errors(cd)
            assert len(errs) <= 1 and all("HostNotConnected" in e for e in errs), errs
            vc.host_state(host, "connected")
            cd.wait_for(lambda: all(newest_by_vm(cd).get(n, 0) > before[n] for n in on_host), 60,
                        what="the host's VMs back")


def test_slow_host_does_not_starve_the_others():
    """One ESXi host answers QueryPerf after 60 s (QueryTimeout 6): reads
    still end within their budget, the batch stays in flight across reads,
    times out alone and is then batched apart; every VM of the other hosts
    gets every sample meanwhile."""
    with Vcsim(cluster=1, cluster_host=3, host=0, vm=6) as vc:
        inv = [i for i in vc.inventory_full() if i["kind"] == "vm"]
        slow = inv[0]["host"]
        on_slow = {i["name"] for i in inv if i["host"] == slow}
        extra = "Interval 2\nQueryTimeout 6\nQueryBatchSize 2\nConcurrency 4"
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % csv_dir
        with Collectd(conf + vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            vc.slow_host(slow, 60)
            t0 = time.time()
            time.sleep(32)
            before = newest_by_vm(cd)
            vc.slow_host(slow, 0)
            others = [n for n in before if n not in on_slow]
            # the other VMs: a sample at least every 20 s + read interval
            for vm in others:
                rows = csv_times(csv_dir, vm, "vm_cpu_usage_average")
                rows = [t for t in rows if t >= t0 - 5]
                gaps = [b - a for a, b in zip(rows, rows[1:])]
                assert rows and max(gaps or [0]) <= 25, (vm, rows)
            reads = [v for t, v in csv_values(csv_dir, cd, "self_read_seconds") if t >= t0]
            assert reads and max(reads) <= 2.5, max(reads)
            carried = [v for t, v in csv_values(csv_dir, cd, "self_requests_carried") if t >= t0]
            assert max(carried) >= 1, "the slow batch was never carried over a read"
            errs = plugin_errors(cd)
            assert len(errs) == 1 and re.search(r"(?i)timed? ?out", errs[0]), errs
            cd.wait_for(lambda: all(newest_by_vm(cd).get(n, 0) > before.get(n, 0) for n in on_slow),
                        60, what="the slow host's VMs back")
            log("slow host: slowest read %.2f s, carried %d" % (max(reads), max(carried)))


def csv_times(csv_dir, host, type_name):
    """Sample times of one VM series written by the csv plugin."""
    times = []
    for path in glob.glob(os.path.join(csv_dir, host, "vsphere-*", type_name + "-2*")):
        with open(path) as f:
            times += [float(l.split(",")[0]) for l in f if l[:1].isdigit()]
    return sorted(times)


def csv_values(csv_dir, cd, type_name, vcenter="sim"):
    """[(time, value)] of a self metric written by the csv plugin."""
    out = []
    for path in glob.glob(os.path.join(csv_dir, "testhost", "vsphere-" + vcenter,
                                       type_name + "-2*")):
        with open(path) as f:
            out += [tuple(float(x) for x in l.strip().split(",")[:2]) for l in f if l[:1].isdigit()]
    return sorted(out)


# ---------------------------------------------------------------------------
# per-series tracking and intervals

def test_minus_one_filled_later_is_dispatched_once():
    """The fault server blanks (-1, "no data yet") the newest sample of
    every series in each VM's first answer; vCenter fills it later. Each
    blanked sample reaches the csv writer exactly once, later, and no
    sample of the series is written twice."""
    with Vcsim(cluster=0, host=1, vm=3) as vc, FaultServer(vc.url, mode="minus_one") as fs:
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % csv_dir
        with Collectd(conf + vsphere_block(proxied(fs, vc), extra="Interval 2"), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 3, 60, what="3 VMs")
            wait_cycles(cd, self_value(cd, "read_cycles") + 15, 60)
            blanked = [b for b in fs.minus_one_blanked if b[0].startswith("vm-")]
            assert blanked, fs.stats()
            names = {i["moref"]: i["name"] for i in vc.inventory_full() if i["kind"] == "vm"}
            cpu = 2   # cpu.usage.average in vcsim's catalog
            checked = 0
            for moref, counter, instance, stamp in blanked:
                if counter != cpu or instance not in ("", "*"):
                    continue
                t_blank = harness_time(stamp)
                rows = csv_times(csv_dir, names[moref], "vm_cpu_usage_average")
                near = [t for t in rows if t_blank - 0.5 <= t < t_blank + 10]
                assert len(near) == 1, (names[moref], stamp, rows)
                assert near[0] > t_blank, "the -1 itself was written: %s" % near
                gaps = [b - a for a, b in zip(rows, rows[1:])]
                assert min(gaps or [20]) > 9, ("a sample written twice", rows)
                checked += 1
            assert checked == 3, (checked, blanked[:5])


def harness_time(stamp):
    """xsd:dateTime (vcsim's, with nanoseconds) to epoch seconds."""
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?Z", stamp)
    import calendar
    s = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    return s + (float("0." + m.group(7)) if m.group(7) else 0.0)


def test_long_interval_keeps_every_series():
    """Interval 50 in the <Vcenter> block, collectd's global interval 10:
    value lists carry interval 50, so neither collectd's cache (Timeout 2 x
    interval) nor write_prometheus drops a series between two reads (with
    the global interval, 20 s, or the 20 s sample step, 40 s, it would
    expire inside the 50 s gap). /metrics scraped every 2.5 s for 60 s
    (the gap after the first collection, when a wrong interval would have
    expired the series, and the read that ends it): no VM series ever
    missing."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=2) as vc:
        with Collectd(vsphere_block(vc, extra="Interval 50"), interval=10) as cd:
            vms = set(vc.inventory()[0])
            cd.wait_for(lambda: set(newest_by_vm(cd)) == vms, 90, what="every VM")
            missing, scrapes = 0, 0
            end = time.monotonic() + 60
            while time.monotonic() < end:
                got = set(newest_by_vm(cd))
                scrapes += 1
                if got != vms:
                    missing += 1
                    log("missing at %.0f s: %s" % (60 - (end - time.monotonic()), vms - got))
                time.sleep(2.5)
            log("Interval 50: %d scrapes, %d with a VM series missing" % (scrapes, missing))
            assert missing == 0, "%d of %d scrapes missed VM series" % (missing, scrapes)


# ---------------------------------------------------------------------------
# session hygiene and logging

def test_sessions_dropped_on_a_guess_are_logged_out():
    """100 sessions dropped because an inventory page marked every object
    NotAuthenticated (a guess: the session was fine) leave vCenter's session
    list at one: each was logged out before the new login. (Full passes,
    where such pages come; the update stream: test_updates.py.)"""
    with Vcsim(cluster=0, host=1, vm=2) as vc, FaultServer(vc.url) as fs:
        extra = "Interval 0.1\nInventoryInterval 0.05\nConcurrency 1\nUpdateStream false"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            wait_cycles(cd, 3, 30)
            assert vc.sessions() == 1
            fs.mode = "missing_noauth"
            peak = 1
            deadline = time.monotonic() + 180
            while (self_metric(cd, "logins") or 0) < 101 and time.monotonic() < deadline:
                peak = max(peak, vc.sessions())
                time.sleep(0.5)
            fs.mode = "pass"
            logins = self_value(cd, "logins")
            assert logins >= 101, logins
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            assert vc.sessions() == 1, vc.sessions()
            logouts = fs.count("operations", "missing_noauth Logout") + fs.count("operations", "pass Logout")
            log("%d logins, %d logouts through the proxy, at most %d sessions seen"
                % (logins, logouts, peak))
            assert logouts >= 100, logouts
            assert peak <= 2, peak
            cd.wait_for(lambda: "collecting again" in cd.log(), 20, what="recovery")


def test_inventory_that_empties_is_rechecked_with_a_new_session():
    """An inventory answer that suddenly is empty (some ESXi builds answer
    an expired session so): re-read once with a new session, the old one
    logged out; the VMs stay. (Full passes, where such answers come.)"""
    with Vcsim(cluster=0, host=1, vm=2) as vc, FaultServer(vc.url) as fs:
        extra = "Interval 0.5\nInventoryInterval 0.5\nConcurrency 1\nUpdateStream false"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 2, 60, what="2 VMs")
            for _ in range(5):
                logins = self_value(cd, "logins")
                fs.only = None
                fs.mode = "empty_props"
                cd.wait_for(lambda: (self_metric(cd, "logins") or 0) > logins, 30 * SCALE,
                            what="re-login")
                fs.mode = "pass"
                wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30)
                assert self_value(cd, "inventory_vms") == 2
            assert vc.sessions() == 1, vc.sessions()


def test_each_new_kind_of_fault_is_logged():
    """Log once is per operation and kind of fault: a second, different
    fault is logged too, a repeat is not; recovery is logged."""
    with Vcsim(cluster=0, host=1, vm=2) as vc, FaultServer(vc.url) as fs:
        with Collectd(vsphere_block(proxied(fs, vc), extra="Interval 0.3"), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 2, 60, what="2 VMs")
            fs.only = {"QueryPerf"}
            fs.mode = "soap_fault"
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            fs.mode = "http503_html"
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            fs.mode = "soap_fault"
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            errs = plugin_errors(cd)
            assert len(errs) == 2, errs
            assert "SystemError" in errs[0] and "HTTP status 503" in errs[1], errs
            fs.mode = "pass"
            cd.wait_for(lambda: "collecting again" in cd.log(), 20, what="recovery logged")


def test_vcenter_block_names_are_validated():
    cases = [("a/b", "contains '/'"), ("", "is empty"), ("x:y", "contains ':'"),
             ("n" * 64, "longer than 63 bytes")]
    for name, why in cases:
        conf = ('LoadPlugin vsphere\n<Plugin vsphere>\n <Vcenter "%s">\n  URL "http://127.0.0.1:9/sdk"\n'
                '  User "u"\n  Password "p"\n </Vcenter>\n</Plugin>\n' % name)
        rc, out = harness.run_collectd_test_config(conf)
        assert rc != 0 and why in out and ('<Vcenter "%s">' % name) in out, (name, out)


ALL = [
    test_vcenter_block_names_are_validated,
    test_same_name_in_one_cluster_disambiguated_once,
    test_same_name_in_two_datacenters_grouped_by_cluster_in_prometheus,
    test_long_cjk_name_and_escaped_characters,
    test_vm_destroyed_between_discovery_and_query,
    test_unnamed_not_found_is_isolated_by_splitting,
    test_disconnected_host_and_its_vms_not_queried,
    test_minus_one_filled_later_is_dispatched_once,
    test_each_new_kind_of_fault_is_logged,
    test_inventory_that_empties_is_rechecked_with_a_new_session,
    test_sessions_dropped_on_a_guess_are_logged_out,
    test_slow_host_does_not_starve_the_others,
    test_long_interval_keeps_every_series,
]
# Not under valgrind/ASan (--quick): the long ones, and those whose C
# paths unit tests already run under both (a -1 filled later:
# test_dispatch's late_sample_filled_once; splitting a batch on an unnamed
# NotFound: test_query's split tests).
LONG = {test_slow_host_does_not_starve_the_others, test_long_interval_keeps_every_series,
        test_same_name_in_two_datacenters_grouped_by_cluster_in_prometheus,
        test_long_cjk_name_and_escaped_characters,
        test_minus_one_filled_later_is_dispatched_once, test_unnamed_not_found_is_isolated_by_splitting}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
