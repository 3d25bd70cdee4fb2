#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere: inventory and state values by full passes against the
property collector's update stream, at scale, in one run.

  bench/updates.py [--vms 10000] [--window 300] [--out bench/results/updates.json]

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
    %s
  </Vcenter>
</Plugin>
""" % (vc.url, vc.user, vc.password, extra)


def wait_selfs(cd, pred, timeout, what):
    return cd.wait_for(lambda: (lambda s: s if pred(s) else None)(selfs(cd)), timeout,
                       interval=2, what=what)


def by_name(cd, metric):
    return {labels["instance"]: value for name, labels, value, _ts in cd.metrics(timeout=60)
            if name == "collectd_vsphere_" + metric and labels.get("vsphere") == "bench"
            and not labels.get("type")}


def measure(vc, mode, window):
    extra = "UpdateStream false" if mode == "full" else ""
    with Collectd(block(vc, extra), interval=20) as cd:
        s = wait_selfs(cd, lambda s: s.get("inventory_full_passes_total", 0) >= 1, 900, "the first inventory")
        start_cycles = s["read_cycles_total"]
        s = wait_selfs(cd, lambda s: s["read_cycles_total"] >= start_cycles + 2, 120, "two more reads")
        s0, cpu0, t0 = s, proc_cpu(cd.pid), time.monotonic()
        longest = 0.0
        while time.monotonic() - t0 < window:
            time.sleep(5)
            longest = max(longest, selfs(cd).get("read_seconds", 0))
        s1, cpu1 = selfs(cd), proc_cpu(cd.pid)
        reads = s1["read_cycles_total"] - s0["read_cycles_total"]
        row = {
            "mode": mode,
            "reads": reads,
            "bytes_per_read": (s1["bytes_received_total"] - s0["bytes_received_total"]) / reads,
            "requests_per_read": (s1["requests_total"] - s0["requests_total"]) / reads,
            "collectd_cpu_s_per_read": (cpu1 - cpu0) / reads,
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vms", type=int, default=10000)
    ap.add_argument("--window", type=float, default=300)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "updates.json"))
    a = ap.parse_args()
    harness.ensure_go_tools()
    with Vcsim(startup_timeout=900, **shape(a.vms)) as vc:
        rows = [measure(vc, mode, a.window) for mode in ("full", "stream")]
    full, stream = rows
    result = {
        "vms": a.vms, "window_s": a.window, "rows": rows,
        "stream_bytes_share": stream["bytes_per_read"] / full["bytes_per_read"],
        "stream_cpu_share": stream["collectd_cpu_s_per_read"] / max(full["collectd_cpu_s_per_read"], 1e-9),
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print("stream/full: bytes %.4f, collectd CPU %.4f" % (result["stream_bytes_share"],
                                                          result["stream_cpu_share"]))


if __name__ == "__main__":
    main()
