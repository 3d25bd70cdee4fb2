/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_events.c
 */
#include "collectd.h"

#include "utils/common/common.h"
#include "vs_events.h"

#include <string.h>

/* Pages read in one call at most (a million events). */
#define MAX_PAGES 1000

void vs_events_init(vs_events_t *e) {
  memset(e, 0, sizeof(*e));
  e->last_key = -1;
  e->last_us = -1;
}

static bool live(const vs_events_t *e, const vs_session_t *s) {
  return e->collector[0] != 0 && s->logged_in && e->login == s->logins;
}

/* A collector that its session took with it needs no call. */
static void destroy(vs_events_t *e, vs_session_t *s) {
  if (live(e, s)) {
    vs_error_t err;
    vs_xml_handler_t none = {.expect = "DestroyCollectorResponse"};
    vs_soap_destroy_event_collector(&s->request, e->collector);
    (void)vs_session_call(s, &none, &err);
  }
  e->collector[0] = 0;
}

void vs_events_free(vs_events_t *e, vs_session_t *s, bool destroy_it) {
  if (destroy_it)
    destroy(e, s);
  e->collector[0] = 0;
}

static void returnval_end(void *ctx, int depth, const char *name,
                          const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  if (strcmp(name, "returnval") == 0 &&
      strcmp(parent, "CreateCollectorForEventsResponse") == 0)
    sstrncpy(ctx, text, VS_MOREF_LEN);
}

static int create(vs_events_t *e, vs_session_t *s, const char *const *types,
                  size_t types_num, vs_error_t *err) {
  destroy(e, s);
  if (s->sc.event_manager[0] == 0) {
    e->refused = true;
    return (vs_error_set(err, VS_ERR_FAULT, "the server has no EventManager"),
            err->rc);
  }
  /* The first start reads from now on; later ones from a little before
   * the last event seen. */
  if (e->last_us < 0)
    e->last_us = vs_session_vcenter_now_us(s);
  int64_t begin =
      e->last_key < 0 ? e->last_us : e->last_us - VS_EVENTS_OVERLAP_US;
  vs_soap_create_event_collector(&s->request, &s->sc, begin, types, types_num);
  vs_xml_handler_t h = {.end = returnval_end,
                        .ctx = e->collector,
                        .expect = "CreateCollectorForEventsResponse"};
  int rc = vs_session_call(s, &h, err);
  if (rc == VS_OK && e->collector[0] == 0)
    rc = (vs_error_set(err, VS_ERR_PARSE,
                       "CreateCollectorForEvents returned no collector"),
          err->rc);
  e->refused = rc == VS_ERR_FAULT;
  if (rc != VS_OK) {
    e->collector[0] = 0;
    return rc;
  }
  e->login = s->logins;
  e->collectors++;
  return VS_OK;
}

typedef struct {
  vs_events_t *e;
  vs_event_cb cb;
  void *ctx;
  int64_t after_key;       /* events up to it were handed on before this page */
  int64_t after_us;        /* ... the last of them created then */
  int64_t max_key, max_us; /* the newest of this page */
} page_ctx_t;

/* Skips what was handed on already (a new collector re-reads a little).
 * The threshold holds for the whole page, so that a server that sends a
 * page newest first loses nothing. */
static void on_event(void *ctx, const vs_event_t *ev) {
  page_ctx_t *p = ctx;
  if (ev->key <= p->after_key) {
    /* Much newer than the last event seen, yet a smaller key: vCenter's
     * keys started over (a restored or rebuilt vCenter). */
    if (ev->created_us < 0 || p->after_us < 0 ||
        ev->created_us <= p->after_us + VS_EVENTS_OVERLAP_US)
      return;
    p->e->keys_reset++;
    p->after_key = -1;
    p->max_key = -1;
  }
  if (ev->key > p->max_key) {
    p->max_key = ev->key;
    p->max_us = ev->created_us >= 0 ? ev->created_us : p->max_us;
  }
  p->e->events++;
  p->cb(p->ctx, ev);
}

/* One page; *more: it was full, so more may wait. */
static int read_page(vs_events_t *e, vs_session_t *s, page_ctx_t *pc,
                     bool *more, vs_error_t *err) {
  vs_events_parser_t *parser = malloc(sizeof(*parser));
  if (parser == NULL)
    return (vs_error_set(err, VS_ERR_NOMEM, "out of memory"), err->rc);
  vs_events_parser_init(parser, on_event, pc);
  pc->after_key = pc->max_key = e->last_key;
  pc->after_us = pc->max_us = e->last_us;
  vs_soap_read_next_events(&s->request, e->collector, VS_EVENTS_PAGE);
  vs_xml_handler_t h = vs_parse_events(parser);
  int rc = vs_session_call(s, &h, err);
  /* (what was handed on counts even when the rest of the page failed) */
  e->last_key = pc->max_key;
  e->last_us = pc->max_us;
  *more = rc == VS_OK && parser->events + parser->dropped >= VS_EVENTS_PAGE;
  if (rc == VS_OK)
    e->pages++;
  free(parser);
  return rc;
}

static bool collector_lost(const vs_error_t *err) {
  return err->rc == VS_ERR_FAULT && err->fault == VS_FAULT_NOT_FOUND;
}

int vs_events_read(vs_events_t *e, vs_session_t *s, const char *const *types,
                   size_t types_num, double deadline, vs_event_cb cb, void *ctx,
                   vs_error_t *err) {
  vs_error_clear(err);
  page_ctx_t pc = {.e = e, .cb = cb, .ctx = ctx};
  bool remade = false;
  int rc = VS_OK;
  if (!live(e, s))
    rc = create(e, s, types, types_num, err);
  bool more = true;
  for (int pages = 0; rc == VS_OK && more && pages < MAX_PAGES; pages++) {
    if (pages > 0 && vs_monotonic_seconds() >= deadline)
      break;
    rc = read_page(e, s, &pc, &more, err);
    if (rc != VS_OK && collector_lost(err) && !remade) {
      remade = true; /* (vCenter dropped it: made again, read on) */
      e->collector[0] = 0;
      rc = create(e, s, types, types_num, err);
      more = true;
    }
  }
  e->pending = rc == VS_OK && more;
  if (rc != VS_OK && rc != VS_ERR_NOAUTH)
    destroy(e, s); /* the next read starts with a new one */
  return rc;
}
