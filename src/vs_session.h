/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_session.h
 * One vCenter session, a small state machine: API version negotiation,
 * service content, login (lockout-safe back-off after a refused password),
 * vCenter's clock, SOAP calls that report a lost session (re-login at the
 * next vs_session_ensure), logout. The session cookie lives in the
 * transport; errors are logged through the block's vs_log_t.
 */
#ifndef VS_SESSION_H
#define VS_SESSION_H

#include "vs_config.h"
#include "vs_fault.h"
#include "vs_log.h"
#include "vs_parse.h"
#include "vs_soap.h"
#include "vs_transport.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Never more than this many refused logins within the window: vCenter
 * SSO locks an account after 5 failures within 180 s by default. */
#define VS_LOGIN_MAX_FAILURES 3
#define VS_LOGIN_WINDOW 180.0
/* Largest /sdk/vimServiceVersions.xml read (real ones: 0.3-1 KiB). */
#define VS_VERSIONS_MAX_BYTES (64 * 1024)

typedef struct {
  const vs_config_t *cfg;
  vs_transport_t transport;
  vs_log_t *log;
  vs_service_content_t sc;
  bool have_service_content;
  bool logged_in;
  /* The last call ended in the transport (a timeout, a refused or reset
   * connection): at shutdown only the Logout is worth its time. */
  bool unreachable;
  uint64_t logins;         /* successful logins, for the logs and tests */
  uint64_t login_refusals; /* InvalidLogin answers, for the tests */
  /* The API version announced (SOAPAction), negotiated from the server's
   * /sdk/vimServiceVersions.xml before RetrieveServiceContent. */
  char api_version[VS_VERSION_LEN];
  char soap_action[64];
  /* vCenter's clock minus this machine's, from CurrentTime at login. */
  int64_t clock_offset_us;
  vs_buf_t request;      /* reused for every request body */
  uint64_t hash_key;     /* random, per session: see password_hash */
  double (*clock)(void); /* monotonic seconds; NULL: the real clock */

  /* Lockout-safe login: consecutive refusals, when the last ones
   * happened, when to try next, and what the refused password file
   * looked like (a changed file is tried at the next read). */
  int login_failures;
  double failure_at[VS_LOGIN_MAX_FAILURES]; /* ring of refusal times */
  double next_login_at;                     /* monotonic seconds */
  uint64_t refused_file_hash;
  struct timespec refused_file_mtime;
  bool warned_password_file_mode;

} vs_session_t;

/* The session uses `transport` and logs through `log`; both outlive it. */
int vs_session_init(vs_session_t *s, const vs_config_t *cfg,
                    const vs_transport_t *transport, vs_log_t *log);
/* Abandons what is in flight, logs out. */
void vs_session_destroy(vs_session_t *s);

/* Logs in if there is no session. Returns VS_OK or an error (logged). */
int vs_session_ensure(vs_session_t *s);

/* Sends the body in s->request and streams the answer into `handler`.
 * On VS_ERR_NOAUTH the session is dropped (after a Logout if the loss was
 * only inferred), so that the next vs_session_ensure logs in again.
 * Errors are returned in `err`, not logged. */
int vs_session_call(vs_session_t *s, const vs_xml_handler_t *handler,
                    vs_error_t *err);

void vs_session_logout(vs_session_t *s);
/* Forgets a session vCenter no longer knows, so the next ensure logs in.
 * `suspect`: the loss was inferred (an empty inventory, objects marked
 * NotAuthenticated), so the session may still live in vCenter: it is
 * logged out first, bounded by Timeout, so that a wrong guess leaves no
 * session behind. */
void vs_session_lost(vs_session_t *s, bool suspect);

/* This machine's wall clock moved to vCenter's, in microseconds. */
int64_t vs_session_vcenter_now_us(const vs_session_t *s);

/* The wait after the n-th consecutive refused login (n >= 1), in seconds. */
double vs_login_backoff(int failures);

#endif
