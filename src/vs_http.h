/**
 * collectd-vsphere - vs_http.h
 * HTTP transport for SOAP calls: one libcurl easy handle per vCenter, kept
 * for the life of the plugin so that the TCP/TLS connection and the session
 * cookie are reused on every interval. Response bodies are streamed into a
 * vs_xml_stream_t and never buffered whole.
 */
#ifndef VS_HTTP_H
#define VS_HTTP_H

#include "vs_xml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *url;
  bool verify_peer;
  bool verify_host;
  const char *ca_cert; /* NULL: the system's trust store */
  long timeout_ms;     /* whole request */
  long connect_timeout_ms;
  size_t max_response_bytes;
} vs_http_options_t;

typedef struct {
  uint64_t requests;
  uint64_t bytes_received;
  uint64_t bytes_sent;
} vs_http_stats_t;

typedef struct vs_http_s vs_http_t;

vs_http_t *vs_http_create(const vs_http_options_t *opts);
void vs_http_destroy(vs_http_t *h);

/* POSTs a SOAP envelope and feeds the answer into `sink`. Returns VS_OK,
 * VS_ERR_TRANSPORT, VS_ERR_HTTP, VS_ERR_PARSE, VS_ERR_FAULT or VS_ERR_NOAUTH;
 * on error `err` holds a one-line reason (never the request body). */
int vs_http_soap_call(vs_http_t *h, const char *soap_action, const char *body,
                      size_t body_len, vs_xml_stream_t *sink, char *err,
                      size_t err_size);

/* Drops every cookie, i.e. the session of a vCenter that forgot it. */
void vs_http_forget_session(vs_http_t *h);

const vs_http_stats_t *vs_http_stats(const vs_http_t *h);

#endif
