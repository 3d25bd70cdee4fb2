/**
 * collectd-vsphere - tests/fuzz/fuzz_prop_page.c
 * vs_parse_prop_page: RetrievePropertiesEx / ContinueRetrievePropertiesEx
 * pages (inventory, with a continuation token). The callback reads every
 * property of every object. Input: 2 control bytes (see fuzz_common.h),
 * then the body.
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
} page_ctx_t;

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  page_ctx_t *c = ctx;
  c->calls++;
  FUZZ_CHECK(props_num <= VS_PAGE_MAX_PROPS);
  FUZZ_CHECK(props_num == 0 || props != NULL);
  c->sum += fuzz_touch(type, 64);
  c->sum += fuzz_touch(moref, VS_MOREF_LEN);
  FUZZ_CHECK(moref[0] != 0); /* objects without <obj> are not reported */
  for (size_t i = 0; i < props_num; i++) {
    c->sum += fuzz_touch(props[i].name, 64);
    c->sum += fuzz_touch(props[i].value, VS_PAGE_MAX_VALUE);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Heap, not stack: ASan then bounds the ~5 KB state exactly. */
  vs_prop_page_t *p = malloc(sizeof(*p));
  FUZZ_CHECK(p != NULL);
  page_ctx_t ctx = {0};
  vs_prop_page_init(p, on_object, &ctx);
  vs_xml_handler_t h = vs_parse_prop_page(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  FUZZ_CHECK(p->objects == ctx.calls);
  ctx.sum += fuzz_touch(p->token, sizeof(p->token));
  fuzz_sink = ctx.sum;

  vs_xml_stream_destroy(s);
  free(p);
  return 0;
}
