/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_config.h
 * The <Vcenter "name"> block: parsed into a plain struct, validated, with
 * the documented defaults. Unknown keys are errors.
 */
#ifndef VS_CONFIG_H
#define VS_CONFIG_H

#include "liboconfig/oconfig.h"
#include "vs_kind.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char **items;
  size_t num;
} vs_strlist_t;

/* Fields of HostnameFormat and PluginInstanceFormat (as in collectd's virt
 * plugin), joined by VS_FORMAT_SEPARATOR. */
typedef enum {
  VS_FIELD_NAME = 0,   /* the object's name */
  VS_FIELD_MOREF,      /* its managed object id: vm-123 */
  VS_FIELD_UUID,       /* VM: config.instanceUuid; host: BIOS uuid */
  VS_FIELD_VCENTER,    /* the <Vcenter> block's name */
  VS_FIELD_DATACENTER, /* its datacenter's name */
  VS_FIELD_CLUSTER,    /* its cluster (or stand-alone compute resource) */
  VS_FIELD_ESXHOST,    /* VM: its ESXi host's name; host: its own name */
  VS_FIELD_NUM,
  VS_FIELD_ATTRIBUTE = VS_FIELD_NUM, /* "attr:<Name>": a custom attribute */
  VS_FIELD_TAG,                      /* "tag:<Category>": its vSphere tags */
} vs_field_t;

#define VS_FORMAT_MAX_FIELDS 8
#define VS_FORMAT_SEPARATOR ':'
/* Longest <Vcenter> block name: it starts plugin_instance (127 bytes). */
#define VS_VCENTER_NAME_MAX 63

#define VS_FORMAT_ARG_LEN 64

typedef struct {
  vs_field_t fields[VS_FORMAT_MAX_FIELDS];
  /* attr:<Name>, tag:<Category> */
  char args[VS_FORMAT_MAX_FIELDS][VS_FORMAT_ARG_LEN];
  size_t num;
} vs_format_t;

/* "name" -> VS_FIELD_NAME; -1 if unknown. */
int vs_field_from_string(const char *s);

/* NotifyEvent "<glob>" "<severity>": severity is collectd's NOTIF_FAILURE,
 * NOTIF_WARNING or NOTIF_OKAY, or 0 ("none": no notification). */
typedef struct {
  char *glob;
  int severity;
} vs_event_notify_t;

typedef struct {
  char *name; /* the block's name: the "vcenter" naming field */
  char *url;
  char *user;
  char *password;      /* either this ... */
  char *password_file; /* ... or this, re-read at every login */
  bool verify_peer;
  bool verify_host;
  char *ca_cert;
  double timeout;       /* seconds per login/inventory request */
  double query_timeout; /* seconds per QueryPerf request */
  double stall_timeout; /* no byte for this long aborts a request */
  double lookback;      /* seconds a -1 sample may still be filled */
  bool fill_holes;      /* dispatch holes filled late, behind their series */
  double interval;      /* read interval; 0: collectd's global one */
  double inventory_interval;   /* seconds between inventory refreshes */
  size_t max_response_size;    /* bytes */
  int query_batch_size;        /* entities per QueryPerf */
  int max_query_metrics;       /* metric ids per QueryPerf */
  int inventory_page_size;     /* objects per RetrievePropertiesEx page */
  int concurrency;             /* QueryPerf requests in flight */
  bool collect[VS_KIND_NUM];   /* Collect: kinds collected */
  bool instances[VS_KIND_NUM]; /* per-instance series (cpu core, NIC, ...) */
  bool collect_properties;     /* state values from properties */
  double property_interval;    /* seconds between state value reads */
  bool update_stream;          /* follow changes (WaitForUpdatesEx) */
  double resync_interval;      /* seconds between full updates then */
  bool host_sensors;           /* hosts' hardware sensors */
  bool snapshot_size;          /* VMs' snapshot file sizes (layoutEx) */
  bool custom_attributes;      /* custom attribute values */
  bool datastore_names;        /* datastore UUID instances named */
  double historical_lookback;  /* seconds historical queries look back */
  /* Include / Exclude (inventory path globs), IncludeName / ExcludeName
   * (name globs), per kind. */
  vs_strlist_t include_paths[VS_KIND_NUM], exclude_paths[VS_KIND_NUM];
  vs_strlist_t include_names[VS_KIND_NUM], exclude_names[VS_KIND_NUM];
  bool default_metrics;
  vs_strlist_t metrics;        /* Metric "glob" */
  vs_strlist_t ignore_metrics; /* IgnoreMetric "glob" */
  vs_format_t hostname_format;
  vs_format_t plugin_instance_format;
  int shard_k, shard_n; /* Shard "k/N": collect shard k (1..N) of N */
  int max_new_series;   /* new series introduced per read, 0: no limit */
  double tag_interval;  /* seconds between tag reads (REST), 0: no tags */
  bool events;          /* Events: vCenter's events, counted and notified */
  bool default_events;  /* DefaultEvents: the documented set is counted */
  vs_strlist_t count_events;        /* Event "glob": counted too */
  vs_strlist_t ignore_events;       /* IgnoreEvent "glob": never counted */
  vs_event_notify_t *notify_events; /* NotifyEvent, in the order given */
  size_t notify_events_num;
} vs_config_t;

/* Parses one <Vcenter> block. Errors are logged; returns 0 or -1. */
int vs_config_parse(const oconfig_item_t *ci, vs_config_t *cfg);
void vs_config_free(vs_config_t *cfg);

/* Whether HostnameFormat or PluginInstanceFormat has the field. */
bool vs_config_uses_field(const vs_config_t *cfg, vs_field_t field);
/* ... a tag:<Category>. */
bool vs_config_uses_tags(const vs_config_t *cfg);

#endif
