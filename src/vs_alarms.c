/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_alarms.c
 */
#include "collectd.h"

#include "vs_alarms.h"

#include <stdlib.h>
#include <string.h>

/* Alarms per RetrievePropertiesEx, and retries after a deleted one. */
#define NAMES_CHUNK 500
#define MAX_NOT_FOUND 16

void vs_alarms_init(vs_alarms_t *a) { memset(a, 0, sizeof(*a)); }

void vs_alarms_refresh_names(vs_alarms_t *a) { a->stale = true; }

void vs_alarms_free(vs_alarms_t *a) {
  vs_index_free(&a->by_moref);
  vs_arena_free(&a->strings);
  free(a->names);
  vs_index_free(&a->seen);
  vs_arena_free(&a->seen_keys);
  memset(a, 0, sizeof(*a));
}

const char *vs_alarms_name(const vs_alarms_t *a, const char *moref) {
  int i = vs_index_get(&a->by_moref, moref);
  return i < 0 ? NULL : a->names[i];
}

/* Adds or renames. */
static int put_name(vs_alarms_t *a, const char *moref, const char *name) {
  int i = vs_index_get(&a->by_moref, moref);
  if (i >= 0) {
    if (strcmp(a->names[i], name) == 0)
      return 0;
    const char *n = vs_arena_strdup(&a->strings, name);
    if (n == NULL)
      return -1;
    a->names[i] = n;
    return 0;
  }
  if (a->num == a->cap) {
    size_t cap = a->cap;
    const char **names = vs_grow(a->names, &cap, sizeof(*names), 16);
    if (names == NULL)
      return -1;
    a->names = names;
    a->cap = cap;
  }
  const char *m = vs_arena_strdup(&a->strings, moref);
  const char *n = vs_arena_strdup(&a->strings, name);
  if (m == NULL || n == NULL || vs_index_put(&a->by_moref, m, (int)a->num))
    return -1;
  a->names[a->num++] = n;
  return 0;
}

bool vs_alarm_of(const vs_object_t *o, const char *instance, char *buf,
                 size_t size, bool *acknowledged) {
  const char *entity;
  if (!vs_alarm_instance_parse(instance, buf, size, acknowledged, &entity))
    return false;
  return entity[0] == 0 || strcmp(entity, o->moref) == 0;
}

/* ---- names ---- */

typedef struct {
  vs_alarms_t *a;
  bool failed;
} names_ctx_t;

static void on_alarm(void *ctx, const char *type, const char *moref,
                     const vs_prop_t *props, size_t n) {
  (void)type;
  names_ctx_t *c = ctx;
  const char *name = vs_prop_value(props, n, "info.name", NULL);
  if (name != NULL && name[0] != 0 && put_name(c->a, moref, name) != 0)
    c->failed = true;
}

static int read_chunk(vs_alarms_t *a, vs_session_t *s, const vs_mo_ref_t *objs,
                      size_t n, vs_error_t *err) {
  static const char *const paths[] = {"info.name"};
  vs_prop_spec_t spec = {"Alarm", paths, 1};
  names_ctx_t c = {.a = a};
  vs_prop_page_t *page = malloc(sizeof(*page));
  if (page == NULL)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  vs_prop_page_init(page, on_alarm, &c);
  vs_soap_retrieve_objects(&s->request, &s->sc, objs, n, &spec, 1, (int)n);
  vs_xml_handler_t h = vs_parse_prop_page(page);
  h.expect = "RetrievePropertiesExResponse";
  int rc = vs_session_call(s, &h, err);
  free(page);
  if (rc == VS_OK && c.failed)
    rc = (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  a->reads++;
  return rc;
}

/* The alarms named by selected objects' values, without a name yet (or
 * every one when the names are stale), not yet in `listed`. */
static size_t unnamed(const vs_alarms_t *a, const vs_inventory_t *inv,
                      vs_mo_ref_t *objs, size_t max, vs_index_t *listed,
                      vs_arena_t *keep) {
  size_t n = 0;
  for (size_t i = 0; i < inv->num && n < max; i++) {
    const vs_object_t *o = &inv->objects[i];
    for (uint16_t j = 0; o->selected && j < o->states_num && n < max; j++) {
      char alarm[96];
      bool ack;
      if (!vs_state_is_alarm(o->states[j].type) ||
          !vs_alarm_of(o, o->states[j].instance, alarm, sizeof(alarm), &ack) ||
          (!a->stale && vs_alarms_name(a, alarm) != NULL) ||
          vs_index_get(listed, alarm) >= 0)
        continue;
      const char *m = vs_arena_strdup(keep, alarm);
      if (m == NULL || vs_index_put(listed, m, 1) != 0)
        return n;
      objs[n++] = (vs_mo_ref_t){"Alarm", m};
    }
  }
  return n;
}

int vs_alarms_read_names(vs_alarms_t *a, vs_session_t *s,
                         const vs_inventory_t *inv, vs_error_t *err) {
  vs_error_clear(err);
  vs_mo_ref_t objs[NAMES_CHUNK];
  int rc = VS_OK;
  /* (one `listed` for every round: stale names are asked for once) */
  vs_index_t listed = {0};
  vs_arena_t keep = {0};
  for (int not_found = 0; rc == VS_OK;) {
    size_t n = unnamed(a, inv, objs, NAMES_CHUNK, &listed, &keep);
    if (n > 0)
      rc = read_chunk(a, s, objs, n, err);
    /* A deleted alarm fails the whole call: named by its moref, the
     * others are asked again. */
    bool gone = rc == VS_ERR_FAULT && err->fault == VS_FAULT_NOT_FOUND &&
                err->obj[0] != 0 && not_found++ < MAX_NOT_FOUND;
    if (gone && put_name(a, err->obj, err->obj) == 0)
      rc = VS_OK;
    /* what vCenter did not answer (no privilege on it): its moref */
    for (size_t i = 0; rc == VS_OK && !gone && i < n; i++)
      if (vs_alarms_name(a, objs[i].moref) == NULL &&
          put_name(a, objs[i].moref, objs[i].moref) != 0)
        rc = (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
    if (gone) /* the others of the chunk: asked again */
      for (size_t i = 0; i < n; i++)
        if (strcmp(objs[i].moref, err->obj) != 0)
          vs_index_put(&listed, objs[i].moref, -1);
    if (n == 0 || (!gone && n < NAMES_CHUNK))
      break;
  }
  vs_index_free(&listed);
  vs_arena_free(&keep);
  if (rc == VS_OK)
    a->stale = false;
  return rc;
}

/* ---- transitions ---- */

/* "<object>\n<alarm>" */
static const char *seen_key(vs_arena_t *keys, const char *object,
                            const char *alarm) {
  char key[256];
  snprintf(key, sizeof(key), "%s\n%s", object, alarm);
  return vs_arena_strdup(keys, key);
}

static int record(vs_index_t *ix, vs_arena_t *keys, const char *object,
                  const char *alarm, int packed) {
  const char *k = seen_key(keys, object, alarm);
  return k == NULL || vs_index_put(ix, k, packed) != 0 ? -1 : 0;
}

static void report(vs_alarm_change_cb cb, void *ctx, const vs_object_t *o,
                   const char *alarm, int old, int now) {
  vs_alarm_change_t c = {.object = o,
                         .alarm = alarm,
                         .old_status = old < 0 ? -1 : old / 2,
                         .old_acknowledged = old >= 0 && old % 2,
                         .status = now < 0 ? -1 : now / 2,
                         .acknowledged = now >= 0 && now % 2};
  cb(ctx, &c);
}

/* What the selected objects with state values say now, into `now`. */
static int look_now(const vs_inventory_t *inv, vs_index_t *now,
                    vs_arena_t *keys) {
  for (size_t i = 0; i < inv->num; i++) {
    const vs_object_t *o = &inv->objects[i];
    for (uint16_t j = 0; o->selected && j < o->states_num; j++) {
      char alarm[96];
      bool ack;
      if (vs_state_is_alarm(o->states[j].type) &&
          vs_alarm_of(o, o->states[j].instance, alarm, sizeof(alarm), &ack) &&
          record(now, keys, o->moref, alarm,
                 (int)o->states[j].value * 2 + (ack ? 1 : 0)) != 0)
        return -1;
    }
  }
  return 0;
}

int vs_alarms_look(vs_alarms_t *a, const vs_inventory_t *inv,
                   vs_alarm_change_cb cb, void *ctx) {
  vs_index_t now = {0};
  vs_arena_t keys = {0};
  if (look_now(inv, &now, &keys) != 0)
    goto fail;
  /* what the last look saw and this one does not */
  for (size_t i = 0; i < a->seen.cap; i++) {
    const char *k = a->seen.keys != NULL ? a->seen.keys[i] : NULL;
    if (k == NULL || vs_index_get(&now, k) >= 0)
      continue;
    char object[128];
    const char *nl = strchr(k, '\n');
    snprintf(object, sizeof(object), "%.*s", (int)(nl - k), k);
    const vs_object_t *o = vs_inventory_find(inv, object);
    if (o == NULL || !o->selected)
      continue; /* gone (or no longer collected here): forgotten */
    if (o->states_num == 0) { /* not known now: kept */
      if (record(&now, &keys, object, nl + 1, a->seen.values[i]) != 0)
        goto fail;
      continue;
    }
    if (a->looked)
      report(cb, ctx, o, nl + 1, a->seen.values[i], -1);
  }
  /* new and changed */
  for (size_t i = 0; a->looked && i < now.cap; i++) {
    const char *k = now.keys != NULL ? now.keys[i] : NULL;
    if (k == NULL)
      continue;
    int old = vs_index_get(&a->seen, k);
    if (old == now.values[i])
      continue;
    char object[128];
    const char *nl = strchr(k, '\n');
    snprintf(object, sizeof(object), "%.*s", (int)(nl - k), k);
    const vs_object_t *o = vs_inventory_find(inv, object);
    if (o != NULL)
      report(cb, ctx, o, nl + 1, old, now.values[i]);
  }
  vs_index_free(&a->seen);
  vs_arena_free(&a->seen_keys);
  a->seen = now;
  a->seen_keys = keys;
  a->looked = true;
  return 0;
fail:
  vs_index_free(&now);
  vs_arena_free(&keys);
  return -1;
}
