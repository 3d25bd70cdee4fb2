/**
 * collectd-vsphere - vs_inventory.c
 */
#include "vs_inventory.h"
#include "vs_parse.h"

#include <stdlib.h>
#include <string.h>

/* Properties read per kind: only what naming and planning need. */
static const char *const vm_paths[] = {"name", "runtime.powerState",
                                       "runtime.host"};
static const char *const host_paths[] = {
    "name", "runtime.powerState", "runtime.connectionState", "parent"};

static const vs_prop_spec_t kind_specs[VS_KIND_NUM] = {
    [VS_KIND_VM] = {"VirtualMachine", vm_paths,
                    sizeof(vm_paths) / sizeof(vm_paths[0])},
    [VS_KIND_HOST] = {"HostSystem", host_paths,
                      sizeof(host_paths) / sizeof(host_paths[0])},
};

void vs_inventory_init(vs_inventory_t *inv) { memset(inv, 0, sizeof(*inv)); }

void vs_inventory_free(vs_inventory_t *inv) {
  free(inv->objects);
  vs_index_free(&inv->by_moref);
  memset(inv, 0, sizeof(*inv));
}

vs_object_t *vs_inventory_find(const vs_inventory_t *inv, const char *moref) {
  int i = vs_index_get(&inv->by_moref, moref);
  return i < 0 ? NULL : &inv->objects[i];
}

static const char *prop(const vs_prop_t *props, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(props[i].name, name) == 0)
      return props[i].value;
  return "";
}

int vs_inventory_add_props(vs_inventory_t *inv, const char *mo_type,
                           const char *moref, const vs_prop_t *props,
                           size_t props_num) {
  int kind = vs_kind_from_mo_type(mo_type);
  if (kind < 0)
    return 0;
  if (inv->num == inv->cap) {
    size_t cap = inv->cap ? inv->cap * 2 : 64;
    vs_object_t *objects = realloc(inv->objects, cap * sizeof(*objects));
    if (objects == NULL)
      return -1;
    inv->objects = objects;
    inv->cap = cap;
  }
  vs_object_t *o = &inv->objects[inv->num++];
  memset(o, 0, sizeof(*o));
  o->kind = (vs_kind_t)kind;
  o->last_sample_us = -1;
  o->newest_seen_us = -1;
  vs_strlcpy(o->moref, moref, sizeof(o->moref));
  const char *name = prop(props, props_num, "name");
  vs_strlcpy(o->name, name[0] ? name : moref, sizeof(o->name));
  bool on = strcmp(prop(props, props_num, "runtime.powerState"), "poweredOn") == 0;
  if (kind == VS_KIND_VM) {
    vs_strlcpy(o->parent, prop(props, props_num, "runtime.host"),
               sizeof(o->parent));
    o->active = on;
  } else {
    vs_strlcpy(o->parent, prop(props, props_num, "parent"), sizeof(o->parent));
    o->active = on && strcmp(prop(props, props_num, "runtime.connectionState"),
                             "connected") == 0;
  }
  inv->per_kind[kind]++;
  if (o->active)
    inv->active_per_kind[kind]++;
  return 0;
}

int vs_inventory_finish(vs_inventory_t *inv, const vs_inventory_t *old) {
  vs_index_free(&inv->by_moref);
  if (vs_index_init(&inv->by_moref, inv->num) != 0)
    return -1;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (vs_index_put(&inv->by_moref, o->moref, (int)i) != 0)
      return -1;
    const vs_object_t *prev = old ? vs_inventory_find(old, o->moref) : NULL;
    if (prev != NULL)
      o->last_sample_us = prev->last_sample_us;
  }
  return 0;
}

typedef struct {
  vs_inventory_t *inv;
  bool out_of_memory;
} discover_ctx_t;

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  discover_ctx_t *d = ctx;
  if (vs_inventory_add_props(d->inv, type, moref, props, props_num) != 0)
    d->out_of_memory = true;
}

/* CreateContainerViewResponse > returnval: the view's moref. */
static void view_end(void *ctx, int depth, const char *name,
                     const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  if (strcmp(name, "returnval") == 0 &&
      strcmp(parent, "CreateContainerViewResponse") == 0)
    vs_strlcpy(ctx, text, VS_MOREF_LEN);
}

static int create_view(vs_session_t *s, const bool want[VS_KIND_NUM],
                       char *view, char *err, size_t err_size) {
  const char *types[VS_KIND_NUM];
  size_t n = 0;
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (want[k])
      types[n++] = kind_specs[k].type;
  vs_soap_create_container_view(&s->request, &s->sc, types, n);
  vs_xml_handler_t h = {.end = view_end, .ctx = view,
                        .expect = "CreateContainerViewResponse"};
  int rc = vs_session_call(s, &h, err, err_size);
  if (rc == VS_OK && view[0] == 0) {
    snprintf(err, err_size, "CreateContainerView returned no view");
    rc = VS_ERR_PARSE;
  }
  return rc;
}

static void destroy_view(vs_session_t *s, const char *view) {
  char err[256];
  vs_xml_handler_t none = {.expect = "DestroyViewResponse"};
  vs_soap_destroy_view(&s->request, view);
  vs_session_call(s, &none, err, sizeof(err)); /* best effort */
}

int vs_inventory_discover(vs_session_t *s, const bool want[VS_KIND_NUM],
                          vs_inventory_t *out, char *err, size_t err_size) {
  char view[VS_MOREF_LEN] = "";
  int rc = create_view(s, want, view, err, err_size);
  if (rc != VS_OK)
    return rc;

  vs_prop_spec_t specs[VS_KIND_NUM];
  size_t n = 0;
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (want[k])
      specs[n++] = kind_specs[k];

  discover_ctx_t d = {.inv = out};
  vs_prop_page_t *page = malloc(sizeof(*page));
  if (page == NULL) {
    destroy_view(s, view);
    snprintf(err, err_size, "out of memory");
    return VS_ERR_NOMEM;
  }
  vs_soap_retrieve_view(&s->request, &s->sc, view, specs, n,
                        s->cfg->inventory_page_size);
  /* Bounded: a vCenter cannot make us page forever. */
  for (int pages = 0; pages < 100000; pages++) {
    vs_prop_page_init(page, on_object, &d);
    vs_xml_handler_t h = vs_parse_prop_page(page);
    h.expect = pages == 0 ? "RetrievePropertiesExResponse"
                          : "ContinueRetrievePropertiesExResponse";
    rc = vs_session_call(s, &h, err, err_size);
    if (rc == VS_OK && d.out_of_memory) {
      snprintf(err, err_size, "out of memory");
      rc = VS_ERR_NOMEM;
    }
    if (rc != VS_OK || page->token[0] == 0)
      break;
    vs_soap_continue_retrieve(&s->request, &s->sc, page->token);
  }
  free(page);
  if (rc != VS_ERR_NOAUTH)
    destroy_view(s, view);
  return rc;
}
