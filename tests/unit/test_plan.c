/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_plan.c
 * Query planning: batch sizes, the batching order (grouped by ESXi host,
 * then moref), the rotating walk of a read, sample windows and order.
 */
#include "inventory_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_inventory.h"
#include "vs_naming.h"
#include "vs_plan.h"

/* hosts: host-2 (index 1), host-1 (4), host-3 disconnected (7);
 * VMs: vm-10 and vm-2 on host-2, vm-9 and vm-11 on host-1, vm-100 off,
 * vm-5 on the disconnected host, vm-7 on a host not in the inventory,
 * vm-8 a template; a datastore and a cluster (collected kinds of their
 * own, always active: vCenter's own data). */
static void mixed_inventory(vs_inventory_t *inv) {
  vs_inventory_init(inv);
  add_vm(inv, "vm-10", "a", NULL, "host-2");                    /* 0 */
  add_host(inv, "host-2", "esx2", "domain-c1");                 /* 1 */
  add_vm(inv, "vm-9", "b", NULL, "host-1");                     /* 2 */
  add_vm(inv, "vm-11", "c", NULL, "host-1");                    /* 3 */
  add_host(inv, "host-1", "esx1", "domain-c1");                 /* 4 */
  add_vm(inv, "vm-2", "d", NULL, "host-2");                     /* 5 */
  inv_add(inv, "VirtualMachine", "vm-100", "e", NULL, "host-1", /* 6 */
          "poweredOff", "connected", "false");
  inv_add(inv, "HostSystem", "host-3", "esx3", "domain-c1", NULL, /* 7 */
          "poweredOn", "disconnected", NULL);
  add_vm(inv, "vm-5", "f", NULL, "host-3");                   /* 8 */
  add_vm(inv, "vm-7", "g", NULL, "host-99");                  /* 9 */
  inv_add(inv, "VirtualMachine", "vm-8", "h", NULL, "host-1", /* 10 */
          "poweredOn", "connected", "true");
  inv_add(inv, "Datastore", "datastore-1", "ds", NULL, NULL, NULL,
          NULL, /* 11 */
          NULL);
  add_cluster(inv, "domain-c1", "cl", NULL); /* 12 */
  vs_inventory_finish(inv, NULL);
}

static const char *moref_at(const vs_inventory_t *inv, size_t i) {
  return inv->objects[i].moref;
}

/* "vm-7,vm-2,..." */
static const char *morefs(const vs_inventory_t *inv, const size_t *idx,
                          size_t n, char *buf, size_t size) {
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "",
                            moref_at(inv, idx[i]));
  return buf;
}

DEF_TEST(entities_per_query) {
  /* the batch size when metrics allow */
  EXPECT_EQ_INT(64, vs_plan_entities_per_query(64, 50000, 23));
  EXPECT_EQ_INT(100, vs_plan_entities_per_query(100, 500, 5));
  /* fewer when entities x counters would pass max metrics */
  EXPECT_EQ_INT(99, vs_plan_entities_per_query(100, 499, 5));
  EXPECT_EQ_INT(43, vs_plan_entities_per_query(64, 1000, 23));
  EXPECT_EQ_INT(2173, vs_plan_entities_per_query(10000, 50000, 23));
  /* never below 1, even if one entity alone passes the bound */
  EXPECT_EQ_INT(1, vs_plan_entities_per_query(64, 10, 23));
  EXPECT_EQ_INT(1, vs_plan_entities_per_query(0, 50000, 10));
  EXPECT_EQ_INT(1, vs_plan_entities_per_query(-5, 50000, 10));
  EXPECT_EQ_INT(1, vs_plan_entities_per_query(1, 50000, 1));
  /* no counters, or no metric bound: the batch size alone */
  EXPECT_EQ_INT(10, vs_plan_entities_per_query(10, 100, 0));
  EXPECT_EQ_INT(10, vs_plan_entities_per_query(10, 0, 5));
  /* exact fit */
  EXPECT_EQ_INT(20, vs_plan_entities_per_query(64, 100, 5));
  return 0;
}

DEF_TEST(order_grouped_by_host) {
  vs_inventory_t inv;
  mixed_inventory(&inv);
  EXPECT_EQ_INT(13, inv.num); /* the datastore and the cluster are kept */
  EXPECT_EQ_INT(5, inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_DATASTORE]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_CLUSTER]);

  size_t *order = NULL, num = 99;
  char buf[256];
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  CHECK_NOT_NULL(order);
  EXPECT_EQ_INT(5, num);
  /* only active VMs: not vm-100 (off), vm-5 (host disconnected), vm-8
   * (template); each once */
  size_t bad = 0;
  for (size_t i = 0; i < num; i++) {
    const vs_object_t *o = &inv.objects[order[i]];
    if (o->kind != VS_KIND_VM || !o->active)
      bad++;
    for (size_t j = 0; j < i; j++)
      if (order[j] == order[i])
        bad++;
  }
  EXPECT_EQ_INT(0, bad);
  /* grouped by host: a host's VMs are neighbours, by moref within (vm-9
   * before vm-11, vm-2 before vm-10: as numbers) */
  for (size_t i = 0; i < num; i++)
    for (size_t j = i + 2; j < num; j++)
      if (inv.objects[order[i]].host == inv.objects[order[j]].host &&
          inv.objects[order[i + 1]].host != inv.objects[order[i]].host)
        bad++;
  for (size_t i = 1; i < num; i++)
    if (inv.objects[order[i]].host == inv.objects[order[i - 1]].host &&
        vs_moref_compare(moref_at(&inv, order[i - 1]),
                         moref_at(&inv, order[i])) >= 0)
      bad++;
  EXPECT_EQ_INT(0, bad);
  /* so, with the host of vm-7 unknown and host-2 found before host-1: */
  EXPECT_EQ_STR("vm-7,vm-2,vm-10,vm-9,vm-11",
                morefs(&inv, order, num, buf, sizeof(buf)));
  free(order);

  /* hosts: the active ones */
  order = NULL;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_HOST, &order, &num));
  CHECK_NOT_NULL(order);
  EXPECT_EQ_INT(2, num);
  morefs(&inv, order, num, buf, sizeof(buf));
  OK(strcmp(buf, "host-2,host-1") == 0 || strcmp(buf, "host-1,host-2") == 0);
  free(order);

  /* the kinds without a host: their own order, by moref */
  order = NULL;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_DATASTORE, &order, &num));
  CHECK_NOT_NULL(order);
  EXPECT_EQ_STR("datastore-1", morefs(&inv, order, num, buf, sizeof(buf)));
  free(order);
  order = NULL;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_RESOURCE_POOL, &order, &num));
  CHECK_NOT_NULL(order);
  EXPECT_EQ_INT(0, num);
  free(order);
  vs_inventory_free(&inv);

  /* an empty inventory: an empty (but freeable) order */
  vs_inventory_t empty;
  vs_inventory_init(&empty);
  vs_inventory_finish(&empty, NULL);
  order = NULL;
  EXPECT_EQ_INT(0, vs_plan_order(&empty, VS_KIND_VM, &order, &num));
  EXPECT_EQ_INT(0, num);
  free(order);
  vs_inventory_free(&empty);
  return 0;
}

/* An inventory of n active VMs vm-0..vm-(n-1), all on one host. */
static void vms(vs_inventory_t *inv, size_t n) {
  vs_inventory_init(inv);
  add_host(inv, "host-1", "esx", NULL);
  for (size_t i = 0; i < n; i++) {
    char moref[32];
    snprintf(moref, sizeof(moref), "vm-%zu", i);
    add_vm(inv, moref, moref, NULL, "host-1");
  }
  vs_inventory_finish(inv, NULL);
}

/* Walks a whole read in batches of `batch`; counts visits per VM number
 * into seen[] and returns the VM number of the first batch's head. */
static int walk_read(const vs_inventory_t *inv, const size_t *order, size_t num,
                     size_t *start, size_t batch, int *seen) {
  vs_plan_walk_t w;
  vs_plan_walk_begin(&w, order, num, *start);
  size_t out[64];
  int head = -1;
  size_t got, rounds = 0;
  while ((got = vs_plan_walk_next(&w, inv, out, batch)) > 0 && rounds++ < 100) {
    for (size_t i = 0; i < got; i++) {
      int n = atoi(moref_at(inv, out[i]) + 3);
      if (head < 0)
        head = n;
      seen[n]++;
    }
  }
  if (!vs_plan_walk_done(&w))
    head = -2;
  *start = vs_plan_walk_next_start(&w, batch);
  return head;
}

DEF_TEST(walk_rotates) {
  enum { N = 7, BATCH = 3 };
  vs_inventory_t inv;
  vms(&inv, N);
  size_t *order, num;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  EXPECT_EQ_INT(N, num);

  /* the first read: 0,1,2 | 3,4,5 | 6, then the next one starts a batch
   * further */
  vs_plan_walk_t w;
  vs_plan_walk_begin(&w, order, num, 0);
  size_t out[16];
  char buf[128];
  OK(!vs_plan_walk_done(&w));
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-0,vm-1,vm-2", morefs(&inv, out, 3, buf, sizeof(buf)));
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-3,vm-4,vm-5", morefs(&inv, out, 3, buf, sizeof(buf)));
  OK(!vs_plan_walk_done(&w));
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-6", morefs(&inv, out, 1, buf, sizeof(buf)));
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT(0, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_INT(3, vs_plan_walk_next_start(&w, BATCH));

  /* the second read starts there and wraps: 3,4,5 | 6,0,1 | 2 */
  vs_plan_walk_begin(&w, order, num, 3);
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-3,vm-4,vm-5", morefs(&inv, out, 3, buf, sizeof(buf)));
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-6,vm-0,vm-1", morefs(&inv, out, 3, buf, sizeof(buf)));
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, BATCH));
  EXPECT_EQ_STR("vm-2", morefs(&inv, out, 1, buf, sizeof(buf)));
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT(6, vs_plan_walk_next_start(&w, BATCH));

  /* over N reads: every read visits every VM exactly once, and every
   * VM leads a read once (the head rotates through all of them) */
  size_t start = 0;
  int heads[N] = {0};
  size_t bad = 0;
  for (int r = 0; r < N; r++) {
    int seen[N] = {0};
    int head = walk_read(&inv, order, num, &start, BATCH, seen);
    for (int i = 0; i < N; i++)
      if (seen[i] != 1)
        bad++;
    if (head < 0)
      bad++;
    else
      heads[head]++;
  }
  EXPECT_EQ_INT(0, bad);
  for (int i = 0; i < N; i++)
    EXPECT_EQ_INT(1, heads[i]);
  EXPECT_EQ_INT(0, start); /* 7 reads of 3: back to the start */

  /* a batch as large as the order: the start still moves (mod num) */
  vs_plan_walk_begin(&w, order, num, 2);
  EXPECT_EQ_INT(N, vs_plan_walk_next(&w, &inv, out, 16));
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT((2 + 16) % N, vs_plan_walk_next_start(&w, 16));
  /* a start past the end wraps */
  vs_plan_walk_begin(&w, order, num, N + 1);
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, 1));
  EXPECT_EQ_STR("vm-1", moref_at(&inv, out[0]));
  free(order);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(walk_skips_in_flight_and_gone) {
  enum { N = 6 };
  vs_inventory_t inv;
  vms(&inv, N);
  size_t *order, num;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  /* vm-1 still in flight from the last read, vm-4 deleted */
  vs_inventory_find(&inv, "vm-1")->in_flight = true;
  vs_inventory_find(&inv, "vm-4")->gone = true;
  vs_plan_walk_t w;
  size_t out[16];
  char buf[128];
  vs_plan_walk_begin(&w, order, num, 0);
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, 3));
  EXPECT_EQ_STR("vm-0,vm-2,vm-3", morefs(&inv, out, 3, buf, sizeof(buf)));
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, 3));
  EXPECT_EQ_STR("vm-5", morefs(&inv, out, 1, buf, sizeof(buf)));
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT(0, vs_plan_walk_next(&w, &inv, out, 3));
  /* every one in flight: a walk that finds nothing, and ends */
  for (size_t i = 0; i < num; i++)
    inv.objects[order[i]].in_flight = true;
  vs_plan_walk_begin(&w, order, num, 4);
  EXPECT_EQ_INT(0, vs_plan_walk_next(&w, &inv, out, 3));
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT((4 + 3) % N, vs_plan_walk_next_start(&w, 3));
  free(order);
  vs_inventory_free(&inv);
  return 0;
}

/* hosts host-1..3 with VMs vm-1..3, vm-4..5, vm-6..7 (batching order) */
static void three_hosts(vs_inventory_t *inv) {
  vs_inventory_init(inv);
  add_host(inv, "host-1", "esx1", NULL);
  add_host(inv, "host-2", "esx2", NULL);
  add_host(inv, "host-3", "esx3", NULL);
  const char *on[] = {NULL,     "host-1", "host-1", "host-1",
                      "host-2", "host-2", "host-3", "host-3"};
  for (int i = 1; i <= 7; i++) {
    char moref[16];
    snprintf(moref, sizeof(moref), "vm-%d", i);
    add_vm(inv, moref, moref, NULL, on[i]);
  }
  vs_inventory_finish(inv, NULL);
}

DEF_TEST(walk_slow_objects_batched_apart) {
  vs_inventory_t inv;
  three_hosts(&inv);
  size_t *order, num;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  char buf[128];
  EXPECT_EQ_STR("vm-1,vm-2,vm-3,vm-4,vm-5,vm-6,vm-7",
                morefs(&inv, order, num, buf, sizeof(buf)));
  /* the last queries of vm-2, vm-3 (host-1) and vm-4, vm-5 (host-2)
   * timed out */
  const char *slow[] = {"vm-2", "vm-3", "vm-4", "vm-5"};
  for (size_t i = 0; i < 4; i++)
    vs_inventory_find(&inv, slow[i])->slow = true;
  vs_plan_walk_t w;
  size_t out[16];
  vs_plan_walk_begin(&w, order, num, 0);
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, 16));
  EXPECT_EQ_STR("vm-1", morefs(&inv, out, 1, buf, sizeof(buf)));
  /* slow ones: a batch per host */
  EXPECT_EQ_INT(2, vs_plan_walk_next(&w, &inv, out, 16));
  EXPECT_EQ_STR("vm-2,vm-3", morefs(&inv, out, 2, buf, sizeof(buf)));
  EXPECT_EQ_INT(2, vs_plan_walk_next(&w, &inv, out, 16));
  EXPECT_EQ_STR("vm-4,vm-5", morefs(&inv, out, 2, buf, sizeof(buf)));
  OK(!vs_plan_walk_done(&w));
  EXPECT_EQ_INT(2, vs_plan_walk_next(&w, &inv, out, 16));
  EXPECT_EQ_STR("vm-6,vm-7", morefs(&inv, out, 2, buf, sizeof(buf)));
  OK(vs_plan_walk_done(&w));
  /* still bounded by the batch size */
  vs_plan_walk_begin(&w, order, num, 1);
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, 1));
  EXPECT_EQ_STR("vm-2", morefs(&inv, out, 1, buf, sizeof(buf)));
  EXPECT_EQ_INT(1, vs_plan_walk_next(&w, &inv, out, 1));
  EXPECT_EQ_STR("vm-3", morefs(&inv, out, 1, buf, sizeof(buf)));
  /* the walk still visits every object once, rotation included */
  size_t start = 5, bad = 0;
  for (int r = 0; r < 7; r++) {
    int seen[8] = {0};
    vs_plan_walk_begin(&w, order, num, start);
    size_t got, rounds = 0;
    while ((got = vs_plan_walk_next(&w, &inv, out, 3)) > 0 && rounds++ < 50) {
      /* a batch never mixes slow and other objects, nor two hosts'
       * slow objects */
      for (size_t i = 1; i < got; i++) {
        const vs_object_t *a = &inv.objects[out[0]], *b = &inv.objects[out[i]];
        if (a->slow != b->slow || (a->slow && a->host != b->host))
          bad++;
      }
      for (size_t i = 0; i < got; i++)
        seen[atoi(moref_at(&inv, out[i]) + 3)]++;
    }
    for (int i = 1; i <= 7; i++)
      if (seen[i] != 1)
        bad++;
    if (!vs_plan_walk_done(&w))
      bad++;
    start = vs_plan_walk_next_start(&w, 3);
  }
  EXPECT_EQ_INT(0, bad);
  free(order);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(walk_resumes_where_it_stopped) {
  enum { N = 10 };
  vs_inventory_t inv;
  vms(&inv, N);
  size_t *order, num;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  vs_plan_walk_t w;
  size_t out[16];
  char buf[128];
  /* the read's deadline came after one batch: the next read starts
   * right after it, not a batch after the start */
  vs_plan_walk_begin(&w, order, num, 8);
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, 3));
  EXPECT_EQ_STR("vm-8,vm-9,vm-0", morefs(&inv, out, 3, buf, sizeof(buf)));
  OK(!vs_plan_walk_done(&w));
  EXPECT_EQ_INT(1, vs_plan_walk_next_start(&w, 3));
  /* skipped objects count as walked */
  vs_inventory_find(&inv, "vm-2")->in_flight = true;
  vs_plan_walk_begin(&w, order, num, 1);
  EXPECT_EQ_INT(3, vs_plan_walk_next(&w, &inv, out, 3));
  EXPECT_EQ_STR("vm-1,vm-3,vm-4", morefs(&inv, out, 3, buf, sizeof(buf)));
  EXPECT_EQ_INT(5, vs_plan_walk_next_start(&w, 3));
  /* max 0: nothing taken, nothing walked */
  vs_plan_walk_begin(&w, order, num, 5);
  EXPECT_EQ_INT(0, vs_plan_walk_next(&w, &inv, out, 0));
  OK(!vs_plan_walk_done(&w));
  EXPECT_EQ_INT(5, vs_plan_walk_next_start(&w, 3));
  free(order);
  vs_inventory_free(&inv);

  /* an empty order: done at once, starts at 0 */
  vs_inventory_t empty;
  vs_inventory_init(&empty);
  vs_plan_walk_begin(&w, NULL, 0, 7);
  OK(vs_plan_walk_done(&w));
  EXPECT_EQ_INT(0, vs_plan_walk_next(&w, &empty, out, 4));
  EXPECT_EQ_INT(0, vs_plan_walk_next_start(&w, 4));
  vs_inventory_free(&empty);
  return 0;
}

DEF_TEST(window) {
  int64_t start = 12345;
  int max = 12345;
  /* nothing dispatched yet: only the latest sample */
  int64_t first = INT64_C(1704160000) * 1000000;
  vs_plan_window(-1, false, first, &start, &max);
  EXPECT_EQ_INT(-1, start);
  EXPECT_EQ_INT(1, max);

  /* later: everything after where the query starts (vs_series_query_from:
   * the mark, or before a hole), up to an hour */
  int64_t from = INT64_C(1704164645) * 1000000 + 123456;
  vs_plan_window(from, false, first, &start, &max);
  EXPECT_EQ_INT(from, start);
  EXPECT_EQ_INT(VS_REALTIME_MAX_SAMPLES, max);
  EXPECT_EQ_INT(180, max);

  vs_plan_window(0, false, first, &start, &max); /* the epoch is a time */
  EXPECT_EQ_INT(0, start);
  EXPECT_EQ_INT(180, max);
  return 0;
}

/* Historical intervals: always a startTime, never a maxSample (vCenter
 * ignores it there and answers everything it keeps without a start). */
DEF_TEST(window_historical) {
  int64_t start = 12345;
  int max = 12345;
  int64_t first = INT64_C(1704160000) * 1000000;
  vs_plan_window(-1, true, first, &start, &max);
  EXPECT_EQ_INT(first, start);
  EXPECT_EQ_INT(0, max);
  int64_t from = INT64_C(1704164645) * 1000000;
  vs_plan_window(from, true, first, &start, &max);
  EXPECT_EQ_INT(from, start);
  EXPECT_EQ_INT(0, max);
  return 0;
}

static const char *order_str(const int64_t *ts, size_t n, char *buf,
                             size_t size) {
  size_t order[512];
  for (size_t i = 0; i < n; i++)
    order[i] = 9999; /* must all be overwritten */
  vs_plan_order_samples(ts, n, order);
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%zu", i ? "," : "",
                            order[i]);
  return buf;
}

DEF_TEST(order_samples) {
  char buf[256];
  const int64_t newest_first[] = {30, 20, 10}; /* vcsim */
  EXPECT_EQ_STR("2,1,0", order_str(newest_first, 3, buf, sizeof(buf)));
  const int64_t oldest_first[] = {10, 20, 30}; /* vCenter */
  EXPECT_EQ_STR("0,1,2", order_str(oldest_first, 3, buf, sizeof(buf)));
  const int64_t mixed[] = {20, 10, 30, 5, 25};
  EXPECT_EQ_STR("3,1,0,4,2", order_str(mixed, 5, buf, sizeof(buf)));
  const int64_t ties[] = {10, 10, 5, 10};
  EXPECT_EQ_STR("2,0,1,3", order_str(ties, 4, buf, sizeof(buf))); /* stable */
  const int64_t one[] = {42};
  EXPECT_EQ_STR("0", order_str(one, 1, buf, sizeof(buf)));
  EXPECT_EQ_STR("", order_str(one, 0, buf, sizeof(buf)));
  const int64_t unparsable[] = {30, -1, 10}; /* -1: a bad timestamp */
  EXPECT_EQ_STR("1,2,0", order_str(unparsable, 3, buf, sizeof(buf)));

  /* the largest series, newest first */
  int64_t big[360];
  size_t order[360];
  for (size_t i = 0; i < 360; i++)
    big[i] = (int64_t)(360 - i) * 20000000;
  vs_plan_order_samples(big, 360, order);
  size_t wrong = 0;
  for (size_t i = 0; i < 360; i++)
    if (order[i] != 359 - i)
      wrong++;
  EXPECT_EQ_INT(0, wrong);
  return 0;
}

int main(void) {
  RUN_TEST(entities_per_query);
  RUN_TEST(order_grouped_by_host);
  RUN_TEST(walk_rotates);
  RUN_TEST(walk_skips_in_flight_and_gone);
  RUN_TEST(walk_resumes_where_it_stopped);
  RUN_TEST(walk_slow_objects_batched_apart);
  RUN_TEST(window);
  RUN_TEST(window_historical);
  RUN_TEST(order_samples);
  END_TEST;
}
