# SPDX-License-Identifier: MIT
"""Real metric backends for tests and benchmarks (python3 stdlib only).

Each backend is Debian 12's own package (scripts/setup.sh installs them),
started on 127.0.0.1 ports chosen at start, with its config and data in a
temp dir (removed by close() unless VSPHERE_TEST_KEEP=1), registered with
harness so it is killed at exit, and stopped by PID (SIGTERM, bounded wait,
SIGKILL). Every wait is bounded. All three are context managers.

  * Prometheus   - `prometheus --config.file=T/prometheus.yml
                   --storage.tsdb.path=T/data --web.listen-address=127.0.0.1:P`
                   (prometheus 2.42) scraping write_prometheus endpoints;
                   listens on that one port only.
  * CarbonCache  - `carbon-cache --config=T/carbon.conf --nodaemon
                   --pidfile=T/carbon-cache.pid start` (graphite-carbon 1.1.7,
                   one twistd process logging to stdout) with
                   storage-schemas.conf / storage-aggregation.conf beside
                   it, whisper files in T/storage/whisper; read back with
                   whisper-fetch (python3-whisper 1.1.4; Debian's python
                   modules are not importable from the pyenv python3 the
                   tests may run under, so nothing here imports them).
  * InfluxDB     - `influxd run -config T/influxdb.conf` (influxdb 1.6.7)
                   with its collectd (network plugin) UDP listener.
  * collectd config snippets for the writers: write_graphite_config(),
    network_config(), and unixsock_config() + putval() to feed collectd
    values with known identifiers, values and timestamps.

None of them uses Debian's /etc config, /var/lib data dir or systemd unit.
The packages install and enable units; where policy-rc.d denies them (as
here) or there is no systemd they do not run; where they do run they hold
the default ports 9090, 2003/2004/7002 and 8086/8088, which is why nothing
here uses a default port.

Naming, from collectd's host/plugin-plugin_instance/type-type_instance
(verified by tests/test_backends.py with collectd 5.12):

  write_prometheus  collectd_<plugin>_<type>[_<ds>][_total]
                    {instance="<host>", <plugin>="<plugin_instance>",
                     type="<type_instance>"}
                    _<ds> is left out when the DS is named "value"; _total
                    is added for DERIVE and COUNTER. With an empty
                    plugin_instance the type_instance goes into the label
                    named after the plugin (bench/derive-d gives
                    collectd_bench_derive_total{bench="d"}, no type label).
  -> Prometheus     + job="collectd", instance="127.0.0.1:<port>"; collectd's
                    own instance label becomes exported_instance="<host>"
                    unless honor_labels=True (then instance="<host>").
                    The label named after the plugin (bench="a:b:c") is what
                    metric_relabel_configs split into labels.
  write_graphite    [Prefix]<host>[Postfix].<plugin>[-<pi>].<type>[-<ti>][.<ds>]
                    (SeparateInstances: <plugin>.<pi>.<type>.<ti>); in host,
                    plugin, instances and type each of . space : ! , ( )
                    (and per collectd's source tab, double quote, backslash
                    and slash) becomes EscapeCharacter ("_"), so host
                    "test.host" is the one part "test_host" and "a:b:c" is
                    "a_b_c"; Prefix/Postfix are not escaped and get no dot
                    added; .<ds> only for types with several DSs unless
                    AlwaysAppendDS. With StoreRates (the default)
                    DERIVE/COUNTER are sent as per-second rates and the
                    first value of a series is not sent at all (no rate
                    yet); StoreRates false sends raw values. Whisper file:
                    the path with / for each dot, plus ".wsp".
  network->InfluxDB measurement <plugin>_<ds> (parse-multivalue-plugin
                    "split", the default; "join" gives measurement <plugin>
                    with one field per DS), one field "value" (float, also
                    for DERIVE/COUNTER, which are stored raw, not as rates),
                    tags host, instance (= plugin_instance), type,
                    type_instance; a tag is absent when the collectd field
                    is empty. Sub-second timestamps are kept.

Surprises worth knowing:

  Prometheus
  - The first scrape comes about 5 s after start, whatever the scrape
    interval: the discovery manager passes new targets on at most every 5 s
    (no flag in 2.42 changes it). wait_for_targets_up() waits for it.
  - write_prometheus exports collectd's timestamps (when the value's
    interval <= its StalenessDelta, 300 s), and Prometheus stores samples
    at those timestamps (honor_timestamps), not at scrape time. query()
    results carry the evaluation time; samples() returns stored ones.
  - A sample older than the newest one of its series is dropped as "out of
    order" (prometheus_target_scrapes_sample_out_of_order_total, see
    self_metric()); a different value at the same timestamp as a
    "duplicate" (..._sample_duplicate_timestamp_total). collectd itself
    logs "uc_update: Value too old" for such a value but write_prometheus
    still exports it, so /metrics then shows the OLDER value.
    out_of_order_time_window="30m" (TSDB setting) makes Prometheus accept
    late samples within that window.
  - A sample more than about an hour behind the newest sample in the TSDB
    is dropped as "out of bounds" (..._sample_out_of_bounds_total).
  - No staleness markers are written for series that carry their own
    timestamps: a series that vanishes from /metrics (collectd's cache
    expires it after Timeout x interval) still answers instant queries for
    the lookback delta (5 min). Conversely an instant query sees a sample
    only if it is at most 5 min older than the query time, so collectd
    timestamps more than 5 min behind are invisible to "now" queries:
    query them with time=<sample time>.
  - "up" and scrape_* series are stored at scrape time.

  carbon-cache
  - Debian's /etc/carbon/carbon.conf limits MAX_CREATES_PER_MINUTE to 50 and
    MAX_UPDATES_PER_SECOND to 500; when the create budget is spent carbon
    DROPS the datapoints of a new metric (instrumentation "droppedCreates"),
    it does not retry. Here both are inf (no limit) unless given: 3,000 new
    series sent at once all get their file within a few seconds.
  - Whisper rounds timestamps down to the archive step (10 s here) and keeps
    the last value written in a slot; points older than the retention are
    dropped silently. Files are created sparse (WHISPER_SPARSE_CREATE), so
    10s:1d (about 100 KiB per series) costs little disk.
  - The writer drains the cache about once a second when idle: a point is
    in the whisper file (what fetch() reads) only after that.
  - carbon binds its listeners with SO_REUSEPORT: a port clash with another
    carbon goes unnoticed. The cache query port cannot be turned off.
  - On SIGTERM twistd shuts down cleanly, writing out its cache, then kills
    itself with SIGTERM (exit -15); stop() reports that as 0.
  - ENABLE_TAGS is off (on, carbon would POST tags of ';'-tagged names to
    graphite-web at 127.0.0.1:80); CARBON_METRIC_INTERVAL 0 (no carbon.*
    self metrics).

  InfluxDB
  - The collectd listener decodes values only for types in its typesdb
    (the network protocol carries no DS names): a value of a type it does
    not know is dropped with 'unable to find "<type>" in TypesDB' in its
    output (the other values of the packet are kept), so the plugin's own
    types file must be passed (extra_types_db). typesdb here is a
    directory holding collectd's types.db and a copy of each extra file;
    influxd loads every file in it.
  - The listener writes in batches (batch-timeout 1 s here, 10 s by
    default), and creates the "collectd" database itself.
  - Debian's build calls the usage-reporting option reporting-enabled
    (default false); the rpc (backup) service listens on 8088 by default
    and cannot be turned off, so it gets a free loopback port too.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

import harness
from harness import _read, _register, _rmtree, _stop_proc, free_port, port_open, wait_for

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
CARBON_CACHE = shutil.which("carbon-cache") or "/usr/bin/carbon-cache"
WHISPER_FETCH = shutil.which("whisper-fetch") or "/usr/bin/whisper-fetch"
INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"


def free_udp_port():
    """A UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    """Environment for backends: no sanitizer preloads, no settings that
    would point carbon at another config or data dir."""
    env = harness._child_env()
    for k in list(env):
        if k.startswith("GRAPHITE_") or k.startswith("INFLUXDB_"):
            env.pop(k)
    return env


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


def _addr(text, v6):
    h, p = text.split(":")
    raw = bytes.fromhex(h)
    if v6:
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        if raw[:12] == b"\0" * 10 + b"\xff\xff":
            return socket.inet_ntop(socket.AF_INET, raw[12:]), int(p, 16)
        return socket.inet_ntop(socket.AF_INET6, raw), int(p, 16)
    return socket.inet_ntop(socket.AF_INET, raw[::-1]), int(p, 16)


def _proc_sockets(pid):
    """[(proto, state_hex, (lip, lport), (rip, rport))] of the TCP and UDP
    sockets owned by process pid (v4-mapped IPv6 addresses as IPv4)."""
    mine = _socket_inodes(pid)
    out = []
    for fname, proto, v6 in (("tcp", "tcp", False), ("tcp6", "tcp", True),
                             ("udp", "udp", False), ("udp6", "udp", True)):
        try:
            with open("/proc/%d/net/%s" % (pid, fname)) as f:
                lines = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            f = line.split()
            if len(f) >= 10 and int(f[9]) in mine:
                out.append((proto, f[3], _addr(f[1], v6), _addr(f[2], v6)))
    return out


def listening_sockets(pid):
    """{(proto, ip, port)} of the TCP listeners and the UDP sockets owned
    by process pid ("tcp"/"udp")."""
    return {(proto, l[0], l[1]) for proto, st, l, _ in _proc_sockets(pid)
            if proto == "udp" or st == "0A"}  # 0A = TCP_LISTEN


def remote_peers(pid):
    """{(ip, port)} of the far ends of pid's connected TCP sockets."""
    return {r for proto, st, _, r in _proc_sockets(pid) if proto == "tcp" and st != "0A"}


def _http_get(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8", "replace")


class BackendError(RuntimeError):
    """A backend answered a query with an error (its text is the message)."""


class _Server:
    """Common lifecycle: temp dir, config, start with bounded readiness
    wait (retried on a port clash with fresh ports), stop by PID."""

    name = "backend"

    def __init__(self, startup_timeout=30.0, stop_timeout=20.0):
        self.tmp = tempfile.mkdtemp(prefix="%s-" % self.name)
        self.out_path = os.path.join(self.tmp, "%s.out" % self.name)
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.proc = None
        self.started_in = None  # seconds the last start() took
        self.stopped_in = None  # seconds the first stop() after it took
        self._starts = 0

    # subclasses: _choose_ports(), _write_config(), args(), _ready()

    def _choose_ports(self):
        pass

    def _write_config(self):
        pass

    def args(self):
        raise NotImplementedError

    def _ready(self):
        raise NotImplementedError

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        """The backend's stdout+stderr of all runs so far."""
        return _read(self.out_path)

    def _initial_start(self):
        """start() from a constructor: on failure nothing is left behind
        (the error carries the backend's output)."""
        try:
            self.start()
        except BaseException:
            self.stop()
            _rmtree(self.tmp)
            raise

    def start(self):
        if self.alive():
            raise RuntimeError("%s already running" % self.name)
        for attempt in range(3):
            self._choose_ports()
            self._write_config()
            self._starts += 1
            offset = os.path.getsize(self.out_path) if os.path.exists(self.out_path) else 0
            t0 = time.monotonic()
            with open(self.out_path, "a") as out:
                out.write("=== start %d: %s\n" % (self._starts, " ".join(self.args())))
                out.flush()
                self.proc = subprocess.Popen(self.args(), stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=self.tmp, env=_env())
            _register(self.proc)
            try:
                wait_for(self._ready, self.startup_timeout, 0.05, "%s readiness" % self.name,
                         alive=self.alive)
            except AssertionError as e:
                rc = self.stop()
                text = self.output()[offset:]
                if attempt < 2 and re.search(r"address already in use", text, re.I):
                    continue  # a free port was taken meanwhile: new ports
                raise AssertionError("%s did not start (rc=%s): %s\n--- output:\n%s"
                                     % (self.name, rc, e, text[-4000:]))
            self.started_in = time.monotonic() - t0
            self.stopped_in = None
            return self

    def stop(self, timeout=None):
        """SIGTERM, bounded wait, SIGKILL. Returns the exit code (negative:
        killed by that signal). .stopped_in: seconds it took."""
        if not self.proc:
            return None
        t0 = time.monotonic()
        rc = _stop_proc(self.proc, self.stop_timeout if timeout is None else timeout)
        if self.stopped_in is None:
            self.stopped_in = time.monotonic() - t0
        return rc

    def kill(self, sig=signal.SIGKILL):
        os.kill(self.proc.pid, sig)

    def listening(self):
        """{(proto, ip, port)} this backend listens on (see listening_sockets)."""
        return listening_sockets(self.proc.pid)

    def close(self):
        self.stop()
        _rmtree(self.tmp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# Prometheus

class Prometheus(_Server):
    """Debian's prometheus scraping `scrape_targets` ("127.0.0.1:PORT"
    strings, or ints = ports on 127.0.0.1) in one job "collectd".

    relabel_configs: metric_relabel_configs of that job, as YAML text (a
    list, e.g. "- source_labels: [x]\\n  regex: ...") or a Python list of
    dicts (serialised as JSON, which YAML reads). honor_timestamps defaults
    to true (Prometheus' default): samples are stored at the timestamps
    write_prometheus exports. honor_labels defaults to false (Prometheus'
    default): collectd's instance="<host>" becomes exported_instance and
    instance is the target's 127.0.0.1:PORT; with true collectd's label
    wins. out_of_order_time_window (e.g. "10m") enables
    the TSDB's out-of-order ingestion. Listens only on
    127.0.0.1:<free port> (.port); no rules, alertmanagers, remote write
    or service discovery, so it opens no connection but the scrapes.
    """

    name = "prometheus"

    def __init__(self, scrape_targets, relabel_configs=None, scrape_interval="5s",
                 scrape_timeout=None, honor_timestamps=True, honor_labels=False, job="collectd",
                 out_of_order_time_window=None, extra_args=(), startup_timeout=30.0,
                 start=True):
        super().__init__(startup_timeout)
        self.targets_list = [t if isinstance(t, str) else "127.0.0.1:%d" % t
                             for t in scrape_targets]
        self.relabel_configs = relabel_configs
        self.scrape_interval = scrape_interval
        self.scrape_timeout = scrape_timeout
        self.honor_timestamps = honor_timestamps
        self.honor_labels = honor_labels
        self.job = job
        self.out_of_order_time_window = out_of_order_time_window
        self.extra_args = list(extra_args)
        self.conf_path = os.path.join(self.tmp, "prometheus.yml")
        self.data_dir = os.path.join(self.tmp, "data")
        self.port = None
        if start:
            self._initial_start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _choose_ports(self):
        self.port = free_port()

    def config_text(self):
        lines = [
            "global:",
            "  scrape_interval: %s" % json.dumps(self.scrape_interval),
            "  evaluation_interval: %s" % json.dumps(self.scrape_interval),
        ]
        if self.out_of_order_time_window:
            lines += ["storage:", "  tsdb:", "    out_of_order_time_window: %s"
                      % json.dumps(self.out_of_order_time_window)]
        lines += [
            "scrape_configs:",
            "  - job_name: %s" % json.dumps(self.job),
            "    honor_timestamps: %s" % ("true" if self.honor_timestamps else "false"),
            "    honor_labels: %s" % ("true" if self.honor_labels else "false"),
            "    scrape_interval: %s" % json.dumps(self.scrape_interval),
        ]
        if self.scrape_timeout:
            lines.append("    scrape_timeout: %s" % json.dumps(self.scrape_timeout))
        lines.append("    static_configs:")
        lines.append("      - targets: %s" % json.dumps(self.targets_list))
        rc = self.relabel_configs
        if rc:
            if isinstance(rc, str):
                lines.append("    metric_relabel_configs:")
                lines.append(textwrap.indent(textwrap.dedent(rc).strip("\n"), "      "))
            else:
                lines.append("    metric_relabel_configs: %s" % json.dumps(rc))
        return "\n".join(lines) + "\n"

    def _write_config(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())

    def args(self):
        return [PROMETHEUS,
                "--config.file=" + self.conf_path,
                "--storage.tsdb.path=" + self.data_dir,
                "--web.listen-address=127.0.0.1:%d" % self.port,
                # Debian's defaults point at /etc/prometheus; keep them
                # inside the temp dir (the dirs need not exist)
                "--web.console.templates=" + os.path.join(self.tmp, "consoles"),
                "--web.console.libraries=" + os.path.join(self.tmp, "console_libraries"),
                "--storage.tsdb.retention.time=1d",
                "--log.level=info"] + self.extra_args

    def _ready(self):
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
            return r.status == 200

    def api(self, path, timeout=30.0, **params):
        """GET /api/v1/<path>?params -> the "data" member. Raises
        BackendError with Prometheus' error text unless status is success."""
        params = {k: v for k, v in params.items() if v is not None}
        url = "%s/api/v1/%s" % (self.url, path)
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            body = _http_get(url, timeout)
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
        try:
            doc = json.loads(body)
        except ValueError:
            raise BackendError("prometheus %s: not JSON: %r" % (path, body[:300]))
        if doc.get("status") != "success":
            raise BackendError("prometheus %s: %s: %s" % (path, doc.get("errorType"),
                                                          doc.get("error")))
        return doc["data"]

    def query(self, promql, time=None, timeout=30.0):
        """Instant query -> the result list ([{"metric": {...}, "value":
        [ts, "v"]}] for a vector)."""
        return self.api("query", timeout, query=promql, time=time)["result"]

    def query_range(self, promql, start, end, step=1, timeout=30.0):
        """Range query -> [{"metric": {...}, "values": [[ts, "v"], ...]}]."""
        return self.api("query_range", timeout, query=promql, start=start, end=end,
                        step=step)["result"]

    def vector(self, promql, time=None):
        """Instant query as [(labels, ts, float value)]."""
        return [(r["metric"], float(r["value"][0]), float(r["value"][1]))
                for r in self.query(promql, time)]

    def samples(self, selector, window="10m", time=None):
        """Raw stored samples: [(labels, [(ts, value), ...])] of the range
        selector `selector[window]` evaluated at `time` (default now).
        Unlike query(), whose instant vectors carry the evaluation time,
        these are the timestamps the samples were stored at."""
        res = self.query("%s[%s]" % (selector, window), time)
        return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in res]

    def series(self, match, start=None, end=None):
        """/api/v1/series: label sets of the series matching `match`."""
        return self.api("series", 30.0, **{"match[]": match, "start": start, "end": end})

    def targets(self):
        """Active targets: [{"scrapeUrl", "health" ("up"/"down"/"unknown"),
        "lastError", "lastScrape", "labels", ...}]."""
        return self.api("targets")["activeTargets"]

    def wait_for_targets_up(self, timeout=30.0):
        """Wait until every target was scraped successfully; returns them.
        The first scrape comes about 5 s after start: Prometheus' discovery
        manager passes new targets on at most every 5 s."""
        def check():
            ts = self.targets()
            return ts if ts and all(t["health"] == "up" for t in ts) else None
        return self.wait_for(check, timeout, what="all targets up")

    def wait_for_query(self, promql, predicate=None, timeout=30.0, time=None, interval=0.2):
        """Poll an instant query until predicate(result) is truthy (default:
        non-empty); returns the result."""
        pred = predicate or bool

        def check():
            res = self.query(promql, time)
            return res if pred(res) else None
        return self.wait_for(check, timeout, interval, what="query %s" % promql)

    def wait_for(self, predicate, timeout=30.0, interval=0.2, what=None):
        try:
            return wait_for(predicate, timeout, interval, what, alive=self.alive)
        except AssertionError as e:
            raise AssertionError("%s\n--- targets: %s\n--- last output:\n%s"
                                 % (e, self._targets_summary(),
                                    "\n".join(self.output().splitlines()[-20:])))

    def _targets_summary(self):
        try:
            return ", ".join("%s %s %s" % (t["scrapeUrl"], t["health"], t["lastError"])
                             for t in self.targets())
        except Exception as e:  # noqa: BLE001 - diagnostics only
            return repr(e)

    def self_metrics(self):
        """Prometheus' own /metrics, parsed as [(name, labels, value, ts)]."""
        return harness.parse_prometheus(_http_get(self.url + "/metrics", 10.0))

    def self_metric(self, name, **labels):
        """Sum of Prometheus' own metric `name` (e.g.
        "prometheus_target_scrapes_sample_out_of_order_total")."""
        return sum(m[2] for m in harness.find_metrics(self.self_metrics(), name, **labels))


# --------------------------------------------------------------------------
# Graphite carbon-cache

class CarbonCache(_Server):
    """Debian's carbon-cache (twistd, --nodaemon) with its own carbon.conf,
    storage-schemas.conf and storage-aggregation.conf in the temp dir.

    Listens on 127.0.0.1 only: line receiver .line_port, cache query
    .cache_query_port (carbon always opens it), pickle receiver
    .pickle_port if pickle=True (else off). No UDP, AMQP, manhole, tags.
    retentions: whisper retention of every metric ("10s:1d": 10 s steps
    for a day). max_creates_per_minute / max_updates_per_second: "inf"
    (no limit) by default - see the module docstring.
    """

    name = "carbon"

    def __init__(self, retentions="10s:1d", aggregation="average", x_files_factor=0.0,
                 max_creates_per_minute="inf", max_updates_per_second="inf",
                 max_cache_size="inf", pickle=False, log_creates=True, log_updates=False,
                 extra_settings=None, startup_timeout=30.0, start=True):
        super().__init__(startup_timeout, stop_timeout=30.0)
        self.retentions = retentions
        self.aggregation = aggregation
        self.x_files_factor = x_files_factor
        self.max_creates_per_minute = max_creates_per_minute
        self.max_updates_per_second = max_updates_per_second
        self.max_cache_size = max_cache_size
        self.pickle = pickle
        self.log_creates = log_creates
        self.log_updates = log_updates
        self.extra_settings = dict(extra_settings or {})
        self.conf_path = os.path.join(self.tmp, "carbon.conf")
        self.storage_dir = os.path.join(self.tmp, "storage")
        self.whisper_dir = os.path.join(self.storage_dir, "whisper")
        self.log_dir = os.path.join(self.tmp, "log")
        self.pid_file = os.path.join(self.tmp, "carbon-cache.pid")
        self.line_port = self.pickle_port = self.cache_query_port = None
        for d in (self.storage_dir, self.whisper_dir, self.log_dir):
            os.makedirs(d, exist_ok=True)
        if start:
            self._initial_start()

    def _choose_ports(self):
        ports = set()
        while len(ports) < 3:
            ports.add(free_port())
        self.line_port, self.cache_query_port, p = sorted(ports)
        self.pickle_port = p if self.pickle else None

    def settings(self):
        s = {
            "STORAGE_DIR": self.storage_dir,
            "LOCAL_DATA_DIR": self.whisper_dir,
            "WHITELISTS_DIR": os.path.join(self.storage_dir, "lists"),
            "CONF_DIR": self.tmp,
            "LOG_DIR": self.log_dir,
            "PID_DIR": self.tmp,
            "ENABLE_LOGROTATION": "False",
            "DATABASE": "whisper",
            "MAX_CACHE_SIZE": self.max_cache_size,
            "MAX_UPDATES_PER_SECOND": self.max_updates_per_second,
            "MAX_CREATES_PER_MINUTE": self.max_creates_per_minute,
            "LINE_RECEIVER_INTERFACE": "127.0.0.1",
            "LINE_RECEIVER_PORT": self.line_port,
            "ENABLE_UDP_LISTENER": "False",
            "UDP_RECEIVER_INTERFACE": "127.0.0.1",
            "PICKLE_RECEIVER_INTERFACE": "127.0.0.1",
            "PICKLE_RECEIVER_PORT": self.pickle_port or 0,  # 0 = off
            "CACHE_QUERY_INTERFACE": "127.0.0.1",
            "CACHE_QUERY_PORT": self.cache_query_port,
            "USE_FLOW_CONTROL": "True",
            "LOG_UPDATES": self.log_updates,
            "LOG_CREATES": self.log_creates,
            "LOG_CACHE_HITS": "False",
            "LOG_CACHE_QUEUE_SORTS": "False",
            "LOG_LISTENER_CONN_SUCCESS": "True",
            "CACHE_WRITE_STRATEGY": "sorted",
            "WHISPER_AUTOFLUSH": "False",
            "WHISPER_SPARSE_CREATE": "True",
            "WHISPER_FALLOCATE_CREATE": "False",
            "ENABLE_TAGS": "False",
            "ENABLE_MANHOLE": "False",
            "ENABLE_AMQP": "False",
            "CARBON_METRIC_INTERVAL": 0,
        }
        s.update(self.extra_settings)
        return s

    def _write_config(self):
        with open(self.conf_path, "w") as f:
            f.write("[cache]\n")
            for k, v in self.settings().items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.tmp, "storage-schemas.conf"), "w") as f:
            f.write("[everything]\npattern = .*\nretentions = %s\n" % self.retentions)
        with open(os.path.join(self.tmp, "storage-aggregation.conf"), "w") as f:
            f.write("[everything]\npattern = .*\nxFilesFactor = %s\naggregationMethod = %s\n"
                    % (self.x_files_factor, self.aggregation))

    def args(self):
        return [CARBON_CACHE, "--config=" + self.conf_path, "--nodaemon",
                "--pidfile=" + self.pid_file, "start"]

    def _ready(self):
        return port_open(self.line_port) and port_open(self.cache_query_port)

    def stop(self, timeout=None):
        """SIGTERM, bounded wait, SIGKILL. twistd shuts down cleanly on
        SIGTERM (writing out its cache) and then kills itself with the same
        signal to report it: that exit (-15 after "Server Shut Down.") is
        returned as 0."""
        running = self.alive()
        rc = super().stop(timeout)
        if running and rc == -signal.SIGTERM and \
                self.output().rstrip().endswith("Server Shut Down."):
            return 0
        return rc

    def send(self, lines):
        """Send plaintext lines ("path value timestamp") to the line port."""
        if isinstance(lines, str):
            lines = [lines]
        data = "".join(l.rstrip("\n") + "\n" for l in lines).encode()
        with socket.create_connection(("127.0.0.1", self.line_port), timeout=10) as s:
            s.sendall(data)

    def metric_paths(self):
        """Dotted names of all whisper files so far (sorted)."""
        out = []
        for root, _, files in os.walk(self.whisper_dir):
            for fn in files:
                if fn.endswith(".wsp"):
                    rel = os.path.relpath(os.path.join(root, fn[:-4]), self.whisper_dir)
                    out.append(rel.replace(os.sep, "."))
        return sorted(out)

    def whisper_file(self, path):
        return os.path.join(self.whisper_dir, *path.split(".")) + ".wsp"

    def fetch(self, path, from_time=None, until_time=None):
        """[(timestamp, value)] of metric `path` from its whisper file (via
        whisper-fetch), None values dropped. from_time defaults to a day
        ago (all of a 10s:1d archive)."""
        cmd = [WHISPER_FETCH, "--json"]
        if from_time is not None:
            cmd.append("--from=%d" % int(from_time))
        if until_time is not None:
            cmd.append("--until=%d" % int(until_time))
        cmd.append(self.whisper_file(path))
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60, env=_env(), stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise BackendError("whisper-fetch %s: %s" % (path, r.stderr.strip()[-500:]))
        doc = json.loads(r.stdout)
        start, step = doc["start"], doc["step"]
        return [(start + i * step, v) for i, v in enumerate(doc["values"]) if v is not None]

    def wait_for_paths(self, predicate=None, timeout=30.0, interval=0.2):
        """Poll metric_paths() until predicate(paths) is truthy (default:
        non-empty); returns the paths."""
        pred = predicate or bool

        def check():
            paths = self.metric_paths()
            return paths if pred(paths) else None
        return self.wait_for(check, timeout, interval, "whisper paths")

    def wait_for_fetch(self, path, predicate=None, timeout=30.0, interval=0.2, from_time=None):
        """Poll fetch(path) until predicate(points) is truthy (default:
        non-empty); returns the points."""
        pred = predicate or bool

        def check():
            if not os.path.exists(self.whisper_file(path)):
                return None
            pts = self.fetch(path, from_time)
            return pts if pred(pts) else None
        return self.wait_for(check, timeout, interval, "whisper points of %s" % path)

    def wait_for(self, predicate, timeout=30.0, interval=0.2, what=None):
        try:
            return wait_for(predicate, timeout, interval, what, alive=self.alive)
        except AssertionError as e:
            raise AssertionError("%s\n--- paths: %s\n--- last output:\n%s"
                                 % (e, self.metric_paths()[:20],
                                    "\n".join(self.output().splitlines()[-20:])))


# --------------------------------------------------------------------------
# InfluxDB 1.x

class InfluxDB(_Server):
    """Debian's influxd (1.6.7) with a generated influxdb.conf: meta, data
    and wal dirs in the temp dir; HTTP API on 127.0.0.1:.port; the collectd
    input on UDP 127.0.0.1:.collectd_port writing to database `database`;
    the rpc (backup) service on 127.0.0.1:.rpc_port (it cannot be turned
    off); graphite/opentsdb/udp inputs, _internal monitoring, subscriptions,
    continuous queries and usage reporting off.

    extra_types_db: paths of types.db files besides collectd's (e.g. the
    plugin's collectd.conf.d/vsphere-types.db); all are copied into one
    directory given as the listener's typesdb.
    """

    name = "influxdb"

    def __init__(self, extra_types_db=(), database="collectd", batch_size=5000,
                 batch_timeout="1s", batch_pending=10, parse_multivalue="split",
                 read_buffer=0, startup_timeout=30.0, start=True):
        super().__init__(startup_timeout)
        self.database = database
        self.batch_size = batch_size
        self.batch_timeout = batch_timeout
        self.batch_pending = batch_pending
        self.parse_multivalue = parse_multivalue
        self.read_buffer = read_buffer
        self.conf_path = os.path.join(self.tmp, "influxdb.conf")
        self.types_dir = os.path.join(self.tmp, "types")
        os.makedirs(self.types_dir)
        self.types_files = []
        for i, src in enumerate([harness.TYPES_DB] + list(extra_types_db)):
            dst = os.path.join(self.types_dir, "%02d-%s" % (i, os.path.basename(src)))
            shutil.copyfile(src, dst)
            self.types_files.append(dst)
        self.port = self.rpc_port = self.collectd_port = None
        if start:
            self._initial_start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _choose_ports(self):
        ports = set()
        while len(ports) < 2:
            ports.add(free_port())
        self.port, self.rpc_port = sorted(ports)
        self.collectd_port = free_udp_port()

    def config_text(self):
        t = self.tmp
        return textwrap.dedent("""\
            reporting-enabled = false
            bind-address = "127.0.0.1:{rpc}"

            [meta]
              dir = "{t}/meta"
              retention-autocreate = true

            [data]
              dir = "{t}/data"
              wal-dir = "{t}/wal"
              index-version = "inmem"
              query-log-enabled = false

            [monitor]
              store-enabled = false

            [subscriber]
              enabled = false

            [continuous_queries]
              enabled = false

            [http]
              enabled = true
              bind-address = "127.0.0.1:{http}"
              log-enabled = false
              pprof-enabled = false
              unix-socket-enabled = false

            [ifql]
              enabled = false

            [logging]
              level = "info"
              suppress-logo = true

            [[collectd]]
              enabled = true
              bind-address = "127.0.0.1:{udp}"
              database = "{db}"
              typesdb = "{types}"
              batch-size = {bs}
              batch-pending = {bp}
              batch-timeout = "{bt}"
              read-buffer = {rb}
              security-level = "none"
              parse-multivalue-plugin = "{pm}"
            """).format(t=t, rpc=self.rpc_port, http=self.port, udp=self.collectd_port,
                        db=self.database, types=self.types_dir, bs=self.batch_size,
                        bp=self.batch_pending, bt=self.batch_timeout, rb=self.read_buffer,
                        pm=self.parse_multivalue)

    def _write_config(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())

    def args(self):
        return [INFLUXD, "run", "-config", self.conf_path]

    def _ready(self):
        # /ping answers once the HTTP service runs; the collectd listener
        # is opened before it (services start in order, http last)
        with urllib.request.urlopen(self.url + "/ping", timeout=2) as r:
            return r.status == 204 and self._udp_bound()

    def _udp_bound(self):
        return ("udp", "127.0.0.1", self.collectd_port) in self.listening()

    def raw_query(self, influxql, db=None, epoch="s", timeout=30.0):
        """POST /query; returns the decoded JSON document. Raises
        BackendError with InfluxDB's error text on an error."""
        params = {"q": influxql, "db": db or self.database}
        if epoch:
            params["epoch"] = epoch
        req = urllib.request.Request(self.url + "/query",
                                     data=urllib.parse.urlencode(params).encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                body = r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
        try:
            doc = json.loads(body)
        except ValueError:
            raise BackendError("influxdb: not JSON: %r" % body[:300])
        if "error" in doc:
            raise BackendError("influxdb: %s" % doc["error"])
        for res in doc.get("results", []):
            if "error" in res:
                raise BackendError("influxdb: %s" % res["error"])
        return doc

    def query(self, influxql, db=None, epoch="s"):
        """Run InfluxQL; returns the series of all statements flattened:
        [{"name", "tags" (GROUP BY tags or {}), "columns", "values",
        "rows": [dict(zip(columns, row))]}]. Timestamps are epoch seconds
        unless epoch says otherwise (ns/u/ms/s, or None for RFC3339)."""
        out = []
        for res in self.raw_query(influxql, db, epoch).get("results", []):
            for s in res.get("series", []):
                cols = s.get("columns", [])
                vals = s.get("values", [])
                out.append({"name": s.get("name"), "tags": s.get("tags", {}), "columns": cols,
                            "values": vals, "rows": [dict(zip(cols, v)) for v in vals]})
        return out

    def rows(self, influxql, db=None, epoch="s"):
        """All rows of all series as dicts (with "measurement" added)."""
        out = []
        for s in self.query(influxql, db, epoch):
            for r in s["rows"]:
                d = dict(s["tags"])
                d.update(r)
                d["measurement"] = s["name"]
                out.append(d)
        return out

    def databases(self):
        return sorted(v[0] for s in self.query("SHOW DATABASES") for v in s["values"])

    def measurements(self, db=None):
        """Measurement names in db (default: the collectd database); [] while
        the database does not exist yet."""
        try:
            return sorted(v[0] for s in self.query("SHOW MEASUREMENTS", db) for v in s["values"])
        except BackendError as e:
            if "database not found" in str(e):
                return []
            raise

    def wait_for_query(self, influxql, predicate=None, timeout=30.0, interval=0.2, db=None):
        """Poll rows(influxql) until predicate(rows) is truthy (default:
        non-empty); returns the rows. Errors such as "database not found"
        count as not yet."""
        pred = predicate or bool

        def check():
            rows = self.rows(influxql, db)
            return rows if pred(rows) else None
        return self.wait_for(check, timeout, interval, "influx query %s" % influxql)

    def wait_for(self, predicate, timeout=30.0, interval=0.2, what=None):
        try:
            return wait_for(predicate, timeout, interval, what, alive=self.alive)
        except AssertionError as e:
            raise AssertionError("%s\n--- last output:\n%s"
                                 % (e, "\n".join(self.output().splitlines()[-20:])))


# --------------------------------------------------------------------------
# collectd config snippets

def _camel(key):
    if "_" not in key and key[:1].isupper():
        return key
    special = {"always_append_ds": "AlwaysAppendDS", "use_ds_types": "UseDSTypes"}
    if key in special:
        return special[key]
    return "".join(p[:1].upper() + p[1:] for p in key.split("_"))


def _cvalue(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return "%g" % v if isinstance(v, float) else str(v)
    return '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')


def _load_block(plugin, flush_interval, load_plugin=True):
    if not load_plugin:
        return []
    if flush_interval:
        return ["<LoadPlugin %s>" % plugin, "  FlushInterval %g" % flush_interval,
                "</LoadPlugin>"]
    return ["LoadPlugin %s" % plugin]


def write_graphite_config(carbon, node="carbon", flush_interval=1, load_plugin=True, **opts):
    """collectd config for write_graphite sending to `carbon` (a
    CarbonCache, or a line port number) over TCP. Options of the <Node>
    block as keyword args, in collectd's spelling or snake_case:
    EscapeCharacter="_", SeparateInstances=True, StoreRates=False,
    AlwaysAppendDS=True, Prefix="collectd.", Postfix, PreserveSeparator,
    DropDuplicateFields, LogSendErrors, ReconnectInterval.

    write_graphite sends only when its 1428-byte buffer is full or when
    flushed: flush_interval (seconds; <LoadPlugin> FlushInterval) makes
    collectd flush it that often (None: never, e.g. for a benchmark).
    load_plugin=False leaves out the LoadPlugin line (for a second <Node>;
    the first one's FlushInterval applies to all nodes).
    """
    port = carbon if isinstance(carbon, int) else carbon.line_port
    lines = _load_block("write_graphite", flush_interval, load_plugin)
    lines += ["<Plugin write_graphite>", '  <Node "%s">' % node, '    Host "127.0.0.1"',
              '    Port "%d"' % port, '    Protocol "tcp"']
    for k, v in opts.items():
        lines.append("    %s %s" % (_camel(k), _cvalue(v)))
    lines += ["  </Node>", "</Plugin>", ""]
    return "\n".join(lines)


def network_config(influx, flush_interval=1, load_plugin=True, **opts):
    """collectd config for the network plugin sending to `influx` (an
    InfluxDB, or a UDP port number) unencrypted. Extra <Plugin network>
    options as keyword args (e.g. MaxPacketSize=1452, ReportStats=True).
    The plugin sends a datagram when its buffer (MaxPacketSize) is full or
    when flushed: flush_interval makes collectd flush it that often."""
    port = influx if isinstance(influx, int) else influx.collectd_port
    lines = _load_block("network", flush_interval, load_plugin)
    lines += ["<Plugin network>", '  Server "127.0.0.1" "%d"' % port]
    for k, v in opts.items():
        lines.append("  %s %s" % (_camel(k), _cvalue(v)))
    lines += ["</Plugin>", ""]
    return "\n".join(lines)


def unixsock_config(socket_path):
    """collectd config for the unixsock plugin (PUTVAL/FLUSH/LISTVAL...)."""
    return "\n".join([
        "LoadPlugin unixsock",
        "<Plugin unixsock>",
        '  SocketFile "%s"' % socket_path,
        '  SocketGroup "root"',
        '  SocketPerms "0600"',
        "  DeleteSocket true",
        "</Plugin>",
        "",
    ])


def unixsock_command(socket_path, command, timeout=10.0):
    """Send one command to collectd's unixsock; returns (status, lines):
    status is the number collectd answers with (negative on error), lines
    the text lines that follow (as many as the status says for LISTVAL and
    friends)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall((command.rstrip("\n") + "\n").encode())
        f = s.makefile("r", encoding="utf-8", errors="replace")
        first = f.readline()
        if not first:
            raise BackendError("unixsock: no answer to %r" % command)
        status = int(first.split(" ", 1)[0])
        lines = []
        if status > 0 and command.split()[0].upper() in ("LISTVAL", "GETVAL", "GETTHRESHOLD"):
            for _ in range(status):
                lines.append(f.readline().rstrip("\n"))
        else:
            lines.append(first.rstrip("\n"))
        return status, lines


def putval(socket_path, identifier, values, time=None, interval=None):
    """PUTVAL one value list through collectd's unixsock. identifier is
    "host/plugin[-pi]/type[-ti]"; values a number or a sequence (one per
    DS); time epoch seconds (None: "N", now). Raises BackendError when
    collectd refuses it."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    vals = ":".join("U" if v is None else repr(v) if isinstance(v, float) else str(v)
                    for v in values)
    ts = "N" if time is None else ("%.3f" % time if isinstance(time, float) else str(time))
    opts = " interval=%g" % interval if interval else ""
    ident = identifier if '"' not in identifier and " " not in identifier else \
        '"%s"' % identifier.replace('"', '\\"')
    status, lines = unixsock_command(socket_path, "PUTVAL %s%s %s:%s" % (ident, opts, ts, vals))
    if status != 0:
        raise BackendError("PUTVAL %s: %s" % (identifier, " ".join(lines)))
    return status
