/**
 * collectd-vsphere - vs_inventory.h
 * The objects of a vCenter that are collected: discovered with one
 * ContainerView and paged RetrievePropertiesEx calls, kept between reads and
 * refreshed every InventoryInterval. Per-object collection state (the newest
 * sample dispatched) survives a refresh.
 */
#ifndef VS_INVENTORY_H
#define VS_INVENTORY_H

#include "vs_kind.h"
#include "vs_parse.h"
#include "vs_session.h"
#include "vs_soap.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stdint.h>

#define VS_NAME_LEN 128 /* collectd's DATA_MAX_NAME_LEN */

typedef struct {
  vs_kind_t kind;
  bool active; /* powered on (VM) / connected and powered on (host) */
  char moref[VS_MOREF_LEN];
  char name[VS_NAME_LEN];
  char parent[VS_MOREF_LEN]; /* VM: its host; host: its cluster */
  int64_t last_sample_us;    /* newest sample dispatched, -1: none yet */
  int64_t newest_seen_us;    /* newest sample of the query under way */
} vs_object_t;

typedef struct {
  vs_object_t *objects;
  size_t num, cap;
  vs_index_t by_moref;
  size_t per_kind[VS_KIND_NUM];
  size_t active_per_kind[VS_KIND_NUM];
} vs_inventory_t;

void vs_inventory_init(vs_inventory_t *inv);
void vs_inventory_free(vs_inventory_t *inv);
vs_object_t *vs_inventory_find(const vs_inventory_t *inv, const char *moref);

/* Adds an object from a property page (pure: used by discovery and tests).
 * Returns 0, or -1 when out of memory. Unknown types are ignored. */
int vs_inventory_add_props(vs_inventory_t *inv, const char *mo_type,
                           const char *moref, const vs_prop_t *props,
                           size_t props_num);
/* Builds the index; keeps last_sample_us of objects also in `old`. */
int vs_inventory_finish(vs_inventory_t *inv, const vs_inventory_t *old);

/* Discovers the kinds wanted by the configuration into `out` (which must be
 * initialised). Returns VS_OK or an error, with the reason in err. */
int vs_inventory_discover(vs_session_t *s, const bool want[VS_KIND_NUM],
                          vs_inventory_t *out, char *err, size_t err_size);

#endif
