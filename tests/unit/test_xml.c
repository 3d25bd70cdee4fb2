/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_xml.c
 * The streaming reader: chunking independence, SOAP faults, and the
 * documents it must refuse.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_util.h"
#include "vs_xml.h"

#define SOAP_HEAD                                                              \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                 \
  "<soapenv:Envelope "                                                         \
  "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "               \
  "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "                            \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"                   \
  "<soapenv:Body>"
#define SOAP_TAIL "</soapenv:Body></soapenv:Envelope>"

/* ---- an event recorder ---- */

typedef struct {
  vs_buf_t trace;
  size_t starts, ends;
  bool bad_text_len;
  vs_xml_stream_t *stream;
} rec_t;

static void rec_start(void *ctx, int depth, const char *name,
                      const char *parent, const char *xsi_type,
                      const char *type_attr) {
  rec_t *r = ctx;
  r->starts++;
  vs_buf_printf(&r->trace, "S %d %s<%s xsi=%s type=%s\n", depth, parent, name,
                xsi_type ? xsi_type : "-", type_attr ? type_attr : "-");
}

static void rec_end(void *ctx, int depth, const char *name, const char *parent,
                    const char *text, size_t text_len) {
  rec_t *r = ctx;
  r->ends++;
  if (strlen(text) != text_len)
    r->bad_text_len = true;
  vs_buf_printf(&r->trace, "E %d %s</%s [%s]\n", depth, parent, name, text);
}

static void rec_init(rec_t *r) {
  memset(r, 0, sizeof(*r));
  vs_buf_init(&r->trace);
}

typedef struct {
  int feed_rc;   /* first non-zero feed result, else 0 */
  int finish_rc; /* -2 if finish was not reached */
  bool fault, not_authenticated;
  char fault_type[128];
  char fault_string[512];
  char fault_obj[96], fault_obj_type[96];
  char error[256];
  size_t elements;
} result_t;

/* Parses `data` in chunks of `chunk` bytes (0: in one go) into `r`. */
static result_t parse(rec_t *r, const char *data, size_t len, size_t chunk) {
  result_t res = {.finish_rc = -2};
  vs_xml_handler_t h = {.start = rec_start, .end = rec_end, .ctx = r};
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  if (s == NULL) {
    res.feed_rc = -100;
    return res;
  }
  r->stream = s;
  if (chunk == 0)
    chunk = len;
  for (size_t off = 0; off < len && res.feed_rc == 0; off += chunk) {
    size_t n = len - off < chunk ? len - off : chunk;
    res.feed_rc = vs_xml_stream_feed(s, data + off, n);
  }
  if (res.feed_rc == 0)
    res.finish_rc = vs_xml_stream_finish(s);
  res.fault = vs_xml_stream_has_fault(s);
  res.not_authenticated = vs_xml_stream_not_authenticated(s);
  vs_utf8_copy(res.fault_type, vs_xml_stream_fault_type(s),
               sizeof(res.fault_type));
  vs_utf8_copy(res.fault_string, vs_xml_stream_fault_string(s),
               sizeof(res.fault_string));
  const char *obj_type = "unset";
  vs_utf8_copy(res.fault_obj, vs_xml_stream_fault_obj(s, &obj_type),
               sizeof(res.fault_obj));
  vs_utf8_copy(res.fault_obj_type, obj_type ? obj_type : "(null)",
               sizeof(res.fault_obj_type));
  vs_xml_stream_fault_obj(s, NULL); /* the type is optional */
  vs_utf8_copy(res.error, vs_xml_stream_error(s), sizeof(res.error));
  res.elements = r->starts;
  vs_xml_stream_destroy(s);
  r->stream = NULL;
  return res;
}

static result_t parse_str(rec_t *r, const char *doc, size_t chunk) {
  return parse(r, doc, strlen(doc), chunk);
}

static bool accepted(const result_t *res) {
  return res->feed_rc == 0 && res->finish_rc == 0;
}

/* The document must be refused, by feed or by finish, with a reason. */
#define EXPECT_REJECTED(res)                                                   \
  do {                                                                         \
    OK(!accepted(&(res)));                                                     \
    OK((res).error[0] != 0);                                                   \
  } while (0)

/* ---- tests ---- */

DEF_TEST(events_and_arguments) {
  const char *doc =
      SOAP_HEAD "<R xmlns=\"urn:vim25\">"
                "<returnval><obj type=\"VirtualMachine\">vm-1</obj>"
                "<val xsi:type=\"xsd:string\">a</val>"
                "<val xmlns:XMLSchema-instance="
                "\"http://www.w3.org/2001/XMLSchema-instance\" "
                "XMLSchema-instance:type=\"ManagedObjectReference\" "
                "type=\"HostSystem\">host-9</val>"
                "<val other:type=\"x\" xmlns:other=\"urn:other\">b</val>"
                "<empty/></returnval></R>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  EXPECT_EQ_STR("", res.error);
  EXPECT_EQ_STR(
      "S 1 <Envelope xsi=- type=-\n"
      "S 2 Envelope<Body xsi=- type=-\n"
      "S 3 Body<R xsi=- type=-\n"
      "S 4 R<returnval xsi=- type=-\n"
      "S 5 returnval<obj xsi=- type=VirtualMachine\n"
      "E 5 returnval</obj [vm-1]\n"
      /* the namespace prefix of the xsi:type value is dropped */
      "S 5 returnval<val xsi=string type=-\n"
      "E 5 returnval</val [a]\n"
      /* xsi under another prefix is still xsi; type is the moref type */
      "S 5 returnval<val xsi=ManagedObjectReference type=HostSystem\n"
      "E 5 returnval</val [host-9]\n"
      /* a type attribute in another namespace is neither */
      "S 5 returnval<val xsi=- type=-\n"
      "E 5 returnval</val [b]\n"
      "S 5 returnval<empty xsi=- type=-\n"
      "E 5 returnval</empty []\n"
      /* elements with children carry no text */
      "E 4 R</returnval []\n"
      "E 3 Body</R []\n"
      "E 2 Envelope</Body []\n"
      "E 1 </Envelope []\n",
      r.trace.data);
  EXPECT_EQ_INT(9, res.elements);
  EXPECT_EQ_INT(9, r.starts);
  EXPECT_EQ_INT(9, r.ends);
  OK(!r.bad_text_len);
  OK(!res.fault);
  OK(!res.not_authenticated);
  EXPECT_EQ_STR("", res.fault_type);
  EXPECT_EQ_STR("", res.fault_string);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(text_of_leaves_only) {
  /* Mixed content: the text of an element with children is not kept,
   * and text after a child does not leak into the next sibling. */
  const char *doc = "<a>before<b>inner</b>after<c>c-text</c>tail</a>";
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  EXPECT_EQ_STR("S 1 <a xsi=- type=-\n"
                "S 2 a<b xsi=- type=-\n"
                "E 2 a</b [inner]\n"
                "S 2 a<c xsi=- type=-\n"
                "E 2 a</c [c-text]\n"
                "E 1 </a []\n",
                r.trace.data);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(entities_and_cdata_decode) {
  const char *doc = "<a><t>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; "
                    "&#65;&#x42;</t><c><![CDATA[<b>&amp;</b>]]></c>"
                    "<u>gr\xc3\xbc\xc3\x9f"
                    "e</u></a>";
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  OK(strstr(r.trace.data, "</t [x & y <z> \"q\" 's' AB]") != NULL);
  OK(strstr(r.trace.data, "</c [<b>&amp;</b>]") != NULL);
  OK(strstr(r.trace.data, "</u [gr\xc3\xbc\xc3\x9f"
                          "e]") != NULL);
  OK(!r.bad_text_len);
  if (!accepted(&res) || strstr(r.trace.data, "x & y") == NULL)
    printf("# trace:\n%s# error: %s\n", r.trace.data ? r.trace.data : "",
           res.error);
  vs_buf_free(&r.trace);
  return 0;
}

/* The same events whatever the chunking, for inline documents and the
 * captured vcsim responses. */
static int same_events(const char *what, const char *data, size_t len,
                       const size_t *chunks, size_t chunks_num) {
  rec_t whole;
  rec_init(&whole);
  result_t ref = parse(&whole, data, len, 0);
  OK(accepted(&ref));
  OK(whole.starts > 0);
  int mismatches = 0;
  for (size_t i = 0; i < chunks_num; i++) {
    rec_t r;
    rec_init(&r);
    result_t res = parse(&r, data, len, chunks[i]);
    OK(accepted(&res));
    EXPECT_EQ_INT(ref.elements, res.elements);
    EXPECT_EQ_INT(whole.trace.len, r.trace.len);
    if (r.trace.len != whole.trace.len ||
        memcmp(r.trace.data, whole.trace.data, r.trace.len) != 0) {
      printf("# %s: events differ with chunks of %zu bytes\n", what, chunks[i]);
      mismatches++;
    }
    EXPECT_EQ_INT(ref.fault, res.fault);
    EXPECT_EQ_STR(ref.fault_type, res.fault_type);
    EXPECT_EQ_STR(ref.fault_string, res.fault_string);
    vs_buf_free(&r.trace);
  }
  vs_buf_free(&whole.trace);
  EXPECT_EQ_INT(0, mismatches);
  return 0;
}

DEF_TEST(byte_at_a_time_same_events) {
  const char *doc = SOAP_HEAD "<R xmlns=\"urn:vim25\"><returnval>"
                              "<name>web &amp; db \xc3\xa9t\xc3\xa9</name>"
                              "<val xsi:type=\"xsd:long\">12345678901</val>"
                              "<obj type=\"HostSystem\">host-1</obj>"
                              "<long>"
                              "0123456789012345678901234567890123456789"
                              "0123456789012345678901234567890123456789</long>"
                              "<![CDATA[ignored]]><c><![CDATA[cdata text]]></c>"
                              "</returnval></R>" SOAP_TAIL;
  const size_t chunks[] = {1, 2, 3, 7, 64};
  same_events("inline", doc, strlen(doc), chunks, 5);

  const char *fixtures[] = {"vcsim_service_content.xml", "vcsim_props.xml",
                            "vcsim_perf.xml", "vcsim_login_invalid.xml",
                            "vcsim_not_authenticated.xml"};
  for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
    size_t len = 0;
    char *data = mock_read_data(fixtures[i], &len);
    CHECK_NOT_NULL(data);
    same_events(fixtures[i], data, len, chunks, 5);
    free(data);
  }
  return 0;
}

DEF_TEST(big_document_chunked) {
  /* The 360 kB counter catalog, in odd chunks and in one go. */
  size_t len = 0;
  char *data = mock_read_data("vcsim_catalog.xml", &len);
  CHECK_NOT_NULL(data);
  OK(len > 100000);
  const size_t chunks[] = {13, 1000, 65536};
  same_events("vcsim_catalog.xml", data, len, chunks, 3);
  free(data);
  return 0;
}

DEF_TEST(over_one_megabyte_in_one_feed) {
  /* vs_xml_stream_feed slices buffers over 1 MiB: an element cut at a
   * slice boundary must come out whole. */
  vs_buf_t doc;
  vs_buf_init(&doc);
  vs_buf_puts(&doc, "<list>");
  size_t items = 0;
  while (doc.len < 3u * 1024u * 1024u) {
    vs_buf_printf(&doc, "<item id=\"%zu\">value-%zu</item>", items, items);
    items++;
  }
  vs_buf_puts(&doc, "</list>");
  OK(!doc.failed);
  rec_t r;
  rec_init(&r);
  result_t res = parse(&r, doc.data, doc.len, 0);
  OK(accepted(&res));
  EXPECT_EQ_INT(items + 1, res.elements);
  char last[64];
  snprintf(last, sizeof(last), "list</item [value-%zu]\n", items - 1);
  OK(strstr(r.trace.data, last) != NULL);
  /* every item text is intact, including the ones at slice edges */
  size_t intact = 0;
  for (const char *p = r.trace.data; (p = strstr(p, "</item [value-")); p++)
    intact++;
  EXPECT_EQ_INT(items, intact);
  vs_buf_free(&r.trace);
  vs_buf_free(&doc);
  return 0;
}

/* A well-formed document that is not the answer asked for is an error,
 * not an empty result. */
static int finish_with_expect(const char *doc, const char *expect) {
  vs_xml_handler_t h = {.expect = expect};
  vs_xml_stream_t *st = vs_xml_stream_create(&h);
  if (st == NULL)
    return -2;
  int rc = vs_xml_stream_feed(st, doc, strlen(doc));
  if (rc == 0)
    rc = vs_xml_stream_finish(st);
  vs_xml_stream_destroy(st);
  return rc;
}

DEF_TEST(expected_response_element) {
  const char *env =
      "<soapenv:Envelope "
      "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<soapenv:Body><QueryPerfResponse xmlns=\"urn:vim25\"/>"
      "</soapenv:Body></soapenv:Envelope>";
  EXPECT_EQ_INT(0, finish_with_expect(env, "QueryPerfResponse"));
  EXPECT_EQ_INT(0, finish_with_expect(env, NULL));
  EXPECT_EQ_INT(-1, finish_with_expect(env, "LoginResponse"));
  EXPECT_EQ_INT(-1, finish_with_expect("<html><body>hi</body></html>",
                                       "QueryPerfResponse"));
  EXPECT_EQ_INT(-1,
                finish_with_expect(
                    "<Envelope><Body><QueryPerfResponse/></Body></Envelope>",
                    "QueryPerfResponse")); /* not the SOAP namespace */
  return 0;
}

DEF_TEST(fault_vcenter_style) {
  const char *doc =
      SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                "<faultstring>Cannot complete login due to an incorrect "
                "user name or password.</faultstring>"
                "<detail><InvalidLoginFault xmlns=\"urn:vim25\" "
                "xsi:type=\"InvalidLogin\"/></detail>"
                "</soapenv:Fault>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res)); /* a fault is a well-formed answer */
  OK(res.fault);
  EXPECT_EQ_STR("InvalidLogin", res.fault_type);
  EXPECT_EQ_STR("Cannot complete login due to an incorrect user name or "
                "password.",
                res.fault_string);
  OK(!res.not_authenticated);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_vcenter_not_authenticated) {
  const char *doc =
      SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                "<faultstring>The session is not authenticated."
                "</faultstring><detail><NotAuthenticatedFault "
                "xmlns=\"urn:vim25\" xsi:type=\"NotAuthenticated\">"
                "<object type=\"Folder\">group-d1</object>"
                "<privilegeId>System.View</privilegeId>"
                "</NotAuthenticatedFault></detail>"
                "</soapenv:Fault>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  OK(res.fault);
  OK(res.not_authenticated);
  EXPECT_EQ_STR("NotAuthenticated", res.fault_type);
  EXPECT_EQ_STR("The session is not authenticated.", res.fault_string);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_vcsim_style) {
  /* newer govmomi: the detail element is a bare <Fault> whose xsi:type
   * uses a prefix named "XMLSchema-instance" */
  const char *doc =
      SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                "<faultstring></faultstring><detail>"
                "<Fault xmlns:XMLSchema-instance=\"http://www.w3.org/2001/"
                "XMLSchema-instance\" XMLSchema-instance:type="
                "\"NotAuthenticated\"><object type=\"ViewManager\">"
                "ViewManager</object><privilegeId>System.View</privilegeId>"
                "</Fault></detail></soapenv:Fault>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 1);
  OK(accepted(&res));
  OK(res.fault);
  OK(res.not_authenticated);
  EXPECT_EQ_STR("NotAuthenticated", res.fault_type);
  EXPECT_EQ_STR("", res.fault_string);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_type_from_element_name) {
  /* Without xsi:type the element name minus "Fault" names the fault. */
  const char *doc =
      SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
                "<faultstring>gone</faultstring><detail>"
                "<ManagedObjectNotFoundFault xmlns=\"urn:vim25\">"
                "<obj type=\"VirtualMachine\">vm-7</obj>"
                "</ManagedObjectNotFoundFault></detail>"
                "</soapenv:Fault>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(res.fault);
  EXPECT_EQ_STR("ManagedObjectNotFound", res.fault_type);
  EXPECT_EQ_STR("gone", res.fault_string);
  EXPECT_EQ_STR("vm-7", res.fault_obj);
  EXPECT_EQ_STR("VirtualMachine", res.fault_obj_type);
  OK(!res.not_authenticated);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_fixtures_from_vcsim) {
  struct {
    const char *file, *type, *string;
    bool noauth;
  } cases[] = {
      {"vcsim_login_invalid.xml", "InvalidLogin", "Login failure", false},
      {"vcsim_not_authenticated.xml", "NotAuthenticated", "", true},
      {"vcsim_method_not_found.xml", "MethodNotFound",
       "PropertyCollector:propertyCollector does not implement: "
       "ContinueRetrievePropertiesEx",
       false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t len;
    char *data = mock_read_data(cases[i].file, &len);
    CHECK_NOT_NULL(data);
    rec_t r;
    rec_init(&r);
    result_t res = parse(&r, data, len, 0);
    OK(accepted(&res));
    OK(res.fault);
    EXPECT_EQ_STR(cases[i].type, res.fault_type);
    EXPECT_EQ_STR(cases[i].string, res.fault_string);
    EXPECT_EQ_INT(cases[i].noauth, res.not_authenticated);
    vs_buf_free(&r.trace);
    free(data);
  }
  /* and answers without a fault */
  const char *clean[] = {"vcsim_login.xml", "vcsim_service_content.xml",
                         "vcsim_logout.xml", "vcsim_container_view.xml"};
  for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
    size_t len;
    char *data = mock_read_data(clean[i], &len);
    CHECK_NOT_NULL(data);
    rec_t r;
    rec_init(&r);
    result_t res = parse(&r, data, len, 0);
    OK(accepted(&res));
    OK(!res.fault);
    OK(!res.not_authenticated);
    EXPECT_EQ_STR("", res.fault_type);
    vs_buf_free(&r.trace);
    free(data);
  }
  return 0;
}

/* ManagedObjectNotFound names the object in its detail. */
#define NOT_FOUND_FAULT(obj)                                                   \
  SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"            \
            "<faultstring>The object 'vim.VirtualMachine:vm-42' has already "  \
            "been deleted or has not been completely created</faultstring>"    \
            "<detail><ManagedObjectNotFoundFault xmlns=\"urn:vim25\" "         \
            "xsi:type=\"ManagedObjectNotFound\">" obj                          \
            "</ManagedObjectNotFoundFault></detail>"                           \
            "</soapenv:Fault>" SOAP_TAIL

DEF_TEST(fault_object_captured) {
  const char *doc = NOT_FOUND_FAULT("<obj type=\"VirtualMachine\">vm-42</obj>");
  /* in one go, and a byte at a time */
  for (size_t chunk = 0; chunk <= 1; chunk++) {
    rec_t r;
    rec_init(&r);
    result_t res = parse_str(&r, doc, chunk);
    OK(accepted(&res));
    OK(res.fault);
    EXPECT_EQ_STR("ManagedObjectNotFound", res.fault_type);
    EXPECT_EQ_STR("vm-42", res.fault_obj);
    EXPECT_EQ_STR("VirtualMachine", res.fault_obj_type);
    OK(strstr(res.fault_string, "vm-42") != NULL);
    OK(!res.not_authenticated);
    vs_buf_free(&r.trace);
  }
  /* a host, with a prefixed type and whitespace around nothing */
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(
      &r, NOT_FOUND_FAULT("<obj type=\"HostSystem\">host-1001</obj>"), 3);
  EXPECT_EQ_STR("host-1001", res.fault_obj);
  EXPECT_EQ_STR("HostSystem", res.fault_obj_type);
  vs_buf_free(&r.trace);
  /* the first <obj> of the detail counts */
  rec_init(&r);
  res = parse_str(&r,
                  NOT_FOUND_FAULT("<obj type=\"VirtualMachine\">vm-1</obj>"
                                  "<obj type=\"VirtualMachine\">vm-2</obj>"),
                  0);
  EXPECT_EQ_STR("vm-1", res.fault_obj);
  vs_buf_free(&r.trace);
  /* no type attribute: the object, and an empty type */
  rec_init(&r);
  res = parse_str(&r, NOT_FOUND_FAULT("<obj>vm-7</obj>"), 0);
  EXPECT_EQ_STR("vm-7", res.fault_obj);
  EXPECT_EQ_STR("", res.fault_obj_type);
  vs_buf_free(&r.trace);
  /* an object reference longer than a moref is bounded */
  char longdoc[4096], obj[1200];
  memset(obj, 'a', sizeof(obj) - 1);
  obj[sizeof(obj) - 1] = 0;
  snprintf(longdoc, sizeof(longdoc),
           NOT_FOUND_FAULT("<obj type=\"VirtualMachine\">%s</obj>"), obj);
  rec_init(&r);
  res = parse_str(&r, longdoc, 0);
  OK(accepted(&res));
  EXPECT_EQ_INT(95, strlen(res.fault_obj));
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_object_only_from_fault_detail) {
  rec_t r;
  /* a fault without an object */
  rec_init(&r);
  result_t res = parse_str(&r, NOT_FOUND_FAULT(""), 0);
  OK(res.fault);
  EXPECT_EQ_STR("ManagedObjectNotFound", res.fault_type);
  EXPECT_EQ_STR("", res.fault_obj);
  EXPECT_EQ_STR("", res.fault_obj_type);
  vs_buf_free(&r.trace);
  /* NotAuthenticated names <object>, not <obj>: no object */
  rec_init(&r);
  res = parse_str(&r,
                  SOAP_HEAD "<soapenv:Fault><faultcode>ServerFaultCode"
                            "</faultcode><faultstring>x</faultstring><detail>"
                            "<NotAuthenticatedFault xmlns=\"urn:vim25\" "
                            "xsi:type=\"NotAuthenticated\"><object type="
                            "\"Folder\">group-d1</object>"
                            "</NotAuthenticatedFault></detail>"
                            "</soapenv:Fault>" SOAP_TAIL,
                  0);
  OK(res.not_authenticated);
  EXPECT_EQ_STR("", res.fault_obj);
  vs_buf_free(&r.trace);
  /* an <obj> deeper in the detail is not the fault's object */
  rec_init(&r);
  res = parse_str(&r,
                  NOT_FOUND_FAULT("<wrapper><obj type=\"VirtualMachine\">"
                                  "vm-9</obj></wrapper>"),
                  0);
  EXPECT_EQ_STR("", res.fault_obj);
  vs_buf_free(&r.trace);
  /* property pages are full of <obj>: none is a fault's */
  rec_init(&r);
  res = parse_str(&r,
                  SOAP_HEAD "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">"
                            "<returnval><objects><obj type=\"VirtualMachine\">"
                            "vm-1</obj></objects></returnval>"
                            "</RetrievePropertiesExResponse>" SOAP_TAIL,
                  0);
  OK(accepted(&res));
  OK(!res.fault);
  EXPECT_EQ_STR("", res.fault_obj);
  EXPECT_EQ_STR("", res.fault_obj_type);
  vs_buf_free(&r.trace);
  /* the handler still sees the detail's elements */
  rec_init(&r);
  res = parse_str(&r,
                  NOT_FOUND_FAULT("<obj type=\"VirtualMachine\">vm-42"
                                  "</obj>"),
                  0);
  CHECK_NOT_NULL(r.trace.data);
  OK(strstr(r.trace.data, "ManagedObjectNotFoundFault</obj [vm-42]") != NULL);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(not_authenticated_in_missing_set) {
  /* A property page can carry the lost session per object, with no SOAP
   * fault at all. */
  const char *doc =
      SOAP_HEAD "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">"
                "<returnval><objects><obj type=\"VirtualMachine\">vm-1</obj>"
                "<missingSet><path>name</path><fault><fault "
                "xsi:type=\"NotAuthenticated\"><object "
                "type=\"VirtualMachine\">vm-1</object><privilegeId>"
                "System.View</privilegeId></fault><localizedMessage>"
                "</localizedMessage></fault></missingSet></objects>"
                "</returnval></RetrievePropertiesExResponse>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  OK(res.not_authenticated);
  OK(!res.fault);
  EXPECT_EQ_STR("", res.fault_type);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(fault_outside_soap_namespace_ignored) {
  /* <Fault> in a vim25 payload (e.g. a task's error) is no SOAP fault */
  const char *doc = SOAP_HEAD "<R xmlns=\"urn:vim25\"><returnval><Fault>"
                              "<faultstring>no</faultstring></Fault>"
                              "</returnval></R>" SOAP_TAIL;
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  OK(accepted(&res));
  OK(!res.fault);
  EXPECT_EQ_STR("", res.fault_string);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_billion_laughs) {
  const char *doc =
      "<?xml version=\"1.0\"?>"
      "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
      "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
      "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
      "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
      "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
      "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
      "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
      "]><lolz><a>&lol9;</a></lolz>";
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  EXPECT_REJECTED(res);
  OK(r.trace.data == NULL || strstr(r.trace.data, "lol") == NULL);
  OK(r.trace.len < 1000); /* nothing was expanded */
  vs_buf_free(&r.trace);

  /* byte by byte too */
  rec_init(&r);
  res = parse_str(&r, doc, 1);
  EXPECT_REJECTED(res);
  OK(r.trace.len < 1000);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_external_entity) {
  const char *doc = "<?xml version=\"1.0\"?>"
                    "<!DOCTYPE foo [<!ENTITY xxe SYSTEM "
                    "\"file:///etc/passwd\">]><foo>&xxe;</foo>";
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  EXPECT_REJECTED(res);
  OK(r.trace.data == NULL || strstr(r.trace.data, "root:") == NULL);
  vs_buf_free(&r.trace);

  /* an external DTD */
  rec_init(&r);
  res = parse_str(&r,
                  "<?xml version=\"1.0\"?><!DOCTYPE foo SYSTEM "
                  "\"http://127.0.0.1:9/evil.dtd\"><foo>x</foo>",
                  0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_undefined_entity) {
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, "<a><b>x &undefined; y</b></a>", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_truncated) {
  const char *doc = SOAP_HEAD "<R xmlns=\"urn:vim25\"><returnval><a>x</a>";
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 0);
  EXPECT_EQ_INT(0, res.feed_rc);    /* nothing wrong yet ... */
  EXPECT_EQ_INT(-1, res.finish_rc); /* ... until the end comes early */
  OK(res.error[0] != 0);
  vs_buf_free(&r.trace);

  /* cut inside a tag */
  rec_init(&r);
  res = parse_str(&r, "<a><b>x</b><c attr=\"", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_garbage) {
  const char garbage[] = "\x00\x01\x02\xff\xfe\x80garbage\x00";
  rec_t r;
  rec_init(&r);
  result_t res = parse(&r, garbage, sizeof(garbage) - 1, 0);
  EXPECT_REJECTED(res);
  EXPECT_EQ_INT(0, r.starts);
  vs_buf_free(&r.trace);

  rec_init(&r);
  res = parse_str(&r, "this is not XML at all", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);

  rec_init(&r);
  res = parse_str(&r, "{\"error\": \"json\"}", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);

  /* two document elements */
  rec_init(&r);
  res = parse_str(&r, "<a/><b/>", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);

  /* mismatched tags */
  rec_init(&r);
  res = parse_str(&r, "<a><b></a></b>", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(rejects_html_error_page) {
  /* what a proxy or a vCenter in maintenance may answer */
  const char *pages[] = {
      "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
      "<html><head><title>503 Service Unavailable</title></head><body>\n"
      "<h1>Service Unavailable</h1>\n</body></html>\n",
      "<!DOCTYPE html><html><body><p>Bad gateway</p></body></html>",
      "<html><head><title>Error</title></head><body>line one<br>line two"
      "</body></html>",
  };
  for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
    rec_t r;
    rec_init(&r);
    result_t res = parse_str(&r, pages[i], 0);
    EXPECT_REJECTED(res);
    OK(!res.fault);
    vs_buf_free(&r.trace);
  }
  return 0;
}

static char *nested(int depth) {
  vs_buf_t b;
  vs_buf_init(&b);
  for (int i = 0; i < depth; i++)
    vs_buf_puts(&b, "<d>");
  vs_buf_puts(&b, "x");
  for (int i = 0; i < depth; i++)
    vs_buf_puts(&b, "</d>");
  return b.data;
}

DEF_TEST(depth_bound) {
  char *ok_doc = nested(VS_XML_MAX_DEPTH);
  CHECK_NOT_NULL(ok_doc);
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, ok_doc, 0);
  OK(accepted(&res));
  EXPECT_EQ_INT(VS_XML_MAX_DEPTH, res.elements);
  vs_buf_free(&r.trace);
  free(ok_doc);

  char *deep = nested(VS_XML_MAX_DEPTH + 1);
  CHECK_NOT_NULL(deep);
  rec_init(&r);
  res = parse_str(&r, deep, 0);
  EXPECT_REJECTED(res);
  OK(strstr(res.error, "deep") != NULL);
  /* no event beyond the bound reached the handler */
  EXPECT_EQ_INT(VS_XML_MAX_DEPTH, r.starts);
  vs_buf_free(&r.trace);
  free(deep);

  /* far deeper, byte by byte */
  char *deeper = nested(5000);
  CHECK_NOT_NULL(deeper);
  rec_init(&r);
  res = parse_str(&r, deeper, 1);
  EXPECT_REJECTED(res);
  EXPECT_EQ_INT(VS_XML_MAX_DEPTH, r.starts);
  vs_buf_free(&r.trace);
  free(deeper);
  return 0;
}

static char *text_doc(size_t text_len) {
  char *doc = malloc(text_len + 16);
  if (doc == NULL)
    return NULL;
  memcpy(doc, "<a><b>", 6);
  memset(doc + 6, 'x', text_len);
  memcpy(doc + 6 + text_len, "</b></a>", 9);
  return doc;
}

DEF_TEST(text_bound) {
  char *doc = text_doc(VS_XML_MAX_TEXT);
  CHECK_NOT_NULL(doc);
  rec_t r;
  rec_init(&r);
  result_t res = parse_str(&r, doc, 4096);
  OK(accepted(&res));
  vs_buf_free(&r.trace);
  free(doc);

  doc = text_doc(VS_XML_MAX_TEXT + 1);
  CHECK_NOT_NULL(doc);
  rec_init(&r);
  res = parse_str(&r, doc, 4096);
  EXPECT_REJECTED(res);
  OK(strstr(res.error, "large") != NULL);
  EXPECT_EQ_INT(0, r.ends); /* the oversized text never reached a handler */
  vs_buf_free(&r.trace);
  free(doc);

  /* one huge feed */
  doc = text_doc(4 * VS_XML_MAX_TEXT);
  CHECK_NOT_NULL(doc);
  rec_init(&r);
  res = parse_str(&r, doc, 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  free(doc);
  return 0;
}

DEF_TEST(empty_input) {
  rec_t r;
  rec_init(&r);
  result_t res = parse(&r, "", 0, 0);
  EXPECT_EQ_INT(0, res.feed_rc);
  EXPECT_EQ_INT(-1, res.finish_rc);
  OK(res.error[0] != 0);
  EXPECT_EQ_INT(0, res.elements);
  vs_buf_free(&r.trace);

  rec_init(&r);
  res = parse_str(&r, "  \r\n\t ", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);

  rec_init(&r);
  res = parse_str(&r, "<?xml version=\"1.0\"?>", 0);
  EXPECT_REJECTED(res);
  vs_buf_free(&r.trace);
  return 0;
}

DEF_TEST(feed_after_error_is_ignored) {
  rec_t r;
  rec_init(&r);
  vs_xml_handler_t h = {.start = rec_start, .end = rec_end, .ctx = &r};
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(-1, vs_xml_stream_feed(s, "<a></b>", 7));
  char first[256];
  vs_utf8_copy(first, vs_xml_stream_error(s), sizeof(first));
  OK(first[0] != 0);
  size_t starts = r.starts;
  EXPECT_EQ_INT(-1, vs_xml_stream_feed(s, "<c>x</c>", 8));
  EXPECT_EQ_INT(-1, vs_xml_stream_finish(s));
  EXPECT_EQ_STR(first, vs_xml_stream_error(s)); /* the first reason stays */
  EXPECT_EQ_INT(starts, r.starts);
  vs_xml_stream_destroy(s);
  vs_buf_free(&r.trace);

  /* a stream without handler works too (fault detection only) */
  s = vs_xml_stream_create(NULL);
  CHECK_NOT_NULL(s);
  const char *doc = SOAP_HEAD "<soapenv:Fault><faultstring>f</faultstring>"
                              "<detail><InvalidLoginFault "
                              "xmlns=\"urn:vim25\" xsi:type=\"InvalidLogin\"/>"
                              "</detail></soapenv:Fault>" SOAP_TAIL;
  EXPECT_EQ_INT(0, vs_xml_stream_feed(s, doc, strlen(doc)));
  EXPECT_EQ_INT(0, vs_xml_stream_finish(s));
  OK(vs_xml_stream_has_fault(s));
  EXPECT_EQ_STR("InvalidLogin", vs_xml_stream_fault_type(s));
  EXPECT_EQ_STR("f", vs_xml_stream_fault_string(s));
  EXPECT_EQ_STR("", vs_xml_stream_error(s));
  vs_xml_stream_destroy(s);
  vs_xml_stream_destroy(NULL);
  return 0;
}

int main(void) {
  RUN_TEST(events_and_arguments);
  RUN_TEST(text_of_leaves_only);
  RUN_TEST(entities_and_cdata_decode);
  RUN_TEST(byte_at_a_time_same_events);
  RUN_TEST(big_document_chunked);
  RUN_TEST(over_one_megabyte_in_one_feed);
  RUN_TEST(expected_response_element);
  RUN_TEST(fault_vcenter_style);
  RUN_TEST(fault_vcenter_not_authenticated);
  RUN_TEST(fault_vcsim_style);
  RUN_TEST(fault_type_from_element_name);
  RUN_TEST(fault_fixtures_from_vcsim);
  RUN_TEST(fault_object_captured);
  RUN_TEST(fault_object_only_from_fault_detail);
  RUN_TEST(not_authenticated_in_missing_set);
  RUN_TEST(fault_outside_soap_namespace_ignored);
  RUN_TEST(rejects_billion_laughs);
  RUN_TEST(rejects_external_entity);
  RUN_TEST(rejects_undefined_entity);
  RUN_TEST(rejects_truncated);
  RUN_TEST(rejects_garbage);
  RUN_TEST(rejects_html_error_page);
  RUN_TEST(depth_bound);
  RUN_TEST(text_bound);
  RUN_TEST(empty_input);
  RUN_TEST(feed_after_error_is_ignored);
  END_TEST;
}
