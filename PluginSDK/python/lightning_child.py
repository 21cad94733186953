"""Write Lightning agents and functions in Python (the child protocol, docs/protocol.md).

A child is a program the Lightning daemon starts and talks to over stdin/stdout with JSON-RPC
2.0, one compact JSON message per line. This module speaks that protocol; you write handlers.
It needs Python 3.9 or later and only the standard library.

An agent handles events and returns events to publish::

    from lightning_child import Child, ChildError

    child = Child(name="greeter", version="1.0.0")

    @child.on_event("user.*")                # "*", "a.b" or "a.*" (a.x, a.x.y; not "a")
    def greet(event, ctx):                   # event: the wire form (a dict)
        ctx.storage.create_container("greetings")
        doc = ctx.storage.upsert("greetings", {"id": event["id"], "data": {"hi": 1}})
        ctx.log("info", "stored " + doc["id"])
        return [{"type": "greeting.sent", "data": {"to": event["data"].get("name")}}]

    child.run()                              # until shutdown + exit, or stdin closes

A function child serves named functions (any JSON in, any JSON out)::

    @child.function("resize")
    def resize(input, ctx):
        return {"width": input["width"] // 2}

Handlers run on a thread pool, so they may block on calls to the host while other requests are
in flight; the reading thread keeps answering ``$/ping`` meanwhile. ``ctx`` gives:

* ``ctx.config`` (the configuration from ``initialize``), ``ctx.child`` (``{"id","kind","instance"}``),
  ``ctx.request_id``, and for functions ``ctx.invocation_id``, ``ctx.idempotency_key``, ``ctx.timeout_ms``, ``ctx.deadline``
  (a ``time.monotonic()`` value or None);
* ``ctx.call(method, params)``: a request to the host; returns its result or raises ``ChildError``;
* ``ctx.emit(events)`` (``events.emit``), ``ctx.storage`` (``storage.*``), ``ctx.log(level, msg)``,
  ``ctx.progress(message=None, percent=None)``;
* ``ctx.cancelled``: a ``threading.Event`` set when the host cancels the request (``$/cancel``);
  long handlers should check it. The host has already been answered ``-32800`` by then.

Errors: raise ``ChildError("not_found", "no such user")`` (a Lightning error code, sent as -32000
with ``data.code``) or ``ChildError(-32000, "msg", {"code": "conflict"})``. ``ValueError``,
``TypeError`` and ``KeyError`` become -32602 (``invalid_argument``); anything else -32603. A
``ChildError`` raised by ``ctx.call`` and not caught reaches the host unchanged.

stdout belongs to the protocol: while ``run()`` serves the real stdin/stdout, ``sys.stdout`` and
file descriptor 1 point at stderr (so ``print`` and subprocesses cannot corrupt the stream) and
file descriptor 0 at /dev/null. The SDK's own diagnostics go to stderr.
"""

import itertools
import json
import os
import re
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

__all__ = ["Child", "ChildError", "Context", "Storage", "matches", "PROTOCOL_VERSION"]

PROTOCOL_VERSION = "1.0"
PROTOCOL_MAJOR = 1
DEFAULT_MAX_MESSAGE_BYTES = 4 << 20
MAX_OUTSTANDING_CALLS = 64  # the host answers -32003 beyond this
LOG_LEVELS = ("trace", "debug", "info", "notice", "warning", "error", "critical")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
APPLICATION_ERROR = -32000
UNSUPPORTED_PROTOCOL = -32001
TIMEOUT = -32002
OVERLOADED = -32003
MESSAGE_TOO_LARGE = -32004
REQUEST_CANCELLED = -32800

# Lightning error codes that have their own JSON-RPC code (RPCError.init(WireError) in Swift).
_WIRE_TO_RPC = {"invalid_argument": INVALID_PARAMS, "unsupported": METHOD_NOT_FOUND,
                "timeout": TIMEOUT, "cancelled": REQUEST_CANCELLED, "throttled": OVERLOADED}
_RPC_TO_WIRE = {INVALID_PARAMS: "invalid_argument", INVALID_REQUEST: "invalid_argument",
                PARSE_ERROR: "invalid_argument", METHOD_NOT_FOUND: "unsupported",
                TIMEOUT: "timeout", REQUEST_CANCELLED: "cancelled", OVERLOADED: "throttled"}
_TYPE_RE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


def _diag(message):
    """SDK diagnostics: stderr only, never stdout."""
    try:
        sys.__stderr__.write("lightning_child: %s\n" % message)
        sys.__stderr__.flush()
    except Exception:
        pass


class ChildError(Exception):
    """A JSON-RPC error: raised by ``ctx.call`` for error answers, or by handlers to answer one.

    ``code`` is the JSON-RPC code, or a Lightning error code string (``"not_found"``), which is
    sent as -32000 (or its own JSON-RPC code, e.g. -32602 for ``invalid_argument``) with
    ``data.code`` set to it.
    """

    def __init__(self, code, message, data=None):
        if isinstance(code, str):
            wire, code = code, _WIRE_TO_RPC.get(code, APPLICATION_ERROR)
            data = dict(data) if isinstance(data, dict) else {}
            data.setdefault("code", wire)
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    @property
    def wire_code(self):
        """Lightning's error code: ``data.code``, else derived from the JSON-RPC code."""
        if isinstance(self.data, dict) and isinstance(self.data.get("code"), str):
            return self.data["code"]
        return _RPC_TO_WIRE.get(self.code, "internal")

    def to_wire(self):
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error

    def __str__(self):
        return self.message

    def __repr__(self):
        return "ChildError(%r, %r, %r)" % (self.code, self.message, self.data)


def matches(pattern, event_type):
    """True when ``event_type`` matches ``pattern`` (``*``, ``a.*`` at any depth, or exact)."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        prefix = pattern[:-1]  # keeps the dot
        return event_type.startswith(prefix) and len(event_type) > len(prefix)
    return pattern == event_type


def _valid_pattern(pattern):
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        pattern = pattern[:-2]
    return len(pattern.encode()) <= 200 and _TYPE_RE.fullmatch(pattern) is not None


def _valid_id(value):
    return type(value) is int or type(value) is str  # not bool, not float


def _major(version):
    part = version.split(".")[0]
    return int(part) if re.fullmatch(r"[0-9]+", part) else None


def _encode(message):
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n"


def _peek_top_level(prefix):
    """Top-level keys of a truncated JSON object: (keys seen, {key: value} for complete values)."""
    s, dec, seen, values = prefix.decode("utf-8", "replace"), json.JSONDecoder(), [], {}
    ws = re.compile(r"[ \t\r\n]*")
    i = ws.match(s, 0).end()
    if not s.startswith("{", i):
        return seen, values
    i += 1
    while True:
        i = ws.match(s, i).end()
        if not s.startswith('"', i):
            break
        try:
            key, i = json.decoder.scanstring(s, i + 1)
        except ValueError:
            break
        i = ws.match(s, i).end()
        if not s.startswith(":", i):
            break
        seen.append(key)
        try:
            value, i = dec.raw_decode(s, ws.match(s, i + 1).end())
        except (ValueError, RecursionError):
            break
        i = ws.match(s, i).end()
        if i >= len(s) or s[i] not in ",}":  # a number cut short is not complete
            break
        values[key] = value
        if s[i] == "}":
            break
        i += 1
    return seen, values


class Storage:
    """The host's storage contract (docs/plugin-abi.md#storage) as methods. Documents are dicts
    ``{"id", "partition_key", "data"}``; results are the host's (stored documents carry
    ``created_at``, ``updated_at``, ``etag``). Errors raise ``ChildError`` (``e.wire_code``:
    ``not_found``, ``conflict``, ``precondition_failed``, ...)."""

    def __init__(self, call):
        self._call = call

    @staticmethod
    def _document(document):
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise ValueError('document: expected an object with a string "id"')
        doc = dict(document)
        doc.setdefault("partition_key", "")
        doc.setdefault("data", {})
        return doc

    def _write(self, method, container, document, if_match):
        params = {"container": container, "document": self._document(document)}
        if if_match is not None:
            params["if_match"] = if_match
        return self._call(method, params)

    def _key(self, method, container, id, partition_key, if_match):
        params = {"container": container, "id": id, "partition_key": partition_key}
        if if_match is not None:
            params["if_match"] = if_match
        return self._call(method, params)

    def create_container(self, container, partition_key_path=None):
        """``{"created": bool}`` (false when it existed)."""
        params = {"container": container}
        if partition_key_path is not None:
            params["partition_key_path"] = partition_key_path
        return self._call("storage.container.create", params)

    def delete_container(self, container):
        """``{"deleted": bool}``."""
        return self._call("storage.container.delete", {"container": container})

    def container_exists(self, container):
        """True or False."""
        return bool(self._call("storage.container.exists", {"container": container}).get("exists"))

    def list_containers(self):
        """The container names."""
        return list(self._call("storage.container.list", {}).get("containers", []))

    def create(self, container, document, if_match=None):
        """The stored document. The contract's create takes no ``if_match``: a provider refuses one
        with ``invalid_argument`` (docs/plugin-abi.md#storage-etags-and-if_match)."""
        return self._write("storage.create", container, document, if_match)

    def replace(self, container, document, if_match=None):
        return self._write("storage.replace", container, document, if_match)

    def upsert(self, container, document, if_match=None):
        return self._write("storage.upsert", container, document, if_match)

    def read(self, container, id, partition_key="", if_match=None):
        return self._key("storage.read", container, id, partition_key, if_match)

    def delete(self, container, id, partition_key="", if_match=None):
        """``{"deleted": true}``."""
        return self._key("storage.delete", container, id, partition_key, if_match)

    def query(self, container, where=None, partition_key=None, max_items=None, continuation=None):
        """``{"documents": [...], "continuation"?}``; ``where`` maps dotted paths of data to values."""
        params = {"container": container, "where": dict(where or {})}
        for key, value in (("partition_key", partition_key), ("max_items", max_items),
                           ("continuation", continuation)):
            if value is not None:
                params[key] = value
        return self._call("storage.query", params)


class ContextHub:
    """The host's Context Hub (docs/context-hub.md): documents in folder trees, with versions and
    full-text search. The child acts as itself (its manifest id): paths are in its own tree unless
    ``owner`` names another, and the documents' access lists decide. Documents are dicts
    (``id``, ``name``, ``path``, ``content``, ``version``, ``etag``, ...). Errors raise
    ``ChildError`` (``e.wire_code``: ``not_found``, ``permission_denied``, ``precondition_failed``,
    ``conflict``, ``invalid_argument``)."""

    def __init__(self, call):
        self._call = call

    @staticmethod
    def _params(**kw):
        return {k: v for k, v in kw.items() if v is not None}

    def write(self, path, content, owner=None, if_match=None, acl=None):
        """Creates or replaces the document at ``path`` (a new version); missing folders are created."""
        return self._call("context.write", self._params(path=path, content=content, owner=owner, if_match=if_match, acl=acl))

    def read(self, path=None, owner=None, version=None, id=None):
        """The document at ``path`` (or with ``id``), or one of its versions."""
        return self._call("context.read", self._params(path=path, owner=owner, version=version, id=id))

    def search(self, q, limit=None, offset=None, folder_id=None):
        """``{"query", "total", "offset", "limit", "hits": [{"document", "score", "snippet"}]}``, best first."""
        return self._call("context.search", self._params(q=q, limit=limit, offset=offset, folder_id=folder_id))

    def list(self, path="/", owner=None):
        """The entries of a folder the child may read."""
        return self._call("context.list", self._params(path=path, owner=owner)).get("documents", [])

    def delete(self, path=None, owner=None, id=None, recursive=False):
        """``{"deleted": n}``; a folder that is not empty needs ``recursive=True``."""
        return self._call("context.delete", self._params(path=path, owner=owner, id=id, recursive=recursive))


class Context:
    """What a handler gets besides its input: see the module docstring."""

    def __init__(self, child, request_id, method):
        self._child = child
        self.request_id = request_id
        self.method = method
        self.config = child.config
        self.child = child.identity
        self.cancelled = threading.Event()
        self.storage = Storage(self.call)
        self.context_hub = ContextHub(self.call)
        self.invocation_id = None
        self.idempotency_key = None
        self.timeout_ms = None
        self.deadline = None

    def call(self, method, params=None, timeout=None):
        return self._child.call(method, params, timeout)

    def emit(self, events):
        """Publishes events (dicts, only ``type`` required): ``{"results": [...]}`` once durable."""
        if isinstance(events, dict):
            events = [events]
        return self.call("events.emit", {"events": list(events)})

    def log(self, level, message):
        self._child.log(level, message)

    def progress(self, message=None, percent=None):
        params = {"request_id": self.request_id}
        if message is not None:
            params["message"] = str(message)
        if percent is not None:
            params["percent"] = float(percent)
        self._child._notify("$/progress", params)


class _Request:
    __slots__ = ("id", "ctx", "answered")

    def __init__(self, rid, ctx):
        self.id, self.ctx, self.answered = rid, ctx, False


class _Pending:
    __slots__ = ("done", "result", "error")

    def __init__(self):
        self.done, self.result, self.error = threading.Event(), None, None


class Child:
    """One child program: register handlers with ``on_event`` / ``function``, then ``run()``."""

    def __init__(self, name, version, max_workers=16):
        self.name, self.version = name, version
        self.config, self.identity, self.host = {}, {}, {}
        self._handlers, self._functions = [], {}
        self._max_workers = max_workers
        self._max_bytes = DEFAULT_MAX_MESSAGE_BYTES
        self._state = threading.Condition()  # guards everything below
        self._write_lock = threading.Lock()  # every stdout write
        self._inflight, self._pending = {}, {}
        self._running = 0  # handler jobs submitted and not finished
        self._initialized = self._shutting_down = self._closed = False
        self._closed_message = "host connection closed"
        self._ids = itertools.count(1)
        self._call_slots = threading.BoundedSemaphore(MAX_OUTSTANDING_CALLS)
        self._done = threading.Event()
        self._exit_code = 0
        self._out = self._executor = None

    # Registration

    def on_event(self, pattern):
        """Decorator: ``fn(event, ctx) -> [event, ...] | None`` for event types matching ``pattern``."""
        if not isinstance(pattern, str) or not _valid_pattern(pattern):
            raise ValueError("invalid event pattern %r: expected *, a.b or a.*" % (pattern,))

        def register(fn):
            self._handlers.append((pattern, fn))
            return fn
        return register

    def function(self, name):
        """Decorator: ``fn(input, ctx) -> output`` serving the function ``name``."""
        if not isinstance(name, str) or not name:
            raise ValueError("a function name must be a non-empty string")

        def register(fn):
            self._functions[name] = fn
            return fn
        return register

    # Talking to the host

    def call(self, method, params=None, timeout=None):
        """Sends a request to the host and blocks until its answer (or ``timeout`` seconds)."""
        if not self._initialized:
            raise ChildError(APPLICATION_ERROR, "no requests before initialize is answered", {"code": "unavailable"})
        with self._call_slots:
            with self._state:
                if self._closed:
                    raise ChildError(APPLICATION_ERROR, self._closed_message, {"code": "unavailable"})
                rid = next(self._ids)
                slot = self._pending[rid] = _Pending()
            data = _encode({"jsonrpc": "2.0", "id": rid, "method": method, "params": {} if params is None else params})
            if len(data) - 1 > self._max_bytes:
                with self._state:
                    self._pending.pop(rid, None)
                raise ChildError(MESSAGE_TOO_LARGE, "%s: request of %d bytes over max_message_bytes %d"
                                 % (method, len(data) - 1, self._max_bytes), {"code": "invalid_argument"})
            self._write(data)
            if not slot.done.wait(timeout):
                with self._state:
                    self._pending.pop(rid, None)
                raise ChildError(TIMEOUT, "%s: no answer within %s s" % (method, timeout), {"code": "timeout"})
            if slot.error is not None:
                raise slot.error
            return slot.result

    def log(self, level, message):
        """Sends a ``log`` notification (level: trace, debug, info, notice, warning, error, critical)."""
        level = "warning" if level == "warn" else level
        if level not in LOG_LEVELS:
            raise ValueError("log level %r: expected one of %s" % (level, ", ".join(LOG_LEVELS)))
        message = str(message)
        limit = max(1024, self._max_bytes // 8)
        if len(message) > limit:
            message = message[:limit] + "... (cut)"
        self._notify("log", {"level": level, "message": message})

    def _notify(self, method, params):
        data = _encode({"jsonrpc": "2.0", "method": method, "params": params})
        if len(data) - 1 > self._max_bytes:
            _diag("dropped a %s notification over max_message_bytes" % method)
            return
        self._write(data)

    def _write(self, data):
        with self._write_lock:
            try:
                self._out.write(data)
                self._out.flush()
                return
            except (OSError, ValueError) as e:
                _diag("cannot write to the host: %s" % e)
        self._close("host connection closed")

    def _send_response(self, rid, result=None, error=None):
        message = {"jsonrpc": "2.0", "id": rid}
        if error is None:
            message["result"] = result
        else:
            message["error"] = error
        try:
            data = _encode(message)
        except (TypeError, ValueError) as e:
            data = _encode({"jsonrpc": "2.0", "id": rid, "error": {
                "code": INTERNAL_ERROR, "message": "result is not JSON: %s" % e, "data": {"code": "internal"}}})
        if len(data) - 1 > self._max_bytes:
            data = _encode({"jsonrpc": "2.0", "id": rid, "error": {
                "code": MESSAGE_TOO_LARGE, "message": "result of %d bytes over max_message_bytes %d"
                % (len(data) - 1, self._max_bytes)}})
        self._write(data)

    def _complete(self, req, result=None, error=None):
        """Answers a tracked host request exactly once."""
        with self._state:
            if req.answered:
                return
            req.answered = True
            self._inflight.pop(req.id, None)
        self._send_response(req.id, result, error)

    def _close(self, message):
        """No more traffic: fail outgoing calls, cancel handlers."""
        with self._state:
            if not self._closed:
                self._closed, self._closed_message = True, message
            pending, self._pending = list(self._pending.values()), {}
            requests = list(self._inflight.values())
        for slot in pending:
            slot.error = ChildError(APPLICATION_ERROR, message, {"code": "unavailable"})
            slot.done.set()
        for req in requests:
            req.ctx.cancelled.set()

    def _finish(self, exit_code, message):
        self._exit_code = exit_code
        self._close(message)
        self._done.set()

    # Serving

    def run(self, stdin=None, stdout=None):
        """Serves the host until ``exit`` or end of stdin, then returns (exits 1 on a protocol
        version mismatch). ``stdin``/``stdout`` (binary streams) default to the process's own."""
        restore = []
        if stdout is None:
            sys.stdout.flush()
            saved = os.dup(1)
            os.dup2(2, 1)
            stdout, old_stdout = os.fdopen(saved, "wb"), sys.stdout
            sys.stdout = sys.stderr
            restore.append(lambda: (os.dup2(saved, 1), setattr(sys, "stdout", old_stdout)))
        if stdin is None:
            saved_in = os.dup(0)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            stdin = os.fdopen(saved_in, "rb")
            restore.append(lambda: os.dup2(saved_in, 0))
        self._out = stdout
        self._executor = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="lightning-child")
        reader = threading.Thread(target=self._read_loop, args=(stdin,), name="lightning-child-reader", daemon=True)
        reader.start()
        try:
            while not self._done.wait(1.0):
                pass
        except KeyboardInterrupt:
            self._finish(130, "child interrupted")
            raise
        finally:
            self._executor.shutdown(wait=False, cancel_futures=True)
            for undo in restore:
                undo()
        if self._exit_code:
            raise SystemExit(self._exit_code)

    def _read_loop(self, stdin):
        try:
            while not self._done.is_set():
                limit = self._max_bytes
                line = stdin.readline(limit + 2)  # room for "\r\n"
                if not line:
                    break
                complete = line.endswith(b"\n")
                body = line[:-1] if complete else line
                body = body[:-1] if body.endswith(b"\r") else body
                if len(body) > limit:
                    if not complete:  # discard the rest of the line
                        while True:
                            chunk = stdin.readline(1 << 16)
                            if not chunk or chunk.endswith(b"\n"):
                                break
                    self._on_oversize(body)
                elif body.strip():
                    self._on_line(body)
        except Exception as e:  # a broken stdin ends the session like EOF
            _diag("reading stdin failed: %s\n%s" % (e, traceback.format_exc()))
        if not self._done.is_set():
            self._finish(0, "host connection closed")

    def _on_oversize(self, prefix):
        seen, values = _peek_top_level(prefix)
        rid = values.get("id")
        _diag("discarded a message over max_message_bytes (%d)" % self._max_bytes)
        if "method" in seen and isinstance(values.get("method"), str) and _valid_id(rid):
            self._send_response(rid, error={"code": MESSAGE_TOO_LARGE,
                                            "message": "message over max_message_bytes (%d)" % self._max_bytes})
        elif "method" not in seen and ("result" in seen or "error" in seen) and _valid_id(rid):
            with self._state:
                slot = self._pending.pop(rid, None)
            if slot is not None:
                slot.error = ChildError(MESSAGE_TOO_LARGE, "answer over max_message_bytes (%d)" % self._max_bytes)
                slot.done.set()

    def _invalid(self, code, message):
        self._send_response(None, error={"code": code, "message": message})

    def _on_line(self, line):
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            return self._invalid(PARSE_ERROR, "parse error: %s" % e)
        if not isinstance(message, dict):
            return self._invalid(INVALID_REQUEST, "expected a JSON object (batches are not used)")
        if message.get("jsonrpc") != "2.0":
            return self._invalid(INVALID_REQUEST, 'field "jsonrpc": expected "2.0"')
        rid = message.get("id")
        if rid is not None and not _valid_id(rid):
            return self._invalid(INVALID_REQUEST, 'field "id": expected an integer or a string')
        if "method" in message:
            method, params = message["method"], message.get("params")
            if not isinstance(method, str) or not method:
                return self._invalid(INVALID_REQUEST, 'field "method": expected a non-empty string')
            if params is not None and not isinstance(params, (dict, list)):
                return self._invalid(INVALID_REQUEST, 'field "params": expected an object or an array')
            params = params if isinstance(params, dict) else {}
            if rid is None:
                return self._on_notification(method, params)
            return self._on_request(rid, method, params)
        if "result" in message or "error" in message:
            if rid is None:
                return _diag("the host reported an error: %s" % json.dumps(message.get("error")))
            return self._on_response(rid, message)
        return self._invalid(INVALID_REQUEST, 'expected "method", "result" or "error"')

    def _on_response(self, rid, message):
        with self._state:
            slot = self._pending.pop(rid, None)
        if slot is None:
            return _diag("an answer to an unknown request id %r" % (rid,))
        if "error" in message:
            error = message["error"]
            if isinstance(error, dict) and type(error.get("code")) is int and isinstance(error.get("message"), str):
                slot.error = ChildError(error["code"], error["message"], error.get("data"))
            else:
                slot.error = ChildError(INTERNAL_ERROR, "malformed error answer: %s" % json.dumps(error))
        else:
            slot.result = message["result"]
        slot.done.set()

    def _on_notification(self, method, params):
        if method == "initialized":
            return
        if method == "exit":
            return self._finish(0, "child is exiting")
        if method == "$/cancel" and _valid_id(params.get("id")):
            with self._state:
                req = self._inflight.get(params["id"])
            if req is not None:
                req.ctx.cancelled.set()
                self._complete(req, error={"code": REQUEST_CANCELLED, "message": "request cancelled",
                                           "data": {"code": "cancelled"}})
        # Other notifications are ignored.

    def _on_request(self, rid, method, params):
        if method == "$/ping":
            return self._send_response(rid, {})
        if method == "initialize":
            return self._on_initialize(rid, params)
        if not self._initialized:
            return self._send_response(rid, error={"code": APPLICATION_ERROR, "message": "not initialized",
                                                   "data": {"code": "unavailable"}})
        if method == "health":
            return self._send_response(rid, {"status": "healthy", "latency_ms": 0})
        if method == "shutdown":
            self._shutting_down = True
            return threading.Thread(target=self._drain_then_answer, args=(rid,), daemon=True).start()
        if method not in ("event.handle", "function.invoke"):
            return self._send_response(rid, error={"code": METHOD_NOT_FOUND, "message": "method not found: %s" % method})
        if self._shutting_down:
            return self._send_response(rid, error={"code": APPLICATION_ERROR, "message": "shutting down",
                                                   "data": {"code": "unavailable"}})
        req = _Request(rid, Context(self, rid, method))
        with self._state:
            if rid in self._inflight:
                duplicate = True
            else:
                duplicate = False
                self._inflight[rid] = req
                self._running += 1
        if duplicate:
            return self._invalid(INVALID_REQUEST, "request id %s is already in flight" % json.dumps(rid))
        self._executor.submit(self._work, req, params)

    def _on_initialize(self, rid, params):
        if self._initialized:
            return self._send_response(rid, error={"code": APPLICATION_ERROR, "message": "already initialized",
                                                   "data": {"code": "conflict"}})
        host_version = params.get("protocol_version")
        if not isinstance(host_version, str):
            return self._send_response(rid, error={"code": INVALID_PARAMS, "data": {"code": "invalid_argument"},
                                                   "message": 'field "protocol_version": expected a string'})
        if _major(host_version) != PROTOCOL_MAJOR:
            self._send_response(rid, error={"code": UNSUPPORTED_PROTOCOL, "message": "unsupported protocol version: "
                                            "host %s, child %s" % (host_version, PROTOCOL_VERSION)})
            return self._finish(1, "unsupported protocol version")
        limit = params.get("max_message_bytes")
        if type(limit) is int and limit > 0:
            self._max_bytes = limit
        config = params.get("config")
        self.config = {} if config is None else config
        self.identity = params.get("child") if isinstance(params.get("child"), dict) else {}
        self.host = params.get("host") if isinstance(params.get("host"), dict) else {}
        handles = list(dict.fromkeys(pattern for pattern, _ in self._handlers))
        self._initialized = True
        self._send_response(rid, {"protocol_version": PROTOCOL_VERSION,
                                  "child": {"name": self.name, "version": self.version},
                                  "handles": handles, "functions": list(self._functions)})

    def _drain_then_answer(self, rid):
        with self._state:
            while self._running and not self._closed:
                self._state.wait(0.5)
        self._send_response(rid, {})

    def _work(self, req, params):
        ctx = req.ctx
        try:
            if ctx.cancelled.is_set():
                return
            if ctx.method == "event.handle":
                result = {"events": self._handle_event(params, ctx)}
            else:
                result = {"output": self._invoke(params, ctx)}
            self._complete(req, result)
        except ChildError as e:
            self._complete(req, error=e.to_wire())
        except (ValueError, TypeError, KeyError) as e:
            if isinstance(e, KeyError) and e.args:
                message = "missing field %s" % json.dumps(e.args[0], default=str)
            else:
                message = str(e) or type(e).__name__
            self._complete(req, error={"code": INVALID_PARAMS, "message": message, "data": {"code": "invalid_argument"}})
        except Exception as e:
            _diag("%s failed:\n%s" % (ctx.method, traceback.format_exc()))
            self._complete(req, error={"code": INTERNAL_ERROR, "message": str(e) or type(e).__name__,
                                       "data": {"code": "internal"}})
        finally:
            with self._state:
                self._running -= 1
                self._state.notify_all()

    def _handle_event(self, params, ctx):
        event = params.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise ValueError('field "event": expected an event object with a string "type"')
        # The first handler whose pattern matches runs (as in the Swift SDK); none → -32601.
        handlers = [fn for pattern, fn in self._handlers if matches(pattern, event["type"])][:1]
        if not handlers:
            raise ChildError(METHOD_NOT_FOUND, "no handler for event type %s (handles: %s)"
                             % (json.dumps(event["type"]), json.dumps([p for p, _ in self._handlers])),
                             {"code": "unsupported"})
        out = []
        for fn in handlers:
            produced = fn(event, ctx)
            if produced is None:
                continue
            for e in [produced] if isinstance(produced, dict) else produced:
                if not isinstance(e, dict) or not isinstance(e.get("type"), str):
                    raise RuntimeError("handler %s returned an event without a string \"type\": %r"
                                       % (getattr(fn, "__name__", fn), e))
                out.append(e)
        return out

    def _invoke(self, params, ctx):
        name = params.get("function")
        if not isinstance(name, str):
            raise ValueError('field "function": expected a string')
        fn = self._functions.get(name)
        if fn is None:
            raise ChildError(METHOD_NOT_FOUND, "unknown function %s (functions: %s)"
                             % (json.dumps(name), json.dumps(list(self._functions))), {"code": "unsupported"})
        ctx.invocation_id = params.get("invocation_id")
        ctx.idempotency_key = params.get("idempotency_key")
        ctx.timeout_ms = params.get("timeout_ms")
        if type(ctx.timeout_ms) is int and ctx.timeout_ms > 0:
            ctx.deadline = time.monotonic() + ctx.timeout_ms / 1000.0
        return fn(params.get("input"), ctx)
