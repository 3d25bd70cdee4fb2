/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_common.h
 * Shared by the libFuzzer harnesses: splits the input into the chunks a
 * curl write callback would deliver and feeds them to a vs_xml_stream_t.
 *
 * Input layout: two control bytes, then the HTTP response body.
 *   byte 0: mode = b0 & 3, param = b0 >> 2 (0..63)
 *   byte 1: b1
 *   mode 0: the whole body in one chunk
 *   mode 1: 1 + param cuts at pseudo-random offsets (seeded by b1 and size)
 *   mode 2: fixed-size chunks of 1 + b1 + 256 * param bytes
 *   mode 3: a cut before every (param+1)-th occurrence of the byte b1
 *           (b1 = '<' cuts before tags, '"' inside attributes, ...)
 * At most FUZZ_MAX_CHUNKS chunks: a 64 KB body fed byte by byte makes
 * libxml2's push parser rescan its input and only measures libxml2.
 *
 * Each chunk is copied into its own exact-size heap block that is freed
 * right after the feed, as curl reuses its buffer: ASan then catches any
 * read past a chunk and any pointer kept into fed data.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "vs_xml.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_CHUNKS 1024

/* Aborts (a libFuzzer crash) when a contract of the stream is broken. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Reads every byte of a string the parser handed out (ASan checks the
 * reads) and bounds its length; returns a checksum so nothing is elided. */
static inline size_t fuzz_touch(const char *s, size_t max_len) {
  FUZZ_CHECK(s != NULL);
  size_t n = strlen(s);
  FUZZ_CHECK(n < max_len);
  size_t sum = n;
  for (size_t i = 0; i < n; i++)
    sum = sum * 31 + (unsigned char)s[i];
  return sum;
}

static volatile size_t fuzz_sink; /* keeps checksums alive */

static void fuzz_quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

/* For LLVMFuzzerInitialize: libxml2's set-up, as module_register does.
 * libxml2 reports a few errors (encoding conversion, "I/O error : encoder
 * error") through its process-wide generic handler rather than the
 * parser's SAX error callback: they would fill the fuzzer's log with
 * stderr lines. The stream still sees them as a failed xmlParseChunk. */
static inline void fuzz_init(void) {
  xmlInitParser();
  xmlSetGenericErrorFunc(NULL, fuzz_quiet);
}

static inline uint64_t fuzz_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL); /* splitmix64 */
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static int fuzz_cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* Fills cuts[] (sorted, each in 1..n-1, may repeat) and returns how many. */
static inline size_t fuzz_cuts(uint8_t b0, uint8_t b1, const uint8_t *body,
                               size_t n, size_t *cuts) {
  unsigned mode = b0 & 3, param = b0 >> 2;
  size_t num = 0;
  if (n < 2)
    return 0;
  if (mode == 1) {
    uint64_t st = ((uint64_t)b1 << 32) ^ n;
    for (unsigned i = 0; i < 1 + param; i++)
      cuts[num++] = 1 + (size_t)(fuzz_rand(&st) % (n - 1));
    qsort(cuts, num, sizeof(*cuts), fuzz_cmp_size);
  } else if (mode == 2) {
    size_t stride = 1 + (size_t)b1 + 256 * (size_t)param;
    size_t min_stride = (n + FUZZ_MAX_CHUNKS - 1) / FUZZ_MAX_CHUNKS;
    if (stride < min_stride)
      stride = min_stride;
    for (size_t at = stride; at < n && num < FUZZ_MAX_CHUNKS - 1; at += stride)
      cuts[num++] = at;
  } else if (mode == 3) {
    unsigned every = 1 + param, seen = 0;
    for (size_t at = 1; at < n && num < FUZZ_MAX_CHUNKS - 1; at++)
      if (body[at] == b1 && ++seen % every == 0)
        cuts[num++] = at;
  }
  return num;
}

/* Feeds body[0..n) in chunks; returns vs_xml_stream_finish's result. The
 * stream is left for the caller to inspect and destroy. */
static inline int fuzz_feed(vs_xml_stream_t *s, const uint8_t *data,
                            size_t size) {
  if (size < 2)
    return vs_xml_stream_finish(s); /* an empty body */
  uint8_t b0 = data[0], b1 = data[1];
  const uint8_t *body = data + 2;
  size_t n = size - 2;

  static size_t cuts[FUZZ_MAX_CHUNKS];
  size_t num = fuzz_cuts(b0, b1, body, n, cuts);

  bool failed = false;
  size_t from = 0;
  for (size_t i = 0; i <= num; i++) {
    size_t to = i < num ? cuts[i] : n;
    if (to <= from)
      continue; /* curl never delivers an empty chunk */
    size_t len = to - from;
    char *chunk = malloc(len);
    FUZZ_CHECK(chunk != NULL);
    memcpy(chunk, body + from, len);
    int rc = vs_xml_stream_feed(s, chunk, len);
    free(chunk);
    if (failed) /* "further feeds after an error are ignored" */
      FUZZ_CHECK(rc == -1);
    if (rc != 0) {
      failed = true;
      FUZZ_CHECK(vs_xml_stream_error(s)[0] != 0);
    }
    from = to;
  }

  int rc = vs_xml_stream_finish(s);
  if (failed)
    FUZZ_CHECK(rc == -1);
  if (rc == 0) {
    /* (finish refuses an empty document: a success read elements) */
    FUZZ_CHECK(vs_xml_stream_error(s)[0] == 0);
  } else {
    FUZZ_CHECK(vs_xml_stream_error(s)[0] != 0);
  }
  return rc;
}

/* What every harness reads after the parse, as vs_http's classify_result
 * does: fault type and string, NotAuthenticated, the error text. */
static inline void fuzz_inspect(const vs_xml_stream_t *s) {
  size_t sum = 0;
  sum += fuzz_touch(vs_xml_stream_error(s), 256);
  sum += fuzz_touch(vs_xml_stream_fault_type(s), 128);
  sum += fuzz_touch(vs_xml_stream_fault_string(s), 512);
  sum += vs_xml_stream_has_fault(s);
  sum += vs_xml_stream_not_authenticated(s);
  char err[512];
  snprintf(err, sizeof(err), "SOAP fault %s: %s: %s",
           vs_xml_stream_fault_type(s), vs_xml_stream_fault_string(s),
           vs_xml_stream_error(s));
  sum += strlen(err);
  fuzz_sink = sum;
}

#endif
