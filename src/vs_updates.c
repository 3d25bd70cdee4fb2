/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_updates.c
 */
#include "collectd.h"

#include "utils/common/common.h"
#include "vs_updates.h"

#include <stdlib.h>
#include <string.h>

/* Bound of the update sets read in one call. */
#define MAX_SETS 100000

void vs_updates_init(vs_updates_t *u) { memset(u, 0, sizeof(*u)); }

static void clear_changes(vs_updates_t *u) {
  vs_index_free(&u->modified);
  vs_index_free(&u->left);
  vs_arena_free(&u->refs);
  u->mod_num = 0;
}

bool vs_updates_live(const vs_updates_t *u, const vs_session_t *s) {
  return u->collector[0] != 0 && s->logged_in && u->login == s->logins;
}

/* Destroying the collector destroys its filter; the view is apart. */
static void destroy_remote(vs_updates_t *u, vs_session_t *s) {
  if (!vs_updates_live(u, s))
    return; /* a session that ended took them with it */
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "DestroyPropertyCollectorResponse"};
  vs_soap_destroy_property_collector(&s->request, u->collector);
  if (vs_session_call(s, &none, &err) == VS_ERR_NOAUTH)
    return;
  if (u->view[0] != 0)
    vs_inventory_destroy_view(s, u->view);
}

static void clear_forced(vs_updates_t *u) {
  vs_arena_free(&u->forced_strings);
  u->forced_num = 0;
}

void vs_updates_reset(vs_updates_t *u, vs_session_t *s) {
  destroy_remote(u, s);
  u->collector[0] = 0;
  u->view[0] = 0;
  u->version[0] = 0;
  u->login = 0;
  u->initial = false;
  clear_changes(u);
  clear_forced(u); /* (a full update reads every object anyway) */
}

void vs_updates_free(vs_updates_t *u, vs_session_t *s, bool destroy) {
  if (!destroy)
    u->collector[0] = 0; /* left to the logout */
  vs_updates_reset(u, s);
  free(u->mod_types);
  free(u->mod_refs);
  clear_forced(u);
  free(u->forced_types);
  free(u->forced_refs);
  memset(u, 0, sizeof(*u));
}

/* <returnval> of CreatePropertyCollector and CreateFilter. */
static void returnval_end(void *ctx, int depth, const char *name,
                          const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  (void)parent;
  if (strcmp(name, "returnval") == 0)
    sstrncpy(ctx, text, VS_MOREF_LEN);
}

static int call_for_ref(vs_session_t *s, const char *expect, char *ref,
                        vs_error_t *err) {
  ref[0] = 0;
  vs_xml_handler_t h = {.end = returnval_end, .ctx = ref, .expect = expect};
  int rc = vs_session_call(s, &h, err);
  if (rc == VS_OK && ref[0] == 0)
    rc = (vs_error_set(err, VS_ERR_PARSE, "%s returned no object", expect),
          err->rc);
  return rc;
}

/* A private collector, a view and one filter over it. */
static int start(vs_updates_t *u, vs_session_t *s, const vs_spec_set_t *set,
                 vs_error_t *err) {
  vs_soap_create_property_collector(&s->request, &s->sc);
  int rc =
      call_for_ref(s, "CreatePropertyCollectorResponse", u->collector, err);
  if (rc != VS_OK)
    return rc;
  u->login = s->logins;
  rc = vs_inventory_create_view(s, set->specs, set->num, u->view, err);
  if (rc != VS_OK)
    return rc;
  char filter[VS_MOREF_LEN];
  vs_soap_create_filter(&s->request, u->collector, u->view, set->specs,
                        set->num);
  return call_for_ref(s, "CreateFilterResponse", filter, err);
}

/* One WaitForUpdatesEx answer into the reader. */
static int read_set(vs_updates_t *u, vs_session_t *s, vs_inventory_reader_t *r,
                    bool *truncated, vs_error_t *err) {
  vs_prop_page_t *page = malloc(sizeof(*page));
  if (page == NULL)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  vs_soap_wait_for_updates(&s->request, u->collector, u->version,
                           s->cfg->inventory_page_size);
  vs_inventory_reader_page(r, page);
  vs_xml_handler_t h = vs_parse_prop_page(page);
  h.expect = "WaitForUpdatesExResponse";
  int rc = vs_session_call(s, &h, err);
  if (rc == VS_OK)
    rc = vs_inventory_reader_check(r, err);
  if (rc == VS_OK && page->has_set && page->version[0] == 0)
    rc = (vs_error_set(err, VS_ERR_PARSE, "an update set without a version"),
          err->rc);
  if (rc == VS_OK && page->has_set)
    sstrncpy(u->version, page->version, sizeof(u->version));
  *truncated = rc == VS_OK && page->has_set && page->truncated;
  u->object_updates += page->objects;
  r->page = NULL;
  free(page);
  return rc;
}

/* Update sets into the reader while they are truncated: the first one
 * always, more while `deadline` has not passed, `max` at most. *read: how
 * many were read. */
static int read_sets(vs_updates_t *u, vs_session_t *s, vs_inventory_reader_t *r,
                     double deadline, int max, bool *truncated, int *read,
                     vs_error_t *err) {
  int rc = VS_OK;
  *truncated = true;
  for (*read = 0; rc == VS_OK && *truncated && *read < max; (*read)++) {
    if (*read > 0 && vs_monotonic_seconds() >= deadline)
      break;
    rc = read_set(u, s, r, truncated, err);
  }
  return rc;
}

/* Sets of the full update into `fresh` until it is complete or the
 * deadline passed (one set at least). */
static int read_full(vs_updates_t *u, vs_session_t *s,
                     const vs_discovery_t *what, vs_inventory_t *fresh,
                     double deadline, bool *complete, vs_error_t *err) {
  vs_inventory_reader_t r;
  vs_inventory_reader_init(&r, fresh, what);
  bool truncated;
  int read;
  int rc = read_sets(u, s, &r, deadline, MAX_SETS - u->full_sets, &truncated,
                     &read, err);
  u->full_sets += read;
  if (rc == VS_OK && truncated && u->full_sets >= MAX_SETS)
    rc = (vs_error_set(err, VS_ERR_PARSE, "more than %d update sets", MAX_SETS),
          err->rc);
  *complete = rc == VS_OK && !truncated;
  u->initial = rc == VS_OK && truncated;
  u->pending = u->initial;
  if (rc != VS_OK && rc != VS_ERR_NOAUTH)
    vs_updates_reset(u, s);
  return rc;
}

int vs_updates_full(vs_updates_t *u, vs_session_t *s,
                    const vs_discovery_t *what, vs_inventory_t *fresh,
                    double deadline, bool *complete, vs_error_t *err) {
  *complete = false;
  vs_spec_set_t set;
  int rc = vs_inventory_specs(what, &set, err);
  if (rc != VS_OK)
    return rc;
  if (u->login != 0)
    u->resyncs++;
  vs_updates_reset(u, s);
  u->full_sets = 0;
  rc = start(u, s, &set, err);
  u->refused = rc == VS_ERR_FAULT || rc == VS_ERR_HTTP;
  if (rc != VS_OK) {
    if (rc != VS_ERR_NOAUTH)
      vs_updates_reset(u, s);
    return rc;
  }
  return read_full(u, s, what, fresh, deadline, complete, err);
}

int vs_updates_full_more(vs_updates_t *u, vs_session_t *s,
                         const vs_discovery_t *what, vs_inventory_t *fresh,
                         double deadline, bool *complete, vs_error_t *err) {
  *complete = false;
  if (!u->initial || !vs_updates_live(u, s))
    return (vs_error_set(err, VS_ERR_PARSE, "no full update in progress"),
            err->rc);
  return read_full(u, s, what, fresh, deadline, complete, err);
}

/* ---- changes ---- */

static const char *keep_ref(vs_updates_t *u, const char *s) {
  return vs_arena_strdup(&u->refs, s);
}

static void on_changed(void *ctx, const char *type, const char *moref,
                       bool left) {
  vs_updates_t *u = ctx;
  const char *ref = keep_ref(u, moref);
  if (ref == NULL || ref[0] == 0)
    return;
  if (left) {
    vs_index_put(&u->left, ref, 1);
    return;
  }
  if (vs_index_get(&u->modified, ref) >= 0)
    return;
  if (u->mod_num == u->mod_cap) {
    size_t cap = u->mod_cap;
    const char **types = vs_grow(u->mod_types, &cap, sizeof(*types), 64);
    if (types == NULL)
      return;
    u->mod_types = types;
    cap = u->mod_cap;
    const char **refs = vs_grow(u->mod_refs, &cap, sizeof(*refs), 64);
    if (refs == NULL)
      return;
    u->mod_refs = refs;
    u->mod_cap = cap;
  }
  const char *t = keep_ref(u, type);
  if (t == NULL)
    return;
  u->mod_types[u->mod_num] = t;
  u->mod_refs[u->mod_num++] = ref;
  vs_index_put(&u->modified, ref, 1);
}

/* Re-reads asked for while no follow takes them (a full update spanning
 * reads) pile up at most this far. */
#define MAX_FORCED 100000

void vs_updates_reread(vs_updates_t *u, const char *type, const char *moref) {
  if (u->forced_num >= MAX_FORCED)
    return;
  if (u->forced_num == u->forced_cap) {
    size_t cap = u->forced_cap;
    const char **types = vs_grow(u->forced_types, &cap, sizeof(*types), 16);
    if (types == NULL)
      return;
    u->forced_types = types;
    cap = u->forced_cap;
    const char **refs = vs_grow(u->forced_refs, &cap, sizeof(*refs), 16);
    if (refs == NULL)
      return;
    u->forced_refs = refs;
    u->forced_cap = cap;
  }
  const char *t = vs_arena_strdup(&u->forced_strings, type);
  const char *r = vs_arena_strdup(&u->forced_strings, moref);
  if (t == NULL || r == NULL)
    return;
  u->forced_types[u->forced_num] = t;
  u->forced_refs[u->forced_num++] = r;
}

/* The objects that changed, read again whole into the reader's inventory
 * (those that also left, or entered with all their properties, are not). */
static int reread(vs_updates_t *u, vs_session_t *s, const vs_spec_set_t *set,
                  vs_inventory_reader_t *r, vs_error_t *err) {
  vs_index_t entered;
  if (vs_index_init(&entered, r->inv->num) != 0)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  for (size_t i = 0; i < r->inv->num; i++)
    vs_index_put(&entered, r->inv->objects[i].moref, 1);
  size_t chunk = (size_t)s->cfg->inventory_page_size;
  vs_mo_ref_t *objs = calloc(chunk, sizeof(*objs));
  int rc = objs == NULL ? VS_ERR_NOMEM : VS_OK;
  if (rc != VS_OK)
    vs_error_set(err, rc, "out of memory");
  for (size_t i = 0; rc == VS_OK && i < u->mod_num;) {
    size_t n = 0;
    for (; i < u->mod_num && n < chunk; i++)
      if (vs_index_get(&u->left, u->mod_refs[i]) < 0 &&
          vs_index_get(&entered, u->mod_refs[i]) < 0)
        objs[n++] = (vs_mo_ref_t){u->mod_types[i], u->mod_refs[i]};
    if (n == 0)
      continue;
    vs_soap_retrieve_objects(&s->request, &s->sc, objs, n, set->specs, set->num,
                             (int)chunk);
    rc = vs_inventory_read_pages(s, r, err);
    u->rereads += n;
  }
  free(objs);
  vs_index_free(&entered);
  return rc;
}

int vs_updates_follow(vs_updates_t *u, vs_session_t *s,
                      const vs_discovery_t *what, double deadline,
                      vs_inventory_t *delta, const vs_index_t **left,
                      bool *changed, vs_error_t *err) {
  *changed = false;
  *left = &u->left;
  clear_changes(u);
  vs_spec_set_t set;
  int rc = vs_inventory_specs(what, &set, err);
  if (rc != VS_OK)
    return rc;
  vs_inventory_reader_t r;
  vs_inventory_reader_init(&r, delta, what);
  r.changed = on_changed;
  r.changed_ctx = u;
  for (size_t i = 0; i < u->forced_num; i++)
    on_changed(u, u->forced_types[i], u->forced_refs[i], false);
  clear_forced(u);
  /* A failure after the version moved on would lose the changes read so
   * far (they are not applied): the next read asks again from here. */
  char version[sizeof(u->version)];
  sstrncpy(version, u->version, sizeof(version));
  /* The first set always; more (a paged burst of changes) while the read
   * has time: the rest comes with the next read. */
  bool truncated;
  int read;
  rc = read_sets(u, s, &r, deadline, MAX_SETS, &truncated, &read, err);
  u->pending = rc == VS_OK && truncated;
  if (rc == VS_OK && u->refs.failed)
    rc = (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  if (rc == VS_OK && u->mod_num > 0)
    rc = reread(u, s, &set, &r, err);
  *changed = rc == VS_OK && (delta->num > 0 || u->left.count > 0);
  if (rc != VS_OK)
    sstrncpy(u->version, version, sizeof(u->version));
  return rc;
}
