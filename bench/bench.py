#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere benchmark: the plugin inside collectd vs. a govmomi
baseline, against the same vcsim inventory, side by side in one run.

  bench/bench.py [--sizes 1000,10000] [--rounds 3] [--concurrency 4]

For each inventory size it reports, per collection round:
  plugin:   wall time, CPU time of the read (self_read_cpu_seconds), CPU µs
            per dispatched value, values, requests, bytes received, and the
            CPU of the whole collectd process and of vcsim in that round;
  baseline: the same collection by bench/baseline (govmomi's performance
            package): wall, its process CPU, values, requests, vcsim CPU;
and memory: peak RSS of collectd with the plugin and without it (both with
the unixsock plugin only, so no writer's memory is counted), plus collectd
with write_prometheus holding every series, for reference.
Machines here are noisy: compare the ratios measured in one run.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
SIZES = {  # VMs -> vcsim shape (VMs = cluster * vm, hosts = cluster * cluster_host)
    1000: dict(cluster=1, cluster_host=10, host=0, vm=1000),
    10000: dict(cluster=10, cluster_host=18, host=0, vm=1000),
}


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Unixsock:
    """Reads values from collectd's cache through the unixsock plugin."""

    def __init__(self, path, host="testhost"):
        self.path, self.host = path, host

    def get(self, vcenter, what):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(self.path)
            s.sendall(('GETVAL "%s/vsphere-%s/self_%s"\n' % (self.host, vcenter, what)).encode())
            data = b""
            while data.count(b"\n") < 2:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            return None
        finally:
            s.close()
        lines = data.decode().splitlines()
        if not lines or lines[0].startswith("-"):
            return None
        return float(lines[1].split("=", 1)[1]) if len(lines) > 1 else None


def collectd_conf(vc, sock, concurrency, with_plugin, extra=""):
    conf = 'LoadPlugin unixsock\n<Plugin unixsock>\n  SocketFile "%s"\n</Plugin>\n' % sock
    if with_plugin:
        conf += """LoadPlugin vsphere
<Plugin vsphere>
  <Vcenter "bench">
    URL "%s"
    User "user"
    Password "pass"
    Interval 3600
    Timeout 120
    QueryTimeout 120
    Concurrency %d
    # what the govmomi baseline collects: VM and host counters only
    Collect "vm" "host"
    CollectProperties false
  </Vcenter>
</Plugin>
""" % (vc.url, concurrency)
    return conf + extra


def run_plugin(vc, rounds, concurrency):
    """Rounds are driven by restarting nothing: Interval 3600 means one read
    at start; further reads are triggered by collectd's read loop only at
    the interval, so the benchmark uses a short interval instead."""
    results = []
    tmp = os.path.join(vc.tmp, "bench-sock")
    conf = collectd_conf(vc, tmp, concurrency, True).replace("Interval 3600", "Interval 15")
    cd = Collectd(conf, interval=60, extra_plugins=(), prometheus=False)
    try:
        us = Unixsock(tmp)
        last_cycles = 0
        prev = {"requests": 0, "bytes_received": 0}
        cd_cpu, vc_cpu = proc_cpu(cd.pid), proc_cpu(vc.pid)
        for r in range(rounds):
            cd.wait_for(lambda: (us.get("bench", "read_cycles") or 0) > last_cycles, 600,
                        interval=0.05, what="round %d" % r)
            now_cd, now_vc = proc_cpu(cd.pid), proc_cpu(vc.pid)
            row = {k: us.get("bench", k) for k in ("read_cycles", "read_seconds", "read_cpu_seconds",
                                                   "values", "requests", "bytes_received")}
            last_cycles = row["read_cycles"]
            row["requests_round"] = row["requests"] - prev["requests"]
            row["bytes_round"] = row["bytes_received"] - prev["bytes_received"]
            prev = row
            row["collectd_cpu"] = now_cd - cd_cpu
            row["vcsim_cpu"] = now_vc - vc_cpu
            cd_cpu, vc_cpu = now_cd, now_vc
            row["us_per_value"] = 1e6 * row["read_cpu_seconds"] / max(row["values"], 1)
            results.append(row)
            print("  plugin round %d: %s" % (r, json.dumps({k: round(v, 4) for k, v in row.items()})),
                  file=sys.stderr, flush=True)
        peak_kb = proc_status(cd.pid, "VmHWM")
    finally:
        cd.close()
    return results, peak_kb


def collectd_peak_without_plugin(vc, seconds=5):
    tmp = os.path.join(vc.tmp, "bench-sock0")
    cd = Collectd(collectd_conf(vc, tmp, 1, False), interval=1, prometheus=False)
    try:
        time.sleep(seconds)
        return proc_status(cd.pid, "VmHWM")
    finally:
        cd.close()


def run_baseline(vc, rounds, concurrency, batch):
    exe = os.path.join(HERE, "bin", "baseline")
    cmd = [exe, "-url", vc.url, "-user", "user", "-password", "pass", "-rounds", str(rounds),
           "-concurrency", str(concurrency), "-batch", str(batch), "-interval", "15s"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = []
    vc_cpu = proc_cpu(vc.pid)
    for line in p.stdout:
        line = line.strip()
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        now = proc_cpu(vc.pid)
        row["vcsim_cpu"] = now - vc_cpu
        vc_cpu = now
        row["us_per_value"] = 1e6 * row["cpu_s"] / max(row["values"], 1)
        results.append(row)
        print("  baseline round %d: %s" % (row["round"], json.dumps(row)), file=sys.stderr, flush=True)
    err = p.stderr.read()
    if p.wait() != 0:
        raise RuntimeError("baseline failed: %s" % err)
    return results


def summary(size, plugin, baseline, peak_with, peak_without):
    # the first round includes login, catalog and inventory: report the rest
    steady = plugin[1:] or plugin
    bsteady = baseline[1:] or baseline
    avg = lambda rows, k: sum(r[k] for r in rows) / len(rows)  # noqa: E731
    p_us, b_us = avg(steady, "us_per_value"), avg(bsteady, "us_per_value")
    out = {
        "vms": size,
        "plugin_values": avg(steady, "values"),
        "baseline_values": avg(bsteady, "values"),
        "plugin_wall_s": avg(steady, "read_seconds"),
        "baseline_wall_s": avg(bsteady, "wall_s"),
        "plugin_cpu_s": avg(steady, "read_cpu_seconds"),
        "collectd_cpu_s": avg(steady, "collectd_cpu"),
        "baseline_cpu_s": avg(bsteady, "cpu_s"),
        "plugin_us_per_value": p_us,
        "baseline_us_per_value": b_us,
        "cpu_ratio_baseline_over_plugin": b_us / p_us if p_us else None,
        "vcsim_cpu_s_plugin_round": avg(steady, "vcsim_cpu"),
        "vcsim_cpu_s_baseline_round": avg(bsteady, "vcsim_cpu"),
        "plugin_requests": avg(steady, "requests_round"),
        "baseline_requests": avg(bsteady, "requests"),
        "plugin_bytes": avg(steady, "bytes_round"),
        "first_round_plugin_wall_s": plugin[0]["read_seconds"],
        "first_round_plugin_cpu_s": plugin[0]["read_cpu_seconds"],
        "peak_rss_kb_with_plugin": peak_with,
        "peak_rss_kb_without_plugin": peak_without,
        "rss_delta_mb": (peak_with - peak_without) / 1024.0,
    }
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--batch", type=int, default=250)
    a = ap.parse_args()
    results = []
    for size in [int(s) for s in a.sizes.split(",")]:
        print("== %d VMs" % size, file=sys.stderr, flush=True)
        with Vcsim(startup_timeout=600, **SIZES[size]) as vc:
            peak_without = collectd_peak_without_plugin(vc)
            plugin, peak_with = run_plugin(vc, a.rounds, a.concurrency)
            baseline = run_baseline(vc, a.rounds, a.concurrency, a.batch)
            s = summary(size, plugin, baseline, peak_with, peak_without)
            results.append(s)
            print(json.dumps(s, indent=1), flush=True)
    print("\n| VMs | values/round plugin (baseline) | plugin CPU µs/value | baseline CPU µs/value | ratio |"
          " wall s plugin (baseline) | vcsim CPU s/round plugin (baseline) | requests plugin (baseline) |"
          " RSS MB with / without plugin |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in results:
        print("| %d | %d (%d) | %.2f | %.2f | %.1fx | %.2f (%.2f) | %.2f (%.2f) | %d (%d) | %.1f / %.1f |" % (
            s["vms"], s["plugin_values"], s["baseline_values"], s["plugin_us_per_value"],
            s["baseline_us_per_value"], s["cpu_ratio_baseline_over_plugin"] or 0,
            s["plugin_wall_s"], s["baseline_wall_s"], s["vcsim_cpu_s_plugin_round"],
            s["vcsim_cpu_s_baseline_round"], s["plugin_requests"], s["baseline_requests"],
            s["peak_rss_kb_with_plugin"] / 1024.0, s["peak_rss_kb_without_plugin"] / 1024.0))


if __name__ == "__main__":
    main()
