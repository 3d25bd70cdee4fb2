#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere: the cost of vCenter's events at scale, over real HTTP
against the test vcsim (its event collectors behave as vCenter's:
tests/vcsim/events.go), in one run.

  bench/events.py [--vms 10000] [--burst 10000] [--out bench/results/events-10k.json]

One vcsim of --vms VMs, one collectd with the plugin at `Interval 20`,
`Events true`, `DefaultMetrics false` (no QueryPerf: inventory, state
values and events) and write_prometheus, which gets only the event counts
and the self metrics (a PreCache chain drops the rest: write_prometheus
taking 200,000 state series at 10,000 VMs is pipeline.py's subject, and
its write thread would delay what is measured here by minutes). Two bursts
of --burst events each,
once collectd runs steadily:
  burst   10 x burst/10 VmPoweredOffEvent on 10 VMs, posted within a second;
  spread  one VmPoweredOnEvent on each of burst VMs (as many control calls).
Measured per burst: reads until every event was counted (self_events),
the longest read (self_read_seconds) and its CPU against the reads before,
whether a read left events for the next (self_events_pending), vcsim's
ReadNextEvents calls, and collectd's RSS before and after (memory bounded:
it must not grow with the events, only with the (object, type) pairs).
Machines here are noisy: compare within one run.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)
from harness import Collectd, Vcsim  # noqa: E402
from updates import block, selfs, shape, wait_selfs  # noqa: E402


ONLY_EVENTS = """LoadPlugin match_regex
PreCacheChain "PreCache"
<Chain "PreCache">
  <Rule "only_events_and_self">
    <Match "regex">
      Type "^([a-z]+_events|self_.*)$"
      Invert true
    </Match>
    Target "stop"
  </Rule>
</Chain>
"""


def reads_until(cd, want_events, timeout):
    """Polls every 2 s until self_events_total reaches want_events; per read
    seen: (cycle, read_seconds, read_cpu_seconds, events_pending)."""
    seen = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = selfs(cd)
        except Exception:  # a slow scrape: the next one
            time.sleep(2)
            continue
        c = s.get("read_cycles_total", 0)
        seen[c] = (s.get("read_seconds", 0.0), s.get("read_cpu_seconds", 0.0),
                   s.get("events_pending", 0.0), s.get("events_total", 0.0))
        if s.get("events_total", 0) >= want_events:
            return s, seen
        time.sleep(2)
    raise AssertionError("events not all read in %d s: %s" % (timeout, seen))


def measure(cd, vc, name, post, count, base):
    s0 = selfs(cd)
    st0 = vc.event_stats()
    rss0 = cd.rss_kb()
    t0 = time.monotonic()
    post()
    post_s = time.monotonic() - t0
    want = s0["events_total"] + count
    s1, seen = reads_until(cd, want, 600)
    took = time.monotonic() - t0
    cycles = [c for c in seen if c > s0["read_cycles_total"]]
    st1 = vc.event_stats()
    row = {
        "burst": name, "events": count, "post_s": round(post_s, 1),
        "seconds_until_all_counted": round(took, 1),
        "reads_until_all_counted": s1["read_cycles_total"] - s0["read_cycles_total"],
        "longest_read_s": round(max([seen[c][0] for c in cycles] or [0]), 3),
        "longest_read_cpu_s": round(max([seen[c][1] for c in cycles] or [0]), 3),
        "read_cpu_s_before": base,
        "a_read_left_events_pending": any(seen[c][2] for c in cycles),
        "read_next_events_calls": st1["read_next_events_calls"] - st0["read_next_events_calls"],
        "collectd_rss_kb_before": rss0, "collectd_rss_kb_after": cd.rss_kb(),
        "interval_s": 20,
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", type=int, default=10000)
    ap.add_argument("--burst", type=int, default=10000)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    with Vcsim(startup_timeout=900, **shape(a.vms)) as vc:
        vms = sorted(i["name"] for i in vc.inventory_full() if i["kind"] == "vm")
        with Collectd(ONLY_EVENTS + block(vc, "Events true"), interval=20) as cd:
            wait_selfs(cd, lambda s: s.get("read_cycles_total", 0) >= 3, 1800, "3 reads")
            base = selfs(cd).get("read_cpu_seconds", 0.0)
            n = a.burst

            def burst():
                for v in vms[:10]:
                    vc.event_burst("VmPoweredOffEvent", n // 10, name=v)

            def spread():
                for v in (vms * (n // len(vms) + 1))[:n]:
                    vc.event_post("VmPoweredOnEvent", name=v)

            rows = [measure(cd, vc, "burst", burst, n, base),
                    measure(cd, vc, "spread", spread, n, base)]
            # every pair counted: the spread's VMs each show one event
            series = sum(1 for name, labels, v, _t in cd.metrics(timeout=120)
                         if name == "collectd_vsphere_vm_events_total"
                         and labels.get("type") == "VmPoweredOnEvent")
            rows.append({"vm_poweredon_series": series, "vms": len(vms)})
            print(json.dumps(rows[-1]), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"rows": rows}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
