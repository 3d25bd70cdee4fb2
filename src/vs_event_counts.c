/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_event_counts.c
 */
#include "vs_event_counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vs_event_counts_init(vs_event_counts_t *c, size_t max) {
  memset(c, 0, sizeof(*c));
  c->max = max;
}

void vs_event_counts_free(vs_event_counts_t *c) {
  free(c->items);
  vs_index_free(&c->index);
  vs_arena_free(&c->strings);
  size_t max = c->max;
  uint64_t refused = c->refused;
  memset(c, 0, sizeof(*c));
  c->max = max;
  c->refused = refused;
}

/* "moref\ntype" into buf (neither holds a newline: vCenter's ids do not,
 * and a cut key would only make two pairs share a count). */
static void pair_key(const char *moref, const char *type, char *buf,
                     size_t size) {
  snprintf(buf, size, "%s\n%s", moref, type);
}

uint64_t vs_event_counts_get(const vs_event_counts_t *c, const char *moref,
                             const char *type) {
  char key[512];
  pair_key(moref, type, key, sizeof(key));
  int i = vs_index_get(&c->index, key);
  return i < 0 ? 0 : c->items[i].count;
}

/* A new pair (count 0), its strings in the arena; -1 if refused. */
static int add_pair(vs_event_counts_t *c, const char *moref, const char *type,
                    const char *key) {
  if (c->num >= c->max)
    return -1;
  if (c->num == c->cap) {
    size_t cap = c->cap;
    vs_event_count_t *items = vs_grow(c->items, &cap, sizeof(*items), 64);
    if (items == NULL)
      return -1;
    c->items = items;
    c->cap = cap;
  }
  vs_event_count_t *it = &c->items[c->num];
  it->moref = vs_arena_strdup(&c->strings, moref);
  it->type = vs_arena_strdup(&c->strings, type);
  it->key = vs_arena_strdup(&c->strings, key);
  it->count = 0;
  if (it->moref == NULL || it->type == NULL || it->key == NULL ||
      vs_index_put(&c->index, it->key, (int)c->num) != 0)
    return -1;
  return (int)c->num++;
}

bool vs_event_counts_add(vs_event_counts_t *c, const char *moref,
                         const char *type) {
  char key[512];
  pair_key(moref, type, key, sizeof(key));
  int i = vs_index_get(&c->index, key);
  if (i < 0)
    i = add_pair(c, moref, type, key);
  if (i < 0) {
    c->refused++;
    return false;
  }
  c->items[i].count++;
  return true;
}

int vs_event_counts_retain(vs_event_counts_t *c,
                           bool (*keep)(void *ctx, const char *moref),
                           void *ctx) {
  vs_event_counts_t kept;
  vs_event_counts_init(&kept, c->max);
  for (size_t i = 0; i < c->num; i++) {
    const vs_event_count_t *it = &c->items[i];
    if (!keep(ctx, it->moref))
      continue;
    int j = add_pair(&kept, it->moref, it->type, it->key);
    if (j < 0) {
      vs_event_counts_free(&kept);
      return -1;
    }
    kept.items[j].count = it->count;
  }
  kept.refused = c->refused;
  vs_event_counts_free(c);
  *c = kept;
  return 0;
}
