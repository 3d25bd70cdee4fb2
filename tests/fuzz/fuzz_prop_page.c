/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_prop_page.c
 * vs_parse_prop_page: RetrievePropertiesEx / ContinueRetrievePropertiesEx
 * pages (inventory, with a continuation token) and WaitForUpdatesEx update
 * sets (the update stream: version, truncated, object updates of a kind). The
 * callback reads every property of every object; leaves of structured values go
 * through the subprop callback into vs_state, whose values are then computed
 * for every kind. Input: 2 control bytes (see fuzz_common.h), then the body.
 */
#include "fuzz_common.h"
#include "vs_parse.h"
#include "vs_state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

typedef struct {
  const vs_prop_page_t *page;
  size_t calls;
  size_t sum;
  vs_state_scratch_t scratch;
} page_ctx_t;

static void on_subprop(void *ctx, const char *type, const char *moref,
                       const char *prop, int item, const char *path,
                       const char *text) {
  page_ctx_t *c = ctx;
  c->sum += fuzz_touch(type, 64) + fuzz_touch(moref, VS_MOREF_LEN);
  c->sum += fuzz_touch(prop, 64) + (size_t)item;
  c->sum += fuzz_touch(path, VS_XML_MAX_DEPTH * 48);
  c->sum += fuzz_touch(text, VS_XML_MAX_TEXT + 1);
  vs_state_subprop(&c->scratch, prop, item, path, text);
}

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  page_ctx_t *c = ctx;
  c->calls++;
  FUZZ_CHECK(c->page->kind >= 0 && c->page->kind <= VS_UPDATE_LEAVE);
  FUZZ_CHECK(props_num <= VS_PAGE_MAX_PROPS);
  FUZZ_CHECK(props_num == 0 || props != NULL);
  c->sum += fuzz_touch(type, 64);
  c->sum += fuzz_touch(moref, VS_MOREF_LEN);
  FUZZ_CHECK(moref[0] != 0); /* objects without <obj> are not reported */
  for (size_t i = 0; i < props_num; i++) {
    c->sum += fuzz_touch(props[i].name, 64);
    c->sum += fuzz_touch(props[i].value, VS_PAGE_MAX_VALUE);
  }
  vs_state_value_t values[VS_STATE_MAX_VALUES];
  for (int k = 0; k < VS_KIND_NUM; k++) {
    size_t n =
        vs_state_values((vs_kind_t)k, props, props_num, &c->scratch,
                        INT64_C(1700000000000000), values, VS_STATE_MAX_VALUES);
    FUZZ_CHECK(n <= VS_STATE_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
      FUZZ_CHECK(values[i].type < vs_state_types_num);
      /* a mount point (128) or a datastore type (a property value) */
      c->sum += fuzz_touch(values[i].instance, VS_PAGE_MAX_VALUE);
    }
    vs_state_value_t *copy = vs_state_copy(values, n);
    FUZZ_CHECK(n == 0 || copy != NULL);
    for (size_t i = 0; copy != NULL && i < n; i++)
      FUZZ_CHECK(strcmp(copy[i].instance, values[i].instance) == 0);
    free(copy);
  }
  vs_state_scratch_reset(&c->scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Heap, not stack: ASan then bounds the ~5 KB state exactly. */
  vs_prop_page_t *p = malloc(sizeof(*p));
  FUZZ_CHECK(p != NULL);
  page_ctx_t ctx = {.page = p};
  vs_state_scratch_reset(&ctx.scratch);
  vs_prop_page_init(p, on_object, &ctx);
  p->subprop = on_subprop;
  vs_xml_handler_t h = vs_parse_prop_page(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  FUZZ_CHECK(p->objects == ctx.calls);
  ctx.sum += fuzz_touch(p->token, sizeof(p->token));
  ctx.sum += fuzz_touch(p->version, sizeof(p->version));
  fuzz_sink = ctx.sum;

  vs_xml_stream_destroy(s);
  free(p);
  return 0;
}
