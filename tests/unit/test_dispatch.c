/**
 * collectd-vsphere - tests/unit/test_dispatch.c
 * Dispatch through the mock daemon (naming, scaling, order, timestamps,
 * no sample twice), type registration, and the inventory that dispatch
 * names objects from.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_counters.h"
#include "vs_dispatch.h"
#include "vs_inventory.h"
#include "vs_parse.h"
#include "vs_xml.h"

/* 2024-01-02T03:04:05.123456Z */
#define T0_US (INT64_C(1704164645) * 1000000 + 123456)
#define STEP_US INT64_C(20000000)

static vs_object_t object(const char *name) {
  vs_object_t o;
  memset(&o, 0, sizeof(o));
  o.kind = VS_KIND_VM;
  o.active = true;
  vs_strlcpy(o.moref, "vm-1", sizeof(o.moref));
  vs_strlcpy(o.name, name, sizeof(o.name));
  o.last_sample_us = -1;
  o.newest_seen_us = -1;
  return o;
}

static vs_selected_counter_t counter(int id, const char *type, double scale) {
  vs_selected_counter_t c;
  memset(&c, 0, sizeof(c));
  c.id = id;
  c.scale = scale;
  vs_strlcpy(c.type, type, sizeof(c.type));
  return c;
}

static vs_series_t series(const char *instance, const int64_t *ts,
                          const int64_t *values, size_t n) {
  return (vs_series_t){.entity_type = "VirtualMachine",
                       .entity = "vm-1",
                       .counter_id = 2,
                       .instance = instance,
                       .timestamps_us = ts,
                       .values = values,
                       .samples = n};
}

/* The time collectd must get for a vCenter timestamp, computed apart
 * from the code under test: whole seconds shifted by 30 bits plus the
 * microseconds as a fraction of 2^30, rounded. */
static cdtime_t expected_cdtime(int64_t us) {
  uint64_t s = (uint64_t)(us / 1000000), frac = (uint64_t)(us % 1000000);
  return (s << 30) + ((frac << 30) + 500000) / 1000000;
}

DEF_TEST(naming) {
  mock_reset();
  vs_object_t o = object("web & db 01");
  vs_selected_counter_t c = counter(2, "vm_net_received_average", 1.0);
  int64_t ts[] = {T0_US};
  int64_t v[] = {42};

  vs_series_t s = series("", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series("prod", &o, &c, &s, 20));
  s = series("vmnic0", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series("prod", &o, &c, &s, 20));
  s = series("*", ts, v, 1); /* vcsim's echo of the wildcard */
  EXPECT_EQ_INT(1, vs_dispatch_series("prod", &o, &c, &s, 20));

  EXPECT_EQ_INT(3, mock_values_num());
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *m = mock_value(i);
    EXPECT_EQ_STR("web & db 01", m->host);
    EXPECT_EQ_STR("vsphere", m->plugin);
    EXPECT_EQ_STR("prod", m->plugin_instance);
    EXPECT_EQ_STR("vm_net_received_average", m->type);
    EXPECT_EQ_INT(1, m->values_len);
    EXPECT_EQ_DOUBLE(42.0, m->gauge);
    EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(20), m->interval);
    OK(!m->has_meta);
  }
  EXPECT_EQ_STR("", mock_value(0)->type_instance);
  EXPECT_EQ_STR("vmnic0", mock_value(1)->type_instance);
  EXPECT_EQ_STR("", mock_value(2)->type_instance);
  return 0;
}

DEF_TEST(percent_scaled_and_no_data_skipped) {
  mock_reset();
  vs_object_t o = object("vm");
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 0.01);
  int64_t ts[] = {T0_US, T0_US + STEP_US, T0_US + 2 * STEP_US,
                  T0_US + 3 * STEP_US};
  int64_t v[] = {2550, -1, 0, 10000};
  vs_series_t s = series("", ts, v, 4);
  EXPECT_EQ_INT(3, vs_dispatch_series("prod", &o, &c, &s, 20));
  EXPECT_EQ_INT(3, mock_values_num());
  EXPECT_EQ_DOUBLE(25.5, mock_value(0)->gauge);
  EXPECT_EQ_DOUBLE(0.0, mock_value(1)->gauge); /* 0 is data, -1 is not */
  EXPECT_EQ_DOUBLE(100.0, mock_value(2)->gauge);
  EXPECT_EQ_UINT64(expected_cdtime(T0_US + 2 * STEP_US), mock_value(1)->time);
  return 0;
}

DEF_TEST(oldest_first_with_vcenter_time) {
  mock_reset();
  vs_object_t o = object("vm");
  vs_selected_counter_t c = counter(2, "vm_cpu_usagemhz_average", 1.0);
  /* newest first, as vcsim sends them */
  int64_t ts[] = {T0_US + 2 * STEP_US, T0_US + STEP_US, T0_US};
  int64_t v[] = {3, 2, 1};
  vs_series_t s = series("", ts, v, 3);
  EXPECT_EQ_INT(3, vs_dispatch_series("prod", &o, &c, &s, 20));
  EXPECT_EQ_INT(3, mock_values_num());
  for (size_t i = 0; i < 3; i++) {
    const mock_value_t *m = mock_value(i);
    int64_t want_us = T0_US + (int64_t)i * STEP_US;
    EXPECT_EQ_DOUBLE((double)(i + 1), m->gauge);
    EXPECT_EQ_UINT64(expected_cdtime(want_us), m->time);
    /* and back: seconds exact, microseconds exact */
    EXPECT_EQ_UINT64(want_us / 1000000, CDTIME_T_TO_TIME_T(m->time));
    EXPECT_EQ_UINT64(want_us, CDTIME_T_TO_US(m->time));
  }
  EXPECT_EQ_DOUBLE(1704164645.123456, CDTIME_T_TO_DOUBLE(mock_value(0)->time));
  EXPECT_EQ_INT(T0_US + 2 * STEP_US, o.newest_seen_us);
  EXPECT_EQ_INT(-1, o.last_sample_us); /* the caller commits it */

  /* a mixed order too */
  mock_reset();
  o = object("vm");
  int64_t ts2[] = {T0_US + STEP_US, T0_US + 3 * STEP_US, T0_US,
                   T0_US + 2 * STEP_US};
  int64_t v2[] = {2, 4, 1, 3};
  s = series("", ts2, v2, 4);
  EXPECT_EQ_INT(4, vs_dispatch_series("prod", &o, &c, &s, 20));
  for (size_t i = 0; i < 4; i++)
    EXPECT_EQ_DOUBLE((double)(i + 1), mock_value(i)->gauge);
  return 0;
}

/* A hostile or broken answer with a far-future timestamp must not make
 * every later sample of the object look old. */
DEF_TEST(future_sample_refused) {
  mock_reset();
  vs_object_t o = object("vm");
  vs_selected_counter_t cpu = counter(2, "vm_cpu_usage_average", 0.01);
  int64_t far = INT64_C(253402300799) * 1000000; /* 9999-12-31T23:59:59Z */
  int64_t ts[] = {T0_US, far};
  int64_t v[] = {100, 200};
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series("prod", &o, &cpu, &s, 20));
  EXPECT_EQ_INT(T0_US, o.newest_seen_us);
  EXPECT_EQ_INT(1, mock_values_num());
  return 0;
}

DEF_TEST(no_sample_twice) {
  mock_reset();
  vs_object_t o = object("vm");
  vs_selected_counter_t cpu = counter(2, "vm_cpu_usage_average", 0.01);
  vs_selected_counter_t mem = counter(24, "vm_mem_usage_average", 0.01);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {100, 200};

  /* one query: every series of the object gets all its samples ... */
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(2, vs_dispatch_series("prod", &o, &cpu, &s, 20));
  EXPECT_EQ_INT(2, vs_dispatch_series("prod", &o, &mem, &s, 20));
  EXPECT_EQ_INT(T0_US + STEP_US, o.newest_seen_us);
  /* ... then the collector commits the newest sample (vs_collect.c) */
  o.last_sample_us = o.newest_seen_us;

  /* the next query returns the same samples: nothing is sent again */
  EXPECT_EQ_INT(0, vs_dispatch_series("prod", &o, &cpu, &s, 20));
  EXPECT_EQ_INT(0, vs_dispatch_series("prod", &o, &mem, &s, 20));
  EXPECT_EQ_INT(4, mock_values_num());

  /* overlapping: only the new one */
  int64_t ts2[] = {T0_US + 2 * STEP_US, T0_US + STEP_US};
  int64_t v2[] = {300, 200};
  s = series("", ts2, v2, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series("prod", &o, &cpu, &s, 20));
  EXPECT_EQ_INT(5, mock_values_num());
  EXPECT_EQ_DOUBLE(3.0, mock_value(4)->gauge);
  EXPECT_EQ_UINT64(expected_cdtime(T0_US + 2 * STEP_US), mock_value(4)->time);
  EXPECT_EQ_INT(T0_US + 2 * STEP_US, o.newest_seen_us);
  return 0;
}

DEF_TEST(dispatch_failure_not_counted) {
  mock_reset();
  mock_dispatch_set_status(-1);
  vs_object_t o = object("vm");
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 1.0);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {1, 2};
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(0, vs_dispatch_series("prod", &o, &c, &s, 20));
  EXPECT_EQ_INT(2, mock_dispatch_calls());
  mock_dispatch_set_status(0);
  return 0;
}

DEF_TEST(samples_bounded) {
  mock_reset();
  vs_object_t o = object("vm");
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 1.0);
  enum { N = VS_PERF_MAX_SAMPLES + 40 };
  static int64_t ts[N], v[N];
  for (size_t i = 0; i < N; i++) {
    ts[i] = T0_US + (int64_t)i * STEP_US;
    v[i] = (int64_t)i;
  }
  vs_series_t s = series("", ts, v, N);
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES, vs_dispatch_series("prod", &o, &c, &s,
                                                        20));
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES, mock_values_num());

  /* no samples at all */
  mock_reset();
  s = series("", ts, v, 0);
  EXPECT_EQ_INT(0, vs_dispatch_series("prod", &o, &c, &s, 20));
  EXPECT_EQ_INT(0, mock_values_num());
  return 0;
}

/* The type name of a "<kind>.<group>.<name>.<rollup>" default, split
 * here independently of vs_dispatch.c. */
static void default_type(const char *metric, char *type, size_t size) {
  char copy[256];
  vs_strlcpy(copy, metric, sizeof(copy));
  char *kind = copy;
  char *group = strchr(kind, '.');
  char *rollup = strrchr(kind, '.');
  *group++ = 0;
  *rollup++ = 0;
  char *name = strchr(group, '.');
  *name++ = 0;
  vs_counter_type_name(kind, group, name, rollup, type, size);
}

DEF_TEST(register_default_types) {
  mock_reset();
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  size_t missing = 0, malformed = 0;
  for (size_t i = 0; i < vs_default_metrics_num; i++) {
    char type[VS_TYPE_LEN];
    default_type(vs_default_metrics[i], type, sizeof(type));
    const data_set_t *ds = plugin_get_ds(type);
    if (ds == NULL) {
      printf("# %s (%s) not registered\n", type, vs_default_metrics[i]);
      missing++;
      continue;
    }
    if (ds->ds_num != 1 || ds->ds[0].type != DS_TYPE_GAUGE ||
        strcmp(ds->ds[0].name, "value") != 0 || !isnan(ds->ds[0].min) ||
        !isnan(ds->ds[0].max))
      malformed++;
  }
  EXPECT_EQ_INT(0, missing);
  EXPECT_EQ_INT(0, malformed);
  /* spot checks, including a camelCase and a dotted-looking name */
  OK(plugin_get_ds("vm_cpu_usage_average") != NULL);
  OK(plugin_get_ds("host_power_power_average") != NULL);
  OK(plugin_get_ds("vm_virtualDisk_totalReadLatency_average") != NULL);
  OK(plugin_get_ds("vm_disk_maxTotalLatency_latest") != NULL);
  /* and the plugin's own metrics */
  for (size_t i = 0; i < vs_self_metric_types_num; i++)
    OK(plugin_get_ds(vs_self_metric_types[i]) != NULL);
  EXPECT_EQ_INT(vs_default_metrics_num + vs_self_metric_types_num,
                mock_data_sets_num());
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));

  /* twice: nothing new */
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  EXPECT_EQ_INT(vs_default_metrics_num + vs_self_metric_types_num,
                mock_data_sets_num());
  return 0;
}

DEF_TEST(register_keeps_types_db) {
  /* A type that a TypesDB already defines is left as it is. */
  mock_reset();
  data_source_t two[2] = {
      {.name = "rx", .type = DS_TYPE_DERIVE, .min = 0, .max = NAN},
      {.name = "tx", .type = DS_TYPE_DERIVE, .min = 0, .max = NAN},
  };
  data_set_t custom = {.type = "vm_net_usage_average", .ds_num = 2,
                       .ds = two};
  EXPECT_EQ_INT(0, plugin_register_data_set(&custom));
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  const data_set_t *ds = plugin_get_ds("vm_net_usage_average");
  CHECK_NOT_NULL(ds);
  EXPECT_EQ_INT(2, ds->ds_num);
  EXPECT_EQ_STR("rx", ds->ds[0].name);

  /* a failing registration is reported */
  mock_reset();
  mock_register_data_set_set_status(-1);
  OK(vs_dispatch_register_default_types() != 0);
  mock_register_data_set_set_status(0);
  return 0;
}

DEF_TEST(type_known) {
  mock_reset();
  mock_register_gauge_type("vm_cpu_usage_average");
  OK(vs_dispatch_type_known("vm_cpu_usage_average", NULL));
  EXPECT_EQ_INT(0, mock_log_num());

  OK(!vs_dispatch_type_known("vm_cpu_idle_summation", NULL));
  EXPECT_EQ_INT(1, mock_log_count(LOG_WARNING));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_WARNING,
                                                   "vm_cpu_idle_summation"));
  OK(mock_log_count_containing("TypesDB") == 1); /* says what to do */
  return 0;
}

DEF_TEST(dispatch_self) {
  mock_reset();
  vs_self_metric_t m[] = {{"self_read_cycles", 3}, {"self_values", 1234.5}};
  vs_dispatch_self("prod", m, 2);
  EXPECT_EQ_INT(2, mock_values_num());
  const mock_value_t *v = mock_value_find("self_values", "");
  CHECK_NOT_NULL(v);
  EXPECT_EQ_DOUBLE(1234.5, v->gauge);
  EXPECT_EQ_STR("vsphere", v->plugin);
  EXPECT_EQ_STR("prod", v->plugin_instance);
  EXPECT_EQ_STR("", v->host); /* collectd fills in its hostname */
  EXPECT_EQ_DOUBLE(3.0, mock_value(0)->gauge);
  EXPECT_EQ_STR("self_read_cycles", mock_value(0)->type);
  return 0;
}

/* ==== inventory ==== */

static int add(vs_inventory_t *inv, const char *type, const char *moref,
               const char *name, const char *power, const char *connection,
               const char *parent) {
  vs_prop_t props[4];
  size_t n = 0;
  if (name != NULL)
    props[n++] = (vs_prop_t){"name", name};
  if (power != NULL)
    props[n++] = (vs_prop_t){"runtime.powerState", power};
  if (connection != NULL)
    props[n++] = (vs_prop_t){"runtime.connectionState", connection};
  if (parent != NULL)
    props[n++] =
        (vs_prop_t){strcmp(type, "HostSystem") == 0 ? "parent"
                                                    : "runtime.host",
                    parent};
  return vs_inventory_add_props(inv, type, moref, props, n);
}

DEF_TEST(inventory_add_props) {
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-1", "web01", "poweredOn",
                       NULL, "host-10"));
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-2", "db01", "poweredOff",
                       NULL, "host-10"));
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-3", "", "suspended", NULL,
                       NULL));
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-4", NULL, NULL, NULL,
                       NULL));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-10", "esx10", "poweredOn",
                       "connected", "domain-c7"));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-11", "esx11", "poweredOn",
                       "disconnected", "domain-c7"));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-12", "esx12", "standBy",
                       "connected", NULL));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-13", "esx13", "poweredOn",
                       "notResponding", NULL));
  /* types the plugin does not collect are ignored, without error */
  EXPECT_EQ_INT(0, add(&inv, "Datastore", "ds-1", "ds", NULL, NULL, NULL));
  EXPECT_EQ_INT(0, add(&inv, "ClusterComputeResource", "domain-c7", "c",
                       NULL, NULL, NULL));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));

  EXPECT_EQ_INT(8, inv.num);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_HOST]);

  vs_object_t *o = vs_inventory_find(&inv, "vm-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_VM, o->kind);
  OK(o->active);
  EXPECT_EQ_STR("web01", o->name);
  EXPECT_EQ_STR("host-10", o->parent);
  EXPECT_EQ_INT(-1, o->last_sample_us);
  EXPECT_EQ_INT(-1, o->newest_seen_us);

  o = vs_inventory_find(&inv, "vm-2");
  CHECK_NOT_NULL(o);
  OK(!o->active);
  /* no name: the moref names it */
  o = vs_inventory_find(&inv, "vm-3");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR("vm-3", o->name);
  OK(!o->active);
  o = vs_inventory_find(&inv, "vm-4");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR("vm-4", o->name);
  EXPECT_EQ_STR("", o->parent);

  o = vs_inventory_find(&inv, "host-10");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_HOST, o->kind);
  OK(o->active);
  EXPECT_EQ_STR("esx10", o->name);
  EXPECT_EQ_STR("domain-c7", o->parent);
  OK(!vs_inventory_find(&inv, "host-11")->active); /* disconnected */
  OK(!vs_inventory_find(&inv, "host-12")->active); /* standby */
  OK(!vs_inventory_find(&inv, "host-13")->active); /* not responding */

  OK(vs_inventory_find(&inv, "ds-1") == NULL);
  OK(vs_inventory_find(&inv, "domain-c7") == NULL);
  OK(vs_inventory_find(&inv, "vm-99") == NULL);
  vs_inventory_free(&inv);
  EXPECT_EQ_INT(0, inv.num);

  /* an inventory never finished finds nothing, and does not crash */
  vs_inventory_init(&inv);
  OK(vs_inventory_find(&inv, "vm-1") == NULL);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(inventory_finish_carries_last_sample) {
  vs_inventory_t old, fresh;
  vs_inventory_init(&old);
  add(&old, "VirtualMachine", "vm-1", "a", "poweredOn", NULL, NULL);
  add(&old, "VirtualMachine", "vm-2", "b", "poweredOn", NULL, NULL);
  add(&old, "HostSystem", "host-1", "h", "poweredOn", "connected", NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&old, NULL));
  vs_inventory_find(&old, "vm-1")->last_sample_us = T0_US;
  vs_inventory_find(&old, "host-1")->last_sample_us = T0_US + STEP_US;

  /* vm-2 is gone, vm-3 is new, vm-1 was renamed and moved in the list */
  vs_inventory_init(&fresh);
  add(&fresh, "VirtualMachine", "vm-3", "c", "poweredOn", NULL, NULL);
  add(&fresh, "HostSystem", "host-1", "h", "poweredOn", "connected", NULL);
  add(&fresh, "VirtualMachine", "vm-1", "a-renamed", "poweredOn", NULL,
      NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&fresh, &old));
  vs_inventory_free(&old); /* fresh must not depend on it */

  vs_object_t *o = vs_inventory_find(&fresh, "vm-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR("a-renamed", o->name);
  EXPECT_EQ_INT(T0_US, o->last_sample_us);
  o = vs_inventory_find(&fresh, "host-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(T0_US + STEP_US, o->last_sample_us);
  o = vs_inventory_find(&fresh, "vm-3");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(-1, o->last_sample_us);
  OK(vs_inventory_find(&fresh, "vm-2") == NULL);
  vs_inventory_free(&fresh);
  return 0;
}

DEF_TEST(inventory_many_objects) {
  enum { N = 10000 };
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  for (int i = 0; i < N; i++) {
    char moref[32], name[32];
    snprintf(moref, sizeof(moref), "vm-%d", i);
    snprintf(name, sizeof(name), "VM %d", i);
    /* the props are copied: these buffers are reused */
    if (add(&inv, "VirtualMachine", moref, name,
            i % 3 ? "poweredOn" : "poweredOff", NULL, NULL) != 0)
      break;
  }
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  EXPECT_EQ_INT(N, inv.num);
  EXPECT_EQ_INT(N - (N + 2) / 3, inv.active_per_kind[VS_KIND_VM]);
  size_t wrong = 0;
  for (int i = 0; i < N; i++) {
    char moref[32], name[32];
    snprintf(moref, sizeof(moref), "vm-%d", i);
    snprintf(name, sizeof(name), "VM %d", i);
    vs_object_t *o = vs_inventory_find(&inv, moref);
    if (o == NULL || strcmp(o->name, name) != 0 ||
        o->active != (i % 3 != 0))
      wrong++;
  }
  EXPECT_EQ_INT(0, wrong);
  vs_inventory_free(&inv);
  return 0;
}

/* ==== end to end on the vcsim fixtures ==== */

typedef struct {
  vs_inventory_t *inv;
  vs_counter_set_t *sets;
  size_t values;
} e2e_t;

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  e2e_t *e = ctx;
  vs_inventory_add_props(e->inv, type, moref, props, props_num);
}

static void on_counter(void *ctx, const vs_counter_info_t *c) {
  vs_catalog_add(ctx, c);
}

static void on_series(void *ctx, const vs_series_t *s) {
  e2e_t *e = ctx;
  vs_object_t *o = vs_inventory_find(e->inv, s->entity);
  if (o == NULL)
    return;
  const vs_selected_counter_t *c = vs_counters_find(&e->sets[o->kind],
                                                    s->counter_id);
  if (c == NULL)
    return;
  e->values += vs_dispatch_series("vcsim", o, c, s, 20);
}

static int feed_file(const char *name, vs_xml_handler_t h) {
  size_t len;
  char *data = mock_read_data(name, &len);
  if (data == NULL)
    return -1;
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  int rc = s == NULL ? -1 : vs_xml_stream_feed(s, data, len);
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  vs_xml_stream_destroy(s);
  free(data);
  return rc;
}

DEF_TEST(vcsim_end_to_end) {
  mock_reset();
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  vs_catalog_t cat;
  memset(&cat, 0, sizeof(cat));
  vs_counter_set_t sets[VS_KIND_NUM];
  memset(sets, 0, sizeof(sets));
  e2e_t e = {.inv = &inv, .sets = sets};

  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, &e);
  EXPECT_EQ_INT(0, feed_file("vcsim_props.xml", vs_parse_prop_page(&page)));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_HOST]);

  vs_catalog_parser_t cp;
  vs_catalog_parser_init(&cp, on_counter, &cat);
  EXPECT_EQ_INT(0, feed_file("vcsim_catalog.xml", vs_parse_catalog(&cp)));
  vs_config_t cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.default_metrics = cfg.collect_instances = true;
  cfg.collect_vms = cfg.collect_hosts = true;
  for (int k = 0; k < VS_KIND_NUM; k++)
    EXPECT_EQ_INT(0, vs_counters_select(&sets[k], &cat, (vs_kind_t)k, &cfg,
                                        vs_dispatch_type_known, NULL));
  EXPECT_EQ_INT(0, mock_log_count(LOG_WARNING)); /* all types known */

  /* QueryPerf: vm-39 and host-21, counters 2, 6 and 148, 3 samples each */
  static vs_perf_parser_t pp;
  vs_perf_parser_init(&pp, on_series, &e);
  EXPECT_EQ_INT(0, feed_file("vcsim_perf.xml", vs_parse_perf(&pp)));
  EXPECT_EQ_INT(18, e.values);
  EXPECT_EQ_INT(18, mock_values_num());

  size_t vm = 0, host = 0, bad = 0;
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *m = mock_value(i);
    if (strcmp(m->host, "DC0_H0_VM0") == 0)
      vm++;
    else if (strcmp(m->host, "DC0_H0") == 0)
      host++;
    if (strcmp(m->plugin, "vsphere") != 0 ||
        strcmp(m->plugin_instance, "vcsim") != 0 ||
        m->type_instance[0] != 0 || !(m->gauge >= 0))
      bad++;
    if (strstr(m->type, "_cpu_usage_average") != NULL && m->gauge > 100.0)
      bad++; /* percent, scaled from hundredths */
    /* each series comes oldest first, 20 s apart */
    if (i % 3 != 0 &&
        m->time - mock_value(i - 1)->time != TIME_T_TO_CDTIME_T(20))
      bad++;
  }
  EXPECT_EQ_INT(9, vm);
  EXPECT_EQ_INT(9, host);
  EXPECT_EQ_INT(0, bad);
  OK(mock_value_find("vm_cpu_usage_average", "") != NULL);
  OK(mock_value_find("vm_cpu_usagemhz_average", "") != NULL);
  OK(mock_value_find("host_net_received_average", "") != NULL);

  /* the same answer again, after the commit: nothing new */
  for (size_t i = 0; i < inv.num; i++)
    if (inv.objects[i].newest_seen_us > inv.objects[i].last_sample_us)
      inv.objects[i].last_sample_us = inv.objects[i].newest_seen_us;
  e.values = 0;
  vs_perf_parser_init(&pp, on_series, &e);
  EXPECT_EQ_INT(0, feed_file("vcsim_perf.xml", vs_parse_perf(&pp)));
  EXPECT_EQ_INT(0, e.values);
  EXPECT_EQ_INT(18, mock_values_num());

  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&sets[k]);
  vs_catalog_free(&cat);
  vs_inventory_free(&inv);
  return 0;
}

int main(void) {
  RUN_TEST(naming);
  RUN_TEST(percent_scaled_and_no_data_skipped);
  RUN_TEST(oldest_first_with_vcenter_time);
  RUN_TEST(future_sample_refused);
  RUN_TEST(no_sample_twice);
  RUN_TEST(dispatch_failure_not_counted);
  RUN_TEST(samples_bounded);
  RUN_TEST(register_default_types);
  RUN_TEST(register_keeps_types_db);
  RUN_TEST(type_known);
  RUN_TEST(dispatch_self);
  RUN_TEST(inventory_add_props);
  RUN_TEST(inventory_finish_carries_last_sample);
  RUN_TEST(inventory_many_objects);
  RUN_TEST(vcsim_end_to_end);
  mock_reset();
  END_TEST;
}
