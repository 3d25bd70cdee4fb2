/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_alarms.h
 * Triggered alarms by name. The objects' triggeredAlarmState arrive with
 * their state values (vs_state: "<kind>_alarm", instance "<alarm moref>
 * <acknowledged> <entity>"); here the alarms' names (Alarm.info.name) are
 * read in bulk for the alarms met and kept until the next full inventory
 * pass, and the transitions of each (object, alarm) are found between two
 * looks: new, worse, better, cleared, acknowledged. The first look only
 * records: alarms already firing when collectd starts are series, not
 * notifications.
 */
#ifndef VS_ALARMS_H
#define VS_ALARMS_H

#include "vs_inventory.h"
#include "vs_session.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  /* names: moref -> index into names[] */
  vs_index_t by_moref;
  vs_arena_t strings;
  const char **names;
  size_t num, cap;
  uint64_t reads; /* bulk name reads, for tests */
  bool stale;     /* read the names met again (a full pass: renames) */
  /* what the last look saw: "<object>\n<alarm>" -> status * 2 + ack */
  vs_index_t seen;
  vs_arena_t seen_keys;
  bool looked;
} vs_alarms_t;

void vs_alarms_init(vs_alarms_t *a);
void vs_alarms_free(vs_alarms_t *a);
/* The names met are read again at the next vs_alarms_read_names (an
 * alarm renamed); meanwhile, and for alarms no longer met (a cleared
 * alarm's notification), the names known are kept. */
void vs_alarms_refresh_names(vs_alarms_t *a);
/* The name of an alarm, NULL when not read (yet). */
const char *vs_alarms_name(const vs_alarms_t *a, const char *moref);

/* Reads the names of the alarms that the selected objects' state values
 * name and that are not known yet, in bulk. An alarm vCenter no longer
 * has (ManagedObjectNotFound) is named by its moref. */
int vs_alarms_read_names(vs_alarms_t *a, vs_session_t *s,
                         const vs_inventory_t *inv, vs_error_t *err);

/* The alarm of a state value if it is about `o` itself (a container's
 * list holds its children's too): its moref into buf, *acknowledged. */
bool vs_alarm_of(const vs_object_t *o, const char *instance, char *buf,
                 size_t size, bool *acknowledged);

/* A change of one (object, alarm): status green 0, yellow 1, red 2; -1
 * before (new) or after (cleared). */
typedef struct {
  const vs_object_t *object;
  const char *alarm; /* moref */
  int old_status, status;
  bool old_acknowledged, acknowledged;
} vs_alarm_change_t;

typedef void (*vs_alarm_change_cb)(void *ctx, const vs_alarm_change_t *c);

/* Compares what the selected objects' state values say now with the
 * last look. An object whose state values are not known now keeps what
 * it had; one that left the inventory is forgotten without a change.
 * Returns 0, or -1 when out of memory (the last look is then kept). */
int vs_alarms_look(vs_alarms_t *a, const vs_inventory_t *inv,
                   vs_alarm_change_cb cb, void *ctx);

#endif
