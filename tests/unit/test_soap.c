/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_soap.c
 * Every request builder must produce well-formed XML with the elements in
 * vim25 schema order: each body is parsed back with vs_xml_stream.
 */
#include "testing.h"
#include "vs_soap.h"
#include "vs_util.h"
#include "vs_xml.h"

/* ---- the parsed-back document: one entry per element ---- */

#define MAX_ELEMS 512
typedef struct {
  int depth;
  int parent_index; /* -1 for the document element */
  char name[64];
  char xsi[64];
  char type[64];
  char text[512];
} elem_t;

typedef struct {
  size_t num;
  elem_t e[MAX_ELEMS];
  int open[VS_XML_MAX_DEPTH + 2]; /* index of the open element per depth */
  bool overflow;
} doc_t;

static void doc_start(void *ctx, int depth, const char *name,
                      const char *parent, const char *xsi_type,
                      const char *type_attr) {
  (void)parent;
  doc_t *d = ctx;
  if (d->num >= MAX_ELEMS) {
    d->overflow = true;
    return;
  }
  elem_t *e = &d->e[d->num];
  memset(e, 0, sizeof(*e));
  e->depth = depth;
  e->parent_index = depth > 1 ? d->open[depth - 1] : -1;
  vs_utf8_copy(e->name, name, sizeof(e->name));
  vs_utf8_copy(e->xsi, xsi_type ? xsi_type : "", sizeof(e->xsi));
  vs_utf8_copy(e->type, type_attr ? type_attr : "", sizeof(e->type));
  d->open[depth] = (int)d->num;
  d->num++;
}

static void doc_end(void *ctx, int depth, const char *name, const char *parent,
                    const char *text, size_t len) {
  (void)name;
  (void)parent;
  (void)len;
  doc_t *d = ctx;
  if (d->overflow)
    return;
  vs_utf8_copy(d->e[d->open[depth]].text, text, sizeof(d->e[0].text));
}

/* Parses a request body; returns 0 if it is well-formed. */
static int parse_back(const vs_buf_t *b, doc_t *d) {
  memset(d, 0, sizeof(*d));
  if (b->data == NULL || b->failed)
    return -1;
  vs_xml_handler_t h = {.start = doc_start, .end = doc_end, .ctx = d};
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  if (s == NULL)
    return -1;
  int rc = vs_xml_stream_feed(s, b->data, b->len);
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  if (rc != 0)
    printf("# not well-formed: %s\n# %s\n", vs_xml_stream_error(s), b->data);
  if (rc == 0 && vs_xml_stream_has_fault(s))
    rc = -1;
  vs_xml_stream_destroy(s);
  return d->overflow ? -1 : rc;
}

/* The n-th element (0-based) called `name`, in document order; -1. */
static int find(const doc_t *d, const char *name, int n) {
  for (size_t i = 0; i < d->num; i++)
    if (strcmp(d->e[i].name, name) == 0 && n-- == 0)
      return (int)i;
  return -1;
}

/* The names of the direct children of element i, comma-separated. */
static const char *children(const doc_t *d, int i, char *buf, size_t size) {
  buf[0] = 0;
  if (i < 0)
    return "(missing)";
  size_t len = 0;
  for (size_t j = (size_t)i + 1; j < d->num; j++) {
    if (d->e[j].parent_index != i)
      continue;
    int n =
        snprintf(buf + len, size - len, "%s%s", len ? "," : "", d->e[j].name);
    if (n < 0 || (size_t)n >= size - len)
      break;
    len += (size_t)n;
  }
  return buf;
}

/* The method element: Envelope > Body > <method>. */
static int check_envelope(const doc_t *d, const vs_buf_t *b,
                          const char *method) {
  OK(d->num >= 3);
  EXPECT_EQ_STR("Envelope", d->e[0].name);
  EXPECT_EQ_STR("Body", d->e[1].name);
  EXPECT_EQ_STR(method, d->e[2].name);
  EXPECT_EQ_INT(3, d->e[2].depth);
  char open_tag[128];
  snprintf(open_tag, sizeof(open_tag), "<%s xmlns=\"urn:vim25\">", method);
  OK(strstr(b->data, open_tag) != NULL);
  OK(strncmp(b->data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0);
  return 0;
}

static const elem_t *el(const doc_t *d, int i) {
  static const elem_t missing = {.name = "(missing)"};
  return i >= 0 && (size_t)i < d->num ? &d->e[i] : &missing;
}

static void sample_sc(vs_service_content_t *sc) {
  memset(sc, 0, sizeof(*sc));
  vs_utf8_copy(sc->root_folder, "group-d1", sizeof(sc->root_folder));
  vs_utf8_copy(sc->property_collector, "propertyCollector",
               sizeof(sc->property_collector));
  vs_utf8_copy(sc->view_manager, "ViewManager", sizeof(sc->view_manager));
  vs_utf8_copy(sc->perf_manager, "PerfMgr", sizeof(sc->perf_manager));
  vs_utf8_copy(sc->session_manager, "ha-sessionmgr",
               sizeof(sc->session_manager));
}

/* ---- tests ---- */

DEF_TEST(retrieve_service_content) {
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_retrieve_service_content(&b);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "RetrieveServiceContent");
  char buf[512];
  EXPECT_EQ_STR("_this", children(&d, 2, buf, sizeof(buf)));
  int t = find(&d, "_this", 0);
  EXPECT_EQ_STR("ServiceInstance", el(&d, t)->type);
  EXPECT_EQ_STR("ServiceInstance", el(&d, t)->text);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(login_escapes) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_login(&b, &sc, "DOMAIN\\u<&\"'>", "p<&\"'>");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "Login");
  char buf[512];
  EXPECT_EQ_STR("_this,userName,password", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("SessionManager", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("ha-sessionmgr", el(&d, find(&d, "_this", 0))->text);
  EXPECT_EQ_STR("DOMAIN\\u<&\"'>", el(&d, find(&d, "userName", 0))->text);
  EXPECT_EQ_STR("p<&\"'>", el(&d, find(&d, "password", 0))->text);
  OK(strstr(b.data, "<password>p&lt;&amp;&quot;&apos;&gt;</password>") != NULL);
  OK(strstr(b.data, "p<&") == NULL); /* never raw */
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(builders_reset_the_buffer) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_puts(&b, "left over from the last request");
  vs_soap_logout(&b, &sc);
  static doc_t d;
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  char *first = strdup(b.data);
  CHECK_NOT_NULL(first);
  vs_soap_logout(&b, &sc);
  EXPECT_EQ_STR(first, b.data);
  free(first);
  check_envelope(&d, &b, "Logout");
  char buf[512];
  EXPECT_EQ_STR("_this", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("SessionManager", el(&d, find(&d, "_this", 0))->type);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(create_and_destroy_view) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  const char *types[] = {"VirtualMachine", "HostSystem"};
  vs_soap_create_container_view(&b, &sc, types, 2);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "CreateContainerView");
  char buf[512];
  EXPECT_EQ_STR("_this,container,type,type,recursive",
                children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("ViewManager", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("ViewManager", el(&d, find(&d, "_this", 0))->text);
  EXPECT_EQ_STR("Folder", el(&d, find(&d, "container", 0))->type);
  EXPECT_EQ_STR("group-d1", el(&d, find(&d, "container", 0))->text);
  EXPECT_EQ_STR("VirtualMachine", el(&d, find(&d, "type", 0))->text);
  EXPECT_EQ_STR("HostSystem", el(&d, find(&d, "type", 1))->text);
  EXPECT_EQ_STR("true", el(&d, find(&d, "recursive", 0))->text);

  /* a view moref with characters to escape (vcsim puts the session id
   * in brackets; be safe with anything) */
  vs_soap_destroy_view(&b, "session[a&b]<x>");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "DestroyView");
  EXPECT_EQ_STR("_this", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("ContainerView", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("session[a&b]<x>", el(&d, find(&d, "_this", 0))->text);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(retrieve_view) {
  vs_service_content_t sc;
  sample_sc(&sc);
  static const char *const vm_paths[] = {"name", "runtime.powerState",
                                         "runtime.host"};
  static const char *const host_paths[] = {"name", "parent"};
  vs_prop_spec_t specs[] = {{"VirtualMachine", vm_paths, 3},
                            {"HostSystem", host_paths, 2}};
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_retrieve_view(&b, &sc, "session[x]view-1", specs, 2, 500);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "RetrievePropertiesEx");
  char buf[512];
  EXPECT_EQ_STR("_this,specSet,options", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("PropertyCollector", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("propertyCollector", el(&d, find(&d, "_this", 0))->text);

  /* PropertyFilterSpec: propSet*, objectSet* */
  EXPECT_EQ_STR("propSet,propSet,objectSet",
                children(&d, find(&d, "specSet", 0), buf, sizeof(buf)));
  int ps0 = find(&d, "propSet", 0), ps1 = find(&d, "propSet", 1);
  /* PropertySpec: type, all, pathSet* */
  EXPECT_EQ_STR("type,all,pathSet,pathSet,pathSet",
                children(&d, ps0, buf, sizeof(buf)));
  EXPECT_EQ_STR("type,all,pathSet,pathSet",
                children(&d, ps1, buf, sizeof(buf)));
  EXPECT_EQ_STR("VirtualMachine", el(&d, ps0 + 1)->text);
  EXPECT_EQ_STR("false", el(&d, ps0 + 2)->text);
  EXPECT_EQ_STR("name", el(&d, ps0 + 3)->text);
  EXPECT_EQ_STR("runtime.powerState", el(&d, ps0 + 4)->text);
  EXPECT_EQ_STR("runtime.host", el(&d, ps0 + 5)->text);
  EXPECT_EQ_STR("HostSystem", el(&d, ps1 + 1)->text);
  EXPECT_EQ_STR("parent", el(&d, ps1 + 4)->text);

  /* ObjectSpec: obj, skip, selectSet */
  int os = find(&d, "objectSet", 0);
  EXPECT_EQ_STR("obj,skip,selectSet", children(&d, os, buf, sizeof(buf)));
  EXPECT_EQ_STR("ContainerView", el(&d, find(&d, "obj", 0))->type);
  EXPECT_EQ_STR("session[x]view-1", el(&d, find(&d, "obj", 0))->text);
  EXPECT_EQ_STR("true", el(&d, os + 2)->text);
  int sel = find(&d, "selectSet", 0);
  EXPECT_EQ_STR("TraversalSpec", el(&d, sel)->xsi);
  /* TraversalSpec: name, type, path, skip */
  EXPECT_EQ_STR("name,type,path,skip", children(&d, sel, buf, sizeof(buf)));
  EXPECT_EQ_STR("ContainerView", el(&d, sel + 2)->text);
  EXPECT_EQ_STR("view", el(&d, sel + 3)->text);
  EXPECT_EQ_STR("false", el(&d, sel + 4)->text);

  EXPECT_EQ_STR("maxObjects",
                children(&d, find(&d, "options", 0), buf, sizeof(buf)));
  EXPECT_EQ_STR("500", el(&d, find(&d, "maxObjects", 0))->text);
  vs_buf_free(&b);
  return 0;
}

/* The update stream's calls, in the schema's order. */
DEF_TEST(update_stream_calls) {
  vs_service_content_t sc;
  sample_sc(&sc);
  static const char *const vm_paths[] = {"name", "runtime.powerState"};
  vs_prop_spec_t specs[] = {{"VirtualMachine", vm_paths, 2}};
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  char buf[512];
  vs_soap_create_property_collector(&b, &sc);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "CreatePropertyCollector");
  EXPECT_EQ_STR("propertyCollector", el(&d, find(&d, "_this", 0))->text);

  /* CreateFilter: _this (the private collector), spec, partialUpdates */
  vs_soap_create_filter(&b, "session[x]pc-1", "session[x]view-1", specs, 1);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "CreateFilter");
  EXPECT_EQ_STR("_this,spec,partialUpdates", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("session[x]pc-1", el(&d, find(&d, "_this", 0))->text);
  EXPECT_EQ_STR("PropertyCollector", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("propSet,objectSet",
                children(&d, find(&d, "spec", 0), buf, sizeof(buf)));
  EXPECT_EQ_STR("session[x]view-1", el(&d, find(&d, "obj", 0))->text);
  EXPECT_EQ_STR("false", el(&d, find(&d, "partialUpdates", 0))->text);

  /* WaitForUpdatesEx: the first without a version, never waiting */
  vs_soap_wait_for_updates(&b, "session[x]pc-1", "", 1000);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "WaitForUpdatesEx");
  EXPECT_EQ_STR("_this,options", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("maxWaitSeconds,maxObjectUpdates",
                children(&d, find(&d, "options", 0), buf, sizeof(buf)));
  EXPECT_EQ_STR("0", el(&d, find(&d, "maxWaitSeconds", 0))->text);
  EXPECT_EQ_STR("1000", el(&d, find(&d, "maxObjectUpdates", 0))->text);
  vs_soap_wait_for_updates(&b, "session[x]pc-1", "7_<1>", 1000);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  EXPECT_EQ_STR("_this,version,options", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("7_<1>", el(&d, find(&d, "version", 0))->text);

  /* a re-read of listed objects: one ObjectSpec each, no traversal */
  vs_mo_ref_t objs[] = {{"VirtualMachine", "vm-1"}, {"HostSystem", "host-2"}};
  vs_soap_retrieve_objects(&b, &sc, objs, 2, specs, 1, 100);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "RetrievePropertiesEx");
  EXPECT_EQ_STR("propSet,objectSet,objectSet",
                children(&d, find(&d, "specSet", 0), buf, sizeof(buf)));
  EXPECT_EQ_STR("obj,skip",
                children(&d, find(&d, "objectSet", 1), buf, sizeof(buf)));
  EXPECT_EQ_STR("host-2", el(&d, find(&d, "obj", 1))->text);
  EXPECT_EQ_STR("HostSystem", el(&d, find(&d, "obj", 1))->type);

  vs_soap_destroy_property_collector(&b, "session[x]pc-1");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "DestroyPropertyCollector");
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(query_options) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_utf8_copy(sc.setting, "VpxSettings", sizeof(sc.setting));
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_query_options(&b, &sc, "config.vpxd.stats.maxQueryMetrics");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "QueryOptions");
  char buf[512];
  /* OptionManager.QueryOptions: _this, name */
  EXPECT_EQ_STR("_this,name", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("OptionManager", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("VpxSettings", el(&d, find(&d, "_this", 0))->text);
  EXPECT_EQ_STR("config.vpxd.stats.maxQueryMetrics",
                el(&d, find(&d, "name", 0))->text);
  /* escaped, whatever the name */
  vs_soap_query_options(&b, &sc, "a<&>b");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  EXPECT_EQ_STR("a<&>b", el(&d, find(&d, "name", 0))->text);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(continue_retrieve) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_continue_retrieve(&b, &sc, "tok<&>1");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "ContinueRetrievePropertiesEx");
  char buf[512];
  EXPECT_EQ_STR("_this,token", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("PropertyCollector", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("tok<&>1", el(&d, find(&d, "token", 0))->text);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(retrieve_perf_counters) {
  vs_service_content_t sc;
  sample_sc(&sc);
  vs_buf_t b;
  vs_buf_init(&b);
  static doc_t d;
  vs_soap_retrieve_perf_property(&b, &sc, "perfCounter");
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "RetrievePropertiesEx");
  char buf[512];
  EXPECT_EQ_STR("_this,specSet,options", children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("propSet,objectSet",
                children(&d, find(&d, "specSet", 0), buf, sizeof(buf)));
  int ps = find(&d, "propSet", 0);
  EXPECT_EQ_STR("type,all,pathSet", children(&d, ps, buf, sizeof(buf)));
  EXPECT_EQ_STR("PerformanceManager", el(&d, ps + 1)->text);
  EXPECT_EQ_STR("perfCounter", el(&d, ps + 3)->text);
  int os = find(&d, "objectSet", 0);
  EXPECT_EQ_STR("obj,skip", children(&d, os, buf, sizeof(buf)));
  EXPECT_EQ_STR("PerformanceManager", el(&d, os + 1)->type);
  EXPECT_EQ_STR("PerfMgr", el(&d, os + 1)->text);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(metric_ids) {
  const int ids[] = {2, 6, 148};
  vs_buf_t m;
  vs_buf_init(&m);
  vs_soap_metric_ids(&m, ids, 3, "*");
  EXPECT_EQ_STR("<metricId><counterId>2</counterId><instance>*</instance>"
                "</metricId><metricId><counterId>6</counterId><instance>*"
                "</instance></metricId><metricId><counterId>148</counterId>"
                "<instance>*</instance></metricId>",
                m.data);
  vs_soap_metric_ids(&m, ids, 1, ""); /* rewrites, does not append */
  EXPECT_EQ_STR("<metricId><counterId>2</counterId><instance></instance>"
                "</metricId>",
                m.data);
  vs_soap_metric_ids(&m, ids, 0, "*");
  EXPECT_EQ_INT(0, m.len);
  vs_buf_free(&m);
  return 0;
}

DEF_TEST(query_perf) {
  vs_service_content_t sc;
  sample_sc(&sc);
  const int ids[] = {2, 148};
  vs_buf_t m, b;
  vs_buf_init(&m);
  vs_buf_init(&b);
  vs_soap_metric_ids(&m, ids, 2, "*");

  int64_t start;
  vs_parse_datetime("2024-01-02T03:04:05.123456Z", &start);
  vs_soap_query_perf_begin(&b, &sc);
  vs_soap_query_perf_spec(&b, "VirtualMachine", "vm-1", start, 180, &m, 20);
  vs_soap_query_perf_spec(&b, "HostSystem", "host-<1>", -1, 1, &m, 20);
  vs_soap_query_perf_spec(&b, "VirtualMachine", "vm-2", -1, 0, &m, 300);
  vs_soap_query_perf_end(&b);

  static doc_t d;
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  check_envelope(&d, &b, "QueryPerf");
  char buf[512];
  EXPECT_EQ_STR("_this,querySpec,querySpec,querySpec",
                children(&d, 2, buf, sizeof(buf)));
  EXPECT_EQ_STR("PerformanceManager", el(&d, find(&d, "_this", 0))->type);
  EXPECT_EQ_STR("PerfMgr", el(&d, find(&d, "_this", 0))->text);

  /* PerfQuerySpec: entity, startTime, endTime, maxSample, metricId*,
   * intervalId, format */
  int q0 = find(&d, "querySpec", 0);
  EXPECT_EQ_STR("entity,startTime,maxSample,metricId,metricId,intervalId,"
                "format",
                children(&d, q0, buf, sizeof(buf)));
  EXPECT_EQ_STR("VirtualMachine", el(&d, q0 + 1)->type);
  EXPECT_EQ_STR("vm-1", el(&d, q0 + 1)->text);
  EXPECT_EQ_STR("2024-01-02T03:04:05.123456Z", el(&d, q0 + 2)->text);
  EXPECT_EQ_STR("180", el(&d, q0 + 3)->text);
  int m0 = q0 + 4;
  EXPECT_EQ_STR("counterId,instance", children(&d, m0, buf, sizeof(buf)));
  EXPECT_EQ_STR("2", el(&d, m0 + 1)->text);
  EXPECT_EQ_STR("*", el(&d, m0 + 2)->text);
  EXPECT_EQ_STR("148", el(&d, find(&d, "counterId", 1))->text);
  EXPECT_EQ_STR("20", el(&d, find(&d, "intervalId", 0))->text);
  EXPECT_EQ_STR("normal", el(&d, find(&d, "format", 0))->text);

  /* no start: no startTime element at all */
  int q1 = find(&d, "querySpec", 1);
  EXPECT_EQ_STR("entity,maxSample,metricId,metricId,intervalId,format",
                children(&d, q1, buf, sizeof(buf)));
  EXPECT_EQ_STR("HostSystem", el(&d, q1 + 1)->type);
  EXPECT_EQ_STR("host-<1>", el(&d, q1 + 1)->text);
  EXPECT_EQ_STR("1", el(&d, q1 + 2)->text);

  /* no maxSample either */
  int q2 = find(&d, "querySpec", 2);
  EXPECT_EQ_STR("entity,metricId,metricId,intervalId,format",
                children(&d, q2, buf, sizeof(buf)));
  EXPECT_EQ_STR("300", el(&d, find(&d, "intervalId", 2))->text);

  /* a spec with no metric id at all is still well-formed */
  vs_buf_t none;
  vs_buf_init(&none);
  vs_soap_query_perf_begin(&b, &sc);
  vs_soap_query_perf_spec(&b, "VirtualMachine", "vm-1", -1, 1, &none, 20);
  vs_soap_query_perf_end(&b);
  EXPECT_EQ_INT(0, parse_back(&b, &d));
  EXPECT_EQ_STR("entity,maxSample,intervalId,format",
                children(&d, find(&d, "querySpec", 0), buf, sizeof(buf)));
  vs_buf_free(&none);
  vs_buf_free(&m);
  vs_buf_free(&b);
  return 0;
}

static void count_element(void *ctx, int depth, const char *name,
                          const char *parent, const char *xsi_type,
                          const char *type_attr) {
  (void)depth;
  (void)name;
  (void)parent;
  (void)xsi_type;
  (void)type_attr;
  (*(size_t *)ctx)++;
}

DEF_TEST(query_perf_many_entities) {
  /* Large bodies stay well-formed and complete. */
  vs_service_content_t sc;
  sample_sc(&sc);
  int ids[40];
  for (int i = 0; i < 40; i++)
    ids[i] = 1000 + i;
  vs_buf_t m, b;
  vs_buf_init(&m);
  vs_buf_init(&b);
  vs_soap_metric_ids(&m, ids, 40, "");
  vs_soap_query_perf_begin(&b, &sc);
  for (int i = 0; i < 200; i++) {
    char ref[32];
    snprintf(ref, sizeof(ref), "vm-%d", i);
    vs_soap_query_perf_spec(&b, "VirtualMachine", ref, -1, 1, &m, 20);
  }
  vs_soap_query_perf_end(&b);
  OK(!b.failed);
  size_t elements = 0;
  vs_xml_handler_t count = {.start = count_element, .ctx = &elements};
  vs_xml_stream_t *s = vs_xml_stream_create(&count);
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(0, vs_xml_stream_feed(s, b.data, b.len));
  EXPECT_EQ_INT(0, vs_xml_stream_finish(s));
  /* Envelope, Body, QueryPerf, _this + 200 x (querySpec, entity,
   * maxSample, intervalId, format + 40 x 3) */
  EXPECT_EQ_INT(4 + 200 * (5 + 40 * 3), elements);
  vs_xml_stream_destroy(s);
  vs_buf_free(&m);
  vs_buf_free(&b);
  return 0;
}

int main(void) {
  RUN_TEST(retrieve_service_content);
  RUN_TEST(login_escapes);
  RUN_TEST(builders_reset_the_buffer);
  RUN_TEST(create_and_destroy_view);
  RUN_TEST(retrieve_view);
  RUN_TEST(continue_retrieve);
  RUN_TEST(update_stream_calls);
  RUN_TEST(query_options);
  RUN_TEST(retrieve_perf_counters);
  RUN_TEST(metric_ids);
  RUN_TEST(query_perf);
  RUN_TEST(query_perf_many_entities);
  END_TEST;
}
