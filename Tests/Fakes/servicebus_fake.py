#!/usr/bin/env python3
"""A loopback Azure Service Bus (REST data plane and ATOM management) for the tests of the
servicebus-eventbus plugin. Python 3 standard library only, threaded, in-memory.

It checks requests the way Service Bus does:
  * every request needs `Authorization: SharedAccessSignature sr=..&sig=..&se=..&skn=..`; the
    signature is recomputed (HMAC-SHA256 keyed with the UTF-8 bytes of the key string as given,
    over quote_plus(sr) + "\\n" + se); a wrong key name or signature, an expired token or an `sr`
    that does not cover the request is refused with 401 and Service Bus's XML error body;
  * topics and subscriptions (PUT/GET/DELETE of ATOM entries, feeds with $skip/$top), rules
    with SQL filters (comparisons, LIKE .. ESCAPE, IS [NOT] NULL, IN, AND/OR/NOT) on sys.Label,
    sys.MessageId, sys.CorrelationId and user properties;
  * send and batch send (application/vnd.microsoft.servicebus.json) with BrokerProperties
    validation, duplicate detection by MessageId within the topic's window, TTL;
  * peek-lock (POST .../messages/head?timeout=N: 201 + BrokerProperties + Location, 204 when
    nothing arrives in time), lock tokens, LockedUntilUtc, lock expiry -> redelivery with
    DeliveryCount+1, MaxDeliveryCount -> $DeadLetterQueue (MaxDeliveryCountExceeded);
    complete (DELETE), abandon (PUT), renew (POST) on the Location URL (404 for an unknown or
    expired lock, 410 for a missing entity).

Test controls (no token needed): POST /$fake/throttle?count=N&retry_after=S answers the next N
requests with 429 and `Retry-After: S`.

Usage: servicebus_fake.py --key-name NAME --key KEY   (prints `LISTENING <port>` on stdout).
Every request and every refusal (with its reason) is logged to stderr.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote_plus, unquote, unquote_plus, urlsplit
from xml.sax.saxutils import escape as xml_escape

CONNECT_NS = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$")
SUB_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")
BROKER_KEYS = {"MessageId", "Label", "TimeToLive", "CorrelationId", "ReplyTo", "To", "SessionId",
               "ContentType", "ScheduledEnqueueTimeUtc", "PartitionKey", "ReplyToSessionId", "ViaPartitionKey"}

STATE = threading.Condition()
ARGS = None
THROTTLE = {"count": 0, "retry_after": "1"}


def log(msg):
    sys.stderr.write("[servicebus-fake] %s\n" % msg)
    sys.stderr.flush()


def http_date(t):
    return formatdate(t, usegmt=True)


def parse_duration(text):
    """ISO 8601 durations as Service Bus writes them: P14D, PT1M, PT60S, PT0.5S, P1DT2H."""
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text.strip())
    if not m or text.strip() in ("P", "PT"):
        raise ValueError("not an ISO 8601 duration: %r" % text)
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def duration_text(seconds):
    s = ("%.3f" % seconds).rstrip("0").rstrip(".")
    return "PT%sS" % s


# ---------------------------------------------------------------------------------------------
# SQL filters (the subset Service Bus rules use that the plugin needs, and a bit more)

class SqlError(Exception):
    pass


TOKEN_RE = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)"
                      r"|(?P<id>[A-Za-z_$][A-Za-z0-9_.$]*))")


def tokenize(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise SqlError("unexpected character at %d: %r" % (pos, text[pos:pos + 10]))
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", m.group("str")[1:-1].replace("''", "'")))
        elif m.group("num") is not None:
            out.append(("num", float(m.group("num"))))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            word = m.group("id")
            if word.upper() in ("AND", "OR", "NOT", "IS", "NULL", "LIKE", "ESCAPE", "IN", "TRUE", "FALSE"):
                out.append(("kw", word.upper()))
            else:
                out.append(("id", word))
    return out


class SqlParser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, kind=None, value=None):
        if self.i >= len(self.toks):
            return None
        t = self.toks[self.i]
        if kind and t[0] != kind:
            return None
        if value is not None and t[1] != value:
            return None
        return t

    def take(self, kind=None, value=None):
        t = self.peek(kind, value)
        if t is None:
            got = self.toks[self.i] if self.i < len(self.toks) else "end of expression"
            raise SqlError("expected %s, got %r" % (value or kind, got))
        self.i += 1
        return t

    def parse(self):
        e = self.or_()
        if self.i != len(self.toks):
            raise SqlError("unexpected %r" % (self.toks[self.i],))
        return e

    def or_(self):
        e = self.and_()
        while self.peek("kw", "OR"):
            self.i += 1
            e = ("or", e, self.and_())
        return e

    def and_(self):
        e = self.not_()
        while self.peek("kw", "AND"):
            self.i += 1
            e = ("and", e, self.not_())
        return e

    def not_(self):
        if self.peek("kw", "NOT"):
            self.i += 1
            return ("not", self.not_())
        return self.pred()

    def operand(self):
        t = self.take()
        if t[0] in ("str", "num"):
            return ("lit", t[1])
        if t[0] == "id":
            return ("prop", t[1])
        if t == ("kw", "TRUE"):
            return ("lit", True)
        if t == ("kw", "FALSE"):
            return ("lit", False)
        raise SqlError("expected a value or property, got %r" % (t,))

    def pred(self):
        if self.peek("op", "("):
            self.i += 1
            e = self.or_()
            self.take("op", ")")
            return e
        left = self.operand()
        if self.peek("kw", "IS"):
            self.i += 1
            negate = bool(self.peek("kw", "NOT"))
            if negate:
                self.i += 1
            self.take("kw", "NULL")
            return ("isnull", left, negate)
        negate = False
        if self.peek("kw", "NOT"):
            self.i += 1
            negate = True
        if self.peek("kw", "LIKE"):
            self.i += 1
            pattern = self.take("str")[1]
            esc = None
            if self.peek("kw", "ESCAPE"):
                self.i += 1
                esc = self.take("str")[1]
                if len(esc) != 1:
                    raise SqlError("ESCAPE wants one character")
            return ("like", left, like_regex(pattern, esc), negate)
        if self.peek("kw", "IN"):
            self.i += 1
            self.take("op", "(")
            items = [self.operand()]
            while self.peek("op", ","):
                self.i += 1
                items.append(self.operand())
            self.take("op", ")")
            return ("in", left, items, negate)
        if negate:
            raise SqlError("NOT must be followed by LIKE or IN here")
        op = self.take("op")[1]
        if op not in ("=", "<>", "!=", "<", ">", "<=", ">="):
            raise SqlError("unexpected operator %r" % op)
        return ("cmp", op, left, self.operand())


def like_regex(pattern, esc):
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if esc is not None and c == esc and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.S)


def sql_eval(node, msg):
    """Three-valued logic collapsed to True/False (unknown is False), as a filter does."""
    kind = node[0]
    if kind == "or":
        return sql_eval(node[1], msg) or sql_eval(node[2], msg)
    if kind == "and":
        return sql_eval(node[1], msg) and sql_eval(node[2], msg)
    if kind == "not":
        return not sql_eval(node[1], msg)
    if kind == "isnull":
        v = value_of(node[1], msg)
        return (v is not None) if node[2] else (v is None)
    if kind == "like":
        v = value_of(node[1], msg)
        if not isinstance(v, str):
            return False
        return bool(node[2].match(v)) != node[3]
    if kind == "in":
        v = value_of(node[1], msg)
        if v is None:
            return False
        return (v in [value_of(x, msg) for x in node[2]]) != node[3]
    if kind == "cmp":
        a, b = value_of(node[2], msg), value_of(node[3], msg)
        if a is None or b is None:
            return False
        op = node[1]
        try:
            return {"=": a == b, "<>": a != b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        except TypeError:
            return False
    raise SqlError("cannot evaluate %r" % (kind,))


def value_of(node, msg):
    if node[0] == "lit":
        return node[1]
    name = node[1]
    low = name.lower()
    if low.startswith("sys."):
        field = {"sys.label": "Label", "sys.messageid": "MessageId", "sys.correlationid": "CorrelationId",
                 "sys.to": "To", "sys.replyto": "ReplyTo", "sys.contenttype": "ContentType"}.get(low)
        return msg.broker.get(field) if field else None
    if low.startswith("user."):
        name = name[5:]
    v = msg.user.get(name)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return None


# ---------------------------------------------------------------------------------------------
# The broker

class Message:
    def __init__(self, seq, body, broker, user, content_type, ttl):
        self.seq = seq
        self.body = body
        self.broker = broker
        self.user = user
        self.content_type = content_type
        self.enqueued = time.time()
        self.ttl = ttl
        self.expires = self.enqueued + ttl
        self.delivery_count = 0
        self.lock_token = None
        self.locked_until = 0.0
        self.dead_reason = None
        self.dead_description = None

    def copy(self):
        m = Message(self.seq, self.body, dict(self.broker), dict(self.user), self.content_type, self.ttl)
        m.enqueued, m.expires = self.enqueued, self.expires
        return m


class Subscription:
    def __init__(self, name, lock_duration, max_delivery, metadata, default_ttl):
        self.name = name
        self.lock_duration = lock_duration
        self.max_delivery = max_delivery
        self.metadata = metadata
        self.default_ttl = default_ttl
        self.rules = {}
        self.messages = []
        self.dlq = []
        self.created = time.time()


class Topic:
    def __init__(self, name, dup, window, default_ttl):
        self.name = name
        self.requires_dup = dup
        self.dup_window = window
        self.default_ttl = default_ttl
        self.subs = {}
        self.dedup = {}
        self.seq = 0
        self.created = time.time()


TOPICS = {}


def housekeep(sub, now):
    """Lock expiry -> available again (dead-lettered past MaxDeliveryCount); TTL expiry -> dropped."""
    keep = []
    for m in sub.messages:
        if m.lock_token and m.locked_until <= now:
            log("lock of message %d in %s expired (delivery %d)" % (m.seq, sub.name, m.delivery_count))
            m.lock_token = None
            if m.delivery_count >= sub.max_delivery:
                dead_letter(sub, m, now)
                continue
        if not m.lock_token and m.expires <= now:
            log("message %d in %s expired (TTL)" % (m.seq, sub.name))
            continue
        keep.append(m)
    sub.messages = keep
    for m in sub.dlq:
        if m.lock_token and m.locked_until <= now:
            m.lock_token = None


def dead_letter(sub, m, now):
    m.lock_token = None
    m.dead_reason = "MaxDeliveryCountExceeded"
    m.dead_description = "Message could not be consumed after %d delivery attempts." % m.delivery_count
    m.enqueued = now
    m.expires = float("inf")
    sub.dlq.append(m)
    log("message %d in %s dead-lettered after %d deliveries" % (m.seq, sub.name, m.delivery_count))


def error_body(status, detail):
    return ("<Error><Code>%d</Code><Detail>%s TrackingId:%s, SystemTracker:fake, Timestamp:%s</Detail></Error>"
            % (status, xml_escape(detail), uuid.uuid4(), time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))).encode()


class Refusal(Exception):
    def __init__(self, status, detail, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find(elem, name):
    for e in elem.iter():
        if local(e.tag) == name:
            return e
    return None


def parse_entry(body, want):
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise Refusal(400, "The request body is not valid XML: %s" % e)
    if local(root.tag) != "entry":
        raise Refusal(400, "Expected an ATOM <entry>, got <%s>" % local(root.tag))
    desc = find(root, want)
    if desc is None:
        raise Refusal(400, "The ATOM entry has no %s" % want)
    return desc


def text_of(desc, name, default=None):
    e = find(desc, name)
    return e.text if e is not None and e.text is not None else default


def parse_bool(text, field):
    if text not in ("true", "false"):
        raise Refusal(400, "%s: expected true or false, got %r" % (field, text))
    return text == "true"


def compile_sql(sql):
    try:
        return SqlParser(sql).parse()
    except SqlError as e:
        raise Refusal(400, "The SQL filter %r is not valid: %s" % (sql, e))


# ---------------------------------------------------------------------------------------------
# XML renderings

def entry_xml(base, path, title, content):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return ('<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom">'
            '<id>%s%s</id><title type="text">%s</title><updated>%s</updated><content type="application/xml">%s</content></entry>'
            % (base, path, xml_escape(title), now, content))


def topic_xml(t):
    return ('<TopicDescription xmlns="%s" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            '<DefaultMessageTimeToLive>%s</DefaultMessageTimeToLive><RequiresDuplicateDetection>%s</RequiresDuplicateDetection>'
            '<DuplicateDetectionHistoryTimeWindow>%s</DuplicateDetectionHistoryTimeWindow><SubscriptionCount>%d</SubscriptionCount>'
            '</TopicDescription>' % (CONNECT_NS, duration_text(t.default_ttl), str(t.requires_dup).lower(),
                                     duration_text(t.dup_window), len(t.subs)))


def sub_xml(s):
    active = len(s.messages)
    return ('<SubscriptionDescription xmlns="%s" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            '<LockDuration>%s</LockDuration><RequiresSession>false</RequiresSession>'
            '<DefaultMessageTimeToLive>%s</DefaultMessageTimeToLive><DeadLetteringOnMessageExpiration>false</DeadLetteringOnMessageExpiration>'
            '<MessageCount>%d</MessageCount><MaxDeliveryCount>%d</MaxDeliveryCount><Status>Active</Status>'
            '<UserMetadata>%s</UserMetadata>'
            '<CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus">'
            '<d2p1:ActiveMessageCount>%d</d2p1:ActiveMessageCount><d2p1:DeadLetterMessageCount>%d</d2p1:DeadLetterMessageCount>'
            '<d2p1:ScheduledMessageCount>0</d2p1:ScheduledMessageCount></CountDetails></SubscriptionDescription>'
            % (CONNECT_NS, duration_text(s.lock_duration), duration_text(s.default_ttl), active + len(s.dlq),
               s.max_delivery, xml_escape(s.metadata or ""), active, len(s.dlq)))


def rule_xml(name, sql):
    return ('<RuleDescription xmlns="%s" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
            '<Filter i:type="SqlFilter"><SqlExpression>%s</SqlExpression></Filter><Action i:type="EmptyRuleAction"/>'
            '<Name>%s</Name></RuleDescription>' % (CONNECT_NS, xml_escape(sql), xml_escape(name)))


# ---------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "servicebus-fake/1.0"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def reply(self, status, body=b"", headers=None, note=""):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        log("%s %s -> %d%s" % (self.command, self.path, status, (" (" + note + ")") if note else ""))

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        parts = [unquote(p) for p in split.path.split("/") if p]
        try:
            if parts[:1] == ["$fake"]:
                return self.control(method, parts[1:], query)
            with STATE:
                if THROTTLE["count"] > 0:
                    THROTTLE["count"] -= 1
                    raise Refusal(429, "SubCode=50009. The request was throttled (fake: %d more to go)." % THROTTLE["count"],
                                  {"Retry-After": THROTTLE["retry_after"]})
            self.authorize(split.path)
            self.route(method, parts, query, body)
        except Refusal as r:
            headers = {"Content-Type": "application/xml; charset=utf-8"}
            headers.update(r.headers)
            self.reply(r.status, error_body(r.status, r.detail), headers, note="refused: " + r.detail)
        except Exception as e:  # a bug in the fake: say so loudly
            log("internal error: %r" % (e,))
            self.reply(500, error_body(500, "fake internal error: %r" % (e,)), {"Content-Type": "application/xml"})

    def control(self, method, parts, query):
        if method == "POST" and parts == ["throttle"]:
            with STATE:
                THROTTLE["count"] = int(query.get("count", "1"))
                THROTTLE["retry_after"] = query.get("retry_after", "1")
            return self.reply(200, b"{}", {"Content-Type": "application/json"}, note="throttling the next %s" % THROTTLE["count"])
        raise Refusal(404, "no such control")

    # -- authorization --------------------------------------------------------------------

    def authorize(self, path):
        auth = self.headers.get("Authorization")
        if not auth:
            raise Refusal(401, "MissingToken: The authorization header was not found.")
        if not auth.startswith("SharedAccessSignature "):
            raise Refusal(401, "InvalidToken: The authorization header is not a SharedAccessSignature token.")
        fields = {}
        for pair in auth[len("SharedAccessSignature "):].split("&"):
            if "=" not in pair:
                raise Refusal(401, "InvalidToken: malformed token field %r." % pair)
            k, v = pair.split("=", 1)
            fields[k] = v
        for need in ("sr", "sig", "se", "skn"):
            if need not in fields:
                raise Refusal(401, "InvalidToken: the token has no '%s'." % need)
        audience = unquote_plus(fields["sr"])
        key_name = unquote_plus(fields["skn"])
        sig = unquote_plus(fields["sig"])
        try:
            expiry = int(fields["se"])
        except ValueError:
            raise Refusal(401, "InvalidToken: se %r is not a number." % fields["se"])
        if key_name != ARGS.key_name:
            raise Refusal(401, "InvalidSignature: The token has an invalid signature (unknown key name %r)." % key_name)
        string_to_sign = quote_plus(audience) + "\n" + str(expiry)
        expected = base64.b64encode(hmac.new(ARGS.key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, sig):
            raise Refusal(401, "InvalidSignature: The token has an invalid signature.")
        if expiry < time.time():
            raise Refusal(401, "ExpiredToken: The token is expired. Expiration time: '%s'." % http_date(expiry))
        requested = (self.headers.get("Host", "") + path).lower()
        covered = re.sub(r"^[a-z]+://", "", audience.lower())
        if not requested.startswith(covered.rstrip("/")):
            raise Refusal(401, "InvalidAudience: The token audience %r does not cover %r." % (audience, requested))

    # -- routing ---------------------------------------------------------------------------

    def base(self):
        return "http://%s/" % self.headers.get("Host", "127.0.0.1")

    def route(self, method, parts, query, body):
        if not parts:
            raise Refusal(400, "No entity in the request address.")
        if "messages" in parts:
            return self.data_plane(method, parts, query, body)
        topic_name = parts[0]
        if len(parts) == 1:
            return self.topic_op(method, topic_name, body)
        if len(parts) == 2 and parts[1] == "subscriptions" and method == "GET":
            return self.list_subs(topic_name, query)
        if len(parts) == 3 and parts[1] == "subscriptions":
            return self.sub_op(method, topic_name, parts[2], body)
        if len(parts) == 4 and parts[1] == "subscriptions" and parts[3] == "rules" and method == "GET":
            return self.list_rules(topic_name, parts[2])
        if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "rules":
            return self.rule_op(method, topic_name, parts[2], parts[4], body)
        raise Refusal(400, "Unsupported address %r." % "/".join(parts))

    # -- management ------------------------------------------------------------------------

    def topic_op(self, method, name, body):
        with STATE:
            t = TOPICS.get(name)
            if method == "GET":
                if t is None:
                    raise Refusal(404, "Entity '%s' was not found." % name)
                return self.atom(200, entry_xml(self.base(), name, name, topic_xml(t)))
            if method == "DELETE":
                if t is None:
                    raise Refusal(404, "Entity '%s' was not found." % name)
                del TOPICS[name]
                STATE.notify_all()
                return self.reply(200)
            if method != "PUT":
                raise Refusal(405, "Method %s is not allowed on a topic." % method)
            if not NAME_RE.match(name):
                raise Refusal(400, "The entity name %r is not valid." % name)
            desc = parse_entry(body, "TopicDescription")
            update = self.headers.get("If-Match") == "*"
            if t is not None and not update:
                raise Refusal(409, "The messaging entity '%s' already exists." % name)
            if t is None and update:
                raise Refusal(404, "Entity '%s' was not found (If-Match: * updates an existing entity)." % name)
            dup = parse_bool(text_of(desc, "RequiresDuplicateDetection", "false"), "RequiresDuplicateDetection")
            window = parse_duration(text_of(desc, "DuplicateDetectionHistoryTimeWindow", "PT10M"))
            if dup and not 20 <= window <= 7 * 86400:
                raise Refusal(400, "DuplicateDetectionHistoryTimeWindow must be between 20 seconds and 7 days, got %s." % window)
            ttl = parse_duration(text_of(desc, "DefaultMessageTimeToLive", "P14D"))
            if t is None:
                t = Topic(name, dup, window, ttl)
                TOPICS[name] = t
                status = 201
            else:
                t.dup_window, t.default_ttl = window, ttl
                status = 200
            return self.atom(status, entry_xml(self.base(), name, name, topic_xml(t)))

    def need_topic(self, name, status=404):
        t = TOPICS.get(name)
        if t is None:
            raise Refusal(status, "Entity '%s' was not found." % name)
        return t

    def list_subs(self, topic_name, query):
        with STATE:
            t = self.need_topic(topic_name)
            now = time.time()
            names = sorted(t.subs)
            skip = int(query.get("$skip", "0"))
            top = int(query.get("$top", "100"))
            entries = []
            for n in names[skip:skip + top]:
                s = t.subs[n]
                housekeep(s, now)
                entries.append(entry_xml(self.base(), "%s/subscriptions/%s" % (topic_name, n), n, sub_xml(s))
                               .replace('<?xml version="1.0" encoding="utf-8"?>', ""))
            feed = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Subscriptions</title>%s</feed>'
                    % "".join(entries))
            return self.atom(200, feed)

    def sub_op(self, method, topic_name, name, body):
        with STATE:
            t = self.need_topic(topic_name)
            s = t.subs.get(name)
            path = "%s/subscriptions/%s" % (topic_name, name)
            if method == "GET":
                if s is None:
                    raise Refusal(404, "Entity '%s' was not found." % path)
                housekeep(s, time.time())
                return self.atom(200, entry_xml(self.base(), path, name, sub_xml(s)))
            if method == "DELETE":
                if s is None:
                    raise Refusal(404, "Entity '%s' was not found." % path)
                del t.subs[name]
                STATE.notify_all()
                return self.reply(200)
            if method != "PUT":
                raise Refusal(405, "Method %s is not allowed on a subscription." % method)
            if not SUB_NAME_RE.match(name):
                raise Refusal(400, "The subscription name %r is not valid (1 to 50 letters, digits, '.', '-', '_')." % name)
            desc = parse_entry(body, "SubscriptionDescription")
            update = self.headers.get("If-Match") == "*"
            if s is not None and not update:
                raise Refusal(409, "The messaging entity '%s' already exists." % path)
            if s is None and update:
                raise Refusal(404, "Entity '%s' was not found (If-Match: * updates an existing entity)." % path)
            lock = parse_duration(text_of(desc, "LockDuration", "PT1M"))
            if not 5 <= lock <= 300:
                raise Refusal(400, "LockDuration must be between 5 seconds and 5 minutes, got %s." % lock)
            try:
                max_delivery = int(text_of(desc, "MaxDeliveryCount", "10"))
            except ValueError:
                raise Refusal(400, "MaxDeliveryCount must be an integer.")
            if max_delivery < 1:
                raise Refusal(400, "MaxDeliveryCount must be at least 1, got %d." % max_delivery)
            metadata = text_of(desc, "UserMetadata", "")
            if len(metadata) > 1024:
                raise Refusal(400, "UserMetadata is longer than 1024 characters.")
            ttl = parse_duration(text_of(desc, "DefaultMessageTimeToLive", duration_text(t.default_ttl)))
            if s is None:
                s = Subscription(name, lock, max_delivery, metadata, ttl)
                rule = find(desc, "DefaultRuleDescription")
                sql = "1=1"
                if rule is not None:
                    expr = find(rule, "SqlExpression")
                    if expr is not None and expr.text:
                        sql = expr.text
                s.rules["$Default"] = (sql, compile_sql(sql))
                t.subs[name] = s
                status = 201
            else:
                s.lock_duration, s.max_delivery, s.metadata, s.default_ttl = lock, max_delivery, metadata, ttl
                status = 200
            return self.atom(status, entry_xml(self.base(), path, name, sub_xml(s)))

    def list_rules(self, topic_name, sub_name):
        with STATE:
            s = self.need_sub(topic_name, sub_name, 404)
            entries = "".join(entry_xml(self.base(), "x", n, rule_xml(n, r[0])).replace('<?xml version="1.0" encoding="utf-8"?>', "")
                              for n, r in sorted(s.rules.items()))
            return self.atom(200, '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">%s</feed>' % entries)

    def rule_op(self, method, topic_name, sub_name, rule_name, body):
        with STATE:
            s = self.need_sub(topic_name, sub_name, 404)
            r = s.rules.get(rule_name)
            if method == "GET":
                if r is None:
                    raise Refusal(404, "Rule '%s' was not found." % rule_name)
                return self.atom(200, entry_xml(self.base(), "rule", rule_name, rule_xml(rule_name, r[0])))
            if method == "DELETE":
                if r is None:
                    raise Refusal(404, "Rule '%s' was not found." % rule_name)
                del s.rules[rule_name]
                return self.reply(200)
            if method != "PUT":
                raise Refusal(405, "Method %s is not allowed on a rule." % method)
            desc = parse_entry(body, "RuleDescription")
            update = self.headers.get("If-Match") == "*"
            if r is not None and not update:
                raise Refusal(409, "The rule '%s' already exists." % rule_name)
            if r is None and update:
                raise Refusal(404, "Rule '%s' was not found (If-Match: * updates an existing rule)." % rule_name)
            filt = find(desc, "Filter")
            kind = None
            if filt is not None:
                kind = filt.get("{http://www.w3.org/2001/XMLSchema-instance}type")
            if kind == "TrueFilter":
                sql = "1=1"
            elif kind == "FalseFilter":
                sql = "1=0"
            elif kind == "SqlFilter":
                sql = text_of(filt, "SqlExpression")
                if not sql:
                    raise Refusal(400, "SqlFilter without SqlExpression.")
            else:
                raise Refusal(400, "Unsupported filter type %r (the fake knows SqlFilter, TrueFilter, FalseFilter)." % kind)
            s.rules[rule_name] = (sql, compile_sql(sql))
            return self.atom(200 if r is not None else 201, entry_xml(self.base(), "rule", rule_name, rule_xml(rule_name, sql)))

    def atom(self, status, text):
        return self.reply(status, text.encode(), {"Content-Type": "application/atom+xml;type=entry;charset=utf-8"})

    def need_sub(self, topic_name, sub_name, status):
        t = TOPICS.get(topic_name)
        s = t.subs.get(sub_name) if t else None
        if s is None:
            raise Refusal(status, "Entity '%s/subscriptions/%s' was not found." % (topic_name, sub_name))
        return s

    # -- data plane ------------------------------------------------------------------------

    def data_plane(self, method, parts, query, body):
        i = parts.index("messages")
        entity, rest = parts[:i], parts[i + 1:]
        if len(entity) == 1 and not rest and method == "POST":
            return self.send_messages(entity[0], body)
        dlq = len(entity) == 4 and entity[3] == "$DeadLetterQueue"
        if not (len(entity) == 3 or dlq) or entity[1] != "subscriptions":
            raise Refusal(400, "Messages are received from <topic>/subscriptions/<name>[/$DeadLetterQueue].")
        if rest == ["head"] and method == "POST":
            return self.peek_lock(entity[0], entity[2], dlq, query)
        if len(rest) == 2 and method in ("DELETE", "PUT", "POST"):
            return self.settle(method, entity[0], entity[2], dlq, rest[0], rest[1])
        raise Refusal(400, "Unsupported message operation %s %s." % (method, "/".join(parts)))

    def send_messages(self, topic_name, body):
        ctype = (self.headers.get("Content-Type") or "").strip()
        batch = ctype.split(";")[0].strip().lower() == "application/vnd.microsoft.servicebus.json"
        if batch and ";" in ctype:
            raise Refusal(400, "A batch send's Content-Type must be application/vnd.microsoft.servicebus.json without parameters, got %r." % ctype)
        if batch:
            try:
                items = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise Refusal(400, "The batch is not valid JSON: %s" % e)
            if not isinstance(items, list) or not items:
                raise Refusal(400, "A batch must be a non-empty JSON array of messages.")
            msgs = []
            for n, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("Body"), str):
                    raise Refusal(400, "Batch message %d: expected an object with a string Body." % n)
                unknown = set(item) - {"Body", "BrokerProperties", "UserProperties"}
                if unknown:
                    raise Refusal(400, "Batch message %d: unknown member(s) %s." % (n, sorted(unknown)))
                broker = self.check_broker(item.get("BrokerProperties") or {}, "Batch message %d" % n)
                user = item.get("UserProperties") or {}
                if not isinstance(user, dict) or any(isinstance(v, (dict, list)) for v in user.values()):
                    raise Refusal(400, "Batch message %d: UserProperties must be an object of scalar values." % n)
                msgs.append((item["Body"].encode("utf-8"), broker, user, broker.get("ContentType", "application/octet-stream")))
        else:
            raw = self.headers.get("BrokerProperties")
            try:
                broker = json.loads(raw) if raw else {}
            except ValueError as e:
                raise Refusal(400, "The BrokerProperties header is not valid JSON: %s" % e)
            broker = self.check_broker(broker, "BrokerProperties")
            skip = {"authorization", "brokerproperties", "content-type", "content-length", "host", "accept", "accept-encoding",
                    "user-agent", "connection", "accept-language"}
            user = {k: v.strip('"') for k, v in self.headers.items() if k.lower() not in skip}
            msgs = [(body, broker, user, ctype or "application/octet-stream")]
        size = sum(len(m[0]) for m in msgs)
        if size > 1024 * 1024:
            raise Refusal(413, "The batch is larger than 1 MB (%d bytes)." % size)
        with STATE:
            t = self.need_topic(topic_name, 410)
            now = time.time()
            t.dedup = {k: v for k, v in t.dedup.items() if v > now}
            stored = dropped = 0
            for body_bytes, broker, user, ct in msgs:
                mid = broker.get("MessageId") or uuid.uuid4().hex
                broker["MessageId"] = mid
                if t.requires_dup and mid in t.dedup:
                    dropped += 1
                    log("duplicate MessageId %r in %s dropped" % (mid, topic_name))
                    continue
                if t.requires_dup:
                    t.dedup[mid] = now + t.dup_window
                t.seq += 1
                ttl = min(float(broker.get("TimeToLive", t.default_ttl)), t.default_ttl)
                m = Message(t.seq, body_bytes, broker, user, ct, ttl)
                stored += 1
                for s in t.subs.values():
                    if any(sql_eval(rule[1], m) for rule in s.rules.values()):
                        c = m.copy()
                        c.expires = c.enqueued + min(ttl, s.default_ttl)
                        s.messages.append(c)
            STATE.notify_all()
        return self.reply(201, note="%d stored, %d duplicate(s) dropped" % (stored, dropped))

    def check_broker(self, broker, where):
        if not isinstance(broker, dict):
            raise Refusal(400, "%s: BrokerProperties must be a JSON object." % where)
        unknown = set(broker) - BROKER_KEYS
        if unknown:
            raise Refusal(400, "%s: unknown BrokerProperties %s." % (where, sorted(unknown)))
        mid = broker.get("MessageId")
        if mid is not None and (not isinstance(mid, str) or not 1 <= len(mid) <= 128):
            raise Refusal(400, "%s: MessageId must be a string of 1 to 128 characters." % where)
        for k in ("Label", "CorrelationId", "ReplyTo", "To", "ContentType"):
            if k in broker and not isinstance(broker[k], str):
                raise Refusal(400, "%s: %s must be a string." % (where, k))
        if "TimeToLive" in broker:
            ttl = broker["TimeToLive"]
            if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0:
                raise Refusal(400, "%s: TimeToLive must be a positive number of seconds, got %r." % (where, ttl))
        return dict(broker)

    def peek_lock(self, topic_name, sub_name, dlq, query):
        try:
            timeout = float(query.get("timeout", "60"))
        except ValueError:
            raise Refusal(400, "timeout must be a number of seconds.")
        deadline = time.time() + max(0.0, min(timeout, 230.0))
        with STATE:
            while True:
                s = self.need_sub(topic_name, sub_name, 410)
                now = time.time()
                housekeep(s, now)
                queue = s.dlq if dlq else s.messages
                m = next((x for x in queue if not x.lock_token), None)
                if m is not None:
                    break
                if now >= deadline:
                    return self.reply(204, note="no message")
                # Wake on a send, or in time for the next lock or TTL expiry.
                wakes = [deadline] + [x.locked_until for x in queue if x.lock_token] + [x.expires for x in queue]
                STATE.wait(max(0.005, min(wakes) - now))
            m.delivery_count += 1
            m.lock_token = str(uuid.uuid4())
            m.locked_until = now + s.lock_duration
            entity = "%s/subscriptions/%s%s" % (topic_name, sub_name, "/$DeadLetterQueue" if dlq else "")
            props = {"DeliveryCount": m.delivery_count, "EnqueuedSequenceNumber": m.seq, "EnqueuedTimeUtc": http_date(m.enqueued),
                     "LockToken": m.lock_token, "LockedUntilUtc": http_date(m.locked_until), "MessageId": m.broker["MessageId"],
                     "SequenceNumber": m.seq, "State": "Active", "TimeToLive": m.ttl}
            for k in ("Label", "CorrelationId", "ReplyTo", "To"):
                if k in m.broker:
                    props[k] = m.broker[k]
            headers = {"BrokerProperties": json.dumps(props), "Content-Type": m.content_type,
                       "Location": "%s%s/messages/%d/%s" % (self.base(), entity, m.seq, m.lock_token)}
            user = dict(m.user)
            if m.dead_reason:
                user["DeadLetterReason"] = m.dead_reason
                user["DeadLetterErrorDescription"] = m.dead_description
            for k, v in user.items():
                headers[k] = json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
            body = m.body
        return self.reply(201, body, headers, note="message %d, delivery %d" % (m.seq, m.delivery_count))

    def settle(self, method, topic_name, sub_name, dlq, ident, token):
        with STATE:
            s = self.need_sub(topic_name, sub_name, 410)
            now = time.time()
            housekeep(s, now)
            queue = s.dlq if dlq else s.messages
            m = next((x for x in queue if x.lock_token == token and (str(x.seq) == ident or x.broker.get("MessageId") == ident)), None)
            if m is None or m.locked_until <= now:
                raise Refusal(404, "MessageLockLost: The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.")
            if method == "DELETE":
                queue.remove(m)
                note = "completed %d" % m.seq
            elif method == "PUT":
                m.lock_token = None
                note = "abandoned %d (delivery %d)" % (m.seq, m.delivery_count)
                if not dlq and m.delivery_count >= s.max_delivery:
                    queue.remove(m)
                    dead_letter(s, m, now)
                STATE.notify_all()
            else:
                m.locked_until = now + s.lock_duration
                note = "renewed %d until %s" % (m.seq, http_date(m.locked_until))
                return self.reply(200, b"", {"BrokerProperties": json.dumps({"LockedUntilUtc": http_date(m.locked_until)})}, note=note)
        return self.reply(200, note=note)


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--key-name", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--port", type=int, default=0)
    ARGS = p.parse_args()
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=watch_parent, daemon=True).start()
    print("LISTENING %d" % server.server_address[1], flush=True)
    log("listening on 127.0.0.1:%d, key name %r" % (server.server_address[1], ARGS.key_name))
    server.serve_forever()


if __name__ == "__main__":
    main()
