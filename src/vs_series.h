/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_series.h
 * Per-series sample tracking: for each (counter, instance) of an object,
 * the newest sample slot seen, the newest dispatched, and the recent slots
 * that came as -1 ("no data yet") or were skipped, so that
 *   - every sample is dispatched once, whatever the read interval,
 *   - every series moves forward: a sample older than the newest one
 *     dispatched for its series is not dispatched (writers such as
 *     write_prometheus would expose it, and Prometheus drops it as out of
 *     order), unless FillHoles asks for it (backends that accept
 *     back-fill: Graphite, InfluxDB),
 *   - a -1 filled in later, within the look-back, is dispatched once when
 *     that keeps the series moving forward (or FillHoles is set),
 *   - a response cut short marks only the series it delivered.
 * Time is in microseconds; samples are matched to slots of `step`
 * (20 s realtime), within half a step, because a server may stamp one
 * sample slightly differently in two answers.
 */
#ifndef VS_SERIES_H
#define VS_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most slots a -1 can be filled in (holes are a 32-bit mask). */
#define VS_SERIES_MAX_LOOKBACK_SLOTS 32

/* sent_lag: nothing dispatched within the last 254 slots. */
#define VS_SERIES_SENT_NONE 255

typedef struct {
  int32_t counter_id;
  uint32_t instance; /* offset into the table's names; 0 is "" */
  int64_t last_us;   /* newest slot seen (dispatched, or -1 and a hole) */
  uint32_t holes;    /* bit i: slot last_us - i*step came as -1 */
  uint8_t sent_lag;  /* the newest dispatched is slot last_us - lag*step */
} vs_series_state_t;

typedef struct {
  vs_series_state_t *items; /* sorted by (counter_id, instance text) */
  uint32_t num, cap;
  char *names; /* instance strings, NUL-separated; names[0] = "" */
  uint32_t names_len, names_cap;
} vs_series_table_t;

void vs_series_table_free(vs_series_table_t *t);
const char *vs_series_instance(const vs_series_table_t *t,
                               const vs_series_state_t *st);

/* The state of a series, or NULL if it has none yet. */
vs_series_state_t *vs_series_find(vs_series_table_t *t, int counter_id,
                                  const char *instance);
/* The state of a series, created (empty: last_us -1) if absent. NULL when
 * out of memory. Pointers are valid until the next call. */
vs_series_state_t *vs_series_get(vs_series_table_t *t, int counter_id,
                                 const char *instance);

/* How a kind's samples behave. */
typedef struct {
  int64_t step_us;    /* between two samples: 20 s realtime, 300 s rolled up */
  int lookback_slots; /* how old a hole may still be filled (0: never) */
  /* Historical samples may be posted late, out of order across series:
   * a slot skipped by a newer sample is a hole (it may still come), and
   * every query looks back `lookback_slots` whatever the holes. */
  bool late;
  /* FillHoles: a hole filled in later is dispatched even when a newer
   * sample of its series was dispatched already. */
  bool fill_holes;
} vs_series_policy_t;

typedef enum {
  VS_SAMPLE_SKIP = 0, /* dispatched before, or -1 (no data yet) */
  VS_SAMPLE_DISPATCH,
  VS_SAMPLE_LATE, /* a hole filled in, older than the newest dispatched */
} vs_sample_verdict_t;

/* Decides about one sample of a series (samples oldest first). `has_value`
 * is false for -1. */
vs_sample_verdict_t vs_series_accept(vs_series_state_t *st, int64_t ts_us,
                                     bool has_value,
                                     const vs_series_policy_t *policy);

/* Where the next query of the object must start (exclusive): its newest
 * complete answer `mark_us`, or earlier to cover a hole not older than
 * lookback. -1 if mark_us is -1 (nothing yet: ask for the latest). */
int64_t vs_series_query_from(const vs_series_table_t *t, int64_t mark_us,
                             const vs_series_policy_t *policy);

/* Drops series whose newest slot is older than `before_us` (an instance
 * that went away). Returns how many are left. */
size_t vs_series_prune(vs_series_table_t *t, int64_t before_us);

/* Bytes held by the table (for self-monitoring and sizing). */
size_t vs_series_table_bytes(const vs_series_table_t *t);

#endif
