/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_inventory.c
 * The inventory: objects from property pages (every managed object type
 * discovery reads), the string arena, the hierarchy (parents,
 * datacenters, clusters, hosts), what is active, the collection state
 * moved across a refresh, and a full discovery answer captured from vcsim
 * (tests/unit/data/capture_discovery.sh).
 */
#include "inventory_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_inventory.h"
#include "vs_naming.h"
#include "vs_parse.h"
#include "vs_plan.h"
#include "vs_xml.h"

/* 2024-01-02T03:04:05.123456Z */
#define T0_US (INT64_C(1704164645) * 1000000 + 123456)
#define STEP_US INT64_C(20000000)

/* The old tests' helper: VMs get runtime.host, hosts get parent. */
static int add(vs_inventory_t *inv, const char *type, const char *moref,
               const char *name, const char *power, const char *connection,
               const char *parent) {
  bool host = strcmp(type, "HostSystem") == 0;
  return inv_add(inv, type, moref, name, host ? parent : NULL,
                 host ? NULL : parent, power, connection, NULL);
}

DEF_TEST(add_props) {
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-1", "web01", "poweredOn",
                       NULL, "host-10"));
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-2", "db01", "poweredOff",
                       NULL, "host-10"));
  EXPECT_EQ_INT(
      0, add(&inv, "VirtualMachine", "vm-3", "", "suspended", NULL, NULL));
  EXPECT_EQ_INT(0, add(&inv, "VirtualMachine", "vm-4", NULL, NULL, NULL, NULL));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-10", "esx10", "poweredOn",
                       "connected", "domain-c7"));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-11", "esx11", "poweredOn",
                       "disconnected", "domain-c7"));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-12", "esx12", "standBy",
                       "connected", NULL));
  EXPECT_EQ_INT(0, add(&inv, "HostSystem", "host-13", "esx13", "poweredOn",
                       "notResponding", NULL));
  /* datastores and resource pools (vApps too) are collected kinds now */
  EXPECT_EQ_INT(0, add(&inv, "Datastore", "ds-1", "ds", NULL, NULL, NULL));
  EXPECT_EQ_INT(
      0, add(&inv, "ResourcePool", "resgroup-1", "rp", NULL, NULL, NULL));
  EXPECT_EQ_INT(
      0, add(&inv, "VirtualApp", "resgroup-v2", "vapp", NULL, NULL, NULL));
  /* types the plugin does not read are ignored, without error */
  EXPECT_EQ_INT(
      0, add(&inv, "Network", "network-1", "VM Network", NULL, NULL, NULL));
  EXPECT_EQ_INT(0,
                add(&inv, "StoragePod", "group-p1", "pod", NULL, NULL, NULL));
  /* a cluster is kept (a kind of its own): it names the cluster of its
   * hosts too */
  EXPECT_EQ_INT(0, add(&inv, "ClusterComputeResource", "domain-c7", "c", NULL,
                       NULL, NULL));
  /* an object without a moref is ignored */
  EXPECT_EQ_INT(0,
                add(&inv, "VirtualMachine", "", "x", "poweredOn", NULL, NULL));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));

  EXPECT_EQ_INT(12, inv.num);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_HOST]);
  /* vCenter's own data: always queried */
  EXPECT_EQ_INT(1, inv.per_kind[VS_KIND_DATASTORE]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_DATASTORE]);
  EXPECT_EQ_INT(2, inv.per_kind[VS_KIND_RESOURCE_POOL]);
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_RESOURCE_POOL]);
  EXPECT_EQ_INT(1, inv.per_kind[VS_KIND_CLUSTER]);
  EXPECT_EQ_INT(1, inv.active_per_kind[VS_KIND_CLUSTER]);
  EXPECT_EQ_INT(0, inv.per_kind[VS_KIND_DATACENTER]);

  vs_object_t *o = vs_inventory_find(&inv, "vm-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_VM, o->kind);
  EXPECT_EQ_INT(VS_MO_VM, o->mo);
  OK(o->active);
  EXPECT_EQ_STR("web01", o->name);
  EXPECT_EQ_STR("vm-1", o->moref);
  EXPECT_EQ_STR("host-10", o->host_ref);
  EXPECT_EQ_INT(inv_index(&inv, "host-10"), o->host);
  EXPECT_EQ_INT(-1, o->mark_us);
  EXPECT_EQ_INT(0, o->series.num);
  OK(!o->gone && !o->in_flight && !o->dup_logged);

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
  EXPECT_EQ_STR("", o->host_ref);
  EXPECT_EQ_INT(-1, o->host);
  EXPECT_EQ_INT(-1, o->parent);

  o = vs_inventory_find(&inv, "host-10");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_HOST, o->kind);
  OK(o->active);
  EXPECT_EQ_STR("esx10", o->name);
  EXPECT_EQ_STR("domain-c7", o->parent_ref);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"), o->parent);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"), o->compute);
  EXPECT_EQ_INT(inv_index(&inv, "host-10"), o->host); /* itself */
  OK(!vs_inventory_find(&inv, "host-11")->active);    /* disconnected */
  OK(!vs_inventory_find(&inv, "host-12")->active);    /* standby */
  OK(!vs_inventory_find(&inv, "host-13")->active);    /* not responding */

  o = vs_inventory_find(&inv, "domain-c7");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_CLUSTER, o->kind);
  EXPECT_EQ_INT(VS_MO_CLUSTER, o->mo);
  OK(o->active);
  OK(o->selected);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"), o->compute); /* itself */
  EXPECT_EQ_INT(-1, o->host);
  o = vs_inventory_find(&inv, "ds-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_DATASTORE, o->kind);
  EXPECT_EQ_INT(VS_MO_DATASTORE, o->mo);
  EXPECT_EQ_STR("ds", o->name);
  OK(o->active && o->selected);
  EXPECT_EQ_INT(-1, o->host);
  OK(o->states == NULL && o->states_num == 0); /* none read */
  o = vs_inventory_find(&inv, "resgroup-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, o->kind);
  EXPECT_EQ_INT(VS_MO_RESOURCE_POOL, o->mo);
  o = vs_inventory_find(&inv, "resgroup-v2"); /* a vApp: a pool */
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, o->kind);
  EXPECT_EQ_INT(VS_MO_RESOURCE_POOL, o->mo);
  OK(vs_inventory_find(&inv, "network-1") == NULL);
  OK(vs_inventory_find(&inv, "group-p1") == NULL);
  OK(vs_inventory_find(&inv, "vm-99") == NULL);
  OK(vs_inventory_find(&inv, "") == NULL);
  vs_inventory_free(&inv);
  EXPECT_EQ_INT(0, inv.num);

  /* an inventory never finished finds nothing, and does not crash */
  vs_inventory_init(&inv);
  OK(vs_inventory_find(&inv, "vm-1") == NULL);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(strings_arena) {
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  EXPECT_EQ_STR("", vs_inventory_intern(&inv, ""));
  EXPECT_EQ_STR("", vs_inventory_intern(&inv, NULL));
  const char *a = vs_inventory_intern(&inv, "alpha");
  const char *b = vs_inventory_intern(&inv, "beta");
  EXPECT_EQ_STR("alpha", a);
  EXPECT_EQ_STR("beta", b);
  OK(a != b);
  /* a copy, not the caller's buffer */
  char tmp[16] = "gamma";
  const char *c = vs_inventory_intern(&inv, tmp);
  OK(c != tmp);
  tmp[0] = 'X';
  EXPECT_EQ_STR("gamma", c);
  /* strings never move while the arena grows (the index points into
   * them), whatever their size */
  char big[5000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  const char *first_big = vs_inventory_intern(&inv, big);
  for (int i = 0; i < 1000; i++)
    vs_inventory_intern(&inv, big + (i % 4000));
  EXPECT_EQ_STR("alpha", a);
  EXPECT_EQ_STR("beta", b);
  EXPECT_EQ_STR("gamma", c);
  EXPECT_EQ_STR(big, first_big);
  OK(!inv.strings.failed);
  OK(inv.strings.bytes >= 1000 * 1000); /* accounted */
  /* vs_inv_at: -1 and out of range are NULL */
  OK(vs_inv_at(&inv, -1) == NULL);
  OK(vs_inv_at(&inv, 0) == NULL);
  add_vm(&inv, "vm-1", "a", NULL, NULL);
  OK(vs_inv_at(&inv, 0) == &inv.objects[0]);
  OK(vs_inv_at(&inv, 1) == NULL);
  /* an object's strings are never NULL for a collected object */
  const vs_object_t *o = &inv.objects[0];
  OK(o->moref != NULL && o->name != NULL && o->uuid != NULL &&
     o->parent_ref != NULL && o->host_ref != NULL);
  vs_inventory_free(&inv);
  EXPECT_EQ_INT(0, inv.strings.bytes);
  return 0;
}

/* Added children first, parents last: resolution must not depend on the
 * order of the answer. */
static void hierarchy(vs_inventory_t *inv) {
  vs_inventory_init(inv);
  /* VMs */
  add_vm(inv, "vm-30", "nested-vm", "group-v11", "host-8");
  add_vm(inv, "vm-31", "standalone-vm", "group-v3", "host-21");
  add_vm(inv, "vm-40", "vapp-vm", "resgroup-v99", "host-9");
  add_vm(inv, "vm-62", "b-vm", "group-v50", "host-61");
  add_vm(inv, "vm-72", "cycle-vm", "group-v70", "host-61");
  add_vm(inv, "vm-73", "orphan-vm", "group-v70", "host-404");
  /* hosts */
  add_host(inv, "host-8", "esx8", "domain-c7");
  add_host(inv, "host-9", "esx9", "domain-c7");
  add_host(inv, "host-21", "esx21", "domain-s20");
  add_host(inv, "host-61", "esx61", "domain-c60");
  /* compute resources */
  add_cluster(inv, "domain-c7", "Cluster1", "group-h12");
  add_compute(inv, "domain-s20", "esx21", "group-h4");
  add_cluster(inv, "domain-c60", "Cluster1", "group-h51");
  /* folders: DC-A's vm folder nests two deep, its host folder one */
  add_folder(inv, "group-v11", "deeper", "group-v10");
  add_folder(inv, "group-v10", "nested", "group-v3");
  add_folder(inv, "group-v3", "vm", "datacenter-1");
  add_folder(inv, "group-h12", "rack1", "group-h4");
  add_folder(inv, "group-h4", "host", "datacenter-1");
  add_folder(inv, "group-v50", "vm", "datacenter-2");
  add_folder(inv, "group-h51", "host", "datacenter-2");
  /* a parent cycle (a malformed answer) */
  add_folder(inv, "group-v70", "loop-a", "group-v71");
  add_folder(inv, "group-v71", "loop-b", "group-v70");
  /* datacenters, under the root folder that a view does not list */
  add_datacenter(inv, "datacenter-1", "DC-A", "group-d1");
  add_datacenter(inv, "datacenter-2", "DC-B", "group-d1");
}

#define DC_OF(inv, m) inv_name_at(inv, vs_inventory_find(inv, m)->datacenter)
#define CL_OF(inv, m) inv_name_at(inv, vs_inventory_find(inv, m)->compute)
#define HOST_OF(inv, m) inv_name_at(inv, vs_inventory_find(inv, m)->host)
#define PARENT_OF(inv, m) inv_name_at(inv, vs_inventory_find(inv, m)->parent)

DEF_TEST(hierarchy_resolution) {
  vs_inventory_t inv;
  hierarchy(&inv);
  EXPECT_EQ_INT(24, inv.num);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  EXPECT_EQ_INT(6, inv.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_HOST]);
  const char *must_exist[] = {"vm-30",      "vm-31",     "vm-40",
                              "vm-62",      "vm-72",     "vm-73",
                              "host-8",     "host-21",   "domain-c7",
                              "domain-s20", "group-v11", "datacenter-1"};
  for (size_t i = 0; i < sizeof(must_exist) / sizeof(must_exist[0]); i++)
    CHECK_NOT_NULL(vs_inventory_find(&inv, must_exist[i]));

  /* the structure */
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "datacenter-1")->parent);
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "datacenter-1"));
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "group-v11"));
  EXPECT_EQ_STR("nested", PARENT_OF(&inv, "group-v11"));
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "domain-c7"));
  EXPECT_EQ_STR("Cluster1", CL_OF(&inv, "domain-c7"));
  EXPECT_EQ_STR("esx21", CL_OF(&inv, "domain-s20"));
  EXPECT_EQ_INT(VS_MO_COMPUTE_RESOURCE,
                vs_inventory_find(&inv, "domain-s20")->mo);
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "group-v11")->compute);
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "group-v11")->host);

  /* hosts: cluster (through a nested host folder), stand-alone */
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "host-8"));
  EXPECT_EQ_STR("Cluster1", CL_OF(&inv, "host-8"));
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"),
                vs_inventory_find(&inv, "host-9")->compute);
  EXPECT_EQ_STR("esx8", HOST_OF(&inv, "host-8"));
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "host-21"));
  EXPECT_EQ_INT(inv_index(&inv, "domain-s20"),
                vs_inventory_find(&inv, "host-21")->compute);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c60"),
                vs_inventory_find(&inv, "host-61")->compute);
  EXPECT_EQ_STR("DC-B", DC_OF(&inv, "host-61"));

  /* VMs: the datacenter from the folder path, cluster and ESXi host from
   * the host */
  vs_object_t *o = vs_inventory_find(&inv, "vm-30");
  EXPECT_EQ_INT(inv_index(&inv, "group-v11"), o->parent);
  EXPECT_EQ_INT(inv_index(&inv, "host-8"), o->host);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"), o->compute);
  EXPECT_EQ_INT(inv_index(&inv, "datacenter-1"), o->datacenter);
  o = vs_inventory_find(&inv, "vm-31");
  EXPECT_EQ_INT(inv_index(&inv, "domain-s20"), o->compute);
  EXPECT_EQ_STR("esx21", HOST_OF(&inv, "vm-31"));
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "vm-31"));
  /* a parent that is not in the inventory (a vApp): the host's datacenter */
  o = vs_inventory_find(&inv, "vm-40");
  EXPECT_EQ_INT(-1, o->parent);
  EXPECT_EQ_STR("resgroup-v99", o->parent_ref);
  EXPECT_EQ_STR("DC-A", DC_OF(&inv, "vm-40"));
  EXPECT_EQ_INT(inv_index(&inv, "domain-c7"), o->compute);
  EXPECT_EQ_STR("esx9", HOST_OF(&inv, "vm-40"));
  /* the other datacenter, with a cluster of the same name */
  EXPECT_EQ_INT(inv_index(&inv, "datacenter-2"),
                vs_inventory_find(&inv, "vm-62")->datacenter);
  EXPECT_EQ_INT(inv_index(&inv, "domain-c60"),
                vs_inventory_find(&inv, "vm-62")->compute);

  /* the cycle ends (bounded walk): no datacenter above the loop, so the
   * VM takes its host's */
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "group-v70")->datacenter);
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "group-v71")->datacenter);
  EXPECT_EQ_STR("loop-b", PARENT_OF(&inv, "group-v70"));
  EXPECT_EQ_STR("DC-B", DC_OF(&inv, "vm-72"));
  EXPECT_EQ_INT(inv_index(&inv, "domain-c60"),
                vs_inventory_find(&inv, "vm-72")->compute);
  /* in the loop and on an unknown host: nothing to resolve, still kept */
  o = vs_inventory_find(&inv, "vm-73");
  EXPECT_EQ_INT(-1, o->datacenter);
  EXPECT_EQ_INT(-1, o->compute);
  EXPECT_EQ_INT(-1, o->host);
  OK(o->active); /* powered on and connected; its host is not known */

  /* naming sees the same: the default identities */
  mock_reset();
  vs_config_t cfg;
  naming_config(&cfg, "vc");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_STR("vc:DC-A:Cluster1", id_pi_of(&inv, "vm-30"));
  EXPECT_EQ_STR("vc:DC-A:esx21", id_pi_of(&inv, "vm-31"));
  EXPECT_EQ_STR("vc:DC-A:Cluster1", id_pi_of(&inv, "vm-40"));
  EXPECT_EQ_STR("vc:DC-B:Cluster1", id_pi_of(&inv, "vm-62"));
  EXPECT_EQ_STR("vc:DC-B:Cluster1", id_pi_of(&inv, "vm-72"));
  EXPECT_EQ_STR("vc::", id_pi_of(&inv, "vm-73"));
  EXPECT_EQ_INT(0, inv.duplicates);
  vs_inventory_free(&inv);

  /* a self-parent and a very long chain end too (the walk is bounded;
   * vm-2's datacenter, 201 levels up, is past any real nesting) */
  vs_inventory_init(&inv);
  add_folder(&inv, "group-v1", "self", "group-v1");
  char moref[32], parent[32];
  for (int i = 0; i < 200; i++) { /* deeper than any real inventory */
    snprintf(moref, sizeof(moref), "group-c%d", i);
    snprintf(parent, sizeof(parent), "group-c%d", i + 1);
    add_folder(&inv, moref, moref, parent);
  }
  add_datacenter(&inv, "group-c200", "far", NULL);
  add_vm(&inv, "vm-1", "v", "group-v1", NULL);
  add_vm(&inv, "vm-2", "w", "group-c0", NULL);
  add_vm(&inv, "vm-3", "x", "group-c190", NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL)); /* and returns */
  EXPECT_EQ_INT(-1, vs_inventory_find(&inv, "vm-1")->datacenter);
  EXPECT_EQ_STR("far", DC_OF(&inv, "vm-3"));
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(active_decisions) {
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  /* hosts */
  add_host(&inv, "host-1", "ok", NULL);
  inv_add(&inv, "HostSystem", "host-2", "disc", NULL, NULL, "poweredOn",
          "disconnected", NULL);
  inv_add(&inv, "HostSystem", "host-3", "noresp", NULL, NULL, "poweredOn",
          "notResponding", NULL);
  inv_add(&inv, "HostSystem", "host-4", "standby", NULL, NULL, "standBy",
          "connected", NULL);
  inv_add(&inv, "HostSystem", "host-5", "noconn", NULL, NULL, "poweredOn", NULL,
          NULL); /* a server that does not send the state */
  inv_add(&inv, "HostSystem", "host-6", "nopower", NULL, NULL, NULL,
          "connected", NULL);
  inv_add(&inv, "HostSystem", "host-7", "off", NULL, NULL, "poweredOff",
          "connected", NULL);
  /* VMs */
  add_vm(&inv, "vm-1", "ok", NULL, "host-1");
  add_vm(&inv, "vm-2", "on-disconnected-host", NULL, "host-2");
  add_vm(&inv, "vm-3", "on-not-responding-host", NULL, "host-3");
  add_vm(&inv, "vm-4", "on-standby-host", NULL, "host-4");
  add_vm(&inv, "vm-5", "on-host-without-state", NULL, "host-5");
  add_vm(&inv, "vm-6", "unknown-host", NULL, "host-404");
  add_vm(&inv, "vm-7", "no-host", NULL, NULL);
  inv_add(&inv, "VirtualMachine", "vm-10", "template", NULL, "host-1",
          "poweredOn", "connected", "true");
  inv_add(&inv, "VirtualMachine", "vm-11", "orphaned", NULL, "host-1",
          "poweredOn", "orphaned", "false");
  inv_add(&inv, "VirtualMachine", "vm-12", "inaccessible", NULL, "host-1",
          "poweredOn", "inaccessible", "false");
  inv_add(&inv, "VirtualMachine", "vm-13", "invalid", NULL, "host-1",
          "poweredOn", "invalid", "false");
  inv_add(&inv, "VirtualMachine", "vm-14", "disconnected", NULL, "host-1",
          "poweredOn", "disconnected", "false");
  inv_add(&inv, "VirtualMachine", "vm-15", "suspended", NULL, "host-1",
          "suspended", "connected", "false");
  inv_add(&inv, "VirtualMachine", "vm-16", "off", NULL, "host-1", "poweredOff",
          "connected", "false");
  inv_add(&inv, "VirtualMachine", "vm-17", "bare", NULL, "host-1", "poweredOn",
          NULL, NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));

  struct {
    const char *moref;
    bool active, template_, connected, powered_on;
  } want[] = {
      {"host-1", true, false, true, true},
      {"host-2", false, false, false, true},
      {"host-3", false, false, false, true},
      {"host-4", false, false, true, false},
      {"host-5", true, false, true, true},
      {"host-6", false, false, true, false},
      {"host-7", false, false, true, false},
      {"vm-1", true, false, true, true},
      {"vm-2", false, false, true, true}, /* its host is disconnected */
      {"vm-3", false, false, true, true}, /* its host does not respond */
      {"vm-4", true, false, true, true},  /* the host's power is its own */
      {"vm-5", true, false, true, true},
      {"vm-6", true, false, true, true}, /* unknown host: still asked */
      {"vm-7", true, false, true, true},
      {"vm-10", false, true, true, true}, /* templates have no data */
      {"vm-11", false, false, false, true},
      {"vm-12", false, false, false, true},
      {"vm-13", false, false, false, true},
      {"vm-14", false, false, false, true},
      {"vm-15", false, false, true, false},
      {"vm-16", false, false, true, false},
      {"vm-17", true, false, true, true},
  };
  size_t active[VS_KIND_NUM] = {0};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    const vs_object_t *o = vs_inventory_find(&inv, want[i].moref);
    CHECK_NOT_NULL(o);
    if (o->active != want[i].active || o->template_ != want[i].template_ ||
        o->connected != want[i].connected ||
        o->powered_on != want[i].powered_on) {
      printf("# %s: active %d template %d connected %d on %d\n", want[i].moref,
             o->active, o->template_, o->connected, o->powered_on);
      OK(0);
    }
    if (want[i].active)
      active[o->kind]++;
  }
  EXPECT_EQ_INT(7, inv.per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(15, inv.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(active[VS_KIND_HOST], inv.active_per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(active[VS_KIND_VM], inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(6, inv.active_per_kind[VS_KIND_VM]);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(finish_moves_state) {
  vs_inventory_t old, fresh;
  vs_inventory_init(&old);
  add(&old, "VirtualMachine", "vm-1", "a", "poweredOn", NULL, NULL);
  add(&old, "VirtualMachine", "vm-2", "b", "poweredOn", NULL, NULL);
  add(&old, "HostSystem", "host-1", "h", "poweredOn", "connected", NULL);
  add(&old, "VirtualMachine", "vm-5", "dup", "poweredOn", NULL, NULL);
  add(&old, "VirtualMachine", "obj-7", "was a VM", "poweredOn", NULL, NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&old, NULL));

  vs_object_t *o = vs_inventory_find(&old, "vm-1");
  o->mark_us = T0_US;
  o->gone = true;
  o->gone_until = 12345.5;
  o->in_flight = true;
  o->slow = true;
  vs_series_state_t *st = vs_series_get(&o->series, 2, "");
  CHECK_NOT_NULL(st);
  st->last_us = T0_US;
  st = vs_series_get(&o->series, 6, "vmnic0");
  CHECK_NOT_NULL(st);
  st->last_us = T0_US;
  st->holes = 1;
  const vs_series_state_t *items = o->series.items;
  const char *names = o->series.names;
  o = vs_inventory_find(&old, "host-1");
  o->mark_us = T0_US + STEP_US;
  CHECK_NOT_NULL(vs_series_get(&o->series, 2, ""));
  /* vm-2 goes away with its series (freed with the old inventory) */
  o = vs_inventory_find(&old, "vm-2");
  o->mark_us = T0_US;
  CHECK_NOT_NULL(vs_series_get(&o->series, 2, "gone-with-it"));
  vs_inventory_find(&old, "vm-5")->dup_logged = true;
  o = vs_inventory_find(&old, "obj-7");
  o->mark_us = T0_US;
  CHECK_NOT_NULL(vs_series_get(&o->series, 2, ""));

  /* vm-2 is gone, vm-3 is new, vm-1 was renamed and moved in the list,
   * obj-7 is now (absurdly) a host: another object */
  vs_inventory_init(&fresh);
  add(&fresh, "VirtualMachine", "vm-3", "c", "poweredOn", NULL, NULL);
  add(&fresh, "HostSystem", "host-1", "h", "poweredOn", "connected", NULL);
  add(&fresh, "VirtualMachine", "vm-1", "a-renamed", "poweredOn", NULL, NULL);
  add(&fresh, "VirtualMachine", "vm-5", "dup", "poweredOn", NULL, NULL);
  add(&fresh, "HostSystem", "obj-7", "now a host", "poweredOn", "connected",
      NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&fresh, &old));

  /* moved, not copied: the old objects keep nothing */
  o = vs_inventory_find(&old, "vm-1");
  EXPECT_EQ_INT(0, o->series.num);
  OK(o->series.items == NULL);
  OK(o->series.names == NULL);
  EXPECT_EQ_INT(0, vs_series_table_bytes(&o->series));
  EXPECT_EQ_INT(0, vs_inventory_find(&old, "host-1")->series.num);
  /* what was not carried stays with the old inventory */
  EXPECT_EQ_INT(1, vs_inventory_find(&old, "vm-2")->series.num);
  EXPECT_EQ_INT(1, vs_inventory_find(&old, "obj-7")->series.num);
  vs_inventory_free(&old); /* fresh must not depend on it */

  o = vs_inventory_find(&fresh, "vm-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR("a-renamed", o->name);
  EXPECT_EQ_INT(T0_US, o->mark_us);
  EXPECT_EQ_INT(2, o->series.num);
  OK(o->series.items == items); /* the same table */
  OK(o->series.names == names);
  st = vs_series_get(&o->series, 6, "vmnic0");
  CHECK_NOT_NULL(st);
  EXPECT_EQ_INT(T0_US, st->last_us);
  EXPECT_EQ_INT(1, st->holes);
  EXPECT_EQ_INT(2, o->series.num); /* found, not created */
  /* what queries learnt goes on: its last query timed out (slow), and
   * how long it stays left out after a fault (gone_until) */
  OK(o->slow);
  EXPECT_EQ_DOUBLE(12345.5, o->gone_until);
  /* per-read flags start afresh (gone is decided again from gone_until
   * when the queries are planned) */
  OK(!o->gone);
  OK(!o->in_flight);
  OK(!o->dup_logged);
  o = vs_inventory_find(&fresh, "host-1");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(T0_US + STEP_US, o->mark_us);
  EXPECT_EQ_INT(1, o->series.num);
  o = vs_inventory_find(&fresh, "vm-3");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(-1, o->mark_us);
  EXPECT_EQ_INT(0, o->series.num);
  OK(!o->slow);
  EXPECT_EQ_DOUBLE(0, o->gone_until);
  OK(vs_inventory_find(&fresh, "vm-5")->dup_logged);
  o = vs_inventory_find(&fresh, "obj-7");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_INT(VS_KIND_HOST, o->kind);
  EXPECT_EQ_INT(-1, o->mark_us);
  EXPECT_EQ_INT(0, o->series.num);
  OK(vs_inventory_find(&fresh, "vm-2") == NULL);

  /* no old inventory, or an empty one: nothing to carry */
  vs_inventory_t empty, again;
  vs_inventory_init(&empty);
  vs_inventory_init(&again);
  add(&again, "VirtualMachine", "vm-1", "a", "poweredOn", NULL, NULL);
  EXPECT_EQ_INT(0, vs_inventory_finish(&again, &empty));
  EXPECT_EQ_INT(-1, vs_inventory_find(&again, "vm-1")->mark_us);
  vs_inventory_free(&again);
  vs_inventory_free(&empty);
  vs_inventory_free(&fresh);
  return 0;
}

/* An update applied without a full pass: the current objects, less those
 * that left, with those that changed or entered (from `delta`) instead;
 * then finished against the current inventory, whose series move over. */
DEF_TEST(merge_applies_an_update) {
  vs_inventory_t cur, delta, out;
  vs_inventory_init(&cur);
  vs_inventory_init(&delta);
  vs_inventory_init(&out);
  add_datacenter(&cur, "datacenter-1", "DC1", "");
  add_folder(&cur, "folder-1", "vm", "datacenter-1");
  add_host(&cur, "host-1", "esx1", "datacenter-1");
  add_vm(&cur, "vm-1", "a", "folder-1", "host-1");
  add_vm(&cur, "vm-2", "b", "folder-1", "host-1");
  add_vm(&cur, "vm-3", "c", "folder-1", "host-1");
  EXPECT_EQ_INT(0, vs_inventory_finish(&cur, NULL));
  vs_object_t *o = vs_inventory_find(&cur, "vm-1");
  CHECK_NOT_NULL(vs_series_get(&o->series, 2, ""));
  o->mark_us = T0_US;
  o->states = calloc(1, sizeof(*o->states));
  CHECK_NOT_NULL(o->states);
  o->states_num = 1;
  o->states_us = T0_US;
  vs_state_value_t *kept = o->states;
  o = vs_inventory_find(&cur, "vm-2");
  CHECK_NOT_NULL(vs_series_get(&o->series, 2, ""));
  o->mark_us = T0_US;

  /* vm-2 renamed and powered off, vm-4 new, vm-3 left (and a vm-5 that
   * entered and left within the same update) */
  inv_add(&delta, "VirtualMachine", "vm-2", "b-renamed", "folder-1", "host-1",
          "poweredOff", "connected", "false");
  add_vm(&delta, "vm-4", "d", "folder-1", "host-1");
  add_vm(&delta, "vm-5", "e", "folder-1", "host-1");
  vs_index_t left;
  CHECK_ZERO(vs_index_init(&left, 4));
  CHECK_ZERO(vs_index_put(&left, "vm-3", 1));
  CHECK_ZERO(vs_index_put(&left, "vm-5", 1));
  EXPECT_EQ_INT(0, vs_inventory_merge(&out, &cur, &delta, &left));
  EXPECT_EQ_INT(0, vs_inventory_finish(&out, &cur));
  vs_index_free(&left);
  vs_inventory_free(&delta);
  /* state values moved, not copied */
  OK(vs_inventory_find(&cur, "vm-1")->states == NULL);
  vs_inventory_free(&cur); /* out must not depend on it */

  EXPECT_EQ_INT(6, out.num);
  OK(vs_inventory_find(&out, "vm-3") == NULL);
  OK(vs_inventory_find(&out, "vm-5") == NULL);
  o = vs_inventory_find(&out, "vm-1");
  CHECK_NOT_NULL(o);
  OK(o->states == kept && o->states_num == 1);
  EXPECT_EQ_INT(T0_US, o->states_us);
  EXPECT_EQ_INT(1, o->series.num);
  EXPECT_EQ_INT(T0_US, o->mark_us);
  OK(o->active);
  EXPECT_EQ_STR("DC1", inv_name_at(&out, o->datacenter));
  o = vs_inventory_find(&out, "vm-2");
  CHECK_NOT_NULL(o);
  EXPECT_EQ_STR("b-renamed", o->name);
  OK(!o->active);
  EXPECT_EQ_INT(1, o->series.num); /* its series go on */
  o = vs_inventory_find(&out, "vm-4");
  CHECK_NOT_NULL(o);
  OK(o->active);
  EXPECT_EQ_STR("esx1", inv_name_at(&out, o->host));
  EXPECT_EQ_INT(3, out.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(2, out.active_per_kind[VS_KIND_VM]);
  vs_inventory_free(&out);
  return 0;
}

static void count_changed(void *ctx, const char *type, const char *moref,
                          bool left) {
  (void)type;
  (void)moref;
  (void)left;
  (*(int *)ctx)++;
}

/* A VM moref of shard `k` (0-based) of n. */
static void moref_of_shard(int k, int n, char *buf, size_t size) {
  for (int i = 1; i < 1000; i++) {
    snprintf(buf, size, "vm-%d", i);
    if (vs_shard_of(buf, n) == k)
      return;
  }
}

DEF_TEST(shard_keeps_the_state_of_its_own_objects) {
  char mine[32], other[32];
  moref_of_shard(0, 2, mine, sizeof(mine));
  moref_of_shard(1, 2, other, sizeof(other));
  vs_discovery_t what = {.states = true, .shard_k = 1, .shard_n = 2};
  what.kinds[VS_KIND_VM] = true;
  OK(vs_discovery_collects(&what, VS_KIND_VM, mine));
  OK(!vs_discovery_collects(&what, VS_KIND_VM, other));
  OK(!vs_discovery_collects(&what, VS_KIND_HOST, mine)); /* not wanted */
  OK(!vs_discovery_collects(&what, -1, mine));           /* structure */

  char doc[4096];
#define ENTER(m)                                                               \
  "<objectSet><kind>enter</kind><obj type=\"VirtualMachine\">%s</obj>"         \
  "<changeSet><name>name</name><op>assign</op><val>n-%s</val></changeSet>"     \
  "<changeSet><name>runtime.powerState</name><op>assign</op><val>poweredOn"    \
  "</val></changeSet></objectSet>"
#define POWER_OFF(m)                                                           \
  "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">%s</obj>"        \
  "<changeSet><name>runtime.powerState</name><op>assign</op><val>poweredOff"   \
  "</val></changeSet></objectSet>"
  snprintf(
      doc, sizeof(doc),
      "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://"
      "schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
      "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval><version>"
      "1</version><filterSet><filter>f</filter>" ENTER(m) ENTER(m) POWER_OFF(m)
          POWER_OFF(
              m) "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">%s"
                 "</obj><changeSet><name>name</name><op>assign</op><val>renamed"
                 "</val></changeSet></objectSet></filterSet></returnval>"
                 "</WaitForUpdatesExResponse></soapenv:Body></"
                 "soapenv:Envelope>",
      mine, mine, other, other, mine, other, other);
#undef ENTER
#undef POWER_OFF
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  vs_inventory_reader_t r;
  vs_inventory_reader_init(&r, &inv, &what);
  int changed = 0;
  r.changed = count_changed;
  r.changed_ctx = &changed;
  vs_prop_page_t *page = calloc(1, sizeof(*page));
  CHECK_NOT_NULL(page);
  vs_inventory_reader_page(&r, page);
  vs_xml_handler_t h = vs_parse_prop_page(page);
  vs_xml_stream_t *xs = vs_xml_stream_create(&h);
  CHECK_NOT_NULL(xs);
  EXPECT_EQ_INT(0, vs_xml_stream_feed(xs, doc, strlen(doc)));
  EXPECT_EQ_INT(0, vs_xml_stream_finish(xs));
  vs_xml_stream_destroy(xs);
  free(page);
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  /* both objects known (naming sees every object), the state values of
   * this shard's only */
  vs_object_t *m = vs_inventory_find(&inv, mine);
  vs_object_t *o = vs_inventory_find(&inv, other);
  CHECK_NOT_NULL(m);
  CHECK_NOT_NULL(o);
  OK(m->states_num > 0);
  EXPECT_EQ_INT(0, o->states_num);
  /* changes: this shard's power-off and the other's rename are read
   * again; the other's power-off is not */
  EXPECT_EQ_INT(2, changed);
  EXPECT_EQ_INT(1, r.ignored);
  vs_state_scratch_reset(&r.scratch);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(many_objects) {
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
    if (o == NULL || strcmp(o->name, name) != 0 || o->active != (i % 3 != 0))
      wrong++;
  }
  EXPECT_EQ_INT(0, wrong);
  /* a refresh of the same objects moves every state */
  for (size_t i = 0; i < inv.num; i++)
    inv.objects[i].mark_us = (int64_t)i;
  vs_inventory_t fresh;
  vs_inventory_init(&fresh);
  for (int i = N - 1; i >= 0; i--) {
    char moref[32];
    snprintf(moref, sizeof(moref), "vm-%d", i);
    add(&fresh, "VirtualMachine", moref, moref, "poweredOn", NULL, NULL);
  }
  EXPECT_EQ_INT(0, vs_inventory_finish(&fresh, &inv));
  wrong = 0;
  for (int i = 0; i < N; i++) {
    char moref[32];
    snprintf(moref, sizeof(moref), "vm-%d", i);
    if (vs_inventory_find(&fresh, moref)->mark_us !=
        vs_inventory_find(&inv, moref)->mark_us)
      wrong++;
  }
  EXPECT_EQ_INT(0, wrong);
  vs_inventory_free(&fresh);
  vs_inventory_free(&inv);
  return 0;
}

/* Was a bug (src/vs_inventory.c, vs_inventory_add_props): the header says names
 * are "cut at a UTF-8 character boundary", but the name is copied into its
 * VS_PAGE_MAX_VALUE buffer with vs_strlcpy, which cuts a character in two
 * when the value is longer (the property page parser bounds values with
 * vs_utf8_copy, so only a caller that passes a longer value is hit). The
 * broken name then reaches the arena and the duplicate WARNING. Fix:
 * vs_utf8_copy(name, prop(props, props_num, "name"), sizeof(name)). */
DEF_TEST(long_name_cut_at_utf8_boundary) {
  char name[700 * 2 + 1];
  for (int i = 0; i < 700; i++)
    memcpy(name + 2 * i, "\xc3\xa9", 2); /* é */
  name[1400] = 0;
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  EXPECT_EQ_INT(0, add_vm(&inv, "vm-1", name, NULL, NULL));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  const char *kept = vs_inventory_find(&inv, "vm-1")->name;
  OK(utf8_valid(kept));
  OK(strlen(kept) < VS_PAGE_MAX_VALUE);
  vs_inventory_free(&inv);
  return 0;
}

/* ==== a full discovery answer from vcsim ==== */

static void on_object(void *ctx, const char *type, const char *moref,
                      const vs_prop_t *props, size_t props_num) {
  if (vs_inventory_add_props(ctx, type, moref, props, props_num) != 0)
    printf("# out of memory adding %s\n", moref);
}

static int load_discovery(vs_inventory_t *inv, size_t chunk) {
  size_t len;
  char *data = mock_read_data("vcsim_discovery.xml", &len);
  if (data == NULL)
    return -1;
  static vs_prop_page_t page;
  vs_prop_page_init(&page, on_object, inv);
  vs_xml_handler_t h = vs_parse_prop_page(&page);
  h.expect = "RetrievePropertiesExResponse";
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  int rc = s == NULL ? -1 : 0;
  for (size_t off = 0; rc == 0 && off < len; off += chunk)
    rc = vs_xml_stream_feed(s, data + off,
                            len - off < chunk ? len - off : chunk);
  if (rc == 0)
    rc = vs_xml_stream_finish(s);
  if (rc != 0 || page.token[0] != 0 || page.objects != 38)
    rc = -1;
  vs_xml_stream_destroy(s);
  free(data);
  return rc;
}

/* "DC1_C0_RP0_VM1" -> "DC1_C0" (the first two fields of a vcsim name) */
static void prefix2(const char *name, char *buf, size_t size) {
  vs_utf8_copy(buf, name, size);
  char *u = strchr(buf, '_');
  if (u != NULL && (u = strchr(u + 1, '_')) != NULL)
    *u = 0;
}

DEF_TEST(vcsim_discovery) {
  mock_reset();
  vs_inventory_t inv;
  vs_inventory_init(&inv);
  EXPECT_EQ_INT(0, load_discovery(&inv, 7));
  EXPECT_EQ_INT(0, vs_inventory_finish(&inv, NULL));
  /* 2 datacenters x (2 clusters x 2 hosts + 1 stand-alone host), 2 VMs
   * per stand-alone host and per cluster; 4 folders per datacenter */
  EXPECT_EQ_INT(38, inv.num);
  EXPECT_EQ_INT(12, inv.per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(12, inv.active_per_kind[VS_KIND_VM]);
  EXPECT_EQ_INT(10, inv.per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(10, inv.active_per_kind[VS_KIND_HOST]);
  EXPECT_EQ_INT(4, inv.per_kind[VS_KIND_CLUSTER]);
  EXPECT_EQ_INT(4, inv.active_per_kind[VS_KIND_CLUSTER]);
  EXPECT_EQ_INT(2, inv.per_kind[VS_KIND_DATACENTER]);
  EXPECT_EQ_INT(2, inv.active_per_kind[VS_KIND_DATACENTER]);
  size_t mo[VS_MO_NUM] = {0};
  for (size_t i = 0; i < inv.num; i++)
    mo[inv.objects[i].mo]++;
  EXPECT_EQ_INT(8, mo[VS_MO_FOLDER]);
  EXPECT_EQ_INT(2, mo[VS_MO_DATACENTER]);
  EXPECT_EQ_INT(4, mo[VS_MO_CLUSTER]);
  EXPECT_EQ_INT(2, mo[VS_MO_COMPUTE_RESOURCE]);

  /* every VM and host: datacenter and cluster as its vcsim name says
   * ("DC1_C0_RP0_VM1": DC1, cluster DC1_C0; "DC0_H0_VM0": DC0, the
   * stand-alone host's compute resource DC0_H0), a uuid, a host */
  size_t bad = 0;
  for (size_t i = 0; i < inv.num; i++) {
    const vs_object_t *o = &inv.objects[i];
    if (o->mo == VS_MO_CLUSTER || o->mo == VS_MO_DATACENTER) {
      /* a cluster is its own cluster; a datacenter its own datacenter */
      const char *name = o->name;
      char dc[8];
      vs_utf8_copy(dc, name, 4);
      if (!o->active || !o->selected ||
          strcmp(inv_name_at(&inv, o->datacenter), dc) != 0 ||
          (o->mo == VS_MO_CLUSTER && o->compute != (int)i) ||
          (o->mo == VS_MO_DATACENTER && o->datacenter != (int)i) ||
          o->host != -1) {
        printf("# %s (%s)\n", o->moref, name);
        bad++;
      }
      continue;
    }
    if (o->kind < 0)
      continue;
    const char *name = o->name;
    char dc[8], cl[32];
    vs_utf8_copy(dc, name, 4);
    prefix2(name, cl, sizeof(cl));
    const vs_object_t *c = vs_inv_at(&inv, o->compute);
    const vs_object_t *h = vs_inv_at(&inv, o->host);
    if (strcmp(inv_name_at(&inv, o->datacenter), dc) != 0 ||
        strcmp(inv_name_at(&inv, o->compute), cl) != 0 || c == NULL ||
        c->mo !=
            (strstr(name, "_C") ? VS_MO_CLUSTER : VS_MO_COMPUTE_RESOURCE) ||
        h == NULL || h->mo != VS_MO_HOST || h->compute != o->compute ||
        strlen(o->uuid) != 36 || o->template_ || !o->connected ||
        !o->powered_on || !o->active) {
      printf("# %s (%s): dc %s cluster %s\n", o->moref, name,
             inv_name_at(&inv, o->datacenter), inv_name_at(&inv, o->compute));
      bad++;
    }
    if (o->mo == VS_MO_VM && strcmp(inv_name_at(&inv, o->parent), "vm") != 0)
      bad++; /* vcsim puts every VM in the datacenter's vm folder */
  }
  EXPECT_EQ_INT(0, bad);
  /* spot checks */
  EXPECT_EQ_STR("DC0_C0_H1", HOST_OF(&inv, "vm-141"));
  EXPECT_EQ_STR("DC0_C0", CL_OF(&inv, "vm-141"));
  EXPECT_EQ_STR("DC1", DC_OF(&inv, "vm-168"));
  EXPECT_EQ_STR("bfff331f-7f07-572d-951e-edd3701dc061",
                vs_inventory_find(&inv, "vm-141")->uuid);
  EXPECT_EQ_STR("dcf7fb3c-4a1c-5a05-b730-5e09f3704e2f",
                vs_inventory_find(&inv, "host-21")->uuid);
  EXPECT_EQ_STR("DC0_H0", CL_OF(&inv, "host-21"));

  /* identities with the default formats: no two alike */
  vs_config_t cfg;
  naming_config(&cfg, "vcsim");
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_INT(0, inv.duplicates);
  EXPECT_EQ_INT(0, mock_log_count(LOG_WARNING));
  EXPECT_EQ_STR("DC0_C0_RP0_VM0", id_host_of(&inv, "vm-141"));
  EXPECT_EQ_STR("vcsim:DC0:DC0_C0", id_pi_of(&inv, "vm-141"));
  EXPECT_EQ_STR("DC0_H0_VM0", id_host_of(&inv, "vm-135"));
  EXPECT_EQ_STR("vcsim:DC0:DC0_H0", id_pi_of(&inv, "vm-135"));
  EXPECT_EQ_STR("DC1_C1_H1", id_host_of(&inv, "host-122"));
  EXPECT_EQ_STR("vcsim:DC1:DC1_C1", id_pi_of(&inv, "host-122"));
  /* and with the uuid */
  cfg.hostname_format = format_of("uuid");
  OK(vs_naming_needs_uuid(&cfg));
  EXPECT_EQ_INT(0, vs_naming_apply(&inv, &cfg));
  EXPECT_EQ_STR("bfff331f-7f07-572d-951e-edd3701dc061",
                id_host_of(&inv, "vm-141"));

  /* the batching order groups each host's VMs */
  size_t *order, num;
  EXPECT_EQ_INT(0, vs_plan_order(&inv, VS_KIND_VM, &order, &num));
  EXPECT_EQ_INT(12, num);
  for (size_t i = 0; i < num; i++)
    for (size_t j = i + 2; j < num; j++)
      if (inv.objects[order[i]].host == inv.objects[order[j]].host &&
          inv.objects[order[i + 1]].host != inv.objects[order[i]].host)
        bad++;
  EXPECT_EQ_INT(0, bad);
  free(order);

  /* the same answer again, a byte at a time, as the next refresh: the
   * same result, every state carried over */
  for (size_t i = 0; i < inv.num; i++)
    inv.objects[i].mark_us = 1000 + (int64_t)i;
  vs_inventory_t fresh;
  vs_inventory_init(&fresh);
  EXPECT_EQ_INT(0, load_discovery(&fresh, 1));
  EXPECT_EQ_INT(0, vs_inventory_finish(&fresh, &inv));
  EXPECT_EQ_INT(38, fresh.num);
  for (size_t i = 0; i < fresh.num; i++) {
    const vs_object_t *o = &fresh.objects[i];
    const vs_object_t *p = vs_inventory_find(&inv, o->moref);
    if (p == NULL || strcmp(o->name, p->name) != 0 ||
        o->datacenter != p->datacenter || o->compute != p->compute ||
        o->host != p->host || o->mark_us != (o->kind >= 0 ? p->mark_us : -1))
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  vs_inventory_free(&fresh);
  vs_inventory_free(&inv);
  return 0;
}

DEF_TEST(widest_discovery_fits_a_page) {
  /* Every kind, every state, the uuids: the paths asked for per type fit
   * what the page parser keeps per object (a longer table fails here,
   * not as properties silently missing at an operator's). */
  vs_discovery_t all = {.states = true, .uuid = true};
  for (int k = 0; k < VS_KIND_NUM; k++)
    all.kinds[k] = true;
  vs_error_t err = {0};
  EXPECT_EQ_INT(VS_OK, vs_inventory_check_specs(&all, &err));
  all.states = false;
  all.uuid = false;
  EXPECT_EQ_INT(VS_OK, vs_inventory_check_specs(&all, &err));
  return 0;
}

/* The paths asked of a type, or NULL when the type is not asked. */
static const vs_prop_spec_t *spec_of(const vs_spec_set_t *set,
                                     const char *type) {
  for (size_t i = 0; i < set->num; i++)
    if (strcmp(set->specs[i].type, type) == 0)
      return &set->specs[i];
  return NULL;
}

static bool asks(const vs_prop_spec_t *spec, const char *path) {
  for (size_t i = 0; spec != NULL && i < spec->paths_num; i++)
    if (strcmp(spec->paths[i], path) == 0)
      return true;
  return false;
}

DEF_TEST(datastores_read_for_their_names) {
  /* VMs collected, datastores not: their names and urls are read all the
   * same (DatastoreNames), without their state paths */
  vs_discovery_t what = {.states = true, .datastore_names = true};
  what.kinds[VS_KIND_VM] = true;
  vs_spec_set_t set;
  vs_error_t err;
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  const vs_prop_spec_t *ds = spec_of(&set, "Datastore");
  CHECK_NOT_NULL(ds);
  OK(asks(ds, "name") && asks(ds, "summary.url"));
  OK(!asks(ds, "summary.capacity"));
  /* collected: state paths and the url */
  what.kinds[VS_KIND_DATASTORE] = true;
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  ds = spec_of(&set, "Datastore");
  OK(asks(ds, "summary.url") && asks(ds, "summary.capacity"));
  /* DatastoreNames false, datastores not collected: not read */
  what.kinds[VS_KIND_DATASTORE] = false;
  what.datastore_names = false;
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  OK(spec_of(&set, "Datastore") == NULL);
  /* neither VMs nor hosts: no counter has a datastore instance */
  what.datastore_names = true;
  what.kinds[VS_KIND_VM] = false;
  what.kinds[VS_KIND_HOST] = false;
  what.kinds[VS_KIND_CLUSTER] = true;
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  OK(spec_of(&set, "Datastore") == NULL);
  /* the optional paths go with the state paths */
  what.kinds[VS_KIND_VM] = what.kinds[VS_KIND_HOST] = true;
  what.optional = (vs_state_options_t){true, true, true};
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  OK(asks(spec_of(&set, "HostSystem"), VS_PATH_SENSORS));
  OK(asks(spec_of(&set, "VirtualMachine"), VS_PATH_FILES));
  OK(asks(spec_of(&set, "VirtualMachine"), VS_PATH_ATTRIBUTES));
  OK(asks(spec_of(&set, "ClusterComputeResource"), VS_PATH_ATTRIBUTES));
  what.optional = (vs_state_options_t){0};
  EXPECT_EQ_INT(VS_OK, vs_inventory_specs(&what, &set, &err));
  OK(!asks(spec_of(&set, "HostSystem"), VS_PATH_SENSORS));
  OK(!asks(spec_of(&set, "VirtualMachine"), VS_PATH_FILES));

  /* a datastore's id survives a merge (the update stream's copies) */
  vs_inventory_t cur, delta, out;
  vs_inventory_init(&cur);
  vs_inventory_init(&delta);
  vs_inventory_init(&out);
  add_datacenter(&cur, "datacenter-1", "DC1", "group-d1");
  add_folder(&cur, "group-s5", "datastore", "datacenter-1");
  add_datastore(&cur, "datastore-11", "gold", "group-s5",
                "ds:///vmfs/volumes/5b7ee5c9-4e8f1921/");
  CHECK_ZERO(vs_inventory_finish(&cur, NULL));
  add_datastore(&delta, "datastore-12", "silver", "group-s5",
                "ds:///vmfs/volumes/77aa-88bb/");
  CHECK_ZERO(vs_inventory_merge(&out, &cur, &delta, NULL));
  CHECK_ZERO(vs_inventory_finish(&out, &cur));
  EXPECT_EQ_STR("gold", vs_inventory_datastore_name(&out, "5b7ee5c9-4e8f1921"));
  EXPECT_EQ_STR("silver", vs_inventory_datastore_name(&out, "77aa-88bb"));
  vs_inventory_free(&out);
  vs_inventory_free(&delta);
  vs_inventory_free(&cur);
  return 0;
}

int main(void) {
  RUN_TEST(add_props);
  RUN_TEST(widest_discovery_fits_a_page);
  RUN_TEST(strings_arena);
  RUN_TEST(hierarchy_resolution);
  RUN_TEST(active_decisions);
  RUN_TEST(finish_moves_state);
  RUN_TEST(merge_applies_an_update);
  RUN_TEST(shard_keeps_the_state_of_its_own_objects);
  RUN_TEST(many_objects);
  RUN_TEST(vcsim_discovery);
  RUN_TEST(long_name_cut_at_utf8_boundary);
  RUN_TEST(datastores_read_for_their_names);
  mock_reset();
  END_TEST;
}
