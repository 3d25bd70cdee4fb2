/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_inventory.h
 * The managed objects of a vCenter: discovered with one ContainerView and
 * paged RetrievePropertiesEx calls, kept between reads and refreshed every
 * InventoryInterval. Besides the collected kinds (VMs, hosts) it holds the
 * folders, datacenters and compute resources above them, so that every
 * object knows its datacenter, cluster and (VM) ESXi host, all from the
 * same property collector pass. Per-object collection state (series
 * tracking) moves from the old inventory to the new one by moref.
 */
#ifndef VS_INVENTORY_H
#define VS_INVENTORY_H

#include "vs_kind.h"
#include "vs_parse.h"
#include "vs_series.h"
#include "vs_session.h"
#include "vs_soap.h"
#include "vs_state.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stdint.h>

#define VS_NAME_LEN 128 /* collectd's DATA_MAX_NAME_LEN */

typedef struct {
  vs_mo_t mo;
  int kind;    /* vs_kind_t, or -1 for folders, datacenters, ... */
  bool active; /* to be queried: powered on, connected, host connected */
  bool powered_on;
  bool connected;   /* runtime.connectionState "connected" */
  bool template_;   /* VM templates have no performance data */
  bool gone;        /* left out: a fault was about it (see gone_until) */
  bool in_flight;   /* part of a QueryPerf not yet answered */
  bool slow;        /* its last QueryPerf timed out: batched apart */
  bool isolated;    /* a fault was about it alone: queried alone */
  bool dup_logged;  /* its identity clash was logged */
  bool states_sent; /* its state values reached the writers once */
  bool tags_sent;   /* its vSphere tags reached the writers once */
  bool selected;    /* collected here: its kind is, filters and shard keep it */
  /* Strings live in the inventory's arena; never NULL ("" if absent). */
  const char *moref, *name, *uuid, *parent_ref, *host_ref;
  const char *ds_uuid; /* datastore: the volume id of its summary.url */
  const char *id_host, *id_plugin_instance; /* collectd identity (naming) */
  int parent;                               /* index of the parent, -1 */
  int host;                 /* VM: index of its host; host: itself; else -1 */
  int datacenter;           /* index of its datacenter, -1 */
  int compute;              /* index of its cluster / compute resource, -1 */
  int64_t mark_us;          /* newest sample of its last complete answer, -1 */
  vs_state_value_t *states; /* from its properties (vs_state), or NULL */
  uint16_t states_num;
  int64_t states_us; /* when they were computed (wall clock) */
  double gone_until; /* monotonic s: left out of queries until then */
  vs_series_table_t series;
} vs_object_t;

typedef struct {
  vs_object_t *objects;
  size_t num, cap;
  vs_arena_t strings; /* every string of the objects */
  vs_index_t by_moref;
  vs_index_t by_ds_uuid;        /* datastores by the id their counters' use */
  size_t per_kind[VS_KIND_NUM]; /* in this shard */
  size_t active_per_kind[VS_KIND_NUM]; /* in this shard and queried */
  size_t duplicates; /* objects whose identity had to be disambiguated */
} vs_inventory_t;

void vs_inventory_init(vs_inventory_t *inv);
/* Frees everything; the inventory is then empty, as initialised. */
void vs_inventory_free(vs_inventory_t *inv);
vs_object_t *vs_inventory_find(const vs_inventory_t *inv, const char *moref);
/* The name of the datastore whose volume id (as in its summary.url,
 * "ds:///vmfs/volumes/<id>/") is `id`: performance counters of VMs and
 * hosts use that id as their instance. NULL when no datastore has it. */
const char *vs_inventory_datastore_name(const vs_inventory_t *inv,
                                        const char *id);
/* The volume id of a datastore url, into buf ("" when there is none). */
void vs_datastore_url_id(const char *url, char *buf, size_t size);
/* The object at an index, or NULL for -1. */
const vs_object_t *vs_inv_at(const vs_inventory_t *inv, int index);

/* Adds an object from a property page (pure: used by discovery and tests).
 * Returns 0, or -1 when out of memory. Unknown types are ignored. Names
 * are decoded (%2f, %5c, %25) and cut at a UTF-8 character boundary. */
int vs_inventory_add_props(vs_inventory_t *inv, const char *mo_type,
                           const char *moref, const vs_prop_t *props,
                           size_t props_num);
/* Builds the index, resolves parents, datacenters, clusters and hosts,
 * decides what is active, and moves the collection state of objects also
 * in `old` (which keeps nothing of it). Returns 0 or -1 (out of memory). */
int vs_inventory_finish(vs_inventory_t *inv, vs_inventory_t *old);
/* Keeps shard k (1..n) of the selected objects, by a hash of their moref
 * (stable across restarts and the same in every instance): the others are
 * neither counted nor queried. Call after vs_inventory_finish. */
void vs_inventory_shard(vs_inventory_t *inv, int k, int n);
/* Counts the selected (and active) objects per kind again. */
void vs_inventory_recount(vs_inventory_t *inv);
/* The object's inventory path, /DC1/vm/folder/web01 ('/' in a name
 * escaped as %2f, as vSphere does), into buf. */
void vs_inventory_path(const vs_inventory_t *inv, const vs_object_t *o,
                       char *buf, size_t size);
/* The shard (0..n-1) of a moref. */
int vs_shard_of(const char *moref, int n);

/* Stores a string in the inventory's arena (it never moves); returns it,
 * or "" when out of memory (inv->strings.failed is then set). */
const char *vs_inventory_intern(vs_inventory_t *inv, const char *s);

/* Series tracked, and the bytes the inventory and its tracking hold (for
 * self-monitoring and sizing). */
void vs_inventory_tracking(const vs_inventory_t *inv, size_t *series,
                           size_t *bytes);

/* What a discovery reads. */
typedef struct {
  bool kinds[VS_KIND_NUM];     /* kinds collected */
  bool states;                 /* their state properties too */
  bool uuid;                   /* the uuids (a naming format uses them) */
  vs_state_options_t optional; /* sensors, snapshot size, attributes */
  /* Datastores are read (name, summary.url) even when not collected, so
   * that counters' datastore UUID instances can be named. */
  bool datastore_names;
  /* Shard "k/N" (n <= 1: every object): the state values of objects of
   * other shards are neither kept nor read again when they change. */
  int shard_k, shard_n;
} vs_discovery_t;

/* Whether this process collects an object of `kind` (-1: structure) and
 * moref: its kind is wanted and the shard keeps it. */
bool vs_discovery_collects(const vs_discovery_t *what, int kind,
                           const char *moref);

/* Discovers every kind wanted, and the structure above them, into `out`
 * (which must be initialised), with state values if asked. Returns VS_OK
 * or an error, with the reason in err. */
int vs_inventory_discover(vs_session_t *s, const vs_discovery_t *what,
                          vs_inventory_t *out, vs_error_t *err);

/* VS_OK when the property paths a discovery and a state pass of `what`
 * ask for fit what the page parser keeps per object; a config error
 * naming the type otherwise. */
int vs_inventory_check_specs(const vs_discovery_t *what, vs_error_t *err);

/* Property specs, with room for their paths: as many as the page parser
 * keeps per object (a path asked for is a property that may come). */
typedef struct {
  vs_prop_spec_t specs[VS_MO_NUM + 1];
  const char *paths[VS_MO_NUM + 1][VS_PAGE_MAX_PROPS];
  size_t num;
  const char *overflow; /* a type with more paths than room, or NULL */
} vs_spec_set_t;

/* What a discovery reads: hierarchy, names and state values. VS_OK, or a
 * config error when a type has more paths than a page keeps. */
int vs_inventory_specs(const vs_discovery_t *what, vs_spec_set_t *set,
                       vs_error_t *err);

/* Reads complete objects (pages, or updates of kind enter) into an
 * inventory with their state values; other object updates go to
 * `changed` if set (modify: left == false; leave: left == true). */
typedef void (*vs_changed_cb)(void *ctx, const char *type, const char *moref,
                              bool left);
typedef struct {
  vs_inventory_t *inv;
  const vs_discovery_t *what;
  const vs_prop_page_t *page; /* the page being read (its update kind) */
  bool update;                /* a state pass: objects are found, not added */
  size_t updated;
  size_t ignored; /* changes of other shards' objects, not read again */
  int64_t now_us;
  vs_state_scratch_t scratch; /* of the object being read */
  char scratch_moref[VS_MOREF_LEN];
  bool out_of_memory;
  vs_changed_cb changed;
  void *changed_ctx;
} vs_inventory_reader_t;

void vs_inventory_reader_init(vs_inventory_reader_t *r, vs_inventory_t *inv,
                              const vs_discovery_t *what);
/* Prepares `page` to be read into the reader. */
void vs_inventory_reader_page(vs_inventory_reader_t *r, vs_prop_page_t *page);

/* Reads the RetrievePropertiesEx in s->request and every page after it
 * into the reader (what is left unread is cancelled). */
int vs_inventory_read_pages(vs_session_t *s, vs_inventory_reader_t *r,
                            vs_error_t *err);
/* VS_OK, or the error the reader met on its page (out of memory, an
 * object with more properties than a page keeps). */
int vs_inventory_reader_check(const vs_inventory_reader_t *r, vs_error_t *err);

/* A ContainerView (recursive, from the root folder) of the specs' types
 * into `view`; and its end (best effort). */
int vs_inventory_create_view(vs_session_t *s, const vs_prop_spec_t *specs,
                             size_t n, char *view, vs_error_t *err);
void vs_inventory_destroy_view(vs_session_t *s, const char *view);

/* Builds `out` (initialised, empty) from `cur`'s objects, without those
 * whose moref is in `drop` or in `delta`, and with every object of
 * `delta`; state values move out of `cur` and `delta` (both are left for
 * the caller to free). The caller then finishes `out` against `cur`. */
int vs_inventory_merge(vs_inventory_t *out, vs_inventory_t *cur,
                       vs_inventory_t *delta, const vs_index_t *drop);

/* Reads the state properties of the kinds wanted into the objects of
 * `inv` they belong to (others are ignored until the next discovery);
 * sets *updated to the number of objects updated. */
int vs_inventory_read_states(vs_session_t *s, const vs_discovery_t *what,
                             vs_inventory_t *inv, size_t *updated,
                             vs_error_t *err);

#endif
