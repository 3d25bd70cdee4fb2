/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_events.c
 * vCenter's events without a network: the ReadNextEvents parser (answers
 * in the shape vCenter sends, hand-made), the counting and notification
 * rules, and the bounded count table.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_event_counts.h"
#include "vs_event_rules.h"
#include "vs_parse.h"
#include "vs_xml.h"

#include <string.h>

#define HEAD                                                                   \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                 \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"     \
  "<ReadNextEventsResponse xmlns=\"urn:vim25\">"
#define TAIL "</ReadNextEventsResponse></soapenv:Body></soapenv:Envelope>"

static vs_event_t seen[8];
static size_t seen_num;

static void keep(void *ctx, const vs_event_t *e) {
  (void)ctx;
  if (seen_num < 8)
    seen[seen_num++] = *e;
}

static int parse(const char *xml, vs_events_parser_t *p) {
  seen_num = 0;
  vs_events_parser_init(p, keep, NULL);
  vs_xml_handler_t h = vs_parse_events(p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  int rc = vs_xml_stream_feed(s, xml, strlen(xml));
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  vs_xml_stream_destroy(s);
  return rc;
}

DEF_TEST(parse_typed_and_ex) {
  const char *xml = HEAD
      "<returnval xsi:type=\"VmFailedToPowerOnEvent\"><key>4711</key>"
      "<chainId>4709</chainId><createdTime>2024-05-06T07:08:09.5Z</createdTime>"
      "<userName>VSPHERE.LOCAL\\ops</userName>"
      "<datacenter><name>DC0</name><datacenter "
      "type=\"Datacenter\">datacenter-2</datacenter></datacenter>"
      "<computeResource><name>C0</name><computeResource "
      "type=\"ClusterComputeResource\">domain-c7</computeResource>"
      "</computeResource>"
      "<host><name>esx1</name><host type=\"HostSystem\">host-21</host></host>"
      "<vm><name>web &amp; db</name><vm "
      "type=\"VirtualMachine\">vm-42</vm></vm>"
      "<fullFormattedMessage>Cannot power on web &amp; db on esx1. "
      "</fullFormattedMessage>"
      "<template>false</template>"
      "<reason><faultCause><fault "
      "xsi:type=\"InsufficientResourcesFault\"/></faultCause>"
      "<key>ignored</key></reason></returnval>"
      "<returnval xsi:type=\"EventEx\"><key>4712</key><chainId>4712</chainId>"
      "<createdTime>2024-05-06T07:08:10Z</createdTime><userName></userName>"
      "<host><name>esx2</name><host type=\"HostSystem\">host-22</host></host>"
      "<fullFormattedMessage>HA restarted</fullFormattedMessage>"
      "<eventTypeId>com.vmware.vc.ha.VmRestartedByHAEvent</eventTypeId>"
      "<severity>warning</severity></returnval>"
      "<returnval xsi:type=\"VmPoweredOnEvent\"><chainId>1</chainId>"
      "</returnval>" /* no key: dropped */
      TAIL;
  vs_events_parser_t p;
  OK(parse(xml, &p) == 0);
  OK(p.events == 2 && p.dropped == 1 && seen_num == 2);
  const vs_event_t *e = &seen[0];
  OK(e->key == 4711 && e->chain_id == 4709);
  EXPECT_EQ_STR("VmFailedToPowerOnEvent", e->type);
  OK(e->created_us == INT64_C(1714979289500000));
  EXPECT_EQ_STR("VSPHERE.LOCAL\\ops", e->user);
  EXPECT_EQ_STR("Cannot power on web & db on esx1. ", e->message);
  EXPECT_EQ_STR("vm-42", e->entities[VS_EVENT_ARG_VM].moref);
  EXPECT_EQ_STR("VirtualMachine", e->entities[VS_EVENT_ARG_VM].type);
  EXPECT_EQ_STR("web & db", e->entities[VS_EVENT_ARG_VM].name);
  EXPECT_EQ_STR("host-21", e->entities[VS_EVENT_ARG_HOST].moref);
  EXPECT_EQ_STR("domain-c7", e->entities[VS_EVENT_ARG_COMPUTE].moref);
  EXPECT_EQ_STR("ClusterComputeResource",
                e->entities[VS_EVENT_ARG_COMPUTE].type);
  EXPECT_EQ_STR("datacenter-2", e->entities[VS_EVENT_ARG_DATACENTER].moref);
  EXPECT_EQ_STR("", e->entities[VS_EVENT_ARG_DS].moref);
  e = &seen[1];
  EXPECT_EQ_STR("com.vmware.vc.ha.VmRestartedByHAEvent", e->type);
  EXPECT_EQ_STR("warning", e->severity);
  EXPECT_EQ_STR("host-22", e->entities[VS_EVENT_ARG_HOST].moref);
  EXPECT_EQ_STR("", e->entities[VS_EVENT_ARG_VM].moref);
  return 0;
}

DEF_TEST(parse_empty_and_bad) {
  vs_events_parser_t p;
  OK(parse(HEAD TAIL, &p) == 0);
  OK(p.events == 0 && seen_num == 0);
  /* a truncated answer fails, what came whole was handed on */
  OK(parse(HEAD "<returnval xsi:type=\"VmPoweredOnEvent\"><key>5</key>"
                "</returnval><returnval xsi:type=\"VmPoweredOnEvent\">"
                "<key>6</ke",
           &p) != 0);
  OK(seen_num == 1 && seen[0].key == 5);
  /* another method's answer is refused */
  const char *other = "<?xml version=\"1.0\"?><soapenv:Envelope "
                      "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/"
                      "envelope/\"><soapenv:Body><QueryPerfResponse/>"
                      "</soapenv:Body></soapenv:Envelope>";
  OK(parse(other, &p) != 0);
  return 0;
}

static void config_init(vs_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->default_events = true;
}

static char *items_a[] = {"Custom*", "VmGuestRebootEvent"};
static char *items_i[] = {"VmReconfiguredEvent", "CustomNoisy*"};

DEF_TEST(rules) {
  vs_config_t cfg;
  config_init(&cfg);
  OK(vs_event_counted(&cfg, "VmPoweredOnEvent"));
  OK(vs_event_counted(&cfg, "com.vmware.vc.ha.VmRestartedByHAEvent"));
  OK(!vs_event_counted(&cfg, "vmpoweredonevent")); /* case matters */
  OK(!vs_event_counted(&cfg, "UserLoginSessionEvent"));
  OK(vs_event_severity(&cfg, "VmFailedToPowerOnEvent") == NOTIF_FAILURE);
  OK(vs_event_severity(&cfg, "com.vmware.vc.ha.VmRestartedByHAEvent") ==
     NOTIF_WARNING);
  OK(vs_event_severity(&cfg, "VmPoweredOnEvent") == 0);
  const char *types[64];
  size_t n = vs_event_server_types(&cfg, types, 64);
  OK(n == vs_default_events_num); /* the notified are counted too */
  /* Event adds, IgnoreEvent takes away */
  cfg.count_events = (vs_strlist_t){items_a, 2};
  cfg.ignore_events = (vs_strlist_t){items_i, 2};
  OK(vs_event_counted(&cfg, "CustomThing"));
  OK(!vs_event_counted(&cfg, "CustomNoisyThing"));
  OK(vs_event_counted(&cfg, "VmGuestRebootEvent"));
  OK(!vs_event_counted(&cfg, "VmReconfiguredEvent"));
  OK(vs_event_server_types(&cfg, types, 64) == SIZE_MAX); /* a glob */
  cfg.count_events.num = 0;
  cfg.count_events = (vs_strlist_t){items_a + 1, 1};
  n = vs_event_server_types(&cfg, types, 64);
  OK(n == vs_default_events_num + 1);
  OK(vs_event_server_types(&cfg, types, 3) == SIZE_MAX); /* no room */
  /* DefaultEvents false: only what Event names */
  cfg.default_events = false;
  OK(!vs_event_counted(&cfg, "VmPoweredOnEvent"));
  OK(vs_event_counted(&cfg, "VmGuestRebootEvent"));
  /* NotifyEvent rules come first; "none" silences a default */
  vs_event_notify_t rules[] = {{"VmFailedToPowerOnEvent", 0},
                               {"Vm*Power*", NOTIF_WARNING}};
  cfg.notify_events = rules;
  cfg.notify_events_num = 2;
  OK(vs_event_severity(&cfg, "VmFailedToPowerOnEvent") == 0);
  OK(vs_event_severity(&cfg, "VmFailedToPowerOffEvent") == NOTIF_WARNING);
  OK(vs_event_severity(&cfg, "HostConnectionLostEvent") == NOTIF_FAILURE);
  /* a silenced default is not asked for; nothing at all: an empty list */
  EXPECT_EQ_INT(SIZE_MAX, vs_event_server_types(&cfg, types, 64)); /* glob */
  cfg.notify_events_num = 1; /* VmFailedToPowerOnEvent "none" */
  n = vs_event_server_types(&cfg, types, 64);
  EXPECT_EQ_INT(1 + vs_default_notify_events_num - 1, n);
  for (size_t i = 0; i < n; i++)
    OK(strcmp(types[i], "VmFailedToPowerOnEvent") != 0);
  vs_event_notify_t silent[] = {{"*", 0}};
  cfg.notify_events = silent;
  cfg.notify_events_num = 1;
  cfg.count_events.num = 0;
  EXPECT_EQ_INT(0, vs_event_server_types(&cfg, types, 64));
  return 0;
}

static bool keep_not_vm1(void *ctx, const char *moref) {
  (void)ctx;
  return strcmp(moref, "vm-1") != 0;
}

DEF_TEST(counts_bounded_and_retained) {
  vs_event_counts_t c;
  vs_event_counts_init(&c, 3);
  OK(vs_event_counts_add(&c, "vm-1", "VmPoweredOnEvent"));
  OK(vs_event_counts_add(&c, "vm-1", "VmPoweredOnEvent"));
  OK(vs_event_counts_add(&c, "vm-2", "VmPoweredOnEvent"));
  OK(vs_event_counts_add(&c, "", "BadUsernameSessionEvent"));
  OK(!vs_event_counts_add(&c, "vm-3", "VmPoweredOnEvent")); /* bound */
  OK(c.refused == 1 && c.num == 3);
  OK(vs_event_counts_get(&c, "vm-1", "VmPoweredOnEvent") == 2);
  OK(vs_event_counts_get(&c, "vm-1", "VmPoweredOffEvent") == 0);
  OK(vs_event_counts_retain(&c, keep_not_vm1, NULL) == 0);
  OK(c.num == 2 && c.refused == 1);
  OK(vs_event_counts_get(&c, "vm-1", "VmPoweredOnEvent") == 0);
  OK(vs_event_counts_get(&c, "vm-2", "VmPoweredOnEvent") == 1);
  OK(vs_event_counts_get(&c, "", "BadUsernameSessionEvent") == 1);
  OK(vs_event_counts_add(&c, "vm-3", "VmPoweredOnEvent")); /* room again */
  vs_event_counts_free(&c);
  return 0;
}

int main(void) {
  mock_reset();
  RUN_TEST(parse_typed_and_ex);
  RUN_TEST(parse_empty_and_bad);
  RUN_TEST(rules);
  RUN_TEST(counts_bounded_and_retained);
  mock_reset();
  END_TEST;
}
