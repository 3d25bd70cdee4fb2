/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_tags.c
 * The REST session (vs_rest) and the tag reader (vs_tags) against a
 * scripted vCenter REST API (the paths, bodies and answers of govmomi's
 * vapi simulator and of vCenter 6.5+): login with basic auth, the session
 * id on every later request, bulk reads in batches, names cached by id,
 * ids no longer listed dropped, re-login once on 401, a login refused
 * with 404/403 (one log line, no request until the retry interval),
 * logout at the end; a failed refresh keeps the previous result.
 */
#include "fake_transport.h"
#include "mock_plugin.h"
#include "testing.h"
#include "vs_json.h"
#include "vs_rest.h"
#include "vs_secret.h"
#include "vs_tags.h"

#include <sys/stat.h>
#include <unistd.h>

#define MAX_ITEMS 16
#define MAX_SESSIONS 8
#define CAT "/rest/com/vmware/cis/tagging/category"
#define TAG "/rest/com/vmware/cis/tagging/tag"
#define ATTACHED                                                               \
  "POST /rest/com/vmware/cis/tagging/tag-association?~action=list-attached-"   \
  "tags-on-objects"
#define LOGIN "POST /rest/com/vmware/cis/session"
#define LOGOUT "DELETE /rest/com/vmware/cis/session"

/* ---- a scripted vCenter REST API ---- */

typedef struct {
  char id[96], name[96], category[96]; /* category: tags only */
} item_t;

typedef struct {
  item_t cats[MAX_ITEMS], tags[MAX_ITEMS];
  size_t cats_num, tags_num;
  /* attachments: object i (moref "vm-<i>") has tag ids attached[i][..] */
  const char *attached[4096][3];
  char sessions[MAX_SESSIONS][64]; /* live session ids ("" free) */
  int next_session;
  long login_status;           /* 0: logins work; else the status they get */
  bool empty_lists_omitted;    /* {} for an empty list */
  bool empty_lists_null;       /* as vcsim 0.24: {"value":null} */
  bool fail_attached;          /* the attachments request fails (transport) */
  bool reject_calls;           /* every call but the login gets 401 */
  const char *phantom_tag;     /* listed, but its read answers 404 */
  const char *attached_answer; /* if set: the answer to attachments */
  double now;
} vc_t;

static vc_t *sim;
static double sim_clock(void) { return sim->now; }

static int live_sessions(const vc_t *vc) {
  int n = 0;
  for (int i = 0; i < MAX_SESSIONS; i++)
    n += vc->sessions[i][0] != 0;
  return n;
}

static bool session_ok(const vc_t *vc, const char *id) {
  for (int i = 0; id[0] && i < MAX_SESSIONS; i++)
    if (strcmp(vc->sessions[i], id) == 0)
      return true;
  return false;
}

static void kill_sessions(vc_t *vc) {
  memset(vc->sessions, 0, sizeof(vc->sessions));
}

static void ids_answer(vc_t *vc, fake_reply_t *r, const item_t *items,
                       size_t num, const char *extra) {
  if (num == 0 && extra == NULL && vc->empty_lists_omitted) {
    fake_json(r, 200, vc->empty_lists_null ? "{\"value\":null}" : "{}");
    return;
  }
  vs_buf_reset(&r->body);
  vs_buf_puts(&r->body, "{\"value\":[");
  for (size_t i = 0; i < num; i++)
    vs_buf_printf(&r->body, "%s\"%s\"", i ? "," : "", items[i].id);
  if (extra != NULL)
    vs_buf_printf(&r->body, "%s\"%s\"", num ? "," : "", extra);
  vs_buf_puts(&r->body, "]}");
}

static void item_answer(fake_reply_t *r, const item_t *items, size_t num,
                        const char *id) {
  for (size_t i = 0; i < num; i++)
    if (strcmp(items[i].id, id) == 0) {
      vs_buf_reset(&r->body);
      vs_buf_printf(&r->body,
                    "{\"value\":{\"id\":\"%s\",\"name\":\"%s\",\"description\":"
                    "\"\",\"category_id\":\"%s\",\"used_by\":[]}}",
                    items[i].id, items[i].name, items[i].category);
      return;
    }
  fake_json(r, 404, "");
}

static void attached_answer(vc_t *vc, const char *body, fake_reply_t *r) {
  vs_json_t j;
  vs_json_init(&j);
  if (vs_json_parse(&j, body, strlen(body)) != 0) {
    fake_json(r, 400, "");
    return;
  }
  const vs_json_node_t *ids = vs_json_get(&j, vs_json_root(&j), "object_ids");
  vs_buf_reset(&r->body);
  vs_buf_puts(&r->body, "{\"value\":[");
  bool first = true;
  for (const vs_json_node_t *o = vs_json_first(&j, ids); o != NULL;
       o = vs_json_next(&j, o)) {
    const char *id = vs_json_get_string(&j, o, "id");
    const char *type = vs_json_get_string(&j, o, "type");
    int n = id != NULL && strncmp(id, "vm-", 3) == 0 ? atoi(id + 3) : -1;
    vs_buf_printf(&r->body,
                  "%s{\"object_id\":{\"id\":\"%s\",\"type\":\"%s\"},"
                  "\"tag_ids\":[",
                  first ? "" : ",", id ? id : "", type ? type : "");
    first = false;
    for (int k = 0; n >= 0 && n < 4096 && k < 3 && vc->attached[n][k]; k++)
      vs_buf_printf(&r->body, "%s\"%s\"", k ? "," : "", vc->attached[n][k]);
    vs_buf_puts(&r->body, "]}");
  }
  vs_buf_puts(&r->body, "]}");
  vs_json_free(&j);
}

static void respond(void *ctx, const fake_request_t *req, fake_reply_t *r) {
  vc_t *vc = ctx;
  if (strcmp(req->op, LOGIN) == 0) {
    if (vc->login_status != 0) {
      fake_json(r, vc->login_status, "");
      return;
    }
    if (strcmp(req->user, "monitor@vsphere.local") != 0 ||
        strcmp(req->password, "s3cret") != 0) {
      fake_json(r, 401, "");
      return;
    }
    for (int i = 0; i < MAX_SESSIONS; i++)
      if (vc->sessions[i][0] == 0) {
        snprintf(vc->sessions[i], sizeof(vc->sessions[i]), "sid-%d",
                 ++vc->next_session);
        vs_buf_reset(&r->body);
        vs_buf_printf(&r->body, "{\"value\":\"%s\"}", vc->sessions[i]);
        return;
      }
    fake_json(r, 503, ""); /* the session limit */
    return;
  }
  if (!session_ok(vc, req->session_id) || vc->reject_calls) {
    fake_json(r, 401,
              "{\"type\":\"com.vmware.vapi.std.errors."
              "unauthenticated\",\"value\":{\"messages\":[]}}");
    return;
  }
  if (strcmp(req->op, LOGOUT) == 0) {
    for (int i = 0; i < MAX_SESSIONS; i++)
      if (strcmp(vc->sessions[i], req->session_id) == 0)
        vc->sessions[i][0] = 0;
    fake_json(r, 200, "");
  } else if (strcmp(req->op, "GET " CAT) == 0) {
    ids_answer(vc, r, vc->cats, vc->cats_num, NULL);
  } else if (strncmp(req->op, "GET " CAT "/id:", strlen("GET " CAT "/id:")) ==
             0) {
    item_answer(r, vc->cats, vc->cats_num, req->op + strlen("GET " CAT "/id:"));
  } else if (strcmp(req->op, "GET " TAG) == 0) {
    ids_answer(vc, r, vc->tags, vc->tags_num, vc->phantom_tag);
  } else if (strncmp(req->op, "GET " TAG "/id:", strlen("GET " TAG "/id:")) ==
             0) {
    item_answer(r, vc->tags, vc->tags_num, req->op + strlen("GET " TAG "/id:"));
  } else if (strcmp(req->op, ATTACHED) == 0) {
    if (vc->fail_attached)
      r->transport_code = 28, r->timed_out = true;
    else if (vc->attached_answer != NULL)
      fake_json(r, 200, vc->attached_answer);
    else
      attached_answer(vc, req->body, r);
  } else {
    fake_json(r, 404, "");
  }
}

static void add_item(item_t *items, size_t *num, const char *id,
                     const char *name, const char *category) {
  item_t *it = &items[(*num)++];
  snprintf(it->id, sizeof(it->id), "%s", id);
  snprintf(it->name, sizeof(it->name), "%s", name);
  snprintf(it->category, sizeof(it->category), "%s", category ? category : "");
}

static void remove_item(item_t *items, size_t *num, const char *id) {
  for (size_t i = 0; i < *num; i++)
    if (strcmp(items[i].id, id) == 0) {
      items[i] = items[--*num];
      return;
    }
}

/* Two categories, three tags; vm-0: prod + team-a; vm-1500: team-b;
 * vm-2999: prod. */
#define C_ENV "urn:vmomi:InventoryServiceCategory:e1:GLOBAL"
#define C_OWNER "urn:vmomi:InventoryServiceCategory:o1:GLOBAL"
#define T_PROD "urn:vmomi:InventoryServiceTag:p1:GLOBAL"
#define T_TEAM_A "urn:vmomi:InventoryServiceTag:a1:GLOBAL"
#define T_TEAM_B "urn:vmomi:InventoryServiceTag:b1:GLOBAL"

static void vc_setup(vc_t *vc) {
  memset(vc, 0, sizeof(*vc));
  add_item(vc->cats, &vc->cats_num, C_ENV, "Environment", NULL);
  add_item(vc->cats, &vc->cats_num, C_OWNER, "Owner", NULL);
  add_item(vc->tags, &vc->tags_num, T_PROD, "prod", C_ENV);
  add_item(vc->tags, &vc->tags_num, T_TEAM_A, "team-a", C_OWNER);
  add_item(vc->tags, &vc->tags_num, T_TEAM_B, "team-b", C_OWNER);
  vc->attached[0][0] = T_TEAM_A;
  vc->attached[0][1] = T_PROD;
  vc->attached[1500][0] = T_TEAM_B;
  vc->attached[2999][0] = T_PROD;
  sim = vc;
}

/* ---- the plugin's side ---- */

#define OBJECTS 3000

typedef struct {
  vc_t vc;
  vs_config_t cfg;
  vs_log_t log;
  fake_transport_t fake;
  vs_rest_t rest;
  vs_tags_t tags;
  char morefs[OBJECTS][16];
  const char *moref_ptrs[OBJECTS];
  const char *types[OBJECTS];
} fixture_t;

static fixture_t *fixture_new(void) {
  mock_reset();
  fixture_t *f = calloc(1, sizeof(*f));
  if (f == NULL)
    abort();
  vc_setup(&f->vc);
  f->cfg.name = "prod";
  f->cfg.user = "monitor@vsphere.local";
  f->cfg.password = "s3cret";
  vs_log_init(&f->log, "prod");
  fake_init(&f->fake, 1, respond, &f->vc);
  vs_rest_init(&f->rest, &f->cfg, &f->fake.t, &f->log, 300);
  f->rest.clock = sim_clock;
  vs_tags_init(&f->tags);
  f->tags.clock = sim_clock;
  for (int i = 0; i < OBJECTS; i++) {
    snprintf(f->morefs[i], sizeof(f->morefs[i]), "vm-%d", i);
    f->moref_ptrs[i] = f->morefs[i];
    f->types[i] = "VirtualMachine";
  }
  return f;
}

static void fixture_free(fixture_t *f) {
  vs_tags_free(&f->tags);
  vs_rest_destroy(&f->rest);
  fake_free(&f->fake);
  free(f);
}

static int refresh(fixture_t *f, vs_error_t *err) {
  return vs_tags_refresh(&f->tags, &f->rest, f->moref_ptrs, f->types, OBJECTS,
                         err);
}

/* "Category=tag,..." of an object. */
static const char *tags_of(fixture_t *f, const char *moref, char *buf,
                           size_t size) {
  const vs_tag_t *t;
  size_t n = vs_tags_of(&f->tags, moref, &t);
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", i ? "," : "",
                             t[i].category, t[i].name);
  return buf;
}

static size_t count_prefix(const fake_transport_t *ft, const char *prefix) {
  size_t n = 0;
  for (size_t i = 0; i < ft->requests_num; i++)
    n += strncmp(ft->requests[i].op, prefix, strlen(prefix)) == 0;
  return n;
}

DEF_TEST(login_bulk_read_logout) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  OK(vs_tags_due(&f->tags, 300));
  OK(!vs_tags_due(&f->tags, 0)); /* TagInterval 0: never */
  EXPECT_EQ_INT(VS_OK, refresh(f, &err));
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));
  EXPECT_EQ_STR("Owner=team-b", tags_of(f, "vm-1500", buf, 256));
  EXPECT_EQ_STR("Environment=prod", tags_of(f, "vm-2999", buf, 256));
  EXPECT_EQ_STR("", tags_of(f, "vm-1", buf, 256));
  EXPECT_EQ_STR("", tags_of(f, "host-1", buf, 256));
  EXPECT_EQ_INT(3, vs_tags_objects(&f->tags));
  EXPECT_EQ_INT(4, vs_tags_pairs(&f->tags));

  /* One login with basic auth, then the id on every request. */
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  const fake_request_t *login = fake_request(&f->fake, LOGIN, 0);
  EXPECT_EQ_STR("monitor@vsphere.local", login->user);
  EXPECT_EQ_STR("", login->session_id);
  for (size_t i = 1; i < f->fake.requests_num; i++) {
    EXPECT_EQ_STR("sid-1", f->fake.requests[i].session_id);
    EXPECT_EQ_STR("", f->fake.requests[i].user); /* no credentials again */
  }
  /* 2 lists, 2 + 3 names, 3000 objects in 3 batches of at most 1000. */
  EXPECT_EQ_INT(1, fake_count(&f->fake, "GET " CAT));
  EXPECT_EQ_INT(1, fake_count(&f->fake, "GET " TAG));
  EXPECT_EQ_INT(2, count_prefix(&f->fake, "GET " CAT "/id:"));
  EXPECT_EQ_INT(3, count_prefix(&f->fake, "GET " TAG "/id:"));
  EXPECT_EQ_INT(3, fake_count(&f->fake, ATTACHED));
  EXPECT_EQ_INT(1 + 2 + 5 + 3, f->fake.requests_num);
  EXPECT_EQ_INT(1 + 2 + 5 + 3, f->tags.requests);
  const fake_request_t *batch = fake_request(&f->fake, ATTACHED, 0);
  static const char head[] =
      "{\"object_ids\":[{\"type\":\"VirtualMachine\",\"id\":\"vm-0\"},";
  OK(strncmp(batch->body, head, strlen(head)) == 0);
  OK(strstr(batch->body, "\"vm-999\"") != NULL);
  OK(strstr(batch->body, "\"vm-1000\"") == NULL);
  OK(strstr(fake_request(&f->fake, ATTACHED, 2)->body, "\"vm-2999\"}]}") !=
     NULL);
  EXPECT_EQ_INT(1, live_sessions(&f->vc));
  OK(!vs_tags_due(&f->tags, 300));
  f->vc.now = 300;
  OK(vs_tags_due(&f->tags, 300));

  /* Logout at the end: no session left in vCenter. */
  vs_rest_destroy(&f->rest);
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGOUT));
  EXPECT_EQ_STR("sid-1", fake_request(&f->fake, LOGOUT, 0)->session_id);
  EXPECT_EQ_INT(0, live_sessions(&f->vc));
  OK(f->rest.session_id == NULL);
  vs_rest_destroy(&f->rest); /* twice: nothing more */
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGOUT));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR) + mock_log_count(LOG_WARNING));
  fixture_free(f);
  return 0;
}

DEF_TEST(names_cached_ids_dropped) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  CHECK_ZERO(refresh(f, &err));
  fake_forget_requests(&f->fake);

  /* Nothing new: the lists and the attachments only. */
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_INT(0, count_prefix(&f->fake, "GET " CAT "/id:") +
                       count_prefix(&f->fake, "GET " TAG "/id:"));
  EXPECT_EQ_INT(2 + 3, f->fake.requests_num);
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));

  /* A new tag: its name read once; a tag deleted: gone; a detach: gone. */
  add_item(f->vc.tags, &f->vc.tags_num, "urn:t:new", "gold \\u00e9", C_ENV);
  remove_item(f->vc.tags, &f->vc.tags_num, T_TEAM_B);
  f->vc.attached[0][1] = NULL; /* prod detached from vm-0 */
  f->vc.attached[7][0] = "urn:t:new";
  f->vc.attached[8][0] = T_TEAM_B; /* a stale id in an answer: ignored */
  fake_forget_requests(&f->fake);
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_INT(1, count_prefix(&f->fake, "GET " TAG "/id:"));
  EXPECT_EQ_STR("GET " TAG "/id:urn:t:new",
                fake_request(&f->fake, NULL, 2)->op);
  EXPECT_EQ_STR("Owner=team-a", tags_of(f, "vm-0", buf, 256));
  EXPECT_EQ_STR("", tags_of(f, "vm-1500", buf, 256));
  EXPECT_EQ_STR("Environment=gold \xc3\xa9", tags_of(f, "vm-7", buf, 256));
  EXPECT_EQ_STR("", tags_of(f, "vm-8", buf, 256));
  EXPECT_EQ_INT(3, f->tags.cur.tags_num);

  /* A category deleted with its tags; a tag whose GET says 404 (deleted
   * between the list and the read) is left out, not an error. */
  remove_item(f->vc.cats, &f->vc.cats_num, C_OWNER);
  remove_item(f->vc.tags, &f->vc.tags_num, T_TEAM_A);
  f->vc.phantom_tag = "urn:t:gone";
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_INT(2, f->tags.cur.tags_num); /* prod, gold */
  f->vc.phantom_tag = NULL;
  EXPECT_EQ_STR("", tags_of(f, "vm-0", buf, 256));
  EXPECT_EQ_INT(1, f->tags.cur.categories_num);

  /* Everything gone: no attachments asked for at all; {} as vcsim says an
   * empty list. */
  f->vc.tags_num = 0;
  f->vc.cats_num = 0;
  f->vc.empty_lists_omitted = true;
  fake_forget_requests(&f->fake);
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_INT(0, fake_count(&f->fake, ATTACHED));
  EXPECT_EQ_INT(0, vs_tags_objects(&f->tags));
  EXPECT_EQ_INT(0, f->tags.cur.tags_num);
  /* and {"value":null}, as vcsim 0.24 answers an empty list */
  f->vc.empty_lists_null = true;
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_INT(0, vs_tags_objects(&f->tags));
  EXPECT_EQ_INT(0, f->tags.cur.categories_num);
  fixture_free(f);
  return 0;
}

/* A tag whose category vCenter does not list: no pair. */
DEF_TEST(tag_without_category) {
  fixture_t *f = fixture_new();
  vs_error_t err;
  add_item(f->vc.tags, &f->vc.tags_num, "urn:t:orphan", "x", "urn:c:none");
  f->vc.attached[3][0] = "urn:t:orphan";
  CHECK_ZERO(refresh(f, &err));
  const vs_tag_t *t;
  EXPECT_EQ_INT(0, vs_tags_of(&f->tags, "vm-3", &t));
  OK(t == NULL);
  fixture_free(f);
  return 0;
}

DEF_TEST(relogin_once_on_401) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  CHECK_ZERO(refresh(f, &err));
  kill_sessions(&f->vc); /* vCenter restarted, or the session expired */
  fake_forget_requests(&f->fake);
  CHECK_ZERO(refresh(f, &err));
  /* The first call got 401, one login, the call again. */
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  EXPECT_EQ_STR("sid-1", fake_request(&f->fake, NULL, 0)->session_id);
  EXPECT_EQ_STR("sid-2", fake_request(&f->fake, NULL, 2)->session_id);
  EXPECT_EQ_INT(2, f->rest.logins);
  EXPECT_EQ_INT(1, live_sessions(&f->vc));
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));

  /* 100 refreshes with the session killed before each: one session at
   * most in vCenter, one login per loss. */
  for (int i = 0; i < 100; i++) {
    kill_sessions(&f->vc);
    CHECK_ZERO(refresh(f, &err));
    EXPECT_EQ_INT(1, live_sessions(&f->vc));
  }
  EXPECT_EQ_INT(102, f->rest.logins);

  /* A 401 that a fresh session gets too: an error, not a loop. */
  f->vc.reject_calls = true;
  fake_forget_requests(&f->fake);
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(401, err.code);
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  EXPECT_EQ_INT(3, f->fake.requests_num); /* call, login, call */
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));
  f->vc.reject_calls = false;
  kill_sessions(&f->vc);

  /* The session limit (every session taken): the login's error. */
  for (int i = 0; i < MAX_SESSIONS; i++)
    snprintf(f->vc.sessions[i], 64, "other-%d", i);
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(503, err.code);
  kill_sessions(&f->vc);
  vs_rest_destroy(&f->rest);
  EXPECT_EQ_INT(0, live_sessions(&f->vc));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR) + mock_log_count(LOG_WARNING));
  fixture_free(f);
  return 0;
}

static int refused_login(long status, const char *says) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  f->vc.login_status = status;
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(status, err.code);
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  EXPECT_EQ_INT(1, f->fake.requests_num);
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_WARNING, says));
  EXPECT_EQ_INT(1, mock_log_count_containing("tags are off"));
  EXPECT_EQ_INT(0, mock_log_count_containing("s3cret"));
  OK(vs_rest_refused(&f->rest));

  /* Before the retry interval: no request at all, no new line. */
  f->vc.now = 299;
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(1, f->fake.requests_num);
  /* After it: one login, refused again: still the one line. */
  f->vc.now = 301;
  OK(!vs_rest_refused(&f->rest));
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(2, fake_count(&f->fake, LOGIN));
  EXPECT_EQ_INT(1, mock_log_count_containing("tags are off"));
  EXPECT_EQ_INT(2, f->rest.login_refusals);

  /* The API works again: tags read, one line says so. */
  f->vc.login_status = 0;
  f->vc.now = 700;
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));
  EXPECT_EQ_INT(1, mock_log_count_containing("works again"));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  fixture_free(f);
  return 0;
}

DEF_TEST(login_404_no_rest_api) { return refused_login(404, "no REST API"); }

DEF_TEST(login_403_no_privilege) { return refused_login(403, "privilege"); }

DEF_TEST(login_401_refused) {
  fixture_t *f = fixture_new();
  vs_error_t err;
  f->cfg.password = "wrong";
  EXPECT_EQ_INT(VS_ERR_HTTP, refresh(f, &err));
  EXPECT_EQ_INT(1, mock_log_count_containing("HTTP 401"));
  EXPECT_EQ_INT(0, mock_log_count_containing("wrong"));
  /* at most one refused login per retry interval (lockout-safe) */
  for (int i = 0; i < 10; i++)
    refresh(f, &err);
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  /* a short TagInterval does not shorten the wait after a 401 */
  f->rest.retry_interval = 1;
  f->vc.now = 301;
  refresh(f, &err);
  EXPECT_EQ_INT(2, fake_count(&f->fake, LOGIN));
  f->vc.now = 303;
  refresh(f, &err);
  EXPECT_EQ_INT(2, fake_count(&f->fake, LOGIN));
  f->vc.now = 601.5;
  refresh(f, &err);
  EXPECT_EQ_INT(3, fake_count(&f->fake, LOGIN));
  EXPECT_EQ_INT(1, mock_log_count_containing("HTTP 401"));
  fixture_free(f);
  return 0;
}

DEF_TEST(failure_keeps_previous_result) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  CHECK_ZERO(refresh(f, &err));
  f->vc.fail_attached = true;
  EXPECT_EQ_INT(VS_ERR_TRANSPORT, refresh(f, &err));
  OK(err.timed_out);
  EXPECT_EQ_STR("Environment=prod,Owner=team-a", tags_of(f, "vm-0", buf, 256));
  EXPECT_EQ_INT(1, f->tags.failures);
  f->vc.fail_attached = false;

  /* Answers that are not what they should be: a parse error, the
   * previous result kept. */
  static const char *bad[] = {
      "{\"value\":{\"object_id\":1}}", /* not a list */
      "{\"value\":[",                  /* truncated */
      "<html>",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    f->vc.attached_answer = bad[i];
    EXPECT_EQ_INT(VS_ERR_PARSE, refresh(f, &err));
    EXPECT_EQ_STR("Owner=team-b", tags_of(f, "vm-1500", buf, 256));
  }
  /* Odd but valid: items without ids, tag ids that are not strings,
   * an object twice (the first answer counts). */
  f->vc.attached_answer =
      "{\"value\":[{\"object_id\":{}},{\"tag_ids\":[]},"
      "{\"object_id\":{\"id\":\"vm-5\"},\"tag_ids\":[1,null,\"" T_PROD "\"]},"
      "{\"object_id\":{\"id\":\"vm-5\"},\"tag_ids\":[\"" T_TEAM_A "\"]}]}";
  CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_STR("Environment=prod", tags_of(f, "vm-5", buf, 256));
  EXPECT_EQ_STR("", tags_of(f, "vm-0", buf, 256));
  fixture_free(f);
  return 0;
}

DEF_TEST(names_read_again_sometimes) {
  fixture_t *f = fixture_new();
  char buf[256];
  vs_error_t err;
  CHECK_ZERO(refresh(f, &err));
  snprintf(f->vc.tags[0].name, 96, "production"); /* renamed, same id */
  for (int i = 2; i < VS_TAGS_NAMES_EVERY; i++)
    CHECK_ZERO(refresh(f, &err));
  EXPECT_EQ_STR("Environment=prod", tags_of(f, "vm-2999", buf, 256));
  CHECK_ZERO(refresh(f, &err)); /* the names round */
  EXPECT_EQ_STR("Environment=production", tags_of(f, "vm-2999", buf, 256));
  fixture_free(f);
  return 0;
}

DEF_TEST(json_put_string) {
  vs_buf_t b;
  vs_buf_init(&b);
  vs_json_put_string(&b, "a\"b\\c\n\x01\xc3\xa9");
  EXPECT_EQ_STR("\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\"", b.data);
  vs_json_t j;
  vs_json_init(&j);
  CHECK_ZERO(vs_json_parse(&j, b.data, b.len));
  EXPECT_EQ_STR("a\"b\\c\n\x01\xc3\xa9", vs_json_root(&j)->str);
  vs_json_free(&j);
  vs_buf_free(&b);
  return 0;
}

/* A PasswordFile that became writable by everyone: the REST login makes
 * no request and says nothing of its own; the one line is the one the
 * SOAP login says under the same key (a real daemon saw two lines, in
 * either order, when the tags' login came first). */
DEF_TEST(password_file_refused_one_line_with_soap_login) {
  fixture_t *f = fixture_new();
  char path[] = "/tmp/vs-test-pwXXXXXX";
  int fd = mkstemp(path);
  OK(fd >= 0);
  OK(write(fd, "s3cret\n", 7) == 7);
  close(fd);
  OK(chmod(path, 0666) == 0);
  f->cfg.password = NULL;
  f->cfg.password_file = path;
  vs_error_t err;
  EXPECT_EQ_INT(VS_ERR_CONFIG, refresh(f, &err));
  EXPECT_EQ_INT(0, f->fake.requests_num);
  EXPECT_EQ_INT(
      1, mock_log_count_level_containing(LOG_ERR, "writable by every user"));
  vs_secret_file_t sf;
  OK(vs_secret_read_for_login(path, &f->log, &sf) == NULL); /* the SOAP login */
  EXPECT_EQ_INT(VS_ERR_CONFIG, refresh(f, &err));
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  OK(!vs_rest_refused(&f->rest)); /* not the API's refusal: next time again */

  OK(chmod(path, 0600) == 0); /* fixed: works at the next refresh */
  EXPECT_EQ_INT(VS_OK, refresh(f, &err));
  EXPECT_EQ_INT(1, fake_count(&f->fake, LOGIN));
  const fake_request_t *login = fake_request(&f->fake, LOGIN, 0);
  EXPECT_EQ_STR("monitor@vsphere.local", login->user);
  unlink(path);
  fixture_free(f);
  return 0;
}

int main(void) {
  RUN_TEST(login_bulk_read_logout);
  RUN_TEST(names_cached_ids_dropped);
  RUN_TEST(tag_without_category);
  RUN_TEST(relogin_once_on_401);
  RUN_TEST(login_404_no_rest_api);
  RUN_TEST(login_403_no_privilege);
  RUN_TEST(login_401_refused);
  RUN_TEST(failure_keeps_previous_result);
  RUN_TEST(names_read_again_sometimes);
  RUN_TEST(json_put_string);
  RUN_TEST(password_file_refused_one_line_with_soap_login);
  END_TEST;
}
