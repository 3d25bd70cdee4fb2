#!/usr/bin/env python3
"""Self-check of the test harness, without the vsphere plugin:
vcsim + vsctl + collectd (load + write_prometheus) work and leave nothing
running. Last line: "N passed, N failed"; exit status 1 on failure."""

import os
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


if __name__ == "__main__":
    tests = [test_parse_prometheus, test_vcsim_sessions_inventory,
             test_sessions_terminate_restart_tls, test_collectd_load_write_prometheus,
             test_tcp_connection_counting, test_collectd_config_check,
             test_no_leftover_processes]
    passed, failed = harness.run(tests)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
