#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere: inventory and state values by full passes against the
property collector's update stream, at scale, in one run.

  bench/updates.py [--vms 10000] [--window 300] [--out bench/results/updates.json]
  bench/updates.py --churn 1000 [--interval 1] [--vms 1000] [--out ...]
  bench/updates.py --shards 1,2,4 [--changes 40] [--vms 10000] [--out ...]

One vcsim of --vms VMs (clusters of 1,000 VMs and 18 hosts), then for each
mode, a collectd with the plugin at `Interval 20`, `DefaultMetrics false`
(no QueryPerf: what is measured is the inventory and the state values
only, besides one historical counter of the clusters, the same in both
modes, so that the selection is not empty) and write_prometheus:
  full    `UpdateStream false`: a discovery every InventoryInterval (300 s)
          and a state pass every PropertyInterval (60 s), the defaults;
  stream  the default: the update stream, nothing changing.
After the first inventory and two more reads, over --window seconds (a
multiple of 300 s holds as many discoveries in either mode): bytes
received (self_bytes_received), requests, collectd's CPU (/proc), the
longest read (self_read_seconds, polled), per read. Then, in stream mode,
changes made through the API (power off, rename, VM created, destroyed)
and the time until write_prometheus shows them. Machines here are noisy:
compare the ratios of one run.

--churn READS: collectd's RSS over READS reads (at --interval) while VMs
are created, renamed and destroyed through the API without pause.
--shards N,...: per process with Shard "1/N", the memory of inventory,
state values and tracking, and the objects read again after VMs of every
shard were powered off and on.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def shape(vms):
    if vms >= 1000:
        return dict(dc=1, cluster=vms // 1000, cluster_host=18, host=0, vm=1000)
    return dict(dc=1, cluster=1, cluster_host=18, host=0, vm=vms)


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def selfs(cd):
    """{name: value} of the plugin's self_ metrics on /metrics."""
    out = {}
    for name, labels, value, _ts in cd.metrics(timeout=60):
        if name.startswith("collectd_vsphere_self_") and labels.get("vsphere") == "bench":
            out[name[len("collectd_vsphere_self_"):]] = value
    return out


def block(vc, extra):
    return """LoadPlugin vsphere
<Plugin vsphere>
  <Vcenter "bench">
    URL "%s"
    User "%s"
    Password "%s"
    Interval 20
    DefaultMetrics false
    # one historical counter of clusters: a few QueryPerf a read at most
    Metric "cluster.cpu.usagemhz.average"
    Timeout 120
    # write_prometheus takes new series slowly at 10,000 VMs: paced
    MaxNewSeries 20000
    %s
  </Vcenter>
</Plugin>
""" % (vc.url, vc.user, vc.password, extra)


def wait_selfs(cd, pred, timeout, what):
    return cd.wait_for(lambda: (lambda s: s if pred(s) else None)(selfs(cd)), timeout,
                       interval=2, what=what)


def by_name(cd, metric):
    # (the vsphere label is the plugin instance: "bench:DC0:DC0_C0")
    return {labels["instance"]: value for name, labels, value, _ts in cd.metrics(timeout=60)
            if name == "collectd_vsphere_" + metric and labels.get("vsphere", "").split(":")[0] == "bench"
            and not labels.get("type")}


def measure(vc, mode, window):
    extra = "UpdateStream false" if mode == "full" else ""
    with Collectd(block(vc, extra), interval=20) as cd:
        s = wait_selfs(cd, lambda s: s.get("inventory_full_passes_total", 0) >= 1, 900, "the first inventory")
        start_cycles = s["read_cycles_total"]
        # every series introduced (MaxNewSeries 20000 a read) before measuring
        s = wait_selfs(cd, lambda s: s["read_cycles_total"] >= start_cycles + 10, 900, "ten more reads")
        s0, cpu0, t0 = s, proc_cpu(cd.pid), time.monotonic()
        longest, plugin_cpu, seen = 0.0, [], set()
        s1 = s0
        while time.monotonic() - t0 < window:
            time.sleep(5)
            try:
                now = selfs(cd)
            except Exception:  # a slow scrape: the next one
                continue
            if "read_cycles_total" not in now:
                continue
            s1 = now
            longest = max(longest, now.get("read_seconds", 0))
            if now["read_cycles_total"] not in seen:  # the read thread's CPU of each read
                seen.add(now["read_cycles_total"])
                plugin_cpu.append(now.get("read_cpu_seconds", 0))
        # every scrape of the window may have timed out (write_prometheus
        # busy with new series): one that answers, at a later read
        if s1["read_cycles_total"] == s0["read_cycles_total"]:
            s1 = wait_selfs(cd, lambda s: s.get("read_cycles_total", 0) > s0["read_cycles_total"], 600,
                            "a scrape after the window")
        cpu1 = proc_cpu(cd.pid)
        reads = s1["read_cycles_total"] - s0["read_cycles_total"]
        row = {
            "mode": mode,
            "reads": reads,
            "bytes_per_read": (s1["bytes_received_total"] - s0["bytes_received_total"]) / reads,
            "requests_per_read": (s1["requests_total"] - s0["requests_total"]) / reads,
            "collectd_cpu_s_per_read": (cpu1 - cpu0) / reads,
            "plugin_cpu_s_per_read": sum(plugin_cpu) / max(len(plugin_cpu), 1),
            "longest_read_s": longest,
            "full_passes": s1["inventory_full_passes_total"] - s0["inventory_full_passes_total"],
            "state_values_per_read": (s1["state_values_total"] - s0["state_values_total"]) / reads,
            "vms": s1.get("inventory_vms"),
        }
        print(json.dumps(row), flush=True)
        if mode == "stream":
            row["latency_s"] = latencies(vc, cd)
            print(json.dumps(row["latency_s"]), flush=True)
        return row


def latencies(vc, cd):
    vms = sorted(vc.inventory()[0])
    hosts = sorted(vc.inventory()[1])
    out = {}

    def timed(what, change, seen):
        change()
        t0 = time.monotonic()
        cd.wait_for(seen, 300, interval=1, what=what)
        out[what] = round(time.monotonic() - t0, 1)

    timed("power off", lambda: vc.poweroff(vms[0]),
          lambda: by_name(cd, "vm_power_state").get(vms[0]) == 0.0)
    timed("rename", lambda: vc.rename(vms[1], "bench-renamed"),
          lambda: "bench-renamed" in by_name(cd, "vm_power_state"))
    timed("create", lambda: vc.vsctl("vm-create", "bench-created", hosts[0]),
          lambda: by_name(cd, "vm_power_state").get("bench-created") == 1.0)
    n = len(vms)
    timed("destroy", lambda: vc.destroy(vms[2]),
          lambda: selfs(cd).get("inventory_vms") == n)
    return out


def churn(vms, reads, interval):
    """Memory with changes flowing: a collectd at `interval` while VMs are
    created, renamed and destroyed through the API without pause; RSS of
    collectd every 10 % of `reads` reads."""
    with Vcsim(startup_timeout=900, **shape(vms)) as vc:
        hosts = sorted(vc.inventory()[1])
        conf = block(vc, "").replace("Interval 20", "Interval %g" % interval)
        with Collectd(conf, interval=interval) as cd:
            s = wait_selfs(cd, lambda s: s.get("read_cycles_total", 0) >= 5, 900, "five reads")
            start = s["read_cycles_total"]
            rss, changes, i, error = [], 0, 0, None
            next_mark = start
            while True:
                s = selfs(cd)
                done = s.get("read_cycles_total", start) - start
                if s.get("read_cycles_total", 0) >= next_mark:
                    rss.append((int(done), cd.rss_kb()))
                    next_mark += max(reads // 10, 1)
                if done >= reads:
                    break
                # one VM created, renamed, destroyed: three changes
                name = "churn-%d" % i
                try:
                    vc.vsctl("vm-create", name, hosts[i % len(hosts)])
                    vc.rename(name, name + "-r")
                    vc.destroy(name + "-r")
                except RuntimeError as e:  # vcsim itself gave up: what was measured
                    error = str(e).splitlines()[0]
                    break
                changes += 3
                i += 1
            row = {"mode": "churn", "vms": vms, "interval_s": interval, "reads": int(done), "error": error,
                   "changes": changes, "rss_kb": rss,
                   "update_objects": s.get("update_objects_total"),
                   "update_rereads": s.get("update_rereads_total"),
                   "full_passes": s.get("inventory_full_passes_total"),
                   "inventory_vms": s.get("inventory_vms")}
            print(json.dumps(row), flush=True)
            return row


def shards(vms, counts, changes):
    """Per process, with Shard "1/N" for each N of `counts`: the memory of
    the inventory, its state values and series tracking
    (self_tracking_bytes) after the first inventory, and the objects read
    again (self_update_rereads) for `changes` VMs powered off and on
    through the API (spread over every shard)."""
    rows = []
    with Vcsim(startup_timeout=900, **shape(vms)) as vc:
        names = sorted(vc.inventory()[0])[:changes]
        for n in counts:
            extra = 'Shard "1/%d"' % n if n > 1 else ""
            with Collectd(block(vc, extra).replace("Interval 20", "Interval 2"), interval=2) as cd:
                s = wait_selfs(cd, lambda s: s.get("inventory_full_passes_total", 0) >= 1, 900,
                               "the first inventory")
                s = wait_selfs(cd, lambda s, c=s["read_cycles_total"]: s["read_cycles_total"] >= c + 3,
                               300, "three more reads")
                r0 = s.get("update_rereads_total", 0)
                for name in names:
                    vc.poweroff(name)
                    vc.poweron(name)
                time.sleep(10)
                s1 = wait_selfs(cd, lambda s, c=s["read_cycles_total"]: s["read_cycles_total"] >= c + 3,
                                300, "three more reads")
                row = {"mode": "shards", "shards": n, "tracking_bytes": s1.get("tracking_bytes"),
                       "rereads": s1.get("update_rereads_total", 0) - r0, "changes": 2 * len(names),
                       "inventory_objects": s1.get("inventory_objects")}
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vms", type=int, default=10000)
    ap.add_argument("--window", type=float, default=300)
    ap.add_argument("--churn", type=int, default=0, metavar="READS",
                    help="instead: RSS over READS reads with VMs created, renamed and "
                         "destroyed all the time (--interval)")
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--shards", default="", metavar="N,N,...",
                    help="instead: memory and re-reads per process with Shard 1/N for each N")
    ap.add_argument("--changes", type=int, default=40, help="VMs powered off and on (--shards)")
    ap.add_argument("--modes", default="full,stream", help="full,stream (a ratio), or one of them")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "updates.json"))
    a = ap.parse_args()
    harness.ensure_go_tools()
    if a.shards:
        with open(a.out, "w") as f:
            json.dump(shards(a.vms, [int(x) for x in a.shards.split(",")], a.changes), f, indent=1)
        return
    if a.churn:
        with open(a.out, "w") as f:
            json.dump(churn(a.vms, a.churn, a.interval), f, indent=1)
        return
    with Vcsim(startup_timeout=900, **shape(a.vms)) as vc:
        rows = [measure(vc, mode, a.window) for mode in a.modes.split(",")]
    if len(rows) != 2:
        with open(a.out, "w") as f:
            json.dump({"vms": a.vms, "window_s": a.window, "rows": rows}, f, indent=1)
        return
    full, stream = rows
    result = {
        "vms": a.vms, "window_s": a.window, "rows": rows,
        "stream_bytes_share": stream["bytes_per_read"] / full["bytes_per_read"],
        "stream_cpu_share": stream["collectd_cpu_s_per_read"] / max(full["collectd_cpu_s_per_read"], 1e-9),
        "stream_plugin_cpu_share": stream["plugin_cpu_s_per_read"] / max(full["plugin_cpu_s_per_read"], 1e-9),
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print("stream/full: bytes %.4f, collectd CPU %.4f, plugin CPU %.4f"
          % (result["stream_bytes_share"], result["stream_cpu_share"], result["stream_plugin_cpu_share"]))


if __name__ == "__main__":
    main()
