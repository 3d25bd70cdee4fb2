/**
 * collectd-vsphere - tests/unit/test_fault.c
 * Errors as data (vs_fault): fault types, error kinds (the keys of "log
 * once"), log-once and recovery in the session, and the lockout-safe
 * login policy: the back-off schedule, and a simulation that drives the
 * session's real login gate and checks that a wrong password never gets
 * more than 3 refusals into any 180 s window.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_fault.h"
#include "vs_session.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

DEF_TEST(fault_names_round_trip) {
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_OTHER; f++) {
    const char *name = vs_fault_name((vs_fault_t)f);
    OK(name != NULL && name[0] != 0);
    EXPECT_EQ_INT(f, vs_fault_from_type(name));
  }
  EXPECT_EQ_STR("NotAuthenticated", vs_fault_name(VS_FAULT_NOT_AUTHENTICATED));
  EXPECT_EQ_STR("InvalidLogin", vs_fault_name(VS_FAULT_INVALID_LOGIN));
  EXPECT_EQ_STR("ManagedObjectNotFound", vs_fault_name(VS_FAULT_NOT_FOUND));
  EXPECT_EQ_STR("NoPermission", vs_fault_name(VS_FAULT_NO_PERMISSION));
  EXPECT_EQ_STR("InvalidArgument", vs_fault_name(VS_FAULT_INVALID_ARGUMENT));
  EXPECT_EQ_STR("RequestCanceled", vs_fault_name(VS_FAULT_REQUEST_CANCELED));
  EXPECT_EQ_STR("SystemError", vs_fault_name(VS_FAULT_SYSTEM_ERROR));
  EXPECT_EQ_STR("HostNotConnected",
                vs_fault_name(VS_FAULT_HOST_NOT_CONNECTED));
  /* both host faults are one class */
  EXPECT_EQ_INT(VS_FAULT_HOST_NOT_CONNECTED,
                vs_fault_from_type("HostNotReachable"));
  /* everything else is OTHER: unknown, empty, absent, other case */
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("MethodNotFound"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("InvalidLoginFault"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("invalidlogin"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type(""));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type(NULL));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("other"));
  EXPECT_EQ_STR("other", vs_fault_name(VS_FAULT_OTHER));
  EXPECT_EQ_STR("", vs_fault_name(VS_FAULT_NONE));
  /* out of range is safe */
  EXPECT_EQ_STR("other", vs_fault_name(VS_FAULT_NUM));
  EXPECT_EQ_STR("other", vs_fault_name((vs_fault_t)-1));
  return 0;
}

static const char *kind_of(const vs_error_t *e, char *buf, size_t size) {
  vs_error_kind(e, buf, size);
  return buf;
}

static vs_error_t err(int rc, vs_fault_t fault, int code, bool suspect) {
  vs_error_t e;
  vs_error_clear(&e);
  vs_error_set(&e, rc, "text %d", code);
  e.fault = fault;
  e.code = code;
  e.suspect = suspect;
  return e;
}

DEF_TEST(error_kind_keys) {
  char b[64];
  vs_error_t e = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);
  EXPECT_EQ_STR("fault:ManagedObjectNotFound", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  EXPECT_EQ_STR("transport:28", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  EXPECT_EQ_STR("http:503", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_PARSE, VS_FAULT_NONE, 0, false);
  EXPECT_EQ_STR("parse", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_NOMEM, VS_FAULT_NONE, 0, false);
  EXPECT_EQ_STR("nomem", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_NOAUTH, VS_FAULT_NOT_AUTHENTICATED, 0, false);
  EXPECT_EQ_STR("fault:NotAuthenticated", kind_of(&e, b, sizeof(b)));
  /* an inferred loss is another kind than a real fault */
  e = err(VS_ERR_NOAUTH, VS_FAULT_NOT_AUTHENTICATED, 0, true);
  EXPECT_EQ_STR("fault:NotAuthenticated?", kind_of(&e, b, sizeof(b)));

  /* the text never matters: two errors of one kind with other texts */
  vs_error_t a = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t c = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_set(&c, VS_ERR_TRANSPORT, "timed out after %d ms", 10001);
  char kb[64];
  EXPECT_EQ_STR(kind_of(&a, b, sizeof(b)), kind_of(&c, kb, sizeof(kb)));

  /* keys differ per fault type ... */
  size_t same = 0;
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_NUM; f++)
    for (int g = f + 1; g < VS_FAULT_NUM; g++) {
      vs_error_t x = err(VS_ERR_FAULT, (vs_fault_t)f, 0, false);
      vs_error_t y = err(VS_ERR_FAULT, (vs_fault_t)g, 0, false);
      if (strcmp(kind_of(&x, b, sizeof(b)), kind_of(&y, kb, sizeof(kb))) == 0)
        same++;
    }
  EXPECT_EQ_INT(0, same);
  /* ... per curl code and per HTTP status, and per class */
  const int codes[] = {6, 7, 28, 35, 52, 56, 60, 63};
  for (size_t i = 0; i < 8; i++)
    for (size_t j = i + 1; j < 8; j++) {
      vs_error_t x = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, codes[i], false);
      vs_error_t y = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, codes[j], false);
      if (strcmp(kind_of(&x, b, sizeof(b)), kind_of(&y, kb, sizeof(kb))) == 0)
        same++;
    }
  vs_error_t h1 = err(VS_ERR_HTTP, VS_FAULT_NONE, 500, false);
  vs_error_t h2 = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  vs_error_t t1 = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 500, false);
  if (strcmp(kind_of(&h1, b, sizeof(b)), kind_of(&h2, kb, sizeof(kb))) == 0)
    same++;
  if (strcmp(kind_of(&h1, b, sizeof(b)), kind_of(&t1, kb, sizeof(kb))) == 0)
    same++;
  EXPECT_EQ_INT(0, same);

  /* other results still get a key; a small buffer is not overrun */
  e = err(VS_ERR_CONFIG, VS_FAULT_NONE, 0, false);
  OK(kind_of(&e, b, sizeof(b))[0] != 0);
  char tiny[6];
  memset(tiny, 'x', sizeof(tiny));
  e = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);
  EXPECT_EQ_STR("fault", kind_of(&e, tiny, sizeof(tiny)));
  return 0;
}

DEF_TEST(error_set_and_clear) {
  vs_error_t e;
  memset(&e, 0x5a, sizeof(e));
  vs_error_clear(&e);
  EXPECT_EQ_INT(VS_OK, e.rc);
  EXPECT_EQ_INT(VS_FAULT_NONE, e.fault);
  EXPECT_EQ_INT(0, e.code);
  OK(!e.suspect);
  EXPECT_EQ_STR("", e.obj);
  EXPECT_EQ_STR("", e.obj_type);
  EXPECT_EQ_STR("", e.text);
  /* vs_error_set keeps the other fields */
  e.fault = VS_FAULT_NOT_FOUND;
  vs_strlcpy(e.obj, "vm-42", sizeof(e.obj));
  e.code = 7;
  vs_error_set(&e, VS_ERR_FAULT, "SOAP fault %s", "ManagedObjectNotFound");
  EXPECT_EQ_INT(VS_ERR_FAULT, e.rc);
  EXPECT_EQ_INT(VS_FAULT_NOT_FOUND, e.fault);
  EXPECT_EQ_STR("vm-42", e.obj);
  EXPECT_EQ_INT(7, e.code);
  EXPECT_EQ_STR("SOAP fault ManagedObjectNotFound", e.text);
  /* a long text is bounded */
  char big[2000];
  memset(big, 'y', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  vs_error_set(&e, VS_ERR_PARSE, "%s", big);
  EXPECT_EQ_INT(sizeof(e.text) - 1, strlen(e.text));
  return 0;
}

/* A session with only what logging needs (no transport). */
static void bare_session(vs_session_t *s, vs_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->name = "prod";
  memset(s, 0, sizeof(*s));
  s->cfg = cfg;
}

DEF_TEST(session_logs_once_per_operation_and_kind) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t refused = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 7, false);
  vs_error_t gone = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);

  vs_session_error(&s, "QueryPerf", &timeout, "QueryPerf timed out (%d)", 1);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_ERR, "\"prod\""));
  EXPECT_EQ_INT(1, mock_log_count_containing("QueryPerf timed out (1)"));
  /* the same operation and kind: silent, whatever the text */
  for (int i = 2; i < 10; i++)
    vs_session_error(&s, "QueryPerf", &timeout, "QueryPerf timed out (%d)",
                     i);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* another kind, another operation: logged, once each */
  vs_session_error(&s, "QueryPerf", &refused, "refused");
  vs_session_error(&s, "QueryPerf", &gone, "gone");
  vs_session_error(&s, "inventory", &timeout, "inventory timed out");
  vs_session_error(&s, "QueryPerf", &refused, "refused");
  vs_session_error(&s, "QueryPerf", &gone, "gone");
  vs_session_error(&s, "inventory", &timeout, "inventory timed out");
  EXPECT_EQ_INT(4, mock_log_count(LOG_ERR));
  /* and errors that are not a request's, by key */
  vs_session_error_key(&s, "selection", "no counter matches");
  vs_session_error_key(&s, "selection", "no counter matches");
  EXPECT_EQ_INT(5, mock_log_count(LOG_ERR));
  /* interleaved kinds do not re-log each other */
  for (int i = 0; i < 5; i++) {
    vs_session_error(&s, "QueryPerf", &timeout, "t");
    vs_session_error(&s, "QueryPerf", &gone, "g");
  }
  EXPECT_EQ_INT(5, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  return 0;
}

/* One read of the plugin: errors logged in it, then its end. */
static void one_read(vs_session_t *s, const vs_error_t *e, bool carried) {
  vs_session_read_begin(s);
  if (e != NULL)
    vs_session_error(s, "QueryPerf", e, "QueryPerf failed");
  vs_session_read_end(s, carried);
}

DEF_TEST(session_recovery_after_quiet_reads) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);

  /* reads with nothing logged say nothing */
  one_read(&s, NULL, false);
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_num());

  /* an error in every read: logged once */
  for (int i = 0; i < 5; i++)
    one_read(&s, &timeout, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  /* an error every other read is the same error: not logged again */
  for (int i = 0; i < 5; i++) {
    one_read(&s, NULL, false);
    one_read(&s, &timeout, false);
  }
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  /* VS_RECOVERY_READS reads without it: the recovery is logged, once */
  for (int i = 0; i < VS_RECOVERY_READS - 1; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_INFO,
                                                   "collecting again"));
  one_read(&s, NULL, false);
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  /* after the recovery the same error is news again */
  one_read(&s, &timeout, false);
  EXPECT_EQ_INT(2, mock_log_count(LOG_ERR));
  return 0;
}

/* A request carried over to the next read may still end in the same
 * QueryPerf error (a slow host): its error is not forgotten meanwhile.
 * Every other kind of error is: a request in flight does not keep the
 * log silent about an inventory that fails, stops, and fails again. */
DEF_TEST(session_carried_requests_keep_only_queryperf_errors) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t http = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  one_read(&s, &timeout, true);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* the slow host's request times out every third read, carried between */
  for (int i = 0; i < 10; i++) {
    one_read(&s, NULL, true);
    one_read(&s, NULL, true);
    one_read(&s, &timeout, true);
  }
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* meanwhile an inventory error comes and goes twice: logged each time */
  for (int round = 0; round < 2; round++) {
    vs_session_read_begin(&s);
    vs_session_error(&s, "inventory", &http, "inventory failed");
    vs_session_read_end(&s, true);
    for (int i = 0; i < VS_RECOVERY_READS; i++)
      one_read(&s, NULL, true);
  }
  EXPECT_EQ_INT(3, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(2, mock_log_count_containing("inventory failed"));
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  /* the host answers again: nothing carried, the recovery is logged */
  for (int i = 0; i < VS_RECOVERY_READS; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count_containing("collecting again"));
  return 0;
}

/* More kinds of error than the bookkeeping holds, each recurring every
 * read: the least recently seen is forgotten, so a kind that keeps coming
 * stays known; none is logged more than once while all keep coming
 * within the capacity, and two alternating newcomers do not evict each
 * other read after read. */
DEF_TEST(session_many_kinds_do_not_thrash) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  char key[64];
  for (int read = 0; read < 20; read++) {
    vs_session_read_begin(&s);
    for (int k = 0; k < VS_ERROR_KEYS - 2; k++) {
      snprintf(key, sizeof(key), "op%d/kind", k);
      vs_session_error_key(&s, key, "error %d", k);
    }
    /* two kinds that alternate, one per read */
    vs_session_error_key(&s, read % 2 ? "odd/kind" : "even/kind", "%s",
                         read % 2 ? "odd" : "even");
    vs_session_read_end(&s, true);
  }
  EXPECT_EQ_INT(VS_ERROR_KEYS - 2 + 2, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_containing("odd"));
  EXPECT_EQ_INT(1, mock_log_count_containing("even"));
  return 0;
}

/* A login backing off is still a refused login: touching its key keeps it
 * known across the reads that do not try. */
DEF_TEST(session_touch_keeps_a_kind_known) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  vs_error_t refused = err(VS_ERR_FAULT, VS_FAULT_INVALID_LOGIN, 0, false);
  vs_session_read_begin(&s);
  vs_session_error(&s, "Login", &refused, "refused");
  vs_session_read_end(&s, false);
  for (int i = 0; i < 10; i++) {
    vs_session_read_begin(&s);
    vs_session_error_touch(&s, "Login/fault:InvalidLogin");
    vs_session_read_end(&s, false);
  }
  vs_session_read_begin(&s);
  vs_session_error(&s, "Login", &refused, "refused");
  vs_session_read_end(&s, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  return 0;
}

DEF_TEST(session_notes_logged_once_without_recovery_line) {
  mock_reset();
  vs_config_t cfg;
  vs_session_t s;
  bare_session(&s, &cfg);
  /* a note (a re-login) is said once, at INFO */
  vs_session_read_begin(&s);
  vs_session_note(&s, "session/relogin", "logging in again (%d)", 1);
  vs_session_note(&s, "session/relogin", "logging in again (%d)", 2);
  vs_session_read_end(&s, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_INFO, "\"prod\""));
  EXPECT_EQ_INT(1, mock_log_count_containing("logging in again (1)"));
  /* only notes, then quiet reads: no "collecting again" (nothing was
   * wrong), but the note may be said again afterwards */
  for (int i = 0; i < VS_RECOVERY_READS + 1; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  vs_session_read_begin(&s);
  vs_session_note(&s, "session/relogin", "logging in again (%d)", 3);
  EXPECT_EQ_INT(2, mock_log_count(LOG_INFO));
  /* a note and an error: the recovery is worth a line */
  vs_error_t e = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  vs_session_error(&s, "inventory", &e, "HTTP 503");
  vs_session_read_end(&s, false);
  for (int i = 0; i < VS_RECOVERY_READS; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count_containing("collecting again"));
  return 0;
}

DEF_TEST(login_backoff_schedule) {
  EXPECT_EQ_DOUBLE(0, vs_login_backoff(0));
  EXPECT_EQ_DOUBLE(0, vs_login_backoff(-1));
  EXPECT_EQ_DOUBLE(0, vs_login_backoff(INT_MIN));
  const double want[] = {60, 120, 300, 600, 1200, 1800};
  for (int n = 1; n <= 6; n++)
    EXPECT_EQ_DOUBLE(want[n - 1], vs_login_backoff(n));
  /* then it stays at 30 min */
  EXPECT_EQ_DOUBLE(1800, vs_login_backoff(7));
  EXPECT_EQ_DOUBLE(1800, vs_login_backoff(1000));
  EXPECT_EQ_DOUBLE(1800, vs_login_backoff(INT_MAX));
  /* never shorter after more refusals */
  size_t bad = 0;
  for (int n = 1; n < 100; n++)
    if (vs_login_backoff(n + 1) < vs_login_backoff(n))
      bad++;
  EXPECT_EQ_INT(0, bad);

  /* the schedule alone: refusals at t, t+60, t+180, t+480, ...: never
   * more than VS_LOGIN_MAX_FAILURES in any VS_LOGIN_WINDOW window */
  double t[200];
  t[0] = 0;
  for (int n = 1; n < 200; n++)
    t[n] = t[n - 1] + vs_login_backoff(n);
  size_t most = 0;
  for (int i = 0; i < 200; i++) {
    size_t in = 0;
    for (int j = i; j < 200 && t[j] <= t[i] + VS_LOGIN_WINDOW; j++)
      in++; /* closed window [t_i, t_i + 180] */
    if (in > most)
      most = in;
  }
  OK(most <= VS_LOGIN_MAX_FAILURES);
  EXPECT_EQ_INT(3, VS_LOGIN_MAX_FAILURES);
  EXPECT_EQ_DOUBLE(180.0, VS_LOGIN_WINDOW);
  /* vCenter SSO locks after 5 failures in 180 s: a margin of 2 */
  OK(VS_LOGIN_MAX_FAILURES <= 5 - 2);
  return 0;
}

/* ---- the login gate, simulated ----
 * The session's URL uses a scheme the transport refuses, so an attempt
 * the gate lets through fails at once inside libcurl (VS_ERR_TRANSPORT),
 * without any I/O; an attempt held back returns VS_ERR_CONFIG. The
 * simulation keeps its own clock: before each try the session's times
 * are shifted so that "now" is the simulated time. Each attempt made is
 * booked as vCenter refusing it (what the session does on InvalidLogin),
 * and the file of PasswordFile "changes" before every try (the worst
 * case: an operator fixing it again and again with the wrong password). */

typedef struct {
  double t[64];
  size_t num;
} refusals_t;

/* At simulated time `now`: would the session try to log in? */
static int try_at(vs_session_t *s, double now, const double *failure_at,
                  double next_login_at) {
  double real = vs_monotonic_seconds();
  for (int i = 0; i < VS_LOGIN_MAX_FAILURES; i++)
    s->failure_at[i] = real - (now - failure_at[i]);
  s->next_login_at = real + (next_login_at - now);
  /* a PasswordFile, if any, differs from the one refused last */
  s->refused_file_hash = 0;
  return vs_session_ensure(s);
}

static size_t most_in_window(const refusals_t *r, double window) {
  size_t most = 0;
  for (size_t i = 0; i < r->num; i++) {
    size_t in = 0;
    for (size_t j = i; j < r->num && r->t[j] < r->t[i] + window; j++)
      in++;
    if (in > most)
      most = in;
  }
  return most;
}

static int simulate(const char *password_file, double step, double horizon,
                    refusals_t *r, size_t *held_back) {
  vs_config_t cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.name = "sim";
  cfg.url = "ftp://vcenter.invalid/sdk"; /* refused by libcurl, no I/O */
  cfg.user = "monitor";
  cfg.password = password_file == NULL ? "wrong" : NULL;
  cfg.password_file = (char *)password_file;
  cfg.timeout = 1;
  cfg.stall_timeout = 1;
  cfg.concurrency = 1;
  cfg.max_response_size = 1 << 20;
  vs_session_t s;
  if (vs_session_init(&s, &cfg) != 0)
    return -1;
  double failure_at[VS_LOGIN_MAX_FAILURES] = {0};
  double next_login_at = 0;
  memset(r, 0, sizeof(*r));
  *held_back = 0;
  int unexpected = 0;
  for (double now = 0; now < horizon && r->num < 64; now += step) {
    int rc = try_at(&s, now, failure_at, next_login_at);
    if (rc == VS_ERR_CONFIG) {
      (*held_back)++;
      continue;
    }
    if (rc != VS_ERR_TRANSPORT) {
      unexpected++;
      continue;
    }
    /* vCenter refused it: book it as the session does */
    failure_at[s.login_refusals % VS_LOGIN_MAX_FAILURES] = now;
    s.login_refusals++;
    s.login_failures++;
    next_login_at = now + vs_login_backoff(s.login_failures);
    r->t[r->num++] = now;
  }
  vs_session_destroy(&s);
  return unexpected;
}

DEF_TEST(login_policy_simulated) {
  mock_reset();
  refusals_t r;
  size_t held;
  /* a wrong Password, tried at every read (10 s) for 3 hours: the
   * back-off schedule */
  EXPECT_EQ_INT(0, simulate(NULL, 10, 3 * 3600, &r, &held));
  OK(r.num >= 6);
  const double want[] = {0, 60, 180, 480, 1080, 2280, 4080, 5880};
  for (size_t i = 0; i < 8 && i < r.num; i++)
    EXPECT_EQ_DOUBLE(want[i], r.t[i]);
  OK(most_in_window(&r, VS_LOGIN_WINDOW) <= VS_LOGIN_MAX_FAILURES);
  OK(held > 0);

  /* a PasswordFile that changes before every read (1 s) with a wrong
   * password each time: tried at once, but never more than 3 refusals in
   * any 180 s */
  char path[] = "/tmp/vs_unit_passXXXXXX";
  int fd = mkstemp(path);
  OK(fd >= 0);
  if (fd < 0)
    return -1;
  OK(fchmod(fd, 0600) == 0);
  OK(write(fd, "wrong\n", 6) == 6);
  close(fd);
  int rc = simulate(path, 1, 1200, &r, &held);
  unlink(path);
  EXPECT_EQ_INT(0, rc);
  EXPECT_EQ_INT(3, most_in_window(&r, VS_LOGIN_WINDOW));
  OK(r.num >= 3);
  /* the changed file is tried at once while the window allows it */
  if (r.num >= 3) {
    EXPECT_EQ_DOUBLE(0, r.t[0]);
    EXPECT_EQ_DOUBLE(1, r.t[1]);
    EXPECT_EQ_DOUBLE(2, r.t[2]);
  }
  /* and then waits for the window */
  if (r.num >= 4)
    OK(r.t[3] >= r.t[0] + VS_LOGIN_WINDOW);
  /* nothing about the password in any log line */
  EXPECT_EQ_INT(0, mock_log_count_containing("wrong"));
  return 0;
}

int main(void) {
  RUN_TEST(fault_names_round_trip);
  RUN_TEST(error_kind_keys);
  RUN_TEST(error_set_and_clear);
  RUN_TEST(session_logs_once_per_operation_and_kind);
  RUN_TEST(session_recovery_after_quiet_reads);
  RUN_TEST(session_carried_requests_keep_only_queryperf_errors);
  RUN_TEST(session_many_kinds_do_not_thrash);
  RUN_TEST(session_touch_keeps_a_kind_known);
  RUN_TEST(session_notes_logged_once_without_recovery_line);
  RUN_TEST(login_backoff_schedule);
  RUN_TEST(login_policy_simulated);
  mock_reset();
  END_TEST;
}
