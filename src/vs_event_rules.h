/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_event_rules.h
 * Which of vCenter's events are counted and which become collectd
 * notifications: the documented default sets, the Event / IgnoreEvent /
 * NotifyEvent options (globs on the event's type: the class name, or an
 * EventEx's eventTypeId; case matters, as it does to vCenter), and the
 * type list vCenter can filter on itself.
 */
#ifndef VS_EVENT_RULES_H
#define VS_EVENT_RULES_H

#include "vs_config.h"

#include <stdbool.h>
#include <stddef.h>

/* Counted unless DefaultEvents is false (docs/COUNTERS.md lists them). */
extern const char *const vs_default_events[];
extern const size_t vs_default_events_num;

/* Notified unless a NotifyEvent rule (tried first) says otherwise. */
typedef struct {
  const char *type;
  int severity; /* NOTIF_* */
} vs_default_notify_t;
extern const vs_default_notify_t vs_default_notify_events[];
extern const size_t vs_default_notify_events_num;

/* Whether events of `type` are counted: the default set or an Event
 * glob, and no IgnoreEvent glob. */
bool vs_event_counted(const vs_config_t *cfg, const char *type);
/* The severity of the notification for an event of `type` (NOTIF_*), or
 * 0 for none: the first NotifyEvent rule that matches decides, then the
 * defaults. */
int vs_event_severity(const vs_config_t *cfg, const char *type);

/* The types to ask vCenter for (its filter matches exact names): into
 * `types` (room for `max`), the count returned. SIZE_MAX when a glob is
 * among them or they do not fit: vCenter then sends every event and the
 * rules above pick. */
size_t vs_event_server_types(const vs_config_t *cfg, const char **types,
                             size_t max);

#endif
