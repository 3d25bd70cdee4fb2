/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_tags.h
 * vSphere tags of the collected objects, read through the REST session
 * (vs_rest) in bulk, every TagInterval:
 *   1. GET  /rest/com/vmware/cis/tagging/category: the category ids;
 *      GET .../category/id:<id> for each id not known yet (its name);
 *   2. GET  /rest/com/vmware/cis/tagging/tag: the tag ids;
 *      GET .../tag/id:<id> for each id not known yet (name, category);
 *      ids no longer listed are dropped (so are renamed ones' old names:
 *      a tag renamed keeps its id, and is read again only if it is new,
 *      so the names are read again whole every VS_TAGS_NAMES_EVERY
 *      refreshes);
 *   3. POST /rest/com/vmware/cis/tagging/tag-association
 *      ?~action=list-attached-tags-on-objects, {"object_ids":[{"type":
 *      "VirtualMachine","id":"vm-42"},...]}, VS_TAGS_BATCH objects per
 *      request: never one request per object.
 * The result, for each object: its (category name, tag name) pairs,
 * sorted. A refresh that fails keeps the previous result whole.
 */
#ifndef VS_TAGS_H
#define VS_TAGS_H

#include "vs_fault.h"
#include "vs_rest.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_TAGS_PATH "/rest/com/vmware/cis/tagging"
/* Objects per list-attached-tags-on-objects request. */
#define VS_TAGS_BATCH 1000
/* Every this many refreshes the names of every category and tag are read
 * again (a rename keeps the id). */
#define VS_TAGS_NAMES_EVERY 12

typedef struct {
  const char *category; /* the category's name */
  const char *name;     /* the tag's name */
} vs_tag_t;

typedef struct {
  const char *id;
  const char *name;
  const char *category_id; /* tags only */
} vs_tags_entry_t;

typedef struct {
  const char *moref;
  size_t first, num; /* its pairs in vs_tags_gen_t.pairs */
} vs_tags_object_t;

/* One refresh's result; every string in its arena. */
typedef struct {
  vs_arena_t strings;
  vs_tags_entry_t *categories, *tags;
  size_t categories_num, categories_cap, tags_num, tags_cap;
  vs_index_t category_ix, tag_ix; /* id -> entry */
  vs_tags_object_t *objects;      /* objects with at least one tag */
  size_t objects_num, objects_cap;
  vs_index_t object_ix; /* moref -> object */
  vs_tag_t *pairs;
  size_t pairs_num, pairs_cap;
} vs_tags_gen_t;

typedef struct {
  vs_tags_gen_t cur;
  bool have;           /* a refresh succeeded once */
  double refreshed_at; /* monotonic seconds of the last attempt */
  uint64_t refreshes;  /* attempts */
  uint64_t failures;
  uint64_t requests;     /* REST requests of the last refresh */
  uint64_t name_reads;   /* category and tag names read (not cached) */
  double (*clock)(void); /* monotonic seconds; NULL: the real clock */
} vs_tags_t;

void vs_tags_init(vs_tags_t *t);
void vs_tags_free(vs_tags_t *t);

/* True when a refresh is due: never tried, or `interval` seconds since
 * the last attempt (interval <= 0: tags are off, never due). */
bool vs_tags_due(const vs_tags_t *t, double interval);

/* Reads categories, tags and the tags attached to the n objects
 * (managed object ids and their types, e.g. "vm-42", "VirtualMachine").
 * Returns VS_OK, or the error (in err; the previous result is kept; a
 * refused REST API: VS_ERR_HTTP, see vs_rest_refused). */
int vs_tags_refresh(vs_tags_t *t, vs_rest_t *rest, const char *const *morefs,
                    const char *const *types, size_t n, vs_error_t *err);

/* The (category, tag) pairs of an object, sorted by category then tag
 * (valid until the next refresh or free); 0 and *out NULL if none. */
size_t vs_tags_of(const vs_tags_t *t, const char *moref, const vs_tag_t **out);

/* Objects with a tag, pairs, categories and tags known. */
size_t vs_tags_objects(const vs_tags_t *t);
size_t vs_tags_pairs(const vs_tags_t *t);

#endif
