/**
 * collectd-vsphere - vs_collect.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_collect.h"
#include "vs_dispatch.h"
#include "vs_filter.h"
#include "vs_naming.h"
#include "vs_query.h"

#include <limits.h>
#include <math.h>

/* Seconds before a failed inventory refresh is tried again. */
#define INVENTORY_RETRY 30.0
/* A read waits for answers at most this share of its interval (and at
 * least READ_MIN_BUDGET s); what is still in flight goes on next read. */
#define READ_BUDGET_SHARE 0.9
#define READ_MIN_BUDGET 2.0
/* Series not seen for this long (an instance that went away) are
 * forgotten at the next inventory refresh. */
#define SERIES_RETENTION_US (INT64_C(3600) * 1000000)

vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg) {
  vs_vcenter_t *vc = calloc(1, sizeof(*vc));
  if (vc == NULL)
    return NULL;
  vc->cfg = *cfg;
  memset(cfg, 0, sizeof(*cfg));
  vs_inventory_init(&vc->inventory);
  if (vs_session_init(&vc->session, &vc->cfg) != 0 ||
      vs_query_init(vc) != 0) {
    vs_vcenter_destroy(vc);
    return NULL;
  }
  return vc;
}

void vs_vcenter_destroy(vs_vcenter_t *vc) {
  if (vc == NULL)
    return;
  if (vc->slots != NULL && vc->session.http != NULL)
    vs_query_cancel(vc);
  vs_session_destroy(&vc->session);
  vs_query_free(vc);
  vs_catalog_free(&vc->catalog);
  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&vc->counters[k]);
  vs_inventory_free(&vc->inventory);
  vs_config_free(&vc->cfg);
  free(vc);
}

static bool kind_wanted(const vs_vcenter_t *vc, vs_kind_t kind) {
  return vc->cfg.collect[kind];
}

static vs_discovery_t discovery(const vs_vcenter_t *vc) {
  vs_discovery_t d = {.states = vc->cfg.collect_properties,
                      .uuid = vs_naming_needs_uuid(&vc->cfg)};
  for (int k = 0; k < VS_KIND_NUM; k++)
    d.kinds[k] = kind_wanted(vc, (vs_kind_t)k);
  return d;
}

#define MAX_QUERY_METRICS_OPTION "config.vpxd.stats.maxQueryMetrics"

/* vCenter's bound on historical QueryPerf requests, read at login: the
 * option, or when it is not set 64 before vSphere 6.5 and 256 from 6.5;
 * -1 means no bound, and ESXi has none. */
static void load_options(vs_vcenter_t *vc) {
  vs_session_t *s = &vc->session;
  vc->options_login = s->logins;
  vc->historical_max_metrics = -1;
  if (strcmp(s->sc.api_type, "HostAgent") == 0 || s->sc.setting[0] == 0)
    return;
  vs_option_t opt;
  vs_error_t err;
  vs_xml_handler_t h = vs_parse_option(&opt, MAX_QUERY_METRICS_OPTION);
  h.expect = "QueryOptionsResponse";
  vs_soap_query_options(&s->request, &s->sc, MAX_QUERY_METRICS_OPTION);
  int rc = vs_session_call(s, &h, &err);
  if (rc == VS_OK && opt.found) {
    vc->historical_max_metrics = opt.value > INT_MAX ? INT_MAX
                                 : opt.value < 0    ? -1
                                                    : (int)opt.value;
    return;
  }
  int major = 0, minor = 0;
  sscanf(s->sc.api_version, "%d.%d", &major, &minor);
  vc->historical_max_metrics =
      (major > 6 || (major == 6 && minor >= 5)) ? 256 : 64;
}

static void on_counter(void *ctx, const vs_counter_info_t *info) {
  vs_catalog_add(ctx, info);
}

/* Reads the catalog and selects each kind's counters from it. Counter ids
 * are only stable for the life of the vCenter process: read once per
 * session, and again when answers carry ids it lacks. */
static int load_catalog(vs_vcenter_t *vc) {
  vs_error_t err;
  vs_catalog_free(&vc->catalog);
  vs_catalog_parser_t parser;
  vs_catalog_parser_init(&parser, on_counter, &vc->catalog);
  vs_xml_handler_t h = vs_parse_catalog(&parser);
  h.expect = "RetrievePropertiesExResponse";
  vs_soap_retrieve_perf_property(&vc->session.request, &vc->session.sc,
                                 "perfCounter");
  int rc = vs_session_call(&vc->session, &h, &err);
  if (rc == VS_OK && vc->catalog.num == 0)
    rc = (vs_error_set(&err, VS_ERR_PARSE, "the counter catalog is empty"),
          err.rc);
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH)
      vs_session_error(&vc->session, "perfCounter", &err,
                       "reading the counter catalog failed: %s", err.text);
    return rc;
  }
  vs_catalog_sort(&vc->catalog);
  size_t selected = 0;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!kind_wanted(vc, (vs_kind_t)k)) {
      vs_counter_set_free(&vc->counters[k]);
      continue;
    }
    if (vs_counters_select(&vc->counters[k], &vc->catalog, (vs_kind_t)k,
                           &vc->cfg, vs_dispatch_type_known, NULL) != 0)
      return VS_ERR_NOMEM;
    selected += vc->counters[k].num;
  }
  if (selected == 0)
    vs_session_error_key(&vc->session, "selection",
                         "no counter of the catalog (%zu counters) matches "
                         "the Metric/IgnoreMetric selection.",
                         vc->catalog.num);
  return VS_OK;
}

/* The statistics levels of vCenter's historical intervals; none (vcsim,
 * ESXi, a failed read) means unknown. */
static int load_intervals(vs_vcenter_t *vc) {
  vs_error_t err;
  vs_xml_handler_t h = vs_parse_intervals(&vc->intervals);
  h.expect = "RetrievePropertiesExResponse";
  vs_soap_retrieve_perf_property(&vc->session.request, &vc->session.sc,
                                 "historicalInterval");
  int rc = vs_session_call(&vc->session, &h, &err);
  if (rc != VS_OK)
    vc->intervals.num = 0;
  return rc == VS_ERR_NOAUTH ? rc : VS_OK;
}

static bool any_historical_counter(const vs_vcenter_t *vc) {
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (vs_kind_info((vs_kind_t)k)->historical && vc->counters[k].num > 0)
      return true;
  return false;
}

/* "cluster.mem.consumed.average (level 2)" for each historical counter
 * above `level` into buf; returns how many. */
static size_t counters_above(const vs_vcenter_t *vc, int level, char *buf,
                             size_t size, bool *unknown) {
  size_t n = 0, len = 0;
  buf[0] = 0;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!vs_kind_info((vs_kind_t)k)->historical)
      continue;
    for (size_t i = 0; i < vc->counters[k].num; i++) {
      const vs_selected_counter_t *c = &vc->counters[k].items[i];
      const vs_counter_info_t *info = vs_catalog_find(&vc->catalog, c->id);
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

static uint64_t text_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* Historical counters exist only at or below the statistics level of the
 * interval they are kept in (the first: 300 s, level 1 by default): say
 * which selected ones never fill, once per change, and count them. */
static void check_levels(vs_vcenter_t *vc) {
  const vs_perf_interval_t *five = vs_intervals_find(&vc->intervals, 300);
  char list[1536];
  /* Unknown: nothing is said to be above it (4 is the highest level). */
  bool unknown = five == NULL || five->level == 0;
  int level = unknown ? 4 : five->enabled ? five->level : 0;
  vc->counters_above_level =
      counters_above(vc, level, list, sizeof(list), &unknown);
  if (unknown && any_historical_counter(vc) && !vc->levels_unknown_said) {
    vc->levels_unknown_said = true;
    INFO("vsphere plugin: vCenter \"%s\": statistics levels unknown (%s): "
         "cannot tell whether every historical counter (clusters, "
         "datastores, resource pools, datacenters) fills.",
         vc->cfg.name,
         five == NULL ? "no 5-minute historical interval listed"
                      : "the catalog gives no levels");
  }
  uint64_t said = text_hash(list);
  if (vc->counters_above_level == 0 || said == vc->levels_said)
    return;
  vc->levels_said = said;
  WARNING("vsphere plugin: vCenter \"%s\": %zu counters of clusters, "
          "datastores, resource pools or datacenters need a statistics level "
          "above %d, the level of vCenter's 5-minute interval%s, and stay "
          "empty: %s. Raise that level in vCenter (vSphere Client: vCenter > "
          "Configure > General > Statistics; VMware warns that levels 3 and "
          "4 make vCenter's database and memory grow), or leave them out "
          "with IgnoreMetric.",
          vc->cfg.name, vc->counters_above_level, level,
          five != NULL && !five->enabled ? " (disabled)" : "", list);
}

static int load_counters(vs_vcenter_t *vc) {
  int rc = load_catalog(vc);
  if (rc == VS_OK)
    rc = load_intervals(vc);
  if (rc != VS_OK)
    return rc;
  check_levels(vc);
  vc->catalog_login = vc->session.logins;
  return VS_OK;
}

/* Answers named a counter id the catalog lacks: read it again, at most
 * once per InventoryInterval. */
static int reread_catalog(vs_vcenter_t *vc) {
  double now = vs_monotonic_seconds();
  if (!vc->catalog_stale || now < vc->next_catalog_at)
    return VS_OK;
  vc->catalog_stale = false;
  vc->next_catalog_at = now + vc->cfg.inventory_interval;
  vs_session_note(&vc->session, "catalog/drift",
                  "QueryPerf answers carry counter id %d, which the counter "
                  "catalog lacks (a host added since?): reading the catalog "
                  "again.",
                  vc->catalog_unknown_id);
  return load_counters(vc);
}

static void log_inventory(const vs_vcenter_t *vc) {
  (void)vc; /* when DEBUG is compiled out */
  DEBUG("vsphere plugin: vCenter \"%s\": inventory has %zu VMs (%zu to "
        "query), %zu hosts (%zu to query), %zu objects in all, %zu names "
        "disambiguated.",
        vc->cfg.name, vc->inventory.per_kind[VS_KIND_VM],
        vc->inventory.active_per_kind[VS_KIND_VM],
        vc->inventory.per_kind[VS_KIND_HOST],
        vc->inventory.active_per_kind[VS_KIND_HOST], vc->inventory.num,
        vc->inventory.duplicates);
}

/* Instances that went away are forgotten after a while. */
static void prune_series(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->mark_us >= 0 && o->series.num > 0)
      vs_series_prune(&o->series, o->mark_us - SERIES_RETENTION_US);
  }
}

/* The state values of every selected object. */
static void dispatch_states(vs_vcenter_t *vc) {
  vc->next_states_at = vs_monotonic_seconds() + vc->cfg.property_interval;
  if (!vc->cfg.collect_properties)
    return;
  /* A discovery comes every InventoryInterval at least, a state pass
   * every PropertyInterval: the values arrive at the shorter of both. */
  double interval = fmin(vc->cfg.property_interval, vc->cfg.inventory_interval);
  size_t n = 0;
  for (size_t i = 0; i < vc->inventory.num; i++) {
    vs_object_t *o = &vc->inventory.objects[i];
    if (!o->selected || o->states_num == 0)
      continue;
    /* An object's first state values are new series: MaxNewSeries. */
    if (!o->states_sent &&
        !vs_dispatch_budget(vc->params[o->kind].new_series_left,
                            o->states_num))
      continue; /* at the next state pass */
    o->states_sent = true;
    n += vs_dispatch_states(o, fmax(interval, vc->read_interval));
  }
  vc->stats.state_values += n;
}

/* Requests in flight carry on: their batches are moved to the new
 * inventory's indexes (vs_query_remap). */
static int refresh_inventory(vs_vcenter_t *vc) {
  vs_error_t err;
  vs_discovery_t what = discovery(vc);
  vs_inventory_t fresh;
  vs_inventory_init(&fresh);
  int rc = vs_inventory_discover(&vc->session, &what, &fresh, &err);
  /* Some ESXi builds answer a timed-out session with an empty result
   * instead of a fault: an inventory that suddenly empties is re-checked
   * once with a fresh session, the old one logged out in case the guess
   * was wrong. */
  if (rc == VS_OK && fresh.num == 0 && vc->inventory.num > 0 &&
      !vc->empty_recheck_done) {
    vs_inventory_free(&fresh);
    vc->empty_recheck_done = true;
    vs_session_lost(&vc->session, true);
    return VS_ERR_NOAUTH;
  }
  /* Naming sees every object, whatever the shard: all instances then
   * disambiguate clashes alike. */
  if (rc == VS_OK && (vs_inventory_finish(&fresh, &vc->inventory) != 0 ||
                      vs_naming_apply(&fresh, &vc->cfg) != 0))
    rc = (vs_error_set(&err, VS_ERR_NOMEM, "out of memory"), err.rc);
  if (rc == VS_OK)
    vs_filter_apply(&fresh, &vc->cfg);
  if (rc != VS_OK) {
    vs_inventory_free(&fresh);
    if (rc != VS_ERR_NOAUTH) {
      vs_session_error(&vc->session, "inventory", &err,
                       "inventory discovery failed: %s%s", err.text,
                       vc->inventory_ready ? " (keeping the previous one)"
                                           : "");
      /* Not at every read: again after a while, or the interval if shorter. */
      vc->next_inventory_at =
          vs_monotonic_seconds() + fmin(vc->cfg.inventory_interval,
                                        INVENTORY_RETRY);
    }
    return rc;
  }
  vc->empty_recheck_done = false;
  vs_inventory_t old = vc->inventory;
  vc->inventory = fresh;
  vs_query_remap(vc, &old);
  vs_inventory_free(&old);
  prune_series(&vc->inventory);
  vc->inventory_ready = true;
  vc->next_inventory_at = vs_monotonic_seconds() + vc->cfg.inventory_interval;
  log_inventory(vc);
  /* The discovery read the state values too. */
  dispatch_states(vc);
  if (vs_query_replan(vc) != 0)
    return VS_ERR_NOMEM;
  return VS_OK;
}

/* State values between two discoveries, every PropertyInterval. */
static int read_states(vs_vcenter_t *vc) {
  vs_error_t err;
  vs_discovery_t what = discovery(vc);
  size_t updated = 0;
  int rc = vs_inventory_read_states(&vc->session, &what, &vc->inventory,
                                    &updated, &err);
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH) {
      vs_session_error(&vc->session, "properties", &err,
                       "reading the state properties failed: %s", err.text);
      vc->next_states_at = vs_monotonic_seconds() +
                           fmin(vc->cfg.property_interval, INVENTORY_RETRY);
    }
    return rc;
  }
  dispatch_states(vc);
  return VS_OK;
}

/* After the samples: a discovery if due, else a state pass if due; then
 * the catalog if answers showed it stale. None waits for requests carried
 * over to the next read. */
static int after_queries(vs_vcenter_t *vc) {
  double now = vs_monotonic_seconds();
  int rc = VS_OK;
  bool refreshed = false;
  if (now >= vc->next_inventory_at) {
    rc = refresh_inventory(vc);
    refreshed = rc == VS_OK; /* a discovery reads the state values too */
  }
  if (rc == VS_ERR_NOAUTH)
    return rc;
  /* While discovery fails, state values still come from state passes. */
  if (!refreshed && vc->cfg.collect_properties && now >= vc->next_states_at) {
    int states_rc = read_states(vc);
    if (states_rc == VS_ERR_NOAUTH)
      return states_rc;
    if (rc == VS_OK)
      rc = states_rc;
  }
  int catalog_rc = reread_catalog(vc);
  return rc != VS_OK ? rc : catalog_rc;
}

static int collect(vs_vcenter_t *vc, double deadline, size_t *values) {
  int rc;
  if (vc->catalog_login != vc->session.logins &&
      (rc = load_counters(vc)) != VS_OK)
    return rc;
  if (vc->options_login != vc->session.logins)
    load_options(vc);
  /* The first inventory comes before anything can be queried; later
   * refreshes come after this interval's samples are out, so that a slow
   * discovery on a large vCenter never delays them. */
  if (!vc->inventory_ready && (rc = refresh_inventory(vc)) != VS_OK)
    return rc;
  rc = vs_query_collect(vc, deadline, values);
  if (rc == VS_ERR_NOAUTH)
    return rc;
  /* (A fault during the queries may have brought the refresh forward.) A
   * failed refresh keeps the previous inventory but is reported. */
  int after_rc = after_queries(vc);
  return rc != VS_OK ? rc : after_rc;
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tracking_size(const vs_inventory_t *inv, size_t *series,
                          size_t *bytes) {
  *series = 0;
  *bytes = inv->cap * sizeof(*inv->objects) + inv->strings.bytes +
           inv->by_moref.cap * (sizeof(char *) + sizeof(int));
  for (size_t i = 0; i < inv->num; i++) {
    *series += inv->objects[i].series.num;
    *bytes += vs_series_table_bytes(&inv->objects[i].series) +
              inv->objects[i].states_num * sizeof(vs_state_value_t);
  }
}

/* Self-monitoring: what a cycle cost and what it brought. */
static void dispatch_self(vs_vcenter_t *vc, double wall, double cpu) {
  const vs_http_stats_t *http = vs_http_stats(vc->session.http);
  size_t series, bytes;
  tracking_size(&vc->inventory, &series, &bytes);
  vs_self_metric_t m[] = {
      {"self_read_cycles", (double)vc->stats.cycles, NULL},
      {"self_read_seconds", wall, NULL},
      {"self_read_cpu_seconds", cpu, NULL},
      {"self_values", (double)vc->stats.last_values, NULL},
      {"self_entities_answered", (double)vc->stats.last_entities, NULL},
      {"self_requests", (double)http->requests, NULL},
      {"self_bytes_received", (double)http->bytes_received, NULL},
      {"self_logins", (double)vc->session.logins, NULL},
      {"self_login_refusals", (double)vc->session.login_refusals, NULL},
      {"self_inventory_vms", (double)vc->inventory.per_kind[VS_KIND_VM], NULL},
      {"self_inventory_hosts", (double)vc->inventory.per_kind[VS_KIND_HOST], NULL},
      {"self_inventory_duplicates", (double)vc->inventory.duplicates, NULL},
      {"self_state_values", (double)vc->stats.state_values, NULL},
      {"self_series", (double)series, NULL},
      {"self_tracking_bytes", (double)bytes, NULL},
      {"self_query_errors", (double)vc->stats.query_errors, NULL},
      {"self_requests_carried", (double)vc->stats.carried, NULL},
      {"self_errors", (double)vc->stats.errors, NULL},
      {"self_late_samples", (double)vc->stats.late_samples, NULL},
      {"self_unknown_counter_values", (double)vc->stats.unknown_values, NULL},
      {"self_counters_above_level", (double)vc->counters_above_level, NULL},
  };
  double interval = fmax(vc->read_interval, wall);
  vs_dispatch_self(vc->cfg.name, m, sizeof(m) / sizeof(m[0]), interval);
  /* Objects selected per kind ("self_inventory_objects", instance: kind) */
  vs_self_metric_t per_kind[VS_KIND_NUM];
  for (int k = 0; k < VS_KIND_NUM; k++)
    per_kind[k] = (vs_self_metric_t){"self_inventory_objects",
                                     (double)vc->inventory.per_kind[k],
                                     vs_kind_info((vs_kind_t)k)->name};
  vs_dispatch_self(vc->cfg.name, per_kind, VS_KIND_NUM, interval);
}

/* This read's interval, and what follows from it for each kind. */
static void set_read_params(vs_vcenter_t *vc, double interval) {
  vc->read_interval = vc->cfg.interval > 0 ? vc->cfg.interval : interval;
  vc->new_series_left = (size_t)vc->cfg.max_new_series;
  /* A sample from the far future would make every later one look old:
   * what is more than an hour ahead of vCenter's clock is refused. */
  int64_t latest_us =
      vs_session_vcenter_now_us(&vc->session) + INT64_C(3600) * 1000000;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    const vs_kind_info_t *info = vs_kind_info((vs_kind_t)k);
    int step = info->step_s;
    double lookback =
        info->historical ? vc->cfg.historical_lookback : vc->cfg.lookback;
    int slots = (int)ceil(lookback / step);
    vc->params[k] = (vs_dispatch_params_t){
        /* The cadence at which a series really arrives: collectd's cache
         * (Timeout x interval) must not expire it between two reads. */
        .interval_s = fmax(vc->read_interval, step),
        .policy =
            {
                .step_us = (int64_t)step * 1000000,
                .lookback_slots = slots < VS_SERIES_MAX_LOOKBACK_SLOTS
                                      ? slots
                                      : VS_SERIES_MAX_LOOKBACK_SLOTS,
                .late = info->historical,
                .fill_holes = vc->cfg.fill_holes,
            },
        .new_series_left =
            vc->cfg.max_new_series > 0 ? &vc->new_series_left : NULL,
        .late_samples = &vc->stats.late_samples,
        .latest_us = latest_us,
    };
  }
}

int vs_vcenter_read(vs_vcenter_t *vc, double interval) {
  double wall_start = vs_monotonic_seconds();
  double cpu_start = thread_cpu_seconds();
  size_t values = 0;
  int rc = VS_OK;
  vc->stats.cycles++;
  vc->stats.read_entities = 0;
  vc->stats.queries_ok_before = vc->stats.queries_ok;
  vc->stats.queries_ok = 0;
  vs_session_read_begin(&vc->session);
  set_read_params(vc, interval);
  double deadline =
      wall_start + fmax(READ_BUDGET_SHARE * vc->read_interval, READ_MIN_BUDGET);
  /* A lost session (expired, vCenter restarted) gets one new login and
   * one retry; samples dispatched before the loss are not sent again. */
  for (int attempt = 0; attempt < 2; attempt++) {
    rc = vs_session_ensure(&vc->session);
    if (rc != VS_OK)
      break;
    rc = collect(vc, deadline, &values);
    if (rc != VS_ERR_NOAUTH)
      break;
    /* Requests still in flight belong to the lost session. */
    vs_query_cancel(vc);
    vs_session_note(&vc->session, "session/relogin",
                    "session no longer valid; logging in again.");
  }
  if (rc == VS_ERR_NOAUTH) {
    vs_error_t e;
    vs_error_clear(&e);
    vs_error_set(&e, rc, "session refused");
    vs_session_error(&vc->session, "session", &e,
                     "vCenter refused the new session too; retrying next "
                     "interval.");
  }
  vc->stats.last_values = values;
  vc->stats.last_entities = vc->stats.read_entities;
  vs_session_read_end(&vc->session, vc->stats.carried > 0);
  if (rc != VS_OK)
    vc->stats.errors++;
  dispatch_self(vc, vs_monotonic_seconds() - wall_start,
                thread_cpu_seconds() - cpu_start);
  return 0;
}
