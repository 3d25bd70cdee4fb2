/**
 * collectd-vsphere - vs_http.c
 */
#include "vs_http.h"
#include "vs_util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vs_http_s {
  CURL *curl;
  struct curl_slist *headers_base; /* Content-Type, Expect */
  char *url;
  vs_http_options_t opts;
  vs_http_stats_t stats;
  char curl_error[CURL_ERROR_SIZE];

  /* per-call state for the write callback */
  vs_xml_stream_t *sink;
  size_t received;
  bool too_large;
  bool sink_failed;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_global_setup(void) { curl_global_init(CURL_GLOBAL_ALL); }

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
  vs_http_t *h = user;
  size_t len = size * nmemb;
  h->received += len;
  h->stats.bytes_received += len;
  if (h->received > h->opts.max_response_bytes) {
    h->too_large = true;
    return 0; /* makes curl abort the transfer */
  }
  if (vs_xml_stream_feed(h->sink, data, len) != 0) {
    /* Keep reading a SOAP fault's tail is pointless: abort early. */
    h->sink_failed = true;
    return 0;
  }
  return len;
}

static int apply_options(vs_http_t *h) {
  CURL *c = h->curl;
  int bad = 0;
  bad |= curl_easy_setopt(c, CURLOPT_URL, h->url);
  bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
  bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_error);
  bad |= curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* cookie engine on */
  bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
  bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                          h->opts.connect_timeout_ms);
  /* A peer that stalls below 1 byte/s for the connect timeout is dead. */
  bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                          (h->opts.connect_timeout_ms + 999) / 1000);
  bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER,
                          h->opts.verify_peer ? 1L : 0L);
  bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST,
                          h->opts.verify_host ? 2L : 0L);
  if (h->opts.ca_cert != NULL)
    bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->opts.ca_cert);
  bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip if any */
#if LIBCURL_VERSION_NUM >= 0x075500
  bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                          (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  bad |= curl_easy_setopt(c, CURLOPT_MAXCONNECTS, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "collectd-vsphere");
  return bad ? -1 : 0;
}

vs_http_t *vs_http_create(const vs_http_options_t *opts) {
  pthread_once(&curl_once, curl_global_setup);
  vs_http_t *h = calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  h->opts = *opts;
  h->opts.ca_cert = NULL;
  h->url = strdup(opts->url);
  if (opts->ca_cert != NULL)
    h->opts.ca_cert = strdup(opts->ca_cert);
  h->curl = curl_easy_init();
  h->headers_base =
      curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
  if (h->headers_base != NULL) {
    struct curl_slist *more = curl_slist_append(h->headers_base, "Expect:");
    if (more == NULL) {
      curl_slist_free_all(h->headers_base);
      h->headers_base = NULL;
    }
  }
  if (h->url == NULL || h->curl == NULL || h->headers_base == NULL ||
      (opts->ca_cert != NULL && h->opts.ca_cert == NULL) ||
      apply_options(h) != 0) {
    vs_http_destroy(h);
    return NULL;
  }
  return h;
}

void vs_http_destroy(vs_http_t *h) {
  if (h == NULL)
    return;
  if (h->curl != NULL)
    curl_easy_cleanup(h->curl); /* closes the connection */
  curl_slist_free_all(h->headers_base);
  free(h->url);
  free((char *)h->opts.ca_cert);
  free(h);
}

void vs_http_forget_session(vs_http_t *h) {
  curl_easy_setopt(h->curl, CURLOPT_COOKIELIST, "ALL");
}

const vs_http_stats_t *vs_http_stats(const vs_http_t *h) { return &h->stats; }

static int classify_result(vs_http_t *h, CURLcode rc, long status,
                           char *err, size_t err_size) {
  vs_xml_stream_t *sink = h->sink;
  if (h->too_large) {
    snprintf(err, err_size,
             "response larger than MaxResponseSize (%zu bytes); aborted",
             h->opts.max_response_bytes);
    return VS_ERR_TRANSPORT;
  }
  if (rc != CURLE_OK && !h->sink_failed) {
    const char *hint = "";
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
      hint = " (the server's TLS certificate is not trusted: set CACert to "
             "the PEM file of the CA that signed it, or, insecurely, "
             "VerifyPeer false)";
    snprintf(err, err_size, "%s%s",
             h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc), hint);
    return VS_ERR_TRANSPORT;
  }
  /* The body was read (or its parse stopped early): look at what it was. */
  bool complete = !h->sink_failed && vs_xml_stream_finish(sink) == 0;
  if (vs_xml_stream_not_authenticated(sink)) {
    snprintf(err, err_size, "session not authenticated");
    return VS_ERR_NOAUTH;
  }
  if (vs_xml_stream_has_fault(sink)) {
    const char *type = vs_xml_stream_fault_type(sink);
    const char *text = vs_xml_stream_fault_string(sink);
    snprintf(err, err_size, "SOAP fault %s%s%s", type[0] ? type : "(unknown)",
             text[0] ? ": " : "", text);
    return VS_ERR_FAULT;
  }
  if (status != 200) {
    snprintf(err, err_size, "HTTP status %ld", status);
    return VS_ERR_HTTP;
  }
  if (!complete) {
    snprintf(err, err_size, "bad response: %s", vs_xml_stream_error(sink));
    return VS_ERR_PARSE;
  }
  return VS_OK;
}

int vs_http_soap_call(vs_http_t *h, const char *soap_action, const char *body,
                      size_t body_len, vs_xml_stream_t *sink, char *err,
                      size_t err_size) {
  char action_header[128];
  snprintf(action_header, sizeof(action_header), "SOAPAction: %s",
           soap_action);
  /* A one-element list appended to the base list for this call only. */
  struct curl_slist action = {.data = action_header, .next = NULL};
  struct curl_slist *last = h->headers_base;
  while (last->next != NULL)
    last = last->next;
  last->next = &action;

  h->sink = sink;
  h->received = 0;
  h->too_large = false;
  h->sink_failed = false;
  h->curl_error[0] = 0;
  curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers_base);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);

  CURLcode rc = curl_easy_perform(h->curl);
  last->next = NULL;
  h->stats.requests++;
  h->stats.bytes_sent += body_len;

  long status = 0;
  curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
  int result = classify_result(h, rc, status, err, err_size);
  h->sink = NULL;
  return result;
}
