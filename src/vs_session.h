/**
 * collectd-vsphere - vs_session.h
 * One vCenter session: service content, login (with back-off after a
 * refused password), SOAP calls that report a lost session, logout. The
 * session cookie lives in the transport's curl handle.
 */
#ifndef VS_SESSION_H
#define VS_SESSION_H

#include "vs_config.h"
#include "vs_http.h"
#include "vs_soap.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  const vs_config_t *cfg;
  vs_http_t *http;
  vs_service_content_t sc;
  bool have_service_content;
  bool logged_in;
  uint64_t logins; /* successful logins, for the logs and tests */
  char soap_action[64];
  vs_buf_t request; /* reused for every request body */

  /* login back-off after InvalidLogin */
  int login_failures;
  double next_login_at; /* monotonic seconds */

  /* "log once": the kind of the last error logged (operation and error
   * class: the text itself may vary, e.g. elapsed milliseconds) */
  char last_error[128];
  bool warned_password_file_mode;
} vs_session_t;

int vs_session_init(vs_session_t *s, const vs_config_t *cfg);
void vs_session_destroy(vs_session_t *s); /* logs out first */

/* Logs in if there is no session. Returns VS_OK or an error (logged). */
int vs_session_ensure(vs_session_t *s);

/* Sends the body in s->request and streams the answer into `handler`.
 * On VS_ERR_NOAUTH the session is marked gone so that the next
 * vs_session_ensure logs in again. Errors are returned, not logged, with
 * the reason in `err`. */
int vs_session_call(vs_session_t *s, const vs_xml_handler_t *handler,
                    char *err, size_t err_size);

void vs_session_logout(vs_session_t *s);
/* Forgets a session vCenter no longer knows, so the next ensure logs in. */
void vs_session_lost(vs_session_t *s);

/* Logs an error once: further errors of the same kind (`what` failed
 * with result `rc`) stay silent until another kind or a success
 * (vs_session_ok) comes. */
void vs_session_error(vs_session_t *s, const char *what, int rc,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vs_session_ok(vs_session_t *s);

double vs_monotonic_seconds(void);

#endif
