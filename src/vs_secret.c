/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_secret.c
 * See vs_secret.h.
 */
#include "collectd.h"

#include "utils/common/common.h"
#include "vs_port.h"
#include "vs_secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file's first line (a trailing CR/LF is not part of the password). */
static char *read_secret(int fd) {
  char *buf = calloc(1, VS_SECRET_MAX_LEN + 1);
  if (buf == NULL)
    return NULL;
  ssize_t n = read(fd, buf, VS_SECRET_MAX_LEN);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = 0;
  return buf;
}

vs_secret_status_t vs_secret_read_file(const char *path,
                                       vs_secret_file_t *out) {
  memset(out, 0, sizeof(*out));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out->error = errno;
    return VS_SECRET_OPEN;
  }
  struct stat st;
  vs_secret_status_t status = VS_SECRET_OK;
  if (fstat(fd, &st) != 0)
    status = VS_SECRET_READ;
  else if (!S_ISREG(st.st_mode))
    status = VS_SECRET_TYPE;
  else if (st.st_mode & S_IWOTH)
    status = VS_SECRET_MODE;
  if (status == VS_SECRET_OK) {
    out->mtime = vs_stat_mtime(&st);
    out->world_readable = (st.st_mode & S_IROTH) != 0;
    out->password = read_secret(fd);
    if (out->password == NULL)
      status = VS_SECRET_READ;
  }
  close(fd);
  return status;
}

const char *vs_secret_status_text(vs_secret_status_t status,
                                  const vs_secret_file_t *f, char *buf,
                                  size_t size) {
  switch (status) {
  case VS_SECRET_OK:
    return "readable";
  case VS_SECRET_OPEN:
    return sstrerror(f->error, buf, size);
  case VS_SECRET_TYPE:
    return "not a regular file";
  case VS_SECRET_MODE:
    return "writable by every user";
  case VS_SECRET_READ:
    break;
  }
  return "cannot be read";
}

char *vs_secret_read_for_login(const char *path, vs_log_t *log,
                               vs_secret_file_t *f) {
  static const char *const keys[] = {[VS_SECRET_OPEN] = "PasswordFile/open",
                                     [VS_SECRET_TYPE] = "PasswordFile/type",
                                     [VS_SECRET_MODE] = "PasswordFile/mode",
                                     [VS_SECRET_READ] = "PasswordFile/read"};
  vs_secret_status_t st = vs_secret_read_file(path, f);
  if (st == VS_SECRET_OK)
    return f->password;
  if (log != NULL && st == VS_SECRET_MODE) {
    vs_log_error_key(log, keys[st],
                     "PasswordFile \"%s\" (or the file its link points to) "
                     "is writable by every user: refusing it; chmod o-w it.",
                     path);
  } else if (log != NULL) {
    char reason[128];
    vs_log_error_key(log, keys[st], "cannot use PasswordFile \"%s\": %s.", path,
                     vs_secret_status_text(st, f, reason, sizeof(reason)));
  }
  vs_secret_free(f->password);
  f->password = NULL;
  return NULL;
}

void vs_secret_free(char *secret) {
  if (secret == NULL)
    return;
  vs_wipe(secret, strlen(secret));
  free(secret);
}
