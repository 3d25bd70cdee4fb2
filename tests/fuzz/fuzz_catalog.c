/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_catalog.c
 * PerformanceManager's properties, each parser fed the same bytes:
 * perfCounter (vs_parse_catalog; the callback reads every field of every
 * counter) and historicalInterval (vs_parse_intervals). Input: 2 control
 * bytes (see fuzz_common.h), then the body.
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
} catalog_ctx_t;

static void on_counter(void *ctx, const vs_counter_info_t *info) {
  catalog_ctx_t *c = ctx;
  c->calls++;
  FUZZ_CHECK(info != NULL);
  /* What vs_parse_catalog promises before it reports a counter. */
  FUZZ_CHECK(info->key >= 0);
  FUZZ_CHECK(info->group[0] != 0 && info->name[0] != 0 && info->rollup[0] != 0);
  c->sum += (size_t)info->key + (size_t)(unsigned)info->level;
  c->sum += fuzz_touch(info->group, sizeof(info->group));
  c->sum += fuzz_touch(info->name, sizeof(info->name));
  c->sum += fuzz_touch(info->rollup, sizeof(info->rollup));
  c->sum += fuzz_touch(info->unit, sizeof(info->unit));
  c->sum += fuzz_touch(info->stats_type, sizeof(info->stats_type));
}

static void intervals(const uint8_t *data, size_t size) {
  vs_intervals_t iv;
  vs_xml_handler_t h = vs_parse_intervals(&iv);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);
  FUZZ_CHECK(iv.num <= VS_INTERVALS_MAX);
  size_t sum = 0;
  for (size_t i = 0; i < iv.num; i++) {
    FUZZ_CHECK(iv.items[i].sampling_period > 0);
    FUZZ_CHECK(iv.items[i].level >= 0 && iv.items[i].level <= 4);
    sum += fuzz_touch(iv.items[i].name, sizeof(iv.items[i].name));
  }
  const vs_perf_interval_t *five = vs_intervals_find(&iv, 300);
  FUZZ_CHECK(five == NULL || five->sampling_period == 300);
  fuzz_sink += sum;
  vs_xml_stream_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  intervals(data, size);
  vs_catalog_parser_t *p = malloc(sizeof(*p));
  FUZZ_CHECK(p != NULL);
  catalog_ctx_t ctx = {0};
  vs_catalog_parser_init(p, on_counter, &ctx);
  vs_xml_handler_t h = vs_parse_catalog(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  FUZZ_CHECK(p->counters == ctx.calls);
  fuzz_sink = ctx.sum;

  vs_xml_stream_destroy(s);
  free(p);
  return 0;
}
