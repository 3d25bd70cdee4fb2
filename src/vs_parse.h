/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_parse.h
 * Streaming handlers for the SOAP responses the plugin reads. Each parser
 * is a small state machine driven by vs_xml_stream_t events; results are
 * handed to a callback as soon as one object, counter or series is
 * complete, so nothing of the response is kept once it has been used.
 */
#ifndef VS_PARSE_H
#define VS_PARSE_H

#include "vs_soap.h"
#include "vs_xml.h"

#include <stdint.h>

/* --- RetrieveServiceContent --- */
vs_xml_handler_t vs_parse_service_content(vs_service_content_t *out);

/* --- /sdk/vimServiceVersions.xml: the API versions a server speaks --- */
#define VS_VERSIONS_MAX 64
#define VS_VERSION_LEN 32

typedef struct {
  /* urn:vim25's current version first, then its prior versions, as the
   * server lists them (non-numeric ones such as "uA046D008" included). */
  char items[VS_VERSIONS_MAX][VS_VERSION_LEN];
  size_t num;

  /* parser state: the namespace being read */
  char ns[64];
  char pending[VS_VERSIONS_MAX][VS_VERSION_LEN];
  size_t pending_num;
} vs_versions_t;

vs_xml_handler_t vs_parse_versions(vs_versions_t *out);

/* The API versions the plugin speaks: everything it sends exists from 4.1
 * (RetrievePropertiesEx, CancelRetrievePropertiesEx) on; the newest it was
 * checked against; and what it announces to a server that lists none
 * (every server from 5.5 to 9.0 accepts 5.5; older ones list theirs). */
#define VS_API_OLDEST "4.1"
#define VS_API_NEWEST "9.0.0.0"
#define VS_API_FALLBACK "5.5"

/* Compares two dotted version numbers ("6.7.3" < "7.0.0.0"; missing parts
 * are 0). Returns <0, 0, >0; a version that is not dotted numbers (such as
 * "uA046D008" or "2.5u2") sorts below every valid one. */
int vs_version_compare(const char *a, const char *b);
/* The newest version of the list that the plugin speaks (between
 * VS_API_OLDEST and VS_API_NEWEST), copied into buf. Returns 0, or -1 if
 * the server speaks none of them. */
int vs_versions_choose(const vs_versions_t *v, char *buf, size_t size);

/* --- ServiceInstance.CurrentTime --- */
typedef struct {
  bool found;
  int64_t us; /* the server's clock, microseconds since the epoch */
} vs_current_time_t;

vs_xml_handler_t vs_parse_current_time(vs_current_time_t *out);

/* --- PerformanceManager.historicalInterval --- */
#define VS_INTERVALS_MAX 16

typedef struct {
  int key;
  int sampling_period; /* seconds */
  int length;          /* seconds kept */
  int level;           /* statistics level 1..4; 0 if not given */
  bool enabled;
  char name[64];
} vs_perf_interval_t;

typedef struct {
  vs_perf_interval_t items[VS_INTERVALS_MAX];
  size_t num;
  bool in_item;
  vs_perf_interval_t cur;
} vs_intervals_t;

vs_xml_handler_t vs_parse_intervals(vs_intervals_t *out);
/* The interval of a sampling period, or NULL. */
const vs_perf_interval_t *vs_intervals_find(const vs_intervals_t *iv,
                                            int sampling_period);

/* --- OptionManager.QueryOptions: an integer option --- */
typedef struct {
  const char *key;
  bool matched; /* the returnval being read has this key */
  bool found;
  int64_t value;
} vs_option_t;

vs_xml_handler_t vs_parse_option(vs_option_t *out, const char *key);

/* --- RetrievePropertiesEx / ContinueRetrievePropertiesEx pages --- */
#define VS_PAGE_MAX_PROPS 32
#define VS_PAGE_MAX_VALUE 1024 /* a name: 80 characters, escapes */

typedef struct {
  const char *name;
  const char *value;
} vs_prop_t;

/* The value of the property `name`, or `absent` when the object has none
 * (an unset property is absent from an answer). */
const char *vs_prop_value(const vs_prop_t *props, size_t n, const char *name,
                          const char *absent);

/* An object is complete: its properties whose value is text (names,
 * enums, numbers, references). */
typedef void (*vs_object_cb)(void *ctx, const char *type, const char *moref,
                             const vs_prop_t *props, size_t props_num);
/* One leaf inside a structured property value (an array, a data object),
 * as it streams in, before the object's vs_object_cb: `item` is the index
 * of the value's child it belongs to (an array element), `path` the
 * element names from that child down ("GuestDiskInfo/capacity",
 * "rootSnapshotList/childSnapshotList/createTime"). */
typedef void (*vs_subprop_cb)(void *ctx, const char *type, const char *moref,
                              const char *prop, int item, const char *path,
                              const char *text);

/* What an update stream's object update is (WaitForUpdatesEx). */
typedef enum {
  VS_UPDATE_NONE = 0, /* a RetrievePropertiesEx object: complete */
  VS_UPDATE_ENTER,    /* new to the filter: every property asked for */
  VS_UPDATE_MODIFY,   /* only the properties that changed */
  VS_UPDATE_LEAVE,    /* gone from the filter (deleted, moved out) */
} vs_update_kind_t;

/* The same parser reads RetrievePropertiesEx pages (returnval > token,
 * objects > obj, propSet > name, val) and the update sets of
 * WaitForUpdatesEx (returnval > version, truncated, filterSet > objectSet
 * > kind, obj, changeSet > name, op, val): an object update is handed to
 * the callback like an object, with `kind` telling which it is. A
 * changeSet without <val> (op remove) is a property that is now unset:
 * absent, as in a page. */
typedef struct {
  vs_object_cb callback;
  vs_subprop_cb subprop; /* may be NULL: structured values are skipped */
  void *callback_ctx;
  char token[4096];     /* continuation token, "" on the last page */
  size_t objects;       /* objects seen on this page */
  size_t props_dropped; /* text properties beyond VS_PAGE_MAX_PROPS */
  /* update sets */
  vs_update_kind_t kind; /* of the object being read (for the callback) */
  char version[256];     /* the set's version, "" when none came */
  bool truncated;        /* more updates wait for the next call */
  bool has_set;          /* a <returnval> came (none: nothing changed) */

  /* parser state */
  char obj_type[64];
  char obj_ref[VS_MOREF_LEN];
  char prop_name[64];
  char names[VS_PAGE_MAX_PROPS][64];
  char values[VS_PAGE_MAX_PROPS][VS_PAGE_MAX_VALUE];
  size_t props_num;
  int val_depth; /* depth of the <val> being read, 0 outside one */
  int item;      /* index of the current child of that <val> */
  bool has_child[VS_XML_MAX_DEPTH + 2];
  const char *stack[VS_XML_MAX_DEPTH + 2]; /* element names below <val> */
} vs_prop_page_t;

void vs_prop_page_init(vs_prop_page_t *p, vs_object_cb cb, void *cb_ctx);
vs_xml_handler_t vs_parse_prop_page(vs_prop_page_t *p);

/* --- PerformanceManager.perfCounter --- */
typedef struct {
  int key;
  char group[64];
  char name[96];
  char rollup[32];
  char unit[48];
  char stats_type[32];
  int level; /* statistics level 1..4; 0: the catalog gives none (ESXi) */
} vs_counter_info_t;

typedef void (*vs_counter_cb)(void *ctx, const vs_counter_info_t *info);

typedef struct {
  vs_counter_cb callback;
  void *callback_ctx;
  size_t counters;
  vs_counter_info_t cur;
  bool in_counter;
} vs_catalog_parser_t;

void vs_catalog_parser_init(vs_catalog_parser_t *p, vs_counter_cb cb,
                            void *cb_ctx);
vs_xml_handler_t vs_parse_catalog(vs_catalog_parser_t *p);

/* --- QueryPerf (format "normal") --- */
#define VS_PERF_MAX_SAMPLES 360

/* One series of one entity: timestamps and values share an index; the
 * order is the server's (oldest first from vCenter; not every server
 * keeps to it).
 * A value of -1 means "no data". */
typedef struct {
  const char *entity_type;
  const char *entity;
  int counter_id;
  const char *instance;
  const int64_t *timestamps_us;
  const int64_t *values;
  size_t samples;
} vs_series_t;

typedef void (*vs_series_cb)(void *ctx, const vs_series_t *series);
/* An entity's answer is complete: every series of it was delivered.
 * newest_us: its newest sample time, -1 if it had no sample. */
typedef void (*vs_entity_cb)(void *ctx, const char *entity_type,
                             const char *entity, int64_t newest_us);

typedef struct {
  vs_series_cb callback;
  vs_entity_cb entity_done; /* may be NULL */
  void *callback_ctx;
  size_t series; /* series delivered */
  size_t entities;

  char entity_type[64];
  char entity[VS_MOREF_LEN];
  int64_t timestamps[VS_PERF_MAX_SAMPLES];
  size_t timestamps_num;
  int counter_id;
  char instance[128];
  int64_t values[VS_PERF_MAX_SAMPLES];
  size_t values_num;
} vs_perf_parser_t;

void vs_perf_parser_init(vs_perf_parser_t *p, vs_series_cb cb, void *cb_ctx);
vs_xml_handler_t vs_parse_perf(vs_perf_parser_t *p);

/* --- EventHistoryCollector.ReadNextEvents ---
 * ReadNextEventsResponse > returnval (xsi:type: the event's class) >
 * key, chainId, createdTime, userName, fullFormattedMessage, eventTypeId
 * (EventEx, ExtendedEvent), severity (EventEx), and the entity arguments
 * vm, host, ds, computeResource, datacenter (> name, and a reference). */
typedef enum {
  VS_EVENT_ARG_VM = 0, /* the most specific first */
  VS_EVENT_ARG_HOST,
  VS_EVENT_ARG_DS,
  VS_EVENT_ARG_COMPUTE, /* cluster or stand-alone compute resource */
  VS_EVENT_ARG_DATACENTER,
  VS_EVENT_ARG_NUM,
} vs_event_arg_t;

typedef struct {
  char type[64]; /* managed object type; "" when the event has none */
  char moref[VS_MOREF_LEN];
  char name[VS_PAGE_MAX_VALUE];
} vs_event_entity_t;

typedef struct {
  int64_t key;        /* grows with every event of a vCenter */
  int64_t chain_id;   /* ties related events (a task's) */
  int64_t created_us; /* -1 if absent */
  /* The class ("VmPoweredOnEvent"), or an EventEx's / ExtendedEvent's
   * eventTypeId ("com.vmware.vc.ha.VmRestartedByHAEvent"). */
  char type[192];
  char severity[16]; /* EventEx: "error", "warning", "info", "user" */
  char user[128];
  char message[1024]; /* fullFormattedMessage, cut at a character */
  vs_event_entity_t entities[VS_EVENT_ARG_NUM];
} vs_event_t;

typedef void (*vs_event_cb)(void *ctx, const vs_event_t *event);

typedef struct {
  vs_event_cb callback;
  void *callback_ctx;
  size_t events;  /* delivered */
  size_t dropped; /* without a key: not delivered */

  /* parser state */
  int depth; /* of the event being read (<returnval>), 0 outside one */
  bool has_key;
  int arg; /* the entity argument being read, -1 outside one */
  vs_event_t cur;
} vs_events_parser_t;

void vs_events_parser_init(vs_events_parser_t *p, vs_event_cb cb, void *ctx);
vs_xml_handler_t vs_parse_events(vs_events_parser_t *p);

#endif
