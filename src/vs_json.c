/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_json.c
 */
#include "vs_json.h"
#include "vs_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  vs_json_t *j;
  const unsigned char *data;
  size_t len;
  size_t pos;
} parser_t;

static int fail(parser_t *p, const char *why) {
  snprintf(p->j->error, sizeof(p->j->error), "offset %zu: %s", p->pos, why);
  return -1;
}

static void skip_ws(parser_t *p) {
  while (p->pos < p->len &&
         (p->data[p->pos] == ' ' || p->data[p->pos] == '\t' ||
          p->data[p->pos] == '\n' || p->data[p->pos] == '\r'))
    p->pos++;
}

/* A new node (index), or -1. At most one node per input byte plus one. */
static int new_node(parser_t *p, vs_json_type_t type) {
  vs_json_t *j = p->j;
  if (j->nodes_num > p->len || j->nodes_num >= (size_t)INT32_MAX ||
      (j->max_nodes > 0 && j->nodes_num >= j->max_nodes))
    return fail(p, "too many values");
  if (j->nodes_num == j->nodes_cap) {
    vs_json_node_t *n = vs_grow(j->nodes, &j->nodes_cap, sizeof(*j->nodes), 16);
    if (n == NULL)
      return fail(p, "out of memory");
    j->nodes = n;
  }
  vs_json_node_t *n = &j->nodes[j->nodes_num];
  memset(n, 0, sizeof(*n));
  n->type = type;
  n->child = n->next = -1;
  return (int)j->nodes_num++;
}

/* ---- strings ---- */

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  uint32_t min, cp;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  if (avail < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The 4 hex digits after "\u" at p->pos (which points at the 'u'). */
static int hex4(parser_t *p, uint32_t *ret) {
  if (p->len - p->pos < 5)
    return fail(p, "truncated \\u escape");
  uint32_t v = 0;
  for (size_t i = 1; i <= 4; i++) {
    unsigned char c = p->data[p->pos + i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return fail(p, "bad \\u escape");
    v = (v << 4) | (uint32_t)d;
  }
  p->pos += 5;
  *ret = v;
  return 0;
}

/* \uXXXX (p->pos at the 'u'), a surrogate pair joined: the code point. */
static int unicode_escape(parser_t *p, uint32_t *cp) {
  uint32_t hi, lo;
  if (hex4(p, &hi) != 0)
    return -1;
  if (hi >= 0xdc00 && hi <= 0xdfff)
    return fail(p, "lone low surrogate");
  if (hi >= 0xd800 && hi <= 0xdbff) {
    if (p->len - p->pos < 2 || p->data[p->pos] != '\\' ||
        p->data[p->pos + 1] != 'u')
      return fail(p, "lone high surrogate");
    p->pos++;
    if (hex4(p, &lo) != 0)
      return -1;
    if (lo < 0xdc00 || lo > 0xdfff)
      return fail(p, "bad surrogate pair");
    hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (hi == 0)
    return fail(p, "\\u0000 in a string");
  *cp = hi;
  return 0;
}

/* One escape (p->pos after the backslash) written to out; its length. */
static int escape(parser_t *p, char *out, size_t *n) {
  if (p->pos >= p->len)
    return fail(p, "truncated escape");
  unsigned char c = p->data[p->pos];
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *hit = c != 0 ? strchr(from, c) : NULL;
  if (hit != NULL) {
    out[0] = to[hit - from];
    *n = 1;
    p->pos++;
    return 0;
  }
  if (c != 'u')
    return fail(p, "bad escape");
  uint32_t cp;
  if (unicode_escape(p, &cp) != 0)
    return -1;
  *n = put_utf8(out, cp);
  return 0;
}

/* A string (p->pos at its opening quote), unescaped into j->strings. */
static int parse_string(parser_t *p, const char **ret, size_t *ret_len) {
  vs_json_t *j = p->j;
  char *out = j->strings + j->strings_len;
  size_t n = 0;
  p->pos++; /* the quote */
  for (;;) {
    if (p->pos >= p->len)
      return fail(p, "unterminated string");
    unsigned char c = p->data[p->pos];
    if (c == '"')
      break;
    if (c < 0x20)
      return fail(p, "control character in a string");
    if (c == '\\') {
      size_t w;
      p->pos++;
      if (escape(p, out + n, &w) != 0)
        return -1;
      n += w;
      continue;
    }
    size_t w = utf8_len(p->data + p->pos, p->len - p->pos);
    if (w == 0)
      return fail(p, "invalid UTF-8 in a string");
    memcpy(out + n, p->data + p->pos, w);
    n += w;
    p->pos += w;
  }
  p->pos++;
  out[n] = 0;
  /* Never more than the escaped form and its quotes took in the input. */
  j->strings_len += n + 1;
  *ret = out;
  *ret_len = n;
  return 0;
}

/* ---- numbers and literals ---- */

static size_t digits(parser_t *p) {
  size_t start = p->pos;
  while (p->pos < p->len && p->data[p->pos] >= '0' && p->data[p->pos] <= '9')
    p->pos++;
  return p->pos - start;
}

/* JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser_t *p, double *ret) {
  size_t start = p->pos;
  if (p->data[p->pos] == '-')
    p->pos++;
  size_t at = p->pos;
  size_t n = digits(p);
  if (n == 0 || (n > 1 && p->data[at] == '0'))
    return fail(p, "bad number");
  if (p->pos < p->len && p->data[p->pos] == '.') {
    p->pos++;
    if (digits(p) == 0)
      return fail(p, "bad number");
  }
  if (p->pos < p->len && (p->data[p->pos] == 'e' || p->data[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->data[p->pos] == '+' || p->data[p->pos] == '-'))
      p->pos++;
    if (digits(p) == 0)
      return fail(p, "bad number");
  }
  char buf[64];
  size_t len = p->pos - start;
  if (len >= sizeof(buf))
    return fail(p, "number too long");
  memcpy(buf, p->data + start, len);
  buf[len] = 0;
  *ret = strtod(buf, NULL);
  if (!isfinite(*ret))
    return fail(p, "number out of range");
  return 0;
}

static int literal(parser_t *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->data + p->pos, word, n) != 0)
    return fail(p, "unexpected character");
  p->pos += n;
  return 0;
}

/* ---- values ---- */

static int parse_value(parser_t *p, int depth);

/* Links item `v` after `prev` (or first) in container `c`. */
static void link_item(vs_json_t *j, int c, int *prev, int v) {
  if (*prev < 0)
    j->nodes[c].child = v;
  else
    j->nodes[*prev].next = v;
  *prev = v;
  j->nodes[c].count++;
}

/* The items of an array or object (p->pos after its opening bracket). */
static int parse_items(parser_t *p, int c, bool object, int depth) {
  char close = object ? '}' : ']';
  int prev = -1;
  skip_ws(p);
  if (p->pos < p->len && p->data[p->pos] == close) {
    p->pos++;
    return c;
  }
  for (;;) {
    const char *key = NULL;
    size_t key_len;
    skip_ws(p);
    if (object) {
      if (p->pos >= p->len || p->data[p->pos] != '"')
        return fail(p, "expected a member name");
      if (parse_string(p, &key, &key_len) != 0)
        return -1;
      skip_ws(p);
      if (p->pos >= p->len || p->data[p->pos] != ':')
        return fail(p, "expected ':'");
      p->pos++;
    }
    int v = parse_value(p, depth + 1);
    if (v < 0)
      return -1;
    p->j->nodes[v].key = key;
    link_item(p->j, c, &prev, v);
    skip_ws(p);
    if (p->pos >= p->len)
      return fail(p, "truncated document");
    char d = (char)p->data[p->pos++];
    if (d == close)
      return c;
    if (d != ',')
      return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int parse_value(parser_t *p, int depth) {
  if (depth > VS_JSON_MAX_DEPTH)
    return fail(p, "nested too deeply");
  skip_ws(p);
  if (p->pos >= p->len)
    return fail(p, "truncated document");
  unsigned char c = p->data[p->pos];
  int n;
  switch (c) {
  case '{':
  case '[':
    if ((n = new_node(p, c == '{' ? VS_JSON_OBJECT : VS_JSON_ARRAY)) < 0)
      return -1;
    p->pos++;
    return parse_items(p, n, c == '{', depth);
  case '"':
    if ((n = new_node(p, VS_JSON_STRING)) < 0)
      return -1;
    return parse_string(p, &p->j->nodes[n].str, &p->j->nodes[n].str_len) == 0
               ? n
               : -1;
  case 't':
    return literal(p, "true") == 0 ? new_node(p, VS_JSON_TRUE) : -1;
  case 'f':
    return literal(p, "false") == 0 ? new_node(p, VS_JSON_FALSE) : -1;
  case 'n':
    return literal(p, "null") == 0 ? new_node(p, VS_JSON_NULL) : -1;
  default:
    if (c != '-' && (c < '0' || c > '9'))
      return fail(p, "unexpected character");
    if ((n = new_node(p, VS_JSON_NUMBER)) < 0)
      return -1;
    return parse_number(p, &p->j->nodes[n].num) == 0 ? n : -1;
  }
}

/* ---- the document ---- */

void vs_json_init(vs_json_t *j) { memset(j, 0, sizeof(*j)); }

void vs_json_free(vs_json_t *j) {
  size_t max_nodes = j->max_nodes;
  free(j->nodes);
  free(j->strings);
  vs_json_init(j);
  j->max_nodes = max_nodes;
}

int vs_json_parse(vs_json_t *j, const char *data, size_t len) {
  vs_json_free(j);
  parser_t p = {.j = j, .data = (const unsigned char *)data, .len = len};
  j->strings = malloc(len + 1);
  if (j->strings == NULL) {
    snprintf(j->error, sizeof(j->error), "out of memory");
    return -1;
  }
  int root = parse_value(&p, 1);
  if (root >= 0) {
    skip_ws(&p);
    if (p.pos != len)
      root = fail(&p, "data after the document");
  }
  if (root < 0) {
    char why[sizeof(j->error)];
    memcpy(why, j->error, sizeof(why));
    vs_json_free(j);
    memcpy(j->error, why, sizeof(why));
    return -1;
  }
  return 0;
}

const vs_json_node_t *vs_json_root(const vs_json_t *j) {
  return j->nodes_num > 0 ? &j->nodes[0] : NULL;
}

const vs_json_node_t *vs_json_first(const vs_json_t *j,
                                    const vs_json_node_t *n) {
  if (n == NULL || (n->type != VS_JSON_ARRAY && n->type != VS_JSON_OBJECT) ||
      n->child < 0)
    return NULL;
  return &j->nodes[n->child];
}

const vs_json_node_t *vs_json_next(const vs_json_t *j,
                                   const vs_json_node_t *n) {
  return n != NULL && n->next >= 0 ? &j->nodes[n->next] : NULL;
}

const vs_json_node_t *vs_json_get(const vs_json_t *j, const vs_json_node_t *obj,
                                  const char *key) {
  if (obj == NULL || obj->type != VS_JSON_OBJECT)
    return NULL;
  for (const vs_json_node_t *m = vs_json_first(j, obj); m != NULL;
       m = vs_json_next(j, m))
    if (strcmp(m->key, key) == 0)
      return m;
  return NULL;
}

const char *vs_json_get_string(const vs_json_t *j, const vs_json_node_t *obj,
                               const char *key) {
  const vs_json_node_t *m = vs_json_get(j, obj, key);
  return m != NULL && m->type == VS_JSON_STRING ? m->str : NULL;
}

void vs_json_put_string(vs_buf_t *b, const char *s) {
  vs_buf_puts(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      vs_buf_printf(b, "\\%c", *p);
    else if (*p < 0x20)
      vs_buf_printf(b, "\\u%04x", *p);
    else
      vs_buf_append(b, (const char *)p, 1);
  }
  vs_buf_puts(b, "\"");
}
