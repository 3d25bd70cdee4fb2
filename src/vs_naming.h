/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_naming.h
 * The collectd identity of every collected object: its host field
 * (HostnameFormat, default "name") and plugin_instance
 * (PluginInstanceFormat, default "vcenter datacenter cluster"), fields
 * joined by ':'; "attr:<Name>" is a custom attribute's value, "tag:<Category>"
 * the object's vSphere tags of a category. Two objects of
 * one kind never share an identity: when they would (one name in two folders of
 * one cluster, or a format without the name), every one but the oldest (lowest
 * moref) gets " (moref)" after its host field, and that is logged once per
 * object.
 */
#ifndef VS_NAMING_H
#define VS_NAMING_H

#include "vs_config.h"
#include "vs_fields.h"
#include "vs_inventory.h"
#include "vs_tags.h"

#include <stddef.h>

/* Formats one field list for an object: fields joined by ':' (a ':'
 * inside a field becomes '_' when there are several fields), cut at a
 * UTF-8 boundary to fit `size`. */
void vs_naming_format(const vs_inventory_t *inv, const vs_object_t *o,
                      const char *vcenter, const vs_format_t *format, char *buf,
                      size_t size);

/* Sets id_host and id_plugin_instance of every collected object, with
 * clashes disambiguated. Returns 0, or -1 when out of memory. */
int vs_naming_apply(vs_inventory_t *inv, const vs_config_t *cfg);
/* The same, with custom attribute names for attr:<Name> fields (an object
 * without that attribute, or without state values, has "" there) and the
 * tags for tag:<Category> fields (the object's tags of that category,
 * joined by ','; "" without one); fields and tags may be NULL. */
int vs_naming_apply_fields(vs_inventory_t *inv, const vs_config_t *cfg,
                           const vs_fields_t *fields, const vs_tags_t *tags);

/* Whether a format needs the uuids read (a property fetched only then). */
bool vs_naming_needs_uuid(const vs_config_t *cfg);

/* Orders morefs as vCenter hands them out: "vm-9" before "vm-10". */
int vs_moref_compare(const char *a, const char *b);

#endif
