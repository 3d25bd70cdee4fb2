/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/mock_plugin.h
 * A mock of the parts of collectd's daemon API the plugin uses, for unit
 * tests that run without a daemon:
 *
 *   plugin_log               messages are kept (level + text) for checks
 *   plugin_dispatch_values   each value list is copied into an array
 *   plugin_register_data_set a small table, read back by plugin_get_ds
 *   plugin_register_*        registrations are recorded (complex read
 *                            user data is freed by mock_reset)
 *   sstrncpy, ssnprintf      as the daemon's (utils/common)
 *
 * Plus helpers for fixtures: the test data directory and file reading.
 */
#ifndef MOCK_PLUGIN_H
#define MOCK_PLUGIN_H

#include "collectd.h"

#include "plugin.h"

#include <stdbool.h>
#include <stddef.h>

/* Everything below back to the initial state (logs, values, data sets,
 * registrations). Tests call it first. */
void mock_reset(void);

/* ---- plugin_log ---- */
void mock_log_reset(void);
size_t mock_log_num(void);              /* all messages */
int mock_log_level(size_t i);           /* LOG_ERR, LOG_WARNING, ... */
const char *mock_log_message(size_t i); /* NULL if out of range */
size_t mock_log_count(int level);       /* messages at exactly `level` */
size_t mock_log_count_containing(const char *substring);
/* Messages at `level` that contain `substring`. */
size_t mock_log_count_level_containing(int level, const char *substring);
/* Echo messages to stderr as they come (off by default; on when the
 * environment variable MOCK_PLUGIN_VERBOSE is set). */
void mock_log_echo(bool on);

/* ---- plugin_dispatch_values ---- */
typedef struct {
  char host[DATA_MAX_NAME_LEN];
  char plugin[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN];
  char type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  cdtime_t time;
  cdtime_t interval;
  size_t values_len;
  gauge_t gauge; /* values[0].gauge, or .derive when `derive` */
  bool derive;   /* the type's data set is one DERIVE */
  bool has_meta;
} mock_value_t;

void mock_values_reset(void);
size_t mock_values_num(void);
const mock_value_t *mock_value(size_t i); /* NULL if out of range */
/* The first value whose type and type_instance match, or NULL. */
const mock_value_t *mock_value_find(const char *type,
                                    const char *type_instance);
/* What plugin_dispatch_values returns from now on (default 0). A failed
 * dispatch is still recorded, with dispatch_status in the count below. */
void mock_dispatch_set_status(int status);
size_t mock_dispatch_calls(void);

/* ---- plugin_dispatch_notification (meta data: strings and integers) ---- */
typedef struct {
  int severity;
  cdtime_t time;
  char message[NOTIF_MAX_MSG_LEN];
  char host[DATA_MAX_NAME_LEN];
  char plugin[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN];
  char type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  char meta[1024]; /* "name=value\n" for each meta datum, in order */
} mock_notification_t;

size_t mock_notifications_num(void);
const mock_notification_t *mock_notification(size_t i); /* NULL if none */
/* A meta datum's value as text ("" if absent) into buf. */
const char *mock_notification_meta(const mock_notification_t *n,
                                   const char *name, char *buf, size_t size);

/* ---- data sets ---- */
void mock_data_sets_reset(void);
size_t mock_data_sets_num(void);
/* Registers a one-gauge data set named "value" under `type`. */
int mock_register_gauge_type(const char *type);
/* What plugin_register_data_set returns from now on (default 0: success;
 * non-zero: nothing is registered). */
void mock_register_data_set_set_status(int status);

/* ---- other registrations ---- */
size_t mock_registrations_num(void); /* every plugin_register_* call */
/* The callback name of registration i ("vsphere/prod"), or NULL. */
const char *mock_registration_name(size_t i);

/* ---- fixtures ---- */
/* "$srcdir/tests/unit/data/<name>" if $srcdir is set (automake sets it
 * for TESTS), else "tests/unit/data/<name>". Writes into buf. */
const char *mock_data_path(const char *name, char *buf, size_t size);
/* Reads a fixture into a malloc'ed, NUL-terminated buffer; NULL on error
 * (reported on stdout). */
char *mock_read_data(const char *name, size_t *len);

#endif
