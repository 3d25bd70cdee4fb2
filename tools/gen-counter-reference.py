#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes docs/COUNTERS.md: every default performance counter of every kind
the plugin collects, and every state value, with the name write_prometheus
gives it, its unit, rollup, statsType, collection level and meaning; and
the event counts with the event types counted and notified by default.

Sources (nothing is duplicated here):
  * the plugin's tables, parsed from the C sources: vs_default_metrics
    (src/vs_counters.c), the kinds (src/vs_kind.c, order from
    src/vs_kind.h), vs_state_types (src/vs_state.c, fields from
    src/vs_state.h), vs_event_total_types (src/vs_dispatch.c),
    vs_default_events and vs_default_notify_events
    (src/vs_event_rules.c), event_arg_names (src/vs_parse.c, order from
    src/vs_parse.h);
  * one or more PerformanceManager perfCounter RetrievePropertiesEx answers
    (default: tests/unit/data/vcsim_catalog.xml, captured from vcsim by
    tests/unit/data/capture.sh; a real vCenter's answer works the same):
    unit, rollup, statsType and nameInfo.summary of each counter, and
    whether that catalog has it;
  * the level column: the perfCounter answer of a genuine vCenter Server
    (default: vCenter 9.0.1, vc9.0.1-manageiq/03-RetrievePropertiesEx
    Response-PerfMgr-perfCounter.xml of the realxml collection, read in
    place from $VSPHERE_REALXML or ../shared/realxml next to the
    repository, never copied). Without it the script stops with an error
    rather than take the levels from another catalog.

Usage:
  tools/gen-counter-reference.py [--catalog [LABEL=]FILE]... [--levels [LABEL=]FILE]
                                 [--src DIR] [-o FILE|-]
  (defaults: --catalog vcsim=tests/unit/data/vcsim_catalog.xml
   --levels "vCenter 9.0.1=<realxml>/vc9.0.1-manageiq/..." --src src
   -o docs/COUNTERS.md). With several catalogs, each gets an "in LABEL"
   column and the first one that has a counter describes it.

The output is deterministic (rows sorted, no dates or absolute paths); the
file is replaced only once everything was read. Exit status 1 with a
message naming the file on a malformed catalog or an unreadable C table.
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstables  # noqa: E402

DEFAULT_CATALOG = os.path.join(vstables.REPO_ROOT, "tests", "unit", "data", "vcsim_catalog.xml")
DEFAULT_OUT = os.path.join(vstables.REPO_ROOT, "docs", "COUNTERS.md")
# The genuine vCenter catalog the level column comes from, inside realxml.
LEVELS_FILE = "vc9.0.1-manageiq/03-RetrievePropertiesExResponse-PerfMgr-perfCounter.xml"
LEVELS_LABEL = "vCenter 9.0.1"


def realxml_dir():
    """The collection of genuine answers: $VSPHERE_REALXML, else
    ../shared/realxml next to the repository."""
    env = os.environ.get("VSPHERE_REALXML")
    if env:
        return env
    return os.path.join(os.path.dirname(vstables.REPO_ROOT), "shared", "realxml")


def levels_path_shown(path):
    """The levels catalog as the document names it: its path inside realxml
    when it is there (whichever directory realxml is), else shown_path."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(realxml_dir()))
    return "realxml/" + rel if not rel.startswith("..") else shown_path(path)


def shown_path(path):
    """A path as the document shows it: relative to the repository when
    inside it, else the file name only (no absolute paths: determinism)."""
    rel = os.path.relpath(os.path.abspath(path), vstables.REPO_ROOT)
    return os.path.basename(path) if rel.startswith("..") else rel


def cell(text):
    """Markdown table cell: one line, '|' escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def prom_name(type_):
    # write_prometheus: collectd_<plugin>_<type>, + _<ds> unless the data
    # source is "value" (it always is here), + _total for DERIVE/COUNTER
    # (never: every type is one GAUGE)
    return "collectd_vsphere_" + type_


def unit_cell(unit):
    if unit == "percent":
        return "`percent` (vSphere: hundredths; the plugin divides by 100, so 0–100)"
    return "`%s`" % unit


def level_cell(c, historical):
    """level / perDeviceLevel; on a historical kind (300 s data only), a
    level above 1 is marked: vCenter keeps nothing of that counter until
    the 5-minute interval's statistics level is raised to it."""
    if c is None:
        return "? (not in the levels catalog)"
    if c["per_device_level"] is None:
        text = str(c["level"])
    else:
        text = "%d / %d" % (c["level"], c["per_device_level"])
    if historical and c["level"] > 1:
        text += " **(needs level %d)**" % c["level"]
    return text


def needs_level(c, k):
    return k["historical"] and c is not None and c["level"] > 1


def interval_text(k):
    return "%s %d s samples (intervalId %d)" % (
        "historical" if k["historical"] else "realtime", k["step_s"], k["interval_id"])


def generate(catalogs, src_dir, levels):
    """levels: (label, shown path, catalog) of a genuine vCenter catalog,
    the source of every level in the document."""
    kinds = vstables.kinds(src_dir)
    defaults = vstables.default_metrics(src_dir)
    states = vstables.state_types(src_dir)
    event_types = [t for t, _ in vstables.event_total_types(src_dir)]
    counted = vstables.default_events(src_dir)
    notified = vstables.default_notify_events(src_dir)
    event_args = vstables.event_arguments(src_dir)
    by_enum = {k["enum"]: k for k in kinds}
    names = [k["name"] for k in kinds]
    for d in defaults:
        if d[0] not in names:
            raise vstables.SourceError("src/vs_counters.c: default metric %s: no kind %r in src/vs_kind.c"
                                       % (".".join(d), d[0]))
    for s in states:
        if s["kind"] not in by_enum:
            raise vstables.SourceError("src/vs_state.c: %s: kind %s not in src/vs_kind.c"
                                       % (s["type"], s["kind"]))
    labels = [label for label, _, _ in catalogs]
    cats = [vstables.catalog_by_name(cat) for _, _, cat in catalogs]
    levels_label, levels_shown, levels_cat = levels
    lvl = vstables.catalog_by_name(levels_cat)
    for d in defaults:
        c = lvl.get(tuple(d[1:]))
        if c is not None and c["level"] is None:
            raise vstables.CatalogError(
                "%s: counter %s has no statistics level (an ESXi catalog? the level "
                "column needs a vCenter's)" % (levels_shown, ".".join(d[1:])))
    hist = {k["name"]: k for k in kinds}
    raised = [(d, lvl.get(tuple(d[1:]))) for d in defaults
              if needs_level(lvl.get(tuple(d[1:])), hist[d[0]])]

    out = []
    w = out.append
    w("# Counters and state values")
    w("")
    w("<!-- Generated by tools/gen-counter-reference.py; do not edit by hand. -->")
    w("")
    w("This file is generated by `tools/gen-counter-reference.py` from the plugin's own tables ")
    w("(`vs_default_metrics` in `src/vs_counters.c`, the kinds in `src/vs_kind.c`, ")
    w("`vs_state_types` in `src/vs_state.c`, the event tables in `src/vs_event_rules.c` and ")
    w("`src/vs_dispatch.c`) and from the counter catalog%s %s; the statistics "
      % ("s" if len(catalogs) > 1 else "",
         ", ".join("`%s` (%s)" % (path, label) for label, path, _ in catalogs)))
    w("levels come from the catalog of a genuine %s, `%s`, read in place from the " % (
        levels_label, levels_shown))
    w("collection of recorded vCenter answers (`$VSPHERE_REALXML`, default `../shared/realxml`; ")
    w("not part of this repository). To regenerate it after changing one of them:")
    w("")
    w("```sh")
    w("python3 tools/gen-counter-reference.py          # writes docs/COUNTERS.md (needs realxml, above)")
    w("python3 tools/gen-types-db.py < tests/unit/data/vcsim_catalog.xml > collectd.conf.d/vsphere-types.db")
    w("```")
    w("")
    w("`tests/test_docs.py` fails when either file differs from what the generators produce. ")
    w("To describe the counters of your own vCenter, save its PerformanceManager `perfCounter` ")
    w("RetrievePropertiesEx answer and run ")
    w("`tools/gen-counter-reference.py --catalog vcsim=tests/unit/data/vcsim_catalog.xml "
      "--catalog myvc=answer.xml -o /tmp/COUNTERS.md`.")
    w("")
    w("## Reading the tables")
    w("")
    w("* **counter**: `<kind>.<group>.<counter>.<rollup>`, the name `Metric` / `IgnoreMetric` globs match.")
    w("* **write_prometheus metric**: collectd type `<kind>_<group>_<counter>_<rollup>` (every character ")
    w("  outside `[A-Za-z0-9_]` becomes `_`), plugin `vsphere`, one GAUGE data source named `value`, so ")
    w("  write_prometheus shows `collectd_vsphere_<type>` with no suffix. Labels: `instance` = the object ")
    w("  (`HostnameFormat`, default its name), `vsphere` = `PluginInstanceFormat` (default ")
    w("  `vcenter:datacenter:cluster`), and `type` = the counter's instance (CPU, NIC, disk, datastore) on ")
    w("  per-instance series; the aggregate has no `type` label.")
    w("* **unit**: vSphere's `unitInfo.key`. `percent` counters arrive in hundredths of a percent ")
    w("  (2534 = 25.34 %); the plugin divides them by 100, so the value is 0–100. Every other value is ")
    w("  passed on as vSphere sends it (`kiloBytes`, `kiloBytesPerSecond`, `millisecond`, ...).")
    w("* **rollup**, **statsType**: `rollupType` and `statsType` of the catalog. `summation` + `delta` ")
    w("  is a total over the sample period (20 s realtime, 300 s historical), not a rate: see CPU ready below.")
    w("* **level (%s)**: the counter's statistics `level` / `perDeviceLevel` in the catalog of " % levels_label)
    w("  %s (vcsim's catalog is not used for them). Realtime data has every counter; a historical " % levels_label)
    w("  interval keeps a counter only if vCenter's statistics level for that interval is at least `level` ")
    w("  (aggregate) or `perDeviceLevel` (per-instance series). **(needs level N)** marks the defaults of ")
    w("  the historical kinds that stay empty at vCenter's default level 1: see ")
    w("  [Statistics levels](#statistics-levels).")
    w("* **meaning**: `nameInfo.summary` from the catalog.")
    w("* **in %s**: whether that catalog lists the counter; a counter missing from a vCenter's catalog "
      % "/".join(labels))
    w("  is skipped there (the plugin selects counters from the catalog it reads at login).")
    w("")
    w("## Kinds")
    w("")
    w("| kind | managed object | samples | collected by default | per-instance series by default | default counters |")
    w("|---|---|---|---|---|---|")
    for k in kinds:
        n = sum(1 for d in defaults if d[0] == k["name"])
        w("| `%s` | `%s` | %s | %s | %s | %d |" % (
            k["name"], k["mo_type"], interval_text(k), "yes" if k["collect"] else "no (add it to `Collect`)",
            "yes" if k["instances"] else "no", n))
    w("")
    w("## Default counters")
    for k in kinds:
        rows = sorted(d for d in defaults if d[0] == k["name"])
        w("")
        w("### %s — %s, %s" % (k["name"], k["mo_type"], interval_text(k)))
        w("")
        if not rows:
            w("No default counters; add some with `Metric \"%s.<group>.<counter>.<rollup>\"`." % k["name"])
            continue
        w("| counter | write_prometheus metric | unit | rollup | statsType | level (%s) | meaning | %s |"
          % (levels_label, " | ".join("in %s" % l for l in labels)))
        w("|---|---|---|---|---|---|---|%s" % ("---|" * len(labels)))
        for kind, group, counter, rollup in rows:
            full = "%s.%s.%s.%s" % (kind, group, counter, rollup)
            found = [c.get((group, counter, rollup)) for c in cats]
            c = next((f for f in found if f is not None), None)
            metric = prom_name(vstables.type_name(kind, group, counter, rollup))
            level = level_cell(lvl.get((group, counter, rollup)), k["historical"])
            if c is None:
                w("| `%s` | `%s` | ? | %s | ? | %s | (in no catalog) | %s |" % (
                    full, metric, rollup, level, " | ".join("no" for _ in labels)))
                continue
            w("| `%s` | `%s` | %s | %s | %s | %s | %s | %s |" % (
                full, metric, unit_cell(c["unit"]), c["rollup"], c["stats_type"], level,
                cell(c["summary"] or c["label"] or "—"),
                " | ".join("yes" if f is not None else "no" for f in found)))
    w("")
    w("## Statistics levels")
    w("")
    w("vCenter keeps *historical* statistics (5-minute samples for a day, then 30-minute, 2-hour and ")
    w("1-day rollups) of a counter only if the counter's `level` is at most the statistics level of ")
    w("that interval (`perDeviceLevel` for per-instance series); vCenter's default is level 1 for every ")
    w("interval. The `cluster`, `datastore`, `resourcepool` and `datacenter` kinds have only these ")
    w("300 s samples (intervalId 300), so their default counters with a level above 1 stay empty until ")
    w("the 5-minute interval's level is raised in vCenter Server's statistics settings (vSphere Client: ")
    w("the vCenter Server, Configure, Settings, General, Edit, Statistics). VMware warns that levels 3 ")
    w("and 4 make vpxd's database and memory grow a lot: raise the level no further than the counters ")
    w("you need.")
    w("")
    w("Realtime data (20 s samples) of hosts and VMs, which the `vm` and `host` kinds read, comes from ")
    w("the hosts and is not subject to statistics levels: a realtime query gets a counter whatever its ")
    w("level, so the `vm` and `host` levels above are for information only.")
    w("")
    if raised:
        w("Default counters of the historical kinds that need a level above 1 (per %s's catalog; "
          % levels_label)
        w("level %d is enough for all of them):" % max(c["level"] for _, c in raised))
        w("")
        w("| counter | level / perDeviceLevel |")
        w("|---|---|")
        for d, c in sorted(raised, key=lambda r: r[0]):
            w("| `%s` | %s |" % (".".join(d), level_cell(c, False)))
    else:
        w("No default counter of the historical kinds needs a level above 1 (per %s's catalog)."
          % levels_label)
    vmop = [d for d in defaults if hist[d[0]]["historical"] and d[1] == "vmop"
            and (lvl.get(tuple(d[1:])) or {}).get("level") == 1]
    if vmop:
        w("")
        w("The `vmop.*` defaults of %s are at level 1 in %s's catalog, while VMware's "
          % (", ".join(sorted(set("`%s`" % d[0] for d in vmop))), levels_label))
        w("documentation of the levels lists most VM operation counters at level 2; should their ")
        w("series stay empty at level 1, raise the 5-minute level to 2.")
    w("")
    w("## State values")
    w("")
    w("Read from object properties (not from PerformanceManager) in the inventory's ")
    w("RetrievePropertiesEx pages, every `PropertyInterval`; one GAUGE `value` each, so the ")
    w("write_prometheus name is `collectd_vsphere_<type>` with the same `instance` and `vsphere` labels ")
    w("as the counters. Enumerations become the numbers listed.")
    w("")
    w("| kind | write_prometheus metric | unit | meaning / mapping |")
    w("|---|---|---|---|")
    order = {k["enum"]: i for i, k in enumerate(kinds)}
    for s in sorted(states, key=lambda s: (order[s["kind"]], s["type"])):
        w("| `%s` | `%s` | %s | %s |" % (by_enum[s["kind"]]["name"], prom_name(s["type"]),
                                         cell(s["unit"]), cell(s["meaning"])))
    w("")
    w("## Events")
    w("")
    w("With `Events true` the plugin reads vCenter's events (one EventHistoryCollector per session, ")
    w("`ReadNextEvents` after every read's queries) and counts them per object and event type: ")
    w("cumulative counters since collectd started, one DERIVE `value`, so write_prometheus shows ")
    w("`collectd_vsphere_<type>_total` with the object's `instance` and `vsphere` labels and ")
    w("`type` = the event type. An event is counted on the first of the objects it names")
    w("(%s, most specific first) that the" % ", ".join("`%s`" % a for a in event_args))
    w("plugin's inventory holds, if this block collects it; on the vCenter itself when it names")
    w("none the inventory holds.")
    if "resourcePool" not in event_args:
        w("No event is counted on a resource pool: none of those arguments is one.")
    w("The event type is the event's class (`VmPoweredOnEvent`) or, for an EventEx or")
    w("ExtendedEvent, its `eventTypeId`. See collectd-vsphere(5), EVENTS AND NOTIFICATIONS.")
    w("")
    kind_names = {k["name"]: k for k in kinds}
    w("| collectd type | write_prometheus metric | counted on |")
    w("|---|---|---|")
    for t in event_types:
        kind = t[:-len("_events")] if t.endswith("_events") else None
        if kind in kind_names:
            on = "`%s` objects (`%s`)" % (kind, kind_names[kind]["mo_type"])
        elif kind == "vcenter":
            on = "the vCenter itself: events about no object the inventory holds (host: collectd's " \
                 "`Hostname`, `vsphere` label: the block's name)"
        else:
            raise vstables.SourceError("src/vs_dispatch.c: event count type %r is neither "
                                       "<kind>_events nor vcenter_events" % t)
        w("| `%s` | `%s` | %s |" % (t, prom_name(t) + "_total", on))
    w("")
    w("### Counted by default")
    w("")
    w("`vs_default_events`: counted unless `DefaultEvents false`; `Event \"<glob>\"` adds types, ")
    w("`IgnoreEvent \"<glob>\"` removes them.")
    w("")
    sev = dict(notified)
    w("| event type | default notification |")
    w("|---|---|")
    for t in counted:
        w("| `%s` | %s |" % (t, sev.get(t, "—")))
    w("")
    w("### Notified by default")
    w("")
    w("`vs_default_notify_events`: a collectd notification of this severity for every such event, ")
    w("unless a `NotifyEvent \"<glob>\" \"<severity>\"` rule (tried first, in order) matches the type ")
    w("(`\"none\"` silences it). Notifications do not depend on `DefaultEvents`.")
    w("")
    w("| event type | severity | counted by default |")
    w("|---|---|---|")
    for t, sv in notified:
        w("| `%s` | %s | %s |" % (t, sv, "yes" if t in counted else "no"))
    w("")
    w("## CPU ready")
    w("")
    w("`cpu.ready.summation` is not a percentage: it is the **milliseconds of ready time** (runnable, ")
    w("waiting for a physical CPU) **summed over the sample period**, 20 s for realtime samples (VMs and ")
    w("hosts) and 300 s for historical ones. So")
    w("")
    w("    ready % = value / (period_s × 1000) × 100")
    w("")
    w("e.g. 1,000 ms in a 20 s sample = 1000 / 20000 × 100 = 5 %. A VM's aggregate series (no `type` ")
    w("label) is the sum over its vCPUs, so divide by the number of vCPUs — the `vm_vcpus` state ")
    w("value — for the per-vCPU figure that the usual 5 % / 10 % thresholds refer to; the per-vCPU ")
    w("series (`type=\"0\"`, `type=\"1\"`, ...) are already per vCPU. The period is the sample's own ")
    w("(20 s realtime), whatever the plugin's read `Interval`.")
    w("")
    w("PromQL over write_prometheus output (realtime, 20 s):")
    w("")
    w("```promql")
    w("# ready % per vCPU of every VM")
    w("  collectd_vsphere_vm_cpu_ready_summation{type=\"\"} / (20 * 1000) * 100")
    w("/ on (instance, vsphere)")
    w("  collectd_vsphere_vm_vcpus")
    w("")
    w("# VMs whose busiest vCPU waits more than 5 %")
    w("max by (instance, vsphere) (collectd_vsphere_vm_cpu_ready_summation{type!=\"\"}) / (20 * 1000) * 100 > 5")
    w("```")
    w("")
    return "".join(line.rstrip() + "\n" for line in out).rstrip("\n") + "\n"


def parse_catalog_arg(s):
    if "=" in s and not os.path.exists(s):
        label, path = s.split("=", 1)
    else:
        label, path = None, s
    return label, path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", action="append", metavar="[LABEL=]FILE",
                    help="perfCounter RetrievePropertiesEx answer (repeatable; default vcsim=%s)"
                    % shown_path(DEFAULT_CATALOG))
    ap.add_argument("--levels", metavar="[LABEL=]FILE",
                    help="a genuine vCenter's perfCounter answer, the source of the level column "
                    "(default: %s=<realxml>/%s, realxml being $VSPHERE_REALXML or "
                    "../shared/realxml)" % (LEVELS_LABEL, LEVELS_FILE))
    ap.add_argument("--src", default=vstables.SRC_DIR, help="the plugin's C sources (default: src)")
    ap.add_argument("-o", "--output", default=DEFAULT_OUT,
                    help="output file, - for stdout (default: docs/COUNTERS.md)")
    a = ap.parse_args(argv)
    specs = a.catalog or ["vcsim=" + DEFAULT_CATALOG]
    catalogs = []
    try:
        for s in specs:
            label, path = parse_catalog_arg(s)
            if label is None:
                label = os.path.splitext(os.path.basename(path))[0]
            if not label or any(c in label for c in "|`\n"):
                raise vstables.CatalogError("bad catalog label %r" % label)
            if label in [l for l, _, _ in catalogs]:
                raise vstables.CatalogError("catalog label %r given twice" % label)
            catalogs.append((label, shown_path(path), vstables.read_catalog(path, shown_path(path))))
        if a.levels:
            label, path = parse_catalog_arg(a.levels)
            if label is None:
                label = os.path.splitext(os.path.basename(path))[0]
            if not label or any(c in label for c in "|`\n"):
                raise vstables.CatalogError("bad levels label %r" % label)
        else:
            label, path = LEVELS_LABEL, os.path.join(realxml_dir(), LEVELS_FILE)
        if not os.path.isfile(path):
            raise vstables.CatalogError(
                "the level column is taken from a genuine vCenter catalog, and %s does not "
                "exist (is the realxml collection absent? set VSPHERE_REALXML to its "
                "directory, or pass --levels FILE); refusing to write levels from another "
                "catalog" % path)
        shown = levels_path_shown(path)
        levels = (label, shown, vstables.read_catalog(path, shown))
        text = generate(catalogs, a.src, levels)
    except (vstables.SourceError, vstables.CatalogError) as e:
        print("gen-counter-reference: %s" % e, file=sys.stderr)
        return 1
    if a.output == "-":
        sys.stdout.write(text)
        return 0
    d = os.path.dirname(os.path.abspath(a.output))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".COUNTERS.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, a.output)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
