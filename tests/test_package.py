#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Debian package and the autotools distribution.

  * test_deb: copies the source tree (what git tracks or would track, so
    uncommitted work too, but no build products) to a temp dir, builds
    the package there with `dpkg-buildpackage -us -uc -b`, checks its
    contents (dpkg-deb -c) and metadata (dpkg-deb -I: Depends on
    collectd-core within collectd 5.12, libcurl and libxml2 from shlibs),
    installs it with `dpkg -i`, checks the installed files, renders the
    installed manual page with `man -l` (no warning), checks that the page
    names every option src/vs_config.c parses, runs the PACKAGED plugin
    (collectd with PluginDir /usr/lib/collectd) against vcsim until every
    VM's series is on write_prometheus, then removes (dpkg -r) and purges
    (dpkg -P) the package and checks its files are gone.
  * test_distcheck: the same kind of copy, `autoreconf -fi && ./configure
    && make distcheck`; the tarball holds every file of the repository
    (dist.am) and a MANIFEST, and from it unpacked scripts/setup.sh, the
    build tests, the docs tests and an integration test pass (no git
    there); plus `make install DESTDIR=...` putting the plugin, its
    types, the manual page where Debian's collectd looks.
  * test_dist_am_current: dist.am is what tools/gen-dist-am.py writes.

Both build from scratch and take minutes on 2 cores: both are LONG.
Neither builds inside the working tree (another build may be running
there). Needs root (dpkg -i), dpkg-dev, debhelper, fakeroot, man-db.

Usage: test_package.py [-k SUBSTRING] [--quick]
"""
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT, Collectd, Vcsim, config_keys, find_metrics  # noqa: E402
from test_integration import plugin_errors, vsphere_block  # noqa: E402

PACKAGE = "collectd-vsphere"
PLUGIN = "/usr/lib/collectd/vsphere.so"
TYPES = "/usr/share/collectd/vsphere-types.db"
MAN = "/usr/share/man/man5/collectd-vsphere.5.gz"
EXAMPLE = "/etc/collectd/collectd.conf.d/vsphere.conf.example"
DOC = "/usr/share/doc/collectd-vsphere"
DASHBOARD = "/usr/share/collectd-vsphere/dashboards/collectd-vsphere.json"
WANT_FILES = [
    PLUGIN, TYPES, MAN, EXAMPLE, DASHBOARD,
    DOC + "/README.md", DOC + "/README.dashboard.md", DOC + "/copyright", DOC + "/changelog.gz",
    DOC + "/examples/vsphere.conf", DOC + "/examples/vsphere-prometheus.conf",
    DOC + "/examples/vsphere-graphite.conf", DOC + "/examples/vsphere-influxdb.conf",
    DOC + "/examples/prometheus-vsphere.yml",
]


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def sh(cmd, cwd=None, timeout=900, env=None, check=True):
    """Runs cmd (a list), output to a log; returns (rc, output)."""
    e = dict(os.environ)
    for k in ("LD_PRELOAD", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "MAKEFLAGS"):
        e.pop(k, None)
    e.update(env or {})
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, env=e, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (rc=%d):\n%s" % (" ".join(cmd), r.returncode, r.stdout[-4000:]))
    return r.returncode, r.stdout


def copy_tree(dest):
    """The source tree (harness.source_files: what git tracks or would
    track, uncommitted changes included, or a tarball's MANIFEST) copied
    to dest; build products stay behind."""
    n = 0
    for rel in harness.source_files():
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(REPO_ROOT, rel), dst)
        n += 1
    for mode_keep in ("debian/rules",):
        assert os.access(os.path.join(dest, mode_keep), os.X_OK), mode_keep
    return n


def installed_version():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.split()[-1] if "install ok installed" in r.stdout else None


def check_man_page(path):
    """man -l renders it without a warning (man-db passes --warnings to
    groff; groff -ww enables every warning); every option key has an
    entry."""
    env = {"LC_ALL": "C.UTF-8", "MANWIDTH": "80", "MAN_KEEP_FORMATTING": ""}
    r = subprocess.run(["man", "--warnings", "-l", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60,
                       env=dict(os.environ, **env))
    assert r.returncode == 0 and not r.stderr.strip(), ("man -l", r.returncode, r.stderr)
    text = r.stdout
    for h in ("NAME", "SYNOPSIS", "OPTIONS", "NAMING", "METRICS", "VCENTER PRIVILEGES",
              "SESSIONS AND LOCKOUT", "SHARDING", "TROUBLESHOOTING", "FILES", "SEE ALSO"):
        assert re.search(r"^%s$" % h, text, re.M), h
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as f:
        src = f.read()
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=src, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), ("groff -ww", r.stderr)
    options = src[src.index("\n.SH OPTIONS\n"):]
    options = options[:options.index("\n.SH ", 1)]
    heads = set(re.findall(r"^\.TP\n\.B (\w+)", options, re.M))
    missing = [k for k in config_keys() if k not in heads]
    assert not missing, "options missing from the manual page: %s" % missing
    return len(text.splitlines())


# ---------------------------------------------------------------------------

def test_deb():
    for tool in ("dpkg-buildpackage", "dh", "fakeroot", "man", "groff"):
        assert shutil.which(tool), "%s is not installed (scripts/setup.sh installs it)" % tool
    assert os.geteuid() == 0, "dpkg -i needs root"
    tmp = tempfile.mkdtemp(prefix="deb-")
    before = installed_version()
    installed = False
    try:
        src = os.path.join(tmp, PACKAGE)
        n = copy_tree(src)
        t0 = time.monotonic()
        # serial build (no parallel=N): the machine is shared
        rc, out = sh(["nice", "-n", "10", "dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                     timeout=1500, check=False)
        with open(os.path.join(tmp, "build.log"), "w") as f:
            f.write(out)
        assert rc == 0, "dpkg-buildpackage failed (rc=%d):\n%s" % (rc, out[-5000:])
        log("copied %d files; dpkg-buildpackage took %.0f s" % (n, time.monotonic() - t0))
        assert re.search(r"^# FAIL: +0$", out, re.M), "make check did not run or failed"
        debs = [d for d in glob.glob(os.path.join(tmp, "%s_*.deb" % PACKAGE))]
        assert len(debs) == 1, debs
        deb = debs[0]

        # contents
        _, listing = sh(["dpkg-deb", "-c", deb])
        files = {l.split()[-1].lstrip(".") for l in listing.splitlines() if not l.startswith("d")}
        for f in WANT_FILES + [DOC + "/COUNTERS.md"] * os.path.exists(
                os.path.join(REPO_ROOT, "docs", "COUNTERS.md")):
            assert f in files, (f, sorted(files))
        assert not [f for f in files if f.endswith(".la") or f.endswith(".a")], files
        enabled = [f for f in files if f.startswith("/etc/collectd/collectd.conf.d/")
                   and f.endswith(".conf")]
        assert not enabled, "an example would be enabled by Debian's collectd.conf: %s" % enabled
        so = [l for l in listing.splitlines() if l.endswith("." + PLUGIN)]
        assert so and so[0].startswith("-rw-r--r--"), so   # a regular file, not a link

        # metadata
        _, info = sh(["dpkg-deb", "-I", deb])
        _, depends = sh(["dpkg-deb", "-f", deb, "Depends"])
        deps = [d.strip() for d in depends.strip().split(",")]
        lower = [d for d in deps if re.match(r"^collectd-core \(>= 5\.12[.0-9~]*\)$", d)]
        upper = [d for d in deps if re.match(r"^collectd-core \(<< 5\.1[23][.0-9~]*\)$", d)]
        assert lower and upper, ("collectd-core bounds", deps)
        assert any(d.startswith("libcurl") for d in deps), ("shlibs: libcurl", deps)
        assert any(d.startswith("libxml2") for d in deps), ("shlibs: libxml2", deps)
        assert not [d for d in deps if "${" in d], deps
        _, arch = sh(["dpkg-deb", "-f", deb, "Architecture"])
        _, host_arch = sh(["dpkg", "--print-architecture"])
        assert arch.strip() == host_arch.strip(), (arch, host_arch)
        _, conffiles = sh(["sh", "-c", "dpkg-deb --ctrl-tarfile '%s' | tar -xOf - ./conffiles" % deb])
        assert conffiles.split() == [EXAMPLE], conffiles
        log("Depends: %s" % depends.strip())

        # install
        sh(["dpkg", "-i", deb], timeout=300)
        installed = True
        assert installed_version(), "not installed"
        for f in WANT_FILES:
            assert os.path.isfile(f) and not os.path.islink(f), f
        assert not os.path.exists("/etc/collectd/collectd.conf.d/vsphere.conf")
        _, where = sh(["man", "-w", "5", "collectd-vsphere"])
        assert where.strip() == MAN, where
        lines = check_man_page(MAN)
        log("man -l %s: %d lines, no warning" % (MAN, lines))
        _, nm = sh(["nm", "-D", "--defined-only", PLUGIN])
        exported = {l.split()[-1] for l in nm.splitlines() if l.split()[1:2] in (["T"], ["W"])}
        assert exported == {"module_register"}, exported
        assert open(TYPES).read() == open(harness.VSPHERE_TYPES_DB).read(), "types.db differs"

        # the packaged plugin in collectd, from /usr/lib/collectd
        with Vcsim(cluster=1, cluster_host=2, host=1, vm=2) as vc:
            cd = Collectd(vsphere_block(vc, extra="Interval 2"), interval=1, start=False)
            try:
                conf = open(cd.conf_path).read()
                conf, k = re.subn(r'^PluginDir ".*"$', 'PluginDir "/usr/lib/collectd"', conf, flags=re.M)
                assert k == 1, conf
                conf = conf.replace('TypesDB "%s"' % harness.VSPHERE_TYPES_DB, 'TypesDB "%s"' % TYPES)
                with open(cd.conf_path, "w") as f:
                    f.write(conf)
                os.unlink(os.path.join(cd.plugin_dir, "vsphere.so"))   # nothing else to load
                cd.start()
                vms = set(vc.inventory()[0])
                cd.wait_for(lambda: {m[1]["instance"] for m in find_metrics(
                    cd.metrics(), "collectd_vsphere_vm_cpu_usage_average")} == vms, 60,
                    what="every VM's series from the packaged plugin")
                with open("/proc/%d/maps" % cd.pid) as f:
                    maps = f.read()
                assert PLUGIN in maps and cd.plugin_dir not in maps, "not the packaged plugin"
                assert not plugin_errors(cd), plugin_errors(cd)
                log("packaged plugin: %d VMs on write_prometheus" % len(vms))
            finally:
                cd.close()

        # remove, then purge
        sh(["dpkg", "-r", PACKAGE], timeout=300)
        installed = False
        assert installed_version() is None
        left = [f for f in WANT_FILES if os.path.exists(f)]
        assert left == [EXAMPLE], "left after dpkg -r: %s" % left   # conffiles stay until purge
        sh(["dpkg", "-P", PACKAGE], timeout=300)
        left = [f for f in WANT_FILES if os.path.exists(f)]
        assert not left, "left after dpkg -P: %s" % left
        for d in (DOC, "/usr/share/collectd-vsphere"):
            assert not os.path.exists(d), d
    finally:
        if installed and before is None:
            subprocess.run(["dpkg", "-P", PACKAGE], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=300)
        harness._rmtree(tmp)


def test_distcheck():
    tmp = tempfile.mkdtemp(prefix="distcheck-")
    try:
        src = os.path.join(tmp, "src")
        copy_tree(src)
        t0 = time.monotonic()
        sh(["autoreconf", "-fi"], cwd=src)
        sh(["./configure", "-q", "--prefix=/usr", "--with-collectd-plugindir=/usr/lib/collectd"],
           cwd=src)
        rc, out = sh(["nice", "-n", "10", "make", "distcheck"], cwd=src, timeout=1800, check=False)
        assert rc == 0, "make distcheck failed:\n%s" % out[-5000:]
        assert "archives ready for distribution" in out, out[-2000:]
        tarballs = glob.glob(os.path.join(src, "collectd-vsphere-*.tar.gz"))
        assert len(tarballs) == 1, tarballs
        log("make distcheck: %s, %.0f s" % (os.path.basename(tarballs[0]), time.monotonic() - t0))
        _, listing = sh(["tar", "-tzf", tarballs[0]])
        names = {n.split("/", 1)[1] for n in listing.split() if "/" in n}
        for f in ("docs/collectd-vsphere.5", "collectd.conf.d/vsphere-prometheus.conf",
                  "collectd.conf.d/vsphere-graphite.conf", "collectd.conf.d/vsphere-influxdb.conf",
                  "collectd.conf.d/prometheus-vsphere.yml", "dashboards/collectd-vsphere.json",
                  "collectd.conf.d/vsphere-types.db"):
            assert f in names, (f, "not in the tarball")
        # the whole repository is in it, and MANIFEST lists it
        want = set(harness.source_files()) - {"m4/.gitkeep"}
        assert "MANIFEST" in names, "no MANIFEST in the tarball"
        missing = sorted(f for f in want if f not in names and not f.endswith(".gitignore"))
        assert not missing, ("not in the tarball (python3 tools/gen-dist-am.py > dist.am)",
                             missing[:20])
        # the tests that would ask git run from the unpacked tarball
        unpacked = os.path.join(tmp, "unpacked")
        os.makedirs(unpacked)
        sh(["tar", "-xzf", tarballs[0], "-C", unpacked, "--strip-components=1"])
        t1 = time.monotonic()
        sh(["bash", "scripts/setup.sh"], cwd=unpacked, timeout=1200)
        for suite in ("tests/test_build.py", "tests/test_docs.py"):
            rc, out = sh(["python3", suite], cwd=unpacked, timeout=600, check=False)
            assert rc == 0 and re.search(r"^\d+ passed, 0 failed$", out, re.M), (suite, out[-3000:])
        rc, out = sh(["python3", "tests/test_integration.py", "-k", "one_connection"], cwd=unpacked,
                     timeout=600, check=False)
        assert rc == 0 and "1 passed, 0 failed" in out, out[-3000:]
        log("from the unpacked tarball: setup, build, test_build, test_docs and an integration "
            "test passed in %.0f s" % (time.monotonic() - t1))
        dest = os.path.join(tmp, "dest")
        sh(["make", "install", "DESTDIR=" + dest], cwd=src)
        got = {os.path.relpath(os.path.join(r, f), dest) for r, _, fs in os.walk(dest) for f in fs}
        for f in ("usr/lib/collectd/vsphere.so", "usr/share/collectd/vsphere-types.db",
                  "usr/share/man/man5/collectd-vsphere.5"):
            assert f in got, (f, sorted(got))
    finally:
        harness._rmtree(tmp)


def test_dist_am_current():
    """dist.am lists every file of the repository (tools/gen-dist-am.py)."""
    if not os.path.exists(os.path.join(REPO_ROOT, ".git")):
        raise harness.Skip("not a git clone: the tarball's own list is what it is")
    _, out = sh(["python3", os.path.join(REPO_ROOT, "tools", "gen-dist-am.py")])
    with open(os.path.join(REPO_ROOT, "dist.am")) as f:
        assert f.read() == out, "dist.am is stale: python3 tools/gen-dist-am.py > dist.am"


ALL = [test_dist_am_current, test_deb, test_distcheck]
LONG = {test_deb, test_distcheck}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
