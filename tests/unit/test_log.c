/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/unit/test_log.c
 * Log once (vs_log): one line per kind of error in an episode, recovery
 * after quiet reads, carried requests, many kinds, touched kinds, notes.
 */
#include "mock_plugin.h"
#include "testing.h"
#include "vs_log.h"

static vs_error_t err(int rc, vs_fault_t fault, int code, bool suspect) {
  vs_error_t e;
  vs_error_clear(&e);
  vs_error_set(&e, rc, "text %d", code);
  e.fault = fault;
  e.code = code;
  e.suspect = suspect;
  return e;
}

DEF_TEST(logs_once_per_operation_and_kind) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t refused = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 7, false);
  vs_error_t gone = err(VS_ERR_FAULT, VS_FAULT_NOT_FOUND, 0, false);

  vs_log_error(&s, "QueryPerf", &timeout, "QueryPerf timed out (%d)", 1);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_ERR, "\"prod\""));
  EXPECT_EQ_INT(1, mock_log_count_containing("QueryPerf timed out (1)"));
  /* the same operation and kind: silent, whatever the text */
  for (int i = 2; i < 10; i++)
    vs_log_error(&s, "QueryPerf", &timeout, "QueryPerf timed out (%d)", i);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* another kind, another operation: logged, once each */
  vs_log_error(&s, "QueryPerf", &refused, "refused");
  vs_log_error(&s, "QueryPerf", &gone, "gone");
  vs_log_error(&s, "inventory", &timeout, "inventory timed out");
  vs_log_error(&s, "QueryPerf", &refused, "refused");
  vs_log_error(&s, "QueryPerf", &gone, "gone");
  vs_log_error(&s, "inventory", &timeout, "inventory timed out");
  EXPECT_EQ_INT(4, mock_log_count(LOG_ERR));
  /* and errors that are not a request's, by key */
  vs_log_error_key(&s, "selection", "no counter matches");
  vs_log_error_key(&s, "selection", "no counter matches");
  EXPECT_EQ_INT(5, mock_log_count(LOG_ERR));
  /* interleaved kinds do not re-log each other */
  for (int i = 0; i < 5; i++) {
    vs_log_error(&s, "QueryPerf", &timeout, "t");
    vs_log_error(&s, "QueryPerf", &gone, "g");
  }
  EXPECT_EQ_INT(5, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  return 0;
}

/* One read of the plugin: errors logged in it, then its end. */
static void one_read(vs_log_t *s, const vs_error_t *e, bool carried) {
  vs_log_read_begin(s);
  if (e != NULL)
    vs_log_error(s, "QueryPerf", e, "QueryPerf failed");
  vs_log_read_end(s, carried);
}

DEF_TEST(recovery_after_quiet_reads) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);

  /* reads with nothing logged say nothing */
  one_read(&s, NULL, false);
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_num());

  /* an error in every read: logged once */
  for (int i = 0; i < 5; i++)
    one_read(&s, &timeout, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  /* an error every other read is the same error: not logged again */
  for (int i = 0; i < 5; i++) {
    one_read(&s, NULL, false);
    one_read(&s, &timeout, false);
  }
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  /* VS_RECOVERY_READS reads without it: the recovery is logged, once */
  for (int i = 0; i < VS_RECOVERY_READS - 1; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_count(LOG_INFO));
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  EXPECT_EQ_INT(1,
                mock_log_count_level_containing(LOG_INFO, "collecting again"));
  one_read(&s, NULL, false);
  one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  /* after the recovery the same error is news again */
  one_read(&s, &timeout, false);
  EXPECT_EQ_INT(2, mock_log_count(LOG_ERR));
  return 0;
}

/* A request carried over to the next read may still end in the same
 * QueryPerf error (a slow host): its error is not forgotten meanwhile.
 * Every other kind of error is: a request in flight does not keep the
 * log silent about an inventory that fails, stops, and fails again. */
DEF_TEST(carried_requests_keep_only_queryperf_errors) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  vs_error_t timeout = err(VS_ERR_TRANSPORT, VS_FAULT_NONE, 28, false);
  vs_error_t http = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  one_read(&s, &timeout, true);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* the slow host's request times out every third read, carried between */
  for (int i = 0; i < 10; i++) {
    one_read(&s, NULL, true);
    one_read(&s, NULL, true);
    one_read(&s, &timeout, true);
  }
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  /* meanwhile an inventory error comes and goes twice: logged each time */
  for (int round = 0; round < 2; round++) {
    vs_log_read_begin(&s);
    vs_log_error(&s, "inventory", &http, "inventory failed");
    vs_log_read_end(&s, true);
    for (int i = 0; i < VS_RECOVERY_READS; i++)
      one_read(&s, NULL, true);
  }
  EXPECT_EQ_INT(3, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(2, mock_log_count_containing("inventory failed"));
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  /* the host answers again: nothing carried, the recovery is logged */
  for (int i = 0; i < VS_RECOVERY_READS; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count_containing("collecting again"));
  return 0;
}

/* More kinds of error than the bookkeeping holds, each recurring every
 * read: the least recently seen is forgotten, so a kind that keeps coming
 * stays known; none is logged more than once while all keep coming
 * within the capacity, and two alternating newcomers do not evict each
 * other read after read. */
DEF_TEST(many_kinds_do_not_thrash) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  char key[64];
  for (int read = 0; read < 20; read++) {
    vs_log_read_begin(&s);
    for (int k = 0; k < VS_LOG_KEYS - 2; k++) {
      snprintf(key, sizeof(key), "op%d/kind", k);
      vs_log_error_key(&s, key, "error %d", k);
    }
    /* two kinds that alternate, one per read */
    vs_log_error_key(&s, read % 2 ? "odd/kind" : "even/kind", "%s",
                     read % 2 ? "odd" : "even");
    vs_log_read_end(&s, true);
  }
  EXPECT_EQ_INT(VS_LOG_KEYS - 2 + 2, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_containing("odd"));
  EXPECT_EQ_INT(1, mock_log_count_containing("even"));
  return 0;
}

/* A login backing off is still a refused login: touching its key keeps it
 * known across the reads that do not try. */
DEF_TEST(touch_keeps_a_kind_known) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  vs_error_t refused = err(VS_ERR_FAULT, VS_FAULT_INVALID_LOGIN, 0, false);
  vs_log_read_begin(&s);
  vs_log_error(&s, "Login", &refused, "refused");
  vs_log_read_end(&s, false);
  for (int i = 0; i < 10; i++) {
    vs_log_read_begin(&s);
    vs_log_touch(&s, "Login/fault:InvalidLogin");
    vs_log_read_end(&s, false);
  }
  vs_log_read_begin(&s);
  vs_log_error(&s, "Login", &refused, "refused");
  vs_log_read_end(&s, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  return 0;
}

DEF_TEST(notes_logged_once_without_recovery_line) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  /* a note (a re-login) is said once, at INFO */
  vs_log_read_begin(&s);
  vs_log_note(&s, "session/relogin", "logging in again (%d)", 1);
  vs_log_note(&s, "session/relogin", "logging in again (%d)", 2);
  vs_log_read_end(&s, false);
  EXPECT_EQ_INT(1, mock_log_count(LOG_INFO));
  EXPECT_EQ_INT(0, mock_log_count(LOG_ERR));
  EXPECT_EQ_INT(1, mock_log_count_level_containing(LOG_INFO, "\"prod\""));
  EXPECT_EQ_INT(1, mock_log_count_containing("logging in again (1)"));
  /* only notes, then quiet reads: no "collecting again" (nothing was
   * wrong), but the note may be said again afterwards */
  for (int i = 0; i < VS_RECOVERY_READS + 1; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(0, mock_log_count_containing("collecting again"));
  vs_log_read_begin(&s);
  vs_log_note(&s, "session/relogin", "logging in again (%d)", 3);
  EXPECT_EQ_INT(2, mock_log_count(LOG_INFO));
  /* a note and an error: the recovery is worth a line */
  vs_error_t e = err(VS_ERR_HTTP, VS_FAULT_NONE, 503, false);
  vs_log_error(&s, "inventory", &e, "HTTP 503");
  vs_log_read_end(&s, false);
  for (int i = 0; i < VS_RECOVERY_READS; i++)
    one_read(&s, NULL, false);
  EXPECT_EQ_INT(1, mock_log_count_containing("collecting again"));
  return 0;
}

/* Full: a new kind takes the place of the least recently seen one, never
 * of a kind that keeps coming (which would then be logged again). */
DEF_TEST(full_forgets_the_least_recently_seen) {
  mock_reset();
  vs_log_t s;
  vs_log_init(&s, "prod");
  char key[32];
  vs_log_read_begin(&s);
  for (int k = 0; k < VS_LOG_KEYS; k++) {
    snprintf(key, sizeof(key), "op%d/kind", k);
    vs_log_error_key(&s, key, "error %d", k);
  }
  vs_log_read_end(&s, false);
  EXPECT_EQ_INT(VS_LOG_KEYS, mock_log_count(LOG_ERR));
  /* op0 stops; the others go on; one new kind per read */
  for (int read = 0; read < 4; read++) {
    vs_log_read_begin(&s);
    for (int k = 1; k < VS_LOG_KEYS; k++) {
      snprintf(key, sizeof(key), "op%d/kind", k);
      vs_log_error_key(&s, key, "error %d", k);
    }
    snprintf(key, sizeof(key), "new%d/kind", read);
    vs_log_error_key(&s, key, "new %d", read);
    vs_log_read_end(&s, false);
  }
  EXPECT_EQ_INT(VS_LOG_KEYS + 4, mock_log_count(LOG_ERR));
  return 0;
}

int main(void) {
  RUN_TEST(logs_once_per_operation_and_kind);
  RUN_TEST(recovery_after_quiet_reads);
  RUN_TEST(carried_requests_keep_only_queryperf_errors);
  RUN_TEST(many_kinds_do_not_thrash);
  RUN_TEST(full_forgets_the_least_recently_seen);
  RUN_TEST(touch_keeps_a_kind_known);
  RUN_TEST(notes_logged_once_without_recovery_line);
  mock_reset();
  END_TEST;
}
