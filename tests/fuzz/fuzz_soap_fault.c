/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - tests/fuzz/fuzz_soap_fault.c
 * The stream alone (no response handler), as for a call whose answer is
 * only checked for a SOAP fault: well-formedness, the DTD and entity
 * refusals, the depth and text bounds, and fault / NotAuthenticated
 * detection. Input: 2 control bytes (see fuzz_common.h), then the body.
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vs_xml_stream_t *s = vs_xml_stream_create(NULL);
  FUZZ_CHECK(s != NULL);
  int rc = fuzz_feed(s, data, size);
  fuzz_inspect(s);
  /* A fault type or string is only ever set inside a Fault element. */
  if (!vs_xml_stream_has_fault(s)) {
    FUZZ_CHECK(vs_xml_stream_fault_type(s)[0] == 0);
    FUZZ_CHECK(vs_xml_stream_fault_string(s)[0] == 0);
  }
  (void)rc;
  vs_xml_stream_destroy(s);
  return 0;
}
