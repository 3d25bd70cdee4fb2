/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_config.c
 * The <Vcenter> block: defaults, every option, and what must be refused.
 * The trees are built by hand with liboconfig's types.
 */
#include "config_helpers.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_config.h"

#include <sys/stat.h>
#include <unistd.h>

/* A PasswordFile must exist (and be safe) when the block is parsed: a
 * fresh file of mode 0600 with `content`; its path in buf. */
static const char *password_file(char *buf, size_t size, const char *content) {
  snprintf(buf, size, "/tmp/vs_unit_cfgXXXXXX");
  int fd = mkstemp(buf);
  if (fd < 0)
    return buf;
  if (write(fd, content, strlen(content)) < 0)
    printf("# writing %s failed\n", buf);
  close(fd);
  return buf;
}

static bool cfg_is_zero(const vs_config_t *cfg) {
  static const vs_config_t zero;
  return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/* Include / Exclude / IncludeName / ExcludeName of every kind: empty. */
static bool kind_lists_empty(const vs_config_t *cfg) {
  for (int k = 0; k < VS_KIND_NUM; k++)
    if (cfg->include_paths[k].num || cfg->include_paths[k].items ||
        cfg->exclude_paths[k].num || cfg->exclude_paths[k].items ||
        cfg->include_names[k].num || cfg->include_names[k].items ||
        cfg->exclude_names[k].num || cfg->exclude_names[k].items)
      return false;
  return true;
}

/* After a refused block the caller frees nothing: no memory may be left
 * in the struct (the defaults may be). */
static bool cfg_owns_nothing(const vs_config_t *cfg) {
  return cfg->name == NULL && cfg->url == NULL && cfg->user == NULL &&
         cfg->password == NULL && cfg->password_file == NULL &&
         cfg->ca_cert == NULL && cfg->metrics.items == NULL &&
         cfg->metrics.num == 0 && cfg->ignore_metrics.items == NULL &&
         cfg->ignore_metrics.num == 0 && kind_lists_empty(cfg);
}

/* Parses `ci`, which must be refused with an error naming `what`. */
static int expect_refused(oconfig_item_t *ci, const char *what) {
  vs_config_t cfg;
  mock_log_reset();
  EXPECT_EQ_INT(-1, vs_config_parse(ci, &cfg));
  OK(mock_log_count(LOG_ERR) >= 1);
  if (what != NULL) {
    size_t hits = mock_log_count_level_containing(LOG_ERR, what);
    if (hits == 0)
      printf("# no error mentions \"%s\" (first: %s)\n", what,
             mock_log_message(0) ? mock_log_message(0) : "none");
    OK(hits >= 1);
  }
  OK(cfg_owns_nothing(&cfg)); /* nothing left to free */
  item_free(ci);
  return 0;
}

/* ---- tests ---- */

DEF_TEST(defaults) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_INT(0, mock_log_num());
  EXPECT_EQ_STR("prod", cfg.name);
  EXPECT_EQ_STR("https://vc.example.com/sdk", cfg.url);
  EXPECT_EQ_STR("monitor@vsphere.local", cfg.user);
  EXPECT_EQ_STR("secret", cfg.password);
  OK(cfg.password_file == NULL);
  OK(cfg.ca_cert == NULL);
  OK(cfg.verify_peer);
  OK(cfg.verify_host);
  EXPECT_EQ_DOUBLE(10.0, cfg.timeout);
  EXPECT_EQ_DOUBLE(60.0, cfg.query_timeout);
  EXPECT_EQ_DOUBLE(30.0, cfg.stall_timeout);
  EXPECT_EQ_DOUBLE(60.0, cfg.lookback);
  OK(!cfg.fill_holes); /* every series moves forward */
  EXPECT_EQ_DOUBLE(0.0, cfg.interval);
  EXPECT_EQ_DOUBLE(300.0, cfg.inventory_interval);
  EXPECT_EQ_UINT64(128u * 1024u * 1024u, cfg.max_response_size);
  EXPECT_EQ_INT(250, cfg.query_batch_size);
  EXPECT_EQ_INT(4, cfg.concurrency);
  EXPECT_EQ_INT(50000, cfg.max_query_metrics);
  EXPECT_EQ_INT(1000, cfg.inventory_page_size);
  /* Collect: VMs, hosts, clusters and datastores; not resource pools or
   * datacenters. Instances: per-instance series of VMs and hosts only. */
  OK(cfg.collect[VS_KIND_VM]);
  OK(cfg.collect[VS_KIND_HOST]);
  OK(cfg.collect[VS_KIND_CLUSTER]);
  OK(cfg.collect[VS_KIND_DATASTORE]);
  OK(!cfg.collect[VS_KIND_RESOURCE_POOL]);
  OK(!cfg.collect[VS_KIND_DATACENTER]);
  OK(cfg.instances[VS_KIND_VM]);
  OK(cfg.instances[VS_KIND_HOST]);
  OK(!cfg.instances[VS_KIND_CLUSTER]);
  OK(!cfg.instances[VS_KIND_DATASTORE]);
  OK(!cfg.instances[VS_KIND_RESOURCE_POOL]);
  OK(!cfg.instances[VS_KIND_DATACENTER]);
  for (int k = 0; k < VS_KIND_NUM; k++) { /* the kind table's defaults */
    EXPECT_EQ_INT(vs_kind_info((vs_kind_t)k)->collect, cfg.collect[k]);
    EXPECT_EQ_INT(vs_kind_info((vs_kind_t)k)->instances, cfg.instances[k]);
  }
  OK(kind_lists_empty(&cfg)); /* no filter */
  OK(cfg.collect_properties);
  EXPECT_EQ_DOUBLE(60.0, cfg.property_interval);
  EXPECT_EQ_DOUBLE(900.0, cfg.historical_lookback);
  EXPECT_EQ_DOUBLE(300.0, cfg.tag_interval);
  EXPECT_EQ_INT(1, cfg.shard_k);
  EXPECT_EQ_INT(1, cfg.shard_n);
  EXPECT_EQ_INT(0, cfg.max_new_series); /* no limit */
  OK(cfg.default_metrics);
  EXPECT_EQ_INT(0, cfg.metrics.num);
  EXPECT_EQ_INT(0, cfg.ignore_metrics.num);
  /* HostnameFormat "name", PluginInstanceFormat "vcenter datacenter
   * cluster" */
  EXPECT_EQ_INT(1, cfg.hostname_format.num);
  EXPECT_EQ_INT(VS_FIELD_NAME, cfg.hostname_format.fields[0]);
  EXPECT_EQ_INT(3, cfg.plugin_instance_format.num);
  EXPECT_EQ_INT(VS_FIELD_VCENTER, cfg.plugin_instance_format.fields[0]);
  EXPECT_EQ_INT(VS_FIELD_DATACENTER, cfg.plugin_instance_format.fields[1]);
  EXPECT_EQ_INT(VS_FIELD_CLUSTER, cfg.plugin_instance_format.fields[2]);
  vs_config_free(&cfg);
  OK(cfg_is_zero(&cfg));
  item_free(ci);
  return 0;
}

DEF_TEST(every_option) {
  mock_reset();
  char pass[64];
  password_file(pass, sizeof(pass), "secret\n");
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "lab");
  opt_str(ci, "URL", "http://127.0.0.1:8989/sdk");
  opt_str(ci, "User", "root");
  opt_str(ci, "PasswordFile", pass);
  opt_bool(ci, "VerifyPeer", 0);
  opt_bool(ci, "VerifyHost", 0);
  opt_str(ci, "CACert", "/etc/ssl/vc.pem");
  opt_num(ci, "Timeout", 2.5);
  opt_num(ci, "QueryTimeout", 90);
  opt_num(ci, "StallTimeout", 12.5);
  opt_num(ci, "LookBack", 120);
  opt_bool(ci, "FillHoles", 1);
  oconfig_item_t *hf = child(ci, "HostnameFormat");
  value_str(hf, "name");
  value_str(hf, "esxhost");
  oconfig_item_t *pf = child(ci, "PluginInstanceFormat");
  value_str(pf, "vcenter");
  value_str(pf, "cluster");
  opt_num(ci, "Interval", 20);
  opt_num(ci, "InventoryInterval", 600);
  opt_num(ci, "MaxResponseSize", 1048576);
  opt_num(ci, "QueryBatchSize", 16);
  opt_num(ci, "MaxQueryMetrics", 1234);
  opt_num(ci, "InventoryPageSize", 250);
  opt_num(ci, "Concurrency", 8);
  opt_bool(ci, "Instances", 0);
  opt_bool(ci, "CollectVMs", 1);
  opt_bool(ci, "CollectHosts", 0);
  opt_bool(ci, "DefaultMetrics", 0);
  opt_str(ci, "Metric", "vm.cpu.*");
  opt_str(ci, "Metric", "vm.mem.usage.average");
  opt_str(ci, "IgnoreMetric", "vm.cpu.ready.*");
  opt_str(ci, "IgnoreMetric", "*.summation");
  opt_str(ci, "IgnoreMetric", "vm.net.*");

  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  EXPECT_EQ_STR("lab", cfg.name);
  EXPECT_EQ_STR("http://127.0.0.1:8989/sdk", cfg.url);
  EXPECT_EQ_STR("root", cfg.user);
  OK(cfg.password == NULL);
  EXPECT_EQ_STR(pass, cfg.password_file);
  OK(!cfg.verify_peer);
  OK(!cfg.verify_host);
  EXPECT_EQ_STR("/etc/ssl/vc.pem", cfg.ca_cert);
  EXPECT_EQ_DOUBLE(2.5, cfg.timeout);
  EXPECT_EQ_DOUBLE(90.0, cfg.query_timeout);
  EXPECT_EQ_DOUBLE(12.5, cfg.stall_timeout);
  EXPECT_EQ_DOUBLE(120.0, cfg.lookback);
  OK(cfg.fill_holes);
  EXPECT_EQ_INT(2, cfg.hostname_format.num);
  EXPECT_EQ_INT(VS_FIELD_NAME, cfg.hostname_format.fields[0]);
  EXPECT_EQ_INT(VS_FIELD_ESXHOST, cfg.hostname_format.fields[1]);
  EXPECT_EQ_INT(2, cfg.plugin_instance_format.num);
  EXPECT_EQ_INT(VS_FIELD_VCENTER, cfg.plugin_instance_format.fields[0]);
  EXPECT_EQ_INT(VS_FIELD_CLUSTER, cfg.plugin_instance_format.fields[1]);
  EXPECT_EQ_DOUBLE(20.0, cfg.interval);
  EXPECT_EQ_DOUBLE(600.0, cfg.inventory_interval);
  EXPECT_EQ_UINT64(1048576, cfg.max_response_size);
  EXPECT_EQ_INT(16, cfg.query_batch_size);
  EXPECT_EQ_INT(1234, cfg.max_query_metrics);
  EXPECT_EQ_INT(250, cfg.inventory_page_size);
  EXPECT_EQ_INT(8, cfg.concurrency);
  for (int k = 0; k < VS_KIND_NUM; k++)
    EXPECT_EQ_INT(0, cfg.instances[k]); /* Instances false: none */
  OK(cfg.collect[VS_KIND_VM]);
  OK(!cfg.collect[VS_KIND_HOST]);
  /* CollectVMs/CollectHosts touch their own kind only */
  OK(cfg.collect[VS_KIND_CLUSTER]);
  OK(cfg.collect[VS_KIND_DATASTORE]);
  OK(!cfg.default_metrics);
  EXPECT_EQ_INT(2, cfg.metrics.num);
  if (cfg.metrics.num == 2) {
    EXPECT_EQ_STR("vm.cpu.*", cfg.metrics.items[0]);
    EXPECT_EQ_STR("vm.mem.usage.average", cfg.metrics.items[1]);
  }
  EXPECT_EQ_INT(3, cfg.ignore_metrics.num);
  if (cfg.ignore_metrics.num == 3) {
    EXPECT_EQ_STR("vm.cpu.ready.*", cfg.ignore_metrics.items[0]);
    EXPECT_EQ_STR("*.summation", cfg.ignore_metrics.items[1]);
    EXPECT_EQ_STR("vm.net.*", cfg.ignore_metrics.items[2]);
  }
  vs_config_free(&cfg);
  item_free(ci);
  unlink(pass);
  return 0;
}

DEF_TEST(keys_are_case_insensitive) {
  mock_reset();
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "url", "HTTPS://VC/sdk");
  opt_str(ci, "USER", "u");
  opt_str(ci, "password", "p");
  opt_bool(ci, "verifypeer", 0);
  opt_num(ci, "TIMEOUT", 3);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_STR("HTTPS://VC/sdk", cfg.url);
  OK(!cfg.verify_peer);
  EXPECT_EQ_DOUBLE(3.0, cfg.timeout);
  vs_config_free(&cfg);
  item_free(ci);
  return 0;
}

DEF_TEST(booleans_as_strings) {
  struct {
    const char *text;
    bool value;
  } cases[] = {{"true", true},   {"True", true}, {"yes", true},
               {"false", false}, {"NO", false},  {"no", false}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    mock_reset();
    oconfig_item_t *ci = minimal();
    opt_str(ci, "Instances", cases[i].text);
    opt_str(ci, "VerifyPeer", cases[i].text);
    vs_config_t cfg;
    EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
    /* a boolean Instances is about VMs and hosts, as it always was */
    EXPECT_EQ_INT(cases[i].value, cfg.instances[VS_KIND_VM]);
    EXPECT_EQ_INT(cases[i].value, cfg.instances[VS_KIND_HOST]);
    EXPECT_EQ_INT(0, cfg.instances[VS_KIND_DATASTORE]);
    EXPECT_EQ_INT(cases[i].value, cfg.verify_peer);
    vs_config_free(&cfg);
    item_free(ci);
  }
  return 0;
}

DEF_TEST(repeated_option_last_wins) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_str(ci, "URL", "https://other/sdk");
  opt_str(ci, "Password", "second");
  opt_num(ci, "Timeout", 5);
  opt_num(ci, "Timeout", 7);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_STR("https://other/sdk", cfg.url); /* the first is freed */
  EXPECT_EQ_STR("second", cfg.password);
  EXPECT_EQ_DOUBLE(7.0, cfg.timeout);
  vs_config_free(&cfg);
  item_free(ci);
  return 0;
}

DEF_TEST(unknown_key_rejected) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_str(ci, "Bogus", "x");
  expect_refused(ci, "Bogus");
  OK(mock_log_count_containing("prod") >= 1); /* names the block too */

  /* an unknown key early on: the strings parsed before are freed */
  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "Metric", "vm.*");
  opt_str(ci, "Passwort", "typo");
  opt_str(ci, "User", "never read");
  expect_refused(ci, "Passwort");

  /* a nested block is an unknown key too */
  ci = minimal();
  oconfig_item_t *nested = child(ci, "Vcenter");
  value_str(nested, "inner");
  expect_refused(ci, "`Vcenter'");
  return 0;
}

DEF_TEST(required_options) {
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "User", "u");
  opt_str(ci, "Password", "p");
  expect_refused(ci, "URL");

  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "Password", "p");
  expect_refused(ci, "User");

  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  expect_refused(ci, "Password");

  /* PasswordFile alone is enough */
  mock_reset();
  char pass[64];
  password_file(pass, sizeof(pass), "p");
  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", pass);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  OK(cfg.password == NULL);
  EXPECT_EQ_STR(pass, cfg.password_file);
  vs_config_free(&cfg);
  item_free(ci);
  unlink(pass);
  return 0;
}

DEF_TEST(password_and_password_file_exclusive) {
  char pass[64];
  password_file(pass, sizeof(pass), "p");
  oconfig_item_t *ci = minimal();
  opt_str(ci, "PasswordFile", pass);
  expect_refused(ci, "PasswordFile");
  OK(mock_log_count_containing("exclude each other") == 1);
  unlink(pass);
  return 0;
}

/* PasswordFile is checked when the block is parsed: it must be a regular
 * file (a link to one is fine) that only its owner can write. */
DEF_TEST(password_file_checked) {
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", "/nonexistent/vs_unit/secret");
  expect_refused(ci, "PasswordFile");
  OK(mock_log_count_containing("/nonexistent/vs_unit/secret") == 1);

  ci = item_new("Vcenter"); /* a directory */
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", "/tmp");
  expect_refused(ci, "PasswordFile");

  char pass[64], link_path[80];
  password_file(pass, sizeof(pass), "p");
  OK(chmod(pass, 0666) == 0); /* anyone may write it */
  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", pass);
  expect_refused(ci, "PasswordFile");

  /* a link to a safe file is fine (secret mounts are links) */
  OK(chmod(pass, 0600) == 0);
  snprintf(link_path, sizeof(link_path), "%s.link", pass);
  OK(symlink(pass, link_path) == 0);
  mock_reset();
  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", link_path);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  vs_config_free(&cfg);
  item_free(ci);
  unlink(link_path);
  unlink(pass);
  return 0;
}

DEF_TEST(block_name) {
  oconfig_item_t *ci = minimal();
  free(ci->values[0].value.string);
  free(ci->values);
  ci->values = NULL;
  ci->values_num = 0;
  expect_refused(ci, "Vcenter");

  ci = minimal();
  free(ci->values[0].value.string);
  ci->values[0].value.string = strdup("");
  expect_refused(ci, "Vcenter");

  ci = minimal();
  free(ci->values[0].value.string);
  ci->values[0].type = OCONFIG_TYPE_NUMBER;
  ci->values[0].value.number = 1;
  expect_refused(ci, "Vcenter");

  ci = minimal();
  value_str(ci, "second name");
  expect_refused(ci, "Vcenter");
  return 0;
}

DEF_TEST(field_names) {
  const char *names[VS_FIELD_NUM] = {
      "name", "moref", "uuid", "vcenter", "datacenter", "cluster", "esxhost"};
  for (int f = 0; f < VS_FIELD_NUM; f++) {
    EXPECT_EQ_INT(f, vs_field_from_string(names[f]));
  }
  EXPECT_EQ_INT(VS_FIELD_NAME, vs_field_from_string("Name"));
  EXPECT_EQ_INT(VS_FIELD_ESXHOST, vs_field_from_string("ESXHOST"));
  EXPECT_EQ_INT(-1, vs_field_from_string("hostname"));
  EXPECT_EQ_INT(-1, vs_field_from_string(""));
  EXPECT_EQ_INT(-1, vs_field_from_string("name "));
  EXPECT_EQ_INT(-1, vs_field_from_string("esx host"));
  return 0;
}

DEF_TEST(naming_formats) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  oconfig_item_t *f = child(ci, "HostnameFormat");
  value_str(f, "Cluster"); /* case does not matter */
  value_str(f, "NAME");
  value_str(f, "name"); /* a field twice is allowed */
  f = child(ci, "PluginInstanceFormat");
  const char *all[] = {"name",       "moref",   "uuid",    "vcenter",
                       "datacenter", "cluster", "esxhost", "vcenter"};
  for (size_t i = 0; i < VS_FORMAT_MAX_FIELDS; i++) /* the most there can be */
    value_str(f, all[i]);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(3, cfg.hostname_format.num);
  EXPECT_EQ_INT(VS_FIELD_CLUSTER, cfg.hostname_format.fields[0]);
  EXPECT_EQ_INT(VS_FIELD_NAME, cfg.hostname_format.fields[1]);
  EXPECT_EQ_INT(VS_FIELD_NAME, cfg.hostname_format.fields[2]);
  EXPECT_EQ_INT(VS_FORMAT_MAX_FIELDS, cfg.plugin_instance_format.num);
  for (size_t i = 0; i < VS_FORMAT_MAX_FIELDS; i++)
    EXPECT_EQ_INT(vs_field_from_string(all[i]),
                  cfg.plugin_instance_format.fields[i]);
  vs_config_free(&cfg);
  item_free(ci);

  /* the last one given wins, whole */
  mock_reset();
  ci = minimal();
  f = child(ci, "HostnameFormat");
  value_str(f, "name");
  value_str(f, "moref");
  f = child(ci, "HostnameFormat");
  value_str(f, "uuid");
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_INT(1, cfg.hostname_format.num);
  EXPECT_EQ_INT(VS_FIELD_UUID, cfg.hostname_format.fields[0]);
  vs_config_free(&cfg);
  item_free(ci);
  return 0;
}

DEF_TEST(naming_format_errors) {
  const char *keys[] = {"HostnameFormat", "PluginInstanceFormat"};
  for (size_t k = 0; k < 2; k++) {
    /* an unknown field: named by its position */
    oconfig_item_t *ci = minimal();
    oconfig_item_t *f = child(ci, keys[k]);
    value_str(f, "name");
    value_str(f, "hostname");
    expect_refused(ci, keys[k]);
    OK(mock_log_count_level_containing(LOG_ERR, "field 2") == 1);
    OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
    OK(mock_log_count_level_containing(LOG_ERR, "esxhost") == 1); /* lists */

    /* too many fields */
    ci = minimal();
    f = child(ci, keys[k]);
    for (int i = 0; i < VS_FORMAT_MAX_FIELDS + 1; i++)
      value_str(f, "name");
    expect_refused(ci, keys[k]);
    OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);

    /* none */
    ci = minimal();
    child(ci, keys[k]);
    expect_refused(ci, keys[k]);

    /* not a string */
    ci = minimal();
    f = child(ci, keys[k]);
    value_num(f, 1);
    expect_refused(ci, keys[k]);
    ci = minimal();
    f = child(ci, keys[k]);
    value_str(f, "name");
    value_bool(f, 1);
    expect_refused(ci, keys[k]);

    /* one word with spaces is not a list */
    ci = minimal();
    opt_str(ci, keys[k], "vcenter datacenter");
    expect_refused(ci, keys[k]);
  }
  return 0;
}

/* <Vcenter "name">: an error that names the block. */
static void expect_name_refused(const char *name) {
  oconfig_item_t *ci = minimal();
  free(ci->values[0].value.string);
  ci->values[0].value.string = strdup(name);
  /* The error shows the name with control characters escaped (\xNN). */
  char shown[256] = "", *w = shown;
  for (const char *p = name; *p; p++)
    w += (unsigned char)*p < 0x20 || *p == 0x7f
             ? sprintf(w, "\\x%02x", (unsigned char)*p)
             : sprintf(w, "%c", *p);
  char what[300];
  snprintf(what, sizeof(what), "<Vcenter \"%s\">", shown);
  expect_refused(ci, what);
}

static void expect_name_accepted(const char *name) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  free(ci->values[0].value.string);
  ci->values[0].value.string = strdup(name);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_STR(name, cfg.name);
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  vs_config_free(&cfg);
  item_free(ci);
}

DEF_TEST(block_name_validated) {
  char long_name[VS_VCENTER_NAME_MAX + 2];
  memset(long_name, 'v', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = 0; /* 64 bytes */
  expect_name_refused(long_name);
  OK(mock_log_count_containing("63") >= 1); /* says the limit */
  long_name[VS_VCENTER_NAME_MAX] = 0;       /* 63 bytes: the longest */
  expect_name_accepted(long_name);

  expect_name_refused("");
  expect_name_refused("prod/east");
  OK(mock_log_count_containing("'/'") >= 1);
  expect_name_refused("/");
  expect_name_refused("prod:east");
  OK(mock_log_count_containing("':'") >= 1);
  expect_name_refused("tab\there");
  OK(mock_log_count_containing("control character") >= 1);
  expect_name_refused("line\nbreak");
  expect_name_refused("esc\x1b[31m");
  expect_name_refused("del\x7f");
  expect_name_refused("\r");

  /* the length is in bytes: 21 CJK characters fit (63), 22 do not */
  char cjk[23 * 3 + 1] = "";
  for (int i = 0; i < 21; i++)
    strcat(cjk, "\xe4\xb8\xad");
  expect_name_accepted(cjk);
  strcat(cjk, "\xe4\xb8\xad");
  expect_name_refused(cjk);

  /* what is fine */
  expect_name_accepted("prod");
  expect_name_accepted("prod-east_1.example");
  expect_name_accepted("prod east");
  expect_name_accepted("pr\xc3\xa9prod");
  expect_name_accepted("v");
  return 0;
}

DEF_TEST(wrong_argument_types) {
  oconfig_item_t *ci;

  ci = minimal();
  opt_num(ci, "CACert", 42);
  expect_refused(ci, "CACert");

  ci = minimal();
  opt_str(ci, "Timeout", "10");
  expect_refused(ci, "Timeout");

  ci = minimal();
  opt_num(ci, "VerifyPeer", 1);
  expect_refused(ci, "VerifyPeer");

  ci = minimal();
  opt_str(ci, "Instances", "maybe");
  expect_refused(ci, "Instances");

  ci = minimal();
  opt_bool(ci, "QueryBatchSize", 1);
  expect_refused(ci, "QueryBatchSize");

  ci = minimal();
  opt_num(ci, "QueryBatchSize", 1.5); /* not an integer */
  expect_refused(ci, "QueryBatchSize");

  ci = minimal();
  opt_num(ci, "Metric", 3);
  expect_refused(ci, "Metric");

  ci = minimal();
  opt_str(ci, "QueryTimeout", "60");
  expect_refused(ci, "QueryTimeout");

  ci = minimal();
  opt_bool(ci, "LookBack", 1);
  expect_refused(ci, "LookBack");

  ci = minimal();
  opt_str(ci, "StallTimeout", "fast");
  expect_refused(ci, "StallTimeout");

  ci = minimal();
  child(ci, "Timeout"); /* no value */
  expect_refused(ci, "Timeout");

  ci = minimal();
  oconfig_item_t *two = child(ci, "User");
  value_str(two, "a");
  value_str(two, "b");
  expect_refused(ci, "User");

  ci = minimal();
  two = child(ci, "IgnoreMetric");
  value_str(two, "vm.*");
  value_str(two, "host.*");
  expect_refused(ci, "IgnoreMetric");
  return 0;
}

DEF_TEST(numbers_out_of_range) {
  struct {
    const char *key;
    double value;
  } bad[] = {
      {"Timeout", 0},
      {"Timeout", -1},
      {"Timeout", 3601},
      {"Interval", -1},
      {"InventoryInterval", 0},
      {"MaxResponseSize", 100},
      {"QueryBatchSize", 0},
      {"QueryBatchSize", 10001},
      {"MaxQueryMetrics", 0},
      {"InventoryPageSize", -5},
      {"Timeout", NAN},
      {"Timeout", INFINITY},
      {"QueryTimeout", 0},
      {"QueryTimeout", 0.05},
      {"QueryTimeout", 3601},
      {"StallTimeout", 0},
      {"StallTimeout", -3},
      {"StallTimeout", 3601},
      {"LookBack", -1},
      {"LookBack", -0.001},
      {"LookBack", 3601},
      {"LookBack", NAN},
      {"PropertyInterval", 0},
      {"PropertyInterval", 0.05},
      {"PropertyInterval", 86401},
      {"HistoricalLookBack", -1},
      {"HistoricalLookBack", 9601}, /* 32 slots of 300 s */
      {"HistoricalLookBack", NAN},
      {"MaxNewSeries", -1},
      {"MaxNewSeries", 1.5},
      {"MaxNewSeries", 100000001},
      {"TagInterval", -1},
      {"TagInterval", 604801},
      {"TagInterval", NAN},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    oconfig_item_t *ci = minimal();
    opt_num(ci, bad[i].key, bad[i].value);
    expect_refused(ci, bad[i].key);
  }
  /* the bounds themselves are fine */
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_num(ci, "Timeout", 0.1);
  opt_num(ci, "QueryBatchSize", 1);
  opt_num(ci, "MaxQueryMetrics", 250000);
  opt_num(ci, "QueryTimeout", 3600);
  opt_num(ci, "StallTimeout", 0.1);
  opt_num(ci, "LookBack", 0);              /* no look-back at all */
  opt_num(ci, "HistoricalLookBack", 9600); /* the most: 32 slots */
  opt_num(ci, "PropertyInterval", 1);
  opt_num(ci, "MaxNewSeries", 100000000);
  opt_num(ci, "TagInterval", 0); /* tags off */
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  EXPECT_EQ_DOUBLE(0.0, cfg.tag_interval);
  EXPECT_EQ_DOUBLE(9600.0, cfg.historical_lookback);
  EXPECT_EQ_DOUBLE(1.0, cfg.property_interval);
  EXPECT_EQ_INT(100000000, cfg.max_new_series);
  EXPECT_EQ_DOUBLE(3600.0, cfg.query_timeout);
  EXPECT_EQ_DOUBLE(0.1, cfg.stall_timeout);
  EXPECT_EQ_DOUBLE(0.0, cfg.lookback);
  EXPECT_EQ_DOUBLE(0.1, cfg.timeout);
  EXPECT_EQ_INT(1, cfg.query_batch_size);
  EXPECT_EQ_INT(250000, cfg.max_query_metrics);
  vs_config_free(&cfg);
  item_free(ci);
  return 0;
}

DEF_TEST(url_scheme) {
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "vc.example.com/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "Password", "p");
  expect_refused(ci, "URL");

  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "ftp://vc.example.com/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "Password", "p");
  expect_refused(ci, "https://");
  return 0;
}

DEF_TEST(nothing_to_collect) {
  /* Clusters and datastores are collected by default now: switching VMs
   * and hosts off leaves them, which is a valid configuration. */
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_bool(ci, "CollectVMs", 0);
  opt_bool(ci, "CollectHosts", 0);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  OK(!cfg.collect[VS_KIND_VM] && !cfg.collect[VS_KIND_HOST]);
  OK(cfg.collect[VS_KIND_CLUSTER] && cfg.collect[VS_KIND_DATASTORE]);
  vs_config_free(&cfg);
  item_free(ci);

  /* nothing left at all: refused, naming the options to look at */
  ci = minimal();
  const char *vm_host[] = {"vm", "host", NULL};
  opt_strs(ci, "Collect", vm_host);
  opt_bool(ci, "CollectVMs", 0);
  opt_bool(ci, "CollectHosts", 0);
  expect_refused(ci, "CollectVMs");
  OK(mock_log_count_level_containing(LOG_ERR, "Collect") >= 1);
  OK(mock_log_count_level_containing(LOG_ERR, "nothing to collect") == 1);
  OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);

  ci = minimal();
  const char *vm[] = {"vm", NULL};
  opt_strs(ci, "Collect", vm);
  opt_bool(ci, "CollectVMs", 0);
  expect_refused(ci, "nothing to collect");
  return 0;
}

/* ==== kinds, filters, properties, sharding ==== */

static const char *const kind_names[VS_KIND_NUM] = {
    "vm", "host", "cluster", "datastore", "resourcepool", "datacenter"};

/* "vm,datastore": the kinds set in a per-kind flag array. */
static const char *kinds_of(const bool flags[VS_KIND_NUM], char *buf,
                            size_t size) {
  size_t len = 0;
  buf[0] = 0;
  for (int k = 0; k < VS_KIND_NUM && len < size; k++)
    if (flags[k])
      len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
                              kind_names[k]);
  return buf;
}

/* Parses `ci` (freed), which must be accepted; the result in *cfg. */
static int expect_accepted(oconfig_item_t *ci, vs_config_t *cfg) {
  mock_log_reset();
  int rc = vs_config_parse(ci, cfg);
  EXPECT_EQ_INT(0, rc);
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  item_free(ci);
  if (rc != 0)
    memset(cfg, 0, sizeof(*cfg));
  return rc;
}

DEF_TEST(kind_names) {
  for (int k = 0; k < VS_KIND_NUM; k++) {
    EXPECT_EQ_STR(kind_names[k], vs_kind_info((vs_kind_t)k)->name);
    EXPECT_EQ_INT(k, vs_kind_from_name(kind_names[k]));
  }
  EXPECT_EQ_INT(VS_KIND_RESOURCE_POOL, vs_kind_from_name("ResourcePool"));
  EXPECT_EQ_INT(VS_KIND_VM, vs_kind_from_name("VM"));
  EXPECT_EQ_INT(-1, vs_kind_from_name("vms"));
  EXPECT_EQ_INT(-1, vs_kind_from_name("resource pool"));
  EXPECT_EQ_INT(-1, vs_kind_from_name("VirtualMachine")); /* not a type */
  EXPECT_EQ_INT(-1, vs_kind_from_name(""));
  return 0;
}

DEF_TEST(collect_kinds) {
  char buf[128];
  vs_config_t cfg;
  /* exactly the kinds listed: the defaults are replaced */
  oconfig_item_t *ci = minimal();
  const char *vm_ds[] = {"vm", "datastore", NULL};
  opt_strs(ci, "Collect", vm_ds);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("vm,datastore", kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* every kind, in any case and order, one twice */
  ci = minimal();
  const char *all[] = {"Datacenter", "RESOURCEPOOL", "host", "vm",
                       "Cluster",    "datastore",    "vm",   NULL};
  opt_strs(ci, "Collect", all);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("vm,host,cluster,datastore,resourcepool,datacenter",
                  kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* one kind alone, not a default one */
  ci = minimal();
  opt_str(ci, "Collect", "resourcepool");
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("resourcepool", kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* the last Collect wins, whole */
  ci = minimal();
  opt_strs(ci, "Collect", vm_ds);
  opt_str(ci, "Collect", "host");
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("host", kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* CollectVMs / CollectHosts still work, in the order given: after a
   * Collect they add to (or take from) it, before one they are replaced */
  ci = minimal();
  opt_strs(ci, "Collect", vm_ds);
  opt_bool(ci, "CollectHosts", 1);
  opt_bool(ci, "CollectVMs", 0);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("host,datastore", kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  ci = minimal();
  opt_bool(ci, "CollectHosts", 1);
  opt_str(ci, "Collect", "cluster");
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("cluster", kinds_of(cfg.collect, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  return 0;
}

DEF_TEST(collect_errors) {
  /* an unknown kind: the option, the block, which value, the kinds */
  oconfig_item_t *ci = minimal();
  const char *typo[] = {"vm", "vms", NULL};
  opt_strs(ci, "Collect", typo);
  expect_refused(ci, "`Collect'");
  OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
  OK(mock_log_count_level_containing(LOG_ERR, "value 2") == 1);
  OK(mock_log_count_level_containing(
         LOG_ERR, "vm, host, cluster, datastore, resourcepool or "
                  "datacenter") == 1);
  /* no kind at all */
  ci = minimal();
  child(ci, "Collect");
  expect_refused(ci, "`Collect'");
  OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
  /* not a string */
  ci = minimal();
  opt_num(ci, "Collect", 1);
  expect_refused(ci, "`Collect'");
  ci = minimal();
  oconfig_item_t *c = child(ci, "Collect");
  value_str(c, "vm");
  value_bool(c, 1);
  expect_refused(ci, "value 2");
  /* a managed object type is not a kind name */
  ci = minimal();
  opt_str(ci, "Collect", "VirtualMachine");
  expect_refused(ci, "`Collect'");
  return 0;
}

DEF_TEST(instances_option) {
  char buf[128];
  vs_config_t cfg;
  /* a boolean: VMs and hosts (the kinds with per-instance series by
   * default), as before there were other kinds */
  oconfig_item_t *ci = minimal();
  opt_bool(ci, "Instances", 1);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("vm,host", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  ci = minimal();
  opt_bool(ci, "Instances", 0);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  ci = minimal();
  opt_str(ci, "Instances", "no");
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* a list of kinds: exactly these */
  ci = minimal();
  const char *list[] = {"datastore", "vm", NULL};
  opt_strs(ci, "Instances", list);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("vm,datastore", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* one kind alone is a list too, not a boolean */
  ci = minimal();
  opt_str(ci, "Instances", "cluster");
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("cluster", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* the last one wins */
  ci = minimal();
  opt_strs(ci, "Instances", list);
  opt_bool(ci, "Instances", 1);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_STR("vm,host", kinds_of(cfg.instances, buf, sizeof(buf)));
    vs_config_free(&cfg);
  }
  /* errors */
  ci = minimal();
  opt_str(ci, "Instances", "maybe"); /* neither a boolean nor a kind */
  expect_refused(ci, "Instances");
  ci = minimal();
  const char *bad[] = {"vm", "maybe", NULL};
  opt_strs(ci, "Instances", bad);
  expect_refused(ci, "`Instances'");
  OK(mock_log_count_level_containing(LOG_ERR, "value 2") == 1);
  OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
  ci = minimal();
  oconfig_item_t *c = child(ci, "Instances");
  value_bool(c, 1);
  value_str(c, "vm");
  expect_refused(ci, "`Instances'");
  ci = minimal();
  child(ci, "Instances");
  expect_refused(ci, "`Instances'");
  ci = minimal();
  opt_num(ci, "Instances", 1);
  expect_refused(ci, "Instances");
  return 0;
}

static size_t list_num(const vs_strlist_t *l) { return l->num; }
static const char *list_at(const vs_strlist_t *l, size_t i) {
  return i < l->num ? l->items[i] : "(none)";
}

DEF_TEST(filter_options) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  const char *inc_vm[] = {"vm", "/DC1/vm/**", "/DC2/vm/web*", NULL};
  const char *inc_vm2[] = {"VM", "/DC3/**", NULL}; /* appended */
  const char *exc_vm[] = {"vm", "/DC1/vm/tmp/*", NULL};
  const char *inc_host[] = {"host", "/*/host/Cluster-A/*", NULL};
  const char *name_ds[] = {"datastore", "ds-*", "nfs?", NULL};
  const char *xname_vm[] = {"vm", "*-template", NULL};
  const char *xname_rp[] = {"resourcepool", "Resources", NULL};
  opt_strs(ci, "Include", inc_vm);
  opt_strs(ci, "Exclude", exc_vm);
  opt_strs(ci, "Include", inc_host);
  opt_strs(ci, "IncludeName", name_ds);
  opt_strs(ci, "ExcludeName", xname_vm);
  opt_strs(ci, "ExcludeName", xname_rp);
  opt_strs(ci, "Include", inc_vm2);
  vs_config_t cfg;
  if (expect_accepted(ci, &cfg) != 0)
    return 0;
  EXPECT_EQ_INT(3, list_num(&cfg.include_paths[VS_KIND_VM]));
  EXPECT_EQ_STR("/DC1/vm/**", list_at(&cfg.include_paths[VS_KIND_VM], 0));
  EXPECT_EQ_STR("/DC2/vm/web*", list_at(&cfg.include_paths[VS_KIND_VM], 1));
  EXPECT_EQ_STR("/DC3/**", list_at(&cfg.include_paths[VS_KIND_VM], 2));
  EXPECT_EQ_INT(1, list_num(&cfg.exclude_paths[VS_KIND_VM]));
  EXPECT_EQ_STR("/DC1/vm/tmp/*", list_at(&cfg.exclude_paths[VS_KIND_VM], 0));
  EXPECT_EQ_INT(1, list_num(&cfg.include_paths[VS_KIND_HOST]));
  EXPECT_EQ_STR("/*/host/Cluster-A/*",
                list_at(&cfg.include_paths[VS_KIND_HOST], 0));
  EXPECT_EQ_INT(2, list_num(&cfg.include_names[VS_KIND_DATASTORE]));
  EXPECT_EQ_STR("ds-*", list_at(&cfg.include_names[VS_KIND_DATASTORE], 0));
  EXPECT_EQ_STR("nfs?", list_at(&cfg.include_names[VS_KIND_DATASTORE], 1));
  EXPECT_EQ_INT(1, list_num(&cfg.exclude_names[VS_KIND_VM]));
  EXPECT_EQ_STR("*-template", list_at(&cfg.exclude_names[VS_KIND_VM], 0));
  EXPECT_EQ_INT(1, list_num(&cfg.exclude_names[VS_KIND_RESOURCE_POOL]));
  /* each list is of its own option and kind: nothing else was touched */
  size_t others = 0;
  for (int k = 0; k < VS_KIND_NUM; k++) {
    if (k != VS_KIND_VM && k != VS_KIND_HOST)
      others += cfg.include_paths[k].num;
    if (k != VS_KIND_VM)
      others += cfg.exclude_paths[k].num;
    if (k != VS_KIND_DATASTORE)
      others += cfg.include_names[k].num;
    if (k != VS_KIND_VM && k != VS_KIND_RESOURCE_POOL)
      others += cfg.exclude_names[k].num;
  }
  EXPECT_EQ_INT(0, others);
  /* a filter does not change what is collected */
  OK(cfg.collect[VS_KIND_VM] && !cfg.collect[VS_KIND_RESOURCE_POOL]);
  vs_config_free(&cfg);
  OK(cfg_is_zero(&cfg));
  return 0;
}

DEF_TEST(filter_option_errors) {
  const char *keys[] = {"Include", "Exclude", "IncludeName", "ExcludeName"};
  for (size_t i = 0; i < 4; i++) {
    char quoted[32];
    snprintf(quoted, sizeof(quoted), "`%s'", keys[i]);
    /* a kind without a glob */
    oconfig_item_t *ci = minimal();
    opt_str(ci, keys[i], "vm");
    expect_refused(ci, quoted);
    OK(mock_log_count_level_containing(LOG_ERR, "glob") == 1);
    OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
    /* an unknown kind, named by the option and the block */
    ci = minimal();
    const char *typo[] = {"virtualmachine", "/DC1/**", NULL};
    opt_strs(ci, keys[i], typo);
    expect_refused(ci, quoted);
    OK(mock_log_count_level_containing(LOG_ERR, "not a kind") == 1);
    OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
    /* the glob first, the kind forgotten */
    ci = minimal();
    opt_str(ci, keys[i], "/DC1/vm/**");
    expect_refused(ci, quoted);
    /* nothing at all */
    ci = minimal();
    child(ci, keys[i]);
    expect_refused(ci, quoted);
    /* a glob that is no string, after good ones: what was added is freed
     * (valgrind), and the error names the value */
    ci = minimal();
    const char *good[] = {"host", "/a/*", NULL};
    opt_strs(ci, keys[i], good);
    oconfig_item_t *c = child(ci, keys[i]);
    value_str(c, "host");
    value_str(c, "/b/*");
    value_num(c, 3);
    expect_refused(ci, "value 3");
    /* a number for the kind */
    ci = minimal();
    c = child(ci, keys[i]);
    value_num(c, 1);
    value_str(c, "/x");
    expect_refused(ci, quoted);
  }
  return 0;
}

DEF_TEST(property_options) {
  vs_config_t cfg;
  oconfig_item_t *ci = minimal();
  opt_bool(ci, "CollectProperties", 0);
  opt_num(ci, "PropertyInterval", 30);
  opt_num(ci, "HistoricalLookBack", 1800);
  opt_num(ci, "MaxNewSeries", 500);
  if (expect_accepted(ci, &cfg) == 0) {
    OK(!cfg.collect_properties);
    EXPECT_EQ_DOUBLE(30.0, cfg.property_interval);
    EXPECT_EQ_DOUBLE(1800.0, cfg.historical_lookback);
    EXPECT_EQ_INT(500, cfg.max_new_series);
    vs_config_free(&cfg);
  }
  /* HistoricalLookBack 0: no look-back; MaxNewSeries 0: no limit */
  ci = minimal();
  opt_str(ci, "CollectProperties", "yes");
  opt_num(ci, "HistoricalLookBack", 0);
  opt_num(ci, "MaxNewSeries", 0);
  opt_num(ci, "PropertyInterval", 86400);
  if (expect_accepted(ci, &cfg) == 0) {
    OK(cfg.collect_properties);
    EXPECT_EQ_DOUBLE(0.0, cfg.historical_lookback);
    EXPECT_EQ_INT(0, cfg.max_new_series);
    EXPECT_EQ_DOUBLE(86400.0, cfg.property_interval);
    vs_config_free(&cfg);
  }
  /* wrong types and ranges, each error naming its option and range */
  ci = minimal();
  opt_str(ci, "CollectProperties", "sometimes");
  expect_refused(ci, "CollectProperties");
  ci = minimal();
  opt_str(ci, "HistoricalLookBack", "900");
  expect_refused(ci, "HistoricalLookBack");
  ci = minimal();
  opt_num(ci, "HistoricalLookBack", 9601);
  expect_refused(ci, "HistoricalLookBack");
  OK(mock_log_count_level_containing(LOG_ERR, "9600") == 1);
  ci = minimal();
  opt_num(ci, "PropertyInterval", 0);
  expect_refused(ci, "PropertyInterval");
  ci = minimal();
  opt_bool(ci, "MaxNewSeries", 1);
  expect_refused(ci, "MaxNewSeries");
  return 0;
}

DEF_TEST(shard_option) {
  struct {
    const char *text;
    int k, n;
  } good[] = {{"1/1", 1, 1},
              {"2/4", 2, 4},
              {"4/4", 4, 4},
              {"1/1024", 1, 1024},
              {"1024/1024", 1024, 1024}};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    oconfig_item_t *ci = minimal();
    opt_str(ci, "Shard", good[i].text);
    vs_config_t cfg;
    if (expect_accepted(ci, &cfg) != 0)
      continue;
    EXPECT_EQ_INT(good[i].k, cfg.shard_k);
    EXPECT_EQ_INT(good[i].n, cfg.shard_n);
    vs_config_free(&cfg);
  }
  const char *bad[] = {"0/4",    "5/4", "-1/4", "1/0",   "1/1025",
                       "4",      "a/b", "2/4x", "2/4/8", "",
                       "1 of 4", "/4",  "2/",   "2.5/4"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    oconfig_item_t *ci = minimal();
    opt_str(ci, "Shard", bad[i]);
    expect_refused(ci, "\"k/N\"");
    OK(mock_log_count_level_containing(LOG_ERR, "`Shard'") == 1);
    OK(mock_log_count_level_containing(LOG_ERR, "<Vcenter \"prod\">") == 1);
  }
  /* not a string: the same error */
  oconfig_item_t *ci = minimal();
  opt_num(ci, "Shard", 2);
  expect_refused(ci, "\"k/N\"");
  ci = minimal();
  oconfig_item_t *c = child(ci, "Shard");
  value_str(c, "1");
  value_str(c, "4");
  expect_refused(ci, "\"k/N\"");
  return 0;
}

DEF_TEST(free_is_idempotent) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_str(ci, "Metric", "a");
  const char *inc[] = {"vm", "/a/**", "/b/*", NULL};
  opt_strs(ci, "Include", inc);
  const char *xn[] = {"datacenter", "x*", NULL};
  opt_strs(ci, "ExcludeName", xn);
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  vs_config_free(&cfg);
  OK(cfg_is_zero(&cfg));
  vs_config_free(&cfg); /* a zeroed config frees to nothing */
  OK(cfg_is_zero(&cfg));
  item_free(ci);
  return 0;
}

DEF_TEST(issue16_options) {
  vs_config_t cfg;
  oconfig_item_t *ci = minimal();
  /* the defaults */
  if (expect_accepted(ci, &cfg) == 0) {
    OK(cfg.host_sensors && cfg.custom_attributes && cfg.datastore_names);
    OK(!cfg.snapshot_size);
    vs_config_free(&cfg);
  }
  ci = minimal();
  opt_bool(ci, "HostSensors", 0);
  opt_bool(ci, "SnapshotSize", 1);
  opt_bool(ci, "CustomAttributes", 0);
  opt_bool(ci, "DatastoreNames", 0);
  oconfig_item_t *f = child(ci, "HostnameFormat");
  value_str(f, "name");
  value_str(f, "attr:Owner");
  value_str(f, "ATTR:Cost Center");
  if (expect_accepted(ci, &cfg) == 0) {
    OK(!cfg.host_sensors && !cfg.custom_attributes && !cfg.datastore_names);
    OK(cfg.snapshot_size);
    EXPECT_EQ_INT(3, cfg.hostname_format.num);
    EXPECT_EQ_INT(VS_FIELD_ATTRIBUTE, cfg.hostname_format.fields[1]);
    EXPECT_EQ_STR("Owner", cfg.hostname_format.args[1]);
    EXPECT_EQ_STR("Cost Center", cfg.hostname_format.args[2]);
    vs_config_free(&cfg);
  }
  /* an attribute field without a name, or with one too long */
  ci = minimal();
  value_str(child(ci, "HostnameFormat"), "attr:");
  expect_refused(ci, "HostnameFormat");
  ci = minimal();
  char longname[VS_FORMAT_ARG_LEN + 8];
  memset(longname, 'a', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = 0;
  memcpy(longname, "attr:", 5);
  value_str(child(ci, "PluginInstanceFormat"), longname);
  expect_refused(ci, "PluginInstanceFormat");
  ci = minimal();
  opt_str(ci, "SnapshotSize", "sometimes");
  expect_refused(ci, "SnapshotSize");
  /* tag:<Category>, any case, in either format */
  ci = minimal();
  static const char *const by_tag[] = {"vcenter", "TAG:Environment", NULL};
  opt_strs(ci, "PluginInstanceFormat", by_tag);
  if (expect_accepted(ci, &cfg) == 0) {
    EXPECT_EQ_INT(2, cfg.plugin_instance_format.num);
    EXPECT_EQ_INT(VS_FIELD_TAG, cfg.plugin_instance_format.fields[1]);
    EXPECT_EQ_STR("Environment", cfg.plugin_instance_format.args[1]);
    OK(vs_config_uses_tags(&cfg));
    vs_config_free(&cfg);
  }
  ci = minimal();
  if (expect_accepted(ci, &cfg) == 0) {
    OK(!vs_config_uses_tags(&cfg));
    vs_config_free(&cfg);
  }
  /* ... but not with the tags off */
  ci = minimal();
  value_str(child(ci, "HostnameFormat"), "tag:Environment");
  opt_num(ci, "TagInterval", 0);
  expect_refused(ci, "TagInterval 0");
  ci = minimal();
  value_str(child(ci, "HostnameFormat"), "tag:");
  expect_refused(ci, "HostnameFormat");
  return 0;
}

DEF_TEST(event_options) {
  vs_config_t cfg;
  oconfig_item_t *ci = minimal();
  if (expect_accepted(ci, &cfg) == 0) { /* the defaults */
    OK(!cfg.events && cfg.default_events);
    EXPECT_EQ_INT(0, cfg.count_events.num);
    EXPECT_EQ_INT(0, cfg.notify_events_num);
    vs_config_free(&cfg);
  }
  ci = minimal();
  opt_bool(ci, "Events", 1);
  opt_bool(ci, "DefaultEvents", 0);
  opt_str(ci, "Event", "VmGuestRebootEvent");
  opt_str(ci, "Event", "com.vmware.vc.ha.*");
  opt_str(ci, "IgnoreEvent", "VmReconfiguredEvent");
  static const char *const fail[] = {"Vm*Failed*", "FAILURE", NULL};
  static const char *const none[] = {"HostConnectionLostEvent", "none", NULL};
  opt_strs(ci, "NotifyEvent", fail);
  opt_strs(ci, "NotifyEvent", none);
  if (expect_accepted(ci, &cfg) == 0) {
    OK(cfg.events && !cfg.default_events);
    EXPECT_EQ_INT(2, cfg.count_events.num);
    EXPECT_EQ_STR("com.vmware.vc.ha.*", cfg.count_events.items[1]);
    EXPECT_EQ_INT(1, cfg.ignore_events.num);
    EXPECT_EQ_INT(2, cfg.notify_events_num);
    EXPECT_EQ_STR("Vm*Failed*", cfg.notify_events[0].glob);
    EXPECT_EQ_INT(NOTIF_FAILURE, cfg.notify_events[0].severity);
    EXPECT_EQ_INT(0, cfg.notify_events[1].severity);
    vs_config_free(&cfg);
  }
  /* a severity collectd does not have, or none given */
  static const char *const bad[] = {"VmPoweredOnEvent", "critical", NULL};
  static const char *const one[] = {"VmPoweredOnEvent", NULL};
  ci = minimal();
  opt_strs(ci, "NotifyEvent", bad);
  expect_refused(ci, "NotifyEvent");
  ci = minimal();
  opt_strs(ci, "NotifyEvent", one);
  expect_refused(ci, "NotifyEvent");
  ci = minimal();
  opt_num(ci, "Event", 3);
  expect_refused(ci, "Event");
  return 0;
}

int main(void) {
  RUN_TEST(defaults);
  RUN_TEST(every_option);
  RUN_TEST(keys_are_case_insensitive);
  RUN_TEST(booleans_as_strings);
  RUN_TEST(repeated_option_last_wins);
  RUN_TEST(unknown_key_rejected);
  RUN_TEST(required_options);
  RUN_TEST(password_and_password_file_exclusive);
  RUN_TEST(password_file_checked);
  RUN_TEST(block_name);
  RUN_TEST(field_names);
  RUN_TEST(naming_formats);
  RUN_TEST(naming_format_errors);
  RUN_TEST(block_name_validated);
  RUN_TEST(wrong_argument_types);
  RUN_TEST(numbers_out_of_range);
  RUN_TEST(url_scheme);
  RUN_TEST(nothing_to_collect);
  RUN_TEST(kind_names);
  RUN_TEST(collect_kinds);
  RUN_TEST(collect_errors);
  RUN_TEST(instances_option);
  RUN_TEST(filter_options);
  RUN_TEST(filter_option_errors);
  RUN_TEST(property_options);
  RUN_TEST(shard_option);
  RUN_TEST(free_is_idempotent);
  RUN_TEST(issue16_options);
  RUN_TEST(event_options);
  mock_reset();
  END_TEST;
}
