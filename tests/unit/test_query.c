/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_query.c
 * The QueryPerf engine (vs_query) against a scripted vCenter (a fake
 * transport): batching within the batch size and maxQueryMetrics,
 * rotation, carry-over of a request across reads, isolation of the object
 * a fault is about (named or not), a fault of the whole vCenter, a lost
 * session in the middle of a read, timeouts batched apart, historical
 * windows, counter ids the catalog lacks, and an inventory replaced under
 * requests in flight. Milliseconds, no network.
 */
#include "fake_transport.h"
#include "inventory_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_naming.h"
#include "vs_query.h"

#include <math.h>

#define T0_US (INT64_C(1704164640) * 1000000) /* on a 20 s boundary */
#define MAX_MARKED 16

/* ---- a scripted vCenter ---- */

typedef struct {
  int64_t sample_us;      /* the sample every answer carries */
  const char *fault_type; /* a fault for requests naming a marked object */
  bool fault_named;       /* ... naming it (<obj>) */
  bool fault_all;         /* every request faults */
  char marked[MAX_MARKED][32];
  size_t marked_num;
  char hang[MAX_MARKED][32]; /* requests naming these never answer */
  size_t hang_num;
  bool timeout_marked; /* marked objects: a transport timeout instead */
  int extra_counter;   /* a series of this id in every answer (0: none) */
} vcenter_t;

static bool listed(char list[][32], size_t n, const char *moref) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], moref) == 0)
      return true;
  return false;
}

/* The first entity of the body in `list`, or NULL. */
static const char *first_in(const char *body, char list[][32], size_t n,
                            char *buf, size_t size) {
  size_t entities = fake_tag_count(body, "entity");
  for (size_t i = 0; i < entities; i++)
    if (listed(list, n, fake_tag(body, "entity", i, buf, size)))
      return buf;
  return NULL;
}

static void respond(void *ctx, const fake_request_t *req, fake_reply_t *r) {
  vcenter_t *vc = ctx;
  char hit[64];
  if (strcmp(req->op, "QueryPerf") != 0) {
    fake_fault(r, "MethodFault", "not scripted", NULL, NULL);
    return;
  }
  if (first_in(req->body, vc->hang, vc->hang_num, hit, sizeof(hit))) {
    r->hang = true;
    return;
  }
  const char *marked =
      first_in(req->body, vc->marked, vc->marked_num, hit, sizeof(hit));
  if (marked != NULL && vc->timeout_marked) {
    r->transport_code = 28;
    r->timed_out = true;
    return;
  }
  if (vc->fault_all || (marked != NULL && vc->fault_type != NULL)) {
    fake_fault(r, vc->fault_type ? vc->fault_type : "SystemError",
               "scripted fault", vc->fault_named ? "VirtualMachine" : NULL,
               vc->fault_named ? marked : NULL);
    return;
  }
  fake_perf_answer(r, req->body, vc->sample_us, vc->extra_counter);
}

/* ---- the engine's world ---- */

typedef struct {
  vs_inventory_t inv;
  vs_catalog_t catalog;
  vs_counter_set_t counters[VS_KIND_NUM];
  vs_dispatch_params_t params[VS_KIND_NUM];
  vs_query_limits_t limits;
  int historical_max;
  vs_service_content_t sc;
  char soap_action[32];
  vs_log_t log;
  fake_transport_t fake;
  vcenter_t vc;
  vs_query_t *q;
  vs_query_result_t r;
  int rc;
} world_t;

static void add_counter(world_t *w, vs_kind_t kind, int id, const char *type) {
  vs_counter_info_t info = {.key = id, .level = 1};
  snprintf(info.group, sizeof(info.group), "g%d", id);
  snprintf(info.name, sizeof(info.name), "n%d", id);
  snprintf(info.rollup, sizeof(info.rollup), "average");
  vs_catalog_add(&w->catalog, &info);
  vs_counter_set_t *set = &w->counters[kind];
  set->items = realloc(set->items, (set->num + 1) * sizeof(*set->items));
  set->items[set->num] = (vs_selected_counter_t){.id = id, .scale = 1};
  snprintf(set->items[set->num].type, VS_TYPE_LEN, "%s", type);
  set->num++;
  int ids[64];
  for (size_t i = 0; i < set->num; i++)
    ids[i] = set->items[i].id;
  vs_soap_metric_ids(&set->metric_ids, ids, set->num, "");
}

/* `vms` VMs spread over `hosts` hosts of one cluster; `counters` counters
 * for VMs (ids 1..), one for hosts (id 100); a datastore with one. */
static void world_init(world_t *w, int vms, int hosts, int counters,
                       int slots) {
  mock_reset();
  memset(w, 0, sizeof(*w));
  vs_inventory_t *inv = &w->inv;
  vs_inventory_init(inv);
  add_datacenter(inv, "datacenter-1", "DC1", "group-d1");
  add_folder(inv, "group-h4", "host", "datacenter-1");
  add_folder(inv, "group-v3", "vm", "datacenter-1");
  add_folder(inv, "group-s5", "datastore", "datacenter-1");
  add_cluster(inv, "domain-c7", "C1", "group-h4");
  char moref[32], name[32], host[32];
  for (int h = 0; h < hosts; h++) {
    snprintf(moref, sizeof(moref), "host-%d", h + 1);
    snprintf(name, sizeof(name), "esx%d", h + 1);
    add_host(inv, moref, name, "domain-c7");
  }
  for (int v = 0; v < vms; v++) {
    snprintf(moref, sizeof(moref), "vm-%d", v + 1);
    snprintf(name, sizeof(name), "vm%d", v + 1);
    snprintf(host, sizeof(host), "host-%d", v % hosts + 1);
    add_vm(inv, moref, name, "group-v3", host);
  }
  inv_add(inv, "Datastore", "datastore-1", "ds1", "group-s5", NULL, NULL, NULL,
          NULL);
  vs_inventory_finish(inv, NULL);
  vs_config_t ncfg;
  naming_config(&ncfg, "prod");
  vs_naming_apply(inv, &ncfg);
  for (size_t i = 0; i < inv->num; i++)
    inv->objects[i].selected = inv->objects[i].kind >= 0;
  vs_inventory_recount(inv);
  for (int c = 0; c < counters; c++) {
    char type[32];
    snprintf(type, sizeof(type), "vm_c%d", c + 1);
    add_counter(w, VS_KIND_VM, c + 1, type);
  }
  add_counter(w, VS_KIND_HOST, 100, "host_c100");
  add_counter(w, VS_KIND_DATASTORE, 200, "datastore_c200");
  /* a counter of the catalog nobody selected */
  vs_counter_info_t other = {.key = 300, .level = 1};
  snprintf(other.group, sizeof(other.group), "cpu");
  snprintf(other.name, sizeof(other.name), "other");
  snprintf(other.rollup, sizeof(other.rollup), "average");
  vs_catalog_add(&w->catalog, &other);
  vs_catalog_sort(&w->catalog);
  for (int k = 0; k < VS_KIND_NUM; k++) {
    const vs_kind_info_t *info = vs_kind_info((vs_kind_t)k);
    w->params[k] = (vs_dispatch_params_t){
        .interval_s = info->step_s,
        .policy = {.step_us = (int64_t)info->step_s * 1000000,
                   .lookback_slots = info->historical ? 3 : 3,
                   .late = info->historical},
        .latest_us = INT64_MAX};
  }
  w->limits = (vs_query_limits_t){.batch_size = 250,
                                  .max_metrics = 50000,
                                  .query_timeout = 60,
                                  .stall_timeout = 30,
                                  .historical_lookback = 900,
                                  .left_out = 300};
  w->historical_max = -1;
  snprintf(w->sc.perf_manager, sizeof(w->sc.perf_manager), "PerfMgr");
  snprintf(w->soap_action, sizeof(w->soap_action), "urn:vim25/6.5");
  vs_log_init(&w->log, "prod");
  w->vc.sample_us = T0_US;
  fake_init(&w->fake, slots, respond, &w->vc);
}

static void world_start(world_t *w) {
  vs_query_env_t env = {.transport = &w->fake.t,
                        .log = &w->log,
                        .soap_action = w->soap_action,
                        .sc = &w->sc,
                        .inventory = &w->inv,
                        .catalog = &w->catalog,
                        .counters = w->counters,
                        .params = w->params,
                        .historical_max_metrics = &w->historical_max,
                        .limits = &w->limits};
  w->q = vs_query_create(&env);
  vs_inventory_t none;
  vs_inventory_init(&none);
  vs_query_inventory_changed(w->q, &none);
}

static void world_free(world_t *w) {
  vs_query_destroy(w->q);
  fake_free(&w->fake);
  vs_inventory_free(&w->inv);
  vs_catalog_free(&w->catalog);
  for (int k = 0; k < VS_KIND_NUM; k++)
    vs_counter_set_free(&w->counters[k]);
}

/* One read: a deadline far away (the fake answers at once; what never
 * answers makes the wait report the budget spent). */
static int world_read(world_t *w) {
  vs_query_read_begin(w->q);
  w->rc =
      vs_query_run(w->q, vs_monotonic_seconds() + 60, T0_US + 20000000, &w->r);
  w->vc.sample_us += 20000000; /* the next read's sample */
  return w->rc;
}

/* Values dispatched for an object (its host field: the VM's name). */
static size_t values_of(const char *host) {
  size_t n = 0;
  for (size_t i = 0; i < mock_values_num(); i++)
    n += strcmp(mock_value(i)->host, host) == 0;
  return n;
}

static size_t entities_in(const fake_request_t *req) {
  return fake_tag_count(req->body, "entity");
}

/* ---- batching and rotation ---- */

/* 10 VMs x 4 counters, MaxQueryMetrics 12: 3 VMs per request, every VM
 * once, every counter of it. */
DEF_TEST(batches_within_max_query_metrics) {
  world_t w;
  world_init(&w, 10, 2, 4, 4);
  w.limits.max_metrics = 12;
  world_start(&w);
  EXPECT_EQ_INT(VS_OK, world_read(&w));
  size_t vm_requests = 0, vms = 0;
  for (size_t i = 0; i < w.fake.requests_num; i++) {
    const fake_request_t *req = &w.fake.requests[i];
    if (strstr(req->body, "VirtualMachine") == NULL)
      continue;
    vm_requests++;
    vms += entities_in(req);
    OK(entities_in(req) <= 3);
    OK(fake_tag_count(req->body, "metricId") <= 12);
  }
  EXPECT_EQ_INT(4, vm_requests); /* 3 + 3 + 3 + 1 */
  EXPECT_EQ_INT(10, vms);
  for (int v = 1; v <= 10; v++) {
    char name[16];
    snprintf(name, sizeof(name), "vm%d", v);
    EXPECT_EQ_INT(4, values_of(name));
  }
  EXPECT_EQ_INT(10 * 4 + 2 + 1, w.r.values); /* VMs, hosts, datastore */
  EXPECT_EQ_INT(10 + 2 + 1, w.r.entities);
  EXPECT_EQ_INT(0, w.r.failed);
  EXPECT_EQ_INT(0, w.r.carried);
  world_free(&w);
  return 0;
}

/* QueryBatchSize bounds the entities of a request too; the first batch
 * of each read starts one batch further (rotation), so a batch that comes
 * last when a read runs out of time is not always the same one. */
DEF_TEST(rotation) {
  world_t w;
  world_init(&w, 9, 1, 1, 1);
  w.limits.batch_size = 3;
  world_start(&w);
  char first[3][16];
  for (int read = 0; read < 3; read++) {
    fake_forget_requests(&w.fake);
    EXPECT_EQ_INT(VS_OK, world_read(&w));
    const fake_request_t *req = fake_request(&w.fake, "QueryPerf", 0);
    CHECK_NOT_NULL(req);
    OK(entities_in(req) <= 3);
    fake_tag(req->body, "entity", 0, first[read], sizeof(first[read]));
  }
  OK(strcmp(first[0], first[1]) != 0);
  OK(strcmp(first[1], first[2]) != 0);
  OK(strcmp(first[0], first[2]) != 0);
  world_free(&w);
  return 0;
}

/* ---- carry-over ---- */

/* One host's VMs never answer in this read: the read ends without them
 * (carried), the others' values are out; the next read does not ask for
 * them again while their request is in flight, and their answer is
 * dispatched when it comes. */
DEF_TEST(carry_over_across_reads) {
  world_t w;
  world_init(&w, 4, 2, 1, 4);
  w.limits.batch_size = 2; /* by host: [vm-1 vm-3] [vm-2 vm-4] */
  world_start(&w);
  snprintf(w.vc.hang[w.vc.hang_num++], 32, "vm-1");
  EXPECT_EQ_INT(VS_OK, world_read(&w));
  EXPECT_EQ_INT(1, w.r.carried);
  EXPECT_EQ_INT(0, values_of("vm1"));
  EXPECT_EQ_INT(0, values_of("vm3"));
  EXPECT_EQ_INT(1, values_of("vm2"));
  EXPECT_EQ_INT(1, values_of("vm4"));
  OK(vs_inventory_find(&w.inv, "vm-1")->in_flight);
  /* the next read: not asked again */
  fake_forget_requests(&w.fake);
  w.vc.hang_num = 0;
  EXPECT_EQ_INT(VS_OK, world_read(&w));
  for (size_t i = 0; i < w.fake.requests_num; i++)
    OK(strstr(w.fake.requests[i].body, ">vm-1<") == NULL);
  EXPECT_EQ_INT(1, w.r.carried);
  /* it answers: dispatched at the next read */
  fake_release_hung(&w.fake);
  EXPECT_EQ_INT(VS_OK, world_read(&w));
  OK(values_of("vm1") >= 1);
  OK(values_of("vm3") >= 1);
  EXPECT_EQ_INT(0, w.r.carried);
  OK(!vs_inventory_find(&w.inv, "vm-1")->in_flight);
  world_free(&w);
  return 0;
}

/* ---- faults ---- */

/* A fault that names no object, about one VM of a batch of 8: after a read
 * in which requests succeeded, the batch is split in halves until the VM
 * is alone; it is left out, the 7 others get their values in the same
 * read, in few requests. */
DEF_TEST(isolates_the_object_an_unnamed_fault_is_about) {
  world_t w;
  world_init(&w, 8, 1, 1, 2);
  world_start(&w);
  EXPECT_EQ_INT(VS_OK, world_read(&w)); /* a good read: evidence */
  mock_values_reset();
  fake_forget_requests(&w.fake);
  snprintf(w.vc.marked[w.vc.marked_num++], 32, "vm-5");
  w.vc.fault_type = "SystemError";
  world_read(&w);
  for (int v = 1; v <= 8; v++) {
    char name[16];
    snprintf(name, sizeof(name), "vm%d", v);
    EXPECT_EQ_INT(v == 5 ? 0 : 1, values_of(name));
  }
  vs_object_t *bad = vs_inventory_find(&w.inv, "vm-5");
  OK(bad->gone);
  OK(bad->isolated);
  /* 1 batch + halves: 8 -> 4 -> 2 -> 1, and the host's request */
  OK(fake_count(&w.fake, "QueryPerf") <= 1 + 2 * 3 + 1);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR)); /* logged once */
  OK(w.r.refresh_at < INFINITY);             /* soon: a host may have gone */
  /* the next read does not ask for it */
  fake_forget_requests(&w.fake);
  world_read(&w);
  for (size_t i = 0; i < w.fake.requests_num; i++)
    OK(strstr(w.fake.requests[i].body, ">vm-5<") == NULL);
  EXPECT_EQ_INT(0, w.r.failed);
  world_free(&w);
  return 0;
}

/* ManagedObjectNotFound naming the VM: retried at once without it, the
 * inventory refreshed now. */
DEF_TEST(retries_without_the_named_object) {
  world_t w;
  world_init(&w, 6, 1, 1, 2);
  world_start(&w);
  snprintf(w.vc.marked[w.vc.marked_num++], 32, "vm-2");
  w.vc.fault_type = "ManagedObjectNotFound";
  w.vc.fault_named = true;
  world_read(&w);
  EXPECT_EQ_INT(0, values_of("vm2"));
  EXPECT_EQ_INT(5 + 1 + 1, w.r.entities); /* 5 others, host, datastore */
  OK(vs_inventory_find(&w.inv, "vm-2")->gone);
  EXPECT_EQ_DOUBLE(0, w.r.refresh_at);
  /* the batch, the same without vm-2, the host's and the datastore's */
  EXPECT_EQ_INT(4, fake_count(&w.fake, "QueryPerf"));
  world_free(&w);
  return 0;
}

/* Every request faults and nothing succeeded before: vCenter itself is in
 * trouble. No object is left out, no batch split: the same requests at
 * the next read. */
DEF_TEST(vcenter_wide_fault_takes_nothing_out) {
  world_t w;
  world_init(&w, 8, 2, 1, 2);
  world_start(&w);
  w.vc.fault_all = true;
  w.vc.fault_type = "SystemError";
  for (int read = 0; read < 3; read++)
    world_read(&w);
  /* VMs and hosts at every read, the datastore (300 s data) once a
   * minute */
  EXPECT_EQ_INT(3 * 2 + 1, fake_count(&w.fake, "QueryPerf"));
  for (size_t i = 0; i < w.inv.num; i++)
    OK(!w.inv.objects[i].gone);
  /* it ends: every VM and host at once */
  w.vc.fault_all = false;
  mock_values_reset();
  world_read(&w);
  EXPECT_EQ_INT(8 + 2, w.r.entities);
  world_free(&w);
  return 0;
}

/* NotAuthenticated in the middle of a read: everything in flight is
 * cancelled, no object stays marked in flight, and the caller learns the
 * session is gone. */
DEF_TEST(session_lost_mid_read) {
  world_t w;
  world_init(&w, 8, 2, 1, 4);
  w.limits.batch_size = 2;
  world_start(&w);
  /* by host, 2 a batch: [vm-1 vm-3] hangs, [vm-2 vm-4] loses the session */
  snprintf(w.vc.hang[w.vc.hang_num++], 32, "vm-1");
  snprintf(w.vc.marked[w.vc.marked_num++], 32, "vm-2");
  w.vc.fault_type = "NotAuthenticated";
  EXPECT_EQ_INT(VS_ERR_NOAUTH, world_read(&w));
  OK(w.r.session_lost);
  OK(!w.r.suspect);
  OK(w.fake.cancels >= 1);
  EXPECT_EQ_INT(0, w.fake.t.in_flight(&w.fake));
  for (size_t i = 0; i < w.inv.num; i++)
    OK(!w.inv.objects[i].in_flight);
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR)); /* the read loop's to say */
  world_free(&w);
  return 0;
}

/* A request that timed out: its objects are batched apart afterwards,
 * one ESXi host per batch, so a slow host costs no other object. */
DEF_TEST(timeout_batches_apart) {
  world_t w;
  world_init(&w, 6, 2, 1, 4);
  world_start(&w);
  snprintf(w.vc.marked[w.vc.marked_num++], 32, "vm-1");
  w.vc.timeout_marked = true;
  world_read(&w); /* all 6 VMs in one batch: timed out */
  EXPECT_EQ_INT(1, w.r.failed);
  for (int v = 1; v <= 6; v++) {
    char m[16];
    snprintf(m, sizeof(m), "vm-%d", v);
    OK(vs_inventory_find(&w.inv, m)->slow);
  }
  /* next read: host-1's VMs (1, 3, 5) apart from host-2's (2, 4, 6) */
  fake_forget_requests(&w.fake);
  w.vc.marked_num = 0;
  world_read(&w);
  size_t vm_requests = 0, vms = 0;
  for (size_t i = 0; i < w.fake.requests_num; i++) {
    const char *b = w.fake.requests[i].body;
    if (strstr(b, "VirtualMachine") == NULL)
      continue;
    vm_requests++;
    bool h1 = strstr(b, ">vm-1<") || strstr(b, ">vm-3<") || strstr(b, ">vm-5<");
    bool h2 = strstr(b, ">vm-2<") || strstr(b, ">vm-4<") || strstr(b, ">vm-6<");
    OK(h1 != h2); /* one host's VMs, never both */
    vms += entities_in(&w.fake.requests[i]);
  }
  OK(vm_requests >= 2); /* (rotation may cut one host's VMs in two) */
  EXPECT_EQ_INT(6, vms);
  world_free(&w);
  return 0;
}

/* ---- windows and counters ---- */

/* A historical object: its first query starts HistoricalLookBack before
 * vCenter's clock and carries no maxSample (vCenter ignores it there);
 * a realtime object's first query asks for the latest sample only. */
DEF_TEST(historical_first_window) {
  world_t w;
  world_init(&w, 1, 1, 1, 4);
  world_start(&w);
  world_read(&w);
  char start[64], want[64];
  for (size_t i = 0; i < w.fake.requests_num; i++) {
    const char *b = w.fake.requests[i].body;
    if (strstr(b, "Datastore") != NULL) {
      fake_tag(b, "startTime", 0, start, sizeof(start));
      vs_format_datetime(T0_US + 20000000 - INT64_C(900) * 1000000, want,
                         sizeof(want));
      EXPECT_EQ_STR(want, start);
      EXPECT_EQ_INT(0, fake_tag_count(b, "maxSample"));
      EXPECT_EQ_STR("300", fake_tag(b, "intervalId", 0, start, sizeof(start)));
    } else {
      EXPECT_EQ_INT(0, fake_tag_count(b, "startTime"));
      EXPECT_EQ_STR("1", fake_tag(b, "maxSample", 0, start, sizeof(start)));
    }
  }
  world_free(&w);
  return 0;
}

/* An answer with a counter id the catalog lacks: counted, reported (the
 * read loop reads the catalog again), not dispatched; one the catalog has
 * but nobody selected: ignored. */
DEF_TEST(counter_ids_the_catalog_lacks) {
  world_t w;
  world_init(&w, 2, 1, 1, 4);
  world_start(&w);
  w.vc.extra_counter = 9999;
  world_read(&w);
  EXPECT_EQ_INT(9999, w.r.unknown_counter_id);
  EXPECT_EQ_INT(2 + 1 + 1, w.r.unknown_values); /* VMs, host, datastore */
  EXPECT_EQ_INT(2 + 1 + 1, w.r.values);         /* the selected ones */
  w.vc.extra_counter = 300; /* in the catalog, not selected */
  world_read(&w);
  EXPECT_EQ_INT(-1, w.r.unknown_counter_id);
  EXPECT_EQ_INT(0, w.r.unknown_values);
  world_free(&w);
  return 0;
}

/* ---- the inventory changes under requests in flight ---- */

/* A request in flight while a discovery replaces the inventory (objects
 * in another order, one of them gone): the batch follows its objects into
 * the new inventory, the answer is dispatched to them. */
DEF_TEST(inventory_replaced_under_a_request) {
  world_t w;
  world_init(&w, 4, 1, 1, 4);
  world_start(&w);
  snprintf(w.vc.hang[w.vc.hang_num++], 32, "vm-2");
  world_read(&w); /* the VMs' request is carried */
  EXPECT_EQ_INT(1, w.r.carried);
  /* a new discovery: the VMs in reverse order, vm-4 gone */
  vs_inventory_t fresh;
  vs_inventory_init(&fresh);
  add_datacenter(&fresh, "datacenter-1", "DC1", "group-d1");
  add_folder(&fresh, "group-h4", "host", "datacenter-1");
  add_folder(&fresh, "group-v3", "vm", "datacenter-1");
  add_cluster(&fresh, "domain-c7", "C1", "group-h4");
  add_host(&fresh, "host-1", "esx1", "domain-c7");
  add_vm(&fresh, "vm-3", "vm3", "group-v3", "host-1");
  add_vm(&fresh, "vm-2", "vm2", "group-v3", "host-1");
  add_vm(&fresh, "vm-1", "vm1", "group-v3", "host-1");
  vs_inventory_finish(&fresh, &w.inv);
  vs_config_t ncfg;
  naming_config(&ncfg, "prod");
  vs_naming_apply(&fresh, &ncfg);
  for (size_t i = 0; i < fresh.num; i++)
    fresh.objects[i].selected = fresh.objects[i].kind >= 0;
  vs_inventory_t old = w.inv;
  w.inv = fresh;
  EXPECT_EQ_INT(0, vs_query_inventory_changed(w.q, &old));
  vs_inventory_free(&old);
  OK(vs_inventory_find(&w.inv, "vm-1")->in_flight);
  OK(vs_inventory_find(&w.inv, "vm-3")->in_flight);
  /* it answers */
  mock_values_reset();
  w.vc.hang_num = 0;
  fake_release_hung(&w.fake);
  world_read(&w);
  EXPECT_EQ_INT(1, values_of("vm1"));
  EXPECT_EQ_INT(1, values_of("vm2"));
  EXPECT_EQ_INT(1, values_of("vm3"));
  EXPECT_EQ_INT(0, values_of("vm4"));
  for (size_t i = 0; i < w.inv.num; i++)
    OK(!w.inv.objects[i].in_flight);
  world_free(&w);
  return 0;
}

int main(void) {
  RUN_TEST(batches_within_max_query_metrics);
  RUN_TEST(rotation);
  RUN_TEST(carry_over_across_reads);
  RUN_TEST(isolates_the_object_an_unnamed_fault_is_about);
  RUN_TEST(retries_without_the_named_object);
  RUN_TEST(vcenter_wide_fault_takes_nothing_out);
  RUN_TEST(session_lost_mid_read);
  RUN_TEST(timeout_batches_apart);
  RUN_TEST(historical_first_window);
  RUN_TEST(counter_ids_the_catalog_lacks);
  RUN_TEST(inventory_replaced_under_a_request);
  mock_reset();
  END_TEST;
}
