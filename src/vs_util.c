/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_util.c
 */
#include "vs_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void vs_buf_init(vs_buf_t *b) { memset(b, 0, sizeof(*b)); }

void vs_buf_free(vs_buf_t *b) {
  free(b->data);
  vs_buf_init(b);
}

void vs_buf_reset(vs_buf_t *b) {
  b->len = 0;
  b->failed = false;
  if (b->data != NULL)
    b->data[0] = 0;
}

static bool buf_reserve(vs_buf_t *b, size_t extra) {
  if (b->failed)
    return false;
  if (b->len + extra + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void vs_buf_append(vs_buf_t *b, const char *s, size_t n) {
  if (!buf_reserve(b, n))
    return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

void vs_buf_puts(vs_buf_t *b, const char *s) { vs_buf_append(b, s, strlen(s)); }

void vs_buf_printf(vs_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !buf_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void vs_buf_put_escaped(vs_buf_t *b, const char *s) {
  const char *run = s;
  for (; *s != 0; s++) {
    const char *rep = NULL;
    switch (*s) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&apos;";
      break;
    default:
      continue;
    }
    vs_buf_append(b, run, (size_t)(s - run));
    vs_buf_puts(b, rep);
    run = s + 1;
  }
  vs_buf_append(b, run, (size_t)(s - run));
}

size_t vs_utf8_prefix(const char *s, size_t max) {
  size_t n = strnlen(s, max + 1);
  if (n <= max)
    return n;
  n = max;
  /* Back off over continuation bytes (10xxxxxx) to a character start. */
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return n;
}

char *vs_utf8_copy(char *dst, const char *src, size_t size) {
  if (size == 0)
    return dst;
  size_t n = vs_utf8_prefix(src, size - 1);
  memcpy(dst, src, n);
  dst[n] = 0;
  return dst;
}

void vs_name_decode(char *s) {
  char *out = s;
  for (const char *p = s; *p;) {
    if (p[0] == '%' && p[1] != 0 && p[2] != 0) {
      char c = 0;
      if (p[1] == '2' && (p[2] == 'f' || p[2] == 'F'))
        c = '/';
      else if (p[1] == '5' && (p[2] == 'c' || p[2] == 'C'))
        c = '\\';
      else if (p[1] == '2' && p[2] == '5')
        c = '%';
      if (c != 0) {
        *out++ = c;
        p += 3;
        continue;
      }
    }
    *out++ = *p++;
  }
  *out = 0;
}

static int parse_digits(const char **p, int n, int *ret) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9')
      return -1;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *ret = v;
  return 0;
}

int vs_parse_datetime(const char *s, int64_t *ret_us) {
  int year, mon, day, hour, min, sec;
  const char *p = s;
  if (parse_digits(&p, 4, &year) || *p++ != '-' || parse_digits(&p, 2, &mon) ||
      *p++ != '-' || parse_digits(&p, 2, &day) || *p++ != 'T' ||
      parse_digits(&p, 2, &hour) || *p++ != ':' || parse_digits(&p, 2, &min) ||
      *p++ != ':' || parse_digits(&p, 2, &sec))
    return -1;
  static const int month_days[] = {31, 29, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > month_days[mon - 1] ||
      (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 59)
    return -1;
  int64_t frac_us = 0;
  if (*p == '.') {
    p++;
    int64_t scale = 100000;
    if (*p < '0' || *p > '9')
      return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
      frac_us += (*p - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_s = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = (*p == '-') ? -1 : 1, oh, om;
    p++;
    if (parse_digits(&p, 2, &oh) || *p++ != ':' || parse_digits(&p, 2, &om) ||
        oh > 14 || om > 59)
      return -1;
    offset_s = sign * (oh * 3600 + om * 60);
  }
  if (*p != 0)
    return -1;
  struct tm tm = {.tm_year = year - 1900,
                  .tm_mon = mon - 1,
                  .tm_mday = day,
                  .tm_hour = hour,
                  .tm_min = min,
                  .tm_sec = sec};
  time_t t = timegm(&tm);
  if (t == (time_t)-1)
    return -1;
  *ret_us = ((int64_t)t - offset_s) * 1000000 + frac_us;
  return 0;
}

void vs_format_datetime(int64_t us, char *buf, size_t size) {
  time_t t = (time_t)(us / 1000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)(us % 1000000));
}

int vs_parse_int64(const char *s, int64_t *ret) {
  /* Digits with an optional minus only: strtoll alone would also take
   * blanks and '+', and saturate on overflow. */
  if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '-'))
    return -1;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != 0 || errno == ERANGE)
    return -1;
  *ret = (int64_t)v;
  return 0;
}

#define ARENA_BLOCK 65536

struct vs_arena_block_s {
  vs_arena_block_t *next;
  size_t used, cap;
  char data[];
};

const char *vs_arena_strdup(vs_arena_t *a, const char *s) {
  if (s == NULL || s[0] == 0)
    return "";
  size_t len = strlen(s) + 1;
  vs_arena_block_t *b = a->head;
  if (b == NULL || b->cap - b->used < len) {
    size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
    b = malloc(sizeof(*b) + cap);
    if (b == NULL) {
      a->failed = true;
      return NULL;
    }
    b->used = 0;
    b->cap = cap;
    b->next = a->head;
    a->head = b;
    a->bytes += sizeof(*b) + cap;
  }
  char *dst = b->data + b->used;
  memcpy(dst, s, len);
  b->used += len;
  return dst;
}

void vs_arena_free(vs_arena_t *a) {
  for (vs_arena_block_t *b = a->head, *next; b != NULL; b = next) {
    next = b->next;
    free(b);
  }
  memset(a, 0, sizeof(*a));
}

void *vs_grow(void *items, size_t *cap, size_t item_size, size_t initial) {
  size_t n = *cap ? *cap : initial;
  if (*cap > 0 && n > SIZE_MAX / 2 / item_size)
    return NULL;
  n = *cap ? 2 * n : n;
  void *grown = realloc(items, n * item_size);
  if (grown != NULL)
    *cap = n;
  return grown;
}

uint64_t vs_hash64(const char *s, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

double vs_monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t vs_wall_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int vs_index_init(vs_index_t *ix, size_t expected) {
  memset(ix, 0, sizeof(*ix));
  size_t cap = 16;
  while (cap < expected * 2)
    cap *= 2;
  ix->keys = calloc(cap, sizeof(*ix->keys));
  ix->values = calloc(cap, sizeof(*ix->values));
  if (ix->keys == NULL || ix->values == NULL) {
    vs_index_free(ix);
    return -1;
  }
  ix->cap = cap;
  return 0;
}

void vs_index_free(vs_index_t *ix) {
  free(ix->keys);
  free(ix->values);
  memset(ix, 0, sizeof(*ix));
}

static int index_grow(vs_index_t *ix) {
  vs_index_t bigger;
  if (vs_index_init(&bigger, ix->cap) != 0)
    return -1;
  for (size_t i = 0; i < ix->cap; i++)
    if (ix->keys[i] != NULL)
      vs_index_put(&bigger, ix->keys[i], ix->values[i]);
  vs_index_free(ix);
  *ix = bigger;
  return 0;
}

int vs_index_put(vs_index_t *ix, const char *key, int value) {
  if (ix->cap == 0 && vs_index_init(ix, 8) != 0)
    return -1;
  if ((ix->count + 1) * 2 > ix->cap && index_grow(ix) != 0)
    return -1;
  size_t mask = ix->cap - 1;
  for (size_t i = vs_hash64(key, 0) & mask;; i = (i + 1) & mask) {
    if (ix->keys[i] == NULL) {
      ix->keys[i] = key;
      ix->values[i] = value;
      ix->count++;
      return 0;
    }
    if (strcmp(ix->keys[i], key) == 0) {
      ix->values[i] = value;
      return 0;
    }
  }
}

int vs_index_get(const vs_index_t *ix, const char *key) {
  if (ix->cap == 0)
    return -1;
  size_t mask = ix->cap - 1;
  for (size_t i = vs_hash64(key, 0) & mask; ix->keys[i] != NULL;
       i = (i + 1) & mask)
    if (strcmp(ix->keys[i], key) == 0)
      return ix->values[i];
  return -1;
}
