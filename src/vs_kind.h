/**
 * collectd-vsphere - vs_kind.h
 * The kinds of managed object the plugin collects. Discovery, planning and
 * naming take the kind as a parameter; adding a kind is a table row.
 */
#ifndef VS_KIND_H
#define VS_KIND_H

typedef enum {
  VS_KIND_VM = 0,
  VS_KIND_HOST,
  VS_KIND_NUM,
} vs_kind_t;

typedef struct {
  const char *name;     /* prefix of type names: "vm" */
  const char *mo_type;  /* vSphere managed object type */
  int interval_id;      /* PerformanceManager interval to query */
} vs_kind_info_t;

const vs_kind_info_t *vs_kind_info(vs_kind_t kind);
/* Returns the kind of a managed object type, or -1. */
int vs_kind_from_mo_type(const char *mo_type);

#endif
