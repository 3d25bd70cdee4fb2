/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_transport.h
 * What the session and the query engine need from a transport: one call
 * at a time on a control slot (login, catalog, inventory), a few requests
 * in flight on concurrent slots (QueryPerf), the session cookie. vs_http
 * is the libcurl implementation; the unit tests plug in a scripted one
 * (tests/unit/fake_transport.c), so the read loop is tested without a
 * network.
 *
 * Results are VS_OK, VS_ERR_TRANSPORT, VS_ERR_HTTP, VS_ERR_PARSE,
 * VS_ERR_FAULT or VS_ERR_NOAUTH, with what and why in a vs_error_t
 * (vs_classify_reply in vs_fault.h turns a finished reply into one).
 */
#ifndef VS_TRANSPORT_H
#define VS_TRANSPORT_H

#include "vs_fault.h"
#include "vs_xml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* vs_transport_t.wait: the wait budget ran out, requests still in flight. */
#define VS_TRANSPORT_PENDING 1

typedef struct {
  uint64_t requests;
  uint64_t bytes_received;
} vs_transport_stats_t;

/* A request of vCenter's REST API (tags; vs_rest.h). */
typedef enum {
  VS_REST_GET = 0,
  VS_REST_POST,
  VS_REST_DELETE,
} vs_rest_method_t;

typedef struct {
  vs_rest_method_t method;
  const char *path; /* from the server's root: "/rest/com/vmware/..." */
  const char *body; /* JSON (POST), or NULL */
  size_t body_len;
  const char *session_id; /* sent as vmware-api-session-id, or NULL */
  /* Both set: HTTP basic authentication (the login only). The transport
   * keeps no copy of them once the request ended. */
  const char *user;
  const char *password;
} vs_rest_request_t;

typedef struct {
  void *ctx;
  /* Concurrent slots (0 .. n-1); the control slot is apart. */
  int (*slots)(void *ctx);
  /* POSTs a SOAP body on the control slot and streams the answer into
   * `sink`, to its end. Requests in flight on other slots go on meanwhile;
   * one that finishes is kept for `wait`. */
  int (*call)(void *ctx, const char *soap_action, const char *body, size_t len,
              vs_xml_stream_t *sink, vs_error_t *err);
  /* GETs URL + path on the control slot, at most max_bytes of it. */
  int (*get)(void *ctx, const char *path, vs_xml_stream_t *sink,
             size_t max_bytes, vs_error_t *err);
  /* Runs a REST request on the control slot's connections, to its end,
   * apart from the SOAP session (no cookie of it is sent, none it sets is
   * kept). The body, at most MaxResponseSize bytes, goes to `answer`
   * (reset first), the HTTP status to *status (0 if none came). Returns
   * VS_OK for a 2xx answer, VS_ERR_HTTP (err->code: the status) for any
   * other, VS_ERR_TRANSPORT or VS_ERR_NOMEM. */
  int (*rest)(void *ctx, const vs_rest_request_t *req, vs_buf_t *answer,
              long *status, vs_error_t *err);
  /* Starts a request on an idle concurrent slot; body and sink stay valid
   * until `wait` hands the slot back. Returns 0, or -1. */
  int (*start)(void *ctx, int slot, const char *soap_action, const char *body,
               size_t len, vs_xml_stream_t *sink, long timeout_ms,
               long stall_ms);
  /* Runs the requests until one finishes or max_wait_ms passes: its result
   * and slot, VS_TRANSPORT_PENDING with *slot -1 when the budget ran out,
   * VS_ERR_TRANSPORT with *slot -1 when nothing is in flight or the
   * transport itself failed. */
  int (*wait)(void *ctx, int *slot, long max_wait_ms, vs_error_t *err);
  bool (*busy)(void *ctx, int slot);
  int (*in_flight)(void *ctx);
  /* Abandons every request in flight. */
  void (*cancel_all)(void *ctx);
  /* Drops the session cookie (a vCenter that forgot the session). */
  void (*forget_session)(void *ctx);
  const vs_transport_stats_t *(*stats)(void *ctx);
} vs_transport_t;

#endif
