/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_counters.h
 * The performance counter catalog of a vCenter and the counters selected
 * from it for each kind: default set, Metric and IgnoreMetric globs. A
 * selected counter carries everything dispatch needs (type name, scale), so
 * that nothing is formatted per value.
 */
#ifndef VS_COUNTERS_H
#define VS_COUNTERS_H

#include "vs_config.h"
#include "vs_kind.h"
#include "vs_parse.h"
#include "vs_util.h"

#define VS_TYPE_LEN 128

typedef struct {
  int id;
  int level;              /* statistics level (0: the catalog gives none) */
  double scale;           /* percent counters come in hundredths */
  char type[VS_TYPE_LEN]; /* "vm_cpu_usage_average" */
} vs_selected_counter_t;

typedef struct {
  vs_selected_counter_t *items; /* sorted by id */
  size_t num;
  vs_buf_t metric_ids; /* QueryPerf <metricId> list, built once */
} vs_counter_set_t;

typedef struct {
  vs_counter_info_t *items;
  size_t num, cap;
} vs_catalog_t;

/* The documented default metrics, "<kind>.<group>.<name>.<rollup>". */
extern const char *const vs_default_metrics[];
extern const size_t vs_default_metrics_num;

int vs_catalog_add(vs_catalog_t *cat, const vs_counter_info_t *info);
/* Sorts the catalog by key, for vs_catalog_find (after the last add). */
void vs_catalog_sort(vs_catalog_t *cat);
const vs_counter_info_t *vs_catalog_find(const vs_catalog_t *cat, int key);
void vs_catalog_free(vs_catalog_t *cat);

/* "<kind>_<group>_<name>_<rollup>" with every character outside
 * [A-Za-z0-9_] turned into '_', so write_prometheus names stay valid. */
void vs_counter_type_name(const char *kind, const char *group, const char *name,
                          const char *rollup, char *buf, size_t size);

/* Fills `set` with the catalog's counters selected for `kind`. Counters for
 * which `type_known` says no are left out (and reported through it). */
int vs_counters_select(vs_counter_set_t *set, const vs_catalog_t *cat,
                       vs_kind_t kind, const vs_config_t *cfg,
                       bool (*type_known)(const char *type, void *ctx),
                       void *ctx);
const vs_selected_counter_t *vs_counters_find(const vs_counter_set_t *set,
                                              int id);
void vs_counter_set_free(vs_counter_set_t *set);

#endif
