#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vSphere tags through the REST API, in a real collectd against the test
vcsim (its REST API is govmomi's vapi simulator, tests/vcsim/rest.go):
tags created and attached with vsctl are read by the plugin in bulk over
one REST session (its log line says what it found), a detach is seen at
the next TagInterval, a REST session killed in vCenter gets one new login,
shutdown leaves no REST (and no SOAP) session; a server without the REST
API (404) is one log line and everything else goes on.

The tags reach /metrics as info series (vm_tag, type "<category>:<tag>",
value 1) at once after each read, and a detached tag's series goes.

Usage: test_tags.py [-k SUBSTRING] [--quick]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_coverage import values  # noqa: E402
from test_integration import plugin_errors, self_value, vsphere_block, wait_cycles  # noqa: E402

WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))
SCALE = 3.0 if WRAPPED else 1.0


def rest_stats(vc):
    return {k: v for k, v in vc.control_stats().items() if k.startswith("rest_")}


def tag_lines(cd):
    return [l for l in cd.log_lines() if "vSphere tags:" in l]


def test_tags_read_over_one_rest_session():
    with Vcsim() as vc:
        vc.vsctl("tag-category-create", "Environment")
        vc.vsctl("tag-create", "Environment", "prod")
        vc.vsctl("tag-category-create", "Owner")
        vc.vsctl("tag-create", "Owner", "team-a")
        vc.vsctl("tag-attach", "Environment", "prod", "/DC0/vm/DC0_H0_VM0", "/DC0/vm/DC0_C0_RP0_VM1")
        vc.vsctl("tag-attach", "Owner", "team-a", "/DC0/vm/DC0_H0_VM0")
        before = rest_stats(vc)
        assert before["rest_sessions_live"] == 0, before  # vsctl logged out
        extra = "TagInterval 2"
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            cd.wait_for(lambda: any("3 tag(s) on 2 object(s), 2 categories, 2 tags" in l
                                    for l in tag_lines(cd)), 30 * SCALE, what="the tags read")
            # as info series on /metrics, on the VMs' own identity
            def tags_of(vm):
                return {k[2] for k, v in values(cd, "vm_tag").items() if k[0] == vm and v == 1.0}
            cd.wait_for(lambda: tags_of("DC0_H0_VM0") == {"Environment:prod", "Owner:team-a"},
                        20 * SCALE, what="the tag series")
            assert tags_of("DC0_C0_RP0_VM1") == {"Environment:prod"}
            assert tags_of("DC0_H0_VM1") == set()
            st = rest_stats(vc)
            assert st["rest_sessions_live"] == 1, st
            assert st["rest_logins"] == before["rest_logins"] + 1, (before, st)
            assert st["rest_attached_calls"] >= 1, st
            # every object of the read in each bulk call, never one call each
            calls = st["rest_attached_calls"] - before["rest_attached_calls"]
            objects = st["rest_attached_objects"] - before["rest_attached_objects"]
            assert objects >= 4 * calls, (calls, objects)  # 4 VMs, 4 hosts, ...

            # a detach: seen at the next TagInterval
            vc.vsctl("tag-detach", "Environment", "prod", "/DC0/vm/DC0_C0_RP0_VM1")
            cd.wait_for(lambda: any("2 tag(s) on 1 object(s)" in l for l in tag_lines(cd)),
                        20 * SCALE, what="the detach")
            # its series ends (collectd's cache lets it go: 2 intervals)
            cd.wait_for(lambda: tags_of("DC0_C0_RP0_VM1") == set(), 20 * SCALE,
                        what="the detached tag's series gone")
            assert tags_of("DC0_H0_VM0") == {"Environment:prod", "Owner:team-a"}

            # the REST session killed in vCenter: one new login, no error
            # (vsctl's own logins count too: from here)
            logins = rest_stats(vc)["rest_logins"]
            assert vc.control("rest-kill").strip() == "ok killed 1"
            cd.wait_for(lambda: rest_stats(vc)["rest_logins"] == logins + 1,
                        20 * SCALE, what="the REST re-login")
            st = rest_stats(vc)
            assert st["rest_sessions_live"] == 1, st
            assert st["rest_unauthorized"] >= 1, st
            # the SOAP session was never disturbed: one login all along
            wait_cycles(cd, (self_value(cd, "read_cycles") or 0) + 2, 10 * SCALE)
            assert self_value(cd, "logins") == 1
            assert not plugin_errors(cd), plugin_errors(cd)
        st = rest_stats(vc)
        assert st["rest_sessions_live"] == 0, st  # logged out at shutdown
        assert st["rest_logouts"] >= before["rest_logouts"] + 1, st
        assert vc.sessions() == 0


def test_no_rest_api_is_one_line():
    with Vcsim(extra_args=["-rest=false"]) as vc, \
            Collectd(vsphere_block(vc, extra="TagInterval 1"), interval=1) as cd:
        wait_cycles(cd, 6, 30 * SCALE)
        lines = [l for l in cd.log_lines() if "REST login" in l]
        assert len(lines) == 1, lines
        assert "HTTP 404" in lines[0] and "tags are off" in lines[0], lines
        assert not plugin_errors(cd), plugin_errors(cd)
        assert cd.wait_for_metric("collectd_vsphere_vm_cpu_usage_average", 30 * SCALE)


def test_refused_rest_login_then_works():
    with Vcsim() as vc:
        vc.control("rest-login-status", status=403)
        with Collectd(vsphere_block(vc, extra="TagInterval 2"), interval=1) as cd:
            cd.wait_for(lambda: any("HTTP 403" in l for l in cd.log_lines()), 20 * SCALE,
                        what="the 403 line")
            vc.control("rest-login-status", status=0)
            cd.wait_for(lambda: any("works again" in l for l in cd.log_lines()), 20 * SCALE,
                        what="tags on again")
            assert len([l for l in cd.log_lines() if "HTTP 403" in l]) == 1
            assert rest_stats(vc)["rest_sessions_live"] == 1
        assert rest_stats(vc)["rest_sessions_live"] == 0


def test_tag_in_identity_from_the_first_value():
    """HostnameFormat "name" "tag:Environment": a VM's series carry its
    tag from the first value on (the tags are read before anything is
    sent), and a tag moved to another VM moves both identities at the next
    TagInterval."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        vc.vsctl("tag-category-create", "Environment")
        vc.vsctl("tag-create", "Environment", "prod")
        vc.vsctl("tag-attach", "Environment", "prod", "/DC0/vm/DC0_H0_VM0")
        extra = 'TagInterval 2\nHostnameFormat "name" "tag:Environment"'
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            seen = set()

            def hosts(metric):
                got = {k[0] for k in values(cd, metric)}
                seen.update(got)
                return got
            cd.wait_for(lambda: {"DC0_H0_VM0:prod", "DC0_H0_VM1:"} <= hosts("vm_cpu_usage_average")
                        and "DC0_H0_VM0:prod" in hosts("vm_power_state"),
                        60 * SCALE, what="identities with the tag")
            assert "DC0_H0_VM0:" not in seen, seen  # never without its tag
            vc.vsctl("tag-attach", "Environment", "prod", "/DC0/vm/DC0_H0_VM1")
            vc.vsctl("tag-detach", "Environment", "prod", "/DC0/vm/DC0_H0_VM0")
            cd.wait_for(lambda: {"DC0_H0_VM1:prod", "DC0_H0_VM0:"} <= hosts("vm_power_state"),
                        20 * SCALE, what="the state values under the moved tag")
            cd.wait_for(lambda: {"DC0_H0_VM1:prod", "DC0_H0_VM0:"} <= hosts("vm_cpu_usage_average"),
                        40 * SCALE, what="the counters under the moved tag")
            assert not plugin_errors(cd), plugin_errors(cd)


def test_one_rest_session_through_100_reads_with_relogins():
    """TagInterval 0.2 at Interval 0.2: a tag read at every read, 100
    reads, the REST session killed in vCenter every 10th: never more than
    one REST session live, one new REST login per kill, the fds and TCP
    connections where they were, and none left after shutdown."""
    with Vcsim(cluster=0, host=1, vm=2) as vc:
        vc.vsctl("tag-category-create", "Environment")
        vc.vsctl("tag-create", "Environment", "prod")
        vc.vsctl("tag-attach", "Environment", "prod", "/DC0/vm/DC0_H0_VM0")
        with Collectd(vsphere_block(vc, extra="Interval 0.2\nTagInterval 0.2"), interval=1) as cd:
            wait_cycles(cd, 5, 30 * SCALE)
            base = rest_stats(vc)
            fds, conns = cd.fd_count(), cd.tcp_connections_to(vc.port)
            start, kills, most_live = self_value(cd, "read_cycles"), 0, 0
            while self_value(cd, "read_cycles") < start + 100:
                c = self_value(cd, "read_cycles")
                if (c - start) // 10 > kills and kills < 10:
                    assert vc.control("rest-kill").strip() == "ok killed 1"
                    kills += 1
                most_live = max(most_live, rest_stats(vc)["rest_sessions_live"])
                wait_cycles(cd, c + 1, 10 * SCALE)
            wait_cycles(cd, self_value(cd, "read_cycles") + 3, 10 * SCALE)
            st = rest_stats(vc)
            refreshes = st["rest_attached_calls"] - base["rest_attached_calls"]
            assert refreshes >= 50, (base, st)  # (a read may skip one: TagInterval)
            assert most_live == 1, most_live
            assert st["rest_sessions_live"] == 1, st
            assert st["rest_logins"] - base["rest_logins"] == kills, (kills, base, st)
            assert cd.fd_count() <= fds, (fds, cd.fd_count())
            assert cd.tcp_connections_to(vc.port) <= conns, (conns, cd.tcp_connections_to(vc.port))
            assert self_value(cd, "logins") == 1
            assert not plugin_errors(cd), plugin_errors(cd)
        st = rest_stats(vc)
        assert st["rest_sessions_live"] == 0 and vc.sessions() == 0, st


ALL = [
    test_tags_read_over_one_rest_session,
    test_no_rest_api_is_one_line,
    test_refused_rest_login_then_works,
    test_tag_in_identity_from_the_first_value,
    test_one_rest_session_through_100_reads_with_relogins,
]
# plain run only: their C paths (re-login, renaming) run under valgrind and
# ASan in the unit tests (test_tags, test_collect) and the first test here
LONG = [test_tag_in_identity_from_the_first_value, test_one_rest_session_through_100_reads_with_relogins]

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
