#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vCenter's events in a real collectd against the test vcsim, whose event
collectors behave as vCenter's (tests/vcsim/events.go: forward reading,
beginTime, session-scoped): power operations done through the API appear as
event counters (collectd_vsphere_vm_events_total{type=...}) on the right VM
within a read or two; a failed power-on raises a FAILURE notification that
collectd's exec plugin hands to a script (severity, identity, message and
meta data checked); sessions killed in the middle of bursts neither lose nor
double-count an event (counted against vcsim's own event list); shutdown
leaves no event collector.

Usage: test_events.py [-k SUBSTRING] [--quick]
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_coverage import values  # noqa: E402
from test_integration import plugin_errors, self_value, vsphere_block, wait_cycles  # noqa: E402

WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SCALE = 3.0 if WRAPPED else 1.0


def vm_moref(vc, name):
    for o in vc.inventory_full():
        if o["kind"] == "vm" and o["name"] == name:
            return o["moref"]
    raise AssertionError("no VM %s" % name)


def counts(cd, kind="vm"):
    """{(instance, event type): count} of <kind>_events."""
    return {(k[0], k[2]): v for k, v in values(cd, "%s_events_total" % kind).items()}


def vcsim_count(vc, etype, moref, since):
    return sum(1 for e in vc.events(since) if e["type"] == etype and e["entity"] == moref)


def notifier(tmp):
    """A NotificationExec script (run as nobody: collectd's exec refuses
    root) appending each notification, headers and message, to a file."""
    out = os.path.join(tmp, "notifications.txt")
    script = os.path.join(tmp, "notify.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n{ cat; echo '----'; } >> %s\n" % out)
    os.chmod(script, 0o755)
    open(out, "w").close()
    os.chmod(out, 0o666)
    os.chmod(tmp, 0o755)
    return out, 'LoadPlugin exec\n<Plugin exec>\n  NotificationExec "nobody" "%s"\n</Plugin>\n' % script


def notifications(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        blocks = [b.strip() for b in f.read().split("----") if b.strip()]
    out = []
    for b in blocks:
        head, _, message = b.partition("\n\n")
        fields = dict(l.split(": ", 1) for l in head.splitlines() if ": " in l)
        fields["message"] = message.strip()
        out.append(fields)
    return out


def test_power_operations_counted_and_failure_notified():
    tmp = tempfile.mkdtemp(prefix="vsphere-events-")
    out, exec_conf = notifier(tmp)
    with Vcsim() as vc:
        vm0, vm1 = vm_moref(vc, "DC0_H0_VM0"), vm_moref(vc, "DC0_H0_VM1")
        history = vc.event_post("VmPoweredOffEvent", name="DC0_H0_VM0")  # before the start
        with Collectd(vsphere_block(vc, extra="Events true") + exec_conf, interval=1) as cd:
            wait_cycles(cd, 2, 30 * SCALE)
            start = max(e["key"] for e in vc.events())
            assert start >= history
            vc.poweroff("DC0_H0_VM0")
            vc.poweron("DC0_H0_VM0")
            failed = vc.event_post("VmFailedToPowerOnEvent", name="DC0_H0_VM1",
                                   message="Cannot power on DC0_H0_VM1: not enough CPU",
                                   user="VSPHERE.LOCAL\\ops")
            want = {("DC0_H0_VM0", "VmPoweredOffEvent"): vcsim_count(vc, "VmPoweredOffEvent", vm0, start),
                    ("DC0_H0_VM0", "VmPoweredOnEvent"): vcsim_count(vc, "VmPoweredOnEvent", vm0, start),
                    ("DC0_H0_VM1", "VmFailedToPowerOnEvent"): 1}
            assert want[("DC0_H0_VM0", "VmPoweredOffEvent")] == 1, vc.events(start)
            t0 = time.monotonic()
            cd.wait_for(lambda: all(counts(cd).get(k) == v for k, v in want.items()),
                        15 * SCALE, what="the event counts %s" % want)
            took = time.monotonic() - t0
            # the history before the start is not replayed
            assert counts(cd).get(("DC0_H0_VM0", "VmPoweredOffEvent")) == 1
            cd.wait_for(lambda: notifications(out), 15 * SCALE, what="a notification")
            n = [x for x in notifications(out) if x.get("TypeInstance") == "VmFailedToPowerOnEvent"]
            assert len(n) == 1, notifications(out)
            n = n[0]
            assert n["Severity"] == "FAILURE", n
            assert n["Host"] == "DC0_H0_VM1" and n["Plugin"] == "vsphere", n
            assert n["Type"] == "vm_events", n
            assert n["message"] == "Cannot power on DC0_H0_VM1: not enough CPU", n
            assert n.get("user") == "VSPHERE.LOCAL\\ops", n
            assert n.get("event_key") == str(failed), n
            assert n.get("entity_moref") == vm1, n
            # power-ons and -offs are counted, not notified
            assert all(x.get("TypeInstance") == "VmFailedToPowerOnEvent" for x in notifications(out))
            assert self_value(cd, "events") >= 3
            assert not plugin_errors(cd), plugin_errors(cd)
            print("  events visible %.1f s after the operations" % took)
        st = vc.event_stats()
        assert st["event_collectors_live"] == 0, st


def test_relogins_neither_lose_nor_double_count():
    """Bursts of events with the session killed between them (and once in
    the middle of a burst being read): the counts equal vcsim's list."""
    with Vcsim() as vc:
        vm0 = vm_moref(vc, "DC0_H0_VM0")
        with Collectd(vsphere_block(vc, extra="Events true"), interval=1) as cd:
            wait_cycles(cd, 2, 30 * SCALE)
            start = max([e["key"] for e in vc.events()] + [0])
            made0 = vc.event_stats()["event_collectors_made"]
            for i in range(5):
                vc.event_burst("VmPoweredOffEvent", 300, name="DC0_H0_VM0")
                if i % 2 == 0:
                    time.sleep(0.3)  # the plugin may be reading it now
                assert vc.terminate_sessions() >= 1
                wait_cycles(cd, self_value(cd, "read_cycles") + 2, 30 * SCALE)
            want = vcsim_count(vc, "VmPoweredOffEvent", vm0, start)
            assert want == 1500, want
            cd.wait_for(lambda: counts(cd).get(("DC0_H0_VM0", "VmPoweredOffEvent")) == want,
                        30 * SCALE, what="%d events counted" % want)
            wait_cycles(cd, self_value(cd, "read_cycles") + 2, 30 * SCALE)
            assert counts(cd).get(("DC0_H0_VM0", "VmPoweredOffEvent")) == want  # not more
            st = vc.event_stats()
            assert st["event_collectors_made"] - made0 >= 5, st  # one per new session
            assert st["event_collectors_live"] == 1, st
            assert self_value(cd, "logins") >= 6
        st = vc.event_stats()
        assert st["event_collectors_live"] == 0, st
        assert vc.sessions() == 0


ALL = [
    test_power_operations_counted_and_failure_notified,
    test_relogins_neither_lose_nor_double_count,
]
# plain run only: the re-login paths run under valgrind and ASan in the unit
# tests (test_collect events_counted_and_notified_across_a_relogin)
LONG = [test_relogins_neither_lose_nor_double_count]

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
