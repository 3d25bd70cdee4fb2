/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_fault.h
 * What went wrong with a request, as data, and what the plugin does about
 * it, in one place:
 *   - the error record: a result class, the vSphere fault type read from
 *     the SOAP fault element (never from its text), the transport's own
 *     code, and a one-line reason for the log;
 *   - the classifier: a finished reply (transport outcome, HTTP status,
 *     what the XML stream saw) turned into that record;
 *   - the fault policy: kind of error -> actions (re-login, back off,
 *     isolate the object, refresh the inventory, ...), which every caller
 *     consults, and which collectd-vsphere(5) lists (tests/test_docs.py
 *     checks that the two agree).
 */
#ifndef VS_FAULT_H
#define VS_FAULT_H

#include "vs_util.h"
#include "vs_xml.h"

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
  VS_FAULT_INVALID_COLLECTOR_VERSION,
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
  int code;         /* VS_ERR_TRANSPORT: the transport's; VS_ERR_HTTP: status */
  bool timed_out;   /* VS_ERR_TRANSPORT: a time limit ended the request */
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

/* ---- the classifier ---- */

/* A limit the transport itself ended a request at. */
typedef enum {
  VS_LIMIT_NONE = 0,
  VS_LIMIT_SIZE,  /* the body outgrew max_bytes */
  VS_LIMIT_STALL, /* no byte for stall_ms */
} vs_limit_t;

/* What a finished request looked like. */
typedef struct {
  int transport_code;         /* 0, or the transport's error code */
  const char *transport_text; /* its reason (with a hint where one helps) */
  bool timed_out;             /* the total time limit ended it */
  vs_limit_t limit;
  size_t max_bytes;      /* VS_LIMIT_SIZE: the bound */
  long stall_ms;         /* VS_LIMIT_STALL: the bound */
  long status;           /* HTTP status, 0 if none came */
  size_t received;       /* body bytes */
  bool sink_failed;      /* the XML stream stopped reading */
  vs_xml_stream_t *sink; /* what the body said (finished here) */
} vs_reply_t;

/* Turns a finished reply into the error record; returns err->rc. The
 * order matters: a limit first, then the transport, then a SOAP fault
 * (vCenter answers faults with HTTP 500), then an inferred lost session,
 * then the HTTP status, then the document itself. */
int vs_classify_reply(const vs_reply_t *r, vs_error_t *err);

/* ---- the fault policy ---- */

/* What the plugin does about a kind of error (flags). */
enum {
  /* The session is gone: log in again (logging out first if the loss was
   * only inferred) and retry the read once. */
  VS_ACT_RELOGIN = 1u << 0,
  /* Credentials refused: lockout-safe back-off before the next Login. */
  VS_ACT_BACK_OFF = 1u << 1,
  /* QueryPerf: the call failed as a whole for one object's sake: retry
   * without the object it names, or in halves until it is alone; leave it
   * out for a while. */
  VS_ACT_ISOLATE = 1u << 2,
  /* QueryPerf: the objects of a request that timed out are batched apart
   * (one ESXi host per batch). */
  VS_ACT_BATCH_APART = 1u << 3,
  /* The inventory is out of date: discover now / within 30 s. */
  VS_ACT_REFRESH_NOW = 1u << 4,
  VS_ACT_REFRESH_SOON = 1u << 5,
  /* Nothing to mend: the same request at the next read (an inventory
   * discovery: after 30 s). */
  VS_ACT_NEXT_READ = 1u << 6,
  /* The update stream: start over with a full update. */
  VS_ACT_RESYNC = 1u << 7,
};

typedef struct {
  const char *kind;    /* as in the log: "fault:InvalidLogin", "timeout" */
  unsigned actions;    /* VS_ACT_* */
  const char *meaning; /* what it usually means, for the man page */
} vs_fault_policy_t;

extern const vs_fault_policy_t vs_fault_policies[];
extern const size_t vs_fault_policies_num;

/* The policy row of an error (never NULL: unknown kinds get the row of
 * "other faults" or of their result class). */
const vs_fault_policy_t *vs_fault_policy(const vs_error_t *e);
/* Its actions, for the callers: vs_fault_policy(e)->actions. */
unsigned vs_fault_actions(const vs_error_t *e);

#endif
