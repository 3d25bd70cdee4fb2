/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_series.c
 */
#include "vs_series.h"
#include "vs_util.h"

#include <stdlib.h>
#include <string.h>

void vs_series_table_free(vs_series_table_t *t) {
  free(t->items);
  free(t->names);
  memset(t, 0, sizeof(*t));
}

const char *vs_series_instance(const vs_series_table_t *t,
                               const vs_series_state_t *st) {
  return st->instance == 0 || t->names == NULL ? "" : t->names + st->instance;
}

static int compare(const vs_series_table_t *t, const vs_series_state_t *st,
                   int counter_id, const char *instance) {
  if (st->counter_id != counter_id)
    return st->counter_id < counter_id ? -1 : 1;
  return strcmp(vs_series_instance(t, st), instance);
}

/* Index of the series, or -(insertion point) - 1. */
static long find(const vs_series_table_t *t, int counter_id,
                 const char *instance) {
  long lo = 0, hi = (long)t->num - 1;
  while (lo <= hi) {
    long mid = (lo + hi) / 2;
    int c = compare(t, &t->items[mid], counter_id, instance);
    if (c == 0)
      return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -lo - 1;
}

static int store_name(vs_series_table_t *t, const char *instance,
                      uint32_t *ret) {
  if (instance[0] == 0) {
    *ret = 0;
    return 0;
  }
  size_t len = strlen(instance) + 1;
  if (t->names_len == 0)
    t->names_len = 1; /* names[0] is the empty string */
  if ((size_t)t->names_len + len > UINT32_MAX)
    return -1;
  if (t->names_len + len > t->names_cap) {
    size_t cap = t->names_cap ? t->names_cap : 64;
    while (cap < t->names_len + len)
      cap *= 2;
    char *names = realloc(t->names, cap);
    if (names == NULL)
      return -1;
    names[0] = 0;
    t->names = names;
    t->names_cap = (uint32_t)cap;
  }
  memcpy(t->names + t->names_len, instance, len);
  *ret = t->names_len;
  t->names_len += (uint32_t)len;
  return 0;
}

vs_series_state_t *vs_series_find(vs_series_table_t *t, int counter_id,
                                  const char *instance) {
  long i = find(t, counter_id, instance);
  return i >= 0 ? &t->items[i] : NULL;
}

vs_series_state_t *vs_series_get(vs_series_table_t *t, int counter_id,
                                 const char *instance) {
  long i = find(t, counter_id, instance);
  if (i >= 0)
    return &t->items[i];
  size_t at = (size_t)(-i - 1);
  if (t->num == t->cap) {
    size_t cap = t->cap;
    vs_series_state_t *items = cap < UINT32_MAX / 2
                                   ? vs_grow(t->items, &cap, sizeof(*items), 8)
                                   : NULL;
    if (items == NULL)
      return NULL;
    t->items = items;
    t->cap = (uint32_t)cap;
  }
  uint32_t name;
  if (store_name(t, instance, &name) != 0)
    return NULL;
  memmove(&t->items[at + 1], &t->items[at], (t->num - at) * sizeof(*t->items));
  t->num++;
  t->items[at] = (vs_series_state_t){.counter_id = counter_id,
                                     .instance = name,
                                     .last_us = -1,
                                     .holes = 0,
                                     .sent_lag = VS_SERIES_SENT_NONE};
  return &t->items[at];
}

static uint32_t window_mask(int lookback_slots) {
  if (lookback_slots <= 0)
    return 0;
  if (lookback_slots >= VS_SERIES_MAX_LOOKBACK_SLOTS)
    return UINT32_MAX;
  return (UINT32_C(1) << lookback_slots) - 1;
}

/* The newest slot moved k slots on: the newest dispatched is k further. */
static void sent_moves_back(vs_series_state_t *st, int64_t k) {
  if (st->sent_lag != VS_SERIES_SENT_NONE)
    st->sent_lag =
        (uint8_t)(st->sent_lag + k >= VS_SERIES_SENT_NONE ? VS_SERIES_SENT_NONE
                                                          : st->sent_lag + k);
}

vs_sample_verdict_t vs_series_accept(vs_series_state_t *st, int64_t ts_us,
                                     bool has_value,
                                     const vs_series_policy_t *policy) {
  int64_t step_us = policy->step_us;
  int lookback_slots = policy->lookback_slots;
  int64_t half = step_us / 2;
  if (st->last_us < 0) { /* first sample of the series */
    st->last_us = ts_us;
    st->holes = has_value ? 0 : (window_mask(lookback_slots) & 1);
    st->sent_lag = has_value ? 0 : VS_SERIES_SENT_NONE;
    return has_value ? VS_SAMPLE_DISPATCH : VS_SAMPLE_SKIP;
  }
  int64_t d = ts_us - st->last_us;
  if (d > half) { /* a newer slot: the mask moves along */
    int64_t k = (d + half) / step_us;
    st->holes = k >= 32 ? 0 : st->holes << k;
    if (policy->late && k > 1) /* the slots in between may still come */
      st->holes |= (k >= 32 ? UINT32_MAX : (UINT32_C(1) << k) - 1) & ~1u;
    if (!has_value)
      st->holes |= 1;
    st->holes &= window_mask(lookback_slots);
    st->last_us = ts_us;
    sent_moves_back(st, k);
    if (!has_value)
      return VS_SAMPLE_SKIP;
    st->sent_lag = 0;
    return VS_SAMPLE_DISPATCH;
  }
  /* The newest slot again, or an older one: only a hole may be filled. */
  int64_t i = (half - d) / step_us; /* 0: the newest slot */
  if (!has_value || i < 0 || i >= VS_SERIES_MAX_LOOKBACK_SLOTS ||
      !(st->holes & window_mask(lookback_slots) & (UINT32_C(1) << i)))
    return VS_SAMPLE_SKIP;
  st->holes &= ~(UINT32_C(1) << i);
  if (i < st->sent_lag) { /* newer than anything dispatched: in order */
    st->sent_lag = (uint8_t)i;
    return VS_SAMPLE_DISPATCH;
  }
  return policy->fill_holes ? VS_SAMPLE_DISPATCH : VS_SAMPLE_LATE;
}

int64_t vs_series_query_from(const vs_series_table_t *t, int64_t mark_us,
                             const vs_series_policy_t *policy) {
  int64_t step_us = policy->step_us;
  int lookback_slots = policy->lookback_slots;
  if (mark_us < 0)
    return -1;
  int64_t from = mark_us;
  if (policy->late) /* a series may lag its object: always look back */
    return mark_us - (int64_t)lookback_slots * step_us;
  int64_t oldest = mark_us - (int64_t)lookback_slots * step_us;
  uint32_t mask = window_mask(lookback_slots);
  for (uint32_t i = 0; i < t->num; i++) {
    const vs_series_state_t *st = &t->items[i];
    uint32_t holes = st->holes & mask;
    /* The oldest hole still within the look-back (a series that stopped
     * before the mark may hold older ones beside it). */
    for (int bit = 31; holes != 0 && bit >= 0; bit--) {
      if (!(holes & (UINT32_C(1) << bit)))
        continue;
      int64_t hole_us = st->last_us - (int64_t)bit * step_us;
      if (hole_us <= oldest)
        continue; /* too old to wait for */
      if (hole_us - step_us / 2 < from)
        from = hole_us - step_us / 2; /* startTime is exclusive */
      break;
    }
  }
  return from;
}

size_t vs_series_prune(vs_series_table_t *t, int64_t before_us) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < t->num; i++)
    if (t->items[i].last_us >= before_us)
      t->items[kept++] = t->items[i];
  if (kept == t->num)
    return kept;
  t->num = kept;
  /* Rebuild the names of the series left (same order, so still sorted). */
  char *old = t->names;
  t->names = NULL;
  t->names_len = t->names_cap = 0;
  for (uint32_t i = 0; i < t->num; i++) {
    uint32_t off = t->items[i].instance;
    if (off != 0 && store_name(t, old + off, &t->items[i].instance) != 0)
      t->items[i].instance = 0; /* out of memory: forget the name */
  }
  free(old);
  return kept;
}

size_t vs_series_table_bytes(const vs_series_table_t *t) {
  return (size_t)t->cap * sizeof(*t->items) + t->names_cap;
}
