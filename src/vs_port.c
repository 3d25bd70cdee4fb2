/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_port.c
 * See vs_port.h. Built with configure's results (HAVE_GETRANDOM, ...);
 * the test suite also builds it with none of them, to keep every fallback
 * compiling and working (tests/test_build.py).
 */
#ifndef VS_PORT_NO_AUTOCONF
#include "vs_autoconf.h"
#endif
#include "vs_port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(HAVE_GETRANDOM) && defined(HAVE_SYS_RANDOM_H)
#include <sys/random.h>
#endif

/* /dev/urandom, for systems with neither getrandom nor arc4random. */
static int urandom_bytes(void *buf, size_t n) {
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  return got == n ? 0 : -1;
}

int vs_random_bytes(void *buf, size_t n) {
#if defined(HAVE_GETRANDOM) && defined(HAVE_SYS_RANDOM_H)
  /* small requests: getrandom gives them whole once the pool is ready */
  if (getrandom(buf, n, 0) == (ssize_t)n)
    return 0;
#elif defined(HAVE_ARC4RANDOM_BUF)
  arc4random_buf(buf, n);
  return 0;
#endif
  return urandom_bytes(buf, n);
}

void vs_wipe(void *p, size_t n) {
  if (p == NULL)
    return;
#if defined(HAVE_EXPLICIT_BZERO)
  explicit_bzero(p, n);
#else
  volatile unsigned char *v = p;
  while (n-- > 0)
    *v++ = 0;
#endif
}

struct timespec vs_stat_mtime(const struct stat *st) {
#if defined(HAVE_STRUCT_STAT_ST_MTIM)
  return st->st_mtim;
#elif defined(HAVE_STRUCT_STAT_ST_MTIMESPEC)
  return st->st_mtimespec;
#else
  return (struct timespec){.tv_sec = st->st_mtime, .tv_nsec = 0};
#endif
}
