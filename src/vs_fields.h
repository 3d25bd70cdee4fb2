/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_fields.h
 * Custom attribute definitions (CustomFieldsManager.field: key -> name).
 * Objects carry their attribute values by key (customValue); the values
 * are named when they are dispatched, so that renaming an attribute needs
 * no object read again. The definitions are read at every full inventory
 * pass and again when a value names a key not known yet (an attribute
 * defined since), at most once per PropertyInterval.
 */
#ifndef VS_FIELDS_H
#define VS_FIELDS_H

#include "vs_session.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  int *keys;
  char **names;
  size_t num;
  size_t unknown; /* values dispatched with a key not defined here */
  bool read;      /* read once at least */
} vs_fields_t;

void vs_fields_init(vs_fields_t *f);
void vs_fields_free(vs_fields_t *f);
/* Reads the definitions (the old ones are kept when it fails). A server
 * without a CustomFieldsManager (ESXi may have none) has no definitions.
 * VS_OK or an error. */
int vs_fields_read(vs_fields_t *f, vs_session_t *s, vs_error_t *err);
/* The attribute's name, or NULL. */
const char *vs_fields_name(const vs_fields_t *f, int key);
/* The key of the attribute with this name, or -1. */
int vs_fields_key(const vs_fields_t *f, const char *name);
/* Adds a definition (the parser's callback; tests). 0, or -1 when out of
 * memory. */
int vs_fields_add(vs_fields_t *f, int key, const char *name);

#endif
