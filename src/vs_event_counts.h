/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_event_counts.h
 * How many events of each type each object had since the plugin started:
 * the cumulative counters sent as <kind>_events. Bounded: a pair beyond
 * the bound is not counted (and the refusals are), and pairs of objects
 * that left the inventory are dropped at its refresh.
 */
#ifndef VS_EVENT_COUNTS_H
#define VS_EVENT_COUNTS_H

#include "vs_util.h"

#include <stdbool.h>
#include <stdint.h>

#define VS_EVENT_COUNTS_MAX 200000

typedef struct {
  const char *moref; /* "" for the vCenter itself */
  const char *type;
  const char *key; /* the index's key: moref, '\n', type */
  uint64_t count;
} vs_event_count_t;

typedef struct {
  vs_event_count_t *items;
  size_t num, cap;
  size_t max;
  vs_index_t index;
  vs_arena_t strings;
  uint64_t refused; /* events not counted: the bound, or out of memory */
} vs_event_counts_t;

void vs_event_counts_init(vs_event_counts_t *c, size_t max);
void vs_event_counts_free(vs_event_counts_t *c);
/* One more event of `type` on `moref`; false when it could not be counted. */
bool vs_event_counts_add(vs_event_counts_t *c, const char *moref,
                         const char *type);
/* The count of a pair, 0 if none. */
uint64_t vs_event_counts_get(const vs_event_counts_t *c, const char *moref,
                             const char *type);
/* Keeps the pairs for which keep(ctx, moref) is true. Returns 0, or -1
 * when out of memory (everything is then kept). */
int vs_event_counts_retain(vs_event_counts_t *c,
                           bool (*keep)(void *ctx, const char *moref),
                           void *ctx);

#endif
