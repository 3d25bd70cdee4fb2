/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_util.c
 * vs_buf, escaping, xsd:dateTime, integers and the string index.
 */
#include "testing.h"
#include "vs_util.h"

/* 2024-01-02T03:04:05Z */
#define T_20240102_030405 INT64_C(1704164645)
#define US(s) ((int64_t)(s)*INT64_C(1000000))

DEF_TEST(buf_starts_empty) {
  vs_buf_t b;
  vs_buf_init(&b);
  EXPECT_EQ_INT(0, b.len);
  OK(b.data == NULL);
  OK(!b.failed);
  vs_buf_puts(&b, "");
  EXPECT_EQ_INT(0, b.len);
  OK(b.data == NULL || b.data[0] == 0);
  vs_buf_puts(&b, "x");
  EXPECT_EQ_INT(1, b.len);
  CHECK_NOT_NULL(b.data);
  EXPECT_EQ_STR("x", b.data);
  vs_buf_free(&b);
  OK(b.data == NULL);
  EXPECT_EQ_INT(0, b.cap);
  return 0;
}

DEF_TEST(buf_append_and_grow) {
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_append(&b, "abcdef", 3);
  EXPECT_EQ_INT(3, b.len);
  EXPECT_EQ_STR("abc", b.data);

  /* Far beyond the first allocation: content, length and terminator
   * must survive every reallocation. */
  char expect[10001];
  for (int i = 0; i < 10000; i++) {
    char c = (char)('a' + i % 26);
    vs_buf_append(&b, &c, 1);
    expect[i] = c;
  }
  expect[10000] = 0;
  EXPECT_EQ_INT(10003, b.len);
  OK(b.cap > b.len);
  EXPECT_EQ_INT(0, b.data[b.len]);
  EXPECT_EQ_INT(0, memcmp(b.data, "abc", 3));
  EXPECT_EQ_INT(0, memcmp(b.data + 3, expect, 10000));
  OK(!b.failed);

  vs_buf_reset(&b);
  EXPECT_EQ_INT(0, b.len);
  EXPECT_EQ_STR("", b.data);
  OK(b.cap > 0); /* the memory is kept for reuse */
  vs_buf_puts(&b, "again");
  EXPECT_EQ_STR("again", b.data);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(buf_printf) {
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_printf(&b, "<%s>%d</%s>", "n", 42, "n");
  EXPECT_EQ_STR("<n>42</n>", b.data);
  vs_buf_printf(&b, "%s", "");
  EXPECT_EQ_STR("<n>42</n>", b.data);
  vs_buf_printf(&b, "|%lld|", (long long)INT64_MIN);
  EXPECT_EQ_STR("<n>42</n>|-9223372036854775808|", b.data);
  EXPECT_EQ_INT(strlen(b.data), b.len);

  /* One printf longer than the buffer's first allocation. */
  char big[5000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  vs_buf_reset(&b);
  vs_buf_printf(&b, "[%s]", big);
  EXPECT_EQ_INT(sizeof(big) + 1, b.len);
  EXPECT_EQ_INT('[', b.data[0]);
  EXPECT_EQ_INT('x', b.data[4998]);
  EXPECT_EQ_INT(']', b.data[5000]);
  EXPECT_EQ_INT(0, b.data[5001]);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(buf_put_escaped) {
  vs_buf_t b;
  vs_buf_init(&b);
  vs_buf_put_escaped(&b, "p<&\"'>");
  EXPECT_EQ_STR("p&lt;&amp;&quot;&apos;&gt;", b.data);

  vs_buf_reset(&b);
  vs_buf_put_escaped(&b, "plain text");
  EXPECT_EQ_STR("plain text", b.data);

  vs_buf_reset(&b);
  vs_buf_put_escaped(&b, "");
  EXPECT_EQ_STR("", b.data);
  EXPECT_EQ_INT(0, b.len);

  vs_buf_reset(&b);
  vs_buf_puts(&b, "<a>");
  vs_buf_put_escaped(&b, "&&");
  vs_buf_puts(&b, "</a>");
  EXPECT_EQ_STR("<a>&amp;&amp;</a>", b.data);

  /* Not an entity decoder: an entity in the input is escaped again. */
  vs_buf_reset(&b);
  vs_buf_put_escaped(&b, "&amp;x");
  EXPECT_EQ_STR("&amp;amp;x", b.data);

  /* UTF-8 passes through. */
  vs_buf_reset(&b);
  vs_buf_put_escaped(&b, "gr\xc3\xbc\xc3\x9f <3");
  EXPECT_EQ_STR("gr\xc3\xbc\xc3\x9f &lt;3", b.data);
  vs_buf_free(&b);
  return 0;
}

DEF_TEST(strlcpy) {
  char buf[6];
  EXPECT_EQ_STR("abc", vs_utf8_copy(buf, "abc", sizeof(buf)));
  EXPECT_EQ_STR("abcde", vs_utf8_copy(buf, "abcdefgh", sizeof(buf)));
  EXPECT_EQ_STR("", vs_utf8_copy(buf, "", sizeof(buf)));
  buf[0] = 'z';
  vs_utf8_copy(buf, "abc", 0); /* must not write */
  EXPECT_EQ_INT('z', buf[0]);
  vs_utf8_copy(buf, "abc", 1);
  EXPECT_EQ_STR("", buf);
  return 0;
}

DEF_TEST(parse_datetime_utc) {
  int64_t us = -1;
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405), us);

  EXPECT_EQ_INT(0, vs_parse_datetime("1970-01-01T00:00:00Z", &us));
  EXPECT_EQ_INT(0, us);

  /* No zone at all: taken as UTC. */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05", &us));
  EXPECT_EQ_INT(US(T_20240102_030405), us);

  /* A leap day and the end of a year. */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-02-29T12:00:00Z", &us));
  EXPECT_EQ_INT(US(INT64_C(1709208000)), us);
  EXPECT_EQ_INT(0, vs_parse_datetime("2023-12-31T23:59:59Z", &us));
  EXPECT_EQ_INT(US(INT64_C(1704067199)), us);
  return 0;
}

DEF_TEST(parse_datetime_fraction) {
  int64_t us = -1;
  /* vCenter: milliseconds */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05.123Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 123000, us);
  /* microseconds */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05.123456Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 123456, us);
  /* vcsim (Go): nanoseconds, truncated to microseconds */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05.123456789Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 123456, us);
  /* one digit, leading zeros */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05.5Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 500000, us);
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05.000001Z", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 1, us);
  /* a fraction needs digits */
  OK(vs_parse_datetime("2024-01-02T03:04:05.Z", &us) != 0);
  return 0;
}

DEF_TEST(parse_datetime_offsets) {
  int64_t us = -1;
  /* 04:04:05+01:00 is 03:04:05Z */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T04:04:05+01:00", &us));
  EXPECT_EQ_INT(US(T_20240102_030405), us);
  /* 21:34:05-05:30 on the day before is 03:04:05Z */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-01T21:34:05-05:30", &us));
  EXPECT_EQ_INT(US(T_20240102_030405), us);
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T03:04:05+00:00", &us));
  EXPECT_EQ_INT(US(T_20240102_030405), us);
  /* with a fraction */
  EXPECT_EQ_INT(0, vs_parse_datetime("2024-01-02T04:04:05.250+01:00", &us));
  EXPECT_EQ_INT(US(T_20240102_030405) + 250000, us);
  return 0;
}

DEF_TEST(parse_datetime_rejects) {
  const char *bad[] = {
      "",
      "garbage",
      "2024-13-01T00:00:00Z",      /* month 13 */
      "2024-00-01T00:00:00Z",      /* month 0 */
      "2024-01-32T00:00:00Z",      /* day 32 */
      "2024-01-00T00:00:00Z",      /* day 0 */
      "2024-01-01T24:00:00Z",      /* hour 24 */
      "2024-01-01T00:60:00Z",      /* minute 60 */
      "2024-02-31T00:00:00Z",      /* 31 February */
      "2023-02-29T12:00:00Z",      /* 29 February of a common year */
      "1900-02-29T12:00:00Z",      /* century, not a leap year */
      "2024-04-31T00:00:00Z",      /* 31 April */
      "2024-01-02T03:04:60Z",      /* second 60 */
      "2024-01-02T03:04:05+25:99", /* offset out of range */
      "2024-01-02T03:04:05Zjunk",  /* trailing junk */
      "2024-01-02T03:04:05Z ",     /* trailing space */
      "2024-01-02T03:04:05+01",    /* half an offset */
      "2024-01-02T03:04:05+0100",  /* offset without colon */
      "2024-01-02 03:04:05Z",      /* space instead of T */
      "2024-1-02T03:04:05Z",       /* one-digit month */
      "2024-01-02T03:04",          /* no seconds */
      "24-01-02T03:04:05Z",        /* two-digit year */
      "2024-01-02T03:04:05.12a3Z", /* junk in the fraction */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t us = 4242;
    int rc = vs_parse_datetime(bad[i], &us);
    if (rc == 0)
      printf("# accepted bad dateTime \"%s\"\n", bad[i]);
    EXPECT_EQ_INT(-1, rc);
    EXPECT_EQ_INT(4242, us); /* untouched on failure */
  }
  return 0;
}

DEF_TEST(format_datetime) {
  char buf[40];
  vs_format_datetime(US(T_20240102_030405) + 123456, buf, sizeof(buf));
  EXPECT_EQ_STR("2024-01-02T03:04:05.123456Z", buf);
  vs_format_datetime(0, buf, sizeof(buf));
  EXPECT_EQ_STR("1970-01-01T00:00:00.000000Z", buf);
  vs_format_datetime(US(T_20240102_030405) + 7, buf, sizeof(buf));
  EXPECT_EQ_STR("2024-01-02T03:04:05.000007Z", buf);
  /* truncated, still terminated */
  vs_format_datetime(US(T_20240102_030405), buf, 11);
  EXPECT_EQ_STR("2024-01-02", buf);
  return 0;
}

DEF_TEST(format_parse_round_trip) {
  const int64_t samples[] = {
      0,
      1,
      US(T_20240102_030405),
      US(T_20240102_030405) + 999999,
      US(INT64_C(951782400)) + 500000,  /* 2000-02-29 */
      US(INT64_C(4102444799)) + 123456, /* 2099-12-31T23:59:59 */
  };
  for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
    char buf[40];
    int64_t back = -1;
    vs_format_datetime(samples[i], buf, sizeof(buf));
    EXPECT_EQ_INT(0, vs_parse_datetime(buf, &back));
    EXPECT_EQ_INT(samples[i], back);
  }
  /* and the other way round, for a vCenter-style string */
  int64_t us;
  char buf[40];
  EXPECT_EQ_INT(0, vs_parse_datetime("2031-07-15T23:59:58.000042Z", &us));
  vs_format_datetime(us, buf, sizeof(buf));
  EXPECT_EQ_STR("2031-07-15T23:59:58.000042Z", buf);
  return 0;
}

DEF_TEST(parse_int64) {
  int64_t v = 0;
  EXPECT_EQ_INT(0, vs_parse_int64("0", &v));
  EXPECT_EQ_INT(0, v);
  EXPECT_EQ_INT(0, vs_parse_int64("42", &v));
  EXPECT_EQ_INT(42, v);
  EXPECT_EQ_INT(0, vs_parse_int64("-1", &v));
  EXPECT_EQ_INT(-1, v);
  EXPECT_EQ_INT(0, vs_parse_int64("9223372036854775807", &v));
  EXPECT_EQ_INT(INT64_MAX, v);
  EXPECT_EQ_INT(0, vs_parse_int64("-9223372036854775808", &v));
  EXPECT_EQ_INT(INT64_MIN, v);

  v = 7;
  EXPECT_EQ_INT(-1, vs_parse_int64("", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64(NULL, &v));
  EXPECT_EQ_INT(-1, vs_parse_int64("abc", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64("12abc", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64("12 ", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64("1.5", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64("-", &v));
  EXPECT_EQ_INT(-1, vs_parse_int64(" 7", &v));                   /* blank */
  EXPECT_EQ_INT(-1, vs_parse_int64("+7", &v));                   /* plus */
  EXPECT_EQ_INT(-1, vs_parse_int64("99999999999999999999", &v)); /* overflow */
  EXPECT_EQ_INT(-1, vs_parse_int64("-99999999999999999999", &v));
  EXPECT_EQ_INT(7, v);
  return 0;
}

DEF_TEST(index_put_get_overwrite) {
  vs_index_t ix;
  EXPECT_EQ_INT(0, vs_index_init(&ix, 4));
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "vm-1"));
  EXPECT_EQ_INT(0, vs_index_put(&ix, "vm-1", 1));
  EXPECT_EQ_INT(0, vs_index_put(&ix, "vm-2", 2));
  EXPECT_EQ_INT(0, vs_index_put(&ix, "", 3)); /* the empty key is a key */
  EXPECT_EQ_INT(1, vs_index_get(&ix, "vm-1"));
  EXPECT_EQ_INT(2, vs_index_get(&ix, "vm-2"));
  EXPECT_EQ_INT(3, vs_index_get(&ix, ""));
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "vm-3"));
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "vm-"));
  EXPECT_EQ_INT(3, ix.count);

  /* Same key, new value; an equal string at another address too. */
  char other[] = "vm-1";
  EXPECT_EQ_INT(0, vs_index_put(&ix, other, 11));
  EXPECT_EQ_INT(11, vs_index_get(&ix, "vm-1"));
  EXPECT_EQ_INT(3, ix.count);
  vs_index_free(&ix);
  EXPECT_EQ_INT(0, ix.cap);
  return 0;
}

DEF_TEST(index_zeroed_is_empty) {
  /* A zeroed index (never initialised) answers and grows on put. */
  vs_index_t ix;
  memset(&ix, 0, sizeof(ix));
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "a"));
  EXPECT_EQ_INT(0, vs_index_put(&ix, "a", 5));
  EXPECT_EQ_INT(5, vs_index_get(&ix, "a"));
  vs_index_free(&ix);
  return 0;
}

DEF_TEST(index_grow_10000) {
  enum { N = 10000 };
  static char keys[N][16];
  vs_index_t ix;
  /* Start small so the index has to grow many times. */
  EXPECT_EQ_INT(0, vs_index_init(&ix, 1));
  size_t first_cap = ix.cap;
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof(keys[i]), "vm-%d", i);
    EXPECT_EQ_INT(0, vs_index_put(&ix, keys[i], i));
  }
  EXPECT_EQ_INT(N, ix.count);
  OK(ix.cap > first_cap);
  OK(ix.cap >= 2 * (size_t)N);             /* load factor kept <= 1/2 */
  EXPECT_EQ_INT(0, ix.cap & (ix.cap - 1)); /* power of two */
  int wrong = 0;
  for (int i = 0; i < N; i++) {
    char probe[16]; /* a different pointer, equal string */
    snprintf(probe, sizeof(probe), "vm-%d", i);
    if (vs_index_get(&ix, probe) != i)
      wrong++;
  }
  EXPECT_EQ_INT(0, wrong);
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "vm-10000"));
  EXPECT_EQ_INT(-1, vs_index_get(&ix, "vm--1"));

  /* Overwrite every other key after growth. */
  for (int i = 0; i < N; i += 2)
    EXPECT_EQ_INT(0, vs_index_put(&ix, keys[i], -i - 2));
  EXPECT_EQ_INT(N, ix.count);
  wrong = 0;
  for (int i = 0; i < N; i++)
    if (vs_index_get(&ix, keys[i]) != ((i % 2 == 0) ? -i - 2 : i))
      wrong++;
  EXPECT_EQ_INT(0, wrong);
  vs_index_free(&ix);

  /* Sized up front: no growth needed. */
  EXPECT_EQ_INT(0, vs_index_init(&ix, N));
  size_t cap = ix.cap;
  for (int i = 0; i < N; i++)
    vs_index_put(&ix, keys[i], i);
  EXPECT_EQ_INT(cap, ix.cap);
  EXPECT_EQ_INT(N - 1, vs_index_get(&ix, keys[N - 1]));
  vs_index_free(&ix);
  return 0;
}

/* "a" (1 byte), "é" (2), "中" (3), "😀" (4) */
#define MIXED "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"

DEF_TEST(utf8_prefix) {
  EXPECT_EQ_INT(3, vs_utf8_prefix("abc", 10));
  EXPECT_EQ_INT(3, vs_utf8_prefix("abc", 3));
  EXPECT_EQ_INT(2, vs_utf8_prefix("abc", 2));
  EXPECT_EQ_INT(0, vs_utf8_prefix("abc", 0));
  EXPECT_EQ_INT(0, vs_utf8_prefix("", 5));
  /* never inside a character */
  const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
  for (size_t max = 0; max < 12; max++)
    EXPECT_EQ_INT(want[max], vs_utf8_prefix(MIXED, max));
  EXPECT_EQ_INT(0, vs_utf8_prefix("\xe4\xb8\xad", 2));
  EXPECT_EQ_INT(3, vs_utf8_prefix("\xe4\xb8\xad", 3));
  /* a string shorter than max is taken whole, as it is */
  EXPECT_EQ_INT(2, vs_utf8_prefix("a\xc3", 10));
  /* it does not read past the terminator */
  char buf[4] = {'a', 0, '\x80', '\x80'};
  EXPECT_EQ_INT(1, vs_utf8_prefix(buf, 3));
  return 0;
}

DEF_TEST(utf8_copy) {
  char buf[16];
  const size_t want[] = {0, 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
  for (size_t size = 1; size <= 12; size++) {
    memset(buf, 'X', sizeof(buf));
    OK(vs_utf8_copy(buf, MIXED, size) == buf);
    EXPECT_EQ_INT(want[size], strlen(buf));
    OK(strncmp(buf, MIXED, strlen(buf)) == 0);
  }
  /* size 0 writes nothing */
  buf[0] = 'z';
  vs_utf8_copy(buf, "abc", 0);
  EXPECT_EQ_INT('z', buf[0]);
  EXPECT_EQ_STR("", vs_utf8_copy(buf, "", sizeof(buf)));
  EXPECT_EQ_STR("plain", vs_utf8_copy(buf, "plain", sizeof(buf)));
  /* collectd's 128-byte fields: 42 three-byte characters of 50 */
  char big[151], out[128];
  for (int i = 0; i < 50; i++)
    memcpy(big + 3 * i, "\xe4\xb8\xad", 3);
  big[150] = 0;
  vs_utf8_copy(out, big, sizeof(out));
  EXPECT_EQ_INT(126, strlen(out));
  return 0;
}

DEF_TEST(arena) {
  vs_arena_t a;
  memset(&a, 0, sizeof(a));
  /* empty strings are not stored */
  EXPECT_EQ_STR("", vs_arena_strdup(&a, ""));
  EXPECT_EQ_STR("", vs_arena_strdup(&a, NULL));
  EXPECT_EQ_INT(0, a.bytes);
  char src[32] = "vm-42";
  const char *p = vs_arena_strdup(&a, src);
  CHECK_NOT_NULL(p);
  OK(p != src);
  src[0] = 'X';
  EXPECT_EQ_STR("vm-42", p);
  OK(a.bytes > 0);
  /* stored strings never move, small or larger than a block */
  const char *keep[2000];
  char big[100000];
  memset(big, 'b', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  size_t bad = 0;
  for (int i = 0; i < 2000; i++) {
    char s[32];
    snprintf(s, sizeof(s), "name-%d", i);
    keep[i] = vs_arena_strdup(&a, i % 500 == 0 ? big : s);
    if (keep[i] == NULL)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  for (int i = 0; i < 2000; i++) {
    char s[32];
    snprintf(s, sizeof(s), "name-%d", i);
    if (keep[i] == NULL || strcmp(keep[i], i % 500 == 0 ? big : s) != 0)
      bad++;
  }
  EXPECT_EQ_INT(0, bad);
  EXPECT_EQ_STR("vm-42", p);
  OK(!a.failed);
  OK(a.bytes >= 4 * sizeof(big) + 1996 * 8);
  vs_arena_free(&a);
  EXPECT_EQ_INT(0, a.bytes);
  OK(a.head == NULL);
  vs_arena_free(&a); /* twice is fine */
  return 0;
}

int main(void) {
  RUN_TEST(buf_starts_empty);
  RUN_TEST(buf_append_and_grow);
  RUN_TEST(buf_printf);
  RUN_TEST(buf_put_escaped);
  RUN_TEST(strlcpy);
  RUN_TEST(parse_datetime_utc);
  RUN_TEST(parse_datetime_fraction);
  RUN_TEST(parse_datetime_offsets);
  RUN_TEST(parse_datetime_rejects);
  RUN_TEST(format_datetime);
  RUN_TEST(format_parse_round_trip);
  RUN_TEST(parse_int64);
  RUN_TEST(index_put_get_overwrite);
  RUN_TEST(index_zeroed_is_empty);
  RUN_TEST(index_grow_10000);
  RUN_TEST(utf8_prefix);
  RUN_TEST(utf8_copy);
  RUN_TEST(arena);
  END_TEST;
}
