/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_log.h
 * "Log once" for one <Vcenter> block: an error is logged the first time
 * its kind ("operation/kind", e.g. "QueryPerf/fault:SystemError") is seen
 * in an episode of errors and stays silent while it comes back; after
 * VS_RECOVERY_READS reads in a row without an error the episode ends,
 * "collecting again" is logged (if an ERROR was), and every kind is news
 * again. collectd's c_complain() counts repeats per call site and doubles
 * its interval; here the repeats are keyed by kind and end with the
 * episode, which is what an operator reading the log of a flaky vCenter
 * wants: one line per thing that went wrong, one when it is over.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include "vs_fault.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds of error remembered at once (the least recently seen is forgotten
 * first, so two kinds that alternate never evict each other). */
#define VS_LOG_KEYS 64
/* Reads in a row without an error that end an episode. */
#define VS_RECOVERY_READS 2

typedef struct {
  char key[96];       /* "operation/kind" */
  uint64_t last_read; /* the read it was last seen in */
} vs_log_key_t;

typedef struct {
  const char *vcenter; /* the block's name, in every line */
  vs_log_key_t keys[VS_LOG_KEYS];
  size_t keys_num;
  uint64_t read_no;    /* reads begun */
  bool read_had_error; /* an error was logged or seen again in this read */
  int quiet_reads;     /* reads in a row without one */
  bool errors_logged;  /* an ERROR among the keys: recovery is worth a line */
} vs_log_t;

void vs_log_init(vs_log_t *l, const char *vcenter);

/* A request's error, keyed by `what` (the operation) and the kind of e. */
void vs_log_error(vs_log_t *l, const char *what, const vs_error_t *e,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An error that is not a request's (configuration, selection), by key. */
void vs_log_error_key(vs_log_t *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at INFO (a re-login): said once, ends no quiet stretch. */
void vs_log_note(vs_log_t *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Keeps a kind known without logging it (a login backing off is still a
 * refused login). */
void vs_log_touch(vs_log_t *l, const char *key);

/* Each read is framed by these. At the end of VS_RECOVERY_READS quiet
 * reads the kinds are forgotten, except QueryPerf's while
 * `requests_carried`: a request still in flight from an earlier read (a
 * slow host) may end the same way. */
void vs_log_read_begin(vs_log_t *l);
void vs_log_read_end(vs_log_t *l, bool requests_carried);

#endif
