/**
 * collectd-vsphere - vs_query.h
 * The QueryPerf pipeline of one vCenter: batches over the active objects
 * of every kind (grouped by ESXi host, starting where the last read
 * rotated to), up to Concurrency of them in flight on the transport's
 * slots, each streamed into its own parser and dispatched as it arrives.
 * A batch fails alone: a fault or timeout costs only its own objects; a
 * faulted batch is retried without the object the fault names (split in
 * halves to find it when the fault names none), which is then left out
 * for a while. A read waits at most until its deadline; requests still in
 * flight then stay in flight and are driven on by the next read (an
 * inventory refresh does not wait for them), so a slow ESXi host never
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
/* After an inventory refresh replaced `old` by vc->inventory: the
 * batches in flight and waiting for a retry point at the same objects in
 * the new one (objects that left it are dropped from them). */
void vs_query_remap(vs_vcenter_t *vc, const vs_inventory_t *old);
/* Rebuilds the batching order after an inventory refresh. */
int vs_query_replan(vs_vcenter_t *vc);

/* Drives requests in flight and starts batches for every object not yet
 * collected this read, until everything is answered or `deadline`
 * (monotonic seconds) passes. Adds the values dispatched to *values.
 * Returns VS_OK, VS_ERR_NOAUTH (the session is gone: everything in flight
 * was cancelled), or the last other error (already logged). */
int vs_query_collect(vs_vcenter_t *vc, double deadline, size_t *values);

#endif
