/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_json.h
 * A small JSON reader for vCenter's REST answers ({"value": ...}): the
 * whole (already bounded) answer is parsed into a flat array of nodes, a
 * tiny DOM. Strings are unescaped (\uXXXX to UTF-8, surrogate pairs
 * joined; a lone surrogate, a control character or invalid UTF-8 is an
 * error) into one block the size of the input, so memory is bounded by
 * the input: at most one node per input byte, the strings never longer
 * than their escaped form. Nesting is bounded by VS_JSON_MAX_DEPTH (the
 * parser recurses once per level, never deeper); nothing is read past
 * `len`; NUL bytes in the input are an error outside strings and "\u0000"
 * is refused inside them (strings are handed out NUL-terminated).
 */
#ifndef VS_JSON_H
#define VS_JSON_H

#include "vs_util.h"

#include <stdbool.h>
#include <stddef.h>

#define VS_JSON_MAX_DEPTH 32

typedef enum {
  VS_JSON_NULL = 0,
  VS_JSON_FALSE,
  VS_JSON_TRUE,
  VS_JSON_NUMBER,
  VS_JSON_STRING,
  VS_JSON_ARRAY,
  VS_JSON_OBJECT,
} vs_json_type_t;

typedef struct {
  vs_json_type_t type;
  const char *key; /* a member of an object: its name; else NULL */
  const char *str; /* a string: its value (NUL-terminated, UTF-8) */
  size_t str_len;  /* ... its length in bytes */
  double num;      /* a number: its value */
  int child;       /* array or object: the first item, or -1 */
  int next;        /* the next item of the enclosing array/object, or -1 */
  size_t count;    /* array or object: number of items */
} vs_json_node_t;

typedef struct {
  /* Set before parsing: at most this many values (0: one per input byte,
   * the most a document can have). A node takes ~56 bytes, so a caller
   * whose documents are large but whose values are few bounds it. */
  size_t max_nodes;
  vs_json_node_t *nodes;
  size_t nodes_num, nodes_cap;
  char *strings; /* every string and key, unescaped */
  size_t strings_len;
  char error[128]; /* why a parse failed, with the byte offset */
} vs_json_t;

void vs_json_init(vs_json_t *j);
/* Frees the document (max_nodes is kept). */
void vs_json_free(vs_json_t *j);

/* Parses one JSON document (whitespace around it allowed) of `len`
 * bytes. Returns 0, or -1 with the reason in j->error (the document is
 * then empty). A document may be parsed again into the same j. */
int vs_json_parse(vs_json_t *j, const char *data, size_t len);

/* The document's value; NULL if none was parsed. */
const vs_json_node_t *vs_json_root(const vs_json_t *j);
/* The first item of an array or object, the item after `n`: NULL at the
 * end (or if n is NULL or not a container). */
const vs_json_node_t *vs_json_first(const vs_json_t *j,
                                    const vs_json_node_t *n);
const vs_json_node_t *vs_json_next(const vs_json_t *j, const vs_json_node_t *n);
/* An object's member `key` (the first of that name), or NULL. */
const vs_json_node_t *vs_json_get(const vs_json_t *j, const vs_json_node_t *obj,
                                  const char *key);
/* An object's member `key` if it is a string: its value; else NULL. */
const char *vs_json_get_string(const vs_json_t *j, const vs_json_node_t *obj,
                               const char *key);

/* Writing: s as a JSON string, quoted, with '"', '\\' and control
 * characters escaped (UTF-8 passes as it is). */
void vs_json_put_string(vs_buf_t *b, const char *s);

#endif
