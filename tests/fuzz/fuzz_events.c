/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_events.c
 * vs_parse_events: EventHistoryCollector.ReadNextEvents answers. The
 * callback reads every field of every event handed on (type, severity,
 * user, message, and each entity argument's type, moref and name), checks
 * that each is terminated within its array and ends on a whole UTF-8
 * character (the parser cuts at a character), and formats the creation
 * time back as the next collector's beginTime is built from it.
 * Input: 2 control bytes (see fuzz_common.h), then the body.
 */
#include "fuzz_common.h"
#include "vs_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

typedef struct {
  size_t calls;
  size_t sum;
} events_ctx_t;

/* True when s (terminated) is a sequence of whole UTF-8 characters: the
 * parser hands on libxml2's UTF-8, cut only at character starts. */
static bool whole_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t len;
    if (*p < 0x80)
      len = 1;
    else if ((*p & 0xE0) == 0xC0)
      len = 2;
    else if ((*p & 0xF0) == 0xE0)
      len = 3;
    else if ((*p & 0xF8) == 0xF0)
      len = 4;
    else
      return false; /* a continuation byte where a character starts */
    for (size_t i = 1; i < len; i++)
      if ((p[i] & 0xC0) != 0x80)
        return false; /* (also stops at the terminating 0) */
    p += len;
  }
  return true;
}

/* A string field: terminated inside its array, whole characters. */
#define TOUCH(c, field)                                                        \
  do {                                                                         \
    (c)->sum += fuzz_touch((field), sizeof(field));                            \
    FUZZ_CHECK(whole_utf8(field));                                             \
  } while (0)

static void on_event(void *ctx, const vs_event_t *ev) {
  events_ctx_t *c = ctx;
  c->calls++;
  FUZZ_CHECK(ev != NULL);
  TOUCH(c, ev->type);
  TOUCH(c, ev->severity);
  TOUCH(c, ev->user);
  TOUCH(c, ev->message);
  for (int a = 0; a < VS_EVENT_ARG_NUM; a++) {
    const vs_event_entity_t *en = &ev->entities[a];
    TOUCH(c, en->type);
    TOUCH(c, en->moref);
    TOUCH(c, en->name);
  }
  c->sum += (size_t)ev->key ^ (size_t)ev->chain_id;
  /* created_us: -1 when absent or unreadable; a time before 1970 is
   * negative too, and vs_events and vs_dispatch use only what is >= 0. */
  if (ev->created_us >= 0) {
    /* vs_events: a new collector begins 60 s before the last event's time
     * (vs_soap sends a beginTime only when it is >= 0) */
    char when[40];
    int64_t begin = ev->created_us - INT64_C(60) * 1000000;
    if (begin >= 0) {
      vs_format_datetime(begin, when, sizeof(when));
      c->sum += fuzz_touch(when, sizeof(when));
    }
    vs_format_datetime(ev->created_us, when, sizeof(when));
    c->sum += fuzz_touch(when, sizeof(when));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* ~8 KB of event fields: on the heap so ASan bounds them exactly. */
  vs_events_parser_t *p = malloc(sizeof(*p));
  FUZZ_CHECK(p != NULL);
  events_ctx_t ctx = {0};
  vs_events_parser_init(p, on_event, &ctx);
  vs_xml_handler_t h = vs_parse_events(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  FUZZ_CHECK(p->events == ctx.calls);
  FUZZ_CHECK(p->depth >= 0);
  FUZZ_CHECK(p->arg >= -1 && p->arg < VS_EVENT_ARG_NUM);
  fuzz_sink = ctx.sum + p->dropped;

  vs_xml_stream_destroy(s);
  free(p);
  return 0;
}
