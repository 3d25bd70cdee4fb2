/**
 * collectd-vsphere - vs_plan.c
 */
#include "vs_plan.h"

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

size_t vs_plan_next_batch(const vs_inventory_t *inv, vs_kind_t kind,
                          size_t *cursor, size_t *out, size_t max) {
  size_t found = 0;
  size_t i = *cursor;
  for (; i < inv->num && found < max; i++) {
    const vs_object_t *o = &inv->objects[i];
    if (o->kind == kind && o->active)
      out[found++] = i;
  }
  *cursor = i;
  return found;
}

void vs_plan_window(int64_t last_sample_us, int64_t *start_us,
                    int *max_sample) {
  if (last_sample_us < 0) {
    *start_us = -1;
    *max_sample = 1;
  } else {
    *start_us = last_sample_us;
    *max_sample = VS_REALTIME_MAX_SAMPLES;
  }
}

void vs_plan_order_samples(const int64_t *timestamps, size_t n,
                           size_t *order) {
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    while (j > 0 && timestamps[order[j - 1]] > timestamps[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
}
