/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_http.c
 */
#include "collectd.h"

#include "utils/common/common.h"
#include "vs_http.h"
#include "vs_port.h"
#include "vs_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  vs_http_t *owner;
  CURL *curl;
  struct curl_slist *headers;
  char action[96]; /* SOAPAction the headers were built for */
  char curl_error[CURL_ERROR_SIZE];

  /* per-request state */
  bool busy;  /* started and not yet handed back to its owner */
  bool done;  /* finished while another slot was awaited */
  int result; /* ... its result, kept until vs_http_wait */
  vs_error_t error;
  vs_xml_stream_t *sink;
  vs_buf_t *buffer; /* a REST request: the body goes here, not to sink */
  size_t received;
  size_t max_bytes;
  bool too_large;
  bool sink_failed;
  long stall_ms;
  double last_byte_at; /* monotonic seconds: request start or last byte */
  bool stalled;
} slot_t;

/* Slots 0 .. control-1 carry the concurrent requests (QueryPerf); the
 * next one, `control`, the one-at-a-time calls (login, catalog,
 * inventory), so that those never wait for a request carried over from
 * an earlier read; the last one, `rest`, the REST requests (tags), one at
 * a time like the control slot's, but without the cookie engine and out
 * of the shared cookie jar: vCenter's REST login sets a cookie of its
 * own, which must neither be kept nor ever touch the SOAP session's. All
 * share one multi handle, hence one connection cache: used one after the
 * other they use one connection. */
struct vs_http_s {
  CURLM *multi;
  CURLSH *share; /* the cookie jar all slots use */
  slot_t *slots;
  int slots_num; /* concurrent slots + the control and REST slots */
  int control;   /* index of the control slot */
  int rest;      /* index of the REST slot */
  char *url;
  char *origin; /* scheme://host[:port] of url, for REST paths */
  char *ca_cert;
  vs_http_options_t opts;
  vs_transport_stats_t stats;
  int in_flight;        /* busy slots, finished ones not yet handed back too */
  double last_drive_at; /* when the transfers were last run */
  bool resuming;        /* first run after a pause: see drive() */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
  slot_t *s = user;
  size_t len = size * nmemb;
  s->received += len;
  s->last_byte_at = vs_monotonic_seconds();
  s->owner->stats.bytes_received += len;
  if (s->received > s->max_bytes) {
    s->too_large = true;
    return 0; /* makes curl abort the transfer */
  }
  if (s->buffer != NULL) {
    vs_buf_append(s->buffer, data, len);
    if (s->buffer->failed) {
      s->sink_failed = true;
      return 0;
    }
    return len;
  }
  if (vs_xml_stream_feed(s->sink, data, len) != 0) {
    /* The document is already known bad: stop reading it. */
    s->sink_failed = true;
    return 0;
  }
  return len;
}

/* The stall limit: no byte for stall_ms aborts the transfer. curl's own
 * low-speed limit averages over a window, so a peer dribbling a byte now
 * and then would pass it. */
static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  slot_t *s = user;
  /* While the transfers resume after a pause (between two reads), what
   * waited in the socket has not been read yet: no verdict before. */
  if (s->owner->resuming)
    return 0;
  if (s->stall_ms > 0 &&
      (vs_monotonic_seconds() - s->last_byte_at) * 1000.0 > s->stall_ms) {
    s->stalled = true;
    return 1; /* aborts with CURLE_ABORTED_BY_CALLBACK */
  }
  return 0;
}

/* soap: a slot of the SOAP session (its cookie jar, POST by default);
 * else the REST slot (no cookie engine at all). */
static int slot_setup(vs_http_t *h, slot_t *s, bool soap) {
  CURL *c = s->curl;
  const vs_http_options_t *o = &h->opts;
  int bad = 0;
  bad |= curl_easy_setopt(c, CURLOPT_URL, h->url);
  bad |= curl_easy_setopt(c, CURLOPT_PRIVATE, s);
  bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
  bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_error);
  if (soap) {
    bad |= curl_easy_setopt(c, CURLOPT_SHARE, h->share);
    bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
    bad |= curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* cookie engine */
  }
  bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
  bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
  bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, o->verify_peer ? 1L : 0L);
  bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o->verify_host ? 2L : 0L);
  if (h->ca_cert != NULL)
    bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_cert);
  bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip if any */
#if LIBCURL_VERSION_NUM >= 0x075500
  bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                          (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "collectd-vsphere");
  return bad ? -1 : 0;
}

/* scheme://host[:port] of a URL (what precedes the path). */
static char *url_origin(const char *url) {
  const char *p = strstr(url, "://");
  p = p != NULL ? p + 3 : url;
  size_t n = (size_t)(p - url) + strcspn(p, "/?#");
  return strndup(url, n);
}

/* curl_global_init is not thread-safe: the plugin calls it at
 * configuration time (vsphere.c), before the read threads exist. */
vs_http_t *vs_http_create(const vs_http_options_t *opts) {
  vs_http_t *h = calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  h->opts = *opts;
  h->opts.url = NULL;
  h->opts.ca_cert = NULL;
  h->control = opts->slots > 0 ? opts->slots : 1;
  h->rest = h->control + 1;
  h->slots_num = h->rest + 1;
  h->url = strdup(opts->url);
  h->origin = url_origin(opts->url);
  h->ca_cert = opts->ca_cert ? strdup(opts->ca_cert) : NULL;
  h->slots = calloc((size_t)h->slots_num, sizeof(*h->slots));
  h->multi = curl_multi_init();
  h->share = curl_share_init();
  if (h->url == NULL || h->origin == NULL ||
      (opts->ca_cert != NULL && h->ca_cert == NULL) || h->slots == NULL ||
      h->multi == NULL || h->share == NULL ||
      curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE)) {
    vs_http_destroy(h);
    return NULL;
  }
  /* Idle connections stay in the multi handle's cache between reads. */
  curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->slots_num);
  for (int i = 0; i < h->slots_num; i++) {
    slot_t *s = &h->slots[i];
    s->owner = h;
    s->curl = curl_easy_init();
    if (s->curl == NULL || slot_setup(h, s, i != h->rest) != 0) {
      vs_http_destroy(h);
      return NULL;
    }
  }
  return h;
}

void vs_http_destroy(vs_http_t *h) {
  if (h == NULL)
    return;
  for (int i = 0; h->slots != NULL && i < h->slots_num; i++) {
    slot_t *s = &h->slots[i];
    if (s->curl == NULL)
      continue;
    if (s->busy)
      curl_multi_remove_handle(h->multi, s->curl);
    curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
  }
  /* The multi handle owns the connection cache: this closes the sockets. */
  if (h->multi != NULL)
    curl_multi_cleanup(h->multi);
  if (h->share != NULL)
    curl_share_cleanup(h->share);
  free(h->slots);
  free(h->url);
  free(h->origin);
  free(h->ca_cert);
  free(h);
}

static int http_slots(void *ctx) {
  vs_http_t *h = ctx;
  return h->control;
}

static bool http_busy(void *ctx, int slot) {
  vs_http_t *h = ctx;
  return h->slots[slot].busy;
}

static void http_cancel_all(void *ctx) {
  vs_http_t *h = ctx;
  for (int i = 0; i < h->slots_num; i++) {
    slot_t *s = &h->slots[i];
    if (!s->busy)
      continue;
    if (!s->done)
      curl_multi_remove_handle(h->multi, s->curl);
    s->busy = false;
    s->done = false;
    s->sink = NULL;
    s->buffer = NULL;
  }
  h->in_flight = 0;
}

static int http_in_flight(void *ctx) {
  vs_http_t *h = ctx;
  return h->in_flight;
}

static void http_forget_session(void *ctx) {
  vs_http_t *h = ctx;
  curl_easy_setopt(h->slots[0].curl, CURLOPT_COOKIELIST, "ALL");
}

static const vs_transport_stats_t *http_stats(void *ctx) {
  vs_http_t *h = ctx;
  return &h->stats;
}

static int set_action(slot_t *s, const char *soap_action) {
  if (s->headers != NULL && strcmp(s->action, soap_action) == 0)
    return 0;
  curl_slist_free_all(s->headers);
  s->headers = NULL;
  sstrncpy(s->action, soap_action, sizeof(s->action));
  char action_header[128];
  snprintf(action_header, sizeof(action_header), "SOAPAction: %s", soap_action);
  const char *lines[] = {"Content-Type: text/xml; charset=utf-8",
                         "Expect:", action_header};
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
    struct curl_slist *l = curl_slist_append(s->headers, lines[i]);
    if (l == NULL) {
      curl_slist_free_all(s->headers);
      s->headers = NULL;
      return -1;
    }
    s->headers = l;
  }
  return curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers) ? -1 : 0;
}

static void request_begin(slot_t *s, vs_xml_stream_t *sink, size_t max_bytes,
                          long timeout_ms, long stall_ms) {
  s->sink = sink;
  s->buffer = NULL;
  s->received = 0;
  s->max_bytes = max_bytes;
  s->too_large = false;
  s->sink_failed = false;
  s->stalled = false;
  s->stall_ms = stall_ms;
  s->last_byte_at = vs_monotonic_seconds();
  s->curl_error[0] = 0;
  curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
}

static int request_add(vs_http_t *h, slot_t *s) {
  if (curl_multi_add_handle(h->multi, s->curl) != CURLM_OK)
    return -1;
  s->busy = true;
  s->done = false;
  h->in_flight++;
  h->stats.requests++;
  return 0;
}

static int http_start(void *ctx, int slot, const char *soap_action,
                      const char *body, size_t body_len, vs_xml_stream_t *sink,
                      long timeout_ms, long stall_ms) {
  vs_http_t *h = ctx;
  if (slot < 0 || slot >= h->slots_num || h->slots[slot].busy)
    return -1;
  slot_t *s = &h->slots[slot];
  if (set_action(s, soap_action) != 0)
    return -1;
  request_begin(s, sink, h->opts.max_response_bytes, timeout_ms, stall_ms);
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  return request_add(h, s);
}

/* The reason libcurl gives, with the option that fixes a TLS refusal. */
static void transport_text(const slot_t *s, CURLcode rc, char *buf,
                           size_t size) {
  const char *hint = "";
  if (rc == CURLE_PEER_FAILED_VERIFICATION &&
      strstr(s->curl_error, "host name") != NULL)
    hint = " (the certificate was issued for another name: use that name "
           "in URL, or, insecurely, VerifyHost false)";
  else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
           rc == CURLE_SSL_CACERT_BADFILE)
    hint = " (the server's TLS certificate is not trusted: set CACert to "
           "the PEM file of the CA that signed it, or, insecurely, "
           "VerifyPeer false)";
  snprintf(buf, size, "%s%s",
           s->curl_error[0] ? s->curl_error : curl_easy_strerror(rc), hint);
}

/* A REST reply: the limits and the transport as for SOAP (the classifier
 * returns before it would look at a sink), then the status. */
static int classify_rest(const vs_reply_t *r, vs_error_t *err) {
  if (r->limit != VS_LIMIT_NONE || r->transport_code != 0)
    return vs_classify_reply(r, err);
  err->code = (int)r->status;
  if (r->status < 200 || r->status > 299) {
    vs_error_set(err, VS_ERR_HTTP, "HTTP status %ld", r->status);
    return err->rc;
  }
  return VS_OK;
}

static int classify(slot_t *s, CURLcode rc, vs_error_t *err) {
  char text[CURL_ERROR_SIZE + 256];
  long status = 0;
  curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
  vs_reply_t reply = {
      .transport_code = s->too_large ? CURLE_FILESIZE_EXCEEDED
                        : s->stalled ? CURLE_ABORTED_BY_CALLBACK
                                     : (int)rc,
      .transport_text = text,
      .timed_out = rc == CURLE_OPERATION_TIMEDOUT,
      .limit = s->too_large ? VS_LIMIT_SIZE
               : s->stalled ? VS_LIMIT_STALL
                            : VS_LIMIT_NONE,
      .max_bytes = s->max_bytes,
      .stall_ms = s->stall_ms,
      .status = status,
      .received = s->received,
      .sink_failed = s->sink_failed,
      .sink = s->sink,
  };
  transport_text(s, rc, text, sizeof(text));
  if (s->buffer != NULL) {
    if (s->sink_failed) {
      vs_error_set(err, VS_ERR_NOMEM, "out of memory for a REST answer");
      return err->rc;
    }
    return classify_rest(&reply, err);
  }
  return vs_classify_reply(&reply, err);
}

/* Hands a finished slot back to its owner. */
static int deliver(vs_http_t *h, slot_t *s, int *slot, vs_error_t *err) {
  s->busy = false;
  s->done = false;
  s->sink = NULL;
  s->buffer = NULL;
  h->in_flight--;
  *slot = (int)(s - h->slots);
  *err = s->error;
  return s->result;
}

/* Runs the transfers once; a finished one is classified and marked done.
 * After a pause (no run for a second: between two reads) the first run
 * only reads what waited in the sockets, so that a request carried over
 * is not judged stalled for the time nobody listened, and its stall clock
 * does not restart either. */
static CURLMcode drive(vs_http_t *h, int *running) {
  double now = vs_monotonic_seconds();
  h->resuming = h->last_drive_at > 0 && now - h->last_drive_at >= 1.0;
  CURLMcode mc = curl_multi_perform(h->multi, running);
  h->resuming = false;
  h->last_drive_at = vs_monotonic_seconds();
  int left;
  CURLMsg *msg;
  while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    slot_t *s = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
    CURLcode rc = msg->data.result;
    curl_multi_remove_handle(h->multi, msg->easy_handle);
    vs_error_clear(&s->error);
    s->result = classify(s, rc, &s->error);
    s->done = true;
  }
  return mc;
}

/* The finished slot to hand back: `want`, or any if want < 0. */
static slot_t *finished(vs_http_t *h, int want) {
  for (int i = 0; i < h->slots_num; i++)
    if (h->slots[i].busy && h->slots[i].done && (want < 0 || i == want))
      return &h->slots[i];
  return NULL;
}

/* Runs the transfers until slot `want` (any, if < 0) finishes or
 * max_wait_ms passes. Others that finish meanwhile are kept for later. */
static int wait_for(vs_http_t *h, int want, int *slot, long max_wait_ms,
                    vs_error_t *err) {
  *slot = -1;
  vs_error_clear(err);
  double start = vs_monotonic_seconds();
  /* Bounded: by max_wait_ms, and every transfer has CURLOPT_TIMEOUT. */
  for (;;) {
    slot_t *s = finished(h, want);
    if (s != NULL)
      return deliver(h, s, slot, err);
    if (h->in_flight == 0 || (want >= 0 && !h->slots[want].busy)) {
      vs_error_set(err, VS_ERR_TRANSPORT, "no request in flight");
      return err->rc;
    }
    int running = 0;
    CURLMcode mc = drive(h, &running);
    if ((s = finished(h, want)) != NULL)
      return deliver(h, s, slot, err);
    if (mc != CURLM_OK) {
      err->code = -1;
      vs_error_set(err, VS_ERR_TRANSPORT, "curl multi: %s",
                   curl_multi_strerror(mc));
      return err->rc;
    }
    if (running == 0) { /* nothing left to run, nothing finished */
      vs_error_set(err, VS_ERR_TRANSPORT, "no request in flight");
      return err->rc;
    }
    long left_ms = max_wait_ms - (long)((h->last_drive_at - start) * 1000.0);
    if (left_ms <= 0)
      return VS_TRANSPORT_PENDING;
    curl_multi_poll(h->multi, NULL, 0, left_ms < 1000 ? (int)left_ms : 1000,
                    NULL);
  }
}

static int http_wait(void *ctx, int *slot, long max_wait_ms, vs_error_t *err) {
  vs_http_t *h = ctx;
  return wait_for(h, -1, slot, max_wait_ms, err);
}

/* Runs one request on the control (or REST) slot to its end. */
static int control_call_on(vs_http_t *h, int want, vs_error_t *err) {
  int slot;
  /* The request's own timeout ends the wait; the budget is a backstop. */
  int rc = wait_for(h, want, &slot, h->opts.timeout_ms + 5000, err);
  if (slot != want) { /* the backstop: abandon it */
    slot_t *s = &h->slots[want];
    if (s->busy && !s->done)
      curl_multi_remove_handle(h->multi, s->curl);
    if (s->busy)
      h->in_flight--;
    s->busy = s->done = false;
    s->sink = NULL;
    s->buffer = NULL;
    vs_error_set(err, VS_ERR_TRANSPORT, "request did not end in time");
    return err->rc;
  }
  return rc;
}

static int control_call(vs_http_t *h, vs_error_t *err) {
  return control_call_on(h, h->control, err);
}

static int http_call(void *ctx, const char *soap_action, const char *body,
                     size_t body_len, vs_xml_stream_t *sink, vs_error_t *err) {
  vs_http_t *h = ctx;
  vs_error_clear(err);
  if (http_start(h, h->control, soap_action, body, body_len, sink,
                 h->opts.timeout_ms, h->opts.stall_ms) != 0) {
    vs_error_set(err, VS_ERR_TRANSPORT, "cannot start a request");
    return err->rc;
  }
  return control_call(h, err);
}

static int http_get(void *ctx, const char *path, vs_xml_stream_t *sink,
                    size_t max_bytes, vs_error_t *err) {
  vs_http_t *h = ctx;
  vs_error_clear(err);
  slot_t *s = &h->slots[h->control];
  size_t base = strlen(h->url);
  while (base > 0 && h->url[base - 1] == '/')
    base--;
  char *url = malloc(base + strlen(path) + 1);
  if (s->busy || url == NULL) {
    free(url);
    vs_error_set(err, VS_ERR_TRANSPORT, "cannot start a request");
    return err->rc;
  }
  memcpy(url, h->url, base);
  strcpy(url + base, path);
  request_begin(s, sink, max_bytes, h->opts.timeout_ms, h->opts.stall_ms);
  curl_easy_setopt(s->curl, CURLOPT_URL, url);
  curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
  int rc = request_add(h, s) == 0
               ? control_call(h, err)
               : (vs_error_set(err, VS_ERR_TRANSPORT, "cannot start a request"),
                  err->rc);
  /* Back to what every other request of the slot is: a SOAP POST. */
  curl_easy_setopt(s->curl, CURLOPT_URL, h->url);
  curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
  s->action[0] = 0; /* set_action installs the headers again */
  free(url);
  return rc;
}

/* ---- REST ---- */

static void base64(const unsigned char *in, size_t n, char *out) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = abc[(v >> 18) & 63];
    out[o++] = abc[(v >> 12) & 63];
    out[o++] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? abc[v & 63] : '=';
  }
  out[o] = 0;
}

/* Frees a header list, wiping each line first (one may hold credentials:
 * curl_slist_append copied them). */
static void free_headers_wiped(struct curl_slist *l) {
  for (struct curl_slist *i = l; i != NULL; i = i->next)
    vs_wipe(i->data, strlen(i->data));
  curl_slist_free_all(l);
}

static int add_header(struct curl_slist **l, const char *line) {
  struct curl_slist *n = curl_slist_append(*l, line);
  if (n == NULL)
    return -1;
  *l = n;
  return 0;
}

/* "Authorization: Basic base64(user:password)", wiped before it is
 * freed. */
static int add_basic_auth(struct curl_slist **l, const char *user,
                          const char *password) {
  static const char prefix[] = "Authorization: Basic ";
  size_t ul = strlen(user), pl = strlen(password);
  if (ul > 4096 || pl > 4096)
    return -1;
  size_t n = ul + 1 + pl;
  char *plain = malloc(n + 1);
  char *line = malloc(sizeof(prefix) + 4 * (n / 3 + 1) + 1);
  int rc = -1;
  if (plain != NULL && line != NULL) {
    memcpy(plain, user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, password, pl);
    memcpy(line, prefix, sizeof(prefix) - 1);
    base64((const unsigned char *)plain, n, line + sizeof(prefix) - 1);
    rc = add_header(l, line);
    vs_wipe(plain, n);
    vs_wipe(line, strlen(line));
  }
  free(plain);
  free(line);
  return rc;
}

static struct curl_slist *rest_headers(const vs_rest_request_t *req) {
  struct curl_slist *l = NULL;
  char sid[512];
  int bad = add_header(&l, "Accept: application/json");
  bad |= add_header(&l, "Expect:");
  if (req->body != NULL)
    bad |= add_header(&l, "Content-Type: application/json");
  if (req->session_id != NULL) {
    snprintf(sid, sizeof(sid), "vmware-api-session-id: %s", req->session_id);
    bad |= strlen(req->session_id) > 400 || add_header(&l, sid);
    vs_wipe(sid, sizeof(sid));
  }
  if (req->user != NULL && req->password != NULL) {
    /* Asks vCenter for the id in the body, not in a cookie. */
    bad |= add_header(&l, "vmware-use-header-authn: true");
    bad |= add_basic_auth(&l, req->user, req->password);
  }
  if (bad) {
    free_headers_wiped(l);
    return NULL;
  }
  return l;
}

static void rest_method(CURL *c, const vs_rest_request_t *req) {
  static const char empty[] = "";
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
  if (req->method == VS_REST_POST) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : empty);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)(req->body ? req->body_len : 0));
    return;
  }
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (req->method == VS_REST_DELETE)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
}

static int http_rest(void *ctx, const vs_rest_request_t *req, vs_buf_t *answer,
                     long *status, vs_error_t *err) {
  vs_http_t *h = ctx;
  vs_error_clear(err);
  vs_buf_reset(answer);
  answer->failed = false;
  *status = 0;
  slot_t *s = &h->slots[h->rest];
  size_t base = strlen(h->origin);
  char *url = malloc(base + strlen(req->path) + 1);
  struct curl_slist *headers = rest_headers(req);
  if (s->busy || url == NULL || headers == NULL) {
    free(url);
    free_headers_wiped(headers);
    vs_error_set(err, VS_ERR_TRANSPORT, "cannot start a REST request");
    return err->rc;
  }
  memcpy(url, h->origin, base);
  strcpy(url + base, req->path);
  request_begin(s, NULL, h->opts.max_response_bytes, h->opts.timeout_ms,
                h->opts.stall_ms);
  s->buffer = answer;
  curl_easy_setopt(s->curl, CURLOPT_URL, url);
  curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, headers);
  rest_method(s->curl, req);
  int rc =
      request_add(h, s) == 0
          ? control_call_on(h, h->rest, err)
          : (vs_error_set(err, VS_ERR_TRANSPORT, "cannot start a REST request"),
             err->rc);
  curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
  /* Nothing of this request stays on the handle: no credentials, no
   * pointer to the caller's body. */
  curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  free_headers_wiped(headers);
  free(url);
  return rc;
}

vs_transport_t vs_http_transport(vs_http_t *h) {
  return (vs_transport_t){
      .ctx = h,
      .slots = http_slots,
      .call = http_call,
      .get = http_get,
      .rest = http_rest,
      .start = http_start,
      .wait = http_wait,
      .busy = http_busy,
      .in_flight = http_in_flight,
      .cancel_all = http_cancel_all,
      .forget_session = http_forget_session,
      .stats = http_stats,
  };
}
