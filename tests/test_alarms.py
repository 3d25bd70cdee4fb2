#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vCenter's triggered alarms in a real collectd against the test vcsim,
whose alarms behave as vCenter's (tests/vcsim/alarms.go: Alarm objects
named by info.name, the same AlarmState on the entity and every container
above it, each change reported to the update stream): an alarm firing on a
VM when collectd starts is a series named after the alarm on that VM only
(its host, cluster, pool and datacenter hold the AlarmState too, but get
no series for it) and no notification; each later change of it (better,
acknowledged, cleared, triggered) is exactly one notification on the VM's
identity, about one read after the change, handed by collectd's exec
plugin to a script; a cleared alarm's series leaves /metrics; alarms of a
host and a datastore are series of theirs; a deleted alarm's series is
named by its moref after the next full pass, without an error; the
plugin's self_alarm_notifications counts what was notified.

Usage: test_alarms.py [-k SUBSTRING] [--quick]
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_coverage import values  # noqa: E402
from test_events import notifications, notifier  # noqa: E402
from test_integration import plugin_errors, self_value, vsphere_block, wait_cycles  # noqa: E402

WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SCALE = 3.0 if WRAPPED else 1.0

VM = "DC0_C0_RP0_VM0"      # in the cluster: host, cluster, pool and datacenter above it
HOST = "DC0_H0"            # a stand-alone host
CPU = "Virtual machine CPU usage"
HOST_ALARM = "Host connection and power state"
DS_ALARM = "Datastore usage on disk"


def alarm_series(cd, kind):
    """{(instance, type instance): value} of <kind>_alarm."""
    return {(k[0], k[2]): v for k, v in values(cd, "%s_alarm" % kind).items()}


def test_alarms_named_on_their_object_and_each_change_notified():
    tmp = tempfile.mkdtemp(prefix="vsphere-alarms-")
    out, exec_conf = notifier(tmp)
    with Vcsim() as vc:
        inv = {(r["kind"], r["name"]): r for r in vc.inventory_full()}
        vm = inv[("vm", VM)]
        ds_name = sorted(n for k, n in inv if k == "datastore")[0]
        ds = inv[("datastore", ds_name)]
        cpu = vc.alarm_define(CPU)
        vc.alarm_set(VM, cpu, "red")  # firing before collectd starts
        holders = {a["holder"] for a in vc.alarms() if a["entity"] == vm["moref"]}
        above = {inv[("host", vm["host"])]["moref"], inv[("cluster", vm["cluster"])]["moref"],
                 inv[("datacenter", vm["datacenter"])]["moref"]}
        assert above <= holders, (above, holders)
        # every change through the update stream (no full pass until the
        # test asks for one); states sent every 2 s, so a series no longer
        # sent leaves collectd's cache after Timeout x 2 s
        block = vsphere_block(vc, extra="PropertyInterval 2")
        with Collectd(block + exec_conf, interval=1) as cd:
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 2, 30 * SCALE,
                        what="vm_alarm %s = 2" % CPU)
            # on the VM only: its containers' lists hold it, no series of theirs names it
            for kind in ("host", "cluster", "resourcepool", "datacenter"):
                assert not [k for k in alarm_series(cd, kind) if k[1] == CPU], (kind, alarm_series(cd, kind))
            counted = {k: v for k, v in values(cd, "host_alarms").items() if k[0] == vm["host"]}
            print("  %s's host_alarms (the VM's alarm in its list): %s" % (VM, counted))
            # firing at the start: a series, not a notification
            wait_cycles(cd, self_value(cd, "read_cycles") + 2, 30 * SCALE)
            assert notifications(out) == [], notifications(out)
            updates0 = self_value(cd, "update_objects")

            seen = []

            def change(what, n_before, *set_args, **set_kw):
                """alarm-set, then exactly one more notification: returns it
                and the seconds it took."""
                t0 = time.monotonic()
                vc.alarm_set(*set_args, **set_kw)
                cd.wait_for(lambda: len(notifications(out)) > n_before, 20 * SCALE,
                            what="the notification of %s" % what)
                took = time.monotonic() - t0
                got = notifications(out)
                assert len(got) == n_before + 1, got[n_before:]
                seen.append((what, took))
                return got[-1], took

            def check(n, severity, change_, status, previous, ack, name=CPU, host=VM, type_="vm_alarm",
                      moref=None):
                assert n["Severity"] == severity, n
                assert (n["Host"], n["Plugin"], n["Type"], n["TypeInstance"]) == (host, "vsphere", type_, name), n
                assert (n.get("change"), n.get("status"), n.get("previous_status"), n.get("acknowledged")) == \
                    (change_, status, previous, ack), n
                assert n.get("alarm") == name and n.get("vcenter") == "sim" and n.get("entity") == host, n
                if moref:
                    assert n.get("entity_moref") == moref, n

            n, took = change("yellow", 0, VM, cpu, "yellow")
            check(n, "WARNING", "better", "yellow", "red", "false", moref=vm["moref"])
            assert n.get("alarm_moref") == cpu, n
            assert n["message"] == 'Alarm "%s" on %s: yellow (better)' % (CPU, VM), n
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 1, 15 * SCALE, what="vm_alarm = 1")

            n, _ = change("acknowledged", 1, VM, cpu, "yellow", ack=True, user="VSPHERE.LOCAL\\ops")
            check(n, "WARNING", "acknowledged", "yellow", "yellow", "true")

            n, _ = change("cleared", 2, VM, cpu, "none")
            check(n, "OKAY", "cleared", "cleared", "yellow", "false")
            t0 = time.monotonic()
            cd.wait_for(lambda: (VM, CPU) not in alarm_series(cd, "vm"), 30 * SCALE,
                        what="the cleared alarm's series gone from /metrics")
            gone_after = time.monotonic() - t0

            n, _ = change("triggered", 3, VM, cpu, "red")
            check(n, "FAILURE", "triggered", "red", "none", "false")
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 2, 15 * SCALE, what="vm_alarm = 2 again")

            # a host's and a datastore's alarms: series (and notifications) of theirs
            hal = vc.alarm_define(HOST_ALARM)
            dsu = vc.alarm_define(DS_ALARM)
            n, _ = change("host red", 4, HOST, hal, "red")
            check(n, "FAILURE", "triggered", "red", "none", "false", name=HOST_ALARM, host=HOST,
                  type_="host_alarm", moref=inv[("host", HOST)]["moref"])
            n, _ = change("datastore yellow", 5, ds["moref"], dsu, "yellow")
            assert (n["Severity"], n["Type"], n["TypeInstance"], n.get("entity_moref")) == \
                ("WARNING", "datastore_alarm", DS_ALARM, ds["moref"]), n
            cd.wait_for(lambda: alarm_series(cd, "host").get((HOST, HOST_ALARM)) == 2, 15 * SCALE,
                        what="host_alarm %s = 2" % HOST_ALARM)
            cd.wait_for(lambda: [v for k, v in alarm_series(cd, "datastore").items() if k[1] == DS_ALARM] == [1],
                        15 * SCALE, what="datastore_alarm %s = 1" % DS_ALARM)
            assert not [k for k in alarm_series(cd, "datacenter") if k[1] in (HOST_ALARM, DS_ALARM)]
            # the changes came through the update stream
            assert self_value(cd, "update_objects") > updates0

            # deleted: named by its moref after the next full pass, quietly.
            # (With the stream, full passes come every ResyncInterval, or
            # with a new session: the sessions are ended to have one now.)
            reads0 = vc.alarm_stats()["alarm_name_reads"]
            passes0 = self_value(cd, "inventory_full_passes")
            vc.alarm_delete(dsu)
            wait_cycles(cd, self_value(cd, "read_cycles") + 2, 30 * SCALE)
            assert [v for k, v in alarm_series(cd, "datastore").items() if k[1] == DS_ALARM] == [1]
            t0 = time.monotonic()
            assert vc.terminate_sessions() == 1
            cd.wait_for(lambda: [v for k, v in alarm_series(cd, "datastore").items() if k[1] == dsu] == [1],
                        30 * SCALE, what="datastore_alarm named %s" % dsu)
            renamed_after = time.monotonic() - t0
            assert self_value(cd, "inventory_full_passes") > passes0
            assert vc.alarm_stats()["alarm_name_reads"] > reads0
            cd.wait_for(lambda: not [k for k in alarm_series(cd, "datastore") if k[1] == DS_ALARM], 30 * SCALE,
                        what="the series under the deleted alarm's name gone")
            assert alarm_series(cd, "vm").get((VM, CPU)) == 2  # the others keep their names

            # nothing more: one notification per change, and counted
            wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30 * SCALE)
            got = notifications(out)
            assert len(got) == 6, got
            assert [(x["TypeInstance"], x.get("change")) for x in got] == [
                (CPU, "better"), (CPU, "acknowledged"), (CPU, "cleared"), (CPU, "triggered"),
                (HOST_ALARM, "triggered"), (DS_ALARM, "triggered")], got
            cd.wait_for(lambda: self_value(cd, "alarm_notifications") == len(got), 10 * SCALE,
                        what="self_alarm_notifications_total = %d" % len(got))
            assert not plugin_errors(cd), plugin_errors(cd)
            for what, took in seen:
                print("  %-16s notified %.2f s after alarm-set" % (what, took))
            print("  cleared series gone from /metrics %.1f s after its notification" % gone_after)
            print("  deleted alarm named by its moref %.1f s after the sessions ended" % renamed_after)
            assert max(t for _, t in seen) < 5 * SCALE, seen


def test_alarm_cleared_in_a_full_pass_keeps_its_name():
    """The same changes seen by full passes only (no update stream:
    discoveries every 2 s, state passes every 60 s): the notifications,
    the clear's too, name the alarm, not its moref. (The plugin read again,
    at each full pass, only the names the state values named, and forgot
    the others: an alarm just cleared was named by none.)"""
    tmp = tempfile.mkdtemp(prefix="vsphere-alarms-")
    out, exec_conf = notifier(tmp)
    with Vcsim() as vc:
        cpu = vc.alarm_define(CPU)
        vc.alarm_set(VM, cpu, "red")
        block = vsphere_block(vc, extra="UpdateStream false\n    InventoryInterval 2\n    PropertyInterval 60")
        with Collectd(block + exec_conf, interval=1) as cd:
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 2, 30 * SCALE,
                        what="vm_alarm %s = 2" % CPU)
            passes0 = self_value(cd, "inventory_full_passes")
            vc.alarm_set(VM, cpu, "yellow")
            cd.wait_for(lambda: len(notifications(out)) == 1, 20 * SCALE, what="the notification of yellow")
            vc.alarm_set(VM, cpu, "none")
            cd.wait_for(lambda: len(notifications(out)) == 2, 20 * SCALE, what="the notification of the clear")
            assert self_value(cd, "inventory_full_passes") >= passes0 + 2
            got = [(n["TypeInstance"], n.get("alarm"), n.get("alarm_moref"), n.get("change")) for n in notifications(out)]
            assert got == [(CPU, CPU, cpu, "better"), (CPU, CPU, cpu, "cleared")], got
            assert not plugin_errors(cd), plugin_errors(cd)


def test_status_change_without_an_update_is_read_within_property_interval():
    """vCenter (API 5.0 on) may change a triggered alarm's overallStatus
    without an update on the stream (the test vcsim's alarm-set silent=true
    does so): the objects with triggered alarms are read again every
    PropertyInterval, and the change is notified within it."""
    tmp = tempfile.mkdtemp(prefix="vsphere-alarms-")
    out, exec_conf = notifier(tmp)
    with Vcsim() as vc:
        cpu = vc.alarm_define(CPU)
        vc.alarm_set(VM, cpu, "red")
        block = vsphere_block(vc, extra="PropertyInterval 3")
        with Collectd(block + exec_conf, interval=1) as cd:
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 2, 30 * SCALE,
                        what="vm_alarm %s = 2" % CPU)
            passes0 = self_value(cd, "inventory_full_passes")
            t0 = time.monotonic()
            vc.alarm_set(VM, cpu, "yellow", silent=True)
            cd.wait_for(lambda: len(notifications(out)) == 1, 15 * SCALE,
                        what="the notification of a silent change")
            took = time.monotonic() - t0
            n = notifications(out)[0]
            assert (n["Severity"], n.get("change")) == ("WARNING", "better"), n
            cd.wait_for(lambda: alarm_series(cd, "vm").get((VM, CPU)) == 1, 10 * SCALE,
                        what="vm_alarm %s = 1" % CPU)
            assert self_value(cd, "inventory_full_passes") == passes0  # no full pass did it
            assert took < 3 + 4 * SCALE, took
            print("  a silent status change notified %.1f s after it" % took)
            assert not plugin_errors(cd), plugin_errors(cd)


ALL = [test_alarms_named_on_their_object_and_each_change_notified,
       test_alarm_cleared_in_a_full_pass_keeps_its_name,
       test_status_change_without_an_update_is_read_within_property_interval]

# plain run only: their C paths (names kept across full passes, objects
# read again) run under valgrind and ASan in the unit tests (test_collect)
# and the first test here
LONG = [test_alarm_cleared_in_a_full_pass_keeps_its_name,
        test_status_change_without_an_update_is_read_within_property_interval]

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
