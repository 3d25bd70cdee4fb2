/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_fault.c
 * Errors as data (vs_fault): fault types, error kinds (the keys of "log
 * once"), the classifier of finished replies (every path, on real
 * documents), and the fault policy table (every kind of error has its
 * row, and the rows say what the read loop relies on).
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_fault.h"
#include "vs_xml.h"

#include <ctype.h>

DEF_TEST(fault_names_round_trip) {
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_OTHER; f++) {
    const char *name = vs_fault_name((vs_fault_t)f);
    OK(name != NULL && name[0] != 0);
    EXPECT_EQ_INT(f, vs_fault_from_type(name));
  }
  EXPECT_EQ_STR("NotAuthenticated", vs_fault_name(VS_FAULT_NOT_AUTHENTICATED));
  EXPECT_EQ_STR("InvalidLogin", vs_fault_name(VS_FAULT_INVALID_LOGIN));
  EXPECT_EQ_STR("ManagedObjectNotFound", vs_fault_name(VS_FAULT_NOT_FOUND));
  EXPECT_EQ_STR("NoPermission", vs_fault_name(VS_FAULT_NO_PERMISSION));
  EXPECT_EQ_STR("InvalidArgument", vs_fault_name(VS_FAULT_INVALID_ARGUMENT));
  EXPECT_EQ_STR("RequestCanceled", vs_fault_name(VS_FAULT_REQUEST_CANCELED));
  EXPECT_EQ_STR("SystemError", vs_fault_name(VS_FAULT_SYSTEM_ERROR));
  EXPECT_EQ_STR("HostNotConnected", vs_fault_name(VS_FAULT_HOST_NOT_CONNECTED));
  /* both host faults are one class */
  EXPECT_EQ_INT(VS_FAULT_HOST_NOT_CONNECTED,
                vs_fault_from_type("HostNotReachable"));
  /* everything else is OTHER: unknown, empty, absent, other case */
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("MethodNotFound"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("InvalidLoginFault"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("invalidlogin"));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type(""));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type(NULL));
  EXPECT_EQ_INT(VS_FAULT_OTHER, vs_fault_from_type("other"));
  EXPECT_EQ_STR("other", vs_fault_name(VS_FAULT_OTHER));
  EXPECT_EQ_STR("", vs_fault_name(VS_FAULT_NONE));
  /* out of range is safe */
  EXPECT_EQ_STR("other", vs_fault_name(VS_FAULT_NUM));
  EXPECT_EQ_STR("other", vs_fault_name((vs_fault_t)-1));
  return 0;
}

static const char *kind_of(const vs_error_t *e, char *buf, size_t size) {
  vs_error_kind(e, buf, size);
  return buf;
}

static vs_error_t err(int rc, vs_fault_t fault, int code, bool suspect) {
  vs_error_t e;
  vs_error_clear(&e);
  vs_error_set(&e, rc, "text %d", code);
  e.fault = fault;
  e.code = code;
  e.suspect = suspect;
  return e;
}

DEF_TEST(error_kind_keys) {
  char b[64];
  vs_error_t e = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);
  EXPECT_EQ_STR("fault:ManagedObjectNotFound", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  EXPECT_EQ_STR("transport:28", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  EXPECT_EQ_STR("http:503", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_PARSE, VS_FAULT_NONE, 0, false);
  EXPECT_EQ_STR("parse", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_NOMEM, VS_FAULT_NONE, 0, false);
  EXPECT_EQ_STR("nomem", kind_of(&e, b, sizeof(b)));
  e = err(VS_ERR_NOAUTH, VS_FAULT_NOT_AUTHENTICATED, 0, false);
  EXPECT_EQ_STR("fault:NotAuthenticated", kind_of(&e, b, sizeof(b)));
  /* an inferred loss is another kind than a real fault */
  e = err(VS_ERR_NOAUTH, VS_FAULT_NOT_AUTHENTICATED, 0, true);
  EXPECT_EQ_STR("fault:NotAuthenticated?", kind_of(&e, b, sizeof(b)));

  /* the text never matters: two errors of one kind with other texts */
  vs_error_t a = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t c = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_set(&c, VS_ERR_TRANSPORT, "timed out after %d ms", 10001);
  char kb[64];
  EXPECT_EQ_STR(kind_of(&a, b, sizeof(b)), kind_of(&c, kb, sizeof(kb)));

  /* keys differ per fault type ... */
  size_t same = 0;
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_NUM; f++)
    for (int g = f + 1; g < VS_FAULT_NUM; g++) {
      vs_error_t x = err(VS_ERR_FAULT, (vs_fault_t)f, 0, false);
      vs_error_t y = err(VS_ERR_FAULT, (vs_fault_t)g, 0, false);
      if (strcmp(kind_of(&x, b, sizeof(b)), kind_of(&y, kb, sizeof(kb))) == 0)
        same++;
    }
  EXPECT_EQ_INT(0, same);
  /* ... per curl code and per HTTP status, and per class */
  const int codes[] = {6, 7, 28, 35, 52, 56, 60, 63};
  for (size_t i = 0; i < 8; i++)
    for (size_t j = i + 1; j < 8; j++) {
      vs_error_t x = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, codes[i], false);
      vs_error_t y = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, codes[j], false);
      if (strcmp(kind_of(&x, b, sizeof(b)), kind_of(&y, kb, sizeof(kb))) == 0)
        same++;
    }
  vs_error_t h1 = err(VS_ERR_HTTP, VS_FAULT_NONE, 500, false);
  vs_error_t h2 = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  vs_error_t t1 = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 500, false);
  if (strcmp(kind_of(&h1, b, sizeof(b)), kind_of(&h2, kb, sizeof(kb))) == 0)
    same++;
  if (strcmp(kind_of(&h1, b, sizeof(b)), kind_of(&t1, kb, sizeof(kb))) == 0)
    same++;
  EXPECT_EQ_INT(0, same);

  /* other results still get a key; a small buffer is not overrun */
  e = err(VS_ERR_CONFIG, VS_FAULT_NONE, 0, false);
  OK(kind_of(&e, b, sizeof(b))[0] != 0);
  char tiny[6];
  memset(tiny, 'x', sizeof(tiny));
  e = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);
  EXPECT_EQ_STR("fault", kind_of(&e, tiny, sizeof(tiny)));
  return 0;
}

DEF_TEST(error_set_and_clear) {
  vs_error_t e;
  memset(&e, 0x5a, sizeof(e));
  vs_error_clear(&e);
  EXPECT_EQ_INT(VS_OK, e.rc);
  EXPECT_EQ_INT(VS_FAULT_NONE, e.fault);
  EXPECT_EQ_INT(0, e.code);
  OK(!e.suspect);
  EXPECT_EQ_STR("", e.obj);
  EXPECT_EQ_STR("", e.obj_type);
  EXPECT_EQ_STR("", e.text);
  /* vs_error_set keeps the other fields */
  e.fault = VS_FAULT_NOT_FOUND;
  vs_utf8_copy(e.obj, "vm-42", sizeof(e.obj));
  e.code = 7;
  vs_error_set(&e, VS_ERR_FAULT, "SOAP fault %s", "ManagedObjectNotFound");
  EXPECT_EQ_INT(VS_ERR_FAULT, e.rc);
  EXPECT_EQ_INT(VS_FAULT_NOT_FOUND, e.fault);
  EXPECT_EQ_STR("vm-42", e.obj);
  EXPECT_EQ_INT(7, e.code);
  EXPECT_EQ_STR("SOAP fault ManagedObjectNotFound", e.text);
  /* a long text is bounded */
  char big[2000];
  memset(big, 'y', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  vs_error_set(&e, VS_ERR_PARSE, "%s", big);
  EXPECT_EQ_INT(sizeof(e.text) - 1, strlen(e.text));
  return 0;
}

/* ---- the classifier ---- */

#define ENV_HEAD                                                               \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                 \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
#define ENV_TAIL "</soapenv:Body></soapenv:Envelope>"

/* Classifies `body` arriving with `status` for a handler expecting
 * `expect`; the transport fields come from `r`. */
static int classify(vs_reply_t r, const char *expect, const char *body,
                    vs_error_t *e) {
  vs_xml_handler_t h = {.expect = expect};
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  if (body != NULL && r.transport_code == 0 && r.limit == VS_LIMIT_NONE) {
    r.received = strlen(body);
    r.sink_failed = vs_xml_stream_feed(s, body, strlen(body)) != 0;
  }
  r.sink = s;
  vs_error_clear(e);
  int rc = vs_classify_reply(&r, e);
  vs_xml_stream_destroy(s);
  return rc;
}

DEF_TEST(classify_every_outcome) {
  vs_error_t e;
  const char *ok = ENV_HEAD "<LoginResponse xmlns=\"urn:vim25\"/>" ENV_TAIL;
  EXPECT_EQ_INT(VS_OK,
                classify((vs_reply_t){.status = 200}, "LoginResponse", ok, &e));
  /* limits come first, whatever arrived */
  EXPECT_EQ_INT(VS_ERR_TRANSPORT, classify((vs_reply_t){.status = 200,
                                                        .limit = VS_LIMIT_SIZE,
                                                        .max_bytes = 4096,
                                                        .transport_code = 63},
                                           "LoginResponse", ok, &e));
  OK(strstr(e.text, "larger than 4096 bytes") != NULL);
  OK(!e.timed_out);
  EXPECT_EQ_INT(63, e.code);
  EXPECT_EQ_INT(VS_ERR_TRANSPORT, classify((vs_reply_t){.limit = VS_LIMIT_STALL,
                                                        .stall_ms = 30000,
                                                        .transport_code = 42},
                                           "LoginResponse", NULL, &e));
  OK(strstr(e.text, "no data for 30 s") != NULL);
  OK(e.timed_out); /* the stall limit is a time limit */
  /* the transport's own failure, with its text */
  EXPECT_EQ_INT(VS_ERR_TRANSPORT,
                classify((vs_reply_t){.transport_code = 28,
                                      .timed_out = true,
                                      .transport_text = "Timeout was reached"},
                         "LoginResponse", NULL, &e));
  EXPECT_EQ_STR("Timeout was reached", e.text);
  OK(e.timed_out);
  EXPECT_EQ_INT(VS_ERR_TRANSPORT,
                classify((vs_reply_t){.transport_code = 7,
                                      .transport_text = "Connection refused"},
                         "LoginResponse", NULL, &e));
  OK(!e.timed_out);
  /* a SOAP fault with HTTP 500: the fault, not the status */
  const char *fault = ENV_HEAD
      "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
      "<faultstring>gone</faultstring><detail>"
      "<ManagedObjectNotFoundFault xmlns=\"urn:vim25\" "
      "xsi:type=\"ManagedObjectNotFound\"><obj "
      "type=\"VirtualMachine\">vm-7</obj>"
      "</ManagedObjectNotFoundFault></detail></soapenv:Fault>" ENV_TAIL;
  EXPECT_EQ_INT(VS_ERR_FAULT, classify((vs_reply_t){.status = 500},
                                       "QueryPerfResponse", fault, &e));
  EXPECT_EQ_INT(VS_FAULT_NOT_FOUND, e.fault);
  EXPECT_EQ_STR("vm-7", e.obj);
  EXPECT_EQ_STR("VirtualMachine", e.obj_type);
  EXPECT_EQ_STR("SOAP fault ManagedObjectNotFound: gone", e.text);
  /* NotAuthenticated: the session is gone */
  const char *noauth =
      ENV_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
               "<faultstring>x</faultstring><detail><NotAuthenticatedFault "
               "xmlns=\"urn:vim25\" xsi:type=\"NotAuthenticated\"/>"
               "</detail></soapenv:Fault>" ENV_TAIL;
  EXPECT_EQ_INT(VS_ERR_NOAUTH, classify((vs_reply_t){.status = 500},
                                        "QueryPerfResponse", noauth, &e));
  OK(!e.suspect);
  /* objects marked NotAuthenticated in a 200 answer: inferred */
  const char *missing =
      ENV_HEAD "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
               "<objects><obj type=\"VirtualMachine\">vm-1</obj><missingSet>"
               "<path>name</path><fault><fault xsi:type=\"NotAuthenticated\">"
               "</fault></fault></missingSet></objects></returnval>"
               "</RetrievePropertiesExResponse>" ENV_TAIL;
  EXPECT_EQ_INT(VS_ERR_NOAUTH,
                classify((vs_reply_t){.status = 200},
                         "RetrievePropertiesExResponse", missing, &e));
  OK(e.suspect);
  /* an HTML error page: the status */
  EXPECT_EQ_INT(VS_ERR_HTTP,
                classify((vs_reply_t){.status = 503}, "LoginResponse",
                         "<html><body>busy</body></html>", &e));
  EXPECT_EQ_INT(503, e.code);
  /* nothing, half a document, another document */
  EXPECT_EQ_INT(VS_ERR_PARSE,
                classify((vs_reply_t){.status = 200}, "LoginResponse", "", &e));
  EXPECT_EQ_STR("empty response body", e.text);
  EXPECT_EQ_INT(VS_ERR_PARSE,
                classify((vs_reply_t){.status = 200}, "LoginResponse",
                         ENV_HEAD "<LoginResponse", &e));
  EXPECT_EQ_INT(VS_ERR_PARSE,
                classify((vs_reply_t){.status = 200}, "LoginResponse",
                         ENV_HEAD "<LogoutResponse/>" ENV_TAIL, &e));
  OK(strstr(e.text, "unexpected document") != NULL);
  return 0;
}

/* ---- the fault policy ---- */

DEF_TEST(policy_every_kind_has_a_row) {
  /* every fault type */
  for (int f = VS_FAULT_NONE + 1; f < VS_FAULT_NUM; f++) {
    vs_error_t e =
        err(f == VS_FAULT_NOT_AUTHENTICATED ? VS_ERR_NOAUTH : VS_ERR_FAULT,
            (vs_fault_t)f, 0, false);
    const vs_fault_policy_t *p = vs_fault_policy(&e);
    CHECK_NOT_NULL(p);
    char want[64];
    snprintf(want, sizeof(want), "fault:%s", vs_fault_name((vs_fault_t)f));
    EXPECT_EQ_STR(want, p->kind);
    OK(p->actions != 0);
    OK(p->meaning != NULL && p->meaning[0] != 0);
  }
  /* every result class */
  EXPECT_EQ_STR("timeout", vs_fault_policy(&(vs_error_t){.rc = VS_ERR_TRANSPORT,
                                                         .timed_out = true})
                               ->kind);
  EXPECT_EQ_STR("transport",
                vs_fault_policy(&(vs_error_t){.rc = VS_ERR_TRANSPORT})->kind);
  EXPECT_EQ_STR("http",
                vs_fault_policy(&(vs_error_t){.rc = VS_ERR_HTTP})->kind);
  EXPECT_EQ_STR("parse",
                vs_fault_policy(&(vs_error_t){.rc = VS_ERR_PARSE})->kind);
  EXPECT_EQ_STR("nomem",
                vs_fault_policy(&(vs_error_t){.rc = VS_ERR_NOMEM})->kind);
  EXPECT_EQ_INT(0, vs_fault_actions(&(vs_error_t){.rc = VS_OK}));
  /* every row is reachable, and no kind twice */
  for (size_t i = 0; i < vs_fault_policies_num; i++)
    for (size_t j = i + 1; j < vs_fault_policies_num; j++)
      OK(strcmp(vs_fault_policies[i].kind, vs_fault_policies[j].kind) != 0);
  return 0;
}

/* What the read loop relies on. */
DEF_TEST(policy_rows) {
  unsigned a;
  a = vs_fault_actions(
      &(vs_error_t){.rc = VS_ERR_NOAUTH, .fault = VS_FAULT_NOT_AUTHENTICATED});
  EXPECT_EQ_INT(VS_ACT_RELOGIN, a);
  a = vs_fault_actions(&(vs_error_t){.rc = VS_ERR_NOAUTH,
                                     .fault = VS_FAULT_NOT_AUTHENTICATED,
                                     .suspect = true});
  EXPECT_EQ_INT(VS_ACT_RELOGIN, a);
  a = vs_fault_actions(
      &(vs_error_t){.rc = VS_ERR_FAULT, .fault = VS_FAULT_INVALID_LOGIN});
  EXPECT_EQ_INT(VS_ACT_BACK_OFF, a);
  a = vs_fault_actions(
      &(vs_error_t){.rc = VS_ERR_FAULT, .fault = VS_FAULT_NOT_FOUND});
  EXPECT_EQ_INT(VS_ACT_ISOLATE | VS_ACT_REFRESH_NOW, a);
  /* a fault of any other type fails the call for one object's sake */
  const vs_fault_t others[] = {
      VS_FAULT_HOST_NOT_CONNECTED, VS_FAULT_NO_PERMISSION,
      VS_FAULT_INVALID_ARGUMENT, VS_FAULT_SYSTEM_ERROR, VS_FAULT_OTHER};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
    EXPECT_EQ_INT(VS_ACT_ISOLATE | VS_ACT_REFRESH_SOON,
                  vs_fault_actions(
                      &(vs_error_t){.rc = VS_ERR_FAULT, .fault = others[i]}));
  /* the stream's version unknown: start over */
  EXPECT_EQ_INT(
      VS_ACT_RESYNC,
      vs_fault_actions(&(vs_error_t){
          .rc = VS_ERR_FAULT, .fault = VS_FAULT_INVALID_COLLECTOR_VERSION}));
  /* cancelled: nothing to find */
  EXPECT_EQ_INT(VS_ACT_NEXT_READ,
                vs_fault_actions(&(vs_error_t){
                    .rc = VS_ERR_FAULT, .fault = VS_FAULT_REQUEST_CANCELED}));
  /* a timeout batches apart, other transport failures just wait */
  EXPECT_EQ_INT(VS_ACT_BATCH_APART | VS_ACT_NEXT_READ,
                vs_fault_actions(
                    &(vs_error_t){.rc = VS_ERR_TRANSPORT, .timed_out = true}));
  EXPECT_EQ_INT(VS_ACT_NEXT_READ,
                vs_fault_actions(&(vs_error_t){.rc = VS_ERR_TRANSPORT}));
  EXPECT_EQ_INT(VS_ACT_NEXT_READ,
                vs_fault_actions(&(vs_error_t){.rc = VS_ERR_HTTP}));
  return 0;
}

/* ---- the man page's table is the policy table ---- */

/* What each action means to an operator, as the man page says it. */
static const struct {
  unsigned flag;
  const char *words;
} action_words[] = {
    {VS_ACT_RELOGIN, "the plugin logs in again (logging out first when the "
                     "loss is only inferred) and retries the read once"},
    {VS_ACT_BACK_OFF, "the next login waits (see SESSIONS AND LOCKOUT)"},
    {VS_ACT_ISOLATE, "a QueryPerf request is retried without the object "
                     "the fault names, or in halves until it is alone, and "
                     "that object is left out until the next discovery"},
    {VS_ACT_BATCH_APART, "the objects of a QueryPerf request are queried "
                         "in batches of their own, one ESXi host each"},
    {VS_ACT_REFRESH_NOW, "the inventory is discovered again at once"},
    {VS_ACT_REFRESH_SOON, "the inventory is discovered again within 30 "
                          "seconds"},
    {VS_ACT_NEXT_READ, "the request is made again at the next read (a "
                       "discovery after 30 seconds)"},
    {VS_ACT_RESYNC, "the update stream starts over with a full update"},
};

/* The man page's entries for the policy table, in its order. */
static void policy_section(vs_buf_t *b) {
  for (size_t i = 0; i < vs_fault_policies_num; i++) {
    const vs_fault_policy_t *p = &vs_fault_policies[i];
    vs_buf_printf(b, ".TP\n.B %s\n%c%s: ", p->kind,
                  toupper((unsigned char)p->meaning[0]), p->meaning + 1);
    const char *sep = "";
    for (size_t j = 0; j < sizeof(action_words) / sizeof(action_words[0]); j++)
      if (p->actions & action_words[j].flag) {
        vs_buf_printf(b, "%s%s", sep, action_words[j].words);
        sep = "; ";
      }
    vs_buf_puts(b, ".\n");
  }
}

static char *read_man_page(void) {
  char path[4096];
  const char *srcdir = getenv("srcdir");
  snprintf(path, sizeof(path), "%s/docs/collectd-vsphere.5",
           srcdir && srcdir[0] ? srcdir : ".");
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  vs_buf_t b;
  vs_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    vs_buf_append(&b, chunk, n);
  fclose(f);
  return b.data; /* owned by the caller */
}

DEF_TEST(man_page_lists_the_policy) {
  /* Every flag has words, and the man page's section is the table. */
  unsigned all = 0;
  for (size_t j = 0; j < sizeof(action_words) / sizeof(action_words[0]); j++)
    all |= action_words[j].flag;
  for (size_t i = 0; i < vs_fault_policies_num; i++)
    EXPECT_EQ_INT(vs_fault_policies[i].actions,
                  vs_fault_policies[i].actions & all);
  char *man = read_man_page();
  CHECK_NOT_NULL(man);
  const char *head = ".SS What the plugin does about each kind of error\n";
  char *section = strstr(man, head);
  CHECK_NOT_NULL(section);
  char *rows = strstr(section, ".TP\n");
  char *end = strstr(section + strlen(head), "\n.S");
  CHECK_NOT_NULL(rows);
  CHECK_NOT_NULL(end);
  end[1] = 0;
  vs_buf_t want;
  vs_buf_init(&want);
  policy_section(&want);
  bool same = strcmp(rows, want.data) == 0;
  if (!same) { /* what the section's entries must be, to paste */
    printf("# docs/collectd-vsphere.5 must list, after its introduction:\n");
    for (char *line = strtok(want.data, "\n"); line != NULL;
         line = strtok(NULL, "\n"))
      printf("#| %s\n", line);
  }
  OK(same);
  vs_buf_free(&want);
  free(man);
  return 0;
}

int main(void) {
  RUN_TEST(fault_names_round_trip);
  RUN_TEST(error_kind_keys);
  RUN_TEST(error_set_and_clear);
  RUN_TEST(classify_every_outcome);
  RUN_TEST(policy_every_kind_has_a_row);
  RUN_TEST(policy_rows);
  RUN_TEST(man_page_lists_the_policy);
  mock_reset();
  END_TEST;
}
