/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_service_content.c
 * What a vCenter answers before and at login, each parser fed the same
 * bytes: /sdk/vimServiceVersions.xml (vs_parse_versions and the version
 * it leads to), RetrieveServiceContent (vs_parse_service_content) and
 * CurrentTime (vs_parse_current_time). Input: 2 control bytes (see
 * fuzz_common.h), then the body.
 */
#include "fuzz_common.h"
#include "vs_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

/* The versions list: bounded, terminated, and a choice within the
 * plugin's range or none. */
static void versions(const uint8_t *data, size_t size) {
  vs_versions_t *v = malloc(sizeof(*v));
  FUZZ_CHECK(v != NULL);
  vs_xml_handler_t h = vs_parse_versions(v);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);
  FUZZ_CHECK(v->num <= VS_VERSIONS_MAX);
  size_t sum = 0;
  for (size_t i = 0; i < v->num; i++)
    sum += fuzz_touch(v->items[i], VS_VERSION_LEN);
  char chosen[VS_VERSION_LEN];
  if (vs_versions_choose(v, chosen, sizeof(chosen)) == 0) {
    FUZZ_CHECK(vs_version_compare(chosen, VS_API_OLDEST) >= 0);
    FUZZ_CHECK(vs_version_compare(chosen, VS_API_NEWEST) <= 0);
    sum += fuzz_touch(chosen, sizeof(chosen));
  }
  fuzz_sink += sum;
  vs_xml_stream_destroy(s);
  free(v);
}

static void current_time(const uint8_t *data, size_t size) {
  vs_current_time_t t;
  vs_xml_handler_t h = vs_parse_current_time(&t);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);
  fuzz_sink += t.found ? (size_t)t.us : 0;
  vs_xml_stream_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  versions(data, size);
  current_time(data, size);
  vs_service_content_t sc;
  memset(&sc, 0xA5, sizeof(sc)); /* the parser must clear it */
  vs_xml_handler_t h = vs_parse_service_content(&sc);
  vs_xml_stream_t *s = vs_xml_stream_create(&h);
  FUZZ_CHECK(s != NULL);
  fuzz_feed(s, data, size);
  fuzz_inspect(s);

  /* Every field is a terminated string within its array, whatever came. */
  size_t sum = 0;
  sum += fuzz_touch(sc.root_folder, sizeof(sc.root_folder));
  sum += fuzz_touch(sc.property_collector, sizeof(sc.property_collector));
  sum += fuzz_touch(sc.view_manager, sizeof(sc.view_manager));
  sum += fuzz_touch(sc.perf_manager, sizeof(sc.perf_manager));
  sum += fuzz_touch(sc.session_manager, sizeof(sc.session_manager));
  sum += fuzz_touch(sc.api_version, sizeof(sc.api_version));
  sum += fuzz_touch(sc.api_type, sizeof(sc.api_type));
  sum += fuzz_touch(sc.full_name, sizeof(sc.full_name));
  fuzz_sink = sum;

  vs_xml_stream_destroy(s);
  return 0;
}
