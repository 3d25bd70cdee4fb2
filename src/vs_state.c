/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_state.c
 */
#include "vs_state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
  /* VirtualMachine */
  VM_POWER_STATE,
  VM_BOOT_TIME,
  VM_UPTIME,
  VM_VCPUS,
  VM_MEMORY,
  VM_OVERALL_STATUS,
  VM_TOOLS_RUNNING,
  VM_TOOLS_VERSION_STATUS,
  VM_SNAPSHOTS,
  VM_SNAPSHOT_OLDEST_AGE,
  VM_GUEST_DISK_CAPACITY,
  VM_GUEST_DISK_FREE,
  VM_ALARMS,
  /* HostSystem */
  HOST_POWER_STATE,
  HOST_CONNECTION_STATE,
  HOST_MAINTENANCE_MODE,
  HOST_STANDBY_MODE,
  HOST_BOOT_TIME,
  HOST_UPTIME,
  HOST_CPU_CAPACITY,
  HOST_CPU_USAGE,
  HOST_MEMORY_CAPACITY,
  HOST_MEMORY_USAGE,
  HOST_OVERALL_STATUS,
  HOST_VMS,
  HOST_ALARMS,
  /* Datastore */
  DS_CAPACITY,
  DS_FREE,
  DS_UNCOMMITTED,
  DS_PROVISIONED,
  DS_USED,
  DS_ACCESSIBLE,
  DS_MAINTENANCE_MODE,
  DS_TYPE,
  DS_HOSTS,
  DS_VMS,
  DS_OVERALL_STATUS,
  DS_ALARMS,
  /* ClusterComputeResource */
  CL_HOSTS,
  CL_EFFECTIVE_HOSTS,
  CL_CPU_TOTAL,
  CL_CPU_EFFECTIVE,
  CL_MEMORY_TOTAL,
  CL_MEMORY_EFFECTIVE,
  CL_OVERALL_STATUS,
  CL_ALARMS,
  /* ResourcePool */
  RP_CPU_USAGE,
  RP_MEMORY_USAGE,
  RP_VMS,
  RP_OVERALL_STATUS,
  RP_ALARMS,
  /* Datacenter */
  DC_OVERALL_STATUS,
  DC_ALARMS,
  /* added later: kept after the others so earlier indexes stay */
  VM_SNAPSHOT_BYTES,
  HOST_SENSOR_READING,
  HOST_SENSOR_HEALTH,
  VM_ATTRIBUTE,
  HOST_ATTRIBUTE,
  DS_ATTRIBUTE,
  CL_ATTRIBUTE,
  RP_ATTRIBUTE,
  DC_ATTRIBUTE,
  /* vSphere tags: dispatched from vs_tags (REST), not from properties */
  VM_TAG,
  HOST_TAG,
  DS_TAG,
  CL_TAG,
  RP_TAG,
  DC_TAG,
  /* triggered alarms by name */
  VM_ALARM,
  HOST_ALARM,
  DS_ALARM,
  CL_ALARM,
  RP_ALARM,
  DC_ALARM,
  STATE_TYPES_NUM
};

#define STATUS "gray 0, green 1, yellow 2, red 3 (overallStatus)"
#define ALARMS "triggered alarms; type instance red or yellow"
#define TAG                                                                    \
  "always 1; type instance \"<category>:<tag>\" (vSphere tag; TagInterval)"
#define ALARM                                                                  \
  "green 0, yellow 1, red 2; type instance the alarm's name (a triggered "     \
  "alarm about the object itself)"
#define ATTRIBUTE                                                              \
  "always 1; type instance \"<attribute>:<value>\" (custom attribute)"

const vs_state_type_t vs_state_types[STATE_TYPES_NUM] = {
    [VM_POWER_STATE] = {"vm_power_state", VS_KIND_VM, "state",
                        "poweredOff 0, poweredOn 1, suspended 2"},
    [VM_BOOT_TIME] = {"vm_boot_time_seconds", VS_KIND_VM, "seconds",
                      "runtime.bootTime, seconds since the epoch"},
    [VM_UPTIME] = {"vm_uptime_seconds", VS_KIND_VM, "seconds",
                   "seconds since runtime.bootTime (powered-on VMs)"},
    [VM_VCPUS] = {"vm_vcpus", VS_KIND_VM, "number",
                  "virtual CPUs (summary.config.numCpu)"},
    [VM_MEMORY] = {"vm_memory_bytes", VS_KIND_VM, "bytes",
                   "configured memory (summary.config.memorySizeMB)"},
    [VM_OVERALL_STATUS] = {"vm_overall_status", VS_KIND_VM, "state", STATUS},
    [VM_TOOLS_RUNNING] = {"vm_tools_running", VS_KIND_VM, "state",
                          "guestToolsNotRunning 0, guestToolsRunning 1, "
                          "guestToolsExecutingScripts 2"},
    [VM_TOOLS_VERSION_STATUS] = {"vm_tools_version_status", VS_KIND_VM, "state",
                                 "guestToolsNotInstalled 0, guestToolsCurrent "
                                 "1, guestToolsNeedUpgrade 2, "
                                 "guestToolsSupportedOld 3, "
                                 "guestToolsSupportedNew 4, guestToolsTooOld "
                                 "5, guestToolsTooNew 6, guestToolsUnmanaged "
                                 "7, guestToolsBlacklisted 8"},
    [VM_SNAPSHOTS] = {"vm_snapshots", VS_KIND_VM, "number",
                      "snapshots in the VM's snapshot tree"},
    [VM_SNAPSHOT_OLDEST_AGE] = {"vm_snapshot_oldest_age_seconds", VS_KIND_VM,
                                "seconds",
                                "age of the oldest snapshot (VMs with one)"},
    [VM_GUEST_DISK_CAPACITY] = {"vm_guest_disk_capacity_bytes", VS_KIND_VM,
                                "bytes",
                                "guest file system size; type instance the "
                                "mount point (VMware Tools report it)"},
    [VM_GUEST_DISK_FREE] = {"vm_guest_disk_free_bytes", VS_KIND_VM, "bytes",
                            "guest file system free space; type instance "
                            "the mount point"},
    [VM_ALARMS] = {"vm_alarms", VS_KIND_VM, "number", ALARMS},
    [HOST_POWER_STATE] = {"host_power_state", VS_KIND_HOST, "state",
                          "poweredOff 0, poweredOn 1, standBy 2, unknown 3"},
    [HOST_CONNECTION_STATE] = {"host_connection_state", VS_KIND_HOST, "state",
                               "disconnected 0, connected 1, notResponding 2"},
    [HOST_MAINTENANCE_MODE] = {"host_maintenance_mode", VS_KIND_HOST, "state",
                               "not in maintenance mode 0, in it 1"},
    [HOST_STANDBY_MODE] = {"host_standby_mode", VS_KIND_HOST, "state",
                           "none 0, entering 1, exiting 2, in 3"},
    [HOST_BOOT_TIME] = {"host_boot_time_seconds", VS_KIND_HOST, "seconds",
                        "runtime.bootTime, seconds since the epoch"},
    [HOST_UPTIME] = {"host_uptime_seconds", VS_KIND_HOST, "seconds",
                     "seconds since runtime.bootTime"},
    [HOST_CPU_CAPACITY] = {"host_cpu_capacity_mhz", VS_KIND_HOST, "megaHertz",
                           "cores x core speed (summary.hardware)"},
    [HOST_CPU_USAGE] = {"host_cpu_usage_mhz", VS_KIND_HOST, "megaHertz",
                        "summary.quickStats.overallCpuUsage"},
    [HOST_MEMORY_CAPACITY] = {"host_memory_capacity_bytes", VS_KIND_HOST,
                              "bytes", "summary.hardware.memorySize"},
    [HOST_MEMORY_USAGE] = {"host_memory_usage_bytes", VS_KIND_HOST, "bytes",
                           "summary.quickStats.overallMemoryUsage"},
    [HOST_OVERALL_STATUS] = {"host_overall_status", VS_KIND_HOST, "state",
                             STATUS},
    [HOST_VMS] = {"host_vms", VS_KIND_HOST, "number",
                  "VMs registered on the host"},
    [HOST_ALARMS] = {"host_alarms", VS_KIND_HOST, "number", ALARMS},
    [DS_CAPACITY] = {"datastore_capacity_bytes", VS_KIND_DATASTORE, "bytes",
                     "summary.capacity"},
    [DS_FREE] = {"datastore_free_bytes", VS_KIND_DATASTORE, "bytes",
                 "summary.freeSpace"},
    [DS_UNCOMMITTED] = {"datastore_uncommitted_bytes", VS_KIND_DATASTORE,
                        "bytes",
                        "summary.uncommitted: thin-provisioned, not written"},
    [DS_PROVISIONED] = {"datastore_provisioned_bytes", VS_KIND_DATASTORE,
                        "bytes", "capacity - free + uncommitted"},
    [DS_USED] = {"datastore_used_bytes", VS_KIND_DATASTORE, "bytes",
                 "capacity - free"},
    [DS_ACCESSIBLE] = {"datastore_accessible", VS_KIND_DATASTORE, "state",
                       "inaccessible 0, accessible 1"},
    [DS_MAINTENANCE_MODE] = {"datastore_maintenance_mode", VS_KIND_DATASTORE,
                             "state",
                             "normal 0, enteringMaintenance 1, "
                             "inMaintenance 2"},
    [DS_TYPE] = {"datastore_type", VS_KIND_DATASTORE, "state",
                 "always 1; type instance the file system type (VMFS, NFS, "
                 "vsan, ...)"},
    [DS_HOSTS] = {"datastore_hosts", VS_KIND_DATASTORE, "number",
                  "hosts that mount it"},
    [DS_VMS] = {"datastore_vms", VS_KIND_DATASTORE, "number",
                "VMs with files on it"},
    [DS_OVERALL_STATUS] = {"datastore_overall_status", VS_KIND_DATASTORE,
                           "state", STATUS},
    [DS_ALARMS] = {"datastore_alarms", VS_KIND_DATASTORE, "number", ALARMS},
    [CL_HOSTS] = {"cluster_hosts", VS_KIND_CLUSTER, "number",
                  "summary.numHosts"},
    [CL_EFFECTIVE_HOSTS] = {"cluster_effective_hosts", VS_KIND_CLUSTER,
                            "number",
                            "summary.numEffectiveHosts: hosts that can run "
                            "VMs"},
    [CL_CPU_TOTAL] = {"cluster_cpu_total_mhz", VS_KIND_CLUSTER, "megaHertz",
                      "summary.totalCpu"},
    [CL_CPU_EFFECTIVE] = {"cluster_cpu_effective_mhz", VS_KIND_CLUSTER,
                          "megaHertz", "summary.effectiveCpu"},
    [CL_MEMORY_TOTAL] = {"cluster_memory_total_bytes", VS_KIND_CLUSTER, "bytes",
                         "summary.totalMemory"},
    [CL_MEMORY_EFFECTIVE] = {"cluster_memory_effective_bytes", VS_KIND_CLUSTER,
                             "bytes",
                             "summary.effectiveMemory (MB in the API)"},
    [CL_OVERALL_STATUS] = {"cluster_overall_status", VS_KIND_CLUSTER, "state",
                           STATUS},
    [CL_ALARMS] = {"cluster_alarms", VS_KIND_CLUSTER, "number", ALARMS},
    [RP_CPU_USAGE] = {"resourcepool_cpu_usage_mhz", VS_KIND_RESOURCE_POOL,
                      "megaHertz", "runtime.cpu.overallUsage"},
    [RP_MEMORY_USAGE] = {"resourcepool_memory_usage_bytes",
                         VS_KIND_RESOURCE_POOL, "bytes",
                         "runtime.memory.overallUsage"},
    [RP_VMS] = {"resourcepool_vms", VS_KIND_RESOURCE_POOL, "number",
                "VMs directly in the pool"},
    [RP_OVERALL_STATUS] = {"resourcepool_overall_status", VS_KIND_RESOURCE_POOL,
                           "state", STATUS},
    [RP_ALARMS] = {"resourcepool_alarms", VS_KIND_RESOURCE_POOL, "number",
                   ALARMS},
    [DC_OVERALL_STATUS] = {"datacenter_overall_status", VS_KIND_DATACENTER,
                           "state", STATUS},
    [DC_ALARMS] = {"datacenter_alarms", VS_KIND_DATACENTER, "number", ALARMS},
    [VM_SNAPSHOT_BYTES] = {"vm_snapshot_bytes", VS_KIND_VM, "bytes",
                           "size of the snapshot files: state, memory and "
                           "delta disks (layoutEx.file; SnapshotSize)"},
    [HOST_SENSOR_READING] = {"host_sensor_reading", VS_KIND_HOST,
                             "the sensor's base unit",
                             "currentReading x 10^unitModifier; type "
                             "instance \"<sensorType>:<name>\""},
    [HOST_SENSOR_HEALTH] = {"host_sensor_health", VS_KIND_HOST, "state",
                            "unknown 0, green 1, yellow 2, red 3; type "
                            "instance \"<sensorType>:<name>\""},
    [VM_ATTRIBUTE] = {"vm_attribute", VS_KIND_VM, "info", ATTRIBUTE},
    [HOST_ATTRIBUTE] = {"host_attribute", VS_KIND_HOST, "info", ATTRIBUTE},
    [DS_ATTRIBUTE] = {"datastore_attribute", VS_KIND_DATASTORE, "info",
                      ATTRIBUTE},
    [CL_ATTRIBUTE] = {"cluster_attribute", VS_KIND_CLUSTER, "info", ATTRIBUTE},
    [RP_ATTRIBUTE] = {"resourcepool_attribute", VS_KIND_RESOURCE_POOL, "info",
                      ATTRIBUTE},
    [DC_ATTRIBUTE] = {"datacenter_attribute", VS_KIND_DATACENTER, "info",
                      ATTRIBUTE},
    [VM_TAG] = {"vm_tag", VS_KIND_VM, "info", TAG},
    [HOST_TAG] = {"host_tag", VS_KIND_HOST, "info", TAG},
    [DS_TAG] = {"datastore_tag", VS_KIND_DATASTORE, "info", TAG},
    [CL_TAG] = {"cluster_tag", VS_KIND_CLUSTER, "info", TAG},
    [RP_TAG] = {"resourcepool_tag", VS_KIND_RESOURCE_POOL, "info", TAG},
    [DC_TAG] = {"datacenter_tag", VS_KIND_DATACENTER, "info", TAG},
    [VM_ALARM] = {"vm_alarm", VS_KIND_VM, "state", ALARM},
    [HOST_ALARM] = {"host_alarm", VS_KIND_HOST, "state", ALARM},
    [DS_ALARM] = {"datastore_alarm", VS_KIND_DATASTORE, "state", ALARM},
    [CL_ALARM] = {"cluster_alarm", VS_KIND_CLUSTER, "state", ALARM},
    [RP_ALARM] = {"resourcepool_alarm", VS_KIND_RESOURCE_POOL, "state", ALARM},
    [DC_ALARM] = {"datacenter_alarm", VS_KIND_DATACENTER, "state", ALARM},
};
const size_t vs_state_types_num = STATE_TYPES_NUM;

/* ---- property paths ---- */

static const char *const vm_paths[] = {"runtime.bootTime",
                                       "summary.config.numCpu",
                                       "summary.config.memorySizeMB",
                                       "overallStatus",
                                       "guest.toolsRunningStatus",
                                       "guest.toolsVersionStatus2",
                                       "snapshot",
                                       "guest.disk",
                                       "triggeredAlarmState"};
static const char *const host_paths[] = {
    "runtime.inMaintenanceMode",
    "runtime.standbyMode",
    "runtime.bootTime",
    "summary.hardware.cpuMhz",
    "summary.hardware.numCpuCores",
    "summary.hardware.memorySize",
    "summary.quickStats.overallCpuUsage",
    "summary.quickStats.overallMemoryUsage",
    "overallStatus",
    "vm",
    "triggeredAlarmState"};
static const char *const ds_paths[] = {"summary.capacity",
                                       "summary.freeSpace",
                                       "summary.uncommitted",
                                       "summary.accessible",
                                       "summary.maintenanceMode",
                                       "summary.type",
                                       "host",
                                       "vm",
                                       "overallStatus",
                                       "triggeredAlarmState"};
static const char *const cl_paths[] = {
    "summary.numHosts",    "summary.numEffectiveHosts",
    "summary.totalCpu",    "summary.effectiveCpu",
    "summary.totalMemory", "summary.effectiveMemory",
    "overallStatus",       "triggeredAlarmState"};
static const char *const rp_paths[] = {"runtime.cpu.overallUsage",
                                       "runtime.memory.overallUsage", "vm",
                                       "overallStatus", "triggeredAlarmState"};
static const char *const dc_paths[] = {"overallStatus", "triggeredAlarmState"};

#define PATHS(a) a, sizeof(a) / sizeof(a[0])
static const struct {
  const char *const *paths;
  size_t num;
} kind_paths[VS_KIND_NUM] = {
    [VS_KIND_VM] = {PATHS(vm_paths)},
    [VS_KIND_HOST] = {PATHS(host_paths)},
    [VS_KIND_DATASTORE] = {PATHS(ds_paths)},
    [VS_KIND_CLUSTER] = {PATHS(cl_paths)},
    [VS_KIND_RESOURCE_POOL] = {PATHS(rp_paths)},
    [VS_KIND_DATACENTER] = {PATHS(dc_paths)},
};

size_t vs_state_paths(vs_kind_t kind, const char *const **paths) {
  *paths = kind_paths[kind].paths;
  return kind_paths[kind].num;
}

size_t vs_state_optional_paths(vs_kind_t kind, const vs_state_options_t *opts,
                               const char **paths, size_t max) {
  size_t n = 0;
  if (kind == VS_KIND_HOST && opts->sensors && n < max)
    paths[n++] = VS_PATH_SENSORS;
  if (kind == VS_KIND_VM && opts->snapshot_size && n < max)
    paths[n++] = VS_PATH_FILES;
  if (opts->attributes && n < max)
    paths[n++] = VS_PATH_ATTRIBUTES;
  return n;
}

static const uint16_t attribute_types[VS_KIND_NUM] = {
    [VS_KIND_VM] = VM_ATTRIBUTE,
    [VS_KIND_HOST] = HOST_ATTRIBUTE,
    [VS_KIND_DATASTORE] = DS_ATTRIBUTE,
    [VS_KIND_CLUSTER] = CL_ATTRIBUTE,
    [VS_KIND_RESOURCE_POOL] = RP_ATTRIBUTE,
    [VS_KIND_DATACENTER] = DC_ATTRIBUTE,
};

static const uint16_t tag_types[VS_KIND_NUM] = {
    [VS_KIND_VM] = VM_TAG,
    [VS_KIND_HOST] = HOST_TAG,
    [VS_KIND_DATASTORE] = DS_TAG,
    [VS_KIND_CLUSTER] = CL_TAG,
    [VS_KIND_RESOURCE_POOL] = RP_TAG,
    [VS_KIND_DATACENTER] = DC_TAG,
};

uint16_t vs_state_tag_type(vs_kind_t kind) { return tag_types[kind]; }

bool vs_state_is_attribute(uint16_t type) {
  return type >= VM_ATTRIBUTE && type <= DC_ATTRIBUTE;
}

bool vs_state_is_alarm(uint16_t type) {
  return type >= VM_ALARM && type <= DC_ALARM;
}

bool vs_alarm_instance_parse(const char *instance, char *alarm,
                             size_t alarm_size, bool *acknowledged,
                             const char **entity) {
  const char *sp = strchr(instance, ' ');
  if (sp == NULL || (sp[1] != '0' && sp[1] != '1') || sp[2] != ' ' ||
      (size_t)(sp - instance) >= alarm_size || sp == instance)
    return false;
  memcpy(alarm, instance, (size_t)(sp - instance));
  alarm[sp - instance] = 0;
  *acknowledged = sp[1] == '1';
  *entity = sp + 3;
  return true;
}

/* ---- structured properties ---- */

void vs_state_scratch_reset(vs_state_scratch_t *s) {
  /* Only the counts: the arrays are read up to them (a scratch is reset
   * for every object, and is tens of kilobytes). */
  s->alarms_red = s->alarms_yellow = 0;
  s->snapshots = 0;
  s->oldest_snapshot_us = -1;
  s->vms = s->hosts = 0;
  s->disks_num = 0;
  s->disk_item = -1;
  s->sensors_num = 0;
  s->sensor_item = -1;
  s->snapshot_bytes = 0;
  s->file_item = -1;
  s->files_seen = false;
  s->attrs_num = 0;
  s->attr_item = -1;
  s->alarms_num = 0;
  s->alarm_item = -1;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool number(const char *text, double *ret) {
  int64_t v;
  if (vs_parse_int64(text, &v) != 0)
    return false;
  *ret = (double)v;
  return true;
}

static void guest_disk(vs_state_scratch_t *s, int item, const char *field,
                       const char *text) {
  if (item != s->disk_item) { /* the next GuestDiskInfo */
    if (s->disks_num == VS_STATE_MAX_DISKS)
      return;
    s->disk_item = item;
    s->disks_num++;
    s->disks[s->disks_num - 1].path[0] = 0;
    s->disks[s->disks_num - 1].capacity = -1;
    s->disks[s->disks_num - 1].free = -1;
  }
  if (s->disks_num == 0)
    return;
  vs_guest_disk_t *d = &s->disks[s->disks_num - 1];
  if (strcmp(field, "diskPath") == 0)
    vs_utf8_copy(d->path, text, sizeof(d->path));
  else if (strcmp(field, "capacity") == 0)
    number(text, &d->capacity);
  else if (strcmp(field, "freeSpace") == 0)
    number(text, &d->free);
}

static const char *const health_keys[] = {"unknown", "green", "yellow", "red",
                                          NULL};
static int enum_of(const char *value, const char *const *names);

/* "<type>:<name>" of sensor i; one with the same type and name as an
 * earlier one gets " #2" (in the order the host lists them), and so on.
 * Made again as each of both arrives: the earlier sensors are complete. */
static void sensor_instance(vs_state_scratch_t *s, size_t i) {
  vs_sensor_t *n = &s->sensors[i];
  char base[sizeof(n->instance)];
  snprintf(base, sizeof(base), "%s:%s", n->type[0] ? n->type : "other",
           n->name);
  size_t same = 0;
  for (size_t j = 0; j < i; j++)
    same += strcmp(s->sensors[j].name, n->name) == 0 &&
            strcmp(s->sensors[j].type, n->type) == 0;
  if (same == 0) {
    vs_utf8_copy(n->instance, base, sizeof(n->instance));
    return;
  }
  char suffix[24];
  snprintf(suffix, sizeof(suffix), " #%zu", same + 1);
  /* the suffix survives a name cut to fit */
  vs_utf8_copy(n->instance, base, sizeof(n->instance) - strlen(suffix));
  strcat(n->instance, suffix);
}

static void sensor(vs_state_scratch_t *s, int item, const char *field,
                   const char *text) {
  if (item != s->sensor_item) { /* the next HostNumericSensorInfo */
    if (s->sensors_num == VS_STATE_MAX_SENSORS)
      return;
    s->sensor_item = item;
    vs_sensor_t *n = &s->sensors[s->sensors_num++];
    n->name[0] = n->type[0] = n->unit[0] = n->instance[0] = 0;
    n->raw = 0;
    n->modifier = 0;
    n->health = -1;
  }
  if (s->sensors_num == 0)
    return;
  vs_sensor_t *n = &s->sensors[s->sensors_num - 1];
  int64_t v;
  if (strcmp(field, "name") == 0) {
    vs_utf8_copy(n->name, text, sizeof(n->name));
    sensor_instance(s, s->sensors_num - 1);
  } else if (strcmp(field, "sensorType") == 0) {
    vs_utf8_copy(n->type, text, sizeof(n->type));
    sensor_instance(s, s->sensors_num - 1);
  } else if (strcmp(field, "baseUnits") == 0)
    vs_utf8_copy(n->unit, text, sizeof(n->unit));
  else if (strcmp(field, "healthState/key") == 0) {
    int h = enum_of(text, health_keys);
    n->health = h < 0 ? 0 : h; /* a key not known here counts as unknown */
  } else if (strcmp(field, "currentReading") == 0 &&
             vs_parse_int64(text, &v) == 0)
    n->raw = v;
  else if (strcmp(field, "unitModifier") == 0 &&
           vs_parse_int64(text, &v) == 0 && v >= -30 && v <= 30)
    n->modifier = (int)v;
}

/* A file of the snapshots: their state (.vmsn), memory (.vmem) and the
 * delta disks they keep ("-000001-delta.vmdk", "-000001-sesparse.vmdk",
 * "-000001.vmdk", "-000001-flat"). */
static bool snapshot_file(const char *type, const char *name) {
  if (strcmp(type, "snapshotData") == 0 || strcmp(type, "snapshotMemory") == 0)
    return true;
  if (strcmp(type, "diskDescriptor") != 0 && strcmp(type, "diskExtent") != 0)
    return false;
  const char *dash = strrchr(name, '-');
  if (dash == NULL)
    return false;
  if (strcmp(dash, "-delta.vmdk") == 0 || strcmp(dash, "-sesparse.vmdk") == 0)
    return true;
  /* "<disk>-NNNNNN.vmdk": six digits before ".vmdk" */
  size_t digits = strspn(dash + 1, "0123456789");
  return digits == 6 && strcmp(dash + 7, ".vmdk") == 0;
}

/* The bytes of the file being read, if it is a snapshot's. */
static double current_file(const vs_state_scratch_t *s) {
  return s->file_item >= 0 && snapshot_file(s->file_type, s->file_name)
             ? s->file_size
             : 0;
}

/* The files read before the current one, and it. */
static double snapshot_bytes(const vs_state_scratch_t *s) {
  return s->snapshot_bytes + current_file(s);
}

static void file_leaf(vs_state_scratch_t *s, int item, const char *field,
                      const char *text) {
  s->files_seen = true;
  if (item != s->file_item) { /* the next VirtualMachineFileLayoutExFileInfo */
    s->snapshot_bytes += current_file(s);
    s->file_item = item;
    s->file_name[0] = s->file_type[0] = 0;
    s->file_size = 0;
  }
  int64_t v;
  if (strcmp(field, "name") == 0)
    vs_utf8_copy(s->file_name, text, sizeof(s->file_name));
  else if (strcmp(field, "type") == 0)
    vs_utf8_copy(s->file_type, text, sizeof(s->file_type));
  else if (strcmp(field, "size") == 0 && vs_parse_int64(text, &v) == 0 && v > 0)
    s->file_size = (double)v;
}

static void attribute(vs_state_scratch_t *s, int item, const char *field,
                      const char *text) {
  if (item != s->attr_item) { /* the next CustomFieldStringValue */
    if (s->attrs_num == VS_STATE_MAX_ATTRS)
      return;
    s->attr_item = item;
    vs_attr_value_t *a = &s->attrs[s->attrs_num++];
    a->key = -1;
    a->value[0] = 0;
  }
  if (s->attrs_num == 0)
    return;
  vs_attr_value_t *a = &s->attrs[s->attrs_num - 1];
  int64_t v;
  if (strcmp(field, "key") == 0 && vs_parse_int64(text, &v) == 0 && v >= 0 &&
      v <= 0x7fffffff)
    a->key = (int)v;
  else if (strcmp(field, "value") == 0)
    vs_utf8_copy(a->value, text, sizeof(a->value));
  char instance[sizeof(a->instance)];
  snprintf(instance, sizeof(instance), "%d:%s", a->key, a->value);
  memcpy(a->instance, instance, sizeof(instance));
}

/* AlarmState: key, entity, alarm, overallStatus, time, acknowledged, ... */
static void alarm_leaf(vs_state_scratch_t *s, int item, const char *field,
                       const char *text) {
  if (item != s->alarm_item) {
    if (s->alarms_num == VS_STATE_MAX_ALARMS)
      return;
    vs_alarm_state_t *a = &s->alarms[s->alarms_num++];
    memset(a, 0, sizeof(*a));
    a->status = -1;
    s->alarm_item = item;
  }
  vs_alarm_state_t *a = &s->alarms[s->alarms_num - 1];
  static const char *const names[] = {"green", "yellow", "red", NULL};
  if (strcmp(field, "alarm") == 0)
    vs_utf8_copy(a->alarm, text, sizeof(a->alarm));
  else if (strcmp(field, "entity") == 0)
    vs_utf8_copy(a->entity, text, sizeof(a->entity));
  else if (strcmp(field, "overallStatus") == 0) {
    a->status = -1;
    for (int i = 0; names[i] != NULL; i++)
      if (strcmp(text, names[i]) == 0)
        a->status = i;
  } else if (strcmp(field, "acknowledged") == 0)
    a->acknowledged = strcmp(text, "true") == 0;
  /* morefs hold no space: the instance parts back unambiguously */
  char instance[sizeof(a->instance)];
  snprintf(instance, sizeof(instance), "%s %d %s", a->alarm,
           a->acknowledged ? 1 : 0, a->entity);
  memcpy(a->instance, instance, sizeof(instance));
}

void vs_state_subprop(vs_state_scratch_t *s, const char *prop, int item,
                      const char *path, const char *text) {
  const char *slash = strchr(path, '/');
  if (strcmp(prop, VS_PATH_SENSORS) == 0) {
    if (slash != NULL && strncmp(path, "HostNumericSensorInfo/", 22) == 0)
      sensor(s, item, slash + 1, text);
    return;
  }
  if (strcmp(prop, VS_PATH_FILES) == 0) {
    if (slash != NULL &&
        strncmp(path, "VirtualMachineFileLayoutExFileInfo/", 35) == 0)
      file_leaf(s, item, slash + 1, text);
    return;
  }
  if (strcmp(prop, VS_PATH_ATTRIBUTES) == 0) {
    /* CustomFieldStringValue, or its base CustomFieldValue */
    if (slash != NULL && strncmp(path, "CustomField", 11) == 0)
      attribute(s, item, slash + 1, text);
    return;
  }
  if (strcmp(prop, "triggeredAlarmState") == 0) {
    if (ends_with(path, "/overallStatus")) {
      if (strcmp(text, "red") == 0)
        s->alarms_red++;
      else if (strcmp(text, "yellow") == 0)
        s->alarms_yellow++;
    }
    if (slash != NULL && strncmp(path, "AlarmState/", 11) == 0)
      alarm_leaf(s, item, slash + 1, text);
  } else if (strcmp(prop, "snapshot") == 0) {
    int64_t t;
    if (ends_with(path, "createTime") && vs_parse_datetime(text, &t) == 0) {
      s->snapshots++;
      if (s->oldest_snapshot_us < 0 || t < s->oldest_snapshot_us)
        s->oldest_snapshot_us = t;
    }
  } else if (strcmp(prop, "vm") == 0) {
    if (strcmp(path, "ManagedObjectReference") == 0)
      s->vms++;
  } else if (strcmp(prop, "host") == 0) {
    if (strcmp(path, "DatastoreHostMount/key") == 0)
      s->hosts++;
  } else if (strcmp(prop, "guest.disk") == 0) {
    const char *slash = strchr(path, '/');
    if (slash != NULL && strncmp(path, "GuestDiskInfo/", 14) == 0)
      guest_disk(s, item, slash + 1, text);
  }
}

/* ---- values ---- */

/* The position of `value` in a NULL-terminated list of names, or -1. */
static int enum_of(const char *value, const char *const *names) {
  for (int i = 0; value != NULL && names[i] != NULL; i++)
    if (strcmp(value, names[i]) == 0)
      return i;
  return -1;
}

typedef struct {
  vs_state_value_t *out;
  size_t num, max;
} sink_t;

static void put(sink_t *k, int type, const char *instance, double value) {
  if (k->num < k->max)
    k->out[k->num++] = (vs_state_value_t){
        .type = (uint16_t)type, .instance = instance, .value = value};
}

/* A numeric property, scaled. */
static void put_number(sink_t *k, int type, const vs_prop_t *props, size_t n,
                       const char *name, double scale) {
  double v;
  const char *text = vs_prop_value(props, n, name, NULL);
  if (text != NULL && number(text, &v))
    put(k, type, "", v * scale);
}

static void put_enum(sink_t *k, int type, const vs_prop_t *props, size_t n,
                     const char *name, const char *const *names) {
  int v = enum_of(vs_prop_value(props, n, name, NULL), names);
  if (v >= 0)
    put(k, type, "", v);
}

static void put_bool(sink_t *k, int type, const vs_prop_t *props, size_t n,
                     const char *name) {
  static const char *const names[] = {"false", "true", NULL};
  put_enum(k, type, props, n, name, names);
}

/* bootTime as seconds since the epoch, and the time since (uptime). */
static void put_boot(sink_t *k, int boot_type, int uptime_type,
                     const vs_prop_t *props, size_t n, int64_t now_us,
                     bool running) {
  int64_t boot;
  const char *text = vs_prop_value(props, n, "runtime.bootTime", NULL);
  if (text == NULL || vs_parse_datetime(text, &boot) != 0)
    return;
  put(k, boot_type, "", (double)boot / 1e6);
  if (running && now_us >= boot)
    put(k, uptime_type, "", (double)(now_us - boot) / 1e6);
}

static const uint16_t alarm_types[VS_KIND_NUM] = {
    [VS_KIND_VM] = VM_ALARM,
    [VS_KIND_HOST] = HOST_ALARM,
    [VS_KIND_DATASTORE] = DS_ALARM,
    [VS_KIND_CLUSTER] = CL_ALARM,
    [VS_KIND_RESOURCE_POOL] = RP_ALARM,
    [VS_KIND_DATACENTER] = DC_ALARM,
};

/* The counts by severity (of the alarms about the object and what it
 * holds), and each alarm with its status (named and narrowed to those
 * about the object itself at dispatch). */
static void put_alarms(sink_t *k, int type, const vs_prop_t *props, size_t n,
                       const vs_state_scratch_t *s) {
  /* Only when asked for: an empty array arrives as an empty leaf. */
  if (vs_prop_value(props, n, "triggeredAlarmState", NULL) == NULL &&
      s->alarms_red == 0 && s->alarms_yellow == 0 && s->alarms_num == 0)
    return;
  put(k, type, "red", (double)s->alarms_red);
  put(k, type, "yellow", (double)s->alarms_yellow);
  int named = alarm_types[vs_state_types[type].kind];
  for (size_t i = 0; i < s->alarms_num; i++)
    if (s->alarms[i].status >= 0 && s->alarms[i].alarm[0] != 0)
      put(k, named, s->alarms[i].instance, s->alarms[i].status);
}

static const char *const statuses[] = {"gray", "green", "yellow", "red", NULL};

static void put_sensors(sink_t *k, const vs_state_scratch_t *s) {
  for (size_t i = 0; i < s->sensors_num; i++) {
    const vs_sensor_t *n = &s->sensors[i];
    /* The "Software Components" are driver and firmware versions, half
     * of a host's list, renamed at every upgrade: not hardware. */
    if (n->name[0] == 0 || strcasecmp(n->type, "Software Components") == 0)
      continue;
    /* A sensor without a unit (a software component, a rollup) says only
     * its health. */
    if (n->unit[0] != 0)
      put(k, HOST_SENSOR_READING, n->instance,
          (double)n->raw * pow(10.0, n->modifier));
    if (n->health >= 0)
      put(k, HOST_SENSOR_HEALTH, n->instance, n->health);
  }
}

static void put_attributes(sink_t *k, vs_kind_t kind,
                           const vs_state_scratch_t *s) {
  for (size_t i = 0; i < s->attrs_num; i++) {
    const vs_attr_value_t *a = &s->attrs[i];
    if (a->key >= 0 && a->value[0] != 0) /* not an unset attribute */
      put(k, attribute_types[kind], a->instance, 1);
  }
}

static void vm_values(sink_t *k, const vs_prop_t *p, size_t n,
                      const vs_state_scratch_t *s, int64_t now_us) {
  static const char *const power[] = {"poweredOff", "poweredOn", "suspended",
                                      NULL};
  static const char *const tools[] = {"guestToolsNotRunning",
                                      "guestToolsRunning",
                                      "guestToolsExecutingScripts", NULL};
  static const char *const versions[] = {
      "guestToolsNotInstalled", "guestToolsCurrent",
      "guestToolsNeedUpgrade",  "guestToolsSupportedOld",
      "guestToolsSupportedNew", "guestToolsTooOld",
      "guestToolsTooNew",       "guestToolsUnmanaged",
      "guestToolsBlacklisted",  NULL};
  int on = enum_of(vs_prop_value(p, n, "runtime.powerState", NULL), power);
  if (on >= 0)
    put(k, VM_POWER_STATE, "", on);
  put_boot(k, VM_BOOT_TIME, VM_UPTIME, p, n, now_us, on == 1);
  put_number(k, VM_VCPUS, p, n, "summary.config.numCpu", 1);
  put_number(k, VM_MEMORY, p, n, "summary.config.memorySizeMB", 1048576.0);
  put_enum(k, VM_OVERALL_STATUS, p, n, "overallStatus", statuses);
  put_enum(k, VM_TOOLS_RUNNING, p, n, "guest.toolsRunningStatus", tools);
  put_enum(k, VM_TOOLS_VERSION_STATUS, p, n, "guest.toolsVersionStatus2",
           versions);
  put(k, VM_SNAPSHOTS, "", (double)s->snapshots);
  if (s->snapshots > 0 && now_us >= s->oldest_snapshot_us)
    put(k, VM_SNAPSHOT_OLDEST_AGE, "",
        (double)(now_us - s->oldest_snapshot_us) / 1e6);
  for (size_t i = 0; i < s->disks_num; i++) {
    const char *mount = s->disks[i].path;
    if (mount[0] == 0)
      continue;
    if (s->disks[i].capacity >= 0)
      put(k, VM_GUEST_DISK_CAPACITY, mount, s->disks[i].capacity);
    if (s->disks[i].free >= 0)
      put(k, VM_GUEST_DISK_FREE, mount, s->disks[i].free);
  }
  put_alarms(k, VM_ALARMS, p, n, s);
  /* Asked for (the property came, maybe as an empty list) or seen. */
  if (s->files_seen || vs_prop_value(p, n, VS_PATH_FILES, NULL) != NULL)
    put(k, VM_SNAPSHOT_BYTES, "", snapshot_bytes(s));
}

static void host_values(sink_t *k, const vs_prop_t *p, size_t n,
                        const vs_state_scratch_t *s, int64_t now_us) {
  static const char *const power[] = {"poweredOff", "poweredOn", "standBy",
                                      "unknown", NULL};
  static const char *const conn[] = {"disconnected", "connected",
                                     "notResponding", NULL};
  static const char *const standby[] = {"none", "entering", "exiting", "in",
                                        NULL};
  int on = enum_of(vs_prop_value(p, n, "runtime.powerState", NULL), power);
  if (on >= 0)
    put(k, HOST_POWER_STATE, "", on);
  put_enum(k, HOST_CONNECTION_STATE, p, n, "runtime.connectionState", conn);
  put_bool(k, HOST_MAINTENANCE_MODE, p, n, "runtime.inMaintenanceMode");
  put_enum(k, HOST_STANDBY_MODE, p, n, "runtime.standbyMode", standby);
  put_boot(k, HOST_BOOT_TIME, HOST_UPTIME, p, n, now_us, on == 1);
  double mhz, cores;
  const char *a = vs_prop_value(p, n, "summary.hardware.cpuMhz", NULL);
  const char *b = vs_prop_value(p, n, "summary.hardware.numCpuCores", NULL);
  if (a != NULL && b != NULL && number(a, &mhz) && number(b, &cores))
    put(k, HOST_CPU_CAPACITY, "", mhz * cores);
  put_number(k, HOST_CPU_USAGE, p, n, "summary.quickStats.overallCpuUsage", 1);
  put_number(k, HOST_MEMORY_CAPACITY, p, n, "summary.hardware.memorySize", 1);
  put_number(k, HOST_MEMORY_USAGE, p, n,
             "summary.quickStats.overallMemoryUsage", 1048576.0);
  put_enum(k, HOST_OVERALL_STATUS, p, n, "overallStatus", statuses);
  if (vs_prop_value(p, n, "vm", NULL) != NULL || s->vms > 0)
    put(k, HOST_VMS, "", (double)s->vms);
  put_alarms(k, HOST_ALARMS, p, n, s);
  put_sensors(k, s);
}

static void datastore_values(sink_t *k, const vs_prop_t *p, size_t n,
                             const vs_state_scratch_t *s) {
  static const char *const maintenance[] = {"normal", "enteringMaintenance",
                                            "inMaintenance", NULL};
  double capacity = -1, free = -1, uncommitted = 0;
  const char *t;
  if ((t = vs_prop_value(p, n, "summary.capacity", NULL)) != NULL &&
      number(t, &capacity))
    put(k, DS_CAPACITY, "", capacity);
  if ((t = vs_prop_value(p, n, "summary.freeSpace", NULL)) != NULL &&
      number(t, &free))
    put(k, DS_FREE, "", free);
  if ((t = vs_prop_value(p, n, "summary.uncommitted", NULL)) != NULL &&
      number(t, &uncommitted))
    put(k, DS_UNCOMMITTED, "", uncommitted);
  if (capacity >= 0 && free >= 0) {
    put(k, DS_USED, "", capacity - free);
    put(k, DS_PROVISIONED, "", capacity - free + uncommitted);
  }
  put_bool(k, DS_ACCESSIBLE, p, n, "summary.accessible");
  put_enum(k, DS_MAINTENANCE_MODE, p, n, "summary.maintenanceMode",
           maintenance);
  if ((t = vs_prop_value(p, n, "summary.type", NULL)) != NULL && t[0] != 0)
    put(k, DS_TYPE, t, 1);
  if (vs_prop_value(p, n, "host", NULL) != NULL || s->hosts > 0)
    put(k, DS_HOSTS, "", (double)s->hosts);
  if (vs_prop_value(p, n, "vm", NULL) != NULL || s->vms > 0)
    put(k, DS_VMS, "", (double)s->vms);
  put_enum(k, DS_OVERALL_STATUS, p, n, "overallStatus", statuses);
  put_alarms(k, DS_ALARMS, p, n, s);
}

static void cluster_values(sink_t *k, const vs_prop_t *p, size_t n,
                           const vs_state_scratch_t *s) {
  put_number(k, CL_HOSTS, p, n, "summary.numHosts", 1);
  put_number(k, CL_EFFECTIVE_HOSTS, p, n, "summary.numEffectiveHosts", 1);
  put_number(k, CL_CPU_TOTAL, p, n, "summary.totalCpu", 1);
  put_number(k, CL_CPU_EFFECTIVE, p, n, "summary.effectiveCpu", 1);
  put_number(k, CL_MEMORY_TOTAL, p, n, "summary.totalMemory", 1);
  put_number(k, CL_MEMORY_EFFECTIVE, p, n, "summary.effectiveMemory",
             1048576.0);
  put_enum(k, CL_OVERALL_STATUS, p, n, "overallStatus", statuses);
  put_alarms(k, CL_ALARMS, p, n, s);
}

static void pool_values(sink_t *k, const vs_prop_t *p, size_t n,
                        const vs_state_scratch_t *s) {
  put_number(k, RP_CPU_USAGE, p, n, "runtime.cpu.overallUsage", 1);
  put_number(k, RP_MEMORY_USAGE, p, n, "runtime.memory.overallUsage", 1);
  if (vs_prop_value(p, n, "vm", NULL) != NULL || s->vms > 0)
    put(k, RP_VMS, "", (double)s->vms);
  put_enum(k, RP_OVERALL_STATUS, p, n, "overallStatus", statuses);
  put_alarms(k, RP_ALARMS, p, n, s);
}

size_t vs_state_values(vs_kind_t kind, const vs_prop_t *props, size_t n,
                       const vs_state_scratch_t *scratch, int64_t now_us,
                       vs_state_value_t *out, size_t max) {
  sink_t k = {.out = out, .num = 0, .max = max};
  switch (kind) {
  case VS_KIND_VM:
    vm_values(&k, props, n, scratch, now_us);
    break;
  case VS_KIND_HOST:
    host_values(&k, props, n, scratch, now_us);
    break;
  case VS_KIND_DATASTORE:
    datastore_values(&k, props, n, scratch);
    break;
  case VS_KIND_CLUSTER:
    cluster_values(&k, props, n, scratch);
    break;
  case VS_KIND_RESOURCE_POOL:
    pool_values(&k, props, n, scratch);
    break;
  case VS_KIND_DATACENTER:
    put_enum(&k, DC_OVERALL_STATUS, props, n, "overallStatus", statuses);
    put_alarms(&k, DC_ALARMS, props, n, scratch);
    break;
  case VS_KIND_NUM:
    return k.num;
  }
  put_attributes(&k, kind, scratch);
  return k.num;
}

bool vs_state_ages(uint16_t type) {
  return type == VM_UPTIME || type == HOST_UPTIME ||
         type == VM_SNAPSHOT_OLDEST_AGE;
}

vs_state_value_t *vs_state_copy(const vs_state_value_t *values, size_t n) {
  size_t strings = 0;
  for (size_t i = 0; i < n; i++)
    strings += strlen(values[i].instance) + 1;
  vs_state_value_t *copy = malloc(n * sizeof(*copy) + strings);
  if (copy == NULL)
    return NULL;
  char *text = (char *)(copy + n);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(values[i].instance) + 1;
    copy[i] = values[i];
    copy[i].instance = memcpy(text, values[i].instance, len);
    text += len;
  }
  return copy;
}
