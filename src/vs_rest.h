/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_rest.h
 * One session of vCenter's REST API (/rest/com/vmware/cis, vCenter 6.5
 * and later) per <Vcenter>, beside the SOAP one, for what SOAP does not
 * have (tags):
 *   - login: POST /rest/com/vmware/cis/session with HTTP basic
 *     authentication (the block's User and password, read as the SOAP
 *     login reads them); the answer {"value":"<id>"} is the session id,
 *     sent as vmware-api-session-id with every later request;
 *   - a 401 on a call: the session is gone (expired, vCenter restarted):
 *     log in again once and retry the call;
 *   - logout: DELETE /rest/com/vmware/cis/session, at shutdown;
 *   - a login answered 404 (no REST API: a stand-alone ESXi host, vCenter
 *     before 6.5), 403 (no privilege) or 401 (refused): one log line, and
 *     no request until `retry_interval` has passed (after a 401 at least
 *     VS_REST_MIN_RETRY_AFTER_401: lockout-safe like the SOAP login); the
 *     line is said again only when the answer changes, and once more when
 *     the API works again.
 * The session id is a credential: never logged, wiped when dropped.
 */
#ifndef VS_REST_H
#define VS_REST_H

#include "vs_config.h"
#include "vs_fault.h"
#include "vs_json.h"
#include "vs_log.h"
#include "vs_transport.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stdint.h>

#define VS_REST_SESSION_PATH "/rest/com/vmware/cis/session"
/* Longest session id kept (vCenter's are 32 hex digits; vcsim's a UUID). */
#define VS_REST_MAX_ID_LEN 256
/* Most values in one answer: the tags of 1,000 objects with 50 tags each
 * are ~55,000; the bound keeps a hostile answer within ~56 MB of nodes
 * (the body itself is bounded by MaxResponseSize). */
#define VS_REST_MAX_VALUES 1000000
/* A login refused with 401 is tried again after at least this long,
 * whatever the retry interval: vCenter SSO locks an account after 5
 * failures within 180 s, and the SOAP login has its own share of them. */
#define VS_REST_MIN_RETRY_AFTER_401 300.0

typedef struct {
  const vs_config_t *cfg;
  vs_transport_t transport;
  vs_log_t *log;
  char *session_id; /* NULL: no session */
  /* The login was answered 404, 403 or 401: no request before retry_at. */
  long refused_status; /* 0: not refused */
  double retry_at;     /* monotonic seconds */
  double retry_interval;
  vs_buf_t answer;       /* the last answer's body */
  vs_json_t json;        /* ... parsed */
  double (*clock)(void); /* monotonic seconds; NULL: the real clock */
  uint64_t logins, logouts, login_refusals, requests;
} vs_rest_t;

/* `transport` and `log` outlive r; retry_interval is the wait after a
 * refused login (the tag interval). */
void vs_rest_init(vs_rest_t *r, const vs_config_t *cfg,
                  const vs_transport_t *transport, vs_log_t *log,
                  double retry_interval);
/* Logs out (if there is a session) and frees everything. */
void vs_rest_destroy(vs_rest_t *r);

/* True while a refused login keeps the API off (until retry_at). */
bool vs_rest_refused(const vs_rest_t *r);

/* Runs one request with the session: logs in first if there is none, and
 * once more on a 401, retrying the request. On VS_OK, *value is the
 * answer's "value" member (NULL if the answer had none, e.g. an empty
 * list vcsim leaves out, or no body), valid until the next call. Errors
 * are returned in err, not logged (but a refused login's line); while
 * the API is refused, VS_ERR_HTTP with err->code the refusing status
 * and no request made. */
int vs_rest_call(vs_rest_t *r, vs_rest_method_t method, const char *path,
                 const char *body, size_t body_len,
                 const vs_json_node_t **value, vs_error_t *err);

/* DELETE the session (if any), bounded by Timeout; the id is dropped
 * whatever the answer. */
void vs_rest_logout(vs_rest_t *r);
/* Drops the session without a request (vCenter is not answering: the
 * session expires there). */
void vs_rest_forget(vs_rest_t *r);

#endif
