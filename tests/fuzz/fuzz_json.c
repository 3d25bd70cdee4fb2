/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_json.c
 * The JSON reader of vCenter's REST answers (vs_json_parse): the input is
 * the whole body, parsed from an allocation of exactly its size (ASan
 * sees a read past it); a parsed document is walked whole, every string
 * read to its end and checked against its length.
 */
#include "fuzz_common.h"
#include "vs_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

/* Walks the tree iteratively (a stack of the open containers). */
static size_t walk(const vs_json_t *j) {
  const vs_json_node_t *stack[VS_JSON_MAX_DEPTH + 1];
  size_t depth = 0, sum = 0, seen = 0;
  const vs_json_node_t *n = vs_json_root(j);
  FUZZ_CHECK(n != NULL);
  while (n != NULL) {
    seen++;
    FUZZ_CHECK(seen <= j->nodes_num);
    if (n->key != NULL)
      sum += fuzz_touch(n->key, SIZE_MAX);
    if (n->type == VS_JSON_STRING) {
      FUZZ_CHECK(strlen(n->str) == n->str_len);
      sum += fuzz_touch(n->str, SIZE_MAX);
    }
    const vs_json_node_t *child = vs_json_first(j, n);
    if (child != NULL) {
      FUZZ_CHECK(depth < VS_JSON_MAX_DEPTH);
      stack[depth++] = n;
      n = child;
      continue;
    }
    while (n != NULL && vs_json_next(j, n) == NULL)
      n = depth > 0 ? stack[--depth] : NULL;
    if (n != NULL)
      n = vs_json_next(j, n);
  }
  FUZZ_CHECK(seen == j->nodes_num);
  return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = malloc(size ? size : 1);
  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  vs_json_t j;
  vs_json_init(&j);
  if (vs_json_parse(&j, copy, size) == 0) {
    fuzz_sink += walk(&j);
    const vs_json_node_t *v = vs_json_get(&j, vs_json_root(&j), "value");
    fuzz_sink += v != NULL ? v->count : 0;
  } else {
    FUZZ_CHECK(j.error[0] != 0 && vs_json_root(&j) == NULL);
  }
  vs_json_free(&j);
  free(copy);
  return 0;
}
