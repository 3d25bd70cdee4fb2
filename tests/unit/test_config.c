/**
 * collectd-vsphere - tests/unit/test_config.c
 * The <Vcenter> block: defaults, every option, and what must be refused.
 * The trees are built by hand with liboconfig's types.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_config.h"

/* ---- building oconfig trees ---- */

static oconfig_item_t *item_new(const char *key) {
  oconfig_item_t *ci = calloc(1, sizeof(*ci));
  if (ci != NULL)
    ci->key = strdup(key);
  return ci;
}

static oconfig_value_t *value_add(oconfig_item_t *ci) {
  oconfig_value_t *v =
      realloc(ci->values, (size_t)(ci->values_num + 1) * sizeof(*v));
  if (v == NULL)
    abort();
  ci->values = v;
  v = &ci->values[ci->values_num++];
  memset(v, 0, sizeof(*v));
  return v;
}

static void value_str(oconfig_item_t *ci, const char *s) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_STRING;
  v->value.string = strdup(s);
}

static void value_num(oconfig_item_t *ci, double d) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_NUMBER;
  v->value.number = d;
}

static void value_bool(oconfig_item_t *ci, int b) {
  oconfig_value_t *v = value_add(ci);
  v->type = OCONFIG_TYPE_BOOLEAN;
  v->value.boolean = b;
}

/* Adds an option without values; returns it for value_*(). */
static oconfig_item_t *child(oconfig_item_t *parent, const char *key) {
  oconfig_item_t *c = realloc(parent->children,
                              (size_t)(parent->children_num + 1) * sizeof(*c));
  if (c == NULL)
    abort();
  parent->children = c;
  c = &parent->children[parent->children_num++];
  memset(c, 0, sizeof(*c));
  c->key = strdup(key);
  c->parent = parent;
  return c;
}

static void opt_str(oconfig_item_t *ci, const char *key, const char *s) {
  value_str(child(ci, key), s);
}
static void opt_num(oconfig_item_t *ci, const char *key, double d) {
  value_num(child(ci, key), d);
}
static void opt_bool(oconfig_item_t *ci, const char *key, int b) {
  value_bool(child(ci, key), b);
}

static void item_clear(oconfig_item_t *ci) {
  free(ci->key);
  for (int i = 0; i < ci->values_num; i++)
    if (ci->values[i].type == OCONFIG_TYPE_STRING)
      free(ci->values[i].value.string);
  free(ci->values);
  for (int i = 0; i < ci->children_num; i++)
    item_clear(&ci->children[i]);
  free(ci->children);
}

static void item_free(oconfig_item_t *ci) {
  if (ci == NULL)
    return;
  item_clear(ci);
  free(ci);
}

/* <Vcenter "prod"> with the three required options. */
static oconfig_item_t *minimal(void) {
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc.example.com/sdk");
  opt_str(ci, "User", "monitor@vsphere.local");
  opt_str(ci, "Password", "secret");
  return ci;
}

static bool cfg_is_zero(const vs_config_t *cfg) {
  static const vs_config_t zero;
  return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/* After a refused block the caller frees nothing: no memory may be left
 * in the struct (the defaults may be). */
static bool cfg_owns_nothing(const vs_config_t *cfg) {
  return cfg->name == NULL && cfg->url == NULL && cfg->user == NULL &&
         cfg->password == NULL && cfg->password_file == NULL &&
         cfg->ca_cert == NULL && cfg->metrics.items == NULL &&
         cfg->metrics.num == 0 && cfg->ignore_metrics.items == NULL &&
         cfg->ignore_metrics.num == 0;
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
  EXPECT_EQ_DOUBLE(0.0, cfg.interval);
  EXPECT_EQ_DOUBLE(300.0, cfg.inventory_interval);
  EXPECT_EQ_UINT64(128u * 1024u * 1024u, cfg.max_response_size);
  EXPECT_EQ_INT(250, cfg.query_batch_size);
  EXPECT_EQ_INT(4, cfg.concurrency);
  EXPECT_EQ_INT(50000, cfg.max_query_metrics);
  EXPECT_EQ_INT(1000, cfg.inventory_page_size);
  OK(cfg.collect_instances);
  OK(cfg.collect_vms);
  OK(cfg.collect_hosts);
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
  oconfig_item_t *ci = item_new("Vcenter");
  value_str(ci, "lab");
  opt_str(ci, "URL", "http://127.0.0.1:8989/sdk");
  opt_str(ci, "User", "root");
  opt_str(ci, "PasswordFile", "/etc/collectd/vc.pass");
  opt_bool(ci, "VerifyPeer", 0);
  opt_bool(ci, "VerifyHost", 0);
  opt_str(ci, "CACert", "/etc/ssl/vc.pem");
  opt_num(ci, "Timeout", 2.5);
  opt_num(ci, "QueryTimeout", 90);
  opt_num(ci, "StallTimeout", 12.5);
  opt_num(ci, "LookBack", 120);
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
  EXPECT_EQ_STR("/etc/collectd/vc.pass", cfg.password_file);
  OK(!cfg.verify_peer);
  OK(!cfg.verify_host);
  EXPECT_EQ_STR("/etc/ssl/vc.pem", cfg.ca_cert);
  EXPECT_EQ_DOUBLE(2.5, cfg.timeout);
  EXPECT_EQ_DOUBLE(90.0, cfg.query_timeout);
  EXPECT_EQ_DOUBLE(12.5, cfg.stall_timeout);
  EXPECT_EQ_DOUBLE(120.0, cfg.lookback);
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
  OK(!cfg.collect_instances);
  OK(cfg.collect_vms);
  OK(!cfg.collect_hosts);
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
    EXPECT_EQ_INT(cases[i].value, cfg.collect_instances);
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
  ci = item_new("Vcenter");
  value_str(ci, "prod");
  opt_str(ci, "URL", "https://vc/sdk");
  opt_str(ci, "User", "u");
  opt_str(ci, "PasswordFile", "/run/secret");
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  OK(cfg.password == NULL);
  EXPECT_EQ_STR("/run/secret", cfg.password_file);
  vs_config_free(&cfg);
  item_free(ci);
  return 0;
}

DEF_TEST(password_and_password_file_exclusive) {
  oconfig_item_t *ci = minimal();
  opt_str(ci, "PasswordFile", "/run/secret");
  expect_refused(ci, "PasswordFile");
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
  const char *names[VS_FIELD_NUM] = {"name",       "moref",   "uuid",
                                     "vcenter",    "datacenter", "cluster",
                                     "esxhost"};
  for (int f = 0; f < VS_FIELD_NUM; f++) {
    EXPECT_EQ_STR(names[f], vs_field_name((vs_field_t)f));
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
  const char *all[] = {"name",       "moref",   "uuid",   "vcenter",
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
  long_name[VS_VCENTER_NAME_MAX] = 0; /* 63 bytes: the longest */
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
  opt_num(ci, "LookBack", 0); /* no look-back at all */
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
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
  oconfig_item_t *ci = minimal();
  opt_bool(ci, "CollectVMs", 0);
  opt_bool(ci, "CollectHosts", 0);
  expect_refused(ci, "CollectVMs");
  return 0;
}

DEF_TEST(free_is_idempotent) {
  mock_reset();
  oconfig_item_t *ci = minimal();
  opt_str(ci, "Metric", "a");
  vs_config_t cfg;
  EXPECT_EQ_INT(0, vs_config_parse(ci, &cfg));
  vs_config_free(&cfg);
  OK(cfg_is_zero(&cfg));
  vs_config_free(&cfg); /* a zeroed config frees to nothing */
  OK(cfg_is_zero(&cfg));
  item_free(ci);
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
  RUN_TEST(block_name);
  RUN_TEST(field_names);
  RUN_TEST(naming_formats);
  RUN_TEST(naming_format_errors);
  RUN_TEST(block_name_validated);
  RUN_TEST(wrong_argument_types);
  RUN_TEST(numbers_out_of_range);
  RUN_TEST(url_scheme);
  RUN_TEST(nothing_to_collect);
  RUN_TEST(free_is_idempotent);
  mock_reset();
  END_TEST;
}
