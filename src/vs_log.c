/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_log.c
 */
#include "collectd.h"

#include "plugin.h"
#include "utils/common/common.h"
#include "vs_log.h"

#include <stdarg.h>

void vs_log_init(vs_log_t *l, const char *vcenter) {
  memset(l, 0, sizeof(*l));
  l->vcenter = vcenter;
}

static vs_log_key_t *key_find(vs_log_t *l, const char *key) {
  for (size_t i = 0; i < l->keys_num; i++)
    if (strcmp(l->keys[i].key, key) == 0)
      return &l->keys[i];
  return NULL;
}

/* True if the kind is known (and marks it seen in this read); else
 * remembers it, in place of the least recently seen one if full. */
static bool key_known(vs_log_t *l, const char *key, bool error) {
  vs_log_key_t *k = key_find(l, key);
  if (error)
    l->read_had_error = true;
  if (k != NULL) {
    k->last_read = l->read_no;
    return true;
  }
  if (l->keys_num < VS_LOG_KEYS) {
    k = &l->keys[l->keys_num++];
  } else {
    k = &l->keys[0];
    for (size_t i = 1; i < VS_LOG_KEYS; i++)
      if (l->keys[i].last_read < k->last_read)
        k = &l->keys[i];
  }
  sstrncpy(k->key, key, sizeof(k->key));
  k->last_read = l->read_no;
  return false;
}

void vs_log_touch(vs_log_t *l, const char *key) {
  vs_log_key_t *k = key_find(l, key);
  if (k != NULL) {
    k->last_read = l->read_no;
    l->read_had_error = true;
  }
}

static void log_once_v(vs_log_t *l, int level, const char *key, const char *fmt,
                       va_list ap) {
  if (key_known(l, key, level == LOG_ERR))
    return;
  if (level == LOG_ERR)
    l->errors_logged = true;
  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  plugin_log(level, "vsphere plugin: vCenter \"%s\": %s", l->vcenter, msg);
}

void vs_log_error(vs_log_t *l, const char *what, const vs_error_t *e,
                  const char *fmt, ...) {
  char kind[64], key[96];
  vs_error_kind(e, kind, sizeof(kind));
  ssnprintf(key, sizeof(key), "%s/%s", what, kind);
  va_list ap;
  va_start(ap, fmt);
  log_once_v(l, LOG_ERR, key, fmt, ap);
  va_end(ap);
}

void vs_log_error_key(vs_log_t *l, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_once_v(l, LOG_ERR, key, fmt, ap);
  va_end(ap);
}

void vs_log_note(vs_log_t *l, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_once_v(l, LOG_INFO, key, fmt, ap);
  va_end(ap);
}

void vs_log_read_begin(vs_log_t *l) {
  l->read_no++;
  l->read_had_error = false;
}

void vs_log_read_end(vs_log_t *l, bool requests_carried) {
  l->quiet_reads = l->read_had_error ? 0 : l->quiet_reads + 1;
  if (l->quiet_reads < VS_RECOVERY_READS)
    return;
  size_t kept = 0;
  for (size_t i = 0; i < l->keys_num; i++)
    if (requests_carried && strncmp(l->keys[i].key, "QueryPerf/", 10) == 0)
      l->keys[kept++] = l->keys[i];
  l->keys_num = kept;
  if (kept == 0 && l->errors_logged) {
    INFO("vsphere plugin: vCenter \"%s\": collecting again.", l->vcenter);
    l->errors_logged = false;
  }
}
