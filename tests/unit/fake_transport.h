/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/fake_transport.h
 * A scripted vs_transport_t for the unit tests of the session, the query
 * engine and the read loop: no network, no time. Every request goes to a
 * responder the test gives, which fills in the reply (an HTTP status and
 * a body, a transport error, or "never answers"); the reply's body is fed
 * to the request's XML stream and classified with vs_classify_reply, as
 * vs_http does. Concurrent requests are answered by `wait` in the order
 * they were started; one that never answers stays in flight (wait then
 * says the budget ran out) until the test lets it go or cancels all.
 * Every request is recorded, for assertions.
 */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include "vs_transport.h"
#include "vs_util.h"

#include <stdbool.h>
#include <stddef.h>

#define FAKE_MAX_SLOTS 16

typedef struct {
  /* SOAP operation ("QueryPerf"), or "GET /path"; a REST request: its
   * method and path ("POST /rest/com/vmware/cis/session") */
  char op[256];
  char *body;           /* the request body (owned) */
  int slot;             /* -1: the control slot */
  char action[64];      /* SOAPAction */
  bool rest;            /* a REST request: */
  char session_id[128]; /* ... its vmware-api-session-id ("" if none) */
  char user[64];        /* ... basic auth: the user ("" if none) */
  char password[64];    /* ... and the password */
} fake_request_t;

typedef struct {
  long status;        /* HTTP status (default 200) */
  vs_buf_t body;      /* the response body */
  int transport_code; /* non-zero: the request failed in the transport */
  bool timed_out;     /* ... by a time limit */
  bool hang;          /* never answers (concurrent slots only) */
} fake_reply_t;

/* Fills `reply` (status 200 and an empty body on entry) for `req`. */
typedef void (*fake_responder_t)(void *ctx, const fake_request_t *req,
                                 fake_reply_t *reply);

typedef struct {
  bool busy;
  bool hang;
  size_t started;         /* order of start */
  fake_request_t request; /* a copy (its body owned), for a late answer */
  fake_reply_t reply;
  vs_xml_stream_t *sink;
} fake_slot_t;

typedef struct {
  vs_transport_t t; /* the interface; t.ctx is this */
  int slots_num;
  fake_slot_t slots[FAKE_MAX_SLOTS];
  size_t started;
  fake_responder_t respond;
  void *respond_ctx;
  fake_request_t *requests; /* every request, in order */
  size_t requests_num, requests_cap;
  vs_transport_stats_t stats;
  size_t cancels, forgets;
} fake_transport_t;

void fake_init(fake_transport_t *f, int slots, fake_responder_t respond,
               void *ctx);
void fake_free(fake_transport_t *f);

/* Requests recorded whose operation is `op` (NULL: all). */
size_t fake_count(const fake_transport_t *f, const char *op);
/* The i-th recorded request of `op` (NULL: any), or NULL. */
const fake_request_t *fake_request(const fake_transport_t *f, const char *op,
                                   size_t i);
void fake_forget_requests(fake_transport_t *f);
/* Slots that never answer are answered now, with `respond` again. */
void fake_release_hung(fake_transport_t *f);

/* A REST answer: the status and the JSON body. */
void fake_json(fake_reply_t *r, long status, const char *json);

/* Helpers for responders: a SOAP envelope around `inner`; a SOAP fault
 * of `type` (HTTP 500) with an optional <obj> naming an object. */
void fake_soap(fake_reply_t *r, const char *inner);
void fake_fault(fake_reply_t *r, const char *type, const char *text,
                const char *obj_type, const char *obj);
/* The text of the n-th <tag>...</tag> in a body ("" if none), into buf. */
const char *fake_tag(const char *body, const char *tag, size_t n, char *buf,
                     size_t size);
size_t fake_tag_count(const char *body, const char *tag);

/* QueryPerf answers: for the i-th querySpec of a request, one series per
 * counterId it asks for (value 100, one sample at sample_us), plus one of
 * `extra_counter` (value 7) if non-zero; fake_perf_answer: the whole
 * answer to the request, every spec. */
void fake_perf_entity(vs_buf_t *b, const char *body, size_t i,
                      int64_t sample_us, int extra_counter);
void fake_perf_answer(fake_reply_t *r, const char *body, int64_t sample_us,
                      int extra_counter);

#endif
