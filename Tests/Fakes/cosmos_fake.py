#!/usr/bin/env python3
"""A loopback stand-in for the Azure Cosmos DB (NoSQL) REST API, for tests.

Independent of the Swift plugin: it checks every request the way the service does.

* Authorization: recomputes the master-key signature (HMAC-SHA256 with the base64-decoded key over
  lower(verb)\\nlower(resourceType)\\nresourceLink\\nlower(x-ms-date)\\n\\n, the resource type and link
  derived from the unescaped path) and answers 401 with Cosmos's body when it differs; 403 when
  x-ms-date is more than 15 minutes away from the server's clock.
* Required headers: x-ms-date, x-ms-version, Authorization; x-ms-documentdb-partitionkey (a JSON
  array of one value) on point operations, 400 when missing or not matching the document.
* Databases, collections (with partitionKey and indexingPolicy), documents with _etag/_ts/_rid,
  If-Match -> 412, duplicate id within a partition -> 409, upsert (x-ms-documentdb-is-upsert).
* Queries (POST .../docs with x-ms-documentdb-isquery: True and Content-Type
  application/query+json): SELECT * FROM c [WHERE expr] [ORDER BY path [ASC|DESC], ...] with
  parameters, AND/OR/NOT, parentheses, = != < > <= >= on nested paths (c.a.b, c["a"]), literals.
  Comparisons between different types are undefined (false), as in Cosmos. Paging with
  x-ms-max-item-count and x-ms-continuation. A query without a partition key needs
  x-ms-documentdb-query-enablecrosspartition: True; an ORDER BY across partitions must name a
  partition key range (x-ms-documentdb-partitionkeyrangeid), as the real gateway requires; an
  ORDER BY on several paths needs a matching composite index.
* GET .../pkranges lists --ranges partition key ranges; documents are spread over them by a hash
  of the partition key.
* Throttling on demand: POST /_fake/throttle {"count": N, "retry_after_ms": M} (unsigned, not part
  of Cosmos) answers the next N Cosmos requests with 429 and x-ms-retry-after-ms: M.
* Latency on demand: POST /_fake/latency {"ms": N} (unsigned) delays every later Cosmos request
  by N ms before it is handled (0 ends it): a slow account, for swaps that take a while.

Usage: cosmos_fake.py [--key BASE64] [--ranges N] [--max-page N] [--clock-skew SECONDS]
Prints "LISTENING <port>" on stdout; logs each request and each refusal (with its reason) on stderr.
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class CosmosError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


# ---------------------------------------------------------------- SQL

class SqlSyntaxError(Exception):
    pass


KEYWORDS = {"SELECT", "FROM", "WHERE", "ORDER", "BY", "ASC", "DESC", "AND", "OR", "NOT", "TRUE", "FALSE", "NULL"}


def tokenize(text):
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()[],.*":
            out.append(("p", ch)); i += 1
        elif text.startswith(("<=", ">=", "!=", "<>"), i):
            out.append(("op", "!=" if text[i:i + 2] == "<>" else text[i:i + 2])); i += 2
        elif ch in "=<>":
            out.append(("op", ch)); i += 1
        elif ch == "@":
            j = i + 1
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(("param", text[i:j])); i = j
        elif ch in "\"'":
            j, buf = i + 1, ""
            while j < len(text) and text[j] != ch:
                if text[j] == "\\" and j + 1 < len(text):
                    esc = text[j + 1]
                    buf += {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "/": "/"}.get(esc, esc)
                    j += 2
                else:
                    buf += text[j]; j += 1
            if j >= len(text):
                raise SqlSyntaxError("unterminated string literal")
            out.append(("str", buf)); i = j + 1
        elif ch.isdigit() or (ch == "-" and i + 1 < len(text) and text[i + 1].isdigit()):
            j = i + 1
            while j < len(text) and (text[j].isdigit() or text[j] in ".eE+-"):
                j += 1
            s = text[i:j]
            out.append(("num", float(s) if any(c in s for c in ".eE") else int(s))); i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            out.append(("kw", word.upper()) if word.upper() in KEYWORDS else ("id", word)); i = j
        else:
            raise SqlSyntaxError("unexpected character %r at %d" % (ch, i))
    return out


class Parser:
    """SELECT * FROM <alias> [WHERE expr] [ORDER BY path [ASC|DESC], ...]"""

    def __init__(self, text):
        self.toks, self.i = tokenize(text), 0

    def peek(self, kind=None, value=None):
        if self.i >= len(self.toks):
            return None
        t = self.toks[self.i]
        if kind and t[0] != kind:
            return None
        if value is not None and t[1] != value:
            return None
        return t

    def take(self, kind, value=None):
        t = self.peek(kind, value)
        if not t:
            got = self.toks[self.i] if self.i < len(self.toks) else ("end", "end of query")
            raise SqlSyntaxError("expected %s, got %r" % (value or kind, got[1]))
        self.i += 1
        return t

    def parse(self):
        self.take("kw", "SELECT"); self.take("p", "*"); self.take("kw", "FROM")
        self.alias = self.take("id")[1]
        where, order = None, []
        if self.peek("kw", "WHERE"):
            self.i += 1
            where = self.expr()
        if self.peek("kw", "ORDER"):
            self.i += 1; self.take("kw", "BY")
            while True:
                path = self.path()
                desc = False
                if self.peek("kw", "ASC"):
                    self.i += 1
                elif self.peek("kw", "DESC"):
                    self.i += 1; desc = True
                order.append((path, desc))
                if not self.peek("p", ","):
                    break
                self.i += 1
        if self.i != len(self.toks):
            raise SqlSyntaxError("unexpected %r after the query" % (self.toks[self.i][1],))
        return where, order

    def expr(self):
        left = self.conj()
        while self.peek("kw", "OR"):
            self.i += 1
            left = ("or", left, self.conj())
        return left

    def conj(self):
        left = self.unary()
        while self.peek("kw", "AND"):
            self.i += 1
            left = ("and", left, self.unary())
        return left

    def unary(self):
        if self.peek("kw", "NOT"):
            self.i += 1
            return ("not", self.unary())
        left = self.operand()
        if self.peek("op"):
            op = self.take("op")[1]
            return ("cmp", op, left, self.operand())
        return left

    def operand(self):
        if self.peek("p", "("):
            self.i += 1
            e = self.expr()
            self.take("p", ")")
            return e
        t = self.peek()
        if t is None:
            raise SqlSyntaxError("unexpected end of query")
        if t[0] == "param":
            self.i += 1
            return ("param", t[1])
        if t[0] in ("str", "num"):
            self.i += 1
            return ("lit", t[1])
        if t == ("kw", "TRUE"):
            self.i += 1; return ("lit", True)
        if t == ("kw", "FALSE"):
            self.i += 1; return ("lit", False)
        if t == ("kw", "NULL"):
            self.i += 1; return ("lit", None)
        return ("path", self.path())

    def path(self):
        root = self.take("id")[1]
        if root != self.alias:
            raise SqlSyntaxError("identifier %r could not be resolved" % root)
        segs = []
        while True:
            if self.peek("p", "."):
                self.i += 1
                t = self.peek()
                if t and t[0] in ("id", "kw"):
                    self.i += 1
                    segs.append(t[1] if t[0] == "id" else self.toks[self.i - 1][1])
                else:
                    raise SqlSyntaxError("expected a property name after '.'")
            elif self.peek("p", "["):
                self.i += 1
                segs.append(self.take("str")[1])
                self.take("p", "]")
            else:
                return tuple(segs)


UNDEFINED = object()


def kind(v):
    if v is UNDEFINED:
        return "undefined"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def deep_equal(a, b):
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "number":
        return float(a) == float(b)
    if ka == "array":
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    if ka == "object":
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    return a == b


def evaluate(node, doc, params):
    """Returns True, False or UNDEFINED (Cosmos's three-valued logic)."""
    t = node[0]
    if t == "lit":
        return node[1]
    if t == "param":
        if node[1] not in params:
            raise CosmosError(400, "BadRequest", "Parameter '%s' is not defined." % node[1])
        return params[node[1]]
    if t == "path":
        v = doc
        for s in node[1]:
            if isinstance(v, dict) and s in v:
                v = v[s]
            else:
                return UNDEFINED
        return v
    if t == "cmp":
        op, a, b = node[1], evaluate(node[2], doc, params), evaluate(node[3], doc, params)
        ka, kb = kind(a), kind(b)
        if "undefined" in (ka, kb) or ka != kb:
            return UNDEFINED
        if op == "=":
            return deep_equal(a, b)
        if op == "!=":
            return not deep_equal(a, b)
        if ka not in ("number", "string", "bool"):
            return UNDEFINED
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if t == "and":
        a, b = evaluate(node[1], doc, params), evaluate(node[2], doc, params)
        if a is False or b is False:
            return False
        return True if (a is True and b is True) else UNDEFINED
    if t == "or":
        a, b = evaluate(node[1], doc, params), evaluate(node[2], doc, params)
        if a is True or b is True:
            return True
        return False if (a is False and b is False) else UNDEFINED
    if t == "not":
        a = evaluate(node[1], doc, params)
        return (not a) if isinstance(a, bool) else UNDEFINED
    raise CosmosError(400, "BadRequest", "unsupported expression")


# ---------------------------------------------------------------- store

class Store:
    def __init__(self, ranges):
        self.lock = threading.Lock()
        self.dbs = {}  # id -> {"meta": {...}, "colls": {id: {"meta": {...}, "docs": {(pk_json, id): doc}}}}
        self.ranges = ranges
        self.throttle = 0
        self.throttle_ms = 10

    @staticmethod
    def rid():
        return base64.b64encode(uuid.uuid4().bytes[:8]).decode()

    @staticmethod
    def etag():
        return '"%s"' % uuid.uuid4()

    def range_of(self, pk_json):
        return int(hashlib.md5(pk_json.encode()).hexdigest(), 16) % self.ranges


def pk_value(doc, paths):
    v = doc
    for s in paths[0].strip("/").split("/"):
        if isinstance(v, dict) and s in v:
            v = v[s]
        else:
            return UNDEFINED
    return v


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "FakeCosmos/1.0"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    # -- plumbing

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-activity-id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def refuse(self, status, code, message, headers=None):
        log("REFUSED %s %s -> %d %s: %s" % (self.command, self.path, status, code, message))
        self.reply(status, {"code": code, "message": message}, headers)

    def handle_any(self, verb):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        log("%s %s pk=%s range=%s%s" % (verb, url.path, self.headers.get("x-ms-documentdb-partitionkey"),
                                         self.headers.get("x-ms-documentdb-partitionkeyrangeid"),
                                         " continuation=yes" if self.headers.get("x-ms-continuation") else ""))
        store = self.server.store
        if url.path == "/_fake/throttle" and verb == "POST":
            spec = json.loads(raw or b"{}")
            with store.lock:
                store.throttle = int(spec.get("count", 1))
                store.throttle_ms = int(spec.get("retry_after_ms", 10))
            log("CONTROL throttle next %d requests (retry after %d ms)" % (store.throttle, store.throttle_ms))
            return self.reply(200, {"throttle": store.throttle})
        if url.path == "/_fake/latency" and verb == "POST":
            with store.lock:
                store.latency_ms = max(0, int(json.loads(raw or b"{}").get("ms", 0)))
            log("CONTROL latency %d ms per request" % store.latency_ms)
            return self.reply(200, {"latency_ms": store.latency_ms})
        delay = getattr(store, "latency_ms", 0)
        if delay:
            time.sleep(delay / 1000.0)
        try:
            segments = [urllib.parse.unquote(s) for s in url.path.split("/") if s]
            self.authorize(verb, segments)
            with store.lock:
                if store.throttle > 0:
                    store.throttle -= 1
                    ms = store.throttle_ms
                    raise CosmosError(429, "TooManyRequests",
                                      "Message: {\"Errors\":[\"Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later.\"]}",
                                      {"x-ms-retry-after-ms": str(ms)})
            status, body, headers = self.route(verb, segments, raw)
            self.reply(status, body, headers)
        except CosmosError as e:
            self.refuse(e.status, e.code, e.message, e.headers)
        except Exception as e:  # a bug in the fake: say so loudly
            log("FAKE BUG %s %s: %r" % (verb, url.path, e))
            self.refuse(500, "InternalServerError", "fake error: %r" % (e,))

    # -- authorization, as Cosmos checks it

    def authorize(self, verb, segments):
        date = self.headers.get("x-ms-date")
        if not date:
            raise CosmosError(401, "Unauthorized", "Required Header authorization is missing. Ensure a valid Authorization token is defined for the request, or x-ms-date is missing.")
        if not self.headers.get("x-ms-version"):
            raise CosmosError(400, "BadRequest", "Required header 'x-ms-version' is missing.")
        auth = self.headers.get("Authorization")
        if not auth:
            raise CosmosError(401, "Unauthorized", "Required Header authorization is missing. Ensure a valid Authorization token is defined for the request.")
        token = urllib.parse.unquote(auth)
        fields = dict(p.split("=", 1) for p in token.split("&") if "=" in p)
        if fields.get("type") != "master" or fields.get("ver") != "1.0" or "sig" not in fields:
            raise CosmosError(401, "Unauthorized", "The input authorization token can't serve the request. Please check that the expected payload is built as per the protocol, and check the key being used. (token fields: %s)" % sorted(fields))
        if not segments:
            rtype, link = "", ""
        elif len(segments) % 2 == 1:
            rtype, link = segments[-1], "/".join(segments[:-1])
        else:
            rtype, link = segments[-2], "/".join(segments)
        payload = "%s\n%s\n%s\n%s\n\n" % (verb.lower(), rtype.lower(), link, date.lower())
        expected = base64.b64encode(hmac.new(self.server.key, payload.encode("utf-8"), hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, fields["sig"]):
            shown = payload.replace("\n", "\\n")
            raise CosmosError(401, "Unauthorized",
                              "The input authorization token can't serve the request. The wrong key is being used or the expected payload is not built as per the protocol. For more info: https://aka.ms/cosmosdb-tsg-401. Server used the following payload to sign: '%s'" % shown)
        parsed = email.utils.parsedate_to_datetime(date) if date else None
        now = time.time() + self.server.clock_skew
        if parsed is None or abs(parsed.timestamp() - now) > 15 * 60:
            raise CosmosError(403, "Forbidden",
                              "The authorization token is not valid at the current time. Please create another token and retry (token start time: %s, token expiry time: %s, current server time: %s)."
                              % (date, date, email.utils.formatdate(now, usegmt=True)))

    # -- routes

    def pk_header(self, required=True):
        h = self.headers.get("x-ms-documentdb-partitionkey")
        if h is None:
            if required:
                raise CosmosError(400, "BadRequest", "PartitionKey value must be supplied for this operation.")
            return None
        try:
            v = json.loads(h)
        except ValueError:
            raise CosmosError(400, "BadRequest", "The partition key supplied in x-ms-partitionkey header has an incorrect format: %s" % h)
        if not isinstance(v, list) or len(v) != 1:
            raise CosmosError(400, "BadRequest", "The partition key supplied in x-ms-partitionkey header must be a JSON array of one value, got %s" % h)
        return v[0]

    def route(self, verb, seg, raw):
        store = self.server.store
        n = len(seg)
        if n == 0 and verb == "GET":
            base = "http://127.0.0.1:%d/" % self.server.server_address[1]
            return 200, {"_self": "", "id": "fake", "_rid": "fake.documents.azure.com",
                         "writableLocations": [{"name": "Local", "databaseAccountEndpoint": base}],
                         "readableLocations": [{"name": "Local", "databaseAccountEndpoint": base}],
                         "enableMultipleWriteLocations": False,
                         "userConsistencyPolicy": {"defaultConsistencyLevel": "Session"}}, {}
        if n >= 1 and seg[0] != "dbs":
            raise CosmosError(404, "NotFound", "Resource type %s is not known." % seg[0])
        with store.lock:
            if n == 1:
                if verb == "POST":
                    body = self.json_body(raw)
                    dbid = body.get("id")
                    if not isinstance(dbid, str) or not dbid:
                        raise CosmosError(400, "BadRequest", "The input name is invalid.")
                    if dbid in store.dbs:
                        raise CosmosError(409, "Conflict", "Entity with the specified id already exists in the system.")
                    meta = {"id": dbid, "_rid": store.rid(), "_etag": store.etag(), "_ts": int(time.time())}
                    store.dbs[dbid] = {"meta": meta, "colls": {}}
                    return 201, meta, {}
                if verb == "GET":
                    return 200, {"Databases": [d["meta"] for d in store.dbs.values()], "_count": len(store.dbs)}, {}
            db = store.dbs.get(seg[1]) if n >= 2 else None
            if n == 2:
                if db is None:
                    raise CosmosError(404, "NotFound", "Entity with the specified id does not exist in the system.")
                if verb == "GET":
                    return 200, db["meta"], {}
                if verb == "DELETE":
                    del store.dbs[seg[1]]
                    return 204, None, {}
            if n >= 3 and seg[2] != "colls":
                raise CosmosError(404, "NotFound", "Resource type %s is not known." % seg[2])
            if n >= 3 and db is None:
                raise CosmosError(404, "NotFound", "Entity with the specified id does not exist in the system. Database '%s' not found" % seg[1])
            if n == 3:
                if verb == "POST":
                    return self.create_collection(db, self.json_body(raw))
                if verb == "GET":
                    colls = [c["meta"] for c in db["colls"].values()]
                    return 200, {"_rid": db["meta"]["_rid"], "DocumentCollections": colls, "_count": len(colls)}, {}
            coll = db["colls"].get(seg[3]) if n >= 4 else None
            if n >= 4 and coll is None:
                raise CosmosError(404, "NotFound", "Entity with the specified id does not exist in the system. Collection '%s' not found" % seg[3])
            if n == 4:
                if verb == "GET":
                    return 200, coll["meta"], {}
                if verb == "DELETE":
                    del db["colls"][seg[3]]
                    return 204, None, {}
            if n == 5 and seg[4] == "pkranges" and verb == "GET":
                ranges = [{"id": str(i), "_rid": store.rid(), "minInclusive": "%02X" % (i * 256 // store.ranges) if i else "",
                           "maxExclusive": "%02X" % ((i + 1) * 256 // store.ranges) if i + 1 < store.ranges else "FF",
                           "status": "online", "parents": []} for i in range(store.ranges)]
                return 200, {"_rid": coll["meta"]["_rid"], "PartitionKeyRanges": ranges, "_count": len(ranges)}, {}
            if n >= 5 and seg[4] != "docs":
                raise CosmosError(404, "NotFound", "Resource type %s is not known." % seg[4])
            if n == 5 and verb == "POST":
                if (self.headers.get("x-ms-documentdb-isquery") or "").lower() == "true":
                    return self.query(coll, raw)
                return self.write_document(coll, raw, upsert=(self.headers.get("x-ms-documentdb-is-upsert") or "").lower() == "true")
            if n == 6:
                return self.point(verb, coll, seg[5], raw)
        raise CosmosError(405, "MethodNotAllowed", "%s is not allowed on %s" % (verb, "/".join(seg)))

    def json_body(self, raw):
        try:
            v = json.loads(raw or b"null")
        except ValueError as e:
            raise CosmosError(400, "BadRequest", "The request payload is invalid. Ensure to provide a valid request payload. (%s)" % e)
        if not isinstance(v, dict):
            raise CosmosError(400, "BadRequest", "The request payload is invalid: expected a JSON object.")
        return v

    def create_collection(self, db, body):
        cid = body.get("id")
        if not isinstance(cid, str) or not cid:
            raise CosmosError(400, "BadRequest", "The input name is invalid.")
        pk = body.get("partitionKey") or {}
        paths = pk.get("paths")
        if not isinstance(paths, list) or len(paths) != 1 or not str(paths[0]).startswith("/"):
            raise CosmosError(400, "BadRequest", "The partition key definition must have exactly one path starting with '/'.")
        if cid in db["colls"]:
            raise CosmosError(409, "Conflict", "Entity with the specified id already exists in the system.")
        policy = body.get("indexingPolicy") or {"indexingMode": "consistent", "automatic": True}
        meta = {"id": cid, "_rid": self.server.store.rid(), "_etag": self.server.store.etag(), "_ts": int(time.time()),
                "partitionKey": {"paths": paths, "kind": pk.get("kind", "Hash")}, "indexingPolicy": policy}
        db["colls"][cid] = {"meta": meta, "docs": {}}
        return 201, meta, {}

    def write_document(self, coll, raw, upsert):
        doc = self.json_body(raw)
        did = doc.get("id")
        if not isinstance(did, str) or not did:
            raise CosmosError(400, "BadRequest", "The input content is invalid because the required properties - 'id; ' - are missing")
        if any(c in did for c in "/\\?#"):
            raise CosmosError(400, "BadRequest", "The input name '%s' is invalid. Ensure to provide a unique non-empty string less than '255' characters." % did)
        header_pk = self.pk_header()
        doc_pk = pk_value(doc, coll["meta"]["partitionKey"]["paths"])
        if doc_pk is UNDEFINED or canon(doc_pk) != canon(header_pk):
            raise CosmosError(400, "BadRequest", "PartitionKey extracted from document doesn't match the one specified in the header.")
        key = (canon(header_pk), did)
        existing = coll["docs"].get(key)
        if_match = self.headers.get("If-Match")
        if existing is not None and not upsert:
            raise CosmosError(409, "Conflict", "Entity with the specified id already exists in the system.")
        if if_match is not None and (existing is None or existing["_etag"] != if_match):
            raise CosmosError(412, "PreconditionFailed", "Operation cannot be performed because one of the specified precondition is not met.")
        stored = self.stamp(doc)
        coll["docs"][key] = stored
        return (200 if existing is not None else 201), stored, {"etag": stored["_etag"]}

    def stamp(self, doc):
        stored = dict(doc)
        stored["_rid"] = self.server.store.rid()
        stored["_self"] = "dbs/x/colls/y/docs/" + stored["_rid"]
        stored["_etag"] = self.server.store.etag()
        stored["_attachments"] = "attachments/"
        stored["_ts"] = int(time.time())
        return stored

    def point(self, verb, coll, did, raw):
        header_pk = self.pk_header()
        key = (canon(header_pk), did)
        existing = coll["docs"].get(key)
        if existing is None:
            raise CosmosError(404, "NotFound", "Entity with the specified id does not exist in the system.")
        if_match = self.headers.get("If-Match")
        if verb == "GET":
            return 200, existing, {"etag": existing["_etag"]}
        if verb in ("PUT", "DELETE") and if_match is not None and if_match != existing["_etag"]:
            raise CosmosError(412, "PreconditionFailed", "Operation cannot be performed because one of the specified precondition is not met.")
        if verb == "DELETE":
            del coll["docs"][key]
            return 204, None, {}
        if verb == "PUT":
            doc = self.json_body(raw)
            if doc.get("id") != did:
                raise CosmosError(400, "BadRequest", "The id in the body does not match the id in the URL.")
            doc_pk = pk_value(doc, coll["meta"]["partitionKey"]["paths"])
            if doc_pk is UNDEFINED or canon(doc_pk) != canon(header_pk):
                raise CosmosError(400, "BadRequest", "PartitionKey extracted from document doesn't match the one specified in the header.")
            stored = self.stamp(doc)
            coll["docs"][key] = stored
            return 200, stored, {"etag": stored["_etag"]}
        raise CosmosError(405, "MethodNotAllowed", "%s is not allowed on a document" % verb)

    def query(self, coll, raw):
        ctype = self.headers.get("Content-Type")
        if ctype != "application/query+json":
            raise CosmosError(400, "BadRequest", "The Content-Type of a query must be exactly application/query+json, got %r." % ctype)
        body = self.json_body(raw)
        text = body.get("query")
        if not isinstance(text, str):
            raise CosmosError(400, "BadRequest", "The query body must have a string \"query\".")
        params = {}
        for p in body.get("parameters") or []:
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not p["name"].startswith("@"):
                raise CosmosError(400, "BadRequest", "Invalid query parameter %r: expected {\"name\": \"@x\", \"value\": ...}." % (p,))
            params[p["name"]] = p.get("value")
        try:
            where, order = Parser(text).parse()
        except SqlSyntaxError as e:
            raise CosmosError(400, "BadRequest", "Syntax error in the query: %s" % e)
        pk = self.pk_header(required=False)
        range_id = self.headers.get("x-ms-documentdb-partitionkeyrangeid")
        cross = (self.headers.get("x-ms-documentdb-query-enablecrosspartition") or "").lower() == "true"
        store = self.server.store
        if pk is None and range_id is None and not cross:
            raise CosmosError(400, "BadRequest", "Cross partition query is required but disabled. Please set x-ms-documentdb-query-enablecrosspartition to true, specify x-ms-documentdb-partitionkey, or revise your query to avoid this exception.")
        if pk is None and range_id is None and order:
            raise CosmosError(400, "BadRequest", "The provided cross partition query can not be directly served by the gateway. This is a first chance (internal) exception that all newer clients will know how to handle gracefully. This exception is traced, but unless you see it bubble up as an exception (which only happens on older SDK clients), then you can safely ignore this message.")
        if range_id is not None and (not range_id.isdigit() or int(range_id) >= store.ranges):
            raise CosmosError(410, "Gone", "The partition key range %s does not exist (it may have split)." % range_id)
        if len(order) > 1:
            wanted = [("/" + "/".join(p), "descending" if d else "ascending") for p, d in order]
            composites = (coll["meta"].get("indexingPolicy") or {}).get("compositeIndexes") or []
            if not any([(c.get("path"), c.get("order", "ascending")) for c in comp] == wanted for comp in composites):
                raise CosmosError(400, "BadRequest", "The order by query does not have a corresponding composite index that it can be served from.")
        items = []
        for (pk_json, _), doc in coll["docs"].items():
            if pk is not None and pk_json != canon(pk):
                continue
            if range_id is not None and store.range_of(pk_json) != int(range_id):
                continue
            if where is None or evaluate(where, doc, params) is True:
                items.append(doc)
        for path, desc in reversed(order):
            def sort_key(d, path=path):
                v = evaluate(("path", path), d, {})
                order_of = {"undefined": 0, "null": 1, "bool": 2, "number": 3, "string": 4}
                k = kind(v)
                return (order_of.get(k, 5), v if k in ("bool", "number", "string") else 0)
            items.sort(key=sort_key, reverse=desc)
        try:
            max_items = int(self.headers.get("x-ms-max-item-count") or 100)
        except ValueError:
            raise CosmosError(400, "BadRequest", "Invalid value for x-ms-max-item-count.")
        if max_items <= 0:
            max_items = 100
        if self.server.max_page:
            max_items = min(max_items, self.server.max_page)  # as Cosmos cuts pages at its response size limit
        start = 0
        cont = self.headers.get("x-ms-continuation")
        fingerprint = hashlib.sha256((text + canon(params) + str(pk) + str(range_id)).encode()).hexdigest()[:16]
        if cont:
            try:
                state = json.loads(base64.b64decode(cont))
                assert state["q"] == fingerprint
                start = int(state["offset"])
            except Exception:
                raise CosmosError(400, "BadRequest", "Invalid continuation token %r for this query." % cont)
        page = items[start:start + max_items]
        headers = {"x-ms-item-count": str(len(page))}
        if start + max_items < len(items):
            headers["x-ms-continuation"] = base64.b64encode(json.dumps({"q": fingerprint, "offset": start + max_items}).encode()).decode()
        return 200, {"_rid": coll["meta"]["_rid"], "Documents": page, "_count": len(page)}, headers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--key", default=EMULATOR_KEY, help="the account key (base64); default: the emulator's published key")
    ap.add_argument("--ranges", type=int, default=2, help="partition key ranges per collection")
    ap.add_argument("--max-page", type=int, default=0, help="most documents per query response, whatever x-ms-max-item-count asks (0 = no cap)")
    ap.add_argument("--clock-skew", type=float, default=0, help="seconds added to the server clock (to test the 15-minute rule)")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.request_queue_size = 256
    server.daemon_threads = True
    server.server_bind()
    server.server_activate()
    server.key = base64.b64decode(args.key)
    server.store = Store(max(1, args.ranges))
    server.clock_skew = args.clock_skew
    server.max_page = max(0, args.max_page)
    print("LISTENING %d" % server.server_address[1], flush=True)
    log("cosmos fake on 127.0.0.1:%d, %d partition key range(s)" % (server.server_address[1], server.store.ranges))
    server.serve_forever()


if __name__ == "__main__":
    main()
