/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_dispatch.h
 * Hands samples to collectd under the documented naming scheme:
 *   host            = the object's identity (HostnameFormat, vs_naming)
 *   plugin          = "vsphere"
 *   plugin_instance = PluginInstanceFormat (vcenter:datacenter:cluster)
 *   type            = <kind>_<group>_<counter>_<rollup>
 *   type_instance   = the counter's instance ("" for the aggregate; a
 *                     datastore's name for its volume id)
 * with vCenter's sample timestamps, each sample once (vs_series), and the
 * interval at which the series really arrives.
 */
#ifndef VS_DISPATCH_H
#define VS_DISPATCH_H

#include "vs_alarms.h"
#include "vs_counters.h"
#include "vs_fields.h"
#include "vs_inventory.h"
#include "vs_parse.h"
#include "vs_series.h"
#include "vs_state.h"
#include "vs_tags.h"

#include <stdint.h>

#include <stdbool.h>

/* Registers a one-gauge data set ("value") for every default metric, so a
 * stock configuration needs no TypesDB line. Call at init time only. */
int vs_dispatch_register_default_types(void);

/* Whether collectd knows the type; warns once per unknown type. */
bool vs_dispatch_type_known(const char *type, void *ctx);

typedef struct {
  double interval_s; /* the value lists' interval: max(read interval, step) */
  vs_series_policy_t policy; /* sample slots, look-back, late samples */
  size_t *new_series_left;   /* MaxNewSeries budget of the read, NULL: none */
  /* Counts holes filled in too late to keep their series moving forward
   * (not dispatched); NULL: not counted. */
  uint64_t *late_samples;
  /* Samples more than an hour ahead of vCenter's clock are refused. */
  int64_t latest_us;
  /* An instance that is a datastore's volume id is sent as the
   * datastore's name (DatastoreNames); NULL: instances as they are. */
  const vs_inventory_t *datastores;
} vs_dispatch_params_t;

/* Takes n new series from a MaxNewSeries budget (NULL: no bound); false
 * if the budget has not that many left. */
bool vs_dispatch_budget(size_t *left, size_t n);

/* Dispatches the samples of `series` that its tracking state (in
 * obj->series) has not seen dispatched, oldest first. Returns the number
 * of values dispatched. */
size_t vs_dispatch_series(vs_object_t *obj,
                          const vs_selected_counter_t *counter,
                          const vs_series_t *series,
                          const vs_dispatch_params_t *params);

/* The plugin's own metrics (host: collectd's hostname): gauges, and
 * totals since the start, which are sent as DERIVE when their type is. */
typedef struct {
  const char *type;
  double value;
  const char *instance; /* NULL: none */
} vs_self_metric_t;
extern const char *const vs_self_gauge_types[];
extern const size_t vs_self_gauge_types_num;
extern const char *const vs_self_total_types[];
extern const size_t vs_self_total_types_num;
/* interval_s: the read interval, or the read's duration if longer, so the
 * gauges do not expire while a slow read runs. */
void vs_dispatch_self(const char *vcenter, const vs_self_metric_t *metrics,
                      size_t num, double interval_s);

/* Dispatches an object's state values (time: now). A custom attribute's
 * value is sent as "<name>:<value>" (a ':' in the name as '_'); one whose
 * key `fields` does not define is left out and counted in
 * fields->unknown. NULL fields: no attribute is sent. A triggered alarm
 * is sent under its name (`alarms`), only on the object it is about; one
 * without a name yet, or with NULL alarms, is left out. Returns how many. */
size_t vs_dispatch_states(const vs_object_t *obj, double interval_s,
                          vs_fields_t *fields, const vs_alarms_t *alarms);

/* A collectd notification for a triggered alarm's change: new or worse
 * red FAILURE, yellow WARNING; better, cleared or acknowledged: by the
 * status now (red FAILURE, yellow WARNING, green or cleared OKAY). Type
 * <kind>_alarm, type instance the alarm's name; meta data alarm,
 * alarm_moref, status, previous_status, acknowledged, vcenter. */
void vs_dispatch_alarm_notification(const vs_alarm_change_t *c,
                                    const char *name, const char *vcenter);

/* Dispatches an object's vSphere tags as info series (time: now): type
 * <kind>_tag, value 1, type instance "<category>:<tag>" (a ':' in the
 * category as '_'). Returns how many. */
size_t vs_dispatch_tags(const vs_object_t *obj, const vs_tag_t *tags, size_t n,
                        double interval_s);

/* Event counts: <kind>_events for objects, vcenter_events for events
 * about no object the plugin knows (DERIVE: totals since the start). */
extern const char *const vs_event_total_types[];
extern const size_t vs_event_total_types_num;

/* The count of one event type on an object (NULL: on the vCenter itself,
 * host collectd's hostname, plugin instance `vcenter`); time: now. */
void vs_dispatch_event_count(const vs_object_t *obj, const char *vcenter,
                             const char *event_type, uint64_t count,
                             double interval_s);

/* A collectd notification for an event: severity NOTIF_*, identity as the
 * count's (type_instance: the event type), time: the event's, message: its
 * text; meta data event_type, event_key, chain_id, user, entity,
 * entity_type, entity_moref, vcenter (and severity for an EventEx). */
void vs_dispatch_event_notification(const vs_object_t *obj, const char *vcenter,
                                    const vs_event_t *event,
                                    const vs_event_entity_t *entity,
                                    int severity);

#endif
