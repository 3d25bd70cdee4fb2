/**
 * collectd-vsphere - vs_dispatch.h
 * Hands samples to collectd under the documented naming scheme:
 *   host            = the VM's or host's name
 *   plugin          = "vsphere"
 *   plugin_instance = the <Vcenter> block's name
 *   type            = <kind>_<group>_<counter>_<rollup>
 *   type_instance   = the counter's instance ("" for the aggregate)
 * with vCenter's sample timestamps.
 */
#ifndef VS_DISPATCH_H
#define VS_DISPATCH_H

#include "vs_counters.h"
#include "vs_inventory.h"
#include "vs_parse.h"

#include <stdbool.h>

/* Registers a one-gauge data set ("value") for every default metric, so a
 * stock configuration needs no TypesDB line. Call at init time only. */
int vs_dispatch_register_default_types(void);

/* Whether collectd knows the type; warns once per unknown type. */
bool vs_dispatch_type_known(const char *type, void *ctx);

/* Dispatches the samples of `series` newer than obj->last_sample_us,
 * oldest first, and records the newest in obj->newest_seen_us. Returns
 * the number of values dispatched. */
size_t vs_dispatch_series(const char *vcenter, vs_object_t *obj,
                          const vs_selected_counter_t *counter,
                          const vs_series_t *series, int interval_s);

/* The plugin's own metrics, one gauge each (host: collectd's hostname). */
typedef struct {
  const char *type;
  double value;
} vs_self_metric_t;
extern const char *const vs_self_metric_types[];
extern const size_t vs_self_metric_types_num;
void vs_dispatch_self(const char *vcenter, const vs_self_metric_t *metrics,
                      size_t num);

#endif
