/**
 * collectd-vsphere - vs_config.h
 * The <Vcenter "name"> block: parsed into a plain struct, validated, with
 * the documented defaults. Unknown keys are errors.
 */
#ifndef VS_CONFIG_H
#define VS_CONFIG_H

#include "liboconfig/oconfig.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char **items;
  size_t num;
} vs_strlist_t;

typedef struct {
  char *name; /* the block's name: plugin_instance of every value */
  char *url;
  char *user;
  char *password;      /* either this ... */
  char *password_file; /* ... or this, re-read at every login */
  bool verify_peer;
  bool verify_host;
  char *ca_cert;
  double timeout;            /* seconds per request */
  double interval;           /* read interval; 0: collectd's global one */
  double inventory_interval; /* seconds between inventory refreshes */
  size_t max_response_size;  /* bytes */
  int query_batch_size;      /* entities per QueryPerf */
  int max_query_metrics;     /* metric ids per QueryPerf */
  int inventory_page_size;   /* objects per RetrievePropertiesEx page */
  int concurrency;           /* QueryPerf requests in flight */
  bool collect_instances;    /* per-instance series (cpu core, NIC, disk) */
  bool collect_vms;
  bool collect_hosts;
  bool default_metrics;
  vs_strlist_t metrics;        /* Metric "glob" */
  vs_strlist_t ignore_metrics; /* IgnoreMetric "glob" */
} vs_config_t;

/* Parses one <Vcenter> block. Errors are logged; returns 0 or -1. */
int vs_config_parse(const oconfig_item_t *ci, vs_config_t *cfg);
void vs_config_free(vs_config_t *cfg);

#endif
