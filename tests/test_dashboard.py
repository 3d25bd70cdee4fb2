#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Grafana dashboard dashboards/collectd-vsphere.json:

  * its JSON model: valid JSON, uid, title, schemaVersion, no __inputs,
    unique panel ids, every panel (rows aside) with the datasource
    variable and PromQL targets, the template variables datasource,
    vcenter, datacenter, cluster, vm, esxhost (label_values queries);
  * every PromQL expression of it (panel targets and variable queries) run
    against a real Prometheus (Debian's, tests/backends.py) that scrapes
    collectd + the plugin + vcsim with `Collect "vm" "host" "cluster"
    "datastore"` through the shipped relabel stanza
    (collectd.conf.d/prometheus-vsphere.yml), with the variables set to
    "All" (.*) and then to concrete values found by the variable queries
    themselves: each must succeed and return data.

Every metric a panel names must come from the plugin itself: the test
vcsim answers every counter id, 0 for those it has no sample table for
(balloon, host power, datastore latency), and keeps zero samples in its
answers (tests/vcsim/perf.go, keepZeros), so none is missing for minutes.

Usage: test_dashboard.py [-k SUBSTRING] [--quick]
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO_ROOT, Collectd, Vcsim  # noqa: E402
from test_integration import plugin_errors, vsphere_block  # noqa: E402

DASHBOARD = os.path.join(REPO_ROOT, "dashboards", "collectd-vsphere.json")
RELABEL_EXAMPLE = os.path.join(REPO_ROOT, "collectd.conf.d", "prometheus-vsphere.yml")
VARIABLES = ("vcenter", "datacenter", "cluster", "vm", "esxhost", "tag")
DS_REF = {"type": "prometheus", "uid": "${datasource}"}


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def load():
    with open(DASHBOARD) as f:
        return json.load(f)


def all_panels(dash):
    """Panels, including those nested in collapsed rows."""
    out = []
    for p in dash.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))
    return out


def variable_query(var):
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query")
    return q


def expressions(dash):
    """[(where, expr, kind)]: kind "target" (PromQL) or "variable"
    (a Grafana label_values(...) query)."""
    out = []
    for p in all_panels(dash):
        for t in p.get("targets", []):
            out.append(("panel %r %s" % (p.get("title"), t.get("refId")), t["expr"], "target"))
    for v in dash["templating"]["list"]:
        if v.get("type") == "query":
            out.append(("variable %s" % v["name"], variable_query(v), "variable"))
    return out


def substitute(expr, values):
    """Grafana's interpolation of the variables this dashboard uses."""
    def var(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        raise KeyError("unknown variable $%s in %r" % (name, expr))
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")
    expr = expr.replace("$__range", "1h")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]", var, expr)


LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", re.S)


def metric_names(expr):
    return set(re.findall(r"collectd_vsphere_\w+", expr))


# ---------------------------------------------------------------------------
# the JSON model

def test_json_model():
    with open(DASHBOARD) as f:
        text = f.read()
    dash = json.loads(text)
    assert isinstance(dash.get("uid"), str) and re.match(r"^[A-Za-z0-9_-]{1,40}$", dash["uid"]), dash.get("uid")
    assert dash.get("title"), "no title"
    assert dash.get("schemaVersion") == 37, dash.get("schemaVersion")
    assert "__inputs" not in dash, "__inputs would make import ask for a data source"
    assert dash.get("id") is None, "an exported id clashes on import"
    assert "${DS_" not in text, "a data source placeholder of an export"
    ids = [p["id"] for p in all_panels(dash)]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    rows = [p for p in all_panels(dash) if p["type"] == "row"]
    titles = " ".join(r["title"] for r in rows).lower()
    for want in ("overview", "virtual machines", "esxi hosts", "datastores", "clusters", "alarms"):
        assert want in titles, (want, titles)
    count = 0
    for p in all_panels(dash):
        assert "gridPos" in p and {"h", "w", "x", "y"} <= set(p["gridPos"]), p.get("title")
        if p["type"] == "row":
            continue
        count += 1
        assert p.get("datasource") == DS_REF, (p.get("title"), p.get("datasource"))
        assert p.get("targets"), "panel %r has no targets" % p.get("title")
        refs = [t.get("refId") for t in p["targets"]]
        assert len(refs) == len(set(refs)) and all(refs), (p["title"], refs)
        for t in p["targets"]:
            assert t.get("datasource") == DS_REF, (p["title"], t)
            assert t.get("expr", "").strip(), (p["title"], t)
    assert count >= 25, count
    tvars = {v["name"]: v for v in dash["templating"]["list"]}
    assert tvars["datasource"]["type"] == "datasource" and tvars["datasource"]["query"] == "prometheus"
    for name in VARIABLES:
        v = tvars[name]
        assert v["type"] == "query" and v["datasource"] == DS_REF, v
        assert LABEL_VALUES.match(variable_query(v)), variable_query(v)
        assert LABEL_VALUES.match(variable_query(v)).group(2) == name, variable_query(v)
        assert v.get("definition") == variable_query(v), v
        # "All" must match series without the label too (datastores have
        # no cluster), which only ".*" does
        assert v.get("includeAll") and v.get("allValue") == ".*", v
    # every variable is used, every used variable exists
    used = set()
    for _, expr, _ in expressions(dash):
        used |= set(re.findall(r"\$(\w+)", expr))
    assert set(VARIABLES) <= used, set(VARIABLES) - used
    assert used <= set(VARIABLES) | {"__rate_interval", "__interval", "__range"}, used
    # what the brief promises the rows show
    exprs = " ".join(e for _, e, _ in expressions(dash))
    for m in ("vm_power_state", "vm_cpu_usage_average", "vm_cpu_ready_summation",
              "vm_mem_usage_average", "vm_mem_active_average", "vm_mem_consumed_average",
              "vm_mem_vmmemctl_average", "vm_net_received_average", "vm_net_transmitted_average",
              "vm_disk_read_average", "vm_disk_write_average", "vm_disk_maxTotalLatency_latest",
              "host_cpu_usage_average", "host_mem_usage_average", "host_power_power_average",
              "datastore_capacity_bytes", "datastore_free_bytes", "datastore_used_bytes",
              "datastore_datastore_totalReadLatency_average", "cluster_cpu_effective_mhz",
              "cluster_memory_effective_bytes", "vm_alarms"):
        assert "collectd_vsphere_" + m in exprs, m
    assert "/ 200" in exprs and "topk(10" in exprs


def test_expressions_parse():
    """Every expression, variables substituted, is accepted by Prometheus'
    parser (no data needed; a Prometheus without targets answers)."""
    import backends
    dash = load()
    with backends.Prometheus([harness.free_port()], scrape_interval="60s") as prom:
        for values in ({v: ".*" for v in VARIABLES}, {v: "x" for v in VARIABLES}):
            for where, expr, kind in expressions(dash):
                e = substitute(expr, values)
                if kind == "variable":
                    m = LABEL_VALUES.match(e)
                    prom.api("series", **{"match[]": m.group(1)})
                else:
                    prom.query(e)


# ---------------------------------------------------------------------------
# against data

def relabel_stanza():
    text = open(RELABEL_EXAMPLE).read()
    block = text.split("metric_relabel_configs:", 1)[1]
    return "\n".join(l for l in block.splitlines() if l.strip())


def present(cd):
    names = set()
    for name, labels, _, _ in cd.metrics():
        if name.startswith("collectd_vsphere_") and "_self_" not in name:
            names.add(name)
    return names


def test_every_expression_returns_data():
    import backends
    dash = load()
    exprs = expressions(dash)
    wanted = set()
    for _, e, _ in exprs:
        wanted |= metric_names(e)
    with Vcsim(dc=1, cluster=2, cluster_host=2, host=1, vm=2) as vc:
        # a custom attribute, for the documented join
        vc.field_add("Owner")
        vc.field_set("DC0_H0_VM0", "Owner", "team-x")
        # vSphere tags (REST), for the tag variable, its panel and the join
        vc.vsctl("tag-category-create", "Environment")
        vc.vsctl("tag-create", "Environment", "prod")
        vc.vsctl("tag-create", "Environment", "test")
        vc.vsctl("tag-attach", "Environment", "prod", "/DC0/vm/DC0_H0_VM0", "/DC0/vm/DC0_C0_RP0_VM0")
        vc.vsctl("tag-attach", "Environment", "test", "/DC0/vm/DC0_C0_RP0_VM1")
        # a triggered alarm (the test vcsim's), for the firing-alarms table
        vc.alarm_set("DC0_H0_VM0", vc.alarm_define("Virtual machine CPU usage"), "red")
        extra = ('Interval 2\nCollect "vm" "host" "cluster" "datastore"\nPropertyInterval 5\n'
                 'Events true')
        with Collectd(vsphere_block(vc, extra=extra), interval=1) as cd:
            vms, hosts = vc.inventory()
            # events on every VM (the event-rate panel, whichever VM the
            # variable picks): read after the plugin's first read
            cd.wait_for(lambda: cd.metrics(), 30, what="the first values")
            time.sleep(3)
            for vm in sorted(vms):
                vc.event_post("VmPoweredOnEvent", name=vm)
            cd.wait_for(lambda: len(harness.find_metrics(
                cd.metrics(), "collectd_vsphere_vm_events_total")) == len(vms), 30,
                what="an event count of every VM")

            def ready():
                m = cd.metrics()
                got = lambda n: {x[1].get("instance") for x in harness.find_metrics(m, n)}  # noqa: E731
                return (got("collectd_vsphere_vm_cpu_usage_average") == set(vms)
                        and got("collectd_vsphere_host_cpu_usage_average") == hosts
                        and got("collectd_vsphere_vm_power_state") == set(vms)
                        and len(got("collectd_vsphere_cluster_cpu_usage_average")) == 2
                        and got("collectd_vsphere_datastore_datastore_read_average")
                        and got("collectd_vsphere_datastore_free_bytes"))
            t0 = time.monotonic()
            cd.wait_for(ready, 90, what="every kind's data on /metrics")
            log("every kind on /metrics after %.1f s" % (time.monotonic() - t0))
            try:
                cd.wait_for(lambda: wanted <= present(cd), 60)
            except AssertionError:
                raise AssertionError("the dashboard names metrics the plugin does not "
                                     "produce: %s" % sorted(wanted - present(cd)))
            log("the dashboard's metrics on /metrics after %.1f s" % (time.monotonic() - t0))
            assert not plugin_errors(cd), plugin_errors(cd)

            with backends.Prometheus([cd.port], relabel_configs=relabel_stanza(),
                                     honor_labels=True, scrape_interval="2s") as prom:
                def in_prom():
                    res = prom.query('group by (__name__) ({__name__=~"collectd_vsphere_.*"})')
                    return {r["metric"]["__name__"] for r in res}
                prom.wait_for(lambda: wanted <= in_prom(), 60,
                              what="every metric of the dashboard in Prometheus")
                prom.wait_for_query('collectd_vsphere_vm_cpu_usage_average{vm!="",cluster!=""}',
                                    lambda r: len(r) == len(vms), timeout=30)
                # a rate needs two scrapes of a count
                prom.wait_for_query('rate(collectd_vsphere_vm_events_total{vm!=""}[1m])',
                                    lambda r: len(r) == len(vms), timeout=30)

                def run_all(values, label):
                    failures = []
                    now = time.time()
                    for where, expr, kind in exprs:
                        e = substitute(expr, values)
                        try:
                            if kind == "variable":
                                m = LABEL_VALUES.match(e)
                                res = prom.api("label/%s/values" % m.group(2),
                                               **{"match[]": m.group(1), "start": now - 600,
                                                  "end": now})
                                res = [v for v in res if v]
                            else:
                                res = prom.query(e, time=now)
                                if res:
                                    rng = prom.query_range(e, now - 120, now, step=15)
                                    if not rng:
                                        failures.append("%s: range query empty: %s" % (where, e))
                        except backends.BackendError as err:
                            failures.append("%s: %s: %s" % (where, err, e))
                            continue
                        if not res:
                            failures.append("%s: no data: %s" % (where, e))
                    log("%s: %d expressions, %d failed" % (label, len(exprs), len(failures)))
                    return failures

                # the man page's and README's join: an attribute on a metric
                join = ('collectd_vsphere_vm_cpu_usage_average{type=""} * on(instance, vsphere) '
                        'group_left(attribute_value) collectd_vsphere_vm_attribute{attribute="Owner"}')
                got = prom.wait_for_query(join, lambda r: len(r) == 1, timeout=30)
                assert got[0]["metric"]["attribute_value"] == "team-x", got
                assert got[0]["metric"]["vm"] == "DC0_H0_VM0", got

                # and the tags': CPU usage grouped by tag
                by_tag = ('sum by (tag) (collectd_vsphere_vm_cpu_usage_average{type=""} * '
                          'on(instance, vsphere) group_left(tag) '
                          'collectd_vsphere_vm_tag{category="Environment"})')
                got = prom.wait_for_query(by_tag, lambda r: len(r) == 2, timeout=30)
                assert {r["metric"]["tag"] for r in got} == {"prod", "test"}, got
                tagged = prom.query('collectd_vsphere_vm_tag{category="Environment",tag="prod"}')
                assert {r["metric"]["vm"] for r in tagged} == {"DC0_H0_VM0", "DC0_C0_RP0_VM0"}, tagged

                fails = run_all({v: ".*" for v in VARIABLES}, "All")
                # concrete values, as the variable queries offer them, each
                # narrowing the next; a real cluster (not a stand-alone
                # host's compute resource) so the cluster panels have data
                concrete = {v: ".*" for v in VARIABLES}
                tvars = {v["name"]: v for v in dash["templating"]["list"]}
                real_clusters = {r["metric"].get("cluster") for r in
                                 prom.query("collectd_vsphere_cluster_hosts")}
                for name in VARIABLES:
                    m = LABEL_VALUES.match(substitute(variable_query(tvars[name]), concrete))
                    opts = sorted(v for v in prom.api("label/%s/values" % name,
                                                      **{"match[]": m.group(1)}) if v)
                    assert opts, (name, m.group(1))
                    if name == "cluster":
                        opts = [o for o in opts if o in real_clusters] or opts
                    concrete[name] = re.escape(opts[0])
                log("concrete: %s" % concrete)
                fails += run_all(concrete, "concrete")
                assert not fails, "\n".join(fails)


ALL = [test_json_model, test_expressions_parse, test_every_expression_returns_data]
LONG = {test_every_expression_returns_data}

if __name__ == "__main__":
    sys.exit(harness.main(ALL, LONG))
