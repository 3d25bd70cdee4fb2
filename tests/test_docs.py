#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generated files are current: docs/COUNTERS.md (tools/gen-counter-reference.py)
and collectd.conf.d/vsphere-types.db (tools/gen-types-db.py) are regenerated
into a temp dir from the C sources and tests/unit/data/vcsim_catalog.xml and
must equal the committed ones; the generators refuse malformed input; the
manual page lists the event types counted and notified by default.
COUNTERS.md's level column comes from a genuine vCenter 9.0.1 catalog, read in
place from the realxml collection ($VSPHERE_REALXML, else ../shared/realxml):
without it the comparison is skipped (said on stderr) and the generator must
refuse to write. No vcsim, no collectd. Last line: "N passed, N failed"."""

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = harness.REPO_ROOT
TOOLS = os.path.join(ROOT, "tools")
CATALOG = os.path.join(ROOT, "tests", "unit", "data", "vcsim_catalog.xml")
COUNTERS_MD = os.path.join(ROOT, "docs", "COUNTERS.md")
TYPES_DB = os.path.join(ROOT, "collectd.conf.d", "vsphere-types.db")
LEVELS_FILE = "vc9.0.1-manageiq/03-RetrievePropertiesExResponse-PerfMgr-perfCounter.xml"


def _realxml():
    return os.environ.get("VSPHERE_REALXML") or os.path.join(os.path.dirname(ROOT), "shared",
                                                             "realxml")


def _levels_catalog(test, skipped):
    """The genuine vCenter 9.0.1 catalog, or None (saying so on stderr)
    when the realxml collection is not there."""
    path = os.path.join(_realxml(), LEVELS_FILE)
    if os.path.isfile(path):
        return path
    print("  %s: realxml absent (%s): %s" % (test, path, skipped), file=sys.stderr, flush=True)
    return None


def _tool(name, *args, stdin=None, env=None):
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
        r = subprocess.run([sys.executable, os.path.join(TOOLS, name)] + list(args), stdin=f,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                           env=dict(os.environ, **env) if env else None)
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
    if _levels_catalog("test_counters_md_current", "docs/COUNTERS.md not compared") is None:
        return
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


def _vstables():
    sys.path.insert(0, TOOLS)
    try:
        import vstables
    finally:
        sys.path.remove(TOOLS)
    return vstables


def test_counters_md_levels_genuine():
    """Every default counter's level cell is the genuine catalog's level /
    perDeviceLevel (read here independently); "(needs level N)" is on
    exactly the historical kinds' defaults above level 1."""
    path = _levels_catalog("test_counters_md_levels_genuine", "levels not checked")
    if path is None:
        return
    ns = "{urn:vim25}"
    genuine = {}
    for info in ET.parse(path).getroot().iter(ns + "PerfCounterInfo"):
        def text(p):
            el = info.find("/".join(ns + x for x in p.split("/")))
            return None if el is None else el.text
        genuine[(text("groupInfo/key"), text("nameInfo/key"), text("rollupType"))] = (
            int(text("level")), int(text("perDeviceLevel")))
    vt = _vstables()
    historical = {k["name"]: k["historical"] for k in vt.kinds()}
    with open(COUNTERS_MD, encoding="utf-8") as f:
        rows = {}
        for line in f:
            cells = [c.strip() for c in line.split(" | ")]
            if line.startswith("| `") and len(cells) >= 8:
                rows.setdefault(cells[0].strip("| `"), cells[5])
    needs = []
    for d in vt.default_metrics():
        full = ".".join(d)
        assert full in rows, "%s: no row in docs/COUNTERS.md" % full
        level, per_device = genuine[tuple(d[1:])]
        want = "%d / %d" % (level, per_device)
        if historical[d[0]] and level > 1:
            want += " **(needs level %d)**" % level
            needs.append(full)
        assert rows[full] == want, (full, rows[full], want)
    # the genuine catalog puts these defaults above level 1 (vcsim agrees)
    assert sorted(needs) == ["datastore.datastore.read.average", "datastore.datastore.write.average",
                             "resourcepool.mem.active.average", "resourcepool.mem.granted.average",
                             "resourcepool.mem.swapped.average"], needs


def test_counters_md_refuses_without_genuine_levels():
    """Without the realxml collection the generator stops, naming the file
    and what to do, and writes nothing; an ESXi catalog (no levels) is
    refused as the source of levels too."""
    tmp = tempfile.mkdtemp(prefix="docs-")
    try:
        out = os.path.join(tmp, "COUNTERS.md")
        empty = os.path.join(tmp, "no-realxml")
        os.mkdir(empty)
        rc, _, err = _tool("gen-counter-reference.py", "-o", out, env={"VSPHERE_REALXML": empty})
        _expect_failure(rc, err, os.path.join(empty, LEVELS_FILE), "VSPHERE_REALXML", "--levels")
        assert not os.path.exists(out), "output written without the genuine levels"
        rc, _, err = _tool("gen-counter-reference.py", "--levels", os.path.join(tmp, "nothere.xml"),
                           "-o", out)
        _expect_failure(rc, err, "nothere.xml", "does not exist")
        assert not os.path.exists(out)
        # a catalog without levels, as ESXi's are
        with open(CATALOG, encoding="utf-8") as f:
            good = f.read()
        esxi = os.path.join(tmp, "esxi.xml")
        with open(esxi, "w", encoding="utf-8") as f:
            f.write(re.sub(r"<(level|perDeviceLevel)>\d</(level|perDeviceLevel)>", "", good))
        rc, _, err = _tool("gen-counter-reference.py", "--levels", esxi, "-o", out)
        _expect_failure(rc, err, "esxi.xml", "no statistics level")
        assert not os.path.exists(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_types_db_current():
    rc, text, err = _tool("gen-types-db.py", stdin=CATALOG)
    assert rc == 0, err
    _same(TYPES_DB, text, "python3 tools/gen-types-db.py < tests/unit/data/vcsim_catalog.xml "
          "> collectd.conf.d/vsphere-types.db")
    names = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert len(names) == len(set(names)), "a type twice"
    vstables = _vstables()
    totals = {t for t, ds in vstables.self_metric_types() + vstables.event_total_types()
              if ds == "DERIVE"}
    assert "vm_events" in totals and "vcenter_events" in totals, totals
    assert "self_requests" in totals and "self_read_seconds" not in totals, totals
    # totals are counters (DERIVE, never negative), everything else a gauge
    for line in text.splitlines()[1:]:
        want_ds = "value:DERIVE:0:U" if line.split()[0] in totals else "value:GAUGE:U:U"
        assert line.endswith(want_ds), line
    # what the plugin registers itself is there too (network receivers need it)
    want = {t for t, _ in vstables.self_metric_types()} | {s["type"] for s in vstables.state_types()}
    want |= {vstables.type_name(*d) for d in vstables.default_metrics() if d[0] in ("vm", "host")}
    missing = sorted(want - set(names))
    assert not missing, missing


def _man_lists(text, start, end):
    """{label: [names]} of the ".TP / .B label / names, ..." entries of the
    man page between the lines `start` and `end` (both searched as given)."""
    block = text[text.index(start):]
    block = block[:block.index(end)]
    out, label = {}, None
    for line in block.splitlines():
        if line.startswith(".B ") and label == "":
            label = line[3:].strip()
            out[label] = []
        elif line == ".TP":
            label = ""
        elif line.startswith("."):
            label = None
        elif label:
            out[label] += [w.strip() for w in line.split(",") if w.strip()]
    return out


def test_man_page_event_defaults_current():
    """collectd-vsphere(5) lists exactly the event types that
    src/vs_event_rules.c counts and notifies by default."""
    vt = _vstables()
    with open(os.path.join(ROOT, "docs", "collectd-vsphere.5"), encoding="utf-8") as f:
        man = f.read()
    section = man[man.index("\n.SH EVENTS AND NOTIFICATIONS\n"):]
    counted = _man_lists(section, "Counted by default", "\n.PP\n")
    listed = [t for names in counted.values() for t in names]
    assert sorted(listed) == sorted(vt.default_events()), (listed, vt.default_events())
    notified = _man_lists(section, "\n.SS Notifications\n", "\n.PP\nA notification carries")
    want = {}
    for t, sev in vt.default_notify_events():
        want.setdefault(sev, []).append(t)
    assert {k: sorted(v) for k, v in notified.items()} == {k: sorted(v) for k, v in want.items()}, \
        (notified, want)


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
            rc, _, err = _tool("gen-counter-reference.py", "--catalog", path,
                               "--levels", "vcsim=" + CATALOG, "-o", out)
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
        # (levels from vcsim's catalog: these run without realxml too)
        levels = ("--levels", "vcsim=" + CATALOG)
        rc, _, err = _tool("gen-counter-reference.py", "--src", src, *levels, "-o", out)
        _expect_failure(rc, err, "vs_state.c", "VM_POWER_STATE", "kind")
        rc, _, err = _tool("gen-types-db.py", "--src", src, stdin=CATALOG)
        _expect_failure(rc, err, "vs_state.c")
        with open(os.path.join(src, "vs_state.c"), "w", encoding="utf-8") as f:
            f.write(c)
        with open(os.path.join(src, "vs_counters.c"), encoding="utf-8") as f:
            c = f.read()
        with open(os.path.join(src, "vs_counters.c"), "w", encoding="utf-8") as f:
            f.write(c.replace('"vm.cpu.usage.average"', '"vm.cpu_usage"'))
        rc, _, err = _tool("gen-counter-reference.py", "--src", src, *levels, "-o", out)
        _expect_failure(rc, err, "vs_counters.c", "vm.cpu_usage")
        assert not os.path.exists(out)
        with open(os.path.join(src, "vs_counters.c"), "w", encoding="utf-8") as f:
            f.write(c)
        # the default notifications: a severity that is not a NOTIF_* name
        with open(os.path.join(src, "vs_event_rules.c"), encoding="utf-8") as f:
            c = f.read()
        with open(os.path.join(src, "vs_event_rules.c"), "w", encoding="utf-8") as f:
            f.write(c.replace('{"HostConnectionLostEvent", NOTIF_FAILURE}',
                              '{"HostConnectionLostEvent", 1}'))
        rc, _, err = _tool("gen-counter-reference.py", "--src", src, *levels, "-o", out)
        _expect_failure(rc, err, "vs_event_rules.c", "HostConnectionLostEvent", "severity")
        assert not os.path.exists(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ALL = [test_counters_md_current, test_counters_md_levels_genuine,
       test_counters_md_refuses_without_genuine_levels, test_types_db_current,
       test_generators_refuse_malformed_input, test_man_page_event_defaults_current]


if __name__ == "__main__":
    sys.exit(harness.main(ALL))
