/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_inventory.c
 */
#include "collectd.h"

#include "utils/common/common.h"
#include "vs_inventory.h"
#include "vs_parse.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bound of parent walks: a malformed answer cannot make us loop. */
#define MAX_DEPTH 64
/* Bound of the pages of one retrieval. */
#define VS_MAX_PAGES 100000

/* Properties read for the structure, naming and planning. A propSet of
 * ComputeResource also matches ClusterComputeResource. */
static const char *const named_paths[] = {"name", "parent"};
static const char *const host_paths[] = {"name", "parent", "runtime.powerState",
                                         "runtime.connectionState"};
static const char *const vm_paths[] = {"name",
                                       "parent",
                                       "parentVApp",
                                       "runtime.powerState",
                                       "runtime.connectionState",
                                       "runtime.host",
                                       "config.template"};
static const char *const host_uuid = "hardware.systemInfo.uuid";
static const char *const ds_url = "summary.url";
static const char *const vm_uuid = "config.instanceUuid";
/* What the state pass reads besides a kind's state paths. */
static const char *const vm_state_extra[] = {"runtime.powerState",
                                             "config.template"};
static const char *const host_state_extra[] = {"runtime.powerState",
                                               "runtime.connectionState"};

void vs_inventory_init(vs_inventory_t *inv) { memset(inv, 0, sizeof(*inv)); }

void vs_inventory_free(vs_inventory_t *inv) {
  for (size_t i = 0; i < inv->num; i++) {
    vs_series_table_free(&inv->objects[i].series);
    free(inv->objects[i].states);
  }
  free(inv->objects);
  vs_arena_free(&inv->strings);
  vs_index_free(&inv->by_moref);
  vs_index_free(&inv->by_ds_uuid);
  memset(inv, 0, sizeof(*inv));
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

void vs_datastore_url_id(const char *url, char *buf, size_t size) {
  /* ds:///vmfs/volumes/<id>/ (VMFS, NFS, vSAN "vsan:<id>", vVols) */
  static const char prefix[] = "ds:///vmfs/volumes/";
  buf[0] = 0;
  if (strncmp(url, prefix, sizeof(prefix) - 1) != 0)
    return;
  const char *id = url + sizeof(prefix) - 1;
  size_t len = strcspn(id, "/");
  if (len == 0 || len >= size)
    return;
  memcpy(buf, id, len);
  buf[len] = 0;
}

const char *vs_inventory_datastore_name(const vs_inventory_t *inv,
                                        const char *id) {
  if (inv->by_ds_uuid.cap == 0 || id[0] == 0)
    return NULL;
  int i = vs_index_get(&inv->by_ds_uuid, id);
  return i < 0 ? NULL : inv->objects[i].name;
}

/* Room for one more object: 0, or -1 when out of memory. */
static int reserve_object(vs_inventory_t *inv) {
  if (inv->num < inv->cap)
    return 0;
  vs_object_t *objects = vs_grow(inv->objects, &inv->cap, sizeof(*objects), 64);
  if (objects == NULL)
    return -1;
  inv->objects = objects;
  return 0;
}

/* An object of a type, before finish resolves where it stands. */
static vs_object_t blank_object(vs_mo_t mo, int kind) {
  return (vs_object_t){.mo = mo,
                       .kind = kind,
                       .id_host = "",
                       .id_plugin_instance = "",
                       .ds_uuid = "",
                       .parent = -1,
                       .host = -1,
                       .datacenter = -1,
                       .compute = -1,
                       .mark_us = -1};
}

int vs_inventory_add_props(vs_inventory_t *inv, const char *mo_type,
                           const char *moref, const vs_prop_t *props,
                           size_t props_num) {
  int mo = vs_mo_from_type(mo_type);
  if (mo < 0 || moref[0] == 0)
    return 0;
  if (reserve_object(inv) != 0)
    return -1;
  vs_object_t o = blank_object((vs_mo_t)mo, vs_mo_kind((vs_mo_t)mo));
  char name[VS_PAGE_MAX_VALUE];
  vs_utf8_copy(name, vs_prop_value(props, props_num, "name", ""), sizeof(name));
  vs_name_decode(name);
  o.moref = vs_inventory_intern(inv, moref);
  o.name = vs_inventory_intern(inv, name[0] ? name : moref);
  /* A VM in a vApp has no parent folder, but its vApp. */
  const char *parent = vs_prop_value(props, props_num, "parent", "");
  if (parent[0] == 0)
    parent = vs_prop_value(props, props_num, "parentVApp", "");
  o.parent_ref = vs_inventory_intern(inv, parent);
  o.host_ref = vs_inventory_intern(
      inv, vs_prop_value(props, props_num, "runtime.host", ""));
  const char *uuid = vs_prop_value(props, props_num, "config.instanceUuid", "");
  if (uuid[0] == 0)
    uuid = vs_prop_value(props, props_num, "hardware.systemInfo.uuid", "");
  o.uuid = vs_inventory_intern(inv, uuid);
  char id[VS_PAGE_MAX_VALUE];
  vs_datastore_url_id(vs_prop_value(props, props_num, ds_url, ""), id,
                      sizeof(id));
  if (id[0] != 0)
    o.ds_uuid = vs_inventory_intern(inv, id);
  if (inv->strings.failed)
    return -1;
  o.powered_on =
      strcmp(vs_prop_value(props, props_num, "runtime.powerState", ""),
             "poweredOn") == 0;
  /* A property a server does not send counts as connected. */
  const char *conn =
      vs_prop_value(props, props_num, "runtime.connectionState", "");
  o.connected = conn[0] == 0 || strcmp(conn, "connected") == 0;
  o.template_ = strcmp(vs_prop_value(props, props_num, "config.template", ""),
                       "true") == 0;
  inv->objects[inv->num++] = o;
  return 0;
}

/* A copy of an object of another inventory, before finish: its strings
 * interned here, its state values moved. */
static int add_copy(vs_inventory_t *inv, vs_object_t *from) {
  if (reserve_object(inv) != 0)
    return -1;
  vs_object_t o = blank_object(from->mo, from->kind);
  o.powered_on = from->powered_on;
  o.connected = from->connected;
  o.template_ = from->template_;
  o.moref = vs_inventory_intern(inv, from->moref);
  o.name = vs_inventory_intern(inv, from->name);
  o.uuid = vs_inventory_intern(inv, from->uuid);
  o.ds_uuid = vs_inventory_intern(inv, from->ds_uuid);
  o.parent_ref = vs_inventory_intern(inv, from->parent_ref);
  o.host_ref = vs_inventory_intern(inv, from->host_ref);
  if (inv->strings.failed)
    return -1;
  o.states = from->states;
  o.states_num = from->states_num;
  o.states_us = from->states_us;
  from->states = NULL;
  from->states_num = 0;
  inv->objects[inv->num++] = o;
  return 0;
}

int vs_inventory_merge(vs_inventory_t *out, vs_inventory_t *cur,
                       vs_inventory_t *delta, const vs_index_t *drop) {
  vs_index_t fresh;
  if (vs_index_init(&fresh, delta->num) != 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; i < delta->num && rc == 0; i++)
    rc = vs_index_put(&fresh, delta->objects[i].moref, (int)i);
  for (size_t i = 0; i < cur->num && rc == 0; i++) {
    vs_object_t *o = &cur->objects[i];
    if (vs_index_get(&fresh, o->moref) < 0 &&
        (drop == NULL || vs_index_get(drop, o->moref) < 0))
      rc = add_copy(out, o);
  }
  for (size_t i = 0; i < delta->num && rc == 0; i++)
    if (drop == NULL || vs_index_get(drop, delta->objects[i].moref) < 0)
      rc = add_copy(out, &delta->objects[i]);
  vs_index_free(&fresh);
  return rc;
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
    if (o->mo == VS_MO_HOST || o->mo == VS_MO_RESOURCE_POOL ||
        o->mo == VS_MO_CLUSTER || o->mo == VS_MO_COMPUTE_RESOURCE) {
      /* a host's, a pool's cluster (or stand-alone compute resource) */
      int c = ancestor(inv, (int)i, VS_MO_CLUSTER);
      o->compute = c >= 0 ? c : ancestor(inv, (int)i, VS_MO_COMPUTE_RESOURCE);
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

void vs_inventory_recount(vs_inventory_t *inv) {
  memset(inv->per_kind, 0, sizeof(inv->per_kind));
  memset(inv->active_per_kind, 0, sizeof(inv->active_per_kind));
  for (size_t i = 0; i < inv->num; i++) {
    const vs_object_t *o = &inv->objects[i];
    if (o->kind < 0 || !o->selected)
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
    o->selected = true;
    if (o->mo == VS_MO_HOST)
      o->active = o->powered_on && o->connected;
    else if (o->mo == VS_MO_VM) /* on, reachable, and its host too */
      o->active = o->powered_on && o->connected && !o->template_ &&
                  (o->host < 0 || inv->objects[o->host].connected);
    else /* clusters, datastores, pools, datacenters: vCenter's own data */
      o->active = true;
  }
  vs_inventory_recount(inv);
}

int vs_shard_of(const char *moref, int n) {
  /* Unseeded: the same in every process and across restarts. */
  return n > 1 ? (int)(vs_hash64(moref, 0) % (uint64_t)n) : 0;
}

void vs_inventory_shard(vs_inventory_t *inv, int k, int n) {
  if (n <= 1)
    return;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0 || vs_shard_of(o->moref, n) == k - 1)
      continue;
    o->selected = false;
    o->active = false;
  }
  vs_inventory_recount(inv);
}

/* Moves what collection learnt about an object from the old inventory. */
static void carry_state(vs_inventory_t *inv, vs_inventory_t *old) {
  if (old == NULL || old->num == 0)
    return;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    vs_object_t *prev = vs_inventory_find(old, o->moref);
    if (prev == NULL || prev->kind != o->kind)
      continue;
    o->mark_us = prev->mark_us;
    o->dup_logged = prev->dup_logged;
    o->slow = prev->slow;
    o->isolated = prev->isolated;
    o->states_sent = prev->states_sent;
    o->tags_sent = prev->tags_sent;
    o->gone_until = prev->gone_until;
    vs_series_table_free(&o->series);
    o->series = prev->series;
    memset(&prev->series, 0, sizeof(prev->series));
  }
}

/* The datastores by volume id (none: no index). */
static int index_datastores(vs_inventory_t *inv) {
  size_t n = 0;
  vs_index_free(&inv->by_ds_uuid);
  for (size_t i = 0; i < inv->num; i++)
    n += inv->objects[i].ds_uuid[0] != 0;
  if (n == 0)
    return 0;
  if (vs_index_init(&inv->by_ds_uuid, n) != 0)
    return -1;
  for (size_t i = 0; i < inv->num; i++)
    if (inv->objects[i].ds_uuid[0] != 0 &&
        vs_index_put(&inv->by_ds_uuid, inv->objects[i].ds_uuid, (int)i) != 0)
      return -1;
  return 0;
}

int vs_inventory_finish(vs_inventory_t *inv, vs_inventory_t *old) {
  vs_index_free(&inv->by_moref);
  if (vs_index_init(&inv->by_moref, inv->num) != 0)
    return -1;
  for (size_t i = 0; i < inv->num; i++)
    if (vs_index_put(&inv->by_moref, inv->objects[i].moref, (int)i) != 0)
      return -1;
  if (index_datastores(inv) != 0)
    return -1;
  resolve(inv);
  decide_active(inv);
  carry_state(inv, old);
  return 0;
}

void vs_inventory_path(const vs_inventory_t *inv, const vs_object_t *o,
                       char *buf, size_t size) {
  /* The names from the object up to the top (the root folder is not in
   * the inventory: a container view lists what is inside it). */
  const vs_object_t *chain[MAX_DEPTH];
  int n = 0;
  for (const vs_object_t *p = o; p != NULL && n < MAX_DEPTH;
       p = vs_inv_at(inv, p->parent))
    chain[n++] = p;
  size_t len = 0;
  buf[0] = 0;
  for (int i = n - 1; i >= 0 && len + 1 < size; i--) {
    buf[len++] = '/';
    /* Names as vSphere stores them in paths: '/', '\\' and '%' escaped. */
    for (const char *c = chain[i]->name; *c && len + 4 < size; c++) {
      const char *esc = *c == '/'    ? "%2f"
                        : *c == '\\' ? "%5c"
                        : *c == '%'  ? "%25"
                                     : NULL;
      if (esc != NULL) {
        memcpy(buf + len, esc, 3);
        len += 3;
      } else {
        buf[len++] = *c;
      }
    }
    buf[len] = 0;
  }
}

/* ---- discovery ---- */

typedef vs_inventory_reader_t discover_ctx_t;

static void on_subprop(void *ctx, const char *type, const char *moref,
                       const char *prop, int item, const char *path,
                       const char *text) {
  (void)type;
  discover_ctx_t *d = ctx;
  if (strcmp(d->scratch_moref, moref) != 0) { /* the next object */
    vs_state_scratch_reset(&d->scratch);
    sstrncpy(d->scratch_moref, moref, sizeof(d->scratch_moref));
  }
  vs_state_subprop(&d->scratch, prop, item, path, text);
}

bool vs_discovery_collects(const vs_discovery_t *what, int kind,
                           const char *moref) {
  if (kind < 0 || !what->kinds[kind])
    return false;
  return what->shard_n <= 1 ||
         vs_shard_of(moref, what->shard_n) == what->shard_k - 1;
}

/* Whether a change touches what names an object or places it in the
 * hierarchy (which every shard needs: naming sees every object). */
static bool identity_changed(const vs_prop_t *props, size_t props_num) {
  static const char *const identity[] = {
      "name",         "parent",          "parentVApp",
      "runtime.host", "config.template", "summary.url"};
  for (size_t i = 0; i < props_num; i++) {
    if (strcmp(props[i].name, host_uuid) == 0 ||
        strcmp(props[i].name, vm_uuid) == 0)
      return true;
    for (size_t j = 0; j < sizeof(identity) / sizeof(identity[0]); j++)
      if (strcmp(props[i].name, identity[j]) == 0)
        return true;
  }
  return false;
}

/* The object's state values, from its properties. */
static void set_states(discover_ctx_t *d, vs_object_t *o,
                       const vs_prop_t *props, size_t props_num) {
  if (strcmp(d->scratch_moref, o->moref) != 0) /* no structured property */
    vs_state_scratch_reset(&d->scratch);
  d->scratch_moref[0] = 0;
  free(o->states);
  o->states = NULL;
  o->states_num = 0;
  if (!d->what->states || o->template_ ||
      !vs_discovery_collects(d->what, o->kind, o->moref))
    return;
  vs_state_value_t values[VS_STATE_MAX_VALUES];
  size_t n = vs_state_values((vs_kind_t)o->kind, props, props_num, &d->scratch,
                             d->now_us, values, VS_STATE_MAX_VALUES);
  if (n == 0)
    return;
  /* The object owns its values and their strings: a state pass replaces
   * them and never grows the inventory's arena. */
  o->states = vs_state_copy(values, n);
  if (o->states == NULL) {
    d->out_of_memory = true;
    return;
  }
  o->states_num = (uint16_t)n;
  o->states_us = d->now_us;
}

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  discover_ctx_t *d = ctx;
  vs_object_t *o;
  vs_update_kind_t kind = d->page != NULL ? d->page->kind : VS_UPDATE_NONE;
  if (kind == VS_UPDATE_MODIFY || kind == VS_UPDATE_LEAVE) {
    d->scratch_moref[0] = 0; /* a change carries only what changed */
    int mo = vs_mo_from_type(type);
    int collected = mo >= 0 ? vs_mo_kind((vs_mo_t)mo) : -1;
    if (kind == VS_UPDATE_MODIFY && collected >= 0 &&
        !vs_discovery_collects(d->what, collected, moref) &&
        !identity_changed(props, props_num)) {
      d->ignored++; /* another shard's state values */
      return;
    }
    if (d->changed != NULL)
      d->changed(d->changed_ctx, type, moref, kind == VS_UPDATE_LEAVE);
    return;
  }
  if (d->update) {
    o = vs_inventory_find(d->inv, moref);
    if (o == NULL) /* new since the discovery: it waits for the next */
      return;
    o->template_ =
        strcmp(vs_prop_value(props, props_num, "config.template", ""),
               "true") == 0;
    d->updated++;
  } else {
    size_t before = d->inv->num;
    if (vs_inventory_add_props(d->inv, type, moref, props, props_num) != 0) {
      d->out_of_memory = true;
      return;
    }
    if (d->inv->num == before)
      return; /* a type the inventory does not keep */
    o = &d->inv->objects[d->inv->num - 1];
  }
  set_states(d, o, props, props_num);
}

/* CreateContainerViewResponse > returnval: the view's moref. */
static void view_end(void *ctx, int depth, const char *name, const char *parent,
                     const char *text, size_t len) {
  (void)depth;
  (void)len;
  if (strcmp(name, "returnval") == 0 &&
      strcmp(parent, "CreateContainerViewResponse") == 0)
    sstrncpy(ctx, text, VS_MOREF_LEN);
}

int vs_inventory_create_view(vs_session_t *s, const vs_prop_spec_t *specs,
                             size_t n, char *view, vs_error_t *err) {
  const char *types[VS_MO_NUM + 1];
  size_t types_num = 0;
  bool compute = false; /* a view of ComputeResource holds clusters too */
  for (size_t i = 0; i < n; i++)
    compute |= strcmp(specs[i].type, "ComputeResource") == 0;
  for (size_t i = 0; i < n; i++) {
    bool seen = compute && strcmp(specs[i].type, "ClusterComputeResource") == 0;
    for (size_t j = 0; j < types_num; j++)
      seen |= strcmp(types[j], specs[i].type) == 0;
    if (!seen && types_num < VS_MO_NUM)
      types[types_num++] = specs[i].type;
  }
  n = types_num;
  vs_soap_create_container_view(&s->request, &s->sc, types, n);
  vs_xml_handler_t h = {
      .end = view_end, .ctx = view, .expect = "CreateContainerViewResponse"};
  int rc = vs_session_call(s, &h, err);
  if (rc == VS_OK && view[0] == 0)
    rc = (vs_error_set(err, VS_ERR_PARSE,
                       "CreateContainerView returned no view"),
          err->rc);
  return rc;
}

void vs_inventory_destroy_view(vs_session_t *s, const char *view) {
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "DestroyViewResponse"};
  vs_soap_destroy_view(&s->request, view);
  vs_session_call(s, &none, &err); /* best effort */
}

#define MAX_SPEC_PATHS VS_PAGE_MAX_PROPS
typedef vs_spec_set_t spec_set_t;

static void spec_add(spec_set_t *set, const char *type, const char *const *a,
                     size_t an, const char *const *b, size_t bn,
                     const char *extra) {
  size_t i = set->num, n = 0;
  if (an + bn + (extra != NULL) > MAX_SPEC_PATHS) {
    set->overflow = type;
    return;
  }
  for (size_t j = 0; j < an; j++)
    set->paths[i][n++] = a[j];
  for (size_t j = 0; j < bn; j++)
    set->paths[i][n++] = b[j];
  if (extra != NULL)
    set->paths[i][n++] = extra;
  if (n == 0)
    return;
  set->specs[i] = (vs_prop_spec_t){type, set->paths[i], n};
  set->num++;
}

/* More paths for a type than a page keeps: a change to the tables that
 * must not pass silently. */
static int check_specs(const spec_set_t *set, vs_error_t *err) {
  if (set->overflow == NULL)
    return VS_OK;
  vs_error_set(err, VS_ERR_CONFIG,
               "more than %d properties asked for %s (raise "
               "VS_PAGE_MAX_PROPS)",
               MAX_SPEC_PATHS, set->overflow);
  return err->rc;
}

#define N(a) a, sizeof(a) / sizeof(a[0])

/* The state paths of a kind, and the optional ones asked for, into buf,
 * if its states are read: how many. */
static size_t state_paths(const vs_discovery_t *what, vs_kind_t kind,
                          const char **buf) {
  if (!what->states || !what->kinds[kind])
    return 0;
  const char *const *fixed;
  size_t n = vs_state_paths(kind, &fixed);
  if (n > MAX_SPEC_PATHS)
    n = MAX_SPEC_PATHS;
  memcpy(buf, fixed, n * sizeof(*buf));
  return n + vs_state_optional_paths(kind, &what->optional, buf + n,
                                     MAX_SPEC_PATHS - n);
}

/* Whether datastores' ids are read to name counter instances: only for
 * the kinds whose counters have them. */
static bool datastore_names(const vs_discovery_t *what) {
  return what->datastore_names &&
         (what->kinds[VS_KIND_VM] || what->kinds[VS_KIND_HOST]);
}

/* What a discovery reads (`structure`: hierarchy, names, states), or a
 * state pass (the state paths of the kinds with states). */
static void build_specs(const vs_discovery_t *what, bool structure,
                        spec_set_t *set) {
  static const vs_kind_t named[] = {VS_KIND_DATACENTER, VS_KIND_CLUSTER,
                                    VS_KIND_DATASTORE, VS_KIND_RESOURCE_POOL};
  const char *sp[MAX_SPEC_PATHS];
  size_t sn;
  set->num = 0;
  set->overflow = NULL;
  if (structure) {
    spec_add(set, "Folder", N(named_paths), NULL, 0, NULL);
    spec_add(set, "ComputeResource", N(named_paths), NULL, 0, NULL);
  }
  /* Hosts are read even when not collected: a VM's cluster, ESXi host
   * and whether it can be queried come from its host. */
  sn = state_paths(what, VS_KIND_HOST, sp);
  if (structure)
    spec_add(set, "HostSystem", N(host_paths), sp, sn,
             what->uuid ? host_uuid : NULL);
  else if (sn > 0)
    spec_add(set, "HostSystem", N(host_state_extra), sp, sn, NULL);
  sn = state_paths(what, VS_KIND_VM, sp);
  if (structure && what->kinds[VS_KIND_VM])
    spec_add(set, "VirtualMachine", N(vm_paths), sp, sn,
             what->uuid ? vm_uuid : NULL);
  else if (!structure && sn > 0)
    spec_add(set, "VirtualMachine", N(vm_state_extra), sp, sn, NULL);
  for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
    vs_kind_t k = named[i];
    const char *type = vs_kind_info(k)->mo_type;
    sn = state_paths(what, k, sp);
    if (!structure)
      spec_add(set, type, sp, sn, NULL, 0, NULL);
    else if (k == VS_KIND_CLUSTER) /* named through ComputeResource */
      spec_add(set, type, sp, sn, NULL, 0, NULL);
    else if (k == VS_KIND_DATASTORE &&
             (what->kinds[k] || datastore_names(what)))
      spec_add(set, type, N(named_paths), sp, sn,
               datastore_names(what) ? ds_url : NULL);
    else if (k == VS_KIND_DATACENTER || what->kinds[k])
      spec_add(set, type, N(named_paths), sp, sn, NULL);
  }
}

/* Ends a paged retrieval that will not be read to its end: vCenter keeps
 * the remaining pages for the session until then. Best effort. */
static void cancel_retrieval(vs_session_t *s, const char *token) {
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "CancelRetrievePropertiesExResponse"};
  vs_soap_cancel_retrieve(&s->request, &s->sc, token);
  vs_session_call(s, &none, &err);
}

void vs_inventory_reader_init(vs_inventory_reader_t *r, vs_inventory_t *inv,
                              const vs_discovery_t *what) {
  memset(r, 0, sizeof(*r));
  r->inv = inv;
  r->what = what;
  r->now_us = vs_wall_us();
  vs_state_scratch_reset(&r->scratch);
}

void vs_inventory_reader_page(vs_inventory_reader_t *r, vs_prop_page_t *page) {
  vs_prop_page_init(page, on_object, r);
  page->subprop = on_subprop;
  r->page = page;
  r->now_us = vs_wall_us(); /* ages and uptimes as of this answer */
}

int vs_inventory_read_pages(vs_session_t *s, vs_inventory_reader_t *d,
                            vs_error_t *err) {
  vs_prop_page_t *page = malloc(sizeof(*page));
  char *pending = malloc(sizeof(page->token)); /* token of pages not read */
  if (page == NULL || pending == NULL) {
    free(page);
    free(pending);
    vs_error_set(err, VS_ERR_NOMEM, "out of memory");
    return err->rc;
  }
  pending[0] = 0;
  int rc = VS_OK;
  /* Bounded: a vCenter cannot make us page forever. */
  for (int pages = 0; pages < VS_MAX_PAGES; pages++) {
    vs_inventory_reader_page(d, page);
    vs_xml_handler_t h = vs_parse_prop_page(page);
    h.expect = pages == 0 ? "RetrievePropertiesExResponse"
                          : "ContinueRetrievePropertiesExResponse";
    rc = vs_session_call(s, &h, err);
    if (rc == VS_OK)
      rc = vs_inventory_reader_check(d, err);
    if (rc == VS_OK)
      sstrncpy(pending, page->token, sizeof(page->token));
    if (rc != VS_OK || pending[0] == 0)
      break;
    vs_soap_continue_retrieve(&s->request, &s->sc, pending);
  }
  d->page = NULL;
  if (rc == VS_OK && pending[0] != 0)
    rc = (vs_error_set(err, VS_ERR_PARSE, "more than %d pages", VS_MAX_PAGES),
          err->rc);
  /* A lost session has no pending pages left. */
  if (rc != VS_ERR_NOAUTH && pending[0] != 0)
    cancel_retrieval(s, pending);
  free(page);
  free(pending);
  return rc;
}

int vs_inventory_reader_check(const vs_inventory_reader_t *d, vs_error_t *err) {
  if (d->out_of_memory)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  if (d->page != NULL && d->page->props_dropped > 0)
    return (vs_error_set(err, VS_ERR_PARSE,
                         "an object with more than %d properties",
                         VS_PAGE_MAX_PROPS),
            err->rc);
  return VS_OK;
}

/* Reads every page of one RetrievePropertiesEx over a ContainerView of
 * the specs' types into the discovery context. */
static int read_view(vs_session_t *s, const spec_set_t *set, discover_ctx_t *d,
                     vs_error_t *err) {
  char view[VS_MOREF_LEN] = "";
  int rc = vs_inventory_create_view(s, set->specs, set->num, view, err);
  if (rc != VS_OK)
    return rc;
  vs_soap_retrieve_view(&s->request, &s->sc, view, set->specs, set->num,
                        s->cfg->inventory_page_size);
  rc = vs_inventory_read_pages(s, d, err);
  /* A lost session has no view left. */
  if (rc != VS_ERR_NOAUTH)
    vs_inventory_destroy_view(s, view);
  return rc;
}

/* Whether both spec sets of the widest discovery fit (a unit test keeps
 * the property tables within what a page keeps). */
int vs_inventory_check_specs(const vs_discovery_t *what, vs_error_t *err) {
  spec_set_t set;
  build_specs(what, true, &set);
  if (check_specs(&set, err) != VS_OK)
    return err->rc;
  build_specs(what, false, &set);
  return check_specs(&set, err);
}

int vs_inventory_specs(const vs_discovery_t *what, vs_spec_set_t *set,
                       vs_error_t *err) {
  build_specs(what, true, set);
  return check_specs(set, err);
}

int vs_inventory_discover(vs_session_t *s, const vs_discovery_t *what,
                          vs_inventory_t *out, vs_error_t *err) {
  spec_set_t set;
  if (vs_inventory_specs(what, &set, err) != VS_OK)
    return err->rc;
  discover_ctx_t d;
  vs_inventory_reader_init(&d, out, what);
  return read_view(s, &set, &d, err);
}

int vs_inventory_read_states(vs_session_t *s, const vs_discovery_t *what,
                             vs_inventory_t *inv, size_t *updated,
                             vs_error_t *err) {
  spec_set_t set;
  build_specs(what, false, &set);
  *updated = 0;
  if (check_specs(&set, err) != VS_OK || set.num == 0)
    return check_specs(&set, err);
  discover_ctx_t d;
  vs_inventory_reader_init(&d, inv, what);
  d.update = true;
  int rc = read_view(s, &set, &d, err);
  *updated = d.updated;
  return rc;
}

void vs_inventory_tracking(const vs_inventory_t *inv, size_t *series,
                           size_t *bytes) {
  *series = 0;
  *bytes = inv->cap * sizeof(*inv->objects) + inv->strings.bytes +
           inv->by_moref.cap * (sizeof(char *) + sizeof(int));
  for (size_t i = 0; i < inv->num; i++) {
    const vs_object_t *o = &inv->objects[i];
    *series += o->series.num;
    *bytes += vs_series_table_bytes(&o->series) +
              o->states_num * sizeof(vs_state_value_t);
  }
}
