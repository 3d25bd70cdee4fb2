/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vsphere.c
 * The collectd glue, nothing else: each <Vcenter> block becomes one
 * vs_vcenter_t, registered as its own complex read callback whose
 * user_data owns it; collectd frees it (logout included) at shutdown.
 *
 *   <Plugin vsphere>
 *     <Vcenter "prod">
 *       URL "https://vc.example.com/sdk"
 *       User "monitor@vsphere.local"
 *       PasswordFile "/etc/collectd/vsphere-prod.pass"
 *     </Vcenter>
 *   </Plugin>
 */
#include "collectd.h"

#include "plugin.h"
#include "vs_collect.h"
#include "vs_dispatch.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <strings.h>

static int vsphere_read(user_data_t *ud) {
  return vs_vcenter_read(ud->data, CDTIME_T_TO_DOUBLE(plugin_get_interval()));
}

static void vsphere_free(void *data) { vs_vcenter_destroy(data); }

static int vsphere_config_vcenter(oconfig_item_t *ci) {
  vs_config_t cfg;
  if (vs_config_parse(ci, &cfg) != 0)
    return -1;
  char name[DATA_MAX_NAME_LEN];
  snprintf(name, sizeof(name), "vsphere/%s", cfg.name);
  cdtime_t interval = DOUBLE_TO_CDTIME_T(cfg.interval);
  vs_vcenter_t *vc = vs_vcenter_create(&cfg, NULL);
  if (vc == NULL) {
    vs_config_free(&cfg);
    return -1;
  }
  user_data_t ud = {.data = vc, .free_func = vsphere_free};
  /* On failure collectd has already called free_func. */
  return plugin_register_complex_read(NULL, name, vsphere_read, interval, &ud);
}

static int vsphere_config(oconfig_item_t *ci) {
  /* libxml2's and libcurl's global set-up are not thread-safe: do them
   * while collectd is still single-threaded. */
  xmlInitParser();
  curl_global_init(CURL_GLOBAL_ALL);
  int status = 0;
  for (int i = 0; i < ci->children_num; i++) {
    oconfig_item_t *child = ci->children + i;
    if (strcasecmp(child->key, "Vcenter") == 0) {
      if (vsphere_config_vcenter(child) != 0)
        status = -1;
    } else {
      ERROR("vsphere plugin: unknown option `%s' in <Plugin vsphere>; "
            "expected <Vcenter \"name\"> blocks.",
            child->key);
      status = -1;
    }
  }
  return status;
}

static int vsphere_init(void) {
  /* Before the read threads start: collectd's data set table has no lock. */
  return vs_dispatch_register_default_types();
}

void module_register(void) {
  plugin_register_complex_config("vsphere", vsphere_config);
  plugin_register_init("vsphere", vsphere_init);
}
