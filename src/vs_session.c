/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_session.c
 */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"
#include "vs_parse.h"
#include "vs_port.h"
#include "vs_secret.h"
#include "vs_session.h"

#include <stdarg.h>
#include <time.h>

/* The session's clock: monotonic seconds, or the tests' simulated time. */
static double session_now(const vs_session_t *s) {
  return s->clock != NULL ? s->clock() : vs_monotonic_seconds();
}

int64_t vs_session_vcenter_now_us(const vs_session_t *s) {
  return vs_wall_us() + s->clock_offset_us;
}

/* ---- session ---- */

/* Per-session random bytes for password_hash. Drawn at configuration time
 * (single-threaded): nothing is initialised lazily in a read thread. */
static uint64_t random_key(void) {
  uint64_t key = 0;
  if (vs_random_bytes(&key, sizeof(key)) != 0 || key == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    key = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) *
          0x9e3779b97f4a7c15ULL;
  }
  return key;
}

static void set_api_version(vs_session_t *s, const char *version) {
  sstrncpy(s->api_version, version, sizeof(s->api_version));
  ssnprintf(s->soap_action, sizeof(s->soap_action), "urn:vim25/%s",
            s->api_version);
}

int vs_session_init(vs_session_t *s, const vs_config_t *cfg,
                    const vs_transport_t *transport, vs_log_t *log) {
  memset(s, 0, sizeof(*s));
  s->cfg = cfg;
  s->transport = *transport;
  s->log = log;
  vs_buf_init(&s->request);
  s->hash_key = random_key();
  set_api_version(s, VS_API_FALLBACK);
  return 0;
}

int vs_session_call(vs_session_t *s, const vs_xml_handler_t *handler,
                    vs_error_t *err) {
  vs_error_clear(err);
  if (s->request.failed) {
    vs_error_set(err, VS_ERR_NOMEM, "out of memory building a request");
    return err->rc;
  }
  vs_xml_stream_t *stream = vs_xml_stream_create(handler);
  if (stream == NULL) {
    vs_error_set(err, VS_ERR_NOMEM, "out of memory creating an XML parser");
    return err->rc;
  }
  int rc = s->transport.call(s->transport.ctx, s->soap_action, s->request.data,
                             s->request.len, stream, err);
  vs_xml_stream_destroy(stream);
  s->unreachable = rc == VS_ERR_TRANSPORT;
  if (rc == VS_ERR_NOAUTH)
    vs_session_lost(s, err->suspect);
  return rc;
}

void vs_session_logout(vs_session_t *s) {
  if (!s->logged_in)
    return;
  s->logged_in = false;
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "LogoutResponse"};
  vs_soap_logout(&s->request, &s->sc);
  vs_xml_stream_t *stream = vs_xml_stream_create(&none);
  int rc = stream == NULL ? VS_ERR_NOMEM
                          : s->transport.call(s->transport.ctx, s->soap_action,
                                              s->request.data, s->request.len,
                                              stream, &err);
  vs_xml_stream_destroy(stream);
  if (rc != VS_OK && rc != VS_ERR_NOAUTH)
    WARNING("vsphere plugin: vCenter \"%s\": logout failed: %s", s->cfg->name,
            stream == NULL ? "out of memory" : err.text);
}

void vs_session_lost(vs_session_t *s, bool suspect) {
  if (suspect)
    vs_session_logout(s); /* bounded by Timeout; the answer does not matter */
  s->logged_in = false;
  /* vCenter may have been restarted, or upgraded: ask it again what it is
   * and which API versions it speaks. */
  s->have_service_content = false;
  s->transport.forget_session(s->transport.ctx);
}

/* Reads /sdk/vimServiceVersions.xml and announces the newest API version
 * both sides speak, as pyVmomi and govmomi do: a 5.1 server lists only 5.1
 * and older, and newer servers answer in the announced version's schema.
 * Without the file (a proxy, a simulator): VS_API_FALLBACK. */
static int negotiate_version(vs_session_t *s) {
  vs_versions_t *v = malloc(sizeof(*v));
  vs_xml_stream_t *stream = NULL;
  vs_error_t err;
  vs_error_clear(&err);
  int rc = VS_ERR_NOMEM;
  if (v != NULL) {
    vs_xml_handler_t h = vs_parse_versions(v);
    stream = vs_xml_stream_create(&h);
  }
  if (stream == NULL)
    vs_error_set(&err, VS_ERR_NOMEM, "out of memory");
  else
    rc = s->transport.get(s->transport.ctx, "/vimServiceVersions.xml", stream,
                          VS_VERSIONS_MAX_BYTES, &err);
  vs_xml_stream_destroy(stream);
  if (rc == VS_OK && v->num == 0)
    rc = (vs_error_set(&err, VS_ERR_PARSE, "no urn:vim25 versions listed"),
          err.rc);
  char chosen[VS_VERSION_LEN];
  if (rc == VS_OK && vs_versions_choose(v, chosen, sizeof(chosen)) != 0) {
    vs_error_set(&err, VS_ERR_CONFIG,
                 "the server speaks API versions %s to %s only; this plugin "
                 "needs %s or newer",
                 v->items[v->num - 1], v->items[0], VS_API_OLDEST);
    vs_log_error(s->log, "versions", &err, "%s.", err.text);
    free(v);
    return VS_ERR_CONFIG;
  }
  if (rc == VS_OK) {
    set_api_version(s, chosen);
  } else {
    vs_log_note(s->log, "versions/fallback",
                "cannot read %s/vimServiceVersions.xml (%s); announcing "
                "API version %s.",
                s->cfg->url, err.text, VS_API_FALLBACK);
    set_api_version(s, VS_API_FALLBACK);
  }
  free(v);
  return VS_OK;
}

static int fetch_service_content(vs_session_t *s) {
  vs_error_t err;
  vs_service_content_t sc;
  vs_xml_handler_t h = vs_parse_service_content(&sc);
  h.expect = "RetrieveServiceContentResponse";
  vs_soap_retrieve_service_content(&s->request);
  int rc = vs_session_call(s, &h, &err);
  if (rc == VS_OK &&
      (sc.session_manager[0] == 0 || sc.property_collector[0] == 0 ||
       sc.root_folder[0] == 0 || sc.perf_manager[0] == 0)) {
    vs_error_set(&err, VS_ERR_PARSE,
                 "service content lacks a manager: is %s a vSphere SDK "
                 "endpoint?",
                 s->cfg->url);
    rc = err.rc;
  }
  if (rc != VS_OK) {
    vs_log_error(s->log, "RetrieveServiceContent", &err,
                 "RetrieveServiceContent failed: %s", err.text);
    return rc;
  }
  s->sc = sc;
  s->have_service_content = true;
  return VS_OK;
}

/* vCenter's clock: historical queries start at vCenter's "now" minus the
 * look-back, whatever this machine's clock says. */
static void read_clock(vs_session_t *s) {
  vs_current_time_t t;
  vs_xml_handler_t h = vs_parse_current_time(&t);
  h.expect = "CurrentTimeResponse";
  vs_soap_current_time(&s->request);
  vs_error_t err;
  int64_t before = vs_session_vcenter_now_us(s) - s->clock_offset_us;
  int rc = vs_session_call(s, &h, &err);
  int64_t after = vs_session_vcenter_now_us(s) - s->clock_offset_us;
  if (rc == VS_OK && t.found) {
    s->clock_offset_us = t.us - (before + after) / 2;
    return;
  }
  if (rc == VS_OK)
    vs_error_set(&err, VS_ERR_PARSE, "no time in the answer");
  if (rc != VS_ERR_NOAUTH)
    vs_log_error(s->log, "CurrentTime", &err,
                 "cannot read vCenter's clock (%s); using this "
                 "machine's.",
                 err.text);
}

/* ---- password file ---- */

/* Only to notice that a refused password file changed: the hash is keyed
 * with per-session random bytes so it says nothing outside this process. */
static uint64_t password_hash(const vs_session_t *s, const char *p) {
  return vs_hash64(p, s->hash_key);
}

/* Reads the password file at every login, so that a fixed file is picked
 * up without a restart; what is wrong with it is logged (once). */
static char *read_password_file(vs_session_t *s, struct timespec *mtime,
                                bool quiet) {
  const char *path = s->cfg->password_file;
  vs_secret_file_t f;
  if (vs_secret_read_for_login(path, quiet ? NULL : s->log, &f) == NULL)
    return NULL;
  if (f.world_readable && !s->warned_password_file_mode && !quiet) {
    WARNING("vsphere plugin: vCenter \"%s\": PasswordFile \"%s\" is "
            "readable by every user; chmod o-r it.",
            s->cfg->name, path);
    s->warned_password_file_mode = true;
  }
  if (mtime != NULL)
    *mtime = f.mtime;
  return f.password;
}

/* True if the password file differs (content or mtime) from the one
 * that was refused. */
static bool password_file_changed(vs_session_t *s) {
  if (s->cfg->password_file == NULL)
    return false;
  struct timespec mtime = {0};
  char *p = read_password_file(s, &mtime, true);
  if (p == NULL)
    return false;
  bool changed = password_hash(s, p) != s->refused_file_hash ||
                 mtime.tv_sec != s->refused_file_mtime.tv_sec ||
                 mtime.tv_nsec != s->refused_file_mtime.tv_nsec;
  vs_secret_free(p);
  return changed;
}

/* ---- login ---- */

double vs_login_backoff(int failures) {
  static const double steps[] = {60, 120, 300, 600, 1200, 1800};
  size_t n = sizeof(steps) / sizeof(steps[0]);
  if (failures < 1)
    return 0;
  return steps[(size_t)failures - 1 < n ? (size_t)failures - 1 : n - 1];
}

/* The earliest time the window allows another refusal: never more than
 * VS_LOGIN_MAX_FAILURES within VS_LOGIN_WINDOW seconds. */
static double window_opens_at(const vs_session_t *s) {
  if (s->login_refusals < VS_LOGIN_MAX_FAILURES)
    return 0;
  /* The oldest of the last VS_LOGIN_MAX_FAILURES refusals. */
  double oldest = s->failure_at[s->login_refusals % VS_LOGIN_MAX_FAILURES];
  return oldest + VS_LOGIN_WINDOW;
}

static void wipe_request(vs_session_t *s) {
  if (s->request.data != NULL)
    vs_wipe(s->request.data, s->request.cap);
  vs_buf_reset(&s->request);
}

static void login_refused(vs_session_t *s, const vs_error_t *err,
                          uint64_t file_hash, struct timespec file_mtime) {
  double now = session_now(s);
  s->failure_at[s->login_refusals % VS_LOGIN_MAX_FAILURES] = now;
  s->login_refusals++;
  s->login_failures++;
  s->refused_file_hash = file_hash;
  s->refused_file_mtime = file_mtime;
  double backoff = vs_login_backoff(s->login_failures);
  s->next_login_at = now + backoff;
  vs_log_error(s->log, "Login", err,
               "login as user \"%s\" at %s refused (%s); next attempt in "
               "%.0f s, or at the next read after PasswordFile changes "
               "(at most %d refused logins per %.0f s, so the account is "
               "never locked by this plugin).",
               s->cfg->user, s->cfg->url, err->text, backoff,
               VS_LOGIN_MAX_FAILURES, VS_LOGIN_WINDOW);
}

static int login(vs_session_t *s) {
  char *file_password = NULL;
  struct timespec file_mtime = {0};
  const char *password = s->cfg->password;
  if (password == NULL) {
    file_password = read_password_file(s, &file_mtime, false);
    if (file_password == NULL)
      return VS_ERR_CONFIG;
    password = file_password;
  }
  uint64_t file_hash = file_password ? password_hash(s, file_password) : 0;
  vs_soap_login(&s->request, &s->sc, s->cfg->user, password);
  vs_secret_free(file_password);
  vs_error_t err;
  vs_xml_handler_t none = {.expect = "LoginResponse"};
  /* A stale cookie makes some servers refuse Login: start clean. */
  s->transport.forget_session(s->transport.ctx);
  int rc = vs_session_call(s, &none, &err);
  wipe_request(s);
  if (rc == VS_OK) {
    s->logged_in = true;
    s->logins++;
    s->login_failures = 0;
    read_clock(s);
    if (s->logins == 1)
      INFO("vsphere plugin: vCenter \"%s\": logged in as \"%s\" (%s, API "
           "%s; clock %+.1f s from this machine's).",
           s->cfg->name, s->cfg->user, s->sc.full_name, s->api_version,
           (double)s->clock_offset_us / 1e6);
    else
      vs_log_note(s->log, "session/login-again",
                  "logged in again (login #%llu).",
                  (unsigned long long)s->logins);
    return VS_OK;
  }
  if (rc == VS_ERR_FAULT && err.fault == VS_FAULT_INVALID_LOGIN)
    login_refused(s, &err, file_hash, file_mtime);
  else /* a vCenter still starting, a network error: next interval */
    vs_log_error(s->log, "Login", &err, "login at %s failed: %s", s->cfg->url,
                 err.text);
  return rc;
}

int vs_session_ensure(vs_session_t *s) {
  if (s->logged_in)
    return VS_OK;
  if (s->login_failures > 0) {
    double now = session_now(s);
    /* Backing off, unless the password file was changed since. Either
     * way the window of refusals is never overrun. */
    bool due = now >= s->next_login_at || password_file_changed(s);
    if (!due || now < window_opens_at(s)) {
      vs_log_touch(s->log, "Login/fault:InvalidLogin");
      return VS_ERR_CONFIG; /* already logged */
    }
  }
  if (!s->have_service_content) {
    int rc = negotiate_version(s);
    if (rc == VS_OK)
      rc = fetch_service_content(s);
    if (rc != VS_OK)
      return rc;
  }
  return login(s);
}

void vs_session_destroy(vs_session_t *s) {
  if (s->transport.ctx != NULL) {
    s->transport.cancel_all(s->transport.ctx);
    vs_session_logout(s);
  }
  vs_buf_free(&s->request);
  memset(s, 0, sizeof(*s));
}
