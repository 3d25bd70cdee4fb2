/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_soap.h
 * Builders for the SOAP request bodies the plugin sends. Child elements are
 * written in the vim25 schema order (real vCenter validates it), managed
 * object references carry their type, every string is XML-escaped.
 */
#ifndef VS_SOAP_H
#define VS_SOAP_H

#include "vs_util.h"

#define VS_MOREF_LEN 256 /* morefs are opaque strings: room to spare */

/* What RetrieveServiceContent tells about the endpoint. */
typedef struct {
  char root_folder[VS_MOREF_LEN];
  char property_collector[VS_MOREF_LEN];
  char view_manager[VS_MOREF_LEN];
  char perf_manager[VS_MOREF_LEN];
  char session_manager[VS_MOREF_LEN];
  char setting[VS_MOREF_LEN]; /* OptionManager (vCenter: VpxSettings) */
  char custom_fields_manager[VS_MOREF_LEN]; /* "" when the server has none */
  char event_manager[VS_MOREF_LEN];         /* "" when the server has none */
  char api_version[32];
  char api_type[32]; /* "VirtualCenter" or "HostAgent" (stand-alone ESXi) */
  char full_name[160];
} vs_service_content_t;

/* One property-collector selection: an object type and its properties. */
typedef struct {
  const char *type;
  const char *const *paths;
  size_t paths_num;
} vs_prop_spec_t;

void vs_soap_retrieve_service_content(vs_buf_t *b);
void vs_soap_login(vs_buf_t *b, const vs_service_content_t *sc,
                   const char *user, const char *password);
void vs_soap_logout(vs_buf_t *b, const vs_service_content_t *sc);
void vs_soap_create_container_view(vs_buf_t *b, const vs_service_content_t *sc,
                                   const char *const *types, size_t types_num);
void vs_soap_destroy_view(vs_buf_t *b, const char *view);
/* RetrievePropertiesEx over every object of a ContainerView. */
void vs_soap_retrieve_view(vs_buf_t *b, const vs_service_content_t *sc,
                           const char *view, const vs_prop_spec_t *specs,
                           size_t specs_num, int max_objects);
/* A managed object reference. */
typedef struct {
  const char *type;
  const char *moref;
} vs_mo_ref_t;
/* RetrievePropertiesEx of the listed objects (no traversal). */
void vs_soap_retrieve_objects(vs_buf_t *b, const vs_service_content_t *sc,
                              const vs_mo_ref_t *objs, size_t objs_num,
                              const vs_prop_spec_t *specs, size_t specs_num,
                              int max_objects);
/* The update stream: a private PropertyCollector (destroying it destroys
 * its filters), one filter over a ContainerView, WaitForUpdatesEx. */
void vs_soap_create_property_collector(vs_buf_t *b,
                                       const vs_service_content_t *sc);
void vs_soap_destroy_property_collector(vs_buf_t *b, const char *collector);
void vs_soap_create_filter(vs_buf_t *b, const char *collector, const char *view,
                           const vs_prop_spec_t *specs, size_t specs_num);
/* version "": the first call (every object, as "enter"). Never waits. */
void vs_soap_wait_for_updates(vs_buf_t *b, const char *collector,
                              const char *version, int max_object_updates);
/* OptionManager.QueryOptions(name). */
void vs_soap_query_options(vs_buf_t *b, const vs_service_content_t *sc,
                           const char *name);
void vs_soap_continue_retrieve(vs_buf_t *b, const vs_service_content_t *sc,
                               const char *token);
/* Ends a paged retrieval whose remaining pages will not be read. */
void vs_soap_cancel_retrieve(vs_buf_t *b, const vs_service_content_t *sc,
                             const char *token);
/* RetrievePropertiesEx of one PerformanceManager property: "perfCounter"
 * (the catalog), "historicalInterval" (statistics levels). */
void vs_soap_retrieve_perf_property(vs_buf_t *b, const vs_service_content_t *sc,
                                    const char *path);
/* ServiceInstance.CurrentTime: the server's clock. */
void vs_soap_current_time(vs_buf_t *b);

/* EventManager.CreateCollectorForEvents: events created from `begin_us`
 * on (< 0: no time filter), of the listed types (eventTypeId: class names,
 * and EventEx ids; none: every type). */
void vs_soap_create_event_collector(vs_buf_t *b, const vs_service_content_t *sc,
                                    int64_t begin_us,
                                    const char *const *type_ids,
                                    size_t type_ids_num);
/* EventHistoryCollector.ReadNextEvents, DestroyCollector. */
void vs_soap_read_next_events(vs_buf_t *b, const char *collector,
                              int max_count);
void vs_soap_destroy_event_collector(vs_buf_t *b, const char *collector);

/* QueryPerf is written in three steps: begin, one spec per entity, end. */
void vs_soap_query_perf_begin(vs_buf_t *b, const vs_service_content_t *sc);
/* The <metricId> list is the same for every entity of a kind: it is
 * written once (into `out`) and copied into each spec. `instance` is ""
 * for the aggregate only, "*" for every instance and the aggregate. */
void vs_soap_metric_ids(vs_buf_t *out, const int *counter_ids,
                        size_t counters_num, const char *instance);
/* start_us < 0: no startTime. */
void vs_soap_query_perf_spec(vs_buf_t *b, const char *entity_type,
                             const char *entity, int64_t start_us,
                             int max_sample, const vs_buf_t *metric_ids,
                             int interval_id);
void vs_soap_query_perf_end(vs_buf_t *b);

#endif
