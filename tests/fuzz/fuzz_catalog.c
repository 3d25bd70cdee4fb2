/**
 * collectd-vsphere - tests/fuzz/fuzz_catalog.c
 * vs_parse_catalog: PerformanceManager.perfCounter (the counter catalog).
 * The callback reads every field of every counter. Input: 2 control bytes
 * (see fuzz_common.h), then the body.
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
  FUZZ_CHECK(info->group[0] != 0 && info->name[0] != 0 &&
             info->rollup[0] != 0);
  c->sum += (size_t)info->key + (size_t)(unsigned)info->level;
  c->sum += fuzz_touch(info->group, sizeof(info->group));
  c->sum += fuzz_touch(info->name, sizeof(info->name));
  c->sum += fuzz_touch(info->rollup, sizeof(info->rollup));
  c->sum += fuzz_touch(info->unit, sizeof(info->unit));
  c->sum += fuzz_touch(info->stats_type, sizeof(info->stats_type));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
