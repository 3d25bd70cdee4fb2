#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The write path at scale, in the small: sharding one vCenter over several
collectd instances (Shard "k/N"), and the pace of new series (MaxNewSeries).
The measurements at 1,000-10,000 VMs are bench/'s (bash bench/run.sh
--pipeline); these tests check the mechanisms.

Usage: test_scale.py [-k SUBSTRING] [--quick]
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_integration import self_metric, self_value, vc_metrics, vsphere_block, wait_cycles  # noqa: E402


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def objects(cd, kind):
    """{(instance, vsphere)} of a kind's cpu usage series."""
    return {(m[1]["instance"], m[1]["vsphere"])
            for m in vc_metrics(cd.metrics(), "collectd_vsphere_%s_cpu_usage_average" % kind)}


def test_four_shards_collect_every_object_once():
    """4 collectd instances, Shard "1/4" .. "4/4", against one vcsim: every
    VM and host is dispatched by exactly one of them, each instance holds
    one vCenter session, and no shard is empty."""
    with Vcsim(cluster=2, cluster_host=3, host=2, vm=10) as vc:
        vms, hosts = vc.inventory()
        assert len(vms) == 40 and len(hosts) == 8
        cds = []
        try:
            for k in range(1, 5):
                cds.append(Collectd(vsphere_block(vc, extra='Shard "%d/4"\nInterval 1' % k),
                                    interval=1))
            def complete():
                got = [objects(cd, "vm") | objects(cd, "host") for cd in cds]
                return got if sum(len(g) for g in got) >= len(vms) + len(hosts) else None
            got = cds[0].wait_for(complete, 60, what="every object in some shard")
            for cd in cds:
                wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30)
            got = [objects(cd, "vm") | objects(cd, "host") for cd in cds]
            names = [n for g in got for n, _ in g]
            assert sorted(names) == sorted(set(vms) | hosts), (len(names), len(set(names)))
            sizes = [len(g) for g in got]
            log("shard sizes (VMs + hosts): %s" % sizes)
            assert min(sizes) > 0, sizes
            # each instance counts only its own shard, and they add up
            assert sum(self_value(cd, "inventory_vms") for cd in cds) == len(vms)
            assert sum(self_value(cd, "inventory_hosts") for cd in cds) == len(hosts)
            assert vc.sessions() == 4, vc.sessions()
        finally:
            for cd in cds:
                cd.close()
        assert vc.sessions() == 0


def test_shard_is_stable_across_restarts():
    """The same Shard gets the same objects after a restart (a hash of the
    moref, not of the order discovery returns them in)."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=6) as vc:
        with Collectd(vsphere_block(vc, extra='Shard "2/3"\nInterval 1'), interval=1) as cd:
            cd.wait_for(lambda: objects(cd, "vm"), 30, what="shard 2/3 collecting")
            wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30)
            first = objects(cd, "vm") | objects(cd, "host")
            cd.restart()
            cd.wait_for(lambda: (objects(cd, "vm") | objects(cd, "host")) == first, 30,
                        what="the same objects after a restart")


def test_bad_shard_is_a_clear_config_error():
    with Vcsim(start=False) as vc:
        vc.url = "http://127.0.0.1:9/sdk"
        for value in ('"0/4"', '"5/4"', '"1/0"', '"a/b"', '"1/4x"', "3"):
            rc, out = harness.run_collectd_test_config(vsphere_block(vc, extra="Shard %s" % value))
            assert rc != 0 and "Shard" in out and "k/N" in out and '<Vcenter "sim">' in out, (value, out)


def test_new_series_are_paced():
    """MaxNewSeries 40: no read introduces more than 40 series the writers
    have not seen (self_series of every read, as the csv writer got it);
    all of them are there after a few reads."""
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=10) as vc:
        csv_dir = os.path.join(vc.tmp, "csv")
        conf = 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % csv_dir
        with Collectd(conf + vsphere_block(vc, extra="MaxNewSeries 40\nInterval 1"), interval=1) as cd:
            cd.wait_for(lambda: (self_metric(cd, "series") or 0) > 200, 180, what="200 series")
            wait_cycles(cd, self_value(cd, "read_cycles") + 2, 30)
            rows = []
            for path in glob.glob(os.path.join(csv_dir, "testhost", "vsphere-sim", "self_series-2*")):
                with open(path) as f:
                    rows += [tuple(float(x) for x in l.strip().split(",")[:2])
                             for l in f if l[:1].isdigit()]
            series = [v for _, v in sorted(rows)]
            steps = [b - a for a, b in zip([0.0] + series, series)]
            log("series after each read: %s" % series)
            assert max(steps) <= 40, steps
            assert len([s for s in steps if s > 0]) >= 5, series


ALL = [
    test_bad_shard_is_a_clear_config_error,
    test_four_shards_collect_every_object_once,
    test_shard_is_stable_across_restarts,
    test_new_series_are_paced,
]
LONG = {test_four_shards_collect_every_object_once}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
