/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_filter.h
 * Inventory filters, in the syntax Telegraf's vsphere input made familiar:
 * an object's inventory path (/DC1/vm/folder/web01, /DC1/host/Cluster-A/
 * esx01, /DC1/datastore/ds1) matched against path globs where a star
 * matches within one path element, two stars any number of elements and
 * '?' one character; and its name matched against fnmatch(3) globs
 * (options Include, Exclude, IncludeName, ExcludeName: see the README). An
 * object is collected when it matches an Include of its kind (or its kind
 * has none), an IncludeName (or none), no Exclude and no ExcludeName.
 */
#ifndef VS_FILTER_H
#define VS_FILTER_H

#include "vs_config.h"
#include "vs_inventory.h"

#include <stdbool.h>

/* Whether `path` matches the path glob `pattern`. */
bool vs_path_match(const char *pattern, const char *path);

/* Whether an object of `kind` with this path and name is collected. */
bool vs_filter_keep(const vs_config_t *cfg, vs_kind_t kind, const char *path,
                    const char *name);

/* Selects what this instance collects: kinds in Collect, objects the
 * filters keep, in this instance's Shard; the rest is neither queried nor
 * counted. Call after vs_inventory_finish. */
void vs_filter_apply(vs_inventory_t *inv, const vs_config_t *cfg);

#endif
