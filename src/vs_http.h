/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_http.h
 * The libcurl transport (vs_transport.h) of one vCenter, kept for the life
 * of the plugin: a few easy handles ("slots") driven by one curl multi
 * handle, sharing one cookie jar (the session) and one connection cache,
 * so connections and the session are reused on every interval.
 * Everything runs in the calling (read) thread. Response bodies are
 * streamed into a vs_xml_stream_t from curl's write callback and never
 * buffered whole.
 *
 * The concurrent slots carry QueryPerf requests, which may stay in flight
 * across reads; one more slot, the control slot, carries the
 * one-at-a-time calls, which therefore never wait for them. While a
 * control call runs, the other transfers go on; one that finishes
 * meanwhile is kept for the next wait. A request stalls (StallTimeout) by
 * the wall clock, across reads: what arrived while nobody waited is read
 * before it is judged.
 */
#ifndef VS_HTTP_H
#define VS_HTTP_H

#include "vs_transport.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *url;
  bool verify_peer;
  bool verify_host;
  const char *ca_cert; /* NULL: the system's trust store */
  long timeout_ms;     /* a control call's whole request */
  long stall_ms;       /* a control call: no byte for this long aborts */
  long connect_timeout_ms;
  size_t max_response_bytes;
  int slots; /* concurrent requests at most (>= 1) */
} vs_http_options_t;

typedef struct vs_http_s vs_http_t;

/* curl_global_init must have run (vsphere.c, at configuration time). */
vs_http_t *vs_http_create(const vs_http_options_t *opts);
void vs_http_destroy(vs_http_t *h);
/* The transport interface over h (valid as long as h). */
vs_transport_t vs_http_transport(vs_http_t *h);

#endif
