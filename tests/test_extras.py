#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What operators ask every peer for (issue 16), through collectd and
write_prometheus against the test vcsim (tests/vcsim/extras.go gives it
what a production vCenter has and stock vcsim lacks): host hardware
sensors with their health, datastore names for the datastore instances of
VM and host counters, custom attributes as info series, snapshot size.

Usage: test_extras.py [-k SUBSTRING] [--quick]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_coverage import values  # noqa: E402
from test_integration import plugin_errors, vsphere_block, wait_cycles  # noqa: E402

WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SCALE = 3.0 if WRAPPED else 1.0
INTERVAL = 2
# Full passes far apart: a change seen soon came through the update stream.
STREAM = "Interval %d\nPropertyInterval 4\nInventoryInterval 3600\nResyncInterval 3600" % INTERVAL


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def of(cd, metric, instance):
    """{type_instance: value} of one object's metric."""
    return {k[2]: v for k, v in values(cd, metric).items() if k[0] == instance}


def test_host_sensors_with_health():
    """Every sensor is one series by "<sensorType>:<name>" (two of one
    name apart by " #2"), its reading scaled by unitModifier, its health a
    number; a health change reaches /metrics through the update stream."""
    with Vcsim(cluster=0, host=1, vm=1) as vc:
        with Collectd(vsphere_block(vc, extra=STREAM), interval=INTERVAL) as cd:
            host = "DC0_H0"
            want = {"temperature:System Board 1 Ambient Temp": 23.0, "fan:Fan 1": 8520.0,
                    "fan:Fan 1 #2": 7080.0}
            got = cd.wait_for(lambda: of(cd, "host_sensor_reading", host) if
                              set(want) <= set(of(cd, "host_sensor_reading", host)) else None,
                              60 * SCALE, what="the sensor readings")
            assert {k: got[k] for k in want} == want, got
            health = of(cd, "host_sensor_health", host)
            log("%d sensors, %d with a reading" % (len(health), len(got)))
            # vcsim's own sensors (software components, the rollup) have no
            # unit: a health, no reading
            assert "system:VMware Rollup Health State" in health, sorted(health)
            assert "system:VMware Rollup Health State" not in got
            assert health["fan:Fan 1 #2"] == 1.0 and health["fan:Fan 1"] == 1.0, health
            vc.sensor_health(host, "Fan 1", "red", index=2)
            cd.wait_for(lambda: of(cd, "host_sensor_health", host).get("fan:Fan 1 #2") == 3.0,
                        (INTERVAL + 5) * SCALE + 5, what="fan 1 #2 red")
            assert of(cd, "host_sensor_health", host)["fan:Fan 1"] == 1.0
            assert not plugin_errors(cd)


def test_datastore_instances_are_named():
    """vCenter answers the datastore.* counters of VMs and hosts per
    datastore volume id; they reach /metrics under the datastore's name."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        with Collectd(vsphere_block(vc, extra="Interval 2"), interval=1) as cd:
            def named():
                vm = values(cd, "vm_datastore_totalReadLatency_average")
                host = values(cd, "host_datastore_totalReadLatency_average")
                return (vm, host) if vm and host else None
            vm, host = cd.wait_for(named, 60 * SCALE, what="datastore latencies")
            log("VM instances %s, host instances %s" % (sorted({k[2] for k in vm}),
                                                         sorted({k[2] for k in host})))
            assert {k[2] for k in vm} == {"LocalDS_0"}, vm
            assert {k[0] for k in vm} == {"DC0_H0_VM0", "DC0_H0_VM1"}, vm
            assert "LocalDS_0" in {k[2] for k in host}, host
            # the volume id itself never shows
            assert not [k for k in list(vm) + list(host) if k[2].count("-") == 3], (vm, host)
            assert not plugin_errors(cd)


def test_custom_attributes_as_info_series():
    """A custom attribute's value is an info series "<attribute>:<value>"
    of value 1; a value set, changed or unset, and an attribute defined
    while the plugin runs, reach /metrics through the update stream."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        vc.field_add("Owner")
        vc.field_set("DC0_H0_VM0", "Owner", "team-x")
        host = [m for m, t in vc.moref("DC0_H0") if t == "HostSystem"][0]
        vc.field_set(host, "Owner", "infra")
        with Collectd(vsphere_block(vc, extra=STREAM), interval=INTERVAL) as cd:
            cd.wait_for(lambda: of(cd, "vm_attribute", "DC0_H0_VM0") == {"Owner:team-x": 1.0},
                        60 * SCALE, what="the VM's attribute")
            assert of(cd, "host_attribute", "DC0_H0") == {"Owner:infra": 1.0}
            assert of(cd, "vm_attribute", "DC0_H0_VM1") == {}
            # a value set while running, and one changed
            vc.field_set("DC0_H0_VM1", "Owner", "team-y")
            vc.field_set("DC0_H0_VM0", "Owner", "team-z")
            cd.wait_for(lambda: of(cd, "vm_attribute", "DC0_H0_VM1") == {"Owner:team-y": 1.0}
                        and "Owner:team-z" in of(cd, "vm_attribute", "DC0_H0_VM0"),
                        (INTERVAL + 5) * SCALE + 5, what="set and changed values")
            # an attribute defined now: its key is unknown until the names
            # are read again (at most every PropertyInterval)
            vc.field_add("Environment")
            vc.field_set("DC0_H0_VM1", "Environment", "prod")
            cd.wait_for(lambda: "Environment:prod" in of(cd, "vm_attribute", "DC0_H0_VM1"),
                        (INTERVAL + 4 + 5) * SCALE + 5, what="a new attribute")
            # unset: the series ends (collectd's cache lets it go)
            vc.field_set("DC0_H0_VM1", "Environment", "")
            cd.wait_for(lambda: "Environment:prod" not in of(cd, "vm_attribute", "DC0_H0_VM1"),
                        40 * SCALE, what="the unset value gone")
            assert "Owner:team-y" in of(cd, "vm_attribute", "DC0_H0_VM1")
            assert not plugin_errors(cd)


def test_attribute_in_identity():
    """HostnameFormat "name" "attr:Owner": the attribute's value is in
    every series' identity; a value changed moves the VM's series to the
    new identity through the update stream."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        vc.field_add("Owner")
        vc.field_set("DC0_H0_VM0", "Owner", "team-x")
        extra = STREAM + '\nHostnameFormat "name" "attr:Owner"'
        with Collectd(vsphere_block(vc, extra=extra), interval=INTERVAL) as cd:
            def hosts():
                return {k[0] for k in values(cd, "vm_cpu_usage_average")}
            cd.wait_for(lambda: {"DC0_H0_VM0:team-x", "DC0_H0_VM1:"} <= hosts(), 60 * SCALE,
                        what="identities with the attribute")
            vc.field_set("DC0_H0_VM1", "Owner", "team-y")
            cd.wait_for(lambda: "DC0_H0_VM1:team-y" in {k[0] for k in values(cd, "vm_power_state")},
                        (INTERVAL + 5) * SCALE + 5, what="the new identity")
            assert not plugin_errors(cd)


def test_snapshot_size_present():
    """SnapshotSize true: vm_snapshot_bytes for every VM, from layoutEx
    (vcsim's snapshot files are empty, so 0 here; the bytes are checked in
    tests/unit/test_state.c with a vCenter-shaped answer)."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        vc.snapshot_create("DC0_H0_VM0", "s1")
        with Collectd(vsphere_block(vc, extra="Interval 2\nSnapshotSize true"), interval=1) as cd:
            got = cd.wait_for(lambda: {k[0]: v for k, v in values(cd, "vm_snapshot_bytes").items()}
                              if len(values(cd, "vm_snapshot_bytes")) == 2 else None,
                              60 * SCALE, what="snapshot sizes")
            assert got == {"DC0_H0_VM0": 0.0, "DC0_H0_VM1": 0.0}, got
            wait_cycles(cd, 2, 30 * SCALE)
            assert not plugin_errors(cd)
        # not asked for: not read
        with Collectd(vsphere_block(vc, extra="Interval 2"), interval=1) as cd:
            wait_cycles(cd, 2, 60 * SCALE)
            assert not values(cd, "vm_snapshot_bytes")


ALL = [
    test_host_sensors_with_health,
    test_datastore_instances_are_named,
    test_custom_attributes_as_info_series,
    test_attribute_in_identity,
    test_snapshot_size_present,
]
# plain run only: their C paths run under valgrind and ASan in the unit
# tests and the first two here
LONG = [test_custom_attributes_as_info_series, test_attribute_in_identity, test_snapshot_size_present]

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
