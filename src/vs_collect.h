/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_collect.h
 * Everything one <Vcenter> block owns, and one read: the session (login,
 * re-login), what vCenter says about its statistics (catalog, levels,
 * bounds: vs_perfmgr, once per session and again when answers show the
 * catalog changed), the inventory (every InventoryInterval, with names and
 * hierarchy, and state values), the QueryPerf engine (vs_query, whose
 * series are dispatched as they stream in), the vSphere tags of the
 * collected objects (vs_tags over a REST session, vs_rest), and the
 * plugin's own metrics.
 */
#ifndef VS_COLLECT_H
#define VS_COLLECT_H

#include "vs_config.h"
#include "vs_dispatch.h"
#include "vs_event_counts.h"
#include "vs_events.h"
#include "vs_fields.h"
#include "vs_http.h"
#include "vs_inventory.h"
#include "vs_log.h"
#include "vs_perfmgr.h"
#include "vs_query.h"
#include "vs_rest.h"
#include "vs_session.h"
#include "vs_tags.h"
#include "vs_updates.h"

#include <stdint.h>

typedef struct {
  uint64_t cycles;
  uint64_t last_values;    /* values dispatched by the last read */
  uint64_t last_entities;  /* objects whose answer completed in it */
  uint64_t errors;         /* reads that ended in an error */
  uint64_t query_errors;   /* QueryPerf requests that failed */
  uint64_t carried;        /* QueryPerf requests in flight after a read */
  uint64_t state_values;   /* state values dispatched */
  uint64_t late_samples;   /* holes filled too late to dispatch */
  uint64_t unknown_values; /* samples of counter ids the catalog lacks */
  uint64_t full_passes;    /* inventories read whole (or full updates) */
} vs_collect_stats_t;

typedef struct {
  vs_config_t cfg;
  vs_log_t log;
  vs_http_t *http; /* NULL when the transport was given (unit tests) */
  vs_transport_t transport;
  vs_session_t session;

  vs_perfmgr_t perf;
  uint64_t perf_login;    /* login number the catalog was read at */
  uint64_t options_login; /* ... maxQueryMetrics */
  /* An answer named a counter id the catalog lacks: the catalog is read
   * again, at most once per InventoryInterval. */
  int catalog_unknown_id; /* -1: none */
  double next_catalog_at;

  vs_inventory_t inventory;
  vs_inventory_t building; /* a full update read across reads */
  bool inventory_ready;
  double next_inventory_at; /* a full pass (or full update) */
  /* The update stream keeps the inventory and state values current
   * between full updates; off while the server refuses it (tried again
   * at each full pass). */
  vs_updates_t updates;
  vs_fields_t fields;    /* custom attribute names */
  double next_fields_at; /* earliest re-read for an unknown key */
  bool stream_off;
  uint64_t stream_login;    /* the login a full update was last tried in */
  int stream_failures;      /* reads in a row whose update stream failed */
  uint64_t refreshed_cycle; /* the read of the last full pass */
  bool empty_recheck_done;  /* an empty inventory was re-read once */
  double next_states_at;    /* when state values are read again */
  size_t states_held; /* objects whose first state values wait for budget */
  size_t tags_held;   /* objects whose first tags wait for budget */

  vs_query_t *query;
  vs_query_limits_t limits;

  /* vSphere tags (REST), every TagInterval and after a full pass. */
  vs_rest_t rest;
  vs_tags_t tags;
  size_t tags_logged_objects, tags_logged_pairs; /* what the log said */
  uint64_t tags_fingerprint; /* of the objects the tags were read for */

  /* vCenter's events (Events true): counted per object and type, some
   * notified; the types vCenter filters on (NULL: every type). */
  vs_events_t events;
  vs_event_counts_t event_counts;
  const char **event_types;
  size_t event_types_num;
  uint64_t event_notifications;
  /* triggered alarms: names (read again after a full pass), changes */
  vs_alarms_t alarms;
  uint64_t alarm_names_pass;
  double next_alarm_names_at; /* after a failed read */
  uint64_t alarm_notifications;
  uint64_t events_pruned_pass; /* the full pass counts were pruned at */

  double read_interval;                     /* seconds, this read's */
  size_t new_series_left;                   /* MaxNewSeries budget */
  vs_dispatch_params_t params[VS_KIND_NUM]; /* per kind, this read's */
  vs_collect_stats_t stats;
} vs_vcenter_t;

/* Takes ownership of *cfg (which is zeroed). With `transport` NULL the
 * block talks to vCenter through libcurl (vs_http); tests give their own.
 * NULL when out of memory or libcurl cannot be set up (logged). */
vs_vcenter_t *vs_vcenter_create(vs_config_t *cfg,
                                const vs_transport_t *transport);
void vs_vcenter_destroy(vs_vcenter_t *vc); /* logs out, frees everything */

/* One read; `interval` is collectd's read interval in seconds. Always
 * returns 0: every failure is handled and logged here, and retried at the
 * next read (a refused login after a back-off); a non-zero return would
 * only make collectd stretch the read interval on top of that. */
int vs_vcenter_read(vs_vcenter_t *vc, double interval);

#endif
