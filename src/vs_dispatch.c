/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_dispatch.c
 */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"
#include "vs_dispatch.h"
#include "vs_plan.h"

#include <math.h>
#include <time.h>

static int register_type(const char *type, int ds_type) {
  data_source_t ds = {.name = "value", .type = ds_type, .min = NAN, .max = NAN};
  if (ds_type == DS_TYPE_DERIVE)
    ds.min = 0;
  data_set_t set = {.ds_num = 1, .ds = &ds};
  sstrncpy(set.type, type, sizeof(set.type));
  return plugin_register_data_set(&set);
}

/* What a read saw or cost, or what the block holds now. */
const char *const vs_self_gauge_types[] = {
    "self_read_seconds",
    "self_read_cpu_seconds",
    "self_values",
    "self_entities_answered",
    "self_inventory_vms",
    "self_inventory_hosts",
    "self_inventory_duplicates",
    "self_inventory_objects",
    "self_series",
    "self_tracking_bytes",
    "self_requests_carried",
    "self_counters_above_level",
    "self_updates_pending",
    "self_events_pending",
};
const size_t vs_self_gauge_types_num =
    sizeof(vs_self_gauge_types) / sizeof(vs_self_gauge_types[0]);

/* Totals since the plugin started: DERIVE, so that they are counters to
 * every writer (write_prometheus names them *_total; rate() applies). */
const char *const vs_self_total_types[] = {
    "self_read_cycles",           "self_requests",
    "self_bytes_received",        "self_logins",
    "self_login_refusals",        "self_state_values",
    "self_query_errors",          "self_errors",
    "self_late_samples",          "self_uncatalogued_values",
    "self_inventory_full_passes", "self_update_objects",
    "self_update_rereads",        "self_events",
    "self_event_notifications",   "self_alarm_notifications",
    "self_events_uncounted",
};
const size_t vs_self_total_types_num =
    sizeof(vs_self_total_types) / sizeof(vs_self_total_types[0]);

const char *const vs_event_total_types[] = {
    "vm_events",        "host_events",         "cluster_events",
    "datastore_events", "resourcepool_events", "datacenter_events",
    "vcenter_events",
};
const size_t vs_event_total_types_num =
    sizeof(vs_event_total_types) / sizeof(vs_event_total_types[0]);

int vs_dispatch_register_default_types(void) {
  for (size_t i = 0; i < vs_event_total_types_num; i++)
    if (plugin_get_ds(vs_event_total_types[i]) == NULL &&
        register_type(vs_event_total_types[i], DS_TYPE_DERIVE) != 0)
      return -1;
  for (size_t i = 0; i < vs_self_gauge_types_num; i++)
    if (plugin_get_ds(vs_self_gauge_types[i]) == NULL &&
        register_type(vs_self_gauge_types[i], DS_TYPE_GAUGE) != 0)
      return -1;
  for (size_t i = 0; i < vs_self_total_types_num; i++)
    if (plugin_get_ds(vs_self_total_types[i]) == NULL &&
        register_type(vs_self_total_types[i], DS_TYPE_DERIVE) != 0)
      return -1;
  for (size_t i = 0; i < vs_state_types_num; i++)
    if (plugin_get_ds(vs_state_types[i].type) == NULL &&
        register_type(vs_state_types[i].type, DS_TYPE_GAUGE) != 0)
      return -1;
  for (size_t i = 0; i < vs_default_metrics_num; i++) {
    char type[VS_TYPE_LEN], copy[VS_TYPE_LEN];
    sstrncpy(copy, vs_default_metrics[i], sizeof(copy));
    /* "<kind>.<group>.<name>.<rollup>": rollup is after the last dot and
     * kind before the first; the counter name may itself hold dots. */
    char *kind = copy, *group = strchr(copy, '.');
    char *rollup = strrchr(copy, '.');
    if (group == NULL || rollup == NULL || rollup == group)
      continue;
    *group++ = 0;
    *rollup++ = 0;
    char *name = strchr(group, '.');
    if (name == NULL)
      continue;
    *name++ = 0;
    vs_counter_type_name(kind, group, name, rollup, type, sizeof(type));
    if (plugin_get_ds(type) == NULL && register_type(type, DS_TYPE_GAUGE) != 0)
      return -1;
  }
  return 0;
}

bool vs_dispatch_type_known(const char *type, void *ctx) {
  (void)ctx;
  if (plugin_get_ds(type) != NULL)
    return true;
  /* Selection runs once per session, so this warns once per type. */
  WARNING("vsphere plugin: type \"%s\" is not in any TypesDB; add "
          "collectd.conf.d/vsphere-types.db to TypesDB to collect it.",
          type);
  return false;
}

/* A value list of one gauge under an object's identity. */
static void object_value_list(value_list_t *vl, value_t *value,
                              const vs_object_t *obj, double interval_s) {
  *vl = (value_list_t){.values = value, .values_len = 1};
  vl->interval = DOUBLE_TO_CDTIME_T(interval_s);
  vs_utf8_copy(vl->host, obj->id_host, sizeof(vl->host));
  sstrncpy(vl->plugin, "vsphere", sizeof(vl->plugin));
  vs_utf8_copy(vl->plugin_instance, obj->id_plugin_instance,
               sizeof(vl->plugin_instance));
}

/* An info series' type instance "<label>:<value>": a ':' in the label
 * becomes '_', so that the first ':' parts the two (relabel rules). */
static void info_instance(const char *label, const char *value, char *buf,
                          size_t size) {
  char l[DATA_MAX_NAME_LEN];
  vs_utf8_copy(l, label, sizeof(l));
  for (char *c = l; *c; c++)
    if (*c == ':')
      *c = '_';
  snprintf(buf, size, "%s:%s", l, value);
}

bool vs_dispatch_budget(size_t *left, size_t n) {
  if (left == NULL)
    return true;
  if (*left < n)
    return false;
  *left -= n;
  return true;
}

size_t vs_dispatch_series(vs_object_t *obj,
                          const vs_selected_counter_t *counter,
                          const vs_series_t *series,
                          const vs_dispatch_params_t *params) {
  /* An instance "*" (the wildcard asked for, echoed back) is the
   * aggregate. */
  const char *instance =
      strcmp(series->instance, "*") == 0 ? "" : series->instance;
  /* A series without a sample (an answer may leave values out) gets no state:
   * it would count as tracked, and use the new-series budget, for
   * nothing. */
  if (series->samples == 0)
    return 0;
  /* A series no writer has seen yet costs some writers much more than an
   * update (write_prometheus re-sorts its family): MaxNewSeries paces them. */
  vs_series_state_t *state =
      vs_series_find(&obj->series, counter->id, instance);
  if (state == NULL) {
    if (!vs_dispatch_budget(params->new_series_left, 1))
      return 0; /* next read */
    state = vs_series_get(&obj->series, counter->id, instance);
    if (state == NULL)
      return 0; /* out of memory: better nothing than samples twice */
  }

  size_t order[VS_PERF_MAX_SAMPLES];
  size_t n = series->samples;
  if (n > VS_PERF_MAX_SAMPLES)
    n = VS_PERF_MAX_SAMPLES;
  vs_plan_order_samples(series->timestamps_us, n, order);

  value_t value;
  value_list_t vl;
  object_value_list(&vl, &value, obj, params->interval_s);
  sstrncpy(vl.type, counter->type, sizeof(vl.type));
  /* Tracked by vCenter's instance; shown by the datastore's name. */
  const char *shown =
      params->datastores != NULL
          ? vs_inventory_datastore_name(params->datastores, instance)
          : NULL;
  vs_utf8_copy(vl.type_instance, shown != NULL ? shown : instance,
               sizeof(vl.type_instance));

  /* A sample from the far future would make every later one look old. */
  size_t dispatched = 0;
  for (size_t k = 0; k < n; k++) {
    size_t i = order[k];
    int64_t ts = series->timestamps_us[i];
    int64_t raw = series->values[i];
    if (ts < 0 || ts > params->latest_us)
      continue; /* implausible */
    vs_sample_verdict_t verdict =
        vs_series_accept(state, ts, raw >= 0, &params->policy);
    if (verdict == VS_SAMPLE_LATE && params->late_samples != NULL)
      (*params->late_samples)++;
    if (verdict != VS_SAMPLE_DISPATCH)
      continue;
    value.gauge = (gauge_t)raw * counter->scale;
    /* cdtime_t is 2^-30 s: seconds shifted, plus the fraction. */
    vl.time = TIME_T_TO_CDTIME_T(ts / 1000000) + US_TO_CDTIME_T(ts % 1000000);
    if (plugin_dispatch_values(&vl) == 0)
      dispatched++;
  }
  return dispatched;
}

void vs_dispatch_self(const char *vcenter, const vs_self_metric_t *metrics,
                      size_t num, double interval_s) {
  value_t value;
  value_list_t vl = {.values = &value, .values_len = 1};
  vl.interval = DOUBLE_TO_CDTIME_T(interval_s);
  sstrncpy(vl.plugin, "vsphere", sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, vcenter, sizeof(vl.plugin_instance));
  for (size_t i = 0; i < num; i++) {
    /* As the type's data set says (an older TypesDB may hold a total as
     * a GAUGE: it is then sent as one). */
    const data_set_t *ds = plugin_get_ds(metrics[i].type);
    if (ds != NULL && ds->ds_num == 1 && ds->ds[0].type == DS_TYPE_DERIVE)
      value.derive = (derive_t)metrics[i].value;
    else
      value.gauge = metrics[i].value;
    sstrncpy(vl.type, metrics[i].type, sizeof(vl.type));
    sstrncpy(vl.type_instance, metrics[i].instance ? metrics[i].instance : "",
             sizeof(vl.type_instance));
    plugin_dispatch_values(&vl);
  }
}

/* "<key>:<value>" as "<name>:<value>", into buf; false if the key has no
 * name. */
static bool name_attribute(const char *instance, vs_fields_t *fields, char *buf,
                           size_t size) {
  char *end;
  long key = strtol(instance, &end, 10);
  const char *name =
      fields != NULL && *end == ':' ? vs_fields_name(fields, (int)key) : NULL;
  if (name == NULL) {
    if (fields != NULL)
      fields->unknown++;
    return false;
  }
  info_instance(name, end + 1, buf, size);
  return true;
}

size_t vs_dispatch_states(const vs_object_t *obj, double interval_s,
                          vs_fields_t *fields, const vs_alarms_t *alarms) {
  value_t value;
  value_list_t vl;
  object_value_list(&vl, &value, obj, interval_s);
  size_t dispatched = 0;
  /* Values sent again from the copy: uptimes and ages have grown since. */
  int64_t since_us = vs_wall_us() - obj->states_us;
  double since =
      obj->states_us > 0 && since_us > 0 ? (double)since_us / 1e6 : 0;
  for (uint16_t i = 0; i < obj->states_num; i++) {
    const vs_state_value_t *st = &obj->states[i];
    value.gauge = st->value + (vs_state_ages(st->type) ? since : 0);
    sstrncpy(vl.type, vs_state_types[st->type].type, sizeof(vl.type));
    if (vs_state_is_attribute(st->type)) {
      char named[2 * DATA_MAX_NAME_LEN];
      if (!name_attribute(st->instance, fields, named, sizeof(named)))
        continue;
      vs_utf8_copy(vl.type_instance, named, sizeof(vl.type_instance));
    } else if (vs_state_is_alarm(st->type)) {
      char alarm[96];
      bool ack;
      const char *name = NULL;
      if (alarms == NULL ||
          !vs_alarm_of(obj, st->instance, alarm, sizeof(alarm), &ack) ||
          (name = vs_alarms_name(alarms, alarm)) == NULL)
        continue;
      vs_utf8_copy(vl.type_instance, name, sizeof(vl.type_instance));
    } else {
      vs_utf8_copy(vl.type_instance, st->instance, sizeof(vl.type_instance));
    }
    if (plugin_dispatch_values(&vl) == 0)
      dispatched++;
  }
  return dispatched;
}

size_t vs_dispatch_tags(const vs_object_t *obj, const vs_tag_t *tags, size_t n,
                        double interval_s) {
  if (obj->kind < 0 || n == 0)
    return 0;
  value_t value = {.gauge = 1};
  value_list_t vl;
  object_value_list(&vl, &value, obj, interval_s);
  sstrncpy(vl.type,
           vs_state_types[vs_state_tag_type((vs_kind_t)obj->kind)].type,
           sizeof(vl.type));
  size_t dispatched = 0;
  for (size_t i = 0; i < n; i++) {
    char instance[2 * DATA_MAX_NAME_LEN];
    info_instance(tags[i].category, tags[i].name, instance, sizeof(instance));
    vs_utf8_copy(vl.type_instance, instance, sizeof(vl.type_instance));
    if (plugin_dispatch_values(&vl) == 0)
      dispatched++;
  }
  return dispatched;
}

/* <kind>_events, or vcenter_events without an object. */
static void event_type_name(const vs_object_t *obj, char *buf, size_t size) {
  snprintf(buf, size, "%s_events",
           obj != NULL && obj->kind >= 0
               ? vs_kind_info((vs_kind_t)obj->kind)->name
               : "vcenter");
}

void vs_dispatch_event_count(const vs_object_t *obj, const char *vcenter,
                             const char *event_type, uint64_t count,
                             double interval_s) {
  value_t value = {.derive = (derive_t)count};
  value_list_t vl;
  if (obj != NULL) {
    object_value_list(&vl, &value, obj, interval_s);
  } else {
    vl = (value_list_t){.values = &value, .values_len = 1};
    vl.interval = DOUBLE_TO_CDTIME_T(interval_s);
    sstrncpy(vl.plugin, "vsphere", sizeof(vl.plugin));
    sstrncpy(vl.plugin_instance, vcenter, sizeof(vl.plugin_instance));
  }
  event_type_name(obj, vl.type, sizeof(vl.type));
  vs_utf8_copy(vl.type_instance, event_type, sizeof(vl.type_instance));
  plugin_dispatch_values(&vl);
}

/* A meta datum on one line: exec writes meta data as "name: value"
 * header lines, which a line break in vCenter's text (a message, a user
 * name anyone who may post events chooses) would end early. */
static void meta_string(notification_t *n, const char *name,
                        const char *value) {
  if (value == NULL || value[0] == 0)
    return;
  char line[2048];
  vs_utf8_copy(line, value, sizeof(line));
  for (char *c = line; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  plugin_notification_meta_add_string(n, name, line);
}

/* A notification's message: cut at a character, on one line. */
static void set_message(notification_t *n, const char *text) {
  vs_utf8_copy(n->message, text, sizeof(n->message));
  for (char *c = n->message; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
}

void vs_dispatch_event_notification(const vs_object_t *obj, const char *vcenter,
                                    const vs_event_t *event,
                                    const vs_event_entity_t *entity,
                                    int severity) {
  notification_t n = {.severity = severity};
  int64_t us = event->created_us >= 0 ? event->created_us : vs_wall_us();
  n.time = TIME_T_TO_CDTIME_T(us / 1000000) + US_TO_CDTIME_T(us % 1000000);
  if (obj != NULL) {
    vs_utf8_copy(n.host, obj->id_host, sizeof(n.host));
    vs_utf8_copy(n.plugin_instance, obj->id_plugin_instance,
                 sizeof(n.plugin_instance));
  } else {
    sstrncpy(n.host, hostname_g, sizeof(n.host));
    sstrncpy(n.plugin_instance, vcenter, sizeof(n.plugin_instance));
  }
  sstrncpy(n.plugin, "vsphere", sizeof(n.plugin));
  event_type_name(obj, n.type, sizeof(n.type));
  vs_utf8_copy(n.type_instance, event->type, sizeof(n.type_instance));
  if (event->message[0] != 0) {
    set_message(&n, event->message);
  } else {
    char text[2048];
    snprintf(text, sizeof(text), "%s on %s", event->type,
             entity != NULL && entity->name[0] ? entity->name : vcenter);
    set_message(&n, text);
  }
  meta_string(&n, "event_type", event->type);
  plugin_notification_meta_add_signed_int(&n, "event_key", event->key);
  plugin_notification_meta_add_signed_int(&n, "chain_id", event->chain_id);
  meta_string(&n, "user", event->user);
  meta_string(&n, "message", event->message);
  meta_string(&n, "severity", event->severity);
  if (entity != NULL) {
    meta_string(&n, "entity", entity->name);
    meta_string(&n, "entity_type", entity->type);
    meta_string(&n, "entity_moref", entity->moref);
  }
  meta_string(&n, "vcenter", vcenter);
  plugin_dispatch_notification(&n);
  plugin_notification_meta_free(n.meta);
}

static const char *const alarm_statuses[] = {"green", "yellow", "red"};

static const char *status_name(int status) {
  return status >= 0 && status <= 2 ? alarm_statuses[status] : "cleared";
}

void vs_dispatch_alarm_notification(const vs_alarm_change_t *c,
                                    const char *name, const char *vcenter) {
  const vs_object_t *o = c->object;
  notification_t n = {.severity = c->status == 2   ? NOTIF_FAILURE
                                  : c->status == 1 ? NOTIF_WARNING
                                                   : NOTIF_OKAY};
  int64_t us = vs_wall_us();
  n.time = TIME_T_TO_CDTIME_T(us / 1000000) + US_TO_CDTIME_T(us % 1000000);
  vs_utf8_copy(n.host, o->id_host, sizeof(n.host));
  sstrncpy(n.plugin, "vsphere", sizeof(n.plugin));
  vs_utf8_copy(n.plugin_instance, o->id_plugin_instance,
               sizeof(n.plugin_instance));
  snprintf(n.type, sizeof(n.type), "%s_alarm",
           o->kind >= 0 ? vs_kind_info((vs_kind_t)o->kind)->name : "vcenter");
  vs_utf8_copy(n.type_instance, name, sizeof(n.type_instance));
  const char *what = c->old_status < 0           ? "triggered"
                     : c->status < 0             ? "cleared"
                     : c->status > c->old_status ? "worse"
                     : c->status < c->old_status ? "better"
                     : c->acknowledged           ? "acknowledged"
                                                 : "unacknowledged";
  char text[1024];
  snprintf(text, sizeof(text), "Alarm \"%s\" on %s: %s (%s)", name, o->name,
           status_name(c->status), what);
  set_message(&n, text);
  meta_string(&n, "alarm", name);
  plugin_notification_meta_add_string(&n, "alarm_moref", c->alarm);
  plugin_notification_meta_add_string(&n, "status", status_name(c->status));
  plugin_notification_meta_add_string(
      &n, "previous_status",
      c->old_status < 0 ? "none" : status_name(c->old_status));
  plugin_notification_meta_add_string(&n, "change", what);
  plugin_notification_meta_add_string(&n, "acknowledged",
                                      c->acknowledged ? "true" : "false");
  meta_string(&n, "entity", o->name);
  plugin_notification_meta_add_string(&n, "entity_moref", o->moref);
  plugin_notification_meta_add_string(&n, "vcenter", vcenter);
  plugin_dispatch_notification(&n);
  plugin_notification_meta_free(n.meta);
}
