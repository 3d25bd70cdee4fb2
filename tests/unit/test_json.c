/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_json.c
 * The JSON reader: vCenter's REST answers, escapes and UTF-8, every
 * truncation of a valid document, hostile input (depth, garbage, bytes
 * past the given length never read).
 */
#include "testing.h"
#include "vs_json.h"

static int parse(vs_json_t *j, const char *s) {
  return vs_json_parse(j, s, strlen(s));
}

DEF_TEST(rest_answers) {
  vs_json_t j;
  vs_json_init(&j);
  CHECK_ZERO(parse(&j, "{\"value\":\"52a1-ff\"}"));
  EXPECT_EQ_STR("52a1-ff", vs_json_get_string(&j, vs_json_root(&j), "value"));

  const char *attached =
      "{\"value\":[{\"object_id\":{\"id\":\"vm-42\",\"type\":"
      "\"VirtualMachine\"},\"tag_ids\":[\"urn:t:1\",\"urn:t:2\"]},\n"
      "  {\"object_id\":{\"id\":\"host-7\",\"type\":\"HostSystem\"},"
      "\"tag_ids\":[]}]}";
  CHECK_ZERO(parse(&j, attached));
  const vs_json_node_t *v = vs_json_get(&j, vs_json_root(&j), "value");
  CHECK_NOT_NULL(v);
  EXPECT_EQ_INT(VS_JSON_ARRAY, v->type);
  EXPECT_EQ_INT(2, v->count);
  const vs_json_node_t *first = vs_json_first(&j, v);
  const vs_json_node_t *obj = vs_json_get(&j, first, "object_id");
  EXPECT_EQ_STR("vm-42", vs_json_get_string(&j, obj, "id"));
  EXPECT_EQ_STR("VirtualMachine", vs_json_get_string(&j, obj, "type"));
  const vs_json_node_t *ids = vs_json_get(&j, first, "tag_ids");
  EXPECT_EQ_INT(2, ids->count);
  EXPECT_EQ_STR("urn:t:1", vs_json_first(&j, ids)->str);
  EXPECT_EQ_STR("urn:t:2", vs_json_next(&j, vs_json_first(&j, ids))->str);
  OK(vs_json_next(&j, vs_json_next(&j, vs_json_first(&j, ids))) == NULL);
  const vs_json_node_t *second = vs_json_next(&j, first);
  EXPECT_EQ_INT(0, vs_json_get(&j, second, "tag_ids")->count);
  OK(vs_json_first(&j, vs_json_get(&j, second, "tag_ids")) == NULL);
  OK(vs_json_next(&j, second) == NULL);
  OK(vs_json_get(&j, first, "missing") == NULL);
  OK(vs_json_get_string(&j, first, "tag_ids") == NULL); /* not a string */
  vs_json_free(&j);
  return 0;
}

DEF_TEST(scalars) {
  vs_json_t j;
  vs_json_init(&j);
  CHECK_ZERO(parse(&j, " [1, -0.5, 2e3, 1E-2, 0, true, false, null, \"\"] "));
  const vs_json_node_t *n = vs_json_first(&j, vs_json_root(&j));
  EXPECT_EQ_DOUBLE(1, n->num);
  n = vs_json_next(&j, n);
  EXPECT_EQ_DOUBLE(-0.5, n->num);
  n = vs_json_next(&j, n);
  EXPECT_EQ_DOUBLE(2000, n->num);
  n = vs_json_next(&j, n);
  EXPECT_EQ_DOUBLE(0.01, n->num);
  n = vs_json_next(&j, n);
  EXPECT_EQ_INT(VS_JSON_NUMBER, n->type);
  n = vs_json_next(&j, n);
  EXPECT_EQ_INT(VS_JSON_TRUE, n->type);
  n = vs_json_next(&j, n);
  EXPECT_EQ_INT(VS_JSON_FALSE, n->type);
  n = vs_json_next(&j, n);
  EXPECT_EQ_INT(VS_JSON_NULL, n->type);
  n = vs_json_next(&j, n);
  EXPECT_EQ_INT(VS_JSON_STRING, n->type);
  EXPECT_EQ_STR("", n->str);
  EXPECT_EQ_INT(0, n->str_len);
  /* A bare scalar is a document too; members keep their names. */
  CHECK_ZERO(parse(&j, "\"x\""));
  EXPECT_EQ_STR("x", vs_json_root(&j)->str);
  CHECK_ZERO(parse(&j, "{}"));
  EXPECT_EQ_INT(0, vs_json_root(&j)->count);
  vs_json_free(&j);
  return 0;
}

DEF_TEST(escapes_and_utf8) {
  vs_json_t j;
  vs_json_init(&j);
  CHECK_ZERO(parse(&j, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
  EXPECT_EQ_STR("a\"b\\c/d\b\f\n\r\t", vs_json_root(&j)->str);
  /* é, €, U+1F600 (a surrogate pair), and the same raw */
  CHECK_ZERO(parse(&j, "\"\\u00e9\\u20AC\\ud83d\\ude00|\xc3\xa9\xe2\x82\xac"
                       "\xf0\x9f\x98\x80\""));
  EXPECT_EQ_STR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xc3\xa9\xe2\x82\xac"
                "\xf0\x9f\x98\x80",
                vs_json_root(&j)->str);
  EXPECT_EQ_INT(19, vs_json_root(&j)->str_len);
  /* Keys are unescaped too. */
  CHECK_ZERO(parse(&j, "{\"k\\u00e9y\":1}"));
  OK(vs_json_get(&j, vs_json_root(&j), "k\xc3\xa9y") != NULL);
  vs_json_free(&j);
  return 0;
}

DEF_TEST(rejects) {
  static const char *bad[] = {
      "",
      "   ",
      "{",
      "[1,]",
      "[,1]",
      "{\"a\" 1}",
      "{\"a\":1,}",
      "{1:2}",
      "[1 2]",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "+1",
      "tru",
      "nul",
      "True",
      "\"abc",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\u12g4\"",
      "\"\\ud800\"",          /* lone high surrogate */
      "\"\\udc00\"",          /* lone low surrogate */
      "\"\\ud800\\u0041\"",   /* high surrogate + not a low one */
      "\"\\u0000\"",          /* NUL inside a string */
      "\"a\nb\"",             /* raw control character */
      "\"\xc3\"",             /* truncated UTF-8 */
      "\"\xc0\xaf\"",         /* overlong */
      "\"\xed\xa0\x80\"",     /* a surrogate in UTF-8 */
      "\"\xf4\x90\x80\x80\"", /* above U+10FFFF */
      "\"\xff\"",
      "[1] x",
      "{}{}",
      "[1]]",
      "nan",
      "1e999999999999999999999999999999999999999999999999999999999999999",
  };
  vs_json_t j;
  vs_json_init(&j);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int rc = parse(&j, bad[i]);
    if (rc == 0)
      printf("# accepted: %s\n", bad[i]);
    EXPECT_EQ_INT(-1, rc);
    OK(j.error[0] != 0);
    OK(vs_json_root(&j) == NULL);
  }
  /* A NUL byte within the given length. */
  EXPECT_EQ_INT(-1, vs_json_parse(&j, "[1,\0 2]", 7));
  EXPECT_EQ_INT(-1, vs_json_parse(&j, "\"a\0b\"", 5));
  vs_json_free(&j);
  return 0;
}

DEF_TEST(depth_bound) {
  char doc[2 * (VS_JSON_MAX_DEPTH + 2) + 1];
  vs_json_t j;
  vs_json_init(&j);
  for (int depth = VS_JSON_MAX_DEPTH; depth <= VS_JSON_MAX_DEPTH + 1; depth++) {
    size_t n = 0;
    for (int i = 0; i < depth; i++)
      doc[n++] = '[';
    for (int i = 0; i < depth; i++)
      doc[n++] = ']';
    EXPECT_EQ_INT(depth <= VS_JSON_MAX_DEPTH ? 0 : -1,
                  vs_json_parse(&j, doc, n));
  }
  /* A very deep one fails at the bound, not at the stack's end. */
  size_t big = 1000000;
  char *deep = malloc(big);
  CHECK_NOT_NULL(deep);
  memset(deep, '[', big);
  EXPECT_EQ_INT(-1, vs_json_parse(&j, deep, big));
  OK(strstr(j.error, "deeply") != NULL);
  memset(deep, '{', big);
  EXPECT_EQ_INT(-1, vs_json_parse(&j, deep, big));
  free(deep);
  vs_json_free(&j);
  return 0;
}

DEF_TEST(max_nodes) {
  vs_json_t j;
  vs_json_init(&j);
  j.max_nodes = 4;
  CHECK_ZERO(parse(&j, "[1,2,3]")); /* 4 values */
  EXPECT_EQ_INT(-1, parse(&j, "[1,2,3,4]"));
  OK(strstr(j.error, "too many") != NULL);
  EXPECT_EQ_INT(4, j.max_nodes); /* kept across parses and frees */
  vs_json_free(&j);
  EXPECT_EQ_INT(4, j.max_nodes);
  return 0;
}

/* Every prefix of a valid document is refused (or is itself valid), and
 * no byte after `len` is read: each prefix is parsed from its own
 * allocation of exactly that size (valgrind and ASan see an overread). */
DEF_TEST(truncations) {
  const char *doc = "{\"value\":[{\"object_id\":{\"id\":\"vm-42\",\"type\":"
                    "\"VirtualMachine\"},\"tag_ids\":[\"urn:\\u00e9\\ud83d"
                    "\\ude00\",12.5e1,true,null,false]}]}";
  size_t len = strlen(doc);
  vs_json_t j;
  vs_json_init(&j);
  for (size_t n = 0; n < len; n++) {
    char *copy = malloc(n ? n : 1);
    CHECK_NOT_NULL(copy);
    memcpy(copy, doc, n);
    EXPECT_EQ_INT(-1, vs_json_parse(&j, copy, n));
    free(copy);
  }
  CHECK_ZERO(vs_json_parse(&j, doc, len));
  vs_json_free(&j);
  return 0;
}

/* Random bytes and random mutations of a document: no crash, no leak, and
 * the result is either an error or a document whose nodes are sane. */
DEF_TEST(garbage) {
  const char *doc = "{\"value\":[{\"id\":\"a\\u00e9\",\"n\":[1,2,{\"x\":null}]}"
                    ",\"s\",-1.5e-3]}";
  size_t len = strlen(doc);
  unsigned seed = 12345;
  vs_json_t j;
  vs_json_init(&j);
  char *buf = malloc(len);
  CHECK_NOT_NULL(buf);
  for (int round = 0; round < 20000; round++) {
    memcpy(buf, doc, len);
    int flips = 1 + round % 4;
    for (int f = 0; f < flips; f++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % len;
      seed = seed * 1103515245u + 12345u;
      static const char punct[] = "{}[]\",:\\u0";
      buf[at] = round % 3 == 0 ? (char)(seed >> 16)
                               : punct[(seed >> 16) % (sizeof(punct) - 1)];
    }
    if (vs_json_parse(&j, buf, len) == 0) {
      OK(vs_json_root(&j) != NULL);
      for (size_t i = 0; i < j.nodes_num; i++)
        if (j.nodes[i].type == VS_JSON_STRING)
          OK(strlen(j.nodes[i].str) == j.nodes[i].str_len);
    }
  }
  free(buf);
  vs_json_free(&j);
  return 0;
}

int main(void) {
  RUN_TEST(rest_answers);
  RUN_TEST(scalars);
  RUN_TEST(escapes_and_utf8);
  RUN_TEST(rejects);
  RUN_TEST(depth_bound);
  RUN_TEST(max_nodes);
  RUN_TEST(truncations);
  RUN_TEST(garbage);
  END_TEST;
}
