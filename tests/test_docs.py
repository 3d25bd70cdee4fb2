#!/usr/bin/env python3
"""Generated files are current: docs/COUNTERS.md (tools/gen-counter-reference.py)
and collectd.conf.d/vsphere-types.db (tools/gen-types-db.py) are regenerated
into a temp dir from the C sources and tests/unit/data/vcsim_catalog.xml and
must equal the committed ones; the generators refuse malformed input.
No vcsim, no collectd. Last line: "N passed, N failed"."""

import difflib
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = harness.REPO_ROOT
TOOLS = os.path.join(ROOT, "tools")
CATALOG = os.path.join(ROOT, "tests", "unit", "data", "vcsim_catalog.xml")
COUNTERS_MD = os.path.join(ROOT, "docs", "COUNTERS.md")
TYPES_DB = os.path.join(ROOT, "collectd.conf.d", "vsphere-types.db")


def _tool(name, *args, stdin=None):
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
        r = subprocess.run([sys.executable, os.path.join(TOOLS, name)] + list(args), stdin=f,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def _same(committed, generated, regen):
    with open(committed, encoding="utf-8") as f:
        want = f.read()
    if want != generated:
        diff = "".join(list(difflib.unified_diff(
            want.splitlines(True), generated.splitlines(True), "committed", "generated", n=1))[:40])
        raise AssertionError("%s is stale; regenerate with: %s\n%s"
                             % (os.path.relpath(committed, ROOT), regen, diff))


def test_counters_md_current():
    tmp = tempfile.mkdtemp(prefix="docs-")
    try:
        out = os.path.join(tmp, "COUNTERS.md")
        rc, _, err = _tool("gen-counter-reference.py", "--catalog", "vcsim=" + CATALOG, "-o", out)
        assert rc == 0, err
        with open(out, encoding="utf-8") as f:
            text = f.read()
        _same(COUNTERS_MD, text, "python3 tools/gen-counter-reference.py")
        # deterministic: a second run gives the same bytes
        rc, text2, err = _tool("gen-counter-reference.py", "-o", "-")
        assert rc == 0 and text2 == text, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_types_db_current():
    rc, text, err = _tool("gen-types-db.py", stdin=CATALOG)
    assert rc == 0, err
    _same(TYPES_DB, text, "python3 tools/gen-types-db.py < tests/unit/data/vcsim_catalog.xml "
          "> collectd.conf.d/vsphere-types.db")
    names = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert len(names) == len(set(names)), "a type twice"
    assert all(line.endswith("value:GAUGE:U:U") for line in text.splitlines()[1:]), text[:300]
    # what the plugin registers itself is there too (network receivers need it)
    sys.path.insert(0, TOOLS)
    try:
        import vstables
    finally:
        sys.path.remove(TOOLS)
    want = set(vstables.self_metric_types()) | {s["type"] for s in vstables.state_types()}
    want |= {vstables.type_name(*d) for d in vstables.default_metrics() if d[0] in ("vm", "host")}
    missing = sorted(want - set(names))
    assert not missing, missing


def _expect_failure(rc, err, *words):
    assert rc == 1, (rc, err)
    assert all(w in err for w in words), err


def test_generators_refuse_malformed_input():
    tmp = tempfile.mkdtemp(prefix="docs-")
    try:
        with open(CATALOG, encoding="utf-8") as f:
            good = f.read()
        out = os.path.join(tmp, "COUNTERS.md")
        cases = {
            "truncated.xml": (good[:len(good) // 2], "not well-formed"),
            "fault.xml": ('<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.'
                          'xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>'
                          'ServerFaultCode</faultcode><faultstring>The session is not authenticated.'
                          '</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>',
                          "not authenticated"),
            "other.xml": (good.replace("<name>perfCounter</name>", "<name>description</name>"),
                          "propSet perfCounter"),
            "norollup.xml": (good.replace("<rollupType>average</rollupType>", "", 1), "rollupType"),
            "badkey.xml": (good.replace("<key>2</key>", "<key>two</key>", 1), "not a number"),
        }
        for name, (text, word) in cases.items():
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            rc, _, err = _tool("gen-counter-reference.py", "--catalog", path, "-o", out)
            _expect_failure(rc, err, name, word)
            assert not os.path.exists(out), "output written despite the error"
            rc, text_out, err = _tool("gen-types-db.py", stdin=path)
            _expect_failure(rc, err, word)
            assert text_out == "", text_out[:200]
        # a C table that cannot be read is an error too, naming the file
        src = os.path.join(tmp, "src")
        shutil.copytree(os.path.join(ROOT, "src"), src,
                        ignore=lambda d, names: [n for n in names if not n.endswith((".c", ".h"))])
        with open(os.path.join(src, "vs_state.c"), encoding="utf-8") as f:
            c = f.read()
        with open(os.path.join(src, "vs_state.c"), "w", encoding="utf-8") as f:
            f.write(c.replace('"vm_power_state", VS_KIND_VM', '"vm_power_state", 42'))
        rc, _, err = _tool("gen-counter-reference.py", "--src", src, "-o", out)
        _expect_failure(rc, err, "vs_state.c", "VM_POWER_STATE", "kind")
        rc, _, err = _tool("gen-types-db.py", "--src", src, stdin=CATALOG)
        _expect_failure(rc, err, "vs_state.c")
        with open(os.path.join(src, "vs_state.c"), "w", encoding="utf-8") as f:
            f.write(c)
        with open(os.path.join(src, "vs_counters.c"), encoding="utf-8") as f:
            c = f.read()
        with open(os.path.join(src, "vs_counters.c"), "w", encoding="utf-8") as f:
            f.write(c.replace('"vm.cpu.usage.average"', '"vm.cpu_usage"'))
        rc, _, err = _tool("gen-counter-reference.py", "--src", src, "-o", out)
        _expect_failure(rc, err, "vs_counters.c", "vm.cpu_usage")
        assert not os.path.exists(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ALL = [test_counters_md_current, test_types_db_current, test_generators_refuse_malformed_input]


if __name__ == "__main__":
    sys.exit(harness.main(ALL))
