/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_counters.c
 */
#include "vs_counters.h"
#include "vs_soap.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

const char *const vs_default_metrics[] = {
    /* virtual machines */
    "vm.cpu.usage.average",
    "vm.cpu.usagemhz.average",
    "vm.cpu.ready.summation",
    "vm.cpu.costop.summation",
    "vm.cpu.wait.summation",
    "vm.mem.usage.average",
    "vm.mem.active.average",
    "vm.mem.consumed.average",
    "vm.mem.granted.average",
    "vm.mem.swapped.average",
    "vm.mem.vmmemctl.average",
    "vm.net.received.average",
    "vm.net.transmitted.average",
    "vm.net.usage.average",
    "vm.disk.read.average",
    "vm.disk.write.average",
    "vm.disk.usage.average",
    "vm.disk.maxTotalLatency.latest",
    "vm.virtualDisk.totalReadLatency.average",
    "vm.virtualDisk.totalWriteLatency.average",
    "vm.datastore.totalReadLatency.average",
    "vm.datastore.totalWriteLatency.average",
    "vm.sys.uptime.latest",
    /* ESXi hosts */
    "host.cpu.usage.average",
    "host.cpu.usagemhz.average",
    "host.cpu.ready.summation",
    "host.cpu.utilization.average",
    "host.mem.usage.average",
    "host.mem.active.average",
    "host.mem.consumed.average",
    "host.mem.granted.average",
    "host.mem.swapused.average",
    "host.mem.vmmemctl.average",
    "host.net.received.average",
    "host.net.transmitted.average",
    "host.net.usage.average",
    "host.disk.read.average",
    "host.disk.write.average",
    "host.disk.usage.average",
    "host.disk.maxTotalLatency.latest",
    "host.datastore.totalReadLatency.average",
    "host.datastore.totalWriteLatency.average",
    "host.power.power.average",
    "host.sys.uptime.latest",
    /* clusters (300 s; vCenter computes them on the fly: kept small) */
    "cluster.cpu.usage.average",
    "cluster.cpu.usagemhz.average",
    "cluster.cpu.totalmhz.average",
    "cluster.mem.usage.average",
    "cluster.mem.consumed.average",
    "cluster.clusterServices.effectivecpu.average",
    "cluster.clusterServices.effectivemem.average",
    /* datastores (300 s) */
    "datastore.disk.capacity.latest",
    "datastore.disk.used.latest",
    "datastore.disk.provisioned.latest",
    "datastore.datastore.read.average",
    "datastore.datastore.write.average",
    "datastore.datastore.totalReadLatency.average",
    "datastore.datastore.totalWriteLatency.average",
    /* resource pools (300 s) */
    "resourcepool.cpu.usagemhz.average",
    "resourcepool.mem.consumed.average",
    "resourcepool.mem.active.average",
    "resourcepool.mem.granted.average",
    "resourcepool.mem.swapped.average",
    "resourcepool.mem.vmmemctl.average",
    /* datacenters (300 s): VM operations */
    "datacenter.vmop.numPoweron.latest",
    "datacenter.vmop.numPoweroff.latest",
    "datacenter.vmop.numCreate.latest",
    "datacenter.vmop.numDestroy.latest",
    "datacenter.vmop.numVMotion.latest",
    "datacenter.vmop.numSVMotion.latest",
};
const size_t vs_default_metrics_num =
    sizeof(vs_default_metrics) / sizeof(vs_default_metrics[0]);

int vs_catalog_add(vs_catalog_t *cat, const vs_counter_info_t *info) {
  if (cat->num == cat->cap) {
    vs_counter_info_t *items =
        vs_grow(cat->items, &cat->cap, sizeof(*items), 256);
    if (items == NULL)
      return -1;
    cat->items = items;
  }
  cat->items[cat->num++] = *info;
  return 0;
}

static int by_key(const void *a, const void *b) {
  const vs_counter_info_t *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

void vs_catalog_sort(vs_catalog_t *cat) {
  if (cat->num > 1)
    qsort(cat->items, cat->num, sizeof(*cat->items), by_key);
}

const vs_counter_info_t *vs_catalog_find(const vs_catalog_t *cat, int key) {
  vs_counter_info_t k = {.key = key};
  return cat->num ? bsearch(&k, cat->items, cat->num, sizeof(k), by_key) : NULL;
}

void vs_catalog_free(vs_catalog_t *cat) {
  free(cat->items);
  memset(cat, 0, sizeof(*cat));
}

void vs_counter_type_name(const char *kind, const char *group, const char *name,
                          const char *rollup, char *buf, size_t size) {
  snprintf(buf, size, "%s_%s_%s_%s", kind, group, name, rollup);
  for (char *p = buf; *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      *p = '_';
  }
}

static bool matches_any(const vs_strlist_t *globs, const char *full) {
  for (size_t i = 0; i < globs->num; i++)
    if (fnmatch(globs->items[i], full, 0) == 0)
      return true;
  return false;
}

static bool is_default(const char *full) {
  for (size_t i = 0; i < vs_default_metrics_num; i++)
    if (strcmp(vs_default_metrics[i], full) == 0)
      return true;
  return false;
}

static int by_id(const void *a, const void *b) {
  const vs_selected_counter_t *x = a, *y = b;
  return (x->id > y->id) - (x->id < y->id);
}

int vs_counters_select(vs_counter_set_t *set, const vs_catalog_t *cat,
                       vs_kind_t kind, const vs_config_t *cfg,
                       bool (*type_known)(const char *type, void *ctx),
                       void *ctx) {
  vs_counter_set_free(set);
  const char *kname = vs_kind_info(kind)->name;
  set->items = calloc(cat->num ? cat->num : 1, sizeof(*set->items));
  if (set->items == NULL)
    return -1;
  for (size_t i = 0; i < cat->num; i++) {
    const vs_counter_info_t *c = &cat->items[i];
    char full[300];
    snprintf(full, sizeof(full), "%s.%s.%s.%s", kname, c->group, c->name,
             c->rollup);
    bool wanted = (cfg->default_metrics && is_default(full)) ||
                  matches_any(&cfg->metrics, full);
    if (!wanted || matches_any(&cfg->ignore_metrics, full))
      continue;
    vs_selected_counter_t *s = &set->items[set->num];
    s->id = c->key;
    s->level = c->level;
    s->scale = strcmp(c->unit, "percent") == 0 ? 0.01 : 1.0;
    vs_counter_type_name(kname, c->group, c->name, c->rollup, s->type,
                         sizeof(s->type));
    if (type_known != NULL && !type_known(s->type, ctx))
      continue;
    if (vs_counters_find(set, s->id) != NULL)
      continue; /* a catalog listing a key twice */
    set->num++;
    qsort(set->items, set->num, sizeof(*set->items), by_id);
  }
  int ids[set->num ? set->num : 1];
  for (size_t i = 0; i < set->num; i++)
    ids[i] = set->items[i].id;
  vs_soap_metric_ids(&set->metric_ids, ids, set->num,
                     cfg->instances[kind] ? "*" : "");
  return set->metric_ids.failed ? -1 : 0;
}

const vs_selected_counter_t *vs_counters_find(const vs_counter_set_t *set,
                                              int id) {
  vs_selected_counter_t key = {.id = id};
  return set->num ? bsearch(&key, set->items, set->num, sizeof(key), by_id)
                  : NULL;
}

void vs_counter_set_free(vs_counter_set_t *set) {
  free(set->items);
  vs_buf_free(&set->metric_ids);
  set->items = NULL;
  set->num = 0;
}
