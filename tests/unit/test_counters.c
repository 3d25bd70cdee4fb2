/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_counters.c
 * Type names, the catalog, and counter selection per kind.
 */
#include "config_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_counters.h"
#include "vs_kind.h"
#include "vs_parse.h"
#include "vs_xml.h"

/* The collected kind of a managed object type, -1 for others (folders,
 * compute resources), as discovery decides it. */
static int kind_of_type(const char *mo_type) {
  int mo = vs_mo_from_type(mo_type);
  return mo < 0 ? -1 : vs_mo_kind((vs_mo_t)mo);
}

static vs_counter_info_t info(int key, const char *group, const char *name,
                              const char *rollup, const char *unit) {
  vs_counter_info_t c;
  memset(&c, 0, sizeof(c));
  c.key = key;
  vs_utf8_copy(c.group, group, sizeof(c.group));
  vs_utf8_copy(c.name, name, sizeof(c.name));
  vs_utf8_copy(c.rollup, rollup, sizeof(c.rollup));
  vs_utf8_copy(c.unit, unit, sizeof(c.unit));
  vs_utf8_copy(c.stats_type, "rate", sizeof(c.stats_type));
  c.level = 1;
  return c;
}

/* A small catalog, added out of id order. */
static void small_catalog(vs_catalog_t *cat) {
  memset(cat, 0, sizeof(*cat));
  vs_counter_info_t cs[] = {
      info(155, "sys", "uptime", "latest", "second"),
      info(2, "cpu", "usage", "average", "percent"),
      info(12, "cpu", "ready", "summation", "millisecond"),
      info(1, "cpu", "usage", "none", "percent"),            /* not a default */
      info(388, "cpu", "utilization", "average", "percent"), /* host */
      info(70, "mem", "swapped", "average", "kiloBytes"),    /* vm */
      info(49, "mem", "swapused", "average", "kiloBytes"),   /* host */
      info(157, "power", "power", "average", "watt"),        /* host */
      info(152, "net", "throughput.usage", "average", "kiloBytesPerSecond"),
      info(148, "net", "received", "average", "kiloBytesPerSecond"),
  };
  for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
    vs_catalog_add(cat, &cs[i]);
}

static void base_config(vs_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  for (int k = 0; k < VS_KIND_NUM; k++) {
    cfg->collect[k] = true;
    cfg->instances[k] = true;
  }
  cfg->default_metrics = true;
}

/* The ids of a set, comma-separated, in the set's order. */
static const char *ids_of(const vs_counter_set_t *set, char *buf, size_t size) {
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < set->num && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "",
                            set->items[i].id);
  return buf;
}

DEF_TEST(type_name) {
  char buf[VS_TYPE_LEN];
  vs_counter_type_name("vm", "cpu", "usage", "average", buf, sizeof(buf));
  EXPECT_EQ_STR("vm_cpu_usage_average", buf);
  vs_counter_type_name("cluster", "cpu", "capacity.contention", "average", buf,
                       sizeof(buf));
  EXPECT_EQ_STR("cluster_cpu_capacity_contention_average", buf);
  vs_counter_type_name("vm", "virtualDisk", "totalReadLatency", "average", buf,
                       sizeof(buf));
  EXPECT_EQ_STR("vm_virtualDisk_totalReadLatency_average", buf);
  /* anything outside [A-Za-z0-9_] becomes '_' */
  vs_counter_type_name("host", "a-b", "c d/e:f", "x.y\xc3\xa9", buf,
                       sizeof(buf));
  EXPECT_EQ_STR("host_a_b_c_d_e_f_x_y__", buf);
  /* bounded by the buffer */
  char small[8];
  vs_counter_type_name("vm", "cpu", "usage", "average", small, sizeof(small));
  EXPECT_EQ_STR("vm_cpu_", small);
  return 0;
}

DEF_TEST(kinds) {
  EXPECT_EQ_INT(VS_KIND_VM, kind_of_type("VirtualMachine"));
  EXPECT_EQ_INT(VS_KIND_HOST, kind_of_type("HostSystem"));
  EXPECT_EQ_INT(VS_KIND_CLUSTER, kind_of_type("ClusterComputeResource"));
  EXPECT_EQ_INT(VS_KIND_DATASTORE, kind_of_type("Datastore"));
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, kind_of_type("ResourcePool"));
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, kind_of_type("VirtualApp"));
  EXPECT_EQ_INT(VS_KIND_DATACENTER, kind_of_type("Datacenter"));
  /* structure only: no kind */
  EXPECT_EQ_INT(-1, kind_of_type("Folder"));
  EXPECT_EQ_INT(-1, kind_of_type("ComputeResource"));
  EXPECT_EQ_INT(-1, kind_of_type("StoragePod"));
  EXPECT_EQ_INT(-1, kind_of_type(""));
  EXPECT_EQ_INT(-1, kind_of_type("virtualmachine"));
  struct {
    vs_kind_t kind;
    const char *name, *mo_type;
    int interval_id, step_s;
    bool historical, collect, instances;
  } want[] = {
      /* realtime statistics (a sample every 20 s), collected, with
       * per-instance series */
      {VS_KIND_VM, "vm", "VirtualMachine", 20, 20, false, true, true},
      {VS_KIND_HOST, "host", "HostSystem", 20, 20, false, true, true},
      /* historical (300 s samples, posted late), aggregates only;
       * clusters and datastores collected by default */
      {VS_KIND_CLUSTER, "cluster", "ClusterComputeResource", 300, 300, true,
       true, false},
      {VS_KIND_DATASTORE, "datastore", "Datastore", 300, 300, true, true,
       false},
      {VS_KIND_RESOURCE_POOL, "resourcepool", "ResourcePool", 300, 300, true,
       false, false},
      {VS_KIND_DATACENTER, "datacenter", "Datacenter", 300, 300, true, false,
       false},
  };
  EXPECT_EQ_INT(VS_KIND_NUM, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const vs_kind_info_t *k = vs_kind_info(want[i].kind);
    EXPECT_EQ_STR(want[i].name, k->name);
    EXPECT_EQ_STR(want[i].mo_type, k->mo_type);
    EXPECT_EQ_INT(want[i].interval_id, k->interval_id);
    EXPECT_EQ_INT(want[i].step_s, k->step_s);
    EXPECT_EQ_INT(want[i].historical, k->historical);
    EXPECT_EQ_INT(want[i].collect, k->collect);
    EXPECT_EQ_INT(want[i].instances, k->instances);
    EXPECT_EQ_INT(want[i].kind, kind_of_type(want[i].mo_type));
    EXPECT_EQ_INT(want[i].kind, vs_kind_from_name(want[i].name));
  }
  return 0;
}

DEF_TEST(managed_object_types) {
  const char *names[VS_MO_NUM] = {"Folder",          "Datacenter",
                                  "ComputeResource", "ClusterComputeResource",
                                  "HostSystem",      "VirtualMachine",
                                  "Datastore",       "ResourcePool"};
  for (int m = 0; m < VS_MO_NUM; m++) {
    EXPECT_EQ_INT(m, vs_mo_from_type(names[m]));
  }
  /* every type is collected but the structural folders and stand-alone
   * compute resources */
  EXPECT_EQ_INT(VS_KIND_VM, vs_mo_kind(VS_MO_VM));
  EXPECT_EQ_INT(VS_KIND_HOST, vs_mo_kind(VS_MO_HOST));
  EXPECT_EQ_INT(VS_KIND_CLUSTER, vs_mo_kind(VS_MO_CLUSTER));
  EXPECT_EQ_INT(VS_KIND_DATASTORE, vs_mo_kind(VS_MO_DATASTORE));
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, vs_mo_kind(VS_MO_RESOURCE_POOL));
  EXPECT_EQ_INT(VS_KIND_DATACENTER, vs_mo_kind(VS_MO_DATACENTER));
  EXPECT_EQ_INT(-1, vs_mo_kind(VS_MO_FOLDER));
  EXPECT_EQ_INT(-1, vs_mo_kind(VS_MO_COMPUTE_RESOURCE));
  /* a vApp is a resource pool to the plugin (the name stays the type's) */
  EXPECT_EQ_INT(VS_MO_RESOURCE_POOL, vs_mo_from_type("VirtualApp"));
  /* the kinds' managed object types agree */
  for (int k = 0; k < VS_KIND_NUM; k++)
    EXPECT_EQ_INT(k, vs_mo_kind((vs_mo_t)vs_mo_from_type(
                         vs_kind_info((vs_kind_t)k)->mo_type)));
  EXPECT_EQ_INT(-1, vs_mo_from_type("StoragePod"));
  EXPECT_EQ_INT(-1, vs_mo_from_type("Network"));
  EXPECT_EQ_INT(-1, vs_mo_from_type("virtualapp"));
  EXPECT_EQ_INT(-1, vs_mo_from_type(""));
  EXPECT_EQ_INT(-1, vs_mo_from_type("folder"));
  return 0;
}

DEF_TEST(default_metric_names) {
  OK(vs_default_metrics_num > 10);
  size_t per_kind[VS_KIND_NUM] = {0}, bad = 0;
  for (size_t i = 0; i < vs_default_metrics_num; i++) {
    const char *m = vs_default_metrics[i];
    size_t dots = 0;
    for (const char *p = m; *p; p++)
      dots += *p == '.';
    /* "<kind>.": one of the kinds */
    char kind[32];
    vs_utf8_copy(kind, m, sizeof(kind));
    char *dot = strchr(kind, '.');
    if (dot != NULL)
      *dot = 0;
    int k = vs_kind_from_name(kind);
    if (dot == NULL || k < 0 ||
        strcmp(vs_kind_info((vs_kind_t)k)->name, kind) != 0) {
      printf("# %s: no kind\n", m);
      bad++;
    } else {
      per_kind[k]++;
    }
    if (dots < 3)
      bad++;
    for (size_t j = 0; j < i; j++)
      if (strcmp(vs_default_metrics[j], m) == 0)
        bad++; /* listed twice */
  }
  EXPECT_EQ_INT(0, bad);
  for (int k = 0; k < VS_KIND_NUM; k++) /* every kind has defaults */
    OK(per_kind[k] > 0);
  /* historical kinds: few (clusters are computed on the fly) */
  OK(per_kind[VS_KIND_CLUSTER] <= 10);
  return 0;
}

DEF_TEST(catalog_grows) {
  vs_catalog_t cat;
  memset(&cat, 0, sizeof(cat));
  for (int i = 0; i < 1000; i++) {
    vs_counter_info_t c = info(i, "g", "n", "average", "number");
    EXPECT_EQ_INT(0, vs_catalog_add(&cat, &c));
  }
  EXPECT_EQ_INT(1000, cat.num);
  OK(cat.cap >= 1000);
  EXPECT_EQ_INT(0, cat.items[0].key);
  EXPECT_EQ_INT(999, cat.items[999].key);
  EXPECT_EQ_STR("average", cat.items[500].rollup);
  vs_catalog_free(&cat);
  EXPECT_EQ_INT(0, cat.num);
  OK(cat.items == NULL);
  return 0;
}

DEF_TEST(select_defaults_vm_vs_host) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  vs_counter_set_t vm, host;
  memset(&vm, 0, sizeof(vm));
  memset(&host, 0, sizeof(host));
  char buf[256];

  EXPECT_EQ_INT(0, vs_counters_select(&vm, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  /* sorted by id; mem.swapped is a VM default, the host ones are not */
  EXPECT_EQ_STR("2,12,70,148,155", ids_of(&vm, buf, sizeof(buf)));
  EXPECT_EQ_STR("vm_cpu_usage_average", vs_counters_find(&vm, 2)->type);
  EXPECT_EQ_STR("vm_sys_uptime_latest", vs_counters_find(&vm, 155)->type);

  EXPECT_EQ_INT(
      0, vs_counters_select(&host, &cat, VS_KIND_HOST, &cfg, NULL, NULL));
  EXPECT_EQ_STR("2,12,49,148,155,157,388", ids_of(&host, buf, sizeof(buf)));
  EXPECT_EQ_STR("host_cpu_utilization_average",
                vs_counters_find(&host, 388)->type);
  EXPECT_EQ_STR("host_power_power_average", vs_counters_find(&host, 157)->type);
  OK(vs_counters_find(&host, 70) == NULL);
  OK(vs_counters_find(&vm, 388) == NULL);

  vs_counter_set_free(&vm);
  vs_counter_set_free(&host);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(percent_scale) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_HOST, &cfg, NULL, NULL));
  const vs_selected_counter_t *c = vs_counters_find(&set, 2);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_DOUBLE(0.01, c->scale); /* percent in hundredths */
  c = vs_counters_find(&set, 388);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_DOUBLE(0.01, c->scale);
  c = vs_counters_find(&set, 12);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_DOUBLE(1.0, c->scale);
  c = vs_counters_find(&set, 157);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_DOUBLE(1.0, c->scale);
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(metric_glob_adds) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  char *globs[] = {"vm.net.throughput.*", "vm.cpu.usage.none"};
  cfg.metrics = (vs_strlist_t){.items = globs, .num = 2};
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  char buf[256];
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_STR("1,2,12,70,148,152,155", ids_of(&set, buf, sizeof(buf)));
  EXPECT_EQ_STR("vm_net_throughput_usage_average",
                vs_counters_find(&set, 152)->type);
  EXPECT_EQ_STR("vm_cpu_usage_none", vs_counters_find(&set, 1)->type);

  /* a glob for the other kind adds nothing here */
  char *host_glob[] = {"host.*"};
  cfg.metrics = (vs_strlist_t){.items = host_glob, .num = 1};
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_STR("2,12,70,148,155", ids_of(&set, buf, sizeof(buf)));
  /* "*" matches across dots */
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_HOST, &cfg, NULL, NULL));
  EXPECT_EQ_INT(cat.num, set.num);
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(ignore_metric_removes) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  char *add[] = {"vm.cpu.usage.none"};
  char *ignore[] = {"vm.cpu.*", "*.latest"};
  cfg.metrics = (vs_strlist_t){.items = add, .num = 1};
  cfg.ignore_metrics = (vs_strlist_t){.items = ignore, .num = 2};
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  char buf[256];
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  /* IgnoreMetric wins over defaults and over Metric */
  EXPECT_EQ_STR("70,148", ids_of(&set, buf, sizeof(buf)));
  OK(vs_counters_find(&set, 1) == NULL);
  OK(vs_counters_find(&set, 2) == NULL);
  OK(vs_counters_find(&set, 155) == NULL);
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(default_metrics_false) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  cfg.default_metrics = false;
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  char buf[256];
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_INT(0, set.num);
  EXPECT_EQ_INT(0, set.metric_ids.len);
  OK(vs_counters_find(&set, 2) == NULL); /* empty set: nothing found */

  char *globs[] = {"vm.mem.*"};
  cfg.metrics = (vs_strlist_t){.items = globs, .num = 1};
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_STR("49,70", ids_of(&set, buf, sizeof(buf)));
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(sorted_and_find) {
  /* A big catalog in reverse order, everything selected. */
  vs_catalog_t cat;
  memset(&cat, 0, sizeof(cat));
  for (int i = 500; i > 0; i--) {
    char name[32];
    snprintf(name, sizeof(name), "c%d", i);
    vs_counter_info_t c = info(i * 3, "g", name, "average", "number");
    vs_catalog_add(&cat, &c);
  }
  /* and one key twice */
  vs_counter_info_t dup = info(300, "g", "dup", "average", "number");
  vs_catalog_add(&cat, &dup);
  vs_config_t cfg;
  base_config(&cfg);
  char *all[] = {"*"};
  cfg.metrics = (vs_strlist_t){.items = all, .num = 1};
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_INT(500, set.num); /* the duplicate key is kept once */
  size_t unsorted = 0;
  for (size_t i = 1; i < set.num; i++)
    if (set.items[i - 1].id >= set.items[i].id)
      unsorted++;
  EXPECT_EQ_INT(0, unsorted);
  size_t missing = 0;
  for (int i = 1; i <= 500; i++) {
    const vs_selected_counter_t *c = vs_counters_find(&set, i * 3);
    if (c == NULL || c->id != i * 3)
      missing++;
  }
  EXPECT_EQ_INT(0, missing);
  const vs_selected_counter_t *c = vs_counters_find(&set, 300);
  CHECK_NOT_NULL(c);
  EXPECT_EQ_STR("vm_g_c100_average", c->type); /* the first one listed */
  OK(vs_counters_find(&set, 0) == NULL);
  OK(vs_counters_find(&set, 4) == NULL);
  OK(vs_counters_find(&set, 1501) == NULL);
  OK(vs_counters_find(&set, -1) == NULL);
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

DEF_TEST(metric_ids_instances) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  char *globs[] = {"vm.cpu.*"};
  cfg.metrics = (vs_strlist_t){.items = globs, .num = 1};
  cfg.default_metrics = false;
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));

  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_STR("<metricId><counterId>1</counterId><instance>*</instance>"
                "</metricId><metricId><counterId>2</counterId><instance>*"
                "</instance></metricId><metricId><counterId>12</counterId>"
                "<instance>*</instance></metricId><metricId><counterId>388"
                "</counterId><instance>*</instance></metricId>",
                set.metric_ids.data);

  cfg.instances[VS_KIND_VM] = false;
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  EXPECT_EQ_STR("<metricId><counterId>1</counterId><instance></instance>"
                "</metricId><metricId><counterId>2</counterId><instance>"
                "</instance></metricId><metricId><counterId>12</counterId>"
                "<instance></instance></metricId><metricId><counterId>388"
                "</counterId><instance></instance></metricId>",
                set.metric_ids.data);
  vs_counter_set_free(&set);
  EXPECT_EQ_INT(0, set.num);
  OK(set.items == NULL);
  vs_counter_set_free(&set); /* twice is fine */
  vs_catalog_free(&cat);
  return 0;
}

typedef struct {
  size_t calls;
  const char *refuse;
  void *seen_ctx;
} known_ctx_t;

static bool type_known(const char *type, void *ctx) {
  known_ctx_t *k = ctx;
  k->calls++;
  k->seen_ctx = ctx;
  return strcmp(type, k->refuse) != 0;
}

DEF_TEST(type_known_filters) {
  vs_catalog_t cat;
  small_catalog(&cat);
  vs_config_t cfg;
  base_config(&cfg);
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  known_ctx_t k = {.refuse = "vm_cpu_ready_summation"};
  char buf[256];
  EXPECT_EQ_INT(
      0, vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, type_known, &k));
  EXPECT_EQ_STR("2,70,148,155", ids_of(&set, buf, sizeof(buf)));
  OK(k.seen_ctx == &k);
  EXPECT_EQ_INT(5, k.calls); /* asked about the wanted counters only */
  /* the refused counter is not queried either */
  OK(strstr(set.metric_ids.data, "<counterId>12<") == NULL);
  OK(strstr(set.metric_ids.data, "<counterId>2<") != NULL);
  vs_counter_set_free(&set);
  vs_catalog_free(&cat);
  return 0;
}

static void on_counter(void *ctx, const vs_counter_info_t *c) {
  vs_catalog_add(ctx, c);
}

/* The selection on vcsim's real catalog: every default metric of a kind
 * that the catalog has is selected, and nothing else. */
DEF_TEST(select_on_vcsim_catalog) {
  size_t len;
  char *data = mock_read_data("vcsim_catalog.xml", &len);
  CHECK_NOT_NULL(data);
  vs_catalog_t cat;
  memset(&cat, 0, sizeof(cat));
  vs_catalog_parser_t p;
  vs_catalog_parser_init(&p, on_counter, &cat);
  vs_xml_handler_t h = vs_parse_catalog(&p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(0, vs_xml_stream_feed(s, data, len));
  EXPECT_EQ_INT(0, vs_xml_stream_finish(s));
  vs_xml_stream_destroy(s);
  free(data);
  EXPECT_EQ_INT(560, cat.num);

  vs_config_t cfg;
  base_config(&cfg);
  for (int k = 0; k < VS_KIND_NUM; k++) {
    const char *kname = vs_kind_info((vs_kind_t)k)->name;
    vs_counter_set_t set;
    memset(&set, 0, sizeof(set));
    EXPECT_EQ_INT(
        0, vs_counters_select(&set, &cat, (vs_kind_t)k, &cfg, NULL, NULL));
    size_t expected = 0;
    for (size_t i = 0; i < vs_default_metrics_num; i++) {
      const char *m = vs_default_metrics[i];
      size_t kl = strlen(kname);
      if (strncmp(m, kname, kl) != 0 || m[kl] != '.')
        continue;
      /* is it in the catalog? */
      for (size_t j = 0; j < cat.num; j++) {
        char full[300];
        snprintf(full, sizeof(full), "%s.%s.%s.%s", kname, cat.items[j].group,
                 cat.items[j].name, cat.items[j].rollup);
        if (strcmp(full, m) == 0) {
          expected++;
          const vs_selected_counter_t *c =
              vs_counters_find(&set, cat.items[j].key);
          if (c == NULL)
            printf("# %s not selected\n", m);
          OK(c != NULL);
          break;
        }
      }
    }
    size_t defaults = 0;
    for (size_t i = 0; i < vs_default_metrics_num; i++)
      defaults += strncmp(vs_default_metrics[i], kname, strlen(kname)) == 0 &&
                  vs_default_metrics[i][strlen(kname)] == '.';
    if (vs_kind_info((vs_kind_t)k)->historical)
      EXPECT_EQ_INT(defaults, expected); /* every one of them resolves */
    else
      OK(expected > 15); /* vcsim has (nearly) all of them */
    OK(expected > 0);
    EXPECT_EQ_INT(expected, set.num);
    vs_counter_set_free(&set);
  }
  vs_catalog_free(&cat);
  return 0;
}

/* With the documented defaults (vs_config_parse), the historical kinds
 * ask for the aggregate only (instance ""), VMs and hosts for every
 * instance ("*"); Instances changes that per kind. */
DEF_TEST(instances_by_kind) {
  mock_reset();
  size_t len;
  char *data = mock_read_data("vcsim_catalog.xml", &len);
  CHECK_NOT_NULL(data);
  vs_catalog_t cat;
  memset(&cat, 0, sizeof(cat));
  vs_catalog_parser_t p;
  vs_catalog_parser_init(&p, on_counter, &cat);
  vs_xml_handler_t h = vs_parse_catalog(&p);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(0, vs_xml_stream_feed(s, data, len));
  EXPECT_EQ_INT(0, vs_xml_stream_finish(s));
  vs_xml_stream_destroy(s);
  free(data);

  vs_config_t cfg;
  EXPECT_EQ_INT(0, default_config(&cfg));
  for (int k = 0; k < VS_KIND_NUM; k++) {
    vs_counter_set_t set;
    memset(&set, 0, sizeof(set));
    EXPECT_EQ_INT(
        0, vs_counters_select(&set, &cat, (vs_kind_t)k, &cfg, NULL, NULL));
    OK(set.num > 0);
    size_t all = 0, aggregate = 0;
    for (const char *m = set.metric_ids.data; m != NULL && *m;) {
      const char *next = strstr(m + 1, "<metricId>");
      const char *inst = strstr(m, "<instance>");
      if (inst != NULL && (next == NULL || inst < next)) {
        all += strncmp(inst, "<instance>*</instance>", 22) == 0;
        aggregate += strncmp(inst, "<instance></instance>", 21) == 0;
      }
      if (next == NULL)
        break;
      m = next;
    }
    if (vs_kind_info((vs_kind_t)k)->historical) {
      EXPECT_EQ_INT(set.num, aggregate);
      EXPECT_EQ_INT(0, all);
    } else {
      EXPECT_EQ_INT(set.num, all);
      EXPECT_EQ_INT(0, aggregate);
    }
    vs_counter_set_free(&set);
  }
  vs_config_free(&cfg);

  /* Instances "datastore": per-instance datastore series, VMs aggregate */
  oconfig_item_t *ci = minimal();
  opt_str(ci, "Instances", "datastore");
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  item_free(ci);
  vs_counter_set_t set;
  memset(&set, 0, sizeof(set));
  EXPECT_EQ_INT(
      0, vs_counters_select(&set, &cat, VS_KIND_DATASTORE, &cfg, NULL, NULL));
  OK(set.num > 0 &&
     strstr(set.metric_ids.data, "<instance></instance>") == NULL);
  EXPECT_EQ_INT(0,
                vs_counters_select(&set, &cat, VS_KIND_VM, &cfg, NULL, NULL));
  OK(set.num > 0 &&
     strstr(set.metric_ids.data, "<instance>*</instance>") == NULL);
  vs_counter_set_free(&set);
  vs_config_free(&cfg);
  vs_catalog_free(&cat);
  return 0;
}

int main(void) {
  RUN_TEST(type_name);
  RUN_TEST(kinds);
  RUN_TEST(managed_object_types);
  RUN_TEST(default_metric_names);
  RUN_TEST(catalog_grows);
  RUN_TEST(select_defaults_vm_vs_host);
  RUN_TEST(percent_scale);
  RUN_TEST(metric_glob_adds);
  RUN_TEST(ignore_metric_removes);
  RUN_TEST(default_metrics_false);
  RUN_TEST(sorted_and_find);
  RUN_TEST(metric_ids_instances);
  RUN_TEST(type_known_filters);
  RUN_TEST(select_on_vcsim_catalog);
  RUN_TEST(instances_by_kind);
  END_TEST;
}
