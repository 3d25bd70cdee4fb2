#!/usr/bin/env python3
"""What the build promises:

  * configure asks for the libcurl the code needs (curl_multi_poll: 7.66)
    and says so when it finds an older one;
  * the plugin keeps no writable static state: every vCenter's read
    thread owns what it changes, and nothing is initialised lazily where
    two read threads could race for it (objdump: no object of its own in
    .data or .bss).

Usage: test_build.py [-k SUBSTRING] [--quick]
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT  # noqa: E402
from test_package import copy_tree, sh  # noqa: E402

PLUGIN = os.path.join(os.environ.get("VSPHERE_PLUGIN_DIR") or os.path.join(REPO_ROOT, "src", ".libs"),
                      "vsphere.so")
# What the toolchain itself puts there (crt files), not the plugin's code.
TOOLCHAIN_OBJECTS = {"completed.0", "completed.1", "__TMC_END__", "__dso_handle"}


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def fake_libcurl_pc(directory, version):
    """A libcurl.pc claiming `version`, first in PKG_CONFIG_PATH."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "libcurl.pc"), "w") as f:
        f.write("prefix=/usr\nlibdir=${prefix}/lib/x86_64-linux-gnu\nincludedir=${prefix}/include\n"
                "Name: libcurl\nDescription: fake for the configure check\nVersion: %s\n"
                "Libs: -lcurl\nCflags:\n" % version)


def test_configure_requires_libcurl_7_66():
    tmp = tempfile.mkdtemp(prefix="configure-")
    try:
        src = os.path.join(tmp, "src")
        copy_tree(src)
        sh(["autoreconf", "-fi"], cwd=src)
        for version, ok in (("7.65.3", False), ("7.66.0", True)):
            pc = os.path.join(tmp, "pc-" + version)
            fake_libcurl_pc(pc, version)
            rc, out = sh(["./configure", "-q"], cwd=src, check=False,
                         env={"PKG_CONFIG_PATH": pc})
            log("configure with libcurl %s: exit %d" % (version, rc))
            if ok:
                assert rc == 0, out[-3000:]
            else:
                assert rc != 0, "configure accepted libcurl %s" % version
                assert "libcurl 7.66 or newer" in out, out[-3000:]
    finally:
        harness._rmtree(tmp)


def test_no_writable_static_state():
    assert os.path.exists(PLUGIN), "build the plugin first: %s" % PLUGIN
    out = subprocess.run(["objdump", "-t", PLUGIN], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        # address, flags..., section, size, name
        if len(parts) >= 5 and parts[-3] in (".data", ".bss") and " O " in line:
            if parts[-1] not in TOOLCHAIN_OBJECTS:
                found.append("%s (%s)" % (parts[-1], parts[-3]))
    log("writable objects: %s" % (found or "none of the plugin's"))
    assert not found, "writable static state in the plugin: %s" % ", ".join(found)


ALL = [test_no_writable_static_state, test_configure_requires_libcurl_7_66]
LONG = set()

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
