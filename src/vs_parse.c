/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_parse.c
 */
#include "vs_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* ---- service content ---- */

static void sc_end(void *ctx, int depth, const char *name, const char *parent,
                   const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_service_content_t *sc = ctx;
  if (is(parent, "returnval")) {
    if (is(name, "rootFolder"))
      vs_utf8_copy(sc->root_folder, text, sizeof(sc->root_folder));
    else if (is(name, "propertyCollector"))
      vs_utf8_copy(sc->property_collector, text,
                   sizeof(sc->property_collector));
    else if (is(name, "viewManager"))
      vs_utf8_copy(sc->view_manager, text, sizeof(sc->view_manager));
    else if (is(name, "perfManager"))
      vs_utf8_copy(sc->perf_manager, text, sizeof(sc->perf_manager));
    else if (is(name, "sessionManager"))
      vs_utf8_copy(sc->session_manager, text, sizeof(sc->session_manager));
    else if (is(name, "customFieldsManager"))
      vs_utf8_copy(sc->custom_fields_manager, text,
                   sizeof(sc->custom_fields_manager));
    else if (is(name, "eventManager"))
      vs_utf8_copy(sc->event_manager, text, sizeof(sc->event_manager));
    else if (is(name, "setting"))
      vs_utf8_copy(sc->setting, text, sizeof(sc->setting));
  } else if (is(parent, "about")) {
    if (is(name, "apiVersion"))
      vs_utf8_copy(sc->api_version, text, sizeof(sc->api_version));
    else if (is(name, "apiType"))
      vs_utf8_copy(sc->api_type, text, sizeof(sc->api_type));
    else if (is(name, "fullName"))
      vs_utf8_copy(sc->full_name, text, sizeof(sc->full_name));
  }
}

vs_xml_handler_t vs_parse_service_content(vs_service_content_t *out) {
  memset(out, 0, sizeof(*out));
  return (vs_xml_handler_t){.start = NULL, .end = sc_end, .ctx = out};
}

/* ---- /sdk/vimServiceVersions.xml ----
 * namespaces > namespace > name, version, priorVersions > version
 * The name may come before or after the versions: a namespace's versions
 * are kept until it ends. */

static void versions_start(void *ctx, int depth, const char *name,
                           const char *parent, const char *xsi_type,
                           const char *type_attr) {
  (void)depth;
  (void)parent;
  (void)xsi_type;
  (void)type_attr;
  vs_versions_t *v = ctx;
  if (is(name, "namespace")) {
    v->ns[0] = 0;
    v->pending_num = 0;
  }
}

static void versions_end(void *ctx, int depth, const char *name,
                         const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_versions_t *v = ctx;
  if (is(name, "name") && is(parent, "namespace")) {
    vs_utf8_copy(v->ns, text, sizeof(v->ns));
  } else if (is(name, "version") &&
             (is(parent, "namespace") || is(parent, "priorVersions"))) {
    if (v->pending_num < VS_VERSIONS_MAX && text[0] != 0)
      vs_utf8_copy(v->pending[v->pending_num++], text, VS_VERSION_LEN);
  } else if (is(name, "namespace") && is(v->ns, "urn:vim25") && v->num == 0) {
    memcpy(v->items, v->pending, sizeof(v->items));
    v->num = v->pending_num;
  }
}

vs_xml_handler_t vs_parse_versions(vs_versions_t *out) {
  memset(out, 0, sizeof(*out));
  return (vs_xml_handler_t){
      .start = versions_start, .end = versions_end, .ctx = out};
}

/* Up to 4 numeric parts; -1 if the text is not dotted decimal numbers. */
static int version_parts(const char *s, long parts[4]) {
  memset(parts, 0, 4 * sizeof(parts[0]));
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9')
      return -1;
    char *end;
    parts[i] = strtol(s, &end, 10);
    if (*end == 0)
      return 0;
    if (*end != '.' || parts[i] > 100000)
      return -1;
    s = end + 1;
  }
  return -1; /* more than 4 parts */
}

int vs_version_compare(const char *a, const char *b) {
  long x[4], y[4];
  bool va = version_parts(a, x) == 0, vb = version_parts(b, y) == 0;
  if (!va || !vb)
    return (int)va - (int)vb;
  for (int i = 0; i < 4; i++)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}

int vs_versions_choose(const vs_versions_t *v, char *buf, size_t size) {
  const char *best = NULL;
  for (size_t i = 0; i < v->num; i++) {
    const char *c = v->items[i];
    if (vs_version_compare(c, VS_API_OLDEST) < 0 ||
        vs_version_compare(c, VS_API_NEWEST) > 0)
      continue;
    if (best == NULL || vs_version_compare(c, best) > 0)
      best = c;
  }
  if (best == NULL)
    return -1;
  vs_utf8_copy(buf, best, size);
  return 0;
}

/* ---- CurrentTime: CurrentTimeResponse > returnval ---- */

static void time_end(void *ctx, int depth, const char *name, const char *parent,
                     const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_current_time_t *t = ctx;
  if (is(name, "returnval") && is(parent, "CurrentTimeResponse") &&
      vs_parse_datetime(text, &t->us) == 0)
    t->found = true;
}

vs_xml_handler_t vs_parse_current_time(vs_current_time_t *out) {
  memset(out, 0, sizeof(*out));
  return (vs_xml_handler_t){.end = time_end, .ctx = out};
}

/* ---- historicalInterval: ... val > PerfInterval > key, samplingPeriod,
 * name, length, level, enabled ---- */

static void intervals_start(void *ctx, int depth, const char *name,
                            const char *parent, const char *xsi_type,
                            const char *type_attr) {
  (void)depth;
  (void)parent;
  (void)xsi_type;
  (void)type_attr;
  vs_intervals_t *iv = ctx;
  if (is(name, "PerfInterval")) {
    memset(&iv->cur, 0, sizeof(iv->cur));
    iv->in_item = true;
  }
}

static int small_int(const char *text) {
  int64_t v;
  if (vs_parse_int64(text, &v) != 0 || v < 0 || v > INT32_MAX)
    return -1;
  return (int)v;
}

static void intervals_end(void *ctx, int depth, const char *name,
                          const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_intervals_t *iv = ctx;
  if (!iv->in_item)
    return;
  vs_perf_interval_t *c = &iv->cur;
  if (is(name, "PerfInterval")) {
    iv->in_item = false;
    if (c->sampling_period > 0 && iv->num < VS_INTERVALS_MAX)
      iv->items[iv->num++] = *c;
  } else if (is(parent, "PerfInterval")) {
    int v = small_int(text);
    if (is(name, "key"))
      c->key = v;
    else if (is(name, "samplingPeriod"))
      c->sampling_period = v;
    else if (is(name, "length"))
      c->length = v;
    else if (is(name, "level"))
      c->level = v >= 1 && v <= 4 ? v : 0;
    else if (is(name, "enabled"))
      c->enabled = is(text, "true") || is(text, "1");
    else if (is(name, "name"))
      vs_utf8_copy(c->name, text, sizeof(c->name));
  }
}

vs_xml_handler_t vs_parse_intervals(vs_intervals_t *out) {
  memset(out, 0, sizeof(*out));
  return (vs_xml_handler_t){
      .start = intervals_start, .end = intervals_end, .ctx = out};
}

const vs_perf_interval_t *vs_intervals_find(const vs_intervals_t *iv,
                                            int sampling_period) {
  for (size_t i = 0; i < iv->num; i++)
    if (iv->items[i].sampling_period == sampling_period)
      return &iv->items[i];
  return NULL;
}

/* ---- OptionManager.QueryOptions: returnval > key, value ---- */

static void option_end(void *ctx, int depth, const char *name,
                       const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_option_t *o = ctx;
  if (!is(parent, "returnval"))
    return;
  if (is(name, "key"))
    o->matched = strcmp(text, o->key) == 0;
  else if (is(name, "value") && o->matched && !o->found &&
           vs_parse_int64(text, &o->value) == 0)
    o->found = true;
}

vs_xml_handler_t vs_parse_option(vs_option_t *out, const char *key) {
  memset(out, 0, sizeof(*out));
  out->key = key;
  return (vs_xml_handler_t){.end = option_end, .ctx = out};
}

/* ---- property collector pages and update sets ----
 * returnval > token
 * returnval > objects > obj (type attr), propSet > name, val
 * returnval > version, truncated
 * returnval > filterSet > objectSet > kind, obj, changeSet > name, op, val
 * Only leaf values are kept (names, enums, managed object references). */

/* An object (page) or object update (update set); parent NULL: any. */
static bool is_object(const char *name, const char *parent) {
  if (is(name, "objects"))
    return parent == NULL || is(parent, "returnval");
  return is(name, "objectSet") && (parent == NULL || is(parent, "filterSet"));
}

/* A property of one (propSet) or a change of one (changeSet). */
static bool is_prop(const char *name, const char *parent) {
  return (is(name, "propSet") || is(name, "changeSet")) &&
         (parent == NULL || is_object(parent, NULL));
}

static vs_update_kind_t update_kind(const char *text) {
  return is(text, "enter")    ? VS_UPDATE_ENTER
         : is(text, "modify") ? VS_UPDATE_MODIFY
         : is(text, "leave")  ? VS_UPDATE_LEAVE
                              : VS_UPDATE_NONE;
}

static void page_start(void *ctx, int depth, const char *name,
                       const char *parent, const char *xsi_type,
                       const char *type_attr) {
  (void)xsi_type;
  vs_prop_page_t *p = ctx;
  if (depth > VS_XML_MAX_DEPTH)
    return;
  p->has_child[depth] = false;
  if (depth > 1)
    p->has_child[depth - 1] = true;
  if (p->val_depth > 0 && depth > p->val_depth) {
    p->stack[depth] = name;
    if (depth == p->val_depth + 1)
      p->item++;
    return;
  }
  if (is_object(name, parent)) {
    p->obj_type[0] = 0;
    p->obj_ref[0] = 0;
    p->props_num = 0;
    p->kind = VS_UPDATE_NONE;
  } else if (is(name, "obj") && is_object(parent, NULL)) {
    vs_utf8_copy(p->obj_type, type_attr ? type_attr : "", sizeof(p->obj_type));
  } else if (is_prop(name, parent)) {
    p->prop_name[0] = 0;
  } else if (is(name, "returnval") && is(parent, "WaitForUpdatesExResponse")) {
    p->has_set = true;
  } else if (is(name, "val") && is_prop(parent, NULL)) {
    p->val_depth = depth;
    p->item = -1;
  }
}

/* A leaf below a structured <val>: its path from the value's child. */
static void page_subprop(vs_prop_page_t *p, int depth, const char *text) {
  /* Long enough for every element name down to the depth bound (a chain
   * of 32 snapshots is 33 nested lists). */
  char path[VS_XML_MAX_DEPTH * 48];
  size_t len = 0;
  path[0] = 0;
  for (int d = p->val_depth + 1; d <= depth && len + 1 < sizeof(path); d++) {
    int n = snprintf(path + len, sizeof(path) - len, "%s%s",
                     d > p->val_depth + 1 ? "/" : "", p->stack[d]);
    if (n < 0)
      return;
    len += (size_t)n;
  }
  if (len >= sizeof(path))
    return; /* deeper than anything the plugin reads */
  p->subprop(p->callback_ctx, p->obj_type, p->obj_ref, p->prop_name, p->item,
             path, text);
}

static void page_end(void *ctx, int depth, const char *name, const char *parent,
                     const char *text, size_t len) {
  (void)len;
  vs_prop_page_t *p = ctx;
  if (depth > VS_XML_MAX_DEPTH)
    return;
  if (p->val_depth > 0 && depth > p->val_depth) {
    if (!p->has_child[depth] && p->subprop != NULL)
      page_subprop(p, depth, text);
    return;
  }
  if (is_prop(parent, NULL)) {
    if (is(name, "name")) {
      vs_utf8_copy(p->prop_name, text, sizeof(p->prop_name));
    } else if (is(name, "val")) {
      bool structured = p->has_child[depth];
      p->val_depth = 0;
      if (!structured && p->props_num == VS_PAGE_MAX_PROPS)
        p->props_dropped++;
      else if (!structured) {
        vs_utf8_copy(p->names[p->props_num], p->prop_name, sizeof(p->names[0]));
        vs_utf8_copy(p->values[p->props_num], text, sizeof(p->values[0]));
        p->props_num++;
      }
    }
  } else if (is_object(parent, NULL) && is(name, "obj")) {
    vs_utf8_copy(p->obj_ref, text, sizeof(p->obj_ref));
  } else if (is(parent, "objectSet") && is(name, "kind")) {
    p->kind = update_kind(text);
  } else if (is(parent, "returnval") && is(name, "version")) {
    vs_utf8_copy(p->version, text, sizeof(p->version));
  } else if (is(parent, "returnval") && is(name, "truncated")) {
    p->truncated = is(text, "true");
  } else if (is(parent, "returnval") && is(name, "token")) {
    vs_utf8_copy(p->token, text, sizeof(p->token));
  } else if (is_object(name, parent) && p->obj_ref[0] != 0) {
    vs_prop_t props[VS_PAGE_MAX_PROPS];
    for (size_t i = 0; i < p->props_num; i++)
      props[i] = (vs_prop_t){.name = p->names[i], .value = p->values[i]};
    p->objects++;
    if (p->callback != NULL)
      p->callback(p->callback_ctx, p->obj_type, p->obj_ref, props,
                  p->props_num);
  }
}

const char *vs_prop_value(const vs_prop_t *props, size_t n, const char *name,
                          const char *absent) {
  for (size_t i = 0; i < n; i++)
    if (is(props[i].name, name))
      return props[i].value;
  return absent;
}

void vs_prop_page_init(vs_prop_page_t *p, vs_object_cb cb, void *cb_ctx) {
  memset(p, 0, sizeof(*p));
  p->callback = cb;
  p->callback_ctx = cb_ctx;
}

vs_xml_handler_t vs_parse_prop_page(vs_prop_page_t *p) {
  return (vs_xml_handler_t){.start = page_start, .end = page_end, .ctx = p};
}

/* ---- counter catalog ----
 * PerfCounterInfo > key, nameInfo > key, groupInfo > key, unitInfo > key,
 * rollupType, statsType, level */

static void catalog_start(void *ctx, int depth, const char *name,
                          const char *parent, const char *xsi_type,
                          const char *type_attr) {
  (void)depth;
  (void)parent;
  (void)xsi_type;
  (void)type_attr;
  vs_catalog_parser_t *p = ctx;
  if (is(name, "PerfCounterInfo")) {
    memset(&p->cur, 0, sizeof(p->cur));
    p->cur.key = -1;
    p->in_counter = true;
  }
}

static void catalog_end(void *ctx, int depth, const char *name,
                        const char *parent, const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_catalog_parser_t *p = ctx;
  if (!p->in_counter)
    return;
  vs_counter_info_t *c = &p->cur;
  int64_t v;
  if (is(name, "PerfCounterInfo")) {
    p->in_counter = false;
    if (c->key >= 0 && c->group[0] && c->name[0] && c->rollup[0]) {
      p->counters++;
      if (p->callback != NULL)
        p->callback(p->callback_ctx, c);
    }
  } else if (is(name, "key")) {
    if (is(parent, "PerfCounterInfo")) {
      if (vs_parse_int64(text, &v) == 0 && v >= 0 && v <= INT32_MAX)
        c->key = (int)v;
    } else if (is(parent, "nameInfo")) {
      vs_utf8_copy(c->name, text, sizeof(c->name));
    } else if (is(parent, "groupInfo")) {
      vs_utf8_copy(c->group, text, sizeof(c->group));
    } else if (is(parent, "unitInfo")) {
      vs_utf8_copy(c->unit, text, sizeof(c->unit));
    }
  } else if (is(parent, "PerfCounterInfo")) {
    if (is(name, "rollupType"))
      vs_utf8_copy(c->rollup, text, sizeof(c->rollup));
    else if (is(name, "statsType"))
      vs_utf8_copy(c->stats_type, text, sizeof(c->stats_type));
    else if (is(name, "level") && vs_parse_int64(text, &v) == 0 && v >= 0 &&
             v <= 4)
      c->level = (int)v;
  }
}

void vs_catalog_parser_init(vs_catalog_parser_t *p, vs_counter_cb cb,
                            void *cb_ctx) {
  memset(p, 0, sizeof(*p));
  p->callback = cb;
  p->callback_ctx = cb_ctx;
}

vs_xml_handler_t vs_parse_catalog(vs_catalog_parser_t *p) {
  return (vs_xml_handler_t){
      .start = catalog_start, .end = catalog_end, .ctx = p};
}

/* ---- QueryPerf ----
 * returnval > entity (type attr)
 * returnval > sampleInfo > timestamp, interval
 * returnval > value > id > counterId, instance
 * returnval > value > value (one per sample) */

static void perf_start(void *ctx, int depth, const char *name,
                       const char *parent, const char *xsi_type,
                       const char *type_attr) {
  (void)depth;
  (void)xsi_type;
  vs_perf_parser_t *p = ctx;
  if (!is(parent, "returnval") && !is(name, "returnval"))
    return;
  if (is(name, "returnval")) {
    p->entity_type[0] = 0;
    p->entity[0] = 0;
    p->timestamps_num = 0;
    p->entities++;
  } else if (is(name, "entity")) {
    vs_utf8_copy(p->entity_type, type_attr ? type_attr : "",
                 sizeof(p->entity_type));
  } else if (is(name, "value")) {
    p->counter_id = -1;
    p->instance[0] = 0;
    p->values_num = 0;
  }
}

static void perf_end(void *ctx, int depth, const char *name, const char *parent,
                     const char *text, size_t len) {
  (void)depth;
  (void)len;
  vs_perf_parser_t *p = ctx;
  int64_t v;
  if (is(name, "value")) {
    if (is(parent, "value")) {
      if (p->values_num >= VS_PERF_MAX_SAMPLES)
        return;
      if (vs_parse_int64(text, &v) != 0)
        v = -1; /* unparsable: no data */
      p->values[p->values_num++] = v;
    } else if (is(parent, "returnval")) {
      size_t n =
          p->values_num < p->timestamps_num ? p->values_num : p->timestamps_num;
      if (p->counter_id < 0 || p->entity[0] == 0)
        return;
      vs_series_t s = {.entity_type = p->entity_type,
                       .entity = p->entity,
                       .counter_id = p->counter_id,
                       .instance = p->instance,
                       .timestamps_us = p->timestamps,
                       .values = p->values,
                       .samples = n};
      p->series++;
      if (p->callback != NULL)
        p->callback(p->callback_ctx, &s);
    }
  } else if (is(parent, "id")) {
    if (is(name, "counterId") && vs_parse_int64(text, &v) == 0 && v >= 0 &&
        v <= INT32_MAX)
      p->counter_id = (int)v;
    else if (is(name, "instance"))
      vs_utf8_copy(p->instance, text, sizeof(p->instance));
  } else if (is(parent, "sampleInfo") && is(name, "timestamp")) {
    if (p->timestamps_num >= VS_PERF_MAX_SAMPLES)
      return;
    if (vs_parse_datetime(text, &v) != 0)
      v = -1; /* unparsable: dispatch skips the sample */
    p->timestamps[p->timestamps_num++] = v;
  } else if (is(parent, "returnval") && is(name, "entity")) {
    vs_utf8_copy(p->entity, text, sizeof(p->entity));
  } else if (is(name, "returnval") && p->entity[0] != 0 &&
             p->entity_done != NULL) {
    int64_t newest = -1;
    for (size_t i = 0; i < p->timestamps_num; i++)
      if (p->timestamps[i] > newest)
        newest = p->timestamps[i];
    p->entity_done(p->callback_ctx, p->entity_type, p->entity, newest);
  }
}

void vs_perf_parser_init(vs_perf_parser_t *p, vs_series_cb cb, void *cb_ctx) {
  memset(p, 0, sizeof(*p));
  p->callback = cb;
  p->callback_ctx = cb_ctx;
}

vs_xml_handler_t vs_parse_perf(vs_perf_parser_t *p) {
  return (vs_xml_handler_t){.start = perf_start, .end = perf_end, .ctx = p};
}

/* ---- ReadNextEvents ---- */

static const char *const event_arg_names[VS_EVENT_ARG_NUM] = {
    [VS_EVENT_ARG_VM] = "vm",
    [VS_EVENT_ARG_HOST] = "host",
    [VS_EVENT_ARG_DS] = "ds",
    [VS_EVENT_ARG_COMPUTE] = "computeResource",
    [VS_EVENT_ARG_DATACENTER] = "datacenter",
};

static int event_arg(const char *name) {
  for (int i = 0; i < VS_EVENT_ARG_NUM; i++)
    if (is(name, event_arg_names[i]))
      return i;
  return -1;
}

static void events_start(void *ctx, int depth, const char *name,
                         const char *parent, const char *xsi_type,
                         const char *type_attr) {
  vs_events_parser_t *p = ctx;
  if (p->depth == 0) {
    if (is(name, "returnval") && is(parent, "ReadNextEventsResponse")) {
      memset(&p->cur, 0, sizeof(p->cur));
      p->cur.created_us = -1;
      vs_utf8_copy(p->cur.type, xsi_type ? xsi_type : "Event",
                   sizeof(p->cur.type));
      p->depth = depth;
      p->has_key = false;
      p->arg = -1;
    }
    return;
  }
  if (depth == p->depth + 1)
    p->arg = event_arg(name);
  else if (depth == p->depth + 2 && p->arg >= 0 && type_attr != NULL)
    vs_utf8_copy(p->cur.entities[p->arg].type, type_attr,
                 sizeof(p->cur.entities[p->arg].type));
}

/* A child of the event itself. */
static void event_field(vs_events_parser_t *p, const char *name,
                        const char *text) {
  vs_event_t *e = &p->cur;
  if (is(name, "key"))
    p->has_key = vs_parse_int64(text, &e->key) == 0;
  else if (is(name, "chainId"))
    (void)vs_parse_int64(text, &e->chain_id);
  else if (is(name, "createdTime") && vs_parse_datetime(text, &e->created_us))
    e->created_us = -1;
  else if (is(name, "userName"))
    vs_utf8_copy(e->user, text, sizeof(e->user));
  else if (is(name, "fullFormattedMessage"))
    vs_utf8_copy(e->message, text, sizeof(e->message));
  else if (is(name, "eventTypeId") && text[0] != 0)
    vs_utf8_copy(e->type, text, sizeof(e->type));
  else if (is(name, "severity"))
    vs_utf8_copy(e->severity, text, sizeof(e->severity));
}

static void events_end(void *ctx, int depth, const char *name,
                       const char *parent, const char *text, size_t len) {
  (void)parent;
  (void)len;
  vs_events_parser_t *p = ctx;
  if (p->depth == 0)
    return;
  if (depth == p->depth) { /* the event is complete */
    p->depth = 0;
    if (!p->has_key) {
      p->dropped++;
      return;
    }
    p->events++;
    if (p->callback != NULL)
      p->callback(p->callback_ctx, &p->cur);
  } else if (depth == p->depth + 1) {
    if (p->arg < 0)
      event_field(p, name, text);
    p->arg = -1;
  } else if (depth == p->depth + 2 && p->arg >= 0) {
    vs_event_entity_t *en = &p->cur.entities[p->arg];
    if (is(name, "name"))
      vs_utf8_copy(en->name, text, sizeof(en->name));
    else if (en->type[0] != 0 && en->moref[0] == 0)
      vs_utf8_copy(en->moref, text, sizeof(en->moref));
  }
}

void vs_events_parser_init(vs_events_parser_t *p, vs_event_cb cb, void *ctx) {
  memset(p, 0, sizeof(*p));
  p->callback = cb;
  p->callback_ctx = ctx;
  p->arg = -1;
}

vs_xml_handler_t vs_parse_events(vs_events_parser_t *p) {
  return (vs_xml_handler_t){.start = events_start,
                            .end = events_end,
                            .ctx = p,
                            .expect = "ReadNextEventsResponse"};
}
