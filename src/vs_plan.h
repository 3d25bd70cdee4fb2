/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_plan.h
 * Query planning: how many entities go into one QueryPerf, in what order
 * entities are batched (grouped by ESXi host, so that one slow host slows
 * only the batches of its own objects), where each read starts (rotating),
 * and how many samples to ask of each. Pure functions.
 */
#ifndef VS_PLAN_H
#define VS_PLAN_H

#include "vs_inventory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* vCenter keeps one hour of 20 s samples. */
#define VS_REALTIME_MAX_SAMPLES 180

/* Entities per QueryPerf: at most `batch_size`, and few enough that
 * entities x counters stays within `max_metrics` metric ids (vCenter
 * refuses documents over 500,000 elements); at least 1. */
size_t vs_plan_entities_per_query(int batch_size, int max_metrics,
                                  size_t counters_per_entity);

/* The active objects of a kind, in batching order: by ESXi host, then by
 * moref. Fills a malloc'ed array (freed by the caller). Returns -1 when
 * out of memory. */
int vs_plan_order(const vs_inventory_t *inv, vs_kind_t kind, size_t **order,
                  size_t *num);

/* A walk over a kind's order starting at a rotating position; each read
 * visits every object once at most. */
typedef struct {
  const size_t *order;
  size_t num;
  size_t start;   /* where this read started */
  size_t visited; /* positions walked so far */
} vs_plan_walk_t;

void vs_plan_walk_begin(vs_plan_walk_t *w, const size_t *order, size_t num,
                        size_t start);
/* Fills `out` with up to `max` objects that are neither in flight nor
 * gone, advancing the walk; slow objects (their last query timed out)
 * only share a batch with slow objects of their own host. Returns how
 * many. */
size_t vs_plan_walk_next(vs_plan_walk_t *w, const vs_inventory_t *inv,
                         size_t *out, size_t max);
bool vs_plan_walk_done(const vs_plan_walk_t *w);
/* Where the next read starts: where this one stopped if it did not get
 * through, else one batch further than this one started (so that the
 * batch that comes first, and the composition of batches, rotates). */
size_t vs_plan_walk_next_start(const vs_plan_walk_t *w, size_t batch);

/* startTime (exclusive) and maxSample (0: none) for an entity whose next
 * query starts at `from_us` (vs_series_query_from): every sample after it;
 * when nothing was collected yet (-1), realtime asks for the latest sample
 * only, historical from `first_us` (vCenter's clock minus the look-back):
 * vCenter ignores maxSample for historical intervals and would answer a
 * query without startTime with everything it keeps (a day at 300 s). */
void vs_plan_window(int64_t from_us, bool historical, int64_t first_us,
                    int64_t *start_us, int *max_sample);

/* Sorts sample positions oldest first (servers differ in order). */
void vs_plan_order_samples(const int64_t *timestamps, size_t n, size_t *order);

#endif
