/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_kind.c
 */
#include "vs_kind.h"

#include <string.h>
#include <strings.h>

/* Realtime (20 s) data exists for hosts and VMs only; the others have
 * historical intervals, the first one 300 s. */
static const vs_kind_info_t kinds[VS_KIND_NUM] = {
    [VS_KIND_VM] = {.name = "vm",
                    .mo_type = "VirtualMachine",
                    .interval_id = 20,
                    .step_s = 20,
                    .collect = true,
                    .instances = true},
    [VS_KIND_HOST] = {.name = "host",
                      .mo_type = "HostSystem",
                      .interval_id = 20,
                      .step_s = 20,
                      .collect = true,
                      .instances = true},
    [VS_KIND_CLUSTER] = {.name = "cluster",
                         .mo_type = "ClusterComputeResource",
                         .interval_id = 300,
                         .step_s = 300,
                         .historical = true,
                         .collect = true},
    [VS_KIND_DATASTORE] = {.name = "datastore",
                           .mo_type = "Datastore",
                           .interval_id = 300,
                           .step_s = 300,
                           .historical = true,
                           .collect = true},
    [VS_KIND_RESOURCE_POOL] = {.name = "resourcepool",
                               .mo_type = "ResourcePool",
                               .interval_id = 300,
                               .step_s = 300,
                               .historical = true},
    [VS_KIND_DATACENTER] = {.name = "datacenter",
                            .mo_type = "Datacenter",
                            .interval_id = 300,
                            .step_s = 300,
                            .historical = true},
};

static const struct {
  const char *type;
  int kind;
} mos[VS_MO_NUM] = {
    [VS_MO_FOLDER] = {"Folder", -1},
    [VS_MO_DATACENTER] = {"Datacenter", VS_KIND_DATACENTER},
    [VS_MO_COMPUTE_RESOURCE] = {"ComputeResource", -1},
    [VS_MO_CLUSTER] = {"ClusterComputeResource", VS_KIND_CLUSTER},
    [VS_MO_HOST] = {"HostSystem", VS_KIND_HOST},
    [VS_MO_VM] = {"VirtualMachine", VS_KIND_VM},
    [VS_MO_DATASTORE] = {"Datastore", VS_KIND_DATASTORE},
    [VS_MO_RESOURCE_POOL] = {"ResourcePool", VS_KIND_RESOURCE_POOL},
};

const vs_kind_info_t *vs_kind_info(vs_kind_t kind) { return &kinds[kind]; }

int vs_kind_from_name(const char *name) {
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (strcasecmp(kinds[k].name, name) == 0)
      return k;
  return -1;
}

int vs_mo_from_type(const char *mo_type) {
  for (int m = 0; m < VS_MO_NUM; m++)
    if (strcmp(mos[m].type, mo_type) == 0)
      return m;
  /* vApps are resource pools to the plugin */
  if (strcmp(mo_type, "VirtualApp") == 0)
    return VS_MO_RESOURCE_POOL;
  return -1;
}

int vs_mo_kind(vs_mo_t mo) { return mos[mo].kind; }
