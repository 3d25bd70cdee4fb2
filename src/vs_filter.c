/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_filter.c
 */
#include "vs_filter.h"

#include <fnmatch.h>
#include <string.h>

/* One path element against one pattern element ('*', '?', literals). */
static bool element_match(const char *p, size_t plen, const char *s,
                          size_t slen) {
  size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
  while (si < slen) {
    if (pi < plen && (p[pi] == '?' || p[pi] == s[si])) {
      pi++;
      si++;
    } else if (pi < plen && p[pi] == '*') {
      star_p = pi++;
      star_s = si;
    } else if (star_p != (size_t)-1) {
      pi = star_p + 1;
      si = ++star_s;
    } else {
      return false;
    }
  }
  while (pi < plen && p[pi] == '*')
    pi++;
  return pi == plen;
}

#define MAX_ELEMENTS 64

typedef struct {
  const char *start[MAX_ELEMENTS];
  size_t len[MAX_ELEMENTS];
  size_t num;
} elements_t;

/* Splits "/a/b/c" into its elements; false if there are too many. */
static bool split(const char *s, elements_t *e) {
  e->num = 0;
  if (*s == '/')
    s++;
  while (*s != 0) {
    if (e->num == MAX_ELEMENTS)
      return false;
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    e->start[e->num] = s;
    e->len[e->num++] = n;
    s += n;
    if (*s == '/')
      s++;
  }
  return true;
}

static bool is_globstar(const elements_t *p, size_t i) {
  return p->len[i] == 2 && p->start[i][0] == '*' && p->start[i][1] == '*';
}

bool vs_path_match(const char *pattern, const char *path) {
  elements_t p, s;
  if (!split(pattern, &p) || !split(path, &s))
    return false;
  /* m[i][j]: pattern elements i.. match path elements j.. (filled from the
   * end; time and space are pattern x path elements, whatever the stars). */
  bool m[MAX_ELEMENTS + 1][MAX_ELEMENTS + 1];
  for (size_t i = p.num + 1; i-- > 0;)
    for (size_t j = s.num + 1; j-- > 0;) {
      if (i == p.num)
        m[i][j] = j == s.num;
      else if (is_globstar(&p, i)) /* zero elements, or one more */
        m[i][j] = m[i + 1][j] || (j < s.num && m[i][j + 1]);
      else
        m[i][j] = j < s.num &&
                  element_match(p.start[i], p.len[i], s.start[j], s.len[j]) &&
                  m[i + 1][j + 1];
    }
  return m[0][0];
}

static bool any_path(const vs_strlist_t *l, const char *path) {
  for (size_t i = 0; i < l->num; i++)
    if (vs_path_match(l->items[i], path))
      return true;
  return false;
}

static bool any_name(const vs_strlist_t *l, const char *name) {
  for (size_t i = 0; i < l->num; i++)
    if (fnmatch(l->items[i], name, 0) == 0)
      return true;
  return false;
}

bool vs_filter_keep(const vs_config_t *cfg, vs_kind_t kind, const char *path,
                    const char *name) {
  if (cfg->include_paths[kind].num > 0 &&
      !any_path(&cfg->include_paths[kind], path))
    return false;
  if (cfg->include_names[kind].num > 0 &&
      !any_name(&cfg->include_names[kind], name))
    return false;
  return !any_path(&cfg->exclude_paths[kind], path) &&
         !any_name(&cfg->exclude_names[kind], name);
}

static bool has_path_filter(const vs_config_t *cfg, vs_kind_t kind) {
  return cfg->include_paths[kind].num > 0 || cfg->exclude_paths[kind].num > 0;
}

void vs_filter_apply(vs_inventory_t *inv, const vs_config_t *cfg) {
  char path[1024] = "";
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    vs_kind_t kind = (vs_kind_t)o->kind;
    if (has_path_filter(cfg, kind)) /* paths only when asked for */
      vs_inventory_path(inv, o, path, sizeof(path));
    o->selected =
        cfg->collect[kind] && vs_filter_keep(cfg, kind, path, o->name);
    if (!o->selected)
      o->active = false;
  }
  vs_inventory_shard(inv, cfg->shard_k, cfg->shard_n);
  vs_inventory_recount(inv);
}
