/* SPDX-License-Identifier: MIT */
/**
 * collectd-vsphere - vs_xml.c
 */
#include "vs_xml.h"
#include "vs_util.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"

struct vs_xml_stream_s {
  xmlParserCtxtPtr ctxt;
  vs_xml_handler_t handler;

  const char *path[VS_XML_MAX_DEPTH + 1]; /* interned local names */
  int depth;
  bool leaf; /* no child element seen since the last start */
  vs_buf_t text;

  bool failed;
  char error[256];
  size_t elements;

  /* document shape: root element and first child of soapenv:Body */
  bool root_is_envelope;
  char body_child[96];

  /* SOAP fault state */
  int fault_depth; /* depth of soapenv:Fault, 0 if none */
  bool have_fault;
  bool not_authenticated;
  char fault_type[128];
  char fault_string[512];
  int obj_depth; /* depth of the fault's <obj> element, 0 if none */
  char fault_obj[256];
  char fault_obj_type[96];
};

static void stream_fail(vs_xml_stream_t *s, const char *reason) {
  if (!s->failed) {
    s->failed = true;
    vs_utf8_copy(s->error, reason, sizeof(s->error));
  }
  xmlStopParser(s->ctxt);
}

/* Copies a SAX2 attribute value (not NUL-terminated) without a namespace
 * prefix such as "vim25:". */
static void copy_attr_value(const xmlChar **attr, char *buf, size_t size) {
  const char *v = (const char *)attr[3];
  const char *end = (const char *)attr[4];
  const char *colon = memchr(v, ':', (size_t)(end - v));
  if (colon != NULL)
    v = colon + 1;
  size_t n = (size_t)(end - v);
  if (n >= size)
    n = size - 1;
  memcpy(buf, v, n);
  buf[n] = 0;
}

/* The element's xsi:type and plain type attributes, if any. */
static void read_type_attrs(int nb_attributes, const xmlChar **attributes,
                            char *xsi_type, char *type_attr, size_t size) {
  for (int i = 0; i < nb_attributes; i++) {
    const xmlChar **a = attributes + 5 * i;
    if (strcmp((const char *)a[0], "type") != 0)
      continue;
    if (a[2] != NULL && strcmp((const char *)a[2], XSI_NS) == 0)
      copy_attr_value(a, xsi_type, size);
    else if (a[2] == NULL)
      copy_attr_value(a, type_attr, size);
  }
}

/* The SOAP envelope and fault around what the handler sees: the body's
 * first child (the answer's name), a fault's vSphere type and the object
 * it names. */
static void track_envelope(vs_xml_stream_t *s, const char *name,
                           const char *parent, const xmlChar *uri,
                           const char *xsi_type, const char *type_attr) {
  bool soap_ns = uri != NULL && strcmp((const char *)uri, SOAP_ENV_NS) == 0;
  if (strcmp(xsi_type, "NotAuthenticated") == 0)
    s->not_authenticated = true;
  if (s->depth == 1)
    s->root_is_envelope = soap_ns && strcmp(name, "Envelope") == 0;
  else if (s->depth == 3 && s->body_child[0] == 0 && s->root_is_envelope &&
           strcmp(parent, "Body") == 0)
    vs_utf8_copy(s->body_child, name, sizeof(s->body_child));
  if (s->fault_depth == 0 && strcmp(name, "Fault") == 0 && soap_ns) {
    s->fault_depth = s->depth;
    s->have_fault = true;
  } else if (s->fault_depth > 0 && s->depth == s->fault_depth + 2 &&
             strcmp(parent, "detail") == 0 && s->fault_type[0] == 0) {
    /* The first child of <detail> names the vSphere fault. */
    if (xsi_type[0] != 0) {
      vs_utf8_copy(s->fault_type, xsi_type, sizeof(s->fault_type));
    } else {
      vs_utf8_copy(s->fault_type, name, sizeof(s->fault_type));
      size_t n = strlen(s->fault_type);
      if (n > 5 && strcmp(s->fault_type + n - 5, "Fault") == 0)
        s->fault_type[n - 5] = 0;
    }
  } else if (s->fault_depth > 0 && s->depth == s->fault_depth + 3 &&
             strcmp(name, "obj") == 0 && s->fault_obj[0] == 0) {
    /* ManagedObjectNotFound names the object: <obj type="...">ref</obj> */
    s->obj_depth = s->depth;
    vs_utf8_copy(s->fault_obj_type, type_attr, sizeof(s->fault_obj_type));
  }
}

static void on_start(void *user, const xmlChar *localname,
                     const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes) {
  (void)prefix;
  (void)nb_namespaces;
  (void)namespaces;
  (void)nb_defaulted;
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  if (s->failed)
    return;
  if (s->depth >= VS_XML_MAX_DEPTH) {
    stream_fail(s, "XML nesting too deep");
    return;
  }
  char xsi_type[128] = "", type_attr[128] = "";
  read_type_attrs(nb_attributes, attributes, xsi_type, type_attr,
                  sizeof(xsi_type));
  const char *name = (const char *)localname;
  const char *parent = s->depth > 0 ? s->path[s->depth] : "";
  s->depth++;
  s->path[s->depth] = name;
  s->leaf = true;
  s->elements++;
  vs_buf_reset(&s->text);
  track_envelope(s, name, parent, uri, xsi_type, type_attr);
  if (s->handler.start != NULL)
    s->handler.start(s->handler.ctx, s->depth, name, parent,
                     xsi_type[0] ? xsi_type : NULL,
                     type_attr[0] ? type_attr : NULL);
}

static void on_end(void *user, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri) {
  (void)localname;
  (void)prefix;
  (void)uri;
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  if (s->failed || s->depth <= 0)
    return;
  const char *name = s->path[s->depth];
  const char *parent = s->depth > 1 ? s->path[s->depth - 1] : "";
  const char *text = "";
  size_t text_len = 0;
  if (s->leaf && s->text.data != NULL) {
    text = s->text.data;
    text_len = s->text.len;
  }
  if (s->fault_depth > 0 && s->depth == s->fault_depth + 1 &&
      strcmp(name, "faultstring") == 0)
    vs_utf8_copy(s->fault_string, text, sizeof(s->fault_string));
  if (s->obj_depth > 0 && s->depth == s->obj_depth) {
    vs_utf8_copy(s->fault_obj, text, sizeof(s->fault_obj));
    s->obj_depth = 0;
  }

  if (s->handler.end != NULL)
    s->handler.end(s->handler.ctx, s->depth, name, parent, text, text_len);

  if (s->depth == s->fault_depth)
    s->fault_depth = 0;
  s->depth--;
  s->leaf = false;
  vs_buf_reset(&s->text);
}

static void on_characters(void *user, const xmlChar *ch, int len) {
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  if (s->failed || !s->leaf)
    return;
  if (s->text.len + (size_t)len > VS_XML_MAX_TEXT) {
    stream_fail(s, "XML text element too large");
    return;
  }
  vs_buf_append(&s->text, (const char *)ch, (size_t)len);
  if (s->text.failed)
    stream_fail(s, "out of memory");
}

/* SOAP never carries a DTD: refusing one rules out entity expansion
 * ("billion laughs") and external entities in one place. */
static void on_internal_subset(void *user, const xmlChar *name,
                               const xmlChar *external_id,
                               const xmlChar *system_id) {
  (void)name;
  (void)external_id;
  (void)system_id;
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  stream_fail(s, "XML document type declarations are not accepted");
}

static xmlEntityPtr on_get_entity(void *user, const xmlChar *name) {
  (void)name;
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  stream_fail(s, "XML entity references are not accepted");
  return NULL;
}

static void on_error(void *user, const char *msg, ...) {
  vs_xml_stream_t *s = ((xmlParserCtxtPtr)user)->_private;
  (void)msg;
  if (!s->failed) {
    const xmlError *e = xmlCtxtGetLastError(s->ctxt);
    char reason[256];
    snprintf(reason, sizeof(reason), "malformed XML at line %d: %s",
             e ? e->line : 0, (e && e->message) ? e->message : "error");
    size_t n = strlen(reason);
    if (n > 0 && reason[n - 1] == '\n')
      reason[n - 1] = 0;
    stream_fail(s, reason);
  }
}

static void on_warning(void *user, const char *msg, ...) {
  (void)user;
  (void)msg;
}

vs_xml_stream_t *vs_xml_stream_create(const vs_xml_handler_t *handler) {
  vs_xml_stream_t *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  if (handler != NULL)
    s->handler = *handler;
  vs_buf_init(&s->text);

  xmlSAXHandler sax;
  memset(&sax, 0, sizeof(sax));
  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = on_start;
  sax.endElementNs = on_end;
  sax.characters = on_characters;
  sax.cdataBlock = on_characters;
  sax.internalSubset = on_internal_subset;
  sax.getEntity = on_get_entity;
  sax.getParameterEntity = on_get_entity;
  sax.error = on_error;
  sax.fatalError = on_error;
  sax.warning = on_warning;

  /* The SAX callbacks receive the parser context; it points back to us. */
  s->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
  if (s->ctxt == NULL) {
    free(s);
    return NULL;
  }
  s->ctxt->_private = s;
  xmlCtxtUseOptions(s->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
  return s;
}

void vs_xml_stream_destroy(vs_xml_stream_t *s) {
  if (s == NULL)
    return;
  if (s->ctxt != NULL) {
    if (s->ctxt->myDoc != NULL)
      xmlFreeDoc(s->ctxt->myDoc);
    xmlFreeParserCtxt(s->ctxt);
  }
  vs_buf_free(&s->text);
  free(s);
}

int vs_xml_stream_feed(vs_xml_stream_t *s, const char *data, size_t len) {
  if (s->failed)
    return -1;
  /* xmlParseChunk takes an int; feed huge buffers in slices. */
  while (len > 0) {
    int n = len > (1 << 20) ? (1 << 20) : (int)len;
    if (xmlParseChunk(s->ctxt, data, n, 0) != 0 && !s->failed)
      stream_fail(s, "malformed XML");
    if (s->failed)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int vs_xml_stream_finish(vs_xml_stream_t *s) {
  if (s->failed)
    return -1;
  if (xmlParseChunk(s->ctxt, NULL, 0, 1) != 0 && !s->failed)
    stream_fail(s, "malformed XML");
  if (!s->failed && (s->elements == 0 || s->depth != 0))
    stream_fail(s, s->elements == 0 ? "empty response" : "truncated XML");
  const char *expect = s->handler.expect;
  if (!s->failed && !s->have_fault && expect != NULL &&
      strcmp(s->body_child, expect) != 0) {
    char reason[256];
    snprintf(reason, sizeof(reason),
             "unexpected document: %s instead of a SOAP envelope with %s",
             s->root_is_envelope
                 ? (s->body_child[0] ? s->body_child : "an empty body")
                 : "another root element",
             expect);
    stream_fail(s, reason);
  }
  return s->failed ? -1 : 0;
}

const char *vs_xml_stream_error(const vs_xml_stream_t *s) {
  return s->failed ? s->error : "";
}
bool vs_xml_stream_has_fault(const vs_xml_stream_t *s) { return s->have_fault; }
const char *vs_xml_stream_fault_type(const vs_xml_stream_t *s) {
  return s->fault_type;
}
const char *vs_xml_stream_fault_string(const vs_xml_stream_t *s) {
  return s->fault_string;
}
const char *vs_xml_stream_fault_obj(const vs_xml_stream_t *s,
                                    const char **type) {
  if (type != NULL)
    *type = s->fault_obj_type;
  return s->fault_obj;
}
bool vs_xml_stream_not_authenticated(const vs_xml_stream_t *s) {
  return s->not_authenticated;
}
