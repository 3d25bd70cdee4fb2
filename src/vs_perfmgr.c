/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_perfmgr.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_dispatch.h"
#include "vs_perfmgr.h"

#include <limits.h>

#define MAX_QUERY_METRICS_OPTION "config.vpxd.stats.maxQueryMetrics"

/* vCenter's bound on historical QueryPerf requests, read at login: the
 * option, or when it is not set 64 before vSphere 6.5 and 256 from 6.5;
 * -1 means no bound, and ESXi has none. */
void vs_perfmgr_load_options(vs_perfmgr_t *pm, vs_session_t *s) {
  pm->historical_max_metrics = -1;
  if (strcmp(s->sc.api_type, "HostAgent") == 0 || s->sc.setting[0] == 0)
    return;
  vs_option_t opt;
  vs_error_t err;
  vs_xml_handler_t h = vs_parse_option(&opt, MAX_QUERY_METRICS_OPTION);
  h.expect = "QueryOptionsResponse";
  vs_soap_query_options(&s->request, &s->sc, MAX_QUERY_METRICS_OPTION);
  int rc = vs_session_call(s, &h, &err);
  if (rc == VS_OK && opt.found) {
    pm->historical_max_metrics = opt.value > INT_MAX ? INT_MAX
                                 : opt.value < 0     ? -1
                                                     : (int)opt.value;
    return;
  }
  int major = 0, minor = 0;
  sscanf(s->sc.api_version, "%d.%d", &major, &minor);
  pm->historical_max_metrics =
      (major > 6 || (major == 6 && minor >= 5)) ? 256 : 64;
}

static void on_counter(void *ctx, const vs_counter_info_t *info) {
  vs_catalog_add(ctx, info);
}

/* Reads the catalog and selects each kind's counters from it. Counter ids
 * are only stable for the life of the vCenter process: read once per
 * session, and again when answers carry ids it lacks. */
static int load_catalog(vs_perfmgr_t *pm, vs_session_t *s,
                        const vs_config_t *cfg) {
  vs_error_t err;
  vs_catalog_free(&pm->catalog);
  vs_catalog_parser_t parser;
  vs_catalog_parser_init(&parser, on_counter, &pm->catalog);
  vs_xml_handler_t h = vs_parse_catalog(&parser);
  h.expect = "RetrievePropertiesExResponse";
  vs_soap_retrieve_perf_property(&s->request, &s->sc, "perfCounter");
  int rc = vs_session_call(s, &h, &err);
  if (rc == VS_OK && pm->catalog.num == 0)
    rc = (vs_error_set(&err, VS_ERR_PARSE, "the counter catalog is empty"),
          err.rc);
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH)
      vs_log_error(s->log, "perfCounter", &err,
                   "reading the counter catalog failed: %s", err.text);
    return rc;
  }
  vs_catalog_sort(&pm->catalog);
  size_t selected = 0;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!cfg->collect[k]) {
      vs_counter_set_free(&pm->counters[k]);
      continue;
    }
    if (vs_counters_select(&pm->counters[k], &pm->catalog, (vs_kind_t)k, cfg,
                           vs_dispatch_type_known, NULL) != 0)
      return VS_ERR_NOMEM;
    selected += pm->counters[k].num;
  }
  if (selected == 0)
    vs_log_error_key(s->log, "selection",
                     "no counter of the catalog (%zu counters) matches the "
                     "Metric/IgnoreMetric selection.",
                     pm->catalog.num);
  return VS_OK;
}

/* The statistics levels of vCenter's historical intervals; none (ESXi,
 * a failed read) means unknown. */
static int load_intervals(vs_perfmgr_t *pm, vs_session_t *s) {
  vs_error_t err;
  vs_xml_handler_t h = vs_parse_intervals(&pm->intervals);
  h.expect = "RetrievePropertiesExResponse";
  vs_soap_retrieve_perf_property(&s->request, &s->sc, "historicalInterval");
  int rc = vs_session_call(s, &h, &err);
  if (rc != VS_OK)
    pm->intervals.num = 0;
  return rc == VS_ERR_NOAUTH ? rc : VS_OK;
}

static bool any_historical_counter(const vs_perfmgr_t *pm) {
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (vs_kind_info((vs_kind_t)k)->historical && pm->counters[k].num > 0)
      return true;
  return false;
}

/* "cluster.mem.consumed.average (level 2)" for each historical counter
 * above `level` into buf; returns how many. */
static size_t counters_above(const vs_perfmgr_t *pm, int level, char *buf,
                             size_t size, bool *unknown) {
  size_t n = 0, len = 0;
  buf[0] = 0;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!vs_kind_info((vs_kind_t)k)->historical)
      continue;
    for (size_t i = 0; i < pm->counters[k].num; i++) {
      const vs_selected_counter_t *c = &pm->counters[k].items[i];
      const vs_counter_info_t *info = vs_catalog_find(&pm->catalog, c->id);
      if (c->level == 0 || info == NULL) {
        *unknown = true;
        continue;
      }
      if (c->level <= level)
        continue;
      n++;
      if (len + 1 >= size)
        continue; /* the list is cut; the count is not */
      int w = snprintf(buf + len, size - len, "%s%s.%s.%s.%s (level %d)",
                       len ? ", " : "", vs_kind_info((vs_kind_t)k)->name,
                       info->group, info->name, info->rollup, c->level);
      if (w > 0)
        len = len + (size_t)w < size ? len + (size_t)w : size - 1;
    }
  }
  return n;
}

/* Historical counters exist only at or below the statistics level of the
 * interval they are kept in (the first: 300 s, level 1 by default): say
 * which selected ones never fill, once per change, and count them. */
static void check_levels(vs_perfmgr_t *pm, const char *vcenter) {
  const vs_perf_interval_t *five = vs_intervals_find(&pm->intervals, 300);
  char list[1536];
  /* Unknown: nothing is said to be above it (4 is the highest level). */
  bool unknown = five == NULL || five->level == 0;
  int level = unknown ? 4 : five->enabled ? five->level : 0;
  pm->counters_above_level =
      counters_above(pm, level, list, sizeof(list), &unknown);
  if (unknown && any_historical_counter(pm) && !pm->levels_unknown_said) {
    pm->levels_unknown_said = true;
    INFO("vsphere plugin: vCenter \"%s\": statistics levels unknown (%s): "
         "cannot tell whether every historical counter (clusters, "
         "datastores, resource pools, datacenters) fills.",
         vcenter,
         five == NULL ? "no 5-minute historical interval listed"
                      : "the catalog gives no levels");
  }
  uint64_t said = vs_hash64(list, 0);
  if (pm->counters_above_level == 0 || said == pm->levels_said)
    return;
  pm->levels_said = said;
  WARNING("vsphere plugin: vCenter \"%s\": %zu counters of clusters, "
          "datastores, resource pools or datacenters need a statistics level "
          "above %d, the level of vCenter's 5-minute interval%s, and stay "
          "empty: %s. Raise that level in vCenter (vSphere Client: vCenter > "
          "Configure > General > Statistics; VMware warns that levels 3 and "
          "4 make vCenter's database and memory grow), or leave them out "
          "with IgnoreMetric.",
          vcenter, pm->counters_above_level, level,
          five != NULL && !five->enabled ? " (disabled)" : "", list);
}

int vs_perfmgr_load_counters(vs_perfmgr_t *pm, vs_session_t *s,
                             const vs_config_t *cfg) {
  int rc = load_catalog(pm, s, cfg);
  if (rc == VS_OK)
    rc = load_intervals(pm, s);
  if (rc != VS_OK)
    return rc;
  check_levels(pm, cfg->name);
  return VS_OK;
}

void vs_perfmgr_free(vs_perfmgr_t *pm) {
  vs_catalog_free(&pm->catalog);
  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&pm->counters[k]);
  memset(pm, 0, sizeof(*pm));
}
