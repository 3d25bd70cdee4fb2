/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/config_helpers.h
 * Building <Vcenter> blocks by hand with liboconfig's types, for the
 * tests that need a configuration as vs_config_parse makes it (with its
 * documented defaults). Everything is static inline so that a test using
 * only part of it compiles without warnings.
 */
#ifndef VS_TEST_CONFIG_HELPERS_H
#define VS_TEST_CONFIG_HELPERS_H

#include "liboconfig/oconfig.h"
#include "vs_config.h"

#include <stdlib.h>
#include <string.h>

static inline oconfig_item_t *item_new(const char *key) {
  oconfig_item_t *ci = calloc(1, sizeof(*ci));
  if (ci != NULL)
    ci->key = strdup(key);
  return ci;
}

static inline oconfig_value_t *value_add(oconfig_item_t *ci) {
  oconfig_value_t *v =
      realloc(ci->values, (size_t)(ci->values_num + 1) * sizeof(*v));
  if (v == NULL)
    abort();
  ci->values = v;
  v = &ci->values[ci->values_num++];
  memset(v, 0, sizeof(*v));
  return v;
}

static inline void value_str(oconfig_item_t *ci, const char *s) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_STRING;
  v->value.string = strdup(s);
}

static inline void value_num(oconfig_item_t *ci, double d) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_NUMBER;
  v->value.number = d;
}

static inline void value_bool(oconfig_item_t *ci, int b) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_BOOLEAN;
  v->value.boolean = b;
}

/* Adds an option without values; returns it for value_*(). */
static inline oconfig_item_t *child(oconfig_item_t *parent, const char *key) {
  oconfig_item_t *c = realloc(parent->children,
                              (size_t)(parent->children_num + 1) * sizeof(*c));
  if (c == NULL)
    abort();
  parent->children = c;
  c = &parent->children[parent->children_num++];
  memset(c, 0, sizeof(*c));
  c->key = strdup(key);
  c->parent = parent;
  return c;
}

static inline void opt_str(oconfig_item_t *ci, const char *key, const char *s) {
  value_str(child(ci, key), s);
}
static inline void opt_num(oconfig_item_t *ci, const char *key, double d) {
  value_num(child(ci, key), d);
}
static inline void opt_bool(oconfig_item_t *ci, const char *key, int b) {
  value_bool(child(ci, key), b);
}
/* An option with several string values (NULL-terminated). */
static inline oconfig_item_t *opt_strs(oconfig_item_t *ci, const char *key,
                                       const char *const *values) {
  oconfig_item_t *c = child(ci, key);
  for (size_t i = 0; values[i] != NULL; i++)
    value_str(c, values[i]);
  return c;
}

static inline void item_clear(oconfig_item_t *ci) {
  free(ci->key);
  for (int i = 0; i < ci->values_num; i++)
    if (ci->values[i].type == OCONFIG_TYPE_STRING)
      free(ci->values[i].value.string);
  free(ci->values);
  for (int i = 0; i < ci->children_num; i++)
    item_clear(&ci->children[i]);
  free(ci->children);
}

static inline void item_free(oconfig_item_t *ci) {
  if (ci == NULL)
    return;
  item_clear(ci);
  free(ci);
}

/* <Vcenter "prod"> with the three required options. */
static inline oconfig_item_t *minimal(void) {
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc.example.com/sdk");
  opt_str(ci, "User", "monitor@vsphere.local");
  opt_str(ci, "Password", "secret");
  return ci;
}

/* The configuration of a block that is only the required options: the
 * documented defaults. Returns 0; vs_config_free it. */
static inline int default_config(vs_config_t *cfg) {
  oconfig_item_t *ci = minimal();
  int rc = vs_config_parse(ci, cfg);
  item_free(ci);
  return rc;
}

#endif
