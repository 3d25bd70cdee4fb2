#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The plugin's values through collectd's writers into real backends
(Debian's, started by tests/backends.py), each against vcsim:

  * write_prometheus scraped by Prometheus with the shipped relabel stanza
    (collectd.conf.d/prometheus-vsphere.yml): exactly the VMs and hosts of
    the inventory, with vcenter/datacenter/cluster/vm (esxhost) labels,
    plausible values, stored at vCenter's sample times;
  * write_graphite into carbon-cache: a whisper file of
    vm_cpu_usage_average for exactly every VM, whose points are the values
    collectd got, at vCenter's sample times rounded down to the 10 s
    archive step (the csv plugin in the same collectd is the record of
    what was dispatched, with which time);
  * the network plugin into InfluxDB 1.x's collectd listener, given the
    plugin's collectd.conf.d/vsphere-types.db: measurement vsphere_value,
    type=vm_cpu_usage_average, tags host/instance for exactly every VM, at
    the sample times collectd got;
  * the example configurations collectd.conf.d/vsphere-*.conf and
    vsphere.conf: `collectd -T` with the URL and credentials of a vcsim
    and free loopback ports runs their read once, exit 0, no error line,
    and the writer really gets the values;
  * the manual page names every option that src/vs_config.c parses;
  * Prometheus' own linter (`promtool check metrics`) on /metrics with
    every kind collected: the plugin's names pass, its totals are
    counters (*_total); the lints left are camelCase in vSphere's own
    counter names, kept as vSphere spells them (README).

Usage: test_writers.py [-k SUBSTRING] [--quick]
"""
import glob
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT, Collectd, Vcsim, config_keys  # noqa: E402
from test_integration import plugin_errors, vsphere_block  # noqa: E402

VM_CPU = "collectd_vsphere_vm_cpu_usage_average"
HOST_CPU = "collectd_vsphere_host_cpu_usage_average"
CONF_D = os.path.join(REPO_ROOT, "collectd.conf.d")
RELABEL_EXAMPLE = os.path.join(CONF_D, "prometheus-vsphere.yml")
MAN_PAGE = os.path.join(REPO_ROOT, "docs", "collectd-vsphere.5")
# vcsim: 2 clusters of 2 hosts and a stand-alone host, 2 VMs each
INVENTORY = dict(dc=1, cluster=2, cluster_host=2, host=1, vm=2)


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def relabel_stanza():
    """The metric_relabel_configs list of the shipped example, as YAML."""
    text = open(RELABEL_EXAMPLE).read()
    block = text.split("metric_relabel_configs:", 1)[1]
    return "\n".join(l for l in block.splitlines() if l.strip())


def objects(vc, kind):
    """{name: inventory_full row} of one kind."""
    return {o["name"]: o for o in vc.inventory_full() if o["kind"] == kind}


def csv_rows(csv_dir, host, type_name):
    """[(time, value)] the csv plugin wrote for one series of the plugin:
    the record of what collectd got, with which time."""
    rows = []
    for path in glob.glob(os.path.join(csv_dir, host, "vsphere-*", type_name + "-2*")):
        with open(path) as f:
            for line in f:
                if line[:1].isdigit():
                    t, v = line.strip().split(",")[:2]
                    rows.append((float(t), float(v)))
    return sorted(rows)


def csv_config(csv_dir):
    return 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n  StoreRates false\n</Plugin>\n' % csv_dir


# ---------------------------------------------------------------------------
# Prometheus

def test_prometheus_with_relabel_stanza():
    import backends
    with Vcsim(**INVENTORY) as vc:
        vms, hosts = objects(vc, "vm"), objects(vc, "host")
        assert len(vms) == 6 and len(hosts) == 5, (vms, hosts)
        with Collectd(vsphere_block(vc, extra="Interval 2"), interval=1) as cd, \
                backends.Prometheus([cd.port], relabel_configs=relabel_stanza(),
                                    honor_labels=True, scrape_interval="2s") as prom:
            res = prom.wait_for_query(VM_CPU, lambda r: {x["metric"].get("vm") for x in r} == set(vms),
                                      timeout=90)
            now = time.time()
            assert len(res) == len(vms), res
            values = []
            for r in res:
                m, vm = r["metric"], r["metric"]["vm"]
                want = {"__name__": VM_CPU, "job": "collectd", "instance": vm, "vm": vm,
                        "vcenter": "sim", "datacenter": "DC0", "cluster": vms[vm]["cluster"],
                        "vsphere": "sim:DC0:%s" % vms[vm]["cluster"]}
                assert m == want, (m, want)
                values.append(float(r["value"][1]))
            # percent scaled from vSphere's hundredths: 0-100 plus vcsim's
            # gaussian noise (raw hundredths would be ~100x)
            assert all(0 <= v <= 200 for v in values), values
            assert statistics.median(values) <= 100, values
            res = prom.wait_for_query(HOST_CPU, lambda r: {x["metric"].get("esxhost") for x in r} == set(hosts),
                                      timeout=60)
            assert len(res) == len(hosts), res
            for r in res:
                m, h = r["metric"], r["metric"]["esxhost"]
                assert m.get("cluster") == hosts[h]["cluster"] and m.get("datacenter") == "DC0" \
                    and m.get("vcenter") == "sim" and m.get("instance") == h and "vm" not in m, m
                assert 0 <= float(r["value"][1]) <= 200, r
            power = prom.query("collectd_vsphere_vm_power_state")
            assert {(r["metric"]["vm"], r["value"][1]) for r in power} == {(v, "1") for v in vms}, power
            by_cluster = prom.query("count by (vcenter, datacenter, cluster) (%s)" % VM_CPU)
            assert sorted((r["metric"]["cluster"], r["value"][1]) for r in by_cluster) == \
                [("DC0_C0", "2"), ("DC0_C1", "2"), ("DC0_H0", "2")], by_cluster
            # stored at vCenter's sample times (write_prometheus exports
            # them, honor_timestamps keeps them): the newest sample of each
            # VM is recent, and Prometheus holds the very time collectd had
            exported = {m[1]["instance"]: m[3] for m in cd.metrics() if m[0] == VM_CPU}
            assert set(exported) == set(vms) and all(exported.values()), exported

            def stored_all():
                got = {}
                for labels, pts in prom.samples(VM_CPU, "5m"):
                    got[labels["vm"]] = {round(t * 1000) for t, _ in pts}
                return all(exported[v] in got.get(v, ()) for v in vms) and got
            stored = prom.wait_for(stored_all, 60, what="the exported sample times stored")
            for vm, times in stored.items():
                newest = max(times) / 1000.0
                assert now - 120 < newest < time.time() + 5, (vm, newest, now)
            up = prom.query('up{job="collectd"}')
            assert [r["value"][1] for r in up] == ["1"], up
            assert not plugin_errors(cd), plugin_errors(cd)


# ---------------------------------------------------------------------------
# Graphite

def slot(t):
    """The 10 s whisper slot of a collectd time as write_graphite sends it."""
    r = int(round(t))
    return r - r % 10


def test_graphite_whisper_every_vm_at_vcenter_times():
    import backends
    with Vcsim(**INVENTORY) as vc, backends.CarbonCache(retentions="10s:1d") as carbon:
        vms = objects(vc, "vm")
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = backends.write_graphite_config(carbon, EscapeCharacter="_") + csv_config(csv_dir) + \
            vsphere_block(vc, extra="Interval 2")
        want = {"%s.vsphere-sim_DC0_%s.vm_cpu_usage_average" % (vm, o["cluster"]): vm
                for vm, o in vms.items()}
        with Collectd(conf, interval=1) as cd:
            def enough():
                paths = {p for p in carbon.metric_paths() if p.endswith(".vm_cpu_usage_average")}
                if paths != set(want):
                    return False
                return all(len(carbon.fetch(p)) >= 2 for p in want)
            carbon.wait_for(enough, 120, interval=1)
            paths = {p for p in carbon.metric_paths() if p.endswith(".vm_cpu_usage_average")}
            assert paths == set(want), (sorted(paths), sorted(want))
            # the hosts too, under their own names
            hosts = objects(vc, "host")
            hpaths = {p.split(".")[0] for p in carbon.metric_paths()
                      if p.endswith(".host_cpu_usage_average")}
            assert hpaths == set(hosts), (hpaths, set(hosts))
            time.sleep(3)    # the last points out of carbon's cache
            checked = 0
            for path, vm in sorted(want.items()):
                points = carbon.fetch(path)
                rows = csv_rows(csv_dir, vm, "vm_cpu_usage_average")
                assert len(points) >= 2 and rows, (path, points, rows)
                for wt, wv in points:
                    # write_graphite sends whole seconds (rounded), whisper
                    # keeps the 10 s slot they fall in
                    match = [(t, v) for t, v in rows
                             if abs(slot(t) - wt) <= 1 and abs(v - wv) < 1e-3]
                    assert match, ("a whisper point collectd never had at that time", path, (wt, wv), rows)
                    checked += 1
                # and every sample collectd had (flushed by now) is there,
                # in its 10 s slot
                slots = {wt for wt, _ in points}
                for t, v in rows:
                    if t < time.time() - 10 and t > points[0][0] - 1:
                        assert any(abs(slot(t) - s) <= 1 for s in slots), \
                            ("a sample missing from whisper", path, t, v, points)
                # 20 s apart, as vCenter's realtime samples
                gaps = [b[0] - a[0] for a, b in zip(points, points[1:])]
                assert all(g >= 10 for g in gaps), (path, points)
            log("%d whisper points of %d VMs matched collectd's sample times" % (checked, len(want)))
            assert not plugin_errors(cd), plugin_errors(cd)
            assert "Connection refused" not in cd.log(), cd.log()[-2000:]


# ---------------------------------------------------------------------------
# InfluxDB

def test_influxdb_via_network_plugin():
    import backends
    with Vcsim(**INVENTORY) as vc, \
            backends.InfluxDB(extra_types_db=[harness.VSPHERE_TYPES_DB]) as influx:
        vms, hosts = objects(vc, "vm"), objects(vc, "host")
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = backends.network_config(influx) + csv_config(csv_dir) + \
            vsphere_block(vc, extra="Interval 2")
        with Collectd(conf, interval=1) as cd:
            q = "SELECT * FROM vsphere_value WHERE \"type\" = 'vm_cpu_usage_average'"
            influx.wait_for_query(q, lambda rows: {r["host"] for r in rows} == set(vms), timeout=90)
            time.sleep(2)
            rows = influx.rows(q, epoch="ms")
            assert {r["host"] for r in rows} == set(vms), rows
            assert influx.measurements() and "vsphere_value" in influx.measurements()
            for r in rows:
                vm = r["host"]
                assert r["measurement"] == "vsphere_value", r
                assert r["instance"] == "sim:DC0:%s" % vms[vm]["cluster"], r
                assert r["type"] == "vm_cpu_usage_average" and not r.get("type_instance"), r
                assert 0 <= r["value"] <= 200, r
                # the sample time collectd got (vCenter's), to the ms
                times = {round(t * 1000) for t, _ in csv_rows(csv_dir, vm, "vm_cpu_usage_average")}
                assert any(abs(r["time"] - t) <= 1 for t in times), (r, sorted(times)[-5:])
            hq = "SELECT * FROM vsphere_value WHERE \"type\" = 'host_cpu_usage_average'"
            hrows = influx.wait_for_query(hq, lambda rs: {r["host"] for r in rs} == set(hosts), timeout=60)
            assert all(r["instance"] == "sim:DC0:%s" % hosts[r["host"]]["cluster"] for r in hrows), hrows
            # state values travel with the same types file
            pq = "SELECT * FROM vsphere_value WHERE \"type\" = 'vm_power_state'"
            prows = influx.wait_for_query(pq, lambda rs: {r["host"] for r in rs} == set(vms), timeout=60)
            assert all(r["value"] == 1 for r in prows), prows
            unknown = sorted(set(re.findall(r'unable to find \\?"(\w+)\\?" in TypesDB', influx.output())))
            assert not unknown, "types InfluxDB could not decode: %s" % unknown
            assert not plugin_errors(cd), plugin_errors(cd)


# ---------------------------------------------------------------------------
# the example configurations

class _Sink:
    """A loopback TCP listener (carbon's place) or UDP socket (InfluxDB's)
    that keeps what it receives."""

    def __init__(self, udp=False):
        self.data = b""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.udp = udp
        if not udp:
            self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conns = []
        while not self.stop:
            try:
                if self.udp:
                    self.data += self.sock.recv(65536)
                else:
                    c, _ = self.sock.accept()
                    c.settimeout(0.2)
                    conns.append(c)
            except (socket.timeout, OSError):
                pass
            for c in list(conns):
                try:
                    d = c.recv(65536)
                    if d:
                        self.data += d
                    else:
                        conns.remove(c)
                except (socket.timeout, OSError):
                    pass

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def _substitute(text, repl):
    """Replace each placeholder line; every one must be there."""
    for pattern, new in repl:
        text, n = re.subn(pattern, new, text, flags=re.M)
        assert n >= 1, "placeholder %r not in the example" % pattern
    return text


def _run_example(name, vc, extra_repl=(), sink=None):
    path = os.path.join(CONF_D, name)
    text = open(path).read()
    pwfile = os.path.join(vc.tmp, "vsphere.pass")
    with open(pwfile, "w") as f:
        f.write(vc.password + "\n")
    os.chmod(pwfile, 0o600)
    repl = [(r'^(\s*)URL "[^"]*"', r'\1URL "%s"' % vc.url),
            (r'^(\s*)User "[^"]*"', r'\1User "%s"' % vc.user)]
    if re.search(r'^\s*PasswordFile "', text, re.M):
        repl.append((r'^(\s*)PasswordFile "[^"]*"', r'\1PasswordFile "%s"' % pwfile))
    else:
        repl.append((r'^(\s*)Password "[^"]*"', r'\1Password "%s"' % vc.password))
    repl += list(extra_repl)
    conf = _substitute(text, repl)
    rc, out = harness.run_collectd_test_config(conf, prometheus=False, timeout=120)
    errors = [l for l in out.splitlines() if "[error]" in l.lower() or "error:" in l.lower()]
    errors = [l for l in errors if not any(b in l for b in harness.BENIGN_LOG_PATTERNS)]
    assert rc == 0, (name, rc, out[-3000:])
    assert not errors, (name, errors)
    assert 'logged in as "%s"' % vc.user in out, (name, "the read did not run", out[-2000:])
    log("%s: collectd -T exit 0, no error" % name)
    return out


def test_example_configs_run_with_collectd_T():
    with Vcsim(**INVENTORY) as vc:
        # write_prometheus: a free loopback port
        _run_example("vsphere-prometheus.conf", vc,
                     [(r'^(\s*)Port "9103"', r'\1Port "%d"' % harness.free_port())])
        # write_graphite: a listener in carbon's place gets the VM values
        sink = _Sink()
        try:
            out = _run_example("vsphere-graphite.conf", vc,
                         [(r'^(\s*)Host "graphite.example.com"', r'\1Host "127.0.0.1"'),
                          (r'^(\s*)Port "2003"', r'\1Port "%d"' % sink.port)])
            time.sleep(0.5)
        finally:
            sink.close()
        text = sink.data.decode("utf-8", "replace")
        got = set(re.findall(r"^(\S+)\.vsphere-prod_DC0_\w+\.vm_cpu_usage_average \S+ \d+", text, re.M))
        # collectd -T stops its write threads right after the one read and
        # drops what they have not taken yet, saying how much: only then may
        # VMs be missing (every VM arrives through carbon in test_graphite_*)
        dropped = re.search(r"(\d+) value lists? (?:was|were) left after shutting down", out)
        vms = set(objects(vc, "vm"))
        assert got == vms or (got and dropped), (got, text[:2000])
        if dropped:
            log("collectd -T dropped %s queued value lists; %d of %d VMs arrived"
                % (dropped.group(1), len(got), len(vms)))
        # network plugin: a UDP socket in InfluxDB's place gets packets
        sink = _Sink(udp=True)
        try:
            _run_example("vsphere-influxdb.conf", vc,
                         [(r'^(\s*)Server "influxdb.example.com" "25826"',
                           r'\1Server "127.0.0.1" "%d"' % sink.port)])
            time.sleep(0.5)
        finally:
            sink.close()
        assert b"vm_cpu_usage_average" in sink.data and b"vsphere" in sink.data, sink.data[:300]
        # the commented main example
        _run_example("vsphere.conf", vc)


# ---------------------------------------------------------------------------
# the manual page knows every option

def test_man_page_names_every_option():
    man = open(MAN_PAGE).read()
    options = man[man.index("\n.SH OPTIONS\n"):]
    options = options[:options.index("\n.SH ", 1) + 1]
    entries = {}
    # option entries: ".TP" then ".B Key ..." (the key, then its argument)
    for m in re.finditer(r"^\.TP\n\.B (\w+)(?: [^\n]*)?\n(.*?)(?=^\.(?:TP|SS|SH)\b|\Z)", options, re.M | re.S):
        entries[m.group(1)] = m.group(2)
    missing = [k for k in config_keys() if k not in entries]
    assert not missing, "options without an entry in docs/collectd-vsphere.5: %s" % missing
    for k in config_keys():
        text = entries[k]
        assert "Default:" in text and "Example:" in text, (k, text)
        ex = text.split("Example:", 1)[1]
        assert re.search(r"^\.B %s\b" % k, ex, re.M), ("the example does not use the option", k, ex)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "NAMING", "METRICS",
                    "VCENTER PRIVILEGES", "SESSIONS AND LOCKOUT", "TLS", "SHARDING",
                    "TROUBLESHOOTING", "FILES", "SEE ALSO"):
        assert re.search(r'^\.SH "?%s"?$' % section, man, re.M), section


def test_promtool_lints_only_vsphere_counter_names():
    sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))
    import vstables
    state_types = {"collectd_vsphere_" + t["type"] for t in vstables.state_types()}
    totals = ["collectd_vsphere_%s_total" % t for t, ds in vstables.self_metric_types() if ds == "DERIVE"]
    extra = ("Interval 1\nInventoryInterval 5\nPropertyInterval 1\n"
             "Collect vm host cluster datastore resourcepool datacenter")
    with Vcsim(**INVENTORY) as vc, Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
        cd.wait_for(lambda: all(t in cd.metrics_text() for t in totals), 60, what="every total")
        cd.wait_for(lambda: any(n.startswith("collectd_vsphere_datacenter_") for n, _l, _v, _t in cd.metrics()),
                    60, what="historical kinds")
        text = cd.metrics_text()
        first = {n: v for n, _l, v, _t in cd.metrics() if n in totals}
        time.sleep(2.5)
        later = {n: v for n, _l, v, _t in cd.metrics() if n in totals}
    lint = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                          capture_output=True, timeout=60)
    lines = [l for l in (lint.stdout + lint.stderr).decode().splitlines() if l.strip()]
    names = {l.split()[0] for l in lines}
    log("promtool: %d lints (%d names) on %d metric families, e.g. %s"
        % (len(lines), len(names), len(set(re.findall(r"^# TYPE (\S+)", text, re.M))),
           lines[:1]))
    bad = [l for l in lines
           if "camelCase" not in l or l.split()[0] in state_types
           or l.startswith("collectd_vsphere_self_")]
    assert not bad, bad
    # the camelCase ones are vSphere's counter names (e.g. maxTotalLatency)
    assert all(re.search(r"[a-z][A-Z]", n) for n in names), names
    for t in totals:
        assert re.search(r"^# TYPE %s counter$" % t, text, re.M), (t, "not a counter")
        assert later[t] >= first[t], (t, first[t], later[t])
    assert later["collectd_vsphere_self_read_cycles_total"] > first["collectd_vsphere_self_read_cycles_total"]


ALL = [
    test_man_page_names_every_option,
    test_promtool_lints_only_vsphere_counter_names,
    test_example_configs_run_with_collectd_T,
    test_prometheus_with_relabel_stanza,
    test_graphite_whisper_every_vm_at_vcenter_times,
    test_influxdb_via_network_plugin,
]
LONG = {test_graphite_whisper_every_vm_at_vcenter_times, test_influxdb_via_network_plugin}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
