/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_naming.c
 * collectd identities (vs_naming): HostnameFormat / PluginInstanceFormat
 * fields and separators, UTF-8-safe truncation, vSphere's name escapes,
 * and the disambiguation of objects that would share an identity.
 */
#include "inventory_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_counters.h"
#include "vs_dispatch.h"
#include "vs_inventory.h"
#include "vs_naming.h"

/* DC-A: vm folder with two sub-folders, a cluster (two hosts) and a
 * stand-alone host; VMs named alike in the two folders, a name with ':',
 * a VM on the stand-alone host, a VM whose host and folder are unknown.
 * DC-B: a cluster of the same name with a VM of the same name. */
static void build(vs_inventory_t *inv, bool reversed) {
  vs_inventory_init(inv);
  add_datacenter(inv, "datacenter-1", "DC-A", "group-d1");
  add_folder(inv, "group-v3", "vm", "datacenter-1");
  add_folder(inv, "group-v10", "web", "group-v3");
  add_folder(inv, "group-v11", "db", "group-v3");
  add_folder(inv, "group-h4", "host", "datacenter-1");
  add_cluster(inv, "domain-c7", "Cluster1", "group-h4");
  add_host(inv, "host-8", "esx8.lab", "domain-c7");
  add_host(inv, "host-9", "web", "domain-c7"); /* a host named as a VM */
  add_compute(inv, "domain-s20", "esx20.lab", "group-h4");
  add_host(inv, "host-21", "esx20.lab", "domain-s20");
  /* the two "web" VMs, in either order */
  if (!reversed) {
    add_vm(inv, "vm-10", "web", "group-v10", "host-8");
    add_vm(inv, "vm-9", "web", "group-v11", "host-8");
  } else {
    add_vm(inv, "vm-9", "web", "group-v11", "host-8");
    add_vm(inv, "vm-10", "web", "group-v10", "host-8");
  }
  add_vm(inv, "vm-12", "api:v2", "group-v10", "host-8");
  add_vm(inv, "vm-13", "solo", "group-v3", "host-21");
  add_vm(inv, "vm-14", "lost", "resgroup-99", "host-404");
  add_datacenter(inv, "datacenter-2", "DC-B", "group-d1");
  add_folder(inv, "group-h5", "host", "datacenter-2");
  add_cluster(inv, "domain-c30", "Cluster1", "group-h5");
  add_host(inv, "host-31", "esx31.lab", "domain-c30");
  add_folder(inv, "group-v6", "vm", "datacenter-2");
  add_vm(inv, "vm-32", "web", "group-v6", "host-31");
}

static const char *fmt(const vs_inventory_t *inv, const char *moref,
                       const char *vcenter, const char *spec, char *buf,
                       size_t size) {
  vs_format_t f = format_of(spec);
  const vs_object_t *o = vs_inventory_find(inv, moref);
  if (o == NULL)
    return "(absent)";
  vs_naming_format(inv, o, vcenter, &f, buf, size);
  return buf;
}

DEF_TEST(format_fields) {
  mock_reset();
  vs_inventory_t inv;
  build(&inv, false);
  /* uuids are read only when a format needs them */
  vs_prop_t vm_props[] = {
      {"name", "with-uuid"},
      {"parent", "group-v3"},
      {"runtime.host", "host-8"},
      {"runtime.powerState", "poweredOn"},
      {"config.instanceUuid", "50123456-89ab-cdef-0123-456789abcdef"}};
  EXPECT_EQ_INT(
      0, vs_inventory_add_props(&inv, "VirtualMachine", "vm-40", vm_props, 5));
  vs_prop_t host_props[] = {{"name", "esx41"},
                            {"parent", "domain-c7"},
                            {"runtime.powerState", "poweredOn"},
                            {"hardware.systemInfo.uuid", "4c4c4544-0042"}};
  EXPECT_EQ_INT(
      0, vs_inventory_add_props(&inv, "HostSystem", "host-41", host_props, 4));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  char b[VS_NAME_LEN];

  /* each field of a VM */
  EXPECT_EQ_STR("web", fmt(&inv, "vm-10", "prod", "name", b, sizeof(b)));
  EXPECT_EQ_STR("vm-10", fmt(&inv, "vm-10", "prod", "moref", b, sizeof(b)));
  EXPECT_EQ_STR("", fmt(&inv, "vm-10", "prod", "uuid", b, sizeof(b)));
  EXPECT_EQ_STR("50123456-89ab-cdef-0123-456789abcdef",
                fmt(&inv, "vm-40", "prod", "uuid", b, sizeof(b)));
  EXPECT_EQ_STR("prod", fmt(&inv, "vm-10", "prod", "vcenter", b, sizeof(b)));
  EXPECT_EQ_STR("DC-A", fmt(&inv, "vm-10", "prod", "datacenter", b, sizeof(b)));
  EXPECT_EQ_STR("Cluster1",
                fmt(&inv, "vm-10", "prod", "cluster", b, sizeof(b)));
  EXPECT_EQ_STR("esx8.lab",
                fmt(&inv, "vm-10", "prod", "esxhost", b, sizeof(b)));
  /* ... and of a host: its ESXi host is itself */
  EXPECT_EQ_STR("esx8.lab", fmt(&inv, "host-8", "prod", "name", b, sizeof(b)));
  EXPECT_EQ_STR("host-8", fmt(&inv, "host-8", "prod", "moref", b, sizeof(b)));
  EXPECT_EQ_STR("4c4c4544-0042",
                fmt(&inv, "host-41", "prod", "uuid", b, sizeof(b)));
  EXPECT_EQ_STR("DC-A",
                fmt(&inv, "host-8", "prod", "datacenter", b, sizeof(b)));
  EXPECT_EQ_STR("Cluster1",
                fmt(&inv, "host-8", "prod", "cluster", b, sizeof(b)));
  EXPECT_EQ_STR("esx8.lab",
                fmt(&inv, "host-8", "prod", "esxhost", b, sizeof(b)));
  /* a stand-alone host's compute resource stands for the cluster */
  EXPECT_EQ_STR("esx20.lab",
                fmt(&inv, "vm-13", "prod", "cluster", b, sizeof(b)));
  EXPECT_EQ_STR("esx20.lab",
                fmt(&inv, "host-21", "prod", "cluster", b, sizeof(b)));

  /* joined by ':' in the configured order */
  EXPECT_EQ_STR(
      "prod:DC-A:Cluster1",
      fmt(&inv, "vm-10", "prod", "vcenter datacenter cluster", b, sizeof(b)));
  EXPECT_EQ_STR("Cluster1:prod",
                fmt(&inv, "vm-10", "prod", "cluster vcenter", b, sizeof(b)));
  EXPECT_EQ_STR("web:vm-10:esx8.lab",
                fmt(&inv, "vm-10", "prod", "name moref esxhost", b, sizeof(b)));
  EXPECT_EQ_STR("web:web",
                fmt(&inv, "vm-10", "prod", "name name", b, sizeof(b)));
  /* a ':' inside a field: kept alone, '_' among several fields */
  EXPECT_EQ_STR("api:v2", fmt(&inv, "vm-12", "prod", "name", b, sizeof(b)));
  EXPECT_EQ_STR("api_v2:vm-12",
                fmt(&inv, "vm-12", "prod", "name moref", b, sizeof(b)));
  EXPECT_EQ_STR("prod:api_v2",
                fmt(&inv, "vm-12", "prod", "vcenter name", b, sizeof(b)));
  /* empty fields stay in place, so positions keep their meaning */
  EXPECT_EQ_STR("prod::", fmt(&inv, "vm-14", "prod",
                              "vcenter datacenter cluster", b, sizeof(b)));
  EXPECT_EQ_STR(":lost",
                fmt(&inv, "vm-14", "prod", "esxhost name", b, sizeof(b)));
  EXPECT_EQ_STR("", fmt(&inv, "vm-14", "prod", "cluster", b, sizeof(b)));
  /* the other datacenter's cluster of the same name */
  EXPECT_EQ_STR(
      "prod:DC-B:Cluster1",
      fmt(&inv, "vm-32", "prod", "vcenter datacenter cluster", b, sizeof(b)));
  /* an empty format gives an empty identity */
  EXPECT_EQ_STR("", fmt(&inv, "vm-10", "prod", "", b, sizeof(b)));
  /* bounded by the buffer */
  char small[8];
  EXPECT_EQ_STR("prod:DC",
                fmt(&inv, "vm-10", "prod", "vcenter datacenter cluster", small,
                    sizeof(small)));
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(needs_uuid) {
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  OK(!vs_naming_needs_uuid(&cfg));
  cfg.hostname_format = format_of("name uuid");
  OK(vs_naming_needs_uuid(&cfg));
  naming_config(&cfg, "prod");
  cfg.plugin_instance_format = format_of("vcenter uuid");
  OK(vs_naming_needs_uuid(&cfg));
  return 0;
}

DEF_TEST(apply_defaults) {
  mock_reset();
  vs_inventory_t inv;
  build(&inv, false);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_STR("web", id_host_of(&inv, "vm-9"));
  EXPECT_EQ_STR("prod:DC-A:Cluster1", id_pi_of(&inv, "vm-9"));
  EXPECT_EQ_STR("api:v2", id_host_of(&inv, "vm-12"));
  EXPECT_EQ_STR("prod:DC-A:Cluster1", id_pi_of(&inv, "vm-12"));
  EXPECT_EQ_STR("solo", id_host_of(&inv, "vm-13"));
  EXPECT_EQ_STR("prod:DC-A:esx20.lab", id_pi_of(&inv, "vm-13"));
  EXPECT_EQ_STR("lost", id_host_of(&inv, "vm-14"));
  EXPECT_EQ_STR("prod::", id_pi_of(&inv, "vm-14"));
  EXPECT_EQ_STR("esx8.lab", id_host_of(&inv, "host-8"));
  EXPECT_EQ_STR("prod:DC-A:Cluster1", id_pi_of(&inv, "host-8"));
  EXPECT_EQ_STR("esx20.lab", id_host_of(&inv, "host-21"));
  EXPECT_EQ_STR("prod:DC-A:esx20.lab", id_pi_of(&inv, "host-21"));
  /* the same name in a cluster of the same name in another datacenter,
   * and a host named as a VM: no clash */
  EXPECT_EQ_STR("web", id_host_of(&inv, "vm-32"));
  EXPECT_EQ_STR("prod:DC-B:Cluster1", id_pi_of(&inv, "vm-32"));
  EXPECT_EQ_STR("web", id_host_of(&inv, "host-9"));
  /* datacenters and clusters are collected kinds now: named by the same
   * formats (a cluster is its own cluster field) */
  EXPECT_EQ_STR("DC-A", id_host_of(&inv, "datacenter-1"));
  EXPECT_EQ_STR("prod:DC-A:", id_pi_of(&inv, "datacenter-1"));
  EXPECT_EQ_STR("Cluster1", id_host_of(&inv, "domain-c7"));
  EXPECT_EQ_STR("prod:DC-A:Cluster1", id_pi_of(&inv, "domain-c7"));
  EXPECT_EQ_STR("Cluster1", id_host_of(&inv, "domain-c30"));
  EXPECT_EQ_STR("prod:DC-B:Cluster1", id_pi_of(&inv, "domain-c30"));
  /* structural objects (folders, a stand-alone host's compute resource)
   * have no identity */
  const vs_object_t *folder = vs_inventory_find(&inv, "group-v3");
  CHECK_NOT_NULL(folder);
  EXPECT_EQ_STR("", folder->id_host);
  EXPECT_EQ_STR("", folder->id_plugin_instance);
  EXPECT_EQ_STR("", id_host_of(&inv, "domain-s20"));
  EXPECT_EQ_STR("", id_pi_of(&inv, "domain-s20"));
  vs_inventory_free(&inv);
  return 0;
}

/* Identities of (kind, host, plugin_instance) are unique among the
 * collected objects. */
static size_t clashes(const vs_inventory_t *inv) {
  size_t n = 0;
  for (size_t i = 0; i < inv->num; i++)
    for (size_t j = i + 1; j < inv->num; j++) {
      const vs_object_t *a = &inv->objects[i], *b = &inv->objects[j];
      if (a->kind < 0 || a->kind != b->kind)
        continue;
      if (strcmp(a->id_host, b->id_host) == 0 &&
          strcmp(a->id_plugin_instance, b->id_plugin_instance) == 0)
        n++;
    }
  return n;
}

DEF_TEST(duplicates_deterministic_and_logged_once) {
  for (int reversed = 0; reversed < 2; reversed++) {
    mock_reset();
    vs_inventory_t inv;
    build(&inv, reversed);
    EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
    vs_config_t cfg;
    naming_config(&cfg, "prod");
    EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
    /* the oldest (lowest moref, as numbers: vm-9 before vm-10) keeps the
     * bare name, whatever the order they came in */
    EXPECT_EQ_STR("web", id_host_of(&inv, "vm-9"));
    EXPECT_EQ_STR("web (vm-10)", id_host_of(&inv, "vm-10"));
    EXPECT_EQ_STR("prod:DC-A:Cluster1", id_pi_of(&inv, "vm-10"));
    EXPECT_EQ_INT(1, inv.duplicates);
    EXPECT_EQ_INT(0, clashes(&inv));
    /* logged once, naming both objects and where the values go */
    EXPECT_EQ_INT(1, mock_log_count(LOG_WARNING));
    EXPECT_EQ_INT(
        1, mock_log_count_level_containing(LOG_WARNING, "\"web (vm-10)\""));
    EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_WARNING, "vm-9"));
    EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_WARNING, "\"prod\""));
    EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
    OK(vs_inventory_find(&inv, "vm-10")->dup_logged);
    OK(!vs_inventory_find(&inv, "vm-9")->dup_logged);

    /* applied again to the same inventory: the same, not logged again */
    EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
    EXPECT_EQ_STR("web (vm-10)", id_host_of(&inv, "vm-10"));
    EXPECT_EQ_STR("web", id_host_of(&inv, "vm-9"));
    EXPECT_EQ_INT(1, mock_log_count(LOG_WARNING));

    /* the next inventory refresh: the state moves over, no new log */
    vs_inventory_t fresh;
    build(&fresh, !reversed);
    EXPECT_EQ_INT(0, vs_inventory_finish(&fresh, &inv));
    EXPECT_EQ_INT(0, vs_naming_apply(&fresh, &cfg));
    vs_inventory_free(&inv);
    EXPECT_EQ_STR("web", id_host_of(&fresh, "vm-9"));
    EXPECT_EQ_STR("web (vm-10)", id_host_of(&fresh, "vm-10"));
    EXPECT_EQ_INT(1, fresh.duplicates);
    EXPECT_EQ_INT(1, mock_log_count(LOG_WARNING));

    /* a third VM of that name, newer: it is told apart and logged */
    vs_inventory_t third;
    build(&third, reversed);
    add_vm(&third, "vm-100", "web", "group-v3", "host-8");
    EXPECT_EQ_INT(0, vs_inventory_finish(&third, &fresh));
    EXPECT_EQ_INT(0, vs_naming_apply(&third, &cfg));
    vs_inventory_free(&fresh);
    EXPECT_EQ_STR("web", id_host_of(&third, "vm-9"));
    EXPECT_EQ_STR("web (vm-10)", id_host_of(&third, "vm-10"));
    EXPECT_EQ_STR("web (vm-100)", id_host_of(&third, "vm-100"));
    EXPECT_EQ_INT(2, third.duplicates);
    EXPECT_EQ_INT(2, mock_log_count(LOG_WARNING));
    EXPECT_EQ_INT(1, mock_log_count_containing("vm-100"));
    EXPECT_EQ_INT(0, clashes(&third));
    vs_inventory_free(&third);
  }
  return 0;
}

DEF_TEST(format_without_name_disambiguates_every_object) {
  mock_reset();
  vs_inventory_t inv;
  build(&inv, true);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  cfg.hostname_format = format_of("cluster");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_INT(0, clashes(&inv));
  /* Cluster1 (DC-A): VMs vm-9, vm-10, vm-12; hosts host-8, host-9 */
  EXPECT_EQ_STR("Cluster1", id_host_of(&inv, "vm-9"));
  EXPECT_EQ_STR("Cluster1 (vm-10)", id_host_of(&inv, "vm-10"));
  EXPECT_EQ_STR("Cluster1 (vm-12)", id_host_of(&inv, "vm-12"));
  EXPECT_EQ_STR("Cluster1", id_host_of(&inv, "host-8"));
  EXPECT_EQ_STR("Cluster1 (host-9)", id_host_of(&inv, "host-9"));
  /* alone in their compute resource, or in another datacenter */
  EXPECT_EQ_STR("esx20.lab", id_host_of(&inv, "vm-13"));
  EXPECT_EQ_STR("Cluster1", id_host_of(&inv, "vm-32"));
  EXPECT_EQ_STR("", id_host_of(&inv, "vm-14"));
  EXPECT_EQ_INT(3, inv.duplicates);
  EXPECT_EQ_INT(3, mock_log_count(LOG_WARNING));
  vs_inventory_free(&inv);

  /* a format that cannot tell anything apart: "vcenter" alone */
  mock_reset();
  build(&inv, false);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  cfg.hostname_format = format_of("vcenter");
  cfg.plugin_instance_format = format_of("vcenter");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_INT(0, clashes(&inv));
  /* 6 VMs, 4 hosts, 2 clusters, 2 datacenters: all but one of each kind
   * disambiguated */
  EXPECT_EQ_INT(5 + 3 + 1 + 1, inv.duplicates);
  EXPECT_EQ_INT(5 + 3 + 1 + 1, mock_log_count(LOG_WARNING));
  EXPECT_EQ_STR("prod", id_host_of(&inv, "domain-c7"));
  EXPECT_EQ_STR("prod (domain-c30)", id_host_of(&inv, "domain-c30"));
  EXPECT_EQ_STR("prod", id_host_of(&inv, "datacenter-1"));
  EXPECT_EQ_STR("prod (datacenter-2)", id_host_of(&inv, "datacenter-2"));
  /* the warning names the kind */
  EXPECT_EQ_INT(
      1, mock_log_count_level_containing(LOG_WARNING, "cluster \"Cluster1\""));
  EXPECT_EQ_STR("prod", id_host_of(&inv, "vm-9"));
  EXPECT_EQ_STR("prod (vm-32)", id_host_of(&inv, "vm-32"));
  EXPECT_EQ_STR("prod", id_host_of(&inv, "host-8"));
  EXPECT_EQ_STR("prod (host-31)", id_host_of(&inv, "host-31"));
  vs_inventory_free(&inv);
  return 0;
}

/* "一丁丂..." : n characters from U+4E00 on, 3 bytes each. */
static void cjk(char *buf, size_t n) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned cp = 0x4E00 + (unsigned)i;
    buf[len++] = (char)(0xE0 | (cp >> 12));
    buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[len++] = (char)(0x80 | (cp & 0x3F));
  }
  buf[len] = 0;
}

/* n characters of 1, 2, 3 and 4 bytes in turn: "aé中😀aé中😀..." */
static void mixed(char *buf, size_t n) {
  static const char *const chars[] = {"a", "\xc3\xa9", "\xe4\xb8\xad",
                                      "\xf0\x9f\x98\x80"};
  buf[0] = 0;
  for (size_t i = 0; i < n; i++)
    strcat(buf, chars[i % 4]);
}

static size_t dispatch_one(vs_inventory_t *inv, const char *moref,
                           const char *instance) {
  vs_object_t *o = vs_inventory_find(inv, moref);
  if (o == NULL)
    return 0;
  vs_selected_counter_t c;
  memset(&c, 0, sizeof(c));
  c.id = 2;
  c.scale = 1;
  vs_utf8_copy(c.type, "vm_cpu_usage_average", sizeof(c.type));
  int64_t ts[] = {INT64_C(1704164640) * 1000000};
  int64_t v[] = {1};
  vs_series_t s = {.entity_type = "VirtualMachine",
                   .entity = moref,
                   .counter_id = 2,
                   .instance = instance,
                   .timestamps_us = ts,
                   .values = v,
                   .samples = 1};
  vs_dispatch_params_t p = {
      .interval_s = 20,
      .policy = {.step_us = INT64_C(20000000), .lookback_slots = 3},
      .latest_us = INT64_MAX};
  return vs_dispatch_series(o, &c, &s, &p);
}

DEF_TEST(utf8_safe_truncation) {
  mock_reset();
  char name[68 * 3 + 1], dc[68 * 3 + 1], cl[68 * 4 + 1], inst[60 * 4 + 1];
  cjk(name, 68);
  EXPECT_EQ_INT(204, strlen(name));
  cjk(dc, 68);
  mixed(cl, 68);
  mixed(inst, 60);
  OK(utf8_valid(name) && utf8_valid(dc) && utf8_valid(cl) && utf8_valid(inst));

  vs_inventory_t inv;
  vs_inventory_init(&inv);
  add_datacenter(&inv, "datacenter-1", dc, NULL);
  add_folder(&inv, "group-h4", "host", "datacenter-1");
  add_cluster(&inv, "domain-c7", cl, "group-h4");
  add_host(&inv, "host-8", name, "domain-c7");
  add_folder(&inv, "group-v3", "vm", "datacenter-1");
  add_vm(&inv, "vm-10", name, "group-v3", "host-8");
  add_vm(&inv, "vm-9", name, "group-v3", "host-8"); /* a clash */
  add_vm(&inv, "vm-11", cl, "group-v3", "host-8");
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  /* the whole name is kept in the inventory */
  EXPECT_EQ_STR(name, vs_inventory_find(&inv, "vm-9")->name);
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));

  /* the host field: the longest whole-character prefix within 127 bytes:
   * 42 characters, 126 bytes */
  const char *h = id_host_of(&inv, "vm-9");
  EXPECT_EQ_INT(126, strlen(h));
  OK(utf8_valid(h));
  OK(strncmp(h, name, 126) == 0);
  /* the clash: cut further so " (vm-10)" fits */
  h = id_host_of(&inv, "vm-10");
  OK(strlen(h) <= 127);
  OK(utf8_valid(h));
  size_t hl = strlen(h);
  OK(hl > 8 && strcmp(h + hl - 8, " (vm-10)") == 0);
  OK(strncmp(h, name, hl - 8) == 0);
  EXPECT_EQ_INT(117 + 8, hl); /* 39 characters: 117 bytes, + suffix */
  /* plugin_instance: "prod:" + CJK datacenter, cut within 127 bytes */
  const char *pi = id_pi_of(&inv, "vm-9");
  OK(strlen(pi) <= 127);
  OK(utf8_valid(pi));
  OK(strncmp(pi, "prod:", 5) == 0);
  /* a name of 1-4 byte characters */
  h = id_host_of(&inv, "vm-11");
  OK(strlen(h) <= 127 && strlen(h) >= 124);
  OK(utf8_valid(h));

  /* every size of buffer gives a valid prefix */
  size_t bad = 0;
  vs_format_t f = format_of("name cluster datacenter");
  const vs_object_t *o = vs_inventory_find(&inv, "vm-11");
  for (size_t size = 1; size <= VS_NAME_LEN; size++) {
    char buf[VS_NAME_LEN];
    memset(buf, 'X', sizeof(buf));
    vs_naming_format(&inv, o, "prod", &f, buf, size);
    if (strlen(buf) >= size || !utf8_valid(buf) ||
        strlen(buf) + 4 < size - 1 /* at most one character short */)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);

  /* what collectd gets: every string valid UTF-8, within 127 bytes */
  EXPECT_EQ_INT(1, dispatch_one(&inv, "vm-9", inst));
  EXPECT_EQ_INT(1, dispatch_one(&inv, "vm-10", inst));
  EXPECT_EQ_INT(1, dispatch_one(&inv, "vm-11", name));
  EXPECT_EQ_INT(3, mock_values_num());
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *m = mock_value(i);
    if (!utf8_valid(m->host) || !utf8_valid(m->plugin_instance) ||
        !utf8_valid(m->type_instance) || !utf8_valid(m->type) ||
        strlen(m->host) > 127 || strlen(m->type_instance) > 127 ||
        strlen(m->plugin_instance) > 127 || m->type_instance[0] == 0)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  EXPECT_EQ_STR(id_host_of(&inv, "vm-10"), mock_value(1)->host);
  vs_inventory_free(&inv);
  return 0;
}

static const char *decoded(const char *in, char *buf, size_t size) {
  vs_utf8_copy(buf, in, size);
  vs_name_decode(buf);
  return buf;
}

DEF_TEST(name_decode) {
  char b[64];
  EXPECT_EQ_STR("a/b", decoded("a%2fb", b, sizeof(b)));
  EXPECT_EQ_STR("a/b", decoded("a%2Fb", b, sizeof(b)));
  EXPECT_EQ_STR("a\\b", decoded("a%5cb", b, sizeof(b)));
  EXPECT_EQ_STR("a\\b", decoded("a%5Cb", b, sizeof(b)));
  EXPECT_EQ_STR("100%", decoded("100%25", b, sizeof(b)));
  EXPECT_EQ_STR("/\\%", decoded("%2F%5C%25", b, sizeof(b)));
  /* decoded once: an escaped escape stays an escape */
  EXPECT_EQ_STR("%2f", decoded("%252f", b, sizeof(b)));
  EXPECT_EQ_STR("%/", decoded("%%2f", b, sizeof(b)));
  /* nothing else is decoded */
  EXPECT_EQ_STR("a%2", decoded("a%2", b, sizeof(b)));
  EXPECT_EQ_STR("%2", decoded("%2", b, sizeof(b)));
  EXPECT_EQ_STR("%", decoded("%", b, sizeof(b)));
  EXPECT_EQ_STR("%zz", decoded("%zz", b, sizeof(b)));
  EXPECT_EQ_STR("%20", decoded("%20", b, sizeof(b)));
  EXPECT_EQ_STR("%41%2g%5d", decoded("%41%2g%5d", b, sizeof(b)));
  EXPECT_EQ_STR("100%", decoded("100%", b, sizeof(b)));
  EXPECT_EQ_STR("", decoded("", b, sizeof(b)));
  EXPECT_EQ_STR("\xe4\xb8\xad/", decoded("\xe4\xb8\xad%2f", b, sizeof(b)));

  /* names from discovery are decoded; morefs are not */
  mock_reset();
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  add_vm(&inv, "vm-1", "web%2fdb %25 1%5C2", NULL, NULL);
  add_vm(&inv, "vm-2", "50%", NULL, NULL);
  add_cluster(&inv, "domain-c1", "A%2fB", NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  EXPECT_EQ_STR("web/db % 1\\2", vs_inventory_find(&inv, "vm-1")->name);
  EXPECT_EQ_STR("50%", vs_inventory_find(&inv, "vm-2")->name);
  EXPECT_EQ_STR("A/B", vs_inventory_find(&inv, "domain-c1")->name);
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_STR("web/db % 1\\2", id_host_of(&inv, "vm-1"));
  vs_inventory_free(&inv);
  return 0;
}

static int sign(int x) { return (x > 0) - (x < 0); }

DEF_TEST(moref_compare) {
  OK(vs_moref_compare("vm-9", "vm-10") < 0);
  OK(vs_moref_compare("vm-10", "vm-9") > 0);
  OK(vs_moref_compare("vm-99", "vm-100") < 0);
  OK(vs_moref_compare("vm-1", "vm-2") < 0);
  EXPECT_EQ_INT(0, vs_moref_compare("vm-10", "vm-10"));
  EXPECT_EQ_INT(0, vs_moref_compare("", ""));
  OK(vs_moref_compare("host-9", "host-10") < 0);
  /* different prefixes: as text */
  EXPECT_EQ_INT(sign(strcmp("host-10", "vm-9")),
                sign(vs_moref_compare("host-10", "vm-9")));
  EXPECT_EQ_INT(sign(strcmp("vm-9", "host-10")),
                sign(vs_moref_compare("vm-9", "host-10")));
  /* same value, other spelling: still a strict order */
  OK(vs_moref_compare("vm-010", "vm-10") != 0);
  EXPECT_EQ_INT(-sign(vs_moref_compare("vm-010", "vm-10")),
                sign(vs_moref_compare("vm-10", "vm-010")));
  /* no number: as text */
  OK(vs_moref_compare("vm-", "vm-1") < 0);
  OK(vs_moref_compare("abc", "abd") < 0);

  /* sorting a shuffled list: numeric within a prefix */
  const char *in[] = {"vm-100", "vm-9", "vm-10", "vm-2", "vm-1", "vm-11"};
  const char *want[] = {"vm-1", "vm-2", "vm-9", "vm-10", "vm-11", "vm-100"};
  const char *v[6];
  memcpy(v, in, sizeof(v));
  for (int i = 1; i < 6; i++)
    for (int j = i; j > 0 && vs_moref_compare(v[j - 1], v[j]) > 0; j--) {
      const char *t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  for (int i = 0; i < 6; i++)
    EXPECT_EQ_STR(want[i], v[i]);
  /* antisymmetric over the list */
  size_t bad = 0;
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      if (sign(vs_moref_compare(in[i], in[j])) !=
          -sign(vs_moref_compare(in[j], in[i])))
        bad++;
  EXPECT_EQ_INT(0, bad);
  return 0;
}

/* Was a bug (src/vs_naming.c, vs_moref_compare): a stand-alone ESXi host names
 * its VMs with plain numbers ("1", "9", "10"; the host is "ha-host").
 * Without a '-' the comparison falls back to strcmp, so "10" sorts before
 * "9" and, with a format that makes them clash (e.g. HostnameFormat
 * "esxhost"), the newer VM keeps the bare identity and the older one is
 * renamed. Fix: compare two all-digit morefs (or the trailing digit runs
 * of any two morefs with the same prefix) by value, e.g. find the start of
 * the trailing digits instead of strrchr(a, '-'). */
DEF_TEST(moref_compare_plain_numbers) {
  OK(vs_moref_compare("9", "10") < 0);
  OK(vs_moref_compare("10", "9") > 0);
  return 0;
}

/* Was a bug (src/vs_naming.c, vs_naming_apply): the header promises that two
 * objects of one kind never share an identity, but a disambiguated
 * identity is not checked against the others: a VM named "web (vm-10)"
 * (anyone who may name VMs can do it, or a clone tool) gets the identity
 * that vm-10 was moved to, and both VMs' values land in one series.
 * Fix: after disambiguating, look for clashes again (sort and compare
 * once more, or keep a hash set of identities taken) and repeat until
 * there is none; suffixing the newer object's moref again converges
 * because morefs are unique. */
DEF_TEST(disambiguated_identity_unique) {
  mock_reset();
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  add_datacenter(&inv, "datacenter-1", "DC", NULL);
  add_folder(&inv, "group-h4", "host", "datacenter-1");
  add_cluster(&inv, "domain-c7", "C", "group-h4");
  add_host(&inv, "host-8", "esx", "domain-c7");
  add_folder(&inv, "group-v3", "vm", "datacenter-1");
  add_vm(&inv, "vm-9", "web", "group-v3", "host-8");
  add_vm(&inv, "vm-10", "web", "group-v3", "host-8");
  add_vm(&inv, "vm-11", "web (vm-10)", "group-v3", "host-8");
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_INT(0, clashes(&inv));
  OK(strcmp(id_host_of(&inv, "vm-10"), id_host_of(&inv, "vm-11")) != 0);
  vs_inventory_free(&inv);
  return 0;
}

/* attr:<Name>: the object's value of that custom attribute, by the names
 * read from vCenter; "" without the attribute or its name. */
DEF_TEST(attribute_field) {
  mock_reset();
  vs_inventory_t inv;
  build(&inv, false);
  CHECK_ZERO(vs_inventory_finish(&inv, NULL));
  vs_object_t *o = vs_inventory_find(&inv, "vm-13");
  CHECK_NOT_NULL(o);
  int attr = state_type_index("vm_attribute");
  OK(attr >= 0);
  vs_state_value_t states[] = {
      {.type = (uint16_t)attr, .instance = "101:team-x", .value = 1},
      {.type = (uint16_t)attr, .instance = "1010:other", .value = 1}};
  o->states = vs_state_copy(states, 2);
  CHECK_NOT_NULL(o->states);
  o->states_num = 2;
  vs_fields_t f;
  vs_fields_init(&f);
  CHECK_ZERO(vs_fields_add(&f, 101, "Owner"));
  CHECK_ZERO(vs_fields_add(&f, 1010, "Other"));
  CHECK_ZERO(vs_fields_add(&f, 7, "Unset"));
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  cfg.hostname_format = (vs_format_t){
      .fields = {VS_FIELD_NAME, VS_FIELD_ATTRIBUTE, VS_FIELD_ATTRIBUTE},
      .args = {"", "Owner", "Unset"},
      .num = 3};
  EXPECT_EQ_INT(0, vs_naming_apply_fields(&inv, &cfg, &f, NULL));
  EXPECT_EQ_STR("solo:team-x:", o->id_host);
  /* another VM has none */
  EXPECT_EQ_STR("web::", vs_inventory_find(&inv, "vm-32")->id_host);
  /* without the names (CustomAttributes false): empty */
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_STR("solo::", o->id_host);
  vs_fields_free(&f);
  vs_inventory_free(&inv);
  return 0;
}

int main(void) {
  RUN_TEST(format_fields);
  RUN_TEST(attribute_field);
  RUN_TEST(needs_uuid);
  RUN_TEST(apply_defaults);
  RUN_TEST(duplicates_deterministic_and_logged_once);
  RUN_TEST(format_without_name_disambiguates_every_object);
  RUN_TEST(utf8_safe_truncation);
  RUN_TEST(name_decode);
  RUN_TEST(moref_compare);
  RUN_TEST(moref_compare_plain_numbers);
  RUN_TEST(disambiguated_identity_unique);
  mock_reset();
  END_TEST;
}
