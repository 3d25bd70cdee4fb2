/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_fault.c
 */
#include "vs_fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const fault_names[VS_FAULT_NUM] = {
    [VS_FAULT_NONE] = "",
    [VS_FAULT_NOT_AUTHENTICATED] = "NotAuthenticated",
    [VS_FAULT_INVALID_LOGIN] = "InvalidLogin",
    [VS_FAULT_NOT_FOUND] = "ManagedObjectNotFound",
    [VS_FAULT_NO_PERMISSION] = "NoPermission",
    [VS_FAULT_INVALID_ARGUMENT] = "InvalidArgument",
    [VS_FAULT_REQUEST_CANCELED] = "RequestCanceled",
    [VS_FAULT_SYSTEM_ERROR] = "SystemError",
    [VS_FAULT_HOST_NOT_CONNECTED] = "HostNotConnected",
    [VS_FAULT_INVALID_COLLECTOR_VERSION] = "InvalidCollectorVersion",
    [VS_FAULT_OTHER] = "other",
};

vs_fault_t vs_fault_from_type(const char *type) {
  if (type == NULL || type[0] == 0)
    return VS_FAULT_OTHER;
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_OTHER; f++)
    if (strcmp(type, fault_names[f]) == 0)
      return (vs_fault_t)f;
  if (strcmp(type, "HostNotReachable") == 0)
    return VS_FAULT_HOST_NOT_CONNECTED;
  return VS_FAULT_OTHER;
}

const char *vs_fault_name(vs_fault_t fault) {
  return (fault >= 0 && fault < VS_FAULT_NUM) ? fault_names[fault] : "other";
}

void vs_error_clear(vs_error_t *e) { memset(e, 0, sizeof(*e)); }

void vs_error_set(vs_error_t *e, int rc, const char *fmt, ...) {
  e->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->text, sizeof(e->text), fmt, ap);
  va_end(ap);
}

void vs_error_kind(const vs_error_t *e, char *buf, size_t size) {
  switch (e->rc) {
  case VS_ERR_FAULT:
  case VS_ERR_NOAUTH:
    snprintf(buf, size, "fault:%s%s", vs_fault_name(e->fault),
             e->suspect ? "?" : "");
    break;
  case VS_ERR_TRANSPORT:
    snprintf(buf, size, "transport:%d", e->code);
    break;
  case VS_ERR_HTTP:
    snprintf(buf, size, "http:%d", e->code);
    break;
  case VS_ERR_PARSE:
    snprintf(buf, size, "parse");
    break;
  case VS_ERR_NOMEM:
    snprintf(buf, size, "nomem");
    break;
  default:
    snprintf(buf, size, "rc:%d", e->rc);
  }
}

/* ---- the classifier ---- */

static int classify_fault(vs_xml_stream_t *sink, vs_error_t *err) {
  const char *type = vs_xml_stream_fault_type(sink);
  const char *text = vs_xml_stream_fault_string(sink);
  const char *obj_type = "";
  const char *obj = vs_xml_stream_fault_obj(sink, &obj_type);
  err->fault = vs_fault_from_type(type);
  vs_utf8_copy(err->obj, obj, sizeof(err->obj));
  vs_utf8_copy(err->obj_type, obj_type, sizeof(err->obj_type));
  vs_error_set(err,
               err->fault == VS_FAULT_NOT_AUTHENTICATED ? VS_ERR_NOAUTH
                                                        : VS_ERR_FAULT,
               "SOAP fault %s%s%s", type[0] ? type : "(unknown)",
               text[0] ? ": " : "", text);
  return err->rc;
}

int vs_classify_reply(const vs_reply_t *r, vs_error_t *err) {
  if (r->limit == VS_LIMIT_SIZE || r->limit == VS_LIMIT_STALL) {
    err->code = r->transport_code;
    err->timed_out = r->limit == VS_LIMIT_STALL;
    if (r->limit == VS_LIMIT_SIZE)
      vs_error_set(err, VS_ERR_TRANSPORT,
                   "response larger than %zu bytes (MaxResponseSize); "
                   "aborted",
                   r->max_bytes);
    else
      vs_error_set(err, VS_ERR_TRANSPORT,
                   "timed out: no data for %.0f s (stall limit); aborted",
                   (double)r->stall_ms / 1000.0);
    return err->rc;
  }
  if (r->transport_code != 0 && !r->sink_failed) {
    err->code = r->transport_code;
    err->timed_out = r->timed_out;
    vs_error_set(err, VS_ERR_TRANSPORT, "%s",
                 r->transport_text ? r->transport_text : "transport error");
    return err->rc;
  }
  /* The body was read (or its parse stopped early): what was it? */
  bool complete = !r->sink_failed && vs_xml_stream_finish(r->sink) == 0;
  if (vs_xml_stream_has_fault(r->sink))
    return classify_fault(r->sink, err);
  if (vs_xml_stream_not_authenticated(r->sink)) {
    /* Not a fault: an answer whose objects are NotAuthenticated, which
     * some servers send for an expired session. A guess, so flagged. */
    err->fault = VS_FAULT_NOT_AUTHENTICATED;
    err->suspect = true;
    vs_error_set(err, VS_ERR_NOAUTH,
                 "answer marks its objects NotAuthenticated");
    return err->rc;
  }
  if (r->status != 200) {
    err->code = (int)r->status;
    vs_error_set(err, VS_ERR_HTTP, "HTTP status %ld", r->status);
    return err->rc;
  }
  if (r->received == 0) {
    vs_error_set(err, VS_ERR_PARSE, "empty response body");
    return err->rc;
  }
  if (!complete) {
    vs_error_set(err, VS_ERR_PARSE, "bad response: %s",
                 vs_xml_stream_error(r->sink));
    return err->rc;
  }
  return VS_OK;
}

/* ---- the fault policy ----
 * The rows, in the order collectd-vsphere(5) lists them. QueryPerf acts on
 * ISOLATE and BATCH_APART; every operation on RELOGIN; Login on BACK_OFF;
 * the REFRESH flags bring the next inventory discovery forward. */

#define ISOLATE_SOON (VS_ACT_ISOLATE | VS_ACT_REFRESH_SOON)

const vs_fault_policy_t vs_fault_policies[] = {
    {"fault:NotAuthenticated", VS_ACT_RELOGIN,
     "the session expired, was terminated, or vCenter restarted"},
    {"fault:InvalidLogin", VS_ACT_BACK_OFF,
     "wrong user or password, a locked account, or no permission"},
    {"fault:ManagedObjectNotFound", VS_ACT_ISOLATE | VS_ACT_REFRESH_NOW,
     "an object deleted since the discovery"},
    {"fault:HostNotConnected", ISOLATE_SOON,
     "an ESXi host disconnected or not responding"},
    {"fault:NoPermission", ISOLATE_SOON,
     "the user may not read an object (a permission changed)"},
    {"fault:InvalidArgument", ISOLATE_SOON,
     "a request vCenter refuses (maxQueryMetrics, an object's counters)"},
    {"fault:SystemError", ISOLATE_SOON,
     "an object vCenter cannot answer for, or vCenter in trouble"},
    {"fault:InvalidCollectorVersion", VS_ACT_RESYNC,
     "the update stream's version is no longer known to vCenter (vpxd "
     "restarted)"},
    {"fault:other", ISOLATE_SOON, "any other SOAP fault"},
    {"fault:RequestCanceled", VS_ACT_NEXT_READ,
     "a request cancelled by vCenter or by the plugin"},
    {"timeout", VS_ACT_BATCH_APART | VS_ACT_NEXT_READ,
     "no answer within QueryTimeout/Timeout, or no byte for StallTimeout"},
    {"transport", VS_ACT_NEXT_READ,
     "connection refused or reset, TLS, a response over MaxResponseSize"},
    {"http", VS_ACT_NEXT_READ,
     "an HTTP error page (a proxy, vCenter starting)"},
    {"parse", VS_ACT_NEXT_READ, "a truncated, malformed or unexpected answer"},
    {"nomem", VS_ACT_NEXT_READ, "out of memory"},
};
const size_t vs_fault_policies_num =
    sizeof(vs_fault_policies) / sizeof(vs_fault_policies[0]);

static const vs_fault_policy_t *policy_of(const char *kind) {
  for (size_t i = 0; i < vs_fault_policies_num; i++)
    if (strcmp(vs_fault_policies[i].kind, kind) == 0)
      return &vs_fault_policies[i];
  return NULL;
}

const vs_fault_policy_t *vs_fault_policy(const vs_error_t *e) {
  char kind[64];
  switch (e->rc) {
  case VS_ERR_FAULT:
  case VS_ERR_NOAUTH:
    snprintf(kind, sizeof(kind), "fault:%s", vs_fault_name(e->fault));
    break;
  case VS_ERR_TRANSPORT:
    snprintf(kind, sizeof(kind), e->timed_out ? "timeout" : "transport");
    break;
  case VS_ERR_HTTP:
    snprintf(kind, sizeof(kind), "http");
    break;
  case VS_ERR_NOMEM:
    snprintf(kind, sizeof(kind), "nomem");
    break;
  default:
    snprintf(kind, sizeof(kind), "parse");
  }
  const vs_fault_policy_t *p = policy_of(kind);
  if (p == NULL && (e->rc == VS_ERR_FAULT || e->rc == VS_ERR_NOAUTH))
    p = policy_of("fault:other");
  return p != NULL ? p : policy_of("parse");
}

unsigned vs_fault_actions(const vs_error_t *e) {
  return e->rc == VS_OK ? 0 : vs_fault_policy(e)->actions;
}
