/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_queryperf.c
 * vs_parse_perf: QueryPerf answers (format "normal"). The callback reads
 * every timestamp and value of every series and formats each timestamp
 * back, as the next request's startTime is built from the newest one.
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
} perf_ctx_t;

static void on_series(void *ctx, const vs_series_t *series) {
  perf_ctx_t *c = ctx;
  c->calls++;
  FUZZ_CHECK(series != NULL);
  FUZZ_CHECK(series->counter_id >= 0);
  FUZZ_CHECK(series->samples <= VS_PERF_MAX_SAMPLES);
  c->sum += fuzz_touch(series->entity_type, 64);
  c->sum += fuzz_touch(series->entity, VS_MOREF_LEN);
  FUZZ_CHECK(series->entity[0] != 0);
  c->sum += fuzz_touch(series->instance, 128);
  for (size_t i = 0; i < series->samples; i++) {
    int64_t ts = series->timestamps_us[i];
    int64_t v = series->values[i];
    c->sum += (size_t)ts ^ (size_t)v;
    if (ts >= 0) { /* vs_collect sends the newest one back as startTime */
      char when[40];
      vs_format_datetime(ts, when, sizeof(when));
      c->sum += fuzz_touch(when, sizeof(when));
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* ~6 KB of sample arrays: on the heap so ASan bounds them exactly. */
  vs_perf_parser_t *p = malloc(sizeof(*p));
  FUZZ_CHECK(p != NULL);
  perf_ctx_t ctx = {0};
  vs_perf_parser_init(p, on_series, &ctx);
  vs_xml_handler_t h = vs_parse_perf(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  FUZZ_CHECK(p->series == ctx.calls);
  FUZZ_CHECK(p->timestamps_num <= VS_PERF_MAX_SAMPLES);
  FUZZ_CHECK(p->values_num <= VS_PERF_MAX_SAMPLES);
  fuzz_sink = ctx.sum + p->entities;

  vs_xml_stream_destroy(s);
  free(p);
  return 0;
}
