/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_xml.h
 * A streaming (SAX2 push) XML reader for SOAP responses. Bytes are fed as
 * they arrive from the network; only the open element path and the text of
 * the current leaf element are kept, so memory does not depend on the size
 * of the response. It also recognises SOAP faults on its own, so every
 * response handler gets fault detection for free.
 *
 * Safety: no DTD is accepted (a DOCTYPE stops the parse), no entity is ever
 * declared or loaded, no network access, and depth and text size are bounded.
 */
#ifndef VS_XML_H
#define VS_XML_H

#include <stdbool.h>
#include <stddef.h>

#define VS_XML_MAX_DEPTH 64
#define VS_XML_MAX_TEXT (256 * 1024)

typedef struct vs_xml_stream_s vs_xml_stream_t;

/* depth: 1 for the document element. `parent` is the local name of the
 * enclosing element ("" at depth 1). `xsi_type` is the value of an xsi:type
 * attribute without its namespace prefix, or NULL. `type_attr` is the value of
 * an unqualified "type" attribute (managed object references), or NULL. */
typedef struct {
  void (*start)(void *ctx, int depth, const char *name, const char *parent,
                const char *xsi_type, const char *type_attr);
  /* text is the NUL-terminated text content of the element (only kept for
   * elements without child elements; "" otherwise). */
  void (*end)(void *ctx, int depth, const char *name, const char *parent,
              const char *text, size_t text_len);
  void *ctx;
  /* Local name the first child of soapenv:Body must have (e.g.
   * "QueryPerfResponse"); any other document fails at finish. NULL: any. */
  const char *expect;
} vs_xml_handler_t;

vs_xml_stream_t *vs_xml_stream_create(const vs_xml_handler_t *handler);
void vs_xml_stream_destroy(vs_xml_stream_t *s);

/* Returns 0, or -1 once the document is known to be bad (the reason is in
 * vs_xml_stream_error). Further feeds after an error are ignored. */
int vs_xml_stream_feed(vs_xml_stream_t *s, const char *data, size_t len);
/* Ends the document; returns 0 if it was complete and well-formed. */
int vs_xml_stream_finish(vs_xml_stream_t *s);

const char *vs_xml_stream_error(const vs_xml_stream_t *s);
/* True once a SOAP Fault element has been seen. */
bool vs_xml_stream_has_fault(const vs_xml_stream_t *s);
/* Fault type (e.g. "InvalidLogin") and faultstring; "" if unknown. */
const char *vs_xml_stream_fault_type(const vs_xml_stream_t *s);
const char *vs_xml_stream_fault_string(const vs_xml_stream_t *s);
/* The object a fault names in its detail (<obj type="T">ref</obj>, as in
 * ManagedObjectNotFound), "" if none; its type in *type if not NULL. */
const char *vs_xml_stream_fault_obj(const vs_xml_stream_t *s,
                                    const char **type);
/* True if any element carried xsi:type="NotAuthenticated": a SOAP fault or
 * a property collector's per-object missingSet fault. */
bool vs_xml_stream_not_authenticated(const vs_xml_stream_t *s);

#endif
