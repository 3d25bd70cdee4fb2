/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_dispatch.c
 * Dispatch through the mock daemon: identities (vs_naming), scaling,
 * order, vCenter timestamps, the interval, each sample once (vs_series:
 * duplicates, -1 filled later), type registration, and an end-to-end run
 * on the vcsim fixtures. The inventory itself is tested in
 * test_inventory.c.
 */
#include "inventory_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_counters.h"
#include "vs_dispatch.h"
#include "vs_inventory.h"
#include "vs_naming.h"
#include "vs_parse.h"
#include "vs_xml.h"

/* 2024-01-02T03:04:05.123456Z */
#define T0_US (INT64_C(1704164645) * 1000000 + 123456)
#define STEP_US INT64_C(20000000)
#define MS INT64_C(1000)

static const vs_dispatch_params_t P20 = {
    .interval_s = 20,
    .policy = {.step_us = STEP_US, .lookback_slots = 3},
    .latest_us = INT64_MAX};

/* One VM, vm-1, named `name`, in cluster C1 of datacenter DC1, named with
 * the default formats of <Vcenter "prod">; returns it. */
static vs_object_t *object(vs_inventory_t *inv, const char *name) {
  vs_inventory_init(inv);
  add_datacenter(inv, "datacenter-1", "DC1", "group-d1");
  add_folder(inv, "group-h4", "host", "datacenter-1");
  add_cluster(inv, "domain-c7", "C1", "group-h4");
  add_host(inv, "host-8", "esx8", "domain-c7");
  add_folder(inv, "group-v3", "vm", "datacenter-1");
  add_vm(inv, "vm-1", name, "group-v3", "host-8");
  vs_inventory_finish(inv, NULL);
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  vs_naming_apply(inv, &cfg);
  return vs_inventory_find(inv, "vm-1");
}

static vs_selected_counter_t counter(int id, const char *type, double scale) {
  vs_selected_counter_t c;
  memset(&c, 0, sizeof(c));
  c.id = id;
  c.scale = scale;
  vs_utf8_copy(c.type, type, sizeof(c.type));
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
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "web & db 01");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_net_received_average", 1.0);
  int64_t ts[] = {T0_US};
  int64_t v[] = {42};

  vs_series_t s = series("", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  s = series("vmnic0", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  /* vcsim's echo of the wildcard is the aggregate: the same series as ""
   * (so the same sample is not sent twice) */
  s = series("*", ts, v, 1);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(2, o->series.num);
  /* on an object that has not seen it, "*" is dispatched as "" */
  vs_inventory_t inv2;
  vs_object_t *o2 = object(&inv2, "web & db 01");
  CHECK_NOT_NULL(o2);
  EXPECT_EQ_INT(1, vs_dispatch_series(o2, &c, &s, &P20));

  EXPECT_EQ_INT(3, mock_values_num());
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *m = mock_value(i);
    EXPECT_EQ_STR("web & db 01", m->host);
    EXPECT_EQ_STR("vsphere", m->plugin);
    /* PluginInstanceFormat's default: vcenter:datacenter:cluster */
    EXPECT_EQ_STR("prod:DC1:C1", m->plugin_instance);
    EXPECT_EQ_STR("vm_net_received_average", m->type);
    EXPECT_EQ_INT(1, m->values_len);
    EXPECT_EQ_DOUBLE(42.0, m->gauge);
    EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(20), m->interval);
    OK(!m->has_meta);
  }
  EXPECT_EQ_STR("", mock_value(0)->type_instance);
  EXPECT_EQ_STR("vmnic0", mock_value(1)->type_instance);
  EXPECT_EQ_STR("", mock_value(2)->type_instance);
  vs_inventory_free(&inv2);

  /* the identity fields are whatever naming set: PluginInstanceFormat
   * "vcenter" gives the old plugin_instance, HostnameFormat "moref" the
   * moref */
  mock_reset();
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  cfg.hostname_format = format_of("moref");
  cfg.plugin_instance_format = format_of("vcenter");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  int64_t ts2[] = {T0_US + STEP_US};
  s = series("", ts2, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_STR("vm-1", mock_value(0)->host);
  EXPECT_EQ_STR("prod", mock_value(0)->plugin_instance);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(interval_from_params) {
  /* The interval is the cadence at which a series arrives: the caller's
   * max(read interval, step). */
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 0.01);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {1, 2};
  vs_series_t s = series("", ts, v, 2);
  vs_dispatch_params_t p = {.interval_s = 60,
                            .policy = {.step_us = STEP_US, .lookback_slots = 3},
                            .latest_us = INT64_MAX};
  EXPECT_EQ_INT(2, vs_dispatch_series(o, &c, &s, &p));
  EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(60), mock_value(0)->interval);
  EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(60), mock_value(1)->interval);
  int64_t ts2[] = {T0_US + 2 * STEP_US};
  s = series("", ts2, v, 1);
  p.interval_s = 20.5;
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p));
  EXPECT_EQ_UINT64(DOUBLE_TO_CDTIME_T(20.5), mock_value(2)->interval);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(percent_scaled_and_no_data_skipped) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 0.01);
  int64_t ts[] = {T0_US, T0_US + STEP_US, T0_US + 2 * STEP_US,
                  T0_US + 3 * STEP_US};
  int64_t v[] = {2550, -1, 0, 10000};
  vs_series_t s = series("", ts, v, 4);
  EXPECT_EQ_INT(3, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(3, mock_values_num());
  EXPECT_EQ_DOUBLE(25.5, mock_value(0)->gauge);
  EXPECT_EQ_DOUBLE(0.0, mock_value(1)->gauge); /* 0 is data, -1 is not */
  EXPECT_EQ_DOUBLE(100.0, mock_value(2)->gauge);
  EXPECT_EQ_UINT64(expected_cdtime(T0_US + 2 * STEP_US), mock_value(1)->time);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(oldest_first_with_vcenter_time) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usagemhz_average", 1.0);
  /* newest first, as vcsim sends them */
  int64_t ts[] = {T0_US + 2 * STEP_US, T0_US + STEP_US, T0_US};
  int64_t v[] = {3, 2, 1};
  vs_series_t s = series("", ts, v, 3);
  EXPECT_EQ_INT(3, vs_dispatch_series(o, &c, &s, &P20));
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
  /* the series remembers its newest slot; the object's mark is the
   * caller's (an entity's complete answer, vs_query), not dispatch's */
  EXPECT_EQ_INT(1, o->series.num);
  EXPECT_EQ_INT(T0_US + 2 * STEP_US, o->series.items[0].last_us);
  EXPECT_EQ_INT(-1, o->mark_us);

  /* a mixed order too */
  mock_reset();
  vs_series_table_free(&o->series);
  int64_t ts2[] = {T0_US + STEP_US, T0_US + 3 * STEP_US, T0_US,
                   T0_US + 2 * STEP_US};
  int64_t v2[] = {2, 4, 1, 3};
  s = series("", ts2, v2, 4);
  EXPECT_EQ_INT(4, vs_dispatch_series(o, &c, &s, &P20));
  for (size_t i = 0; i < 4; i++)
    EXPECT_EQ_DOUBLE((double)(i + 1), mock_value(i)->gauge);
  vs_inventory_free(&inv);
  return 0;
}

/* A hostile or broken answer with a far-future timestamp must not make
 * every later sample of the object look old. */
DEF_TEST(future_sample_refused) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t cpu = counter(2, "vm_cpu_usage_average", 0.01);
  int64_t far = INT64_C(253402300799) * 1000000; /* 9999-12-31T23:59:59Z */
  int64_t ts[] = {T0_US, far, -1 /* unparsable */};
  int64_t v[] = {100, 200, 300};
  vs_series_t s = series("", ts, v, 3);
  /* vCenter's clock is at T0: an hour ahead is the limit */
  vs_dispatch_params_t p = P20;
  p.latest_us = T0_US + INT64_C(3600) * 1000000;
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &cpu, &s, &p));
  EXPECT_EQ_INT(T0_US, o->series.items[0].last_us);
  EXPECT_EQ_INT(1, mock_values_num());
  /* the next real sample still comes */
  int64_t ts2[] = {T0_US + STEP_US};
  s = series("", ts2, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &cpu, &s, &p));
  /* two hours ahead: refused too */
  int64_t ts3[] = {T0_US + INT64_C(7200) * 1000000};
  s = series("", ts3, v, 1);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &cpu, &s, &p));
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(no_sample_twice) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t cpu = counter(2, "vm_cpu_usage_average", 0.01);
  vs_selected_counter_t mem = counter(24, "vm_mem_usage_average", 0.01);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {100, 200};

  /* one query: every series of the object gets all its samples ... */
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(2, vs_dispatch_series(o, &cpu, &s, &P20));
  EXPECT_EQ_INT(2, vs_dispatch_series(o, &mem, &s, &P20));
  EXPECT_EQ_INT(2, o->series.num); /* tracked per series */

  /* the next query returns the same samples: nothing is sent again, with
   * no commit by the caller */
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &cpu, &s, &P20));
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &mem, &s, &P20));
  EXPECT_EQ_INT(4, mock_values_num());

  /* overlapping: only the new one */
  int64_t ts2[] = {T0_US + 2 * STEP_US, T0_US + STEP_US};
  int64_t v2[] = {300, 200};
  s = series("", ts2, v2, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &cpu, &s, &P20));
  EXPECT_EQ_INT(5, mock_values_num());
  EXPECT_EQ_DOUBLE(3.0, mock_value(4)->gauge);
  EXPECT_EQ_UINT64(expected_cdtime(T0_US + 2 * STEP_US), mock_value(4)->time);
  /* mem did not get that sample yet: it still may */
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &mem, &s, &P20));

  /* vcsim re-stamps samples a few ms later in the next answer: the same
   * slots, nothing new */
  int64_t ts3[] = {T0_US + STEP_US + 4 * MS, T0_US + 2 * STEP_US + 4 * MS};
  s = series("", ts3, v2, 2);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &cpu, &s, &P20));
  EXPECT_EQ_INT(6, mock_values_num());
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(late_sample_filled_once) {
  /* vCenter answers -1 for a sample not aggregated yet and the value in
   * a later answer: dispatched then, once. */
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usagemhz_average", 1.0);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {5, -1};
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  /* where the next query starts: before the hole */
  EXPECT_EQ_INT(T0_US + STEP_US - STEP_US / 2,
                vs_series_query_from(&o->series, T0_US + STEP_US, &P20.policy));
  int64_t ts2[] = {T0_US + STEP_US, T0_US + 2 * STEP_US};
  int64_t v2[] = {7, 8};
  s = series("", ts2, v2, 2);
  EXPECT_EQ_INT(2, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(3, mock_values_num());
  EXPECT_EQ_DOUBLE(7.0, mock_value(1)->gauge);
  EXPECT_EQ_UINT64(expected_cdtime(T0_US + STEP_US), mock_value(1)->time);
  EXPECT_EQ_DOUBLE(8.0, mock_value(2)->gauge);
  /* the same answer again: nothing */
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(
      T0_US + 2 * STEP_US,
      vs_series_query_from(&o->series, T0_US + 2 * STEP_US, &P20.policy));

  /* with no look-back, a -1 is never filled */
  mock_reset();
  vs_series_table_free(&o->series);
  vs_dispatch_params_t p0 = P20;
  p0.policy.lookback_slots = 0;
  s = series("", ts, v, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p0));
  s = series("", ts2, v2, 2);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p0));
  EXPECT_EQ_DOUBLE(8.0, mock_value(1)->gauge);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(dispatch_failure_not_counted) {
  mock_reset();
  mock_dispatch_set_status(-1);
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 1.0);
  int64_t ts[] = {T0_US, T0_US + STEP_US};
  int64_t v[] = {1, 2};
  vs_series_t s = series("", ts, v, 2);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(2, mock_dispatch_calls());
  mock_dispatch_set_status(0);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(samples_bounded) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_cpu_usage_average", 1.0);
  enum { N = VS_PERF_MAX_SAMPLES + 40 };
  static int64_t ts[N], v[N];
  for (size_t i = 0; i < N; i++) {
    ts[i] = T0_US + (int64_t)i * STEP_US;
    v[i] = (int64_t)i;
  }
  vs_series_t s = series("", ts, v, N);
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(VS_PERF_MAX_SAMPLES, mock_values_num());

  /* no samples at all */
  mock_reset();
  s = series("", ts, v, 0);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &P20));
  EXPECT_EQ_INT(0, mock_values_num());
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(type_instance_cut_at_utf8_boundary) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_disk_read_average", 1.0);
  char inst[100 * 3 + 1];
  for (int i = 0; i < 100; i++)
    memcpy(inst + 3 * i, "\xe4\xb8\xad", 3);
  inst[300] = 0;
  int64_t ts[] = {T0_US};
  int64_t v[] = {1};
  vs_series_t s = series(inst, ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  const mock_value_t *m = mock_value(0);
  CHECK_NOT_NULL(m);
  EXPECT_EQ_INT(126, strlen(m->type_instance));
  OK(utf8_valid(m->type_instance));
  OK(strncmp(m->type_instance, inst, 126) == 0);
  vs_inventory_free(&inv);
  return 0;
}

/* The type name of a "<kind>.<group>.<name>.<rollup>" default, split
 * here independently of vs_dispatch.c. */
static void default_type(const char *metric, char *type, size_t size) {
  char copy[256];
  vs_utf8_copy(copy, metric, sizeof(copy));
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
  /* the historical kinds' defaults */
  OK(plugin_get_ds("datastore_disk_used_latest") != NULL);
  OK(plugin_get_ds("cluster_clusterServices_effectivecpu_average") != NULL);
  OK(plugin_get_ds("datacenter_vmop_numPoweron_latest") != NULL);
  OK(plugin_get_ds("resourcepool_mem_consumed_average") != NULL);
  /* and the plugin's own metrics */
  for (size_t i = 0; i < vs_self_gauge_types_num; i++) {
    const data_set_t *ds = plugin_get_ds(vs_self_gauge_types[i]);
    OK(ds != NULL && ds->ds[0].type == DS_TYPE_GAUGE);
  }
  /* totals are counters */
  for (size_t i = 0; i < vs_self_total_types_num; i++) {
    const data_set_t *ds = plugin_get_ds(vs_self_total_types[i]);
    OK(ds != NULL && ds->ds[0].type == DS_TYPE_DERIVE && ds->ds[0].min == 0);
  }
  /* and the state values, one gauge each */
  size_t state_bad = 0;
  for (size_t i = 0; i < vs_state_types_num; i++) {
    const data_set_t *ds = plugin_get_ds(vs_state_types[i].type);
    if (ds == NULL || ds->ds_num != 1 || ds->ds[0].type != DS_TYPE_GAUGE ||
        strcmp(ds->ds[0].name, "value") != 0) {
      printf("# state type %s\n", vs_state_types[i].type);
      state_bad++;
    }
  }
  EXPECT_EQ_INT(0, state_bad);
  /* event counts are counters too */
  for (size_t i = 0; i < vs_event_total_types_num; i++) {
    const data_set_t *ds = plugin_get_ds(vs_event_total_types[i]);
    OK(ds != NULL && ds->ds[0].type == DS_TYPE_DERIVE && ds->ds[0].min == 0);
  }
  /* no name shared: every type registered once */
  EXPECT_EQ_INT(vs_default_metrics_num + vs_self_gauge_types_num +
                    vs_self_total_types_num + vs_state_types_num +
                    vs_event_total_types_num,
                mock_data_sets_num());
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));

  /* twice: nothing new */
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  EXPECT_EQ_INT(vs_default_metrics_num + vs_self_gauge_types_num +
                    vs_self_total_types_num + vs_state_types_num +
                    vs_event_total_types_num,
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
  data_set_t custom = {.type = "vm_net_usage_average", .ds_num = 2, .ds = two};
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
  EXPECT_EQ_INT(
      1, mock_log_count_level_containing(LOG_WARNING, "vm_cpu_idle_summation"));
  OK(mock_log_count_containing("TypesDB") == 1); /* says what to do */
  return 0;
}

DEF_TEST(dispatch_self) {
  mock_reset();
  vs_self_metric_t m[] = {{"self_read_cycles", 3, NULL},
                          {"self_values", 1234.5, NULL},
                          {"self_inventory_objects", 7, "datastore"}};
  vs_dispatch_self("prod", m, 3, 25.0);
  EXPECT_EQ_INT(3, mock_values_num());
  /* the interval given: the read's, or its duration when longer */
  EXPECT_EQ_INT(DOUBLE_TO_CDTIME_T(25.0), mock_value(0)->interval);
  /* an instance: the type instance (per kind counts) */
  const mock_value_t *ds =
      mock_value_find("self_inventory_objects", "datastore");
  CHECK_NOT_NULL(ds);
  EXPECT_EQ_DOUBLE(7.0, ds->gauge);
  EXPECT_EQ_STR("prod", ds->plugin_instance);
  EXPECT_EQ_STR("", mock_value(0)->type_instance);
  const mock_value_t *v = mock_value_find("self_values", "");
  CHECK_NOT_NULL(v);
  EXPECT_EQ_DOUBLE(1234.5, v->gauge);
  EXPECT_EQ_STR("vsphere", v->plugin);
  EXPECT_EQ_STR("prod", v->plugin_instance);
  EXPECT_EQ_STR("", v->host); /* collectd fills in its hostname */
  EXPECT_EQ_DOUBLE(3.0, mock_value(0)->gauge);
  EXPECT_EQ_STR("self_read_cycles", mock_value(0)->type);
  /* types unknown to the daemon: sent as gauges */
  OK(!mock_value(0)->derive);
  return 0;
}

DEF_TEST(dispatch_self_totals_as_derive) {
  /* With the plugin's types registered, a total is a DERIVE value (a
   * counter to writers), a gauge stays a gauge. */
  mock_reset();
  EXPECT_EQ_INT(0, vs_dispatch_register_default_types());
  vs_self_metric_t m[] = {{"self_requests", 123456789012.0, NULL},
                          {"self_read_seconds", 0.25, NULL}};
  vs_dispatch_self("prod", m, 2, 10.0);
  const mock_value_t *total = mock_value_find("self_requests", "");
  CHECK_NOT_NULL(total);
  OK(total->derive);
  EXPECT_EQ_DOUBLE(123456789012.0, total->gauge);
  const mock_value_t *gauge = mock_value_find("self_read_seconds", "");
  CHECK_NOT_NULL(gauge);
  OK(!gauge->derive);
  EXPECT_EQ_DOUBLE(0.25, gauge->gauge);
  return 0;
}

/* A datastore of vCenter "prod" (300 s samples, posted late). */
static vs_object_t *datastore(vs_inventory_t *inv) {
  vs_inventory_init(inv);
  add_datacenter(inv, "datacenter-1", "DC1", "group-d1");
  add_folder(inv, "group-s5", "datastore", "datacenter-1");
  inv_add(inv, "Datastore", "datastore-11", "ds1", "group-s5", NULL, NULL, NULL,
          NULL);
  if (vs_inventory_finish(inv, NULL) != 0)
    return NULL;
  vs_config_t ncfg;
  naming_config(&ncfg, "prod");
  if (vs_naming_apply(inv, &ncfg) != 0)
    return NULL;
  return vs_inventory_find(inv, "datastore-11");
}

/* A historical kind: a slot skipped by a newer sample may still come. By
 * default its series has moved on: it is counted, not dispatched (a
 * writer would expose an older value after a newer one); FillHoles
 * dispatches it, once. */
static int late_fill(bool fill_holes) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = datastore(&inv);
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_DATASTORE, o->kind);
  OK(o->active);
  const int64_t H = INT64_C(300000000);
  uint64_t late = 0;
  vs_dispatch_params_t p = {.interval_s = 300,
                            .policy = {.step_us = H,
                                       .lookback_slots = 3,
                                       .late = true,
                                       .fill_holes = fill_holes},
                            .late_samples = &late,
                            .latest_us = INT64_MAX};
  vs_selected_counter_t c = counter(281, "datastore_disk_used_latest", 1.0);
  /* answer 1: T0 and T0+2 (T0+1 not rolled up yet) */
  int64_t ts1[] = {T0_US, T0_US + 2 * H};
  int64_t v1[] = {10, 30};
  vs_series_t s = series("", ts1, v1, 2);
  s.entity_type = "Datastore";
  s.entity = "datastore-11";
  EXPECT_EQ_INT(2, vs_dispatch_series(o, &c, &s, &p));
  o->mark_us = T0_US + 2 * H; /* as vs_query does */
  /* the next query looks back */
  EXPECT_EQ_INT(T0_US - H,
                vs_series_query_from(&o->series, o->mark_us, &p.policy));
  /* answer 2: the three slots and a new one: T0+1 (late) and T0+3 new */
  int64_t ts2[] = {T0_US, T0_US + H, T0_US + 2 * H, T0_US + 3 * H};
  int64_t v2[] = {10, 20, 30, 40};
  s = series("", ts2, v2, 4);
  s.entity_type = "Datastore";
  s.entity = "datastore-11";
  EXPECT_EQ_INT(fill_holes ? 2 : 1, vs_dispatch_series(o, &c, &s, &p));
  EXPECT_EQ_INT(fill_holes ? 0 : 1, late);
  EXPECT_EQ_INT(fill_holes ? 4 : 3, mock_values_num());
  if (fill_holes) {
    EXPECT_EQ_DOUBLE(20.0, mock_value(2)->gauge);
    EXPECT_EQ_UINT64(expected_cdtime(T0_US + H), mock_value(2)->time);
  }
  const mock_value_t *last = mock_value(mock_values_num() - 1);
  CHECK_NOT_NULL(last);
  EXPECT_EQ_DOUBLE(40.0, last->gauge);
  /* every value newer than the one before, unless FillHoles */
  for (size_t i = 1; !fill_holes && i < mock_values_num(); i++)
    OK(mock_value(i)->time > mock_value(i - 1)->time);
  for (size_t i = 0; i < mock_values_num(); i++) {
    EXPECT_EQ_STR("ds1", mock_value(i)->host);
    EXPECT_EQ_STR("prod:DC1:", mock_value(i)->plugin_instance);
    EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(300), mock_value(i)->interval);
  }
  /* answer 2 again: nothing, and nothing counted twice */
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &p));
  EXPECT_EQ_INT(fill_holes ? 0 : 1, late);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(late_sample_behind_its_series_counted) { return late_fill(false); }
DEF_TEST(late_sample_filled_with_fill_holes) { return late_fill(true); }

/* MaxNewSeries: a read introduces at most so many new series; the others
 * come in later reads, and known series are never held back. */
DEF_TEST(new_series_budget) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "vm");
  CHECK_NOT_NULL(o);
  vs_selected_counter_t c = counter(2, "vm_net_received_average", 1.0);
  size_t left = 2;
  vs_dispatch_params_t p = P20;
  p.new_series_left = &left;
  int64_t ts[] = {T0_US};
  int64_t v[] = {1};
  const char *nics[] = {"vmnic0", "vmnic1", "vmnic2", "vmnic3"};
  size_t sent = 0;
  for (size_t i = 0; i < 4; i++) {
    vs_series_t s = series(nics[i], ts, v, 1);
    sent += vs_dispatch_series(o, &c, &s, &p);
  }
  EXPECT_EQ_INT(2, sent);
  EXPECT_EQ_INT(0, left);
  EXPECT_EQ_INT(2, o->series.num); /* the others are not tracked yet */
  OK(vs_series_find(&o->series, 2, "vmnic2") == NULL);
  /* a known series goes on with no budget left */
  int64_t ts2[] = {T0_US + STEP_US};
  vs_series_t s = series("vmnic0", ts2, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p));
  /* the next read, with a new budget: the rest */
  left = 2;
  sent = 0;
  for (size_t i = 0; i < 4; i++) {
    s = series(nics[i], ts, v, 1);
    sent += vs_dispatch_series(o, &c, &s, &p);
  }
  EXPECT_EQ_INT(2, sent); /* vmnic2, vmnic3: the first two had T0 */
  EXPECT_EQ_INT(0, left);
  EXPECT_EQ_INT(4, o->series.num);
  /* no budget (NULL): no limit */
  vs_series_table_free(&o->series);
  p.new_series_left = NULL;
  sent = 0;
  for (size_t i = 0; i < 4; i++) {
    s = series(nics[i], ts, v, 1);
    sent += vs_dispatch_series(o, &c, &s, &p);
  }
  EXPECT_EQ_INT(4, sent);
  /* a series that came without a sample (vcsim leaves values out) is not
   * tracked and takes nothing of the budget */
  vs_series_table_free(&o->series);
  left = 1;
  p.new_series_left = &left;
  s = series("vmnic9", ts, v, 0);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &p));
  EXPECT_EQ_INT(0, o->series.num);
  EXPECT_EQ_INT(1, left);
  vs_inventory_free(&inv);
  return 0;
}

/* State values: one gauge each, the object's identity, "now" (not a
 * vCenter sample time), the interval given, the instance as type
 * instance. */
DEF_TEST(dispatch_states) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "web01");
  CHECK_NOT_NULL(o);
  /* nothing to send */
  EXPECT_EQ_INT(0, vs_dispatch_states(o, 60, NULL, NULL));
  EXPECT_EQ_INT(0, mock_values_num());
  /* the VM's power state and a guest disk's free bytes */
  int power = -1, disk_free = -1;
  for (size_t i = 0; i < vs_state_types_num; i++) {
    if (strcmp(vs_state_types[i].type, "vm_power_state") == 0)
      power = (int)i;
    if (strcmp(vs_state_types[i].type, "vm_guest_disk_free_bytes") == 0)
      disk_free = (int)i;
  }
  OK(power >= 0 && disk_free >= 0);
  vs_state_value_t states[] = {
      {.type = (uint16_t)power, .instance = "", .value = 1},
      {.type = (uint16_t)disk_free, .instance = "/var/lib", .value = 4096}};
  o->states = malloc(sizeof(states));
  CHECK_NOT_NULL(o->states);
  memcpy(o->states, states, sizeof(states));
  o->states_num = 2;
  EXPECT_EQ_INT(2, vs_dispatch_states(o, 60, NULL, NULL));
  EXPECT_EQ_INT(2, mock_values_num());
  const mock_value_t *m = mock_value_find("vm_power_state", "");
  CHECK_NOT_NULL(m);
  EXPECT_EQ_DOUBLE(1.0, m->gauge);
  EXPECT_EQ_STR("web01", m->host);
  EXPECT_EQ_STR("vsphere", m->plugin);
  EXPECT_EQ_STR("prod:DC1:C1", m->plugin_instance);
  EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(60), m->interval);
  /* time 0: collectd stamps it with "now" on arrival */
  EXPECT_EQ_UINT64(0, m->time);
  m = mock_value_find("vm_guest_disk_free_bytes", "/var/lib");
  CHECK_NOT_NULL(m);
  EXPECT_EQ_DOUBLE(4096.0, m->gauge);
  /* a failed dispatch is not counted */
  mock_dispatch_set_status(-1);
  EXPECT_EQ_INT(0, vs_dispatch_states(o, 60, NULL, NULL));
  mock_dispatch_set_status(0);
  /* sent again from the copy 30 s after they were computed (the update
   * stream said nothing changed): an uptime has grown by 30 s, a power
   * state and a free space have not */
  int uptime = -1;
  for (size_t i = 0; i < vs_state_types_num; i++)
    if (strcmp(vs_state_types[i].type, "vm_uptime_seconds") == 0)
      uptime = (int)i;
  OK(uptime >= 0);
  o->states[1] = (vs_state_value_t){
      .type = (uint16_t)uptime, .instance = "", .value = 1000};
  o->states_us = vs_wall_us() - INT64_C(30) * 1000000;
  mock_reset();
  EXPECT_EQ_INT(2, vs_dispatch_states(o, 60, NULL, NULL));
  m = mock_value_find("vm_uptime_seconds", "");
  CHECK_NOT_NULL(m);
  OK(m->gauge >= 1030.0 && m->gauge < 1032.0);
  EXPECT_EQ_DOUBLE(1.0, mock_value_find("vm_power_state", "")->gauge);
  vs_inventory_free(&inv); /* frees the states too */
  return 0;
}

/* ==== end to end on the vcsim fixtures ==== */

typedef struct {
  vs_inventory_t *inv;
  vs_counter_set_t *sets;
  size_t values;
  size_t entities_done;
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
  if (o == NULL || o->kind < 0)
    return;
  const vs_selected_counter_t *c =
      vs_counters_find(&e->sets[o->kind], s->counter_id);
  if (c == NULL)
    return;
  e->values += vs_dispatch_series(o, c, s, &P20);
}

/* As vs_query does: an entity's complete answer moves its mark. */
static void on_entity_done(void *ctx, const char *type, const char *entity,
                           int64_t newest_us) {
  (void)type;
  e2e_t *e = ctx;
  vs_object_t *o = vs_inventory_find(e->inv, entity);
  e->entities_done++;
  if (o != NULL && newest_us > o->mark_us)
    o->mark_us = newest_us;
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
  /* named as the old plugin did: host = the name, plugin_instance = the
   * <Vcenter> block (this fixture has no datacenter or cluster anyway) */
  vs_config_t ncfg;
  naming_config(&ncfg, "vcsim");
  ncfg.plugin_instance_format = format_of("vcenter");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &ncfg));

  vs_catalog_parser_t cp;
  vs_catalog_parser_init(&cp, on_counter, &cat);
  EXPECT_EQ_INT(0, feed_file("vcsim_catalog.xml", vs_parse_catalog(&cp)));
  vs_config_t cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.default_metrics = true;
  cfg.collect[VS_KIND_VM] = cfg.collect[VS_KIND_HOST] = true;
  cfg.instances[VS_KIND_VM] = cfg.instances[VS_KIND_HOST] = true;
  for (int k = 0; k < VS_KIND_NUM; k++)
    EXPECT_EQ_INT(0, vs_counters_select(&sets[k], &cat, (vs_kind_t)k, &cfg,
                                        vs_dispatch_type_known, NULL));
  EXPECT_EQ_INT(0, mock_log_count(LOG_WARNING)); /* all types known */

  /* QueryPerf: vm-39 and host-21, counters 2, 6 and 148, 3 samples each */
  static vs_perf_parser_t pp;
  vs_perf_parser_init(&pp, on_series, &e);
  pp.entity_done = on_entity_done;
  EXPECT_EQ_INT(0, feed_file("vcsim_perf.xml", vs_parse_perf(&pp)));
  EXPECT_EQ_INT(18, e.values);
  EXPECT_EQ_INT(18, mock_values_num());
  EXPECT_EQ_INT(2, e.entities_done);

  size_t vm = 0, host = 0, bad = 0;
  cdtime_t newest = 0;
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *m = mock_value(i);
    if (strcmp(m->host, "DC0_H0_VM0") == 0)
      vm++;
    else if (strcmp(m->host, "DC0_H0") == 0)
      host++;
    if (strcmp(m->plugin, "vsphere") != 0 ||
        strcmp(m->plugin_instance, "vcsim") != 0 || m->type_instance[0] != 0 ||
        !(m->gauge >= 0))
      bad++;
    if (strstr(m->type, "_cpu_usage_average") != NULL && m->gauge > 100.0)
      bad++; /* percent, scaled from hundredths */
    /* each series comes oldest first, 20 s apart */
    if (i % 3 != 0 &&
        m->time - mock_value(i - 1)->time != TIME_T_TO_CDTIME_T(20))
      bad++;
    if (strcmp(m->host, "DC0_H0_VM0") == 0 && m->time > newest)
      newest = m->time; /* the VM's newest sample */
  }
  EXPECT_EQ_INT(9, vm);
  EXPECT_EQ_INT(9, host);
  EXPECT_EQ_INT(0, bad);
  OK(mock_value_find("vm_cpu_usage_average", "") != NULL);
  OK(mock_value_find("vm_cpu_usagemhz_average", "") != NULL);
  OK(mock_value_find("host_net_received_average", "") != NULL);
  /* the marks: each entity's newest sample; no hole, so the next query
   * starts there */
  vs_object_t *o = vs_inventory_find(&inv, "vm-39");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_UINT64(newest, expected_cdtime(o->mark_us));
  EXPECT_EQ_INT(3, o->series.num);
  EXPECT_EQ_INT(o->mark_us,
                vs_series_query_from(&o->series, o->mark_us, &P20.policy));
  o = vs_inventory_find(&inv, "host-21");
  CHECK_NOT_NULL(o);
  OK(o->mark_us > 0);
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "vm-42")->mark_us);

  /* the same answer again: nothing new */
  e.values = 0;
  vs_perf_parser_init(&pp, on_series, &e);
  pp.entity_done = on_entity_done;
  EXPECT_EQ_INT(0, feed_file("vcsim_perf.xml", vs_parse_perf(&pp)));
  EXPECT_EQ_INT(0, e.values);
  EXPECT_EQ_INT(18, mock_values_num());

  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&sets[k]);
  vs_catalog_free(&cat);
  vs_inventory_free(&inv);
  return 0;
}

/* A datastore volume id as instance is sent as the datastore's name; the
 * series is tracked by the id; an id no datastore has, and every
 * instance without DatastoreNames, stays as it is. */
DEF_TEST(datastore_instances_named) {
  mock_reset();
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  add_datacenter(&inv, "datacenter-1", "DC1", "group-d1");
  add_folder(&inv, "group-s5", "datastore", "datacenter-1");
  add_datastore(&inv, "datastore-11", "SAN-Gold 01", "group-s5",
                "ds:///vmfs/volumes/5b7ee5c9-4e8f1921-93b3-90b11c51ac73/");
  add_datastore(&inv, "datastore-12", "nfs-iso", "group-s5",
                "ds:///vmfs/volumes/8a4b5c6d-01234567/");
  add_datastore(&inv, "datastore-13", "no-url", "group-s5", NULL);
  add_folder(&inv, "group-h4", "host", "datacenter-1");
  add_cluster(&inv, "domain-c7", "C1", "group-h4");
  add_host(&inv, "host-8", "esx8", "domain-c7");
  add_folder(&inv, "group-v3", "vm", "datacenter-1");
  add_vm(&inv, "vm-1", "web01", "group-v3", "host-8");
  CHECK_ZERO(vs_inventory_finish(&inv, NULL));
  vs_config_t cfg;
  naming_config(&cfg, "prod");
  vs_naming_apply(&inv, &cfg);
  vs_object_t *o = vs_inventory_find(&inv, "vm-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR(
      "SAN-Gold 01",
      vs_inventory_datastore_name(&inv, "5b7ee5c9-4e8f1921-93b3-90b11c51ac73"));
  EXPECT_EQ_STR("nfs-iso",
                vs_inventory_datastore_name(&inv, "8a4b5c6d-01234567"));
  OK(vs_inventory_datastore_name(&inv, "") == NULL);
  OK(vs_inventory_datastore_name(&inv, "datastore-13") == NULL);

  vs_selected_counter_t c =
      counter(178, "vm_datastore_totalReadLatency_average", 1);
  int64_t ts[] = {T0_US};
  int64_t v[] = {7};
  vs_dispatch_params_t p = P20;
  p.datastores = &inv;
  vs_series_t s = series("5b7ee5c9-4e8f1921-93b3-90b11c51ac73", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p));
  s = series("unknown-volume", ts, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &p));
  OK(mock_value_find("vm_datastore_totalReadLatency_average", "SAN-Gold 01"));
  OK(mock_value_find("vm_datastore_totalReadLatency_average",
                     "unknown-volume"));
  /* tracked by the id: the same sample again is not sent twice */
  s = series("5b7ee5c9-4e8f1921-93b3-90b11c51ac73", ts, v, 1);
  EXPECT_EQ_INT(0, vs_dispatch_series(o, &c, &s, &p));
  OK(vs_series_find(&o->series, 178, "5b7ee5c9-4e8f1921-93b3-90b11c51ac73"));
  /* DatastoreNames false */
  mock_reset();
  int64_t ts2[] = {T0_US + STEP_US};
  s = series("8a4b5c6d-01234567", ts2, v, 1);
  EXPECT_EQ_INT(1, vs_dispatch_series(o, &c, &s, &P20));
  OK(mock_value_find("vm_datastore_totalReadLatency_average",
                     "8a4b5c6d-01234567"));
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(datastore_url_ids) {
  char id[64];
  vs_datastore_url_id("ds:///vmfs/volumes/58b82ce9-66c101a2-ab7c-005056956efb/",
                      id, sizeof(id));
  EXPECT_EQ_STR("58b82ce9-66c101a2-ab7c-005056956efb", id);
  vs_datastore_url_id("ds:///vmfs/volumes/vsan:52e6f1d2a7e0a1b3-9c1e/", id,
                      sizeof(id));
  EXPECT_EQ_STR("vsan:52e6f1d2a7e0a1b3-9c1e", id);
  vs_datastore_url_id("ds:///vmfs/volumes/abc", id, sizeof(id));
  EXPECT_EQ_STR("abc", id);
  /* not a datastore url, or no id, or too long: none */
  vs_datastore_url_id("/tmp/govcsim-DC0-LocalDS_0-123", id, sizeof(id));
  EXPECT_EQ_STR("", id);
  vs_datastore_url_id("ds:///vmfs/volumes//", id, sizeof(id));
  EXPECT_EQ_STR("", id);
  vs_datastore_url_id("ds:///vmfs/volumes/0123456789", id, 8);
  EXPECT_EQ_STR("", id);
  return 0;
}

/* A custom attribute's value goes out as "<name>:<value>" once its key
 * has a name; unknown keys are left out and counted. */
DEF_TEST(attributes_named_at_dispatch) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "web01");
  CHECK_NOT_NULL(o);
  int attr = state_type_index("vm_attribute");
  OK(attr >= 0);
  vs_state_value_t states[] = {
      {.type = (uint16_t)attr, .instance = "101:team-x", .value = 1},
      {.type = (uint16_t)attr, .instance = "102:a:b", .value = 1},
      {.type = (uint16_t)attr, .instance = "999:orphan", .value = 1}};
  o->states = vs_state_copy(states, 3);
  CHECK_NOT_NULL(o->states);
  o->states_num = 3;
  vs_fields_t f;
  vs_fields_init(&f);
  CHECK_ZERO(vs_fields_add(&f, 101, "Owner"));
  CHECK_ZERO(vs_fields_add(&f, 102, "Env:zone"));
  CHECK_ZERO(vs_fields_add(&f, 101, "again")); /* a key once */
  EXPECT_EQ_INT(2, f.num);
  EXPECT_EQ_INT(2, vs_dispatch_states(o, 60, &f, NULL));
  OK(mock_value_find("vm_attribute", "Owner:team-x"));
  OK(mock_value_find("vm_attribute", "Env_zone:a:b")); /* the name's ':' */
  EXPECT_EQ_INT(1, f.unknown);
  /* without names: no attribute at all */
  mock_reset();
  EXPECT_EQ_INT(0, vs_dispatch_states(o, 60, NULL, NULL));
  vs_fields_free(&f);
  EXPECT_EQ_INT(0, f.num);
  vs_inventory_free(&inv);
  return 0;
}

/* vSphere tags: one info series per (category, tag), value 1, type
 * instance "<category>:<tag>" with a ':' of the category as '_'. */
DEF_TEST(tags_as_info_series) {
  mock_reset();
  vs_inventory_t inv;
  vs_object_t *o = object(&inv, "web01");
  CHECK_NOT_NULL(o);
  vs_tag_t tags[] = {{"Environment", "prod"}, {"Owner:Team", "a:b"}};
  EXPECT_EQ_INT(0, vs_dispatch_tags(o, tags, 0, 60));
  EXPECT_EQ_INT(2, vs_dispatch_tags(o, tags, 2, 60));
  const mock_value_t *m = mock_value_find("vm_tag", "Environment:prod");
  CHECK_NOT_NULL(m);
  EXPECT_EQ_DOUBLE(1.0, m->gauge);
  EXPECT_EQ_STR("web01", m->host);
  EXPECT_EQ_STR("prod:DC1:C1", m->plugin_instance);
  EXPECT_EQ_UINT64(TIME_T_TO_CDTIME_T(60), m->interval);
  OK(mock_value_find("vm_tag", "Owner_Team:a:b") != NULL);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(event_notification_one_line_whole_characters) {
  mock_reset();
  vs_event_t ev;
  memset(&ev, 0, sizeof(ev));
  ev.key = 7;
  ev.created_us = -1;
  snprintf(ev.type, sizeof(ev.type), "VmFailedToPowerOnEvent");
  /* no message: "<type> on <name>", the name 3-byte characters past the
   * end of collectd's 256 bytes */
  vs_event_entity_t en;
  memset(&en, 0, sizeof(en));
  snprintf(en.moref, sizeof(en.moref), "vm-1");
  char *p = en.name;
  *p++ = 'a';
  for (int i = 0; i < 100; i++)
    p += snprintf(p, 4, "\xe6\xbc\xa2");
  vs_dispatch_event_notification(NULL, "vc", &ev, &en, NOTIF_FAILURE);
  /* a message and a user with line breaks */
  snprintf(ev.message, sizeof(ev.message), "line one\nline two\r\n");
  snprintf(ev.user, sizeof(ev.user), "x\n\nSeverity: OKAY");
  vs_dispatch_event_notification(NULL, "vc", &ev, &en, NOTIF_FAILURE);
  EXPECT_EQ_INT(2, mock_notifications_num());
  const char *m = mock_notification(0)->message;
  size_t len = strlen(m);
  OK(len > 200 && len < NOTIF_MAX_MSG_LEN);
  /* ends on a whole character: the last lead byte has its 2 followers */
  const char *lead = m + len - 1;
  while (lead > m && ((unsigned char)*lead & 0xc0) == 0x80)
    lead--;
  EXPECT_EQ_INT(3, (int)(m + len - lead));
  EXPECT_EQ_STR("line one line two  ", mock_notification(1)->message);
  char meta[128];
  EXPECT_EQ_STR(
      "x  Severity: OKAY",
      mock_notification_meta(mock_notification(1), "user", meta, sizeof(meta)));
  OK(strchr(mock_notification(1)->meta, '\r') == NULL);
  mock_reset();
  return 0;
}

int main(void) {
  RUN_TEST(naming);
  RUN_TEST(interval_from_params);
  RUN_TEST(percent_scaled_and_no_data_skipped);
  RUN_TEST(oldest_first_with_vcenter_time);
  RUN_TEST(future_sample_refused);
  RUN_TEST(no_sample_twice);
  RUN_TEST(late_sample_filled_once);
  RUN_TEST(dispatch_failure_not_counted);
  RUN_TEST(samples_bounded);
  RUN_TEST(type_instance_cut_at_utf8_boundary);
  RUN_TEST(register_default_types);
  RUN_TEST(register_keeps_types_db);
  RUN_TEST(type_known);
  RUN_TEST(dispatch_self);
  RUN_TEST(dispatch_self_totals_as_derive);
  RUN_TEST(vcsim_end_to_end);
  RUN_TEST(late_sample_behind_its_series_counted);
  RUN_TEST(late_sample_filled_with_fill_holes);
  RUN_TEST(new_series_budget);
  RUN_TEST(dispatch_states);
  RUN_TEST(datastore_instances_named);
  RUN_TEST(datastore_url_ids);
  RUN_TEST(attributes_named_at_dispatch);
  RUN_TEST(tags_as_info_series);
  mock_reset();
  RUN_TEST(event_notification_one_line_whole_characters);
  END_TEST;
}
