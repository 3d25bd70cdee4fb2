/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_events.h
 * vCenter's events, read forward: one EventHistoryCollector per session
 * (EventManager.CreateCollectorForEvents), paged with ReadNextEvents at
 * every read until nothing new comes or the read's deadline passes. The
 * position (the key and time of the last event handed on) lives here, not
 * in the collector: a new session or a lost collector gets a new one that
 * starts a little before the last event's time, and events up to the last
 * key are skipped, so that none is handed on twice or lost. At the first
 * start the position is vCenter's clock: history is not replayed. The
 * collector is destroyed before a new one is made and at shutdown.
 */
#ifndef VS_EVENTS_H
#define VS_EVENTS_H

#include "vs_parse.h"
#include "vs_session.h"

#include <stdbool.h>
#include <stdint.h>

/* Events asked for per ReadNextEvents (vCenter's largest page). */
#define VS_EVENTS_PAGE 1000
/* A new collector starts this long before the last event seen: events
 * created in the same second, or with a clock step between, are read
 * again and skipped by key. */
#define VS_EVENTS_OVERLAP_US (INT64_C(60) * 1000000)

typedef struct {
  char collector[VS_MOREF_LEN]; /* "" when none */
  uint64_t login;               /* the session login it belongs to */
  int64_t last_key;             /* of the last event handed on, -1: none */
  int64_t last_us;              /* its createdTime; -1: not started */
  /* totals, for self-monitoring and tests */
  uint64_t events;     /* handed on */
  uint64_t collectors; /* made */
  uint64_t pages;      /* ReadNextEvents answers */
  uint64_t keys_reset; /* times vCenter's keys went back (restored) */
  bool pending;        /* the deadline cut the last read short */
  bool refused;        /* the server has no EventManager, or refused it */
} vs_events_t;

void vs_events_init(vs_events_t *e);
/* Destroys the collector (if the session still holds it and `destroy`). */
void vs_events_free(vs_events_t *e, vs_session_t *s, bool destroy);

/* The events since the last call, oldest first, into `cb`, until none is
 * left or `deadline` (monotonic s) passed (one page at least). `types`:
 * vCenter's filter (NULL: every type). A collector that vCenter lost is
 * made again once. */
int vs_events_read(vs_events_t *e, vs_session_t *s, const char *const *types,
                   size_t types_num, double deadline, vs_event_cb cb, void *ctx,
                   vs_error_t *err);

#endif
