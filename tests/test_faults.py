#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fault-injection tests: the vsphere plugin inside a real collectd, talking
to vcsim through tests/faultserver.py (a reverse proxy whose behaviour is
switched at run time), next to the stock `load` plugin.

For each fault mode: collection works through the proxy; the proxy switches
to the fault for a few read cycles; then back to "pass". Checked:
  * collectd stays alive; the load plugin keeps reporting during the fault
    (its csv timestamps advance without a gap);
  * the plugin logs a clear error naming the vCenter and the cause, at most
    a couple of error lines for the whole fault (log once, not per cycle);
  * self_errors grows; no read takes longer than about Timeout;
  * after the fault: values resume (self_values > 0, newer sample times),
    "collecting again" is logged, fds and TCP connections are not above the
    count before the fault, RSS grows less than 20 MB.
Mode-specific: endless/huge are cut by MaxResponseSize (1 MB) and the proxy
sees the client go away; billion_laughs/xxe are refused without expansion
and without opening the entity files (a FIFO canary detects any open).
Plus: a session terminated in vcsim gives exactly one re-login; a vcsim
restart behind the proxy recovers; a transient SystemError answer to Login
is not treated as a refused password (no 10 s back-off); a failing
inventory refresh is logged once and counted; collectd stops
within about 2 x Timeout while every request hangs; with many batches in
flight a hang still costs one Timeout per read.

Usage: test_faults.py [-k SUBSTRING] [--quick]
  --quick  a short subset (used for valgrind/ASan runs).
Ends with "N passed, N failed"; exits non-zero on a failure.
"""
import errno
import glob
import os
import re
import sys
import threading
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Collectd, Vcsim, find_metrics  # noqa: E402
from faultserver import FaultServer  # noqa: E402
from test_integration import plugin_errors, self_metric, self_value, vsphere_block, wait_cycles  # noqa: E402,F401

TIMEOUT = 2.0          # the plugin's Timeout and QueryTimeout
INTERVAL = 0.5         # the plugin's and collectd's (load's) interval
WRAPPED = bool(os.environ.get("VSPHERE_WRAPPER"))   # valgrind: everything slower
SCALE = 4.0 if WRAPPED else 1.0
READ_MARGIN = 2.0 if WRAPPED else 0.75     # self_read_seconds <= TIMEOUT + this
LOAD_MAX_GAP = 3.0 if WRAPPED else 1.5     # seconds between two load samples
MAX_ERROR_LINES = 2
CONCURRENCY = 4        # the plugin's default Concurrency (QueryPerf in flight)
# Under valgrind and ASan RSS grows with run time by itself (shadow memory,
# ASan's quarantine of freed blocks); a leak there is memcheck's to find,
# exactly, not RSS's.
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
RSS_GROWTH_KB = (48 if WRAPPED or SANITIZED else 20) * 1024


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


class Problems(list):
    """Collects every failed check of a test, so that one run reports them
    all; raise_if_any() fails the test with all of them on one line."""

    def check(self, cond, msg):
        if not cond:
            self.append(msg)
        return cond

    def raise_if_any(self, details=""):
        if self:
            if details:
                log(details)
            raise AssertionError(" | ".join(self))


class Env:
    """vcsim + FaultServer(pass) in front of it + collectd with the vsphere
    plugin pointed at the proxy, the load plugin, and csv (every value of
    load and of the plugin's self metrics, with its time)."""

    def __init__(self, extra="", vc_kw=None):
        self.vc = self.fs = self.cd = None
        try:
            self.vc = Vcsim(**(vc_kw or {}))
            self.fs = FaultServer(self.vc.url)
            self.csv_dir = os.path.join(self.vc.tmp, "csv")
            target = types.SimpleNamespace(url=self.fs.url, user=self.vc.user,
                                           password=self.vc.password)
            conf = ('LoadPlugin csv\n<Plugin csv>\n  DataDir "%s"\n  StoreRates false\n</Plugin>\n'
                    % self.csv_dir)
            conf += vsphere_block(target, extra="Interval %g\n    Timeout %g\n    QueryTimeout %g\n"
                                  "    %s" % (INTERVAL, TIMEOUT, TIMEOUT, extra))
            self.cd = Collectd(conf, interval=INTERVAL, extra_plugins=["load"])
        except BaseException:
            self.close()
            raise

    def close(self):
        # collectd first (its logout goes through the proxy); Collectd.close
        # raises on plugin memory errors (valgrind/ASan): still stop the rest
        try:
            if self.cd:
                self.cd.close()
        finally:
            try:
                if self.fs:
                    self.fs.stop()
            finally:
                if self.vc:
                    self.vc.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- observations -------------------------------------------------------

    def csv(self, plugin_dir, type_name):
        """[(epoch, [values])] of every csv row of host testhost."""
        rows = []
        for path in glob.glob(os.path.join(self.csv_dir, "testhost", plugin_dir, type_name + "-2*")):
            with open(path) as f:
                for line in f:
                    if line[:1].isdigit():
                        fields = line.strip().split(",")
                        rows.append((float(fields[0]), [float(x) for x in fields[1:]]))
        return sorted(rows)

    def load_times(self, since, until=None):
        return [t for t, _ in self.csv("load", "load") if t >= since and (until is None or t <= until)]

    def read_seconds(self, since):
        return [(t, v[0]) for t, v in self.csv("vsphere-sim", "self_read_seconds") if t >= since]

    def newest_sample_ms(self):
        """Newest vCenter sample time (ms) among the VM/host series."""
        ts = [m[3] for m in self.cd.metrics() if m[0].startswith("collectd_vsphere_")
              and "_self_" not in m[0] and m[3] is not None]
        return max(ts) if ts else 0

    def plugin_error_lines(self, log_offset):
        return [l for l in self.cd.log()[log_offset:].splitlines()
                if "[error]" in l and "vsphere plugin" in l]

    def steady(self):
        """Waits for collection through the proxy; returns a snapshot."""
        cd = self.cd
        wait_cycles(cd, 3, 30 * SCALE)
        cd.wait_for(lambda: (self_metric(cd, "entities_answered") or 0) > 0, 30 * SCALE,
                    what="values through the proxy")
        time.sleep(INTERVAL)    # let a possible transient fd (csv, accept) settle
        return types.SimpleNamespace(
            fds=cd.fd_count(), rss=cd.rss_kb(), errors=self_value(cd, "errors"),
            logins=self_value(cd, "logins"), cycles=self_value(cd, "read_cycles"),
            sample_ms=self.newest_sample_ms(), log_offset=len(cd.log()),
            conns=cd.tcp_connections_to(self.fs.port), time=time.time())

    def recovered(self, base, timeout=30.0, new_samples=True):
        """Waits until a read after now had answers and dispatched values
        with newer sample times than before the fault; then two more
        cycles. new_samples False: answers are enough."""
        cd = self.cd
        c = self_value(cd, "read_cycles")
        # A new sample comes every 20 s (10 s with vcsim, which stamps
        # samples at query time): the wait for one is most of a fault
        # test's time. Under valgrind/ASan, and for the modes outside
        # NEW_SAMPLES_AFTER, answers again are proof enough.
        answers_enough = WRAPPED or SANITIZED or not new_samples
        cd.wait_for(lambda: self_metric(cd, "read_cycles") >= c + 2
                    and (self_metric(cd, "entities_answered") or 0) > 0
                    and (answers_enough or self.newest_sample_ms() > base.sample_ms),
                    timeout * SCALE, what="values again after the fault")
        wait_cycles(cd, self_value(cd, "read_cycles") + 2, timeout * SCALE)
        time.sleep(INTERVAL)


def max_gap(times, start, end):
    pts = [start] + sorted(times) + [end]
    return max(b - a for a, b in zip(pts, pts[1:]))


# ---------------------------------------------------------------------------
# one fault mode, the common checks

# The modes whose recovery waits for newer samples on /metrics: a refused
# connection, a hang, a cut answer (the transport, the parser); the others
# end alike and wait for answers only.
NEW_SAMPLES_AFTER = {"refuse", "hang", "truncated"}

FAULTS = {
    # mode: (regex the first error line must match, plugin options, cycles)
    "refuse": (r"(?i)connect", "", 3),
    "hang": (r"(?i)timed? ?out", "", 3),
    "reset": (r"(?i)reset|recv failure", "", 3),
    "http500_html": (r"HTTP status 500", "", 3),
    "http503_html": (r"HTTP status 503", "", 3),
    "soap_fault": (r"SOAP fault SystemError.*faultserver injected", "", 3),
    "truncated": (r"(?i)truncated|premature|end of data|malformed XML", "", 3),
    "garbage": (r"(?i)malformed|bad response", "", 3),
    "unexpected": (r"(?i)unexpected|not a .*response|bad response|no .*response", "", 3),
    "endless": (r"MaxResponseSize", "MaxResponseSize 1048576", 3),
    "huge": (r"MaxResponseSize", "MaxResponseSize 1048576", 3),
    "billion_laughs": (r"(?i)document type|DTD|entit", "", 3),
    "xxe": (r"(?i)document type|DTD|entit", "", 3),
    "slow": (r"(?i)timed? ?out|too slow", "", 3),
}


def run_fault(mode, expect=None, extra=None, cycles=None, setup=None, during=None, after=None,
              vc_kw=None):
    """The common scenario for one fault mode (see the module docstring).
    setup(env) runs before the fault, during(env, p) right after the fault
    cycles (still faulting), after(env, p) after recovery; they add their
    own findings to the Problems p."""
    d_expect, d_extra, d_cycles = FAULTS.get(mode, (r".", "", 3))
    expect = d_expect if expect is None else expect
    extra = d_extra if extra is None else extra
    cycles = d_cycles if cycles is None else cycles
    p = Problems()
    with Env(extra, vc_kw) as env:
        cd, fs = env.cd, env.fs
        if setup:
            setup(env)
        base = env.steady()
        p.check(fs.connections("pass") <= max(base.conns, 1),
                "proxy saw %d connections in pass mode before the fault, collectd holds %d "
                "(want no reconnects: keep-alive)" % (fs.connections("pass"), base.conns))

        # --- the fault ---
        t0 = time.time()
        fs.mode = mode
        c0 = self_value(cd, "read_cycles")
        wait_cycles(cd, c0 + cycles, (15 + cycles * 3 * TIMEOUT) * SCALE)
        t1 = time.time()
        p.check(cd.alive(), "collectd died during %s" % mode)
        fault_cycles = self_value(cd, "read_cycles") - c0
        if mode == "refuse":
            p.check(not harness.port_open(fs.port), "the proxy port accepted connections in refuse mode")
        else:
            p.check(fs.requests(mode) > 0, "no request reached the proxy in mode %s" % mode)
        errors_fault = self_value(cd, "errors")
        p.check(errors_fault > base.errors, "self_errors did not grow (%s -> %s)" % (base.errors, errors_fault))
        values_fault = self_value(cd, "values")
        loads = env.load_times(t0, t1)
        gap = max_gap(loads, t0, t1)
        p.check(gap <= LOAD_MAX_GAP, "load plugin stalled: %.2f s without a load value during the fault"
                % gap)
        if during:
            during(env, p)

        # --- recovery ---
        fs.mode = "pass"
        try:
            env.recovered(base, new_samples=mode in NEW_SAMPLES_AFTER)
        except AssertionError as e:
            p.append("no recovery after switching back to pass: %s" % str(e).splitlines()[0])
        t2 = time.time()
        p.check(cd.alive(), "collectd died after %s" % mode)
        errs = env.plugin_error_lines(base.log_offset)
        after_log = cd.log()[base.log_offset:]
        if p.check(errs, "no error logged for the fault"):
            p.check(all('vCenter "sim"' in l for l in errs),
                    "an error line does not name the vCenter: %s" % [l for l in errs if '"sim"' not in l][:1])
            p.check(re.search(expect, errs[0]),
                    "first error does not say what happened (want /%s/): %s" % (expect, errs[0]))
        p.check(len(errs) <= MAX_ERROR_LINES,
                "%d plugin error lines for one fault period (%.1f s, %d cycles; want <= %d)"
                % (len(errs), t1 - t0, fault_cycles, MAX_ERROR_LINES))
        p.check("collecting again" in after_log, "recovery not logged (no 'collecting again')")
        reads = env.read_seconds(t0)
        slowest = max([v for _, v in reads] or [0.0])
        p.check(slowest <= TIMEOUT + READ_MARGIN,
                "a read took %.2f s (Timeout %g s)" % (slowest, TIMEOUT))
        fds, rss, conns = cd.fd_count(), cd.rss_kb(), cd.tcp_connections_to(fs.port)
        # Objects whose query timed out are batched apart (one host a
        # batch), so up to Concurrency keep-alive connections may be in use
        # after a hang: bounded by Concurrency, not by the count before.
        spare = max(CONCURRENCY - base.conns, 0)
        p.check(fds <= base.fds + spare + 1, "fds %d before the fault, %d after recovery" % (base.fds, fds))
        p.check(conns <= max(base.conns, CONCURRENCY), "%d TCP connections to the proxy after recovery, %d before"
                % (conns, base.conns))
        p.check(rss - base.rss < RSS_GROWTH_KB, "RSS %d kB -> %d kB" % (base.rss, rss))
        p.check(fs.open_connections() <= max(base.conns, CONCURRENCY),
                "proxy still holds %d client connections after recovery (collectd held %d before)"
                % (fs.open_connections(), base.conns))
        if after:
            after(env, p)
        st = fs.stats()
        log("%s: fault %.1fs (%d cycles, %d requests, %d connections), values during fault %s, "
            "errors %s->%s, %d error lines, slowest read %.2fs, load gap %.2fs (%d samples), "
            "fds %d->%d, rss %d->%d kB, recovery %.1fs, stream_end %s"
            % (mode, t1 - t0, fault_cycles, fs.requests(mode),
               fs.connections(mode), values_fault, base.errors, errors_fault, len(errs), slowest,
               gap, len(loads), base.fds, fds, base.rss, rss, t2 - t1,
               {k: v for k, v in st.get("stream_end", {}).items() if k.startswith(mode)}))
        details = "plugin log from the fault on:\n    " + "\n    ".join(
            l for l in after_log.splitlines() if "vsphere" in l)
        p.raise_if_any(details)


def _fault_test(mode, **kw):
    def t():
        run_fault(mode, **kw)
    t.__name__ = "test_fault_" + mode
    return t


# --- modes with extra checks -------------------------------------------------

def _stream_checks(mode):
    def during(env, p):
        sizes = env.fs.stream_sizes(mode)
        p.check(sizes, "the proxy sent no %s stream" % mode)
        # 1 MB limit + what the kernel buffers on loopback: far from GBs
        p.check(all(s < 64 * 1024 * 1024 for s in sizes),
                "the plugin read on far beyond MaxResponseSize: streams of %s bytes" % sizes)

    def after(env, p):
        ends = {k: v for k, v in env.fs.stats().get("stream_end", {}).items() if k.startswith(mode)}
        p.check(set(ends) <= {mode + ":client"},
                "%s streams not ended by the client closing: %s" % (mode, ends))
    return during, after


def test_fault_endless():
    during, after = _stream_checks("endless")
    run_fault("endless", during=during, after=after)


def test_fault_huge():
    during, after = _stream_checks("huge")
    run_fault("huge", during=during, after=after)


def test_fault_endless_nested():
    """<a><a><a>... for ever: the depth bound (or the size bound) stops it."""
    def setup(env):
        env.fs.endless_style = "nested"
    run_fault("endless", expect=r"(?i)nesting|deep|MaxResponseSize", extra="", setup=setup)


def test_fault_endless_whitespace():
    """Text that never ends: the text bound or MaxResponseSize stops it."""
    def setup(env):
        env.fs.endless_style = "whitespace"
    run_fault("endless", expect=r"(?i)text|large|MaxResponseSize", extra="MaxResponseSize 1048576",
              setup=setup)


def _passwd_marker():
    try:
        with open("/etc/passwd") as f:
            first = f.readline().strip()
        return first.split(":", 1)[0] + ":" + first.split(":")[1] + ":" + first.split(":")[2] + ":"
    except (OSError, IndexError):
        return "root:x:0:"


class FifoCanary:
    """A FIFO named as an external entity: if anything opens it for reading
    (the XML parser resolving SYSTEM "file://..."), a non-blocking open for
    writing succeeds and we note it (then feed it a line and close)."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "xxe-canary.fifo")
        os.mkfifo(self.path, 0o644)
        self.opened = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._watch, daemon=True)
        self._t.start()

    def _watch(self):
        deadline = time.monotonic() + 600
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno not in (errno.ENXIO, errno.ENOENT):
                    return
                self._stop.wait(0.02)
                continue
            self.opened += 1
            try:
                os.write(fd, b"CANARY-READ\n")
            except OSError:
                pass
            os.close(fd)
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self._t.join(5)


def test_fault_xxe():
    state = {}

    def setup(env):
        state["canary"] = FifoCanary(env.vc.tmp)
        env.fs.xxe_extra_paths = (state["canary"].path,)

    def after(env, p):
        canary = state["canary"]
        canary.stop()
        marker = _passwd_marker()
        p.check(canary.opened == 0, "the external entity file was opened %d times" % canary.opened)
        p.check(marker not in env.cd.log() and "CANARY-READ" not in env.cd.log(),
                "entity content reached the log")
        text = env.cd.metrics_text()
        p.check(marker not in text and "CANARY" not in text, "entity content reached the metrics")
    try:
        run_fault("xxe", setup=setup, after=after)
    finally:
        if "canary" in state:
            state["canary"].stop()


def test_fault_billion_laughs():
    def during(env, p):
        cpu = [v[0] for t, v in env.csv("vsphere-sim", "self_read_cpu_seconds")]
        p.check(max(cpu or [0]) < 0.5 * SCALE,
                "a read used %.2f s of CPU (entity expansion?)" % max(cpu or [0]))
        text = env.cd.metrics_text()
        p.check("lollollol" not in text and "lollollol" not in env.cd.log(),
                "expanded entities reached the metrics or the log")
    run_fault("billion_laughs", during=during)


def test_fault_hang():
    def after(env, p):
        ends = {k: v for k, v in env.fs.stats().get("stream_end", {}).items() if k.startswith("hang")}
        p.check(set(ends) <= {"hang:client"}, "hung requests not abandoned by the client: %s" % ends)
    run_fault("hang", after=after)


def test_fault_hang_many_batches():
    """40 VMs in batches of 5 with 4 requests in flight: when vCenter hangs,
    the read still ends after about Timeout (no second wave of batches), and
    the identical errors of the batches are logged once."""
    run_fault("hang", extra="QueryBatchSize 5", vc_kw=dict(vm=20, cluster_host=2))


def test_fault_soap_runtime_fault():
    """A RuntimeFault (as vCenter sends for an internal error) instead of
    SystemError; the fault string must reach the log."""
    def setup(env):
        env.fs.fault_type = "RuntimeFault"
        env.fs.fault_string = "vpxd is restarting (faultserver)"
    run_fault("soap_fault", expect=r"RuntimeFault.*vpxd is restarting", setup=setup)


# --- sessions and restarts -----------------------------------------------------

def test_session_terminated_relogs_in_once():
    p = Problems()
    with Env() as env:
        cd, vc = env.cd, env.vc
        base = env.steady()
        p.check(base.logins == 1, "logins %s before terminate" % base.logins)
        n = vc.terminate_sessions()
        p.check(n == 1, "vsctl terminated %d sessions (want 1)" % n)
        cd.wait_for(lambda: (self_metric(cd, "logins") or 0) > base.logins, 20 * SCALE,
                    what="a new login")
        env.recovered(base)
        c = self_value(cd, "read_cycles")
        wait_cycles(cd, c + 4, 20 * SCALE)
        logins = self_value(cd, "logins")
        p.check(logins == base.logins + 1, "logins %s -> %s (want exactly one re-login)"
                % (base.logins, logins))
        p.check(vc.sessions() == 1, "%d sessions in vcsim (want 1)" % vc.sessions())
        p.check(self_value(cd, "entities_answered") > 0, "no answers after the re-login")
        errs = env.plugin_error_lines(base.log_offset)
        p.check(not errs, "errors logged for a re-login: %s" % errs)
        p.check(cd.tcp_connections_to(env.fs.port) <= max(base.conns, 1),
                "%d connections to the proxy, %d before" % (cd.tcp_connections_to(env.fs.port), base.conns))
        p.check(cd.fd_count() <= base.fds + 1, "fds %d -> %d" % (base.fds, cd.fd_count()))
        log("terminate: logins %s -> %s, %d error lines, fds %d -> %d"
            % (base.logins, logins, len(errs), base.fds, cd.fd_count()))
        p.raise_if_any("plugin log:\n    " + "\n    ".join(
            l for l in cd.log()[base.log_offset:].splitlines() if "vsphere" in l))


def test_vcsim_restart_behind_proxy():
    p = Problems()
    with Env() as env:
        cd, vc, fs = env.cd, env.vc, env.fs
        base = env.steady()
        t0 = time.time()
        vc.restart(down_time=1.5)
        cd.wait_for(lambda: (self_metric(cd, "logins") or 0) > base.logins, 30 * SCALE,
                    what="a login after the restart")
        env.recovered(base)
        logins = self_value(cd, "logins")
        p.check(logins == base.logins + 1, "logins %s -> %s (want one re-login)" % (base.logins, logins))
        p.check(fs.count("upstream_errors", "pass") > 0,
                "the proxy never saw vcsim down (restart too fast to test anything)")
        p.check(vc.sessions() == 1, "%d sessions in vcsim (want 1)" % vc.sessions())
        errs = env.plugin_error_lines(base.log_offset)
        p.check(errs and all('vCenter "sim"' in l for l in errs), "no clear error while vcsim was down")
        p.check(len(errs) <= MAX_ERROR_LINES, "%d error lines for one restart" % len(errs))
        p.check("collecting again" in cd.log()[base.log_offset:], "recovery not logged")
        slowest = max([v for _, v in env.read_seconds(t0)] or [0.0])
        p.check(slowest <= TIMEOUT + READ_MARGIN, "a read took %.2f s" % slowest)
        fds = cd.fd_count()
        p.check(fds <= base.fds + 1, "fds %d -> %d" % (base.fds, fds))
        p.check(cd.tcp_connections_to(fs.port) <= max(base.conns, 1), "connections to the proxy: %d, %d before"
                % (cd.tcp_connections_to(fs.port), base.conns))
        log("restart: logins %s -> %s, %d error lines, upstream errors %d, fds %d -> %d, slowest %.2fs"
            % (base.logins, logins, len(errs), fs.count("upstream_errors", "pass"), base.fds, fds, slowest))
        p.raise_if_any("plugin log:\n    " + "\n    ".join(
            l for l in cd.log()[base.log_offset:].splitlines() if "vsphere" in l))


def test_login_system_error_is_not_a_credential_backoff():
    """vCenter answers Login with SystemError (as vpxd does while starting):
    not a refused password, so once vCenter is fine the plugin must log in
    again within a few intervals, not after the wrong-password back-off."""
    p = Problems()
    with Env() as env:
        cd, vc, fs = env.cd, env.vc, env.fs
        base = env.steady()
        fs.only = {"Login"}
        fs.mode = "soap_fault"
        vc.terminate_sessions()
        cd.wait_for(lambda: fs.requests("soap_fault") >= 1, 15 * SCALE, what="a Login answered with a fault")
        wait_cycles(cd, self_value(cd, "read_cycles") + 2, 15 * SCALE)
        fs.mode = "pass"
        fs.only = None
        t_clear = time.monotonic()
        try:
            cd.wait_for(lambda: (self_metric(cd, "logins") or 0) > base.logins
                        and (self_metric(cd, "entities_answered") or 0) > 0, 40 * SCALE, what="login and values")
            took = time.monotonic() - t_clear
        except AssertionError:
            took = None
        limit = TIMEOUT + 4 * INTERVAL + (3 if WRAPPED else 0.5)
        p.check(took is not None and took <= limit,
                "values resumed %s after a transient Login SystemError was cleared (want <= %.1f s)"
                % ("never" if took is None else "%.1f s" % took, limit))
        errs = env.plugin_error_lines(base.log_offset)
        p.check(errs and "SystemError" in errs[0] and 'vCenter "sim"' in errs[0],
                "the Login fault was not logged clearly: %s" % errs[:1])
        p.check(len(errs) <= MAX_ERROR_LINES, "%d error lines" % len(errs))
        log("login SystemError: %d Login faults, recovered after %s s, logins %s -> %s"
            % (fs.requests("soap_fault"), None if took is None else "%.1f" % took,
               base.logins, self_value(cd, "logins")))
        p.raise_if_any("plugin log:\n    " + "\n    ".join(
            l for l in cd.log()[base.log_offset:].splitlines() if "vsphere" in l))


def inventory_fault_logged_once(extra, failing):
    """Only the inventory's requests fail (`failing` answered with a
    SystemError), QueryPerf works: the previous inventory is kept and values
    keep flowing; the failure is logged once (not once per read, each
    followed by "collecting again") and counted in self_errors."""
    p = Problems()
    with Env(extra) as env:
        cd, fs = env.cd, env.fs
        base = env.steady()
        fs.only = {failing}
        fs.mode = "soap_fault"
        c0 = self_value(cd, "read_cycles")
        wait_cycles(cd, c0 + 4, 30 * SCALE)
        p.check(fs.requests("soap_fault") >= 2, "refresh not retried: %s" % fs.stats().get("operations"))
        p.check((self_metric(cd, "entities_answered") or 0) > 0, "values stopped although QueryPerf works")
        errors = self_value(cd, "errors")
        p.check(errors > base.errors, "self_errors did not grow (%s -> %s) while every refresh failed"
                % (base.errors, errors))
        fs.mode = "pass"
        fs.only = None
        wait_cycles(cd, self_value(cd, "read_cycles") + 3, 30 * SCALE)
        errs = env.plugin_error_lines(base.log_offset)
        p.check(errs and "SystemError" in errs[0] and re.search("inventory|update stream", errs[0]),
                "refresh failure not logged clearly")
        p.check(len(errs) <= MAX_ERROR_LINES, "%d error lines for %d failed refreshes"
                % (len(errs), fs.requests("soap_fault")))
        log("inventory fault (%s): %d failed requests, %d error lines, %d 'collecting again', errors %s -> %s"
            % (failing, fs.requests("soap_fault"), len(errs), cd.log()[base.log_offset:].count("collecting again"),
               base.errors, errors))
        p.raise_if_any("plugin log:\n    " + "\n    ".join(
            l for l in cd.log()[base.log_offset:].splitlines() if "vsphere" in l))


def test_inventory_refresh_fault_logged_once():
    """Full passes (a server without the update stream): every discovery
    fails at its CreateContainerView."""
    inventory_fault_logged_once("InventoryInterval 0.5\nUpdateStream false", "CreateContainerView")


def test_update_stream_fault_logged_once():
    """The update stream fails at every WaitForUpdatesEx: asked again from
    the same version, then started over (its full update fails too), all
    in one error line."""
    inventory_fault_logged_once("InventoryInterval 0.5", "WaitForUpdatesEx")


def test_shutdown_while_vcenter_hangs():
    """collectd is stopped while every request hangs: the read in flight and
    the logout are each bounded by Timeout; collectd exits cleanly."""
    with Env() as env:
        cd, fs = env.cd, env.fs
        env.steady()
        fs.mode = "hang"
        cd.wait_for(lambda: fs.requests("hang") >= 1, 10 * SCALE, what="a hung request")
        t = time.monotonic()
        rc = cd.stop(timeout=60)
        took = time.monotonic() - t
        log("shutdown while hanging: rc %s after %.1f s; hang requests %d"
            % (rc, took, fs.requests("hang")))
        limit = 2 * TIMEOUT + (6 if WRAPPED else 1.5)
        assert rc == 0, "collectd exit code %s" % rc
        assert took <= limit, "shutdown took %.1f s with Timeout %g (want <= %.1f s)" % (took, TIMEOUT, limit)


def test_proxy_pass_is_transparent():
    """Sanity of the fixture: through the proxy the plugin keeps its
    connections (one per query in flight, kept alive), one session, one
    login, and sees every VM and host."""
    with Env() as env:
        cd, vc, fs = env.cd, env.vc, env.fs
        wait_cycles(cd, 4, 30 * SCALE)
        conns = cd.tcp_connections_to(fs.port)
        wait_cycles(cd, 14, 30 * SCALE)
        vms, hosts = vc.inventory()
        assert self_value(cd, "inventory_vms") == len(vms), self_value(cd, "inventory_vms")
        assert self_value(cd, "inventory_hosts") == len(hosts)
        got = {m[1]["instance"] for m in find_metrics(cd.metrics(), "collectd_vsphere_vm_cpu_usage_average")}
        assert got == set(vms), (got, vms)
        assert 1 <= conns <= CONCURRENCY, conns
        assert cd.tcp_connections_to(fs.port) == conns, (conns, cd.tcp_connections_to(fs.port))
        assert fs.connections("pass") == conns, ("reconnects through the proxy", conns, fs.stats())
        assert self_value(cd, "logins") == 1 and vc.sessions() == 1
        assert not plugin_errors(cd), plugin_errors(cd)


ALL = [
    test_proxy_pass_is_transparent,
    _fault_test("refuse"),
    test_fault_hang,
    test_fault_hang_many_batches,
    _fault_test("reset"),
    _fault_test("http500_html"),
    _fault_test("http503_html"),
    _fault_test("soap_fault"),
    test_fault_soap_runtime_fault,
    _fault_test("truncated"),
    _fault_test("garbage"),
    _fault_test("unexpected"),
    test_fault_endless,
    test_fault_endless_nested,
    test_fault_endless_whitespace,
    test_fault_huge,
    test_fault_billion_laughs,
    test_fault_xxe,
    _fault_test("slow"),
    test_session_terminated_relogs_in_once,
    test_vcsim_restart_behind_proxy,
    test_login_system_error_is_not_a_credential_backoff,
    test_inventory_refresh_fault_logged_once,
    test_update_stream_fault_logged_once,
    test_shutdown_while_vcenter_hangs,
]
QUICK = {"test_proxy_pass_is_transparent", "test_fault_refuse", "test_fault_hang",
         "test_fault_soap_fault", "test_fault_garbage", "test_fault_endless",
         "test_fault_billion_laughs", "test_fault_xxe", "test_session_terminated_relogs_in_once"}
LONG = [t for t in ALL if t.__name__ not in QUICK]


if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
