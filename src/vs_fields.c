/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_fields.c
 */
#include "vs_fields.h"

#include "vs_parse.h"
#include "vs_soap.h"
#include "vs_util.h"

#include <stdlib.h>
#include <string.h>

/* Bound of the definitions kept: a hostile answer cannot grow us. */
#define MAX_FIELDS 4096

void vs_fields_init(vs_fields_t *f) { memset(f, 0, sizeof(*f)); }

static void drop_all(vs_fields_t *f) {
  for (size_t i = 0; i < f->num; i++)
    free(f->names[i]);
  free(f->keys);
  free(f->names);
  f->keys = NULL;
  f->names = NULL;
  f->num = 0;
}

void vs_fields_free(vs_fields_t *f) {
  drop_all(f);
  vs_fields_init(f);
}

const char *vs_fields_name(const vs_fields_t *f, int key) {
  for (size_t i = 0; i < f->num; i++)
    if (f->keys[i] == key)
      return f->names[i];
  return NULL;
}

int vs_fields_key(const vs_fields_t *f, const char *name) {
  for (size_t i = 0; i < f->num; i++)
    if (strcmp(f->names[i], name) == 0)
      return f->keys[i];
  return -1;
}

int vs_fields_add(vs_fields_t *f, int key, const char *name) {
  if (f->num == MAX_FIELDS || vs_fields_name(f, key) != NULL)
    return 0;
  int *keys = realloc(f->keys, (f->num + 1) * sizeof(*keys));
  if (keys == NULL)
    return -1;
  f->keys = keys;
  char **names = realloc(f->names, (f->num + 1) * sizeof(*names));
  if (names == NULL)
    return -1;
  f->names = names;
  char *copy = strdup(name);
  if (copy == NULL)
    return -1;
  f->keys[f->num] = key;
  f->names[f->num++] = copy;
  return 0;
}

/* The definitions as their leaves stream in: CustomFieldDef/key, /name. */
typedef struct {
  vs_fields_t *out;
  int item;
  int key;
  char name[128];
  bool failed;
} reader_t;

static void take(reader_t *r) {
  if (r->item >= 0 && r->key >= 0 && r->name[0] != 0 &&
      vs_fields_add(r->out, r->key, r->name) != 0)
    r->failed = true;
  r->item = -1;
}

static void on_leaf(void *ctx, const char *type, const char *moref,
                    const char *prop, int item, const char *path,
                    const char *text) {
  (void)type;
  (void)moref;
  reader_t *r = ctx;
  if (strcmp(prop, "field") != 0 || strncmp(path, "CustomFieldDef/", 15) != 0)
    return;
  if (item != r->item) {
    take(r);
    r->item = item;
    r->key = -1;
    r->name[0] = 0;
  }
  int64_t v;
  if (strcmp(path + 15, "key") == 0 && vs_parse_int64(text, &v) == 0 &&
      v >= 0 && v <= 0x7fffffff)
    r->key = (int)v;
  else if (strcmp(path + 15, "name") == 0)
    vs_utf8_copy(r->name, text, sizeof(r->name));
}

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t n) {
  (void)type;
  (void)moref;
  (void)props;
  (void)n;
  take(ctx); /* the last definition */
}

int vs_fields_read(vs_fields_t *f, vs_session_t *s, vs_error_t *err) {
  if (s->sc.custom_fields_manager[0] == 0) {
    drop_all(f);
    f->read = true;
    return VS_OK;
  }
  static const char *const paths[] = {"field"};
  vs_prop_spec_t spec = {"CustomFieldsManager", paths, 1};
  vs_mo_ref_t obj = {"CustomFieldsManager", s->sc.custom_fields_manager};
  vs_fields_t fresh;
  vs_fields_init(&fresh);
  reader_t r = {.out = &fresh, .item = -1};
  vs_prop_page_t *page = malloc(sizeof(*page));
  if (page == NULL)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  vs_prop_page_init(page, on_object, &r);
  page->subprop = on_leaf;
  vs_soap_retrieve_objects(&s->request, &s->sc, &obj, 1, &spec, 1, 1);
  vs_xml_handler_t h = vs_parse_prop_page(page);
  h.expect = "RetrievePropertiesExResponse";
  int rc = vs_session_call(s, &h, err);
  take(&r);
  free(page);
  if (rc == VS_OK && r.failed)
    rc = (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  if (rc != VS_OK) {
    vs_fields_free(&fresh);
    return rc;
  }
  drop_all(f);
  f->keys = fresh.keys;
  f->names = fresh.names;
  f->num = fresh.num;
  f->unknown = 0;
  f->read = true;
  return VS_OK;
}
