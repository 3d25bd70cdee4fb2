#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Soak: thousands of read cycles against vcsim behind the fault server,
with faults, session kills and a vCenter restart mixed in. Asserts that
fds, vCenter sessions (1) and RSS stay flat and that collection recovers.

Usage: test_soak.py [--quick] [--cycles N]
  default 10,000 cycles; --quick 1,000 (for the valgrind/ASan runs).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from harness import Collectd, Vcsim  # noqa: E402
from test_integration import self_metric, self_value, vsphere_block, wait_cycles  # noqa: E402

CYCLES = 10000
# (mode, seconds): every fault kind the fault server has, briefly
FAULTS = [("http500_html", 0.5), ("soap_fault", 0.5), ("truncated", 0.5), ("garbage", 0.5),
          ("reset", 0.5), ("unexpected", 0.5), ("billion_laughs", 0.5), ("xxe", 0.5),
          ("refuse", 0.5), ("http503_html", 0.5), ("hang", 1.5), ("endless", 1.5)]


def cycles_done(cd):
    """Read cycles so far; the self metrics vanish from write_prometheus
    while a read hangs (their interval is the short read interval), so
    wait for them to come back."""
    return cd.wait_for(lambda: self_metric(cd, "read_cycles"), 60, interval=0.05,
                       what="self_read_cycles")


def soak(cycles, restart):
    with Vcsim() as vc, FaultServer(vc.url) as fs:
        block = vsphere_block(vc, extra="Interval 0.01\nTimeout 1\nQueryTimeout 1\nInventoryInterval 1\n"
                                        "Concurrency 2\nMaxResponseSize 1048576")
        block = block.replace('URL "%s"' % vc.url, 'URL "%s"' % fs.url)
        interval = 60 if os.environ.get("VSPHERE_WRAPPER") else 1
        with Collectd(block, interval=interval, extra_plugins=["load"]) as cd:
            wait_cycles(cd, 200, 300)
            fds, rss, sessions = cd.fd_count(), cd.rss_kb(), vc.sessions()
            start = cycles_done(cd)
            step = max(cycles // (len(FAULTS) + 2), 50)
            next_fault, i, kills, restarted = start + step, 0, 0, False
            deadline = time.monotonic() + 1800
            # until the cycle count is reached and every fault kind was seen
            while cycles_done(cd) < start + cycles or i < len(FAULTS):
                assert time.monotonic() < deadline, "soak too slow"
                assert cd.alive(), "collectd died"
                now = cycles_done(cd)
                if now >= next_fault:
                    mode, secs = FAULTS[i % len(FAULTS)]
                    i += 1
                    fs.mode = mode
                    time.sleep(secs)
                    fs.mode = "pass"
                    if i % 4 == 0:
                        kills += vc.terminate_sessions()
                    if restart and not restarted and i == len(FAULTS) // 2:
                        vc.restart(down_time=0.5)
                        restarted = True
                    next_fault = now + step
                time.sleep(0.2)
            # recovered: values flow again on one session
            c = cycles_done(cd)
            cd.wait_for(lambda: (self_metric(cd, "read_cycles") or 0) > c + 20
                        and (self_metric(cd, "entities_answered") or 0) > 0, 120, what="recovery")
            time.sleep(1)
            after_fds, after_rss, after_sessions = cd.fd_count(), cd.rss_kb(), vc.sessions()
            done = cycles_done(cd) - start
            print("  soak: %d cycles, %d fault periods, %d sessions killed, restart %s; "
                  "fds %d -> %d, sessions %d -> %d, rss %d -> %d kB, logins %d, errors %d"
                  % (done, i, kills, restarted, fds, after_fds, sessions, after_sessions, rss,
                     after_rss, self_value(cd, "logins"), self_value(cd, "errors")),
                  file=sys.stderr, flush=True)
            assert sessions == 1 and after_sessions == 1, (sessions, after_sessions)
            assert after_fds <= fds + 1, (fds, after_fds)   # + one connection of Concurrency 2
            # ASan's quarantine and valgrind's shadow memory grow on their
            # own: RSS is bounded in the plain run, leaks are valgrind's job
            if "libasan" not in os.environ.get("LD_PRELOAD", "") and \
                    not os.environ.get("VSPHERE_WRAPPER"):
                assert after_rss - rss < 8192, (rss, after_rss)
            assert i >= len(FAULTS), i
            # the load plugin kept reporting
            assert harness.find_metrics(cd.metrics(), "collectd_load_shortterm")


def main(argv):
    cycles = 1000 if "--quick" in argv else CYCLES
    if "--cycles" in argv:
        cycles = int(argv[argv.index("--cycles") + 1])

    def test_soak_with_faults():
        soak(cycles, restart="--quick" not in argv)
    test_soak_with_faults.__name__ = "test_soak_%d_cycles_with_faults" % cycles
    passed, failed = harness.run([test_soak_with_faults])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
