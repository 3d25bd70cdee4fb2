#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests: the vsphere plugin inside a real collectd daemon,
against vcsim, read through write_prometheus.

Usage: test_integration.py [-k SUBSTRING] [--quick]
  --quick  skip the long tests (used for the valgrind/ASan runs).
"""
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim, find_metrics  # noqa: E402

# Counters of the default set for which vcsim has sample data.
VM_COUNTERS = ["cpu_usage_average", "cpu_usagemhz_average", "cpu_ready_summation",
               "mem_usage_average", "mem_active_average", "mem_consumed_average",
               "mem_granted_average", "net_received_average", "net_transmitted_average",
               "disk_read_average", "disk_write_average", "sys_uptime_latest"]
HOST_COUNTERS = ["cpu_usage_average", "cpu_usagemhz_average", "cpu_utilization_average",
                 "mem_usage_average", "mem_active_average", "mem_consumed_average",
                 "net_received_average", "net_transmitted_average",
                 "disk_read_average", "disk_write_average", "sys_uptime_latest"]
PERCENT = {"cpu_usage_average", "mem_usage_average", "cpu_utilization_average"}


def vsphere_block(vc, name="sim", password=None, extra=""):
    pw = vc.password if password is None else password
    pw_line = ('Password "%s"' % pw.replace("\\", "\\\\").replace('"', '\\"')) if pw != "" else ""
    return """LoadPlugin vsphere
<Plugin vsphere>
  <Vcenter "%s">
    URL "%s"
    User "%s"
    %s
    %s
  </Vcenter>
</Plugin>
""" % (name, vc.url, vc.user, pw_line, extra)


def vc_metrics(metrics, name, vcenter="sim"):
    """VM and host metrics of one vCenter: their `vsphere` label is
    vcenter:datacenter:cluster (the default PluginInstanceFormat)."""
    return [m for m in find_metrics(metrics, name)
            if m[1].get("vsphere", "").split(":")[0] == vcenter]


def self_metric(cd, what, vcenter="sim"):
    """The plugin's self_<what> now, None while absent: for polling. A
    total (DERIVE) is self_<what>_total on /metrics, a counter."""
    metrics = cd.metrics()
    m = (find_metrics(metrics, "collectd_vsphere_self_" + what, vsphere=vcenter)
         or find_metrics(metrics, "collectd_vsphere_self_%s_total" % what, vsphere=vcenter))
    return m[0][2] if m else None


def self_value(cd, what, vcenter="sim", timeout=30):
    """The plugin's self_<what>, waiting until it is on /metrics: a read's
    self_ values may reach write_prometheus through another write thread a
    moment after the values a test waited for (a one-shot read could see
    None)."""
    got = cd.wait_for(lambda: [v for v in [self_metric(cd, what, vcenter)] if v is not None],
                      timeout, what="self_" + what)
    return got[0]


def wait_cycles(cd, n, timeout, vcenter="sim"):
    """Waits until the plugin has completed at least n read cycles."""
    return cd.wait_for(lambda: (self_metric(cd, "read_cycles", vcenter) or 0) >= n,
                       timeout, what="%d read cycles" % n)


def plugin_errors(cd):
    return [l for l in cd.log_lines("error") if "vsphere plugin" in l]


# ---------------------------------------------------------------------------

def test_every_vm_and_host_with_default_counters():
    with Vcsim(cluster=2, cluster_host=2, host=2, vm=3) as vc, \
            Collectd(vsphere_block(vc), interval=1) as cd:
        vms, hosts = vc.inventory()
        assert len(vms) == vc.expected_vms == 12 and len(hosts) == vc.expected_hosts == 6

        def complete():
            m = cd.metrics()
            for c in VM_COUNTERS:
                got = {x[1]["instance"] for x in vc_metrics(m, "collectd_vsphere_vm_" + c)}
                if got != set(vms):
                    return False
            for c in HOST_COUNTERS:
                got = {x[1]["instance"] for x in vc_metrics(m, "collectd_vsphere_host_" + c)}
                if got != hosts:
                    return False
            return m
        m = cd.wait_for(complete, 60, what="every VM and host with the default counters")
        now_ms = time.time() * 1000
        for name, labels, value, ts in find_metrics(m):
            if not name.startswith("collectd_vsphere_") or "_self_" in name:
                continue
            # vcenter:datacenter:cluster, as vcsim names them (datastores
            # belong to no cluster)
            want = (r"^sim:DC0:$" if name.startswith("collectd_vsphere_datastore_")
                    else r"^sim:DC0:DC0_(C[01]|H[01])$")
            assert re.match(want, labels.get("vsphere", "")), (name, labels)
            assert value >= 0, (name, labels, value)
            short = name.split("_", 3)[3]
            if short in PERCENT:
                # hundredths scaled to percent (raw would be ~100x); vcsim
                # adds gaussian noise of 20 %, so allow some overshoot
                assert 0 <= value <= 200, (name, labels, value)
            # write_prometheus exports vCenter's sample time: realtime
            # samples are at most 20 s plus a read old; historical ones
            # (clusters, datastores) sit on 300 s boundaries, so the newest
            # may be up to 300 s old
            historical = name.startswith(("collectd_vsphere_cluster_",
                                          "collectd_vsphere_datastore_"))
            bound_ms = 360000 if historical else 120000
            assert ts is not None and abs(ts - now_ms) < bound_ms, (name, ts, now_ms)
        assert not plugin_errors(cd), plugin_errors(cd)


def test_powered_off_vm_is_skipped():
    with Vcsim() as vc:
        vms, _ = vc.inventory()
        off = sorted(vms)[0]
        vc.poweroff(off)
        with Collectd(vsphere_block(vc), interval=1) as cd:
            on = set(vms) - {off}
            cd.wait_for(lambda: {x[1]["instance"] for x in find_metrics(
                cd.metrics(), "collectd_vsphere_vm_cpu_usage_average")} == on, 30,
                what="powered-on VMs only")
            wait_cycles(cd, 4, 30)
            got = {x[1]["instance"] for x in find_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average")}
            assert off not in got, got
            assert self_value(cd, "inventory_vms") == len(vms)


def test_one_connection_one_session_one_login():
    with Vcsim() as vc, Collectd(vsphere_block(vc, extra="Interval 0.2\nInventoryInterval 1\nConcurrency 1"),
                                 interval=1) as cd:
        wait_cycles(cd, 20, 60)
        assert vc.sessions() == 1, vc.sessions()
        assert cd.tcp_connections_to(vc.port) == 1, cd.tcp_connections_to(vc.port)
        assert self_value(cd, "logins") == 1
        logins = [l for l in cd.log().splitlines() if "logged in" in l]
        assert len(logins) == 1, logins


def test_concurrent_queries_reuse_their_connections():
    # 40 VMs, 10 per query, 3 in flight: at most 3 connections, kept alive
    with Vcsim(cluster=1, cluster_host=2, host=1, vm=20) as vc, \
            Collectd(vsphere_block(vc, extra="Interval 0.2\nQueryBatchSize 10\nConcurrency 3"),
                     interval=1) as cd:
        wait_cycles(cd, 5, 60)
        conns = cd.tcp_connections_to(vc.port)
        assert 1 < conns <= 3, conns
        fds = cd.fd_count()
        wait_cycles(cd, self_value(cd, "read_cycles") + 30, 60)
        assert cd.tcp_connections_to(vc.port) == conns
        assert cd.fd_count() == fds, (fds, cd.fd_count())
        assert vc.sessions() == 1 and self_value(cd, "logins") == 1
        got = {x[1]["instance"] for x in find_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average")}
        assert got == set(vc.inventory()[0]), len(got)


def test_logout_on_shutdown():
    with Vcsim() as vc:
        cd = Collectd(vsphere_block(vc), interval=1)
        try:
            cd.wait_for_metric("collectd_vsphere_vm_cpu_usage_average", 30)
            assert vc.sessions() == 1
            rc = cd.stop()
            assert rc == 0, rc
            assert vc.sessions() == 0, "session left open after shutdown"
        finally:
            cd.close()


def test_password_is_xml_escaped():
    pw = "p<&\"'>"
    with Vcsim(user="mon<&>", password=pw) as vc, Collectd(vsphere_block(vc), interval=1) as cd:
        cd.wait_for_metric("collectd_vsphere_vm_cpu_usage_average", 30)
        assert pw not in cd.log()


def test_password_file():
    with Vcsim(password="s3cret pass") as vc:
        path = os.path.join(vc.tmp, "pass")
        with open(path, "w") as f:
            f.write("s3cret pass\n")
        os.chmod(path, 0o600)
        extra = 'PasswordFile "%s"' % path
        with Collectd(vsphere_block(vc, password="", extra=extra), interval=1) as cd:
            cd.wait_for_metric("collectd_vsphere_host_cpu_usage_average", 30)
            assert "s3cret" not in cd.log()


def test_wrong_password_logged_once_then_backs_off():
    with Vcsim(password="right") as vc, \
            Collectd(vsphere_block(vc, password="wrong", extra="Interval 0.2"), interval=1) as cd:
        wait_cycles(cd, 15, 60)
        errs = plugin_errors(cd)
        assert len(errs) == 1, errs
        assert '"sim"' in errs[0] and 'user "user"' in errs[0] and "InvalidLogin" in errs[0], errs[0]
        assert "wrong" not in cd.log() and "right" not in cd.log()
        # back-off: 15 reads, but only one Login request went out
        assert self_value(cd, "requests") <= 3, self_value(cd, "requests")
        assert vc.sessions() == 0
        assert cd.alive()


def test_session_terminated_logs_in_again():
    with Vcsim() as vc, Collectd(vsphere_block(vc, extra="Interval 0.5\nConcurrency 1"), interval=1) as cd:
        wait_cycles(cd, 3, 30)
        assert vc.terminate_sessions() == 1
        cd.wait_for(lambda: (self_metric(cd, "logins") or 0) == 2, 30, what="second login")
        before = self_value(cd, "read_cycles")
        wait_cycles(cd, before + 3, 30)
        assert vc.sessions() == 1
        assert self_value(cd, "entities_answered") > 0
        assert cd.tcp_connections_to(vc.port) == 1


def test_vcsim_restart_resumes_without_fd_growth():
    # Concurrency 1: exactly one connection, so the fd count is exact
    with Vcsim() as vc, Collectd(vsphere_block(vc, extra="Interval 0.5\nTimeout 2\nConcurrency 1"),
                                 interval=1) as cd:
        wait_cycles(cd, 5, 30)
        fds = cd.fd_count()
        for _ in range(3):
            vc.restart(down_time=1.5)
            logins = self_value(cd, "logins")
            cd.wait_for(lambda: (self_metric(cd, "logins") or 0) > logins, 60, what="login after restart")
            c = self_value(cd, "read_cycles")
            cd.wait_for(lambda: (self_metric(cd, "read_cycles") or 0) >= c + 3
                        and (self_metric(cd, "entities_answered") or 0) > 0, 30, what="collection after restart")
        assert cd.fd_count() <= fds, (fds, cd.fd_count())
        assert cd.tcp_connections_to(vc.port) == 1
        assert vc.sessions() == 1
        assert cd.alive()


def test_thousand_cycles_no_fd_or_session_growth():
    # Concurrency 1: one connection, so fds must stay exactly constant
    with Vcsim() as vc, Collectd(vsphere_block(vc, extra="Interval 0.02\nInventoryInterval 0.5\n"
                                                         "Concurrency 1"),
                                 interval=1) as cd:
        wait_cycles(cd, 50, 60)
        fds, rss = cd.fd_count(), cd.rss_kb()
        sessions, conns = vc.sessions(), cd.tcp_connections_to(vc.port)
        start = self_value(cd, "read_cycles")
        wait_cycles(cd, start + 1000, 300)
        after_fds, after_rss, after_sessions = cd.fd_count(), cd.rss_kb(), vc.sessions()
        print("  1000 cycles: fds %d -> %d, sessions %d -> %d, rss %d kB -> %d kB"
              % (fds, after_fds, sessions, after_sessions, rss, after_rss), file=sys.stderr)
        assert sessions == 1 and after_sessions == 1
        assert after_fds == fds, (fds, after_fds)
        assert cd.tcp_connections_to(vc.port) == conns == 1, conns
        assert self_value(cd, "logins") == 1
        assert after_rss - rss < 4096, (rss, after_rss)
        assert not plugin_errors(cd), plugin_errors(cd)


def test_each_sample_dispatched_once_with_vcenter_timestamp():
    """collectd's interval (30 s) longer than vCenter's 20 s samples: the
    second read brings the samples in between, each exactly once, with
    vCenter's time, as the csv writer records them."""
    with Vcsim(cluster=0, host=1, vm=1) as vc:
        csv_dir = os.path.join(vc.tmp, "csv")
        extra_conf = 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n</Plugin>\n' % csv_dir
        with Collectd(extra_conf + vsphere_block(vc, extra="Interval 30"), interval=1) as cd:
            wait_cycles(cd, 2, 90)
            time.sleep(1)
            vm = next(iter(vc.inventory()[0]))
            # <csv>/<host>/vsphere-<plugin_instance>/vm_cpu_usage_average-<date>
            paths = glob.glob(os.path.join(csv_dir, vm, "vsphere-sim:*", "vm_cpu_usage_average-*"))
            assert paths, os.listdir(os.path.join(csv_dir, vm))
            d, files = os.path.dirname(paths[0]), [os.path.basename(p) for p in paths]
            rows = []
            for f in files:
                with open(os.path.join(d, f)) as fh:
                    rows += [l.strip().split(",") for l in fh if l[0].isdigit()]
            times = [float(r[0]) for r in rows]
            assert len(times) == len(set(times)), times      # once each
            # (the order in the file is the write threads', not ours: the
            # oldest-first dispatch is asserted by tests/unit/test_dispatch)
            assert len(times) >= 2, times                       # the gap was filled
            # vcsim's sample times are not collectd's read times: they carry
            # vCenter's sub-second part, which collectd would not invent
            assert any(abs(t - round(t)) > 0.0005 for t in times), times


def test_two_vcenters_each_with_own_session():
    with Vcsim() as a, Vcsim(cluster=0, host=2, vm=1) as b:
        conf = vsphere_block(a, "alpha") + vsphere_block(b, "beta").replace("LoadPlugin vsphere\n", "")
        conf = conf.replace("</Plugin>\n<Plugin vsphere>\n", "")
        with Collectd(conf, interval=1) as cd:
            cd.wait_for(lambda: vc_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average", "alpha")
                        and vc_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average", "beta"),
                        30, what="both vCenters")
            beta = {x[1]["instance"] for x in vc_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average",
                                                       "beta")}
            assert beta == set(b.inventory()[0]), beta
            assert a.sessions() == 1 and b.sessions() == 1


def test_metric_selection_globs():
    # (state values are not counters: CollectProperties false keeps them
    # out of the picture)
    extra = ('DefaultMetrics false\nMetric "vm.cpu.*"\nIgnoreMetric "*.cpu.ready.*"\n'
             'Metric "host.mem.usage.average"\nCollectProperties false')
    with Vcsim() as vc, Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
        cd.wait_for_metric("collectd_vsphere_host_mem_usage_average", 30)
        wait_cycles(cd, 3, 30)
        names = {m[0] for m in cd.metrics() if m[0].startswith("collectd_vsphere_") and "_self_" not in m[0]}
        assert "collectd_vsphere_vm_cpu_usage_average" in names
        assert "collectd_vsphere_vm_cpu_idle_summation" in names   # a non-default counter via glob
        assert "collectd_vsphere_vm_cpu_ready_summation" not in names
        assert not [n for n in names if n.startswith("collectd_vsphere_vm_mem_")], names
        assert not [n for n in names if n.startswith("collectd_vsphere_host_")
                    and n != "collectd_vsphere_host_mem_usage_average"], names
        # clusters and datastores are collected, but no counter of theirs
        # matches the globs
        assert not [n for n in names if n.startswith(("collectd_vsphere_cluster_",
                                                      "collectd_vsphere_datastore_"))], names


def test_config_errors_are_clear():
    with Vcsim(start=False) as vc:
        vc.url = "http://127.0.0.1:9/sdk"
        cases = [
            ("Bogus 1", "unknown option `Bogus'"),
            ('PasswordFile "/nonexistent"', "exclude each other"),
            ('Timeout "ten"', "Timeout"),
        ]
        for extra, expect in cases:
            rc, out = harness.run_collectd_test_config(vsphere_block(vc, extra=extra))
            assert rc != 0, (extra, out)
            assert expect in out, (extra, expect, out)
        rc, out = harness.run_collectd_test_config(
            'LoadPlugin vsphere\n<Plugin vsphere>\n <Vcenter "x">\n  User "u"\n  Password "p"\n </Vcenter>\n</Plugin>\n')
        assert rc != 0 and "option URL is required" in out, out
        assert "p\"" not in out


ALL = [
    test_every_vm_and_host_with_default_counters,
    test_powered_off_vm_is_skipped,
    test_one_connection_one_session_one_login,
    test_concurrent_queries_reuse_their_connections,
    test_logout_on_shutdown,
    test_password_is_xml_escaped,
    test_password_file,
    test_wrong_password_logged_once_then_backs_off,
    test_session_terminated_logs_in_again,
    test_vcsim_restart_resumes_without_fd_growth,
    test_metric_selection_globs,
    test_two_vcenters_each_with_own_session,
    test_config_errors_are_clear,
    test_thousand_cycles_no_fd_or_session_growth,
    test_each_sample_dispatched_once_with_vcenter_timestamp,
]
LONG = {test_thousand_cycles_no_fd_or_session_growth, test_each_sample_dispatched_once_with_vcenter_timestamp}



if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
