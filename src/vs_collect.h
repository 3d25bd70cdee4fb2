/**
 * collectd-vsphere - vs_collect.h
 * Everything one <Vcenter> block owns, and one collection cycle: session,
 * counter catalog (once per session), inventory (every InventoryInterval),
 * then QueryPerf batches whose series are dispatched as they stream in.
 */
#ifndef VS_COLLECT_H
#define VS_COLLECT_H

#include "vs_config.h"
#include "vs_counters.h"
#include "vs_inventory.h"
#include "vs_session.h"

#include <stdint.h>

typedef struct {
  uint64_t cycles;
  uint64_t last_values;   /* values dispatched by the last cycle */
  uint64_t errors;        /* reads that ended in an error */
} vs_collect_stats_t;

typedef struct vs_query_slot_s vs_query_slot_t;

typedef struct {
  vs_config_t cfg;
  vs_session_t session;
  vs_catalog_t catalog;
  vs_counter_set_t counters[VS_KIND_NUM];
  uint64_t catalog_login; /* session login number the catalog belongs to */
  vs_inventory_t inventory;
  bool inventory_ready;
  double next_inventory_at;
  bool empty_recheck_done; /* an empty inventory was re-read once */
  struct vs_query_slot_s *slots; /* one per request in flight */
  size_t slots_num;
  vs_collect_stats_t stats;
} vs_vcenter_t;

/* Takes ownership of *cfg (which is zeroed). */
vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg);
void vs_vcenter_destroy(vs_vcenter_t *vc); /* logs out, frees everything */

/* One read: returns 0 when values were collected or the failure was
 * handled and logged (the next read retries), -1 when nothing can work. */
int vs_vcenter_read(vs_vcenter_t *vc);

#endif
