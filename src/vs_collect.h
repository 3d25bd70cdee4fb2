/**
 * collectd-vsphere - vs_collect.h
 * Everything one <Vcenter> block owns, and one collection cycle: session,
 * counter catalog (once per session), inventory (every InventoryInterval,
 * with names and hierarchy), then QueryPerf batches (vs_query) whose
 * series are dispatched as they stream in.
 */
#ifndef VS_COLLECT_H
#define VS_COLLECT_H

#include "vs_config.h"
#include "vs_counters.h"
#include "vs_dispatch.h"
#include "vs_inventory.h"
#include "vs_session.h"

#include <stdint.h>

typedef struct {
  uint64_t cycles;
  uint64_t last_values; /* values dispatched by the last cycle */
  uint64_t read_entities; /* objects whose answer completed this cycle */
  uint64_t last_entities; /* ... in the last cycle */
  uint64_t errors;      /* reads that ended in an error */
  uint64_t query_errors; /* QueryPerf batches that failed */
  uint64_t carried;     /* QueryPerf requests still in flight after a read */
  uint64_t state_values; /* state values dispatched, total */
  uint64_t late_samples; /* holes filled too late to dispatch, total */
  uint64_t unknown_values; /* samples of counter ids the catalog lacks */
  uint64_t queries_ok;        /* QueryPerf requests answered in this read */
  uint64_t queries_ok_before; /* ... in the read before */
} vs_collect_stats_t;

/* A QueryPerf batch waiting to be retried (split after a fault). */
typedef struct {
  vs_kind_t kind;
  size_t *objects; /* inventory indexes */
  size_t count;
} vs_batch_t;

typedef struct vs_query_slot_s vs_query_slot_t;

/* Metric ids per cluster QueryPerf (vCenter computes them on the fly). */
#define VS_CLUSTER_MAX_METRICS 10
/* Historical (300 s) data is queried this often at most: a new sample
 * comes every 5 minutes, late ones at any time. */
#define VS_HISTORICAL_QUERY_INTERVAL 60.0

typedef struct {
  vs_config_t cfg;
  vs_session_t session;
  vs_catalog_t catalog;
  vs_counter_set_t counters[VS_KIND_NUM];
  uint64_t catalog_login; /* session login number the catalog belongs to */
  /* A QueryPerf answer named a counter id the catalog lacks: the catalog
   * is read again, at most once per InventoryInterval. */
  bool catalog_stale;
  int catalog_unknown_id;
  double next_catalog_at;
  /* Statistics levels (PerformanceManager.historicalInterval, at login):
   * historical counters above the 5-minute interval's level never fill. */
  vs_intervals_t intervals;
  size_t counters_above_level;
  uint64_t levels_said;    /* hash of the last list logged */
  bool levels_unknown_said;
  vs_inventory_t inventory;
  bool inventory_ready;
  double next_inventory_at;
  bool empty_recheck_done; /* an empty inventory was re-read once */

  /* Planning (vs_query): per kind the active objects in batching order
   * and where the next read starts; batches waiting for a retry. */
  size_t *order[VS_KIND_NUM];
  size_t order_num[VS_KIND_NUM];
  size_t next_start[VS_KIND_NUM];
  double next_query_at[VS_KIND_NUM]; /* historical kinds: not every read */
  vs_batch_t *retries;
  size_t retries_num, retries_cap;
  vs_query_slot_t *slots; /* one per request in flight */
  size_t slots_num;

  /* config.vpxd.stats.maxQueryMetrics, read at login: the bound of a
   * historical QueryPerf; -1 or 0: none. */
  int historical_max_metrics;
  uint64_t options_login; /* login number it was read at */
  double next_states_at;  /* when state values are read again */

  double read_interval;                     /* seconds, this read's */
  size_t new_series_left;                   /* MaxNewSeries budget */
  vs_dispatch_params_t params[VS_KIND_NUM]; /* per kind, this read's */
  vs_collect_stats_t stats;
} vs_vcenter_t;

/* Takes ownership of *cfg (which is zeroed). */
vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg);
void vs_vcenter_destroy(vs_vcenter_t *vc); /* logs out, frees everything */

/* One read: returns 0 when values were collected or the failure was
 * handled and logged (the next read retries), -1 when nothing can work.
 * `interval` is the read interval in seconds. */
int vs_vcenter_read(vs_vcenter_t *vc, double interval);

#endif
