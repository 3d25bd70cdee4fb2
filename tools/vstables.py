# SPDX-License-Identifier: MIT
"""Read collectd-vsphere's own tables out of its C sources, and vSphere's
counter catalog out of a PerformanceManager perfCounter answer, for the
generators in tools/ (gen-types-db.py, gen-counter-reference.py).

Nothing here duplicates a table: the C initializers are tokenized (comments
and string escapes handled, adjacent string literals joined, string-valued
#define macros expanded) and read by name, so a row added in C shows up in
the generated files. Anything unexpected raises SourceError / CatalogError
with the file and what was wrong.
"""

import os
import re
import xml.etree.ElementTree as ET

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC_DIR = os.path.join(REPO_ROOT, "src")


class SourceError(Exception):
    """A C table could not be read."""


class CatalogError(Exception):
    """A perfCounter answer could not be read."""


# --------------------------------------------------------------------------
# C sources

_TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<open_comment>/\*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<bad_string>")
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\.?\d[\w.]*)
  | (?P<punct>\S)
''', re.S | re.X)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return "%s(%r)@%d" % (self.kind, self.text, self.line)


def _unescape(lit, where):
    body = lit[1:-1]

    def esc(m):
        c = m.group(1)
        if c in _ESCAPES:
            return _ESCAPES[c]
        raise SourceError("%s: unsupported escape \\%s in %s" % (where, c, lit))
    return re.sub(r"\\(.)", esc, body)


class CSource:
    """A C file as tokens (comments and preprocessor lines dropped) plus
    its string-valued macros."""

    def __init__(self, path, text=None):
        self.path = path
        self.name = os.path.relpath(path, REPO_ROOT) if not os.path.relpath(
            path, REPO_ROOT).startswith("..") else path
        if text is None:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise SourceError("%s: %s" % (path, e.strerror or e))
        self.macros = {}
        self.tokens = []
        self._tokenize(text)

    def _where(self, line):
        return "%s:%d" % (self.name, line)

    def _tokenize(self, text):
        line = 1
        toks = []
        pos = 0
        at_line_start = True
        directive = None  # tokens of the current preprocessor line
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            kind = m.lastgroup
            s = m.group()
            pos = m.end()
            if kind == "open_comment":
                raise SourceError("%s: unterminated comment" % self._where(line))
            if kind == "bad_string":
                raise SourceError("%s: unterminated string literal" % self._where(line))
            if kind in ("ws", "comment"):
                # a newline not escaped by a backslash ends a directive
                if directive is not None and "\n" in s:
                    before = text[m.start() - 1] if m.start() > 0 else ""
                    if not (kind == "ws" and before == "\\"):
                        self._directive(directive)
                        directive = None
                if "\n" in s:
                    at_line_start = True
                line += s.count("\n")
                continue
            if kind == "punct" and s == "#" and at_line_start:
                directive = []
                at_line_start = False
                continue
            at_line_start = False
            if kind == "punct" and s == "\\" and directive is not None:
                continue
            t = Tok(kind, s, line)
            (directive if directive is not None else toks).append(t)
        if directive is not None:
            self._directive(directive)
        self.tokens = toks

    def _directive(self, toks):
        # #define NAME "string" "string"...: a string macro
        if len(toks) >= 3 and toks[0].text == "define" and toks[1].kind == "ident" and \
                all(t.kind == "string" for t in toks[2:]):
            self.macros[toks[1].text] = "".join(
                _unescape(t.text, self._where(t.line)) for t in toks[2:])

    # -- initializers -----------------------------------------------------

    def array(self, name):
        """The initializer of `name[...] = { ... }` as a list of
        (designator, value): designator None, ("index", IDENT) or
        ("field", NAME); value a list (braces) or a scalar (see
        _scalar)."""
        t = self.tokens
        for i in range(len(t) - 3):
            if t[i].kind == "ident" and t[i].text == name and t[i + 1].text == "[":
                j = i + 2
                while j < len(t) and t[j].text != "]":
                    j += 1
                if j + 2 < len(t) and t[j + 1].text == "=" and t[j + 2].text == "{":
                    value, end = self._braces(j + 2)
                    return value
        raise SourceError("%s: no initialized array %s[] = {...}" % (self.name, name))

    def _braces(self, i):
        """Parses the brace list starting at token i ("{"); returns (list of
        (designator, value), index after the closing brace)."""
        t = self.tokens
        assert t[i].text == "{"
        items = []
        i += 1
        while True:
            if i >= len(t):
                raise SourceError("%s: unterminated initializer" % self.name)
            if t[i].text == "}":
                return items, i + 1
            desig = None
            if t[i].text == "[":
                if i + 3 >= len(t) or t[i + 2].text != "]" or t[i + 3].text != "=":
                    raise SourceError("%s: unexpected designator" % self._where(t[i].line))
                desig = ("index", t[i + 1].text)
                i += 4
            elif t[i].text == "." and i + 2 < len(t) and t[i + 1].kind == "ident" and \
                    t[i + 2].text == "=":
                desig = ("field", t[i + 1].text)
                i += 3
            if i < len(t) and t[i].text == "{":
                value, i = self._braces(i)
            else:
                start = i
                depth = 0
                while i < len(t):
                    s = t[i].text
                    if s in "([" and t[i].kind == "punct":
                        depth += 1
                    elif s in ")]" and t[i].kind == "punct":
                        depth -= 1
                    elif depth == 0 and s in (",", "}"):
                        break
                    i += 1
                if i == start:
                    raise SourceError("%s: empty initializer element" % self._where(t[start].line))
                value = self._scalar(t[start:i])
            items.append((desig, value))
            if i < len(t) and t[i].text == ",":
                i += 1

    def _scalar(self, toks):
        """Adjacent string literals and string macros -> str; a single
        identifier -> Ident; an integer -> int; anything else -> Expr."""
        if toks and all(t.kind == "string" or (t.kind == "ident" and t.text in self.macros)
                        for t in toks):
            return "".join(_unescape(t.text, self._where(t.line)) if t.kind == "string"
                               else self.macros[t.text] for t in toks)
        if len(toks) == 1 and toks[0].kind == "ident":
            return Ident(toks[0].text)
        if len(toks) == 1 and toks[0].kind == "number" and re.fullmatch(r"\d+", toks[0].text):
            return int(toks[0].text)
        if len(toks) == 2 and toks[0].text == "-" and re.fullmatch(r"\d+", toks[1].text):
            return -int(toks[1].text)
        return Expr(" ".join(t.text for t in toks))

    def struct_fields(self, typename):
        """Field names, in order, of `typedef struct { ... } typename;`."""
        t = self.tokens
        for i in range(len(t) - 1):
            if t[i].text == "}" and t[i + 1].text == typename:
                # walk back to the matching "{"
                depth, j = 0, i
                while j >= 0:
                    if t[j].text == "}":
                        depth += 1
                    elif t[j].text == "{":
                        depth -= 1
                        if depth == 0:
                            break
                    j -= 1
                if j < 0:
                    break
                fields, decl = [], []
                for tok in t[j + 1:i]:
                    if tok.text == ";":
                        names = [d.text for d in decl if d.kind == "ident"]
                        # "int a, b;" -> a, b: the identifiers before each comma
                        parts, cur = [], []
                        for d in decl:
                            if d.text == ",":
                                parts.append(cur)
                                cur = []
                            else:
                                cur.append(d)
                        parts.append(cur)
                        for p in parts:
                            # "char path[N]": the name is before the "["
                            cut = next((k for k, d in enumerate(p) if d.text == "["), len(p))
                            ids = [d.text for d in p[:cut] if d.kind == "ident"]
                            if ids:
                                fields.append(ids[-1])
                        if not names:
                            raise SourceError("%s: odd declaration in %s" % (self.name, typename))
                        decl = []
                    else:
                        decl.append(tok)
                return fields
        raise SourceError("%s: no typedef struct {...} %s;" % (self.name, typename))

    def enum_members(self, last):
        """Members, in order, of the enum whose member list contains `last`."""
        t = self.tokens
        for i in range(len(t)):
            if t[i].text == "enum":
                j = i + 1
                while j < len(t) and t[j].text != "{":
                    j += 1
                k = j + 1
                members = []
                expect_name = True
                depth = 0
                while k < len(t) and not (t[k].text == "}" and depth == 0):
                    if t[k].text in ("(", "["):
                        depth += 1
                    elif t[k].text in (")", "]"):
                        depth -= 1
                    elif t[k].text == "," and depth == 0:
                        expect_name = True
                    elif expect_name and t[k].kind == "ident":
                        members.append(t[k].text)
                        expect_name = False
                    k += 1
                if last in members:
                    return members
        raise SourceError("%s: no enum with %s" % (self.name, last))


class Ident(str):
    """A C identifier used as a value (VS_KIND_VM, true)."""


class Expr(str):
    """A C expression not otherwise understood."""


def _is_str(v):
    return isinstance(v, str) and not isinstance(v, (Ident, Expr))


def _strings(src, name):
    items = src.array(name)
    out = []
    for desig, v in items:
        if desig is not None or not _is_str(v):
            raise SourceError("%s: %s[] holds something other than string literals: %r"
                              % (src.name, name, v))
        out.append(v)
    if not out:
        raise SourceError("%s: %s[] is empty" % (src.name, name))
    return out


def default_metrics(src_dir=SRC_DIR):
    """vs_default_metrics (src/vs_counters.c): [(kind, group, counter,
    rollup)] in source order. The counter name may hold dots."""
    src = CSource(os.path.join(src_dir, "vs_counters.c"))
    out = []
    seen = set()
    for full in _strings(src, "vs_default_metrics"):
        parts = full.split(".")
        if len(parts) < 4 or not all(parts):
            raise SourceError("%s: default metric %r is not <kind>.<group>.<counter>.<rollup>"
                              % (src.name, full))
        if full in seen:
            raise SourceError("%s: default metric %r listed twice" % (src.name, full))
        seen.add(full)
        out.append((parts[0], parts[1], ".".join(parts[2:-1]), parts[-1]))
    return out


_KIND_FIELDS = {"name": str, "mo_type": str, "interval_id": int, "step_s": int,
                "historical": bool, "collect": bool, "instances": bool}


def kinds(src_dir=SRC_DIR):
    """The kinds table of src/vs_kind.c: [dict(enum, name, mo_type,
    interval_id, step_s, historical, collect, instances)] in the order of
    the vs_kind_t enum (src/vs_kind.h)."""
    src = CSource(os.path.join(src_dir, "vs_kind.c"))
    hdr = CSource(os.path.join(src_dir, "vs_kind.h"))
    order = [m for m in hdr.enum_members("VS_KIND_NUM") if m != "VS_KIND_NUM"]
    rows = {}
    for desig, v in src.array("kinds"):
        if desig is None or desig[0] != "index" or not isinstance(v, list):
            raise SourceError("%s: kinds[] rows must be [VS_KIND_X] = {...}" % src.name)
        row = {"enum": desig[1]}
        for d, fv in v:
            if d is None or d[0] != "field":
                raise SourceError("%s: kinds[%s] must use .field = value" % (src.name, desig[1]))
            f = d[1]
            want = _KIND_FIELDS.get(f)
            if want is bool:
                if fv not in ("true", "false"):
                    raise SourceError("%s: kinds[%s].%s = %r" % (src.name, desig[1], f, fv))
                fv = fv == "true"
            elif want is str and not _is_str(fv):
                raise SourceError("%s: kinds[%s].%s = %r, not a string" % (src.name, desig[1], f, fv))
            elif want is int and not isinstance(fv, int):
                raise SourceError("%s: kinds[%s].%s = %r, not a number" % (src.name, desig[1], f, fv))
            row[f] = fv
        for f, typ in _KIND_FIELDS.items():
            if typ is bool:
                row.setdefault(f, False)
            elif f not in row:
                raise SourceError("%s: kinds[%s] has no .%s" % (src.name, desig[1], f))
        if desig[1] in rows:
            raise SourceError("%s: kinds[%s] twice" % (src.name, desig[1]))
        rows[desig[1]] = row
    missing = [e for e in order if e not in rows]
    extra = [e for e in rows if e not in order]
    if missing or extra:
        raise SourceError("%s: kinds[] rows %s do not match vs_kind_t %s" % (
            src.name, sorted(rows), order))
    return [rows[e] for e in order]


def state_types(src_dir=SRC_DIR):
    """vs_state_types (src/vs_state.c): [dict(type, kind (enum name),
    unit, meaning)] in the order of their index enum."""
    src = CSource(os.path.join(src_dir, "vs_state.c"))
    hdr = CSource(os.path.join(src_dir, "vs_state.h"))
    fields = hdr.struct_fields("vs_state_type_t")
    for f in ("type", "kind", "unit", "meaning"):
        if f not in fields:
            raise SourceError("%s: vs_state_type_t has no field %s (%s)" % (hdr.name, f, fields))
    items = src.array("vs_state_types")
    order = None
    if items and items[0][0] is not None and items[0][0][0] == "index":
        order = [m for m in src.enum_members(items[0][0][1]) if not m.endswith("_NUM")]
    rows = []
    seen_idx, seen_type = set(), set()
    for n, (desig, v) in enumerate(items):
        label = desig[1] if desig else "#%d" % n
        if not isinstance(v, list):
            raise SourceError("%s: vs_state_types[%s] is not a {...} row" % (src.name, label))
        row = {}
        pos = 0
        for d, fv in v:
            if d is None:
                if pos >= len(fields):
                    raise SourceError("%s: vs_state_types[%s] has too many values" % (src.name, label))
                row[fields[pos]] = fv
                pos += 1
            elif d[0] == "field":
                row[d[1]] = fv
                pos = fields.index(d[1]) + 1 if d[1] in fields else pos
            else:
                raise SourceError("%s: vs_state_types[%s]: unexpected designator" % (src.name, label))
        for f in ("type", "unit", "meaning"):
            if not _is_str(row.get(f)):
                raise SourceError("%s: vs_state_types[%s].%s = %r, not a string"
                                  % (src.name, label, f, row.get(f)))
        if not isinstance(row.get("kind"), Ident) or not row["kind"].startswith("VS_KIND_"):
            raise SourceError("%s: vs_state_types[%s].kind = %r, not a VS_KIND_*"
                              % (src.name, label, row.get("kind")))
        if not re.fullmatch(r"[A-Za-z0-9_]+", row["type"]):
            raise SourceError("%s: state type %r is not a valid type name" % (src.name, row["type"]))
        if row["type"] in seen_type or (desig and desig[1] in seen_idx):
            raise SourceError("%s: vs_state_types[%s] (%s) twice" % (src.name, label, row["type"]))
        seen_type.add(row["type"])
        if desig:
            seen_idx.add(desig[1])
        rows.append((order.index(desig[1]) if order and desig and desig[1] in order else n,
                     {"type": str(row["type"]), "kind": str(row["kind"]),
                      "unit": str(row["unit"]), "meaning": str(row["meaning"])}))
    if order is not None and sorted(seen_idx) != sorted(order):
        raise SourceError("%s: vs_state_types[] rows %s do not match the enum %s"
                          % (src.name, sorted(seen_idx), order))
    if not rows:
        raise SourceError("%s: vs_state_types[] is empty" % src.name)
    return [r for _, r in sorted(rows, key=lambda x: x[0])]


def self_metric_types(src_dir=SRC_DIR):
    """The plugin's own types (src/vs_dispatch.c) in source order, as
    [(type, "GAUGE"|"DERIVE")]: vs_self_gauge_types, then
    vs_self_total_types (totals since the start, counters)."""
    src = CSource(os.path.join(src_dir, "vs_dispatch.c"))
    out = [(t, "GAUGE") for t in _strings(src, "vs_self_gauge_types")]
    out += [(t, "DERIVE") for t in _strings(src, "vs_self_total_types")]
    names = [t for t, _ in out]
    if len(set(names)) != len(names):
        raise SourceError("%s: a self type listed twice" % src.name)
    return out


def event_total_types(src_dir=SRC_DIR):
    """The event count types (vs_event_total_types in src/vs_dispatch.c):
    <kind>_events and vcenter_events, DERIVE."""
    src = CSource(os.path.join(src_dir, "vs_dispatch.c"))
    return [(t, "DERIVE") for t in _strings(src, "vs_event_total_types")]


def default_events(src_dir=SRC_DIR):
    """vs_default_events (src/vs_event_rules.c): the event types counted
    unless DefaultEvents is false, in source order."""
    src = CSource(os.path.join(src_dir, "vs_event_rules.c"))
    out = _strings(src, "vs_default_events")
    if len(set(out)) != len(out):
        raise SourceError("%s: an event type listed twice in vs_default_events" % src.name)
    return out


_NOTIF_SEVERITIES = {"NOTIF_FAILURE": "FAILURE", "NOTIF_WARNING": "WARNING", "NOTIF_OKAY": "OKAY"}


def default_notify_events(src_dir=SRC_DIR):
    """vs_default_notify_events (src/vs_event_rules.c): the notifications
    sent unless a NotifyEvent rule says otherwise, as [(type, severity)]
    in source order, severity "FAILURE", "WARNING" or "OKAY" (collectd's
    NOTIF_* names)."""
    src = CSource(os.path.join(src_dir, "vs_event_rules.c"))
    out = []
    for n, (desig, v) in enumerate(src.array("vs_default_notify_events")):
        if desig is not None or not isinstance(v, list) or len(v) != 2 or \
                any(d is not None for d, _ in v):
            raise SourceError("%s: vs_default_notify_events[%d] is not a {\"Type\", NOTIF_X} pair: %r"
                              % (src.name, n, v))
        (_, type_), (_, sev) = v
        if not _is_str(type_) or not type_:
            raise SourceError("%s: vs_default_notify_events[%d]: %r is not an event type"
                              % (src.name, n, type_))
        if not isinstance(sev, Ident) or sev not in _NOTIF_SEVERITIES:
            raise SourceError("%s: vs_default_notify_events[%d] (%s): severity %r is not one of %s"
                              % (src.name, n, type_, sev, ", ".join(sorted(_NOTIF_SEVERITIES))))
        out.append((type_, _NOTIF_SEVERITIES[sev]))
    if not out:
        raise SourceError("%s: vs_default_notify_events[] is empty" % src.name)
    types = [t for t, _ in out]
    if len(set(types)) != len(types):
        raise SourceError("%s: an event type listed twice in vs_default_notify_events" % src.name)
    return out


def event_arguments(src_dir=SRC_DIR):
    """The entity arguments of an event the parser reads (event_arg_names
    in src/vs_parse.c), most specific first: the order of the
    vs_event_arg_t enum (src/vs_parse.h)."""
    src = CSource(os.path.join(src_dir, "vs_parse.c"))
    hdr = CSource(os.path.join(src_dir, "vs_parse.h"))
    order = [m for m in hdr.enum_members("VS_EVENT_ARG_NUM") if m != "VS_EVENT_ARG_NUM"]
    names = {}
    for desig, v in src.array("event_arg_names"):
        if desig is None or desig[0] != "index" or not _is_str(v):
            raise SourceError("%s: event_arg_names[] rows must be [VS_EVENT_ARG_X] = \"name\""
                              % src.name)
        names[desig[1]] = v
    if sorted(names) != sorted(order):
        raise SourceError("%s: event_arg_names[] rows %s do not match vs_event_arg_t %s"
                          % (src.name, sorted(names), order))
    return [names[e] for e in order]


def type_name(*parts):
    """The plugin's collectd type name (vs_counter_type_name): parts joined
    by '_', every character outside [A-Za-z0-9_] replaced by '_'."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


# --------------------------------------------------------------------------
# perfCounter catalog

def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el, name):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el, path):
    for name in path.split("/"):
        el = _child(el, name) if el is not None else None
    return None if el is None else (el.text or "").strip()


def read_catalog(path_or_file, label=None):
    """A PerformanceManager perfCounter answer (RetrievePropertiesEx or
    RetrieveProperties response, from vcsim or vCenter): {key: dict(key,
    group, name, rollup, unit, stats_type, level, per_device_level,
    summary, label)}."""
    where = label or getattr(path_or_file, "name", None) or str(path_or_file)
    try:
        root = ET.parse(path_or_file).getroot()
    except ET.ParseError as e:
        raise CatalogError("%s: not well-formed XML: %s" % (where, e))
    except OSError as e:
        raise CatalogError("%s: %s" % (where, e.strerror or e))
    for el in root.iter():
        if _local(el.tag) == "Fault":
            raise CatalogError("%s: a SOAP fault, not a catalog: %s" % (
                where, _text(el, "faultstring")))
    vals = []
    for ps in root.iter():
        if _local(ps.tag) == "propSet" and _text(ps, "name") == "perfCounter":
            val = _child(ps, "val")
            if val is not None:
                vals.append(val)
    if len(vals) != 1:
        raise CatalogError("%s: expected one propSet perfCounter with a val, found %d "
                           "(is this PerformanceManager's perfCounter RetrievePropertiesEx answer?)"
                           % (where, len(vals)))
    out = {}
    for n, info in enumerate(vals[0]):
        fields = {}
        for f, p in (("key", "key"), ("group", "groupInfo/key"), ("name", "nameInfo/key"),
                     ("rollup", "rollupType"), ("unit", "unitInfo/key"),
                     ("stats_type", "statsType")):
            v = _text(info, p)
            if not v:
                raise CatalogError("%s: counter #%d (%s) has no %s" % (
                    where, n + 1, _text(info, "key") or "no key", p))
            fields[f] = v
        try:
            fields["key"] = int(fields["key"])
        except ValueError:
            raise CatalogError("%s: counter #%d: key %r is not a number" % (where, n + 1, fields["key"]))
        for f, p in (("level", "level"), ("per_device_level", "perDeviceLevel")):
            v = _text(info, p)
            if v:
                try:
                    v = int(v)
                except ValueError:
                    raise CatalogError("%s: counter %d: %s %r is not a number"
                                       % (where, fields["key"], p, v))
            fields[f] = v if v != "" else None
        fields["summary"] = " ".join((_text(info, "nameInfo/summary") or "").split())
        fields["label"] = " ".join((_text(info, "nameInfo/label") or "").split())
        if fields["key"] in out:
            raise CatalogError("%s: counter key %d twice" % (where, fields["key"]))
        out[fields["key"]] = fields
    if not out:
        raise CatalogError("%s: the perfCounter property is empty" % where)
    return out


def catalog_by_name(cat):
    """{(group, name, rollup): counter} keeping the lowest key of a name
    listed twice (vCenter catalogs have a few)."""
    out = {}
    for key in sorted(cat):
        c = cat[key]
        out.setdefault((c["group"], c["name"], c["rollup"]), c)
    return out
