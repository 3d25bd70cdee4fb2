# SPDX-License-Identifier: MIT
"""Integration-test harness for collectd-vsphere (python3 stdlib only).

Pieces:
  * Vcsim      - runs tests/bin/vcsim (govmomi vCenter simulator) on 127.0.0.1
  * vsctl()    - runs tests/bin/vsctl against a Vcsim
  * Collectd   - runs collectd -f with a generated config in a temp dir,
                 write_prometheus on a free loopback port, logfile plugin
  * run()      - minimal test runner printing PASS/FAIL lines
  * soap_*(), query_perf*(), parse_query_perf(), soap_fault() - raw SOAP
                 exchanges (e.g. through tests/faultserver.py)
  * Vcsim.control() & co. - vcsim's /vcsim-control (host state, slow
                 hosts, lagging samples) and vsctl's inventory surgery

Environment:
  VSPHERE_PLUGIN_DIR  dir holding vsphere.so (default: <repo>/src/.libs)
  VSPHERE_WRAPPER     command prefix for collectd, e.g. "valgrind --error-exitcode=99 --leak-check=full"
  VSPHERE_TEST_BIN    dir of vcsim/vsctl (default: <repo>/tests/bin; built on demand)
  VSPHERE_TEST_KEEP   if set to 1, temp dirs are not removed (for debugging)
  LD_PRELOAD, ASAN_OPTIONS, ... are inherited by collectd (not by vcsim/vsctl).

Every wait is bounded; every process is started on 127.0.0.1 only and is
killed by PID at interpreter exit if a test forgot to stop it.
"""

import atexit
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(TESTS_DIR)
BIN_DIR = os.environ.get("VSPHERE_TEST_BIN") or os.path.join(TESTS_DIR, "bin")
STOCK_PLUGIN_DIR = "/usr/lib/collectd"
TYPES_DB = "/usr/share/collectd/types.db"
VSPHERE_TYPES_DB = os.path.join(REPO_ROOT, "collectd.conf.d", "vsphere-types.db")
COLLECTD = shutil.which("collectd") or "/usr/sbin/collectd"

# Harmless messages from stock plugins that tests grepping for "[error]"
# must ignore (write_prometheus + this libmicrohttpd logs this on start).
BENIGN_LOG_PATTERNS = (
    "MHD_OPTION_EXTERNAL_LOGGER is not the first option",
)

KEEP_TMP = os.environ.get("VSPHERE_TEST_KEEP") == "1"

# The statistics level Vcsim() gives vcsim's 300 s interval unless a test
# asks for another (vcsim's own default, like vCenter's, is 1). 2, because
# vcsim's catalog puts some of the plugin's default historical counters at
# level 2 (datastore.datastore.read/write.average, resourcepool.mem.active/
# granted/swapped.average): at level 1 vCenter never collects them, and the
# dashboard test waits for one. VSPHERE_VCSIM_STATS_LEVEL=1 runs a suite as
# a vCenter at its default level would.
VCSIM_STATS_LEVEL = int(os.environ.get("VSPHERE_VCSIM_STATS_LEVEL") or 2)

_live = {}  # pid -> Popen, killed at exit if still running


def _register(proc):
    _live[proc.pid] = proc


def _reap_all(keep=()):
    for pid, proc in list(_live.items()):
        if pid in keep:
            continue
        if proc.poll() is None:
            try:
                os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _live.pop(pid, None)


atexit.register(_reap_all)


def _stop_proc(proc, timeout, sig=signal.SIGTERM):
    """Send sig, wait up to timeout, then SIGKILL. Returns the exit code
    (negative signal number if killed by a signal)."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
    _live.pop(proc.pid, None)
    return proc.returncode


def _child_env():
    """Environment for Go helpers: no sanitizer preloads."""
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"):
        env.pop(k, None)
    return env


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def source_files():
    """The project's files, relative to REPO_ROOT: what git tracks or would
    track (uncommitted work too, no build products) in a clone; what
    MANIFEST lists in a tree unpacked from `make dist` (no git there)."""
    if os.path.exists(os.path.join(REPO_ROOT, ".git")) and shutil.which("git"):
        out = subprocess.run(["git", "-C", REPO_ROOT, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], stdout=subprocess.PIPE, check=True).stdout
        names = out.decode("utf-8", "surrogateescape").split("\0")
    else:
        manifest = os.path.join(REPO_ROOT, "MANIFEST")
        assert os.path.exists(manifest), \
            "%s is neither a git clone nor unpacked from make dist (no MANIFEST)" % REPO_ROOT
        with open(manifest, encoding="utf-8") as f:
            names = [l.rstrip("\n") for l in f] + ["MANIFEST"]
    return [n for n in names
            if n and os.path.isfile(os.path.join(REPO_ROOT, n))
            and not os.path.islink(os.path.join(REPO_ROOT, n))]


def _rmtree(path):
    if path and not KEEP_TMP:
        shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------
# small helpers

def config_keys():
    """The option keys src/vs_config.c accepts, the rows of its options[]
    table (what the manual page and the README must each document)."""
    src = open(os.path.join(REPO_ROOT, "src", "vs_config.c")).read()
    body = src[src.index("static const option_t options[] = {"):]
    body = body[:body.index("\n};\n")]
    keys = re.findall(r'^\s*\{"(\w+)", opt_\w+,', body, re.M)
    assert len(keys) >= 20, keys
    return keys


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1", timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout=30.0, interval=0.2, what=None, alive=None):
    """Poll predicate() until it returns a truthy value (which is returned),
    at most `timeout` seconds. Exceptions from predicate count as "not yet".
    `alive`, if given, is called each round and must return True; otherwise
    we fail early (e.g. the process under test died). Raises AssertionError
    on timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            res = predicate()
            if res:
                return res
            last_exc = None
        except Exception as e:  # noqa: BLE001 - predicate errors mean "not yet"
            last_exc = e
        if alive is not None and not alive():
            raise AssertionError("process died while waiting for %s" % (what or predicate))
        if time.monotonic() >= deadline:
            msg = "timed out after %.1fs waiting for %s" % (timeout, what or getattr(predicate, "__name__", "condition"))
            if last_exc is not None:
                msg += " (last error: %r)" % (last_exc,)
            raise AssertionError(msg)
        time.sleep(interval)


def ensure_go_tools():
    """Build vcsim/vsctl with tests/build-go.sh unless both binaries exist
    and are newer than their sources (a branch switched keeps no stale
    simulator)."""
    def fresh(b):
        path = os.path.join(BIN_DIR, b)
        if not os.access(path, os.X_OK):
            return False
        sources = glob.glob(os.path.join(TESTS_DIR, b, "*.go"))
        return all(os.path.getmtime(src) <= os.path.getmtime(path) for src in sources)
    if all(fresh(b) for b in ("vcsim", "vsctl")):
        return
    r = subprocess.run([os.path.join(TESTS_DIR, "build-go.sh"), BIN_DIR],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600, env=_child_env())
    if r.returncode != 0:
        raise RuntimeError("tests/build-go.sh failed:\n" + r.stdout)


def make_cert(directory, cn="127.0.0.1", san="IP:127.0.0.1,DNS:localhost", days=2):
    """Self-signed cert+key (PEM) via openssl; returns (cert_path, key_path).
    The cert is its own CA, so it can be given as a CA file to clients."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
           "-keyout", key, "-out", cert, "-days", str(days), "-subj", "/CN=" + cn]
    if san:
        cmd += ["-addext", "subjectAltName=" + san]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60,
                   env=_child_env())
    return cert, key


# --------------------------------------------------------------------------
# vCenter simulator

class Vcsim:
    """Run tests/bin/vcsim on 127.0.0.1.

    Inventory: hosts = dc*(host + cluster*cluster_host),
               VMs   = dc*(host + cluster)*vm   (all powered on; -pool
               pools are empty). See .expected_vms / .expected_hosts.

    tls: None (plain HTTP), True (generate a self-signed cert for
    127.0.0.1), or a (cert_path, key_path) tuple. .ca_file is the cert
    path when TLS is on (self-signed, so it is also the CA).

    stats_level: the statistics level (1..4) of the 300 s interval
    (-stats-level; None: VCSIM_STATS_LEVEL, see there). clock_offset:
    seconds vCenter's clock is ahead of ours (-clock-offset; None: 0).
    """

    def __init__(self, dc=1, cluster=1, cluster_host=3, host=1, vm=2, pool=0,
                 user="user", password="pass", tls=None, idle_timeout=None,
                 port=0, extra_args=(), startup_timeout=60.0, start=True,
                 stats_level=None, clock_offset=None):
        ensure_go_tools()
        self.dc, self.cluster, self.cluster_host = dc, cluster, cluster_host
        self.host, self.vm, self.pool = host, vm, pool
        self.user, self.password = user, password
        self.idle_timeout = idle_timeout
        self.stats_level_arg, self.clock_offset_arg = stats_level, clock_offset
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.port = port
        self.tmp = tempfile.mkdtemp(prefix="vcsim-")
        self.url_file = os.path.join(self.tmp, "url")
        shm = "/dev/shm"
        self.ds_tmp = tempfile.mkdtemp(prefix="vcsim-ds-", dir=shm) \
            if os.path.isdir(shm) and os.access(shm, os.W_OK) else self.tmp
        self.tls = None
        self.ca_file = None
        if tls is True:
            self.tls = make_cert(os.path.join(self.tmp, "tls"))
        elif tls:
            self.tls = tuple(tls)
        if self.tls:
            self.ca_file = self.tls[0]
        self.proc = None
        self.url = None
        self._starts = 0
        if start:
            self.start()

    @property
    def expected_vms(self):
        return self.dc * (self.host + self.cluster) * self.vm

    @property
    def expected_hosts(self):
        return self.dc * (self.host + self.cluster * self.cluster_host)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def hostport(self):
        return "127.0.0.1:%d" % self.port

    def args(self):
        a = [os.path.join(BIN_DIR, "vcsim"),
             "-listen", "127.0.0.1:%d" % self.port,
             "-dc", str(self.dc), "-cluster", str(self.cluster),
             "-cluster-host", str(self.cluster_host), "-host", str(self.host),
             "-vm", str(self.vm), "-pool", str(self.pool),
             "-user", self.user, "-password", self.password,
             "-url-file", self.url_file]
        if self.tls:
            a += ["-tls-cert", self.tls[0], "-tls-key", self.tls[1]]
        if self.idle_timeout:
            a += ["-idle-timeout", self.idle_timeout if isinstance(self.idle_timeout, str)
                  else "%gs" % self.idle_timeout]
        level = VCSIM_STATS_LEVEL if self.stats_level_arg is None else self.stats_level_arg
        a += ["-stats-level", str(int(level))]
        if self.clock_offset_arg is not None:
            a += ["-clock-offset", "%dms" % round(self.clock_offset_arg * 1000)]
        return a + self.extra_args

    def output(self):
        """vcsim's stdout+stderr of all runs so far."""
        return _read(os.path.join(self.tmp, "vcsim.out"))

    def start(self):
        if self.proc and self.proc.poll() is None:
            raise RuntimeError("vcsim already running")
        try:
            os.unlink(self.url_file)
        except FileNotFoundError:
            pass
        self._starts += 1
        with open(os.path.join(self.tmp, "vcsim.out"), "a") as out:
            out.write("=== start %d: %s\n" % (self._starts, " ".join(self.args())))
            out.flush()
            env = _child_env()
            # vcsim writes a few files per VM into its datastore dirs under
            # $TMPDIR; keep them on tmpfs (on ext4 with many create/delete
            # cycles a 10k-VM start went from ~7 s to ~55 s) and inside a
            # dir close() removes, even after SIGKILL.
            env["TMPDIR"] = self.ds_tmp
            self.proc = subprocess.Popen(self.args(), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, cwd=self.tmp)
        _register(self.proc)

        def ready():
            if not os.path.exists(self.url_file):
                return False
            url = _read(self.url_file).strip()
            port = urllib.parse.urlsplit(url).port
            return url if port and port_open(port) else False

        try:
            url = wait_for(ready, self.startup_timeout, 0.05, "vcsim url file",
                           alive=lambda: self.proc.poll() is None)
        except AssertionError as e:
            self.stop()
            raise AssertionError("vcsim did not start: %s\n%s" % (e, self.output()))
        self.url = url
        self.port = urllib.parse.urlsplit(url).port
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, bounded wait, SIGKILL. Returns exit code."""
        if not self.proc:
            return None
        return _stop_proc(self.proc, timeout)

    def restart(self, down_time=0.0, timeout=30.0):
        """Stop and start again on the SAME port (fresh inventory and
        sessions: all old sessions are gone). Retries while the port is
        still busy, bounded by `timeout`."""
        port = self.port
        self.stop()
        if down_time:
            time.sleep(down_time)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.port = port
                return self.start()
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)

    def kill(self, sig=signal.SIGKILL):
        """Send a signal without waiting (e.g. SIGSTOP to freeze vCenter)."""
        os.kill(self.proc.pid, sig)

    def vsctl(self, *args, **kw):
        return vsctl(self, *args, **kw)

    def sessions(self):
        """Live sessions excluding vsctl's own."""
        return int(vsctl(self, "sessions").strip())

    def terminate_sessions(self):
        return int(vsctl(self, "terminate").strip())

    def inventory(self):
        """(vms, hosts): vms = {name: powerState}, hosts = set of names."""
        vms, hosts = {}, set()
        for line in vsctl(self, "inventory").splitlines():
            f = line.split()
            if f and f[0] == "vm":
                vms[f[1]] = f[2]
            elif f and f[0] == "host":
                hosts.add(f[1])
        return vms, hosts

    def poweroff(self, name):
        vsctl(self, "poweroff", name)

    def poweron(self, name):
        vsctl(self, "poweron", name)

    # -- production-vCenter behaviour (vcsim's /vcsim-control, vsctl) -------

    @property
    def control_url(self):
        """URL of vcsim's control endpoint (same listener as the SDK)."""
        u = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/vcsim-control", "", ""))

    def control(self, cmd, timeout=30.0, **params):
        """GET /vcsim-control?cmd=CMD&k=v...; returns the text answer.
        Raises RuntimeError with vcsim's reason on a non-200 answer.
        Commands (see tests/vcsim/control.go): host-state name= state=,
        slow name= seconds=, lag type= seconds=, entity-fault name= fault=
        [message=], extra-counter type= id=, counter-add group= name=
        rollup= unit= level= statsType= [key=], stats-level level=,
        clock-offset seconds=, sensor-health name= sensor= health= [index=],
        stream-drop, rest-login-status status=, rest-kill, event-post type=
        [name=] [message=] [user=] [event_type_id=] [severity=],
        event-burst (the same and count=), events [since=], alarm-define
        name=, alarm-set entity= alarm= status= [ack=] [user=],
        alarm-delete alarm=, clear, stats."""
        q = [("cmd", cmd)] + [(k, str(v)) for k, v in params.items()]
        url = self.control_url + "?" + urllib.parse.urlencode(q)
        ctx = None
        if url.startswith("https"):
            import ssl
            ctx = ssl.create_default_context(cafile=self.ca_file)
            ctx.check_hostname = False
        try:
            with urllib.request.urlopen(url, timeout=timeout, context=ctx) as r:
                return r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            raise RuntimeError("vcsim-control %s %s: HTTP %d %s" % (
                cmd, params, e.code, e.read().decode("utf-8", "replace").strip()))

    def control_stats(self):
        """vcsim's counters as {name: int} (queryperf_calls,
        not_found_faults, host_faults, slow_calls, slow_aborted,
        lagged_specs, empty_specs, ...: the list is in
        tests/vcsim/control.go; settings too: stats_level,
        clock_offset_ms)."""
        out = {}
        for line in self.control("stats").splitlines():
            f = line.split()
            if len(f) == 2 and f[1].lstrip("-").isdigit():
                out[f[0]] = int(f[1])
        return out

    def host_state(self, host, state):
        """Set a host's runtime.connectionState (connected, disconnected,
        notResponding); its VMs become "disconnected" (or "connected") and
        QueryPerf for it or its VMs faults while it is not connected."""
        return self.control("host-state", name=host, state=state).strip()

    def slow_host(self, host, seconds):
        """Every QueryPerf call including the host or its VMs sleeps
        `seconds` first (0 clears)."""
        return self.control("slow", name=host, seconds="%g" % seconds).strip()

    def lag(self, type, seconds):  # noqa: A002 - the vSphere word
        """QueryPerf for entities of this type answers as if now were
        `seconds` earlier (0 clears)."""
        return self.control("lag", type=type, seconds="%g" % seconds).strip()

    def rename(self, name, new):
        """Rename_Task; `new` is stored escaped as vCenter does (/ -> %2f,
        \\ -> %5c, % -> %25). name: a name (error if ambiguous) or a moref."""
        vsctl(self, "rename", name, new)

    def destroy(self, name):
        """Destroy_Task (a VM is powered off first)."""
        vsctl(self, "destroy", name)

    def moref(self, name):
        """[(moref, type)] of every entity called `name` (raw or escaped)."""
        return [tuple(l.split(" ", 1)) for l in vsctl(self, "moref", name).splitlines() if l]

    INVENTORY_FIELDS = ("kind", "moref", "name", "power", "connection", "host", "cluster",
                        "datacenter", "path", "extra")

    def inventory_full(self):
        """[{kind, moref, name, power, connection, host, cluster, datacenter,
        path, extra}] from `vsctl inventory-full` (kinds vm, host, cluster,
        pool, datastore, datacenter; names as stored, i.e. escaped)."""
        out = []
        for line in vsctl(self, "inventory-full").splitlines():
            if line:
                f = line.split("\t")
                f += [""] * (len(self.INVENTORY_FIELDS) - len(f))
                out.append(dict(zip(self.INVENTORY_FIELDS, f)))
        return out

    def snapshot_create(self, name, snapshot):
        vsctl(self, "snapshot-create", name, snapshot)

    def snapshot_remove_all(self, name):
        vsctl(self, "snapshot-remove-all", name)

    def field_add(self, name):
        """A custom attribute (CustomFieldsManager.AddCustomFieldDef, every
        type); returns its key."""
        return int(vsctl(self, "field-add", name).strip())

    def field_rename(self, name, new):
        vsctl(self, "field-rename", name, new)

    def field_set(self, entity, field, value):
        """SetField: the entity's value of a custom attribute ("" unsets)."""
        vsctl(self, "field-set", entity, field, value)

    def sensor_health(self, host, sensor, health, index=1):
        """A host's sensor health (green, yellow, red, unknown), through the
        property collector (tests/vcsim/extras.go: every host has
        "temperature:System Board 1 Ambient Temp" and two "fan:Fan 1")."""
        return self.control("sensor-health", name=host, sensor=sensor, health=health,
                            index=index).strip()

    def maintenance(self, host, enter=True):
        vsctl(self, "maintenance", "enter" if enter else "exit", host)

    def folder_create(self, parent, name):
        """Create a folder under `parent` (inventory path such as /DC0/vm,
        or a moref); returns the new folder's moref."""
        return vsctl(self, "folder-create", parent, name).strip()

    def move(self, name, folder):
        """MoveIntoFolder_Task (vcsim does not check for duplicate names)."""
        vsctl(self, "move", name, folder)

    def queryperf(self, *entities, counters=(2,), instance="*", interval=20, max_sample=3,
                  since=None):
        """Raw QueryPerf through vsctl. Returns ("ok", {moref: [(counterId,
        instance, timestamp, value)]}) or ("fault", "Type [ObjType:moref]")."""
        args = ["queryperf", "-counters", ",".join(str(c) for c in counters),
                "-instance", instance, "-interval", str(interval), "-max", str(max_sample)]
        if since:
            args += ["-since", "%g" % since]
        out = vsctl(self, *(args + list(entities)))
        if out.startswith("fault "):
            return "fault", out[6:].strip()
        res = {}
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == "entity":
                res.setdefault(f[1], [])
            elif f and f[0] == "value":
                res.setdefault(f[1], []).append((int(f[2]), f[3], f[4], int(f[5])))
        return "ok", res

    def query_options(self, name, setting="VpxSettings"):
        """OptionManager.QueryOptions(name) over raw SOAP (vcsim matches
        keys by prefix). Returns ("ok", {key: value}) with xsd:int/long/
        short values as int and others as str, or ("fault", fault type)
        (an unknown name: InvalidName)."""
        import ssl
        import xml.etree.ElementTree as ET
        ctx = None
        if self.url.startswith("https"):
            ctx = ssl.create_default_context(cafile=self.ca_file)
            ctx.check_hostname = False
        cookie = soap_login(self.url, self.user, self.password, context=ctx)
        try:
            st, text, _ = soap_post(
                self.url, '<QueryOptions xmlns="urn:vim25"><_this type="OptionManager">%s</_this>'
                '<name>%s</name></QueryOptions>' % (_xesc(setting), _xesc(name)), cookie, context=ctx)
        finally:
            soap_logout(self.url, cookie, context=ctx)
        if st != 200:
            f = soap_fault(text)
            if f is None:
                raise RuntimeError("QueryOptions %s: HTTP %d %s" % (name, st, text[:300]))
            return "fault", f["type"]
        out = {}
        for rv in ET.fromstring(text).iter():
            if _local(rv.tag) != "returnval":
                continue
            key = val = None
            for c in rv:
                if _local(c.tag) == "key":
                    key = c.text or ""
                elif _local(c.tag) == "value":
                    val = c.text or ""
                    if (_xsi_type(c) or "") in ("int", "long", "short", "byte"):
                        val = int(val)
            out[key] = val
        return "ok", out

    def max_query_metrics_stats(self):
        """The maxQueryMetrics counters of control_stats():
        (historical_queries, historical_max_metrics_seen,
        max_query_metrics_faults)."""
        st = self.control_stats()
        return (st["historical_queries"], st["historical_max_metrics_seen"],
                st["max_query_metrics_faults"])

    # -- vCenter API behaviour beyond stock vcsim (tests/vcsim/*.go) --------

    def _ssl_context(self):
        if not self.url.startswith("https"):
            return None
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca_file)
        ctx.check_hostname = False
        return ctx

    def soap_once(self, inner):
        """Log in, POST one SOAP body, log out; returns (status, text)."""
        ctx = self._ssl_context()
        cookie = soap_login(self.url, self.user, self.password, context=ctx)
        try:
            st, text, _ = soap_post(self.url, inner, cookie, context=ctx)
        finally:
            soap_logout(self.url, cookie, context=ctx)
        return st, text

    def stats_level(self, level):
        """Set the statistics level (1..4) of the 300 s interval ("Past
        day") at run time, as vCenter's statistics settings do: historical
        QueryPerf answers then carry no series for a counter whose catalog
        level is above it. (At start: Vcsim(stats_level=N).)"""
        return self.control("stats-level", level=int(level)).strip()

    def historical_intervals(self):
        """PerformanceManager.historicalInterval as [{key, samplingPeriod,
        name, length, level, enabled}] (ints, str, bool)."""
        import xml.etree.ElementTree as ET
        st, text = self.soap_once(
            '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">'
            'propertyCollector</_this><specSet><propSet><type>PerformanceManager</type>'
            '<all>false</all><pathSet>historicalInterval</pathSet></propSet><objectSet>'
            '<obj type="PerformanceManager">PerfMgr</obj><skip>false</skip></objectSet>'
            '</specSet><options/></RetrievePropertiesEx>')
        if st != 200:
            raise RuntimeError("historicalInterval: HTTP %d %s" % (st, text[:300]))
        out = []
        for el in ET.fromstring(text).iter():
            if _local(el.tag) != "PerfInterval":
                continue
            d = {_local(c.tag): c.text or "" for c in el}
            for k in ("key", "samplingPeriod", "length", "level"):
                if k in d:
                    d[k] = int(d[k])
            d["enabled"] = d.get("enabled") == "true"
            out.append(d)
        return out

    def perf_counters(self):
        """PerformanceManager.perfCounter as {key: {"name":
        "group.name.rollup", "level": int, "unit": str, "statsType": str}}."""
        import xml.etree.ElementTree as ET
        st, text = self.soap_once(retrieve_perf_counters_xml())
        if st != 200:
            raise RuntimeError("perfCounter: HTTP %d %s" % (st, text[:300]))
        out = {}
        for el in ET.fromstring(text).iter():
            if _local(el.tag) != "PerfCounterInfo":
                continue
            d = {}
            for c in el:
                tag = _local(c.tag)
                if tag in ("groupInfo", "nameInfo", "unitInfo"):
                    d[tag] = next((x.text for x in c if _local(x.tag) == "key"), "")
                else:
                    d[tag] = c.text or ""
            out[int(d["key"])] = {"name": "%s.%s.%s" % (d.get("groupInfo"), d.get("nameInfo"),
                                                         d.get("rollupType")),
                                  "level": int(d.get("level") or 0), "unit": d.get("unitInfo"),
                                  "statsType": d.get("statsType")}
        return out

    def entity_fault(self, entity, fault, message=None):
        """Every QueryPerf call whose specs include `entity` (a name, a
        moref value or TYPE:moref) fails as a whole with the SOAP fault
        `fault` (a vim fault type: SystemError, InvalidArgument,
        NotSupported, RuntimeFault, ...; "" clears), faultstring `message`
        (default: a made-up one)."""
        params = {"name": entity, "fault": fault}
        if message is not None:
            params["message"] = message
        return self.control("entity-fault", **params).strip()

    def counter_add(self, group, name, rollup="average", unit="number", level=1,
                    stats_type="absolute", key=None):
        """Append a counter to PerformanceManager.perfCounter while vcsim
        runs (catalog drift); returns its key (default: largest + 1)."""
        params = dict(group=group, name=name, rollup=rollup, unit=unit, level=int(level),
                      statsType=stats_type)
        if key is not None:
            params["key"] = int(key)
        out = self.control("counter-add", **params).split()
        assert out[0] == "ok", out
        return int(out[1])

    def extra_counter(self, type, counter_id):  # noqa: A002 - the vSphere word
        """Every realtime QueryPerf answer for entities of this type carries
        one more series, counter `counter_id`, instance "" (0 clears),
        listed in the catalog or not."""
        return self.control("extra-counter", type=type, id=int(counter_id)).strip()

    def clock_offset(self, seconds):
        """vCenter's clock = this machine's + `seconds` (may be negative):
        CurrentTime and the "now" of every QueryPerf answer."""
        return self.control("clock-offset", seconds="%r" % float(seconds)).strip()

    def current_time(self):
        """ServiceInstance.CurrentTime as epoch seconds (float)."""
        st, text = self.soap_once('<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">'
                                  'ServiceInstance</_this></CurrentTime>')
        m = re.search(r"<returnval>([^<]+)</returnval>", text)
        if st != 200 or not m:
            raise RuntimeError("CurrentTime: HTTP %d %s" % (st, text[:300]))
        return xsd_time(m.group(1))

    def service_versions(self):
        """GET /sdk/vimServiceVersions.xml: (HTTP status, {namespace:
        (version, [prior versions])})."""
        import xml.etree.ElementTree as ET
        u = urllib.parse.urlsplit(self.url)
        url = urllib.parse.urlunsplit((u.scheme, u.netloc, u.path + "/vimServiceVersions.xml", "", ""))
        with urllib.request.urlopen(url, timeout=30, context=self._ssl_context()) as r:
            st, text = r.status, r.read().decode("utf-8", "replace")
        out = {}
        for ns in ET.fromstring(text).iter("namespace"):
            prior = [v.text for p in ns.iter("priorVersions") for v in p.iter("version")]
            out[ns.findtext("name")] = (ns.findtext("version"), prior)
        return st, out

    def paging_stats(self):
        """Property collector paging counters of control_stats():
        (props_paged, props_continue_calls, props_cancel_calls,
        props_tokens_pending)."""
        st = self.control_stats()
        return (st["props_paged"], st["props_continue_calls"], st["props_cancel_calls"],
                st["props_tokens_pending"])

    # -- events (tests/vcsim/events.go) ------------------------------------

    @staticmethod
    def _event_params(type_, name, fields):
        params = {"type": type_}
        if name is not None:
            params["name"] = name
        params.update((k, str(v)) for k, v in fields.items())
        return params

    def event_post(self, type, name=None, **fields):  # noqa: A002 - the vSphere word
        """Post one event through vcsim's EventManager (cmd=event-post);
        returns its key. type: an event type name (VmFailedToPowerOnEvent,
        VmPoweredOffEvent, HostConnectionLostEvent, ...: that typed event),
        "EventEx" or "ExtendedEvent" with event_type_id=, or a bare
        eventTypeId such as "com.vmware.vc.HA.VmRestartedByHAEvent" (an
        EventEx). name: the VM or host (else any entity; a name or a moref)
        it is about: its vm/host/computeResource/datacenter arguments.
        fields: message= (fullFormattedMessage; also an EventEx's message
        and the reason of an event that has one), user= (userName),
        event_type_id=, severity= (EventEx; default info). Only an event:
        nothing else changes (a VmPoweredOffEvent powers nothing off)."""
        out = self.control("event-post", **self._event_params(type, name, fields)).split()
        assert out[0] == "ok", out
        return int(out[1])

    def event_burst(self, type, count, name=None, **fields):  # noqa: A002 - the vSphere word
        """`count` events alike (cmd=event-burst, see event_post), with
        consecutive keys; returns (first key, last key)."""
        params = self._event_params(type, name, fields)
        params["count"] = int(count)
        out = self.control("event-burst", timeout=120.0, **params).split()
        assert out[0] == "ok", out
        return int(out[1]), int(out[2])

    def events(self, since=0):
        """The events vcsim keeps (cmd=events) with key > since, oldest
        first: [{"key": int, "type": eventTypeId of an EventEx/
        ExtendedEvent else the type name, "entity": the moref of the vm,
        host, ds, computeResource or datacenter argument (the first
        present) or None, "time": createdTime as epoch seconds}]."""
        out = []
        for line in self.control("events", timeout=120.0, since=int(since)).splitlines():
            f = line.split()
            if len(f) == 4:
                out.append({"key": int(f[0]), "type": f[1], "entity": None if f[2] == "-" else f[2],
                            "time": xsd_time(f[3])})
        return out

    EVENT_STATS = ("event_collectors_live", "event_collectors_made", "event_collectors_destroyed",
                   "event_collectors_session_ended", "events_total", "events_kept",
                   "events_last_key", "read_next_events_calls")

    def event_stats(self):
        """The event counters of control_stats(): {name: int} for
        event_collectors_live (collectors of live sessions),
        event_collectors_made, event_collectors_destroyed (DestroyCollector),
        event_collectors_session_ended (gone with their session),
        events_total (kept since start), events_kept, events_last_key,
        read_next_events_calls."""
        st = self.control_stats()
        return {k: st[k] for k in self.EVENT_STATS}

    # -- triggered alarms (tests/vcsim/alarms.go) ---------------------------

    def alarm_define(self, name):
        """An Alarm object named `name` (cmd=alarm-define; the same one for
        a name already defined and not deleted); returns its moref
        (alarm-N)."""
        out = self.control("alarm-define", name=name).split()
        assert out[0] == "ok", out
        return out[1]

    def alarm_set(self, entity, alarm, status, ack=False, user=None, silent=False):
        """Set an alarm's state on an entity (cmd=alarm-set): status green,
        yellow, red or none (removes it); the same AlarmState shows in the
        triggeredAlarmState of the entity's containers (parents up to the
        root folder; a VM's resource pools, cluster and host), and the
        property collectors' update streams see each change. entity: a VM
        or host name (else any entity's), or a moref; alarm: a moref (a
        deleted alarm's too) or a name. ack is always sent: acknowledged
        (by `user`, default VSPHERE.LOCAL\\Administrator) or not. silent: an
        existing state's change is made without telling the update streams,
        as vCenter after API 5.0 may do for an AlarmState's overallStatus."""
        params = {"entity": entity, "alarm": alarm, "status": status,
                  "ack": "true" if ack else "false"}
        if silent:
            params["silent"] = "true"
        if user is not None:
            params["user"] = user
        out = self.control("alarm-set", **params).strip()
        assert out == "ok", out

    def alarm_delete(self, alarm):
        """Remove an Alarm object (cmd=alarm-delete; name or moref): its
        info.name then faults ManagedObjectNotFound; its states stay until
        set to none. Returns its moref."""
        out = self.control("alarm-delete", alarm=alarm).split()
        assert out[0] == "ok", out
        return out[1]

    def alarms(self):
        """Every AlarmState in any entity's triggeredAlarmState, read
        through govmomi (vsctl alarms): [{"holder": moref of the object
        whose list holds it, "alarm", "status", "ack": bool, "entity":
        moref of the object it is about}]."""
        out = []
        for line in vsctl(self, "alarms").splitlines():
            f = line.split()
            if len(f) == 5:
                out.append({"holder": f[0], "alarm": f[1], "status": f[2], "ack": f[3] == "true",
                            "entity": f[4]})
        return out

    def alarm_names(self, *alarms):
        """RetrievePropertiesEx of info.name on Alarm objects (vsctl
        alarm-name): ("ok", {moref: name}) or ("fault", "TYPE
        [OBJTYPE:MOREF]")."""
        out = vsctl(self, "alarm-name", *alarms)
        if out.startswith("fault "):
            return "fault", out[6:].strip()
        return "ok", dict(l.split(" ", 1) for l in out.splitlines() if l)

    def alarm_watch(self, entity, updates):
        """vsctl alarm-watch in the background: a WaitForUpdatesEx stream
        on the entity's triggeredAlarmState. Returns the Popen (text
        stdout): "ready", then "update ALARM:STATUS:ACK:ENTITY ..." (or
        "update -") per update, the first the current value; it exits
        after `updates` updates."""
        proc = subprocess.Popen(_vsctl_cmd(self, ["alarm-watch", entity, updates], timeout=120.0),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=_child_env(), stdin=subprocess.DEVNULL, bufsize=1)
        _register(proc)
        return proc

    ALARM_STATS = ("alarms_defined", "alarm_states", "alarm_name_reads")

    def alarm_stats(self):
        """The alarm counters of control_stats(): alarms_defined (Alarm
        objects now), alarm_states (AlarmStates in every entity's list,
        containers' copies included), alarm_name_reads (RetrievePropertiesEx
        calls asking for Alarm objects)."""
        st = self.control_stats()
        return {k: st[k] for k in self.ALARM_STATS}

    def close(self):
        self.stop()
        _rmtree(self.tmp)
        _rmtree(self.ds_tmp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _vsctl_cmd(vc, args, user=None, password=None, timeout=60.0):
    ensure_go_tools()
    if isinstance(vc, str):
        url, u, p, tls = vc, user or "user", password or "pass", vc.startswith("https")
    else:
        url, u, p, tls = vc.url, user or vc.user, password or vc.password, bool(vc.tls)
    cmd = [os.path.join(BIN_DIR, "vsctl"), "-url", url, "-user", u, "-password", p,
           "-timeout", "%ds" % int(timeout)]
    if tls:
        cmd.append("-insecure")
    return cmd + [str(a) for a in args]


def vsctl(vc, *args, user=None, password=None, timeout=60.0, check=True):
    """Run tests/bin/vsctl against Vcsim `vc` (or a URL string); returns
    stdout. Raises RuntimeError on non-zero exit when check=True (exit 3 =
    login failed)."""
    cmd = _vsctl_cmd(vc, args, user, password, timeout)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout + 10, env=_child_env(), stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError("vsctl %s failed (rc=%d): %s" % (" ".join(map(str, args)), r.returncode, r.stderr.strip()))
    return r.stdout


# --------------------------------------------------------------------------
# raw SOAP (for exchanges a test wants to see byte for byte, e.g. through
# tests/faultserver.py)

_SOAP_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
              'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
              'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>')
_SOAP_TAIL = '</soapenv:Body></soapenv:Envelope>'


def _xesc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def soap_post(url, inner, cookie=None, timeout=30.0, context=None, api="7.0"):
    """POST a SOAP body (the XML inside soapenv:Body) to url. Returns
    (HTTP status, response text, Set-Cookie or None); a 500 fault is
    returned, not raised."""
    import urllib.error
    body = (_SOAP_HEAD + inner + _SOAP_TAIL).encode("utf-8")
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/" + api}
    if cookie:
        headers["Cookie"] = cookie
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.headers.get("Set-Cookie")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), e.headers.get("Set-Cookie")


def soap_login(url, user="user", password="pass", context=None, timeout=30.0):
    """Login; returns the cookie ("vmware_soap_session=...") to pass to
    soap_post. Raises RuntimeError if the login fails."""
    st, text, set_cookie = soap_post(
        url, '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this>'
        '<userName>%s</userName><password>%s</password></Login>' % (_xesc(user), _xesc(password)),
        context=context, timeout=timeout)
    if st != 200 or not set_cookie:
        raise RuntimeError("login failed: HTTP %d %s" % (st, text[:300]))
    return set_cookie.split(";", 1)[0]


def soap_logout(url, cookie, context=None, timeout=30.0):
    return soap_post(url, '<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager'
                     '</_this></Logout>', cookie, timeout, context)[0]


_MOREF_TYPES = (("vm-", "VirtualMachine"), ("host-", "HostSystem"), ("resgroup-", "ResourcePool"),
                ("clustercomputeresource-", "ClusterComputeResource"),
                ("domain-c", "ClusterComputeResource"), ("datacenter-", "Datacenter"),
                ("datastore-", "Datastore"))


def moref_type(moref):
    """The managed object type a moref value such as vm-42 stands for."""
    for prefix, t in _MOREF_TYPES:
        if moref.startswith(prefix):
            return t
    raise ValueError("cannot tell the type of %r" % moref)


def query_perf_xml(entities, counters=(2,), instance="*", interval=20, max_sample=None,
                   start=None, end=None):
    """The body of a QueryPerf call (elements in WSDL order): one spec per
    entity (a moref string such as "vm-42", or a (type, moref) pair);
    start/end are xsd:dateTime strings or epoch seconds."""
    def ts(t):
        if isinstance(t, (int, float)):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)
        return t
    specs = []
    for e in entities:
        t, v = (moref_type(e), e) if isinstance(e, str) else e
        spec = '<querySpec><entity type="%s">%s</entity>' % (t, _xesc(v))
        if start is not None:
            spec += "<startTime>%s</startTime>" % ts(start)
        if end is not None:
            spec += "<endTime>%s</endTime>" % ts(end)
        if max_sample is not None:
            spec += "<maxSample>%d</maxSample>" % max_sample
        for c in counters:
            spec += "<metricId><counterId>%d</counterId><instance>%s</instance></metricId>" % (
                c, _xesc(instance))
        spec += "<intervalId>%d</intervalId><format>normal</format></querySpec>" % interval
        specs.append(spec)
    return ('<QueryPerf xmlns="urn:vim25"><_this type="PerformanceManager">PerfMgr</_this>%s'
            '</QueryPerf>' % "".join(specs))


def query_perf(url, cookie, entities, context=None, timeout=30.0, **kw):
    """QueryPerf (see query_perf_xml for kw); returns (status, text)."""
    st, text, _ = soap_post(url, query_perf_xml(entities, **kw), cookie, timeout, context)
    return st, text


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _xsi_type(el):
    for k, v in el.attrib.items():
        if _local(k) == "type" and k.startswith("{"):
            return v.split(":")[-1]
    return None


def parse_query_perf(text):
    """QueryPerfResponse text -> {moref: {"type": T, "timestamps": [str],
    "series": {(counterId, instance): [int]}}} (values in the order of
    timestamps, i.e. as sent)."""
    import xml.etree.ElementTree as ET
    out = {}
    for rv in ET.fromstring(text).iter():
        if _local(rv.tag) != "returnval":
            continue
        ent = next((c for c in rv if _local(c.tag) == "entity"), None)
        if ent is None:
            continue
        d = out[ent.text] = {"type": ent.get("type"), "timestamps": [], "series": {}}
        for c in rv:
            if _local(c.tag) == "sampleInfo":
                d["timestamps"].append(next(x.text for x in c if _local(x.tag) == "timestamp"))
            elif _local(c.tag) == "value":
                cid = inst = None
                vals = []
                for x in c:
                    if _local(x.tag) == "id":
                        for y in x:
                            if _local(y.tag) == "counterId":
                                cid = int(y.text)
                            elif _local(y.tag) == "instance":
                                inst = y.text or ""
                    elif _local(x.tag) == "value":
                        vals.append(int(x.text))
                d["series"][(cid, inst if inst is not None else "")] = vals
    return out


def soap_fault(text):
    """None, or {"type": fault type, "string": faultstring, "obj": (type,
    moref) of a ManagedObjectNotFound/NoPermission detail or None,
    "detail": the detail element's XML} of a SOAP fault document."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for f in root.iter():
        if _local(f.tag) != "Fault":
            continue
        res = {"type": None, "string": None, "obj": None, "detail": None}
        for c in f:
            if _local(c.tag) == "faultstring":
                res["string"] = c.text or ""
            elif _local(c.tag) == "detail" and len(c):
                d = c[0]
                res["detail"] = ET.tostring(d, encoding="unicode")
                res["type"] = _xsi_type(d) or _local(d.tag)[:-len("Fault")]
                for x in d:
                    if _local(x.tag) in ("obj", "object"):
                        res["obj"] = (x.get("type"), x.text)
        return res
    return None


def xsd_time(s):
    """An xsd:dateTime (RFC 3339: Z or an offset, any fraction) as epoch
    seconds (float)."""
    import calendar
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s.strip())
    if not m:
        raise ValueError("not an xsd:dateTime: %r" % s)
    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + float(m.group(2) or 0)
    if m.group(3) != "Z":
        sign = 1 if m.group(3)[0] == "+" else -1
        t -= sign * (int(m.group(3)[1:3]) * 3600 + int(m.group(3)[4:6]) * 60)
    return t


def xsd_timestamp(t):
    """Epoch seconds as an xsd:dateTime (UTC, microseconds, truncated)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ".%06dZ" % int((t % 1) * 1e6)


def event_filter_xml(begin=None, end=None, type_ids=(), max_count=None):
    """An EventFilterSpec's elements (WSDL order): time (begin/end: epoch
    seconds or xsd:dateTime strings), eventTypeId list, maxCount."""
    def ts(t):
        return xsd_timestamp(t) if isinstance(t, (int, float)) else t
    out = ""
    if begin is not None or end is not None:
        out += "<time>"
        if begin is not None:
            out += "<beginTime>%s</beginTime>" % ts(begin)
        if end is not None:
            out += "<endTime>%s</endTime>" % ts(end)
        out += "</time>"
    out += "".join("<eventTypeId>%s</eventTypeId>" % _xesc(t) for t in type_ids)
    if max_count is not None:
        out += "<maxCount>%d</maxCount>" % max_count
    return out


def event_collector_create(url, cookie, context=None, **filter_kw):
    """EventManager.CreateCollectorForEvents (filter: see
    event_filter_xml); returns the collector's moref. Raises RuntimeError
    (with the fault type) if refused."""
    import xml.etree.ElementTree as ET
    st, text, _ = soap_post(url, '<CreateCollectorForEvents xmlns="urn:vim25"><_this type="EventManager">'
                            'EventManager</_this><filter>%s</filter></CreateCollectorForEvents>'
                            % event_filter_xml(**filter_kw), cookie, context=context)
    if st != 200:
        f = soap_fault(text) or {}
        raise RuntimeError("CreateCollectorForEvents: HTTP %d %s %s" % (st, f.get("type"), f.get("string")))
    return next(e.text for e in ET.fromstring(text).iter() if _local(e.tag) == "returnval")


_EVENT_ARGS = {"vm": "vm", "host": "host", "datacenter": "datacenter", "computeResource": "computeResource",
               "ds": "datastore", "net": "network", "dvs": "dvs"}


def parse_events(text):
    """The events (returnval elements) of a ReadNextEvents/
    ReadPreviousEvents/QueryEvents answer, as sent: [{"type": xsi:type,
    "key": int, "chainId": int, "createdTime": str, "time": epoch seconds,
    "userName": str, "message": fullFormattedMessage, and those present of
    "eventTypeId", "severity" (EventEx), "vm", "host", "datacenter",
    "computeResource", "ds", "net", "dvs": (name, moref)}]."""
    import xml.etree.ElementTree as ET
    out = []
    for rv in ET.fromstring(text).iter():
        if _local(rv.tag) != "returnval":
            continue
        ev = {"type": _xsi_type(rv)}
        for c in rv:
            tag = _local(c.tag)
            if tag in ("key", "chainId"):
                ev[tag] = int(c.text)
            elif tag == "createdTime":
                ev[tag], ev["time"] = c.text, xsd_time(c.text)
            elif tag == "fullFormattedMessage":
                ev["message"] = c.text or ""
            elif tag in ("userName", "eventTypeId", "severity"):
                ev[tag] = c.text or ""
            elif tag in _EVENT_ARGS:
                name = next((x.text or "" for x in c if _local(x.tag) == "name"), "")
                ref = next((x.text for x in c if _local(x.tag) == tag or _local(x.tag) == _EVENT_ARGS[tag]), None)
                ev[tag] = (name, ref)
        out.append(ev)
    return out


def read_next_events(url, cookie, collector, max_count=100, context=None, previous=False):
    """EventHistoryCollector.ReadNextEvents (or ReadPreviousEvents):
    (200, [events as parse_events gives them]) or (HTTP status,
    soap_fault dict)."""
    method = "ReadPreviousEvents" if previous else "ReadNextEvents"
    st, text, _ = soap_post(url, '<%s xmlns="urn:vim25"><_this type="EventHistoryCollector">%s</_this>'
                            '<maxCount>%d</maxCount></%s>' % (method, _xesc(collector), max_count, method),
                            cookie, context=context)
    return (st, parse_events(text)) if st == 200 else (st, soap_fault(text))


def destroy_collector(url, cookie, collector, context=None):
    """HistoryCollector.DestroyCollector: (HTTP status, soap_fault dict or
    None)."""
    st, text, _ = soap_post(url, '<DestroyCollector xmlns="urn:vim25"><_this type="EventHistoryCollector">'
                            '%s</_this></DestroyCollector>' % _xesc(collector), cookie, context=context)
    return st, (None if st == 200 else soap_fault(text))


def create_container_view_xml(types_=("VirtualMachine",)):
    return ('<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this>'
            '<container type="Folder">group-d1</container>%s<recursive>true</recursive>'
            '</CreateContainerView>' % "".join("<type>%s</type>" % t for t in types_))


def retrieve_view_xml(view, type_="VirtualMachine", paths=("name",), max_objects=None):
    """RetrievePropertiesEx over a ContainerView's "view" property."""
    opts = "<maxObjects>%d</maxObjects>" % max_objects if max_objects else ""
    return ('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector'
            '</_this><specSet><propSet><type>%s</type>%s</propSet><objectSet><obj type="ContainerView">%s'
            '</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name>'
            '<type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>'
            '</specSet><options>%s</options></RetrievePropertiesEx>'
            % (type_, "".join("<pathSet>%s</pathSet>" % p for p in paths), view, opts))


def retrieve_perf_counters_xml():
    return ('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector'
            '</_this><specSet><propSet><type>PerformanceManager</type><pathSet>perfCounter</pathSet>'
            '</propSet><objectSet><obj type="PerformanceManager">PerfMgr</obj><skip>false</skip>'
            '</objectSet></specSet><options></options></RetrievePropertiesEx>')


def create_container_view(url, cookie, types_=("VirtualMachine",), context=None):
    """CreateContainerView over the root folder; returns the view moref."""
    import xml.etree.ElementTree as ET
    st, text, _ = soap_post(url, create_container_view_xml(types_), cookie, context=context)
    if st != 200:
        raise RuntimeError("CreateContainerView: HTTP %d %s" % (st, text[:300]))
    return next(e.text for e in ET.fromstring(text).iter() if _local(e.tag) == "returnval")


# --------------------------------------------------------------------------
# Prometheus text format

_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def _unescape(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}.get(m.group(1), "\\" + m.group(1)), s)


def parse_prometheus(text):
    """Parse Prometheus text exposition into [(name, {labels}, value, ts_ms|None)]."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        labels = {}
        if "{" in line:
            name, rest = line.split("{", 1)
            pos = 0
            while True:
                m = _LABEL_RE.match(rest, pos)
                if not m:
                    break
                labels[m.group(1)] = _unescape(m.group(2))
                pos = m.end()
            rest = rest[pos:].lstrip()
            if not rest.startswith("}"):
                raise ValueError("bad metric line: %r" % line)
            fields = rest[1:].split()
        else:
            name, *fields = line.split()
        if not fields:
            raise ValueError("bad metric line: %r" % line)
        value = float(fields[0])  # handles NaN, +Inf, -Inf
        ts = int(fields[1]) if len(fields) > 1 else None
        out.append((name.strip(), labels, value, ts))
    return out


def find_metrics(metrics, name=None, **labels):
    """Filter parsed metrics by exact name (or None) and label values."""
    return [m for m in metrics
            if (name is None or m[0] == name)
            and all(m[1].get(k) == v for k, v in labels.items())]


# --------------------------------------------------------------------------
# collectd

def _proc_tcp_established(pid, established_only=True):
    """[(local_ip, local_port, remote_ip, remote_port, inode)] of ESTABLISHED
    (or, established_only=False, every non-listening) TCP sockets in pid's
    network namespace."""
    res = []
    for fname, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open("/proc/%d/net/%s" % (pid, fname)) as f:
                lines = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            f = line.split()
            if len(f) < 10 or f[3] == "0A":  # 0A = TCP_LISTEN
                continue
            if established_only and f[3] != "01":  # 01 = TCP_ESTABLISHED
                continue

            def addr(s):
                h, p = s.split(":")
                raw = bytes.fromhex(h)
                if v6:
                    # 4 little-endian 32-bit words; map ::ffff:a.b.c.d to IPv4
                    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    if raw[:12] == b"\0" * 10 + b"\xff\xff":
                        return socket.inet_ntop(socket.AF_INET, raw[12:]), int(p, 16)
                    return socket.inet_ntop(socket.AF_INET6, raw), int(p, 16)
                return socket.inet_ntop(socket.AF_INET, raw[::-1]), int(p, 16)

            (lip, lport), (rip, rport) = addr(f[1]), addr(f[2])
            res.append((lip, lport, rip, rport, int(f[9])))
    return res


def _socket_inodes(pid):
    inodes = set()
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            link = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def tcp_connections(pid, port, host="127.0.0.1"):
    """Number of ESTABLISHED TCP sockets held by process `pid` whose remote
    end is host:port (from /proc/PID/net/tcp{,6} + /proc/PID/fd inodes)."""
    mine = _socket_inodes(pid)
    return sum(1 for (_, _, rip, rport, ino) in _proc_tcp_established(pid)
               if rport == port and rip == host and ino in mine)


class Collectd:
    """collectd -f with a generated config in a temp dir.

    config: text appended to the generated config (normally
    "LoadPlugin vsphere" + "<Plugin vsphere> ... </Plugin>").
    extra_plugins: stock plugin names to copy + LoadPlugin (e.g. ["load"]).
    Plugins named in `config` via "LoadPlugin x" / "<LoadPlugin x>" are
    copied automatically (vsphere.so from VSPHERE_PLUGIN_DIR, others from
    /usr/lib/collectd).
    """

    def __init__(self, config="", interval=1.0, extra_plugins=(), log_level="info",
                 hostname="testhost", timeout=2, wrapper=None, plugin_dir=None,
                 start=True, startup_timeout=None, read_threads=None, prometheus=True):
        self.tmp = tempfile.mkdtemp(prefix="collectd-")
        self.plugin_dir = os.path.join(self.tmp, "plugins")
        os.makedirs(self.plugin_dir)
        self.conf_path = os.path.join(self.tmp, "collectd.conf")
        self.log_path = os.path.join(self.tmp, "collectd.log")
        self.out_path = os.path.join(self.tmp, "collectd.out")
        self.pid_path = os.path.join(self.tmp, "collectd.pid")
        self.port = free_port()
        if wrapper is None:
            wrapper = os.environ.get("VSPHERE_WRAPPER", "")
        self.wrapper = shlex.split(wrapper) if isinstance(wrapper, str) else list(wrapper)
        if startup_timeout is None:
            startup_timeout = 120.0 if self.wrapper else 30.0
        self.startup_timeout = startup_timeout
        self.stop_timeout = 120.0 if self.wrapper else 30.0
        self.src_plugin_dir = plugin_dir or os.environ.get("VSPHERE_PLUGIN_DIR") \
            or os.path.join(REPO_ROOT, "src", ".libs")
        self.proc = None

        # prometheus=False: no writer at all (the benchmark measures the
        # plugin, not write_prometheus); start() then waits for the log.
        self.prometheus = prometheus
        plugins = ["logfile"] + (["write_prometheus"] if prometheus else []) + list(extra_plugins)
        for p in plugins:
            self._copy_plugin(p)
        for p in re.findall(r'^\s*<?\s*LoadPlugin\s+"?([A-Za-z0-9_]+)"?', config, re.M):
            if p not in plugins:
                plugins.append(p)
                # vsphere.so must exist; unknown stock names are left for
                # collectd to complain about (tests of bad configs)
                self._copy_plugin(p, required=(p == "vsphere"))

        lines = [
            'Hostname "%s"' % hostname,
            "FQDNLookup false",
            "Interval %g" % interval,
            "Timeout %d" % timeout,
            'BaseDir "%s"' % self.tmp,
            'PIDFile "%s"' % self.pid_path,
            'PluginDir "%s"' % self.plugin_dir,
            'TypesDB "%s"' % TYPES_DB,
        ]
        if read_threads:
            lines.append("ReadThreads %d" % read_threads)
        # As recommended with write_prometheus (README, collectd-vsphere(5)):
        # one write thread keeps the samples of a series in the order the
        # plugin dispatched them; with several, two samples of one series
        # may overtake each other and write_prometheus would show the older.
        lines.append("WriteThreads 1")
        if os.path.exists(VSPHERE_TYPES_DB):
            lines.append('TypesDB "%s"' % VSPHERE_TYPES_DB)
        lines += [
            "",
            "LoadPlugin logfile",
            "<Plugin logfile>",
            '  LogLevel "%s"' % log_level,
            '  File "%s"' % self.log_path,
            "  Timestamp true",
            "  PrintSeverity true",
            "</Plugin>",
            "",
        ]
        if prometheus:
            lines += [
                "LoadPlugin write_prometheus",
                "<Plugin write_prometheus>",
                '  Host "127.0.0.1"',
                '  Port "%d"' % self.port,
                "</Plugin>",
                "",
            ]
        for p in extra_plugins:
            lines.append("LoadPlugin %s" % p)
        lines += ["", config, ""]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines))
        if start:
            self.start()

    def _copy_plugin(self, name, required=True):
        if name == "vsphere":
            src = os.path.join(self.src_plugin_dir, "vsphere.so")
        else:
            src = os.path.join(STOCK_PLUGIN_DIR, name + ".so")
        if not os.path.isfile(src):
            if not required:
                return
            raise FileNotFoundError("plugin %s not found at %s" % (name, src))
        # collectd skips symlinks (lstat + S_ISREG), so copy the real file.
        shutil.copyfile(os.path.realpath(src), os.path.join(self.plugin_dir, name + ".so"))

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self, *collectd_args):
        return self.wrapper + [COLLECTD] + list(collectd_args)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        if self.alive():
            raise RuntimeError("collectd already running")
        with open(self.out_path, "a") as out:
            self.proc = subprocess.Popen(self.command("-f", "-C", self.conf_path),
                                         stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.tmp)
        _register(self.proc)
        try:
            if self.prometheus:
                wait_for(lambda: port_open(self.port), self.startup_timeout, 0.1,
                         "write_prometheus port %d" % self.port, alive=self.alive)
            else:
                wait_for(lambda: "Initialization complete" in self.log(), self.startup_timeout,
                         0.1, "collectd initialization", alive=self.alive)
        except AssertionError as e:
            rc = self.stop()
            raise AssertionError("collectd did not start (rc=%s): %s\n--- output:\n%s\n--- log:\n%s"
                                 % (rc, e, self.output(), self.log()))
        return self

    def test_config(self, mode="-T", timeout=60.0, use_wrapper=True):
        """collectd MODE -C conf -> (exit code, output). Output is collectd's
        stdout+stderr followed by what it wrote to the log file meanwhile
        (messages after "LoadPlugin logfile" go only to the log file).

        NOTE: collectd 5.12's "-t" is broken: it exits 0 without even
        parsing the config (collectd issue #3216, fixed after 5.12 by PR
        #3793). "-T" parses the config (exit 1 if any config callback
        returns non-zero), runs init (exit 1 if an init fails), runs every
        read callback once (exit 1 if one fails), then shuts down."""
        base = [COLLECTD, mode, "-C", self.conf_path]
        cmd = self.wrapper + base if use_wrapper else base
        start = len(self.log())
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, cwd=self.tmp, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + self.log()[start:]

    def metrics_text(self, timeout=10.0):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port, timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")

    def metrics(self, timeout=10.0):
        """[(name, labels, value, timestamp_ms|None)] from write_prometheus."""
        return parse_prometheus(self.metrics_text(timeout))

    def wait_for(self, predicate, timeout=30.0, interval=0.2, what=None):
        """Bounded polling; fails early if collectd exits."""
        try:
            return wait_for(predicate, timeout, interval, what, alive=self.alive)
        except AssertionError as e:
            raise AssertionError("%s\n--- last log lines:\n%s" % (e, "\n".join(self.log().splitlines()[-30:])))

    def wait_for_metric(self, name, timeout=30.0, **labels):
        """Wait until a metric with this name/labels exists; returns the matches."""
        return self.wait_for(lambda: find_metrics(self.metrics(), name, **labels), timeout,
                             what="metric %s%s" % (name, labels or ""))

    def log(self):
        """Contents of the logfile plugin's file."""
        return _read(self.log_path)

    def output(self):
        """collectd's (and the wrapper's, e.g. valgrind's) stdout+stderr."""
        return _read(self.out_path)

    def log_lines(self, level=None):
        """Log lines, optionally only those of a severity ("error",
        "warning", ...), with known-benign stock-plugin noise removed."""
        out = []
        for line in self.log().splitlines():
            if level and ("[%s]" % level) not in line:
                continue
            if any(b in line for b in BENIGN_LOG_PATTERNS):
                continue
            out.append(line)
        return out

    def fd_count(self, samples=5):
        """Open fds of collectd that can leak from a plugin: every fd that
        is not a socket (files, pipes, eventfds), less the log file (the
        logfile plugin opens it for each line), plus every TCP socket that
        is not write_prometheus's (its listener and the tests' own scrapes
        come and go at the server's pace, and its HTTP library keeps
        internal sockets). The least of a few samples 0.1 s apart: a leak
        persists, a transient does not."""
        pid = self.proc.pid
        counts = []
        for i in range(samples):
            if i:
                time.sleep(0.1)
            d = "/proc/%d/fd" % pid
            links = []
            for fd in os.listdir(d):
                try:
                    links.append(os.readlink(os.path.join(d, fd)))
                except OSError:
                    pass
            mine = _socket_inodes(pid)
            tcp = {ino for (_, lport, _, _, ino) in _proc_tcp_established(pid, False)
                   if lport != self.port and ino in mine}
            files = sum(1 for l in links if not l.startswith("socket:[") and l != self.log_path)
            counts.append(files + len(tcp))
        return min(counts)

    def tcp_connections_to(self, port, host="127.0.0.1"):
        """ESTABLISHED TCP sockets owned by collectd to host:port."""
        return tcp_connections(self.proc.pid, port, host)

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def threads(self):
        return len(os.listdir("/proc/%d/task" % self.proc.pid))

    def stop(self, timeout=None):
        """SIGTERM, bounded wait, then SIGKILL. Returns exit code
        (negative = killed by that signal)."""
        if not self.proc:
            return None
        return _stop_proc(self.proc, self.stop_timeout if timeout is None else timeout)

    def restart(self):
        """stop() then start() with the same config and metrics port."""
        rc = self.stop()
        self.start()
        return rc

    def memory_errors(self):
        """Sanitizer reports, and valgrind errors or leaks whose stack runs
        through the plugin, found in collectd's output. collectd's and the
        stock plugins' own leaks are not ours to judge."""
        out = self.output()
        found = []
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in out:
                i = out.index(marker)
                found.append(out[max(0, i - 200):i + 1500])
        # valgrind: blocks separated by a bare "==PID==" line
        block = []
        kinds = ("Invalid ", "uninitialised", "definitely lost", "Mismatched", "overlap",
                 "Syscall param", "Process terminating")
        for line in out.splitlines() + ["==0=="]:
            if re.match(r"^==\d+==\s*$", line):
                text = "\n".join(block)
                if block and any(k in block[0] for k in kinds) and \
                        re.search(r"vsphere\.so|\bvs_[a-z_]+ \(|vsphere_[a-z_]+ \(", text):
                    found.append(text)
                block = []
            elif re.match(r"^==\d+==", line):
                block.append(line)
        return found

    def close(self):
        self.stop()
        errors = self.memory_errors()
        _rmtree(self.tmp)
        if errors:
            raise AssertionError("memory errors in the plugin:\n" + "\n----\n".join(errors[:5]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_collectd_test_config(config="", mode="-T", use_wrapper=False, timeout=60.0, **kw):
    """Generate a config like Collectd(config, **kw) and run
    `collectd MODE -C conf` on it. Returns (exit code, output).
    Default mode is -T because -t is a no-op in collectd 5.12 (see
    Collectd.test_config)."""
    c = Collectd(config, start=False, **kw)
    try:
        return c.test_config(mode=mode, timeout=timeout, use_wrapper=use_wrapper)
    finally:
        c.close()


def children_of(pid=None):
    """PIDs whose parent is pid (default: this process), from /proc."""
    pid = os.getpid() if pid is None else pid
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # field 4 (ppid) follows the ")" that closes the command name
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(d))
    return kids


# --------------------------------------------------------------------------
# test runner

class Skip(Exception):
    """Raised by a test that cannot run here (say why): it is reported as
    "SKIP name: reason", neither passed nor failed."""


def run(tests):
    """Run test functions; print "PASS name" / "FAIL name: reason" /
    "SKIP name: reason" on stdout (traceback on stderr). Processes a test
    started through this module and left running are killed after it (ones
    started before run() - shared fixtures - are kept). Returns (passed,
    failed)."""
    passed = failed = 0
    for t in tests:
        name = getattr(t, "__name__", str(t))
        start = time.monotonic()
        before = set(_live)
        try:
            t()
        except Skip as e:
            print("SKIP %s: %s" % (name, e), flush=True)
        except Exception as e:  # noqa: BLE001 - AssertionError included
            failed += 1
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            print("FAIL %s: %s" % (name, reason), flush=True)
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
        else:
            passed += 1
            print("PASS %s" % name, flush=True)
        finally:
            print("  %s took %.1fs" % (name, time.monotonic() - start), file=sys.stderr, flush=True)
            _reap_all(keep=before)
    return passed, failed


def main(tests, long_tests=(), argv=None):
    """Command line of the test files: [-k SUBSTRING] [--quick] (skip the
    long tests). Prints "N passed, N failed" last; returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if "--quick" in argv:
        tests = [t for t in tests if t not in long_tests]
    if "-k" in argv:
        k = argv[argv.index("-k") + 1]
        tests = [t for t in tests if k in t.__name__]
    passed, failed = run(tests)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
