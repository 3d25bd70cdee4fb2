/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_event_rules.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_event_rules.h"

#include <fnmatch.h>
#include <stdint.h>
#include <string.h>

const char *const vs_default_events[] = {
    /* power */
    "VmPoweredOnEvent",
    "VmPoweredOffEvent",
    "VmSuspendedEvent",
    "VmFailedToPowerOnEvent",
    "VmFailedToPowerOffEvent",
    /* HA restarts on another host */
    "VmRestartedOnAlternateHostEvent",
    "com.vmware.vc.ha.VmRestartedByHAEvent",
    /* vMotion and Storage vMotion, done and failed */
    "VmMigratedEvent",
    "DrsVmMigratedEvent",
    "VmFailedMigrateEvent",
    "VmRelocatedEvent",
    "VmRelocateFailedEvent",
    /* host connection and maintenance */
    "HostConnectionLostEvent",
    "HostConnectedEvent",
    "HostDisconnectedEvent",
    "HostReconnectionFailedEvent",
    "EnteredMaintenanceModeEvent",
    "ExitMaintenanceModeEvent",
    /* VM life */
    "VmCreatedEvent",
    "VmClonedEvent",
    "VmDeployedEvent",
    "VmRemovedEvent",
    "VmReconfiguredEvent",
    /* failed logins */
    "BadUsernameSessionEvent",
    "com.vmware.sso.LoginFailure",
};
const size_t vs_default_events_num =
    sizeof(vs_default_events) / sizeof(vs_default_events[0]);

const vs_default_notify_t vs_default_notify_events[] = {
    {"VmFailedToPowerOnEvent", NOTIF_FAILURE},
    {"VmFailedToPowerOffEvent", NOTIF_FAILURE},
    {"VmFailedMigrateEvent", NOTIF_FAILURE},
    {"VmRelocateFailedEvent", NOTIF_FAILURE},
    {"HostConnectionLostEvent", NOTIF_FAILURE},
    {"HostReconnectionFailedEvent", NOTIF_FAILURE},
    {"VmRestartedOnAlternateHostEvent", NOTIF_WARNING},
    {"com.vmware.vc.ha.VmRestartedByHAEvent", NOTIF_WARNING},
};
const size_t vs_default_notify_events_num =
    sizeof(vs_default_notify_events) / sizeof(vs_default_notify_events[0]);

static bool matches(const char *glob, const char *type) {
  return fnmatch(glob, type, 0) == 0;
}

static bool matches_any(const vs_strlist_t *globs, const char *type) {
  for (size_t i = 0; i < globs->num; i++)
    if (matches(globs->items[i], type))
      return true;
  return false;
}

static bool is_default(const char *type) {
  for (size_t i = 0; i < vs_default_events_num; i++)
    if (strcmp(vs_default_events[i], type) == 0)
      return true;
  return false;
}

bool vs_event_counted(const vs_config_t *cfg, const char *type) {
  if (!(cfg->default_events && is_default(type)) &&
      !matches_any(&cfg->count_events, type))
    return false;
  return !matches_any(&cfg->ignore_events, type);
}

int vs_event_severity(const vs_config_t *cfg, const char *type) {
  for (size_t i = 0; i < cfg->notify_events_num; i++)
    if (matches(cfg->notify_events[i].glob, type))
      return cfg->notify_events[i].severity;
  for (size_t i = 0; i < vs_default_notify_events_num; i++)
    if (strcmp(vs_default_notify_events[i].type, type) == 0)
      return vs_default_notify_events[i].severity;
  return 0;
}

static bool is_glob(const char *s) { return strpbrk(s, "*?[\\") != NULL; }

/* Adds `type` unless it is there; false when it does not fit. */
static bool add_type(const char **types, size_t *n, size_t max,
                     const char *type) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(types[i], type) == 0)
      return true;
  if (*n == max)
    return false;
  types[(*n)++] = type;
  return true;
}

size_t vs_event_server_types(const vs_config_t *cfg, const char **types,
                             size_t max) {
  size_t n = 0;
  bool ok = true;
  for (size_t i = 0; ok && cfg->default_events && i < vs_default_events_num;
       i++)
    ok = add_type(types, &n, max, vs_default_events[i]);
  for (size_t i = 0; ok && i < cfg->count_events.num; i++)
    ok = !is_glob(cfg->count_events.items[i]) &&
         add_type(types, &n, max, cfg->count_events.items[i]);
  /* NotifyEvent "none" rules only take away: they need nothing read. */
  for (size_t i = 0; ok && i < cfg->notify_events_num; i++)
    if (cfg->notify_events[i].severity != 0)
      ok = !is_glob(cfg->notify_events[i].glob) &&
           add_type(types, &n, max, cfg->notify_events[i].glob);
  for (size_t i = 0; ok && i < vs_default_notify_events_num; i++)
    if (vs_event_severity(cfg, vs_default_notify_events[i].type) != 0)
      ok = add_type(types, &n, max, vs_default_notify_events[i].type);
  return ok ? n : SIZE_MAX;
}
