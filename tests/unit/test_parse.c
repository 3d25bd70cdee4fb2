/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_parse.c
 * The response handlers: service content, property pages, the counter
 * catalog and QueryPerf, on captured vcsim answers and on hand-written
 * vCenter-style documents.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_parse.h"
#include "vs_util.h"
#include "vs_xml.h"

#define SOAP_HEAD                                                              \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                 \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
  "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "                            \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"                   \
  "<soapenv:Body>"
#define SOAP_TAIL "</soapenv:Body></soapenv:Envelope>"

/* Feeds a document to `h` in chunks of `chunk` bytes (0: in one go);
 * returns 0 if the document was accepted. */
static int run(vs_xml_handler_t h, const char *data, size_t len, size_t chunk) {
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  if (s == NULL)
    return -100;
  if (chunk == 0)
    chunk = len ? len : 1;
  int rc = 0;
  for (size_t off = 0; off < len && rc == 0; off += chunk)
    rc = vs_xml_stream_feed(s, data + off,
                            len - off < chunk ? len - off : chunk);
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  if (rc != 0)
    printf("# parse error: %s\n", vs_xml_stream_error(s));
  vs_xml_stream_destroy(s);
  return rc;
}

static int run_str(vs_xml_handler_t h, const char *doc, size_t chunk) {
  return run(h, doc, strlen(doc), chunk);
}

static int run_file(vs_xml_handler_t h, const char *name, size_t chunk) {
  size_t len;
  char *data = mock_read_data(name, &len);
  if (data == NULL)
    return -100;
  int rc = run(h, data, len, chunk);
  free(data);
  return rc;
}

/* ==== service content ==== */

DEF_TEST(service_content_vcsim) {
  vs_service_content_t sc;
  memset(&sc, 0x55, sizeof(sc)); /* the handler clears it */
  EXPECT_EQ_INT(0, run_file(vs_parse_service_content(&sc),
                            "vcsim_service_content.xml", 0));
  EXPECT_EQ_STR("group-d1", sc.root_folder);
  EXPECT_EQ_STR("propertyCollector", sc.property_collector);
  EXPECT_EQ_STR("ViewManager", sc.view_manager);
  EXPECT_EQ_STR("PerfMgr", sc.perf_manager);
  EXPECT_EQ_STR("SessionManager", sc.session_manager);
  EXPECT_EQ_STR("VpxSettings", sc.setting); /* the OptionManager */
  EXPECT_EQ_STR("VirtualCenter", sc.api_type);
  EXPECT_EQ_STR("6.5", sc.api_version);
  EXPECT_EQ_STR("VMware vCenter Server 6.5.0 build-5973321", sc.full_name);
  return 0;
}

DEF_TEST(service_content_vcenter) {
  const char *doc = SOAP_HEAD
      "<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>"
      "<rootFolder type=\"Folder\">group-d1</rootFolder>"
      "<propertyCollector type=\"PropertyCollector\">propertyCollector"
      "</propertyCollector>"
      "<viewManager type=\"ViewManager\">ViewManager</viewManager>"
      "<about><name>VMware vCenter Server</name>"
      "<fullName>VMware vCenter Server 8.0.2 build-22617221</fullName>"
      "<vendor>VMware, Inc.</vendor><version>8.0.2</version>"
      "<build>22617221</build><osType>linux-x64</osType>"
      "<productLineId>vpx</productLineId><apiType>VirtualCenter</apiType>"
      "<apiVersion>8.0.2.0</apiVersion></about>"
      "<setting type=\"OptionManager\">VpxSettings</setting>"
      "<sessionManager type=\"SessionManager\">SessionManager"
      "</sessionManager>"
      "<perfManager type=\"PerformanceManager\">PerfMgr</perfManager>"
      /* an element of the same name deeper down is not taken */
      "<extra><rootFolder type=\"Folder\">wrong</rootFolder></extra>"
      "</returnval></RetrieveServiceContentResponse>" SOAP_TAIL;
  vs_service_content_t sc;
  EXPECT_EQ_INT(0, run_str(vs_parse_service_content(&sc), doc, 1));
  EXPECT_EQ_STR("group-d1", sc.root_folder);
  EXPECT_EQ_STR("propertyCollector", sc.property_collector);
  EXPECT_EQ_STR("ViewManager", sc.view_manager);
  EXPECT_EQ_STR("PerfMgr", sc.perf_manager);
  EXPECT_EQ_STR("SessionManager", sc.session_manager);
  EXPECT_EQ_STR("VpxSettings", sc.setting);
  EXPECT_EQ_STR("VirtualCenter", sc.api_type);
  EXPECT_EQ_STR("8.0.2.0", sc.api_version);
  EXPECT_EQ_STR("VMware vCenter Server 8.0.2 build-22617221", sc.full_name);
  return 0;
}

DEF_TEST(service_content_esxi) {
  const char *doc = SOAP_HEAD
      "<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval>"
      "<rootFolder type=\"Folder\">ha-folder-root</rootFolder>"
      "<propertyCollector type=\"PropertyCollector\">ha-property-collector"
      "</propertyCollector>"
      "<viewManager type=\"ViewManager\">ViewManager</viewManager>"
      "<about><name>VMware ESXi</name>"
      "<fullName>VMware ESXi 7.0.3 build-21930508</fullName>"
      "<apiType>HostAgent</apiType><apiVersion>7.0.3.0</apiVersion></about>"
      "<sessionManager type=\"SessionManager\">ha-sessionmgr"
      "</sessionManager>"
      "<perfManager type=\"PerformanceManager\">ha-perfmgr</perfManager>"
      "</returnval></RetrieveServiceContentResponse>" SOAP_TAIL;
  vs_service_content_t sc;
  EXPECT_EQ_INT(0, run_str(vs_parse_service_content(&sc), doc, 0));
  EXPECT_EQ_STR("ha-folder-root", sc.root_folder);
  EXPECT_EQ_STR("ha-property-collector", sc.property_collector);
  EXPECT_EQ_STR("ha-sessionmgr", sc.session_manager);
  EXPECT_EQ_STR("ha-perfmgr", sc.perf_manager);
  EXPECT_EQ_STR("", sc.setting); /* not in this answer */
  EXPECT_EQ_STR("HostAgent", sc.api_type);
  EXPECT_EQ_STR("7.0.3.0", sc.api_version);
  EXPECT_EQ_STR("VMware ESXi 7.0.3 build-21930508", sc.full_name);
  return 0;
}

DEF_TEST(service_content_long_values_truncated) {
  char doc[4096];
  char big[400];
  memset(big, 'v', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  snprintf(doc, sizeof(doc),
           SOAP_HEAD "<R xmlns=\"urn:vim25\"><returnval><rootFolder>%s"
                     "</rootFolder><about><apiVersion>%s</apiVersion></about>"
                     "</returnval></R>" SOAP_TAIL,
           big, big);
  vs_service_content_t sc;
  EXPECT_EQ_INT(0, run_str(vs_parse_service_content(&sc), doc, 0));
  EXPECT_EQ_INT(VS_MOREF_LEN - 1, strlen(sc.root_folder));
  EXPECT_EQ_INT(sizeof(sc.api_version) - 1, strlen(sc.api_version));
  EXPECT_EQ_STR("", sc.perf_manager);
  return 0;
}

/* ==== property pages ==== */

#define MAX_OBJS 16
typedef struct {
  char type[64], moref[VS_MOREF_LEN];
  size_t props_num;
  char names[VS_PAGE_MAX_PROPS][64];
  char values[VS_PAGE_MAX_PROPS][VS_PAGE_MAX_VALUE];
} obj_copy_t;

typedef struct {
  size_t num;
  obj_copy_t o[MAX_OBJS];
} objs_t;

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  objs_t *objs = ctx;
  if (objs->num >= MAX_OBJS)
    return;
  obj_copy_t *o = &objs->o[objs->num++];
  vs_utf8_copy(o->type, type, sizeof(o->type));
  vs_utf8_copy(o->moref, moref, sizeof(o->moref));
  o->props_num = props_num;
  for (size_t i = 0; i < props_num && i < VS_PAGE_MAX_PROPS; i++) {
    vs_utf8_copy(o->names[i], props[i].name, sizeof(o->names[i]));
    vs_utf8_copy(o->values[i], props[i].value, sizeof(o->values[i]));
  }
}

static const char *prop_of(const objs_t *objs, size_t i, const char *name) {
  for (size_t j = 0; j < objs->o[i].props_num; j++)
    if (strcmp(objs->o[i].names[j], name) == 0)
      return objs->o[i].values[j];
  return NULL;
}

DEF_TEST(prop_page_vcsim) {
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, &objs);
  EXPECT_EQ_INT(0, run_file(vs_parse_prop_page(&page), "vcsim_props.xml", 0));
  EXPECT_EQ_INT(4, objs.num);
  EXPECT_EQ_INT(4, page.objects);
  EXPECT_EQ_STR("", page.token);

  EXPECT_EQ_STR("VirtualMachine", objs.o[0].type);
  EXPECT_EQ_STR("vm-39", objs.o[0].moref);
  EXPECT_EQ_INT(3, objs.o[0].props_num);
  EXPECT_EQ_STR("DC0_H0_VM0", prop_of(&objs, 0, "name"));
  EXPECT_EQ_STR("poweredOn", prop_of(&objs, 0, "runtime.powerState"));
  EXPECT_EQ_STR("host-21", prop_of(&objs, 0, "runtime.host"));

  EXPECT_EQ_STR("VirtualMachine", objs.o[1].type);
  EXPECT_EQ_STR("vm-42", objs.o[1].moref);
  EXPECT_EQ_STR("DC0_C0_RP0_VM0", prop_of(&objs, 1, "name"));
  EXPECT_EQ_STR("host-34", prop_of(&objs, 1, "runtime.host"));

  EXPECT_EQ_STR("HostSystem", objs.o[2].type);
  EXPECT_EQ_STR("host-21", objs.o[2].moref);
  EXPECT_EQ_INT(4, objs.o[2].props_num);
  EXPECT_EQ_STR("DC0_H0", prop_of(&objs, 2, "name"));
  EXPECT_EQ_STR("poweredOn", prop_of(&objs, 2, "runtime.powerState"));
  EXPECT_EQ_STR("connected", prop_of(&objs, 2, "runtime.connectionState"));
  EXPECT_EQ_STR("computeresource-23", prop_of(&objs, 2, "parent"));

  EXPECT_EQ_STR("HostSystem", objs.o[3].type);
  EXPECT_EQ_STR("host-34", objs.o[3].moref);
  EXPECT_EQ_STR("DC0_C0_H0", prop_of(&objs, 3, "name"));
  EXPECT_EQ_STR("clustercomputeresource-27", prop_of(&objs, 3, "parent"));
  return 0;
}

/* vCenter style: token first, xsi:type with prefixes, a name with an
 * entity, an object without all properties, a complex value. */
static const char vcenter_page[] = SOAP_HEAD
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<token>2</token>"
    "<objects><obj type=\"VirtualMachine\">vm-1001</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">web &amp; db"
    "</val></propSet>"
    "<propSet><name>runtime.host</name><val type=\"HostSystem\" "
    "xsi:type=\"ManagedObjectReference\">host-12</val></propSet>"
    "<propSet><name>runtime.powerState</name>"
    "<val xsi:type=\"VirtualMachinePowerState\">poweredOff</val></propSet>"
    "</objects>"
    "<objects><obj type=\"VirtualMachine\">vm-1002</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">&lt;tmpl&gt;"
    "</val></propSet>"
    "<propSet><name>datastore</name><val "
    "xsi:type=\"ArrayOfManagedObjectReference\"><ManagedObjectReference "
    "type=\"Datastore\" xsi:type=\"ManagedObjectReference\">ds-1"
    "</ManagedObjectReference></val></propSet>"
    "<missingSet><path>runtime.host</path><fault><fault "
    "xsi:type=\"NoPermission\"/></fault></missingSet>"
    "</objects>"
    "</returnval></RetrievePropertiesExResponse>" SOAP_TAIL;

DEF_TEST(prop_page_vcenter_with_token) {
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, &objs);
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page), vcenter_page, 1));
  EXPECT_EQ_STR("2", page.token);
  EXPECT_EQ_INT(2, page.objects);
  EXPECT_EQ_INT(2, objs.num);

  EXPECT_EQ_STR("VirtualMachine", objs.o[0].type);
  EXPECT_EQ_STR("vm-1001", objs.o[0].moref);
  EXPECT_EQ_INT(3, objs.o[0].props_num);
  EXPECT_EQ_STR("web & db", prop_of(&objs, 0, "name"));
  EXPECT_EQ_STR("host-12", prop_of(&objs, 0, "runtime.host"));
  EXPECT_EQ_STR("poweredOff", prop_of(&objs, 0, "runtime.powerState"));

  /* the second object starts afresh: nothing of the first leaks in */
  EXPECT_EQ_STR("vm-1002", objs.o[1].moref);
  EXPECT_EQ_STR("<tmpl>", prop_of(&objs, 1, "name"));
  OK(prop_of(&objs, 1, "runtime.host") == NULL);
  OK(prop_of(&objs, 1, "runtime.powerState") == NULL);
  /* a structured value is no leaf property (its leaves go to the subprop
   * callback; without one they are skipped) */
  OK(prop_of(&objs, 1, "datastore") == NULL);
  EXPECT_EQ_INT(1, objs.o[1].props_num);
  return 0;
}

DEF_TEST(prop_page_last_page_has_no_token) {
  const char *doc = SOAP_HEAD
      "<ContinueRetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
      "<objects><obj type=\"HostSystem\">host-12</obj>"
      "<propSet><name>name</name><val xsi:type=\"xsd:string\">esx12.lab"
      "</val></propSet></objects>"
      "</returnval></ContinueRetrievePropertiesExResponse>" SOAP_TAIL;
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, &objs);
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page), doc, 0));
  EXPECT_EQ_STR("", page.token);
  EXPECT_EQ_INT(1, objs.num);
  EXPECT_EQ_STR("HostSystem", objs.o[0].type);
  EXPECT_EQ_STR("esx12.lab", prop_of(&objs, 0, "name"));

  /* an empty result: no returnval at all */
  memset(&objs, 0, sizeof(objs));
  vs_prop_page_init(&page, on_object, &objs);
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page),
                           SOAP_HEAD "<RetrievePropertiesExResponse "
                                     "xmlns=\"urn:vim25\"/>" SOAP_TAIL,
                           0));
  EXPECT_EQ_INT(0, objs.num);
  EXPECT_EQ_STR("", page.token);
  return 0;
}

/* WaitForUpdatesEx in vCenter's shape: an update set of one filter, an
 * object entering with every property (a structured one among them), a
 * change, a property unset (op remove: no val), an object leaving; the
 * version and "truncated" of the set. */
static const vs_prop_page_t *update_page;
static vs_update_kind_t update_kinds[MAX_OBJS];

static void on_update(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  objs_t *objs = ctx;
  if (objs->num < MAX_OBJS)
    update_kinds[objs->num] = update_page->kind;
  on_object(ctx, type, moref, props, props_num);
}

DEF_TEST(update_set_vcenter_style) {
  const char *doc = SOAP_HEAD
      "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval>"
      "<version>1_3</version>"
      "<filterSet><filter type=\"PropertyFilter\">session[52a1]5230</filter>"
      "<objectSet><kind>enter</kind><obj type=\"VirtualMachine\">vm-42</obj>"
      "<changeSet><name>name</name><op>assign</op>"
      "<val xsi:type=\"xsd:string\">web01</val></changeSet>"
      "<changeSet><name>guest.disk</name><op>assign</op>"
      "<val xsi:type=\"ArrayOfGuestDiskInfo\"><GuestDiskInfo "
      "xsi:type=\"GuestDiskInfo\"><diskPath>/</diskPath><capacity>100"
      "</capacity></GuestDiskInfo></val></changeSet>"
      "<changeSet><name>runtime.powerState</name><op>assign</op>"
      "<val xsi:type=\"VirtualMachinePowerState\">poweredOn</val>"
      "</changeSet></objectSet>"
      "<objectSet><kind>modify</kind><obj type=\"HostSystem\">host-7</obj>"
      "<changeSet><name>runtime.inMaintenanceMode</name><op>assign</op>"
      "<val xsi:type=\"xsd:boolean\">true</val></changeSet>"
      "<changeSet><name>runtime.bootTime</name><op>remove</op></changeSet>"
      "</objectSet>"
      "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">vm-9</obj>"
      "</objectSet>"
      "</filterSet><truncated>true</truncated></returnval>"
      "</WaitForUpdatesExResponse>" SOAP_TAIL;
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_update, &objs);
  update_page = &page;
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page), doc, 3));
  OK(page.has_set);
  EXPECT_EQ_STR("1_3", page.version);
  OK(page.truncated);
  EXPECT_EQ_INT(3, objs.num);
  EXPECT_EQ_INT(VS_UPDATE_ENTER, update_kinds[0]);
  EXPECT_EQ_STR("vm-42", objs.o[0].moref);
  EXPECT_EQ_STR("VirtualMachine", objs.o[0].type);
  EXPECT_EQ_STR("web01", prop_of(&objs, 0, "name"));
  EXPECT_EQ_STR("poweredOn", prop_of(&objs, 0, "runtime.powerState"));
  OK(prop_of(&objs, 0, "guest.disk") == NULL); /* structured: no leaf */
  EXPECT_EQ_INT(VS_UPDATE_MODIFY, update_kinds[1]);
  EXPECT_EQ_STR("host-7", objs.o[1].moref);
  EXPECT_EQ_STR("true", prop_of(&objs, 1, "runtime.inMaintenanceMode"));
  OK(prop_of(&objs, 1, "runtime.bootTime") == NULL); /* unset */
  EXPECT_EQ_INT(VS_UPDATE_LEAVE, update_kinds[2]);
  EXPECT_EQ_STR("vm-9", objs.o[2].moref);
  EXPECT_EQ_INT(0, objs.o[2].props_num);

  /* nothing changed (maxWaitSeconds 0): no returnval, no version */
  memset(&objs, 0, sizeof(objs));
  vs_prop_page_init(&page, on_update, &objs);
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page),
                           SOAP_HEAD "<WaitForUpdatesExResponse "
                                     "xmlns=\"urn:vim25\"/>" SOAP_TAIL,
                           0));
  OK(!page.has_set);
  EXPECT_EQ_STR("", page.version);
  OK(!page.truncated);
  EXPECT_EQ_INT(0, objs.num);

  /* a page of RetrievePropertiesEx is not an update set */
  memset(&objs, 0, sizeof(objs));
  vs_prop_page_init(&page, on_update, &objs);
  EXPECT_EQ_INT(0, run_str(vs_parse_prop_page(&page), vcenter_page, 0));
  OK(!page.has_set);
  EXPECT_EQ_INT(VS_UPDATE_NONE, update_kinds[0]);
  EXPECT_EQ_INT(VS_UPDATE_NONE, update_kinds[1]);
  return 0;
}

DEF_TEST(prop_page_bounds) {
  /* More properties than VS_PAGE_MAX_PROPS, a value longer than
   * VS_PAGE_MAX_VALUE: both bounded, neither overflows. */
  vs_buf_t doc;
  vs_buf_init(&doc);
  vs_buf_puts(&doc, SOAP_HEAD "<R xmlns=\"urn:vim25\"><returnval><objects>"
                              "<obj type=\"VirtualMachine\">vm-1</obj>");
  for (int i = 0; i < VS_PAGE_MAX_PROPS + 5; i++)
    vs_buf_printf(&doc, "<propSet><name>p%d</name><val>v%d</val></propSet>", i,
                  i);
  vs_buf_puts(&doc, "</objects><objects><obj type=\"VirtualMachine\">vm-2"
                    "</obj><propSet><name>name</name><val>");
  for (int i = 0; i < 3 * VS_PAGE_MAX_VALUE; i++)
    vs_buf_puts(&doc, "n");
  vs_buf_puts(&doc, "</val></propSet></objects></returnval></R>" SOAP_TAIL);

  static struct {
    vs_prop_page_t page;
    char canary[64];
  } guarded;
  memset(guarded.canary, 0x5a, sizeof(guarded.canary));
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  vs_prop_page_init(&guarded.page, on_object, &objs);
  EXPECT_EQ_INT(0,
                run(vs_parse_prop_page(&guarded.page), doc.data, doc.len, 0));
  EXPECT_EQ_INT(2, objs.num);
  EXPECT_EQ_INT(VS_PAGE_MAX_PROPS, objs.o[0].props_num);
  /* the ones left out are counted: discovery fails on them, loudly */
  EXPECT_EQ_INT(5, guarded.page.props_dropped);
  EXPECT_EQ_STR("v0", prop_of(&objs, 0, "p0"));
  char last[16], over[16], last_v[16];
  snprintf(last, sizeof(last), "p%d", VS_PAGE_MAX_PROPS - 1);
  snprintf(last_v, sizeof(last_v), "v%d", VS_PAGE_MAX_PROPS - 1);
  snprintf(over, sizeof(over), "p%d", VS_PAGE_MAX_PROPS);
  EXPECT_EQ_STR(last_v, prop_of(&objs, 0, last));
  OK(prop_of(&objs, 0, over) == NULL);
  EXPECT_EQ_INT(1, objs.o[1].props_num);
  EXPECT_EQ_INT(VS_PAGE_MAX_VALUE - 1, strlen(objs.o[1].values[0]));
  int intact = 1;
  for (size_t i = 0; i < sizeof(guarded.canary); i++)
    if (guarded.canary[i] != 0x5a)
      intact = 0;
  OK(intact);
  vs_buf_free(&doc);
  return 0;
}

/* ==== counter catalog ==== */

#define MAX_COUNTERS 1024
typedef struct {
  size_t num;
  vs_counter_info_t c[MAX_COUNTERS];
} counters_t;

static void on_counter(void *ctx, const vs_counter_info_t *info) {
  counters_t *cs = ctx;
  if (cs->num < MAX_COUNTERS)
    cs->c[cs->num++] = *info;
}

static const vs_counter_info_t *counter_by_key(const counters_t *cs, int key) {
  for (size_t i = 0; i < cs->num; i++)
    if (cs->c[i].key == key)
      return &cs->c[i];
  return NULL;
}

static const char vcenter_catalog[] = SOAP_HEAD
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>"
    "<obj type=\"PerformanceManager\">PerfMgr</obj><propSet>"
    "<name>perfCounter</name><val xsi:type=\"ArrayOfPerfCounterInfo\">"
    /* cpu.usage.average */
    "<PerfCounterInfo xsi:type=\"PerfCounterInfo\"><key>2</key>"
    "<nameInfo xsi:type=\"ElementDescription\"><label>Usage</label>"
    "<summary>CPU usage as a percentage</summary><key>usage</key>"
    "</nameInfo><groupInfo xsi:type=\"ElementDescription\"><label>CPU"
    "</label><summary>CPU</summary><key>cpu</key></groupInfo>"
    "<unitInfo xsi:type=\"ElementDescription\"><label>%</label><summary>"
    "Percentage</summary><key>percent</key></unitInfo>"
    "<rollupType>average</rollupType><statsType>rate</statsType>"
    "<level>1</level><perDeviceLevel>3</perDeviceLevel>"
    "</PerfCounterInfo>"
    /* a dotted counter name, the keys after the labels */
    "<PerfCounterInfo xsi:type=\"PerfCounterInfo\"><key>19</key>"
    "<nameInfo><label>Contention</label><summary>s</summary>"
    "<key>capacity.contention</key></nameInfo>"
    "<groupInfo><label>CPU</label><summary>CPU</summary><key>cpu</key>"
    "</groupInfo><unitInfo><label>%</label><summary>p</summary>"
    "<key>percent</key></unitInfo><rollupType>average</rollupType>"
    "<statsType>rate</statsType><level>4</level>"
    "<associatedCounterId>2</associatedCounterId></PerfCounterInfo>"
    /* sys.uptime.latest, keys before the labels */
    "<PerfCounterInfo><key>155</key><nameInfo><key>uptime</key>"
    "<label>Uptime</label></nameInfo><groupInfo><key>sys</key><label>"
    "System</label></groupInfo><unitInfo><key>second</key></unitInfo>"
    "<rollupType>latest</rollupType><statsType>absolute</statsType>"
    "<level>1</level></PerfCounterInfo>"
    /* no rollupType: incomplete, left out */
    "<PerfCounterInfo><key>900</key><nameInfo><key>x</key></nameInfo>"
    "<groupInfo><key>y</key></groupInfo></PerfCounterInfo>"
    /* a key that is no number: left out */
    "<PerfCounterInfo><key>abc</key><nameInfo><key>x</key></nameInfo>"
    "<groupInfo><key>y</key></groupInfo><rollupType>average</rollupType>"
    "</PerfCounterInfo>"
    /* a negative key: left out */
    "<PerfCounterInfo><key>-4</key><nameInfo><key>x</key></nameInfo>"
    "<groupInfo><key>y</key></groupInfo><rollupType>average</rollupType>"
    "</PerfCounterInfo>"
    /* nothing of the previous counters leaks into this one */
    "<PerfCounterInfo><key>7</key><nameInfo><key>ready</key></nameInfo>"
    "<groupInfo><key>cpu</key></groupInfo><rollupType>summation"
    "</rollupType></PerfCounterInfo>"
    "</val></propSet></objects></returnval>"
    "</RetrievePropertiesExResponse>" SOAP_TAIL;

DEF_TEST(catalog_vcenter_style) {
  static counters_t cs;
  memset(&cs, 0, sizeof(cs));
  vs_catalog_parser_t p;
  vs_catalog_parser_init(&p, on_counter, &cs);
  EXPECT_EQ_INT(0, run_str(vs_parse_catalog(&p), vcenter_catalog, 1));
  EXPECT_EQ_INT(4, cs.num);
  EXPECT_EQ_INT(4, p.counters);

  const vs_counter_info_t *c = counter_by_key(&cs, 2);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("cpu", c->group);
  EXPECT_EQ_STR("usage", c->name);
  EXPECT_EQ_STR("average", c->rollup);
  EXPECT_EQ_STR("percent", c->unit);
  EXPECT_EQ_STR("rate", c->stats_type);
  EXPECT_EQ_INT(1, c->level);

  c = counter_by_key(&cs, 19);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("cpu", c->group);
  EXPECT_EQ_STR("capacity.contention", c->name);
  EXPECT_EQ_STR("percent", c->unit);
  EXPECT_EQ_INT(4, c->level);

  c = counter_by_key(&cs, 155);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("sys", c->group);
  EXPECT_EQ_STR("uptime", c->name);
  EXPECT_EQ_STR("latest", c->rollup);
  EXPECT_EQ_STR("second", c->unit);
  EXPECT_EQ_STR("absolute", c->stats_type);

  c = counter_by_key(&cs, 7);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("ready", c->name);
  EXPECT_EQ_STR("summation", c->rollup);
  EXPECT_EQ_STR("", c->unit);       /* not inherited from counter 155 */
  EXPECT_EQ_STR("", c->stats_type); /* idem */
  EXPECT_EQ_INT(0, c->level);

  OK(counter_by_key(&cs, 900) == NULL);
  OK(counter_by_key(&cs, -4) == NULL);
  OK(counter_by_key(&cs, -1) == NULL);
  return 0;
}

DEF_TEST(catalog_vcsim) {
  static counters_t cs;
  memset(&cs, 0, sizeof(cs));
  vs_catalog_parser_t p;
  vs_catalog_parser_init(&p, on_counter, &cs);
  EXPECT_EQ_INT(0, run_file(vs_parse_catalog(&p), "vcsim_catalog.xml", 0));
  /* the fixture holds 560 PerfCounterInfo, all complete */
  EXPECT_EQ_INT(560, cs.num);
  EXPECT_EQ_INT(560, p.counters);

  const vs_counter_info_t *c = counter_by_key(&cs, 2);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("cpu", c->group);
  EXPECT_EQ_STR("usage", c->name);
  EXPECT_EQ_STR("average", c->rollup);
  EXPECT_EQ_STR("percent", c->unit);
  EXPECT_EQ_STR("rate", c->stats_type);
  EXPECT_EQ_INT(1, c->level);

  c = counter_by_key(&cs, 1);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("none", c->rollup);
  EXPECT_EQ_INT(4, c->level);

  c = counter_by_key(&cs, 19);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("capacity.contention", c->name);

  c = counter_by_key(&cs, 148);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("net", c->group);
  EXPECT_EQ_STR("received", c->name);
  EXPECT_EQ_STR("kiloBytesPerSecond", c->unit);
  EXPECT_EQ_INT(2, c->level);

  c = counter_by_key(&cs, 155);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("sys", c->group);
  EXPECT_EQ_STR("uptime", c->name);
  EXPECT_EQ_STR("latest", c->rollup);

  /* every counter is complete */
  size_t incomplete = 0;
  for (size_t i = 0; i < cs.num; i++)
    if (cs.c[i].key < 0 || !cs.c[i].group[0] || !cs.c[i].name[0] ||
        !cs.c[i].rollup[0] || !cs.c[i].unit[0] || cs.c[i].level < 1 ||
        cs.c[i].level > 4)
      incomplete++;
  EXPECT_EQ_INT(0, incomplete);
  return 0;
}

DEF_TEST(catalog_without_callback) {
  vs_catalog_parser_t p;
  vs_catalog_parser_init(&p, NULL, NULL);
  EXPECT_EQ_INT(0, run_str(vs_parse_catalog(&p), vcenter_catalog, 0));
  EXPECT_EQ_INT(4, p.counters);
  return 0;
}

/* ==== QueryPerf ==== */

#define MAX_SERIES 16
typedef struct {
  char entity_type[64], entity[VS_MOREF_LEN], instance[128];
  int counter_id;
  size_t samples;
  int64_t ts[VS_PERF_MAX_SAMPLES + 1];
  int64_t v[VS_PERF_MAX_SAMPLES + 1];
} series_copy_t;

typedef struct {
  size_t num;
  series_copy_t s[MAX_SERIES];
} series_list_t;

static void on_series(void *ctx, const vs_series_t *s) {
  series_list_t *l = ctx;
  if (l->num >= MAX_SERIES)
    return;
  series_copy_t *c = &l->s[l->num++];
  vs_utf8_copy(c->entity_type, s->entity_type, sizeof(c->entity_type));
  vs_utf8_copy(c->entity, s->entity, sizeof(c->entity));
  vs_utf8_copy(c->instance, s->instance, sizeof(c->instance));
  c->counter_id = s->counter_id;
  c->samples = s->samples;
  size_t n =
      s->samples <= VS_PERF_MAX_SAMPLES ? s->samples : VS_PERF_MAX_SAMPLES;
  memcpy(c->ts, s->timestamps_us, n * sizeof(int64_t));
  memcpy(c->v, s->values, n * sizeof(int64_t));
}

static int64_t dt(const char *s) {
  int64_t us = -1;
  vs_parse_datetime(s, &us);
  return us;
}

/* vCenter: oldest sample first, prefixed xsi:types, an aggregate and a
 * per-NIC series, -1 for "no data", two entities. */
static const char vcenter_perf[] = SOAP_HEAD
    "<QueryPerfResponse xmlns=\"urn:vim25\">"
    "<returnval xsi:type=\"PerfEntityMetric\">"
    "<entity type=\"VirtualMachine\">vm-1001</entity>"
    "<sampleInfo><timestamp>2024-01-02T03:04:00Z</timestamp>"
    "<interval>20</interval></sampleInfo>"
    "<sampleInfo><timestamp>2024-01-02T03:04:20Z</timestamp>"
    "<interval>20</interval></sampleInfo>"
    "<sampleInfo><timestamp>2024-01-02T03:04:40Z</timestamp>"
    "<interval>20</interval></sampleInfo>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>2</counterId>"
    "<instance></instance></id><value>150</value><value>-1</value>"
    "<value>250</value></value>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>148</counterId>"
    "<instance>vmnic0</instance></id><value>10</value><value>20</value>"
    "<value>30</value></value>"
    "</returnval>"
    "<returnval xsi:type=\"PerfEntityMetric\">"
    "<entity type=\"HostSystem\">host-12</entity>"
    "<sampleInfo><timestamp>2024-01-02T03:04:40.5+01:00</timestamp>"
    "<interval>20</interval></sampleInfo>"
    "<value xsi:type=\"PerfMetricIntSeries\"><id><counterId>6</counterId>"
    "<instance/></id><value>4242</value></value>"
    "</returnval>"
    "</QueryPerfResponse>" SOAP_TAIL;

DEF_TEST(perf_vcenter_style) {
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p), vcenter_perf, 1));
  EXPECT_EQ_INT(3, l.num);
  EXPECT_EQ_INT(3, p.series);
  EXPECT_EQ_INT(2, p.entities);

  series_copy_t *s = &l.s[0];
  EXPECT_EQ_STR("VirtualMachine", s->entity_type);
  EXPECT_EQ_STR("vm-1001", s->entity);
  EXPECT_EQ_INT(2, s->counter_id);
  EXPECT_EQ_STR("", s->instance);
  EXPECT_EQ_INT(3, s->samples);
  EXPECT_EQ_INT(dt("2024-01-02T03:04:00Z"), s->ts[0]);
  EXPECT_EQ_INT(dt("2024-01-02T03:04:20Z"), s->ts[1]);
  EXPECT_EQ_INT(dt("2024-01-02T03:04:40Z"), s->ts[2]);
  EXPECT_EQ_INT(150, s->v[0]);
  EXPECT_EQ_INT(-1, s->v[1]);
  EXPECT_EQ_INT(250, s->v[2]);

  s = &l.s[1];
  EXPECT_EQ_STR("vm-1001", s->entity);
  EXPECT_EQ_INT(148, s->counter_id);
  EXPECT_EQ_STR("vmnic0", s->instance);
  EXPECT_EQ_INT(3, s->samples);
  EXPECT_EQ_INT(10, s->v[0]);
  EXPECT_EQ_INT(30, s->v[2]);

  /* the second entity has its own, single, timestamp */
  s = &l.s[2];
  EXPECT_EQ_STR("HostSystem", s->entity_type);
  EXPECT_EQ_STR("host-12", s->entity);
  EXPECT_EQ_INT(6, s->counter_id);
  EXPECT_EQ_STR("", s->instance);
  EXPECT_EQ_INT(1, s->samples);
  EXPECT_EQ_INT(dt("2024-01-02T02:04:40.5Z"), s->ts[0]);
  EXPECT_EQ_INT(4242, s->v[0]);
  return 0;
}

DEF_TEST(perf_vcsim_newest_first) {
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_file(vs_parse_perf(&p), "vcsim_perf.xml", 0));
  EXPECT_EQ_INT(6, l.num);
  EXPECT_EQ_INT(2, p.entities);
  const int ids[] = {2, 6, 148};
  for (size_t i = 0; i < l.num; i++) {
    series_copy_t *s = &l.s[i];
    EXPECT_EQ_STR(i < 3 ? "VirtualMachine" : "HostSystem", s->entity_type);
    EXPECT_EQ_STR(i < 3 ? "vm-39" : "host-21", s->entity);
    EXPECT_EQ_INT(ids[i % 3], s->counter_id);
    EXPECT_EQ_STR("*", s->instance); /* vcsim echoes the wildcard */
    EXPECT_EQ_INT(3, s->samples);
    /* newest first, 20 s apart, with vcsim's nanoseconds cut to us */
    OK(s->ts[0] > 0);
    EXPECT_EQ_INT(s->ts[0] - 20000000, s->ts[1]);
    EXPECT_EQ_INT(s->ts[1] - 20000000, s->ts[2]);
    for (size_t k = 0; k < 3; k++)
      OK(s->v[k] >= 0);
  }
  /* all series of one entity share its timestamps */
  EXPECT_EQ_INT(l.s[0].ts[0], l.s[2].ts[0]);
  return 0;
}

DEF_TEST(perf_vcsim_with_start_time) {
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_file(vs_parse_perf(&p), "vcsim_perf_start.xml", 7));
  EXPECT_EQ_INT(1, l.num);
  series_copy_t *s = &l.s[0];
  EXPECT_EQ_STR("vm-42", s->entity);
  EXPECT_EQ_INT(24, s->counter_id);
  EXPECT_EQ_STR("", s->instance);
  OK(s->samples > 10);
  size_t descending = 0;
  for (size_t k = 1; k < s->samples; k++)
    if (s->ts[k] < s->ts[k - 1])
      descending++;
  EXPECT_EQ_INT(s->samples - 1, descending);
  return 0;
}

DEF_TEST(perf_more_samples_than_bound) {
  const size_t n = VS_PERF_MAX_SAMPLES + 40;
  vs_buf_t doc;
  vs_buf_init(&doc);
  vs_buf_puts(&doc, SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\">"
                              "<returnval><entity type=\"VirtualMachine\">"
                              "vm-1</entity>");
  int64_t t0 = dt("2024-01-02T00:00:00Z");
  for (size_t i = 0; i < n; i++) {
    char when[40];
    vs_format_datetime(t0 + (int64_t)i * 20000000, when, sizeof(when));
    vs_buf_printf(&doc,
                  "<sampleInfo><timestamp>%s</timestamp><interval>20"
                  "</interval></sampleInfo>",
                  when);
  }
  vs_buf_puts(&doc, "<value><id><counterId>2</counterId><instance>"
                    "</instance></id>");
  for (size_t i = 0; i < n; i++)
    vs_buf_printf(&doc, "<value>%zu</value>", i);
  vs_buf_puts(&doc, "</value></returnval></QueryPerfResponse>" SOAP_TAIL);

  static struct {
    vs_perf_parser_t p;
    char canary[256];
  } guarded;
  memset(guarded.canary, 0x5a, sizeof(guarded.canary));
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  vs_perf_parser_init(&guarded.p, on_series, &l);
  EXPECT_EQ_INT(0, run(vs_parse_perf(&guarded.p), doc.data, doc.len, 0));
  EXPECT_EQ_INT(1, l.num);
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES, l.s[0].samples);
  EXPECT_EQ_INT(0, l.s[0].v[0]);
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES - 1, l.s[0].v[VS_PERF_MAX_SAMPLES - 1]);
  EXPECT_EQ_INT(t0 + (int64_t)(VS_PERF_MAX_SAMPLES - 1) * 20000000,
                l.s[0].ts[VS_PERF_MAX_SAMPLES - 1]);
  int intact = 1;
  for (size_t i = 0; i < sizeof(guarded.canary); i++)
    if (guarded.canary[i] != 0x5a)
      intact = 0;
  OK(intact);
  vs_buf_free(&doc);
  return 0;
}

DEF_TEST(perf_fewer_values_than_timestamps) {
  const char *doc =
      SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\"><returnval>"
                "<entity type=\"HostSystem\">host-1</entity>"
                "<sampleInfo><timestamp>2024-01-02T03:04:00Z</timestamp>"
                "</sampleInfo><sampleInfo><timestamp>2024-01-02T03:04:20Z"
                "</timestamp></sampleInfo><sampleInfo><timestamp>"
                "2024-01-02T03:04:40Z</timestamp></sampleInfo>"
                "<value><id><counterId>2</counterId><instance>0</instance>"
                "</id><value>1</value><value>2</value></value>"
                /* and more values than timestamps */
                "<value><id><counterId>6</counterId><instance>0</instance>"
                "</id><value>1</value><value>2</value><value>3</value>"
                "<value>4</value><value>5</value></value>"
                "</returnval></QueryPerfResponse>" SOAP_TAIL;
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p), doc, 0));
  EXPECT_EQ_INT(2, l.num);
  EXPECT_EQ_INT(2, l.s[0].samples);
  EXPECT_EQ_STR("0", l.s[0].instance);
  EXPECT_EQ_INT(3, l.s[1].samples);
  EXPECT_EQ_INT(3, l.s[1].v[2]);
  return 0;
}

DEF_TEST(perf_entities_do_not_share_samples) {
  /* The second entity has fewer samples than the first; none of the
   * first entity's timestamps may be reused for it. */
  const char *doc =
      SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\">"
                "<returnval><entity type=\"VirtualMachine\">vm-1</entity>"
                "<sampleInfo><timestamp>2024-01-02T03:04:00Z</timestamp>"
                "</sampleInfo><sampleInfo><timestamp>2024-01-02T03:04:20Z"
                "</timestamp></sampleInfo>"
                "<value><id><counterId>2</counterId><instance/></id>"
                "<value>1</value><value>2</value></value></returnval>"
                "<returnval><entity type=\"VirtualMachine\">vm-2</entity>"
                "<value><id><counterId>2</counterId><instance/></id>"
                "<value>7</value><value>8</value></value></returnval>"
                "</QueryPerfResponse>" SOAP_TAIL;
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p), doc, 0));
  EXPECT_EQ_INT(2, l.num);
  EXPECT_EQ_STR("vm-1", l.s[0].entity);
  EXPECT_EQ_INT(2, l.s[0].samples);
  EXPECT_EQ_STR("vm-2", l.s[1].entity);
  EXPECT_EQ_INT(0, l.s[1].samples); /* no sampleInfo: nothing usable */
  return 0;
}

DEF_TEST(perf_bad_values) {
  const char *doc =
      SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\"><returnval>"
                "<entity type=\"VirtualMachine\">vm-1</entity>"
                "<sampleInfo><timestamp>2024-01-02T03:04:00Z</timestamp>"
                "</sampleInfo><sampleInfo><timestamp>not a time</timestamp>"
                "</sampleInfo>"
                "<value><id><counterId>2</counterId><instance/></id>"
                "<value>12x</value><value>5</value></value>"
                /* a series without counterId is skipped */
                "<value><id><instance/></id><value>1</value>"
                "<value>1</value></value>"
                "</returnval></QueryPerfResponse>" SOAP_TAIL;
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p), doc, 0));
  EXPECT_EQ_INT(1, l.num);
  EXPECT_EQ_INT(2, l.s[0].samples);
  EXPECT_EQ_INT(-1, l.s[0].v[0]);  /* unparsable value: no data */
  EXPECT_EQ_INT(-1, l.s[0].ts[1]); /* unparsable time: marked */
  EXPECT_EQ_INT(5, l.s[0].v[1]);
  return 0;
}

DEF_TEST(perf_empty_result) {
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p),
                           SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\">"
                                     "</QueryPerfResponse>" SOAP_TAIL,
                           0));
  EXPECT_EQ_INT(0, l.num);
  EXPECT_EQ_INT(0, p.entities);
  return 0;
}

/* ---- entity_done: an entity's answer is complete ---- */

typedef struct {
  size_t num;
  char entity[8][VS_MOREF_LEN];
  char type[8][64];
  int64_t newest[8];
  size_t series_before[8]; /* series delivered when it was called */
  series_list_t *series;
} done_list_t;

typedef struct {
  series_list_t series;
  done_list_t done;
} perf_rec_t;

static void on_series_rec(void *ctx, const vs_series_t *s) {
  perf_rec_t *r = ctx;
  on_series(&r->series, s);
}

static void on_done(void *ctx, const char *type, const char *entity,
                    int64_t newest_us) {
  perf_rec_t *r = ctx;
  if (r->done.num >= 8)
    return;
  size_t i = r->done.num++;
  vs_utf8_copy(r->done.entity[i], entity, sizeof(r->done.entity[i]));
  vs_utf8_copy(r->done.type[i], type, sizeof(r->done.type[i]));
  r->done.newest[i] = newest_us;
  r->done.series_before[i] = r->series.num;
}

/* Parses the first `len` bytes of doc (all if 0) with entity_done set;
 * returns the stream's result. */
static int run_done(perf_rec_t *r, const char *doc, size_t len, size_t chunk) {
  memset(r, 0, sizeof(*r));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series_rec, r);
  p.entity_done = on_done;
  /* as run(), without printing the (expected) errors of cut answers */
  vs_xml_handler_t h = vs_parse_perf(&p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  if (s == NULL)
    return -100;
  if (len == 0)
    len = strlen(doc);
  if (chunk == 0)
    chunk = len;
  int rc = 0;
  for (size_t off = 0; off < len && rc == 0; off += chunk)
    rc =
        vs_xml_stream_feed(s, doc + off, len - off < chunk ? len - off : chunk);
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  vs_xml_stream_destroy(s);
  return rc;
}

DEF_TEST(perf_entity_done) {
  static perf_rec_t r;
  EXPECT_EQ_INT(0, run_done(&r, vcenter_perf, 0, 5));
  EXPECT_EQ_INT(3, r.series.num);
  EXPECT_EQ_INT(2, r.done.num);
  /* once per entity, after all its series, with its newest sample */
  EXPECT_EQ_STR("vm-1001", r.done.entity[0]);
  EXPECT_EQ_STR("VirtualMachine", r.done.type[0]);
  EXPECT_EQ_INT(dt("2024-01-02T03:04:40Z"), r.done.newest[0]);
  EXPECT_EQ_INT(2, r.done.series_before[0]);
  EXPECT_EQ_STR("host-12", r.done.entity[1]);
  EXPECT_EQ_STR("HostSystem", r.done.type[1]);
  EXPECT_EQ_INT(dt("2024-01-02T02:04:40.5Z"), r.done.newest[1]);
  EXPECT_EQ_INT(3, r.done.series_before[1]);

  /* vcsim: newest first; the newest is the first timestamp */
  size_t len;
  char *data = mock_read_data("vcsim_perf.xml", &len);
  CHECK_NOT_NULL(data);
  EXPECT_EQ_INT(0, run_done(&r, data, len, 0));
  EXPECT_EQ_INT(2, r.done.num);
  EXPECT_EQ_STR("vm-39", r.done.entity[0]);
  EXPECT_EQ_INT(r.series.s[0].ts[0], r.done.newest[0]);
  EXPECT_EQ_STR("host-21", r.done.entity[1]);
  EXPECT_EQ_INT(r.series.s[3].ts[0], r.done.newest[1]);
  free(data);

  /* no sample at all: -1; a bad timestamp does not count */
  const char *doc =
      SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\">"
                "<returnval><entity type=\"VirtualMachine\">vm-1</entity>"
                "</returnval>"
                "<returnval><entity type=\"VirtualMachine\">vm-2</entity>"
                "<sampleInfo><timestamp>2024-01-02T03:04:00Z</timestamp>"
                "</sampleInfo><sampleInfo><timestamp>garbage</timestamp>"
                "</sampleInfo><value><id><counterId>2</counterId>"
                "<instance/></id><value>1</value><value>2</value></value>"
                "</returnval>"
                /* no entity: nothing to report */
                "<returnval><sampleInfo><timestamp>2024-01-02T03:04:00Z"
                "</timestamp></sampleInfo></returnval>"
                "</QueryPerfResponse>" SOAP_TAIL;
  EXPECT_EQ_INT(0, run_done(&r, doc, 0, 0));
  EXPECT_EQ_INT(2, r.done.num);
  EXPECT_EQ_STR("vm-1", r.done.entity[0]);
  EXPECT_EQ_INT(-1, r.done.newest[0]);
  EXPECT_EQ_STR("vm-2", r.done.entity[1]);
  EXPECT_EQ_INT(dt("2024-01-02T03:04:00Z"), r.done.newest[1]);

  /* without entity_done set (NULL): parsed as before */
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  OK(p.entity_done == NULL);
  EXPECT_EQ_INT(0, run_str(vs_parse_perf(&p), vcenter_perf, 0));
  EXPECT_EQ_INT(3, l.num);
  return 0;
}

DEF_TEST(perf_entity_done_not_for_cut_answer) {
  /* An answer cut short (a reset, a timeout, the size bound): the entity
   * whose returnval did not close is not complete, even if some of its
   * series were delivered, so its mark must not move. */
  static perf_rec_t r;
  const char *second = strstr(vcenter_perf, "<entity type=\"HostSystem\">");
  const char *vm_nic = strstr(vcenter_perf, "<counterId>148</counterId>");
  const char *first_end = strstr(vcenter_perf, "</returnval>");
  CHECK_NOT_NULL(second);
  CHECK_NOT_NULL(vm_nic);
  CHECK_NOT_NULL(first_end);

  /* cut inside the first entity, after its first series */
  OK(run_done(&r, vcenter_perf, (size_t)(vm_nic - vcenter_perf), 0) != 0);
  EXPECT_EQ_INT(1, r.series.num);
  EXPECT_EQ_INT(0, r.done.num);

  /* cut just before the first entity's </returnval> */
  OK(run_done(&r, vcenter_perf, (size_t)(first_end - vcenter_perf), 1) != 0);
  EXPECT_EQ_INT(2, r.series.num);
  EXPECT_EQ_INT(0, r.done.num);

  /* cut in the second entity: the first is complete, the second not */
  OK(run_done(&r, vcenter_perf, (size_t)(second - vcenter_perf) + 10, 3) != 0);
  EXPECT_EQ_INT(1, r.done.num);
  EXPECT_EQ_STR("vm-1001", r.done.entity[0]);

  /* every cut: entity_done is called only for entities whose returnval
   * closed, at most once each */
  size_t len = strlen(vcenter_perf), bad = 0;
  const char *host_end = strstr(first_end + 1, "</returnval>");
  CHECK_NOT_NULL(host_end);
  for (size_t cut = 1; cut < len; cut += 7) {
    run_done(&r, vcenter_perf, cut, 0);
    size_t want = 0;
    if (cut >= (size_t)(first_end - vcenter_perf) + strlen("</returnval>"))
      want = 1;
    if (cut >= (size_t)(host_end - vcenter_perf) + strlen("</returnval>"))
      want = 2;
    if (r.done.num != want)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  return 0;
}

DEF_TEST(perf_instance_cut_at_utf8_boundary) {
  /* 100 CJK characters (300 bytes): kept to the longest whole-character
   * prefix that fits the 128-byte buffer */
  vs_buf_t doc;
  vs_buf_init(&doc);
  vs_buf_puts(&doc, SOAP_HEAD "<QueryPerfResponse xmlns=\"urn:vim25\">"
                              "<returnval><entity type=\"VirtualMachine\">"
                              "vm-1</entity><sampleInfo><timestamp>"
                              "2024-01-02T03:04:00Z</timestamp></sampleInfo>"
                              "<value><id><counterId>2</counterId><instance>");
  for (int i = 0; i < 100; i++)
    vs_buf_puts(&doc, "\xe4\xb8\xad");
  vs_buf_puts(&doc, "</instance></id><value>1</value></value>"
                    "<value><id><counterId>3</counterId><instance>a");
  for (int i = 0; i < 100; i++)
    vs_buf_puts(&doc, "\xc3\xa9"); /* é: 1 + 200 bytes */
  vs_buf_puts(&doc, "</instance></id><value>1</value></value>"
                    "</returnval></QueryPerfResponse>" SOAP_TAIL);
  static series_list_t l;
  memset(&l, 0, sizeof(l));
  static vs_perf_parser_t p;
  vs_perf_parser_init(&p, on_series, &l);
  EXPECT_EQ_INT(0, run(vs_parse_perf(&p), doc.data, doc.len, 1));
  EXPECT_EQ_INT(2, l.num);
  EXPECT_EQ_INT(126, strlen(l.s[0].instance)); /* 42 characters */
  OK(strncmp(l.s[0].instance, "\xe4\xb8\xad\xe4\xb8\xad", 6) == 0);
  EXPECT_EQ_INT(127, strlen(l.s[1].instance)); /* "a" + 63 characters */
  size_t bad = 0;
  for (size_t k = 0; k < 2; k++) {
    const unsigned char *c = (const unsigned char *)l.s[k].instance;
    size_t n = strlen((const char *)c);
    /* ends on a whole character: the last lead byte has all its bytes */
    size_t i = n;
    while (i > 0 && (c[i - 1] & 0xC0) == 0x80)
      i--;
    size_t need = i == 0             ? 0
                  : c[i - 1] >= 0xF0 ? 4
                  : c[i - 1] >= 0xE0 ? 3
                  : c[i - 1] >= 0xC0 ? 2
                                     : 1;
    if (i > 0 && n - (i - 1) != need)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  vs_buf_free(&doc);
  return 0;
}

DEF_TEST(prop_page_value_cut_at_utf8_boundary) {
  vs_buf_t doc;
  vs_buf_init(&doc);
  vs_buf_puts(&doc, SOAP_HEAD "<RetrievePropertiesExResponse xmlns="
                              "\"urn:vim25\"><returnval><objects><obj type="
                              "\"VirtualMachine\">vm-1</obj><propSet><name>"
                              "name</name><val>");
  for (int i = 0; i < VS_PAGE_MAX_VALUE; i++)
    vs_buf_puts(&doc, "\xc3\xa9"); /* 2 bytes each: twice the bound */
  vs_buf_puts(&doc, "</val></propSet></objects></returnval>"
                    "</RetrievePropertiesExResponse>" SOAP_TAIL);
  static objs_t objs;
  memset(&objs, 0, sizeof(objs));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, &objs);
  EXPECT_EQ_INT(0, run(vs_parse_prop_page(&page), doc.data, doc.len, 0));
  EXPECT_EQ_INT(1, objs.num);
  const char *v = prop_of(&objs, 0, "name");
  CHECK_NOT_NULL(v);
  EXPECT_EQ_INT(VS_PAGE_MAX_VALUE - 2, strlen(v)); /* 1022: even */
  EXPECT_EQ_INT(0xa9, (unsigned char)v[strlen(v) - 1]);
  vs_buf_free(&doc);
  return 0;
}

/* ==== structured values: the subprop callback ==== */

#define MAX_EVENTS 512
typedef struct {
  char what; /* 's': a leaf of a structured value, 'o': an object */
  char type[64], moref[VS_MOREF_LEN], prop[64];
  int item;
  char path[256], text[256];
  size_t props_num;
} event_t;

typedef struct {
  size_t num;
  event_t e[MAX_EVENTS];
  objs_t objs;
} events_t;

static void ev_subprop(void *ctx, const char *type, const char *moref,
                       const char *prop, int item, const char *path,
                       const char *text) {
  events_t *ev = ctx;
  if (ev->num >= MAX_EVENTS)
    return;
  event_t *e = &ev->e[ev->num++];
  e->what = 's';
  vs_utf8_copy(e->type, type, sizeof(e->type));
  vs_utf8_copy(e->moref, moref, sizeof(e->moref));
  vs_utf8_copy(e->prop, prop, sizeof(e->prop));
  e->item = item;
  vs_utf8_copy(e->path, path, sizeof(e->path));
  vs_utf8_copy(e->text, text, sizeof(e->text));
}

static void ev_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  events_t *ev = ctx;
  on_object(&ev->objs, type, moref, props, props_num);
  if (ev->num >= MAX_EVENTS)
    return;
  event_t *e = &ev->e[ev->num++];
  e->what = 'o';
  vs_utf8_copy(e->type, type, sizeof(e->type));
  vs_utf8_copy(e->moref, moref, sizeof(e->moref));
  e->props_num = props_num;
}

/* Parses `doc` (in chunks of `chunk`) with both callbacks into ev. */
static int run_events(const char *doc, size_t len, size_t chunk, events_t *ev,
                      bool with_subprop) {
  memset(ev, 0, sizeof(*ev));
  static vs_prop_page_t page;
  vs_prop_page_init(&page, ev_object, ev);
  if (with_subprop)
    page.subprop = ev_subprop;
  vs_xml_handler_t h = vs_parse_prop_page(&page);
  return run(h, doc, len, chunk);
}

/* "s prop item path=text" / "o moref n" lines, for comparisons. */
static void events_text(const events_t *ev, vs_buf_t *b) {
  vs_buf_reset(b);
  for (size_t i = 0; i < ev->num; i++) {
    const event_t *e = &ev->e[i];
    if (e->what == 's')
      vs_buf_printf(b, "s %s %s %s %d %s=%s\n", e->type, e->moref, e->prop,
                    e->item, e->path, e->text);
    else
      vs_buf_printf(b, "o %s %s %zu\n", e->type, e->moref, e->props_num);
  }
}

/* The n-th subprop event of a property, or NULL. */
static const event_t *sub(const events_t *ev, const char *prop, size_t n) {
  for (size_t i = 0; i < ev->num; i++)
    if (ev->e[i].what == 's' && strcmp(ev->e[i].prop, prop) == 0 && n-- == 0)
      return &ev->e[i];
  return NULL;
}

static size_t subs_of(const events_t *ev, const char *prop) {
  size_t n = 0;
  for (size_t i = 0; i < ev->num; i++)
    n += ev->e[i].what == 's' && strcmp(ev->e[i].prop, prop) == 0;
  return n;
}

#define EXPECT_SUB(ev, prop, n, want_item, want_path, want_text)               \
  do {                                                                         \
    const event_t *e__ = sub(ev, prop, n);                                     \
    OK1(e__ != NULL, prop " event " #n);                                       \
    if (e__ != NULL) {                                                         \
      EXPECT_EQ_INT(want_item, e__->item);                                     \
      EXPECT_EQ_STR(want_path, e__->path);                                     \
      EXPECT_EQ_STR(want_text, e__->text);                                     \
    }                                                                          \
  } while (0)

static const char disk_page[] = SOAP_HEAD
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<objects><obj type=\"VirtualMachine\">vm-7</obj>"
    "<propSet><name>guest.disk</name><val xsi:type=\"ArrayOfGuestDiskInfo\">"
    "<GuestDiskInfo xsi:type=\"GuestDiskInfo\"><diskPath>/</diskPath>"
    "<capacity>100</capacity><freeSpace>40</freeSpace>"
    "<filesystemType>ext4</filesystemType><mappings><key>2000</key>"
    "</mappings></GuestDiskInfo>"
    "<GuestDiskInfo xsi:type=\"GuestDiskInfo\"><diskPath>/data &amp; logs"
    "</diskPath><capacity>300</capacity><freeSpace>0</freeSpace>"
    "</GuestDiskInfo></val></propSet>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">web</val>"
    "</propSet>"
    "</objects></returnval></RetrievePropertiesExResponse>" SOAP_TAIL;

DEF_TEST(subprop_array_of_data_objects) {
  static events_t ev;
  EXPECT_EQ_INT(0, run_events(disk_page, strlen(disk_page), 0, &ev, true));
  /* 5 + 3 leaves, then the object */
  EXPECT_EQ_INT(9, ev.num);
  EXPECT_EQ_INT(8, subs_of(&ev, "guest.disk"));
  EXPECT_SUB(&ev, "guest.disk", 0, 0, "GuestDiskInfo/diskPath", "/");
  EXPECT_SUB(&ev, "guest.disk", 1, 0, "GuestDiskInfo/capacity", "100");
  EXPECT_SUB(&ev, "guest.disk", 2, 0, "GuestDiskInfo/freeSpace", "40");
  EXPECT_SUB(&ev, "guest.disk", 3, 0, "GuestDiskInfo/filesystemType", "ext4");
  EXPECT_SUB(&ev, "guest.disk", 4, 0, "GuestDiskInfo/mappings/key", "2000");
  EXPECT_SUB(&ev, "guest.disk", 5, 1, "GuestDiskInfo/diskPath", "/data & logs");
  EXPECT_SUB(&ev, "guest.disk", 6, 1, "GuestDiskInfo/capacity", "300");
  EXPECT_SUB(&ev, "guest.disk", 7, 1, "GuestDiskInfo/freeSpace", "0");
  const event_t *e = sub(&ev, "guest.disk", 0);
  CHECK_NOT_NULL(e);
  EXPECT_EQ_STR("VirtualMachine", e->type);
  EXPECT_EQ_STR("vm-7", e->moref);
  /* the object comes after its leaves, with the leaf properties only */
  EXPECT_EQ_INT('o', ev.e[8].what);
  EXPECT_EQ_STR("vm-7", ev.e[8].moref);
  EXPECT_EQ_INT(1, ev.objs.num);
  EXPECT_EQ_INT(1, ev.objs.o[0].props_num);
  EXPECT_EQ_STR("web", prop_of(&ev.objs, 0, "name"));
  OK(prop_of(&ev.objs, 0, "guest.disk") == NULL);

  /* the same a byte at a time */
  static events_t ev1;
  EXPECT_EQ_INT(0, run_events(disk_page, strlen(disk_page), 1, &ev1, true));
  vs_buf_t a, b;
  vs_buf_init(&a);
  vs_buf_init(&b);
  events_text(&ev, &a);
  events_text(&ev1, &b);
  EXPECT_EQ_STR(a.data, b.data);
  vs_buf_free(&a);
  vs_buf_free(&b);
  return 0;
}

static const char nested_page[] = SOAP_HEAD
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<objects><obj type=\"VirtualMachine\">vm-1</obj>"
    "<propSet><name>snapshot</name>"
    "<val xsi:type=\"VirtualMachineSnapshotInfo\">"
    "<currentSnapshot type=\"VirtualMachineSnapshot\">snapshot-3"
    "</currentSnapshot>"
    "<rootSnapshotList><snapshot type=\"VirtualMachineSnapshot\">snapshot-1"
    "</snapshot><name>base</name><description></description>"
    "<createTime>2024-01-01T00:00:00Z</createTime>"
    "<childSnapshotList><snapshot>snapshot-2</snapshot>"
    "<createTime>2024-01-02T00:00:00Z</createTime>"
    "<childSnapshotList><name>deep</name></childSnapshotList>"
    "</childSnapshotList>"
    "<childSnapshotList><createTime>2024-01-03T00:00:00Z</createTime>"
    "</childSnapshotList>"
    "<replaySupported>false</replaySupported></rootSnapshotList>"
    "</val></propSet>"
    "<propSet><name>triggeredAlarmState</name>"
    "<val xsi:type=\"ArrayOfAlarmState\">"
    "<AlarmState><key>alarm-7.vm-1</key><entity type=\"VirtualMachine\">vm-1"
    "</entity><alarm type=\"Alarm\">alarm-7</alarm>"
    "<overallStatus>red</overallStatus>"
    "<time>2024-01-02T02:55:00.447Z</time><acknowledged>false</acknowledged>"
    "</AlarmState>"
    "<AlarmState><key>alarm-9.vm-1</key><entity type=\"VirtualMachine\">vm-1"
    "</entity><alarm type=\"Alarm\">alarm-9</alarm>"
    "<overallStatus>yellow</overallStatus>"
    "<time>2024-01-02T02:56:00Z</time><acknowledged>true</acknowledged>"
    "</AlarmState></val></propSet>"
    "<propSet><name>vm</name><val xsi:type=\"ArrayOfManagedObjectReference\">"
    "<ManagedObjectReference type=\"VirtualMachine\">vm-49"
    "</ManagedObjectReference><ManagedObjectReference "
    "type=\"VirtualMachine\">vm-52</ManagedObjectReference></val></propSet>"
    "</objects>"
    /* the next object: items and paths start afresh */
    "<objects><obj type=\"HostSystem\">host-9</obj>"
    "<propSet><name>triggeredAlarmState</name>"
    "<val xsi:type=\"ArrayOfAlarmState\"><AlarmState>"
    "<overallStatus>red</overallStatus></AlarmState></val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOn</val></propSet>"
    "</objects>"
    "</returnval></RetrievePropertiesExResponse>" SOAP_TAIL;

DEF_TEST(subprop_nested_arrays) {
  static events_t ev;
  EXPECT_EQ_INT(0, run_events(nested_page, strlen(nested_page), 0, &ev, true));
  /* the snapshot tree: item = the child of <val> (0 currentSnapshot,
   * 1 rootSnapshotList), the path down through the nested lists */
  EXPECT_EQ_INT(10, subs_of(&ev, "snapshot"));
  EXPECT_SUB(&ev, "snapshot", 0, 0, "currentSnapshot", "snapshot-3");
  EXPECT_SUB(&ev, "snapshot", 1, 1, "rootSnapshotList/snapshot", "snapshot-1");
  EXPECT_SUB(&ev, "snapshot", 2, 1, "rootSnapshotList/name", "base");
  EXPECT_SUB(&ev, "snapshot", 3, 1, "rootSnapshotList/description", "");
  EXPECT_SUB(&ev, "snapshot", 4, 1, "rootSnapshotList/createTime",
             "2024-01-01T00:00:00Z");
  EXPECT_SUB(&ev, "snapshot", 5, 1,
             "rootSnapshotList/childSnapshotList/snapshot", "snapshot-2");
  EXPECT_SUB(&ev, "snapshot", 6, 1,
             "rootSnapshotList/childSnapshotList/createTime",
             "2024-01-02T00:00:00Z");
  EXPECT_SUB(&ev, "snapshot", 7, 1,
             "rootSnapshotList/childSnapshotList/childSnapshotList/name",
             "deep");
  /* the second child is a sibling: the same depth again */
  EXPECT_SUB(&ev, "snapshot", 8, 1,
             "rootSnapshotList/childSnapshotList/createTime",
             "2024-01-03T00:00:00Z");
  EXPECT_SUB(&ev, "snapshot", 9, 1, "rootSnapshotList/replaySupported",
             "false");
  /* an array of data objects: one item per AlarmState, from 0 again */
  /* 6 leaves each for the first object, 1 for the second */
  EXPECT_EQ_INT(13, subs_of(&ev, "triggeredAlarmState"));
  EXPECT_SUB(&ev, "triggeredAlarmState", 0, 0, "AlarmState/key",
             "alarm-7.vm-1");
  EXPECT_SUB(&ev, "triggeredAlarmState", 1, 0, "AlarmState/entity", "vm-1");
  EXPECT_SUB(&ev, "triggeredAlarmState", 3, 0, "AlarmState/overallStatus",
             "red");
  EXPECT_SUB(&ev, "triggeredAlarmState", 9, 1, "AlarmState/overallStatus",
             "yellow");
  EXPECT_SUB(&ev, "triggeredAlarmState", 11, 1, "AlarmState/acknowledged",
             "true");
  /* an array of references: each a leaf of its own */
  EXPECT_EQ_INT(2, subs_of(&ev, "vm"));
  EXPECT_SUB(&ev, "vm", 0, 0, "ManagedObjectReference", "vm-49");
  EXPECT_SUB(&ev, "vm", 1, 1, "ManagedObjectReference", "vm-52");
  /* the first object: no leaf property at all */
  EXPECT_EQ_INT(2, ev.objs.num);
  EXPECT_EQ_INT(0, ev.objs.o[0].props_num);
  /* the second: its own item 0, its moref and type, its leaf */
  EXPECT_SUB(&ev, "triggeredAlarmState", 12, 0, "AlarmState/overallStatus",
             "red");
  const event_t *e = sub(&ev, "triggeredAlarmState", 12);
  CHECK_NOT_NULL(e);
  EXPECT_EQ_STR("host-9", e->moref);
  EXPECT_EQ_STR("HostSystem", e->type);
  EXPECT_EQ_INT(1, ev.objs.o[1].props_num);
  EXPECT_EQ_STR("poweredOn", prop_of(&ev.objs, 1, "runtime.powerState"));
  /* each object after its own leaves, before the next one's */
  size_t first_obj = 0, host_leaf = 0;
  for (size_t i = 0; i < ev.num; i++) {
    if (ev.e[i].what == 'o' && first_obj == 0)
      first_obj = i;
    if (ev.e[i].what == 's' && strcmp(ev.e[i].moref, "host-9") == 0)
      host_leaf = i;
  }
  OK(first_obj > 0 && host_leaf > first_obj);
  EXPECT_EQ_INT('o', ev.e[ev.num - 1].what);
  EXPECT_EQ_STR("host-9", ev.e[ev.num - 1].moref);
  return 0;
}

DEF_TEST(subprop_empty_array_is_leaf) {
  const char *doc = SOAP_HEAD
      "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
      "<objects><obj type=\"HostSystem\">host-34</obj>"
      "<propSet><name>vm</name>"
      "<val xsi:type=\"ArrayOfManagedObjectReference\"/></propSet>"
      /* vcsim's way: an open and a close tag */
      "<propSet><name>triggeredAlarmState</name>"
      "<val xsi:type=\"ArrayOfAlarmState\"></val></propSet>"
      "<propSet><name>name</name><val>esx</val></propSet>"
      "</objects></returnval></RetrievePropertiesExResponse>" SOAP_TAIL;
  static events_t ev;
  EXPECT_EQ_INT(0, run_events(doc, strlen(doc), 0, &ev, true));
  EXPECT_EQ_INT(1, ev.num); /* no leaf below a <val>: the object only */
  EXPECT_EQ_INT(1, ev.objs.num);
  EXPECT_EQ_INT(3, ev.objs.o[0].props_num);
  /* present, and empty: "asked for, and there is none" */
  const char *vm = prop_of(&ev.objs, 0, "vm");
  CHECK_NOT_NULL(vm);
  EXPECT_EQ_STR("", vm);
  const char *alarms = prop_of(&ev.objs, 0, "triggeredAlarmState");
  CHECK_NOT_NULL(alarms);
  EXPECT_EQ_STR("", alarms);
  EXPECT_EQ_STR("esx", prop_of(&ev.objs, 0, "name"));
  return 0;
}

DEF_TEST(subprop_structured_never_a_leaf) {
  /* with the callback or without, a structured value never becomes a
   * leaf property; the leaves around it are kept */
  for (int with = 0; with < 2; with++) {
    static events_t ev;
    EXPECT_EQ_INT(
        0, run_events(nested_page, strlen(nested_page), 7, &ev, with != 0));
    EXPECT_EQ_INT(2, ev.objs.num);
    OK(prop_of(&ev.objs, 0, "snapshot") == NULL);
    OK(prop_of(&ev.objs, 0, "triggeredAlarmState") == NULL);
    OK(prop_of(&ev.objs, 0, "vm") == NULL);
    OK(prop_of(&ev.objs, 1, "triggeredAlarmState") == NULL);
    EXPECT_EQ_STR("poweredOn", prop_of(&ev.objs, 1, "runtime.powerState"));
    size_t subs = 0;
    for (size_t i = 0; i < ev.num; i++)
      subs += ev.e[i].what == 's';
    EXPECT_EQ_INT(with ? 25 : 0, subs);
  }
  /* a data object with one child and a leaf property with a type
   * attribute: only the first is structured */
  const char *doc = SOAP_HEAD
      "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
      "<objects><obj type=\"VirtualMachine\">vm-1</obj>"
      "<propSet><name>summary.runtime</name><val "
      "xsi:type=\"VirtualMachineRuntimeInfo\"><host type=\"HostSystem\">"
      "host-1</host></val></propSet>"
      "<propSet><name>runtime.host</name><val type=\"HostSystem\" "
      "xsi:type=\"ManagedObjectReference\">host-1</val></propSet>"
      "</objects></returnval></RetrievePropertiesExResponse>" SOAP_TAIL;
  static events_t ev;
  EXPECT_EQ_INT(0, run_events(doc, strlen(doc), 0, &ev, true));
  EXPECT_EQ_INT(1, ev.objs.o[0].props_num);
  EXPECT_EQ_STR("host-1", prop_of(&ev.objs, 0, "runtime.host"));
  EXPECT_SUB(&ev, "summary.runtime", 0, 0, "host", "host-1");
  return 0;
}

/* The vCenter-shaped VM fixture of test_state.c: every leaf of its
 * structured properties reported, the same in any chunking. */
DEF_TEST(subprop_fixture_chunking) {
  size_t len;
  char *data = mock_read_data("vm_states.xml", &len);
  CHECK_NOT_NULL(data);
  static events_t whole, bytes;
  EXPECT_EQ_INT(0, run_events(data, len, 0, &whole, true));
  EXPECT_EQ_INT(0, run_events(data, len, 1, &bytes, true));
  vs_buf_t a, b;
  vs_buf_init(&a);
  vs_buf_init(&b);
  events_text(&whole, &a);
  events_text(&bytes, &b);
  EXPECT_EQ_STR(a.data, b.data);
  EXPECT_EQ_INT(2, whole.objs.num);
  EXPECT_EQ_INT(10, subs_of(&whole, "guest.disk"));
  EXPECT_EQ_INT(12, subs_of(&whole, "triggeredAlarmState"));
  OK(subs_of(&whole, "snapshot") > 20);
  /* the leaf properties of the first VM, not its structured ones */
  EXPECT_EQ_INT(12, whole.objs.o[0].props_num);
  EXPECT_EQ_STR("web01", prop_of(&whole.objs, 0, "name"));
  OK(prop_of(&whole.objs, 0, "snapshot") == NULL);
  /* the second VM's empty arrays are leaves */
  EXPECT_EQ_STR("", prop_of(&whole.objs, 1, "guest.disk"));
  EXPECT_EQ_STR("", prop_of(&whole.objs, 1, "triggeredAlarmState"));
  vs_buf_free(&a);
  vs_buf_free(&b);
  free(data);
  return 0;
}

/* ==== OptionManager.QueryOptions ==== */

#define MAXQ "config.vpxd.stats.maxQueryMetrics"

static int run_option(const char *doc, vs_option_t *opt, const char *key) {
  vs_xml_handler_t h = vs_parse_option(opt, key);
  h.expect = "QueryOptionsResponse";
  return run_str(h, doc, 3);
}

#define OPTION_DOC(returnvals)                                                 \
  SOAP_HEAD "<QueryOptionsResponse xmlns=\"urn:vim25\">" returnvals            \
            "</QueryOptionsResponse>" SOAP_TAIL
#define RV(key, value)                                                         \
  "<returnval xsi:type=\"OptionValue\"><key>" key "</key>"                     \
  "<value xsi:type=\"xsd:int\">" value "</value></returnval>"

DEF_TEST(option_found) {
  vs_option_t opt;
  /* vcsim's answer (started with -max-query-metrics 256) */
  vs_xml_handler_t h = vs_parse_option(&opt, MAXQ);
  h.expect = "QueryOptionsResponse";
  EXPECT_EQ_INT(0, run_file(h, "vcsim_option.xml", 0));
  OK(opt.found);
  EXPECT_EQ_INT(256, opt.value);
  EXPECT_EQ_STR(MAXQ, opt.key);
  /* vCenter's: the same shape */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV(MAXQ, "64")), &opt, MAXQ));
  OK(opt.found);
  EXPECT_EQ_INT(64, opt.value);
  /* -1: "no limit", as vCenter documents it */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV(MAXQ, "-1")), &opt, MAXQ));
  OK(opt.found);
  EXPECT_EQ_INT(-1, opt.value);
  /* among others (a prefix query answers several): ours, wherever */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV("config.vpxd.stats.other", "9") RV(
                                  MAXQ, "100") RV("config.x", "7")),
                              &opt, MAXQ));
  OK(opt.found);
  EXPECT_EQ_INT(100, opt.value);
  EXPECT_EQ_INT(
      0,
      run_option(OPTION_DOC(RV(MAXQ, "100") RV("config.vpxd.stats.other", "9")),
                 &opt, MAXQ));
  OK(opt.found);
  EXPECT_EQ_INT(100, opt.value);
  /* a value that is a long */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV(MAXQ, "4294967296")), &opt, MAXQ));
  OK(opt.found);
  EXPECT_EQ_INT(INT64_C(4294967296), opt.value);
  return 0;
}

DEF_TEST(option_not_found) {
  vs_option_t opt;
  /* another key only */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV("config.vpxd.stats.other", "9")),
                              &opt, MAXQ));
  OK(!opt.found);
  /* keys are compared exactly */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV("Config.Vpxd.Stats."
                                            "MaxQueryMetrics",
                                            "9")),
                              &opt, MAXQ));
  OK(!opt.found);
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(RV(MAXQ ".x", "9")), &opt, MAXQ));
  OK(!opt.found);
  /* not an integer: not found (the caller falls back to its default) */
  const char *docs[] = {OPTION_DOC(RV(MAXQ, "abc")),
                        OPTION_DOC(RV(MAXQ, "12.5")), OPTION_DOC(RV(MAXQ, "")),
                        OPTION_DOC(RV(MAXQ, "64 ")),
                        OPTION_DOC(RV(MAXQ, "99999999999999999999"))};
  for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
    EXPECT_EQ_INT(0, run_option(docs[i], &opt, MAXQ));
    OK(!opt.found);
  }
  /* a bad value of ours, then another key's good one: still not ours */
  EXPECT_EQ_INT(
      0, run_option(OPTION_DOC(RV(MAXQ, "x") RV("config.y", "5")), &opt, MAXQ));
  OK(!opt.found);
  /* a value deeper down is not the option's */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC("<returnval><key>" MAXQ "</key>"
                                         "<value><value>5</value></value>"
                                         "</returnval>"),
                              &opt, MAXQ));
  OK(!opt.found);
  /* no returnval at all */
  EXPECT_EQ_INT(0, run_option(OPTION_DOC(""), &opt, MAXQ));
  OK(!opt.found);
  return 0;
}

DEF_TEST(option_fault) {
  /* vcsim's answer for an option that does not exist: InvalidName */
  vs_option_t opt;
  vs_xml_handler_t h = vs_parse_option(&opt, "config.vpxd.stats.noSuchOption");
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  CHECK_NOT_NULL(s);
  size_t len;
  char *data = mock_read_data("vcsim_option_fault.xml", &len);
  CHECK_NOT_NULL(data);
  EXPECT_EQ_INT(0, vs_xml_stream_feed(s, data, len));
  vs_xml_stream_finish(s);
  OK(vs_xml_stream_has_fault(s));
  EXPECT_EQ_STR("InvalidName", vs_xml_stream_fault_type(s));
  OK(!opt.found);
  vs_xml_stream_destroy(s);
  free(data);
  /* the key named in the fault detail is no option */
  OK(!opt.matched);
  return 0;
}

int main(void) {
  RUN_TEST(service_content_vcsim);
  RUN_TEST(service_content_vcenter);
  RUN_TEST(service_content_esxi);
  RUN_TEST(service_content_long_values_truncated);
  RUN_TEST(prop_page_vcsim);
  RUN_TEST(prop_page_vcenter_with_token);
  RUN_TEST(prop_page_last_page_has_no_token);
  RUN_TEST(prop_page_bounds);
  RUN_TEST(update_set_vcenter_style);
  RUN_TEST(catalog_vcenter_style);
  RUN_TEST(catalog_vcsim);
  RUN_TEST(catalog_without_callback);
  RUN_TEST(perf_vcenter_style);
  RUN_TEST(perf_vcsim_newest_first);
  RUN_TEST(perf_vcsim_with_start_time);
  RUN_TEST(perf_more_samples_than_bound);
  RUN_TEST(perf_fewer_values_than_timestamps);
  RUN_TEST(perf_entities_do_not_share_samples);
  RUN_TEST(perf_bad_values);
  RUN_TEST(perf_empty_result);
  RUN_TEST(perf_entity_done);
  RUN_TEST(perf_entity_done_not_for_cut_answer);
  RUN_TEST(perf_instance_cut_at_utf8_boundary);
  RUN_TEST(prop_page_value_cut_at_utf8_boundary);
  RUN_TEST(subprop_array_of_data_objects);
  RUN_TEST(subprop_nested_arrays);
  RUN_TEST(subprop_empty_array_is_leaf);
  RUN_TEST(subprop_structured_never_a_leaf);
  RUN_TEST(subprop_fixture_chunking);
  RUN_TEST(option_found);
  RUN_TEST(option_not_found);
  RUN_TEST(option_fault);
  END_TEST;
}
