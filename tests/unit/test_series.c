/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_series.c
 * Per-series sample tracking (vs_series): slots, duplicates, -1 holes
 * filled once within the look-back, gaps, the table of series (order,
 * lookup, names), where the next query starts, pruning and memory.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_series.h"

#define STEP INT64_C(20000000) /* 20 s, realtime */
#define HALF (STEP / 2)
/* 2024-01-02T03:04:00Z, on a 20 s boundary; slot n is T(n). */
#define T0 (INT64_C(1704164640) * 1000000)
#define T(n) (T0 + (int64_t)(n)*STEP)
#define MS INT64_C(1000)

/* A fresh, untracked series (as vs_series_get creates it). */
static vs_series_state_t fresh(void) {
  return (vs_series_state_t){.counter_id = 2,
                             .instance = 0,
                             .last_us = -1,
                             .holes = 0,
                             .sent_lag = VS_SERIES_SENT_NONE};
}

/* The realtime policy (20 s slots, samples never posted late) with a
 * look-back of `lb` slots, and FillHoles: the look-back's own mechanics
 * (a hole behind a newer sample is filled). The default, where every
 * series only moves forward, has tests of its own below. */
#define RT(lb)                                                                 \
  (&(vs_series_policy_t){.step_us = STEP,                                      \
                         .lookback_slots = (lb),                               \
                         .late = false,                                        \
                         .fill_holes = true})

/* True if the sample is to be dispatched. */
static bool dispatched(vs_series_state_t *st, int64_t ts, bool has_value,
                       const vs_series_policy_t *policy) {
  return vs_series_accept(st, ts, has_value, policy) == VS_SAMPLE_DISPATCH;
}

static bool acc(vs_series_state_t *st, int64_t ts, bool has_value, int lb) {
  return dispatched(st, ts, has_value, RT(lb));
}

/* Is every instance of the table in (counter_id, instance) order? */
static bool table_sorted(const vs_series_table_t *t) {
  for (uint32_t i = 1; i < t->num; i++) {
    const vs_series_state_t *a = &t->items[i - 1], *b = &t->items[i];
    if (a->counter_id > b->counter_id)
      return false;
    if (a->counter_id == b->counter_id &&
        strcmp(vs_series_instance(t, a), vs_series_instance(t, b)) >= 0)
      return false;
  }
  return true;
}

DEF_TEST(new_slots) {
  vs_series_state_t st = fresh();
  /* the first sample of a series is dispatched */
  OK(acc(&st, T(0), true, 3));
  EXPECT_EQ_INT(T(0), st.last_us);
  EXPECT_EQ_INT(0, st.holes);
  /* each newer slot once */
  OK(acc(&st, T(1), true, 3));
  OK(acc(&st, T(2), true, 3));
  EXPECT_EQ_INT(T(2), st.last_us);
  /* the same slot again, or an older one: not again */
  OK(!acc(&st, T(2), true, 3));
  OK(!acc(&st, T(1), true, 3));
  OK(!acc(&st, T(0), true, 3));
  OK(!acc(&st, T(0) - 100 * STEP, true, 3));
  EXPECT_EQ_INT(T(2), st.last_us);
  EXPECT_EQ_INT(0, st.holes);

  /* through a table: vs_series_get creates an empty state */
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  vs_series_state_t *s = vs_series_get(&t, 6, "");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(6, s->counter_id);
  EXPECT_EQ_INT(-1, s->last_us);
  EXPECT_EQ_INT(0, s->holes);
  EXPECT_EQ_STR("", vs_series_instance(&t, s));
  OK(dispatched(s, T(5), true, RT(3)));
  s = vs_series_get(&t, 6, "");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(T(5), s->last_us);
  EXPECT_EQ_INT(1, t.num);
  vs_series_table_free(&t);
  EXPECT_EQ_INT(0, t.num);
  OK(t.items == NULL && t.names == NULL);
  return 0;
}

/* vcsim stamps a sample a few milliseconds later in the next answer:
 * within half a step it is the same slot, not a new sample. */
DEF_TEST(duplicate_within_half_step) {
  vs_series_state_t st = fresh();
  /* answer 1: T0, T1, T2 */
  OK(acc(&st, T(0), true, 3));
  OK(acc(&st, T(1), true, 3));
  OK(acc(&st, T(2), true, 3));
  /* answer 2, re-stamped 4 ms later: only T3 is new */
  OK(!acc(&st, T(1) + 4 * MS, true, 3));
  OK(!acc(&st, T(2) + 4 * MS, true, 3));
  OK(acc(&st, T(3) + 4 * MS, true, 3));
  EXPECT_EQ_INT(T(3) + 4 * MS, st.last_us);
  /* answer 3, stamped back: T3 again is not new, T4 is */
  OK(!acc(&st, T(3), true, 3));
  OK(acc(&st, T(4), true, 3));

  /* the boundary: up to half a step newer is the same slot */
  st = fresh();
  OK(acc(&st, T(0), true, 3));
  OK(!acc(&st, T(0) + HALF, true, 3));
  OK(!acc(&st, T(0) - HALF, true, 3));
  OK(!acc(&st, T(0) + 3 * MS, true, 3));
  OK(!acc(&st, T(0) - 3 * MS, true, 3));
  EXPECT_EQ_INT(T(0), st.last_us);
  /* just over half a step: the next slot */
  OK(acc(&st, T(0) + HALF + 1, true, 3));
  EXPECT_EQ_INT(T(0) + HALF + 1, st.last_us);
  EXPECT_EQ_INT(0, st.holes);
  return 0;
}

DEF_TEST(hole_filled_once) {
  vs_series_state_t st = fresh();
  OK(acc(&st, T(0), true, 3));
  /* -1: no data yet; not dispatched, remembered as a hole */
  OK(!acc(&st, T(1), false, 3));
  EXPECT_EQ_INT(T(1), st.last_us);
  EXPECT_EQ_INT(1, st.holes);
  /* the same slot still -1: nothing */
  OK(!acc(&st, T(1), false, 3));
  EXPECT_EQ_INT(1, st.holes);
  /* filled: dispatched, exactly once */
  OK(acc(&st, T(1), true, 3));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(1), true, 3));
  OK(!acc(&st, T(1) + 5 * MS, true, 3));

  /* a hole filled after newer slots came, re-stamped by a few ms */
  st = fresh();
  OK(acc(&st, T(0), true, 3));
  OK(!acc(&st, T(1), false, 3));
  OK(acc(&st, T(2), true, 3));
  EXPECT_EQ_INT(2, st.holes); /* bit 1: one slot before the newest */
  OK(acc(&st, T(1) + 7 * MS, true, 3));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(1), true, 3));
  EXPECT_EQ_INT(T(2), st.last_us); /* filling does not move the newest */

  /* the very first sample of a series can be a hole too */
  st = fresh();
  OK(!acc(&st, T(0), false, 3));
  EXPECT_EQ_INT(1, st.holes);
  OK(acc(&st, T(0), true, 3));
  OK(!acc(&st, T(0), true, 3));
  return 0;
}

DEF_TEST(hole_older_than_lookback_never_filled) {
  /* look-back 3 slots: a hole 0, 1 or 2 slots behind the newest one */
  vs_series_state_t st = fresh();
  OK(acc(&st, T(0), true, 3));
  OK(!acc(&st, T(1), false, 3));
  OK(acc(&st, T(2), true, 3));
  OK(acc(&st, T(3), true, 3));
  EXPECT_EQ_INT(4, st.holes); /* 2 slots back: still in the look-back */
  OK(acc(&st, T(1), true, 3));

  st = fresh();
  OK(acc(&st, T(0), true, 3));
  OK(!acc(&st, T(1), false, 3));
  OK(acc(&st, T(2), true, 3));
  OK(acc(&st, T(3), true, 3));
  OK(acc(&st, T(4), true, 3)); /* now 3 slots back: out */
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(1), true, 3));

  /* a jump far ahead drops every hole */
  st = fresh();
  OK(!acc(&st, T(0), false, 32));
  OK(acc(&st, T(40), true, 32));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(0), true, 32));

  /* the largest look-back: 32 slots (a 32-bit mask), 31 back is fine */
  st = fresh();
  OK(!acc(&st, T(0), false, 32));
  OK(acc(&st, T(31), true, 32));
  EXPECT_EQ_UINT64(UINT32_C(1) << 31, st.holes);
  OK(acc(&st, T(0), true, 32));
  EXPECT_EQ_INT(0, st.holes);
  /* more than 32 is bounded to 32 */
  st = fresh();
  OK(!acc(&st, T(0), false, 1000));
  OK(acc(&st, T(32), true, 1000));
  OK(!acc(&st, T(0), true, 1000));
  return 0;
}

DEF_TEST(holes_shift_with_new_slots) {
  vs_series_state_t st = fresh();
  OK(!acc(&st, T(0), false, 8)); /* 1 */
  OK(!acc(&st, T(1), false, 8)); /* 11 */
  OK(acc(&st, T(2), true, 8));   /* 110 */
  OK(!acc(&st, T(3), false, 8)); /* 1101 */
  EXPECT_EQ_INT(0xd, st.holes);
  EXPECT_EQ_INT(T(3), st.last_us);
  /* a jump of two slots moves them by two */
  OK(acc(&st, T(5), true, 8)); /* 110100 */
  EXPECT_EQ_INT(0x34, st.holes);
  /* each filled by its own slot, in any order, once */
  OK(acc(&st, T(1), true, 8));
  EXPECT_EQ_INT(0x24, st.holes);
  OK(!acc(&st, T(2), true, 8)); /* was dispatched: no hole */
  OK(acc(&st, T(3), true, 8));
  EXPECT_EQ_INT(0x20, st.holes);
  OK(acc(&st, T(0), true, 8));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(0), true, 8));
  OK(!acc(&st, T(1), true, 8));
  OK(!acc(&st, T(3), true, 8));
  /* holes leave the look-back as slots arrive */
  OK(!acc(&st, T(6), false, 8));
  for (int n = 7; n <= 13; n++)
    OK(acc(&st, T(n), true, 8));
  EXPECT_EQ_INT(0x80, st.holes); /* 7 slots back: the last in a window of 8 */
  OK(acc(&st, T(14), true, 8));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(6), true, 8));
  return 0;
}

DEF_TEST(gap_is_not_a_hole) {
  /* A slot missing from the answers (not sent as -1) is no hole: it is
   * never dispatched later, so a late answer cannot bring it twice. */
  vs_series_state_t st = fresh();
  OK(acc(&st, T(0), true, 3));
  OK(acc(&st, T(3), true, 3));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(1), true, 3));
  OK(!acc(&st, T(2), true, 3));
  /* a -1 after a gap is a hole in its own slot only */
  OK(!acc(&st, T(5), false, 3));
  EXPECT_EQ_INT(1, st.holes);
  OK(!acc(&st, T(4), true, 3));
  OK(acc(&st, T(5), true, 3));
  return 0;
}

DEF_TEST(lookback_zero) {
  vs_series_state_t st = fresh();
  OK(!acc(&st, T(0), false, 0));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(0), true, 0)); /* never filled */
  OK(!acc(&st, T(1), false, 0));
  OK(acc(&st, T(2), true, 0));
  EXPECT_EQ_INT(0, st.holes);
  OK(!acc(&st, T(1), true, 0));
  /* negative is the same as 0 */
  st = fresh();
  OK(!acc(&st, T(0), false, -4));
  OK(!acc(&st, T(0), true, -4));
  EXPECT_EQ_INT(0, st.holes);

  /* and the next query starts at the mark */
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  vs_series_state_t *s = vs_series_get(&t, 1, "");
  CHECK_NOT_NULL(s);
  OK(dispatched(s, T(0), true, RT(3)));
  OK(!dispatched(s, T(1), false, RT(3))); /* a hole for look-back 3 */
  EXPECT_EQ_INT(T(1), vs_series_query_from(&t, T(1), RT(0)));
  EXPECT_EQ_INT(T(1) - HALF, vs_series_query_from(&t, T(1), RT(3)));
  vs_series_table_free(&t);
  return 0;
}

DEF_TEST(table_order_and_lookup) {
  enum { COUNTERS = 5, INSTANCES = 200 };
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  /* inserted in a scrambled order: counters 9, 2, 148, 6, 24, each with
   * an aggregate and instances "0".."199" */
  const int counters[COUNTERS] = {9, 2, 148, 6, 24};
  size_t made = 0, wrong = 0;
  for (int k = 0; k < INSTANCES + 1; k++) {
    int i = (k * 37) % (INSTANCES + 1); /* a permutation of 0..200 */
    for (int c = 0; c < COUNTERS; c++) {
      char inst[16] = "";
      if (i > 0)
        snprintf(inst, sizeof(inst), "%d", i - 1);
      vs_series_state_t *s = vs_series_get(&t, counters[c], inst);
      if (s == NULL) {
        wrong++;
        continue;
      }
      if (s->last_us != -1)
        wrong++;                           /* must be a new one */
      s->last_us = counters[c] * 1000 + i; /* a mark to find it by */
      made++;
    }
  }
  EXPECT_EQ_INT(COUNTERS * (INSTANCES + 1), made);
  EXPECT_EQ_INT(0, wrong);
  EXPECT_EQ_INT(made, t.num);
  OK(table_sorted(&t));
  /* sorted by counter id first: 2 before 6 before 9 before 24 before 148 */
  EXPECT_EQ_INT(2, t.items[0].counter_id);
  EXPECT_EQ_STR("", vs_series_instance(&t, &t.items[0]));
  EXPECT_EQ_INT(0, t.items[0].instance); /* the aggregate has no name */
  EXPECT_EQ_STR("0", vs_series_instance(&t, &t.items[1]));
  EXPECT_EQ_STR("1", vs_series_instance(&t, &t.items[2]));
  EXPECT_EQ_STR("10", vs_series_instance(&t, &t.items[3])); /* text order */
  EXPECT_EQ_INT(148, t.items[t.num - 1].counter_id);

  /* every one found again, none created */
  for (int c = 0; c < COUNTERS; c++)
    for (int i = 0; i <= INSTANCES; i++) {
      char inst[16] = "";
      if (i > 0)
        snprintf(inst, sizeof(inst), "%d", i - 1);
      vs_series_state_t *s = vs_series_get(&t, counters[c], inst);
      if (s == NULL || s->last_us != counters[c] * 1000 + i ||
          s->counter_id != counters[c] ||
          strcmp(vs_series_instance(&t, s), inst) != 0)
        wrong++;
    }
  EXPECT_EQ_INT(0, wrong);
  EXPECT_EQ_INT(made, t.num);

  /* instance names are compared as whole strings */
  vs_series_table_t u;
  memset(&u, 0, sizeof(u));
  const char *names[] = {"vmnic1", "vmnic10", "vmnic",       "",
                         "vmnic0", "naa.600", "\xe4\xb8\xad"};
  vs_series_state_t *first = NULL;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    vs_series_state_t *s = vs_series_get(&u, 7, names[i]);
    CHECK_NOT_NULL(s);
    s->holes = (uint32_t)i + 1;
    if (i == 0)
      first = s;
  }
  (void)first; /* pointers are not kept across calls */
  EXPECT_EQ_INT(7, u.num);
  OK(table_sorted(&u));
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    vs_series_state_t *s = vs_series_get(&u, 7, names[i]);
    CHECK_NOT_NULL(s);
    EXPECT_EQ_INT(i + 1, s->holes);
    EXPECT_EQ_STR(names[i], vs_series_instance(&u, s));
  }
  EXPECT_EQ_INT(7, u.num);
  /* another counter with the same instance is another series */
  CHECK_NOT_NULL(vs_series_get(&u, 8, "vmnic1"));
  EXPECT_EQ_INT(8, u.num);
  vs_series_table_free(&u);
  vs_series_table_free(&t);
  return 0;
}

DEF_TEST(query_from) {
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  /* nothing collected yet: ask for the latest only */
  EXPECT_EQ_INT(-1, vs_series_query_from(&t, -1, RT(3)));
  /* no series, or none with a hole: the mark */
  EXPECT_EQ_INT(T(5), vs_series_query_from(&t, T(5), RT(3)));
  vs_series_state_t *a = vs_series_get(&t, 2, "");
  CHECK_NOT_NULL(a);
  for (int n = 0; n <= 5; n++)
    OK(dispatched(a, T(n), true, RT(3)));
  EXPECT_EQ_INT(T(5), vs_series_query_from(&t, T(5), RT(3)));

  /* a hole in the newest slot: from half a step before it (startTime is
   * exclusive, and the slot's stamp may move a few ms) */
  vs_series_state_t *b = vs_series_get(&t, 6, "vmnic0");
  CHECK_NOT_NULL(b);
  OK(dispatched(b, T(4), true, RT(3)));
  OK(!dispatched(b, T(5), false, RT(3)));
  EXPECT_EQ_INT(T(5) - HALF, vs_series_query_from(&t, T(5), RT(3)));

  /* an older live hole in another series wins: the oldest one counts */
  vs_series_state_t *c = vs_series_get(&t, 24, "");
  CHECK_NOT_NULL(c);
  OK(!dispatched(c, T(3), false, RT(3)));
  OK(dispatched(c, T(4), true, RT(3)));
  OK(dispatched(c, T(5), true, RT(3)));
  EXPECT_EQ_INT(T(3) - HALF, vs_series_query_from(&t, T(5), RT(3)));
  /* ... unless it left the look-back */
  EXPECT_EQ_INT(T(5) - HALF, vs_series_query_from(&t, T(5), RT(2)));
  /* ... or look-back is off */
  EXPECT_EQ_INT(T(5), vs_series_query_from(&t, T(5), RT(0)));

  /* once filled, the query starts later again */
  c = vs_series_get(&t, 24, "");
  CHECK_NOT_NULL(c);
  OK(dispatched(c, T(3), true, RT(3)));
  EXPECT_EQ_INT(T(5) - HALF, vs_series_query_from(&t, T(5), RT(3)));
  b = vs_series_get(&t, 6, "vmnic0");
  CHECK_NOT_NULL(b);
  OK(dispatched(b, T(5), true, RT(3)));
  EXPECT_EQ_INT(T(5), vs_series_query_from(&t, T(5), RT(3)));

  /* a series that stopped earlier (an instance that went away): its hole
   * is older than the look-back seen from the mark, so it is not waited
   * for */
  vs_series_state_t *d = vs_series_get(&t, 148, "vmnic9");
  CHECK_NOT_NULL(d);
  OK(dispatched(d, T(1), true, RT(3)));
  OK(!dispatched(d, T(2), false, RT(3)));
  EXPECT_EQ_INT(T(5), vs_series_query_from(&t, T(5), RT(3)));
  EXPECT_EQ_INT(T(2) - HALF, vs_series_query_from(&t, T(4), RT(3)));
  vs_series_table_free(&t);
  return 0;
}

/* Was a bug (src/vs_series.c, vs_series_query_from): only the OLDEST hole of a
 * series is looked at; when it is older than the look-back the whole
 * series is skipped, although a newer hole of the same series is still
 * within it. The series below stopped at T3 (later answers left it out,
 * as vcsim does with zero values) with holes at T3 (live: after
 * mark - 3 steps = T2) and T1 (expired). The next query must start
 * before T3 so the hole can be filled; it starts at the mark (T5), so
 * the -1 at T3 is never filled. Fix: skip only the holes at or before
 * `oldest`, e.g. walk the bits from the oldest down and take the first
 * with last_us - bit * step > oldest. */
DEF_TEST(query_from_live_hole_behind_expired_one) {
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  vs_series_state_t *s = vs_series_get(&t, 2, "");
  CHECK_NOT_NULL(s);
  OK(!dispatched(s, T(1), false, RT(3)));
  OK(dispatched(s, T(2), true, RT(3)));
  OK(!dispatched(s, T(3), false, RT(3)));
  EXPECT_EQ_INT(5, s->holes); /* T3 and T1 */
  EXPECT_EQ_INT(T(3) - HALF, vs_series_query_from(&t, T(5), RT(3)));
  /* and the hole would be accepted if it came */
  s = vs_series_get(&t, 2, "");
  CHECK_NOT_NULL(s);
  OK(dispatched(s, T(3), true, RT(3)));
  vs_series_table_free(&t);
  return 0;
}

DEF_TEST(prune) {
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  /* 6 series; the odd ones stopped at T(1), the even ones are at T(10) */
  const char *inst[] = {"", "vmnic0", "vmnic1", "scsi0:0", "scsi0:1", "x"};
  for (int i = 0; i < 6; i++) {
    vs_series_state_t *s = vs_series_get(&t, 100 + i % 2, inst[i]);
    CHECK_NOT_NULL(s);
    s->last_us = i % 2 ? T(1) : T(10);
    s->holes = (uint32_t)i;
  }
  EXPECT_EQ_INT(6, t.num);
  size_t bytes_before = vs_series_table_bytes(&t);

  /* nothing older than the bound: nothing changes */
  EXPECT_EQ_INT(6, vs_series_prune(&t, T(1)));
  EXPECT_EQ_INT(6, t.num);
  /* the stopped ones go */
  EXPECT_EQ_INT(3, vs_series_prune(&t, T(5)));
  EXPECT_EQ_INT(3, t.num);
  OK(table_sorted(&t));
  /* the names of those left survive the rebuild of the name buffer */
  size_t wrong = 0;
  for (int i = 0; i < 6; i += 2) {
    vs_series_state_t *s = NULL;
    for (uint32_t j = 0; j < t.num; j++)
      if (strcmp(vs_series_instance(&t, &t.items[j]), inst[i]) == 0)
        s = &t.items[j];
    if (s == NULL || s->counter_id != 100 || s->last_us != T(10) ||
        s->holes != (uint32_t)i)
      wrong++;
  }
  EXPECT_EQ_INT(0, wrong);
  /* and lookups find them (not new ones) */
  vs_series_state_t *s = vs_series_get(&t, 100, "vmnic1");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(T(10), s->last_us);
  s = vs_series_get(&t, 100, "scsi0:1");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(T(10), s->last_us);
  s = vs_series_get(&t, 100, "");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(T(10), s->last_us);
  EXPECT_EQ_INT(3, t.num);
  /* a pruned one comes back empty */
  s = vs_series_get(&t, 101, "vmnic0");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_INT(-1, s->last_us);
  EXPECT_EQ_INT(4, t.num);
  OK(table_sorted(&t));
  /* the name buffer did not keep the dropped names */
  OK(vs_series_table_bytes(&t) <= bytes_before);

  /* series never seen (last_us -1) go with any bound: here the new
   * 101/"vmnic0" and 5/"never" */
  CHECK_NOT_NULL(vs_series_get(&t, 5, "never"));
  EXPECT_EQ_INT(5, t.num);
  EXPECT_EQ_INT(3, vs_series_prune(&t, 0));
  /* everything */
  EXPECT_EQ_INT(0, vs_series_prune(&t, T(100)));
  EXPECT_EQ_INT(0, t.num);
  s = vs_series_get(&t, 2, "again");
  CHECK_NOT_NULL(s);
  EXPECT_EQ_STR("again", vs_series_instance(&t, s));
  EXPECT_EQ_INT(1, t.num);
  /* an empty table prunes to nothing */
  vs_series_table_t e;
  memset(&e, 0, sizeof(e));
  EXPECT_EQ_INT(0, vs_series_prune(&e, T(0)));
  vs_series_table_free(&e);
  vs_series_table_free(&t);
  return 0;
}

DEF_TEST(memory_accounting) {
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  EXPECT_EQ_INT(0, vs_series_table_bytes(&t));
  /* aggregates need no name */
  for (int c = 0; c < 20; c++)
    CHECK_NOT_NULL(vs_series_get(&t, c, ""));
  EXPECT_EQ_INT(20, t.num);
  EXPECT_EQ_INT(0, t.names_cap);
  EXPECT_EQ_INT((size_t)t.cap * sizeof(vs_series_state_t),
                vs_series_table_bytes(&t));
  /* with names: every byte held is counted, and at least what is used */
  size_t names = 0;
  for (int i = 0; i < 300; i++) {
    char inst[32];
    snprintf(inst, sizeof(inst), "naa.6000c29%04d", i);
    CHECK_NOT_NULL(vs_series_get(&t, 2, inst));
    names += strlen(inst) + 1;
  }
  EXPECT_EQ_INT(320, t.num);
  size_t bytes = vs_series_table_bytes(&t);
  EXPECT_EQ_INT((size_t)t.cap * sizeof(vs_series_state_t) + t.names_cap, bytes);
  OK(bytes >= 320 * sizeof(vs_series_state_t) + names);
  /* growth is geometric: at most about twice what is used */
  OK(bytes <= 2 * (320 * sizeof(vs_series_state_t) + names + 1) + 128);
  OK(t.names_len == names + 1); /* names[0] is the empty string */
  vs_series_table_free(&t);
  EXPECT_EQ_INT(0, vs_series_table_bytes(&t));
  return 0;
}

/* ==== historical kinds: 300 s slots, samples posted late ==== */

#define HSTEP INT64_C(300000000) /* 300 s */
#define H(n) (T0 + (int64_t)(n)*HSTEP)
/* The historical policy: slots skipped by a newer sample may still come. */
#define LATE(lb)                                                               \
  (&(vs_series_policy_t){.step_us = HSTEP,                                     \
                         .lookback_slots = (lb),                               \
                         .late = true,                                         \
                         .fill_holes = true})

static bool late(vs_series_state_t *st, int64_t ts, bool has_value, int lb) {
  return dispatched(st, ts, has_value, LATE(lb));
}

DEF_TEST(late_gap_becomes_hole) {
  /* vCenter rolls samples up late, series by series: a slot skipped by a
   * newer one is a hole that may still be filled, once */
  vs_series_state_t st = fresh();
  OK(late(&st, H(0), true, 3));
  OK(late(&st, H(2), true, 3)); /* H1 skipped */
  EXPECT_EQ_INT(2, st.holes);   /* bit 1: H1 */
  EXPECT_EQ_INT(H(2), st.last_us);
  OK(late(&st, H(1), true, 3)); /* it comes: dispatched */
  EXPECT_EQ_INT(0, st.holes);
  EXPECT_EQ_INT(H(2), st.last_us); /* filling does not move the newest */
  OK(!late(&st, H(1), true, 3));   /* once */
  OK(!late(&st, H(1) + 5 * MS, true, 3));
  OK(!late(&st, H(2), true, 3));
  OK(!late(&st, H(0), true, 3));

  /* the same answers under the realtime rule: a gap is no hole */
  st = fresh();
  OK(dispatched(&st, H(0), true, &(vs_series_policy_t){HSTEP, 3, false, true}));
  OK(dispatched(&st, H(2), true, &(vs_series_policy_t){HSTEP, 3, false, true}));
  EXPECT_EQ_INT(0, st.holes);
  OK(!dispatched(&st, H(1), true,
                 &(vs_series_policy_t){HSTEP, 3, false, true}));

  /* a wider gap: every slot in between, within the look-back */
  st = fresh();
  OK(late(&st, H(0), true, 3));
  OK(late(&st, H(3), true, 3));
  EXPECT_EQ_INT(6, st.holes); /* H2 (bit 1), H1 (bit 2) */
  OK(late(&st, H(1), true, 3));
  EXPECT_EQ_INT(2, st.holes);
  OK(late(&st, H(4), true, 3)); /* H2 now 2 slots back: still in */
  EXPECT_EQ_INT(4, st.holes);
  OK(late(&st, H(5), true, 3)); /* 3 back: out */
  EXPECT_EQ_INT(0, st.holes);
  OK(!late(&st, H(2), true, 3));

  /* a gap wider than the look-back: only the slots within it */
  st = fresh();
  OK(late(&st, H(0), true, 3));
  OK(late(&st, H(10), true, 3));
  EXPECT_EQ_INT(6, st.holes);
  OK(!late(&st, H(7), true, 3));
  OK(late(&st, H(8), true, 3));
  OK(late(&st, H(9), true, 3));
  EXPECT_EQ_INT(0, st.holes);

  /* a jump of more than 32 slots with the largest look-back: 31 slots
   * behind the newest may come, the 32nd not */
  st = fresh();
  OK(late(&st, H(0), true, 32));
  OK(late(&st, H(40), true, 32));
  EXPECT_EQ_UINT64(UINT32_MAX - 1, st.holes);
  OK(!late(&st, H(8), true, 32));
  OK(late(&st, H(9), true, 32));
  OK(late(&st, H(39), true, 32));
  OK(!late(&st, H(39), true, 32));
  EXPECT_EQ_UINT64(UINT32_MAX - 1 - 2 - (UINT32_C(1) << 31), st.holes);

  /* no look-back: nothing is waited for */
  st = fresh();
  OK(late(&st, H(0), true, 0));
  OK(late(&st, H(2), true, 0));
  EXPECT_EQ_INT(0, st.holes);
  OK(!late(&st, H(1), true, 0));
  return 0;
}

DEF_TEST(late_sample_filled_once) {
  /* -1 and skipped slots alike: each filled once, in any order */
  vs_series_state_t st = fresh();
  OK(late(&st, H(0), true, 3));
  OK(!late(&st, H(2), false, 3)); /* H1 skipped, H2 not rolled up yet */
  EXPECT_EQ_INT(3, st.holes);
  OK(!late(&st, H(2), false, 3)); /* still -1 */
  OK(late(&st, H(2), true, 3));
  OK(late(&st, H(1), true, 3));
  EXPECT_EQ_INT(0, st.holes);
  OK(!late(&st, H(1), true, 3));
  OK(!late(&st, H(2), true, 3));

  /* answers that overlap, as every historical query looks back: each
   * sample dispatched once whatever the answer it came in */
  st = fresh();
  size_t dispatched = 0;
  /* answer 1: H0, H1 -1, H3 (H2 skipped) */
  dispatched += late(&st, H(0), true, 3);
  dispatched += late(&st, H(1), false, 3);
  dispatched += late(&st, H(3), true, 3);
  EXPECT_EQ_INT(2, dispatched);
  /* answer 2, from H0 again: H1 and H2 now there, H4 new */
  for (int n = 0; n <= 4; n++)
    dispatched += late(&st, H(n), true, 3);
  EXPECT_EQ_INT(5, dispatched);
  /* answer 3, the same again, vcsim-style re-stamped by a few ms */
  for (int n = 1; n <= 4; n++)
    dispatched += late(&st, H(n) + 3 * MS, true, 3);
  EXPECT_EQ_INT(5, dispatched);
  EXPECT_EQ_INT(0, st.holes);
  return 0;
}

DEF_TEST(late_query_from_always_looks_back) {
  vs_series_table_t t;
  memset(&t, 0, sizeof(t));
  /* nothing collected: the latest sample only */
  EXPECT_EQ_INT(-1, vs_series_query_from(&t, -1, LATE(3)));
  /* no series, or none with a hole: still the look-back (a series of the
   * object may lag the one that set the mark) */
  EXPECT_EQ_INT(H(5) - 3 * HSTEP, vs_series_query_from(&t, H(5), LATE(3)));
  vs_series_state_t *a = vs_series_get(&t, 2, "");
  CHECK_NOT_NULL(a);
  for (int n = 0; n <= 5; n++)
    OK(dispatched(a, H(n), true, LATE(3)));
  EXPECT_EQ_INT(H(2), vs_series_query_from(&t, H(5), LATE(3)));
  /* the realtime rule starts at the mark for the same table */
  EXPECT_EQ_INT(
      H(5), vs_series_query_from(&t, H(5),
                                 &(vs_series_policy_t){HSTEP, 3, false, true}));
  /* other look-backs; 0: the mark */
  EXPECT_EQ_INT(H(5) - 12 * HSTEP, vs_series_query_from(&t, H(5), LATE(12)));
  EXPECT_EQ_INT(H(5), vs_series_query_from(&t, H(5), LATE(0)));

  /* a series that lags (its newest is H3 while the mark is H5) gets its
   * H4 and H5 from the next answer; the others nothing twice */
  vs_series_state_t *b = vs_series_get(&t, 6, "");
  CHECK_NOT_NULL(b);
  for (int n = 0; n <= 3; n++)
    OK(dispatched(b, H(n), true, LATE(3)));
  int64_t from = vs_series_query_from(&t, H(5), LATE(3));
  EXPECT_EQ_INT(H(2), from);
  size_t again = 0, fresh_b = 0;
  for (int n = 3; n <= 5; n++) { /* the answer: after `from` */
    OK(H(n) > from);
    a = vs_series_get(&t, 2, "");
    again += dispatched(a, H(n), true, LATE(3));
    b = vs_series_get(&t, 6, "");
    fresh_b += dispatched(b, H(n), true, LATE(3));
  }
  EXPECT_EQ_INT(0, again);
  EXPECT_EQ_INT(2, fresh_b);
  vs_series_table_free(&t);
  return 0;
}

/* ---- the default: every series moves forward ---- */

/* The realtime policy without FillHoles. */
#define FWD(lb) (&(vs_series_policy_t){.step_us = STEP, .lookback_slots = (lb)})

/* A -1 at the newest slot, filled in before anything newer came: still in
 * order, dispatched. */
DEF_TEST(forward_newest_hole_filled) {
  vs_series_state_t st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), false, FWD(3)));
  EXPECT_EQ_INT(1, st.sent_lag);
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(1), true, FWD(3)));
  EXPECT_EQ_INT(0, st.sent_lag);
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), true, FWD(3)));
  return 0;
}

/* A hole behind a newer dispatched sample: not dispatched (it would reach
 * the writers older than what they have), said to be late; once. */
DEF_TEST(forward_hole_behind_newer_sample_is_late) {
  vs_series_state_t st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(2), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_LATE, vs_series_accept(&st, T(1), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), true, FWD(3)));
  EXPECT_EQ_INT(T(2), st.last_us);
  /* with FillHoles the same answers dispatch it, once */
  st = fresh();
  OK(dispatched(&st, T(0), true, RT(3)));
  OK(!dispatched(&st, T(1), false, RT(3)));
  OK(dispatched(&st, T(2), true, RT(3)));
  OK(dispatched(&st, T(1), true, RT(3)));
  OK(!dispatched(&st, T(1), true, RT(3)));
  return 0;
}

/* Two holes in a row: filled in order, both go out; filled newest first,
 * the older one is late. */
DEF_TEST(forward_two_holes) {
  vs_series_state_t st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(2), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(1), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(2), true, FWD(3)));
  st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(2), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(2), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_LATE, vs_series_accept(&st, T(1), true, FWD(3)));
  return 0;
}

/* A series whose first samples are -1: any fill is newer than nothing;
 * and a long silence (more slots than the lag can count) too. */
DEF_TEST(forward_nothing_dispatched_yet) {
  vs_series_state_t st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(0), false, FWD(3)));
  EXPECT_EQ_INT(VS_SERIES_SENT_NONE, st.sent_lag);
  EXPECT_EQ_INT(VS_SAMPLE_SKIP, vs_series_accept(&st, T(1), false, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(1), true, FWD(3)));
  /* 300 slots of -1: the newest dispatched is out of count */
  st = fresh();
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH, vs_series_accept(&st, T(0), true, FWD(3)));
  for (int n = 1; n <= 300; n++)
    vs_series_accept(&st, T(n), false, FWD(3));
  EXPECT_EQ_INT(VS_SERIES_SENT_NONE, st.sent_lag);
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH,
                vs_series_accept(&st, T(299), true, FWD(3)));
  EXPECT_EQ_INT(VS_SAMPLE_DISPATCH,
                vs_series_accept(&st, T(300), true, FWD(3)));
  /* the state stays as small as it was */
  OK(sizeof(vs_series_state_t) <= 24);
  return 0;
}

int main(void) {
  RUN_TEST(new_slots);
  RUN_TEST(duplicate_within_half_step);
  RUN_TEST(hole_filled_once);
  RUN_TEST(hole_older_than_lookback_never_filled);
  RUN_TEST(holes_shift_with_new_slots);
  RUN_TEST(gap_is_not_a_hole);
  RUN_TEST(lookback_zero);
  RUN_TEST(table_order_and_lookup);
  RUN_TEST(query_from);
  RUN_TEST(prune);
  RUN_TEST(memory_accounting);
  RUN_TEST(query_from_live_hole_behind_expired_one);
  RUN_TEST(late_gap_becomes_hole);
  RUN_TEST(late_sample_filled_once);
  RUN_TEST(late_query_from_always_looks_back);
  RUN_TEST(forward_newest_hole_filled);
  RUN_TEST(forward_hole_behind_newer_sample_is_late);
  RUN_TEST(forward_two_holes);
  RUN_TEST(forward_nothing_dispatched_yet);
  END_TEST;
}
