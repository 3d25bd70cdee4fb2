#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Production semantics that vcsim forgives, reproduced through collectd:

  * historical windows: a historical object's first query carries a
    startTime (vCenter's clock minus HistoricalLookBack), so the test
    vcsim, which answers historical QueryPerf as vCenter documents
    (maxSample ignored, no startTime: the whole day), yields a handful of
    samples per series, not a day of them; vCenter's clock, not this
    machine's, places that window;
  * series that only move forward: a hole filled in after a newer sample
    of its series was dispatched is counted, not dispatched, so a real
    Prometheus sees no out-of-order sample; FillHoles back-fills it;
  * statistics levels, catalog drift, API version negotiation;
  * the read loop's review: any per-entity fault isolates its entity, a
    fault of the whole vCenter takes nothing out, no object waits for
    another host's request carried over a read, state memory stays
    bounded while discovery fails, StallTimeout is wall-clock across
    reads, an abandoned paged retrieval is cancelled.

Usage: test_semantics.py [-k SUBSTRING] [--quick]
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from test_integration import (plugin_errors, self_metric, self_value, vc_metrics,  # noqa: E402
                              vsphere_block, wait_cycles)
from test_strict_vcsim import csv_times, harness_time, newest_by_vm, proxied  # noqa: E402

VM_CPU = "collectd_vsphere_vm_cpu_usage_average"
WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
SCALE = 4.0 if WRAPPED else 1.0   # valgrind: slower


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def csv_conf(directory):
    return 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % directory


# vcsim stamps a VM's newest sample at the moment of the query, and the
# plugin takes a sample of a new 20 s slot only once it is more than half a
# slot (10 s) past the last one: a VM queried at every read shows a newest
# sample at most about 10 s + one read interval old.
FRESH = 15.0


def staleness(cd, names):
    """{vm: seconds since its newest cpu sample} for the given VMs."""
    newest = newest_by_vm(cd)
    now = time.time()
    return {n: now - newest.get(n, 0) / 1000.0 for n in names}


# ---------------------------------------------------------------------------
# series that only move forward

def test_series_only_move_forward_in_prometheus():
    """The fault server keeps the newest sample of each VM's first answer
    at -1 for two answers, so it is filled in only after the next sample
    of its series was answered (and dispatched). Default: the late value
    is counted (self_late_samples), never dispatched, and a real
    Prometheus scraping write_prometheus every second counts no
    out-of-order sample. FillHoles true (a second collectd, csv writer,
    the same answers): the late value is written, after the newer one."""
    import backends
    with Vcsim(cluster=0, host=1, vm=2) as vc, FaultServer(vc.url, mode="minus_one") as fs, \
            FaultServer(vc.url, mode="minus_one") as fs2:
        for f in (fs, fs2):
            f.minus_one_responses = 2
            f.minus_one_counters = {2}   # cpu.usage.average in vcsim's catalog
        csv_dir = os.path.join(vc.tmp, "csv")
        extra = "Interval 20\nCollect vm host"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd, \
                Collectd(csv_conf(csv_dir) + vsphere_block(proxied(fs2, vc), extra=extra +
                                                           "\nFillHoles true"),
                         interval=1) as back:
            with backends.Prometheus([cd.port], honor_labels=True, scrape_interval="1s") as prom:
                cd.wait_for(lambda: len(newest_by_vm(cd)) == 2, 60, what="2 VMs")
                # three answers per VM after the blanked one: the fill comes
                # in the third
                wait_cycles(cd, self_value(cd, "read_cycles") + 3, 120 * SCALE)
                wait_cycles(back, self_value(back, "read_cycles") + 3, 120 * SCALE)
                time.sleep(3)   # Prometheus scrapes what the last read left
                late = self_value(cd, "late_samples")
                ooo = prom.self_metric("prometheus_target_scrapes_sample_out_of_order_total")
                blanked = [b for b in fs.minus_one_blanked if b[0].startswith("vm-")]
                log("forward only: %d blanked VM series, %g late samples counted, "
                    "Prometheus out-of-order %g" % (len(blanked), late, ooo))
                assert blanked, fs.stats()
                assert late >= len(blanked), (late, blanked)
                assert ooo == 0, "Prometheus dropped %g samples as out of order" % ooo
                assert not plugin_errors(cd), plugin_errors(cd)
            # FillHoles: the blanked sample reaches the csv writer once,
            # written after a newer sample of its series
            names = {i["moref"]: i["name"] for i in vc.inventory_full() if i["kind"] == "vm"}
            filled = 0
            for moref, _counter, _inst, stamp in fs2.minus_one_blanked:
                if not moref.startswith("vm-"):
                    continue
                t = harness_time(stamp)
                path_rows = csv_rows(csv_dir, names[moref], "vm_cpu_usage_average")
                near = [i for i, (ts, _) in enumerate(path_rows) if abs(ts - t) < 10]
                assert len(near) == 1, (names[moref], stamp, path_rows)
                assert any(ts > t + 10 for ts, _ in path_rows[:near[0]]), \
                    ("not back-filled after a newer sample", path_rows)
                filled += 1
            assert filled == 2, (filled, fs2.minus_one_blanked)
            assert self_value(back, "late_samples") == 0


def csv_rows(csv_dir, host, type_name):
    """[(time, value)] of one series in the order the csv writer got them."""
    import glob
    rows = []
    for path in sorted(glob.glob(os.path.join(csv_dir, host, "vsphere-*", type_name + "-2*"))):
        with open(path) as f:
            rows += [tuple(float(x) for x in l.strip().split(",")[:2]) for l in f if l[:1].isdigit()]
    return rows


# ---------------------------------------------------------------------------
# the read loop's review

def test_any_per_entity_fault_isolates_its_entity():
    """Every QueryPerf naming one VM fails as a whole with a SystemError (no
    object named): the batch is split until that VM is alone, then it is
    left out; the five other VMs of its batch keep their samples, the
    faults stay few, the error is logged once."""
    with Vcsim(cluster=0, host=1, vm=6) as vc, FaultServer(vc.url) as fs:
        vms = {i["name"]: i["moref"] for i in vc.inventory_full() if i["kind"] == "vm"}
        bad = sorted(vms)[0]
        others = [n for n in vms if n != bad]
        with Collectd(vsphere_block(proxied(fs, vc), extra="Interval 1\nQueryBatchSize 250"),
                      interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            fs.not_found_morefs = {vms[bad]}
            fs.entity_fault_type = "SystemError"
            fs.mode = "entity_fault"
            t0 = time.time()
            worst = 0.0
            while time.time() - t0 < 25:
                worst = max([worst] + list(staleness(cd, others).values()))
                time.sleep(0.5)
            faults = fs.count("injected", "entity_fault")
            stale_bad = staleness(cd, [bad])[bad]
            log("entity fault: %d faults in %.0f s, others at most %.1f s stale, "
                "the faulty VM %.0f s" % (faults, time.time() - t0, worst, stale_bad))
            assert worst <= FRESH * SCALE, "the other VMs starved: %.1f s" % worst
            assert stale_bad >= 20, "the faulty VM was still collected"
            assert 1 <= faults <= 12, "%d faults: not isolated (or not bounded)" % faults
            errs = plugin_errors(cd)
            assert len(errs) == 1 and "SystemError" in errs[0], errs


def test_vcenter_wide_fault_takes_nothing_out():
    """Every QueryPerf fails (vpxd in trouble): no object is left out one
    by one, the requests per read stay what the plan needs (one round of
    halves at the start at most), and every VM is back at the first read
    after the fault."""
    with Vcsim(cluster=0, host=1, vm=6) as vc, FaultServer(vc.url) as fs:
        with Collectd(vsphere_block(proxied(fs, vc), extra="Interval 1\nQueryBatchSize 2"),
                      interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            fs.only = {"QueryPerf"}
            fs.mode = "soap_fault"
            c0 = self_value(cd, "read_cycles")
            wait_cycles(cd, c0 + 6, 60 * SCALE)
            reads = self_value(cd, "read_cycles") - c0
            faults = fs.requests("soap_fault")
            fs.mode = "pass"
            t = time.time()
            cd.wait_for(lambda: all(v > t * 1000 for v in newest_by_vm(cd).values()),
                        10 * SCALE, what="every VM back at once")
            # 3 VM batches + 1 host batch per read, and at most one round of
            # halves (6 single VMs) when the fault began
            log("vCenter-wide fault: %d QueryPerf in %d reads" % (faults, reads))
            assert faults <= 4 * (reads + 1) + 6, (faults, reads)


def test_refresh_does_not_wait_for_a_carried_request():
    """Full passes (UpdateStream false; the update stream makes none): one
    ESXi host answers after 60 s while InventoryInterval (2 s) keeps a
    refresh due: refreshes go on beside the carried request and every
    VM of the other hosts is queried at every read (see FRESH); before,
    no new query started until the carried one ended (QueryTimeout 40)."""
    with Vcsim(cluster=1, cluster_host=3, host=0, vm=6) as vc, FaultServer(vc.url) as fs:
        inv = [i for i in vc.inventory_full() if i["kind"] == "vm"]
        slow = inv[0]["host"]
        others = [i["name"] for i in inv if i["host"] != slow]
        extra = "Interval 2\nQueryTimeout 40\nQueryBatchSize 2\nInventoryInterval 2\nUpdateStream false"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 6, 60, what="6 VMs")
            views0 = fs.stats()["operations"].get("pass CreateContainerView", 0)
            vc.slow_host(slow, 60)
            t0 = time.time()
            worst = 0.0
            while time.time() - t0 < 20:
                worst = max([worst] + list(staleness(cd, others).values()))
                time.sleep(0.5)
            carried = self_value(cd, "requests_carried")
            views = fs.stats()["operations"].get("pass CreateContainerView", 0) - views0
            vc.slow_host(slow, 0)
            log("carried request: others at most %.1f s stale, %d discoveries meanwhile, "
                "carried %g" % (worst, views, carried))
            assert worst <= FRESH * SCALE, "the other hosts' VMs waited %.1f s" % worst
            assert views >= 3, "no inventory refresh while the request was carried (%d)" % views


def test_stall_timeout_counts_across_reads():
    """A QueryPerf that never receives a byte, carried from read to read
    (Interval 15: 0.9 x 15 < StallTimeout 20): it is aborted about
    StallTimeout after it began, not reset at every read (QueryTimeout 120
    would be the only bound then)."""
    with Vcsim(cluster=0, host=1, vm=2) as vc, FaultServer(vc.url) as fs:
        extra = "Interval 15\nStallTimeout 20\nQueryTimeout 120\nTimeout 5"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 2, 60, what="2 VMs")
            fs.only = {"QueryPerf"}
            fs.mode = "hang"
            t0 = time.time()
            cd.wait_for(lambda: fs.requests("hang") >= 1, 30, what="a hung QueryPerf")
            t_hang = time.time()
            cd.wait_for(lambda: any("stall limit" in l for l in plugin_errors(cd)),
                        70 * SCALE, what="the stall limit to fire")
            took = time.time() - t_hang
            log("stall across reads: aborted %.1f s after the request hung (StallTimeout 20, "
                "Interval 15)" % took)
            assert took <= 20 + 15 + 3 * SCALE, took
            # (the stall limit's line says "timed out" too, and names itself)
            assert not any("timed out" in l and "stall limit" not in l for l in plugin_errors(cd)), \
                plugin_errors(cd)
            fs.mode = "pass"
            del t0


def test_state_memory_bounded_while_discovery_fails():
    """Full passes (UpdateStream false: state passes exist only without
    the stream). Discovery fails (its RetrievePropertiesEx answered with a
    fault) while state passes succeed, each with 20 guest file systems per VM
    (100-byte mount points): 200 failing discoveries later the plugin's
    tracking memory has not grown, and neither has collectd's RSS."""
    with Vcsim(cluster=0, host=1, vm=4) as vc, FaultServer(vc.url) as fs:
        fs.guest_disks = 20
        extra = "Interval 0.1\nInventoryInterval 0.1\nPropertyInterval 0.1\nUpdateStream false"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: harness.find_metrics(cd.metrics(),
                                                     "collectd_vsphere_vm_guest_disk_free_bytes"),
                        60, what="guest disk state values")
            # discovery reads Folders, a state pass does not
            fs.only = {"RetrievePropertiesEx"}
            fs.only_match = ["<type>Folder</type>"]
            fs.mode = "soap_fault"
            n = 20 if WRAPPED else 200
            cd.wait_for(lambda: fs.requests("soap_fault") >= 3, 30, what="failing discoveries")
            bytes0, rss0 = self_value(cd, "tracking_bytes"), cd.rss_kb()
            states0 = self_value(cd, "state_values")
            f0 = fs.requests("soap_fault")
            cd.wait_for(lambda: fs.requests("soap_fault") >= f0 + n, n * SCALE,
                        what="%d failing discoveries" % n)
            time.sleep(1)
            bytes1, rss1 = self_value(cd, "tracking_bytes"), cd.rss_kb()
            states = self_value(cd, "state_values") - states0
            log("discovery failing: %d failed discoveries, %d state values meanwhile, tracking "
                "bytes %d -> %d, RSS %d -> %d kB" % (fs.requests("soap_fault") - f0, states,
                                                      bytes0, bytes1, rss0, rss1))
            assert self_value(cd, "state_values") > states0, "no state pass meanwhile"
            assert bytes1 <= bytes0, "tracking memory grew: %d -> %d" % (bytes0, bytes1)
            if not (WRAPPED or SANITIZED):
                assert rss1 - rss0 < 1024, "RSS grew %d kB" % (rss1 - rss0)
            fs.mode = "pass"


def test_api_version_negotiated():
    """The plugin reads /sdk/vimServiceVersions.xml (vcsim lists 6.5, 6.0,
    5.5) and announces the newest version both sides know on every
    request, from RetrieveServiceContent on; the login line says it."""
    with Vcsim(cluster=0, host=1, vm=1) as vc, FaultServer(vc.url) as fs:
        # TagInterval 0: the REST requests of the tags carry no SOAPAction
        # and would count as GETs below
        with Collectd(vsphere_block(proxied(fs, vc), extra="Interval 1\nTagInterval 0"),
                      interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 1, 60, what="the VM")
            actions = fs.stats()["soap_actions"]
            ops = fs.stats()["operations"]
            log("SOAPActions: %s" % dict(actions))
            posts = {k: v for k, v in actions.items() if not k.endswith(" -")}
            assert set(posts) == {"pass urn:vim25/6.5"}, actions
            assert ops.get("pass -", 0) == 1, ops   # the one GET of the versions file
            logins = [l for l in cd.log().splitlines() if "logged in as" in l]
            assert logins and "API 6.5" in logins[0], logins

# ---------------------------------------------------------------------------
# historical windows, vCenter's clock, statistics levels, catalog drift

def historical_rows(csv_dir, kind_prefixes=("cluster_", "datastore_")):
    """{(host, type): [times]} of the historical counters the csv writer got."""
    import glob
    out = {}
    for path in glob.glob(os.path.join(csv_dir, "*", "vsphere-*", "*-2*")):
        host = path.split(os.sep)[-3]
        type_name = os.path.basename(path).rsplit("-", 3)[0]
        if not type_name.startswith(kind_prefixes) or not re.search(r"_(average|latest|summation)$",
                                                                       type_name):
            continue
        with open(path) as f:
            out.setdefault((host, type_name), []).extend(
                float(l.split(",")[0]) for l in f if l[:1].isdigit())
    return out


def test_historical_first_query_is_bounded():
    """The test vcsim answers historical QueryPerf as vCenter documents:
    maxSample ignored, no startTime = the whole day (288 samples). Every
    historical query carries a startTime, so an object's first query
    brings at most HistoricalLookBack/300 + 1 samples per series."""
    with Vcsim(cluster=1, cluster_host=2, host=0, vm=2) as vc:
        csv_dir = os.path.join(vc.tmp, "csv")
        extra = 'Interval 2\nCollect "vm" "host" "cluster" "datastore"\nHistoricalLookBack 900'
        with Collectd(csv_conf(csv_dir) + vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(historical_rows(csv_dir)) >= 8, 60,
                        what="cluster and datastore series")
            wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30 * SCALE)
            rows = historical_rows(csv_dir)
            most = max(len(t) for t in rows.values())
            st = vc.control_stats()
            log("first historical queries: %d series, at most %d samples each; vcsim served %s "
                "historical samples for %s specs" % (len(rows), most, st.get("historical_samples"),
                                                     st.get("historical_specs")))
            assert most <= 900 // 300 + 1, sorted((k, len(v)) for k, v in rows.items())
            assert all(t % 300 == 0 for v in rows.values() for t in v), rows


def test_historical_window_follows_vcenters_clock():
    """vCenter's clock two hours behind this machine's: the plugin reads it
    at login (CurrentTime), so the historical window still covers vCenter's
    last 15 minutes (by this machine's clock it would lie in vCenter's
    future and stay empty). A vCenter two hours ahead: its realtime
    samples are not refused as "from the future" (the hour of tolerance
    counts from vCenter's clock)."""
    for offset in (-7200, 7200):
        with Vcsim(cluster=1, cluster_host=1, host=0, vm=1, clock_offset=offset) as vc:
            extra = 'Interval 2\nCollect "vm" "cluster"'
            with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
                want = ["collectd_vsphere_vm_cpu_usage_average"] + \
                    (["collectd_vsphere_cluster_cpu_usage_average"] if offset < 0 else [])
                got = cd.wait_for(lambda: all(harness.find_metrics(cd.metrics(), n) for n in want),
                                  60, what="values under vCenter's clock %+d s" % offset)
                del got
                vc_now = vc.current_time()
                for n in want:
                    ts = harness.find_metrics(cd.metrics(), n)[0][3] / 1000.0
                    assert abs(ts - vc_now) < 400, (n, ts, vc_now)
                logins = [l for l in cd.log().splitlines() if "logged in as" in l]
                assert logins and "clock %+.1f s" % offset in logins[0].replace("+-", "-"), logins
                log("vCenter clock %+d s: %s" % (offset, logins[0].split("(", 1)[1]))


def test_statistics_levels_named_at_login():
    """vCenter's 5-minute interval at level 1: the default counters of the
    historical kinds that need level 2 (vcsim's catalog, as vCenter 9.0.1's:
    datastore read/write, resource pool active/granted/swapped memory) are
    named in one warning at login and counted in self_counters_above_level;
    at level 2 none is."""
    collect = 'Collect "datastore" "resourcepool"\nInterval 1'
    with Vcsim(cluster=1, cluster_host=1, host=0, vm=1, stats_level=1) as vc:
        with Collectd(vsphere_block(vc, extra=collect), interval=1) as cd:
            n = cd.wait_for(lambda: self_metric(cd, "counters_above_level"), 60,
                            what="self_counters_above_level")
            warn = [l for l in cd.log_lines("warning") if "statistics level" in l]
            log("level 1: %g counters above it; %s" % (n, warn[0][:300] if warn else warn))
            assert n == 5, n
            assert len(warn) == 1, warn
            for c in ("datastore.datastore.read.average (level 2)",
                      "datastore.datastore.write.average (level 2)",
                      "resourcepool.mem.active.average (level 2)",
                      "resourcepool.mem.granted.average (level 2)",
                      "resourcepool.mem.swapped.average (level 2)", "IgnoreMetric"):
                assert c in warn[0], (c, warn[0])
    with Vcsim(cluster=1, cluster_host=1, host=0, vm=1, stats_level=2) as vc:
        with Collectd(vsphere_block(vc, extra=collect), interval=1) as cd:
            cd.wait_for(lambda: self_metric(cd, "counters_above_level") is not None, 60,
                        what="self_counters_above_level")
            assert self_metric(cd, "counters_above_level") == 0
            assert not [l for l in cd.log_lines("warning") if "statistics level" in l]


def test_catalog_drift_rereads_the_catalog():
    """Answers start to carry counter id 9999, which the catalog lacks (a
    host added later): the plugin reads the catalog again (logged once, at
    most once per InventoryInterval), counts the unknown values without
    dispatching them; once vCenter's catalog lists the counter (and Metric
    selects it), its values are dispatched."""
    with Vcsim(cluster=0, host=1, vm=1) as vc:
        types = os.path.join(vc.tmp, "drift.db")
        with open(types, "w") as f:
            f.write("vm_drift_probe_average value:GAUGE:U:U\n")
        extra = 'Interval 1\nInventoryInterval 5\nMetric "vm.drift.*"'
        conf = 'TypesDB "%s"\n' % types + vsphere_block(vc, extra=extra)
        with Collectd(conf, interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 1, 60, what="the VM")
            vc.extra_counter("VirtualMachine", 9999)
            t0 = time.time()
            cd.wait_for(lambda: (self_metric(cd, "uncatalogued_values") or 0) > 0, 30,
                        what="unknown values counted")
            cd.wait_for(lambda: "counter id 9999" in cd.log(), 30, what="the re-read logged")
            assert not harness.find_metrics(cd.metrics(), "collectd_vsphere_vm_drift_probe_average")
            vc.counter_add("drift", "probe", rollup="average", unit="number", level=1, key=9999)
            cd.wait_for(lambda: harness.find_metrics(cd.metrics(),
                                                     "collectd_vsphere_vm_drift_probe_average"),
                        30 * SCALE, what="the new counter's values")
            took = time.time() - t0
            rereads = cd.log().count("reading the catalog again")
            log("catalog drift: %d re-reads logged in %.0f s (InventoryInterval 5), %g unknown "
                "values" % (rereads, took, self_value(cd, "uncatalogued_values")))
            assert 1 <= rereads <= took / 5 + 1, (rereads, took)
            assert not plugin_errors(cd), plugin_errors(cd)


def test_abandoned_paging_is_cancelled():
    """Full passes (UpdateStream false: the stream pages with
    maxObjectUpdates, not tokens). Inventory pages of 3 objects; every
    ContinueRetrievePropertiesEx
    fails: each abandoned retrieval is ended with
    CancelRetrievePropertiesEx, so vCenter holds no pending result for the
    session."""
    with Vcsim(cluster=0, host=1, vm=10) as vc, FaultServer(vc.url) as fs:
        extra = "Interval 1\nInventoryPageSize 3\nInventoryInterval 1\nUpdateStream false"
        with Collectd(vsphere_block(proxied(fs, vc), extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(newest_by_vm(cd)) == 10, 60, what="10 VMs through pages")
            fs.only = {"ContinueRetrievePropertiesEx"}
            fs.mode = "soap_fault"
            cd.wait_for(lambda: fs.requests("soap_fault") >= 4, 30 * SCALE,
                        what="abandoned retrievals")
            time.sleep(1)
            paged, cont, cancel, pending = vc.paging_stats()
            log("paging: %d paged retrievals, %d continue, %d cancel, %d pending; %d failed "
                "continues" % (paged, cont, cancel, pending, fs.requests("soap_fault")))
            assert cancel >= fs.requests("soap_fault") - 1, (cancel, fs.requests("soap_fault"))
            assert pending <= 1, "retrievals left pending: %d" % pending
            fs.mode = "pass"



ALL = [
    test_api_version_negotiated,
    test_historical_first_query_is_bounded,
    test_historical_window_follows_vcenters_clock,
    test_statistics_levels_named_at_login,
    test_catalog_drift_rereads_the_catalog,
    test_abandoned_paging_is_cancelled,
    test_any_per_entity_fault_isolates_its_entity,
    test_vcenter_wide_fault_takes_nothing_out,
    test_refresh_does_not_wait_for_a_carried_request,
    test_state_memory_bounded_while_discovery_fails,
    test_stall_timeout_counts_across_reads,
    test_series_only_move_forward_in_prometheus,
]
# Not under valgrind/ASan (--quick): the long ones, and those whose C
# paths the read-loop and query-engine unit tests already run under both
# (catalog drift, a vCenter-wide fault, a discovery beside a carried
# request, the historical window).
LONG = {test_stall_timeout_counts_across_reads, test_series_only_move_forward_in_prometheus,
        test_catalog_drift_rereads_the_catalog, test_vcenter_wide_fault_takes_nothing_out,
        test_refresh_does_not_wait_for_a_carried_request,
        test_historical_window_follows_vcenters_clock}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
