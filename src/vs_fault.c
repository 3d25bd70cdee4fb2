/**
 * collectd-vsphere - vs_fault.c
 */
#include "vs_fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const fault_names[VS_FAULT_NUM] = {
    [VS_FAULT_NONE] = "",
    [VS_FAULT_NOT_AUTHENTICATED] = "NotAuthenticated",
    [VS_FAULT_INVALID_LOGIN] = "InvalidLogin",
    [VS_FAULT_NOT_FOUND] = "ManagedObjectNotFound",
    [VS_FAULT_NO_PERMISSION] = "NoPermission",
    [VS_FAULT_INVALID_ARGUMENT] = "InvalidArgument",
    [VS_FAULT_REQUEST_CANCELED] = "RequestCanceled",
    [VS_FAULT_SYSTEM_ERROR] = "SystemError",
    [VS_FAULT_HOST_NOT_CONNECTED] = "HostNotConnected",
    [VS_FAULT_OTHER] = "other",
};

vs_fault_t vs_fault_from_type(const char *type) {
  if (type == NULL || type[0] == 0)
    return VS_FAULT_OTHER;
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_OTHER; f++)
    if (strcmp(type, fault_names[f]) == 0)
      return (vs_fault_t)f;
  if (strcmp(type, "HostNotReachable") == 0)
    return VS_FAULT_HOST_NOT_CONNECTED;
  return VS_FAULT_OTHER;
}

const char *vs_fault_name(vs_fault_t fault) {
  return (fault >= 0 && fault < VS_FAULT_NUM) ? fault_names[fault] : "other";
}

void vs_error_clear(vs_error_t *e) { memset(e, 0, sizeof(*e)); }

void vs_error_set(vs_error_t *e, int rc, const char *fmt, ...) {
  e->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->text, sizeof(e->text), fmt, ap);
  va_end(ap);
}

void vs_error_kind(const vs_error_t *e, char *buf, size_t size) {
  switch (e->rc) {
  case VS_ERR_FAULT:
  case VS_ERR_NOAUTH:
    snprintf(buf, size, "fault:%s%s", vs_fault_name(e->fault),
             e->suspect ? "?" : "");
    break;
  case VS_ERR_TRANSPORT:
    snprintf(buf, size, "transport:%d", e->code);
    break;
  case VS_ERR_HTTP:
    snprintf(buf, size, "http:%d", e->code);
    break;
  case VS_ERR_PARSE:
    snprintf(buf, size, "parse");
    break;
  case VS_ERR_NOMEM:
    snprintf(buf, size, "nomem");
    break;
  default:
    snprintf(buf, size, "rc:%d", e->rc);
  }
}
