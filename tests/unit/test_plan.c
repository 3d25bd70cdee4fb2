/**
 * collectd-vsphere - tests/unit/test_plan.c
 * Query planning: batch sizes, batches, sample windows and order.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_inventory.h"
#include "vs_plan.h"

static int add(vs_inventory_t *inv, const char *type, const char *moref,
               const char *power, const char *connection) {
  vs_prop_t props[] = {
      {"name", moref},
      {"runtime.powerState", power},
      {"runtime.connectionState", connection},
  };
  return vs_inventory_add_props(inv, type, moref, props, 3);
}

/* index: 0 vm on, 1 host on, 2 vm off, 3 vm on, 4 host disconnected,
 * 5 vm on, 6 vm on, 7 datastore (ignored), 8 host on */
static void mixed_inventory(vs_inventory_t *inv) {
  vs_inventory_init(inv);
  add(inv, "VirtualMachine", "vm-0", "poweredOn", "connected");
  add(inv, "HostSystem", "host-1", "poweredOn", "connected");
  add(inv, "VirtualMachine", "vm-2", "poweredOff", "connected");
  add(inv, "VirtualMachine", "vm-3", "poweredOn", "connected");
  add(inv, "HostSystem", "host-4", "poweredOn", "disconnected");
  add(inv, "VirtualMachine", "vm-5", "poweredOn", "connected");
  add(inv, "VirtualMachine", "vm-6", "poweredOn", "connected");
  add(inv, "Datastore", "ds-7", "poweredOn", "connected");
  add(inv, "HostSystem", "host-8", "poweredOn", "connected");
  vs_inventory_finish(inv, NULL);
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

DEF_TEST(next_batch) {
  vs_inventory_t inv;
  mixed_inventory(&inv);
  EXPECT_EQ_INT(8, inv.num); /* the datastore was ignored */
  size_t out[16], cursor = 0;

  /* VMs, two at a time: 0,3 then 5,6 then none */
  EXPECT_EQ_INT(2, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 2));
  EXPECT_EQ_INT(0, out[0]);
  EXPECT_EQ_INT(3, out[1]);
  EXPECT_EQ_INT(4, cursor); /* just past the last one taken */
  EXPECT_EQ_INT(2, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 2));
  EXPECT_EQ_INT(5, out[0]);
  EXPECT_EQ_INT(6, out[1]);
  EXPECT_EQ_INT(0, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 2));
  EXPECT_EQ_INT(inv.num, cursor);
  EXPECT_EQ_INT(0, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 2));

  /* hosts, many at a time: the disconnected one is skipped */
  cursor = 0;
  EXPECT_EQ_INT(2, vs_plan_next_batch(&inv, VS_KIND_HOST, &cursor, out, 16));
  EXPECT_EQ_STR("host-1", inv.objects[out[0]].moref);
  EXPECT_EQ_STR("host-8", inv.objects[out[1]].moref);
  EXPECT_EQ_INT(inv.num, cursor);

  /* one at a time, each batch a single active VM */
  cursor = 0;
  size_t seen = 0;
  while (vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 1) == 1) {
    EXPECT_EQ_INT(VS_KIND_VM, inv.objects[out[0]].kind);
    OK(inv.objects[out[0]].active);
    seen++;
    if (seen > inv.num)
      break;
  }
  EXPECT_EQ_INT(4, seen);

  /* max 0: nothing, the cursor stays */
  cursor = 3;
  EXPECT_EQ_INT(0, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 0));
  EXPECT_EQ_INT(3, cursor);

  /* starting in the middle */
  cursor = 4;
  EXPECT_EQ_INT(2, vs_plan_next_batch(&inv, VS_KIND_VM, &cursor, out, 16));
  EXPECT_EQ_INT(5, out[0]);

  /* an empty inventory */
  vs_inventory_t empty;
  vs_inventory_init(&empty);
  cursor = 0;
  EXPECT_EQ_INT(0, vs_plan_next_batch(&empty, VS_KIND_VM, &cursor, out, 4));
  EXPECT_EQ_INT(0, cursor);
  vs_inventory_free(&empty);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(window) {
  int64_t start = 12345;
  int max = 12345;
  /* nothing dispatched yet: only the latest sample */
  vs_plan_window(-1, &start, &max);
  EXPECT_EQ_INT(-1, start);
  EXPECT_EQ_INT(1, max);

  /* later: everything after the newest dispatched, up to an hour */
  int64_t last = INT64_C(1704164645) * 1000000 + 123456;
  vs_plan_window(last, &start, &max);
  EXPECT_EQ_INT(last, start);
  EXPECT_EQ_INT(VS_REALTIME_MAX_SAMPLES, max);
  EXPECT_EQ_INT(180, max);

  vs_plan_window(0, &start, &max); /* the epoch is a time, not "none" */
  EXPECT_EQ_INT(0, start);
  EXPECT_EQ_INT(180, max);
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
  RUN_TEST(next_batch);
  RUN_TEST(window);
  RUN_TEST(order_samples);
  END_TEST;
}
