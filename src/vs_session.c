/**
 * collectd-vsphere - vs_session.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_parse.h"
#include "vs_session.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#define LOGIN_BACKOFF_MIN 10.0
#define LOGIN_BACKOFF_MAX 1800.0
#define MAX_PASSWORD_LEN 1024

double vs_monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vs_session_error(vs_session_t *s, const char *what, int rc,
                      const char *fmt, ...) {
  char key[sizeof(s->last_error)];
  snprintf(key, sizeof(key), "%s/%d", what, rc);
  if (strcmp(key, s->last_error) == 0)
    return;
  vs_strlcpy(s->last_error, key, sizeof(s->last_error));
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  ERROR("vsphere plugin: vCenter \"%s\": %s", s->cfg->name, msg);
}

void vs_session_ok(vs_session_t *s) {
  if (s->last_error[0] == 0)
    return;
  INFO("vsphere plugin: vCenter \"%s\": collecting again.", s->cfg->name);
  s->last_error[0] = 0;
}

int vs_session_init(vs_session_t *s, const vs_config_t *cfg) {
  memset(s, 0, sizeof(*s));
  s->cfg = cfg;
  vs_buf_init(&s->request);
  long timeout_ms = (long)(cfg->timeout * 1000.0);
  vs_http_options_t opts = {
      .url = cfg->url,
      .verify_peer = cfg->verify_peer,
      .verify_host = cfg->verify_host,
      .ca_cert = cfg->ca_cert,
      .timeout_ms = timeout_ms,
      .connect_timeout_ms = timeout_ms,
      .max_response_bytes = cfg->max_response_size,
      .slots = cfg->concurrency,
  };
  s->http = vs_http_create(&opts);
  if (s->http == NULL) {
    ERROR("vsphere plugin: vCenter \"%s\": cannot set up libcurl.", cfg->name);
    return -1;
  }
  if (!cfg->verify_peer || !cfg->verify_host)
    WARNING("vsphere plugin: vCenter \"%s\": TLS certificate verification is "
            "off (VerifyPeer/VerifyHost false): the connection can be "
            "intercepted.",
            cfg->name);
  vs_strlcpy(s->soap_action, "urn:vim25/6.5", sizeof(s->soap_action));
  return 0;
}

int vs_session_call(vs_session_t *s, const vs_xml_handler_t *handler,
                    char *err, size_t err_size) {
  if (s->request.failed) {
    snprintf(err, err_size, "out of memory building a request");
    return VS_ERR_NOMEM;
  }
  vs_xml_stream_t *stream = vs_xml_stream_create(handler);
  if (stream == NULL) {
    snprintf(err, err_size, "out of memory creating an XML parser");
    return VS_ERR_NOMEM;
  }
  int rc = vs_http_soap_call(s->http, s->soap_action, s->request.data,
                             s->request.len, stream, err, err_size);
  vs_xml_stream_destroy(stream);
  if (rc == VS_ERR_NOAUTH)
    vs_session_lost(s);
  return rc;
}

void vs_session_lost(vs_session_t *s) {
  s->logged_in = false;
  vs_http_forget_session(s->http);
}

static int fetch_service_content(vs_session_t *s) {
  char err[512];
  vs_service_content_t sc;
  vs_xml_handler_t h = vs_parse_service_content(&sc);
  h.expect = "RetrieveServiceContentResponse";
  vs_soap_retrieve_service_content(&s->request);
  int rc = vs_session_call(s, &h, err, sizeof(err));
  if (rc == VS_OK && (sc.session_manager[0] == 0 ||
                      sc.property_collector[0] == 0 ||
                      sc.root_folder[0] == 0 || sc.perf_manager[0] == 0)) {
    snprintf(err, sizeof(err), "service content lacks a manager: "
                               "is %s a vSphere SDK endpoint?",
             s->cfg->url);
    rc = VS_ERR_PARSE;
  }
  if (rc != VS_OK) {
    vs_session_error(s, "RetrieveServiceContent", rc,
                     "RetrieveServiceContent failed: %s", err);
    return rc;
  }
  s->sc = sc;
  s->have_service_content = true;
  if (sc.api_version[0] != 0)
    snprintf(s->soap_action, sizeof(s->soap_action), "urn:vim25/%s",
             sc.api_version);
  return VS_OK;
}

/* strerror_r comes in a GNU and an XSI flavour; both fill or return text. */
static const char *errno_text(int e, char *buf, size_t size) {
#if defined(_GNU_SOURCE)
  return strerror_r(e, buf, size);
#else
  if (strerror_r(e, buf, size) != 0)
    snprintf(buf, size, "error %d", e);
  return buf;
#endif
}

/* Reads the password file again at every login, so that a fixed file is
 * picked up without a restart. */
static char *read_password_file(vs_session_t *s) {
  const char *path = s->cfg->password_file;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    char reason[128];
    vs_session_error(s, "PasswordFile", errno, "cannot open PasswordFile \"%s\": %s", path,
                     errno_text(errno, reason, sizeof(reason)));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH) &&
      !s->warned_password_file_mode) {
    WARNING("vsphere plugin: vCenter \"%s\": PasswordFile \"%s\" is "
            "readable by every user; chmod o-r it.",
            s->cfg->name, path);
    s->warned_password_file_mode = true;
  }
  char *buf = calloc(1, MAX_PASSWORD_LEN + 1);
  ssize_t n = buf ? read(fd, buf, MAX_PASSWORD_LEN) : -1;
  close(fd);
  if (n < 0) {
    vs_session_error(s, "PasswordFile", -1, "cannot read PasswordFile \"%s\".",
                     path);
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = 0;
  return buf;
}

static void wipe_request(vs_session_t *s) {
  if (s->request.data != NULL)
    explicit_bzero(s->request.data, s->request.cap);
  vs_buf_reset(&s->request);
}

static int login(vs_session_t *s) {
  char *file_password = NULL;
  const char *password = s->cfg->password;
  if (password == NULL) {
    file_password = read_password_file(s);
    if (file_password == NULL)
      return VS_ERR_CONFIG;
    password = file_password;
  }
  vs_soap_login(&s->request, &s->sc, s->cfg->user, password);
  if (file_password != NULL) {
    explicit_bzero(file_password, strlen(file_password));
    free(file_password);
  }
  char err[512];
  vs_xml_handler_t none = {.expect = "LoginResponse"};
  /* A stale cookie makes some servers refuse Login: start clean. */
  vs_http_forget_session(s->http);
  int rc = vs_session_call(s, &none, err, sizeof(err));
  wipe_request(s);
  if (rc == VS_OK) {
    s->logged_in = true;
    s->logins++;
    s->login_failures = 0;
    if (s->logins == 1)
      INFO("vsphere plugin: vCenter \"%s\": logged in as \"%s\" (%s).",
           s->cfg->name, s->cfg->user, s->sc.full_name);
    else
      INFO("vsphere plugin: vCenter \"%s\": logged in again (login #%llu).",
           s->cfg->name, (unsigned long long)s->logins);
    return VS_OK;
  }
  if (rc == VS_ERR_FAULT && strstr(err, "SOAP fault InvalidLogin") != NULL) {
    /* Refused credentials: back off so a wrong password cannot lock the
     * account or flood vCenter's log. Other faults (a vCenter still
     * starting) are retried at the next interval. */
    double backoff = LOGIN_BACKOFF_MIN;
    for (int i = 0; i < s->login_failures && backoff < LOGIN_BACKOFF_MAX; i++)
      backoff *= 2;
    if (backoff > LOGIN_BACKOFF_MAX)
      backoff = LOGIN_BACKOFF_MAX;
    s->login_failures++;
    s->next_login_at = vs_monotonic_seconds() + backoff;
    vs_session_error(s, "Login", rc,
                     "login as user \"%s\" at %s refused (%s); next attempt "
                     "in %.0f s.",
                     s->cfg->user, s->cfg->url, err, backoff);
  } else {
    vs_session_error(s, "Login", rc, "login at %s failed: %s", s->cfg->url,
                     err);
  }
  return rc;
}

int vs_session_ensure(vs_session_t *s) {
  if (s->logged_in)
    return VS_OK;
  if (s->login_failures > 0 && vs_monotonic_seconds() < s->next_login_at)
    return VS_ERR_CONFIG; /* still backing off; already logged */
  if (!s->have_service_content) {
    int rc = fetch_service_content(s);
    if (rc != VS_OK)
      return rc;
  }
  return login(s);
}

void vs_session_logout(vs_session_t *s) {
  if (!s->logged_in)
    return;
  char err[512];
  vs_xml_handler_t none = {.expect = "LogoutResponse"};
  vs_soap_logout(&s->request, &s->sc);
  int rc = vs_session_call(s, &none, err, sizeof(err));
  if (rc != VS_OK)
    WARNING("vsphere plugin: vCenter \"%s\": logout failed: %s", s->cfg->name,
            err);
  s->logged_in = false;
}

void vs_session_destroy(vs_session_t *s) {
  if (s->http != NULL) {
    vs_session_logout(s);
    vs_http_destroy(s->http);
  }
  vs_buf_free(&s->request);
  memset(s, 0, sizeof(*s));
}
