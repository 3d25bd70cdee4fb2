/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_tags.c
 */
#include "vs_tags.h"
#include "vs_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double now(const vs_tags_t *t) {
  return t->clock != NULL ? t->clock() : vs_monotonic_seconds();
}

static void gen_free(vs_tags_gen_t *g) {
  vs_arena_free(&g->strings);
  free(g->categories);
  free(g->tags);
  free(g->objects);
  free(g->pairs);
  vs_index_free(&g->category_ix);
  vs_index_free(&g->tag_ix);
  vs_index_free(&g->object_ix);
  memset(g, 0, sizeof(*g));
}

void vs_tags_init(vs_tags_t *t) { memset(t, 0, sizeof(*t)); }

void vs_tags_free(vs_tags_t *t) {
  gen_free(&t->cur);
  vs_tags_init(t);
}

bool vs_tags_due(const vs_tags_t *t, double interval) {
  if (interval <= 0)
    return false;
  return t->refreshes == 0 || now(t) - t->refreshed_at >= interval;
}

/* ---- building a generation ---- */

static int nomem(vs_error_t *err) {
  vs_error_set(err, VS_ERR_NOMEM, "out of memory");
  return err->rc;
}

/* Adds an entry (strings copied into g's arena) to a list and its index. */
static int add_entry(vs_tags_gen_t *g, vs_tags_entry_t **list, size_t *num,
                     size_t *cap, vs_index_t *ix, const char *id,
                     const char *name, const char *category_id) {
  if (*num == *cap) {
    vs_tags_entry_t *l = vs_grow(*list, cap, sizeof(**list), 16);
    if (l == NULL)
      return -1;
    *list = l;
  }
  vs_tags_entry_t e = {
      .id = vs_arena_strdup(&g->strings, id),
      .name = vs_arena_strdup(&g->strings, name),
      .category_id = vs_arena_strdup(&g->strings, category_id),
  };
  if (e.id == NULL || e.name == NULL || e.category_id == NULL ||
      *num >= (size_t)INT32_MAX || vs_index_put(ix, e.id, (int)*num) != 0)
    return -1;
  (*list)[(*num)++] = e;
  return 0;
}

/* An id in a path: percent-encoded but for unreserved characters and ':'
 * (vCenter's ids are urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL). */
static void put_path_id(vs_buf_t *b, const char *id) {
  for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("-._~:", *p) != NULL)
      vs_buf_append(b, (const char *)p, 1);
    else
      vs_buf_printf(b, "%%%02X", *p);
  }
}

/* The ids a list request answers (an array of strings; no "value" at
 * all, or null, is an empty list: vcsim answers an empty one so). Copied into
 * `ids` (the next call's answer replaces the JSON they come from). */
static int list_ids(vs_rest_t *rest, const char *path, vs_arena_t *a,
                    const char ***ids, size_t *num, vs_error_t *err) {
  const vs_json_node_t *v;
  *ids = NULL;
  *num = 0;
  if (vs_rest_call(rest, VS_REST_GET, path, NULL, 0, &v, err) != VS_OK)
    return err->rc;
  if (v != NULL && v->type == VS_JSON_NULL)
    v = NULL; /* vcsim's empty list: "value":null */
  if (v != NULL && v->type != VS_JSON_ARRAY) {
    vs_error_set(err, VS_ERR_PARSE, "GET %s: \"value\" is not a list", path);
    return err->rc;
  }
  if (v == NULL || v->count == 0)
    return VS_OK;
  *ids = calloc(v->count, sizeof(**ids));
  if (*ids == NULL)
    return nomem(err);
  for (const vs_json_node_t *i = vs_json_first(&rest->json, v); i != NULL;
       i = vs_json_next(&rest->json, i)) {
    if (i->type != VS_JSON_STRING || i->str_len == 0)
      continue;
    const char *s = vs_arena_strdup(a, i->str);
    if (s == NULL)
      return nomem(err);
    (*ids)[(*num)++] = s;
  }
  return VS_OK;
}

/* GET <kind>/id:<id>: its name (and category_id), or VS_ERR_HTTP 404 if
 * it went away meanwhile. */
static int read_entry(vs_tags_t *t, vs_rest_t *rest, const char *kind,
                      const char *id, const char **name,
                      const char **category_id, vs_error_t *err) {
  vs_buf_t path;
  vs_buf_init(&path);
  vs_buf_printf(&path, "%s/%s/id:", VS_TAGS_PATH, kind);
  put_path_id(&path, id);
  const vs_json_node_t *v = NULL;
  int rc = path.failed
               ? nomem(err)
               : vs_rest_call(rest, VS_REST_GET, path.data, NULL, 0, &v, err);
  t->name_reads++;
  if (rc == VS_OK) {
    *name = vs_json_get_string(&rest->json, v, "name");
    *category_id = vs_json_get_string(&rest->json, v, "category_id");
    if (*name == NULL) {
      vs_error_set(err, VS_ERR_PARSE, "GET %s: no name", path.data);
      rc = err->rc;
    }
  }
  vs_buf_free(&path);
  return rc;
}

/* Categories (kind "category") or tags ("tag"): every listed id, its
 * name from `old` if known there (and not a names round), else read. */
static int read_entries(vs_tags_t *t, vs_rest_t *rest, const char *kind,
                        bool tags, bool reread, vs_tags_gen_t *g,
                        vs_error_t *err) {
  const vs_tags_gen_t *old = &t->cur;
  vs_arena_t ids_arena = {0};
  const char **ids = NULL;
  size_t num = 0;
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", VS_TAGS_PATH, kind);
  int rc = list_ids(rest, path, &ids_arena, &ids, &num, err);
  for (size_t i = 0; rc == VS_OK && i < num; i++) {
    const vs_index_t *ix = tags ? &old->tag_ix : &old->category_ix;
    vs_index_t *nix = tags ? &g->tag_ix : &g->category_ix;
    if (vs_index_get(nix, ids[i]) >= 0)
      continue; /* listed twice */
    int known = reread ? -1 : vs_index_get(ix, ids[i]);
    const char *name, *category = NULL;
    if (known >= 0) {
      const vs_tags_entry_t *e =
          tags ? &old->tags[known] : &old->categories[known];
      name = e->name;
      category = e->category_id;
    } else {
      rc = read_entry(t, rest, kind, ids[i], &name, &category, err);
      if (rc == VS_ERR_HTTP && err->code == 404) { /* deleted meanwhile */
        vs_error_clear(err);
        rc = VS_OK;
        continue;
      }
      if (rc != VS_OK)
        break;
    }
    if (tags ? add_entry(g, &g->tags, &g->tags_num, &g->tags_cap, nix, ids[i],
                         name, category)
             : add_entry(g, &g->categories, &g->categories_num,
                         &g->categories_cap, nix, ids[i], name, NULL))
      rc = nomem(err);
  }
  free(ids);
  vs_arena_free(&ids_arena);
  return rc;
}

/* ---- attachments ---- */

static int pair_cmp(const void *a, const void *b) {
  const vs_tag_t *x = a, *y = b;
  int c = strcmp(x->category, y->category);
  return c != 0 ? c : strcmp(x->name, y->name);
}

/* One object's tag ids, turned into its (category, tag) pairs. */
static int add_object(vs_tags_gen_t *g, const vs_json_t *j, const char *moref,
                      const vs_json_node_t *tag_ids, vs_error_t *err) {
  if (vs_index_get(&g->object_ix, moref) >= 0)
    return VS_OK; /* answered twice */
  size_t first = g->pairs_num;
  for (const vs_json_node_t *i = vs_json_first(j, tag_ids); i != NULL;
       i = vs_json_next(j, i)) {
    int k = i->type == VS_JSON_STRING ? vs_index_get(&g->tag_ix, i->str) : -1;
    if (k < 0)
      continue; /* created since the tags were listed: next time */
    const vs_tags_entry_t *tag = &g->tags[k];
    int c = vs_index_get(&g->category_ix, tag->category_id);
    if (c < 0)
      continue;
    if (g->pairs_num == g->pairs_cap) {
      vs_tag_t *p = vs_grow(g->pairs, &g->pairs_cap, sizeof(*p), 64);
      if (p == NULL)
        return nomem(err);
      g->pairs = p;
    }
    g->pairs[g->pairs_num++] =
        (vs_tag_t){.category = g->categories[c].name, .name = tag->name};
  }
  size_t num = g->pairs_num - first;
  if (num == 0)
    return VS_OK;
  qsort(g->pairs + first, num, sizeof(*g->pairs), pair_cmp);
  if (g->objects_num == g->objects_cap) {
    vs_tags_object_t *o = vs_grow(g->objects, &g->objects_cap, sizeof(*o), 64);
    if (o == NULL)
      return nomem(err);
    g->objects = o;
  }
  const char *key = vs_arena_strdup(&g->strings, moref);
  if (key == NULL || g->objects_num >= (size_t)INT32_MAX ||
      vs_index_put(&g->object_ix, key, (int)g->objects_num) != 0)
    return nomem(err);
  g->objects[g->objects_num++] =
      (vs_tags_object_t){.moref = key, .first = first, .num = num};
  return VS_OK;
}

/* The body of one list-attached-tags-on-objects request. */
static void attached_body(vs_buf_t *b, const char *const *morefs,
                          const char *const *types, size_t n) {
  vs_buf_reset(b);
  vs_buf_puts(b, "{\"object_ids\":[");
  for (size_t i = 0; i < n; i++) {
    vs_buf_puts(b, i ? ",{\"type\":" : "{\"type\":");
    vs_json_put_string(b, types[i]);
    vs_buf_puts(b, ",\"id\":");
    vs_json_put_string(b, morefs[i]);
    vs_buf_puts(b, "}");
  }
  vs_buf_puts(b, "]}");
}

static int read_attached(vs_rest_t *rest, const char *const *morefs,
                         const char *const *types, size_t n, vs_tags_gen_t *g,
                         vs_error_t *err) {
  static const char path[] =
      VS_TAGS_PATH "/tag-association?~action=list-attached-tags-on-objects";
  vs_buf_t body;
  vs_buf_init(&body);
  int rc = VS_OK;
  for (size_t at = 0; rc == VS_OK && at < n; at += VS_TAGS_BATCH) {
    size_t k = n - at < VS_TAGS_BATCH ? n - at : VS_TAGS_BATCH;
    attached_body(&body, morefs + at, types + at, k);
    if (body.failed) {
      rc = nomem(err);
      break;
    }
    const vs_json_node_t *v;
    rc = vs_rest_call(rest, VS_REST_POST, path, body.data, body.len, &v, err);
    if (rc != VS_OK)
      break;
    if (v != NULL && v->type == VS_JSON_NULL)
      v = NULL;
    if (v != NULL && v->type != VS_JSON_ARRAY) {
      vs_error_set(err, VS_ERR_PARSE, "%s: \"value\" is not a list", path);
      rc = err->rc;
      break;
    }
    for (const vs_json_node_t *o = vs_json_first(&rest->json, v);
         rc == VS_OK && o != NULL; o = vs_json_next(&rest->json, o)) {
      const vs_json_node_t *obj = vs_json_get(&rest->json, o, "object_id");
      const char *id = vs_json_get_string(&rest->json, obj, "id");
      const vs_json_node_t *ids = vs_json_get(&rest->json, o, "tag_ids");
      if (id != NULL && ids != NULL && ids->type == VS_JSON_ARRAY)
        rc = add_object(g, &rest->json, id, ids, err);
    }
  }
  vs_buf_free(&body);
  return rc;
}

/* ---- the refresh ---- */

int vs_tags_refresh(vs_tags_t *t, vs_rest_t *rest, const char *const *morefs,
                    const char *const *types, size_t n, vs_error_t *err) {
  vs_error_clear(err);
  t->refreshes++;
  t->refreshed_at = now(t);
  uint64_t requests = rest->requests;
  bool reread = t->have && t->refreshes % VS_TAGS_NAMES_EVERY == 0;
  vs_tags_gen_t g;
  memset(&g, 0, sizeof(g));
  int rc = read_entries(t, rest, "category", false, reread, &g, err);
  if (rc == VS_OK)
    rc = read_entries(t, rest, "tag", true, reread, &g, err);
  if (rc == VS_OK && g.tags_num > 0)
    rc = read_attached(rest, morefs, types, n, &g, err);
  t->requests = rest->requests - requests;
  if (rc != VS_OK) {
    t->failures++;
    gen_free(&g);
    return rc;
  }
  gen_free(&t->cur);
  t->cur = g;
  t->have = true;
  return VS_OK;
}

size_t vs_tags_of(const vs_tags_t *t, const char *moref, const vs_tag_t **out) {
  *out = NULL;
  int i = vs_index_get(&t->cur.object_ix, moref);
  if (i < 0)
    return 0;
  const vs_tags_object_t *o = &t->cur.objects[i];
  *out = t->cur.pairs + o->first;
  return o->num;
}

size_t vs_tags_objects(const vs_tags_t *t) { return t->cur.objects_num; }
size_t vs_tags_pairs(const vs_tags_t *t) { return t->cur.pairs_num; }
