#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""collectd-vsphere: the whole pipeline at scale (vcsim -> collectd with the
plugin -> one writer -> a real backend), measured from collectd's start.

  bench/pipeline.py [--vms 1000[,3000,...]] [--writer prometheus|graphite|influxdb|none[,...]]
                    [--shards N] [--timeout T] [--write-queue-limit-high H]
                    [--write-queue-limit-low L] [--write-threads W]
                    [--max-new-series K] [--plugin-option "Key value"]...
                    [--vcenters M] [--interval S] [--env NAME=VALUE]...
                    [--max-wait 600] [--steady-intervals 6] [--label TEXT]

--vcenters M starts M vcsims of --vms VMs each, and every collectd gets one
<Vcenter> block per vcsim (bench1..benchM): several vCenters in one process;
the per-vCenter series and read times are in the JSON ("per_vcenter").

Each run (one per --vms x --writer):
  * vcsim with the inventory (-dc 1 -cluster VMS/1000 -cluster-host 18
    -host 0 -vm 1000; fewer than 1,000 VMs: one cluster of that many), its
    TMPDIR on /dev/shm (tests/harness.py's Vcsim); one vcsim per size,
    shared by that size's runs;
  * N collectd processes (--shards N, default 1), `Interval 20` globally and
    in the plugin, default plugin configuration (plus `Shard "k/N"`,
    `MaxNewSeries`, --plugin-option lines), collectd's own counters on
    (`CollectInternalStats true`: write-queue length, dropped values, cache
    size) and the unixsock plugin (the harness's Collectd class: logfile
    plugin, free loopback ports);
  * ONE writer per run:
      prometheus  write_prometheus in each collectd (its own port); this
                  script scrapes every target's /metrics every 20 s (at
                  half an interval after collectd's start, so the newest
                  sample is about 10 s old when nothing waits) like
                  Prometheus would; visible = lines collectd_vsphere_*
                  except collectd_vsphere_self_*, summed over the targets;
                  a target not answering within --scrape-timeout counts 0
                  for that poll (Prometheus would mark it down);
      graphite    write_graphite (TCP) to a real carbon-cache
                  (backends.CarbonCache); visible = whisper files of the
                  plugin (<host>/vsphere-*/<type>*.wsp, self_* left out);
                  fresh = realtime files written within the last 3
                  intervals, per realtime value of the plugin's latest read;
      influxdb    the network plugin to a real InfluxDB 1.x
                  (backends.InfluxDB with collectd.conf.d/vsphere-types.db);
                  visible = SHOW SERIES EXACT CARDINALITY of vsphere_value
                  without type =~ ^self_; fresh = realtime points stamped
                  in the window [now-3 intervals, now-2 intervals) per
                  realtime value of the plugin's latest read;
      none        no writer (a reference for collectd's and the plugin's
                  own CPU and memory); visible = the plugin's series in
                  collectd's cache (unixsock LISTVAL).

Series the plugin dispatches ("target"), per poll and summed over the
shards, read through unixsock: self_values (values of its latest read: one
per realtime series that had a value, plus any 300 s samples of clusters
and datastores; with --interval above 20 s, self_series instead, as a read
then brings several samples of a series) plus its state series (power, connection, capacity, ...:
one pass of self_state_values, a running total that grows by that count
at every state pass). self_series (the perf series the plugin tracks) is
reported too, but is no target: stock vcsim leaves zero values out of
its answers (Go's omitempty), so some counters have no value for minutes,
in blocks of one counter of every VM, and are tracked without being
dispatched (the runs in bench/results were measured so; tests/vcsim now
keeps the zeros, which makes self_series and the target agree). The self_ values travel through the same FIFO write queue
after their read's values, so when they are visible their read's values
have reached the writer. Both move with vcsim's zero flips (one counter of
every VM, ~4 % of the series, comes and goes) and a read may bring two
samples of a series, so a poll is complete when the writer shows visible
>= (1 - --tolerance, default 0.05) x target and self_series is not above
its highest earlier value (the plugin is not introducing series, e.g. no
MaxNewSeries pacing under way; an inventory refresh drops it for a read).
The run has converged at the first complete poll ("dips": later polls
showing less than (1 - tolerance) x target, or a failed scrape); it stops
once complete polls lasted --steady-intervals + 1 intervals in a row, or
counts as "diverged" if no such stretch was under way after --max-wait
seconds (the maximum visible is reported then). write_graphite and
InfluxDB keep what they stored, so there visible only grows: the fresh
ratios say whether values keep coming.

Reported per run (markdown row on stdout and appended to
bench/results/pipeline.md; everything incl. the per-poll timeline in the
JSON file, default bench/results/pipeline-<UTC time>.json):
  self_series; self_values + state series = target; converged after s and
  the lowest visible/target after it (or "diverged" with the max visible);
  dips; collectd CPU in % of one core (and s per interval; per shard)
  over the window from one interval after convergence to the end (>= 3
  intervals; the last 3 intervals if it diverged), summed over shards;
  vcsim's, the backend's and the other processes' CPU (the machine is
  shared) in the same window; VmHWM (peak) and VmRSS (steady, at the end)
  summed over shards, RSS growth over the window with the growth of
  collectd's cache entries, bytes of RSS per cache entry (every series
  collectd holds: the plugin's, self_ and internal ones); write-queue
  length at collectd's internal-stats reads (max in the window and over
  the run) and dropped values per second; prometheus: /metrics scrape time
  (slowest target per poll: median and max in the window) and the age of
  the newest realtime sample at scrape time (scrape time minus the max
  timestamp of the collectd_vsphere_{vm,host}_* realtime series, worst
  target per poll: ~interval/2 when the write queue keeps up, growing
  without bound when values wait), with the oldest realtime sample's age;
  graphite/influxdb: fresh ratios (min / median).

Every wait is bounded; every process is started on 127.0.0.1 and stopped
by PID (also on Ctrl-C / SIGTERM; harness kills leftovers at exit). The
machine is shared and noisy: compare ratios measured in one run; the load
of other processes is in every row.
"""
import argparse
import contextlib
import datetime
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402
import backends  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")
VCENTER = "bench"
ROLLUPS = ("_average", "_summation", "_latest", "_maximum", "_minimum", "_none")
ROLLUPS_B = tuple(r.encode() for r in ROLLUPS)
RT_PREFIX_B = (b"collectd_vsphere_vm_", b"collectd_vsphere_host_")


def shape(vms):
    """vcsim flags for a VM count: clusters of 1,000 VMs and 18 hosts."""
    if vms >= 1000:
        if vms % 1000:
            raise SystemExit("--vms: a multiple of 1000 (or fewer than 1000)")
        return dict(dc=1, cluster=vms // 1000, cluster_host=18, host=0, vm=1000)
    return dict(dc=1, cluster=1, cluster_host=18, host=0, vm=vms)


# --------------------------------------------------------------------------
# /proc

def proc_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK
    except (OSError, IndexError, ValueError):
        return None


def proc_status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def system_cpu():
    """(busy, total) seconds of all CPUs since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / CLK, sum(v[:8]) / CLK


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def self_cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# --------------------------------------------------------------------------
# collectd

class Shard:
    """One collectd process (shard k of n)."""

    def __init__(self, k, n, vcs, a, writer_conf, sockdir, prometheus):
        self.k, self.n = k, n
        self.vcenters = vcenter_names(len(vcs))
        self.host = "pipeline-%d" % k
        self.sock = os.path.join(sockdir, "us%d" % k)
        # GETVAL answers a counter (DERIVE) with its rate; the bench reads
        # the running totals of these two, so it declares them gauges (the
        # plugin sends a total as its type's data set says).
        totals_db = os.path.join(sockdir, "totals%d.db" % k)
        with open(totals_db, "w") as f:
            f.write("self_state_values value:GAUGE:U:U\nself_read_cycles value:GAUGE:U:U\n")
        lines = ["CollectInternalStats true", 'TypesDB "%s"' % totals_db]
        if a.write_queue_limit_high is not None:
            lines.append("WriteQueueLimitHigh %d" % a.write_queue_limit_high)
        if a.write_queue_limit_low is not None:
            lines.append("WriteQueueLimitLow %d" % a.write_queue_limit_low)
        if a.write_threads is not None:
            lines.append("WriteThreads %d" % a.write_threads)
        lines += ["LoadPlugin unixsock", "<Plugin unixsock>", '  SocketFile "%s"' % self.sock,
                  "</Plugin>", writer_conf, "LoadPlugin vsphere", "<Plugin vsphere>"]
        for name, vc in zip(self.vcenters, vcs):
            lines += ['  <Vcenter "%s">' % name,
                      '    URL "%s"' % vc.url, '    User "%s"' % vc.user,
                      '    Password "%s"' % vc.password, "    Interval %g" % a.interval]
            if n > 1:
                lines.append('    Shard "%d/%d"' % (k, n))
            if a.max_new_series is not None:
                lines.append("    MaxNewSeries %d" % a.max_new_series)
            lines += ["    " + o for o in a.plugin_option]
            lines.append("  </Vcenter>")
        lines += ["</Plugin>", ""]
        self.cd = Collectd("\n".join(lines), interval=a.interval, timeout=a.timeout,
                           hostname=self.host, prometheus=prometheus, start=False,
                           startup_timeout=60.0)
        self.state_pass = None   # state values of one pass (min increment seen)
        self.last_state_total = None
        self.env = dict(e.split("=", 1) for e in a.env)

    def start(self):
        """Starts collectd with --env on top of this script's environment."""
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            self.cd.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @property
    def pid(self):
        return self.cd.pid

    def getval(self, ident):
        try:
            st, lines = backends.unixsock_command(self.sock, 'GETVAL "%s"' % ident, timeout=10)
        except (OSError, ValueError, backends.BackendError):
            return None
        if st < 1 or not lines or "=" not in lines[0]:
            return None
        try:
            return float(lines[0].split("=", 1)[1])
        except ValueError:
            return None

    def plugin_stats(self):
        """The plugin's self_ values, summed over this process' vCenters
        (per vCenter in out["per_vcenter"])."""
        h = self.host
        out = {}
        per = {}
        for k in ("series", "state_values", "read_seconds", "read_cycles", "values",
                  "inventory_vms", "inventory_hosts", "tracking_bytes"):
            vals = [self.getval("%s/vsphere-%s/self_%s" % (h, name, k)) for name in self.vcenters]
            for name, v in zip(self.vcenters, vals):
                per.setdefault(name, {})[k] = v
            out[k] = None if any(v is None for v in vals) else sum(vals)
        if len(self.vcenters) > 1:
            out["per_vcenter"] = per
        out["queue_length"] = self.getval("%s/collectd-write_queue/queue_length" % h)
        out["dropped"] = self.getval("%s/collectd-write_queue/derive-dropped" % h)
        out["cache_size"] = self.getval("%s/collectd-cache/cache_size" % h)
        # one state pass: the first total seen, then the smallest increment
        tot = out["state_values"]
        if tot is not None:
            if self.last_state_total is None:
                self.state_pass = tot if tot > 0 else None
            elif tot > self.last_state_total:
                inc = tot - self.last_state_total
                self.state_pass = inc if self.state_pass is None else min(self.state_pass, inc)
            self.last_state_total = tot
        out["state_pass"] = self.state_pass
        return out

    def close(self):
        try:
            self.cd.close()
        except AssertionError as e:  # memory errors reported by the harness
            print("  collectd %s: %s" % (self.host, str(e)[:300]), file=sys.stderr)


# --------------------------------------------------------------------------
# writers: each counts what is visible in its backend

def parse_metrics(body, snapshot):
    """Counts of write_prometheus' page: visible series of the plugin,
    realtime ones, and the age of the newest/oldest realtime sample."""
    visible = rt = 0
    newest = oldest = None
    ages = []
    for line in body.split(b"\n"):
        if not line.startswith(b"collectd_vsphere_") or line.startswith(b"collectd_vsphere_self_"):
            continue
        visible += 1
        b = line.find(b"{")
        name = line[:b] if b >= 0 else line.split(b" ", 1)[0]
        if name.startswith(RT_PREFIX_B) and name.endswith(ROLLUPS_B):
            rt += 1
            tail = line[line.rfind(b"}") + 1:].split()
            if len(tail) > 1:
                ts = int(tail[1])
                ages.append(ts)
    if ages:
        newest = snapshot - max(ages) / 1000.0
        oldest = snapshot - min(ages) / 1000.0
        med = snapshot - statistics.median_low(ages) / 1000.0
    else:
        med = None
    return {"visible": visible, "rt_visible": rt, "newest_age": newest, "oldest_age": oldest,
            "median_age": med}


class PrometheusWriter:
    name = "prometheus"
    prometheus = True

    def __init__(self, a):
        self.a = a
        self.backend = None

    def collectd_conf(self, k):
        return ""  # the harness adds write_prometheus on its own port

    def _scrape(self, shard, out):
        url = "http://127.0.0.1:%d/metrics" % shard.cd.port
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=self.a.scrape_timeout + 20) as r:
                snapshot = time.time()  # headers come once the page is formatted
                body = r.read()
        except Exception as e:  # noqa: BLE001 - a failed scrape is data
            out[shard.k] = {"ok": False, "error": repr(e)[:200],
                            "scrape_s": time.monotonic() - t0}
            return
        dt = time.monotonic() - t0
        res = parse_metrics(body, snapshot)
        res.update(ok=dt <= self.a.scrape_timeout, scrape_s=dt, bytes=len(body))
        out[shard.k] = res

    def poll(self, shards):
        out = {}
        threads = [threading.Thread(target=self._scrape, args=(s, out)) for s in shards]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.a.scrape_timeout + 60)
        per = [out.get(s.k, {"ok": False, "error": "no answer"}) for s in shards]
        ok = all(p.get("ok") for p in per)
        res = {
            "ok": ok,
            "visible": sum(p.get("visible", 0) for p in per if p.get("ok")),
            "visible_raw": sum(p.get("visible", 0) for p in per),
            "rt_visible": sum(p.get("rt_visible", 0) for p in per),
            "scrape_s": max(p.get("scrape_s", 0) for p in per),
            "scrape_s_sum": sum(p.get("scrape_s", 0) for p in per),
            "bytes": sum(p.get("bytes", 0) for p in per),
            "errors": [p["error"] for p in per if "error" in p],
        }
        for k in ("newest_age", "oldest_age", "median_age"):
            v = [p[k] for p in per if p.get(k) is not None]
            res[k] = max(v) if v else None
        return res

    def close(self):
        pass


class GraphiteWriter:
    name = "graphite"
    prometheus = False

    def __init__(self, a):
        self.a = a
        self.backend = backends.CarbonCache(startup_timeout=60.0)

    def collectd_conf(self, k):
        return backends.write_graphite_config(self.backend)

    def poll(self, shards):
        visible = rt = fresh = 0
        now = time.time()
        horizon = now - 3 * self.a.interval
        root = self.backend.whisper_dir
        try:
            hosts = list(os.scandir(root))
        except OSError:
            hosts = []
        for h in hosts:
            if not h.is_dir():
                continue
            for p in os.scandir(h.path):
                if not (p.is_dir() and p.name.startswith("vsphere")):
                    continue
                for f in os.scandir(p.path):
                    n = f.name
                    if not n.endswith(".wsp") or n.startswith("self_"):
                        continue
                    visible += 1
                    t = n[:-4].split("-", 1)[0]
                    if t.startswith(("vm_", "host_")) and t.endswith(ROLLUPS):
                        rt += 1
                        try:
                            if f.stat().st_mtime >= horizon:
                                fresh += 1
                        except OSError:
                            pass
        return {"ok": True, "visible": visible, "rt_visible": rt, "rt_fresh": fresh,
                "poll_s": time.time() - now}

    def close(self):
        self.backend.close()


class InfluxWriter:
    name = "influxdb"
    prometheus = False
    RT = "type =~ /^(vm|host)_.*_(average|summation|latest|maximum|minimum|none)$/"

    def __init__(self, a):
        self.a = a
        self.backend = backends.InfluxDB(extra_types_db=[harness.VSPHERE_TYPES_DB],
                                         startup_timeout=60.0)

    def collectd_conf(self, k):
        return backends.network_config(self.backend)

    def _count(self, q):
        try:
            res = self.backend.query(q)
        except (backends.BackendError, OSError) as e:
            if "database not found" in str(e):
                return 0
            return None
        for s in res:
            if s["values"]:
                return int(s["values"][0][-1])
        return 0

    def poll(self, shards):
        t0 = time.time()
        iv = self.a.interval
        visible = self._count("SHOW SERIES EXACT CARDINALITY FROM vsphere_value "
                              "WHERE type !~ /^self_/")
        rt = self._count("SHOW SERIES EXACT CARDINALITY FROM vsphere_value WHERE " + self.RT)
        fresh = self._count("SELECT count(value) FROM vsphere_value WHERE %s AND time >= now() - %ds "
                            "AND time < now() - %ds" % (self.RT, 3 * iv, 2 * iv))
        return {"ok": visible is not None, "visible": visible or 0, "rt_visible": rt,
                "rt_fresh": fresh, "poll_s": time.time() - t0}

    def close(self):
        self.backend.close()


class NoWriter:
    """No writer at all (a reference: collectd's cache and the plugin
    alone); visible = the plugin's series in collectd's cache (LISTVAL)."""
    name = "none"
    prometheus = False

    def __init__(self, a):
        self.a = a
        self.backend = None

    def collectd_conf(self, k):
        return ""

    def poll(self, shards):
        visible, ok = 0, True
        for s in shards:
            try:
                st, lines = backends.unixsock_command(s.sock, "LISTVAL", timeout=60)
            except (OSError, ValueError, backends.BackendError):
                ok = False
                continue
            for line in lines:
                parts = line.split(" ", 1)[-1].split("/")
                if len(parts) == 3 and parts[1].startswith("vsphere") and \
                        not parts[2].startswith("self_"):
                    visible += 1
        return {"ok": ok, "visible": visible}

    def close(self):
        pass


WRITERS = {"prometheus": PrometheusWriter, "graphite": GraphiteWriter, "influxdb": InfluxWriter,
           "none": NoWriter}


# --------------------------------------------------------------------------
# one run

def variant_label(a):
    parts = []
    if a.vcenters > 1:
        parts.append("%d vCenters" % a.vcenters)
    if a.interval != 20:
        parts.append("Interval %g" % a.interval)
    if a.shards > 1:
        parts.append("%d shards" % a.shards)
    if a.timeout != 2:
        parts.append("Timeout %d" % a.timeout)
    if a.write_queue_limit_high is not None:
        parts.append("WriteQueueLimitHigh %d" % a.write_queue_limit_high)
    if a.write_queue_limit_low is not None:
        parts.append("WriteQueueLimitLow %d" % a.write_queue_limit_low)
    if a.write_threads is not None:
        parts.append("WriteThreads %d" % a.write_threads)
    if a.max_new_series is not None:
        parts.append("MaxNewSeries %d" % a.max_new_series)
    parts += a.plugin_option
    parts += a.env
    return ", ".join(parts) or "defaults"


def vcenter_names(n):
    """<Vcenter> block names: "bench", or bench1..benchN for --vcenters N."""
    return [VCENTER] if n == 1 else ["%s%d" % (VCENTER, i) for i in range(1, n + 1)]


def run_one(vcs, vms, writer_name, a, results):
    """One run: collectd process(es) with one <Vcenter> block per vcsim in
    vcs (each of `vms` VMs) and one writer; its result joins `results` at
    once, so an interrupted run is saved too."""
    print("== %d VMs, %s, %s" % (vms, writer_name, variant_label(a)), file=sys.stderr, flush=True)
    sockdir = tempfile.mkdtemp(prefix="pipeline-")
    writer = None
    shards = []
    timeline = []
    result = {"vms": vms * len(vcs), "hosts": sum(vc.expected_hosts for vc in vcs),
              "vcenters": len(vcs), "vms_per_vcenter": vms, "writer": writer_name,
              "variant": a.label or variant_label(a), "shards": a.shards,
              "settings": {"interval": a.interval, "timeout": a.timeout,
                           "write_queue_limit_high": a.write_queue_limit_high,
                           "write_queue_limit_low": a.write_queue_limit_low,
                           "write_threads": a.write_threads, "max_new_series": a.max_new_series,
                           "plugin_options": a.plugin_option, "env": a.env},
              "max_wait_s": a.max_wait, "steady_intervals": a.steady_intervals,
              "tolerance": a.tolerance,
              "loadavg_start": loadavg(), "status": "running"}
    results.append(result)
    try:
        writer = WRITERS[writer_name](a)
        shards = [Shard(k, a.shards, vcs, a, writer.collectd_conf(k), sockdir, writer.prometheus)
                  for k in range(1, a.shards + 1)]
        t0 = time.monotonic()
        result["started_at"] = time.time()
        for s in shards:
            s.start()
        result["startup_s"] = time.monotonic() - t0
        iv = a.interval
        hard_stop = t0 + a.max_wait + (a.steady_intervals + 2) * iv
        next_poll = t0 + iv / 2.0
        stretch = 0          # polls in the current converged stretch
        top_series = None
        while True:
            now = time.monotonic()
            if now >= hard_stop:
                break
            if next_poll > now:
                time.sleep(min(next_poll - now, hard_stop - now))
            while next_poll <= time.monotonic():
                next_poll += iv
            for s in shards:
                if not s.cd.alive():
                    raise RuntimeError("collectd %s died:\n%s" % (s.host, s.cd.log()[-3000:]))
            pt = time.monotonic()
            row = {"t": round(pt - t0, 2)}
            row["cpu"] = [proc_cpu(s.pid) for s in shards]
            row["rss_kb"] = [proc_status(s.pid, "VmRSS") for s in shards]
            row["hwm_kb"] = [proc_status(s.pid, "VmHWM") for s in shards]
            vc_cpu = [proc_cpu(vc.pid) for vc in vcs]
            row["vcsim_cpu"] = None if None in vc_cpu else sum(vc_cpu)
            if writer.backend is not None:
                row["backend_cpu"] = proc_cpu(writer.backend.pid)
                row["backend_rss_kb"] = proc_status(writer.backend.pid, "VmRSS")
            row["self_cpu"] = self_cpu()
            row["sys_busy"], row["sys_total"] = system_cpu()
            # the plugin's numbers first: whatever they count has gone
            # through the write queue before the backend is looked at
            stats = [s.plugin_stats() for s in shards]
            row["plugin"] = stats
            row.update(writer.poll(shards))

            def total(key):
                vals = [st[key] for st in stats]
                return None if any(v is None for v in vals) else sum(vals)
            row["self_series"] = total("series")
            row["self_values"] = total("values")
            row["state_series"] = total("state_pass")
            # an interval longer than vCenter's 20 s brings several samples of
            # a series per read: count series then (tracked ones: each had a
            # sample; vcsim's zero flips keep a few percent without a value)
            per_read = row["self_values"] if a.interval <= 20 else row["self_series"]
            row["target"] = None if per_read is None or row["state_series"] is None \
                else int(per_read + row["state_series"])
            row["queue_length"] = total("queue_length")
            row["dropped"] = total("dropped")
            row["cache_size"] = total("cache_size")
            tgt = row["target"]
            row["ratio"] = row["visible"] / tgt if tgt else None
            good = complete(row, a.tolerance, top_series)
            if row["self_series"] is not None:
                top_series = max(top_series or 0, row["self_series"])
            row["converged"] = good
            stretch = stretch + 1 if good else 0
            timeline.append(row)
            print("  t=%4.0fs visible %7s/%-7s (values %s + state %s; self_series %s) cpu %s "
                  "rss %s MB queue %s%s%s" % (
                      row["t"], row["visible"], tgt, row["self_values"], row["state_series"],
                      row["self_series"],
                      "/".join("%.0f" % c for c in row["cpu"] if c is not None),
                      "%.0f" % (sum(r or 0 for r in row["rss_kb"]) / 1024.0),
                      row["queue_length"],
                      " scrape %.2fs newest %.1fs" % (row["scrape_s"], row["newest_age"])
                      if row.get("newest_age") is not None else "",
                      " fresh %s/%s" % (row.get("rt_fresh"), row.get("rt_visible"))
                      if "rt_fresh" in row else ""),
                  file=sys.stderr, flush=True)
            if stretch >= a.steady_intervals + 2:
                break
            if stretch == 0 and pt - t0 >= a.max_wait:
                break
        # peak RSS at the end, before anything stops
        result["hwm_kb_end"] = [proc_status(s.pid, "VmHWM") for s in shards]
        result["rss_kb_end"] = [proc_status(s.pid, "VmRSS") for s in shards]
        result["status"] = "done"
    except KeyboardInterrupt:
        result["status"] = "interrupted"
        raise
    except Exception as e:  # noqa: BLE001 - recorded, next run goes on
        result["status"] = "error: %s" % str(e)[:2000]
        print("  run failed: %s" % str(e)[:2000], file=sys.stderr, flush=True)
    finally:
        result["loadavg_end"] = loadavg()
        result["timeline"] = timeline
        for s in shards:
            s.close()
        if writer is not None:
            writer.close()
        harness._rmtree(sockdir)
        summarize(result)
    return result


def complete(r, tol, top):
    """A poll in which every series is visible: visible >= (1 - tol) x
    target, and the plugin is not introducing new series (self_series not
    above its highest value before: no MaxNewSeries pacing under way; an
    inventory refresh may drop it for a read, regrowing to it is no news)."""
    tgt, ss = r.get("target"), r.get("self_series")
    return bool(r.get("ok") and tgt and r["visible"] >= (1 - tol) * tgt and
                ss is not None and top is not None and ss <= top)


def _window(timeline, result, a):
    """Polls of the steady window: from one interval after convergence to the
    end (>= 3 intervals), else the last 4 polls (3 intervals)."""
    if result.get("converged_index") is not None:
        w = timeline[result["converged_index"] + 1:]
        if len(w) >= 4:
            return w, True
    return timeline[-4:], False


def summarize(result):
    tl = result["timeline"]
    if not tl:
        return
    last = tl[-1]

    def latest(key):  # a backed-up queue lets collectd's cache expire self_ values
        return next((r[key] for r in reversed(tl) if r.get(key) is not None), None)
    target = latest("target")
    result["target"] = target
    result["self_series"] = latest("self_series")
    result["self_values"] = latest("self_values")
    result["state_series"] = latest("state_series")
    result["visible_end"] = last.get("visible")
    result["visible_max"] = max((r.get("visible_raw", r.get("visible")) or 0) for r in tl)
    # complete polls, again from the raw numbers (--report may change the tolerance)
    tol = result.get("tolerance", 0.05)
    top = None
    for r in tl:
        tgt, ss = r.get("target"), r.get("self_series")
        r["ratio"] = r["visible"] / tgt if tgt else None
        r["converged"] = complete(r, tol, top)
        if ss is not None:
            top = ss if top is None else max(top, ss)
    # converged: the first complete poll; dips: later polls in which the
    # backend showed less than (1 - tolerance) x target (or a scrape failed)
    fi = next((k for k, r in enumerate(tl) if r.get("converged")), None)
    result["converged_index"] = fi
    result["converged_s"] = None if fi is None else tl[fi]["t"]
    if fi is not None:
        result["dips_after_first_complete"] = sum(
            1 for r in tl[fi:] if not r.get("ok") or not r.get("target") or
            r["visible"] < (1 - tol) * r["target"])
    w, steady = _window(tl, result, None)
    result["window_steady"] = steady
    result["window"] = [w[0]["t"], w[-1]["t"]]
    if len(w) >= 2:
        dt = w[-1]["t"] - w[0]["t"]
        result["window_s"] = dt

        def d(key):
            a0, a1 = w[0].get(key), w[-1].get(key)
            if isinstance(a0, list):
                if any(x is None for x in a0 + a1):
                    return None
                return sum(a1) - sum(a0)
            return None if a0 is None or a1 is None else a1 - a0
        cd = d("cpu")
        result["collectd_cpu_pct"] = 100.0 * cd / dt if cd is not None else None
        iv = result.get("settings", {}).get("interval", 20.0)
        result["collectd_cpu_s_per_interval"] = cd / dt * iv if cd is not None else None
        result["collectd_cpu_pct_per_shard"] = [
            100.0 * (w[-1]["cpu"][k] - w[0]["cpu"][k]) / dt
            if w[-1]["cpu"][k] is not None and w[0]["cpu"][k] is not None else None
            for k in range(len(w[0]["cpu"]))]
        vcpu = d("vcsim_cpu")
        result["vcsim_cpu_pct"] = 100.0 * vcpu / dt if vcpu is not None else None
        bcpu = d("backend_cpu")
        result["backend_cpu_pct"] = 100.0 * bcpu / dt if bcpu is not None else None
        scpu = d("self_cpu")
        result["script_cpu_pct"] = 100.0 * scpu / dt if scpu is not None else None
        busy, tot = d("sys_busy"), d("sys_total")
        result["machine_busy_pct"] = 100.0 * busy / dt if busy is not None else None
        result["machine_cores"] = round(tot / dt) if tot else None
        ours = sum(x for x in (cd, vcpu, bcpu, scpu) if x is not None)
        result["others_cpu_pct"] = 100.0 * (busy - ours) / dt if busy is not None else None
        r0 = sum(x or 0 for x in w[0]["rss_kb"])
        r1 = sum(x or 0 for x in w[-1]["rss_kb"])
        result["rss_growth_kb"] = r1 - r0
        c0, c1 = w[0].get("cache_size"), w[-1].get("cache_size")
        result["cache_growth"] = c1 - c0 if c0 is not None and c1 is not None else None
    result["rss_kb_steady"] = sum(x or 0 for x in result.get("rss_kb_end") or last["rss_kb"])
    result["hwm_kb"] = sum(x or 0 for x in result.get("hwm_kb_end") or last["hwm_kb"])
    # per series collectd holds (its cache entries: the plugin's, self_ and internal ones)
    result["cache_size_end"] = latest("cache_size")
    n = result["cache_size_end"] or target
    result["bytes_per_series"] = 1024.0 * result["rss_kb_steady"] / n if n else None
    qs = [r["queue_length"] for r in w if r.get("queue_length") is not None]
    result["queue_max_window"] = max(qs) if qs else None
    qa = [r["queue_length"] for r in tl if r.get("queue_length") is not None]
    result["queue_max_run"] = max(qa) if qa else None
    result["dropped_end"] = latest("dropped")
    for r in tl:
        if r.get("rt_fresh") is not None and r.get("self_values"):
            r["fresh_ratio"] = r["rt_fresh"] / r["self_values"]
    for key in ("scrape_s", "newest_age", "oldest_age", "median_age", "fresh_ratio", "ratio"):
        v = [r[key] for r in w if r.get(key) is not None]
        if v:
            result[key + "_median"] = statistics.median(v)
            result[key + "_max"] = max(v)
            result[key + "_min"] = min(v)
    # several vCenters: each one's series and read time (median over the window)
    per = {}
    for r in w:
        for st in r.get("plugin") or []:
            for name, v in (st.get("per_vcenter") or {}).items():
                per.setdefault(name, []).append(v)
    if per:
        result["per_vcenter"] = {
            name: {k: statistics.median([v[k] for v in vs if v.get(k) is not None])
                   for k in ("series", "values", "read_seconds", "inventory_vms", "tracking_bytes")
                   if any(v.get(k) is not None for v in vs)}
            for name, vs in per.items()}
    sa = [r["scrape_s"] for r in tl if r.get("scrape_s") is not None]
    result["scrape_s_max_run"] = max(sa) if sa else None
    result["scrape_failures"] = sum(1 for r in tl if not r.get("ok"))


# --------------------------------------------------------------------------
# output

HEADER = ("| VMs (hosts) | writer | variant | self_series; values of a read + state series = target | converged after"
          " (max visible) | dips after | collectd CPU % of a core (s per interval; per shard) |"
          " vcsim / backend / others CPU % | RSS peak / steady MB | RSS growth in window |"
          " B RSS per cache entry | cache entries | queue max window (run); dropped/s |"
          " scrape s median / max | newest sample age s median / max (oldest) | fresh realtime / values of a read, min / median |"
          " window s | load 1m start/end |")
SEP = "|" + "---|" * (HEADER.count("|") - 1)


def fmt(v, f="%.0f", none="-"):
    return none if v is None else f % v


def row_md(r):
    if r.get("converged_s") is not None:
        conv = "%.0f s (visible/target min %s)" % (r["converged_s"], fmt(r.get("ratio_min"), "%.3f"))
    elif r.get("status") != "done":
        conv = "%s (max %s)" % (r.get("status", "?")[:40], fmt(r.get("visible_max")))
    else:
        conv = "diverged in %d s (max %s, end %s)" % (
            r["max_wait_s"], fmt(r.get("visible_max")), fmt(r.get("visible_end")))
    steady = "" if r.get("window_steady") else " (not converged)"
    per_shard = r.get("collectd_cpu_pct_per_shard") or []
    cpu = "%s%s (%s s; %s)" % (fmt(r.get("collectd_cpu_pct"), "%.1f"), steady,
                               fmt(r.get("collectd_cpu_s_per_interval"), "%.2f"),
                               "/".join(fmt(x, "%.1f") for x in per_shard)) \
        if r.get("collectd_cpu_pct") is not None else "-"
    fresh = "%s / %s" % (fmt(r.get("fresh_ratio_min"), "%.3f"), fmt(r.get("fresh_ratio_median"), "%.3f")) \
        if r.get("fresh_ratio_min") is not None else "-"
    cells = [
        "%d (%d)" % (r["vms"], r["hosts"]),
        r["writer"],
        r["variant"],
        "%s; %s + %s = %s" % (fmt(r.get("self_series")), fmt(r.get("self_values")),
                              fmt(r.get("state_series")), fmt(r.get("target"))),
        conv,
        fmt(r.get("dips_after_first_complete")),
        cpu,
        "%s / %s / %s" % (fmt(r.get("vcsim_cpu_pct"), "%.1f"), fmt(r.get("backend_cpu_pct"), "%.1f"),
                          fmt(r.get("others_cpu_pct"), "%.1f")),
        "%s / %s" % (fmt(r.get("hwm_kb", 0) / 1024.0, "%.0f"),
                     fmt(r.get("rss_kb_steady", 0) / 1024.0, "%.0f")),
        "%s MB (cache %s entries)" % (
            fmt(None if r.get("rss_growth_kb") is None else r["rss_growth_kb"] / 1024.0, "%+.1f"),
            fmt(r.get("cache_growth"), "%+d")),
        fmt(r.get("bytes_per_series")),
        fmt(r.get("cache_size_end")),
        "%s (%s); %s" % (fmt(r.get("queue_max_window")), fmt(r.get("queue_max_run")),
                         fmt(r.get("dropped_end"))),
        "%s / %s" % (fmt(r.get("scrape_s_median"), "%.2f"), fmt(r.get("scrape_s_max"), "%.2f")),
        "%s / %s (%s)" % (fmt(r.get("newest_age_median"), "%.1f"), fmt(r.get("newest_age_max"), "%.1f"),
                          fmt(r.get("oldest_age_max"), "%.1f")),
        fresh,
        "%s-%s" % tuple(fmt(x) for x in r.get("window", [None, None])),
        "%.2f/%.2f" % (r["loadavg_start"][0], r.get("loadavg_end", [0])[0]),
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def save(results, path, a):
    os.makedirs(RESULTS, exist_ok=True)
    doc = {"argv": sys.argv, "args": vars(a), "host_cores": os.cpu_count(),
           "rows": [row_md(r) for r in results], "runs": results}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, default=str)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vms", default="1000", help="VM counts, comma-separated (1000, 3000, ...)")
    ap.add_argument("--writer", default="prometheus",
                    help="prometheus, graphite, influxdb (or none: no writer, a reference "
                         "for memory and CPU); comma-separated for several runs")
    ap.add_argument("--shards", type=int, default=1, help="collectd processes, Shard k/N each")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the collectd processes, e.g. MALLOC_ARENA_MAX=2")
    ap.add_argument("--vcenters", type=int, default=1,
                    help="vcsims of --vms VMs each, one <Vcenter> block each in every collectd")
    ap.add_argument("--interval", type=float, default=20.0, help="collectd's and the plugin's")
    ap.add_argument("--timeout", type=int, default=2, help="collectd's global Timeout")
    ap.add_argument("--write-queue-limit-high", type=int)
    ap.add_argument("--write-queue-limit-low", type=int)
    ap.add_argument("--write-threads", type=int)
    ap.add_argument("--max-new-series", type=int, help="the plugin's MaxNewSeries")
    ap.add_argument("--plugin-option", action="append", default=[],
                    help='extra line in the <Vcenter> block, e.g. "Concurrency 2"')
    ap.add_argument("--max-wait", type=float, default=600.0,
                    help="seconds to converge before a run counts as diverged")
    ap.add_argument("--steady-intervals", type=int, default=6,
                    help="intervals the converged state is watched (>= 3)")
    ap.add_argument("--tolerance", type=float, default=0.05,
                    help="a poll is complete when visible >= (1 - this) x target (vcsim flips "
                         "whole counters in and out: one counter of every VM is ~4%% of the "
                         "series; a read may carry two samples of a series)")
    ap.add_argument("--scrape-timeout", type=float, default=10.0,
                    help="a /metrics scrape slower than this counts as failed (Prometheus: 10 s)")
    ap.add_argument("--label", help="variant name in the table (default: from the options)")
    ap.add_argument("--out", help="JSON file (default bench/results/pipeline-<UTC time>.json)")
    ap.add_argument("--report", nargs="+", metavar="JSON",
                    help="only print the table of earlier runs' JSON files (summaries recomputed)")
    a = ap.parse_args()
    if a.report:
        print(HEADER + "\n" + SEP)
        for path in a.report:
            with open(path) as f:
                for r in json.load(f)["runs"]:
                    r.setdefault("tolerance", a.tolerance)
                    summarize(r)
                    print(row_md(r))
        return
    if a.steady_intervals < 3:
        ap.error("--steady-intervals must be >= 3")
    if a.shards < 1:
        ap.error("--shards must be >= 1")
    if a.vcenters < 1:
        ap.error("--vcenters must be >= 1")
    if any("=" not in e for e in a.env):
        ap.error("--env takes NAME=VALUE")
    writers = a.writer.split(",")
    for w in writers:
        if w not in WRITERS:
            ap.error("unknown writer %r" % w)
    sizes = [int(s) for s in a.vms.split(",")]
    stamp = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    out = a.out or os.path.join(RESULTS, "pipeline-%s.json" % stamp)

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    results = []
    try:
        for vms in sizes:
            print("== vcsim %d VMs: %s" % (vms, shape(vms)), file=sys.stderr, flush=True)
            t = time.monotonic()
            with contextlib.ExitStack() as stack:
                vcs = [stack.enter_context(Vcsim(startup_timeout=900, **shape(vms)))
                       for _ in range(a.vcenters)]
                print("   %d vcsim(s) up in %.0f s" % (len(vcs), time.monotonic() - t),
                      file=sys.stderr, flush=True)
                for w in writers:
                    r = run_one(vcs, vms, w, a, results)
                    save(results, out, a)
                    print(HEADER + "\n" + SEP + "\n" + row_md(r), flush=True)
    except KeyboardInterrupt:
        print("interrupted; processes stopped", file=sys.stderr, flush=True)
    finally:
        if results:
            save(results, out, a)
            md = os.path.join(RESULTS, "pipeline.md")
            new = not os.path.exists(md)
            with open(md, "a") as f:
                if new:
                    f.write(HEADER + "\n" + SEP + "\n")
                for r in results:
                    f.write(row_md(r) + "\n")
            print("\n" + HEADER + "\n" + SEP)
            for r in results:
                print(row_md(r))
            print("\nJSON: %s" % os.path.relpath(out, ROOT), flush=True)


if __name__ == "__main__":
    main()
