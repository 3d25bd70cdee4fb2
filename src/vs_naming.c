/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_naming.c
 */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"
#include "vs_kind.h"
#include "vs_naming.h"

#include <stdlib.h>
#include <string.h>

/* The object's value of the attribute named `name`: its state value
 * "<key>:<value>" (vs_state) of the key the name has. "" when none. */
static const char *attribute_value(const vs_object_t *o, const char *name,
                                   const vs_fields_t *fields) {
  int key = fields != NULL ? vs_fields_key(fields, name) : -1;
  if (key < 0)
    return "";
  char prefix[24];
  int len = snprintf(prefix, sizeof(prefix), "%d:", key);
  for (uint16_t i = 0; i < o->states_num; i++)
    if (vs_state_is_attribute(o->states[i].type) &&
        strncmp(o->states[i].instance, prefix, (size_t)len) == 0)
      return o->states[i].instance + len;
  return "";
}

/* The object's tags of the category named `category`, joined by ','
 * (in name order, as vs_tags_of gives them); "" when none. */
static const char *tag_value(const vs_object_t *o, const char *category,
                             const vs_tags_t *tags, vs_buf_t *scratch) {
  const vs_tag_t *t;
  size_t n = tags != NULL ? vs_tags_of(tags, o->moref, &t) : 0;
  vs_buf_reset(scratch);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(t[i].category, category) != 0)
      continue;
    if (scratch->len > 0)
      vs_buf_puts(scratch, ",");
    vs_buf_puts(scratch, t[i].name);
  }
  return scratch->len > 0 && !scratch->failed ? scratch->data : "";
}

/* What a format draws on besides the inventory. */
typedef struct {
  const char *vcenter;
  const vs_fields_t *fields;
  const vs_tags_t *tags;
  vs_buf_t scratch;
} sources_t;

static const char *field_value(const vs_inventory_t *inv, const vs_object_t *o,
                               const vs_format_t *format, size_t i,
                               sources_t *src) {
  const vs_object_t *other = NULL;
  switch (format->fields[i]) {
  case VS_FIELD_NAME:
    return o->name;
  case VS_FIELD_MOREF:
    return o->moref;
  case VS_FIELD_UUID:
    return o->uuid;
  case VS_FIELD_VCENTER:
    return src->vcenter;
  case VS_FIELD_DATACENTER:
    other = vs_inv_at(inv, o->datacenter);
    break;
  case VS_FIELD_CLUSTER:
    other = vs_inv_at(inv, o->compute);
    break;
  case VS_FIELD_ESXHOST:
    other = vs_inv_at(inv, o->host);
    break;
  case VS_FIELD_ATTRIBUTE:
    return attribute_value(o, format->args[i], src->fields);
  case VS_FIELD_TAG:
    return tag_value(o, format->args[i], src->tags, &src->scratch);
  }
  return other != NULL ? other->name : "";
}

static void format_fields(const vs_inventory_t *inv, const vs_object_t *o,
                          const vs_format_t *format, sources_t *src, char *buf,
                          size_t size) {
  vs_buf_t b;
  vs_buf_init(&b);
  for (size_t i = 0; i < format->num; i++) {
    if (i > 0)
      vs_buf_append(&b, &(char){VS_FORMAT_SEPARATOR}, 1);
    size_t start = b.len;
    vs_buf_puts(&b, field_value(inv, o, format, i, src));
    /* Keep the fields apart for whoever splits them (a relabel rule). */
    for (size_t j = start; format->num > 1 && j < b.len; j++)
      if (b.data[j] == VS_FORMAT_SEPARATOR)
        b.data[j] = '_';
  }
  vs_utf8_copy(buf, b.data != NULL && !b.failed ? b.data : "", size);
  vs_buf_free(&b);
}

void vs_naming_format(const vs_inventory_t *inv, const vs_object_t *o,
                      const char *vcenter, const vs_format_t *format, char *buf,
                      size_t size) {
  sources_t src = {.vcenter = vcenter};
  vs_buf_init(&src.scratch);
  format_fields(inv, o, format, &src, buf, size);
  vs_buf_free(&src.scratch);
}

bool vs_naming_needs_uuid(const vs_config_t *cfg) {
  return vs_config_uses_field(cfg, VS_FIELD_UUID);
}

/* The trailing run of digits of a moref ("vm-42" -> "42", "9" -> "9"). */
static const char *trailing_digits(const char *s) {
  const char *end = s + strlen(s), *p = end;
  while (p > s && p[-1] >= '0' && p[-1] <= '9')
    p--;
  return p < end ? p : NULL;
}

int vs_moref_compare(const char *a, const char *b) {
  /* Same prefix (also none: stand-alone ESXi's "9", "10"): compare the
   * numbers by value, so the older object comes first. */
  const char *da = trailing_digits(a), *db = trailing_digits(b);
  if (da != NULL && db != NULL && da - a == db - b &&
      strncmp(a, b, (size_t)(da - a)) == 0) {
    size_t la = strlen(da), lb = strlen(db);
    while (la > 1 && *da == '0')
      da++, la--;
    while (lb > 1 && *db == '0')
      db++, lb--;
    if (la != lb)
      return la < lb ? -1 : 1;
    int c = strcmp(da, db);
    if (c != 0)
      return c;
  }
  return strcmp(a, b);
}

/* Objects sorted by kind, identity, then moref: clashes are neighbours,
 * the oldest object first. */
/* An object's identity, with its index: qsort's comparator gets no
 * context (qsort_r is not portable). */
typedef struct {
  int kind;
  const char *host, *plugin_instance, *moref;
  size_t index;
} identity_key_t;

static int by_identity(const void *pa, const void *pb) {
  const identity_key_t *a = pa, *b = pb;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  int c = strcmp(a->host, b->host);
  if (c == 0)
    c = strcmp(a->plugin_instance, b->plugin_instance);
  if (c == 0)
    c = vs_moref_compare(a->moref, b->moref);
  return c;
}

/* The indexes of `order` sorted by identity. */
static int sort_by_identity(const vs_inventory_t *inv, size_t *order,
                            size_t n) {
  identity_key_t *keys = malloc((n ? n : 1) * sizeof(*keys));
  if (keys == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    const vs_object_t *o = &inv->objects[order[i]];
    keys[i] = (identity_key_t){o->kind, o->id_host, o->id_plugin_instance,
                               o->moref, order[i]};
  }
  qsort(keys, n, sizeof(*keys), by_identity);
  for (size_t i = 0; i < n; i++)
    order[i] = keys[i].index;
  free(keys);
  return 0;
}

static bool same_identity(const vs_object_t *a, const vs_object_t *b) {
  return a->kind == b->kind && strcmp(a->id_host, b->id_host) == 0 &&
         strcmp(a->id_plugin_instance, b->id_plugin_instance) == 0;
}

/* "<host field> (<moref>)", the host field cut to leave room. */
static int disambiguate(vs_inventory_t *inv, vs_object_t *o,
                        const vs_object_t *first, const char *vcenter) {
  char base[VS_NAME_LEN], suffix[VS_NAME_LEN], host[VS_NAME_LEN];
  sstrncpy(base, o->id_host, sizeof(base));
  snprintf(suffix, sizeof(suffix), " (%s)", o->moref);
  size_t room = sizeof(host) - 1 - strlen(suffix);
  size_t n = vs_utf8_prefix(base, room);
  memcpy(host, base, n);
  sstrncpy(host + n, suffix, sizeof(host) - n);
  if (!o->dup_logged) {
    WARNING("vsphere plugin: vCenter \"%s\": %s \"%s\" (%s) has the same "
            "identity as %s (host \"%s\", plugin_instance \"%s\"): its "
            "values go to host \"%s\".",
            vcenter, vs_kind_info((vs_kind_t)o->kind)->name, o->name, o->moref,
            first->moref, base, o->id_plugin_instance, host);
    o->dup_logged = true;
  }
  o->id_host = vs_inventory_intern(inv, host);
  return inv->strings.failed ? -1 : 0;
}

int vs_naming_apply(vs_inventory_t *inv, const vs_config_t *cfg) {
  return vs_naming_apply_fields(inv, cfg, NULL, NULL);
}

int vs_naming_apply_fields(vs_inventory_t *inv, const vs_config_t *cfg,
                           const vs_fields_t *fields, const vs_tags_t *tags) {
  sources_t src = {.vcenter = cfg->name, .fields = fields, .tags = tags};
  vs_buf_init(&src.scratch);
  size_t collected = 0;
  for (size_t i = 0; i < inv->num; i++) {
    vs_object_t *o = &inv->objects[i];
    if (o->kind < 0)
      continue;
    char buf[VS_NAME_LEN];
    format_fields(inv, o, &cfg->hostname_format, &src, buf, sizeof(buf));
    o->id_host = vs_inventory_intern(inv, buf);
    format_fields(inv, o, &cfg->plugin_instance_format, &src, buf, sizeof(buf));
    o->id_plugin_instance = vs_inventory_intern(inv, buf);
    collected++;
  }
  vs_buf_free(&src.scratch);
  if (inv->strings.failed)
    return -1;
  size_t *order = malloc((collected ? collected : 1) * sizeof(*order));
  if (order == NULL)
    return -1;
  size_t n = 0;
  for (size_t i = 0; i < inv->num; i++)
    if (inv->objects[i].kind >= 0)
      order[n++] = i;
  /* A disambiguated identity may itself clash (a VM literally named
   * "web (vm-10)"): sort and check again until none is left. Each pass
   * changes only objects that still clash; their morefs make it end. */
  int rc = 0;
  inv->duplicates = 0;
  for (int pass = 0; pass < 8 && rc == 0; pass++) {
    if (sort_by_identity(inv, order, n) != 0) {
      rc = -1;
      break;
    }
    size_t clashes = 0;
    for (size_t i = 0; i < n && rc == 0;) {
      const vs_object_t *first = &inv->objects[order[i]];
      size_t j = i + 1;
      for (; j < n && rc == 0 && same_identity(first, &inv->objects[order[j]]);
           j++) {
        rc = disambiguate(inv, &inv->objects[order[j]], first, cfg->name);
        clashes++;
      }
      i = j;
    }
    inv->duplicates += clashes;
    if (clashes == 0)
      break;
  }
  free(order);
  return rc;
}
