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
#include <unistd.h>

#define T0_US (INT64_C(1704164640) * 1000000) /* on a 20 s boundary */

/* ---- a scripted vCenter ---- */

typedef struct {
  int64_t sample_us;     /* the sample of every QueryPerf answer */
  int not_authenticated; /* QueryPerf answers NotAuthenticated this often */
  bool refuse_login;     /* Login: InvalidLogin */
  bool discovery_fault;  /* a discovery (it asks for Folders): SystemError */
  int extra_counter;     /* a counter id in every answer (0: none) */
  char hang[64];         /* QueryPerf requests naming it never answer */
  /* the update stream (off: CreatePropertyCollector is not scripted) */
  bool stream;
  int collectors_made, collectors_live;
  const char *changes;    /* objectSets of the next update set, then none */
  bool changes_truncated; /* ... with more to come (in `more`) */
  const char *more;       /* the objectSets of the set after it */
  bool version_fault;   /* the next WaitForUpdatesEx: InvalidCollectorVersion */
  int wait_http_errors; /* the next WaitForUpdatesEx this often: HTTP 503 */
  int reread_faults;    /* the next re-reads this often: SystemError */
  const char *reread;   /* objects answered to a re-read */
  int initial_sets;     /* the first update in this many sets (0: one) */
  int initial_served;   /* ... of which answered */
  int initial_delay_ms; /* each answered this late */
  int rest_sessions;    /* REST sessions live (tags) */
  char tagged[64];      /* the object the tag is on ("": the first asked) */
  /* events: what vCenter recorded, its one collector (per session) */
  struct {
    int64_t key, us;
    const char *type, *vm, *host;
  } ev[32];
  int ev_num;
  int ev_made, ev_destroyed;
  char ev_collector[64]; /* "" when none */
  char *ev_filter;       /* the CreateCollectorForEvents body (owned) */
  int ev_pos;            /* the collector's next event */
  bool ev_lose;          /* the next ReadNextEvents: the collector is gone */
  bool ev_newest_first;  /* pages newest first (stock vcsim does) */
  /* a triggered alarm on vm-135 (and listed on its host too, as vCenter
   * lists a datastore's on its datacenter): status "" for none */
  const char *alarm_status;
  bool alarm_ack;
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

/* Replaces every `from` in b's text by `to`. */
static void replace_all(vs_buf_t *b, const char *from, const char *to) {
  vs_buf_t out;
  vs_buf_init(&out);
  size_t flen = strlen(from);
  const char *p = b->data;
  for (const char *hit; (hit = strstr(p, from)) != NULL; p = hit + flen) {
    vs_buf_append(&out, p, (size_t)(hit - p));
    vs_buf_puts(&out, to);
  }
  vs_buf_puts(&out, p);
  vs_buf_free(b);
  *b = out;
}

/* The first update set: the discovery answer vcsim gave, every object as
 * "enter", each property as a change. */
static void initial_update(fake_reply_t *r) {
  fixture(r, "vcsim_discovery.xml");
  replace_all(&r->body, "RetrievePropertiesExResponse",
              "WaitForUpdatesExResponse");
  replace_all(&r->body, "<returnval>",
              "<returnval><version>1</version><filterSet><filter "
              "type=\"PropertyFilter\">filter-1</filter>");
  replace_all(&r->body, "</returnval>", "</filterSet></returnval>");
  replace_all(&r->body, "<objects>", "<objectSet><kind>enter</kind>");
  replace_all(&r->body, "</objects>", "</objectSet>");
  replace_all(&r->body, "<propSet>", "<changeSet><op>assign</op>");
  replace_all(&r->body, "</propSet>", "</changeSet>");
}

/* Part `part` of the first update in `sets` sets: every sets-th object,
 * version part + 1, truncated but for the last. */
static void initial_part(fake_reply_t *r, int part, int sets) {
  initial_update(r);
  const char *body = r->body.data;
  const char *first = strstr(body, "<objectSet>");
  const char *end = NULL;
  for (const char *p = first; p != NULL; p = strstr(p + 1, "</objectSet>"))
    end = p;
  if (first == NULL || end == NULL)
    return;
  end = strstr(end, "</objectSet>") + strlen("</objectSet>");
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_append(&b, body, (size_t)(first - body));
  int i = 0;
  for (const char *p = first; p != NULL && p < end;
       p = strstr(p + 1, "<objectSet>"), i++) {
    const char *q = strstr(p, "</objectSet>") + strlen("</objectSet>");
    if (i % sets == part)
      vs_buf_append(&b, p, (size_t)(q - p));
  }
  vs_buf_puts(&b, end);
  vs_buf_free(&r->body);
  r->body = b;
  char version[64];
  snprintf(version, sizeof(version), "<version>%d</version>", part + 1);
  replace_all(&r->body, "<version>1</version>", version);
  if (part + 1 < sets)
    replace_all(&r->body, "</filterSet></returnval>",
                "</filterSet><truncated>true</truncated></returnval>");
}

static void wait_for_updates(vcenter_t *vc, const fake_request_t *req,
                             fake_reply_t *r) {
  char version[64];
  fake_tag(req->body, "version", 0, version, sizeof(version));
  if (vc->initial_sets > 1 &&
      (version[0] == 0 || vc->initial_served < vc->initial_sets)) {
    if (version[0] == 0)
      vc->initial_served = 0;
    usleep((useconds_t)vc->initial_delay_ms * 1000);
    initial_part(r, vc->initial_served++, vc->initial_sets);
  } else if (version[0] == 0) {
    initial_update(r);
  } else if (vc->wait_http_errors > 0) {
    vc->wait_http_errors--;
    r->status = 503;
    vs_buf_puts(&r->body, "<html>Service Unavailable</html>");
  } else if (vc->version_fault) {
    vc->version_fault = false;
    fake_fault(r, "InvalidCollectorVersion",
               "The specified version is invalid.", NULL, NULL);
  } else if (vc->changes != NULL) {
    vs_buf_t b;
    vs_buf_init(&b);
    vs_buf_printf(&b,
                  "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval>"
                  "<version>%d</version><filterSet><filter "
                  "type=\"PropertyFilter\">filter-1</filter>%s</filterSet>"
                  "<truncated>%s</truncated></returnval>"
                  "</WaitForUpdatesExResponse>",
                  atoi(version) + 1, vc->changes,
                  vc->changes_truncated ? "true" : "false");
    fake_soap(r, b.data);
    vs_buf_free(&b);
    vc->changes = vc->changes_truncated ? vc->more : NULL;
    vc->changes_truncated = false;
  } else {
    fake_soap(r, "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"/>");
  }
}

/* The stream's other calls; false if `op` is none of them. */
static bool stream_call(vcenter_t *vc, const fake_request_t *req,
                        fake_reply_t *r) {
  char inner[256];
  if (!vc->stream)
    return false;
  if (strcmp(req->op, "CreatePropertyCollector") == 0) {
    snprintf(inner, sizeof(inner),
             "<CreatePropertyCollectorResponse xmlns=\"urn:vim25\">"
             "<returnval type=\"PropertyCollector\">session[1]pc-%d"
             "</returnval></CreatePropertyCollectorResponse>",
             ++vc->collectors_made);
    vc->collectors_live++;
    fake_soap(r, inner);
  } else if (strcmp(req->op, "DestroyPropertyCollector") == 0) {
    vc->collectors_live--;
    fake_soap(r, "<DestroyPropertyCollectorResponse xmlns=\"urn:vim25\"/>");
  } else if (strcmp(req->op, "CreateFilter") == 0) {
    fake_soap(r, "<CreateFilterResponse xmlns=\"urn:vim25\"><returnval "
                 "type=\"PropertyFilter\">filter-1</returnval>"
                 "</CreateFilterResponse>");
  } else if (strcmp(req->op, "WaitForUpdatesEx") == 0) {
    wait_for_updates(vc, req, r);
  } else if (strcmp(req->op, "RetrievePropertiesEx") == 0 &&
             strstr(req->body, "<type>Folder</type>") != NULL &&
             strstr(req->body, "ContainerView") == NULL) {
    /* a re-read: what a discovery asks for, of listed objects */
    if (vc->reread_faults > 0) {
      vc->reread_faults--;
      fake_fault(r, "SystemError", "scripted re-read fault", NULL, NULL);
      return true;
    }
    vs_buf_t b;
    vs_buf_init(&b);
    vs_buf_printf(&b,
                  "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">"
                  "<returnval>%s</returnval></RetrievePropertiesExResponse>",
                  vc->reread != NULL ? vc->reread : "");
    fake_soap(r, b.data);
    vs_buf_free(&b);
  } else {
    return false;
  }
  return true;
}

/* AlarmState of alarm-7 about vm-135, in `obj`'s properties. */
static void inject_alarm(const vcenter_t *vc, fake_reply_t *r,
                         const char *obj) {
  if (vc->alarm_status == NULL)
    return;
  char from[128], to[1024];
  snprintf(from, sizeof(from), "%s</obj>", obj);
  if (vc->alarm_status[0] == 0)
    snprintf(to, sizeof(to),
             "%s</obj><propSet><name>triggeredAlarmState</name><val "
             "xsi:type=\"ArrayOfAlarmState\"></val></propSet>",
             obj);
  else
    snprintf(to, sizeof(to),
             "%s</obj><propSet><name>triggeredAlarmState</name><val "
             "xsi:type=\"ArrayOfAlarmState\"><AlarmState "
             "xsi:type=\"AlarmState\"><key>alarm-7.vm-135</key><entity "
             "type=\"VirtualMachine\">vm-135</entity><alarm "
             "type=\"Alarm\">alarm-7</alarm><overallStatus>%s</overallStatus>"
             "<time>2024-01-02T02:55:00.447Z</time><acknowledged>%s"
             "</acknowledged></AlarmState></val></propSet>",
             obj, vc->alarm_status, vc->alarm_ack ? "true" : "false");
  replace_all(&r->body, from, to);
}

static void retrieve(vcenter_t *vc, const fake_request_t *req,
                     fake_reply_t *r) {
  if (strstr(req->body, "<type>Alarm</type>") != NULL)
    fake_soap(r, "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">"
                 "<returnval><objects><obj type=\"Alarm\">alarm-7</obj>"
                 "<propSet><name>info.name</name><val xsi:type=\"xsd:string\">"
                 "Virtual machine CPU usage</val></propSet></objects>"
                 "</returnval></RetrievePropertiesExResponse>");
  else if (strstr(req->body, "perfCounter") != NULL)
    fixture(r, "vcsim_catalog.xml");
  else if (strstr(req->body, "historicalInterval") != NULL)
    intervals(r);
  else if (strstr(req->body, "<type>Folder</type>") == NULL)
    fixture(r, "vcsim_states.xml"); /* a state pass */
  else if (vc->discovery_fault)
    fake_fault(r, "SystemError", "scripted discovery fault", NULL, NULL);
  else {
    fixture(r, "vcsim_discovery.xml");
    inject_alarm(vc, r, "<obj type=\"VirtualMachine\">vm-135");
    inject_alarm(vc, r, "<obj type=\"HostSystem\">host-21");
  }
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

/* The REST API, for tags: one category "Env", one tag "prod", attached
 * to the first object of every bulk request. */
static void rest_call(vcenter_t *vc, const fake_request_t *req,
                      fake_reply_t *r) {
  const char *op = req->op;
  char id[64] = "";
  const char *p = strstr(req->body, "\"id\":\"");
  if (p != NULL)
    sscanf(p + 6, "%63[^\"]", id);
  if (strcmp(op, "POST /rest/com/vmware/cis/session") == 0) {
    vc->rest_sessions++;
    fake_json(r, 200, "{\"value\":\"sid\"}");
  } else if (strcmp(op, "DELETE /rest/com/vmware/cis/session") == 0) {
    vc->rest_sessions--;
  } else if (strcmp(op, "GET /rest/com/vmware/cis/tagging/category") == 0) {
    fake_json(r, 200, "{\"value\":[\"c1\"]}");
  } else if (strcmp(op, "GET /rest/com/vmware/cis/tagging/category/id:c1") ==
             0) {
    fake_json(r, 200, "{\"value\":{\"id\":\"c1\",\"name\":\"Env\"}}");
  } else if (strcmp(op, "GET /rest/com/vmware/cis/tagging/tag") == 0) {
    fake_json(r, 200, "{\"value\":[\"t1\"]}");
  } else if (strcmp(op, "GET /rest/com/vmware/cis/tagging/tag/id:t1") == 0) {
    fake_json(r, 200,
              "{\"value\":{\"id\":\"t1\",\"name\":\"prod\",\"category_"
              "id\":\"c1\"}}");
  } else if (strstr(op, "list-attached-tags-on-objects") != NULL) {
    if (vc->tagged[0] != 0)
      snprintf(id, sizeof(id), "%s", vc->tagged);
    vs_buf_printf(&r->body,
                  "{\"value\":[{\"object_id\":{\"id\":\"%s\"},\"tag_ids\":"
                  "[\"t1\"]}]}",
                  id);
  } else {
    fake_json(r, 404, "");
  }
}

static void ev_post(vcenter_t *vc, const char *type, const char *vm,
                    const char *host) {
  int i = vc->ev_num++;
  vc->ev[i].key = 1000 + i;
  vc->ev[i].us = vs_wall_us();
  vc->ev[i].type = type;
  vc->ev[i].vm = vm;
  vc->ev[i].host = host;
}

static bool ev_wanted(const vcenter_t *vc, int i) {
  char want[128];
  snprintf(want, sizeof(want), "<eventTypeId>%s</eventTypeId>", vc->ev[i].type);
  return strstr(vc->ev_filter, "<eventTypeId>") == NULL ||
         strstr(vc->ev_filter, want) != NULL;
}

static void ev_one(vs_buf_t *b, const vcenter_t *vc, int i) {
  char when[40];
  vs_format_datetime(vc->ev[i].us, when, sizeof(when));
  vs_buf_printf(b,
                "<returnval xsi:type=\"%s\"><key>%lld</key><chainId>%lld"
                "</chainId><createdTime>%s</createdTime><userName>ops"
                "</userName>",
                vc->ev[i].type, (long long)vc->ev[i].key,
                (long long)vc->ev[i].key, when);
  if (vc->ev[i].host != NULL)
    vs_buf_printf(b,
                  "<host><name>h</name><host type=\"HostSystem\">%s</host>"
                  "</host>",
                  vc->ev[i].host);
  if (vc->ev[i].vm != NULL)
    vs_buf_printf(b,
                  "<vm><name>v</name><vm type=\"VirtualMachine\">%s</vm></vm>",
                  vc->ev[i].vm);
  vs_buf_printf(b,
                "<fullFormattedMessage>%s happened</fullFormattedMessage>"
                "</returnval>",
                vc->ev[i].type);
}

/* An EventHistoryCollector as vCenter's: from beginTime on, forward,
 * gone with its session. false if `op` is none of its calls. */
static bool event_call(vcenter_t *vc, const fake_request_t *req,
                       fake_reply_t *r) {
  char buf[256];
  if (strcmp(req->op, "CreateCollectorForEvents") == 0) {
    free(vc->ev_filter);
    vc->ev_filter = strdup(req->body);
    int64_t begin = 0;
    fake_tag(req->body, "beginTime", 0, buf, sizeof(buf));
    if (buf[0] != 0)
      vs_parse_datetime(buf, &begin);
    for (vc->ev_pos = 0;
         vc->ev_pos < vc->ev_num && vc->ev[vc->ev_pos].us < begin; vc->ev_pos++)
      ;
    snprintf(vc->ev_collector, sizeof(vc->ev_collector), "session[%d]ehc",
             ++vc->ev_made);
    snprintf(buf, sizeof(buf),
             "<CreateCollectorForEventsResponse xmlns=\"urn:vim25\"><returnval "
             "type=\"EventHistoryCollector\">%s</returnval>"
             "</CreateCollectorForEventsResponse>",
             vc->ev_collector);
    fake_soap(r, buf);
  } else if (strcmp(req->op, "ReadNextEvents") == 0 ||
             strcmp(req->op, "DestroyCollector") == 0) {
    fake_tag(req->body, "_this", 0, buf, sizeof(buf));
    if (vc->ev_lose || strcmp(buf, vc->ev_collector) != 0) {
      vc->ev_lose = false;
      vc->ev_collector[0] = 0;
      fake_fault(r, "ManagedObjectNotFound", "gone", "EventHistoryCollector",
                 buf);
    } else if (strcmp(req->op, "DestroyCollector") == 0) {
      vc->ev_destroyed++;
      vc->ev_collector[0] = 0;
      fake_soap(r, "<DestroyCollectorResponse xmlns=\"urn:vim25\"/>");
    } else {
      fake_tag(req->body, "maxCount", 0, buf, sizeof(buf));
      int max = atoi(buf);
      vs_buf_t b;
      vs_buf_init(&b);
      vs_buf_puts(&b, "<ReadNextEventsResponse xmlns=\"urn:vim25\">");
      int page[64], n = 0;
      for (; n < max && n < 64 && vc->ev_pos < vc->ev_num; vc->ev_pos++)
        if (ev_wanted(vc, vc->ev_pos))
          page[n++] = vc->ev_pos;
      for (int i = 0; i < n; i++)
        ev_one(&b, vc, page[vc->ev_newest_first ? n - 1 - i : i]);
      vs_buf_puts(&b, "</ReadNextEventsResponse>");
      fake_soap(r, b.data);
      vs_buf_free(&b);
    }
  } else {
    return false;
  }
  return true;
}

static void respond(void *ctx, const fake_request_t *req, fake_reply_t *r) {
  vcenter_t *vc = ctx;
  const char *op = req->op;
  if (req->rest) {
    rest_call(vc, req, r);
    return;
  }
  if (stream_call(vc, req, r) || event_call(vc, req, r))
    return;
  if (strcmp(op, "GET /vimServiceVersions.xml") == 0) {
    r->status = 404; /* announce 5.5 */
    vs_buf_puts(&r->body, "<html>not found</html>");
  } else if (strcmp(op, "RetrieveServiceContent") == 0) {
    fixture(r, "vcsim_service_content.xml");
  } else if (strcmp(op, "Login") == 0) {
    vc->ev_collector[0] = 0; /* a new session: the old one's went with it */
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
 * key and numeric value); `hostname_format`: NULL-terminated fields, or
 * NULL. */
static int world_init_format(world_t *w, const char *const *keys,
                             const double *values,
                             const char *const *hostname_format) {
  mock_reset();
  memset(w, 0, sizeof(*w));
  if (vs_dispatch_register_default_types() != 0)
    return -1;
  oconfig_item_t *ci = minimal();
  opt_num(ci, "TagInterval", 0); /* tags: only where a test asks */
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
    opt_num(ci, keys[i], values[i]);
  if (hostname_format != NULL)
    opt_strs(ci, "HostnameFormat", hostname_format);
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

static int world_init(world_t *w, const char *const *keys,
                      const double *values) {
  return world_init_format(w, keys, values, NULL);
}

static void world_free(world_t *w) {
  vs_vcenter_destroy(w->block);
  fake_free(&w->fake);
  free(w->vc.ev_filter);
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
        strstr(w->fake.requests[i].body, "<type>Folder</type>") != NULL &&
        strstr(w->fake.requests[i].body, "ContainerView") != NULL)
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

/* ---- the update stream ---- */

static size_t requests_naming(const world_t *w, const char *op,
                              const char *text) {
  size_t n = 0;
  for (size_t i = 0; i < w->fake.requests_num; i++)
    if (strcmp(w->fake.requests[i].op, op) == 0 &&
        strstr(w->fake.requests[i].body, text) != NULL)
      n++;
  return n;
}

static const vs_object_t *object(const world_t *w, const char *moref) {
  return vs_inventory_find(&w->block->inventory, moref);
}

#define VM_ON(moref, name, host)                                               \
  "<obj type=\"VirtualMachine\">" moref "</obj>"                               \
  "<changeSet><name>name</name><op>assign</op><val>" name "</val>"             \
  "</changeSet><changeSet><name>parent</name><op>assign</op><val "             \
  "type=\"Folder\">folder-3</val></changeSet><changeSet><name>runtime."        \
  "powerState</name><op>assign</op><val>poweredOn</val></changeSet>"           \
  "<changeSet><name>runtime.host</name><op>assign</op><val "                   \
  "type=\"HostSystem\">" host "</val></changeSet>"

DEF_TEST(stream_replaces_full_passes_and_follows_changes) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  EXPECT_EQ_INT(0, world_read(&w));
  /* the first update set is the discovery: no full pass */
  EXPECT_EQ_INT(0, discoveries(&w));
  EXPECT_EQ_INT(1, fake_count(&w.fake, "CreateFilter"));
  EXPECT_EQ_INT(1, fake_count(&w.fake, "WaitForUpdatesEx"));
  EXPECT_EQ_DOUBLE(12.0, self_value("self_inventory_vms"));
  OK(values_of("vm") >= 12);
  /* nothing changed: one WaitForUpdatesEx, nothing read again */
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, fake_count(&w.fake, "WaitForUpdatesEx"));
  EXPECT_EQ_INT(0, requests_naming(&w, "RetrievePropertiesEx", "vm-138"));
  /* a VM leaves, one enters, one changes (renamed, powered off) */
  w.vc.changes =
      "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
      "vm-135</obj></objectSet>"
      /* powered off, then destroyed (in one set) */
      "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">"
      "vm-141</obj><changeSet><name>runtime.powerState</name><op>"
      "assign</op><val>poweredOff</val></changeSet></objectSet>"
      "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
      "vm-141</obj></objectSet>"
      "<objectSet><kind>enter</kind>" VM_ON(
          "vm-999", "new01",
          "host-21") "</objectSet>"
                     "<objectSet><kind>modify</kind><obj "
                     "type=\"VirtualMachine\">"
                     "vm-138</obj><changeSet><name>name</name><op>assign</op>"
                     "<val>renamed</val></changeSet></objectSet>";
  w.vc.reread = "<objects><obj type=\"VirtualMachine\">vm-138</obj>"
                "<propSet><name>name</name><val>renamed</val></propSet>"
                "<propSet><name>parent</name><val type=\"Folder\">folder-3"
                "</val></propSet><propSet><name>runtime.powerState</name>"
                "<val>poweredOff</val></propSet><propSet><name>runtime.host"
                "</name><val type=\"HostSystem\">host-21</val></propSet>"
                "</objects>";
  EXPECT_EQ_INT(0, world_read(&w));
  /* the changed VM was read again, alone, with everything a discovery
   * asks for; the others were not */
  EXPECT_EQ_INT(1, requests_naming(&w, "RetrievePropertiesEx", "vm-138"));
  EXPECT_EQ_INT(0, requests_naming(&w, "RetrievePropertiesEx", "vm-141"));
  OK(object(&w, "vm-135") == NULL);
  OK(object(&w, "vm-141") == NULL);
  OK(object(&w, "vm-999") != NULL && object(&w, "vm-999")->active);
  EXPECT_EQ_STR("new01", object(&w, "vm-999")->name);
  EXPECT_EQ_STR("renamed", object(&w, "vm-138")->name);
  OK(!object(&w, "vm-138")->active); /* powered off */
  EXPECT_EQ_STR(
      "DC0",
      vs_inv_at(&w.block->inventory, object(&w, "vm-999")->datacenter)->name);
  EXPECT_EQ_INT(0, discoveries(&w));
  /* the next read queries the new VM, not the one that left */
  size_t before135 = requests_naming(&w, "QueryPerf", ">vm-135<");
  EXPECT_EQ_INT(0, world_read(&w));
  OK(requests_naming(&w, "QueryPerf", ">vm-999<") >= 1);
  EXPECT_EQ_INT(before135, requests_naming(&w, "QueryPerf", ">vm-135<"));
  EXPECT_EQ_DOUBLE(11.0, self_value("self_inventory_vms"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

/* The version the last WaitForUpdatesEx asked from. */
static const char *last_version(const world_t *w, char *buf, size_t size) {
  const fake_request_t *last =
      fake_request(&w->fake, "WaitForUpdatesEx",
                   fake_count(&w->fake, "WaitForUpdatesEx") - 1);
  return fake_tag(last->body, "version", 0, buf, size);
}

DEF_TEST(stream_truncated_sets_are_read_on) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  EXPECT_EQ_INT(0, world_read(&w));
  w.vc.changes = "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
                 "vm-135</obj></objectSet>"
                 /* powered off, then destroyed (in one set) */
                 "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">"
                 "vm-141</obj><changeSet><name>runtime.powerState</name><op>"
                 "assign</op><val>poweredOff</val></changeSet></objectSet>"
                 "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
                 "vm-141</obj></objectSet>";
  w.vc.changes_truncated = true;
  w.vc.more = "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
              "vm-138</obj></objectSet>";
  size_t waits = fake_count(&w.fake, "WaitForUpdatesEx");
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(waits + 2, fake_count(&w.fake, "WaitForUpdatesEx"));
  OK(object(&w, "vm-135") == NULL && object(&w, "vm-138") == NULL);
  /* the version of the last set is the one asked for next */
  char version[16];
  EXPECT_EQ_STR("2", last_version(&w, version, sizeof(version)));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_STR("3", last_version(&w, version, sizeof(version)));
  world_free(&w);
  return 0;
}

DEF_TEST(stream_starts_over_without_piling_up_collectors) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, w.vc.collectors_live);
  /* vCenter no longer knows the version: the old collector is destroyed,
   * a new one gives a full update, said once at INFO */
  w.vc.version_fault = true;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, w.vc.collectors_made);
  EXPECT_EQ_INT(1, w.vc.collectors_live);
  EXPECT_EQ_INT(1, fake_count(&w.fake, "DestroyPropertyCollector"));
  EXPECT_EQ_INT(1, mock_log_count_containing("InvalidCollectorVersion"));
  EXPECT_EQ_INT(0, discoveries(&w));
  /* a new session: its own collector (the old one went with the old
   * session: nothing to destroy) */
  w.vc.not_authenticated = 1;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, fake_count(&w.fake, "Login"));
  EXPECT_EQ_INT(3, w.vc.collectors_made);
  EXPECT_EQ_INT(1, fake_count(&w.fake, "DestroyPropertyCollector"));
  /* reads without changes make no collector */
  for (int i = 0; i < 5; i++)
    EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(3, w.vc.collectors_made);
  /* shutdown: the collector and its view are destroyed, then the logout */
  vs_vcenter_destroy(w.block);
  w.block = NULL;
  EXPECT_EQ_INT(2, fake_count(&w.fake, "DestroyPropertyCollector"));
  size_t n = w.fake.requests_num;
  EXPECT_EQ_STR("Logout", w.fake.requests[n - 1].op);
  EXPECT_EQ_STR("DestroyView", w.fake.requests[n - 2].op);
  EXPECT_EQ_STR("DestroyPropertyCollector", w.fake.requests[n - 3].op);
  world_free(&w);
  return 0;
}

DEF_TEST(stream_failures_ask_again_from_the_same_version) {
  world_t w;
  char version[16];
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  EXPECT_EQ_INT(0, world_read(&w));
  /* an HTTP error page: logged once, the stream kept, nothing lost */
  w.vc.changes = "<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">"
                 "vm-135</obj></objectSet>";
  w.vc.wait_http_errors = 1;
  EXPECT_EQ_INT(0, world_read(&w));
  OK(object(&w, "vm-135") != NULL);
  EXPECT_EQ_INT(1, mock_log_count_containing("asking again from the same"));
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_STR("1", last_version(&w, version, sizeof(version)));
  OK(object(&w, "vm-135") == NULL);
  EXPECT_EQ_INT(1, w.vc.collectors_made);
  /* the set was read (its version moved on) but the re-read of a changed
   * object failed: the next read asks for the same changes again */
  w.vc.changes = "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">"
                 "vm-138</obj><changeSet><name>name</name><op>assign</op>"
                 "<val>renamed</val></changeSet></objectSet>";
  w.vc.reread_faults = 1;
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_STR("2", last_version(&w, version, sizeof(version)));
  w.vc.changes = "<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">"
                 "vm-138</obj><changeSet><name>name</name><op>assign</op>"
                 "<val>renamed</val></changeSet></objectSet>";
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_STR("2", last_version(&w, version, sizeof(version)));
  EXPECT_EQ_INT(1, requests_naming(&w, "RetrievePropertiesEx", "vm-138") - 1);
  EXPECT_EQ_INT(1, w.vc.collectors_made);
  /* answers that keep failing (not the connection): after three reads in
   * a row the stream starts over, without a second ERROR line */
  EXPECT_EQ_INT(0, world_read(&w)); /* (the episode of errors ends) */
  size_t errors = mock_log_count(LOG_ERR);
  w.vc.wait_http_errors = 3;
  for (int i = 0; i < 3; i++)
    EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, w.vc.collectors_made);
  EXPECT_EQ_INT(1, w.vc.collectors_live);
  EXPECT_EQ_INT(1, fake_count(&w.fake, "DestroyPropertyCollector"));
  EXPECT_EQ_INT(errors + 1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_containing("stream: starting over"));
  EXPECT_EQ_INT(0, discoveries(&w));
  world_free(&w);
  return 0;
}

DEF_TEST(stream_full_update_spans_reads_within_their_budget) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  w.vc.initial_sets = 3;
  w.vc.initial_delay_ms = 1100;
  /* a read of interval 1 has 2 s: two sets, then the read ends */
  double t = vs_monotonic_seconds();
  EXPECT_EQ_INT(0, vs_vcenter_read(w.block, 1.0));
  OK(vs_monotonic_seconds() - t < 3.0);
  EXPECT_EQ_INT(2, fake_count(&w.fake, "WaitForUpdatesEx"));
  OK(!w.block->inventory_ready);
  EXPECT_EQ_DOUBLE(1.0, self_value("self_updates_pending"));
  EXPECT_EQ_INT(0, fake_count(&w.fake, "QueryPerf"));
  /* the next read finishes it, from the version reached, and queries */
  EXPECT_EQ_INT(0, vs_vcenter_read(w.block, 1.0));
  EXPECT_EQ_INT(3, fake_count(&w.fake, "WaitForUpdatesEx"));
  char version[16];
  EXPECT_EQ_STR("2", last_version(&w, version, sizeof(version)));
  OK(w.block->inventory_ready);
  EXPECT_EQ_DOUBLE(12.0, self_value("self_inventory_vms"));
  EXPECT_EQ_DOUBLE(0.0, self_value("self_updates_pending"));
  OK(values_of("vm") >= 12);
  EXPECT_EQ_INT(1, w.vc.collectors_made);
  EXPECT_EQ_INT(0, discoveries(&w));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(shutdown_in_the_middle_of_a_full_update) {
  /* the half-read inventory is freed (valgrind and ASan run this) and the
   * collector destroyed before the logout */
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.stream = true;
  w.vc.initial_sets = 3;
  w.vc.initial_delay_ms = 1100;
  EXPECT_EQ_INT(0, vs_vcenter_read(w.block, 1.0));
  OK(w.block->building.num > 0);
  OK(!w.block->inventory_ready);
  vs_vcenter_destroy(w.block);
  w.block = NULL;
  EXPECT_EQ_INT(0, w.vc.collectors_live);
  EXPECT_EQ_STR("Logout", w.fake.requests[w.fake.requests_num - 1].op);
  world_free(&w);
  return 0;
}

/* Objects whose state values were dispatched so far (host and plugin
 * instance of the values of state types). */
static size_t objects_with_states(void) {
  char seen[256][2 * DATA_MAX_NAME_LEN];
  size_t n = 0;
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *v = mock_value(i);
    if (!is_state_type(v->type))
      continue;
    char key[2 * DATA_MAX_NAME_LEN];
    snprintf(key, sizeof(key), "%s/%s", v->host, v->plugin_instance);
    size_t j = 0;
    while (j < n && strcmp(seen[j], key) != 0)
      j++;
    if (j == n && n < 256)
      memcpy(seen[n++], key, sizeof(key));
  }
  return n;
}

DEF_TEST(states_held_back_by_max_new_series_come_at_the_next_reads) {
  /* The first state values of an object are new series: with a small
   * MaxNewSeries they go out over several reads, each read taking what
   * its budget allows, not only every PropertyInterval (60 s). */
  static const char *const keys[] = {"MaxNewSeries", NULL};
  static const double values[] = {10};
  world_t w;
  CHECK_ZERO(world_init(&w, keys, values));
  w.vc.stream = true;
  EXPECT_EQ_INT(0, world_read(&w));
  size_t first = objects_with_states();
  OK(first > 0);
  size_t total = 0;
  for (size_t i = 0; i < w.block->inventory.num; i++) {
    const vs_object_t *o = &w.block->inventory.objects[i];
    total += o->selected && o->states_num > 0;
  }
  OK(first < total);
  int reads = 1;
  while (objects_with_states() < total && reads < 60) {
    EXPECT_EQ_INT(0, world_read(&w));
    reads++;
  }
  EXPECT_EQ_INT(total, objects_with_states());
  EXPECT_EQ_INT(0, w.block->states_held);
  printf("# %zu of %zu objects' states at the first read, all after %d\n",
         first, total, reads);
  world_free(&w);
  return 0;
}

DEF_TEST(stream_unavailable_falls_back_to_full_passes) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  /* the fake vCenter knows no CreatePropertyCollector */
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, discoveries(&w));
  EXPECT_EQ_INT(12.0, self_value("self_inventory_vms"));
  EXPECT_EQ_INT(1, mock_log_count_containing("update stream not available"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  /* no second try before the next full pass */
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, fake_count(&w.fake, "CreatePropertyCollector"));
  world_free(&w);
  return 0;
}

/* TagInterval: the tags of the selected objects in one bulk request after
 * the first discovery, not again before the interval (nor after a full
 * pass that found the same objects); the REST session logged out at
 * shutdown. */
DEF_TEST(tags_read_in_bulk_then_logged_out) {
  world_t w;
  static const char *const keys[] = {"TagInterval", "InventoryInterval", NULL};
  static const double values[] = {300, 0.01};
  CHECK_ZERO(world_init(&w, keys, values));
  EXPECT_EQ_INT(0, world_read(&w));
  const char *attached = "POST /rest/com/vmware/cis/tagging/tag-association"
                         "?~action=list-attached-tags-on-objects";
  EXPECT_EQ_INT(1, fake_count(&w.fake, "POST /rest/com/vmware/cis/session"));
  EXPECT_EQ_INT(1, fake_count(&w.fake, attached));
  EXPECT_EQ_INT(1, w.vc.rest_sessions);
  const fake_request_t *bulk = fake_request(&w.fake, attached, 0);
  size_t objects = 0;
  for (const char *p = strstr(bulk->body, "\"id\":"); p != NULL;
       p = strstr(p + 1, "\"id\":"))
    objects++;
  size_t selected = 0;
  for (size_t i = 0; i < w.block->inventory.num; i++)
    selected += w.block->inventory.objects[i].selected;
  EXPECT_EQ_INT(selected, objects);
  char first[64] = "";
  sscanf(strstr(bulk->body, "\"id\":\"") + 6, "%63[^\"]", first);
  const vs_tag_t *t;
  EXPECT_EQ_INT(1, vs_tags_of(&w.block->tags, first, &t));
  EXPECT_EQ_STR("Env", t[0].category);
  EXPECT_EQ_STR("prod", t[0].name);
  EXPECT_EQ_INT(1, mock_log_count_containing("vSphere tags: 1 tag(s) on 1 "
                                             "object(s)"));
  /* dispatched at once as the object's info series */
  size_t tag_values = 0;
  const mock_value_t *tv = NULL;
  for (size_t i = 0; i < mock_values_num(); i++)
    if (strstr(mock_value(i)->type, "_tag") != NULL) {
      tag_values++;
      tv = mock_value(i);
    }
  EXPECT_EQ_INT(1, tag_values);
  CHECK_NOT_NULL(tv);
  EXPECT_EQ_STR("Env:prod", tv->type_instance);
  EXPECT_EQ_DOUBLE(1.0, tv->gauge);
  const vs_object_t *tagged = vs_inventory_find(&w.block->inventory, first);
  CHECK_NOT_NULL(tagged);
  EXPECT_EQ_STR(tagged->id_host, tv->host);
  /* not due again yet; full passes with the same objects: not read */
  uint64_t passes = w.block->stats.full_passes;
  for (int i = 0; i < 3; i++) {
    usleep(20000);
    EXPECT_EQ_INT(0, world_read(&w));
  }
  OK(w.block->stats.full_passes > passes);
  EXPECT_EQ_INT(1, fake_count(&w.fake, attached));
  /* a full pass whose objects differ from those the tags were read for
   * (as if one had been added): read again at once */
  w.block->tags_fingerprint ^= 1;
  usleep(20000);
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, fake_count(&w.fake, attached));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  EXPECT_EQ_INT(0, w.vc.rest_sessions);
  return 0;
}

/* Values of an object (by its name) dispatched since mock value `from`,
 * and how many of them went to host `host`. */
static size_t host_values(const char *name, size_t from, const char *host,
                          size_t *to_host) {
  size_t n = 0, len = strlen(name);
  *to_host = 0;
  for (size_t i = from; i < mock_values_num(); i++) {
    const mock_value_t *v = mock_value(i);
    if (strncmp(v->host, name, len) != 0 || v->host[len] != ':')
      continue;
    n++;
    *to_host += strcmp(v->host, host) == 0;
  }
  return n;
}

static double tags_now;
static double tags_clock(void) { return tags_now; }

/* HostnameFormat "name" "tag:Env": the first identities already carry
 * the tag (the tags are read before anything is sent), and a tag moved to
 * another object renames both at the next tag refresh, their state values
 * sent again under the new identities, the counters following. */
DEF_TEST(tag_naming_field_first_identity_and_moves) {
  world_t w;
  static const char *const keys[] = {"TagInterval", NULL};
  static const double values[] = {300};
  static const char *const format[] = {"name", "tag:Env", NULL};
  CHECK_ZERO(world_init_format(&w, keys, values, format));
  /* the tags' own clock: due when the test says (not by wall time, which
   * valgrind stretches) */
  tags_now = 1000;
  w.block->tags.clock = tags_clock;
  EXPECT_EQ_INT(0, world_read(&w));
  const char *attached = "POST /rest/com/vmware/cis/tagging/tag-association"
                         "?~action=list-attached-tags-on-objects";
  EXPECT_EQ_INT(1, fake_count(&w.fake, attached));
  char first[64] = "";
  sscanf(strstr(fake_request(&w.fake, attached, 0)->body, "\"id\":\"") + 6,
         "%63[^\"]", first);
  const vs_object_t *o = vs_inventory_find(&w.block->inventory, first);
  CHECK_NOT_NULL(o);
  char tagged_name[128], want[140];
  snprintf(tagged_name, sizeof(tagged_name), "%s", o->name);
  snprintf(want, sizeof(want), "%s:prod", tagged_name);
  EXPECT_EQ_STR(want, o->id_host);
  size_t to_host, n = host_values(tagged_name, 0, want, &to_host);
  OK(n > 0);
  EXPECT_EQ_INT(n, to_host); /* never under "<name>:" */
  /* another object of the same kind, untagged */
  const vs_object_t *other = NULL;
  for (size_t i = 0; i < w.block->inventory.num && other == NULL; i++) {
    const vs_object_t *c = &w.block->inventory.objects[i];
    if (c->selected && c->kind == o->kind && c != o)
      other = c;
  }
  CHECK_NOT_NULL(other);
  char other_name[128], other_before[140], other_after[140];
  snprintf(other_name, sizeof(other_name), "%s", other->name);
  snprintf(other_before, sizeof(other_before), "%s:", other_name);
  snprintf(other_after, sizeof(other_after), "%s:prod", other_name);
  EXPECT_EQ_STR(other_before, other->id_host);

  /* the tag moves to the other object */
  snprintf(w.vc.tagged, sizeof(w.vc.tagged), "%s", other->moref);
  tags_now += 301; /* TagInterval passed */
  size_t mark = mock_values_num();
  EXPECT_EQ_INT(0, world_read(&w)); /* refresh at the end of the read */
  EXPECT_EQ_INT(2, fake_count(&w.fake, attached));
  o = vs_inventory_find(&w.block->inventory, first);
  other = vs_inventory_find(&w.block->inventory, w.vc.tagged);
  CHECK_NOT_NULL(o);
  CHECK_NOT_NULL(other);
  snprintf(want, sizeof(want), "%s:", tagged_name);
  EXPECT_EQ_STR(want, o->id_host);
  EXPECT_EQ_STR(other_after, other->id_host);
  /* the state values again, at once, under the new identities */
  size_t states_moved = 0;
  for (size_t i = mark; i < mock_values_num(); i++)
    states_moved += strcmp(mock_value(i)->host, other_after) == 0 &&
                    is_state_type(mock_value(i)->type);
  OK(states_moved > 0);
  /* and the counters at the next read */
  mark = mock_values_num();
  EXPECT_EQ_INT(0, world_read(&w));
  OK(host_values(other_name, mark, other_after, &to_host) > 0);
  EXPECT_EQ_INT(host_values(other_name, mark, other_after, &to_host), to_host);
  OK(host_values(tagged_name, mark, want, &to_host) > 0);
  EXPECT_EQ_INT(host_values(tagged_name, mark, want, &to_host), to_host);
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

/* ---- vCenter's events ---- */

static const mock_value_t *count_of(const char *host, const char *type,
                                    const char *event_type) {
  const mock_value_t *last = NULL;
  for (size_t i = 0; i < mock_values_num(); i++) {
    const mock_value_t *v = mock_value(i);
    if (strcmp(v->host, host) == 0 && strcmp(v->type, type) == 0 &&
        strcmp(v->type_instance, event_type) == 0)
      last = v;
  }
  return last;
}

/* A world with Events true (and Collect `collect`, NULL: the default). */
static int world_init_events(world_t *w, const char *collect) {
  mock_reset();
  memset(w, 0, sizeof(*w));
  if (vs_dispatch_register_default_types() != 0)
    return -1;
  oconfig_item_t *ci = minimal();
  opt_num(ci, "TagInterval", 0);
  opt_bool(ci, "Events", 1);
  if (collect != NULL)
    opt_str(ci, "Collect", collect);
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

DEF_TEST(events_counted_and_notified_across_a_relogin) {
  world_t w;
  CHECK_ZERO(world_init_events(&w, NULL));

  ev_post(&w.vc, "VmPoweredOnEvent", "vm-135", "host-21"); /* history */
  usleep(2000);
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(1, w.vc.ev_made);
  /* the filter names the types counted or notified, not every type */
  OK(strstr(w.vc.ev_filter, "<eventTypeId>VmFailedToPowerOnEvent<") != NULL);
  OK(strstr(w.vc.ev_filter, "<beginTime>") != NULL);
  OK(count_of("DC0_H0_VM0", "vm_events", "VmPoweredOnEvent") == NULL);

  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  ev_post(&w.vc, "VmFailedToPowerOnEvent", "vm-135", "host-21");
  ev_post(&w.vc, "VmPoweredOnEvent", "vm-999", "host-21"); /* not known */
  ev_post(&w.vc, "BadUsernameSessionEvent", NULL, NULL);
  ev_post(&w.vc, "UserLoginSessionEvent", NULL, NULL); /* not asked for */
  EXPECT_EQ_INT(0, world_read(&w));
  const mock_value_t *v =
      count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->derive && v->gauge == 1);
  v = count_of("DC0_H0", "host_events", "VmPoweredOnEvent");
  OK(v != NULL && v->gauge == 1);
  v = count_of("", "vcenter_events", "BadUsernameSessionEvent");
  OK(v != NULL && v->gauge == 1 && strcmp(v->plugin_instance, "prod") == 0);
  OK(count_of("", "vcenter_events", "UserLoginSessionEvent") == NULL);
  EXPECT_EQ_INT(1, mock_notifications_num());
  const mock_notification_t *n = mock_notification(0);
  CHECK_NOT_NULL(n);
  EXPECT_EQ_INT(NOTIF_FAILURE, n->severity);
  EXPECT_EQ_STR("DC0_H0_VM0", n->host);
  EXPECT_EQ_STR("vm_events", n->type);
  EXPECT_EQ_STR("VmFailedToPowerOnEvent", n->type_instance);
  EXPECT_EQ_STR("VmFailedToPowerOnEvent happened", n->message);
  char meta[128];
  EXPECT_EQ_STR("ops", mock_notification_meta(n, "user", meta, sizeof(meta)));
  EXPECT_EQ_STR("vm-135",
                mock_notification_meta(n, "entity_moref", meta, sizeof(meta)));
  EXPECT_EQ_STR("1002",
                mock_notification_meta(n, "event_key", meta, sizeof(meta)));

  /* a session lost in the middle: a new collector from a little before
   * the last event, nothing counted twice, nothing lost */
  w.vc.not_authenticated = 1;
  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(2, w.vc.ev_made);
  v = count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->gauge == 2);
  EXPECT_EQ_INT(1, mock_notifications_num());
  /* a collector vCenter lost: made again in the same read */
  w.vc.ev_lose = true;
  ev_post(&w.vc, "VmFailedToPowerOnEvent", "vm-138", "host-21");
  EXPECT_EQ_INT(0, world_read(&w));
  EXPECT_EQ_INT(3, w.vc.ev_made);
  EXPECT_EQ_INT(2, mock_notifications_num());
  v = count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->gauge == 2); /* sent again, not counted again */
  EXPECT_EQ_DOUBLE(6.0, self_value("self_events")); /* 2nd read: 4 */
  /* a page newest first: every event still counted once */
  w.vc.ev_newest_first = true;
  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  EXPECT_EQ_INT(0, world_read(&w));
  v = count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->gauge == 5);
  EXPECT_EQ_INT(0, world_read(&w)); /* and not again */
  v = count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->gauge == 5);
  w.vc.ev_newest_first = false;
  /* vCenter's keys start over (restored), its events newer: read on */
  ev_post(&w.vc, "VmPoweredOffEvent", "vm-135", "host-21");
  w.vc.ev[w.vc.ev_num - 1].key = 3;
  w.vc.ev[w.vc.ev_num - 1].us += 3600 * INT64_C(1000000);
  EXPECT_EQ_INT(0, world_read(&w));
  v = count_of("DC0_H0_VM0", "vm_events", "VmPoweredOffEvent");
  OK(v != NULL && v->gauge == 6);
  EXPECT_EQ_INT(1, mock_log_count_containing("event keys went back"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  /* shutdown destroys the collector */
  vs_vcenter_destroy(w.block);
  w.block = NULL;
  EXPECT_EQ_INT(1, w.vc.ev_destroyed);
  OK(w.vc.ev_collector[0] == 0);
  world_free(&w);
  return 0;
}

/* ---- triggered alarms by name ---- */

static const mock_value_t *alarm_value(const char *host, const char *type) {
  const mock_value_t *last = NULL;
  for (size_t i = 0; i < mock_values_num(); i++)
    if (strcmp(mock_value(i)->host, host) == 0 &&
        strcmp(mock_value(i)->type, type) == 0)
      last = mock_value(i);
  return last;
}

/* A full pass at the next read (where the scripted alarm is read). */
static int read_pass(world_t *w) {
  w->block->next_inventory_at = 0;
  mock_values_reset();
  return world_read(w);
}

static const mock_notification_t *last_notification(void) {
  size_t n = mock_notifications_num();
  return n > 0 ? mock_notification(n - 1) : NULL;
}

DEF_TEST(alarm_named_on_its_object_and_each_change_notified) {
  world_t w;
  CHECK_ZERO(world_init(&w, NULL, NULL));
  w.vc.alarm_status = "red";
  EXPECT_EQ_INT(0, world_read(&w));
  /* named in bulk before it went out, on the VM it is about only */
  EXPECT_EQ_INT(
      1, requests_naming(&w, "RetrievePropertiesEx", "<type>Alarm</type>"));
  const mock_value_t *v = alarm_value("DC0_H0_VM0", "vm_alarm");
  CHECK_NOT_NULL(v);
  EXPECT_EQ_STR("Virtual machine CPU usage", v->type_instance);
  EXPECT_EQ_DOUBLE(2.0, v->gauge);
  OK(alarm_value("DC0_H0", "host_alarm") == NULL);
  v = alarm_value("DC0_H0", "host_alarms"); /* counted there, as before */
  OK(v != NULL);
  /* firing at the start: a series, not a notification */
  EXPECT_EQ_INT(0, mock_notifications_num());

  w.vc.alarm_status = "yellow";
  EXPECT_EQ_INT(0, read_pass(&w));
  EXPECT_EQ_INT(1, mock_notifications_num());
  const mock_notification_t *n = last_notification();
  EXPECT_EQ_INT(NOTIF_WARNING, n->severity);
  EXPECT_EQ_STR("DC0_H0_VM0", n->host);
  EXPECT_EQ_STR("vm_alarm", n->type);
  EXPECT_EQ_STR("Virtual machine CPU usage", n->type_instance);
  char meta[64];
  EXPECT_EQ_STR("better", mock_notification_meta(n, "change", meta, 64));
  EXPECT_EQ_STR("red", mock_notification_meta(n, "previous_status", meta, 64));
  v = alarm_value("DC0_H0_VM0", "vm_alarm");
  OK(v != NULL && v->gauge == 1.0);

  w.vc.alarm_ack = true; /* acknowledged: one notification */
  EXPECT_EQ_INT(0, read_pass(&w));
  EXPECT_EQ_INT(2, mock_notifications_num());
  EXPECT_EQ_STR("acknowledged", mock_notification_meta(last_notification(),
                                                       "change", meta, 64));
  EXPECT_EQ_INT(0, read_pass(&w)); /* nothing changed: none */
  EXPECT_EQ_INT(2, mock_notifications_num());

  w.vc.alarm_status = ""; /* cleared */
  EXPECT_EQ_INT(0, read_pass(&w));
  EXPECT_EQ_INT(3, mock_notifications_num());
  EXPECT_EQ_INT(NOTIF_OKAY, last_notification()->severity);
  EXPECT_EQ_STR("cleared", mock_notification_meta(last_notification(), "change",
                                                  meta, 64));
  /* found by a full pass: still under its name */
  EXPECT_EQ_STR("Virtual machine CPU usage",
                last_notification()->type_instance);
  OK(alarm_value("DC0_H0_VM0", "vm_alarm") == NULL); /* no longer sent */

  w.vc.alarm_status = "red"; /* again: new */
  w.vc.alarm_ack = false;
  EXPECT_EQ_INT(0, read_pass(&w));
  EXPECT_EQ_INT(4, mock_notifications_num());
  EXPECT_EQ_INT(NOTIF_FAILURE, last_notification()->severity);
  EXPECT_EQ_STR("triggered", mock_notification_meta(last_notification(),
                                                    "change", meta, 64));
  EXPECT_EQ_DOUBLE(4.0, self_value("self_alarm_notifications"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  world_free(&w);
  return 0;
}

DEF_TEST(events_of_kinds_not_collected_go_to_the_vcenter) {
  world_t w;
  CHECK_ZERO(world_init_events(&w, "vm"));
  EXPECT_EQ_INT(0, world_read(&w));
  ev_post(&w.vc, "HostConnectionLostEvent", NULL, "host-21");
  EXPECT_EQ_INT(0, world_read(&w));
  const mock_value_t *v =
      count_of("", "vcenter_events", "HostConnectionLostEvent");
  OK(v != NULL && v->gauge == 1);
  EXPECT_EQ_INT(1, mock_notifications_num());
  const mock_notification_t *n = mock_notification(0);
  CHECK_NOT_NULL(n);
  EXPECT_EQ_STR("mockhost", n->host);
  EXPECT_EQ_STR("vcenter_events", n->type);
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
  RUN_TEST(stream_replaces_full_passes_and_follows_changes);
  RUN_TEST(stream_truncated_sets_are_read_on);
  RUN_TEST(stream_starts_over_without_piling_up_collectors);
  RUN_TEST(stream_failures_ask_again_from_the_same_version);
  RUN_TEST(stream_full_update_spans_reads_within_their_budget);
  RUN_TEST(shutdown_in_the_middle_of_a_full_update);
  RUN_TEST(states_held_back_by_max_new_series_come_at_the_next_reads);
  RUN_TEST(stream_unavailable_falls_back_to_full_passes);
  RUN_TEST(tags_read_in_bulk_then_logged_out);
  RUN_TEST(tag_naming_field_first_identity_and_moves);
  RUN_TEST(events_counted_and_notified_across_a_relogin);
  RUN_TEST(events_of_kinds_not_collected_go_to_the_vcenter);
  RUN_TEST(alarm_named_on_its_object_and_each_change_notified);
  mock_reset();
  END_TEST;
}
