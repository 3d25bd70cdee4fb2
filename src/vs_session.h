/**
 * collectd-vsphere - vs_session.h
 * One vCenter session: service content, login (lockout-safe back-off after
 * a refused password), SOAP calls that report a lost session, logout, and
 * the "log once" bookkeeping of errors. The session cookie lives in the
 * transport's curl handles.
 */
#ifndef VS_SESSION_H
#define VS_SESSION_H

#include "vs_config.h"
#include "vs_fault.h"
#include "vs_http.h"
#include "vs_parse.h"
#include "vs_soap.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Never more than this many refused logins within the window: vCenter
 * SSO locks an account after 5 failures within 180 s by default. */
#define VS_LOGIN_MAX_FAILURES 3
#define VS_LOGIN_WINDOW 180.0
/* Kinds of error remembered at once for "log once" (the least recently
 * seen is forgotten first). */
#define VS_ERROR_KEYS 64
/* Largest /sdk/vimServiceVersions.xml read (real ones: 0.3-1 KiB). */
#define VS_VERSIONS_MAX_BYTES (64 * 1024)

typedef struct {
  char key[96];       /* "operation/kind" */
  uint64_t last_read; /* the read it was last seen in */
} vs_error_key_t;

typedef struct {
  const vs_config_t *cfg;
  vs_http_t *http;
  vs_service_content_t sc;
  bool have_service_content;
  bool logged_in;
  uint64_t logins;        /* successful logins, for the logs and tests */
  uint64_t login_refusals; /* InvalidLogin answers, for the tests */
  /* The API version announced (SOAPAction), negotiated from the server's
   * /sdk/vimServiceVersions.xml before RetrieveServiceContent. */
  char api_version[VS_VERSION_LEN];
  char soap_action[64];
  /* vCenter's clock minus this machine's, from CurrentTime at login. */
  int64_t clock_offset_us;
  vs_buf_t request; /* reused for every request body */
  uint64_t hash_key; /* random, per session: see password_hash */

  /* Lockout-safe login: consecutive refusals, when the last ones
   * happened, when to try next, and what the refused password file
   * looked like (a changed file is tried at the next read). */
  int login_failures;
  double failure_at[VS_LOGIN_MAX_FAILURES]; /* ring of refusal times */
  double next_login_at;                     /* monotonic seconds */
  uint64_t refused_file_hash;
  struct timespec refused_file_mtime;
  bool warned_password_file_mode;

  /* "Log once": kinds of error ("operation/kind") of the current episode
   * of errors; a new kind is logged, a known one stays silent; the
   * episode ends after VS_RECOVERY_READS quiet reads (vs_session_read_end). */
  vs_error_key_t error_keys[VS_ERROR_KEYS];
  size_t error_keys_num;
  uint64_t read_no;    /* reads begun */
  bool read_had_error; /* an error was logged or seen again in this read */
  int quiet_reads;     /* reads in a row without one */
  bool errors_logged; /* an ERROR among the keys: recovery is worth a line */
} vs_session_t;

int vs_session_init(vs_session_t *s, const vs_config_t *cfg);
void vs_session_destroy(vs_session_t *s); /* logs out first */

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

/* Logs an error once: further errors of the same operation and kind stay
 * silent while they keep coming (vs_session_read_end). */
void vs_session_error(vs_session_t *s, const char *what, const vs_error_t *e,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for an error that is not a request's (config, selection). */
void vs_session_error_key(vs_session_t *s, const char *key, const char *fmt,
                          ...) __attribute__((format(printf, 3, 4)));
/* The same at INFO level, for what is worth saying once (a re-login). */
void vs_session_note(vs_session_t *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Keeps a kind of error known without logging it (a login backing off is
 * still refused). */
void vs_session_error_touch(vs_session_t *s, const char *key);

/* Each read is framed by these. After VS_RECOVERY_READS reads in a row
 * without an error the kinds of error are forgotten (logged again if they
 * come back), except QueryPerf's while `requests_carried`: a request still
 * in flight from an earlier read (a slow host) may end the same way. When
 * every kind is forgotten after errors, "collecting again" is logged. */
#define VS_RECOVERY_READS 2
void vs_session_read_begin(vs_session_t *s);
void vs_session_read_end(vs_session_t *s, bool requests_carried);

/* This machine's wall clock moved to vCenter's, in microseconds. */
int64_t vs_session_vcenter_now_us(const vs_session_t *s);

double vs_monotonic_seconds(void);

/* The wait after the n-th consecutive refused login (n >= 1), in seconds. */
double vs_login_backoff(int failures);

#endif
