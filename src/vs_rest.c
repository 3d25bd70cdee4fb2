/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_rest.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_port.h"
#include "vs_rest.h"
#include "vs_secret.h"

#include <string.h>

static double now(const vs_rest_t *r) {
  return r->clock != NULL ? r->clock() : vs_monotonic_seconds();
}

void vs_rest_init(vs_rest_t *r, const vs_config_t *cfg,
                  const vs_transport_t *transport, vs_log_t *log,
                  double retry_interval) {
  memset(r, 0, sizeof(*r));
  r->cfg = cfg;
  r->transport = *transport;
  r->log = log;
  r->retry_interval = retry_interval;
  vs_buf_init(&r->answer);
  vs_json_init(&r->json);
  r->json.max_nodes = VS_REST_MAX_VALUES;
}

static void drop_session(vs_rest_t *r) {
  if (r->session_id != NULL)
    vs_wipe(r->session_id, strlen(r->session_id));
  free(r->session_id);
  r->session_id = NULL;
}

/* The answer holds the session id (a credential): wiped, not just reset. */
static void wipe_answer(vs_rest_t *r) {
  if (r->answer.data != NULL)
    vs_wipe(r->answer.data, r->answer.cap);
  vs_buf_reset(&r->answer);
  if (r->json.strings != NULL)
    vs_wipe(r->json.strings, r->json.strings_len);
  vs_json_free(&r->json);
}

bool vs_rest_refused(const vs_rest_t *r) {
  return r->refused_status != 0 && now(r) < r->retry_at;
}

static const char *vcenter(const vs_rest_t *r) {
  return r->cfg != NULL && r->cfg->name != NULL ? r->cfg->name : "";
}

/* The one line a refused login is worth (again only when it changes). */
static void refused(vs_rest_t *r, long status) {
  r->login_refusals++;
  double wait = r->retry_interval;
  if (status == 401 && wait < VS_REST_MIN_RETRY_AFTER_401)
    wait = VS_REST_MIN_RETRY_AFTER_401;
  r->retry_at = now(r) + wait;
  if (r->refused_status == status)
    return;
  r->refused_status = status;
  const char *why =
      status == 404 ? "there is no REST API at this URL (a stand-alone ESXi "
                      "host, or a vCenter before 6.5)"
      : status == 403
          ? "the user lacks the privilege to use the REST API"
          : "the REST login was refused (user or password, or the user "
            "may not log in to the REST API)";
  WARNING("vsphere plugin: vCenter \"%s\": REST login (POST %s) answered "
          "HTTP %ld: %s; vSphere tags are off, tried again in %.0f s; "
          "everything else goes on.",
          vcenter(r), VS_REST_SESSION_PATH, status, why, wait);
}

/* The password, as the SOAP login reads it (the file at every login). A
 * file that cannot be used is logged as the SOAP login logs it, under the
 * same keys (one line for both logins): VS_ERR_CONFIG, already logged. */
static char *password(vs_rest_t *r, vs_error_t *err) {
  if (r->cfg->password != NULL) {
    char *p = strdup(r->cfg->password);
    if (p == NULL)
      vs_error_set(err, VS_ERR_NOMEM, "out of memory");
    return p;
  }
  vs_secret_file_t f;
  char *p = vs_secret_read_for_login(r->cfg->password_file, r->log, &f);
  if (p == NULL)
    vs_error_set(err, VS_ERR_CONFIG, "PasswordFile \"%s\" cannot be used",
                 r->cfg->password_file);
  return p;
}

/* The answer of the last request, parsed; its "value" in *value. */
static int parse_answer(vs_rest_t *r, const vs_json_node_t **value,
                        vs_error_t *err) {
  *value = NULL;
  if (r->answer.len == 0) {
    vs_json_free(&r->json);
    return VS_OK;
  }
  if (vs_json_parse(&r->json, r->answer.data, r->answer.len) != 0) {
    vs_error_set(err, VS_ERR_PARSE, "REST answer is not JSON: %s",
                 r->json.error);
    return err->rc;
  }
  *value = vs_json_get(&r->json, vs_json_root(&r->json), "value");
  return VS_OK;
}

static int login(vs_rest_t *r, vs_error_t *err) {
  vs_error_clear(err);
  char *pw = password(r, err);
  if (pw == NULL)
    return err->rc;
  vs_rest_request_t req = {
      .method = VS_REST_POST,
      .path = VS_REST_SESSION_PATH,
      .user = r->cfg->user,
      .password = pw,
  };
  long status = 0;
  r->requests++;
  int rc = r->transport.rest(r->transport.ctx, &req, &r->answer, &status, err);
  vs_secret_free(pw);
  if (rc == VS_ERR_HTTP && (status == 404 || status == 403 || status == 401)) {
    refused(r, status);
    wipe_answer(r);
    return rc;
  }
  const vs_json_node_t *value = NULL;
  if (rc == VS_OK && parse_answer(r, &value, err) == VS_OK &&
      (value == NULL || value->type != VS_JSON_STRING || value->str_len == 0 ||
       value->str_len > VS_REST_MAX_ID_LEN))
    vs_error_set(err, VS_ERR_PARSE, "REST login answer holds no session id");
  if (rc == VS_OK && err->rc == VS_OK) {
    r->session_id = strdup(value->str);
    if (r->session_id == NULL)
      vs_error_set(err, VS_ERR_NOMEM, "out of memory");
  }
  wipe_answer(r);
  if (err->rc != VS_OK)
    return err->rc;
  r->logins++;
  if (r->refused_status != 0)
    INFO("vsphere plugin: vCenter \"%s\": REST login works again: vSphere "
         "tags are on.",
         vcenter(r));
  r->refused_status = 0;
  return VS_OK;
}

static int request(vs_rest_t *r, vs_rest_method_t method, const char *path,
                   const char *body, size_t body_len, long *status,
                   vs_error_t *err) {
  vs_rest_request_t req = {
      .method = method,
      .path = path,
      .body = body,
      .body_len = body_len,
      .session_id = r->session_id,
  };
  r->requests++;
  return r->transport.rest(r->transport.ctx, &req, &r->answer, status, err);
}

int vs_rest_call(vs_rest_t *r, vs_rest_method_t method, const char *path,
                 const char *body, size_t body_len,
                 const vs_json_node_t **value, vs_error_t *err) {
  *value = NULL;
  vs_error_clear(err);
  if (vs_rest_refused(r)) {
    err->code = (int)r->refused_status;
    vs_error_set(err, VS_ERR_HTTP, "REST API refused (HTTP %ld) until later",
                 r->refused_status);
    return err->rc;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    if (r->session_id == NULL && login(r, err) != VS_OK)
      return err->rc;
    long status = 0;
    int rc = request(r, method, path, body, body_len, &status, err);
    if (rc == VS_ERR_HTTP && status == 401) {
      drop_session(r); /* gone in vCenter: nothing to log out */
      continue;
    }
    if (rc != VS_OK)
      return rc;
    return parse_answer(r, value, err);
  }
  return err->rc; /* a new session refused too: the 401 */
}

void vs_rest_logout(vs_rest_t *r) {
  if (r->session_id == NULL)
    return;
  long status = 0;
  vs_error_t err;
  request(r, VS_REST_DELETE, VS_REST_SESSION_PATH, NULL, 0, &status, &err);
  r->logouts++;
  drop_session(r);
  wipe_answer(r);
}

void vs_rest_forget(vs_rest_t *r) { drop_session(r); }

void vs_rest_destroy(vs_rest_t *r) {
  vs_rest_logout(r);
  drop_session(r);
  wipe_answer(r);
  vs_buf_free(&r->answer);
  vs_json_free(&r->json);
}
