#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What the build promises:

  * configure asks for the libcurl the code needs (curl_multi_poll: 7.66)
    and says so when it finds an older one;
  * what differs between systems is in src/vs_port.c alone, behind
    configure checks (getrandom, arc4random_buf, explicit_bzero, st_mtim,
    st_mtimespec), and its fallbacks compile and work with none of them
    (strict C11 + POSIX 2008, as on a system without the GNU extras);
    the sort is plain qsort (no qsort_r);
  * the C sources are formatted as .clang-format says (LLVM, as collectd);
  * every source file (C, Go, Python, shell, the autotools and Debian
    build files) names its license (SPDX-License-Identifier: MIT, as
    LICENSE);
  * the plugin keeps no writable static state: every vCenter's read
    thread owns what it changes, and nothing is initialised lazily where
    two read threads could race for it (objdump: no object of its own in
    .data or .bss).

Usage: test_build.py [-k SUBSTRING] [--quick]
"""
import glob
import os
import re
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


PORT_MAIN = r"""
#include "vs_port.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  unsigned char a[32] = {0}, b[32] = {0}, zero[32] = {0};
  if (argc < 2 || vs_random_bytes(a, sizeof(a)) != 0 || vs_random_bytes(b, sizeof(b)) != 0)
    return 1;
  if (memcmp(a, b, sizeof(a)) == 0 || memcmp(a, zero, sizeof(a)) == 0)
    return 2;
  char secret[] = "hunter2";
  vs_wipe(secret, sizeof(secret) - 1);
  if (memcmp(secret, "\0\0\0\0\0\0\0", 8) != 0)
    return 3;
  struct stat st;
  if (stat(argv[1], &st) != 0)
    return 4;
  struct timespec m = vs_stat_mtime(&st);
  printf("%lld.%09ld\n", (long long)m.tv_sec, (long)m.tv_nsec);
  return m.tv_sec == st.st_mtime ? 0 : 5;
}
"""

NON_PORTABLE = re.compile(r"\b(qsort_r|getrandom|arc4random_buf|explicit_bzero|st_mtim|st_mtimespec|"
                          r"strerror_r)\b|_GNU_SOURCE")


def test_system_specific_calls_only_in_vs_port():
    bad = []
    for path in sorted(glob.glob(os.path.join(REPO_ROOT, "src", "*.[ch]"))):
        name = os.path.basename(path)
        if name in ("vs_port.c", "vs_autoconf.h"):
            continue
        text = open(path, encoding="utf-8").read()
        # comments out (they may name the calls), line numbers kept
        code = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
        for no, line in enumerate(code.splitlines(), 1):
            if NON_PORTABLE.search(re.sub(r"//.*", "", line)):
                bad.append("%s:%d: %s" % (name, no, line.strip()))
    assert not bad, "system-specific calls outside src/vs_port.c: %s" % bad
    conf = open(os.path.join(REPO_ROOT, "configure.ac")).read()
    for check in ("getrandom", "arc4random_buf", "explicit_bzero", "struct stat.st_mtim",
                  "struct stat.st_mtimespec"):
        assert check in conf, (check, "not checked by configure.ac")


def test_port_fallbacks_compile_and_work():
    tmp = tempfile.mkdtemp(prefix="port-")
    try:
        main = os.path.join(tmp, "main.c")
        with open(main, "w") as f:
            f.write(PORT_MAIN)
        builds = {
            # configure's answers on this machine (the plugin's build)
            "configured": ["-std=gnu11", "-I" + os.path.join(REPO_ROOT, "src")],
            # none of them, strict C11 + POSIX 2008: every fallback
            "fallbacks": ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-DVS_PORT_NO_AUTOCONF"],
        }
        times = {}
        for name, flags in builds.items():
            exe = os.path.join(tmp, name)
            sh(["gcc", "-Wall", "-Wextra", "-Werror", "-pedantic"] + flags +
               ["-I" + os.path.join(REPO_ROOT, "src"), "-o", exe, main,
                os.path.join(REPO_ROOT, "src", "vs_port.c")])
            rc, out = sh([exe, main], check=False)
            assert rc == 0, (name, rc, out)
            times[name] = out.strip()
        log("mtime of a file: configured %s, fallbacks %s" % (times["configured"], times["fallbacks"]))
        assert times["configured"].split(".")[0] == times["fallbacks"].split(".")[0], times
        assert os.path.exists(os.path.join(REPO_ROOT, "src", "vs_autoconf.h"))
        autoconf = open(os.path.join(REPO_ROOT, "src", "vs_autoconf.h")).read()
        for have in ("HAVE_GETRANDOM", "HAVE_EXPLICIT_BZERO", "HAVE_STRUCT_STAT_ST_MTIM"):
            assert re.search(r"^#define %s 1$" % have, autoconf, re.M), (have, "on Debian 12")
    finally:
        harness._rmtree(tmp)


SOURCE = re.compile(r"(\.(c|h|go|py|sh)|^configure\.ac|^Makefile\.am|^debian/rules|^\.ci/run)$")


def test_every_source_names_its_license():
    assert "MIT License" in open(os.path.join(REPO_ROOT, "LICENSE")).read()
    files = harness.source_files()
    # what autotools generates into a tarball (build-aux/, m4/) is theirs
    sources = [f for f in files if SOURCE.search(f) and not f.startswith(("build-aux/", "m4/"))]
    missing = []
    for rel in sources:
        with open(os.path.join(REPO_ROOT, rel), encoding="utf-8", errors="replace") as f:
            head = "".join(f.readline() for _ in range(3))
        if "SPDX-License-Identifier: MIT" not in head:
            missing.append(rel)
    log("%d source files, %d without an SPDX header" % (len(sources), len(missing)))
    assert len(sources) > 100, sources
    assert not missing, missing


def test_c_sources_formatted():
    files = [f for f in harness.source_files()
             if re.search(r"^(src|tests/unit|tests/fuzz)/[^/]+\.[ch]$", f) and f != "src/vs_autoconf.h"]
    assert len(files) > 40, files
    rc, out = sh(["clang-format", "--dry-run", "--Werror"] + files, cwd=REPO_ROOT, check=False)
    assert rc == 0, "not formatted (clang-format -i the files):\n%s" % out[-3000:]


ALL = [test_no_writable_static_state, test_every_source_names_its_license, test_c_sources_formatted, test_system_specific_calls_only_in_vs_port,
       test_port_fallbacks_compile_and_work, test_configure_requires_libcurl_7_66]
LONG = set()

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
