/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_soap.c
 */
#include "vs_soap.h"

#define ENVELOPE_HEAD                                                          \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                 \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
  "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "                            \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"                   \
  "<soapenv:Body>"
#define ENVELOPE_TAIL "</soapenv:Body></soapenv:Envelope>"

static void method_begin(vs_buf_t *b, const char *method) {
  vs_buf_reset(b);
  vs_buf_puts(b, ENVELOPE_HEAD);
  vs_buf_printf(b, "<%s xmlns=\"urn:vim25\">", method);
}

static void method_end(vs_buf_t *b, const char *method) {
  vs_buf_printf(b, "</%s>" ENVELOPE_TAIL, method);
}

/* <tag type="Type">value</tag> */
static void put_moref(vs_buf_t *b, const char *tag, const char *type,
                      const char *value) {
  vs_buf_printf(b, "<%s type=\"", tag);
  vs_buf_put_escaped(b, type);
  vs_buf_puts(b, "\">");
  vs_buf_put_escaped(b, value);
  vs_buf_printf(b, "</%s>", tag);
}

static void put_text(vs_buf_t *b, const char *tag, const char *value) {
  vs_buf_printf(b, "<%s>", tag);
  vs_buf_put_escaped(b, value);
  vs_buf_printf(b, "</%s>", tag);
}

void vs_soap_retrieve_service_content(vs_buf_t *b) {
  method_begin(b, "RetrieveServiceContent");
  put_moref(b, "_this", "ServiceInstance", "ServiceInstance");
  method_end(b, "RetrieveServiceContent");
}

void vs_soap_login(vs_buf_t *b, const vs_service_content_t *sc,
                   const char *user, const char *password) {
  method_begin(b, "Login");
  put_moref(b, "_this", "SessionManager", sc->session_manager);
  put_text(b, "userName", user);
  put_text(b, "password", password);
  method_end(b, "Login");
}

void vs_soap_logout(vs_buf_t *b, const vs_service_content_t *sc) {
  method_begin(b, "Logout");
  put_moref(b, "_this", "SessionManager", sc->session_manager);
  method_end(b, "Logout");
}

void vs_soap_create_container_view(vs_buf_t *b, const vs_service_content_t *sc,
                                   const char *const *types, size_t types_num) {
  method_begin(b, "CreateContainerView");
  put_moref(b, "_this", "ViewManager", sc->view_manager);
  put_moref(b, "container", "Folder", sc->root_folder);
  for (size_t i = 0; i < types_num; i++)
    put_text(b, "type", types[i]);
  vs_buf_puts(b, "<recursive>true</recursive>");
  method_end(b, "CreateContainerView");
}

void vs_soap_destroy_view(vs_buf_t *b, const char *view) {
  method_begin(b, "DestroyView");
  put_moref(b, "_this", "ContainerView", view);
  method_end(b, "DestroyView");
}

/* PropertyFilterSpec's propSet*: the properties of each type. */
static void put_prop_specs(vs_buf_t *b, const vs_prop_spec_t *specs,
                           size_t specs_num) {
  for (size_t i = 0; i < specs_num; i++) {
    vs_buf_puts(b, "<propSet>");
    put_text(b, "type", specs[i].type);
    vs_buf_puts(b, "<all>false</all>");
    for (size_t j = 0; j < specs[i].paths_num; j++)
      put_text(b, "pathSet", specs[i].paths[j]);
    vs_buf_puts(b, "</propSet>");
  }
}

/* PropertyFilterSpec over every object of a ContainerView. */
static void put_view_filter_spec(vs_buf_t *b, const char *tag, const char *view,
                                 const vs_prop_spec_t *specs,
                                 size_t specs_num) {
  vs_buf_printf(b, "<%s>", tag);
  put_prop_specs(b, specs, specs_num); /* propSet*, then objectSet* */
  vs_buf_puts(b, "<objectSet>");
  put_moref(b, "obj", "ContainerView", view);
  vs_buf_puts(b, "<skip>true</skip>"
                 "<selectSet xsi:type=\"TraversalSpec\">"
                 "<name>traverseView</name><type>ContainerView</type>"
                 "<path>view</path><skip>false</skip>"
                 "</selectSet></objectSet>");
  vs_buf_printf(b, "</%s>", tag);
}

void vs_soap_retrieve_view(vs_buf_t *b, const vs_service_content_t *sc,
                           const char *view, const vs_prop_spec_t *specs,
                           size_t specs_num, int max_objects) {
  method_begin(b, "RetrievePropertiesEx");
  put_moref(b, "_this", "PropertyCollector", sc->property_collector);
  put_view_filter_spec(b, "specSet", view, specs, specs_num);
  vs_buf_printf(b, "<options><maxObjects>%d</maxObjects></options>",
                max_objects);
  method_end(b, "RetrievePropertiesEx");
}

void vs_soap_retrieve_objects(vs_buf_t *b, const vs_service_content_t *sc,
                              const vs_mo_ref_t *objs, size_t objs_num,
                              const vs_prop_spec_t *specs, size_t specs_num,
                              int max_objects) {
  method_begin(b, "RetrievePropertiesEx");
  put_moref(b, "_this", "PropertyCollector", sc->property_collector);
  vs_buf_puts(b, "<specSet>");
  put_prop_specs(b, specs, specs_num);
  for (size_t i = 0; i < objs_num; i++) {
    vs_buf_puts(b, "<objectSet>");
    put_moref(b, "obj", objs[i].type, objs[i].moref);
    vs_buf_puts(b, "<skip>false</skip></objectSet>");
  }
  vs_buf_puts(b, "</specSet>");
  vs_buf_printf(b, "<options><maxObjects>%d</maxObjects></options>",
                max_objects);
  method_end(b, "RetrievePropertiesEx");
}

void vs_soap_create_property_collector(vs_buf_t *b,
                                       const vs_service_content_t *sc) {
  method_begin(b, "CreatePropertyCollector");
  put_moref(b, "_this", "PropertyCollector", sc->property_collector);
  method_end(b, "CreatePropertyCollector");
}

void vs_soap_destroy_property_collector(vs_buf_t *b, const char *collector) {
  method_begin(b, "DestroyPropertyCollector");
  put_moref(b, "_this", "PropertyCollector", collector);
  method_end(b, "DestroyPropertyCollector");
}

void vs_soap_create_filter(vs_buf_t *b, const char *collector, const char *view,
                           const vs_prop_spec_t *specs, size_t specs_num) {
  method_begin(b, "CreateFilter");
  put_moref(b, "_this", "PropertyCollector", collector);
  put_view_filter_spec(b, "spec", view, specs, specs_num);
  vs_buf_puts(b, "<partialUpdates>false</partialUpdates>");
  method_end(b, "CreateFilter");
}

void vs_soap_wait_for_updates(vs_buf_t *b, const char *collector,
                              const char *version, int max_object_updates) {
  method_begin(b, "WaitForUpdatesEx");
  put_moref(b, "_this", "PropertyCollector", collector);
  if (version[0] != 0)
    put_text(b, "version", version);
  /* WaitOptions: maxWaitSeconds 0 answers at once, never blocks a read */
  vs_buf_printf(b,
                "<options><maxWaitSeconds>0</maxWaitSeconds>"
                "<maxObjectUpdates>%d</maxObjectUpdates></options>",
                max_object_updates);
  method_end(b, "WaitForUpdatesEx");
}

void vs_soap_query_options(vs_buf_t *b, const vs_service_content_t *sc,
                           const char *name) {
  method_begin(b, "QueryOptions");
  put_moref(b, "_this", "OptionManager", sc->setting);
  put_text(b, "name", name);
  method_end(b, "QueryOptions");
}

/* A PropertyCollector method on a paged retrieval's token. */
static void token_call(vs_buf_t *b, const vs_service_content_t *sc,
                       const char *method, const char *token) {
  method_begin(b, method);
  put_moref(b, "_this", "PropertyCollector", sc->property_collector);
  put_text(b, "token", token);
  method_end(b, method);
}

void vs_soap_continue_retrieve(vs_buf_t *b, const vs_service_content_t *sc,
                               const char *token) {
  token_call(b, sc, "ContinueRetrievePropertiesEx", token);
}

void vs_soap_cancel_retrieve(vs_buf_t *b, const vs_service_content_t *sc,
                             const char *token) {
  token_call(b, sc, "CancelRetrievePropertiesEx", token);
}

void vs_soap_current_time(vs_buf_t *b) {
  method_begin(b, "CurrentTime");
  put_moref(b, "_this", "ServiceInstance", "ServiceInstance");
  method_end(b, "CurrentTime");
}

void vs_soap_retrieve_perf_property(vs_buf_t *b, const vs_service_content_t *sc,
                                    const char *path) {
  method_begin(b, "RetrievePropertiesEx");
  put_moref(b, "_this", "PropertyCollector", sc->property_collector);
  vs_buf_puts(b, "<specSet><propSet><type>PerformanceManager</type>"
                 "<all>false</all>");
  put_text(b, "pathSet", path);
  vs_buf_puts(b, "</propSet><objectSet>");
  put_moref(b, "obj", "PerformanceManager", sc->perf_manager);
  vs_buf_puts(b, "<skip>false</skip></objectSet></specSet><options/>");
  method_end(b, "RetrievePropertiesEx");
}

void vs_soap_create_event_collector(vs_buf_t *b, const vs_service_content_t *sc,
                                    int64_t begin_us,
                                    const char *const *type_ids,
                                    size_t type_ids_num) {
  method_begin(b, "CreateCollectorForEvents");
  put_moref(b, "_this", "EventManager", sc->event_manager);
  /* EventFilterSpec: entity, time, userName, eventChainId, alarm,
   * scheduledTask, disableFullMessage, category, type, tag, eventTypeId */
  vs_buf_puts(b, "<filter>");
  if (begin_us >= 0) {
    char when[40];
    vs_format_datetime(begin_us, when, sizeof(when));
    vs_buf_printf(b, "<time><beginTime>%s</beginTime></time>", when);
  }
  /* unset, the API may leave fullFormattedMessage out */
  vs_buf_puts(b, "<disableFullMessage>false</disableFullMessage>");
  for (size_t i = 0; i < type_ids_num; i++)
    put_text(b, "eventTypeId", type_ids[i]);
  vs_buf_puts(b, "</filter>");
  method_end(b, "CreateCollectorForEvents");
}

void vs_soap_read_next_events(vs_buf_t *b, const char *collector,
                              int max_count) {
  method_begin(b, "ReadNextEvents");
  put_moref(b, "_this", "EventHistoryCollector", collector);
  vs_buf_printf(b, "<maxCount>%d</maxCount>", max_count);
  method_end(b, "ReadNextEvents");
}

void vs_soap_destroy_event_collector(vs_buf_t *b, const char *collector) {
  method_begin(b, "DestroyCollector");
  put_moref(b, "_this", "EventHistoryCollector", collector);
  method_end(b, "DestroyCollector");
}

void vs_soap_query_perf_begin(vs_buf_t *b, const vs_service_content_t *sc) {
  method_begin(b, "QueryPerf");
  put_moref(b, "_this", "PerformanceManager", sc->perf_manager);
}

void vs_soap_metric_ids(vs_buf_t *out, const int *counter_ids,
                        size_t counters_num, const char *instance) {
  vs_buf_reset(out);
  for (size_t i = 0; i < counters_num; i++) {
    vs_buf_printf(out, "<metricId><counterId>%d</counterId>", counter_ids[i]);
    put_text(out, "instance", instance);
    vs_buf_puts(out, "</metricId>");
  }
}

void vs_soap_query_perf_spec(vs_buf_t *b, const char *entity_type,
                             const char *entity, int64_t start_us,
                             int max_sample, const vs_buf_t *metric_ids,
                             int interval_id) {
  /* PerfQuerySpec: entity, startTime, endTime, maxSample, metricId,
   * intervalId, format */
  vs_buf_puts(b, "<querySpec>");
  put_moref(b, "entity", entity_type, entity);
  if (start_us >= 0) {
    char when[40];
    vs_format_datetime(start_us, when, sizeof(when));
    vs_buf_printf(b, "<startTime>%s</startTime>", when);
  }
  if (max_sample > 0)
    vs_buf_printf(b, "<maxSample>%d</maxSample>", max_sample);
  vs_buf_append(b, metric_ids->data ? metric_ids->data : "", metric_ids->len);
  vs_buf_printf(b,
                "<intervalId>%d</intervalId><format>normal</format>"
                "</querySpec>",
                interval_id);
}

void vs_soap_query_perf_end(vs_buf_t *b) { method_end(b, "QueryPerf"); }
