/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_util.h
 * Small helpers shared by every concern: a growable byte buffer, XML
 * escaping, xsd:dateTime conversion and a string-keyed hash index.
 */
#ifndef VS_UTIL_H
#define VS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Result codes used by transport, session and collection. */
enum {
  VS_OK = 0,
  VS_ERR_TRANSPORT = -1, /* connect, TLS, timeout, reset, size bound */
  VS_ERR_HTTP = -2,      /* non-200 answer without a SOAP fault */
  VS_ERR_PARSE = -3,     /* malformed or unexpected XML */
  VS_ERR_FAULT = -4,     /* a SOAP fault other than NotAuthenticated */
  VS_ERR_NOAUTH = -5,    /* NotAuthenticated: the session is gone */
  VS_ERR_NOMEM = -6,
  VS_ERR_CONFIG = -7,
};

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  bool failed; /* an allocation failed; the content is truncated */
} vs_buf_t;

void vs_buf_init(vs_buf_t *b);
void vs_buf_free(vs_buf_t *b);
void vs_buf_reset(vs_buf_t *b);
void vs_buf_append(vs_buf_t *b, const char *s, size_t n);
void vs_buf_puts(vs_buf_t *b, const char *s);
void vs_buf_printf(vs_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " and ' replaced by entities. */
void vs_buf_put_escaped(vs_buf_t *b, const char *s);

/* Copies at most size-1 bytes of UTF-8 and always terminates, never
 * cutting a character in two (collectd identifiers are 127 bytes; a cut
 * character would make write_prometheus's whole page invalid UTF-8).
 * collectd's sstrncpy (used where the text is the plugin's own) cuts
 * anywhere, and zero-fills the whole destination, which the parsers,
 * copying into 1-4 KiB fields for every element of a large answer, would
 * pay for at every property. */
char *vs_utf8_copy(char *dst, const char *src, size_t size);
/* Length of the longest prefix of s, at most max bytes, that ends on a
 * UTF-8 character boundary. */
size_t vs_utf8_prefix(const char *s, size_t max);

/* Decodes, in place, the escapes vSphere puts in entity names: %2f (/),
 * %5c (\) and %25 (%), any hex case; other text is left as it is. */
void vs_name_decode(char *s);

/* xsd:dateTime ("2024-01-02T03:04:05.123Z", "+01:00" offsets too) to
 * microseconds since the epoch. Returns 0 on success. */
int vs_parse_datetime(const char *s, int64_t *ret_us);
/* Microseconds since the epoch to "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void vs_format_datetime(int64_t us, char *buf, size_t size);

/* Parses a decimal integer that must fill the whole string. */
int vs_parse_int64(const char *s, int64_t *ret);

/* Strings that never move once stored (an index may point into them):
 * kept in blocks, freed all at once. */
typedef struct vs_arena_block_s vs_arena_block_t;
typedef struct {
  vs_arena_block_t *head;
  size_t bytes; /* allocated, for accounting */
  bool failed;  /* an allocation failed */
} vs_arena_t;

/* A copy of s in the arena ("" for NULL or empty, without storing it);
 * NULL when out of memory. */
const char *vs_arena_strdup(vs_arena_t *a, const char *s);
void vs_arena_free(vs_arena_t *a);

/* Doubles an array's room (or gives it `initial` items): returns the
 * array, moved, with *cap updated; NULL when out of memory or the size
 * would overflow (the old array is then kept, *cap unchanged). */
void *vs_grow(void *items, size_t *cap, size_t item_size, size_t initial);

/* FNV-1a of a string, started from `seed` (0: the same everywhere, e.g.
 * for shards; a random seed makes it say nothing outside the process). */
uint64_t vs_hash64(const char *s, uint64_t seed);

/* Clocks: monotonic seconds (deadlines, back-off), wall microseconds
 * (sample times, ages). */
double vs_monotonic_seconds(void);
int64_t vs_wall_us(void);

/* Open-addressing index from a string key to an int; keys are borrowed,
 * so they must outlive the index. collectd's c_avl would do, but this is
 * the plugin's hottest lookup (moref -> object for every series of every
 * answer, ~160,000 per read at 10,000 VMs): a hash finds it in one or two
 * string comparisons, an AVL tree in about log2(n) = 14. */
typedef struct {
  const char **keys;
  int *values;
  size_t cap; /* power of two */
  size_t count;
} vs_index_t;

int vs_index_init(vs_index_t *ix, size_t expected);
void vs_index_free(vs_index_t *ix);
int vs_index_put(vs_index_t *ix, const char *key, int value);
/* Returns the value, or -1 if the key is absent. */
int vs_index_get(const vs_index_t *ix, const char *key);

#endif
