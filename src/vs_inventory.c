/**
 * collectd-vsphere - vs_inventory.c
 */
#include "vs_inventory.h"
#include "vs_parse.h"

#include <stdlib.h>
#include <string.h>

/* Bound of parent walks: a malformed answer cannot make us loop. */
#define MAX_DEPTH 64

/* Properties read per type: what naming, hierarchy and planning need. A
 * propSet of ComputeResource also matches ClusterComputeResource. */
static const char *const folder_paths[] = {"name", "parent"};
static const char *const compute_paths[] = {"name", "parent"};
static const char *const host_paths[] = {
    "name", "parent", "runtime.powerState", "runtime.connectionState"};
static const char *const host_uuid_paths[] = {
    "name", "parent", "runtime.powerState", "runtime.connectionState",
    "hardware.systemInfo.uuid"};
static const char *const vm_paths[] = {
    "name",           "parent",      "runtime.powerState",
    "runtime.connectionState", "runtime.host", "config.template"};
static const char *const vm_uuid_paths[] = {
    "name",           "parent",      "runtime.powerState",
    "runtime.connectionState", "runtime.host", "config.template",
    "config.instanceUuid"};

#define SPEC(type, paths) {type, paths, sizeof(paths) / sizeof(paths[0])}

void vs_inventory_init(vs_inventory_t *inv) { memset(inv, 0, sizeof(*inv)); }

void vs_inventory_free(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++)
    vs_series_table_free(&inv->objects[i].series);
  free(inv->objects);
  vs_arena_free(&inv->strings);
  vs_index_free(&inv->by_moref);
  memset(inv, 0, sizeof(*inv));
}

const char *vs_inv_str(const vs_inventory_t *inv, const char *s) {
  (void)inv;
  return s != NULL ? s : "";
}

const vs_object_t *vs_inv_at(const vs_inventory_t *inv, int index) {
  return index < 0 || (size_t)index >= inv->num ? NULL : &inv->objects[index];
}

const char *vs_inventory_intern(vs_inventory_t *inv, const char *s) {
  const char *copy = vs_arena_strdup(&inv->strings, s);
  return copy != NULL ? copy : "";
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
  int mo = vs_mo_from_type(mo_type);
  if (mo < 0 || moref[0] == 0)
    return 0;
  if (inv->num == inv->cap) {
    size_t cap = inv->cap ? inv->cap * 2 : 64;
    vs_object_t *objects = realloc(inv->objects, cap * sizeof(*objects));
    if (objects == NULL)
      return -1;
    inv->objects = objects;
    inv->cap = cap;
  }
  vs_object_t o = {.mo = (vs_mo_t)mo,
                   .id_host = "",
                   .id_plugin_instance = "",
                   .kind = vs_mo_kind((vs_mo_t)mo),
                   .parent = -1,
                   .host = -1,
                   .datacenter = -1,
                   .compute = -1,
                   .mark_us = -1};
  char name[VS_PAGE_MAX_VALUE];
  vs_utf8_copy(name, prop(props, props_num, "name"), sizeof(name));
  vs_name_decode(name);
  o.moref = vs_inventory_intern(inv, moref);
  o.name = vs_inventory_intern(inv, name[0] ? name : moref);
  o.parent_ref = vs_inventory_intern(inv, prop(props, props_num, "parent"));
  o.host_ref = vs_inventory_intern(inv, prop(props, props_num, "runtime.host"));
  const char *uuid = prop(props, props_num, "config.instanceUuid");
  if (uuid[0] == 0)
    uuid = prop(props, props_num, "hardware.systemInfo.uuid");
  o.uuid = vs_inventory_intern(inv, uuid);
  if (inv->strings.failed)
    return -1;
  o.powered_on =
      strcmp(prop(props, props_num, "runtime.powerState"), "poweredOn") == 0;
  /* A property a server does not send counts as connected. */
  const char *conn = prop(props, props_num, "runtime.connectionState");
  o.connected = conn[0] == 0 || strcmp(conn, "connected") == 0;
  o.template_ = strcmp(prop(props, props_num, "config.template"), "true") == 0;
  inv->objects[inv->num++] = o;
  return 0;
}

/* The nearest ancestor of an object (itself included) of a type. */
static int ancestor(const vs_inventory_t *inv, int i, vs_mo_t mo) {
  for (int depth = 0; i >= 0 && depth < MAX_DEPTH; depth++) {
    if (inv->objects[i].mo == mo)
      return i;
    i = inv->objects[i].parent;
  }
  return -1;
}

static int lookup(const vs_inventory_t *inv, const char *ref) {
  return ref[0] == 0 ? -1 : vs_index_get(&inv->by_moref, ref);
}

static void resolve(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    o->parent = lookup(inv, o->parent_ref);
    if (o->mo == VS_MO_VM)
      o->host = lookup(inv, o->host_ref);
    else if (o->mo == VS_MO_HOST)
      o->host = (int)i;
  }
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    o->datacenter = ancestor(inv, (int)i, VS_MO_DATACENTER);
    if (o->mo == VS_MO_CLUSTER || o->mo == VS_MO_COMPUTE_RESOURCE)
      o->compute = (int)i;
    else if (o->mo == VS_MO_HOST && o->parent >= 0) {
      vs_mo_t pm = inv->objects[o->parent].mo;
      if (pm == VS_MO_CLUSTER || pm == VS_MO_COMPUTE_RESOURCE)
        o->compute = o->parent;
    }
  }
  /* A VM takes its cluster from its host; its datacenter from its folder,
   * else from its host (a VM in a vApp has a resource pool above). */
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->mo != VS_MO_VM || o->host < 0)
      continue;
    const vs_object_t *h = &inv->objects[o->host];
    o->compute = h->compute;
    if (o->datacenter < 0)
      o->datacenter = h->datacenter;
  }
}

static void count(vs_inventory_t *inv) {
  memset(inv->per_kind, 0, sizeof(inv->per_kind));
  memset(inv->active_per_kind, 0, sizeof(inv->active_per_kind));
  for (size_t i = 0; i < inv->num; i++) {
    const vs_object_t *o = &inv->objects[i];
    if (o->kind < 0 || !o->in_shard)
      continue;
    inv->per_kind[o->kind]++;
    if (o->active)
      inv->active_per_kind[o->kind]++;
  }
}

static void decide_active(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    o->in_shard = true;
    if (o->mo == VS_MO_HOST)
      o->active = o->powered_on && o->connected;
    else /* VM: on, reachable, and its host too (vCenter asks the host) */
      o->active = o->powered_on && o->connected && !o->template_ &&
                  (o->host < 0 || inv->objects[o->host].connected);
  }
  count(inv);
}

int vs_shard_of(const char *moref, int n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a: stable everywhere */
  for (const char *p = moref; *p; p++) {
    h ^= (unsigned char)*p;
    h *= 1099511628211ULL;
  }
  return n > 1 ? (int)(h % (uint64_t)n) : 0;
}

void vs_inventory_shard(vs_inventory_t *inv, int k, int n) {
  if (n <= 1)
    return;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    o->in_shard = vs_shard_of(o->moref, n) == k - 1;
    if (!o->in_shard)
      o->active = false;
  }
  count(inv);
}

/* Moves what collection learnt about an object from the old inventory. */
static void carry_state(vs_inventory_t *inv, vs_inventory_t *old) {
  if (old == NULL || old->num == 0)
    return;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    vs_object_t *prev = vs_inventory_find(old, vs_inv_str(inv, o->moref));
    if (prev == NULL || prev->kind != o->kind)
      continue;
    o->mark_us = prev->mark_us;
    o->dup_logged = prev->dup_logged;
    o->slow = prev->slow;
    o->gone_until = prev->gone_until;
    vs_series_table_free(&o->series);
    o->series = prev->series;
    memset(&prev->series, 0, sizeof(prev->series));
  }
}

int vs_inventory_finish(vs_inventory_t *inv, vs_inventory_t *old) {
  vs_index_free(&inv->by_moref);
  if (vs_index_init(&inv->by_moref, inv->num) != 0)
    return -1;
  for (size_t i = 0; i < inv->num; i++)
    if (vs_index_put(&inv->by_moref, vs_inv_str(inv, inv->objects[i].moref),
                     (int)i) != 0)
      return -1;
  resolve(inv);
  decide_active(inv);
  carry_state(inv, old);
  return 0;
}

/* ---- discovery ---- */

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

static int create_view(vs_session_t *s, const vs_prop_spec_t *specs,
                       size_t n, char *view, vs_error_t *err) {
  const char *types[8];
  for (size_t i = 0; i < n; i++)
    types[i] = specs[i].type;
  vs_soap_create_container_view(&s->request, &s->sc, types, n);
  vs_xml_handler_t h = {.end = view_end, .ctx = view,
                        .expect = "CreateContainerViewResponse"};
  int rc = vs_session_call(s, &h, err);
  if (rc == VS_OK && view[0] == 0)
    rc = (vs_error_set(err, VS_ERR_PARSE,
                       "CreateContainerView returned no view"),
          err->rc);
  return rc;
}

static void destroy_view(vs_session_t *s, const char *view) {
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "DestroyViewResponse"};
  vs_soap_destroy_view(&s->request, view);
  vs_session_call(s, &none, &err); /* best effort */
}

static size_t discovery_specs(const bool want[VS_KIND_NUM], bool want_uuid,
                              vs_prop_spec_t *specs) {
  size_t n = 0;
  specs[n++] = (vs_prop_spec_t)SPEC("Folder", folder_paths);
  specs[n++] = (vs_prop_spec_t)SPEC("Datacenter", folder_paths);
  specs[n++] = (vs_prop_spec_t)SPEC("ComputeResource", compute_paths);
  /* Hosts are read even when not collected: a VM's cluster, ESXi host
   * and whether it can be queried come from its host. */
  specs[n++] = want_uuid ? (vs_prop_spec_t)SPEC("HostSystem", host_uuid_paths)
                         : (vs_prop_spec_t)SPEC("HostSystem", host_paths);
  if (want[VS_KIND_VM])
    specs[n++] = want_uuid
                     ? (vs_prop_spec_t)SPEC("VirtualMachine", vm_uuid_paths)
                     : (vs_prop_spec_t)SPEC("VirtualMachine", vm_paths);
  return n;
}

int vs_inventory_discover(vs_session_t *s, const bool want[VS_KIND_NUM],
                          bool want_uuid, vs_inventory_t *out,
                          vs_error_t *err) {
  vs_prop_spec_t specs[8];
  size_t n = discovery_specs(want, want_uuid, specs);
  char view[VS_MOREF_LEN] = "";
  int rc = create_view(s, specs, n, view, err);
  if (rc != VS_OK)
    return rc;

  discover_ctx_t d = {.inv = out};
  vs_prop_page_t *page = malloc(sizeof(*page));
  if (page == NULL) {
    destroy_view(s, view);
    vs_error_set(err, VS_ERR_NOMEM, "out of memory");
    return err->rc;
  }
  vs_soap_retrieve_view(&s->request, &s->sc, view, specs, n,
                        s->cfg->inventory_page_size);
  /* Bounded: a vCenter cannot make us page forever. */
  for (int pages = 0; pages < 100000; pages++) {
    vs_prop_page_init(page, on_object, &d);
    vs_xml_handler_t h = vs_parse_prop_page(page);
    h.expect = pages == 0 ? "RetrievePropertiesExResponse"
                          : "ContinueRetrievePropertiesExResponse";
    rc = vs_session_call(s, &h, err);
    if (rc == VS_OK && d.out_of_memory)
      rc = (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
    if (rc != VS_OK || page->token[0] == 0)
      break;
    vs_soap_continue_retrieve(&s->request, &s->sc, page->token);
  }
  free(page);
  /* A lost session has no view left to destroy. */
  if (rc != VS_ERR_NOAUTH)
    destroy_view(s, view);
  return rc;
}
