/**
 * collectd-vsphere - vs_query.h
 * The QueryPerf pipeline of one vCenter: batches over the active objects
 * of every kind (grouped by ESXi host, starting where the last read
 * rotated to), up to Concurrency of them in flight on the transport's
 * slots, each streamed into its own parser and dispatched as it arrives.
 * A batch fails alone: a fault or timeout costs only its own objects; a
 * ManagedObjectNotFound batch is retried without the missing object
 * (split in halves to find it when the fault does not name it). A read
 * waits at most until its deadline; requests still in flight then stay in
 * flight and are driven on by the next read, so a slow ESXi host never
 * holds up the interval of the others.
 */
#ifndef VS_QUERY_H
#define VS_QUERY_H

#include "vs_collect.h"

#include <stdbool.h>
#include <stddef.h>

int vs_query_init(vs_vcenter_t *vc);
void vs_query_free(vs_vcenter_t *vc);

/* Abandons every request in flight and every pending retry. */
void vs_query_cancel(vs_vcenter_t *vc);
/* True when no QueryPerf request is in flight. */
bool vs_query_idle(const vs_vcenter_t *vc);
/* Rebuilds the batching order after an inventory refresh. Requires idle. */
int vs_query_replan(vs_vcenter_t *vc);

/* Drives requests in flight and, if `plan` is set, starts batches for
 * every object not yet collected this read, until everything is answered
 * or `deadline` (monotonic seconds) passes. Adds the values dispatched to
 * *values. Returns VS_OK, VS_ERR_NOAUTH (the session is gone: everything
 * in flight was cancelled), or the last other error (already logged). */
int vs_query_collect(vs_vcenter_t *vc, double deadline, bool plan,
                     size_t *values);

#endif
