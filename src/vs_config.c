/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_config.c
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_config.h"
#include "vs_secret.h"
#include "vs_util.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

#define DEFAULT_TIMEOUT 10.0
#define DEFAULT_QUERY_TIMEOUT 60.0
#define DEFAULT_STALL_TIMEOUT 30.0
#define DEFAULT_LOOKBACK 60.0
#define DEFAULT_PROPERTY_INTERVAL 60.0
/* With the update stream, a full update as a safety net this often. */
#define DEFAULT_RESYNC_INTERVAL 3600.0
/* vCenter may post historical samples 30-40 min late; per-series tracking
 * waits for them, the look-back covers series that lag their object. */
#define DEFAULT_HISTORICAL_LOOKBACK 900.0
#define DEFAULT_INVENTORY_INTERVAL 300.0
#define DEFAULT_MAX_RESPONSE_SIZE (128u * 1024u * 1024u)
#define DEFAULT_QUERY_BATCH_SIZE 250
#define DEFAULT_CONCURRENCY 4
/* vCenter rejects SOAP documents over 500,000 elements. */
#define DEFAULT_MAX_QUERY_METRICS 50000
#define DEFAULT_INVENTORY_PAGE_SIZE 1000
/* Tags change seldom; every read of them costs a few REST requests. */
#define DEFAULT_TAG_INTERVAL 300.0

static const char *const field_names[VS_FIELD_NUM] = {
    [VS_FIELD_NAME] = "name",
    [VS_FIELD_MOREF] = "moref",
    [VS_FIELD_UUID] = "uuid",
    [VS_FIELD_VCENTER] = "vcenter",
    [VS_FIELD_DATACENTER] = "datacenter",
    [VS_FIELD_CLUSTER] = "cluster",
    [VS_FIELD_ESXHOST] = "esxhost",
};

int vs_field_from_string(const char *s) {
  for (int f = 0; f < VS_FIELD_NUM; f++)
    if (strcasecmp(s, field_names[f]) == 0)
      return f;
  return -1;
}

/* Strings, booleans and numbers are read with collectd's cf_util_get_*
 * (the messages and the true/false forms every plugin has); the ranges
 * are ours. */
static int get_number(const oconfig_item_t *ci, double min, double max,
                      double *ret) {
  double v;
  if (cf_util_get_double(ci, &v) != 0)
    return -1;
  if (!isfinite(v) || v < min || v > max) {
    ERROR("vsphere plugin: option `%s' must be between %g and %g.", ci->key,
          min, max);
    return -1;
  }
  *ret = v;
  return 0;
}

static int get_int(const oconfig_item_t *ci, int min, int max, int *ret) {
  double v;
  if (get_number(ci, min, max, &v) != 0)
    return -1;
  if (v != floor(v)) {
    ERROR("vsphere plugin: option `%s' must be an integer.", ci->key);
    return -1;
  }
  *ret = (int)v;
  return 0;
}

static int add_string(const oconfig_item_t *ci, vs_strlist_t *list) {
  char *s = NULL;
  if (cf_util_get_string(ci, &s) != 0)
    return -1;
  char **items = realloc(list->items, (list->num + 1) * sizeof(*items));
  if (items == NULL) {
    free(s);
    return -1;
  }
  items[list->num++] = s;
  list->items = items;
  return 0;
}

/* Shard "k/N": 1 <= k <= N <= 1024. */
static int get_shard(const oconfig_item_t *ci, const char *block, int *k,
                     int *n) {
  int kk = 0, nn = 0, used = 0;
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
      sscanf(ci->values[0].value.string, "%d/%d%n", &kk, &nn, &used) != 2 ||
      ci->values[0].value.string[used] != 0 || nn < 1 || nn > 1024 || kk < 1 ||
      kk > nn) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `Shard' needs \"k/N\" "
          "with 1 <= k <= N <= 1024, e.g. Shard \"1/4\" in the first of "
          "four collectd instances, \"2/4\" in the second, ...",
          block);
    return -1;
  }
  *k = kk;
  *n = nn;
  return 0;
}

/* HostnameFormat "name" "datacenter": one or more field names. */
static int get_format(const oconfig_item_t *ci, const char *block,
                      vs_format_t *ret) {
  vs_format_t f = {.num = 0};
  if (ci->values_num < 1 || ci->values_num > VS_FORMAT_MAX_FIELDS) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s' needs 1 to %d "
          "fields, e.g. %s \"name\".",
          block, ci->key, VS_FORMAT_MAX_FIELDS, ci->key);
    return -1;
  }
  for (int i = 0; i < ci->values_num; i++) {
    const char *s = ci->values[i].type == OCONFIG_TYPE_STRING
                        ? ci->values[i].value.string
                        : "";
    int field = vs_field_from_string(s);
    /* attr:<Name>: a custom attribute's value; tag:<Category>: the
     * object's tags of that category */
    static const struct {
      const char *prefix;
      vs_field_t field;
    } named[] = {{"attr:", VS_FIELD_ATTRIBUTE}, {"tag:", VS_FIELD_TAG}};
    for (size_t j = 0; field < 0 && j < sizeof(named) / sizeof(named[0]); j++) {
      size_t len = strlen(named[j].prefix);
      if (strncasecmp(s, named[j].prefix, len) == 0 && s[len] != 0 &&
          strlen(s + len) < VS_FORMAT_ARG_LEN) {
        field = (int)named[j].field;
        snprintf(f.args[f.num], sizeof(f.args[f.num]), "%s", s + len);
      }
    }
    if (field < 0) {
      ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s': field %d is not "
            "one of name, moref, uuid, vcenter, datacenter, cluster, "
            "esxhost, attr:<attribute name>, tag:<category name>.",
            block, ci->key, i + 1);
      return -1;
    }
    f.fields[f.num++] = (vs_field_t)field;
  }
  *ret = f;
  return 0;
}

/* The kind named by the first value of a per-kind option. */
static int get_kind(const oconfig_item_t *ci, int i, const char *block) {
  int kind = (ci->values_num > i && ci->values[i].type == OCONFIG_TYPE_STRING)
                 ? vs_kind_from_name(ci->values[i].value.string)
                 : -1;
  if (kind < 0)
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s': value %d is not a "
          "kind: vm, host, cluster, datastore, resourcepool or datacenter.",
          block, ci->key, i + 1);
  return kind;
}

/* Collect "vm" "datastore" ...: exactly these kinds. */
static int get_kinds(const oconfig_item_t *ci, const char *block,
                     bool ret[VS_KIND_NUM]) {
  bool kinds[VS_KIND_NUM] = {false};
  if (ci->values_num < 1) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s' needs one or more "
          "kinds, e.g. %s \"vm\" \"host\".",
          block, ci->key, ci->key);
    return -1;
  }
  for (int i = 0; i < ci->values_num; i++) {
    int kind = get_kind(ci, i, block);
    if (kind < 0)
      return -1;
    kinds[kind] = true;
  }
  memcpy(ret, kinds, sizeof(kinds));
  return 0;
}

/* Instances true|false (VMs and hosts, as before kinds), or a kind list. */
static int get_instances(const oconfig_item_t *ci, const char *block,
                         bool ret[VS_KIND_NUM]) {
  bool b;
  if (ci->values_num == 1 &&
      (ci->values[0].type != OCONFIG_TYPE_STRING ||
       vs_kind_from_name(ci->values[0].value.string) < 0)) {
    if (cf_util_get_boolean(ci, &b) != 0)
      return -1;
    for (int k = 0; k < VS_KIND_NUM; k++)
      ret[k] = b && vs_kind_info((vs_kind_t)k)->instances;
    return 0;
  }
  return get_kinds(ci, block, ret);
}

/* Include "vm" "/DC1/vm/..." ...: a kind, then one or more globs. */
static int add_filter(const oconfig_item_t *ci, const char *block,
                      vs_strlist_t lists[VS_KIND_NUM]) {
  int kind = get_kind(ci, 0, block);
  if (kind < 0)
    return -1;
  if (ci->values_num < 2) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s' needs a kind and one "
          "or more globs, e.g. %s \"vm\" \"/DC1/vm/web*\".",
          block, ci->key, ci->key);
    return -1;
  }
  for (int i = 1; i < ci->values_num; i++) {
    if (ci->values[i].type != OCONFIG_TYPE_STRING) {
      ERROR("vsphere plugin: <Vcenter \"%s\">: option `%s': value %d is not "
            "a string.",
            block, ci->key, i + 1);
      return -1;
    }
    char *s = strdup(ci->values[i].value.string);
    char **items =
        s ? realloc(lists[kind].items, (lists[kind].num + 1) * sizeof(*items))
          : NULL;
    if (items == NULL) {
      free(s);
      return -1;
    }
    items[lists[kind].num++] = s;
    lists[kind].items = items;
  }
  return 0;
}

static void free_strlist(vs_strlist_t *list) {
  for (size_t i = 0; i < list->num; i++)
    free(list->items[i]);
  free(list->items);
  list->items = NULL;
  list->num = 0;
}

static void set_defaults(vs_config_t *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->verify_peer = true;
  cfg->verify_host = true;
  cfg->timeout = DEFAULT_TIMEOUT;
  cfg->query_timeout = DEFAULT_QUERY_TIMEOUT;
  cfg->stall_timeout = DEFAULT_STALL_TIMEOUT;
  cfg->lookback = DEFAULT_LOOKBACK;
  cfg->inventory_interval = DEFAULT_INVENTORY_INTERVAL;
  cfg->max_response_size = DEFAULT_MAX_RESPONSE_SIZE;
  cfg->query_batch_size = DEFAULT_QUERY_BATCH_SIZE;
  cfg->max_query_metrics = DEFAULT_MAX_QUERY_METRICS;
  cfg->inventory_page_size = DEFAULT_INVENTORY_PAGE_SIZE;
  cfg->concurrency = DEFAULT_CONCURRENCY;
  cfg->shard_k = cfg->shard_n = 1;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    cfg->collect[k] = vs_kind_info((vs_kind_t)k)->collect;
    cfg->instances[k] = vs_kind_info((vs_kind_t)k)->instances;
  }
  cfg->collect_properties = true;
  cfg->property_interval = DEFAULT_PROPERTY_INTERVAL;
  cfg->update_stream = true;
  cfg->resync_interval = DEFAULT_RESYNC_INTERVAL;
  cfg->host_sensors = true;
  cfg->custom_attributes = true;
  cfg->datastore_names = true;
  cfg->historical_lookback = DEFAULT_HISTORICAL_LOOKBACK;
  cfg->tag_interval = DEFAULT_TAG_INTERVAL;
  cfg->default_events = true;
  cfg->default_metrics = true;
  /* Two VMs of one name in two clusters or datacenters stay apart, and
   * write_prometheus's label carries vcenter:datacenter:cluster. */
  cfg->hostname_format = (vs_format_t){.fields = {VS_FIELD_NAME}, .num = 1};
  cfg->plugin_instance_format = (vs_format_t){
      .fields = {VS_FIELD_VCENTER, VS_FIELD_DATACENTER, VS_FIELD_CLUSTER},
      .num = 3};
}

/* ---- the options: one row each (key, how it is read, where it goes) ---- */

typedef struct option_s option_t;
typedef int (*option_fn)(const oconfig_item_t *c, vs_config_t *cfg,
                         const option_t *o);
struct option_s {
  const char *key;
  option_fn parse;
  size_t offset;   /* of the field in vs_config_t */
  double min, max; /* numbers */
};

#define FIELD(cfg, o, type) ((type *)((char *)(cfg) + (o)->offset))

static int opt_string(const oconfig_item_t *c, vs_config_t *cfg,
                      const option_t *o) {
  return cf_util_get_string(c, FIELD(cfg, o, char *));
}
static int opt_bool(const oconfig_item_t *c, vs_config_t *cfg,
                    const option_t *o) {
  return cf_util_get_boolean(c, FIELD(cfg, o, bool));
}
static int opt_number(const oconfig_item_t *c, vs_config_t *cfg,
                      const option_t *o) {
  return get_number(c, o->min, o->max, FIELD(cfg, o, double));
}
static int opt_int(const oconfig_item_t *c, vs_config_t *cfg,
                   const option_t *o) {
  return get_int(c, (int)o->min, (int)o->max, FIELD(cfg, o, int));
}
static int opt_size(const oconfig_item_t *c, vs_config_t *cfg,
                    const option_t *o) {
  double d;
  if (get_number(c, o->min, o->max, &d) != 0)
    return -1;
  *FIELD(cfg, o, size_t) = (size_t)d;
  return 0;
}
static int opt_strlist(const oconfig_item_t *c, vs_config_t *cfg,
                       const option_t *o) {
  return add_string(c, FIELD(cfg, o, vs_strlist_t));
}
static int opt_filter(const oconfig_item_t *c, vs_config_t *cfg,
                      const option_t *o) {
  return add_filter(c, cfg->name, FIELD(cfg, o, vs_strlist_t));
}
static int opt_format(const oconfig_item_t *c, vs_config_t *cfg,
                      const option_t *o) {
  return get_format(c, cfg->name, FIELD(cfg, o, vs_format_t));
}
static int opt_kinds(const oconfig_item_t *c, vs_config_t *cfg,
                     const option_t *o) {
  return get_kinds(c, cfg->name, FIELD(cfg, o, bool));
}
static int opt_instances(const oconfig_item_t *c, vs_config_t *cfg,
                         const option_t *o) {
  return get_instances(c, cfg->name, FIELD(cfg, o, bool));
}
/* NotifyEvent "<glob>" "failure|warning|okay|none" */
static int opt_notify_event(const oconfig_item_t *c, vs_config_t *cfg,
                            const option_t *o) {
  (void)o;
  static const struct {
    const char *name;
    int severity;
  } severities[] = {{"failure", NOTIF_FAILURE},
                    {"warning", NOTIF_WARNING},
                    {"okay", NOTIF_OKAY},
                    {"none", 0}};
  int severity = -1;
  if (c->values_num == 2 && c->values[0].type == OCONFIG_TYPE_STRING &&
      c->values[1].type == OCONFIG_TYPE_STRING)
    for (size_t i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
      if (strcasecmp(c->values[1].value.string, severities[i].name) == 0)
        severity = severities[i].severity;
  if (severity < 0) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option `NotifyEvent' needs an "
          "event type glob and a severity (failure, warning, okay or none), "
          "e.g. NotifyEvent \"VmFailedToPowerOnEvent\" \"failure\".",
          cfg->name);
    return -1;
  }
  vs_event_notify_t *items =
      realloc(cfg->notify_events,
              (cfg->notify_events_num + 1) * sizeof(*cfg->notify_events));
  if (items == NULL)
    return -1;
  cfg->notify_events = items;
  char *glob = strdup(c->values[0].value.string);
  if (glob == NULL)
    return -1;
  items[cfg->notify_events_num++] = (vs_event_notify_t){glob, severity};
  return 0;
}
static int opt_shard(const oconfig_item_t *c, vs_config_t *cfg,
                     const option_t *o) {
  (void)o;
  return get_shard(c, cfg->name, &cfg->shard_k, &cfg->shard_n);
}

#define AT(field) offsetof(vs_config_t, field)

static const option_t options[] = {
    {"URL", opt_string, AT(url), 0, 0},
    {"User", opt_string, AT(user), 0, 0},
    {"Password", opt_string, AT(password), 0, 0},
    {"PasswordFile", opt_string, AT(password_file), 0, 0},
    {"VerifyPeer", opt_bool, AT(verify_peer), 0, 0},
    {"VerifyHost", opt_bool, AT(verify_host), 0, 0},
    {"CACert", opt_string, AT(ca_cert), 0, 0},
    {"Timeout", opt_number, AT(timeout), 0.1, 3600},
    {"QueryTimeout", opt_number, AT(query_timeout), 0.1, 3600},
    {"StallTimeout", opt_number, AT(stall_timeout), 0.1, 3600},
    {"LookBack", opt_number, AT(lookback), 0, 600}, /* 30 slots of 20 s */
    {"FillHoles", opt_bool, AT(fill_holes), 0, 0},
    {"Shard", opt_shard, 0, 0, 0},
    {"MaxNewSeries", opt_int, AT(max_new_series), 0, 100000000},
    {"HostnameFormat", opt_format, AT(hostname_format), 0, 0},
    {"PluginInstanceFormat", opt_format, AT(plugin_instance_format), 0, 0},
    {"Interval", opt_number, AT(interval), 0.01, 86400},
    {"InventoryInterval", opt_number, AT(inventory_interval), 0.01, 86400 * 7},
    {"MaxResponseSize", opt_size, AT(max_response_size), 4096, 4294967296.0},
    {"QueryBatchSize", opt_int, AT(query_batch_size), 1, 10000},
    {"MaxQueryMetrics", opt_int, AT(max_query_metrics), 1, 250000},
    {"InventoryPageSize", opt_int, AT(inventory_page_size), 1, 100000},
    {"Concurrency", opt_int, AT(concurrency), 1, 64},
    {"Instances", opt_instances, AT(instances), 0, 0},
    {"Collect", opt_kinds, AT(collect), 0, 0},
    /* before Collect; kept */
    {"CollectVMs", opt_bool, AT(collect[VS_KIND_VM]), 0, 0},
    {"CollectHosts", opt_bool, AT(collect[VS_KIND_HOST]), 0, 0},
    {"CollectProperties", opt_bool, AT(collect_properties), 0, 0},
    {"PropertyInterval", opt_number, AT(property_interval), 0.1, 86400},
    {"UpdateStream", opt_bool, AT(update_stream), 0, 0},
    {"ResyncInterval", opt_number, AT(resync_interval), 1, 86400 * 7},
    {"HostSensors", opt_bool, AT(host_sensors), 0, 0},
    {"SnapshotSize", opt_bool, AT(snapshot_size), 0, 0},
    {"CustomAttributes", opt_bool, AT(custom_attributes), 0, 0},
    {"DatastoreNames", opt_bool, AT(datastore_names), 0, 0},
    {"HistoricalLookBack", opt_number, AT(historical_lookback), 0, 32 * 300},
    {"TagInterval", opt_number, AT(tag_interval), 0, 86400 * 7},
    {"Events", opt_bool, AT(events), 0, 0},
    {"DefaultEvents", opt_bool, AT(default_events), 0, 0},
    {"Event", opt_strlist, AT(count_events), 0, 0},
    {"IgnoreEvent", opt_strlist, AT(ignore_events), 0, 0},
    {"NotifyEvent", opt_notify_event, 0, 0, 0},
    {"Include", opt_filter, AT(include_paths), 0, 0},
    {"Exclude", opt_filter, AT(exclude_paths), 0, 0},
    {"IncludeName", opt_filter, AT(include_names), 0, 0},
    {"ExcludeName", opt_filter, AT(exclude_names), 0, 0},
    {"DefaultMetrics", opt_bool, AT(default_metrics), 0, 0},
    {"Metric", opt_strlist, AT(metrics), 0, 0},
    {"IgnoreMetric", opt_strlist, AT(ignore_metrics), 0, 0},
};
#define OPTIONS_NUM (sizeof(options) / sizeof(options[0]))

/* Edit distance, case-insensitive, for "did you mean" (short strings). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40)
    return 99;
  size_t d[41][41];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t cost =
          tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      size_t best = d[i - 1][j - 1] + cost;
      if (d[i - 1][j] + 1 < best)
        best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best)
        best = d[i][j - 1] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

static void unknown_option(const char *block, const char *key) {
  const char *best = NULL;
  size_t best_d = 99;
  for (size_t i = 0; i < OPTIONS_NUM; i++) {
    size_t d = distance(key, options[i].key);
    if (d < best_d) {
      best_d = d;
      best = options[i].key;
    }
  }
  if (best != NULL && best_d <= 3)
    ERROR("vsphere plugin: <Vcenter \"%s\">: unknown option `%s'; did you "
          "mean `%s'? (see collectd-vsphere(5))",
          block, key, best);
  else
    ERROR("vsphere plugin: <Vcenter \"%s\">: unknown option `%s' (see "
          "collectd-vsphere(5) for the options).",
          block, key);
}

static int parse_option(const oconfig_item_t *c, vs_config_t *cfg) {
  for (size_t i = 0; i < OPTIONS_NUM; i++)
    if (strcasecmp(c->key, options[i].key) == 0)
      return options[i].parse(c, cfg, &options[i]);
  unknown_option(cfg->name, c->key);
  return -1;
}

/* The file must be usable now (a typo is better reported at start), as
 * it will be at every login (vs_secret). */
static int check_password_file(const vs_config_t *cfg) {
  vs_secret_file_t f;
  vs_secret_status_t st = vs_secret_read_file(cfg->password_file, &f);
  vs_secret_free(f.password);
  if (st == VS_SECRET_OK)
    return 0;
  char buf[128];
  ERROR("vsphere plugin: <Vcenter \"%s\">: option PasswordFile \"%s\": %s%s; "
        "it must be a regular file (a link to one is fine) that collectd's "
        "user can read and only its owner can write.",
        cfg->name, cfg->password_file,
        vs_secret_status_text(st, &f, buf, sizeof(buf)),
        st == VS_SECRET_MODE ? " (chmod o-w it)" : "");
  return -1;
}

static bool format_uses(const vs_format_t *f, vs_field_t field) {
  for (size_t i = 0; i < f->num; i++)
    if (f->fields[i] == field)
      return true;
  return false;
}

bool vs_config_uses_field(const vs_config_t *cfg, vs_field_t field) {
  return format_uses(&cfg->hostname_format, field) ||
         format_uses(&cfg->plugin_instance_format, field);
}

bool vs_config_uses_tags(const vs_config_t *cfg) {
  return vs_config_uses_field(cfg, VS_FIELD_TAG);
}

static int validate(vs_config_t *cfg) {
  const char *missing = NULL, *example = NULL;
  if (cfg->url == NULL)
    missing = "URL", example = "URL \"https://vcenter.example.com/sdk\"";
  else if (cfg->user == NULL)
    missing = "User", example = "User \"monitor@vsphere.local\"";
  else if (cfg->password == NULL && cfg->password_file == NULL)
    missing = "Password or PasswordFile",
    example = "PasswordFile \"/etc/collectd/vsphere.pass\"";
  if (missing != NULL) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: option %s is required; add, "
          "e.g., %s.",
          cfg->name, missing, example);
    return -1;
  }
  if (cfg->password != NULL && cfg->password_file != NULL) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: Password and PasswordFile "
          "exclude each other.",
          cfg->name);
    return -1;
  }
  if (cfg->password_file != NULL && check_password_file(cfg) != 0)
    return -1;
  if (strncasecmp(cfg->url, "https://", 8) != 0 &&
      strncasecmp(cfg->url, "http://", 7) != 0) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: URL must start with https:// "
          "(or http://).",
          cfg->name);
    return -1;
  }
  if (vs_config_uses_tags(cfg) && cfg->tag_interval <= 0) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: a tag:<Category> naming field "
          "needs the tags read: TagInterval 0 turns them off.",
          cfg->name);
    return -1;
  }
  bool any = false;
  for (int k = 0; k < VS_KIND_NUM; k++)
    any |= cfg->collect[k];
  if (!any) {
    ERROR("vsphere plugin: <Vcenter \"%s\">: no kind to collect (Collect, "
          "CollectVMs, CollectHosts): nothing to collect.",
          cfg->name);
    return -1;
  }
  return 0;
}

/* The name becomes part of collectd identifiers and of the read
 * callback's name: no '/', no separator, printable, bounded. */
static int validate_name(const char *name) {
  size_t len = strlen(name);
  const char *why = NULL;
  if (len == 0)
    why = "is empty";
  else if (len > VS_VCENTER_NAME_MAX)
    why = "is longer than 63 bytes";
  else if (strchr(name, '/') != NULL)
    why = "contains '/', which collectd turns into '_' in identifiers";
  else if (strchr(name, VS_FORMAT_SEPARATOR) != NULL)
    why = "contains ':', the separator of the naming formats";
  for (const char *p = name; why == NULL && *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      why = "contains a control character";
  if (why == NULL)
    return 0;
  /* Shown with control characters escaped, and cut if very long. */
  char shown[4 * VS_VCENTER_NAME_MAX + 8] = "";
  size_t n = 0;
  const char *p = name;
  for (; *p && n + 5 < sizeof(shown); p++)
    n += (unsigned char)*p < 0x20 || *p == 0x7f
             ? (size_t)snprintf(shown + n, sizeof(shown) - n, "\\x%02x",
                                (unsigned char)*p)
             : (size_t)snprintf(shown + n, sizeof(shown) - n, "%c", *p);
  shown[vs_utf8_prefix(shown, n)] = 0;
  ERROR("vsphere plugin: <Vcenter \"%s%s\">: the block's name %s; use a "
        "short name such as <Vcenter \"prod\">.",
        shown, *p ? "..." : "", why);
  return -1;
}

int vs_config_parse(const oconfig_item_t *ci, vs_config_t *cfg) {
  set_defaults(cfg);
  if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
    ERROR("vsphere plugin: <Vcenter> needs exactly one non-empty name, "
          "e.g. <Vcenter \"prod\">.");
    return -1;
  }
  if (validate_name(ci->values[0].value.string) != 0)
    return -1;
  cfg->name = strdup(ci->values[0].value.string);
  if (cfg->name == NULL)
    return -1;
  for (int i = 0; i < ci->children_num; i++) {
    if (parse_option(ci->children + i, cfg) != 0) {
      vs_config_free(cfg);
      return -1;
    }
  }
  if (validate(cfg) != 0) {
    vs_config_free(cfg);
    return -1;
  }
  return 0;
}

void vs_config_free(vs_config_t *cfg) {
  free(cfg->name);
  free(cfg->url);
  free(cfg->user);
  vs_secret_free(cfg->password); /* wiped first */
  free(cfg->password_file);
  free(cfg->ca_cert);
  free_strlist(&cfg->metrics);
  free_strlist(&cfg->ignore_metrics);
  free_strlist(&cfg->count_events);
  free_strlist(&cfg->ignore_events);
  for (size_t i = 0; i < cfg->notify_events_num; i++)
    free(cfg->notify_events[i].glob);
  free(cfg->notify_events);
  for (int k = 0; k < VS_KIND_NUM; k++) {
    free_strlist(&cfg->include_paths[k]);
    free_strlist(&cfg->exclude_paths[k]);
    free_strlist(&cfg->include_names[k]);
    free_strlist(&cfg->exclude_names[k]);
  }
  memset(cfg, 0, sizeof(*cfg));
}
