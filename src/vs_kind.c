/**
 * collectd-vsphere - vs_kind.c
 */
#include "vs_kind.h"

#include <string.h>

static const vs_kind_info_t kinds[VS_KIND_NUM] = {
    [VS_KIND_VM] = {.name = "vm", .mo_type = "VirtualMachine",
                    .interval_id = 20, .step_s = 20},
    [VS_KIND_HOST] = {.name = "host", .mo_type = "HostSystem",
                      .interval_id = 20, .step_s = 20},
};

static const struct {
  const char *type;
  int kind;
} mos[VS_MO_NUM] = {
    [VS_MO_FOLDER] = {"Folder", -1},
    [VS_MO_DATACENTER] = {"Datacenter", -1},
    [VS_MO_COMPUTE_RESOURCE] = {"ComputeResource", -1},
    [VS_MO_CLUSTER] = {"ClusterComputeResource", -1},
    [VS_MO_HOST] = {"HostSystem", VS_KIND_HOST},
    [VS_MO_VM] = {"VirtualMachine", VS_KIND_VM},
};

const vs_kind_info_t *vs_kind_info(vs_kind_t kind) { return &kinds[kind]; }

int vs_kind_from_mo_type(const char *mo_type) {
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (strcmp(kinds[k].mo_type, mo_type) == 0)
      return k;
  return -1;
}

int vs_mo_from_type(const char *mo_type) {
  for (int m = 0; m < VS_MO_NUM; m++)
    if (strcmp(mos[m].type, mo_type) == 0)
      return m;
  return -1;
}

const char *vs_mo_type_name(vs_mo_t mo) { return mos[mo].type; }

int vs_mo_kind(vs_mo_t mo) { return mos[mo].kind; }
