/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_plan.c
 */
#include "vs_plan.h"
#include "vs_naming.h"

#include <stdlib.h>

size_t vs_plan_entities_per_query(int batch_size, int max_metrics,
                                  size_t counters_per_entity) {
  size_t n = batch_size > 0 ? (size_t)batch_size : 1;
  if (counters_per_entity > 0 && max_metrics > 0) {
    size_t by_metrics = (size_t)max_metrics / counters_per_entity;
    if (by_metrics < n)
      n = by_metrics;
  }
  return n > 0 ? n : 1;
}

/* What the order sorts by, with the object's index: qsort's comparator
 * gets no context (qsort_r is not portable). */
typedef struct {
  int host;
  const char *moref;
  size_t index;
} host_key_t;

static int by_host_then_moref(const void *pa, const void *pb) {
  const host_key_t *a = pa, *b = pb;
  if (a->host != b->host)
    return a->host < b->host ? -1 : 1;
  return vs_moref_compare(a->moref, b->moref);
}

int vs_plan_order(const vs_inventory_t *inv, vs_kind_t kind, size_t **order,
                  size_t *num) {
  size_t n = 0, cap = inv->active_per_kind[kind] + 1;
  size_t *o = malloc(cap * sizeof(*o));
  host_key_t *keys = malloc(cap * sizeof(*keys));
  if (o == NULL || keys == NULL) {
    free(o);
    free(keys);
    return -1;
  }
  for (size_t i = 0; i < inv->num && n < inv->active_per_kind[kind]; i++) {
    const vs_object_t *obj = &inv->objects[i];
    if (obj->kind == (int)kind && obj->active)
      keys[n++] = (host_key_t){obj->host, obj->moref, i};
  }
  qsort(keys, n, sizeof(*keys), by_host_then_moref);
  for (size_t i = 0; i < n; i++)
    o[i] = keys[i].index;
  free(keys);
  *order = o;
  *num = n;
  return 0;
}

void vs_plan_walk_begin(vs_plan_walk_t *w, const size_t *order, size_t num,
                        size_t start) {
  w->order = order;
  w->num = num;
  w->start = num > 0 ? start % num : 0;
  w->visited = 0;
}

size_t vs_plan_walk_next(vs_plan_walk_t *w, const vs_inventory_t *inv,
                         size_t *out, size_t max) {
  size_t found = 0;
  const vs_object_t *first = NULL;
  while (found < max && w->visited < w->num) {
    size_t i = w->order[(w->start + w->visited) % w->num];
    const vs_object_t *o = &inv->objects[i];
    /* Objects whose last query timed out go in batches of their own, one
     * ESXi host each: a slow host then costs no other object a sample. An
     * object a fault was about goes alone. */
    if (first != NULL &&
        (o->slow != first->slow || (o->slow && o->host != first->host) ||
         (!o->in_flight && !o->gone && (o->isolated || first->isolated))))
      break;
    w->visited++;
    if (o->in_flight || o->gone)
      continue;
    if (first == NULL)
      first = o;
    out[found++] = i;
  }
  return found;
}

bool vs_plan_walk_done(const vs_plan_walk_t *w) { return w->visited >= w->num; }

size_t vs_plan_walk_next_start(const vs_plan_walk_t *w, size_t batch) {
  if (w->num == 0)
    return 0;
  if (!vs_plan_walk_done(w))
    return (w->start + w->visited) % w->num;
  return (w->start + batch) % w->num;
}

void vs_plan_window(int64_t from_us, bool historical, int64_t first_us,
                    int64_t *start_us, int *max_sample) {
  if (historical) { /* maxSample is ignored for historical statistics */
    *start_us = from_us >= 0 ? from_us : first_us;
    *max_sample = 0;
  } else if (from_us < 0) {
    *start_us = -1;
    *max_sample = 1;
  } else {
    *start_us = from_us;
    *max_sample = VS_REALTIME_MAX_SAMPLES;
  }
}

void vs_plan_order_samples(const int64_t *timestamps, size_t n, size_t *order) {
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    while (j > 0 && timestamps[order[j - 1]] > timestamps[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
}
