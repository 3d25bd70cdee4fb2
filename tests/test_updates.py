#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The property collector's update stream, through collectd and
write_prometheus against the test vcsim: changes made through the API
(power off, maintenance, snapshot, rename, a VM created, a VM destroyed)
reach /metrics within one read interval although full passes are an hour
apart; with nothing changing, a read asks for no properties at all; a
lost collector, an expired session and shutdown never leave more than one
collector and filter per session; a server without the stream gets full
passes.

Usage: test_updates.py [-k SUBSTRING] [--quick]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_coverage import by_name  # noqa: E402
from test_integration import plugin_errors, self_value, vsphere_block, wait_cycles  # noqa: E402

WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SCALE = 3.0 if WRAPPED else 1.0
INTERVAL = 5
# Full passes far apart, state values re-sent every minute: only the
# stream can explain a change seen within an interval.
STREAM = "Interval %d\nInventoryInterval 3600\nPropertyInterval 60\nResyncInterval 3600" % INTERVAL


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def latency(cd, change, seen, what):
    """Seconds from `change()` returning to `seen()` being true on
    /metrics (polled every 0.2 s)."""
    change()
    t0 = time.monotonic()
    cd.wait_for(seen, (INTERVAL + 5) * SCALE + 10, interval=0.2, what=what)
    dt = time.monotonic() - t0
    log("%s: %.1f s" % (what, dt))
    return dt


def test_changes_reach_prometheus_within_one_interval():
    """Each kind of change made through the API shows on /metrics within
    one read interval (+ 5 s), with InventoryInterval and PropertyInterval
    far longer: the stream brought it."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=2) as vc:
        with Collectd(vsphere_block(vc, extra=STREAM), interval=INTERVAL) as cd:
            vms, hosts = vc.inventory()
            cd.wait_for(lambda: set(by_name(cd, "vm_power_state")) == set(vms), 60 * SCALE,
                        what="every VM's power state")
            # the first full update is over; what follows comes by updates
            wait_cycles(cd, self_value(cd, "read_cycles") + 1, 30 * SCALE)
            retrieve0 = vc.control_stats()["retrieve_properties_calls"]
            vm, host = "DC0_H0_VM0", "DC0_C0_H0"
            limit = INTERVAL + 5
            times = {}
            times["power off"] = latency(cd, lambda: vc.poweroff(vm),
                                         lambda: by_name(cd, "vm_power_state").get(vm) == 0.0, "power off")
            times["maintenance"] = latency(
                cd, lambda: vc.maintenance(host, enter=True),
                lambda: by_name(cd, "host_maintenance_mode").get(host) == 1.0, "maintenance")
            times["snapshot"] = latency(cd, lambda: vc.snapshot_create("DC0_H0_VM1", "s1"),
                                        lambda: by_name(cd, "vm_snapshots").get("DC0_H0_VM1") == 1.0,
                                        "snapshot")
            times["rename"] = latency(cd, lambda: vc.rename("DC0_C0_RP0_VM0", "renamed-by-api"),
                                      lambda: "renamed-by-api" in by_name(cd, "vm_power_state"), "rename")
            times["create"] = latency(
                cd, lambda: vc.vsctl("vm-create", "created-by-api", "DC0_H0"),
                lambda: by_name(cd, "vm_power_state").get("created-by-api") == 1.0
                and "created-by-api" in by_name(cd, "vm_cpu_usage_average"), "create (state and counters)")
            # one VM created, one destroyed: as many as at the start (its
            # last values stay on /metrics until collectd's cache lets
            # them go: that is collectd's, not the plugin's)
            times["destroy"] = latency(
                cd, lambda: vc.destroy("DC0_C0_RP0_VM1"),
                lambda: self_metric_now(cd, "inventory_vms") == len(vms), "destroy")
            slow = {k: round(v, 1) for k, v in times.items() if v > limit * SCALE}
            assert not slow, "later than one interval + 5 s: %s" % slow
            # no full pass since the first one: only re-reads of what changed
            st = vc.control_stats()
            log("RetrievePropertiesEx calls after the first update: %d (re-reads), WaitForUpdatesEx: %d"
                % (st["retrieve_properties_calls"] - retrieve0, st["wait_for_updates_calls"]))
            notes = [l for l in cd.log_lines() if "vsphere plugin" in l and "update" in l]
            assert self_value(cd, "inventory_full_passes") == 1, notes
            # a query sent before the destroy was known may name the VM
            errors = [l for l in plugin_errors(cd) if "ManagedObjectNotFound" not in l]
            assert not errors, errors


def self_metric_now(cd, what):
    from test_integration import self_metric
    return self_metric(cd, what, "sim")


def test_steady_state_asks_for_no_properties():
    """Nothing changes: every read makes one WaitForUpdatesEx and no
    RetrievePropertiesEx; state values are still sent every
    PropertyInterval, from the plugin's copy."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=3) as vc:
        extra = "Interval 2\nPropertyInterval 4\nInventoryInterval 3600"
        with Collectd(vsphere_block(vc, extra=extra), interval=2) as cd:
            wait_cycles(cd, 3, 60 * SCALE)
            st0 = vc.control_stats()
            states0 = self_value(cd, "state_values")
            cycles0 = self_value(cd, "read_cycles")
            wait_cycles(cd, cycles0 + 8, 60 * SCALE)
            st1 = vc.control_stats()
            cycles = self_value(cd, "read_cycles") - cycles0
            waits = st1["wait_for_updates_calls"] - st0["wait_for_updates_calls"]
            retrieves = st1["retrieve_properties_calls"] - st0["retrieve_properties_calls"]
            states = self_value(cd, "state_values") - states0
            log("%d reads: %d WaitForUpdatesEx, %d RetrievePropertiesEx, %d state values sent"
                % (cycles, waits, retrieves, states))
            assert retrieves == 0, retrieves
            assert cycles - 1 <= waits <= cycles + 1, (cycles, waits)
            assert states > 0
            assert not plugin_errors(cd), plugin_errors(cd)


def test_collectors_never_pile_up():
    """A lost collector and expired sessions start over with a full update
    (said once at INFO); the session never holds more than one collector
    and one filter; shutdown destroys them before the logout."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        extra = "Interval 1\nInventoryInterval 3600"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            def one_stream():
                st = vc.control_stats()
                return st["update_collectors_live"] == 1 and st["update_filters_live"] == 1

            cd.wait_for(one_stream, 60 * SCALE, what="one collector and filter")
            # vpxd loses its collectors: the next read starts over
            assert vc.control("stream-drop").startswith("ok dropped 1")
            cd.wait_for(lambda: vc.control_stats()["update_collectors_created"] == 2 and one_stream(),
                        30 * SCALE, what="a new collector after the loss")
            # sessions terminated again and again
            for i in range(5):
                vc.terminate_sessions()
                cd.wait_for(lambda: vc.control_stats()["update_collectors_created"] == 3 + i and one_stream(),
                            30 * SCALE, what="a new collector for session %d" % (i + 2))
            st = vc.control_stats()
            assert st["update_collectors_live"] == 1 and st["update_filters_live"] == 1, st
            vms = set(vc.inventory()[0])
            cd.wait_for(lambda: set(by_name(cd, "vm_power_state")) == vms, 30 * SCALE, what="the VMs")
            notes = [l for l in cd.log_lines() if "update stream" in l]
            log("log: %s" % notes)
            assert len([l for l in notes if "starting over" in l]) >= 2, notes
        st = vc.control_stats()
        assert st["update_collectors_destroyed"] == 1, st
        assert st["update_collectors_live"] == 0, st
        assert vc.sessions() == 0


def test_server_without_stream_gets_full_passes():
    """UpdateStream false (or a server that refuses it): full passes every
    InventoryInterval, no collector made."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        extra = "Interval 1\nInventoryInterval 2\nUpdateStream false"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            wait_cycles(cd, 6, 60 * SCALE)
            st = vc.control_stats()
            assert st["update_collectors_created"] == 0, st
            assert st["wait_for_updates_calls"] == 0, st
            assert self_value(cd, "inventory_full_passes") >= 2
            vc.poweroff("DC0_H0_VM0")
            cd.wait_for(lambda: by_name(cd, "vm_power_state").get("DC0_H0_VM0") == 0.0, 30 * SCALE,
                        what="powered off, by a full pass")


ALL = [
    test_changes_reach_prometheus_within_one_interval,
    test_steady_state_asks_for_no_properties,
    test_collectors_never_pile_up,
    test_server_without_stream_gets_full_passes,
]
# plain run only: their C paths (the stream's reads, merges, re-reads) run
# under valgrind and ASan in the two below and in the unit tests
LONG = [test_changes_reach_prometheus_within_one_interval, test_steady_state_asks_for_no_properties]

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
