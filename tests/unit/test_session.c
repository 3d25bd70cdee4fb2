/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_session.c
 * The session's state machine through a scripted transport: API version
 * negotiation, service content, login and vCenter's clock, re-login after
 * a lost session (logging out first when the loss is inferred), logout,
 * and the lockout-safe login policy: the back-off schedule, and a
 * simulation on the session's own clock that checks that a wrong password
 * never gets more than 3 refusals into any 180 s window.
 */
#include "fake_transport.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_session.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a scripted vCenter for the session's calls ---- */

typedef struct {
  const char *versions;   /* the versions file, NULL: 404 */
  bool refuse_login;      /* InvalidLogin */
  const char *refusal;    /* its faultstring */
  int64_t clock_offset_s; /* vCenter's clock minus this machine's */
  bool clock_fails;
  double now; /* the simulated clock (when the test sets it) */
  double login_times[128];
  size_t logins;
} vcenter_t;

static vcenter_t *sim; /* for the clock callback */
static double sim_clock(void) { return sim->now; }

static void fixture(fake_reply_t *r, const char *name) {
  size_t len;
  char *data = mock_read_data(name, &len);
  vs_buf_reset(&r->body);
  if (data != NULL)
    vs_buf_append(&r->body, data, len);
  free(data);
}

static void respond(void *ctx, const fake_request_t *req, fake_reply_t *r) {
  vcenter_t *vc = ctx;
  if (strcmp(req->op, "GET /vimServiceVersions.xml") == 0) {
    if (vc->versions == NULL) {
      r->status = 404;
      vs_buf_puts(&r->body, "<html>not found</html>");
    } else {
      vs_buf_puts(&r->body, vc->versions);
    }
  } else if (strcmp(req->op, "RetrieveServiceContent") == 0) {
    fixture(r, "vcsim_service_content.xml");
  } else if (strcmp(req->op, "Login") == 0) {
    if (vc->logins < 128)
      vc->login_times[vc->logins] = vc->now;
    vc->logins++;
    if (vc->refuse_login)
      fake_fault(r, "InvalidLogin",
                 vc->refusal ? vc->refusal
                             : "Cannot complete login due to an incorrect "
                               "user name or password.",
                 NULL, NULL);
    else
      fixture(r, "vcsim_login.xml");
  } else if (strcmp(req->op, "CurrentTime") == 0) {
    if (vc->clock_fails) {
      fake_fault(r, "SystemError", "no clock", NULL, NULL);
      return;
    }
    char when[64], inner[160];
    vs_format_datetime(vs_wall_us() + vc->clock_offset_s * 1000000, when,
                       sizeof(when));
    snprintf(inner, sizeof(inner),
             "<CurrentTimeResponse xmlns=\"urn:vim25\"><returnval>%s"
             "</returnval></CurrentTimeResponse>",
             when);
    fake_soap(r, inner);
  } else if (strcmp(req->op, "Logout") == 0) {
    fixture(r, "vcsim_logout.xml");
  } else {
    fake_fault(r, "MethodFault", "not scripted", NULL, NULL);
  }
}

static void config(vs_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->name = "prod";
  cfg->url = "https://vc.example.com/sdk";
  cfg->user = "monitor";
  cfg->password = "secret";
}

typedef struct {
  vs_config_t cfg;
  vs_log_t log;
  fake_transport_t fake;
  vs_session_t s;
  vcenter_t vc;
} fixture_t;

static void setup(fixture_t *f) {
  mock_reset();
  memset(f, 0, sizeof(*f));
  config(&f->cfg);
  vs_log_init(&f->log, f->cfg.name);
  fake_init(&f->fake, 2, respond, &f->vc);
  vs_session_init(&f->s, &f->cfg, &f->fake.t, &f->log);
}

static void teardown(fixture_t *f) {
  vs_session_destroy(&f->s);
  fake_free(&f->fake);
}

#define VERSIONS_51                                                            \
  "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<namespaces version=\"1.0\">"  \
  "<namespace><name>urn:vim25</name><version>5.1</version><priorVersions>"     \
  "<version>5.0</version><version>4.1</version><version>2.5u2</version>"       \
  "</priorVersions></namespace><namespace><name>urn:vim2</name>"               \
  "<version>2.0</version></namespace></namespaces>"

/* ---- negotiation, login, clock ---- */

DEF_TEST(negotiates_the_newest_common_version) {
  fixture_t f;
  setup(&f);
  f.vc.versions = VERSIONS_51;
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  OK(f.s.logged_in);
  EXPECT_EQ_STR("5.1", f.s.api_version);
  /* the versions file first, then every request announces 5.1 */
  EXPECT_EQ_STR("GET /vimServiceVersions.xml",
                fake_request(&f.fake, NULL, 0)->op);
  EXPECT_EQ_STR("RetrieveServiceContent", fake_request(&f.fake, NULL, 1)->op);
  for (size_t i = 1; i < f.fake.requests_num; i++)
    EXPECT_EQ_STR("urn:vim25/5.1", f.fake.requests[i].action);
  EXPECT_EQ_INT(1, fake_count(&f.fake, "Login"));
  EXPECT_EQ_INT(1, fake_count(&f.fake, "CurrentTime"));
  EXPECT_EQ_INT(1, mock_log_count_containing("API 5.1"));
  teardown(&f);
  /* the plugin's newest when the server is newer */
  setup(&f);
  f.vc.versions = "<namespaces><namespace><name>urn:vim25</name><version>"
                  "uX1</version><priorVersions><version>99.0.0.0</version>"
                  "<version>8.0.2.0</version><version>7.0.3.0</version>"
                  "</priorVersions></namespace></namespaces>";
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  EXPECT_EQ_STR("8.0.2.0", f.s.api_version);
  teardown(&f);
  /* the newest, wherever the server lists it */
  setup(&f);
  f.vc.versions = "<namespaces><namespace><name>urn:vim25</name><version>"
                  "5.5</version><priorVersions><version>6.0</version>"
                  "<version>6.7</version><version>6.5</version>"
                  "</priorVersions></namespace></namespaces>";
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  EXPECT_EQ_STR("6.7", f.s.api_version);
  teardown(&f);
  return 0;
}

DEF_TEST(versions_file_absent_or_too_old) {
  fixture_t f;
  setup(&f);
  f.vc.versions = NULL; /* 404 */
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  EXPECT_EQ_STR(VS_API_FALLBACK, f.s.api_version);
  EXPECT_EQ_STR("urn:vim25/5.5", fake_request(&f.fake, "Login", 0)->action);
  EXPECT_EQ_INT(
      1, mock_log_count_level_containing(LOG_INFO, "announcing API version"));
  teardown(&f);
  setup(&f);
  f.vc.versions = "<namespaces><namespace><name>urn:vim25</name><version>"
                  "4.0</version><priorVersions><version>2.5</version>"
                  "</priorVersions></namespace></namespaces>";
  EXPECT_EQ_INT(VS_ERR_CONFIG, vs_session_ensure(&f.s));
  OK(!f.s.logged_in);
  EXPECT_EQ_INT(0, fake_count(&f.fake, "Login"));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_ERR, "needs 4.1"));
  teardown(&f);
  return 0;
}

DEF_TEST(login_reads_vcenters_clock) {
  fixture_t f;
  setup(&f);
  f.vc.versions = VERSIONS_51;
  f.vc.clock_offset_s = -7200;
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  /* within a second of two hours behind */
  OK(llabs(f.s.clock_offset_us + INT64_C(7200) * 1000000) < 1000000);
  OK(llabs(vs_session_vcenter_now_us(&f.s) - vs_wall_us() +
           INT64_C(7200) * 1000000) < 1000000);
  EXPECT_EQ_INT(1, mock_log_count_containing("clock -7200"));
  teardown(&f);
  /* no clock: this machine's, said once */
  setup(&f);
  f.vc.versions = VERSIONS_51;
  f.vc.clock_fails = true;
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  EXPECT_EQ_INT(0, f.s.clock_offset_us);
  EXPECT_EQ_INT(1, mock_log_count_containing("cannot read vCenter's clock"));
  teardown(&f);
  return 0;
}

/* ---- lost sessions ---- */

/* A call answered NotAuthenticated drops the session: the cookie goes,
 * the next ensure negotiates, reads the service content and logs in
 * again (vCenter may have been upgraded meanwhile). */
DEF_TEST(relogin_after_not_authenticated) {
  fixture_t f;
  setup(&f);
  f.vc.versions = VERSIONS_51;
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  size_t forgets = f.fake.forgets;
  vs_session_lost(&f.s, false);
  OK(!f.s.logged_in);
  OK(!f.s.have_service_content);
  OK(f.fake.forgets > forgets);
  EXPECT_EQ_INT(0, fake_count(&f.fake, "Logout")); /* vCenter said so */
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  EXPECT_EQ_INT(2, fake_count(&f.fake, "Login"));
  EXPECT_EQ_INT(2, fake_count(&f.fake, "GET /vimServiceVersions.xml"));
  EXPECT_EQ_INT(2, fake_count(&f.fake, "RetrieveServiceContent"));
  EXPECT_EQ_INT(2, (int)f.s.logins);
  EXPECT_EQ_INT(1, mock_log_count_containing("logged in again"));
  teardown(&f);
  return 0;
}

/* A loss only inferred (an empty inventory, objects marked
 * NotAuthenticated) logs the old session out first: a wrong guess leaves
 * no session behind in vCenter. */
DEF_TEST(inferred_loss_logs_out_first) {
  fixture_t f;
  setup(&f);
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  vs_session_lost(&f.s, true);
  EXPECT_EQ_INT(1, fake_count(&f.fake, "Logout"));
  OK(!f.s.logged_in);
  teardown(&f);
  return 0;
}

DEF_TEST(destroy_cancels_and_logs_out_once) {
  fixture_t f;
  setup(&f);
  EXPECT_EQ_INT(VS_OK, vs_session_ensure(&f.s));
  vs_session_destroy(&f.s);
  EXPECT_EQ_INT(1, fake_count(&f.fake, "Logout"));
  OK(f.fake.cancels >= 1);
  /* a second destroy (collectd's free_func after a failed create) is a
   * no-op */
  vs_session_destroy(&f.s);
  EXPECT_EQ_INT(1, fake_count(&f.fake, "Logout"));
  fake_free(&f.fake);
  return 0;
}

/* ---- lockout-safe login ---- */

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
  /* vCenter SSO locks after 5 failures in 180 s: a margin of 2 */
  EXPECT_EQ_INT(3, VS_LOGIN_MAX_FAILURES);
  EXPECT_EQ_DOUBLE(180.0, VS_LOGIN_WINDOW);
  return 0;
}

static size_t most_in_window(const double *t, size_t n, double window) {
  size_t most = 0;
  for (size_t i = 0; i < n; i++) {
    size_t in = 0;
    for (size_t j = i; j < n && t[j] < t[i] + window; j++)
      in++;
    if (in > most)
      most = in;
  }
  return most;
}

/* A read every `step` seconds of simulated time for `horizon` seconds,
 * vCenter refusing every Login; with a PasswordFile that is rewritten
 * before every read if `path` is given (the worst case: an operator fixing
 * it again and again with the wrong password). */
static void simulate(fixture_t *f, const char *path, double step,
                     double horizon) {
  sim = &f->vc;
  f->s.clock = sim_clock;
  f->vc.refuse_login = true;
  for (double now = 0; now < horizon && f->vc.logins < 100; now += step) {
    f->vc.now = now;
    if (path != NULL) {
      FILE *fp = fopen(path, "w");
      if (fp != NULL) {
        fprintf(fp, "wrong-%d\n", (int)now);
        fclose(fp);
      }
    }
    vs_session_ensure(&f->s);
  }
}

DEF_TEST(login_policy_simulated) {
  fixture_t f;
  /* a wrong Password, tried at every read (10 s) for 3 hours: the back-off
   * schedule, and a single error line */
  setup(&f);
  simulate(&f, NULL, 10, 3 * 3600);
  OK(f.vc.logins >= 6);
  const double want[] = {0, 60, 180, 480, 1080, 2280, 4080, 5880};
  for (size_t i = 0; i < 8 && i < f.vc.logins; i++)
    EXPECT_EQ_DOUBLE(want[i], f.vc.login_times[i]);
  OK(most_in_window(f.vc.login_times, f.vc.logins, VS_LOGIN_WINDOW) <=
     VS_LOGIN_MAX_FAILURES);
  EXPECT_EQ_INT(f.vc.logins, (int)f.s.login_refusals);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR)); /* one line, the same episode */
  teardown(&f);

  /* a PasswordFile that changes before every read (1 s): tried at once,
   * but never more than 3 refusals in any 180 s */
  char path[] = "/tmp/vs_unit_passXXXXXX";
  int fd = mkstemp(path);
  OK(fd >= 0);
  if (fd < 0)
    return -1;
  OK(fchmod(fd, 0600) == 0);
  close(fd);
  setup(&f);
  f.cfg.password = NULL;
  f.cfg.password_file = path;
  simulate(&f, path, 1, 1200);
  unlink(path);
  EXPECT_EQ_INT(3,
                most_in_window(f.vc.login_times, f.vc.logins, VS_LOGIN_WINDOW));
  OK(f.vc.logins >= 3);
  if (f.vc.logins >= 4) {
    /* the changed file is tried at once while the window allows it */
    EXPECT_EQ_DOUBLE(0, f.vc.login_times[0]);
    EXPECT_EQ_DOUBLE(1, f.vc.login_times[1]);
    EXPECT_EQ_DOUBLE(2, f.vc.login_times[2]);
    /* and then waits for the window */
    OK(f.vc.login_times[3] >= f.vc.login_times[0] + VS_LOGIN_WINDOW);
  }
  /* nothing about the password in any log line */
  EXPECT_EQ_INT(0, mock_log_count_containing("wrong"));
  teardown(&f);
  return 0;
}

/* ESXi refuses a user without permission with this text, typed
 * InvalidLogin: a refused login like a wrong password (back-off), and the
 * log says what vCenter said. */
DEF_TEST(permission_denied_is_a_refused_login) {
  fixture_t f;
  setup(&f);
  f.vc.refuse_login = true;
  f.vc.refusal = "Permission to perform this operation was denied.";
  EXPECT_EQ_INT(VS_ERR_FAULT, vs_session_ensure(&f.s));
  EXPECT_EQ_INT(1, (int)f.s.login_refusals);
  OK(f.s.next_login_at > 0);
  EXPECT_EQ_INT(1, mock_log_count_containing(
                       "Permission to perform this operation was denied."));
  /* backing off: the next read does not try */
  EXPECT_EQ_INT(VS_ERR_CONFIG, vs_session_ensure(&f.s));
  EXPECT_EQ_INT(1, fake_count(&f.fake, "Login"));
  teardown(&f);
  return 0;
}

int main(void) {
  RUN_TEST(negotiates_the_newest_common_version);
  RUN_TEST(versions_file_absent_or_too_old);
  RUN_TEST(login_reads_vcenters_clock);
  RUN_TEST(relogin_after_not_authenticated);
  RUN_TEST(inferred_loss_logs_out_first);
  RUN_TEST(destroy_cancels_and_logs_out_once);
  RUN_TEST(login_backoff_schedule);
  RUN_TEST(login_policy_simulated);
  RUN_TEST(permission_denied_is_a_refused_login);
  mock_reset();
  END_TEST;
}
