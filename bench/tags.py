#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere: the cost of vSphere tags at scale, over real HTTP
against the test vcsim's REST API (govmomi's vapi simulator), in one run.

  bench/tags.py [--vms 10000] [--tag-interval 60] [--refreshes 3]
                [--modes info,naming] [--out bench/results/tags-10k.json]

One vcsim of --vms VMs (clusters of 1,000 VMs and 18 hosts). Every VM gets
three tags, one of each category: Environment (prod, test, dev), Owner
(team-0 .. team-9), Tier (gold, silver), attached through the REST API
(vsctl). Then, for each mode, a collectd with the plugin at `Interval 20`,
`DefaultMetrics false` (no QueryPerf: the inventory, state values and tags
only), TagInterval --tag-interval and write_prometheus, which gets only
the tag series and the self metrics (a PreCache chain drops the rest:
write_prometheus at 10,000 VMs is pipeline.py's subject):
  info    the tags as info series (vm_tag "<category>:<tag>"), the default;
  naming  the same and `HostnameFormat "name" "tag:Environment"`: every
          read of the tags forms every identity again.
Measured: the time from collectd's start until every tag series is on
/metrics; then over --refreshes reads of the tags: REST requests and
objects per refresh (vcsim's own counters), bytes, and the read thread's
CPU of the reads that refreshed against the reads that did not (the
plugin's self_read_cpu_seconds, polled every read). Machines here are
noisy: compare within one run.
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

CATEGORIES = {"Environment": ["prod", "test", "dev"],
              "Owner": ["team-%d" % i for i in range(10)],
              "Tier": ["gold", "silver"]}


def attach_all(vc, morefs):
    """Every VM one tag of each category, by groups (one vsctl per tag)."""
    t0 = time.monotonic()
    for cat, tags in CATEGORIES.items():
        vc.vsctl("tag-category-create", cat)
        for tag in tags:
            vc.vsctl("tag-create", cat, tag)
        for k, tag in enumerate(tags):
            group = [m for i, m in enumerate(morefs) if i % len(tags) == k]
            vc.vsctl("tag-attach", cat, tag, *group, timeout=1800)
    return time.monotonic() - t0


# write_prometheus at 10,000 VMs is a bench of its own (pipeline.py):
# before the cache, only the tags and the plugin's self metrics go on, so
# that what is measured is the plugin and the tags' path to /metrics.
ONLY_TAGS = """LoadPlugin match_regex
PreCacheChain "PreCache"
<Chain "PreCache">
  <Rule "only_tags_and_self">
    <Match "regex">
      Type "^(vm_tag|self_.*)$"
      Invert true
    </Match>
    Target "stop"
  </Rule>
</Chain>
"""


def rest(vc):
    return {k: v for k, v in vc.control_stats().items() if k.startswith("rest_")}


def tag_series(cd):
    return sum(1 for name, labels, _v, _ts in cd.metrics(timeout=120)
               if name == "collectd_vsphere_vm_tag")


def measure(vc, mode, vms, tag_interval, refreshes):
    extra = "TagInterval %g" % tag_interval
    if mode == "naming":
        extra += '\n    HostnameFormat "name" "tag:Environment"'
    t_start = time.monotonic()
    with Collectd(ONLY_TAGS + block(vc, extra), interval=20) as cd:
        want = 3 * vms
        cd.wait_for(lambda: tag_series(cd) >= want, 1800, interval=5, what="every tag series")
        visible_s = time.monotonic() - t_start
        print("  %s: %d tag series visible after %.0f s" % (mode, want, visible_s), flush=True)
        # per read: its CPU, and whether a refresh happened in it
        reads = {}
        r0 = rest(vc)
        s0 = selfs(cd)
        last_calls, last_cycle = r0["rest_attached_calls"], s0["read_cycles_total"]
        refreshed = []
        deadline = time.monotonic() + tag_interval * (refreshes + 1) + 120
        while len(refreshed) < refreshes and time.monotonic() < deadline:
            time.sleep(2)
            try:
                s = selfs(cd)
            except Exception:  # a slow scrape: the next one
                continue
            cycle = s.get("read_cycles_total", last_cycle)
            if cycle == last_cycle:
                continue
            calls = rest(vc)["rest_attached_calls"]
            reads[cycle] = (s.get("read_cpu_seconds", 0.0), s.get("read_seconds", 0.0))
            if calls != last_calls and cycle == last_cycle + 1:
                refreshed.append(cycle)
            last_calls, last_cycle = calls, cycle
        r1, s1 = rest(vc), selfs(cd)
        n = max(len(refreshed), 1)
        other = [c for c in reads if c not in refreshed]
        cpu = lambda cs: sum(reads[c][0] for c in cs) / max(len(cs), 1)  # noqa: E731
        row = {
            "mode": mode, "vms": vms, "tag_pairs": want, "tag_interval_s": tag_interval,
            "tag_series_visible_s": round(visible_s, 1),
            "refreshes_measured": len(refreshed),
            "rest_requests_per_refresh": (r1["rest_requests"] - r0["rest_requests"]) / n,
            "attached_calls_per_refresh": (r1["rest_attached_calls"] - r0["rest_attached_calls"]) / n,
            "objects_per_refresh": (r1["rest_attached_objects"] - r0["rest_attached_objects"]) / n,
            "rest_logins": r1["rest_logins"] - r0["rest_logins"],
            "read_cpu_s_refresh": round(cpu(refreshed), 4),
            "read_cpu_s_other": round(cpu(other), 4),
            "read_s_refresh": round(sum(reads[c][1] for c in refreshed) / n, 3),
            "reads": len(reads),
            "bytes_per_read": (s1["bytes_received_total"] - s0["bytes_received_total"])
            / max(s1["read_cycles_total"] - s0["read_cycles_total"], 1),
            "collectd_rss_kb": cd.rss_kb(),
        }
        row["plugin_cpu_s_per_refresh"] = round(row["read_cpu_s_refresh"] - row["read_cpu_s_other"], 4)
        print(json.dumps(row), flush=True)
        return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", type=int, default=10000)
    ap.add_argument("--tag-interval", type=float, default=60)
    ap.add_argument("--refreshes", type=int, default=3)
    ap.add_argument("--modes", default="info,naming")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    with Vcsim(startup_timeout=900, **shape(a.vms)) as vc:
        morefs = sorted(i["moref"] for i in vc.inventory_full() if i["kind"] == "vm")
        setup_s = attach_all(vc, morefs)
        print("  %d VMs, %d tags attached in %.0f s" % (len(morefs), 3 * len(morefs), setup_s),
              flush=True)
        rows = [measure(vc, m, len(morefs), a.tag_interval, a.refreshes) for m in a.modes.split(",")]
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"setup_s": round(setup_s), "rows": rows}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
