/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_kind.h
 * The managed object types the inventory knows, and the kinds among them
 * that are collected (performance counters, state values). Planning,
 * naming, filtering, dispatch and the query engine take the kind as a
 * parameter and need nothing for a new one. What adding a kind takes:
 *   - a row in vs_kind.c (and a vs_mo_t, if its managed object type is
 *     new to the inventory);
 *   - in vs_inventory.c, the properties an object of it is read with and
 *     where it hangs in the hierarchy (VMs and hosts carry the hierarchy
 *     and their host; the other kinds are named objects under a folder);
 *   - its state values, if any: rows and extractors in vs_state.c;
 *   - its default counters in vs_counters.c, and a per-request bound in
 *     vs_query.c if vCenter limits its queries (clusters);
 *   - the man page's METRICS section (docs/COUNTERS.md is generated).
 */
#ifndef VS_KIND_H
#define VS_KIND_H

#include <stdbool.h>

/* Kinds of collected objects. */
typedef enum {
  VS_KIND_VM = 0,
  VS_KIND_HOST,
  VS_KIND_CLUSTER,
  VS_KIND_DATASTORE,
  VS_KIND_RESOURCE_POOL,
  VS_KIND_DATACENTER,
  VS_KIND_NUM,
} vs_kind_t;

typedef struct {
  const char *name;    /* prefix of type names and config: "vm" */
  const char *mo_type; /* vSphere managed object type */
  int interval_id;     /* PerformanceManager interval to query */
  int step_s;          /* seconds between two samples of that interval */
  bool historical;     /* only rolled-up (300 s) samples, posted late */
  bool collect;        /* collected unless Collect says otherwise */
  bool instances;      /* per-instance series unless Instances says */
} vs_kind_info_t;

const vs_kind_info_t *vs_kind_info(vs_kind_t kind);
/* Returns the kind of a configuration name ("vm", "datastore"), or -1. */
int vs_kind_from_name(const char *name);

/* Every managed object type the inventory reads, collected or not: the
 * structural ones give each object its datacenter, cluster and path. */
typedef enum {
  VS_MO_FOLDER = 0,
  VS_MO_DATACENTER,
  VS_MO_COMPUTE_RESOURCE, /* a stand-alone host's */
  VS_MO_CLUSTER,
  VS_MO_HOST,
  VS_MO_VM,
  VS_MO_DATASTORE,
  VS_MO_RESOURCE_POOL, /* also vApps */
  VS_MO_NUM,
} vs_mo_t;

/* vs_mo_t of a managed object type name ("ClusterComputeResource"), or -1. */
int vs_mo_from_type(const char *mo_type);
/* The collected kind of a managed object type, or -1 (folders, ...). */
int vs_mo_kind(vs_mo_t mo);

#endif
