#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end checks of the real backends in tests/backends.py (Debian's
prometheus, graphite-carbon + whisper, influxdb 1.6) fed by collectd with
STOCK plugins only: values with known identifiers, values and timestamps
go in through collectd's unixsock (PUTVAL) and come out of
write_prometheus -> Prometheus, write_graphite -> carbon-cache -> whisper,
network -> InfluxDB's collectd listener.

Usage: test_backends.py [--quick] [-k SUBSTRING]
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from backends import (CarbonCache, InfluxDB, Prometheus, network_config, putval,  # noqa: E402
                      remote_peers, unixsock_config, write_graphite_config)
from harness import Collectd  # noqa: E402

_started = []  # every backend and collectd process the tests started


def _track(*objs):
    for o in objs:
        _started.append((type(o).__name__, o.pid, o.tmp))


def _log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


class Feeder:
    """collectd (stock plugins only) with the unixsock plugin, so a test
    can PUTVAL values with chosen identifiers, values and timestamps.
    `config` is appended (writer snippets); write_prometheus is always on
    (harness.Collectd)."""

    def __init__(self, config="", **kw):
        self.sock_dir = tempfile.mkdtemp(prefix="bk-sock-")
        self.sock = os.path.join(self.sock_dir, "collectd.sock")
        self.cd = None
        try:
            self.cd = Collectd(unixsock_config(self.sock) + config, **kw)
            _track(self.cd)
            self.cd.wait_for(lambda: os.path.exists(self.sock), 10, what="unixsock socket")
        except BaseException:
            self.close()
            raise

    def put(self, identifier, values, t, interval=10):
        putval(self.sock, identifier, values, time=t, interval=interval)

    def settle(self, t, n):
        """Wait until write_prometheus shows n series at time t: collectd's
        write threads may hand two values of one series put back to back
        to the writers in either order, so a test waits before it puts the
        next value of the same series."""
        ms = int(round(t * 1000))
        self.cd.wait_for(lambda: sum(1 for m in self.cd.metrics() if m[3] == ms) >= n, 10,
                         what="%d series at %s on /metrics" % (n, t))

    def close(self):
        try:
            if self.cd:
                self.cd.close()
        finally:
            shutil.rmtree(self.sock_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _only_loopback(backend, expected):
    """backend listens on exactly `expected` ({(proto, port)}) on 127.0.0.1
    and talks to nothing outside 127.0.0.1."""
    socks = backend.listening()
    assert all(ip == "127.0.0.1" for (_, ip, _) in socks), socks
    got = {(proto, port) for (proto, _, port) in socks}
    assert got == set(expected), "%s listens on %s, expected %s" % (backend.name, got, expected)
    peers = remote_peers(backend.pid)
    assert all(ip == "127.0.0.1" for (ip, _) in peers), "%s talks to %s" % (backend.name, peers)
    assert harness.children_of(backend.pid) == [], "%s has children" % backend.name


# --------------------------------------------------------------------------
# Prometheus

def _by_name(vector):
    return {labels["__name__"]: (labels, value) for labels, _, value in vector}


def test_prometheus_stores_write_prometheus_series_at_collectd_timestamps():
    with Feeder() as f:
        t1 = int(time.time()) - 60
        f.put("testhost/bench-a:b:c/gauge-x", 42, t1)
        f.put("testhost/bench/derive-d", 1000, t1)  # no plugin_instance
        f.put("testhost/bench-a:b:c/if_octets-eth0", [100, 200], t1)  # two DERIVE DSs
        f.put("testhost/bench-a:b:c/gauge-junk", 1, t1)
        # relabel rules as a Python structure: drop one series
        drop = [{"source_labels": ["__name__", "type"], "separator": ";",
                 "regex": "collectd_bench_gauge;junk", "action": "drop"}]
        with Prometheus([f.cd.port], relabel_configs=drop, scrape_interval="1s") as p:
            _track(p)
            _log("prometheus started in %.2fs" % p.started_in)
            t0 = time.monotonic()
            targets = p.wait_for_targets_up()
            _log("first scrape %.1fs after start" % (time.monotonic() - t0 + p.started_in))
            assert targets[0]["scrapeUrl"] == "http://127.0.0.1:%d/metrics" % f.cd.port, targets
            assert targets[0]["lastError"] == "", targets
            _only_loopback(p, {("tcp", p.port)})

            q = '{__name__=~"collectd_bench_.*"}'
            p.wait_for_query(q, lambda r: len(r) >= 4, time=t1)
            got = _by_name(p.vector(q, time=t1))
            base = {"job": "collectd", "instance": "127.0.0.1:%d" % f.cd.port,
                    # collectd's instance label clashes with the target's
                    "exported_instance": "testhost"}
            want = {
                "collectd_bench_gauge": (dict(base, bench="a:b:c", type="x"), 42.0),
                "collectd_bench_derive_total": (dict(base, bench="d"), 1000.0),
                "collectd_bench_if_octets_rx_total": (dict(base, bench="a:b:c", type="eth0"),
                                                      100.0),
                "collectd_bench_if_octets_tx_total": (dict(base, bench="a:b:c", type="eth0"),
                                                      200.0),
            }
            for name, (labels, value) in want.items():
                assert name in got, "%s missing: %s" % (name, sorted(got))
                assert got[name] == (dict(labels, __name__=name), value), (name, got[name])
            assert set(got) == set(want), sorted(got)  # the junk series was dropped

            # stored at collectd's timestamp, not at scrape time
            s = p.samples('collectd_bench_gauge{type="x"}')
            assert [pts for _, pts in s] == [[(t1, 42.0)]], s
            # a newer value is stored next to it
            f.put("testhost/bench-a:b:c/gauge-x", 43, t1 + 10)
            p.wait_for_query("collectd_bench_gauge == 43")
            f.settle(t1 + 10, 1)
            # an older one (collectd logs "Value too old" but
            # write_prometheus still exports it) is dropped as out of order
            ooo = p.self_metric("prometheus_target_scrapes_sample_out_of_order_total")
            f.put("testhost/bench-a:b:c/gauge-x", 99, t1 + 5)
            f.cd.wait_for(lambda: any(m[2] == 99 for m in f.cd.metrics()), 10,
                          what="older value on /metrics")
            p.wait_for(lambda: p.self_metric(
                "prometheus_target_scrapes_sample_out_of_order_total") > ooo, 10,
                what="out-of-order sample counted")
            s = p.samples('collectd_bench_gauge{type="x"}')
            assert [pts for _, pts in s] == [[(t1, 42.0), (t1 + 10, 43.0)]], s
            r = p.query_range('collectd_bench_gauge{type="x"}', t1, t1 + 10, 5)
            assert [v for _, v in r[0]["values"]] == ["42", "42", "43"], r
            # errors carry Prometheus' text
            try:
                p.query("sum(")
            except RuntimeError as e:
                assert "bad_data" in str(e) and "parse error" in str(e), e
            else:
                raise AssertionError("bad PromQL accepted")
            rc = p.stop()
            _log("prometheus stopped in %.2fs" % p.stopped_in)
            assert rc == 0, "prometheus exit code %s" % rc


RELABEL = r"""
- source_labels: [bench]
  regex: '([^:]*):([^:]*):([^:]*)'
  target_label: dc
  replacement: '$1'
- source_labels: [bench]
  regex: '([^:]*):([^:]*):([^:]*)'
  target_label: cluster
  replacement: '$2'
- source_labels: [bench]
  regex: '([^:]*):([^:]*):([^:]*)'
  target_label: vm
  replacement: '$3'
- regex: bench
  action: labeldrop
"""


def test_prometheus_relabel_splits_plugin_instance_label():
    """write_prometheus puts plugin_instance into a label named after the
    plugin (bench="dc1:clusterA:vm-7"); metric_relabel_configs given as
    YAML text split it into three labels and drop it (the plumbing the
    plugin's naming can rely on)."""
    with Feeder() as f:
        t1 = int(time.time()) - 30
        f.put("testhost/bench-dc1:clusterA:vm-7/gauge-x", 5, t1)
        f.put("testhost/bench-nocolons/gauge-y", 6, t1)
        with Prometheus([f.cd.port], relabel_configs=RELABEL, scrape_interval="1s",
                        honor_labels=True) as p:
            _track(p)
            got = p.wait_for_query("collectd_bench_gauge", lambda r: len(r) >= 2, time=t1)
            labels = sorted((r["metric"] for r in got), key=lambda m: m["type"])
            assert labels[0] == {"__name__": "collectd_bench_gauge", "job": "collectd",
                                 "instance": "testhost",  # honor_labels keeps collectd's
                                 "dc": "dc1", "cluster": "clusterA", "vm": "vm-7",
                                 "type": "x"}, labels[0]
            # no match: the targets are not set, the source label still goes
            assert labels[1] == {"__name__": "collectd_bench_gauge", "job": "collectd",
                                 "instance": "testhost", "type": "y"}, labels[1]


# --------------------------------------------------------------------------
# Graphite

def test_carbon_stores_write_graphite_lines_at_collectd_timestamps():
    with CarbonCache() as c:
        _track(c)
        _log("carbon-cache started in %.2fs" % c.started_in)
        _only_loopback(c, {("tcp", c.line_port), ("tcp", c.cache_query_port)})
        cfg = write_graphite_config(c, node="plain")
        cfg += write_graphite_config(c, node="sep", load_plugin=False, Prefix="p.",
                                     separate_instances=True, always_append_ds=True,
                                     StoreRates=False, EscapeCharacter="-")
        with Feeder(cfg, hostname="test.host") as f:
            t0 = int(time.time()) // 10 * 10 - 60  # on the 10 s whisper step
            for i, t in enumerate((t0, t0 + 20)):
                f.put("test.host/bench-a:b c(d).e!f,g/gauge-x", 42 + i, t, interval=20)
                f.put("test.host/bench-vm1/if_octets-eth0", [1000 + 100 * i, 2000 + 400 * i],
                      t, interval=20)
                f.put("test.host/bench/derive", 50 + 60 * i, t, interval=20)
                f.settle(t, 4)
            want = {
                # default: . space : ( ) ! , -> "_" in each part
                "test_host.bench-a_b_c_d__e_f_g.gauge-x": [(t0, 42.0), (t0 + 20, 43.0)],
                # StoreRates (default): DERIVE as a rate, nothing for the first value
                "test_host.bench-vm1.if_octets-eth0.rx": [(t0 + 20, 5.0)],
                "test_host.bench-vm1.if_octets-eth0.tx": [(t0 + 20, 20.0)],
                "test_host.bench.derive": [(t0 + 20, 3.0)],
                # Prefix (not escaped), SeparateInstances, AlwaysAppendDS,
                # StoreRates false, EscapeCharacter "-"
                "p.test-host.bench.a-b-c-d--e-f-g.gauge.x.value": [(t0, 42.0), (t0 + 20, 43.0)],
                "p.test-host.bench.vm1.if_octets.eth0.rx": [(t0, 1000.0), (t0 + 20, 1100.0)],
                "p.test-host.bench.vm1.if_octets.eth0.tx": [(t0, 2000.0), (t0 + 20, 2400.0)],
                "p.test-host.bench.derive.value": [(t0, 50.0), (t0 + 20, 110.0)],
            }
            c.wait_for_paths(lambda p: set(p) >= set(want), 30)
            assert set(c.metric_paths()) == set(want), c.metric_paths()
            for path, pts in want.items():
                got = c.wait_for_fetch(path, lambda x, n=len(pts): len(x) >= n, 20)
                assert got == pts, "%s: %s != %s" % (path, got, pts)
            assert os.path.isfile(os.path.join(c.whisper_dir, "p", "test-host", "bench", "derive",
                                               "value.wsp"))
        rc = c.stop()
        _log("carbon-cache stopped in %.2fs" % c.stopped_in)
        assert rc == 0, "carbon-cache exit code %s\n%s" % (rc, c.output()[-2000:])


def test_carbon_creates_thousands_of_series_at_once():
    """No create/update rate limit: 3,000 new series sent at once all get
    their whisper file (Debian's carbon.conf would create 50 a minute and
    drop the rest)."""
    n = 3000
    with CarbonCache() as c:
        _track(c)
        t = int(time.time()) // 10 * 10 - 30
        c.send(["many.vm%04d.cpu %d %d" % (i, i, t) for i in range(n)])
        t0 = time.monotonic()
        c.wait_for_paths(lambda p: len(p) >= n, 120, interval=0.5)
        _log("carbon created %d whisper files in %.1fs" % (n, time.monotonic() - t0))
        assert c.fetch("many.vm2999.cpu") == [(t, 2999.0)]
        assert "droppedCreates" not in c.output()


# --------------------------------------------------------------------------
# InfluxDB

EXTRA_TYPES = "bk_pair  rx:GAUGE:U:U, tx:DERIVE:0:U\n"
UNKNOWN_TYPES = "bk_unknown  value:GAUGE:U:U\n"


def test_influxdb_collectd_listener_layout_and_extra_types():
    d = tempfile.mkdtemp(prefix="bk-types-")
    try:
        extra = os.path.join(d, "bk-types.db")
        unknown = os.path.join(d, "unknown-types.db")  # given to collectd only
        with open(extra, "w") as fh:
            fh.write(EXTRA_TYPES)
        with open(unknown, "w") as fh:
            fh.write(UNKNOWN_TYPES)
        with InfluxDB(extra_types_db=[harness.VSPHERE_TYPES_DB, extra]) as ix:
            _track(ix)
            _log("influxd started in %.2fs" % ix.started_in)
            _only_loopback(ix, {("tcp", ix.port), ("tcp", ix.rpc_port), ("udp", ix.collectd_port)})
            cfg = network_config(ix) + 'TypesDB "%s"\nTypesDB "%s"\n' % (extra, unknown)
            with Feeder(cfg) as f:
                t1 = int(time.time()) - 30
                f.put("testhost/bench-a:b:c/bk_pair-p1", [1.5, 7], t1)
                f.settle(t1, 2)
                f.put("testhost/bench-a:b:c/bk_pair-p1", [2.5, 9], t1 + 10.5)
                f.put("testhost/bench-a:b:c/gauge-x", 42, t1)
                f.put("testhost/bench/self_values", 5, t1)  # vsphere-types.db, no instances
                f.put("testhost/bench-a:b:c/bk_unknown-u", 3, t1)
                rows = ix.wait_for_query("SELECT * FROM /^bench_/", lambda r: len(r) >= 6, 30)
                ms = ix.measurements()
                assert ms == ["bench_rx", "bench_tx", "bench_value"], ms
                want = sorted([
                    ("bench_rx", t1, "testhost", "a:b:c", "bk_pair", "p1", 1.5),
                    ("bench_rx", t1 + 10.5, "testhost", "a:b:c", "bk_pair", "p1", 2.5),
                    ("bench_tx", t1, "testhost", "a:b:c", "bk_pair", "p1", 7),
                    ("bench_tx", t1 + 10.5, "testhost", "a:b:c", "bk_pair", "p1", 9),
                    ("bench_value", t1, "testhost", "a:b:c", "gauge", "x", 42),
                    ("bench_value", t1, "testhost", None, "self_values", None, 5),
                ], key=repr)
                rows = ix.rows("SELECT * FROM /^bench_/", epoch="ms")  # sub-second times
                got = sorted(((r["measurement"], r["time"] / 1000.0, r["host"], r["instance"],
                               r["type"], r["type_instance"], r["value"]) for r in rows), key=repr)
                assert got == want, "\n%s\n!=\n%s" % (got, want)
                # one field "value", float even for DERIVE; empty fields -> no tag
                fields = {s["name"]: s["values"] for s in ix.query("SHOW FIELD KEYS")}
                assert all(v == [["value", "float"]] for v in fields.values()), fields
                tags = {s["name"]: sorted(v[0] for v in s["values"])
                        for s in ix.query("SHOW TAG KEYS")}
                assert tags["bench_rx"] == ["host", "instance", "type", "type_instance"], tags
                # a type missing from the listener's typesdb is dropped
                ix.wait_for(lambda: 'unable to find "bk_unknown" in TypesDB' in ix.output(), 10,
                            what="unknown type logged")
                assert not ix.rows("SELECT * FROM /.*/ WHERE type = 'bk_unknown'")
            rc = ix.stop()
            _log("influxd stopped in %.2fs" % ix.stopped_in)
            assert rc == 0, "influxd exit code %s" % rc
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------

def test_no_started_process_left():
    """Runs last: every backend and collectd the tests started is gone."""
    assert _started, "no process was started"
    left = [(n, pid) for n, pid, _ in _started if pid and os.path.exists("/proc/%d" % pid)
            and "zombie" not in harness._read("/proc/%d/status" % pid).lower()]
    assert not left, "still running: %s" % left
    kids = harness.children_of()
    assert not kids, "children left: %s" % kids
    if not harness.KEEP_TMP:
        dirs = [d for _, _, d in _started if os.path.exists(d)]
        assert not dirs, "temp dirs left: %s" % dirs


ALL = [
    test_prometheus_stores_write_prometheus_series_at_collectd_timestamps,
    test_prometheus_relabel_splits_plugin_instance_label,
    test_carbon_stores_write_graphite_lines_at_collectd_timestamps,
    test_carbon_creates_thousands_of_series_at_once,
    test_influxdb_collectd_listener_layout_and_extra_types,
    test_no_started_process_left,
]
LONG = set()  # the whole file takes about 30 s


if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
