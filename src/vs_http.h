/**
 * collectd-vsphere - vs_http.h
 * HTTP transport for SOAP calls. One transport per vCenter, kept for the
 * life of the plugin: a small set of libcurl easy handles ("slots") driven
 * by one curl multi handle, sharing one cookie jar (the session) and one
 * connection cache, so connections and the session are reused on every
 * interval. Slot 0 serves the one-at-a-time calls (login, inventory); all
 * slots serve concurrent QueryPerf batches. Everything runs in the calling
 * (read) thread. Response bodies are streamed into a vs_xml_stream_t from
 * curl's write callback and never buffered whole.
 */
#ifndef VS_HTTP_H
#define VS_HTTP_H

#include "vs_fault.h"
#include "vs_xml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *url;
  bool verify_peer;
  bool verify_host;
  const char *ca_cert; /* NULL: the system's trust store */
  long timeout_ms;     /* whole request (vs_http_soap_call) */
  long stall_ms;       /* no byte for this long aborts (vs_http_soap_call) */
  long connect_timeout_ms;
  size_t max_response_bytes;
  int slots; /* requests in flight at most (>= 1) */
} vs_http_options_t;

typedef struct {
  uint64_t requests;
  uint64_t bytes_received;
  uint64_t bytes_sent;
} vs_http_stats_t;

typedef struct vs_http_s vs_http_t;

vs_http_t *vs_http_create(const vs_http_options_t *opts);
void vs_http_destroy(vs_http_t *h);
/* The number of concurrent slots (0 .. n-1), the control slot aside. */
int vs_http_slots(const vs_http_t *h);

/* vs_http_wait: the wait budget ran out, transfers are still in flight. */
#define VS_HTTP_PENDING 1

/* POSTs a SOAP envelope on the control slot with the default limits and
 * feeds the answer into `sink`. Returns VS_OK, VS_ERR_TRANSPORT,
 * VS_ERR_HTTP, VS_ERR_PARSE, VS_ERR_FAULT or VS_ERR_NOAUTH; `err` says
 * what and why (never with the request body). */
int vs_http_soap_call(vs_http_t *h, const char *soap_action, const char *body,
                      size_t body_len, vs_xml_stream_t *sink, vs_error_t *err);
/* GETs the URL + `path` (e.g. "/vimServiceVersions.xml") on the control
 * slot into `sink`, reading at most max_bytes. Returns as above (VS_ERR_HTTP
 * with err->code 404 for a missing file). */
int vs_http_get(vs_http_t *h, const char *path, vs_xml_stream_t *sink,
                size_t max_bytes, vs_error_t *err);

/* Starts a request on an idle concurrent slot with its own limits (total time, and
 * time without a byte); body and sink must stay valid until vs_http_wait
 * reports the slot done. Returns 0, or -1 if the slot is busy. A request
 * may stay in flight across reads: vs_http_wait drives it further. */
int vs_http_start(vs_http_t *h, int slot, const char *soap_action,
                  const char *body, size_t body_len, vs_xml_stream_t *sink,
                  long timeout_ms, long stall_ms);
/* Runs the transfers until one finishes (or one finished during a control
 * call) or `max_wait_ms` passes; returns the finished one's result (as
 * vs_http_soap_call) and its slot in *slot. Returns VS_HTTP_PENDING with
 * *slot = -1 when the wait budget ran out, VS_ERR_TRANSPORT with *slot = -1
 * if nothing is in flight or the multi handle failed. A request stalls
 * (StallTimeout) by the wall clock, across reads: what arrived while
 * nobody waited is read before it is judged. */
int vs_http_wait(vs_http_t *h, int *slot, long max_wait_ms, vs_error_t *err);
bool vs_http_busy(const vs_http_t *h, int slot);
int vs_http_in_flight(const vs_http_t *h);
/* Abandons every request in flight (their connections are closed). */
void vs_http_cancel_all(vs_http_t *h);

/* Drops every cookie, i.e. the session of a vCenter that forgot it. */
void vs_http_forget_session(vs_http_t *h);

const vs_http_stats_t *vs_http_stats(const vs_http_t *h);

#endif
