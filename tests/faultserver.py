#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fault-injecting HTTP reverse proxy for collectd-vsphere tests
(python3 stdlib only).

FaultServer sits in front of a vcsim (or any HTTP SOAP endpoint), listens
on 127.0.0.1 only, and answers according to its current `mode`, which a
test switches at run time from the same process (the server runs in
threads of the test process):

    fs = FaultServer(vc.url)          # starts at once, mode "pass"
    plugin_url = fs.url               # http://127.0.0.1:PORT/sdk
    fs.mode = "hang"                  # or fs.set_mode("hang")
    fs.stats()                        # per-mode request/connection counts
    fs.stop()                         # or use it as a context manager

A mode applies to every request that arrives while it is set (the mode is
read once per request, when its header has been read), until switched.

Modes:
  pass            faithful reverse proxy: keep-alive to the client and to
                  the upstream, every end-to-end header forwarded (Cookie,
                  Set-Cookie, SOAPAction, Content-Type, ...); an upstream
                  that cannot be reached gives 502 Bad Gateway (HTML), as a
                  real proxy would (e.g. while vcsim restarts)
  refuse          the listening socket is closed and open client
                  connections are shut down: connects are refused; switching
                  to any other mode listens again on the same port
  hang            the request is read, never answered; the connection is
                  held until the client goes away (bounded by hang_max)
  reset           a real upstream response is forwarded in part (headers
                  with the full Content-Length + half the body), then the
                  connection is reset (SO_LINGER 0: RST)
  http500_html    500 Internal Server Error, HTML page as from a proxy
  http503_html    503 Service Unavailable, HTML page as from a proxy
  soap_fault      HTTP 500 with a well-formed SOAP fault (fault_type,
                  default SystemError; fault_string)
  truncated       the real upstream response cut in half, Content-Length
                  of the cut body (so the HTTP layer sees a complete reply)
  garbage         200 OK, text/xml, garbage_size random bytes
  unexpected      200 OK, text/xml, a well-formed but unrelated document
  endless         200 OK, chunked, a SOAP prefix then an endless stream
                  (endless_style: "siblings" <a>..</a><a>..</a>, "nested"
                  <a><a><a>..., or "whitespace"), until the client goes
                  away (bounded by stream_max_seconds / stream_max_bytes)
  huge            200 OK with Content-Length huge_length (6 GiB), data sent
                  until the client goes away (same bounds)
  billion_laughs  200 OK, a SOAP response with a DOCTYPE of nested entities
  xxe             200 OK, a SOAP response whose DOCTYPE declares external
                  entities (SYSTEM "file:///etc/passwd" and, if set,
                  xxe_extra_paths) and references them
  slow            the real upstream response, one byte per slow_interval
                  seconds (bounded by slow_max_seconds / client going away)
  minus_one       pass-through, except QueryPerf responses: for each entity
                  the FIRST response holding a sample of it (of a counter in
                  minus_one_counters, a set of ints; empty = every counter)
                  gets -1 ("no data yet") as the value at its NEWEST sample
                  (newest by the sampleInfo timestamps, not by position) of
                  every such series; later responses for that entity pass
                  untouched (vcsim then returns a value for that sample:
                  "filled in later"). What was blanked is appended to
                  minus_one_blanked as (entity moref, counterId, instance,
                  timestamp string) tuples; minus_one_reset() forgets it all.
                  The rest of the document is left byte-identical.
                  With minus_one_responses = N > 1 the blanked sample stays
                  -1 in the next N-1 responses that hold it (matched by
                  timestamp within 10 s): a hole filled in only after newer
                  samples of its series were answered ("filled in late").
  empty_props     RetrievePropertiesEx requests that are inventory reads
                  (body contains none of inventory_props_skip, default
                  ("perfCounter",)) are answered 200 with a valid, EMPTY
                  RetrievePropertiesExResponse (no returnval), as some ESXi
                  builds answer an idle-timed-out session; others pass
  missing_noauth  inventory RetrievePropertiesEx / ContinueRetrievePropertiesEx
                  responses (same test) are rewritten: each <objects> keeps
                  its <obj> and, instead of its propSets, carries one
                  missingSet per property (the propSet names, else the
                  request's pathSets) whose fault is NotAuthenticated
  not_found       QueryPerf requests naming an entity whose moref is in
                  not_found_morefs (a set of "vm-N" strings) get HTTP 500
                  with a ManagedObjectNotFound SOAP fault; the detail names
                  the (first such) object if not_found_named (default True),
                  as vCenter does, else carries no obj (the client has to
                  split its batch to find the culprit); others pass
  entity_fault    like not_found, but the fault is entity_fault_type (default
                  SystemError) and names no object: a call vCenter fails as
                  a whole for one entity's problem of any kind
  delay_match     requests whose body contains any of delay_match_strings
                  (str or bytes) are held delay_seconds (default 5) before
                  being proxied, ended early if the client goes away (then
                  not proxied at all); others pass

`only`, if set to a set of SOAP operation names (e.g. {"Login"}), limits
the fault to requests whose SOAP body calls one of them; the others are
proxied as in "pass" (and counted under "pass"). `only_match`, if set to
strings (or bytes), limits it further to request bodies that contain one
of them (e.g. "<type>Folder</type>": a discovery, not a state pass).

`guest_disks` = N > 0: in every answer passed through unchanged (mode
"pass", or a request the fault does not apply to), each VirtualMachine of a
property page that asks guest.disk gets N guest file systems with
~100-byte mount points (VMware Tools report them; vcsim has none).

Counters (stats()): requests, operations ("mode Operation"), connections (by the mode current at accept),
bytes_sent, and stream_end (why a streamed/held answer stopped: "client"
went away, "time" or "bytes" bound hit, "stop" of the server, "done").
The rewriting/injecting modes also count "injected" (answers made up or
rewritten, by mode), "minus_one_values" ("blanked"), "delayed"
("delay_match": requests held, "delay_match:client": of which the client
went away).

Fault shapes (vcsim's own envelope, see soap_fault_xml):
  not_found, named:   <soapenv:Fault><faultcode>ServerFaultCode</faultcode>
                      <faultstring>The object 'vim.VirtualMachine:vm-N' has
                      already been deleted or has not been completely
                      created</faultstring><detail><ManagedObjectNotFoundFault
                      xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj
                      type="VirtualMachine">vm-N</obj></ManagedObjectNotFoundFault>
                      </detail></soapenv:Fault>      (HTTP 500; no newlines)
  not_found, unnamed: the same without <obj> and without the name in the
                      faultstring
  missing_noauth:     <missingSet><path>name</path><fault><fault
                      xsi:type="NotAuthenticated"><object
                      type="VirtualMachine">vm-N</object><privilegeId>System.View
                      </privilegeId></fault><localizedMessage></localizedMessage>
                      </fault></missingSet>         (no newlines)

Every loop is bounded; stop() shuts down every client socket and joins
every thread with a timeout.

Run by hand:  python3 faultserver.py --upstream http://127.0.0.1:PORT/sdk
then type a mode name (or "stats", "quit") per line on stdin.
"""

import argparse
import collections
import http.client
import os
import random
import re
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

MODES = ("pass", "refuse", "hang", "reset", "http500_html", "http503_html",
         "soap_fault", "truncated", "garbage", "unexpected", "endless", "huge",
         "billion_laughs", "xxe", "slow",
         "minus_one", "empty_props", "missing_noauth", "not_found", "entity_fault",
         "delay_match")

# Not forwarded in either direction (hop-by-hop, or recomputed here).
# Accept-Encoding is dropped so that the upstream answers uncompressed and
# the fault modes can cut bodies at byte offsets.
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "proxy-connection", "te", "trailer", "trailers", "transfer-encoding",
        "upgrade", "content-length", "host", "accept-encoding"}

_MAX_HEADER = 64 * 1024
_MAX_REQUEST_BODY = 64 * 1024 * 1024
_MAX_UPSTREAM_BODY = 512 * 1024 * 1024

SOAP_ENV_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"'
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    '<soapenv:Body>\n')
SOAP_ENV_CLOSE = '</soapenv:Body>\n</soapenv:Envelope>\n'

_HTML_PAGES = {
    500: ("Internal Server Error",
          "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n"
          "<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n"
          "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"),
    502: ("Bad Gateway",
          "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
          "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
          "<hr><center>faultserver</center>\r\n</body>\r\n</html>\r\n"),
    503: ("Service Unavailable",
          "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\r\n"
          "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
          "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
          "<p>The server is temporarily unable to service your request.<br>\r\n"
          "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"),
}

UNEXPECTED_DOC = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0"><channel><title>Not vSphere</title>'
    '<link>http://example.com/</link><description>An unrelated feed</description>'
    '<item><title>Hello</title><guid>1</guid></item></channel></rss>\n')


def soap_fault_doc(fault_type="SystemError", fault_string=None):
    if fault_string is None:
        fault_string = "A general system error occurred: faultserver injected %s" % fault_type
    return (SOAP_ENV_OPEN +
            '<soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
            '<faultstring>%s</faultstring><detail>'
            '<%sFault xmlns="urn:vim25" xsi:type="%s"><reason>%s</reason></%sFault>'
            '</detail></soapenv:Fault>\n' % (fault_string, fault_type, fault_type,
                                           fault_string, fault_type) +
            SOAP_ENV_CLOSE)


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def soap_fault_xml(fault_type, fault_string="", detail_inner=""):
    """A SOAP fault document in vcsim's envelope with a free-form detail:
    <detail><{T}Fault xmlns="urn:vim25" xsi:type="{T}">{detail_inner}</{T}Fault></detail>
    (the shape govmomi's simulator and vCenter send). fault_string is
    escaped here, detail_inner is inserted as given (XML)."""
    return (SOAP_ENV_OPEN +
            '<soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
            '<faultstring>%s</faultstring><detail>'
            '<%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault>'
            '</detail></soapenv:Fault>\n' % (xml_escape(fault_string), fault_type, fault_type,
                                             detail_inner, fault_type) +
            SOAP_ENV_CLOSE)


def managed_object_not_found_doc(moref=None, mo_type="VirtualMachine"):
    """ManagedObjectNotFound fault naming moref (or, moref None, nothing)."""
    if moref is None:
        return soap_fault_xml("ManagedObjectNotFound",
                              "The object has already been deleted or has not been completely created")
    return soap_fault_xml("ManagedObjectNotFound",
                          "The object 'vim.%s:%s' has already been deleted or has not been "
                          "completely created" % (mo_type, moref),
                          '<obj type="%s">%s</obj>' % (xml_escape(mo_type), xml_escape(moref)))


EMPTY_PROPS_DOC = (SOAP_ENV_OPEN +
                   '<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>\n' +
                   SOAP_ENV_CLOSE)


def missing_set_xml(path, obj_type, obj_value, privilege="System.View"):
    """One <missingSet> whose fault is NotAuthenticated (field order of
    govmomi's types.MissingProperty / LocalizedMethodFault / NoPermission)."""
    return ('<missingSet><path>%s</path><fault><fault xsi:type="NotAuthenticated">'
            '<object type="%s">%s</object><privilegeId>%s</privilegeId></fault>'
            '<localizedMessage></localizedMessage></fault></missingSet>'
            % (xml_escape(path), xml_escape(obj_type), xml_escape(obj_value), privilege))


_MO_TYPES_BY_PREFIX = (("vm-", "VirtualMachine"), ("host-", "HostSystem"), ("resgroup-", "ResourcePool"),
                       ("domain-c", "ClusterComputeResource"),
                       ("clustercomputeresource-", "ClusterComputeResource"),
                       ("datastore-", "Datastore"), ("datacenter-", "Datacenter"))


def _guess_mo_type(moref):
    for prefix, t in _MO_TYPES_BY_PREFIX:
        if moref.startswith(prefix):
            return t
    return "VirtualMachine"


_RETURNVAL_RE = re.compile(rb"<returnval\b[^>]*>.*?</returnval>", re.S)
_ENTITY_RE = re.compile(rb"<entity\b([^>]*)>([^<]*)</entity>")
_TYPE_ATTR_RE = re.compile(rb"""(?:^|\s)type\s*=\s*["']([^"']*)["']""")
_TIMESTAMP_RE = re.compile(rb"<sampleInfo\b[^>]*>\s*<timestamp>([^<]*)</timestamp>")
_SERIES_RE = re.compile(
    rb"(<value\b[^>]*>\s*<id>\s*<counterId>(\d+)</counterId>\s*"
    rb"(?:<instance>([^<]*)</instance>|<instance\s*/>)?\s*</id>)"
    rb"((?:\s*<value>[^<]*</value>)*)")
_INT_VALUE_RE = re.compile(rb"<value>([^<]*)</value>")
_OBJECTS_RE = re.compile(rb"(<objects\b[^>]*>)(.*?)(</objects>)", re.S)
_OBJ_RE = re.compile(rb"<obj\b([^>]*)>([^<]*)</obj>")
_PROPNAME_RE = re.compile(rb"<propSet>\s*<name>([^<]*)</name>")
_PATHSET_RE = re.compile(rb"<pathSet>([^<]*)</pathSet>")
_XSD_TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$")


def xsd_timestamp_ns(s):
    """An xsd:dateTime ("2026-11-26T11:36:22.791186342Z") as integer
    nanoseconds since the epoch (no timezone = UTC); None if unparsable."""
    import calendar
    m = _XSD_TS_RE.match(s.strip())
    if not m:
        return None
    secs = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)) + (0, 0, 0))
    frac = int((m.group(7) or "0")[:9].ljust(9, "0"))
    tz = m.group(8)
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        secs -= sign * (hh * 3600 + mm * 60)
    return secs * 10 ** 9 + frac


def _attr_type(attrs):
    m = _TYPE_ATTR_RE.search(attrs)
    return m.group(1).decode("utf-8", "replace") if m else None


def billion_laughs_doc(levels=10):
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE soapenv:Envelope [\n  %s\n]>\n' % "\n  ".join(ents) +
            SOAP_ENV_OPEN.split("\n", 1)[1] +
            '<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>'
            '<about><fullName>&lol%d;</fullName></about>'
            '</returnval></RetrieveServiceContentResponse>\n' % (levels - 1) +
            SOAP_ENV_CLOSE)


def xxe_doc(paths=("/etc/passwd",)):
    ents = ['<!ENTITY xxe%d SYSTEM "file://%s">' % (i, p) for i, p in enumerate(paths)]
    refs = "".join("&xxe%d;" % i for i in range(len(paths)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE soapenv:Envelope [\n  %s\n]>\n' % "\n  ".join(ents) +
            SOAP_ENV_OPEN.split("\n", 1)[1] +
            '<QueryPerfResponse xmlns="urn:vim25"><returnval>'
            '<entity type="VirtualMachine">%s</entity>'
            '</returnval></QueryPerfResponse>\n' % refs +
            SOAP_ENV_CLOSE)


_OP_RE = re.compile(rb"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")


def soap_operation(body):
    """The SOAP operation a request body calls ("Login", "QueryPerf", ...),
    or "-"."""
    m = _OP_RE.search(body or b"")
    return m.group(1).decode("ascii", "replace") if m else "-"


class _ClientGone(Exception):
    pass


class _Request:
    __slots__ = ("method", "target", "version", "headers", "body")

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    @property
    def keep_alive(self):
        conn = (self.header("Connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


class _Conn:
    """One client connection, served by its own thread."""

    def __init__(self, server, sock, peer):
        self.server = server
        self.sock = sock
        self.peer = peer
        self.buf = b""
        self.up = None       # upstream http.client connection (pass & co.)
        self.closed = False

    # -- low level --------------------------------------------------------

    def _stopping(self):
        return self.server._stop.is_set()

    def _readable(self, timeout):
        try:
            r, _, _ = select.select([self.sock], [], [], timeout)
        except (OSError, ValueError):
            raise _ClientGone()
        return bool(r)

    def _recv(self, deadline):
        """Some bytes; b"" on EOF; None on deadline/stop."""
        while not self._stopping():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self._readable(min(0.2, left)):
                try:
                    return self.sock.recv(65536)
                except (ConnectionError, OSError):
                    return b""
        return None

    def client_gone(self):
        """True if the client closed (EOF/RST) - non-blocking check."""
        try:
            if not self._readable(0):
                return False
            data = self.sock.recv(65536, socket.MSG_PEEK)
            return data == b""
        except (_ClientGone, ConnectionError, OSError):
            return True

    def send(self, data, mode):
        try:
            self.sock.sendall(data)
        except (ConnectionError, OSError, socket.timeout):
            raise _ClientGone()
        self.server._count("bytes_sent", mode, len(data))

    def reset(self):
        """Close with RST."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass
        if self.up is not None:
            try:
                self.up.close()
            except OSError:
                pass
            self.up = None

    # -- HTTP/1.1 request parsing ------------------------------------------

    def read_request(self):
        """A _Request, or None when the client closed / went idle / stop."""
        idle_deadline = time.monotonic() + self.server.idle_timeout
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > _MAX_HEADER:
                return None
            data = self._recv(idle_deadline)
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) != 3:
            return None
        req = _Request()
        req.method, req.target, req.version = parts
        req.headers = []
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                req.headers.append((k.strip(), v.strip()))
        deadline = time.monotonic() + 30.0
        te = (req.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    data = self._recv(deadline)
                    if not data:
                        return None
                    self.buf += data
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while b"\r\n\r\n" not in b"\r\n" + self.buf:   # trailers
                        data = self._recv(deadline)
                        if not data:
                            return None
                        self.buf += data
                    self.buf = (b"\r\n" + self.buf).split(b"\r\n\r\n", 1)[1]
                    break
                while len(self.buf) < size + 2:
                    data = self._recv(deadline)
                    if not data:
                        return None
                    self.buf += data
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if len(body) > _MAX_REQUEST_BODY:
                    return None
        else:
            n = int(req.header("Content-Length") or 0)
            if n > _MAX_REQUEST_BODY:
                return None
            while len(self.buf) < n:
                data = self._recv(deadline)
                if not data:
                    return None
                self.buf += data
            body, self.buf = self.buf[:n], self.buf[n:]
        req.body = body
        return req

    # -- upstream -----------------------------------------------------------

    def upstream(self, req):
        """(status, reason, [(k, v)], body) from the upstream; raises OSError
        / http.client.HTTPException if it cannot be reached. A reused
        keep-alive connection that turns out dead is retried once, on a
        fresh one."""
        for _attempt in range(2):
            fresh = self.up is None
            if fresh:
                self.up = self.server._new_upstream()
            try:
                self.up.putrequest(req.method, req.target, skip_host=True,
                                   skip_accept_encoding=True)
                self.up.putheader("Host", self.server.upstream_netloc)
                for k, v in req.headers:
                    if k.lower() not in _HOP:
                        self.up.putheader(k, v)
                self.up.putheader("Content-Length", str(len(req.body)))
                self.up.endheaders(req.body)
                r = self.up.getresponse()
                length = r.getheader("Content-Length")
                if length is not None and int(length) > _MAX_UPSTREAM_BODY:
                    raise http.client.HTTPException("upstream body too large")
                body = r.read(_MAX_UPSTREAM_BODY + 1)
                if len(body) > _MAX_UPSTREAM_BODY:
                    raise http.client.HTTPException("upstream body too large")
                headers = [(k, v) for k, v in r.getheaders() if k.lower() not in _HOP]
                if r.will_close:
                    self.up.close()
                    self.up = None
                return r.status, r.reason, headers, body
            except (http.client.RemoteDisconnected, http.client.BadStatusLine,
                    ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                self.up.close()
                self.up = None
                if fresh:
                    raise
            except (OSError, http.client.HTTPException):
                self.up.close()
                self.up = None
                raise
        raise http.client.HTTPException("upstream failed twice")

    def upstream_or_502(self, req):
        try:
            return self.upstream(req)
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.server._count("upstream_errors", self.server.mode)
            self.server.last_upstream_error = repr(e)
            reason, page = _HTML_PAGES[502]
            return 502, reason, [("Content-Type", "text/html")], page.encode()

    # -- responses ----------------------------------------------------------

    @staticmethod
    def head(status, reason, headers, length=None, keep_alive=True, chunked=False):
        lines = ["HTTP/1.1 %d %s" % (status, reason)]
        lines += ["%s: %s" % (k, v) for k, v in headers]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append("Content-Length: %d" % length)
        lines.append("Connection: %s" % ("keep-alive" if keep_alive else "close"))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1")

    def respond(self, mode, status, reason, headers, body, keep_alive=True):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send(self.head(status, reason, headers, len(body), keep_alive) + body, mode)
        return keep_alive

    def hold(self, mode, max_seconds):
        """Do nothing until the client goes away (or a bound). Returns False
        (the connection is to be closed)."""
        deadline = time.monotonic() + max_seconds
        while True:
            if self._stopping():
                self.server._count("stream_end", mode + ":stop")
                return False
            if time.monotonic() >= deadline:
                self.server._count("stream_end", mode + ":time")
                return False
            if self._readable(0.2):
                try:
                    data = self.sock.recv(65536)
                except (ConnectionError, OSError):
                    data = b""
                if not data:
                    self.server._count("stream_end", mode + ":client")
                    return False
                # a pipelined request: swallowed, never answered

    def stream(self, mode, chunks, chunked, max_bytes=None):
        """Send chunks (an iterator of bytes) until the client goes away or
        a bound is hit. Returns False (connection to be closed)."""
        deadline = time.monotonic() + self.server.stream_max_seconds
        if max_bytes is None or max_bytes > self.server.stream_max_bytes:
            max_bytes = self.server.stream_max_bytes
        sent = 0
        reason = "done"
        try:
            for chunk in chunks:
                if self._stopping():
                    reason = "stop"
                    break
                if time.monotonic() >= deadline:
                    reason = "time"
                    break
                if sent + len(chunk) > max_bytes:
                    reason = "bytes"
                    break
                if self.client_gone():
                    reason = "client"
                    break
                data = (b"%x\r\n%s\r\n" % (len(chunk), chunk)) if chunked else chunk
                self.send(data, mode)
                sent += len(chunk)
        except _ClientGone:
            reason = "client"
        self.server._count("stream_end", mode + ":" + reason)
        with self.server._lock:
            self.server._stream_sizes[mode].append(sent)
        return False

    # -- modes --------------------------------------------------------------

    def handle(self, req, mode):
        """Answer req in `mode`. Returns True to keep the connection."""
        s = self.server
        ka = req.keep_alive
        if mode == "pass":
            status, reason, headers, body = self.upstream_or_502(req)
            if status == 200 and s.guest_disks > 0 and b"<pathSet>guest.disk</pathSet>" in req.body:
                new = _guest_disks(body, s.guest_disks)
                if new != body:
                    s._count("injected", "guest_disks")
                    body = new
            return self.respond(mode, status, reason, headers, body, ka)
        if mode == "refuse":        # raced in on an open connection
            self.reset()
            return False
        if mode == "hang":
            return self.hold(mode, s.hang_max)
        if mode == "reset":
            status, reason, headers, body = self.upstream_or_502(req)
            cut = max(1, len(body) // 2)
            self.send(self.head(status, reason, headers, len(body), True) + body[:cut], mode)
            time.sleep(s.reset_delay)     # let the client read the part first
            self.reset()
            return False
        if mode in ("http500_html", "http503_html"):
            code = 500 if mode == "http500_html" else 503
            reason, page = _HTML_PAGES[code]
            hdrs = [("Server", "nginx/1.22.1"), ("Content-Type", "text/html")]
            if code == 503:
                hdrs.append(("Retry-After", "30"))
            return self.respond(mode, code, reason, hdrs, page, ka)
        if mode == "soap_fault":
            doc = soap_fault_doc(s.fault_type, s.fault_string)
            return self.respond(mode, 500, "Internal Server Error",
                                [("Content-Type", "text/xml; charset=utf-8")], doc, ka)
        if mode == "truncated":
            status, reason, headers, body = self.upstream_or_502(req)
            return self.respond(mode, status, reason, headers, body[:len(body) // 2], ka)
        if mode == "garbage":
            rnd = s.rng.randbytes(s.garbage_size) if s.garbage_seed is not None \
                else os.urandom(s.garbage_size)
            return self.respond(mode, 200, "OK", [("Content-Type", "text/xml; charset=utf-8")], rnd, ka)
        if mode == "unexpected":
            return self.respond(mode, 200, "OK", [("Content-Type", "text/xml; charset=utf-8")],
                                UNEXPECTED_DOC, ka)
        if mode == "endless":
            self.send(self.head(200, "OK", [("Content-Type", "text/xml; charset=utf-8")],
                                keep_alive=True, chunked=True), mode)
            return self.stream(mode, _endless_chunks(s.endless_style), chunked=True)
        if mode == "huge":
            self.send(self.head(200, "OK", [("Content-Type", "text/xml; charset=utf-8")],
                                length=s.huge_length, keep_alive=True), mode)
            return self.stream(mode, _endless_chunks("siblings"), chunked=False,
                               max_bytes=s.huge_length)
        if mode == "billion_laughs":
            return self.respond(mode, 200, "OK", [("Content-Type", "text/xml; charset=utf-8")],
                                billion_laughs_doc(), ka)
        if mode == "xxe":
            return self.respond(mode, 200, "OK", [("Content-Type", "text/xml; charset=utf-8")],
                                xxe_doc(("/etc/passwd",) + tuple(s.xxe_extra_paths)), ka)
        if mode == "slow":
            status, reason, headers, body = self.upstream_or_502(req)
            raw = self.head(status, reason, headers, len(body), ka) + body
            ok = self.stream(mode, _dribble(raw, s.slow_interval, self), chunked=False)
            return ok
        xml_hdr = [("Content-Type", "text/xml; charset=utf-8")]
        op = soap_operation(req.body)
        if mode == "minus_one":
            status, reason, headers, body = self.upstream_or_502(req)
            if status == 200 and op == "QueryPerf":
                new = s._minus_one(body)
                if new != body:
                    s._count("injected", mode)
                    body = new
            return self.respond(mode, status, reason, headers, body, ka)
        if mode == "empty_props":
            if op == "RetrievePropertiesEx" and s._inventory_props(req.body):
                s._count("injected", mode)
                return self.respond(mode, 200, "OK", xml_hdr, EMPTY_PROPS_DOC, ka)
            status, reason, headers, body = self.upstream_or_502(req)
            return self.respond(mode, status, reason, headers, body, ka)
        if mode == "missing_noauth":
            status, reason, headers, body = self.upstream_or_502(req)
            if status == 200 and op in ("RetrievePropertiesEx", "ContinueRetrievePropertiesEx") \
                    and s._inventory_props(req.body):
                new = _missing_noauth(body, _PATHSET_RE.findall(req.body))
                if new != body:
                    s._count("injected", mode)
                    body = new
            return self.respond(mode, status, reason, headers, body, ka)
        if mode in ("not_found", "entity_fault"):
            hit = s._not_found_hit(req.body) if op == "QueryPerf" else None
            if hit is not None:
                mo_type, moref = hit
                s._count("injected", mode)
                with s._lock:
                    s.not_found_sent.append(moref)
                if mode == "entity_fault":
                    doc = soap_fault_doc(s.entity_fault_type,
                                         "faultserver: cannot answer for %s" % moref)
                else:
                    doc = managed_object_not_found_doc(moref if s.not_found_named else None,
                                                       mo_type)
                return self.respond(mode, 500, "Internal Server Error", xml_hdr, doc, ka)
            status, reason, headers, body = self.upstream_or_502(req)
            return self.respond(mode, status, reason, headers, body, ka)
        if mode == "delay_match":
            needles = [m.encode("utf-8") if isinstance(m, str) else bytes(m)
                       for m in (s.delay_match_strings or ())]
            if any(n and n in req.body for n in needles):
                s._count("delayed", mode)
                if not self.delay(mode, s.delay_seconds):
                    return False
            status, reason, headers, body = self.upstream_or_502(req)
            return self.respond(mode, status, reason, headers, body, ka)
        raise ValueError("unknown mode %r" % mode)

    def delay(self, mode, seconds):
        """Sleep up to `seconds` (in 0.1 s steps); False if the client went
        away or the server stops meanwhile."""
        deadline = time.monotonic() + max(0.0, float(seconds))
        while True:
            if self._stopping():
                self.server._count("stream_end", mode + ":stop")
                return False
            if self.client_gone():
                self.server._count("delayed", mode + ":client")
                self.server._count("stream_end", mode + ":client")
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(0.1, left))

    def serve(self):
        s = self.server
        try:
            self.sock.settimeout(s.send_timeout)   # bounds sendall
            while not self._stopping():
                req = self.read_request()
                if req is None:
                    break
                mode = s.mode
                op = soap_operation(req.body)
                only = s.only
                if only is not None and op not in only and mode != "refuse":
                    mode = "pass"
                if s.only_match and mode != "refuse" and not any(
                        (m.encode("utf-8") if isinstance(m, str) else m) in req.body
                        for m in s.only_match):
                    mode = "pass"
                s._count("requests", mode)
                s._count("operations", "%s %s" % (mode, op))
                s._count("soap_actions", "%s %s" % (mode, req.header("SOAPAction", "-")))
                if not self.handle(req, mode):
                    break
                if not req.keep_alive:
                    break
        except _ClientGone:
            pass
        except Exception as e:  # noqa: BLE001 - a test server must not die silently
            s._count("handler_errors", s.mode)
            s.last_handler_error = repr(e)
        finally:
            self.close()
            s._forget(self)


def _minus_one_returnval(rv, counters, seen, blanked):
    """Rewrite one QueryPerf <returnval> (bytes) for minus_one: see the
    module docstring. `seen` (set of morefs) and `blanked` (list) are
    updated; the caller holds the lock."""
    em = _ENTITY_RE.search(rv)
    if not em:
        return rv
    moref = em.group(2).decode("utf-8", "replace")
    if moref in seen:
        return rv
    stamps = [t.decode("utf-8", "replace") for t in _TIMESTAMP_RE.findall(rv)]
    if not stamps:
        return rv
    keys = [xsd_timestamp_ns(t) for t in stamps]
    newest = max(range(len(stamps)), key=lambda i: (keys[i] is not None, keys[i] or 0, -i))
    out, pos, hits = [], 0, []
    for m in _SERIES_RE.finditer(rv):
        cid = int(m.group(2))
        if counters and cid not in counters:
            continue
        vals = list(_INT_VALUE_RE.finditer(m.group(4)))
        if newest >= len(vals):
            continue
        v = vals[newest]
        start = m.start(4) + v.start(1)
        end = m.start(4) + v.end(1)
        out.append(rv[pos:start])
        out.append(b"-1")
        pos = end
        inst = (m.group(3) or b"").decode("utf-8", "replace")
        hits.append((moref, cid, inst, stamps[newest]))
    if not hits:
        return rv
    out.append(rv[pos:])
    seen.add(moref)
    blanked.extend(hits)
    return b"".join(out)


def _minus_one_again(rv, counters, pending):
    """minus_one_responses: blank again, in a later response, the sample an
    earlier one blanked (by timestamp, within 10 s). Returns the rewritten
    <returnval>, or None if this entity has nothing pending."""
    em = _ENTITY_RE.search(rv)
    if not em:
        return None
    moref = em.group(2).decode("utf-8", "replace")
    p = pending.get(moref)
    if p is None:
        return None
    keys = [xsd_timestamp_ns(t.decode("utf-8", "replace")) for t in _TIMESTAMP_RE.findall(rv)]
    near = [i for i, k in enumerate(keys) if k is not None and p[0] is not None
            and abs(k - p[0]) <= 10 * 10**9]
    if not near:
        return rv
    at = near[0]
    out, pos = [], 0
    for m in _SERIES_RE.finditer(rv):
        if counters and int(m.group(2)) not in counters:
            continue
        vals = list(_INT_VALUE_RE.finditer(m.group(4)))
        if at >= len(vals):
            continue
        v = vals[at]
        out.append(rv[pos:m.start(4) + v.start(1)])
        out.append(b"-1")
        pos = m.start(4) + v.end(1)
    out.append(rv[pos:])
    p[1] -= 1
    if p[1] <= 0:
        del pending[moref]
    return b"".join(out)


def _guest_disks(body, count):
    """Every VirtualMachine object of a property page gets a guest.disk
    propSet of `count` file systems with long mount points (VMware Tools
    report them; vcsim has none)."""
    disks = "".join(
        '<GuestDiskInfo xsi:type="GuestDiskInfo"><diskPath>/mnt/%s/volume-%02d</diskPath>'
        '<capacity>%d</capacity><freeSpace>%d</freeSpace></GuestDiskInfo>'
        % ("d" * 90, i, (i + 1) << 30, (i + 1) << 29) for i in range(count))
    prop = ('<propSet><name>guest.disk</name><val xsi:type="ArrayOfGuestDiskInfo">%s</val>'
            '</propSet>' % disks).encode("utf-8")

    def objects(m):
        if b'type="VirtualMachine"' not in (_OBJ_RE.search(m.group(2)) or [b""])[0]:
            return m.group(0)
        inner = re.sub(rb"<propSet>\s*<name>guest\.disk</name>.*?</propSet>", b"", m.group(2),
                       flags=re.S)
        return m.group(1) + inner + prop + m.group(3)
    return _OBJECTS_RE.sub(objects, body)


def _missing_noauth(body, req_paths):
    """Rewrite a RetrievePropertiesEx response for missing_noauth."""
    def objects(m):
        inner = m.group(2)
        om = _OBJ_RE.search(inner)
        if not om:
            return m.group(0)
        obj_type = _attr_type(om.group(1)) or "ManagedEntity"
        obj_value = om.group(2).decode("utf-8", "replace")
        paths = [p.decode("utf-8", "replace") for p in _PROPNAME_RE.findall(inner)] or \
            [p.decode("utf-8", "replace") for p in req_paths] or ["name"]
        seen, sets = set(), []
        for p in paths:
            if p not in seen:
                seen.add(p)
                sets.append(missing_set_xml(p, obj_type, obj_value))
        return m.group(1) + om.group(0) + "".join(sets).encode("utf-8") + m.group(3)
    return _OBJECTS_RE.sub(objects, body)


def _endless_chunks(style):
    """An infinite iterator of ~64 KB chunks of a never-ending SOAP body."""
    yield (SOAP_ENV_OPEN + '<QueryPerfResponse xmlns="urn:vim25">\n').encode()
    if style == "nested":
        block = b"<a>" * 16384
    elif style == "whitespace":
        block = b" \n\t" * 21845
    else:
        block = b"<a>faultserver endless stream filler text</a>\n" * 1400
    while True:
        yield block


def _dribble(raw, interval, conn):
    """One byte per `interval` seconds (sleeping in small steps so that a
    client going away is noticed by the stream loop within 0.2 s)."""
    for i in range(len(raw)):
        if i:
            end = time.monotonic() + interval
            while time.monotonic() < end:
                if conn.client_gone() or conn._stopping():
                    yield b""       # lets stream() see the end at once
                    return
                time.sleep(min(0.2, max(0.0, end - time.monotonic())))
        yield raw[i:i + 1]


class FaultServer:
    """See the module docstring. Attributes that tune the modes may be set at
    any time: only, fault_type, fault_string, garbage_size, garbage_seed,
    endless_style, huge_length, xxe_extra_paths, slow_interval, hang_max,
    stream_max_seconds, stream_max_bytes, reset_delay, minus_one_counters,
    inventory_props_skip, not_found_morefs, not_found_named,
    delay_match_strings, delay_seconds. Results of the new modes:
    minus_one_blanked (list of (moref, counterId, instance, timestamp)),
    not_found_sent (list of the morefs a not_found fault was sent for)."""

    def __init__(self, upstream_url, mode="pass", port=0, start=True):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % mode)
        u = urllib.parse.urlsplit(upstream_url)
        self.upstream_url = upstream_url
        self.upstream_scheme = u.scheme
        self.upstream_host = u.hostname
        self.upstream_port = u.port or (443 if u.scheme == "https" else 80)
        self.upstream_netloc = u.netloc
        self.path = u.path or "/"
        self.port = port
        self._mode = mode
        # tunables
        self.fault_type = "SystemError"
        self.fault_string = None
        self.garbage_size = 4096
        self.garbage_seed = None
        self.rng = random.Random(0)
        self.endless_style = "siblings"
        self.huge_length = 6 * 1024 ** 3
        self.xxe_extra_paths = ()
        self.only = None
        self.slow_interval = 1.0
        self.hang_max = 60.0
        self.stream_max_seconds = 30.0
        self.stream_max_bytes = 8 * 1024 ** 3
        self.reset_delay = 0.2
        self.idle_timeout = 300.0
        self.send_timeout = 10.0
        self.upstream_timeout = 30.0
        self.minus_one_counters = set()
        self.inventory_props_skip = ("perfCounter",)
        self.not_found_morefs = set()
        self.not_found_named = True
        self.entity_fault_type = "SystemError"
        self.guest_disks = 0
        self.delay_match_strings = ()
        self.delay_seconds = 5.0
        self.minus_one_blanked = []
        self._minus_one_seen = set()
        self.minus_one_responses = 1
        self.only_match = None
        self._minus_one_pending = {}  # moref -> [timestamp ns, responses left]
        self.not_found_sent = []
        # state
        self._lock = threading.Lock()          # counters, client set
        self._listen_lock = threading.Lock()   # listener open/close vs accept
        self._stop = threading.Event()
        self._lsock = None
        self._accept_thread = None
        self._clients = {}                     # _Conn -> thread
        self._threads = []
        self._counters = collections.defaultdict(collections.Counter)
        self._stream_sizes = collections.defaultdict(list)
        self.last_handler_error = None
        self.last_upstream_error = None
        if start:
            self.start()

    # -- public ---------------------------------------------------------------

    @property
    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, self.path)

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        self.set_mode(value)

    def set_mode(self, mode):
        """Switch mode; "refuse" closes the listener (and shuts down open
        client connections) before returning, leaving it re-opens it."""
        if mode not in MODES:
            raise ValueError("unknown mode %r" % mode)
        with self._listen_lock:
            self._mode = mode
            if mode == "refuse":
                self._close_listener()
                self._shutdown_clients()
            elif self._lsock is None and not self._stop.is_set():
                self._open_listener()

    def stats(self):
        """{"requests": {mode: n}, "connections": {mode: n}, "bytes_sent":
        {mode: n}, "stream_end": {"mode:reason": n}, ...} (a copy)."""
        with self._lock:
            return {k: dict(v) for k, v in self._counters.items()}

    def count(self, what, key):
        with self._lock:
            return self._counters[what][key]

    def requests(self, mode):
        return self.count("requests", mode)

    def connections(self, mode):
        return self.count("connections", mode)

    def stream_sizes(self, mode):
        """Body bytes sent by each streamed answer (endless, huge, slow) of
        this mode, in order."""
        with self._lock:
            return list(self._stream_sizes[mode])

    def open_connections(self):
        with self._lock:
            return len(self._clients)

    def start(self):
        with self._listen_lock:
            if self._mode != "refuse":
                self._open_listener()
            elif not self.port:
                # refuse from the start: still reserve a port number
                self._open_listener()
                self._close_listener()
        self._accept_thread = threading.Thread(target=self._accept_loop,
                                               name="faultserver-accept", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self, timeout=5.0):
        self._stop.set()
        with self._listen_lock:
            self._close_listener()
        self._shutdown_clients()
        deadline = time.monotonic() + timeout
        threads = [self._accept_thread] if self._accept_thread else []
        with self._lock:
            threads += list(self._clients.values())
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        return all(not t.is_alive() for t in threads)

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def minus_one_reset(self):
        """Forget which entities minus_one has blanked (they will be blanked
        again) and clear minus_one_blanked."""
        with self._lock:
            self._minus_one_seen.clear()
            self._minus_one_pending.clear()
            del self.minus_one_blanked[:]

    # -- internals ------------------------------------------------------------

    def _minus_one(self, body):
        counters = {int(c) for c in (self.minus_one_counters or ())}

        def rewrite(rv):
            again = _minus_one_again(rv, counters, self._minus_one_pending)
            if again is not None:
                return again
            before = len(self.minus_one_blanked)
            out = _minus_one_returnval(rv, counters, self._minus_one_seen, self.minus_one_blanked)
            if len(self.minus_one_blanked) > before and self.minus_one_responses > 1:
                moref, _, _, stamp = self.minus_one_blanked[-1]
                self._minus_one_pending[moref] = [xsd_timestamp_ns(stamp),
                                                  self.minus_one_responses - 1]
            return out

        with self._lock:
            n = len(self.minus_one_blanked)
            new = _RETURNVAL_RE.sub(lambda m: rewrite(m.group(0)), body)
            blanked = len(self.minus_one_blanked) - n
        if blanked:
            self._count("minus_one_values", "blanked", blanked)
        return new

    def _inventory_props(self, body):
        """A property read that is not for one of inventory_props_skip."""
        for skip in self.inventory_props_skip or ():
            if (skip.encode("utf-8") if isinstance(skip, str) else skip) in body:
                return False
        return True

    def _not_found_hit(self, body):
        """(type, moref) of the first entity of a QueryPerf request body whose
        moref is in not_found_morefs, or None."""
        morefs = set(self.not_found_morefs or ())
        if not morefs:
            return None
        for m in _ENTITY_RE.finditer(body):
            value = m.group(2).decode("utf-8", "replace").strip()
            if value in morefs:
                return _attr_type(m.group(1)) or _guess_mo_type(value), value
        return None

    def _count(self, what, key, n=1):
        with self._lock:
            self._counters[what][key] += n

    def _new_upstream(self):
        if self.upstream_scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.upstream_host, self.upstream_port,
                                               timeout=self.upstream_timeout, context=ctx)
        return http.client.HTTPConnection(self.upstream_host, self.upstream_port,
                                          timeout=self.upstream_timeout)

    def _open_listener(self):
        deadline = time.monotonic() + 10.0
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", self.port))
                s.listen(64)
                s.setblocking(False)
            except OSError:
                s.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
                continue
            self._lsock = s
            self.port = s.getsockname()[1]
            return

    def _close_listener(self):
        if self._lsock is not None:
            try:
                self._lsock.close()
            except OSError:
                pass
            self._lsock = None

    def _shutdown_clients(self):
        with self._lock:
            conns = list(self._clients)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _forget(self, conn):
        with self._lock:
            self._clients.pop(conn, None)

    def _accept_loop(self):
        while not self._stop.is_set():
            got = None
            with self._listen_lock:
                ls = self._lsock
                if ls is not None:
                    try:
                        r, _, _ = select.select([ls], [], [], 0.1)
                        if r:
                            got = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        pass
            if ls is None:
                self._stop.wait(0.05)
                continue
            if got is None:
                continue
            sock, peer = got
            sock.setblocking(True)
            conn = _Conn(self, sock, peer)
            self._count("connections", self._mode)
            t = threading.Thread(target=conn.serve, name="faultserver-conn", daemon=True)
            with self._lock:
                self._clients[conn] = t
            t.start()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="upstream URL, e.g. http://127.0.0.1:PORT/sdk")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", default="pass", choices=MODES)
    a = ap.parse_args(argv)
    fs = FaultServer(a.upstream, mode=a.mode, port=a.port)
    print("listening on %s (mode %s); type a mode, 'stats' or 'quit'" % (fs.url, fs.mode), flush=True)
    try:
        for line in sys.stdin:
            cmd = line.strip()
            if cmd in ("quit", "exit"):
                break
            if cmd == "stats":
                print(fs.stats(), flush=True)
            elif cmd in MODES:
                fs.mode = cmd
                print("mode", cmd, flush=True)
            elif cmd:
                print("unknown: %s (modes: %s)" % (cmd, " ".join(MODES)), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        fs.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
