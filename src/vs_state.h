/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_state.h
 * State values: what an object's properties say, as numbers an operator
 * alerts on (power and connection state, maintenance, capacity, tools,
 * snapshots, guest disks, triggered alarms, hardware sensors, custom
 * attributes). They are read in the same
 * paged RetrievePropertiesEx calls as discovery, and every PropertyInterval
 * in between; enumerations become numbers with a documented mapping
 * (vs_state_types[].meaning).
 */
#ifndef VS_STATE_H
#define VS_STATE_H

#include "vs_kind.h"
#include "vs_parse.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_STATE_MAX_DISKS 32    /* guest file systems per VM */
#define VS_STATE_MAX_SENSORS 256 /* sensors per host (147 seen on one) */
#define VS_STATE_MAX_ATTRS 32    /* custom attribute values per object */
#define VS_STATE_MAX_ALARMS 64   /* triggered alarms per object */

/* Optional property paths (vs_state_optional_path), read when asked. */
#define VS_PATH_SENSORS                                                        \
  "runtime.healthSystemRuntime.systemHealthInfo.numericSensorInfo"
#define VS_PATH_FILES "layoutEx.file"
#define VS_PATH_ATTRIBUTES "customValue"

typedef struct {
  const char *type; /* collectd type: "vm_power_state" */
  vs_kind_t kind;
  const char *unit;
  const char *meaning; /* the mapping of an enumeration, or what it is */
} vs_state_type_t;

extern const vs_state_type_t vs_state_types[];
extern const size_t vs_state_types_num;

typedef struct {
  uint16_t type;        /* index into vs_state_types */
  const char *instance; /* "", a mount point, "red", "yellow", ... */
  double value;
} vs_state_value_t;

typedef struct {
  char path[128];        /* mount point */
  double capacity, free; /* bytes, -1 if not reported */
} vs_guest_disk_t;

/* One hardware sensor (HostNumericSensorInfo). */
typedef struct {
  char name[96], type[32], unit[24];
  char instance[128]; /* "<type>:<name>", unique within the host */
  int64_t raw;
  int modifier;
  int health; /* unknown 0, green 1, yellow 2, red 3; -1 not reported */
} vs_sensor_t;

/* One custom attribute value (CustomFieldStringValue). */
typedef struct {
  int key;
  char value[96];
  char instance[112]; /* "<key>:<value>": named at dispatch (vs_fields) */
} vs_attr_value_t;

/* One triggered alarm (AlarmState). A container's list also holds the
 * alarms of what is inside it (a datacenter's, its datastores'): each
 * names the entity it is about. */
typedef struct {
  char alarm[80];  /* the Alarm's moref */
  char entity[80]; /* the object it is about */
  int status;      /* green 0, yellow 1, red 2; -1 gray or not reported */
  bool acknowledged;
  /* the state value's instance: "<alarm> <0|1 acknowledged> <entity>",
   * named at dispatch (vs_alarms) */
  char instance[176];
} vs_alarm_state_t;

/* The parts of an alarm state value's instance; false if malformed. */
bool vs_alarm_instance_parse(const char *instance, char *alarm,
                             size_t alarm_size, bool *acknowledged,
                             const char **entity);

/* What the structured properties of one object said, gathered as their
 * leaves stream in (vs_subprop_cb). */
typedef struct {
  size_t alarms_red, alarms_yellow; /* triggeredAlarmState */
  size_t snapshots;                 /* snapshot tree */
  int64_t oldest_snapshot_us;
  size_t vms;   /* vm (host, datastore, resource pool) */
  size_t hosts; /* host (datastore) */
  vs_guest_disk_t disks[VS_STATE_MAX_DISKS]; /* guest.disk */
  size_t disks_num;
  int disk_item; /* guest.disk item of disks[disks_num - 1] */
  vs_sensor_t sensors[VS_STATE_MAX_SENSORS];
  size_t sensors_num;
  int sensor_item;
  double snapshot_bytes; /* layoutEx.file: snapshot files before file_item */
  int file_item;         /* layoutEx.file item being read */
  char file_name[256], file_type[32];
  double file_size;
  bool files_seen;
  vs_attr_value_t attrs[VS_STATE_MAX_ATTRS];
  size_t attrs_num;
  int attr_item;
  vs_alarm_state_t alarms[VS_STATE_MAX_ALARMS];
  size_t alarms_num;
  int alarm_item;
} vs_state_scratch_t;

void vs_state_scratch_reset(vs_state_scratch_t *s);
/* Feeds one leaf of a structured property (see vs_subprop_cb). */
void vs_state_subprop(vs_state_scratch_t *s, const char *prop, int item,
                      const char *path, const char *text);

/* The property paths a kind's state values are made from. */
size_t vs_state_paths(vs_kind_t kind, const char *const **paths);

/* What is read besides them, when the configuration asks. */
typedef struct {
  bool sensors;       /* hosts' hardware sensors */
  bool snapshot_size; /* VMs' layoutEx.file */
  bool attributes;    /* custom attribute values (customValue) */
} vs_state_options_t;
/* The optional paths of a kind under `opts`, into paths[max]; how many. */
size_t vs_state_optional_paths(vs_kind_t kind, const vs_state_options_t *opts,
                               const char **paths, size_t max);
/* Whether a state type is a custom attribute's info series (its instance
 * is "<key>:<value>" until dispatch names the key). */
bool vs_state_is_attribute(uint16_t type);
/* Whether a state type is a triggered alarm's (its instance as in
 * vs_alarm_state_t, its value the status). */
bool vs_state_is_alarm(uint16_t type);
/* The info series type of a kind's vSphere tags ("vm_tag", ...). */
uint16_t vs_state_tag_type(vs_kind_t kind);

/* Turns an object's properties into state values (at most `max`, into
 * `out`). Instance strings point into `props`, `scratch` or constants:
 * valid as long as those are (the caller copies what it keeps). `now_us`:
 * the local time, for uptimes and ages. Returns how many. */
size_t vs_state_values(vs_kind_t kind, const vs_prop_t *props, size_t n,
                       const vs_state_scratch_t *scratch, int64_t now_us,
                       vs_state_value_t *out, size_t max);
/* Whether a state value grows by one every second while nothing changes
 * (uptimes, ages): a value re-sent from the plugin's copy is advanced by
 * the time since it was computed. */
bool vs_state_ages(uint16_t type);
/* A copy of `n` state values in one allocation that also holds their
 * instance strings (free() frees it all); NULL when out of memory. */
vs_state_value_t *vs_state_copy(const vs_state_value_t *values, size_t n);

/* The most values one object can have. */
#define VS_STATE_MAX_VALUES                                                    \
  (24 + 2 * VS_STATE_MAX_DISKS + 2 * VS_STATE_MAX_SENSORS +                    \
   VS_STATE_MAX_ATTRS + VS_STATE_MAX_ALARMS)

#endif
