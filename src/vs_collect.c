/**
 * collectd-vsphere - vs_collect.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_collect.h"
#include "vs_dispatch.h"
#include "vs_plan.h"

/* Seconds before a failed inventory refresh is tried again. */
#define INVENTORY_RETRY 30.0

/* One QueryPerf request in flight: its batch, body and parser. */
struct vs_query_slot_s {
  vs_vcenter_t *vc;
  int index;
  vs_kind_t kind;
  size_t *batch; /* inventory indexes */
  size_t count;
  size_t values;
  vs_buf_t request;
  vs_perf_parser_t parser;
  vs_xml_stream_t *stream;
};

vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg) {
  vs_vcenter_t *vc = calloc(1, sizeof(*vc));
  if (vc == NULL)
    return NULL;
  vc->cfg = *cfg;
  memset(cfg, 0, sizeof(*cfg));
  vs_inventory_init(&vc->inventory);
  if (vs_session_init(&vc->session, &vc->cfg) != 0) {
    vs_vcenter_destroy(vc);
    return NULL;
  }
  /* One query slot per transport slot, each with a batch of entities. */
  vc->slots_num = (size_t)vs_http_slots(vc->session.http);
  vc->slots = calloc(vc->slots_num, sizeof(*vc->slots));
  if (vc->slots == NULL) {
    vs_vcenter_destroy(vc);
    return NULL;
  }
  for (size_t i = 0; i < vc->slots_num; i++) {
    vs_query_slot_t *q = &vc->slots[i];
    q->vc = vc;
    q->index = (int)i;
    vs_buf_init(&q->request);
    q->batch = calloc((size_t)vc->cfg.query_batch_size, sizeof(*q->batch));
    if (q->batch == NULL) {
      vs_vcenter_destroy(vc);
      return NULL;
    }
  }
  return vc;
}

void vs_vcenter_destroy(vs_vcenter_t *vc) {
  if (vc == NULL)
    return;
  vs_session_destroy(&vc->session);
  vs_catalog_free(&vc->catalog);
  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&vc->counters[k]);
  vs_inventory_free(&vc->inventory);
  for (size_t i = 0; vc->slots != NULL && i < vc->slots_num; i++) {
    vs_buf_free(&vc->slots[i].request);
    vs_xml_stream_destroy(vc->slots[i].stream);
    free(vc->slots[i].batch);
  }
  free(vc->slots);
  vs_config_free(&vc->cfg);
  free(vc);
}

static bool kind_wanted(const vs_vcenter_t *vc, vs_kind_t kind) {
  return kind == VS_KIND_VM ? vc->cfg.collect_vms : vc->cfg.collect_hosts;
}

static void on_counter(void *ctx, const vs_counter_info_t *info) {
  vs_catalog_add(ctx, info);
}

/* The catalog is read once per session: counter ids are only stable for
 * the life of the vCenter process. */
static int load_counters(vs_vcenter_t *vc) {
  char err[512];
  vs_catalog_free(&vc->catalog);
  vs_catalog_parser_t parser;
  vs_catalog_parser_init(&parser, on_counter, &vc->catalog);
  vs_xml_handler_t h = vs_parse_catalog(&parser);
  h.expect = "RetrievePropertiesExResponse";
  vs_soap_retrieve_perf_counters(&vc->session.request, &vc->session.sc);
  int rc = vs_session_call(&vc->session, &h, err, sizeof(err));
  if (rc == VS_OK && vc->catalog.num == 0) {
    snprintf(err, sizeof(err), "the counter catalog is empty");
    rc = VS_ERR_PARSE;
  }
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH)
      vs_session_error(&vc->session, "perfCounter", rc,
                       "reading the counter catalog failed: %s", err);
    return rc;
  }
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
    vs_session_error(&vc->session, "selection", 0,
                     "no counter of the catalog (%zu counters) matches the "
                     "Metric/IgnoreMetric selection.",
                     vc->catalog.num);
  vc->catalog_login = vc->session.logins;
  return VS_OK;
}

static int refresh_inventory(vs_vcenter_t *vc) {
  char err[512];
  bool want[VS_KIND_NUM];
  for (int k = 0; k < VS_KIND_NUM; k++)
    want[k] = kind_wanted(vc, (vs_kind_t)k);
  vs_inventory_t fresh;
  vs_inventory_init(&fresh);
  int rc = vs_inventory_discover(&vc->session, want, &fresh, err, sizeof(err));
  if (rc == VS_OK && vs_inventory_finish(&fresh, &vc->inventory) != 0) {
    snprintf(err, sizeof(err), "out of memory");
    rc = VS_ERR_NOMEM;
  }
  if (rc != VS_OK) {
    vs_inventory_free(&fresh);
    if (rc != VS_ERR_NOAUTH) {
      vs_session_error(&vc->session, "inventory", rc,
                       "inventory discovery failed: %s%s", err,
                       vc->inventory_ready ? " (keeping the previous one)"
                                           : "");
      /* Not at every read: again after a while, or the interval if shorter. */
      double retry = vc->cfg.inventory_interval < INVENTORY_RETRY
                         ? vc->cfg.inventory_interval
                         : INVENTORY_RETRY;
      vc->next_inventory_at = vs_monotonic_seconds() + retry;
    }
    return rc;
  }
  /* Some ESXi builds answer a timed-out session with an empty result
   * instead of a fault: an inventory that suddenly empties is re-checked
   * with a fresh session (once: the retry accepts what it gets). */
  if (fresh.num == 0 && vc->inventory.num > 0 && !vc->empty_recheck_done) {
    vs_inventory_free(&fresh);
    vc->empty_recheck_done = true;
    vs_session_lost(&vc->session);
    return VS_ERR_NOAUTH;
  }
  vc->empty_recheck_done = false;
  vs_inventory_free(&vc->inventory);
  vc->inventory = fresh;
  vc->inventory_ready = true;
  vc->next_inventory_at = vs_monotonic_seconds() + vc->cfg.inventory_interval;
  DEBUG("vsphere plugin: vCenter \"%s\": inventory has %zu VMs (%zu on), "
        "%zu hosts (%zu active).",
        vc->cfg.name, fresh.per_kind[VS_KIND_VM],
        fresh.active_per_kind[VS_KIND_VM], fresh.per_kind[VS_KIND_HOST],
        fresh.active_per_kind[VS_KIND_HOST]);
  return VS_OK;
}

/* ---- QueryPerf: batches over the active objects of every kind, up to
 * Concurrency of them in flight, each streamed into its own parser. ---- */

typedef struct {
  int kind;      /* kind being planned */
  size_t cursor; /* next inventory index to look at */
  size_t per_query[VS_KIND_NUM];
} query_plan_t;

static void on_series(void *ctx, const vs_series_t *series) {
  vs_query_slot_t *q = ctx;
  vs_vcenter_t *vc = q->vc;
  vs_object_t *obj = vs_inventory_find(&vc->inventory, series->entity);
  const vs_selected_counter_t *counter =
      vs_counters_find(&vc->counters[q->kind], series->counter_id);
  if (obj == NULL || obj->kind != q->kind || counter == NULL)
    return; /* not asked for: ignore */
  q->values += vs_dispatch_series(vc->cfg.name, obj, counter, series,
                                  vs_kind_info(q->kind)->interval_id);
}

/* Fills the slot with the next batch; false when every kind is done. */
static bool plan_next(vs_vcenter_t *vc, query_plan_t *plan,
                      vs_query_slot_t *q) {
  for (; plan->kind < VS_KIND_NUM; plan->kind++, plan->cursor = 0) {
    if (vc->counters[plan->kind].num == 0)
      continue;
    q->kind = (vs_kind_t)plan->kind;
    q->count = vs_plan_next_batch(&vc->inventory, q->kind, &plan->cursor,
                                  q->batch, plan->per_query[plan->kind]);
    if (q->count > 0)
      return true;
  }
  return false;
}

static int start_query(vs_vcenter_t *vc, vs_query_slot_t *q) {
  vs_session_t *s = &vc->session;
  const vs_kind_info_t *info = vs_kind_info(q->kind);
  vs_soap_query_perf_begin(&q->request, &s->sc);
  for (size_t i = 0; i < q->count; i++) {
    vs_object_t *o = &vc->inventory.objects[q->batch[i]];
    int64_t start_us;
    int max_sample;
    vs_plan_window(o->last_sample_us, &start_us, &max_sample);
    o->newest_seen_us = o->last_sample_us;
    vs_soap_query_perf_spec(&q->request, info->mo_type, o->moref, start_us,
                            max_sample, &vc->counters[q->kind].metric_ids,
                            info->interval_id);
  }
  vs_soap_query_perf_end(&q->request);
  if (q->request.failed)
    return VS_ERR_NOMEM;
  q->values = 0;
  vs_perf_parser_init(&q->parser, on_series, q);
  vs_xml_handler_t h = vs_parse_perf(&q->parser);
  h.expect = "QueryPerfResponse";
  q->stream = vs_xml_stream_create(&h);
  if (q->stream == NULL)
    return VS_ERR_NOMEM;
  if (vs_http_start(s->http, q->index, s->soap_action, q->request.data,
                    q->request.len, q->stream) != 0) {
    vs_xml_stream_destroy(q->stream);
    q->stream = NULL;
    return VS_ERR_TRANSPORT;
  }
  return VS_OK;
}

static void finish_query(vs_vcenter_t *vc, vs_query_slot_t *q, int rc,
                         const char *err, size_t *values) {
  vs_xml_stream_destroy(q->stream);
  q->stream = NULL;
  /* What was dispatched stays dispatched, even if the answer broke off. */
  for (size_t i = 0; i < q->count; i++) {
    vs_object_t *o = &vc->inventory.objects[q->batch[i]];
    if (o->newest_seen_us > o->last_sample_us)
      o->last_sample_us = o->newest_seen_us;
  }
  *values += q->values;
  if (rc == VS_ERR_NOAUTH)
    vs_session_lost(&vc->session);
  else if (rc != VS_OK) {
    vs_session_error(&vc->session, "QueryPerf", rc,
                     "QueryPerf for %zu %s objects failed: %s", q->count,
                     vs_kind_info(q->kind)->name, err);
    /* A deleted VM faults the whole batch: look again soon. */
    if (strstr(err, "ManagedObjectNotFound") != NULL)
      vc->next_inventory_at = 0;
  }
}

static int collect_queries(vs_vcenter_t *vc, size_t *values) {
  query_plan_t plan = {.kind = 0, .cursor = 0};
  for (int k = 0; k < VS_KIND_NUM; k++)
    plan.per_query[k] = vs_plan_entities_per_query(
        vc->cfg.query_batch_size, vc->cfg.max_query_metrics,
        vc->counters[k].num);
  int slots = vs_http_slots(vc->session.http);
  int in_flight = 0, result = VS_OK;
  bool more = true;
  for (;;) {
    /* Fill the idle slots, unless a lost session or a dead connection
     * makes the rest pointless. */
    for (int i = 0; i < slots && more && result != VS_ERR_NOAUTH &&
                    result != VS_ERR_TRANSPORT;
         i++) {
      vs_query_slot_t *q = &vc->slots[i];
      if (vs_http_busy(vc->session.http, i))
        continue;
      if (!(more = plan_next(vc, &plan, q)))
        break;
      int rc = start_query(vc, q);
      if (rc != VS_OK) {
        result = rc;
        break;
      }
      in_flight++;
    }
    if (in_flight == 0)
      break;
    char err[512];
    int index;
    int rc = vs_http_wait(vc->session.http, &index, err, sizeof(err));
    if (index < 0) { /* nothing completed: the multi handle failed */
      vs_session_error(&vc->session, "QueryPerf", VS_ERR_TRANSPORT,
                       "QueryPerf: %s", err);
      vs_http_cancel_all(vc->session.http);
      for (int i = 0; i < slots; i++) {
        vs_xml_stream_destroy(vc->slots[i].stream);
        vc->slots[i].stream = NULL;
      }
      return VS_ERR_TRANSPORT;
    }
    in_flight--;
    finish_query(vc, &vc->slots[index], rc, err, values);
    if (rc != VS_OK && result != VS_ERR_NOAUTH)
      result = rc;
  }
  return result;
}

static int collect(vs_vcenter_t *vc, size_t *values) {
  int rc;
  if (vc->catalog_login != vc->session.logins &&
      (rc = load_counters(vc)) != VS_OK)
    return rc;
  /* The first inventory comes before anything can be queried; later
   * refreshes come after this interval's samples are out, so that a slow
   * discovery on a large vCenter never delays them. */
  if (!vc->inventory_ready) {
    rc = refresh_inventory(vc);
    if (rc != VS_OK)
      return rc;
  }
  rc = collect_queries(vc, values);
  if (rc == VS_ERR_NOAUTH || vs_monotonic_seconds() < vc->next_inventory_at)
    return rc;
  /* A failed refresh keeps the previous inventory but is reported. */
  int inventory_rc = refresh_inventory(vc);
  return rc != VS_OK ? rc : inventory_rc;
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Self-monitoring: what a cycle cost and what it brought. */
static void dispatch_self(vs_vcenter_t *vc, double wall, double cpu) {
  const vs_http_stats_t *http = vs_http_stats(vc->session.http);
  vs_self_metric_t m[] = {
      {"self_read_cycles", (double)vc->stats.cycles},
      {"self_read_seconds", wall},
      {"self_read_cpu_seconds", cpu},
      {"self_values", (double)vc->stats.last_values},
      {"self_requests", (double)http->requests},
      {"self_bytes_received", (double)http->bytes_received},
      {"self_logins", (double)vc->session.logins},
      {"self_inventory_vms", (double)vc->inventory.per_kind[VS_KIND_VM]},
      {"self_inventory_hosts", (double)vc->inventory.per_kind[VS_KIND_HOST]},
      {"self_errors", (double)vc->stats.errors},
  };
  vs_dispatch_self(vc->cfg.name, m, sizeof(m) / sizeof(m[0]));
}

int vs_vcenter_read(vs_vcenter_t *vc) {
  double wall_start = vs_monotonic_seconds();
  double cpu_start = thread_cpu_seconds();
  size_t values = 0;
  int rc = VS_OK;
  vc->stats.cycles++;
  /* A lost session (expired, vCenter restarted) gets one new login and
   * one retry; samples dispatched before the loss are not sent again. */
  for (int attempt = 0; attempt < 2; attempt++) {
    rc = vs_session_ensure(&vc->session);
    if (rc != VS_OK)
      break;
    rc = collect(vc, &values);
    if (rc != VS_ERR_NOAUTH)
      break;
    INFO("vsphere plugin: vCenter \"%s\": session no longer valid; logging "
         "in again.",
         vc->cfg.name);
  }
  if (rc == VS_ERR_NOAUTH)
    vs_session_error(&vc->session, "session", rc,
                     "vCenter refused the new session too; retrying next "
                     "interval.");
  vc->stats.last_values = values;
  if (rc == VS_OK)
    vs_session_ok(&vc->session);
  else
    vc->stats.errors++;
  dispatch_self(vc, vs_monotonic_seconds() - wall_start,
                thread_cpu_seconds() - cpu_start);
  return 0;
}
