/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_query.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_plan.h"
#include "vs_query.h"

#include <math.h>

/* Retried sub-batches per read at most (a split needs about 2 log2(n)). */
#define MAX_RETRIES_PER_READ 64
/* A faulted batch brings the next inventory refresh this close. */
#define REFRESH_AFTER_FAULT 30.0

/* A batch waiting to be retried (split after a fault): inventory indexes. */
typedef struct {
  vs_kind_t kind;
  size_t *objects;
  size_t count;
} batch_t;

/* One QueryPerf request in flight: its batch, body and parser. */
typedef struct {
  vs_query_t *owner;
  int index; /* the transport slot */
  vs_kind_t kind;
  size_t *batch; /* inventory indexes; SIZE_MAX: gone with a refresh */
  size_t count, cap;
  vs_buf_t request;
  vs_perf_parser_t parser;
  vs_xml_stream_t *stream;
} slot_t;

struct vs_query_s {
  vs_query_env_t env;
  slot_t *slots;
  size_t slots_num;
  /* Per kind: the active objects in batching order, where the next read
   * starts, and (historical kinds) when they are due again. */
  size_t *order[VS_KIND_NUM];
  size_t order_num[VS_KIND_NUM];
  size_t next_start[VS_KIND_NUM];
  double next_query_at[VS_KIND_NUM];
  batch_t *retries;
  size_t retries_num, retries_cap;
  /* Requests answered in this read and in the one before: a fault is
   * taken to be about one object only while others succeed. */
  uint64_t answered_now, answered_before;
  /* What happened since the last vs_query_run reported it (answers of
   * carried requests may arrive during a control call in between). */
  vs_query_result_t acc;
};

static void result_reset(vs_query_result_t *r) {
  *r = (vs_query_result_t){.refresh_at = INFINITY, .unknown_counter_id = -1};
}

vs_query_t *vs_query_create(const vs_query_env_t *env) {
  vs_query_t *q = calloc(1, sizeof(*q));
  if (q == NULL)
    return NULL;
  q->env = *env;
  result_reset(&q->acc);
  q->slots_num = (size_t)env->transport->slots(env->transport->ctx);
  q->slots = calloc(q->slots_num, sizeof(*q->slots));
  if (q->slots == NULL) {
    vs_query_destroy(q);
    return NULL;
  }
  for (size_t i = 0; i < q->slots_num; i++) {
    slot_t *s = &q->slots[i];
    s->owner = q;
    s->index = (int)i;
    vs_buf_init(&s->request);
    s->cap = (size_t)env->limits->batch_size;
    s->batch = calloc(s->cap, sizeof(*s->batch));
    if (s->batch == NULL) {
      vs_query_destroy(q);
      return NULL;
    }
  }
  return q;
}

static void drop_retries(vs_query_t *q) {
  for (size_t i = 0; i < q->retries_num; i++)
    free(q->retries[i].objects);
  q->retries_num = 0;
}

void vs_query_destroy(vs_query_t *q) {
  if (q == NULL)
    return;
  for (size_t i = 0; q->slots != NULL && i < q->slots_num; i++) {
    vs_buf_free(&q->slots[i].request);
    vs_xml_stream_destroy(q->slots[i].stream);
    free(q->slots[i].batch);
  }
  free(q->slots);
  drop_retries(q);
  free(q->retries);
  for (int k = 0; k < VS_KIND_NUM; k++)
    free(q->order[k]);
  free(q);
}

static vs_object_t *object_at(const vs_query_t *q, size_t index) {
  vs_inventory_t *inv = q->env.inventory;
  return index < inv->num ? &inv->objects[index] : NULL;
}

static void release_batch(vs_query_t *q, slot_t *s) {
  for (size_t i = 0; i < s->count; i++) {
    vs_object_t *o = object_at(q, s->batch[i]);
    if (o != NULL)
      o->in_flight = false;
  }
  s->count = 0;
  vs_xml_stream_destroy(s->stream);
  s->stream = NULL;
}

void vs_query_cancel(vs_query_t *q) {
  q->env.transport->cancel_all(q->env.transport->ctx);
  for (size_t i = 0; i < q->slots_num; i++)
    release_batch(q, &q->slots[i]);
  drop_retries(q);
}

void vs_query_read_begin(vs_query_t *q) {
  q->answered_before = q->answered_now;
  q->answered_now = 0;
  /* An object left out after a fault is tried again when its time is up,
   * whether or not the inventory was read again meanwhile (with the
   * update stream, full passes are hours apart). */
  vs_inventory_t *inv = q->env.inventory;
  double now = vs_monotonic_seconds();
  for (size_t i = 0; i < inv->num; i++)
    if (inv->objects[i].gone && inv->objects[i].gone_until <= now)
      inv->objects[i].gone = false;
}

/* ---- the inventory changes under the requests ---- */

/* The index in the new inventory of the object at `index` in `old`, or
 * SIZE_MAX if it is gone. */
static size_t moved(const vs_query_t *q, const vs_inventory_t *old,
                    size_t index) {
  if (index >= old->num)
    return SIZE_MAX;
  int i = vs_index_get(&q->env.inventory->by_moref, old->objects[index].moref);
  return i < 0 ? SIZE_MAX : (size_t)i;
}

static void remap(vs_query_t *q, const vs_inventory_t *old) {
  for (size_t i = 0; i < q->slots_num; i++) {
    slot_t *s = &q->slots[i];
    for (size_t j = 0; j < s->count; j++) {
      s->batch[j] = moved(q, old, s->batch[j]);
      vs_object_t *o = object_at(q, s->batch[j]);
      if (o != NULL)
        o->in_flight = true;
    }
  }
  for (size_t r = 0; r < q->retries_num; r++) {
    batch_t *b = &q->retries[r];
    size_t kept = 0;
    for (size_t j = 0; j < b->count; j++) {
      size_t k = moved(q, old, b->objects[j]);
      if (k != SIZE_MAX)
        b->objects[kept++] = k;
    }
    b->count = kept;
  }
}

int vs_query_inventory_changed(vs_query_t *q, const vs_inventory_t *old) {
  vs_inventory_t *inv = q->env.inventory;
  remap(q, old);
  double now = vs_monotonic_seconds();
  for (size_t i = 0; i < inv->num; i++)
    inv->objects[i].gone = inv->objects[i].gone_until > now;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    free(q->order[k]);
    q->order[k] = NULL;
    q->order_num[k] = 0;
    if (vs_plan_order(inv, (vs_kind_t)k, &q->order[k], &q->order_num[k]) != 0)
      return -1;
  }
  return 0;
}

/* ---- answers ---- */

/* A counter id the catalog lacks (hosts added later, vSAN ESA hosts):
 * counted; the caller reads the catalog again. */
static void unknown_counter(vs_query_t *q, const vs_series_t *series) {
  if (vs_catalog_find(q->env.catalog, series->counter_id) != NULL)
    return; /* known, not selected: not asked for, ignored */
  q->acc.unknown_values += series->samples;
  if (q->acc.unknown_counter_id < 0)
    q->acc.unknown_counter_id = series->counter_id;
}

static void on_series(void *ctx, const vs_series_t *series) {
  slot_t *s = ctx;
  vs_query_t *q = s->owner;
  vs_object_t *obj = vs_inventory_find(q->env.inventory, series->entity);
  if (obj == NULL || obj->kind != (int)s->kind)
    return; /* not asked for: ignore */
  const vs_selected_counter_t *counter =
      vs_counters_find(&q->env.counters[s->kind], series->counter_id);
  if (counter == NULL) {
    unknown_counter(q, series);
    return;
  }
  q->acc.values +=
      vs_dispatch_series(obj, counter, series, &q->env.params[s->kind]);
}

/* Every series of the entity arrived: its next query starts after this. */
static void on_entity_done(void *ctx, const char *type, const char *entity,
                           int64_t newest_us) {
  (void)type;
  slot_t *s = ctx;
  vs_query_t *q = s->owner;
  vs_object_t *obj = vs_inventory_find(q->env.inventory, entity);
  if (obj == NULL || obj->kind != (int)s->kind)
    return;
  q->acc.entities++;
  obj->slow = false;
  obj->isolated = false;
  if (newest_us > obj->mark_us)
    obj->mark_us = newest_us;
}

/* ---- requests ---- */

static int start_query(vs_query_t *q, slot_t *s, int64_t vcenter_now_us) {
  const vs_query_env_t *env = &q->env;
  const vs_kind_info_t *info = vs_kind_info(s->kind);
  const vs_dispatch_params_t *p = &env->params[s->kind];
  vs_soap_query_perf_begin(&s->request, env->sc);
  /* A historical object's first query looks back from vCenter's "now". */
  int64_t first_us =
      vcenter_now_us - (int64_t)(env->limits->historical_lookback * 1e6);
  for (size_t i = 0; i < s->count; i++) {
    vs_object_t *o = &env->inventory->objects[s->batch[i]];
    int64_t start_us;
    int max_sample;
    vs_plan_window(vs_series_query_from(&o->series, o->mark_us, &p->policy),
                   info->historical, first_us, &start_us, &max_sample);
    vs_soap_query_perf_spec(&s->request, info->mo_type, o->moref, start_us,
                            max_sample, &env->counters[s->kind].metric_ids,
                            info->interval_id);
    o->in_flight = true;
  }
  vs_soap_query_perf_end(&s->request);
  if (s->request.failed)
    return VS_ERR_NOMEM;
  vs_perf_parser_init(&s->parser, on_series, s);
  s->parser.entity_done = on_entity_done;
  vs_xml_handler_t h = vs_parse_perf(&s->parser);
  h.expect = "QueryPerfResponse";
  s->stream = vs_xml_stream_create(&h);
  if (s->stream == NULL)
    return VS_ERR_NOMEM;
  const vs_transport_t *t = env->transport;
  if (t->start(t->ctx, s->index, env->soap_action, s->request.data,
               s->request.len, s->stream,
               (long)(env->limits->query_timeout * 1000.0),
               (long)(env->limits->stall_timeout * 1000.0)) != 0)
    return VS_ERR_TRANSPORT;
  return VS_OK;
}

static bool queue_retry(vs_query_t *q, vs_kind_t kind, const size_t *objects,
                        size_t count) {
  if (count == 0)
    return true;
  if (q->retries_num == q->retries_cap) {
    batch_t *r = vs_grow(q->retries, &q->retries_cap, sizeof(*r), 8);
    if (r == NULL)
      return false;
    q->retries = r;
  }
  size_t *copy = malloc(count * sizeof(*copy));
  if (copy == NULL)
    return false;
  memcpy(copy, objects, count * sizeof(*copy));
  q->retries[q->retries_num++] =
      (batch_t){.kind = kind, .objects = copy, .count = count};
  return true;
}

/* Leaves an object out of queries for a while: a fault was about it. */
static void leave_out(vs_object_t *o, double until) {
  o->gone = true;
  o->gone_until = until;
  o->isolated = true; /* when it comes back: alone first */
}

/* The policy's ISOLATE: a fault about one object (deleted, its host
 * unreachable, or anything vCenter cannot answer for it) fails the whole
 * call. Retry without the object the fault names, or, when it names none,
 * in halves until the object is alone; that object is left out for a
 * while, then queried alone. A fault of the whole vCenter must not take
 * the objects out one by one: a batch is split only while other requests
 * succeed (in this read or the last), an object left out only when others
 * succeed in this read (a fault that names its object needs no evidence).
 * Bounded per read by MAX_RETRIES_PER_READ. */
static void isolate(vs_query_t *q, slot_t *s, const vs_error_t *err) {
  vs_object_t *named =
      err->obj[0] ? vs_inventory_find(q->env.inventory, err->obj) : NULL;
  bool about_an_object = named != NULL || err->fault == VS_FAULT_NOT_FOUND ||
                         err->fault == VS_FAULT_HOST_NOT_CONNECTED;
  if (!about_an_object && q->answered_now + q->answered_before == 0)
    return; /* vCenter-wide, it seems: the next read tries again */
  double until = vs_monotonic_seconds() + q->env.limits->left_out;
  size_t left = 0;
  for (size_t i = 0; i < s->count; i++) {
    vs_object_t *o = object_at(q, s->batch[i]);
    if (o == NULL)
      continue; /* gone with a refresh */
    o->in_flight = false;
    if (o == named)
      leave_out(o, until);
    else
      s->batch[left++] = s->batch[i];
  }
  if (named != NULL && left < s->count)
    queue_retry(q, s->kind, s->batch, left);
  else if (left == 1 && (about_an_object || q->answered_now > 0))
    leave_out(object_at(q, s->batch[0]), until);
  else if (left > 1) {
    size_t half = left / 2;
    queue_retry(q, s->kind, s->batch, half);
    queue_retry(q, s->kind, s->batch + half, left - half);
  }
  s->count = 0;
}

/* Metric ids one QueryPerf of a kind may carry: the SOAP bound for
 * realtime data; vCenter's config.vpxd.stats.maxQueryMetrics for rolled-up
 * data; for clusters at most VS_CLUSTER_MAX_METRICS besides, as vCenter
 * computes their statistics on the fly. */
static int query_metrics_bound(const vs_query_t *q, int kind) {
  int bound = q->env.limits->max_metrics;
  if (!vs_kind_info((vs_kind_t)kind)->historical)
    return bound;
  int vcenter = *q->env.historical_max_metrics;
  if (vcenter > 0 && vcenter < bound)
    bound = vcenter;
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

static void plan_begin(vs_query_t *q, plan_t *p, double now) {
  *p = (plan_t){.kind = 0, .retries_left = MAX_RETRIES_PER_READ};
  for (int k = 0; k < VS_KIND_NUM; k++) {
    p->due[k] = now >= q->next_query_at[k];
    p->per_query[k] = vs_plan_entities_per_query(q->env.limits->batch_size,
                                                 query_metrics_bound(q, k),
                                                 q->env.counters[k].num);
    vs_plan_walk_begin(&p->walk[k], q->order[k], q->order_num[k],
                       q->next_start[k]);
  }
}

/* Where the next read starts; historical kinds again in a while, once
 * every object was asked. */
static void plan_end(vs_query_t *q, const plan_t *p, double now) {
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (!p->due[k])
      continue;
    q->next_start[k] = vs_plan_walk_next_start(&p->walk[k], p->per_query[k]);
    if (vs_kind_info((vs_kind_t)k)->historical &&
        vs_plan_walk_done(&p->walk[k]))
      q->next_query_at[k] = now + VS_HISTORICAL_QUERY_INTERVAL;
  }
}

static bool next_retry(vs_query_t *q, plan_t *p, slot_t *s) {
  while (q->retries_num > 0 && p->retries_left > 0) {
    batch_t r = q->retries[--q->retries_num];
    p->retries_left--;
    s->kind = r.kind;
    s->count = 0;
    for (size_t i = 0; i < r.count && s->count < s->cap; i++) {
      const vs_object_t *o = object_at(q, r.objects[i]);
      if (o != NULL && !o->in_flight && !o->gone)
        s->batch[s->count++] = r.objects[i];
    }
    free(r.objects);
    if (s->count > 0)
      return true;
  }
  return false;
}

static bool next_batch(vs_query_t *q, plan_t *p, slot_t *s) {
  if (next_retry(q, p, s))
    return true;
  for (; p->kind < VS_KIND_NUM; p->kind++) {
    if (q->env.counters[p->kind].num == 0 || !p->due[p->kind])
      continue;
    s->kind = (vs_kind_t)p->kind;
    size_t max =
        p->per_query[p->kind] < s->cap ? p->per_query[p->kind] : s->cap;
    s->count =
        vs_plan_walk_next(&p->walk[p->kind], q->env.inventory, s->batch, max);
    if (s->count > 0)
      return true;
  }
  return false;
}

/* What the policy says about a request that failed, done. */
static void act_on_failure(vs_query_t *q, slot_t *s, const vs_error_t *err) {
  unsigned act = vs_fault_actions(err);
  const char *kind = vs_kind_info(s->kind)->name;
  q->acc.failed++;
  vs_log_error(q->env.log, "QueryPerf", err,
               "QueryPerf for %zu %s objects failed: %s%s", s->count, kind,
               err->text,
               (act & VS_ACT_ISOLATE)
                   ? "; finding the object it is about (the others are "
                     "asked again)."
                   : "");
  double soon = (act & VS_ACT_REFRESH_NOW) ? 0
                : (act & VS_ACT_REFRESH_SOON)
                    ? vs_monotonic_seconds() + REFRESH_AFTER_FAULT
                    : INFINITY;
  if (soon < q->acc.refresh_at)
    q->acc.refresh_at = soon;
  if (act & VS_ACT_BATCH_APART)
    for (size_t i = 0; i < s->count; i++) {
      vs_object_t *o = object_at(q, s->batch[i]);
      if (o != NULL)
        o->slow = true;
    }
  if (act & VS_ACT_ISOLATE)
    isolate(q, s, err);
}

/* A request ended: VS_OK, or its error (acted on here unless it is a lost
 * session, which the caller handles). */
static int finish(vs_query_t *q, slot_t *s, int rc, const vs_error_t *err) {
  if (rc == VS_OK) {
    q->answered_now++;
    q->acc.answered++;
  } else if (rc != VS_ERR_NOAUTH) {
    act_on_failure(q, s, err);
  }
  release_batch(q, s);
  return rc;
}

/* Fills the idle slots while there is time. */
static int fill_slots(vs_query_t *q, plan_t *p, double deadline,
                      int64_t vcenter_now_us) {
  const vs_transport_t *t = q->env.transport;
  for (size_t i = 0; i < q->slots_num; i++) {
    slot_t *s = &q->slots[i];
    if (t->busy(t->ctx, s->index))
      continue;
    if (vs_monotonic_seconds() >= deadline || !next_batch(q, p, s))
      break;
    int rc = start_query(q, s, vcenter_now_us);
    if (rc != VS_OK) {
      vs_error_t e;
      vs_error_clear(&e);
      vs_error_set(&e, rc, "cannot start a request");
      vs_log_error(q->env.log, "QueryPerf", &e,
                   "QueryPerf: cannot start a request.");
      release_batch(q, s);
      return rc;
    }
  }
  return VS_OK;
}

static void report(vs_query_t *q, vs_query_result_t *out) {
  const vs_transport_t *t = q->env.transport;
  *out = q->acc;
  out->carried = (size_t)t->in_flight(t->ctx);
  result_reset(&q->acc);
}

int vs_query_run(vs_query_t *q, double deadline, int64_t vcenter_now_us,
                 vs_query_result_t *out) {
  const vs_transport_t *t = q->env.transport;
  double now = vs_monotonic_seconds();
  plan_t p;
  plan_begin(q, &p, now);
  int result = VS_OK;
  for (;;) {
    int rc = fill_slots(q, &p, deadline, vcenter_now_us);
    if (rc != VS_OK)
      result = rc;
    if (t->in_flight(t->ctx) == 0)
      break;
    long wait_ms = (long)((deadline - vs_monotonic_seconds()) * 1000.0);
    if (wait_ms <= 0)
      break; /* the rest stays in flight for the next read */
    vs_error_t err;
    int slot;
    rc = t->wait(t->ctx, &slot, wait_ms, &err);
    if (rc == VS_TRANSPORT_PENDING)
      break;
    if (slot < 0) { /* nothing completed: the transport itself failed */
      vs_log_error(q->env.log, "QueryPerf", &err, "QueryPerf: %s", err.text);
      vs_query_cancel(q);
      result = rc;
      break;
    }
    rc = finish(q, &q->slots[slot], rc, &err);
    if (rc == VS_ERR_NOAUTH) {
      vs_query_cancel(q);
      q->acc.session_lost = true;
      q->acc.suspect = err.suspect;
      report(q, out);
      return VS_ERR_NOAUTH;
    }
    if (rc != VS_OK)
      result = rc;
  }
  plan_end(q, &p, now);
  report(q, out);
  return result;
}
