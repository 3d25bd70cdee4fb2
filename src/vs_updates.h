/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_updates.h
 * The inventory and state values kept current by the property collector's
 * update stream instead of full passes. Per session: a private
 * PropertyCollector with one filter over a ContainerView, asking for what
 * a discovery reads. Its first WaitForUpdatesEx answer is the discovery
 * (every object, "enter"); later ones, one per read with maxWaitSeconds 0
 * (never blocking), carry only what changed: new objects with all their
 * properties, objects that left, and the names of objects whose properties
 * changed, which are then read again in one RetrievePropertiesEx (so that
 * an object's values always come from one complete set of properties).
 * A new session, an InvalidCollectorVersion or a lost filter starts over
 * with a full update; the collector and view are destroyed before that
 * and at shutdown, so a session never holds more than one of each.
 */
#ifndef VS_UPDATES_H
#define VS_UPDATES_H

#include "vs_inventory.h"
#include "vs_session.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  char collector[VS_MOREF_LEN]; /* "" when no stream */
  char view[VS_MOREF_LEN];
  char version[256]; /* of the last update set read; "" before the first */
  uint64_t login;    /* session login the stream belongs to */
  bool initial;      /* a full update is still being read (across reads) */
  /* changes seen in this read, to apply */
  vs_arena_t refs; /* their morefs and types */
  vs_index_t modified, left;
  const char **mod_types, **mod_refs; /* the modified, in order */
  size_t mod_num, mod_cap;
  /* totals, for self-monitoring */
  uint64_t object_updates; /* object updates received */
  uint64_t rereads;        /* objects read again after a change */
  uint64_t resyncs;        /* full updates after the first */
  bool pending;            /* the last read left update sets for the next */
  int full_sets; /* sets of the full update in progress, read so far */
  bool refused;  /* the server answered the stream's creation with a fault */
  /* objects to read again at the next follow, whatever the stream says */
  vs_arena_t forced_strings;
  const char **forced_types, **forced_refs;
  size_t forced_num, forced_cap;
} vs_updates_t;

void vs_updates_init(vs_updates_t *u);
/* Destroys the collector and view (if the session still holds them and
 * `destroy`) and frees everything. */
void vs_updates_free(vs_updates_t *u, vs_session_t *s, bool destroy);
/* Whether the stream belongs to the session's current login. */
bool vs_updates_live(const vs_updates_t *u, const vs_session_t *s);
/* Ends the stream (destroying what the session holds) so that the next
 * vs_updates_full starts over. */
void vs_updates_reset(vs_updates_t *u, vs_session_t *s);

/* A full update: (re)creates the collector, view and filter and reads
 * the objects of the first update into `fresh` (sets of maxObjectUpdates,
 * InventoryPageSize), until it is complete (*complete) or `deadline`
 * (monotonic s) passed: at least one set is read per call. While it is
 * not complete (u->initial), vs_updates_full_more reads on into the same
 * `fresh`, in later reads. Errors end the stream (vs_updates_reset). */
int vs_updates_full(vs_updates_t *u, vs_session_t *s,
                    const vs_discovery_t *what, vs_inventory_t *fresh,
                    double deadline, bool *complete, vs_error_t *err);
int vs_updates_full_more(vs_updates_t *u, vs_session_t *s,
                         const vs_discovery_t *what, vs_inventory_t *fresh,
                         double deadline, bool *complete, vs_error_t *err);

/* Reads the object again whole at the next vs_updates_follow, as if the
 * stream had said it changed: for what vCenter may change without an
 * update (a triggered alarm's overallStatus, after API 5.0). */
void vs_updates_reread(vs_updates_t *u, const char *type, const char *moref);

/* The changes since the last call, until `deadline` (monotonic s; pages
 * not read by then wait for the next read): new and changed objects are
 * read into `delta` (initialised, empty) with all their properties;
 * morefs that left are in *left (valid until the next call). *changed
 * is whether anything changed. */
int vs_updates_follow(vs_updates_t *u, vs_session_t *s,
                      const vs_discovery_t *what, double deadline,
                      vs_inventory_t *delta, const vs_index_t **left,
                      bool *changed, vs_error_t *err);

#endif
