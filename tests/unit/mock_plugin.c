/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/mock_plugin.c
 * See mock_plugin.h. Not thread-safe: the unit tests are single-threaded.
 */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"

#include "mock_plugin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- what the daemon gives plugins besides the plugin API ---- */

char *sstrncpy(char *dest, const char *src, size_t n) {
  if (n == 0)
    return dest;
  strncpy(dest, src, n);
  dest[n - 1] = 0;
  return dest;
}

int ssnprintf(char *str, size_t sz, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int ret = vsnprintf(str, sz, format, ap);
  va_end(ap);
  return ret;
}

char *sstrerror(int errnum, char *buf, size_t buflen) {
  snprintf(buf, buflen, "%s", strerror(errnum));
  return buf;
}

/* The config getters, as collectd 5.12's daemon gives them: one value of
 * the type (a boolean may also be the string true/yes/on or
 * false/no/off), an ERROR otherwise. */
int cf_util_get_string(const oconfig_item_t *ci, char **ret_string) {
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
    ERROR("cf_util_get_string: The %s option requires exactly one string "
          "argument.",
          ci->key);
    return -1;
  }
  char *s = strdup(ci->values[0].value.string);
  if (s == NULL)
    return -1;
  free(*ret_string);
  *ret_string = s;
  return 0;
}

int cf_util_get_double(const oconfig_item_t *ci, double *ret_value) {
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER) {
    ERROR("cf_util_get_double: The %s option requires exactly one numeric "
          "argument.",
          ci->key);
    return -1;
  }
  *ret_value = ci->values[0].value.number;
  return 0;
}

static bool one_of(const char *s, const char *a, const char *b, const char *c) {
  return strcasecmp(s, a) == 0 || strcasecmp(s, b) == 0 ||
         strcasecmp(s, c) == 0;
}

int cf_util_get_boolean(const oconfig_item_t *ci, bool *ret_bool) {
  if (ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
    *ret_bool = ci->values[0].value.boolean;
    return 0;
  }
  if (ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_STRING) {
    const char *s = ci->values[0].value.string;
    if (one_of(s, "true", "yes", "on") || one_of(s, "false", "no", "off")) {
      *ret_bool = one_of(s, "true", "yes", "on");
      return 0;
    }
  }
  ERROR("cf_util_get_boolean: The %s option requires exactly one boolean "
        "argument.",
        ci->key);
  return -1;
}

/* ---- plugin_log ---- */

typedef struct {
  int level;
  char *message;
} log_entry_t;

static log_entry_t *log_entries;
static size_t log_num, log_cap;
static int log_echo = -1; /* -1: not decided yet (environment) */

void mock_log_echo(bool on) { log_echo = on ? 1 : 0; }

void mock_log_reset(void) {
  for (size_t i = 0; i < log_num; i++)
    free(log_entries[i].message);
  free(log_entries);
  log_entries = NULL;
  log_num = log_cap = 0;
}

void plugin_log(int level, const char *format, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, format);
  vsnprintf(msg, sizeof(msg), format, ap);
  va_end(ap);

  if (log_echo < 0)
    log_echo = getenv("MOCK_PLUGIN_VERBOSE") != NULL;
  if (log_echo)
    fprintf(stderr, "[mock log %d] %s\n", level, msg);

  if (log_num == log_cap) {
    size_t cap = log_cap ? 2 * log_cap : 16;
    log_entry_t *e = realloc(log_entries, cap * sizeof(*e));
    if (e == NULL)
      return;
    log_entries = e;
    log_cap = cap;
  }
  char *copy = strdup(msg);
  if (copy == NULL)
    return;
  log_entries[log_num++] = (log_entry_t){.level = level, .message = copy};
}

size_t mock_log_num(void) { return log_num; }

int mock_log_level(size_t i) { return i < log_num ? log_entries[i].level : -1; }

const char *mock_log_message(size_t i) {
  return i < log_num ? log_entries[i].message : NULL;
}

size_t mock_log_count(int level) {
  size_t n = 0;
  for (size_t i = 0; i < log_num; i++)
    if (log_entries[i].level == level)
      n++;
  return n;
}

size_t mock_log_count_containing(const char *substring) {
  size_t n = 0;
  for (size_t i = 0; i < log_num; i++)
    if (strstr(log_entries[i].message, substring) != NULL)
      n++;
  return n;
}

size_t mock_log_count_level_containing(int level, const char *substring) {
  size_t n = 0;
  for (size_t i = 0; i < log_num; i++)
    if (log_entries[i].level == level &&
        strstr(log_entries[i].message, substring) != NULL)
      n++;
  return n;
}

/* collectd's daemon_log (P_ERROR and friends) goes to the same buffer. */
void daemon_log(int level, const char *format, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, format);
  vsnprintf(msg, sizeof(msg), format, ap);
  va_end(ap);
  plugin_log(level, "%s", msg);
}

/* ---- plugin_dispatch_values ---- */

static mock_value_t *values;
static size_t values_num, values_cap;
static int dispatch_status;
static size_t dispatch_calls;

static void copy_name(char *dst, const char *src) {
  /* Both are DATA_MAX_NAME_LEN arrays; keep the copy terminated even if
   * the caller's was not. */
  memcpy(dst, src, DATA_MAX_NAME_LEN);
  dst[DATA_MAX_NAME_LEN - 1] = 0;
}

int plugin_dispatch_values(value_list_t const *vl) {
  dispatch_calls++;
  if (values_num == values_cap) {
    size_t cap = values_cap ? 2 * values_cap : 64;
    mock_value_t *v = realloc(values, cap * sizeof(*v));
    if (v == NULL)
      return -1;
    values = v;
    values_cap = cap;
  }
  mock_value_t *v = &values[values_num++];
  memset(v, 0, sizeof(*v));
  copy_name(v->host, vl->host);
  copy_name(v->plugin, vl->plugin);
  copy_name(v->plugin_instance, vl->plugin_instance);
  copy_name(v->type, vl->type);
  copy_name(v->type_instance, vl->type_instance);
  v->time = vl->time;
  v->interval = vl->interval;
  v->values_len = vl->values_len;
  v->gauge =
      (vl->values != NULL && vl->values_len > 0) ? vl->values[0].gauge : NAN;
  /* read as the daemon would: by the type's data set */
  const data_set_t *ds = plugin_get_ds(vl->type);
  v->derive = ds != NULL && ds->ds_num >= 1 &&
              ds->ds[0].type == DS_TYPE_DERIVE && vl->values != NULL;
  if (v->derive)
    v->gauge = (gauge_t)vl->values[0].derive;
  v->has_meta = vl->meta != NULL;
  return dispatch_status;
}

void mock_values_reset(void) {
  free(values);
  values = NULL;
  values_num = values_cap = 0;
  dispatch_calls = 0;
  dispatch_status = 0;
}

size_t mock_values_num(void) { return values_num; }

const mock_value_t *mock_value(size_t i) {
  return i < values_num ? &values[i] : NULL;
}

const mock_value_t *mock_value_find(const char *type,
                                    const char *type_instance) {
  for (size_t i = 0; i < values_num; i++)
    if (strcmp(values[i].type, type) == 0 &&
        strcmp(values[i].type_instance, type_instance) == 0)
      return &values[i];
  return NULL;
}

void mock_dispatch_set_status(int status) { dispatch_status = status; }

size_t mock_dispatch_calls(void) { return dispatch_calls; }

/* ---- data sets ---- */

static data_set_t *data_sets;
static size_t data_sets_num, data_sets_cap;
static int register_data_set_status;

void mock_data_sets_reset(void) {
  for (size_t i = 0; i < data_sets_num; i++)
    free(data_sets[i].ds);
  free(data_sets);
  data_sets = NULL;
  data_sets_num = data_sets_cap = 0;
  register_data_set_status = 0;
}

size_t mock_data_sets_num(void) { return data_sets_num; }

void mock_register_data_set_set_status(int status) {
  register_data_set_status = status;
}

const data_set_t *plugin_get_ds(const char *name) {
  for (size_t i = 0; i < data_sets_num; i++)
    if (strcmp(data_sets[i].type, name) == 0)
      return &data_sets[i];
  return NULL;
}

int plugin_register_data_set(const data_set_t *ds) {
  if (register_data_set_status != 0)
    return register_data_set_status;
  if (ds == NULL || ds->ds_num == 0 || ds->type[0] == 0)
    return -1;
  /* Like collectd: registering a type again replaces it. */
  data_set_t *slot = (data_set_t *)plugin_get_ds(ds->type);
  if (slot == NULL) {
    if (data_sets_num == data_sets_cap) {
      size_t cap = data_sets_cap ? 2 * data_sets_cap : 32;
      data_set_t *d = realloc(data_sets, cap * sizeof(*d));
      if (d == NULL)
        return -1;
      data_sets = d;
      data_sets_cap = cap;
    }
    slot = &data_sets[data_sets_num];
    memset(slot, 0, sizeof(*slot));
    data_sets_num++;
  }
  data_source_t *sources = calloc(ds->ds_num, sizeof(*sources));
  if (sources == NULL)
    return -1;
  memcpy(sources, ds->ds, ds->ds_num * sizeof(*sources));
  free(slot->ds);
  copy_name(slot->type, ds->type);
  slot->ds_num = ds->ds_num;
  slot->ds = sources;
  return 0;
}

int mock_register_gauge_type(const char *type) {
  data_source_t src = {.type = DS_TYPE_GAUGE, .min = NAN, .max = NAN};
  snprintf(src.name, sizeof(src.name), "value");
  data_set_t set = {.ds_num = 1, .ds = &src};
  snprintf(set.type, sizeof(set.type), "%s", type);
  return plugin_register_data_set(&set);
}

/* ---- other registrations ---- */

typedef struct {
  char *name;
  user_data_t ud;
} registration_t;

static registration_t *registrations;
static size_t registrations_num, registrations_cap;

static int record_registration(const char *name, user_data_t const *ud) {
  if (registrations_num == registrations_cap) {
    size_t cap = registrations_cap ? 2 * registrations_cap : 8;
    registration_t *r = realloc(registrations, cap * sizeof(*r));
    if (r == NULL)
      return -1;
    registrations = r;
    registrations_cap = cap;
  }
  registration_t *r = &registrations[registrations_num++];
  r->name = strdup(name != NULL ? name : "");
  r->ud = ud != NULL ? *ud : (user_data_t){0};
  return 0;
}

static void registrations_reset(void) {
  for (size_t i = 0; i < registrations_num; i++) {
    if (registrations[i].ud.free_func != NULL)
      registrations[i].ud.free_func(registrations[i].ud.data);
    free(registrations[i].name);
  }
  free(registrations);
  registrations = NULL;
  registrations_num = registrations_cap = 0;
}

size_t mock_registrations_num(void) { return registrations_num; }

const char *mock_registration_name(size_t i) {
  return i < registrations_num ? registrations[i].name : NULL;
}

int plugin_register_complex_config(const char *type,
                                   int (*callback)(oconfig_item_t *)) {
  (void)callback;
  return record_registration(type, NULL);
}

int plugin_register_init(const char *name, plugin_init_cb callback) {
  (void)callback;
  return record_registration(name, NULL);
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback) {
  (void)callback;
  return record_registration(name, NULL);
}

int plugin_register_read(const char *name, int (*callback)(void)) {
  (void)callback;
  return record_registration(name, NULL);
}

int plugin_register_complex_read(const char *group, const char *name,
                                 plugin_read_cb callback, cdtime_t interval,
                                 user_data_t const *user_data) {
  (void)group;
  (void)callback;
  (void)interval;
  return record_registration(name, user_data);
}

/* ---- all of it ---- */

/* ---- notifications ---- */

char *hostname_g = "mockhost";

static mock_notification_t *notifications;
static size_t notifications_num, notifications_cap;

static void meta_append(mock_notification_t *m, const char *name,
                        const char *value) {
  size_t len = strlen(m->meta);
  snprintf(m->meta + len, sizeof(m->meta) - len, "%s=%s\n", name, value);
}

int plugin_dispatch_notification(const notification_t *n) {
  if (notifications_num == notifications_cap) {
    size_t cap = notifications_cap ? 2 * notifications_cap : 16;
    mock_notification_t *v = realloc(notifications, cap * sizeof(*v));
    if (v == NULL)
      return -1;
    notifications = v;
    notifications_cap = cap;
  }
  mock_notification_t *m = &notifications[notifications_num++];
  memset(m, 0, sizeof(*m));
  m->severity = n->severity;
  m->time = n->time;
  memcpy(m->message, n->message, sizeof(m->message));
  m->message[sizeof(m->message) - 1] = 0;
  copy_name(m->host, n->host);
  copy_name(m->plugin, n->plugin);
  copy_name(m->plugin_instance, n->plugin_instance);
  copy_name(m->type, n->type);
  copy_name(m->type_instance, n->type_instance);
  for (const notification_meta_t *x = n->meta; x != NULL; x = x->next) {
    char num[32];
    if (x->type == NM_TYPE_STRING)
      meta_append(m, x->name, x->nm_value.nm_string);
    else if (x->type == NM_TYPE_SIGNED_INT) {
      snprintf(num, sizeof(num), "%lld", (long long)x->nm_value.nm_signed_int);
      meta_append(m, x->name, num);
    }
  }
  return 0;
}

static notification_meta_t *meta_new(notification_t *n, const char *name) {
  notification_meta_t *m = calloc(1, sizeof(*m));
  if (m == NULL)
    return NULL;
  sstrncpy(m->name, name, sizeof(m->name));
  notification_meta_t **tail = &n->meta;
  while (*tail != NULL)
    tail = &(*tail)->next;
  *tail = m;
  return m;
}

int plugin_notification_meta_add_string(notification_t *n, const char *name,
                                        const char *value) {
  notification_meta_t *m = meta_new(n, name);
  if (m == NULL || (m->nm_value.nm_string = strdup(value)) == NULL)
    return -1;
  m->type = NM_TYPE_STRING;
  return 0;
}

int plugin_notification_meta_add_signed_int(notification_t *n, const char *name,
                                            int64_t value) {
  notification_meta_t *m = meta_new(n, name);
  if (m == NULL)
    return -1;
  m->type = NM_TYPE_SIGNED_INT;
  m->nm_value.nm_signed_int = value;
  return 0;
}

int plugin_notification_meta_free(notification_meta_t *n) {
  while (n != NULL) {
    notification_meta_t *next = n->next;
    if (n->type == NM_TYPE_STRING)
      free((char *)n->nm_value.nm_string);
    free(n);
    n = next;
  }
  return 0;
}

size_t mock_notifications_num(void) { return notifications_num; }

const mock_notification_t *mock_notification(size_t i) {
  return i < notifications_num ? &notifications[i] : NULL;
}

const char *mock_notification_meta(const mock_notification_t *n,
                                   const char *name, char *buf, size_t size) {
  buf[0] = 0;
  size_t len = strlen(name);
  for (const char *p = n->meta; *p;) {
    const char *nl = strchr(p, '\n');
    if (nl == NULL)
      break;
    if (strncmp(p, name, len) == 0 && p[len] == '=') {
      size_t vlen = (size_t)(nl - p - (ptrdiff_t)len - 1);
      snprintf(buf, size, "%.*s", (int)vlen, p + len + 1);
      return buf;
    }
    p = nl + 1;
  }
  return buf;
}

static void notifications_reset(void) {
  free(notifications);
  notifications = NULL;
  notifications_num = notifications_cap = 0;
}

void mock_reset(void) {
  notifications_reset();
  mock_log_reset();
  mock_values_reset();
  mock_data_sets_reset();
  registrations_reset();
}

/* ---- fixtures ---- */

const char *mock_data_path(const char *name, char *buf, size_t size) {
  const char *srcdir = getenv("srcdir");
  if (srcdir != NULL && srcdir[0] != 0)
    snprintf(buf, size, "%s/tests/unit/data/%s", srcdir, name);
  else
    snprintf(buf, size, "tests/unit/data/%s", name);
  return buf;
}

char *mock_read_data(const char *name, size_t *len) {
  char path[4096];
  mock_data_path(name, path, sizeof(path));
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    printf("# cannot open fixture %s\n", path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *data = malloc(cap);
  while (data != NULL) {
    if (n + 1 >= cap) {
      char *bigger = realloc(data, cap * 2);
      if (bigger == NULL) {
        free(data);
        data = NULL;
        break;
      }
      data = bigger;
      cap *= 2;
    }
    size_t got = fread(data + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  bool bad = ferror(f) != 0;
  fclose(f);
  if (data == NULL || bad) {
    printf("# cannot read fixture %s\n", path);
    free(data);
    return NULL;
  }
  data[n] = 0;
  if (len != NULL)
    *len = n;
  return data;
}
