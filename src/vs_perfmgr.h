/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_perfmgr.h
 * What a vCenter says about its statistics, read at login: the counter
 * catalog (PerformanceManager.perfCounter) and the counters selected from
 * it per kind, the statistics levels of the historical intervals
 * (historicalInterval: a historical counter above the 5-minute level
 * never fills, which is said once, naming the counters), and the bound of
 * historical queries (OptionManager config.vpxd.stats.maxQueryMetrics).
 */
#ifndef VS_PERFMGR_H
#define VS_PERFMGR_H

#include "vs_config.h"
#include "vs_counters.h"
#include "vs_session.h"

typedef struct {
  vs_catalog_t catalog; /* sorted by key */
  vs_counter_set_t counters[VS_KIND_NUM];
  vs_intervals_t intervals;
  size_t counters_above_level; /* selected, historical, never filled */
  /* vCenter's bound on the metrics of a historical QueryPerf; <= 0: none */
  int historical_max_metrics;

  uint64_t levels_said;     /* hash of the last list logged */
  bool levels_unknown_said; /* "levels unknown" said already */
} vs_perfmgr_t;

/* Reads the catalog, selects each wanted kind's counters (types collectd
 * does not know are left out, warned about), reads the levels and checks
 * the selection against them. Returns VS_OK or an error (logged, unless
 * the session is gone). */
int vs_perfmgr_load_counters(vs_perfmgr_t *pm, vs_session_t *s,
                             const vs_config_t *cfg);
/* Reads maxQueryMetrics (absent: 64 before vSphere 6.5, 256 from 6.5;
 * ESXi: none). */
void vs_perfmgr_load_options(vs_perfmgr_t *pm, vs_session_t *s);
void vs_perfmgr_free(vs_perfmgr_t *pm);

#endif
