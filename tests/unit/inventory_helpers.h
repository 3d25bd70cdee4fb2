/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/inventory_helpers.h
 * Helpers shared by the unit tests that build inventories by hand (as
 * discovery does, through vs_inventory_add_props), set up a naming
 * configuration, and check that strings handed to collectd are valid
 * UTF-8. Everything is static inline so that a test using only part of
 * it compiles without warnings.
 */
#ifndef VS_TEST_INVENTORY_HELPERS_H
#define VS_TEST_INVENTORY_HELPERS_H

#include "vs_config.h"
#include "vs_inventory.h"
#include "vs_kind.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Adds an object with the properties that are not NULL:
 * name, parent, runtime.host, runtime.powerState, runtime.connectionState,
 * config.template. */
static inline int inv_add(vs_inventory_t *inv, const char *type,
                          const char *moref, const char *name,
                          const char *parent, const char *host,
                          const char *power, const char *connection,
                          const char *template_) {
  vs_prop_t props[6];
  size_t n = 0;
  if (name != NULL)
    props[n++] = (vs_prop_t){"name", name};
  if (parent != NULL)
    props[n++] = (vs_prop_t){"parent", parent};
  if (host != NULL)
    props[n++] = (vs_prop_t){"runtime.host", host};
  if (power != NULL)
    props[n++] = (vs_prop_t){"runtime.powerState", power};
  if (connection != NULL)
    props[n++] = (vs_prop_t){"runtime.connectionState", connection};
  if (template_ != NULL)
    props[n++] = (vs_prop_t){"config.template", template_};
  return vs_inventory_add_props(inv, type, moref, props, n);
}

static inline int add_folder(vs_inventory_t *inv, const char *moref,
                             const char *name, const char *parent) {
  return inv_add(inv, "Folder", moref, name, parent, NULL, NULL, NULL, NULL);
}
static inline int add_datacenter(vs_inventory_t *inv, const char *moref,
                                 const char *name, const char *parent) {
  return inv_add(inv, "Datacenter", moref, name, parent, NULL, NULL, NULL,
                 NULL);
}
static inline int add_cluster(vs_inventory_t *inv, const char *moref,
                              const char *name, const char *parent) {
  return inv_add(inv, "ClusterComputeResource", moref, name, parent, NULL, NULL,
                 NULL, NULL);
}
/* A stand-alone host's compute resource. */
static inline int add_compute(vs_inventory_t *inv, const char *moref,
                              const char *name, const char *parent) {
  return inv_add(inv, "ComputeResource", moref, name, parent, NULL, NULL, NULL,
                 NULL);
}
/* A powered-on, connected host. */
static inline int add_host(vs_inventory_t *inv, const char *moref,
                           const char *name, const char *parent) {
  return inv_add(inv, "HostSystem", moref, name, parent, NULL, "poweredOn",
                 "connected", NULL);
}
/* A powered-on, connected VM that is no template. */
static inline int add_vm(vs_inventory_t *inv, const char *moref,
                         const char *name, const char *folder,
                         const char *host) {
  return inv_add(inv, "VirtualMachine", moref, name, folder, host, "poweredOn",
                 "connected", "false");
}

/* A datastore with a summary.url ("" or NULL: none). */
static inline int add_datastore(vs_inventory_t *inv, const char *moref,
                                const char *name, const char *parent,
                                const char *url) {
  vs_prop_t props[3] = {{"name", name}, {"parent", parent}};
  size_t n = 2;
  if (url != NULL)
    props[n++] = (vs_prop_t){"summary.url", url};
  return vs_inventory_add_props(inv, "Datastore", moref, props, n);
}

/* The index of a state type in vs_state_types ("vm_attribute"), or -1. */
static inline int state_type_index(const char *type) {
  for (size_t i = 0; i < vs_state_types_num; i++)
    if (strcmp(vs_state_types[i].type, type) == 0)
      return (int)i;
  return -1;
}

/* Index of an object, or -1. */
static inline int inv_index(const vs_inventory_t *inv, const char *moref) {
  const vs_object_t *o = vs_inventory_find(inv, moref);
  return o == NULL ? -1 : (int)(o - inv->objects);
}

/* The name of the object at an index ("" for -1), e.g. of o->datacenter. */
static inline const char *inv_name_at(const vs_inventory_t *inv, int index) {
  const vs_object_t *o = vs_inv_at(inv, index);
  return o == NULL ? "" : o->name;
}

/* The identity strings of an object, "" if absent. */
static inline const char *id_host_of(const vs_inventory_t *inv,
                                     const char *moref) {
  const vs_object_t *o = vs_inventory_find(inv, moref);
  return o == NULL ? "(absent)" : o->id_host;
}
static inline const char *id_pi_of(const vs_inventory_t *inv,
                                   const char *moref) {
  const vs_object_t *o = vs_inventory_find(inv, moref);
  return o == NULL ? "(absent)" : o->id_plugin_instance;
}

/* "name esxhost" -> a format; unknown words are skipped (and reported). */
static inline vs_format_t format_of(const char *spec) {
  vs_format_t f;
  memset(&f, 0, sizeof(f));
  char copy[256];
  snprintf(copy, sizeof(copy), "%s", spec);
  for (char *save = NULL, *w = strtok_r(copy, " ", &save); w != NULL;
       w = strtok_r(NULL, " ", &save)) {
    int field = vs_field_from_string(w);
    if (field < 0 || f.num >= VS_FORMAT_MAX_FIELDS) {
      printf("# format_of: bad field \"%s\"\n", w);
      continue;
    }
    f.fields[f.num++] = (vs_field_t)field;
  }
  return f;
}

/* A configuration for naming: the block's name (borrowed: do not call
 * vs_config_free on it) and the documented default formats. */
static inline void naming_config(vs_config_t *cfg, const char *vcenter) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->name = (char *)vcenter;
  cfg->hostname_format = format_of("name");
  cfg->plugin_instance_format = format_of("vcenter datacenter cluster");
}

/* Strict UTF-8: no stray continuation byte, no truncated or overlong
 * sequence, no surrogate, nothing above U+10FFFF. */
static inline bool utf8_valid(const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    unsigned c = *s;
    int n;
    unsigned cp;
    if (c < 0x80) {
      s++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (int i = 1; i <= n; i++) {
      if ((s[i] & 0xC0) != 0x80)
        return false; /* also catches the terminating NUL */
      cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    s += n + 1;
  }
  return true;
}

#endif
