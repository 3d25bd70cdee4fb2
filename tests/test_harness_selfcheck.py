#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-check of the test harness, without the vsphere plugin:
vcsim + vsctl + collectd (load + write_prometheus) work and leave nothing
running. Last line: "N passed, N failed"; exit status 1 on failure."""

import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim, vsctl  # noqa: E402


def _gone(pid):
    """True if pid no longer exists (or is a zombie not ours)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_parse_prometheus():
    text = ('# HELP x y\n# TYPE collectd_load_shortterm gauge\n'
            'collectd_load_shortterm{instance="h"} 0.5 1700000000000\n'
            'a_b{x="q\\"u\\\\o\\nte",y="2"} NaN\n'
            'plain 3\n')
    m = harness.parse_prometheus(text)
    assert m[0] == ("collectd_load_shortterm", {"instance": "h"}, 0.5, 1700000000000), m[0]
    assert m[1][0] == "a_b" and m[1][1] == {"x": 'q"u\\o\nte', "y": "2"} and m[1][2] != m[1][2], m[1]
    assert m[2] == ("plain", {}, 3.0, None), m[2]
    assert len(harness.find_metrics(m, "a_b", y="2")) == 1


def test_vcsim_sessions_inventory():
    flags = dict(dc=2, cluster=2, cluster_host=2, host=1, vm=3, pool=1)
    with Vcsim(**flags) as vc:
        assert vc.url.startswith("http://127.0.0.1:") and vc.url.endswith("/sdk"), vc.url
        assert vc.sessions() == 0
        vms, hosts = vc.inventory()
        # hosts = dc*(host + cluster*cluster_host); VMs = dc*(host+cluster)*vm
        assert len(hosts) == 2 * (1 + 2 * 2) == vc.expected_hosts, hosts
        assert len(vms) == 2 * (1 + 2) * 3 == vc.expected_vms, vms
        assert set(vms.values()) == {"poweredOn"}, set(vms.values())
        assert "DC1_C1_RP0_VM2" in vms and "DC0_H0" in hosts, (vms, hosts)
        vc.poweroff("DC0_H0_VM0")
        assert vc.inventory()[0]["DC0_H0_VM0"] == "poweredOff"
        # vsctl logged out each time: still no foreign sessions
        assert vc.sessions() == 0
        # a bad password is refused (vsctl exit 3 = login failure)
        try:
            vsctl(vc, "sessions", password="wrong")
        except RuntimeError as e:
            assert "rc=3" in str(e) and "Login failure" in str(e), e
        else:
            raise AssertionError("login with a wrong password succeeded")
        try:
            vsctl(vc, "sessions", user="other")
        except RuntimeError:
            pass
        else:
            raise AssertionError("login with a wrong user succeeded")
        pid = vc.pid
    assert _gone(pid), "vcsim pid %d still exists" % pid


def _soap_login(url, user="user", password="pass", ctx=None):
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
            '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
            '<userName>%s</userName><password>%s</password></Login></soapenv:Body></soapenv:Envelope>'
            % (user, password)).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "text/xml",
                                                          "SOAPAction": "urn:vim25/7.0"})
    with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
        return r.headers.get("Set-Cookie")


def test_sessions_terminate_restart_tls():
    import ssl
    with Vcsim(tls=True, idle_timeout="1s") as vc:
        assert vc.url.startswith("https://"), vc.url
        ctx = ssl.create_default_context(cafile=vc.ca_file)
        cookie = _soap_login(vc.url, ctx=ctx)
        assert cookie and cookie.startswith("vmware_soap_session="), cookie
        _soap_login(vc.url, ctx=ctx)
        assert vc.sessions() == 2
        assert vc.terminate_sessions() == 2
        assert vc.sessions() == 0
        # idle expiry: checked every idle_timeout, so gone within 2*timeout
        _soap_login(vc.url, ctx=ctx)
        harness.wait_for(lambda: vc.sessions() == 0, 10, 0.3, "idle session expiry")
        try:
            _soap_login(vc.url, password="nope", ctx=ctx)
        except urllib.error.HTTPError as e:
            assert e.code == 500 and b"InvalidLogin" in e.read()
        else:
            raise AssertionError("bad password accepted")
        port, old = vc.port, vc.pid
        _soap_login(vc.url, ctx=ctx)
        vc.restart()
        assert vc.port == port and vc.pid != old and _gone(old)
        assert vc.sessions() == 0, "sessions survived a restart"


def test_collectd_load_write_prometheus():
    with Collectd("", interval=1, extra_plugins=["load"]) as cd:
        got = cd.wait_for_metric("collectd_load_shortterm", timeout=20)
        name, labels, value, ts = got[0]
        assert labels.get("instance") == "testhost", labels
        assert value >= 0 and ts and abs(ts / 1000 - time.time()) < 60, got
        names = {m[0] for m in cd.metrics()}
        assert {"collectd_load_midterm", "collectd_load_longterm"} <= names, names
        assert cd.fd_count() > 0 and cd.rss_kb() > 0
        # collectd has no outbound connection to its own listening port
        assert cd.tcp_connections_to(cd.port) == 0
        assert "Initialization complete" in cd.log(), cd.log()
        assert cd.log_lines("error") == [], cd.log_lines("error")
        pid = cd.pid
        rc = cd.stop()
        assert rc == 0, "collectd exit code %s\n%s" % (rc, cd.output())
    assert _gone(pid), "collectd pid %d still exists" % pid


def test_tcp_connection_counting():
    """tcp_connections() on our own process: 2 client sockets to a server."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    assert harness.tcp_connections(os.getpid(), port) == 0
    c1 = socket.create_connection(("127.0.0.1", port), timeout=5)
    c2 = socket.create_connection(("127.0.0.1", port), timeout=5)
    a1, _ = srv.accept()
    a2, _ = srv.accept()
    try:
        # accepted sockets have *local* port == port, so they are not counted
        assert harness.tcp_connections(os.getpid(), port) == 2
        c1.close()
        assert harness.tcp_connections(os.getpid(), port) == 1
    finally:
        for s in (c2, a1, a2, srv):
            s.close()


def test_collectd_config_check():
    rc, out = harness.run_collectd_test_config("", extra_plugins=["load"])
    assert rc == 0, (rc, out)
    # -T does parse the config: a failing (simple) config callback -> exit 1
    rc, out = harness.run_collectd_test_config("<Plugin load>\n  Bogus 1\n</Plugin>\n",
                                               extra_plugins=["load"])
    assert rc == 1 and "failed to handle option `Bogus'" in out, (rc, out)
    # -t is a no-op in collectd 5.12 (always 0); documented, checked here so
    # we notice if a fixed collectd shows up
    rc, out = harness.run_collectd_test_config("<Plugin load>\n  Bogus 1\n</Plugin>\n",
                                               mode="-t", extra_plugins=["load"])
    assert rc == 0, "collectd -t now validates configs? (rc=%d) %s" % (rc, out)


def test_no_leftover_processes():
    kids = [p for p in harness.children_of() if not _gone(p)]
    assert not kids, "leftover child processes: %s" % kids


# --------------------------------------------------------------------------
# production-vCenter behaviour: strict vcsim, vsctl surgery, faultserver modes

import threading  # noqa: E402

import faultserver  # noqa: E402
from faultserver import FaultServer  # noqa: E402

SMALL = dict(dc=1, cluster=1, cluster_host=2, host=1, vm=1)


def _inv(vc, kind=None, **match):
    return [r for r in vc.inventory_full()
            if (kind is None or r["kind"] == kind) and all(r[k] == v for k, v in match.items())]


def _one(rows):
    assert len(rows) == 1, rows
    return rows[0]


def _ts(s):
    return faultserver.xsd_timestamp_ns(s) / 1e9


def test_vcsim_strict_queryperf():
    with Vcsim(**SMALL) as vc:
        vm = _one(_inv(vc, "vm", name="DC0_H0_VM0"))
        host = _one(_inv(vc, "host", name="DC0_H0"))
        cookie = harness.soap_login(vc.url)
        # the replaced PerformanceManager still serves its counter catalog
        st, text, _ = harness.soap_post(vc.url, harness.retrieve_perf_counters_xml(), cookie)
        assert st == 200 and text.count("<key>") > 100, (st, text[:300])
        st, text = harness.query_perf(vc.url, cookie, [vm["moref"], host["moref"]],
                                      counters=(2, 6), max_sample=3)
        assert st == 200, text
        got = harness.parse_query_perf(text)
        assert set(got) == {vm["moref"], host["moref"]}, got
        assert all(len(v["timestamps"]) == 3 and len(v["series"]) == 2 for v in got.values()), got
        vc.destroy(vm["moref"])
        assert not _inv(vc, "vm", moref=vm["moref"])
        # the whole call faults, naming the destroyed VM (host first in the batch)
        st, text = harness.query_perf(vc.url, cookie, [host["moref"], vm["moref"]], counters=(2,))
        f = harness.soap_fault(text)
        assert st == 500 and f and f["type"] == "ManagedObjectNotFound", (st, text[:500])
        assert f["obj"] == ("VirtualMachine", vm["moref"]), f
        assert '<obj type="VirtualMachine">%s</obj>' % vm["moref"] in text, text
        assert vc.queryperf(vm["moref"]) == ("fault", "ManagedObjectNotFound VirtualMachine:" + vm["moref"])
        # the surviving host alone still answers
        kind, res = vc.queryperf(host["moref"])
        assert kind == "ok" and len(res[host["moref"]]) == 3, res
        stats = vc.control_stats()
        assert stats["not_found_faults"] == 2 and stats["queryperf_calls"] >= 4, stats
        harness.soap_logout(vc.url, cookie)


def test_vcsim_control_errors():
    with Vcsim(**SMALL) as vc:
        for cmd, params in (("bogus", {}), ("host-state", {"name": "DC0_H0", "state": "sleepy"}),
                            ("host-state", {"name": "nohost", "state": "connected"}),
                            ("slow", {"name": "DC0_H0", "seconds": "-1"}),
                            ("slow", {"name": "DC0_H0", "seconds": "601"}),
                            ("lag", {"type": "Bogus", "seconds": "5"})):
            try:
                vc.control(cmd, **params)
            except RuntimeError as e:
                assert "HTTP 400" in str(e), e
            else:
                raise AssertionError("vcsim-control %s %s accepted" % (cmd, params))
        assert vc.control("clear").strip() == "ok cleared"


def test_vcsim_host_state():
    with Vcsim(**SMALL) as vc:
        # the cluster's VM is placed on one of the cluster's hosts
        hn = _one(_inv(vc, "vm", cluster="DC0_C0"))["host"]
        h = _one(_inv(vc, "host", name=hn))
        vms = _inv(vc, "vm", host=hn)
        others = [r for r in _inv(vc, "vm") if r["host"] != hn]
        assert vms and others, vc.inventory_full()
        assert h["connection"] == "connected" and h["cluster"] == "DC0_C0" and \
            h["path"] == "/DC0/host/DC0_C0/" + hn and h["datacenter"] == "DC0", h
        out = vc.host_state(hn, "disconnected")
        assert out.startswith("ok %s %s disconnected vms=%d" % (h["moref"], hn, len(vms))), out
        assert _one(_inv(vc, "host", name=hn))["connection"] == "disconnected"
        assert {r["connection"] for r in _inv(vc, "vm", host=hn)} == {"disconnected"}
        assert {r["connection"] for r in _inv(vc, "vm") if r["host"] != hn} == {"connected"}
        assert vc.queryperf(h["moref"]) == ("fault", "HostNotConnected")
        assert vc.queryperf(vms[0]["moref"], others[0]["moref"]) == ("fault", "HostNotConnected")
        assert vc.queryperf(others[0]["moref"])[0] == "ok"
        vc.host_state(h["moref"], "notResponding")
        assert _one(_inv(vc, "host", name=hn))["connection"] == "notResponding"
        assert vc.queryperf(vms[0]["moref"]) == ("fault", "HostNotReachable")
        vc.host_state(hn, "connected")
        assert {r["connection"] for r in _inv(vc, "vm")} == {"connected"}
        assert vc.queryperf(vms[0]["moref"])[0] == "ok"
        assert vc.control_stats()["host_faults"] == 3


def test_vcsim_slow_host():
    S = 2.0
    with Vcsim(**SMALL) as vc:
        slow_vm = _one(_inv(vc, "vm", host="DC0_H0"))["moref"]
        slow_host = _one(_inv(vc, "host", name="DC0_H0"))["moref"]
        fast_vm = _inv(vc, "vm", cluster="DC0_C0")[0]["moref"]
        assert vc.slow_host("DC0_H0", S).startswith("ok host-")
        cookie = harness.soap_login(vc.url)
        took = {}

        def q(name, moref):
            t0 = time.monotonic()
            st, text = harness.query_perf(vc.url, cookie, [moref], max_sample=1)
            took[name] = (time.monotonic() - t0, st)

        t = threading.Thread(target=q, args=("slow", slow_vm))
        t.start()
        time.sleep(0.3)              # the slow call is sleeping now
        q("fast", fast_vm)           # ... and does not hold this one up
        t.join(S + 10)
        assert not t.is_alive()
        assert took["slow"][1] == 200 and took["slow"][0] >= S, took
        assert took["fast"][1] == 200 and took["fast"][0] < 1.0, took
        # the host itself is slow too; a client that gives up ends the sleep
        t0 = time.monotonic()
        try:
            harness.query_perf(vc.url, cookie, [slow_host], timeout=0.5)
        except OSError:
            pass
        assert time.monotonic() - t0 < S
        harness.wait_for(lambda: vc.control_stats()["slow_aborted"] == 1, 5, 0.1, "slow_aborted")
        vc.slow_host("DC0_H0", 0)
        q("cleared", slow_vm)
        assert took["cleared"][0] < 1.0, took
        assert vc.control_stats()["slow_calls"] == 2
        harness.soap_logout(vc.url, cookie)


def test_vcsim_lag():
    LAG = 120
    with Vcsim(**SMALL) as vc:
        vm = _inv(vc, "vm")[0]["moref"]
        host = _one(_inv(vc, "host", name="DC0_H0"))["moref"]
        cookie = harness.soap_login(vc.url)

        def newest(moref, **kw):
            st, text = harness.query_perf(vc.url, cookie, [moref], max_sample=3, **kw)
            assert st == 200, text
            d = harness.parse_query_perf(text)[moref]
            return max(_ts(t) for t in d["timestamps"]) if d["timestamps"] else None

        assert abs(newest(vm) - time.time()) < 5
        assert vc.lag("VirtualMachine", LAG) == "ok lag VirtualMachine 120s"
        n = newest(vm)
        assert time.time() - LAG - 5 < n <= time.time() - LAG + 1, (n, time.time())
        assert abs(newest(host) - time.time()) < 5, "lag leaked to HostSystem"
        # asking only for the newest minute: nothing yet (entity, no samples)
        assert newest(vm, start=time.time() - 60) is None
        # an explicit endTime earlier than now-lag is kept
        n = newest(vm, end=time.time() - 2 * LAG)
        assert abs(n - (time.time() - 2 * LAG)) < 5, n
        # the withheld samples appear once the lag is gone
        vc.lag("VirtualMachine", 0)
        assert abs(newest(vm, start=time.time() - 60) - time.time()) < 5
        st = vc.control_stats()
        assert st["lagged_specs"] == 2 and st["empty_specs"] == 1, st
        harness.soap_logout(vc.url, cookie)


def test_vsctl_rename_escape_duplicates():
    with Vcsim(dc=2, cluster=1, cluster_host=1, host=1, vm=1) as vc:
        a = _one(_inv(vc, "vm", name="DC0_H0_VM0"))
        b = _one(_inv(vc, "vm", name="DC1_H0_VM0"))
        raw = "web/db\\01 100%"
        esc = "web%2fdb%5c01 100%25"
        vc.rename("DC0_H0_VM0", raw)
        r = _one(_inv(vc, "vm", moref=a["moref"]))
        assert r["name"] == esc and r["path"] == "/DC0/vm/" + esc, r
        assert vc.moref(raw) == [(a["moref"], "VirtualMachine")] == vc.moref(esc)
        # the same name in the other datacenter: names are unique per folder only
        vc.rename(b["moref"], raw)
        assert sorted(vc.moref(raw)) == sorted([(a["moref"], "VirtualMachine"),
                                                (b["moref"], "VirtualMachine")])
        try:
            vc.rename(raw, "x")
        except RuntimeError as e:
            assert "ambiguous" in str(e), e
        else:
            raise AssertionError("rename of an ambiguous name succeeded")
        # ... and in one datacenter, through a folder of its own
        f = vc.folder_create("/DC0/vm", "sub")
        c = _one(_inv(vc, "vm", name="DC0_C0_RP0_VM0"))
        vc.move(c["moref"], f)
        vc.rename(c["moref"], raw)
        r = _one(_inv(vc, "vm", moref=c["moref"]))
        assert r["path"] == "/DC0/vm/sub/" + esc and r["datacenter"] == "DC0", r
        assert len(vc.moref(raw)) == 3
        # snapshots and maintenance show in the extra column
        vc.snapshot_create(a["moref"], "s1")
        assert _one(_inv(vc, "vm", moref=a["moref"]))["extra"] == "snapshots=1"
        vc.snapshot_remove_all(a["moref"])
        assert _one(_inv(vc, "vm", moref=a["moref"]))["extra"] == ""
        vc.maintenance("DC1_H0")
        assert _one(_inv(vc, "host", name="DC1_H0"))["extra"] == "maintenance"
        vc.maintenance("DC1_H0", enter=False)
        assert _one(_inv(vc, "host", name="DC1_H0"))["extra"] == ""
        # the other kinds
        kinds = {r["kind"] for r in vc.inventory_full()}
        assert kinds == {"vm", "host", "cluster", "pool", "datastore", "datacenter"}, kinds
        cl = _one(_inv(vc, "cluster", name="DC1_C0"))
        assert cl["path"] == "/DC1/host/DC1_C0" and cl["datacenter"] == "DC1", cl
        vc.destroy(b["moref"])
        assert vc.moref(raw) and b["moref"] not in [m for m, _ in vc.moref(raw)]
        assert vc.sessions() == 0, "vsctl left sessions behind"


def test_faultserver_minus_one():
    with Vcsim(**SMALL) as vc, FaultServer(vc.url) as fs:
        vm = _one(_inv(vc, "vm", host="DC0_H0"))["moref"]
        host = _one(_inv(vc, "host", name="DC0_H0"))["moref"]
        fs.mode = "minus_one"
        cookie = harness.soap_login(fs.url)
        st, text = harness.query_perf(fs.url, cookie, [vm, host], counters=(2, 6), max_sample=3)
        assert st == 200, text
        got = harness.parse_query_perf(text)
        want = set()
        for moref, d in got.items():
            ts = [_ts(t) for t in d["timestamps"]]
            i = ts.index(max(ts))
            for (cid, inst), vals in d["series"].items():
                assert vals[i] == -1 and all(v >= 0 for j, v in enumerate(vals) if j != i), (moref, vals)
                want.add((moref, cid, inst, d["timestamps"][i]))
        assert set(fs.minus_one_blanked) == want and len(want) == 4, (fs.minus_one_blanked, want)
        # only the values changed: the document is otherwise identical
        assert text.count("<value>-1</value>") == 4
        # the second answer for the same entities passes untouched
        st, text = harness.query_perf(fs.url, cookie, [vm, host], counters=(2, 6), max_sample=3)
        assert st == 200 and "<value>-1</value>" not in text, text
        assert len(fs.minus_one_blanked) == 4
        # one counter only, after a reset
        fs.minus_one_reset()
        fs.minus_one_counters = {6}
        st, text = harness.query_perf(fs.url, cookie, [vm], counters=(2, 6), max_sample=3)
        d = harness.parse_query_perf(text)[vm]
        assert -1 in d["series"][(6, "*")] and -1 not in d["series"][(2, "*")], d
        assert [b[1] for b in fs.minus_one_blanked] == [6]
        # other operations pass
        assert harness.soap_post(fs.url, harness.retrieve_perf_counters_xml(), cookie)[0] == 200
        assert fs.count("injected", "minus_one") == 2
        harness.soap_logout(fs.url, cookie)
    # newest by timestamp, not by position: vCenter sends oldest first
    rv = (b'<returnval xsi:type="PerfEntityMetric"><entity type="VirtualMachine">vm-9</entity>'
          b'<sampleInfo><timestamp>2024-01-01T00:00:00Z</timestamp><interval>20</interval></sampleInfo>'
          b'<sampleInfo><timestamp>2024-01-01T00:00:20Z</timestamp><interval>20</interval></sampleInfo>'
          b'<sampleInfo><timestamp>2024-01-01T00:00:40Z</timestamp><interval>20</interval></sampleInfo>'
          b'<value xsi:type="PerfMetricIntSeries"><id><counterId>2</counterId><instance></instance></id>'
          b'<value>10</value><value>20</value><value>30</value></value></returnval>')
    seen, blanked = set(), []
    out = faultserver._minus_one_returnval(rv, set(), seen, blanked)
    assert out == rv.replace(b"<value>30</value>", b"<value>-1</value>"), out
    assert blanked == [("vm-9", 2, "", "2024-01-01T00:00:40Z")] and seen == {"vm-9"}, blanked
    assert faultserver._minus_one_returnval(rv, set(), seen, blanked) == rv


def test_faultserver_empty_props_missing_noauth():
    with Vcsim(**SMALL) as vc, FaultServer(vc.url) as fs:
        cookie = harness.soap_login(fs.url)
        view = harness.create_container_view(fs.url, cookie, ("VirtualMachine",))
        inv = harness.retrieve_view_xml(view, "VirtualMachine", ("name", "runtime.powerState"))
        st, text, _ = harness.soap_post(fs.url, inv, cookie)
        assert st == 200 and text.count("<objects>") == vc.expected_vms, text[:300]
        fs.mode = "empty_props"
        st, text, _ = harness.soap_post(fs.url, inv, cookie)
        assert st == 200 and "<RetrievePropertiesExResponse" in text and "<returnval" not in text, text
        assert harness.soap_fault(text) is None
        st, text, _ = harness.soap_post(fs.url, harness.retrieve_perf_counters_xml(), cookie)
        assert st == 200 and "<returnval>" in text and "perfCounter" in text, text[:300]
        assert fs.count("injected", "empty_props") == 1
        fs.mode = "missing_noauth"
        st, text, _ = harness.soap_post(fs.url, inv, cookie)
        assert st == 200 and "<propSet>" not in text, text
        import re
        objs = re.findall(r"<objects>(.*?)</objects>", text)
        assert len(objs) == vc.expected_vms, text
        for o in objs:
            m = re.match(r'<obj type="VirtualMachine">(vm-\d+)</obj>(.*)$', o)
            assert m, o
            assert m.group(2) == "".join(faultserver.missing_set_xml(p, "VirtualMachine", m.group(1))
                                         for p in ("name", "runtime.powerState")), o
        assert ('<missingSet><path>name</path><fault><fault xsi:type="NotAuthenticated"><object '
                'type="VirtualMachine">%s</object><privilegeId>System.View</privilegeId></fault>'
                '<localizedMessage></localizedMessage></fault></missingSet>' % m.group(1)) in text
        st, text, _ = harness.soap_post(fs.url, harness.retrieve_perf_counters_xml(), cookie)
        assert st == 200 and "<propSet>" in text and "missingSet" not in text
        harness.soap_logout(fs.url, cookie)


def test_faultserver_not_found():
    with Vcsim(**SMALL) as vc, FaultServer(vc.url) as fs:
        vms = [r["moref"] for r in _inv(vc, "vm")]
        cookie = harness.soap_login(fs.url)
        fs.mode = "not_found"
        fs.not_found_morefs = {vms[1]}
        st, text = harness.query_perf(fs.url, cookie, [vms[0]], max_sample=1)
        assert st == 200 and harness.parse_query_perf(text)[vms[0]]["timestamps"], text
        st, text = harness.query_perf(fs.url, cookie, [vms[0], vms[1]])
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "ManagedObjectNotFound" and f["obj"] == ("VirtualMachine", vms[1]), text
        assert '<ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound">' \
            '<obj type="VirtualMachine">%s</obj></ManagedObjectNotFoundFault>' % vms[1] in text, text
        fs.not_found_named = False
        st, text = harness.query_perf(fs.url, cookie, vms)
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "ManagedObjectNotFound" and f["obj"] is None, text
        assert vms[1] not in text and "<obj" not in text, text
        assert fs.not_found_sent == [vms[1], vms[1]] and fs.count("injected", "not_found") == 2
        # vcsim's own strict fault has the same detail
        vc.destroy(vms[0])
        fs.mode = "pass"
        st, text2 = harness.query_perf(fs.url, cookie, [vms[0]])
        assert st == 500 and '<ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound">' \
            '<obj type="VirtualMachine">%s</obj></ManagedObjectNotFoundFault>' % vms[0] in text2, text2
        harness.soap_logout(fs.url, cookie)


def test_faultserver_delay_match():
    import socket as _socket
    D = 1.5
    with Vcsim(**SMALL) as vc, FaultServer(vc.url) as fs:
        vms = [r["moref"] for r in _inv(vc, "vm")]
        cookie = harness.soap_login(fs.url)
        fs.mode = "delay_match"
        fs.delay_match_strings = [">%s<" % vms[0]]
        fs.delay_seconds = D
        t0 = time.monotonic()
        st, _ = harness.query_perf(fs.url, cookie, [vms[1]])
        assert st == 200 and time.monotonic() - t0 < 1.0
        t0 = time.monotonic()
        st, text = harness.query_perf(fs.url, cookie, [vms[1], vms[0]])
        took = time.monotonic() - t0
        assert st == 200 and took >= D and set(harness.parse_query_perf(text)) == set(vms), (took, text)
        # a client that goes away ends the hold (and nothing is proxied)
        calls = vc.control_stats()["queryperf_calls"]
        body = (harness._SOAP_HEAD + harness.query_perf_xml([vms[0]]) + harness._SOAP_TAIL).encode()
        s = _socket.create_connection(("127.0.0.1", fs.port), timeout=5)
        s.sendall(b"POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nCookie: %s\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (cookie.encode(), len(body), body))
        time.sleep(0.3)
        s.close()
        harness.wait_for(lambda: fs.count("delayed", "delay_match:client") == 1, 5, 0.1, "client gone")
        time.sleep(D)
        assert vc.control_stats()["queryperf_calls"] == calls
        assert fs.count("delayed", "delay_match") == 2
        harness.soap_logout(fs.url, cookie)


ALL = [test_parse_prometheus, test_vcsim_sessions_inventory,
       test_sessions_terminate_restart_tls, test_collectd_load_write_prometheus,
       test_tcp_connection_counting, test_collectd_config_check,
       test_vcsim_strict_queryperf, test_vcsim_control_errors, test_vcsim_host_state,
       test_vcsim_slow_host, test_vcsim_lag, test_vsctl_rename_escape_duplicates,
       test_faultserver_minus_one, test_faultserver_empty_props_missing_noauth,
       test_faultserver_not_found, test_faultserver_delay_match,
       test_no_leftover_processes]


# --------------------------------------------------------------------------
# vcsim -max-query-metrics: config.vpxd.stats.maxQueryMetrics like vCenter

MQM = "config.vpxd.stats.maxQueryMetrics"


def _qp_specs(entities, **kw):
    """The querySpec elements of harness.query_perf_xml (to mix specs with
    different intervals or counters in one call)."""
    body = harness.query_perf_xml(entities, **kw)
    return body[body.index("<querySpec>"):body.rindex("</QueryPerf>")]


def _qp(vc, cookie, *specs):
    body = ('<QueryPerf xmlns="urn:vim25"><_this type="PerformanceManager">PerfMgr</_this>%s'
            '</QueryPerf>' % "".join(specs))
    st, text, _ = harness.soap_post(vc.url, body, cookie)
    return st, text


def test_vcsim_max_query_metrics():
    N = 8
    with Vcsim(**SMALL, extra_args=["-max-query-metrics", str(N)]) as vc:
        # the option, as an int (xsd:int), from the VpxSettings OptionManager
        assert vc.query_options(MQM) == ("ok", {MQM: N}), vc.query_options(MQM)
        kind, opts = vc.query_options("config.vpxd.stats.")
        assert kind == "ok" and opts == {MQM: N}, opts
        assert vc.query_options("config.vpxd.sso.enabled")[0] == "ok"
        assert vc.query_options("no.such.option") == ("fault", "InvalidName")
        PAIR = {"vm": "VirtualMachine", "host": "HostSystem", "cluster": "ClusterComputeResource",
                "datastore": "Datastore", "datacenter": "Datacenter", "pool": "ResourcePool"}

        def ent(kind_, **m):
            return (PAIR[kind_], _inv(vc, kind_, **m)[0]["moref"])
        vm, host, cl, ds = ent("vm"), ent("host"), ent("cluster"), ent("datastore")
        cookie = harness.soap_login(vc.url)
        cids = list(range(1, 30))

        def ok(st, text, *want):
            assert st == 200, text[:500]
            assert set(harness.parse_query_perf(text)) == {e[1] for e in want}, text[:500]

        def refused(st, text):
            f = harness.soap_fault(text)
            assert st == 500 and f and f["type"] == "InvalidArgument", (st, text[:500])
            assert f["string"] == ("This operation is restricted by the administrator - "
                                   "'vpxd.stats.maxQueryMetrics'. Contact your system "
                                   "administrator."), f

        # at the bound: answered; one more: refused (instance "*" counts once)
        ok(*_qp(vc, cookie, _qp_specs([cl], counters=cids[:N], interval=300, max_sample=1)), cl)
        refused(*_qp(vc, cookie, _qp_specs([cl], counters=cids[:N + 1], interval=300)))
        refused(*_qp(vc, cookie, _qp_specs([cl], counters=cids[:N + 1], instance="", interval=300)))
        # counted over the specs: 2 entities x 5 metrics = 10 > 8
        refused(*_qp(vc, cookie, _qp_specs([cl, ds], counters=cids[:5], interval=300)))
        ok(*_qp(vc, cookie, _qp_specs([cl, ds], counters=cids[:4], interval=300, max_sample=1)), cl, ds)
        # no intervalId: historical for a cluster, realtime for a VM
        refused(*_qp(vc, cookie, _qp_specs([cl], counters=cids[:N + 1], interval=0)))
        ok(*_qp(vc, cookie, _qp_specs([vm], counters=cids, interval=0, max_sample=1)), vm)
        # realtime (20 s) queries are not bounded, historical ones of a VM are
        ok(*_qp(vc, cookie, _qp_specs([vm, host], counters=cids, interval=20, max_sample=1)), vm, host)
        refused(*_qp(vc, cookie, _qp_specs([vm], counters=cids[:N + 1], interval=300)))
        # mixed: only the historical specs count
        ok(*_qp(vc, cookie, _qp_specs([vm, host], counters=cids, interval=20, max_sample=1),
                _qp_specs([cl], counters=cids[:N], interval=300, max_sample=1)), vm, host, cl)
        # historical calls so far 8, largest 2 x 5 = 10, refused 5
        assert vc.max_query_metrics_stats() == (8, 10, 5), vc.control_stats()
        # a spec without metricId asks for every counter of the catalog
        refused(*_qp(vc, cookie, _qp_specs([ds], counters=(), interval=300)))
        hist, seen, faults = vc.max_query_metrics_stats()
        st, text, _ = harness.soap_post(vc.url, harness.retrieve_perf_counters_xml(), cookie)
        assert (hist, faults) == (9, 6) and seen == text.count("<PerfCounterInfo>") > 100, (seen, hist, faults)
        # vsctl's QueryPerf (govmomi client) gets the same fault
        assert vc.queryperf(cl[1], counters=cids[:N + 1], interval=300)[0] == "fault"
        # the live option counts: UpdateOptions to -1 (unlimited) lifts the bound
        st, text, _ = harness.soap_post(
            vc.url, '<UpdateOptions xmlns="urn:vim25"><_this type="OptionManager">VpxSettings</_this>'
            '<changedValue xsi:type="OptionValue"><key>%s</key><value xsi:type="xsd:int">-1</value>'
            '</changedValue></UpdateOptions>' % MQM, cookie)
        assert st == 200, text[:500]
        assert vc.query_options(MQM) == ("ok", {MQM: -1})
        ok(*_qp(vc, cookie, _qp_specs([cl], counters=cids, interval=300, max_sample=1)), cl)
        assert vc.max_query_metrics_stats() == (11, seen, 7), vc.control_stats()
        harness.soap_logout(vc.url, cookie)
    # without the flag: no option (vCenter < 6.5 / >= 6.5 defaults apply to
    # clients), no bound
    with Vcsim(**SMALL) as vc:
        assert vc.query_options(MQM) == ("fault", "InvalidName")
        cl = ("ClusterComputeResource", _inv(vc, "cluster")[0]["moref"])
        cookie = harness.soap_login(vc.url)
        st, text = _qp(vc, cookie, _qp_specs([cl], counters=range(1, 300), interval=300, max_sample=1))
        assert st == 200, text[:500]
        assert vc.max_query_metrics_stats() == (1, 299, 0), vc.control_stats()
        harness.soap_logout(vc.url, cookie)


ALL.insert(len(ALL) - 1, test_vcsim_max_query_metrics)  # before test_no_leftover_processes


# --------------------------------------------------------------------------
# vcsim closer to vCenter's API reference: historical QueryPerf, statistics
# levels, property collector paging, per-entity faults, catalog drift,
# vCenter's clock, vimServiceVersions.xml

def _ent(vc, kind, **m):
    pair = {"vm": "VirtualMachine", "host": "HostSystem", "cluster": "ClusterComputeResource",
            "datastore": "Datastore", "datacenter": "Datacenter", "pool": "ResourcePool"}
    return (pair[kind], _inv(vc, kind, **m)[0]["moref"])


def _perf(vc, cookie, ent, **kw):
    """QueryPerf for one entity -> (timestamps as epoch seconds, series)."""
    st, text = harness.query_perf(vc.url, cookie, [ent], **kw)
    assert st == 200, text[:500]
    d = harness.parse_query_perf(text)[ent[1]]
    return [_ts(t) for t in d["timestamps"]], d["series"]


def test_vcsim_historical_queryperf():
    """maxSample is ignored for historical intervals; without startTime the
    answer holds the whole day the 300 s interval keeps; startTime is
    exclusive, endTime inclusive; samples on whole multiples of the period,
    oldest first; a sample keeps its value. (Stock vcsim: maxSample
    samples, stamped back from the moment of the query, newest first.)"""
    with Vcsim(**SMALL) as vc:
        cl, ds, vm = _ent(vc, "cluster"), _ent(vc, "datastore"), _ent(vc, "vm")
        cookie = harness.soap_login(vc.url)
        now = time.time()
        ts, series = _perf(vc, cookie, cl, counters=(2, 6), interval=300, max_sample=1)
        newest = now // 300 * 300
        assert len(ts) == 288 and ts == sorted(ts), (len(ts), ts[:3])
        assert all(t % 300 == 0 for t in ts), ts[:3]
        assert newest - 300 <= ts[-1] <= time.time() and ts[0] > now - 86400, (ts[0], ts[-1], now)
        assert ts == [ts[0] + 300 * i for i in range(288)]
        assert set(series) == {(2, "*"), (6, "*")} and all(len(v) == 288 for v in series.values())
        # (start, end]: the boundary at start is left out, the one at end kept
        b = ts[-1]
        ts2, s2 = _perf(vc, cookie, cl, counters=(2, 6), interval=300, start=b - 900, end=b - 300,
                        max_sample=1)
        assert ts2 == [b - 600, b - 300], ts2
        # a sample keeps its value from one query to the next
        assert s2[(2, "*")] == series[(2, "*")][-3:-1], (s2, series[(2, "*")][-3:])
        # no intervalId: historical for a datastore; a window between
        # boundaries holds none
        ts3, _ = _perf(vc, cookie, ds, counters=(281,), interval=0, start=b - 299.5)
        assert ts3 in ([b], [b, b + 300]), (ts3, b)
        ts4, s4 = _perf(vc, cookie, ds, counters=(281,), interval=300, start=b + 0.5, end=b + 299)
        assert ts4 == [] and s4 == {}, (ts4, s4)
        # the 1800 s interval keeps a week, on 1800 s boundaries
        ts5, _ = _perf(vc, cookie, cl, counters=(2,), interval=1800)
        assert len(ts5) == 336 and all(t % 1800 == 0 for t in ts5) and ts5 == sorted(ts5), ts5[:3]
        # lag still withholds the newest samples of an entity type
        vc.lag("Datastore", 900)
        ts6, _ = _perf(vc, cookie, ds, counters=(281,), interval=300, start=now - 3600)
        assert ts6 and ts6[-1] <= time.time() - 900 and ts6[-1] >= time.time() - 1500 and \
            len(ts6) in (9, 10), ts6
        vc.lag("Datastore", 0)
        # an empty window (startTime >= endTime): the entity, no samples
        ts7, s7 = _perf(vc, cookie, cl, counters=(2,), interval=300, start=b, end=b - 600)
        assert ts7 == [] and s7 == {}
        # realtime (20 s) answers are vcsim's as before: maxSample samples
        ts8, _ = _perf(vc, cookie, vm, counters=(2,), interval=20, max_sample=3)
        assert len(ts8) == 3, ts8
        # an intervalId that names no statistics interval
        st, text = harness.query_perf(vc.url, cookie, [cl], counters=(2,), interval=60)
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "InvalidArgument", text[:500]
        st = vc.control_stats()
        # the empty window and the fault are no historical answers
        assert st["historical_specs"] == 6 and st["historical_samples"] == 288 + 2 + len(ts3) + 336 + len(ts6), st
        harness.soap_logout(vc.url, cookie)


DEFAULT_INTERVALS = [
    {"key": 1, "samplingPeriod": 300, "name": "Past day", "length": 86400, "level": 1, "enabled": True},
    {"key": 2, "samplingPeriod": 1800, "name": "Past week", "length": 604800, "level": 1, "enabled": True},
    {"key": 3, "samplingPeriod": 7200, "name": "Past month", "length": 2592000, "level": 1, "enabled": True},
    {"key": 4, "samplingPeriod": 86400, "name": "Past year", "length": 31536000, "level": 1, "enabled": True},
]


def test_vcsim_statistics_levels():
    """historicalInterval lists vCenter's four default intervals (stock
    vcsim: none); a historical answer has no series for a counter above the
    interval's level (stock: every counter asked for); realtime answers are
    not subject to levels; -stats-level and stats-level set the 300 s
    interval's level."""
    with Vcsim(**SMALL, stats_level=1) as vc:
        assert vc.historical_intervals() == DEFAULT_INTERVALS, vc.historical_intervals()
        cat = vc.perf_counters()
        # disk.used.latest (281) is level 1, datastore.read.average (180) 2
        assert cat[281]["level"] == 1 and cat[180]["level"] == 2, (cat[281], cat[180])
        assert cat[11]["name"] == "cpu.wait.summation" and cat[11]["level"] == 3, cat[11]
        ds, vm = _ent(vc, "datastore"), _ent(vc, "vm")
        cookie = harness.soap_login(vc.url)
        ts, series = _perf(vc, cookie, ds, counters=(281, 180), interval=300, start=time.time() - 900)
        assert ts and set(series) == {(281, "*")}, series
        # every metric above the level: the entity without samples
        ts, series = _perf(vc, cookie, ds, counters=(180,), interval=300, start=time.time() - 900)
        assert ts == [] and series == {}, (ts, series)
        # realtime statistics know no levels
        _, series = _perf(vc, cookie, vm, counters=(11,), interval=20, max_sample=1)
        assert set(series) == {(11, "*")}, series
        assert vc.stats_level(2) == "ok stats-level 2"
        assert [i["level"] for i in vc.historical_intervals()] == [2, 1, 1, 1]
        _, series = _perf(vc, cookie, ds, counters=(281, 180), interval=300, start=time.time() - 900)
        assert set(series) == {(281, "*"), (180, "*")}, series
        # the 1800 s interval stays at level 1
        _, series = _perf(vc, cookie, ds, counters=(281, 180), interval=1800, start=time.time() - 7200)
        assert set(series) == {(281, "*")}, series
        for bad in (0, 5):
            try:
                vc.stats_level(bad)
            except RuntimeError as e:
                assert "HTTP 400" in str(e), e
            else:
                raise AssertionError("stats-level %d accepted" % bad)
        st = vc.control_stats()
        assert st["stats_level"] == 2 and st["level_dropped_metrics"] == 3, st
        harness.soap_logout(vc.url, cookie)
    with Vcsim(**SMALL, stats_level=4) as vc:
        assert [i["level"] for i in vc.historical_intervals()] == [4, 1, 1, 1]
        assert vc.control_stats()["stats_level"] == 4
    # without the flag vcsim is at vCenter's default, 1 (the harness passes
    # VCSIM_STATS_LEVEL unless told otherwise)
    import subprocess
    out = subprocess.run([os.path.join(harness.BIN_DIR, "vcsim"), "-h"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=30).stdout
    assert re.search(r"-stats-level N\n[^\n]*\(default 1\)", out), out


def _props_call(vc, cookie, method, token):
    st, text, _ = harness.soap_post(
        vc.url, '<%s xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>'
        '<token>%s</token></%s>' % (method, token, method), cookie)
    return st, text


def _page(text):
    """(token or None, [object morefs]) of a RetrievePropertiesEx or
    ContinueRetrievePropertiesEx answer."""
    import re
    tok = re.search(r"<token>([^<]*)</token>", text)
    return tok.group(1) if tok else None, re.findall(r'<obj type="VirtualMachine">([^<]+)</obj>', text)


def test_vcsim_property_paging():
    """RetrievePropertiesEx honours options.maxObjects with a token written
    before the objects; ContinueRetrievePropertiesEx pages on (the last page
    without token), CancelRetrievePropertiesEx discards the rest; a token
    is good once, in its own session; a session's tokens end with it.
    (Stock vcsim: every object in one answer, no Continue/Cancel.)"""
    with Vcsim(dc=1, cluster=1, cluster_host=1, host=1, vm=3) as vc:
        vms = {r["moref"] for r in _inv(vc, "vm")}
        assert len(vms) == 6
        cookie = harness.soap_login(vc.url)
        view = harness.create_container_view(vc.url, cookie)
        inv = harness.retrieve_view_xml(view, max_objects=4)
        st, text, _ = harness.soap_post(vc.url, inv, cookie)
        tok, objs = _page(text)
        assert st == 200 and tok == "0" and len(objs) == 4, text[:500]
        assert text.index("<token>") < text.index("<objects>"), text[:500]
        st, text = _props_call(vc, cookie, "ContinueRetrievePropertiesEx", tok)
        tok2, objs2 = _page(text)
        assert st == 200 and tok2 is None and len(objs2) == 2, text[:500]
        assert "<ContinueRetrievePropertiesExResponse" in text
        assert set(objs) | set(objs2) == vms and not set(objs) & set(objs2)
        # a token is good once
        st, text = _props_call(vc, cookie, "ContinueRetrievePropertiesEx", tok)
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "InvalidArgument", text[:500]
        assert "<invalidProperty>token</invalidProperty>" in text, text
        # three pages of two: a new token each page
        st, text, _ = harness.soap_post(vc.url, harness.retrieve_view_xml(view, max_objects=2), cookie)
        t1, p1 = _page(text)
        st, text = _props_call(vc, cookie, "ContinueRetrievePropertiesEx", t1)
        t2, p2 = _page(text)
        assert t1 == "1" and t2 == "2" and len(p1) == len(p2) == 2, (t1, t2, p1, p2)
        # cancel discards the rest; the token is gone then
        st, text = _props_call(vc, cookie, "CancelRetrievePropertiesEx", t2)
        assert st == 200 and "<CancelRetrievePropertiesExResponse" in text, text[:500]
        for m in ("ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx"):
            st, text = _props_call(vc, cookie, m, t2)
            assert st == 500 and harness.soap_fault(text)["type"] == "InvalidArgument", text[:300]
        # without maxObjects: everything, no token
        st, text, _ = harness.soap_post(vc.url, harness.retrieve_view_xml(view), cookie)
        assert _page(text)[0] is None and len(_page(text)[1]) == 6
        # a retrieval abandoned without Cancel stays pending ...
        st, text, _ = harness.soap_post(vc.url, inv, cookie)
        t3 = _page(text)[0]
        assert vc.paging_stats() == (3, 4, 2, 1), vc.control_stats()
        # ... no other session may continue it ...
        other = harness.soap_login(vc.url)
        st, text = _props_call(vc, other, "ContinueRetrievePropertiesEx", t3)
        assert st == 500 and harness.soap_fault(text)["type"] == "InvalidArgument", text[:300]
        harness.soap_logout(vc.url, other)
        # ... and it ends with its session
        harness.soap_logout(vc.url, cookie)
        assert vc.paging_stats() == (3, 5, 2, 0), vc.control_stats()
        assert vc.control_stats()["props_token_faults"] == 4


def test_vcsim_entity_fault():
    """entity-fault: any QueryPerf whose specs include the entity fails as
    a whole with that SOAP fault (HTTP 500); other calls are answered.
    (Stock vcsim: never faults a QueryPerf for an existing entity.)"""
    with Vcsim(**SMALL) as vc:
        host, vm, cl = _ent(vc, "host", name="DC0_H0"), _ent(vc, "vm", host="DC0_H0"), _ent(vc, "cluster")
        assert vc.entity_fault(vm[1], "SystemError", "vpxd stats lookup failed") == \
            "ok VirtualMachine:%s SystemError" % vm[1]
        cookie = harness.soap_login(vc.url)
        st, text = harness.query_perf(vc.url, cookie, [host, vm], counters=(2,), max_sample=1)
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "SystemError" and f["string"] == "vpxd stats lookup failed", text[:600]
        assert "<reason>vpxd stats lookup failed</reason>" in text, text
        assert harness.query_perf(vc.url, cookie, [host], counters=(2,), max_sample=1)[0] == 200
        # a historical entity, by name, another fault type
        assert vc.entity_fault("DC0_C0", "NotSupported").startswith("ok ClusterComputeResource:")
        st, text = harness.query_perf(vc.url, cookie, [cl], counters=(2,), interval=300)
        assert st == 500 and harness.soap_fault(text)["type"] == "NotSupported", text[:500]
        assert "stats" in vc.control("stats") and \
            "entity_fault ClusterComputeResource:%s NotSupported" % cl[1] in vc.control("stats")
        vc.entity_fault(cl[1], "")
        assert harness.query_perf(vc.url, cookie, [cl], counters=(2,), interval=300)[0] == 200
        # a made-up faultstring without message=; clear forgets faults too
        vc.entity_fault(vm[1], "InvalidArgument")
        st, text = harness.query_perf(vc.url, cookie, [vm], counters=(2,), max_sample=1)
        f = harness.soap_fault(text)
        assert st == 500 and f["type"] == "InvalidArgument" and vm[1] in f["string"], text[:500]
        vc.control("clear")
        assert harness.query_perf(vc.url, cookie, [vm], counters=(2,), max_sample=1)[0] == 200
        for bad in ({"name": vm[1], "fault": "NoSuchFault"}, {"name": vm[1], "fault": "VirtualMachine"},
                    {"name": "nobody", "fault": "SystemError"}):
            try:
                vc.control("entity-fault", **bad)
            except RuntimeError as e:
                assert "HTTP 400" in str(e), e
            else:
                raise AssertionError("entity-fault %s accepted" % bad)
        assert vc.control_stats()["entity_faults"] == 3
        harness.soap_logout(vc.url, cookie)


def test_vcsim_catalog_drift():
    """counter-add appends a counter to perfCounter while sessions live
    (QueryPerfCounter knows it too); extra-counter makes realtime answers
    of an entity type carry one more series, catalogued or not."""
    with Vcsim(**SMALL) as vc:
        before = vc.perf_counters()
        key = vc.counter_add("vsan", "latencyAvg", rollup="average", unit="microsecond", level=2,
                             stats_type="absolute")
        assert key == max(before) + 1, (key, max(before))
        after = vc.perf_counters()
        assert set(after) - set(before) == {key} and after[key] == {
            "name": "vsan.latencyAvg.average", "level": 2, "unit": "microsecond",
            "statsType": "absolute"}, after[key]
        assert vc.counter_add("vsan", "iops", rollup="latest", key=900001) == 900001
        try:
            vc.counter_add("vsan", "dup", key=900001)
        except RuntimeError as e:
            assert "HTTP 400" in str(e), e
        else:
            raise AssertionError("a duplicate key was accepted")
        st, text = vc.soap_once('<QueryPerfCounter xmlns="urn:vim25"><_this type="PerformanceManager">'
                                'PerfMgr</_this><counterId>%d</counterId></QueryPerfCounter>' % key)
        assert st == 200 and "<key>%d</key>" % key in text and "<label>latencyAvg</label>" in text, text[:600]
        vm, host = _ent(vc, "vm"), _ent(vc, "host")
        cookie = harness.soap_login(vc.url)
        assert vc.extra_counter("VirtualMachine", 999999) == "ok extra-counter VirtualMachine 999999"
        ts, series = _perf(vc, cookie, vm, counters=(2,), interval=20, max_sample=3)
        assert set(series) == {(2, "*"), (999999, "")}, series
        assert len(series[(999999, "")]) == len(ts) == 3 and all(v >= 0 for v in series[(999999, "")])
        _, series = _perf(vc, cookie, host, counters=(2,), interval=20, max_sample=3)
        assert set(series) == {(2, "*")}, series
        # historical answers are vCenter's database: no extra series there
        _, series = _perf(vc, cookie, vm, counters=(2,), interval=300, start=time.time() - 900)
        assert set(series) == {(2, "*")}, series
        vc.extra_counter("VirtualMachine", key)
        _, series = _perf(vc, cookie, vm, counters=(2, 6), interval=20, max_sample=2)
        assert set(series) == {(2, "*"), (6, "*"), (key, "")}, series
        vc.extra_counter("VirtualMachine", 0)
        _, series = _perf(vc, cookie, vm, counters=(2,), interval=20, max_sample=2)
        assert set(series) == {(2, "*")}, series
        st = vc.control_stats()
        assert st["counters_added"] == 2 and st["extra_series"] == 2, st
        harness.soap_logout(vc.url, cookie)


def test_vcsim_clock_offset():
    """-clock-offset / clock-offset: CurrentTime and the "now" of QueryPerf
    answers follow vCenter's clock, not this machine's."""
    with Vcsim(**SMALL, clock_offset=-7200) as vc:
        assert abs(vc.current_time() - (time.time() - 7200)) < 5, vc.current_time() - time.time()
        assert vc.control_stats()["clock_offset_ms"] == -7200000
        vm, cl = _ent(vc, "vm"), _ent(vc, "cluster")
        cookie = harness.soap_login(vc.url)
        ts, _ = _perf(vc, cookie, vm, counters=(2,), interval=20, max_sample=3)
        assert abs(max(ts) - (time.time() - 7200)) < 5, max(ts) - time.time()
        ts, _ = _perf(vc, cookie, cl, counters=(2,), interval=300)
        newest = (time.time() - 7200) // 300 * 300   # a boundary may pass meanwhile
        assert ts[-1] in (newest, newest - 300) and len(ts) == 288, (ts[-1], time.time())
        assert vc.clock_offset(90.5) == "ok clock-offset 90.5s"
        assert abs(vc.current_time() - (time.time() + 90.5)) < 5
        ts, _ = _perf(vc, cookie, vm, counters=(2,), interval=20, max_sample=1)
        assert abs(ts[0] - (time.time() + 90.5)) < 5, ts[0] - time.time()
        # a window in vCenter's future has no samples yet
        ts, _ = _perf(vc, cookie, cl, counters=(2,), interval=300, start=time.time() + 600)
        assert ts == []
        vc.clock_offset(0)
        assert abs(vc.current_time() - time.time()) < 5
        assert vc.control_stats()["current_time_shifted"] == 2
        harness.soap_logout(vc.url, cookie)


def test_vcsim_service_versions():
    """GET /sdk/vimServiceVersions.xml (govmomi's own handler, unchanged):
    urn:vim25 at vcsim's API version 6.5, prior versions 6.0 and 5.5."""
    with Vcsim(**SMALL) as vc:
        st, ns = vc.service_versions()
        assert st == 200 and ns == {"urn:vim25": ("6.5", ["6.0", "5.5"])}, (st, ns)


def test_vcsim_event_collectors():
    """Events as vCenter's EventManager keeps them (tests/vcsim/events.go):
    vcsim's own events (power operations) and posted ones (event-post,
    event-burst) in one store with their real keys and entity arguments;
    collectors that honour beginTime and eventTypeId (an EventEx by its
    eventTypeId), follow events posted after them, page with maxCount,
    read a burst of 5,000 whole and in order, from raw SOAP and from
    govmomi (vsctl events-read); destroyed or foreign collectors are
    ManagedObjectNotFound; at most 32 per session; a terminated session's
    collectors no longer count; the counters add up."""
    url = None

    def read(cookie, coll, n, **kw):
        st, evs = harness.read_next_events(url, cookie, coll, n, **kw)
        assert st == 200, (st, evs)
        return evs

    def keys(evs):
        return [e["key"] for e in evs]

    with Vcsim(**SMALL) as vc:
        url = vc.url
        vm = "DC0_H0_VM0"
        vm_ref = _one([m for m, t in vc.moref(vm) if t == "VirtualMachine"])
        host_ref = _one([m for m, t in vc.moref("DC0_H0") if t == "HostSystem"])
        st0 = vc.event_stats()
        before = vc.events()
        # building the model posted events (creations, power-ons), kept too
        assert before and keys(before) == list(range(1, len(before) + 1)), keys(before)
        assert st0["events_total"] == st0["events_kept"] == st0["events_last_key"] == len(before), st0
        assert st0["event_collectors_live"] == st0["event_collectors_made"] == 0, st0

        # vcsim's own events: a power cycle through the API (vsctl)
        k0, t0 = st0["events_last_key"], time.time()
        vc.poweroff(vm)
        vc.poweron(vm)
        evs = vc.events(since=k0)
        assert keys(evs) == list(range(k0 + 1, k0 + 1 + len(evs))), keys(evs)
        assert all(t0 - 5 < e["time"] < time.time() + 5 for e in evs), evs
        power = [(e["type"], e["entity"]) for e in evs if e["type"].startswith("VmPowered")]
        assert power == [("VmPoweredOffEvent", vm_ref), ("VmPoweredOnEvent", vm_ref)], evs
        assert [e["type"] for e in evs].count("UserLoginSessionEvent") == 2, evs
        assert all(e["entity"] is None for e in evs if e["type"].startswith("UserLog")), evs

        # posted events: a typed one with the VM's arguments, an EventEx on a host
        k_fail = vc.event_post("VmFailedToPowerOnEvent", name=vm, message="no host has room")
        k_ex = vc.event_post("EventEx", name="DC0_H0", event_type_id="esx.problem.vmfs.heartbeat.timedout",
                             severity="warning")
        assert k_ex == k_fail + 1 and k_fail > k0
        tail = [(e["key"], e["type"], e["entity"]) for e in vc.events(since=k_fail - 1)]
        assert tail == [(k_fail, "VmFailedToPowerOnEvent", vm_ref),
                        (k_ex, "esx.problem.vmfs.heartbeat.timedout", host_ref)], tail

        cookie = harness.soap_login(url)
        reads = 0
        # by eventTypeId, from an hour ago: only those two so far
        ids = ["VmFailedToPowerOnEvent", "esx.problem.vmfs.heartbeat.timedout",
               "com.vmware.vc.HA.VmRestartedByHAEvent"]
        typed = harness.event_collector_create(url, cookie, begin=time.time() - 3600, type_ids=ids)
        fail, ex = read(cookie, typed, 100)
        reads += 1
        assert (fail["type"], fail["key"], ex["type"], ex["key"]) == ("VmFailedToPowerOnEvent", k_fail,
                                                                      "EventEx", k_ex), (fail, ex)
        assert fail["vm"] == (vm, vm_ref) and fail["host"] == ("DC0_H0", host_ref), fail
        assert fail["datacenter"][0] == "DC0" and fail["computeResource"][1], fail
        assert fail["message"] == "no host has room" and fail["chainId"] == k_fail, fail
        assert ex["eventTypeId"] == "esx.problem.vmfs.heartbeat.timedout" and ex["severity"] == "warning", ex
        assert ex["host"] == ("DC0_H0", host_ref) and "vm" not in ex, ex
        assert read(cookie, typed, 100) == []
        reads += 1

        # from now on: nothing at first, then what is posted afterwards, in pages
        now = harness.event_collector_create(url, cookie, begin=time.time())
        assert read(cookie, now, 10) == []
        k1 = vc.event_post("HostConnectionLostEvent", name="DC0_H0")
        k2 = vc.event_post("VmPoweredOffEvent", name=vm, user="admin")
        k3 = vc.event_post("com.vmware.vc.HA.VmRestartedByHAEvent", name=vm)
        page1, page2, page3 = read(cookie, now, 2), read(cookie, now, 2), read(cookie, now, 2)
        reads += 1 + 3
        assert (keys(page1), keys(page2), page3) == ([k1, k2], [k3], []), (page1, page2, page3)
        assert page1[0]["type"] == "HostConnectionLostEvent" and page1[0]["host"] == ("DC0_H0", host_ref)
        assert page1[1]["userName"] == "admin" and page1[1]["vm"] == (vm, vm_ref), page1[1]
        assert (page2[0]["type"], page2[0]["eventTypeId"]) == ("EventEx", ids[2]), page2
        # the typed collector follows too, with its filter
        assert keys(read(cookie, typed, 100)) == [k3]
        reads += 1

        # a burst of 5,000: all of it, in order, once, 1000 a page at most
        first, last = vc.event_burst("VmPoweredOnEvent", 5000, name=vm)
        assert last - first == 4999 and first > k3, (first, last)
        got = []
        while True:
            page = read(cookie, now, 1000)
            reads += 1
            assert len(page) <= 1000
            if not page:
                break
            got += keys(page)
        assert got == list(range(first, last + 1)), (len(got), got[:3], got[-3:])
        assert keys(vc.events(since=k3)) == got
        # ... maxCount beyond 1000 is cut to 1000 (vCenter's bound)
        back = harness.event_collector_create(url, cookie, type_ids=["VmPoweredOnEvent"])
        assert len(read(cookie, back, 5000)) == 1000
        reads += 1

        # govmomi's client (vsctl: its own session and collector) reads everything
        out = vc.vsctl("events-read", "1000").splitlines()
        listed = vc.events()
        assert out[-1] == "total %d" % (len(listed) - 1), (out[-2:], len(listed))  # not its logout
        assert [int(l.split()[0]) for l in out[:-2]] == keys(listed)[:-1]
        assert listed[-1]["type"] == "UserLogoutSessionEvent" and listed[-2]["type"] == "UserLoginSessionEvent"
        assert out[k_ex - 1] == "%d esx.problem.vmfs.heartbeat.timedout" % k_ex, out[k_ex - 1]
        pages = int(out[-2].split()[1])
        assert pages == (len(listed) - 1 + 999) // 1000 + 1, out[-2]
        reads += pages

        # destroyed: ManagedObjectNotFound, for reads and a second destroy
        assert harness.destroy_collector(url, cookie, now) == (200, None)
        st, f = harness.destroy_collector(url, cookie, now)
        assert st == 500 and f["type"] == "ManagedObjectNotFound" and f["obj"] == ("EventHistoryCollector", now), f
        st, f = harness.read_next_events(url, cookie, now, 10)  # (vcsim answers: no collector counts it)
        assert st == 500 and f["type"] == "ManagedObjectNotFound", (st, f)
        # another session's collector is unknown there; 32 per session
        cookie2 = harness.soap_login(url)
        st, f = harness.read_next_events(url, cookie2, typed, 10)
        assert st == 500 and f["type"] == "ManagedObjectNotFound", (st, f)
        for _ in range(32):
            harness.event_collector_create(url, cookie2)
        try:
            harness.event_collector_create(url, cookie2)
        except RuntimeError as e:
            assert "InvalidState" in str(e), e
        else:
            raise AssertionError("a 33rd collector in one session")
        st = vc.event_stats()
        made = 3 + 1 + 32  # typed, now, back; vsctl's; cookie2's
        assert (st["event_collectors_live"], st["event_collectors_made"], st["event_collectors_destroyed"],
                st["event_collectors_session_ended"]) == (2 + 32, made, 2, 0), st
        assert st["read_next_events_calls"] == reads, (st, reads)

        # vCenter's clock: createdTime follows it
        vc.clock_offset(-7200)
        k = vc.event_post("VmPoweredOnEvent", name=vm)
        assert abs(vc.events(since=k - 1)[0]["time"] - (time.time() - 7200)) < 5
        vc.clock_offset(0)

        # sessions ended (TerminateSession): their collectors are gone
        assert vc.terminate_sessions() == 2
        st, f = harness.read_next_events(url, cookie, typed, 10)
        assert st == 500 and f["type"] == "NotAuthenticated", (st, f)
        st = vc.event_stats()
        assert (st["event_collectors_live"], st["event_collectors_made"], st["event_collectors_destroyed"],
                st["event_collectors_session_ended"]) == (0, made, 2, 34), st
        listed = vc.events()
        assert st["events_total"] == st["events_kept"] == st["events_last_key"] == len(listed), st
        assert keys(listed) == list(range(1, len(listed) + 1))


# --------------------------------------------------------------------------
# triggered alarms (tests/vcsim/alarms.go)

def _watch_line(proc, timeout):
    """The next line of a vsctl alarm-watch, within timeout seconds."""
    import select
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([proc.stdout], [], [], max(0.0, end - time.monotonic()))
        if r:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError("alarm-watch ended: %s" % proc.stderr.read())
            return line.strip()
    raise AssertionError("no alarm-watch line within %gs" % timeout)


def test_vcsim_triggered_alarms():
    """Alarms as vCenter has them, seen through govmomi (vsctl): Alarm
    objects whose info.name the property collector reads (in bulk), a
    deleted one ManagedObjectNotFound (the whole call faults); an alarm set
    on a VM is one AlarmState (entity = the VM) in the VM's
    triggeredAlarmState and its containers' (folders, datacenter, root
    folder, resource pool, cluster, host); none removes it everywhere; an
    update stream (WaitForUpdatesEx) on the host sees each change; a
    datastore's shows on its folder and datacenter; AlarmManager answers
    GetAlarm, GetAlarmState, AcknowledgeAlarm; AlarmStatusChangedEvent and
    AlarmAcknowledgedEvent are posted; a VM destroyed takes its states
    along; the counters add up."""
    with Vcsim(**SMALL) as vc:
        inv = vc.inventory_full()

        def ref(kind, **m):
            return _one([r for r in inv if r["kind"] == kind and all(r[k] == v for k, v in m.items())])

        vm = ref("vm", name="DC0_C0_RP0_VM0")
        host = ref("host", name=vm["host"])
        cl = ref("cluster", name=vm["cluster"])
        dc = ref("datacenter", name=vm["datacenter"])
        ds = [r for r in inv if r["kind"] == "datastore"][0]
        pool = _one([r for r in inv if r["kind"] == "pool" and r["cluster"] == cl["name"]])
        assert vc.alarm_stats() == {"alarms_defined": 0, "alarm_states": 0, "alarm_name_reads": 0}
        cpu = vc.alarm_define("Virtual machine CPU usage")
        assert vc.alarm_define("Virtual machine CPU usage") == cpu  # idempotent per name
        dsu = vc.alarm_define("Datastore usage on disk")
        assert re.fullmatch(r"alarm-\d+", cpu) and dsu != cpu, (cpu, dsu)
        assert sorted(vc.vsctl("alarm-list").split()) == sorted([cpu, dsu])
        # names in bulk through the property collector
        assert vc.alarm_names(cpu, dsu) == ("ok", {cpu: "Virtual machine CPU usage",
                                                   dsu: "Datastore usage on disk"})
        assert vc.alarms() == []

        # on the VM and every container above it, the same AlarmState
        vc.alarm_set(vm["name"], "Virtual machine CPU usage", "red")
        got = vc.alarms()
        holders = {a["holder"] for a in got}
        assert {vm["moref"], host["moref"], cl["moref"], dc["moref"], pool["moref"]} <= holders, got
        assert all((a["alarm"], a["status"], a["ack"], a["entity"]) == (cpu, "red", False, vm["moref"])
                   for a in got), got
        assert len(holders) == len(got) == vc.alarm_stats()["alarm_states"], got
        assert vc.vsctl("alarm-state", vm["moref"]).split() == [cpu, "red", "false", vm["moref"]]
        assert vc.vsctl("alarm-state", host["moref"]).split() == [cpu, "red", "false", vm["moref"]]

        # the update stream of a client watching the host sees each change
        w = vc.alarm_watch(host["moref"], 4)
        assert _watch_line(w, 30) == "ready"
        assert _watch_line(w, 30) == "update %s:red:false:%s" % (cpu, vm["moref"])
        t0 = time.monotonic()
        vc.alarm_set(vm["moref"], cpu, "yellow", ack=True, user="VSPHERE.LOCAL\\ops")
        assert _watch_line(w, 10) == "update %s:yellow:true:%s" % (cpu, vm["moref"])
        took = time.monotonic() - t0
        vc.alarm_set(vm["moref"], cpu, "yellow", ack=True)  # nothing changes: no update
        vc.alarm_set(vm["moref"], cpu, "none")
        assert _watch_line(w, 10) == "update -"
        assert vc.alarms() == [] and vc.alarm_stats()["alarm_states"] == 0
        vc.alarm_set(vm["moref"], cpu, "red")
        assert _watch_line(w, 10) == "update %s:red:false:%s" % (cpu, vm["moref"])
        assert w.wait(10) == 0, w.stderr.read()
        print("  update stream saw an alarm change %.2f s after alarm-set" % took)

        # AlarmManager.AcknowledgeAlarm (govmomi), as the session's user
        vc.vsctl("alarm-ack", vm["moref"], cpu)
        assert {(a["status"], a["ack"]) for a in vc.alarms()} == {("red", True)}

        # a datastore's alarm: on the datastore, its folder, the datacenter
        vc.alarm_set(ds["moref"], dsu, "yellow")
        on_ds = {a["holder"] for a in vc.alarms() if a["alarm"] == dsu}
        assert {ds["moref"], dc["moref"]} <= on_ds and host["moref"] not in on_ds, on_ds
        assert all(a["entity"] == ds["moref"] for a in vc.alarms() if a["alarm"] == dsu)

        # deleted: info.name faults ManagedObjectNotFound, the whole call
        # with it; its states stay (a stale reference) until set to none
        assert vc.alarm_delete("Datastore usage on disk") == dsu
        assert vc.alarm_names(dsu) == ("fault", "ManagedObjectNotFound Alarm:" + dsu)
        assert vc.alarm_names(cpu, dsu) == ("fault", "ManagedObjectNotFound Alarm:" + dsu)
        assert vc.alarm_names(cpu) == ("ok", {cpu: "Virtual machine CPU usage"})
        assert sorted(vc.vsctl("alarm-list").split()) == [cpu]
        assert {a["holder"] for a in vc.alarms() if a["alarm"] == dsu} == on_ds
        dsu2 = vc.alarm_define("Datastore usage on disk")  # a new one: morefs are not reused
        assert dsu2 not in (cpu, dsu), dsu2
        vc.alarm_set(ds["moref"], dsu, "none")  # the deleted one, by moref
        # Alarm.RemoveAlarm through the API deletes it too
        cookie = harness.soap_login(vc.url)
        st, text, _ = harness.soap_post(vc.url, '<RemoveAlarm xmlns="urn:vim25"><_this type="Alarm">%s'
                                        '</_this></RemoveAlarm>' % dsu2, cookie)
        assert st == 200, text[:500]
        harness.soap_logout(vc.url, cookie)
        assert vc.alarm_names(dsu2) == ("fault", "ManagedObjectNotFound Alarm:" + dsu2)
        assert [a for a in vc.alarms() if a["alarm"] == dsu] == []

        # events vCenter posts
        evs = [(e["type"], e["entity"]) for e in vc.events()]
        assert evs.count(("AlarmStatusChangedEvent", vm["moref"])) == 4, evs
        assert evs.count(("AlarmAcknowledgedEvent", vm["moref"])) == 2, evs
        assert evs.count(("AlarmStatusChangedEvent", ds["moref"])) == 2, evs

        # bad requests
        for bad in ({"entity": vm["name"], "alarm": cpu, "status": "purple"},
                    {"entity": vm["name"], "alarm": "no such alarm", "status": "red"},
                    {"entity": "nobody", "alarm": cpu, "status": "red"},
                    {"entity": vm["name"], "alarm": cpu, "status": "red", "ack": "maybe"}):
            try:
                vc.control("alarm-set", **bad)
            except RuntimeError as e:
                assert "HTTP 400" in str(e), e
            else:
                raise AssertionError("alarm-set %s accepted" % bad)

        # a VM destroyed takes its alarm states out of its containers
        assert vc.alarm_stats()["alarm_states"] == len(holders)
        vc.destroy(vm["moref"])
        harness.wait_for(lambda: vc.alarms() == [], 10, what="the destroyed VM's alarm states gone")
        st = vc.alarm_stats()
        assert st["alarms_defined"] == 1 and st["alarm_states"] == 0, st
        assert st["alarm_name_reads"] == 5, st  # the alarm-name calls (faulted ones too)


for _t in (test_vcsim_historical_queryperf, test_vcsim_statistics_levels, test_vcsim_property_paging,
           test_vcsim_entity_fault, test_vcsim_catalog_drift, test_vcsim_clock_offset,
           test_vcsim_service_versions, test_vcsim_event_collectors, test_vcsim_triggered_alarms):
    ALL.insert(len(ALL) - 1, _t)  # before test_no_leftover_processes

if __name__ == "__main__":
    # [-k SUBSTRING]; last line "N passed, N failed"
    sys.exit(harness.main(ALL))
