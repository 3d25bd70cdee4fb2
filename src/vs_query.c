/**
 * collectd-vsphere - vs_query.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_dispatch.h"
#include "vs_plan.h"
#include "vs_query.h"

#include <curl/curl.h>
#include <math.h>

/* Retried sub-batches per read at most (a split needs about 2 log2(n)). */
#define MAX_RETRIES_PER_READ 64
/* An object a fault was about is left out of queries this long at most. */
#define MAX_LEFT_OUT 300.0
/* A faulted batch brings the next inventory refresh this close. */
#define REFRESH_AFTER_FAULT 30.0

/* One QueryPerf request in flight: its batch, body and parser. */
struct vs_query_slot_s {
  vs_vcenter_t *vc;
  int index;
  vs_kind_t kind;
  size_t *batch; /* inventory indexes */
  size_t count, cap;
  size_t values;
  vs_buf_t request;
  vs_perf_parser_t parser;
  vs_xml_stream_t *stream;
};

int vs_query_init(vs_vcenter_t *vc) {
  vc->slots_num = (size_t)vs_http_slots(vc->session.http);
  vc->slots = calloc(vc->slots_num, sizeof(*vc->slots));
  if (vc->slots == NULL)
    return -1;
  for (size_t i = 0; i < vc->slots_num; i++) {
    vs_query_slot_t *q = &vc->slots[i];
    q->vc = vc;
    q->index = (int)i;
    vs_buf_init(&q->request);
    q->cap = (size_t)vc->cfg.query_batch_size;
    q->batch = calloc(q->cap, sizeof(*q->batch));
    if (q->batch == NULL)
      return -1;
  }
  return 0;
}

static void drop_retries(vs_vcenter_t *vc) {
  for (size_t i = 0; i < vc->retries_num; i++)
    free(vc->retries[i].objects);
  vc->retries_num = 0;
}

void vs_query_free(vs_vcenter_t *vc) {
  for (size_t i = 0; vc->slots != NULL && i < vc->slots_num; i++) {
    vs_buf_free(&vc->slots[i].request);
    vs_xml_stream_destroy(vc->slots[i].stream);
    free(vc->slots[i].batch);
  }
  free(vc->slots);
  vc->slots = NULL;
  drop_retries(vc);
  free(vc->retries);
  vc->retries = NULL;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    free(vc->order[k]);
    vc->order[k] = NULL;
    vc->order_num[k] = 0;
  }
}

static void release_batch(vs_vcenter_t *vc, vs_query_slot_t *q) {
  for (size_t i = 0; i < q->count; i++)
    if (q->batch[i] < vc->inventory.num)
      vc->inventory.objects[q->batch[i]].in_flight = false;
  q->count = 0;
  vs_xml_stream_destroy(q->stream);
  q->stream = NULL;
}

void vs_query_cancel(vs_vcenter_t *vc) {
  vs_http_cancel_all(vc->session.http);
  for (size_t i = 0; i < vc->slots_num; i++)
    release_batch(vc, &vc->slots[i]);
  drop_retries(vc);
}

bool vs_query_idle(const vs_vcenter_t *vc) {
  return vs_http_in_flight(vc->session.http) == 0;
}

/* The index in `vc->inventory` of the object at `index` in `old`, or
 * SIZE_MAX if it is gone. */
static size_t moved(const vs_vcenter_t *vc, const vs_inventory_t *old,
                    size_t index) {
  if (index >= old->num)
    return SIZE_MAX;
  int i = vs_index_get(&vc->inventory.by_moref, old->objects[index].moref);
  return i < 0 ? SIZE_MAX : (size_t)i;
}

void vs_query_remap(vs_vcenter_t *vc, const vs_inventory_t *old) {
  for (size_t i = 0; i < vc->slots_num; i++) {
    vs_query_slot_t *q = &vc->slots[i];
    for (size_t j = 0; j < q->count; j++) {
      q->batch[j] = moved(vc, old, q->batch[j]);
      if (q->batch[j] != SIZE_MAX)
        vc->inventory.objects[q->batch[j]].in_flight = true;
    }
  }
  for (size_t r = 0; r < vc->retries_num; r++) {
    vs_batch_t *b = &vc->retries[r];
    size_t kept = 0;
    for (size_t j = 0; j < b->count; j++) {
      size_t k = moved(vc, old, b->objects[j]);
      if (k != SIZE_MAX)
        b->objects[kept++] = k;
    }
    b->count = kept;
  }
}

int vs_query_replan(vs_vcenter_t *vc) {
  double now = vs_monotonic_seconds();
  for (size_t i = 0; i < vc->inventory.num; i++) {
    vs_object_t *o = &vc->inventory.objects[i];
    o->gone = o->gone_until > now;
  }
  for (int k = 0; k < VS_KIND_NUM; k++) {
    free(vc->order[k]);
    vc->order[k] = NULL;
    vc->order_num[k] = 0;
    if (vs_plan_order(&vc->inventory, (vs_kind_t)k, &vc->order[k],
                      &vc->order_num[k]) != 0)
      return -1;
  }
  return 0;
}

/* ---- answers ---- */

/* A counter id the catalog lacks (hosts added later, vSAN ESA hosts):
 * counted, and the catalog is read again after the queries. */
static void unknown_counter(vs_vcenter_t *vc, const vs_series_t *series) {
  if (vs_catalog_find(&vc->catalog, series->counter_id) != NULL)
    return; /* known, not selected: not asked for, ignored */
  vc->stats.unknown_values += series->samples;
  if (!vc->catalog_stale) {
    vc->catalog_stale = true;
    vc->catalog_unknown_id = series->counter_id;
  }
}

static void on_series(void *ctx, const vs_series_t *series) {
  vs_query_slot_t *q = ctx;
  vs_vcenter_t *vc = q->vc;
  vs_object_t *obj = vs_inventory_find(&vc->inventory, series->entity);
  const vs_selected_counter_t *counter =
      vs_counters_find(&vc->counters[q->kind], series->counter_id);
  if (obj == NULL || obj->kind != (int)q->kind)
    return; /* not asked for: ignore */
  if (counter == NULL) {
    unknown_counter(vc, series);
    return;
  }
  q->values += vs_dispatch_series(&vc->inventory, obj, counter, series,
                                  &vc->params[q->kind]);
}

/* Every series of the entity arrived: its next query starts after this. */
static void on_entity_done(void *ctx, const char *type, const char *entity,
                           int64_t newest_us) {
  (void)type;
  vs_query_slot_t *q = ctx;
  vs_object_t *obj = vs_inventory_find(&q->vc->inventory, entity);
  if (obj == NULL || obj->kind != (int)q->kind)
    return;
  q->vc->stats.read_entities++;
  obj->slow = false;
  obj->isolated = false;
  if (newest_us > obj->mark_us)
    obj->mark_us = newest_us;
}

/* ---- requests ---- */

static int start_query(vs_vcenter_t *vc, vs_query_slot_t *q) {
  vs_session_t *s = &vc->session;
  const vs_kind_info_t *info = vs_kind_info(q->kind);
  const vs_dispatch_params_t *p = &vc->params[q->kind];
  vs_soap_query_perf_begin(&q->request, &s->sc);
  /* A historical object's first query looks back from vCenter's "now". */
  int64_t first_us = vs_session_vcenter_now_us(s) -
                     (int64_t)(vc->cfg.historical_lookback * 1e6);
  for (size_t i = 0; i < q->count; i++) {
    vs_object_t *o = &vc->inventory.objects[q->batch[i]];
    int64_t start_us;
    int max_sample;
    vs_plan_window(vs_series_query_from(&o->series, o->mark_us, &p->policy),
                   info->historical, first_us, &start_us, &max_sample);
    vs_soap_query_perf_spec(&q->request, info->mo_type,
                            vs_inv_str(&vc->inventory, o->moref), start_us,
                            max_sample, &vc->counters[q->kind].metric_ids,
                            info->interval_id);
    o->in_flight = true;
  }
  vs_soap_query_perf_end(&q->request);
  if (q->request.failed)
    return VS_ERR_NOMEM;
  q->values = 0;
  vs_perf_parser_init(&q->parser, on_series, q);
  q->parser.entity_done = on_entity_done;
  vs_xml_handler_t h = vs_parse_perf(&q->parser);
  h.expect = "QueryPerfResponse";
  q->stream = vs_xml_stream_create(&h);
  if (q->stream == NULL)
    return VS_ERR_NOMEM;
  if (vs_http_start(s->http, q->index, s->soap_action, q->request.data,
                    q->request.len, q->stream,
                    (long)(vc->cfg.query_timeout * 1000.0),
                    (long)(vc->cfg.stall_timeout * 1000.0)) != 0)
    return VS_ERR_TRANSPORT;
  return VS_OK;
}

static bool queue_retry(vs_vcenter_t *vc, vs_kind_t kind,
                        const size_t *objects, size_t count) {
  if (count == 0)
    return true;
  if (vc->retries_num == vc->retries_cap) {
    size_t cap = vc->retries_cap ? vc->retries_cap * 2 : 8;
    vs_batch_t *r = realloc(vc->retries, cap * sizeof(*r));
    if (r == NULL)
      return false;
    vc->retries = r;
    vc->retries_cap = cap;
  }
  size_t *copy = malloc(count * sizeof(*copy));
  if (copy == NULL)
    return false;
  memcpy(copy, objects, count * sizeof(*copy));
  vc->retries[vc->retries_num++] =
      (vs_batch_t){.kind = kind, .objects = copy, .count = count};
  return true;
}

/* Leaves an object out of queries for a while: a fault was about it. */
static void leave_out(vs_object_t *o, double until) {
  o->gone = true;
  o->gone_until = until;
  o->isolated = true; /* when it comes back: alone first */
}

/* A fault about one object (deleted, its host unreachable, or anything
 * vCenter cannot answer for it) fails the whole call. Retry without the
 * object the fault names, or, when it names none, in halves until the
 * object is alone; that object is left out for a while, then queried
 * alone. A fault of the whole vCenter must not take the objects out one
 * by one: a batch is split only while other queries succeed (in this read
 * or the last), an object left out only when others succeed in this
 * read. Bounded per read by MAX_RETRIES_PER_READ. */
static void isolate_fault(vs_vcenter_t *vc, vs_query_slot_t *q,
                          const vs_error_t *err) {
  bool about_an_object = err->fault == VS_FAULT_NOT_FOUND ||
                         err->fault == VS_FAULT_HOST_NOT_CONNECTED;
  bool others_work = vc->stats.queries_ok + vc->stats.queries_ok_before > 0;
  bool others_work_now = vc->stats.queries_ok > 0;
  /* Look again: now for a deleted object, soon for anything else. */
  double soon = err->fault == VS_FAULT_NOT_FOUND
                    ? 0
                    : vs_monotonic_seconds() + REFRESH_AFTER_FAULT;
  if (vc->next_inventory_at > soon)
    vc->next_inventory_at = soon;
  if (!about_an_object && !others_work)
    return; /* the next read tries again */
  vs_object_t *named =
      err->obj[0] ? vs_inventory_find(&vc->inventory, err->obj) : NULL;
  /* Left out until the regular discovery, even if a refresh still lists
   * it: vCenter says the same of a VM still being created. */
  double until = vs_monotonic_seconds() + fmin(vc->cfg.inventory_interval,
                                               MAX_LEFT_OUT);
  size_t left = 0;
  for (size_t i = 0; i < q->count; i++) {
    if (q->batch[i] >= vc->inventory.num)
      continue; /* gone with a refresh */
    vs_object_t *o = &vc->inventory.objects[q->batch[i]];
    o->in_flight = false;
    if (o == named)
      leave_out(o, until);
    else
      q->batch[left++] = q->batch[i];
  }
  if (named != NULL && left < q->count) {
    queue_retry(vc, q->kind, q->batch, left);
  } else if (left == 1) {
    if (about_an_object || others_work_now)
      leave_out(&vc->inventory.objects[q->batch[0]], until);
  } else if (left > 1) {
    size_t half = left / 2;
    queue_retry(vc, q->kind, q->batch, half);
    queue_retry(vc, q->kind, q->batch + half, left - half);
  }
  q->count = 0;
}

static bool timed_out(const vs_error_t *err) {
  return err->rc == VS_ERR_TRANSPORT &&
         (err->code == CURLE_OPERATION_TIMEDOUT ||
          err->code == CURLE_ABORTED_BY_CALLBACK);
}

/* Metric ids one QueryPerf of a kind may carry: the SOAP bound for
 * realtime data; vCenter's config.vpxd.stats.maxQueryMetrics for rolled-up
 * data; for clusters at most VS_CLUSTER_MAX_METRICS besides, as vCenter
 * computes their statistics on the fly. */
static int query_metrics_bound(const vs_vcenter_t *vc, int kind) {
  int bound = vc->cfg.max_query_metrics;
  if (!vs_kind_info((vs_kind_t)kind)->historical)
    return bound;
  if (vc->historical_max_metrics > 0 && vc->historical_max_metrics < bound)
    bound = vc->historical_max_metrics;
  if (kind == VS_KIND_CLUSTER && bound > VS_CLUSTER_MAX_METRICS)
    bound = VS_CLUSTER_MAX_METRICS;
  return bound;
}

/* What a read plans: first the retries, then the rotating walks. */
typedef struct {
  bool due[VS_KIND_NUM]; /* kinds to query in this read */
  int kind;
  vs_plan_walk_t walk[VS_KIND_NUM];
  size_t per_query[VS_KIND_NUM];
  int retries_left;
} plan_t;

static bool next_batch(vs_vcenter_t *vc, plan_t *p, vs_query_slot_t *q) {
  while (vc->retries_num > 0 && p->retries_left > 0) {
    vs_batch_t r = vc->retries[--vc->retries_num];
    p->retries_left--;
    q->kind = r.kind;
    q->count = 0;
    for (size_t i = 0; i < r.count && q->count < q->cap; i++) {
      const vs_object_t *o = &vc->inventory.objects[r.objects[i]];
      if (!o->in_flight && !o->gone)
        q->batch[q->count++] = r.objects[i];
    }
    free(r.objects);
    if (q->count > 0)
      return true;
  }
  for (; p->kind < VS_KIND_NUM; p->kind++) {
    if (vc->counters[p->kind].num == 0 || !p->due[p->kind])
      continue;
    q->kind = (vs_kind_t)p->kind;
    size_t max = p->per_query[p->kind] < q->cap ? p->per_query[p->kind] : q->cap;
    q->count = vs_plan_walk_next(&p->walk[p->kind], &vc->inventory, q->batch,
                                 max);
    if (q->count > 0)
      return true;
  }
  return false;
}

/* Returns VS_OK, or the error of the request (logged here unless it is
 * a lost session, which the caller handles). */
static int finish_query(vs_vcenter_t *vc, vs_query_slot_t *q, int rc,
                        const vs_error_t *err, size_t *values) {
  *values += q->values;
  if (rc == VS_OK)
    vc->stats.queries_ok++;
  if (rc == VS_OK || rc == VS_ERR_NOAUTH) {
    release_batch(vc, q);
    return rc;
  }
  vc->stats.query_errors++;
  const char *kind = vs_kind_info(q->kind)->name;
  if (rc == VS_ERR_FAULT) {
    vs_session_error(&vc->session, "QueryPerf", err,
                     "QueryPerf for %zu %s objects failed: %s; finding the "
                     "object it is about (the others are asked again).",
                     q->count, kind, err->text);
    isolate_fault(vc, q, err);
  } else {
    if (timed_out(err))
      for (size_t i = 0; i < q->count; i++)
        if (q->batch[i] < vc->inventory.num)
          vc->inventory.objects[q->batch[i]].slow = true;
    vs_session_error(&vc->session, "QueryPerf", err,
                     "QueryPerf for %zu %s objects failed: %s", q->count,
                     kind, err->text);
  }
  release_batch(vc, q);
  return rc;
}

int vs_query_collect(vs_vcenter_t *vc, double deadline, size_t *values) {
  plan_t p = {.kind = 0, .retries_left = MAX_RETRIES_PER_READ};
  double now = vs_monotonic_seconds();
  for (int k = 0; k < VS_KIND_NUM; k++) {
    p.due[k] = now >= vc->next_query_at[k];
    p.per_query[k] = vs_plan_entities_per_query(vc->cfg.query_batch_size,
                                                query_metrics_bound(vc, k),
                                                vc->counters[k].num);
    vs_plan_walk_begin(&p.walk[k], vc->order[k], vc->order_num[k],
                       vc->next_start[k]);
  }
  vs_http_t *http = vc->session.http;
  int result = VS_OK;
  for (;;) {
    /* Fill the idle slots while there is time. */
    for (size_t i = 0; i < vc->slots_num; i++) {
      vs_query_slot_t *q = &vc->slots[i];
      if (vs_http_busy(http, q->index))
        continue;
      if (vs_monotonic_seconds() >= deadline || !next_batch(vc, &p, q))
        break;
      int rc = start_query(vc, q);
      if (rc != VS_OK) {
        vs_error_t e;
        vs_error_clear(&e);
        vs_error_set(&e, rc, "cannot start a request");
        vs_session_error(&vc->session, "QueryPerf", &e,
                         "QueryPerf: cannot start a request.");
        release_batch(vc, q);
        result = rc;
        break;
      }
    }
    if (vs_http_in_flight(http) == 0)
      break;
    long wait_ms = (long)((deadline - vs_monotonic_seconds()) * 1000.0);
    if (wait_ms <= 0)
      break; /* the rest stays in flight for the next read */
    vs_error_t err;
    int slot;
    int rc = vs_http_wait(http, &slot, wait_ms, &err);
    if (rc == VS_HTTP_PENDING)
      break;
    if (slot < 0) { /* nothing completed: the multi handle failed */
      vs_session_error(&vc->session, "QueryPerf", &err, "QueryPerf: %s",
                       err.text);
      vs_query_cancel(vc);
      result = rc;
      break;
    }
    rc = finish_query(vc, &vc->slots[slot], rc, &err, values);
    if (rc == VS_ERR_NOAUTH) {
      vs_query_cancel(vc);
      vs_session_lost(&vc->session, err.suspect);
      return VS_ERR_NOAUTH;
    }
    if (rc != VS_OK)
      result = rc;
  }
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!p.due[k])
      continue;
    vc->next_start[k] = vs_plan_walk_next_start(&p.walk[k], p.per_query[k]);
    /* Historical data again in a while, once every object was asked. */
    if (vs_kind_info((vs_kind_t)k)->historical &&
        vs_plan_walk_done(&p.walk[k]))
      vc->next_query_at[k] = now + VS_HISTORICAL_QUERY_INTERVAL;
  }
  vc->stats.carried = (uint64_t)vs_http_in_flight(http);
  return result;
}
