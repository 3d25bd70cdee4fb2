/**
 * collectd-vsphere - vs_fault.h
 * What went wrong with a request, as data: a result class, the vSphere
 * fault type read from the SOAP fault element (never from its text), the
 * transport's own code, and a one-line reason for the log. Log-once and
 * recovery decisions are keyed on these fields.
 */
#ifndef VS_FAULT_H
#define VS_FAULT_H

#include "vs_util.h"

#include <stdbool.h>
#include <stddef.h>

#define VS_FAULT_OBJ_LEN 256

/* vSphere fault types the plugin acts on; every other one is OTHER. */
typedef enum {
  VS_FAULT_NONE = 0,
  VS_FAULT_NOT_AUTHENTICATED,
  VS_FAULT_INVALID_LOGIN,
  VS_FAULT_NOT_FOUND, /* ManagedObjectNotFound */
  VS_FAULT_NO_PERMISSION,
  VS_FAULT_INVALID_ARGUMENT,
  VS_FAULT_REQUEST_CANCELED,
  VS_FAULT_SYSTEM_ERROR,
  VS_FAULT_HOST_NOT_CONNECTED, /* HostNotConnected, HostNotReachable */
  VS_FAULT_OTHER,
  VS_FAULT_NUM,
} vs_fault_t;

/* From the xsi:type (or element name, "Fault" suffix removed) of the
 * fault detail. */
vs_fault_t vs_fault_from_type(const char *type);
const char *vs_fault_name(vs_fault_t fault);

typedef struct {
  int rc;           /* VS_OK or VS_ERR_* */
  vs_fault_t fault; /* VS_ERR_FAULT / VS_ERR_NOAUTH: the fault type */
  int code;         /* VS_ERR_TRANSPORT: libcurl's code; VS_ERR_HTTP: status */
  bool suspect;     /* VS_ERR_NOAUTH inferred, not a NotAuthenticated fault */
  char obj[VS_FAULT_OBJ_LEN];      /* ManagedObjectNotFound: the object */
  char obj_type[VS_FAULT_OBJ_LEN]; /* ... and its type */
  char text[512];                  /* one line for the log */
} vs_error_t;

void vs_error_clear(vs_error_t *e);
/* Sets rc and the text (printf-style); keeps the other fields. */
void vs_error_set(vs_error_t *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short stable name of the kind of error, for log-once keys:
 * "fault:ManagedObjectNotFound", "transport:28", "http:503", "parse". */
void vs_error_kind(const vs_error_t *e, char *buf, size_t size);

#endif
