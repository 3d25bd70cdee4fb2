/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_query.h
 * The QueryPerf engine of one vCenter: batches over the active objects of
 * every kind (grouped by ESXi host, starting where the last read rotated
 * to), up to one per concurrent transport slot in flight, each streamed
 * into its own parser and dispatched as it arrives. A batch fails alone:
 * a fault or timeout costs only its own objects (what it does about each
 * kind of error is vs_fault's policy: isolate the object a fault is about,
 * batch a slow host's objects apart, ask for an inventory refresh). A read
 * waits at most until its deadline; requests still in flight then stay in
 * flight and are driven on by the next read (or by the transport during a
 * control call: their answers are dispatched whenever they arrive), so a
 * slow ESXi host never holds up the interval of the others.
 *
 * The engine owns its state (slots, batching order, rotation, retries);
 * everything else it works with comes from its environment, which the
 * caller keeps alive and current (vs_collect: a <Vcenter> block's read).
 */
#ifndef VS_QUERY_H
#define VS_QUERY_H

#include "vs_counters.h"
#include "vs_dispatch.h"
#include "vs_inventory.h"
#include "vs_log.h"
#include "vs_transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Metric ids per cluster QueryPerf (vCenter computes them on the fly). */
#define VS_CLUSTER_MAX_METRICS 10
/* Historical (300 s) data is queried this often at most: a new sample
 * comes every 5 minutes, late ones at any time. */
#define VS_HISTORICAL_QUERY_INTERVAL 60.0

typedef struct vs_query_s vs_query_t;

/* Limits and timings (from the configuration). */
typedef struct {
  int batch_size;             /* QueryBatchSize: entities per request */
  int max_metrics;            /* MaxQueryMetrics: entities x counters */
  double query_timeout;       /* seconds per request */
  double stall_timeout;       /* no byte for this long aborts */
  double historical_lookback; /* seconds a historical window starts back */
  double left_out;            /* seconds an object a fault was about is
                               * left out (then queried alone) */
} vs_query_limits_t;

/* What the engine works with. Every pointer must stay valid as long as
 * the engine: an answer carried over from a read may arrive during a later
 * control call, and is dispatched then. */
typedef struct {
  const vs_transport_t *transport;
  vs_log_t *log;
  const char *soap_action;        /* the session's SOAPAction */
  const vs_service_content_t *sc; /* the PerformanceManager's moref */
  vs_inventory_t *inventory;
  const vs_catalog_t *catalog;
  const vs_counter_set_t *counters;   /* per kind */
  const vs_dispatch_params_t *params; /* per kind, the current read's */
  const int *historical_max_metrics;  /* vCenter's bound; <= 0: none */
  const vs_query_limits_t *limits;
} vs_query_env_t;

/* What the queries of a read (and answers that arrived since the last
 * read) did. */
typedef struct {
  size_t values;     /* values dispatched */
  size_t entities;   /* objects whose answer completed */
  size_t answered;   /* requests answered */
  size_t failed;     /* requests that failed */
  size_t carried;    /* requests in flight when the read ended */
  bool session_lost; /* NotAuthenticated: everything was cancelled */
  bool suspect;      /* ... inferred, not a fault */
  /* The inventory is out of date: refresh it by then (monotonic seconds;
   * INFINITY when not). */
  double refresh_at;
  /* Answers named counter ids the catalog lacks: one of them (-1: none),
   * and how many samples came for such ids (not dispatched). */
  int unknown_counter_id;
  uint64_t unknown_values;
} vs_query_result_t;

/* NULL when out of memory. */
vs_query_t *vs_query_create(const vs_query_env_t *env);
void vs_query_destroy(vs_query_t *q);

/* A read begins: what succeeded in the read before is the evidence that
 * a fault is about one object, not about vCenter (see vs_query.c); an
 * object left out after a fault whose time is up is queried again. */
void vs_query_read_begin(vs_query_t *q);

/* Drives the requests in flight and starts batches for every object not
 * yet collected in this read, until everything is answered or `deadline`
 * (monotonic seconds) passes. `vcenter_now_us` places the first window of
 * a historical object. Returns VS_OK, VS_ERR_NOAUTH (the session is gone:
 * everything in flight was cancelled), or the last other error (logged). */
int vs_query_run(vs_query_t *q, double deadline, int64_t vcenter_now_us,
                 vs_query_result_t *out);

/* Abandons every request in flight and every pending retry. */
void vs_query_cancel(vs_query_t *q);

/* The environment's inventory now holds a new discovery, `old` the one
 * before (still valid): the batches in flight and waiting for a retry are
 * moved to the same objects in the new one (objects that left it are
 * dropped from them) and the batching order is rebuilt. Returns 0, or -1
 * when out of memory. */
int vs_query_inventory_changed(vs_query_t *q, const vs_inventory_t *old);

#endif
