/**
 * collectd-vsphere - vs_plan.h
 * Query planning: how many entities go into one QueryPerf, which entities
 * come next, and how many samples to ask of each. Pure functions.
 */
#ifndef VS_PLAN_H
#define VS_PLAN_H

#include "vs_inventory.h"

#include <stddef.h>
#include <stdint.h>

/* vCenter keeps one hour of 20 s samples. */
#define VS_REALTIME_MAX_SAMPLES 180

/* Entities per QueryPerf: at most `batch_size`, and few enough that
 * entities x counters stays within `max_metrics` metric ids (vCenter
 * refuses documents over 500,000 elements); at least 1. */
size_t vs_plan_entities_per_query(int batch_size, int max_metrics,
                                  size_t counters_per_entity);

/* Fills `out` with up to `max` indexes of active objects of `kind`, starting
 * the scan at *cursor and advancing it. Returns how many were found. */
size_t vs_plan_next_batch(const vs_inventory_t *inv, vs_kind_t kind,
                          size_t *cursor, size_t *out, size_t max);

/* startTime (exclusive) and maxSample for an entity: the newest sample
 * once one was dispatched (so each sample comes once), else only the
 * latest sample. */
void vs_plan_window(int64_t last_sample_us, int64_t *start_us,
                    int *max_sample);

/* Sorts sample positions oldest first (servers differ in order). */
void vs_plan_order_samples(const int64_t *timestamps, size_t n,
                           size_t *order);

#endif
