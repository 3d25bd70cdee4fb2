#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Everything an operator alerts on, through collectd and write_prometheus
against vcsim: clusters, datastores, resource pools and datacenters
(historical 300 s counters), state values read from properties (power,
connection, maintenance, snapshots, capacity, ...), inventory filters, a
historical sample that arrives late, and vCenter's maxQueryMetrics bound.

Usage: test_coverage.py [-k SUBSTRING] [--quick]
"""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_integration import plugin_errors, self_value, vc_metrics, vsphere_block, wait_cycles  # noqa: E402

ALL_KINDS = 'Collect "vm" "host" "cluster" "datastore" "resourcepool" "datacenter"'


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def values(cd, name):
    """{(instance, vsphere, type_instance): value} of a metric."""
    return {(m[1]["instance"], m[1]["vsphere"], m[1].get("type", "")): m[2]
            for m in vc_metrics(cd.metrics(), "collectd_vsphere_" + name)}


def by_name(cd, name):
    """{instance: value} of a metric without type instance."""
    return {k[0]: v for k, v in values(cd, name).items() if k[2] == ""}


def inventory(vc, kind):
    return [i for i in vc.inventory_full() if i["kind"] == kind]


def test_every_kind_with_counters_and_state_values():
    """Two datacenters, clusters, stand-alone hosts, datastores, resource
    pools: every object of every kind has its default historical counters
    and its state values, named vcenter:datacenter:cluster."""
    with Vcsim(dc=2, cluster=2, cluster_host=2, host=1, vm=2, pool=1) as vc:
        clusters = {i["name"] for i in inventory(vc, "cluster")}
        # one LocalDS_0 per datacenter: the same name, apart by datacenter
        datastores = {(i["name"], "sim:%s:" % i["datacenter"]) for i in inventory(vc, "datastore")}
        pools = [i for i in inventory(vc, "pool")]
        vms, hosts = vc.inventory()
        assert len(clusters) == 4 and len(datastores) == 2 and len(pools) == 10, (clusters, datastores, pools)
        with Collectd(vsphere_block(vc, extra=ALL_KINDS + "\nInterval 2"), interval=1) as cd:
            def complete():
                return (set(by_name(cd, "cluster_cpu_usage_average")) == clusters
                        and {k[:2] for k in values(cd, "datastore_disk_capacity_latest")} == datastores
                        and set(by_name(cd, "datacenter_vmop_numPoweron_latest")) == {"DC0", "DC1"}
                        and len(values(cd, "resourcepool_cpu_usagemhz_average")) == len(pools)
                        and set(by_name(cd, "vm_power_state")) == set(vms)
                        and set(by_name(cd, "host_connection_state")) == hosts)
            cd.wait_for(complete, 90, what="every object of every kind")
            # cluster naming: vcenter:datacenter:cluster
            for (name, pi, _), _v in values(cd, "cluster_cpu_usage_average").items():
                assert pi == "sim:%s:%s" % (name.split("_")[0], name), (name, pi)
            # state values and their mappings
            assert set(by_name(cd, "vm_power_state").values()) == {1.0}
            assert set(by_name(cd, "host_connection_state").values()) == {1.0}
            assert set(by_name(cd, "host_maintenance_mode").values()) == {0.0}
            assert set(by_name(cd, "cluster_hosts").values()) == {2.0}
            assert set(by_name(cd, "vm_overall_status").values()) == {1.0}   # green
            assert sum(by_name(cd, "host_vms").values()) == len(vms)
            for ds in datastores:
                get = lambda n: values(cd, n)[ds + ("",)]   # noqa: E731
                cap, free = get("datastore_capacity_bytes"), get("datastore_free_bytes")
                unc = get("datastore_uncommitted_bytes")
                assert get("datastore_provisioned_bytes") == cap - free + unc
                assert get("datastore_accessible") == 1.0
            types = {k[2] for k in values(cd, "datastore_type")}
            assert types and "" not in types, types
            alarms = values(cd, "cluster_alarms")
            assert {k[2] for k in alarms} == {"red", "yellow"} and set(alarms.values()) == {0.0}, alarms
            # historical counters carry interval 300 s: Prometheus timestamps
            # are vCenter's sample times
            assert self_value(cd, "state_values") > 0
            assert not plugin_errors(cd), plugin_errors(cd)


def test_snapshots_maintenance_and_power_off_show_in_state_values():
    """Snapshots created and removed through the API, a host put in
    maintenance mode and back, a VM powered off: the state values follow
    within a PropertyInterval (2 s here)."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=2) as vc:
        extra = "Interval 1\nPropertyInterval 2"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            vm, host = "DC0_H0_VM0", "DC0_C0_H0"
            cd.wait_for(lambda: by_name(cd, "vm_snapshots").get(vm) == 0.0, 60, what="0 snapshots")
            vc.snapshot_create(vm, "before-upgrade")
            vc.snapshot_create(vm, "after-upgrade")
            cd.wait_for(lambda: by_name(cd, "vm_snapshots").get(vm) == 2.0, 30, what="2 snapshots")
            age = by_name(cd, "vm_snapshot_oldest_age_seconds")[vm]
            assert 0 <= age < 60, age
            vc.snapshot_remove_all(vm)
            cd.wait_for(lambda: by_name(cd, "vm_snapshots").get(vm) == 0.0, 30, what="snapshots removed")
            vc.maintenance(host, enter=True)
            cd.wait_for(lambda: by_name(cd, "host_maintenance_mode").get(host) == 1.0, 30,
                        what="maintenance mode")
            vc.maintenance(host, enter=False)
            cd.wait_for(lambda: by_name(cd, "host_maintenance_mode").get(host) == 0.0, 30,
                        what="out of maintenance")
            vc.poweroff(vm)
            cd.wait_for(lambda: by_name(cd, "vm_power_state").get(vm) == 0.0, 30, what="powered off")
            assert not plugin_errors(cd), plugin_errors(cd)


def test_inventory_filters():
    """Include by inventory path (only DC0's VMs), ExcludeName (VMs ending
    in VM1), a datastore Include that matches nothing: excluded objects get
    neither counters nor state values and are not counted."""
    with Vcsim(dc=2, cluster=1, cluster_host=1, host=1, vm=2) as vc:
        vms = set(vc.inventory()[0])
        want = {v for v in vms if v.startswith("DC0_") and not v.endswith("VM1")}
        extra = ('Collect "vm" "host" "datastore"\nInclude "vm" "/DC0/vm/**"\n'
                 'ExcludeName "vm" "*VM1"\nInclude "datastore" "/*/datastore/nothing*"\nInterval 1')
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: set(by_name(cd, "vm_cpu_usage_average")) == want
                        and set(by_name(cd, "vm_power_state")) == want, 60, what="the filtered VMs")
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            assert set(by_name(cd, "vm_cpu_usage_average")) == want
            assert not by_name(cd, "datastore_capacity_bytes")
            objs = {m[1]["type"]: m[2] for m in harness.find_metrics(
                cd.metrics(), "collectd_vsphere_self_inventory_objects", vsphere="sim")}
            assert objs["vm"] == len(want) and objs["datastore"] == 0, objs
            assert len(by_name(cd, "host_cpu_usage_average")) == len(vc.inventory()[1])


def csv_rows(csv_dir, host, type_name):
    rows = []
    for path in glob.glob(os.path.join(csv_dir, host, "vsphere-*", type_name + "-2*")):
        with open(path) as f:
            rows += [tuple(float(x) for x in l.strip().split(",")[:2]) for l in f if l[:1].isdigit()]
    return sorted(rows)


def test_late_historical_samples_delivered_once():
    """vCenter posts historical (300 s) samples late. vcsim withholds the
    datastores' newest samples for 10 minutes, then releases them: the
    plugin delivers each 300 s sample once, late, with vCenter's time, and
    never one twice."""
    with Vcsim(cluster=0, host=1, vm=1) as vc:
        vc.lag("Datastore", 600)
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % csv_dir
        extra = 'Collect "datastore"\nInterval 1\nHistoricalLookBack 1200'
        with Collectd(conf + vsphere_block(vc, extra=extra), interval=1) as cd:
            ds = next(iter(i["name"] for i in inventory(vc, "datastore")))
            cd.wait_for(lambda: csv_rows(csv_dir, ds, "datastore_disk_used_latest"), 60,
                        what="the first (late) sample")
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            before = csv_rows(csv_dir, ds, "datastore_disk_used_latest")
            t_release = time.time()
            vc.lag("Datastore", 0)     # the withheld samples are posted now
            # historical data is asked for every 60 s at most
            cd.wait_for(lambda: len(csv_rows(csv_dir, ds, "datastore_disk_used_latest")) >= len(before) + 2,
                        150, what="the late samples")
            wait_cycles(cd, self_value(cd, "read_cycles") + 5, 30)
            rows = csv_rows(csv_dir, ds, "datastore_disk_used_latest")
            times = [t for t, _ in rows]
            log("before release %s; after %s" % ([round(t - t_release) for t, _ in before],
                                                  [round(t - t_release) for t in times]))
            # once each: samples 300 s apart, on 300 s boundaries as vCenter
            # keeps them
            gaps = [b - a for a, b in zip(times, times[1:])]
            assert min(gaps) > 150, ("a sample twice", times)
            assert all(t % 300 == 0 for t in times), times
            late = [t for t in times if t > max(t for t, _ in before)]
            # the newest boundary is at most 300 s before the release
            assert len(late) >= 2 and max(late) > t_release - 360, (before, rows)
            assert not plugin_errors(cd), plugin_errors(cd)


def test_historical_queries_respect_max_query_metrics():
    """vCenter bounds historical QueryPerf requests by
    config.vpxd.stats.maxQueryMetrics (read at login); vcsim enforces 8 here
    as vCenter does (a fault over it): the plugin never asks for more, and
    cluster queries stay within 10 metric ids."""
    with Vcsim(dc=1, cluster=3, cluster_host=1, host=0, vm=1,
               extra_args=["-max-query-metrics", "8"]) as vc:
        extra = ALL_KINDS + "\nInterval 1"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: len(by_name(cd, "cluster_cpu_usage_average")) == 3
                        and by_name(cd, "datastore_disk_capacity_latest"), 60, what="historical kinds")
            wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30)
            st = vc.control_stats()
            log("vcsim: %s" % st)
            assert st["historical_queries"] > 0, st
            assert 0 < st["historical_max_metrics_seen"] <= 8, st
            assert st["max_query_metrics_faults"] == 0, st
            assert not plugin_errors(cd), plugin_errors(cd)


ALL = [
    test_every_kind_with_counters_and_state_values,
    test_snapshots_maintenance_and_power_off_show_in_state_values,
    test_inventory_filters,
    test_historical_queries_respect_max_query_metrics,
    test_late_historical_samples_delivered_once,
]
LONG = {test_late_historical_samples_delivered_once}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
