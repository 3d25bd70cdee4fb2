/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_collect.c
 * The read loop (vs_vcenter_read) against a scripted vCenter: the answers
 * vcsim gave (tests/unit/data) for the session, the catalog and the
 * inventory, QueryPerf answered from the request. What one <Vcenter>
 * block does across reads: the first read logs in, reads the catalog,
 * discovers and queries; later reads only query; a session lost in the
 * middle of a read gets one new login and the read goes on; a refused
 * new login is one error and a quiet read; a discovery that comes due
 * while a QueryPerf request is carried over does not wait for it; a
 * counter id the catalog lacks makes it read the catalog again, once per
 * InventoryInterval; a failing discovery does not stop the state values;
 * shutdown logs out once, and only a session that exists. Milliseconds,
 * no network.
 */
#include "config_helpers.h"
#include "fake_transport.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_collect.h"
#include "vs_state.h"

#define T0_US (INT64_C(1704164640) * 1000000) /* on a 20 s boundary */

/* ---- a scripted vCenter ---- */

typedef struct {
  int64_t sample_us;     /* the sample of every QueryPerf answer */
  int not_authenticated; /* QueryPerf answers NotAuthenticated this often */
  bool refuse_login;     /* Login: InvalidLogin */
  bool discovery_fault;  /* a discovery (it asks for Folders): SystemError */
  int extra_counter;     /* a counter id in every answer (0: none) */
  char hang[64];         /* QueryPerf requests naming it never answer */
} vcenter_t;

static void fixture(fake_reply_t *r, const char *name) {
  size_t len;
  char *data = mock_read_data(name, &len);
  vs_buf_reset(&r->body);
  if (data != NULL)
    vs_buf_append(&r->body, data, len);
  free(data);
}

/* vCenter's historical intervals: the 5-minute one at level 1. */
static void intervals(fake_reply_t *r) {
  fake_soap(r, "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
               "<objects><obj type=\"PerformanceManager\">PerfMgr</obj>"
               "<propSet><name>historicalInterval</name><val "
               "xsi:type=\"ArrayOfPerfInterval\"><PerfInterval><key>1</key>"
               "<samplingPeriod>300</samplingPeriod><name>Past day</name>"
               "<length>86400</length><level>1</level><enabled>true"
               "</enabled></PerfInterval></val></propSet></objects>"
               "</returnval></RetrievePropertiesExResponse>");
}

static void retrieve(vcenter_t *vc, const fake_request_t *req,
                     fake_reply_t *r) {
  if (strstr(req->body, "perfCounter") != NULL)
    fixture(r, "vcsim_catalog.xml");
  else if (strstr(req->body, "historicalInterval") != NULL)
    intervals(r);
  else if (strstr(req->body, "<type>Folder</type>") == NULL)
    fixture(r, "vcsim_states.xml"); /* a state pass */
  else if (vc->discovery_fault)
    fake_fault(r, "SystemError", "scripted discovery fault", NULL, NULL);
  else
    fixture(r, "vcsim_discovery.xml");
}

static void query_perf(vcenter_t *vc, const fake_request_t *req,
                       fake_reply_t *r) {
  if (vc->not_authenticated > 0) {
    vc->not_authenticated--;
    fake_fault(r, "NotAuthenticated", "The session is not authenticated.", NULL,
               NULL);
  } else if (vc->hang[0] != 0 && strstr(req->body, vc->hang) != NULL) {
    r->hang = true;
  } else {
    fake_perf_answer(r, req->body, vc->sample_us, vc->extra_counter);
  }
}

static void respond(void *ctx, const fake_request_t *req, fake_reply_t *r) {
  vcenter_t *vc = ctx;
  const char *op = req->op;
  if (strcmp(op, "GET /vimServiceVersions.xml") == 0) {
    r->status = 404; /* announce 5.5 */
    vs_buf_puts(&r->body, "<html>not found</html>");
  } else if (strcmp(op, "RetrieveServiceContent") == 0) {
    fixture(r, "vcsim_service_content.xml");
  } else if (strcmp(op, "Login") == 0) {
    if (vc->refuse_login)
      fake_fault(r, "InvalidLogin",
                 "Cannot complete login due to an "
                 "incorrect user name or password.",
                 NULL, NULL);
    else
      fixture(r, "vcsim_login.xml");
  } else if (strcmp(op, "CurrentTime") == 0) {
    char when[64], inner[160];
    vs_format_datetime(vs_wall_us(), when, sizeof(when));
    snprintf(inner, sizeof(inner),
             "<CurrentTimeResponse xmlns=\"urn:vim25\"><returnval>%s"
             "</returnval></CurrentTimeResponse>",
             when);
    fake_soap(r, inner);
  } else if (strcmp(op, "Logout") == 0) {
    fixture(r, "vcsim_logout.xml");
  } else if (strcmp(op, "QueryOptions") == 0) {
    fixture(r, "vcsim_option.xml");
  } else if (strcmp(op, "CreateContainerView") == 0) {
    fixture(r, "vcsim_container_view.xml");
  } else if (strcmp(op, "DestroyView") == 0) {
    fake_soap(r, "<DestroyViewResponse xmlns=\"urn:vim25\"/>");
  } else if (strcmp(op, "RetrievePropertiesEx") == 0) {
    retrieve(vc, req, r);
  } else if (strcmp(op, "QueryPerf") == 0) {
    query_perf(vc, req, r);
  } else {
    fake_fault(r, "MethodFault", "not scripted", NULL, NULL);
  }
}

/* ---- a <Vcenter> block over it ---- */

typedef struct {
  vcenter_t vc;
  fake_transport_t fake;
  vs_vcenter_t *block;
} world_t;

/* `extra`: options on top of the required ones (NULL-terminated pairs of
 * key and numeric value). */
static int world_init(world_t *w, const char *const *keys,
                      const double *values) {
  mock_reset();
  memset(w, 0, sizeof(*w));
  if (vs_dispatch_register_default_types() != 0)
    return -1;
  oconfig_item_t *ci = minimal();
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    opt_num(ci, keys[i], values[i]);
  vs_config_t cfg;
  int rc = vs_config_parse(ci, &cfg);
  item_free(ci);
  if (rc != 0)
    return -1;
  w->vc.sample_us = T0_US;
  fake_init(&w->fake, 4, respond, &w->vc);
  w->block = vs_vcenter_create(&cfg, &w->fake.t);
  return w->block != NULL ? 0 : -1;
}

static void world_free(world_t *w) {
  vs_vcenter_destroy(w->block);
  fake_free(&w->fake);
}

/* One read, the samples 20 s newer than the last. */
static int world_read(world_t *w) {
  int rc = vs_vcenter_read(w->block, 10.0);
  w->vc.sample_us += 20 * INT64_C(1000000);
  return rc;
}

static bool is_state_type(const char *type) {
  for (size_t i = 0; i < vs_state_types_num; i++)
    if (strcmp(vs_state_types[i].type, type) == 0)
      return true;
  return false;
}

/* Samples of `kind` dispatched so far ("vm", "host", ...; no states). */
static size_t values_of(const char *kind) {
  size_t n = 0, len = strlen(kind);
  for (size_t i = 0; i < mock_values_num(); i++) {
    const char *type = mock_value(i)->type;
    if (strncmp(type, kind, len) == 0 && type[len] == '_' &&
        !is_state_type(type))
      n++;
  }
  return n;
}

/* The newest value of a self metric, or -1. */
static double self_value(const char *type) {
  double v = -1;
  for (size_t i = 0; i < mock_values_num(); i++)
    if (strcmp(mock_value(i)->type, type) == 0)
      v = mock_value(i)->gauge;
  return v;
}

static size_t discoveries(const world_t *w) {
  size_t n = 0;
  for (size_t i = 0; i < w->fake.requests_num; i++)
    if (strcmp(w->fake.requests[i].op, "RetrievePropertiesEx") == 0 &&
        strstr(w->fake.requests[i].body, "<type>Folder</type>") != NULL)
      n++;
  return n;
}

static size_t catalog_reads(const world_t *w) {
  size_t n = 0;
  for (size_t i = 0; i < w->fake.requests_num; i++)
    if (strstr(w->fake.requests[i].body, "perfCounter") != NULL)
      n++;
  return n;
}

/* ---- the tests ---- */

DEF_TEST(first_read_discovers_then_reads_only_query) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  /* the session, the catalog, the inventory, then the samples */
  EXPECT_EQ_STR("GET /vimServiceVersions.xml",
                fake_request(&w.fake, NULL, 0)->op);
  EXPECT_EQ_INT(1, fake_count(&w.fake, "Login"));
  EXPECT_EQ_INT(1, catalog_reads(&w));
  EXPECT_EQ_INT(1, discoveries(&w));
  OK(fake_count(&w.fake, "QueryPerf") >= 1);
  size_t vm_values = values_of("vm"), host_values = values_of("host");
  OK(vm_values >= 12); /* 12 VMs, a sample of each default counter */
  OK(host_values >= 10);
  EXPECT_EQ_DOUBLE(1.0, self_value("self_read_cycles"));
  EXPECT_EQ_DOUBLE(12.0, self_value("self_inventory_vms"));
  EXPECT_EQ_DOUBLE(0.0, self_value("self_errors"));
  /* the next read: queries only, the newer samples dispatched */
  size_t perf = fake_count(&w.fake, "QueryPerf");
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, fake_count(&w.fake, "Login"));
  EXPECT_EQ_INT(1, catalog_reads(&w));
  EXPECT_EQ_INT(1, discoveries(&w));
  OK(fake_count(&w.fake, "QueryPerf") > perf);
  EXPECT_EQ_INT(2 * vm_values, values_of("vm"));
  EXPECT_EQ_DOUBLE(2.0, self_value("self_read_cycles"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(session_lost_mid_read_logs_in_once_and_goes_on) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  size_t vm_values = values_of("vm");
  w.vc.not_authenticated = 1;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, fake_count(&w.fake, "Login"));
  /* a new session reads the catalog again; the inventory is kept */
  EXPECT_EQ_INT(2, catalog_reads(&w));
  EXPECT_EQ_INT(1, discoveries(&w));
  EXPECT_EQ_INT(2 * vm_values, values_of("vm"));
  EXPECT_EQ_DOUBLE(0.0, self_value("self_errors"));
  EXPECT_EQ_DOUBLE(2.0, self_value("self_logins"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(refused_new_login_is_one_error_and_a_quiet_read) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  size_t vm_values = values_of("vm");
  w.vc.not_authenticated = 1000;
  w.vc.refuse_login = true;
  EXPECT_EQ_INT(0, world_read(&w)); /* always 0: handled here */
  EXPECT_EQ_INT(2, fake_count(&w.fake, "Login"));
  EXPECT_EQ_INT(vm_values, values_of("vm"));
  EXPECT_EQ_DOUBLE(1.0, self_value("self_errors"));
  EXPECT_EQ_DOUBLE(1.0, self_value("self_login_refusals"));
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* the next read is inside the back-off: no login, no new error line */
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, fake_count(&w.fake, "Login"));
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(discovery_does_not_wait_for_a_carried_request) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  /* requests naming vm-135 never answer: carried over to the next read */
  snprintf(w.vc.hang, sizeof(w.vc.hang),
           "<entity type=\"VirtualMachine\">"
           "vm-135</entity>");
  EXPECT_EQ_INT(0, world_read(&w));
  OK(w.fake.t.in_flight(w.fake.t.ctx) >= 1);
  EXPECT_EQ_DOUBLE(1.0, self_value("self_requests_carried"));
  /* a discovery comes due: it is made in this read, beside the request */
  size_t before = discoveries(&w);
  w.block->next_inventory_at = 0;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(before + 1, discoveries(&w));
  OK(w.fake.t.in_flight(w.fake.t.ctx) >= 1);
  EXPECT_EQ_INT(0, w.fake.cancels);
  /* the answer comes at last, to the new inventory */
  w.vc.hang[0] = 0;
  fake_release_hung(&w.fake);
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(0, w.fake.t.in_flight(w.fake.t.ctx));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(unknown_counter_id_rereads_the_catalog_once_per_interval) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, catalog_reads(&w));
  w.vc.extra_counter = 987654;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, catalog_reads(&w));
  OK(self_value("self_uncatalogued_values") > 0);
  EXPECT_EQ_INT(1, mock_log_count_containing("987654"));
  /* still unknown: not again within InventoryInterval */
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, catalog_reads(&w));
  world_free(&w);
  return 0;
}

DEF_TEST(state_values_go_on_while_discovery_fails) {
  static const char *const keys[] = {"PropertyInterval", NULL};
  static const double values[] = {1};
  world_t w;
  CHECK_ZERO(world_init(&w, keys, values));
  EXPECT_EQ_INT(0, world_read(&w));
  double states = self_value("self_state_values");
  OK(states > 0);
  w.vc.discovery_fault = true;
  w.block->next_inventory_at = 0;
  w.block->next_states_at = 0;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, discoveries(&w));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_ERR, "discovery"));
  /* the state pass ran: the values came anyway */
  OK(self_value("self_state_values") >= 2 * states);
  EXPECT_EQ_DOUBLE(1.0, self_value("self_errors"));
  world_free(&w);
  return 0;
}

DEF_TEST(shutdown_logs_out_once_and_only_a_session) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  vs_vcenter_destroy(w.block); /* never read: nothing to log out */
  w.block = NULL;
  EXPECT_EQ_INT(0, fake_count(&w.fake, "Logout"));
  world_free(&w);

  CHECK_ZERO(world_init(&w, NULL, NULL));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(0, world_read(&w));
  vs_vcenter_destroy(w.block);
  w.block = NULL;
  EXPECT_EQ_INT(1, fake_count(&w.fake, "Logout"));
  world_free(&w);
  return 0;
}

int main(void) {
  RUN_TEST(first_read_discovers_then_reads_only_query);
  RUN_TEST(session_lost_mid_read_logs_in_once_and_goes_on);
  RUN_TEST(refused_new_login_is_one_error_and_a_quiet_read);
  RUN_TEST(discovery_does_not_wait_for_a_carried_request);
  RUN_TEST(unknown_counter_id_rereads_the_catalog_once_per_interval);
  RUN_TEST(state_values_go_on_while_discovery_fails);
  RUN_TEST(shutdown_logs_out_once_and_only_a_session);
  mock_reset();
  END_TEST;
}
