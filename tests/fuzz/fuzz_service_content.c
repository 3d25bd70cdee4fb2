/**
 * collectd-vsphere - tests/fuzz/fuzz_service_content.c
 * vs_parse_service_content: the RetrieveServiceContent answer (the first
 * thing read from a vCenter, before any login). Input: 2 control bytes
 * (see fuzz_common.h), then the body.
 */
#include "fuzz_common.h"
#include "vs_parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
