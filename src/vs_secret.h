/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_secret.h
 * The password file, read alike when the configuration is checked and at
 * every login: a regular file (a symbolic link to one is fine: secret
 * mounts are links) that only its owner may write; its first line is the
 * password. Secrets are wiped before their memory is freed.
 */
#ifndef VS_SECRET_H
#define VS_SECRET_H

#include "vs_log.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Longest password read from a file. */
#define VS_SECRET_MAX_LEN 1024

typedef enum {
  VS_SECRET_OK = 0,
  VS_SECRET_OPEN, /* cannot be opened (errno in `error`) */
  VS_SECRET_TYPE, /* not a regular file */
  VS_SECRET_MODE, /* writable by every user: refused */
  VS_SECRET_READ, /* cannot be read, or out of memory */
} vs_secret_status_t;

typedef struct {
  char *password;        /* owned: vs_secret_free; NULL unless OK */
  struct timespec mtime; /* to notice that a refused file changed */
  bool world_readable;   /* worth a warning, not a refusal */
  int error;             /* errno of VS_SECRET_OPEN */
} vs_secret_file_t;

vs_secret_status_t vs_secret_read_file(const char *path, vs_secret_file_t *out);

/* What is wrong with the file, for a log line ("not a regular file"). */
const char *vs_secret_status_text(vs_secret_status_t status,
                                  const vs_secret_file_t *f, char *buf,
                                  size_t size);

/* Reads the file for a login (the SOAP one and the REST one): what is
 * wrong with it is logged in `log` once per kind, under keys both logins
 * share, so a file that became unusable gives one line however many
 * logins read it; NULL log: nothing is logged. The password, or NULL. */
char *vs_secret_read_for_login(const char *path, vs_log_t *log,
                               vs_secret_file_t *f);

/* Wipes the string and frees it (NULL is fine). */
void vs_secret_free(char *secret);

#endif
