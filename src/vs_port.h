/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_port.h
 * The few calls that differ between the systems collectd runs on (Linux,
 * FreeBSD, ...), chosen by configure (src/vs_autoconf.h), with a portable
 * fallback for each. vs_port.c is the only file that includes
 * vs_autoconf.h: collectd's own config.h defines PACKAGE_* too.
 */
#ifndef VS_PORT_H
#define VS_PORT_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* n unpredictable bytes (getrandom, arc4random_buf or /dev/urandom);
 * 0, or -1 when none of them worked (buf is then left as it was). */
int vs_random_bytes(void *buf, size_t n);

/* Zeroes n bytes in a way the compiler may not drop (explicit_bzero or a
 * volatile loop): for secrets whose memory is about to be freed. */
void vs_wipe(void *p, size_t n);

/* The modification time of a stat result, with nanoseconds where the
 * system keeps them (st_mtim, st_mtimespec), seconds otherwise. */
struct timespec vs_stat_mtime(const struct stat *st);

#endif
