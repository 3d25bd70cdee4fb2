/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/fake_transport.c
 */
#include "fake_transport.h"
#include "vs_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOAP_HEAD                                                              \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                               \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\"\n"              \
  " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"\n"             \
  " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n"                          \
  " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"                \
  "<soapenv:Body>\n"
#define SOAP_TAIL "\n</soapenv:Body>\n</soapenv:Envelope>"

void fake_soap(fake_reply_t *r, const char *inner) {
  vs_buf_reset(&r->body);
  vs_buf_puts(&r->body, SOAP_HEAD);
  vs_buf_puts(&r->body, inner);
  vs_buf_puts(&r->body, SOAP_TAIL);
}

void fake_fault(fake_reply_t *r, const char *type, const char *text,
                const char *obj_type, const char *obj) {
  r->status = 500;
  vs_buf_reset(&r->body);
  vs_buf_puts(&r->body, SOAP_HEAD);
  vs_buf_printf(&r->body,
                "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                "<faultstring>%s</faultstring><detail><%sFault "
                "xmlns=\"urn:vim25\" xsi:type=\"%s\">",
                text, type, type);
  if (obj != NULL)
    vs_buf_printf(&r->body, "<obj type=\"%s\">%s</obj>", obj_type, obj);
  vs_buf_printf(&r->body, "</%sFault></detail></soapenv:Fault>", type);
  vs_buf_puts(&r->body, SOAP_TAIL);
}

const char *fake_tag(const char *body, const char *tag, size_t n, char *buf,
                     size_t size) {
  char open[96], close[96];
  snprintf(open, sizeof(open), "<%s", tag);
  snprintf(close, sizeof(close), "</%s>", tag);
  buf[0] = 0;
  const char *p = body;
  for (;;) {
    p = strstr(p, open);
    if (p == NULL)
      return buf;
    char next = p[strlen(open)];
    if (next != '>' && next != ' ') { /* a longer tag name */
      p++;
      continue;
    }
    if (n-- == 0)
      break;
    p++;
  }
  const char *start = strchr(p, '>');
  const char *end = start ? strstr(start, close) : NULL;
  if (end == NULL)
    return buf;
  size_t len = (size_t)(end - start - 1);
  if (len >= size)
    len = size - 1;
  memcpy(buf, start + 1, len);
  buf[len] = 0;
  return buf;
}

size_t fake_tag_count(const char *body, const char *tag) {
  size_t n = 0;
  char open[96];
  snprintf(open, sizeof(open), "<%s", tag);
  for (const char *p = strstr(body, open); p != NULL; p = strstr(p + 1, open)) {
    char next = p[strlen(open)];
    if (next == '>' || next == ' ')
      n++;
  }
  return n;
}

void fake_perf_entity(vs_buf_t *b, const char *body, size_t i,
                      int64_t sample_us, int extra_counter) {
  /* the i-th querySpec, as its own string */
  char spec[16384], moref[64], when[64], cid[16];
  fake_tag(body, "querySpec", i, spec, sizeof(spec));
  fake_tag(spec, "entity", 0, moref, sizeof(moref));
  const char *type = strncmp(moref, "host", 4) == 0        ? "HostSystem"
                     : strncmp(moref, "datastore", 9) == 0 ? "Datastore"
                     : strncmp(moref, "domain", 6) == 0
                         ? "ClusterComputeResource"
                     : strncmp(moref, "resgroup", 8) == 0    ? "ResourcePool"
                     : strncmp(moref, "datacenter", 10) == 0 ? "Datacenter"
                                                             : "VirtualMachine";
  vs_format_datetime(sample_us, when, sizeof(when));
  vs_buf_printf(b,
                "<returnval xsi:type=\"PerfEntityMetric\"><entity "
                "type=\"%s\">%s</entity><sampleInfo><timestamp>%s</timestamp>"
                "<interval>20</interval></sampleInfo>",
                type, moref, when);
  size_t ids = fake_tag_count(spec, "counterId");
  for (size_t j = 0; j < ids; j++) {
    fake_tag(spec, "counterId", j, cid, sizeof(cid));
    vs_buf_printf(b,
                  "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>%s"
                  "</counterId><instance></instance></id><value>100</value>"
                  "</value>",
                  cid);
  }
  if (extra_counter != 0)
    vs_buf_printf(b,
                  "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>%d"
                  "</counterId><instance></instance></id><value>7</value>"
                  "</value>",
                  extra_counter);
  vs_buf_puts(b, "</returnval>");
}

void fake_perf_answer(fake_reply_t *r, const char *body, int64_t sample_us,
                      int extra_counter) {
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_puts(&b, "<QueryPerfResponse xmlns=\"urn:vim25\">");
  for (size_t i = 0; i < fake_tag_count(body, "querySpec"); i++)
    fake_perf_entity(&b, body, i, sample_us, extra_counter);
  vs_buf_puts(&b, "</QueryPerfResponse>");
  fake_soap(r, b.data);
  vs_buf_free(&b);
}

/* The SOAP operation of a body: the first element inside <soapenv:Body>. */
static void operation(const char *body, char *op, size_t size) {
  op[0] = 0;
  const char *b = strstr(body, "Body>");
  const char *p = b ? strchr(b, '<') : NULL;
  if (p == NULL)
    return;
  p++;
  size_t n = strcspn(p, " >/");
  if (n >= size)
    n = size - 1;
  memcpy(op, p, n);
  op[n] = 0;
}

static fake_request_t *record(fake_transport_t *f, const char *action,
                              const char *body, size_t len, int slot) {
  if (f->requests_num == f->requests_cap) {
    size_t cap = f->requests_cap ? 2 * f->requests_cap : 64;
    fake_request_t *r = realloc(f->requests, cap * sizeof(*r));
    if (r == NULL)
      abort();
    f->requests = r;
    f->requests_cap = cap;
  }
  fake_request_t *req = &f->requests[f->requests_num++];
  memset(req, 0, sizeof(*req));
  req->body = strndup(body, len);
  req->slot = slot;
  vs_utf8_copy(req->action, action ? action : "", sizeof(req->action));
  operation(req->body, req->op, sizeof(req->op));
  f->stats.requests++;
  return req;
}

static void reply_init(fake_reply_t *r) {
  vs_buf_free(&r->body);
  memset(r, 0, sizeof(*r));
  vs_buf_init(&r->body);
  r->status = 200;
}

/* Feeds the reply to the sink and classifies it, as vs_http does. */
static int deliver(fake_transport_t *f, fake_reply_t *r, vs_xml_stream_t *sink,
                   vs_error_t *err) {
  vs_error_clear(err);
  bool failed = false;
  if (r->transport_code == 0 && r->body.len > 0) {
    f->stats.bytes_received += r->body.len;
    failed = vs_xml_stream_feed(sink, r->body.data, r->body.len) != 0;
  }
  vs_reply_t reply = {
      .transport_code = r->transport_code,
      .transport_text = r->timed_out ? "Operation timed out" : "fake failure",
      .timed_out = r->timed_out,
      .status = r->transport_code ? 0 : r->status,
      .received = r->transport_code ? 0 : r->body.len,
      .sink_failed = failed,
      .sink = sink,
  };
  return vs_classify_reply(&reply, err);
}

static int t_slots(void *ctx) { return ((fake_transport_t *)ctx)->slots_num; }

static int t_call(void *ctx, const char *action, const char *body, size_t len,
                  vs_xml_stream_t *sink, vs_error_t *err) {
  fake_transport_t *f = ctx;
  const fake_request_t *req = record(f, action, body, len, -1);
  fake_reply_t r = {0};
  reply_init(&r);
  f->respond(f->respond_ctx, req, &r);
  int rc = deliver(f, &r, sink, err);
  vs_buf_free(&r.body);
  return rc;
}

static int t_get(void *ctx, const char *path, vs_xml_stream_t *sink,
                 size_t max_bytes, vs_error_t *err) {
  (void)max_bytes;
  fake_transport_t *f = ctx;
  fake_request_t *req = record(f, NULL, "", 0, -1);
  snprintf(req->op, sizeof(req->op), "GET %s", path);
  fake_reply_t r = {0};
  reply_init(&r);
  f->respond(f->respond_ctx, req, &r);
  int rc = deliver(f, &r, sink, err);
  vs_buf_free(&r.body);
  return rc;
}

void fake_json(fake_reply_t *r, long status, const char *json) {
  r->status = status;
  vs_buf_reset(&r->body);
  vs_buf_puts(&r->body, json);
}

static int t_rest(void *ctx, const vs_rest_request_t *rq, vs_buf_t *answer,
                  long *status, vs_error_t *err) {
  static const char *const methods[] = {"GET", "POST", "DELETE"};
  fake_transport_t *f = ctx;
  vs_error_clear(err);
  vs_buf_reset(answer);
  *status = 0;
  fake_request_t *req = record(f, NULL, rq->body ? rq->body : "",
                               rq->body ? rq->body_len : 0, -1);
  snprintf(req->op, sizeof(req->op), "%s %s", methods[rq->method], rq->path);
  req->rest = true;
  vs_utf8_copy(req->session_id, rq->session_id ? rq->session_id : "",
               sizeof(req->session_id));
  if (rq->user != NULL && rq->password != NULL) {
    vs_utf8_copy(req->user, rq->user, sizeof(req->user));
    vs_utf8_copy(req->password, rq->password, sizeof(req->password));
  }
  fake_reply_t r = {0};
  reply_init(&r);
  f->respond(f->respond_ctx, req, &r);
  int rc = VS_OK;
  if (r.transport_code != 0) {
    err->code = r.transport_code;
    err->timed_out = r.timed_out;
    vs_error_set(err, VS_ERR_TRANSPORT, "%s",
                 r.timed_out ? "Operation timed out" : "fake failure");
    rc = err->rc;
  } else {
    *status = r.status;
    f->stats.bytes_received += r.body.len;
    vs_buf_append(answer, r.body.data ? r.body.data : "", r.body.len);
    err->code = (int)r.status;
    if (r.status < 200 || r.status > 299) {
      vs_error_set(err, VS_ERR_HTTP, "HTTP status %ld", r.status);
      rc = err->rc;
    }
  }
  vs_buf_free(&r.body);
  return rc;
}

static int t_start(void *ctx, int slot, const char *action, const char *body,
                   size_t len, vs_xml_stream_t *sink, long timeout_ms,
                   long stall_ms) {
  (void)timeout_ms;
  (void)stall_ms;
  fake_transport_t *f = ctx;
  if (slot < 0 || slot >= f->slots_num || f->slots[slot].busy)
    return -1;
  fake_slot_t *s = &f->slots[slot];
  const fake_request_t *req = record(f, action, body, len, slot);
  reply_init(&s->reply);
  f->respond(f->respond_ctx, req, &s->reply);
  s->busy = true;
  s->hang = s->reply.hang;
  s->sink = sink;
  s->started = f->started++;
  free(s->request.body);
  s->request = *req;
  s->request.body = strdup(req->body);
  return 0;
}

static int t_wait(void *ctx, int *slot, long max_wait_ms, vs_error_t *err) {
  (void)max_wait_ms;
  fake_transport_t *f = ctx;
  *slot = -1;
  vs_error_clear(err);
  int first = -1;
  bool any = false;
  for (int i = 0; i < f->slots_num; i++) {
    fake_slot_t *s = &f->slots[i];
    any |= s->busy;
    if (s->busy && !s->hang &&
        (first < 0 || s->started < f->slots[first].started))
      first = i;
  }
  if (!any) {
    vs_error_set(err, VS_ERR_TRANSPORT, "no request in flight");
    return err->rc;
  }
  if (first < 0)
    return VS_TRANSPORT_PENDING; /* only requests that never answer */
  fake_slot_t *s = &f->slots[first];
  int rc = deliver(f, &s->reply, s->sink, err);
  s->busy = false;
  s->sink = NULL;
  *slot = first;
  return rc;
}

static bool t_busy(void *ctx, int slot) {
  return ((fake_transport_t *)ctx)->slots[slot].busy;
}

static int t_in_flight(void *ctx) {
  fake_transport_t *f = ctx;
  int n = 0;
  for (int i = 0; i < f->slots_num; i++)
    n += f->slots[i].busy;
  return n;
}

static void t_cancel_all(void *ctx) {
  fake_transport_t *f = ctx;
  for (int i = 0; i < f->slots_num; i++) {
    f->slots[i].busy = false;
    f->slots[i].sink = NULL;
  }
  f->cancels++;
}

static void t_forget_session(void *ctx) {
  ((fake_transport_t *)ctx)->forgets++;
}

static const vs_transport_stats_t *t_stats(void *ctx) {
  return &((fake_transport_t *)ctx)->stats;
}

void fake_init(fake_transport_t *f, int slots, fake_responder_t respond,
               void *ctx) {
  memset(f, 0, sizeof(*f));
  f->slots_num = slots < FAKE_MAX_SLOTS ? slots : FAKE_MAX_SLOTS;
  f->respond = respond;
  f->respond_ctx = ctx;
  for (int i = 0; i < FAKE_MAX_SLOTS; i++)
    vs_buf_init(&f->slots[i].reply.body);
  f->t = (vs_transport_t){
      .ctx = f,
      .slots = t_slots,
      .call = t_call,
      .get = t_get,
      .rest = t_rest,
      .start = t_start,
      .wait = t_wait,
      .busy = t_busy,
      .in_flight = t_in_flight,
      .cancel_all = t_cancel_all,
      .forget_session = t_forget_session,
      .stats = t_stats,
  };
}

void fake_forget_requests(fake_transport_t *f) {
  for (size_t i = 0; i < f->requests_num; i++)
    free(f->requests[i].body);
  f->requests_num = 0;
}

void fake_free(fake_transport_t *f) {
  fake_forget_requests(f);
  free(f->requests);
  for (int i = 0; i < FAKE_MAX_SLOTS; i++) {
    vs_buf_free(&f->slots[i].reply.body);
    free(f->slots[i].request.body);
  }
  memset(f, 0, sizeof(*f));
}

size_t fake_count(const fake_transport_t *f, const char *op) {
  size_t n = 0;
  for (size_t i = 0; i < f->requests_num; i++)
    n += op == NULL || strcmp(f->requests[i].op, op) == 0;
  return n;
}

const fake_request_t *fake_request(const fake_transport_t *f, const char *op,
                                   size_t i) {
  for (size_t j = 0; j < f->requests_num; j++)
    if ((op == NULL || strcmp(f->requests[j].op, op) == 0) && i-- == 0)
      return &f->requests[j];
  return NULL;
}

void fake_release_hung(fake_transport_t *f) {
  for (int i = 0; i < f->slots_num; i++) {
    fake_slot_t *s = &f->slots[i];
    if (!s->busy || !s->hang)
      continue;
    reply_init(&s->reply);
    f->respond(f->respond_ctx, &s->request, &s->reply);
    s->hang = s->reply.hang;
  }
}
