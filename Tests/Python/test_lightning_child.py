"""Tests of the Python child SDK (PluginSDK/python/lightning_child.py) and the Python examples.

The tests act as the host of docs/protocol.md: they spawn the examples, speak JSON-RPC over
their stdin/stdout, answer the children's calls and check every answer.

    python3 -m unittest discover -s Tests/Python -v      # from the repository root
    python3 Tests/Python/test_lightning_child.py -v
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
AGENT = os.path.join(ROOT, "Examples", "python", "example_agent.py")
FUNCTION = os.path.join(ROOT, "Examples", "python", "example_function.py")
sys.path.insert(0, os.path.join(ROOT, "PluginSDK", "python"))

import lightning_child  # noqa: E402
from lightning_child import Child, ChildError  # noqa: E402

_EOF = object()


def encode(message):
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


class Peer:
    """The host side of one connection: writes lines to the child, collects what it writes."""

    def __init__(self, write_stream, read_stream, proc=None):
        self.out, self.proc = write_stream, proc
        self.inbox, self.stash, self.bad_lines, self.stderr = queue.Queue(), [], [], []
        self.next_id = 1000
        threading.Thread(target=self._read, args=(read_stream,), daemon=True).start()
        if proc is not None:
            threading.Thread(target=self._read_stderr, daemon=True).start()

    @classmethod
    def spawn(cls, script):
        proc = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        return cls(proc.stdin, proc.stdout, proc)

    def _read(self, stream):
        for line in iter(stream.readline, b""):
            try:
                message = json.loads(line)
                if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
                    raise ValueError("not a JSON-RPC message")
            except ValueError:
                self.bad_lines.append(line)
                continue
            if not line.endswith(b"\n") or line.count(b"\n") != 1:
                self.bad_lines.append(line)
            self.inbox.put(message)
        self.inbox.put(_EOF)
        stream.close()

    def _read_stderr(self):
        for line in iter(self.proc.stderr.readline, b""):
            self.stderr.append(line.decode("utf-8", "replace"))

    def send(self, message):
        self.out.write(message if isinstance(message, bytes) else encode(message))
        self.out.flush()

    def request(self, method, params=None, rid=None):
        if rid is None:
            self.next_id += 1
            rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": {} if params is None else params})
        return rid

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, "params": {} if params is None else params})

    def answer(self, rid, result=None, error=None):
        message = {"jsonrpc": "2.0", "id": rid}
        if error is not None:
            message["error"] = error
        else:
            message["result"] = result
        self.send(message)

    def next(self, predicate, timeout=5.0, what="a message"):
        """The first message (stashed or new) matching predicate; others are stashed."""
        for i, message in enumerate(self.stash):
            if predicate(message):
                return self.stash.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                message = self.inbox.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise AssertionError("no %s within %.1f s; unmatched: %r; stderr: %s"
                                     % (what, timeout, self.stash, "".join(self.stderr[-20:])))
            if message is _EOF:
                self.inbox.put(_EOF)
                raise AssertionError("the child closed stdout while waiting for %s; unmatched: %r; stderr: %s"
                                     % (what, self.stash, "".join(self.stderr[-20:])))
            if predicate(message):
                return message
            self.stash.append(message)

    def response(self, rid, timeout=5.0):
        return self.next(lambda m: "method" not in m and m.get("id") == rid, timeout, "answer to %r" % (rid,))

    def result(self, rid, timeout=5.0):
        message = self.response(rid, timeout)
        if "error" in message:
            raise AssertionError("request %r failed: %r" % (rid, message["error"]))
        return message["result"]

    def error(self, rid, timeout=5.0):
        message = self.response(rid, timeout)
        if "error" not in message:
            raise AssertionError("request %r succeeded unexpectedly: %r" % (rid, message))
        return message["error"]

    def child_request(self, method, timeout=5.0):
        return self.next(lambda m: m.get("method") == method and "id" in m, timeout, "%s request" % method)

    def assert_silent_about(self, rid, seconds):
        try:
            message = self.response(rid, timeout=seconds)
        except AssertionError:
            return
        raise AssertionError("unexpected answer to %r: %r" % (rid, message))

    def initialize(self, config=None, max_message_bytes=4194304, version="1.0"):
        rid = self.request("initialize", {
            "protocol_version": version, "host": {"name": "lightning", "version": "0.1.0"},
            "child": {"id": "test-child", "kind": "agent", "instance": 1}, "config": config or {},
            "heartbeat_interval_ms": 5000, "max_message_bytes": max_message_bytes})
        return rid

    def handshake(self, **kwargs):
        result = self.result(self.initialize(**kwargs))
        self.notify("initialized")
        return result

    def wait_exit(self, timeout=5.0):
        return self.proc.wait(timeout=timeout)

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(timeout=5)
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass


class ChildProcessTestCase(unittest.TestCase):
    def spawn(self, script):
        peer = Peer.spawn(script)
        self.addCleanup(lambda: self.assertEqual(peer.bad_lines, [], "non-protocol output on stdout"))
        self.addCleanup(peer.close)
        return peer


class HandshakeTests(ChildProcessTestCase):
    def test_agent_handshake(self):
        host = self.spawn(AGENT)
        result = host.handshake()
        self.assertEqual(result, {"protocol_version": "1.0",
                                  "child": {"name": "example-python-agent", "version": "1.0.0"},
                                  "handles": ["greet.*"], "functions": []})

    def test_function_handshake(self):
        host = self.spawn(FUNCTION)
        result = host.handshake()
        self.assertEqual(result["protocol_version"], "1.0")
        self.assertEqual(result["child"], {"name": "example-python-function", "version": "1.0.0"})
        self.assertEqual(result["handles"], [])
        self.assertEqual(sorted(result["functions"]), ["sleep", "wordcount"])

    def test_version_mismatch_fails_and_exits_1(self):
        host = self.spawn(AGENT)
        error = host.error(host.initialize(version="2.0"))
        self.assertEqual(error["code"], -32001)
        self.assertEqual(error["message"], "unsupported protocol version: host 2.0, child 1.0")
        self.assertEqual(host.wait_exit(), 1)

    def test_same_major_other_minor_is_accepted(self):
        host = self.spawn(AGENT)
        self.assertEqual(host.handshake(version="1.7")["protocol_version"], "1.0")

    def test_health_and_unknown_method(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        self.assertEqual(host.result(host.request("health")), {"status": "healthy", "latency_ms": 0})
        error = host.error(host.request("no.such.method"))
        self.assertEqual(error["code"], -32601)
        self.assertIn("no.such.method", error["message"])


class AgentTests(ChildProcessTestCase):
    EVENT = {"id": "ev-1", "type": "greet.request", "source": "api", "data": {"name": "Ada"}, "metadata": {},
             "timestamp": "2026-01-01T00:00:00.000Z", "priority": "normal"}

    def test_event_without_a_handler_is_method_not_found(self):
        host = self.spawn(AGENT)
        host.handshake()
        error = host.error(host.request("event.handle", {"event": {"id": "u1", "type": "user.created"}}))
        self.assertEqual(error["code"], -32601)
        self.assertEqual(error["data"], {"code": "unsupported"})
        self.assertEqual(error["message"], 'no handler for event type "user.created" (handles: ["greet.*"])')

    def test_event_handle_with_calls_both_ways(self):
        host = self.spawn(AGENT)
        host.handshake(config={"greeting": "Hi"})
        handle_id = host.request("event.handle", {"event": self.EVENT}, rid=10)

        create = host.child_request("storage.container.create")
        self.assertEqual(create["params"], {"container": "greetings"})
        # The container exists already: the agent must ignore the conflict.
        host.answer(create["id"], error={"code": -32000, "message": "container exists", "data": {"code": "conflict"}})

        upsert = host.child_request("storage.upsert")
        self.assertNotEqual(upsert["id"], create["id"])
        self.assertEqual(upsert["params"], {"container": "greetings", "document": {
            "id": "ev-1", "partition_key": "", "data": {"name": "Ada", "greeting": "Hi, Ada!"}}})

        # While the child waits for the host, the host's own requests are served.
        ping_id = host.request("$/ping", rid="ping-1")
        other_id = host.request("event.handle", {"event": dict(self.EVENT, id="ev-2", type="greet.other")}, rid=12)
        self.assertEqual(host.result(ping_id, timeout=2), {})
        self.assertEqual(host.result(other_id, timeout=2), {"events": []})
        self.assertFalse(any(m.get("id") == handle_id and "method" not in m for m in host.stash))

        host.answer(upsert["id"], {"id": "ev-1", "partition_key": "", "data": upsert["params"]["document"]["data"],
                                   "etag": "e1", "created_at": "2026-01-01T00:00:00.000Z",
                                   "updated_at": "2026-01-01T00:00:00.000Z"})
        self.assertEqual(host.result(handle_id), {"events": [
            {"type": "greet.reply", "data": {"greeting": "Hi, Ada!", "stored_id": "ev-1"}}]})
        log = host.next(lambda m: m.get("method") == "log", what="log notification")
        self.assertNotIn("id", log)
        self.assertEqual(log["params"]["level"], "info")
        self.assertIn("Ada", log["params"]["message"])

    def test_storage_error_reaches_the_host_with_its_code(self):
        host = self.spawn(AGENT)
        host.handshake()
        handle_id = host.request("event.handle", {"event": self.EVENT})
        create = host.child_request("storage.container.create")
        host.answer(create["id"], {"created": True})
        upsert = host.child_request("storage.upsert")
        self.assertEqual(upsert["params"]["document"]["data"]["greeting"], "Hello, Ada!")  # default greeting
        host.answer(upsert["id"], error={"code": -32000, "message": "disk on fire", "data": {"code": "unavailable"}})
        error = host.error(handle_id)
        self.assertEqual(error, {"code": -32000, "message": "disk on fire", "data": {"code": "unavailable"}})

    def test_bad_event_is_invalid_params(self):
        host = self.spawn(AGENT)
        host.handshake()
        error = host.error(host.request("event.handle", {"event": dict(self.EVENT, data={})}))
        self.assertEqual(error["code"], -32602)
        self.assertEqual(error["data"], {"code": "invalid_argument"})
        self.assertIn("data.name", error["message"])


class FunctionTests(ChildProcessTestCase):
    def invoke(self, host, function, input, rid=None):
        return host.request("function.invoke", {"function": function, "invocation_id": "inv-%s" % time.time(),
                                                "input": input, "timeout_ms": 30000}, rid=rid)

    def test_wordcount(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        rid = self.invoke(host, "wordcount", {"text": "héllo big  world"})
        self.assertEqual(host.result(rid), {"output": {"words": 3, "chars": 16}})

    def test_invalid_input_is_invalid_params(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        for function, input, field in (("wordcount", {"text": 5}, "text"), ("wordcount", None, "text"),
                                        ("sleep", {"ms": "long"}, "ms")):
            error = host.error(self.invoke(host, function, input))
            self.assertEqual(error["code"], -32602, error)
            self.assertEqual(error["data"], {"code": "invalid_argument"})
            self.assertIn('"%s"' % field, error["message"])

    def test_unknown_function_is_method_not_found(self):
        # Same answer as the Swift SDK: -32601 with data.code "unsupported".
        host = self.spawn(FUNCTION)
        host.handshake()
        error = host.error(self.invoke(host, "nope", {}))
        self.assertEqual(error["code"], -32601)
        self.assertEqual(error["data"], {"code": "unsupported"})
        self.assertEqual(error["message"], 'unknown function "nope" (functions: ["wordcount", "sleep"])')

    def test_ping_answered_while_busy(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        started = time.monotonic()
        sleep_id = self.invoke(host, "sleep", {"ms": 2000})
        time.sleep(0.2)
        sent = time.monotonic()
        ping_id = host.request("$/ping")
        self.assertEqual(host.result(ping_id, timeout=1), {})
        self.assertLess(time.monotonic() - sent, 0.5)
        self.assertFalse(any(m.get("id") == sleep_id for m in host.stash), "sleep answered too early")
        output = host.result(sleep_id, timeout=5)["output"]
        self.assertGreaterEqual(output["slept_ms"], 1950)
        self.assertGreaterEqual(time.monotonic() - started, 1.95)
        progress = host.next(lambda m: m.get("method") == "$/progress", what="progress")
        self.assertEqual(progress["params"]["request_id"], sleep_id)
        self.assertTrue(0 <= progress["params"]["percent"] <= 100)

    def test_cancel(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        sleep_id = self.invoke(host, "sleep", {"ms": 10000}, rid="job-7")
        time.sleep(0.3)
        host.notify("$/cancel", {"id": sleep_id})
        error = host.error(sleep_id, timeout=1)
        self.assertEqual(error["code"], -32800)
        self.assertEqual(error["message"], "request cancelled")
        # The handler stopped: shutdown (which waits for in-flight work) answers at once.
        started = time.monotonic()
        self.assertEqual(host.result(host.request("shutdown"), timeout=2), {})
        self.assertLess(time.monotonic() - started, 1.0)
        host.assert_silent_about(sleep_id, 0.5)  # never answered twice

    def test_cancel_of_unknown_request_is_ignored(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        host.notify("$/cancel", {"id": 424242})
        self.assertEqual(host.result(self.invoke(host, "wordcount", {"text": "a b"})), {"output": {"words": 2, "chars": 3}})

    def test_garbage_lines(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        host.send(b"this is not json\n")
        error = host.next(lambda m: "error" in m, what="parse error")
        self.assertIsNone(error["id"])
        self.assertIn("id", error)
        self.assertEqual(error["error"]["code"], -32700)
        host.send(b"\n\r\n")  # empty lines are ignored
        host.send(b"[1,2]\n")
        error = host.next(lambda m: "error" in m, what="invalid request")
        self.assertIsNone(error["id"])
        self.assertEqual(error["error"]["code"], -32600)
        host.send(b'{"id":5,"method":"health"}\n')  # no "jsonrpc"
        self.assertEqual(host.next(lambda m: "error" in m, what="invalid request")["error"]["code"], -32600)
        rid = self.invoke(host, "wordcount", {"text": "still alive"})
        self.assertEqual(host.result(rid), {"output": {"words": 2, "chars": 11}})
        self.assertEqual(host.stash, [])

    def test_crlf_input(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        host.send(encode({"jsonrpc": "2.0", "id": 3, "method": "$/ping", "params": {}})[:-1] + b"\r\n")
        self.assertEqual(host.result(3), {})

    def test_shutdown_waits_for_in_flight_work_then_exit(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        sleep_id = self.invoke(host, "sleep", {"ms": 1000})
        time.sleep(0.1)
        shutdown_id = host.request("shutdown")
        late_id = self.invoke(host, "wordcount", {"text": "late"})
        late = host.error(late_id, timeout=1)
        self.assertEqual(late["data"], {"code": "unavailable"})
        self.assertEqual(host.result(host.request("$/ping"), timeout=1), {})
        first = host.next(lambda m: "method" not in m and m.get("id") in (sleep_id, shutdown_id), what="an answer")
        self.assertEqual(first["id"], sleep_id, "shutdown answered before in-flight work finished")
        self.assertGreaterEqual(first["result"]["output"]["slept_ms"], 950)
        self.assertEqual(host.result(shutdown_id), {})
        host.notify("exit")
        self.assertEqual(host.wait_exit(), 0)

    def test_exit_status_0(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        host.notify("exit")
        self.assertEqual(host.wait_exit(), 0)

    def test_stdin_eof_exits_0(self):
        host = self.spawn(AGENT)
        host.handshake()
        host.proc.stdin.close()
        self.assertEqual(host.wait_exit(), 0)

    def test_stdin_eof_while_busy_exits_0(self):
        host = self.spawn(FUNCTION)
        host.handshake()
        self.invoke(host, "sleep", {"ms": 30000})
        time.sleep(0.2)
        host.proc.stdin.close()
        self.assertEqual(host.wait_exit(timeout=3), 0)

    def test_oversize_line_without_readable_id_is_ignored(self):
        host = self.spawn(FUNCTION)
        host.handshake(max_message_bytes=1024)
        line = encode({"jsonrpc": "2.0", "method": "function.invoke",
                       "params": {"function": "wordcount", "input": {"text": "x" * 4900}}, "id": 77})
        self.assertGreaterEqual(len(line), 5000)
        host.send(line)
        host.assert_silent_about(77, 1.0)
        self.assertEqual(host.stash, [])
        self.assertEqual(host.result(self.invoke(host, "wordcount", {"text": "a b c"})), {"output": {"words": 3, "chars": 5}})

    def test_oversize_request_with_readable_id_is_answered_too_large(self):
        host = self.spawn(FUNCTION)
        host.handshake(max_message_bytes=1024)
        host.send(encode({"jsonrpc": "2.0", "id": 78, "method": "function.invoke",
                          "params": {"function": "wordcount", "input": {"text": "x" * 4900}}}))
        self.assertEqual(host.error(78)["code"], -32004)
        self.assertEqual(host.result(self.invoke(host, "wordcount", {"text": "ok"})), {"output": {"words": 1, "chars": 2}})

    def test_line_at_the_limit_is_accepted(self):
        host = self.spawn(FUNCTION)
        host.handshake(max_message_bytes=1024)

        def line(n):
            return encode({"jsonrpc": "2.0", "id": 79, "method": "function.invoke",
                           "params": {"function": "wordcount", "input": {"text": "y" * n}}})
        n = 1024 - (len(line(0)) - 1)
        self.assertEqual(len(line(n)) - 1, 1024)
        host.send(line(n))
        self.assertEqual(host.result(79), {"output": {"words": 1, "chars": n}})


class InProcessTests(unittest.TestCase):
    """The SDK driven through pipes inside this process, for what a subprocess cannot show."""

    def start(self, child):
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        host = Peer(os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb"))
        child_in, child_out = os.fdopen(in_r, "rb"), os.fdopen(out_w, "wb")
        runner = threading.Thread(target=child.run, args=(child_in, child_out), daemon=True)
        runner.start()

        def cleanup():
            self._close_quietly(host.out)  # end of stdin frees a handler stuck on a call
            runner.join(5)
            if not runner.is_alive():
                self._close_quietly(child_in)
                self._close_quietly(child_out)
        self.addCleanup(cleanup)
        return host, runner

    @staticmethod
    def _close_quietly(stream):
        try:
            stream.close()
        except OSError:
            pass

    def test_patterns(self):
        m = lightning_child.matches
        self.assertTrue(m("*", "a"))
        self.assertTrue(m("a.*", "a.x"))
        self.assertTrue(m("a.*", "a.x.y"))
        self.assertFalse(m("a.*", "a"))
        self.assertFalse(m("a.*", "ab.x"))
        self.assertTrue(m("a.b", "a.b"))
        self.assertFalse(m("a.b", "a.b.c"))
        with self.assertRaises(ValueError):
            Child("x", "1").on_event("a..b")

    def test_child_error_codes(self):
        self.assertEqual(ChildError("not_found", "gone").to_wire(),
                         {"code": -32000, "message": "gone", "data": {"code": "not_found"}})
        self.assertEqual(ChildError("invalid_argument", "bad").code, -32602)
        self.assertEqual(ChildError(-32000, "x", {"code": "conflict"}).wire_code, "conflict")
        self.assertEqual(ChildError(-32601, "x").wire_code, "unsupported")

    def test_context_calls_and_eof_fails_pending_calls(self):
        child = Child(name="t", version="0.1")
        seen, errors, finished = {}, [], threading.Event()

        @child.on_event("t.*")
        def handler(event, ctx):
            seen["config"], seen["identity"] = ctx.config, ctx.child
            seen["emit"] = ctx.emit({"type": "t.out"})
            seen["query"] = ctx.storage.query("c", where={"a.b": 1}, max_items=5)
            try:
                ctx.storage.read("c", "missing")
            except ChildError as e:
                seen["read_error"] = (e.code, e.wire_code, e.message)
            ctx.storage.replace("c", {"id": "d", "data": {"v": 2}}, if_match="e1")
            ctx.progress("half", 50)
            try:
                ctx.call("config.get")
            except ChildError as e:
                errors.append(e)
            finished.set()
            return None

        host, runner = self.start(child)
        result = host.handshake(config={"k": "v"})
        self.assertEqual(result["handles"], ["t.*"])
        rid = host.request("event.handle", {"event": {"id": "e", "type": "t.go"}})

        emit = host.child_request("events.emit")
        self.assertEqual(emit["params"], {"events": [{"type": "t.out"}]})
        host.answer(emit["id"], {"results": [{"id": "x", "status": "accepted"}]})
        query = host.child_request("storage.query")
        self.assertEqual(query["params"], {"container": "c", "where": {"a.b": 1}, "max_items": 5})
        host.answer(query["id"], {"documents": []})
        read = host.child_request("storage.read")
        self.assertEqual(read["params"], {"container": "c", "id": "missing", "partition_key": ""})
        host.answer(read["id"], error={"code": -32000, "message": "no such document", "data": {"code": "not_found"}})
        replace = host.child_request("storage.replace")
        self.assertEqual(replace["params"], {"container": "c", "if_match": "e1",
                                             "document": {"id": "d", "partition_key": "", "data": {"v": 2}}})
        host.answer(replace["id"], {"id": "d", "partition_key": "", "data": {"v": 2}, "etag": "e2"})
        progress = host.next(lambda m: m.get("method") == "$/progress", what="progress")
        self.assertEqual(progress["params"], {"request_id": rid, "message": "half", "percent": 50.0})
        host.child_request("config.get")  # left unanswered: the host goes away
        host.out.close()
        runner.join(5)
        self.assertFalse(runner.is_alive(), "run() did not return at end of stdin")
        self.assertTrue(finished.wait(5), "the handler's pending call did not fail at end of stdin")

        self.assertEqual(seen["config"], {"k": "v"})
        self.assertEqual(seen["identity"], {"id": "test-child", "kind": "agent", "instance": 1})
        self.assertEqual(seen["emit"], {"results": [{"id": "x", "status": "accepted"}]})
        self.assertEqual(seen["query"], {"documents": []})
        self.assertEqual(seen["read_error"], (-32000, "not_found", "no such document"))
        self.assertEqual(len(errors), 1)
        self.assertEqual((errors[0].code, errors[0].wire_code, errors[0].message),
                         (-32000, "unavailable", "host connection closed"))

    def test_context_hub_helpers_send_the_context_methods(self):
        child = Child(name="t", version="0.1")
        seen, finished = {}, threading.Event()

        @child.on_event("t.*")
        def handler(event, ctx):
            seen["write"] = ctx.context_hub.write("/a/b.md", "text", acl=[{"principal": "x", "access": "read"}])
            seen["search"] = ctx.context_hub.search("okapi", limit=5)
            try:
                ctx.context_hub.read("/secret.md", owner="other")
            except ChildError as e:
                seen["read_error"] = e.wire_code
            seen["list"] = ctx.context_hub.list("/a")
            finished.set()
            return None

        host, runner = self.start(child)
        host.handshake()
        host.request("event.handle", {"event": {"id": "e", "type": "t.go"}})
        write = host.child_request("context.write")
        self.assertEqual(write["params"], {"path": "/a/b.md", "content": "text", "acl": [{"principal": "x", "access": "read"}]})
        host.answer(write["id"], {"id": "d1", "version": 1})
        search = host.child_request("context.search")
        self.assertEqual(search["params"], {"q": "okapi", "limit": 5})
        host.answer(search["id"], {"total": 0, "hits": []})
        read = host.child_request("context.read")
        self.assertEqual(read["params"], {"path": "/secret.md", "owner": "other"})
        host.answer(read["id"], error={"code": -32000, "message": "denied", "data": {"code": "permission_denied"}})
        listing = host.child_request("context.list")
        self.assertEqual(listing["params"], {"path": "/a"})
        host.answer(listing["id"], {"documents": [{"name": "b.md"}]})
        self.assertTrue(finished.wait(5))
        self.assertEqual(seen["write"], {"id": "d1", "version": 1})
        self.assertEqual(seen["search"], {"total": 0, "hits": []})
        self.assertEqual(seen["read_error"], "permission_denied")
        self.assertEqual(seen["list"], [{"name": "b.md"}])
        host.out.close()
        runner.join(5)

    def test_handler_errors_map_to_codes(self):
        child = Child(name="t", version="0.1")

        @child.function("fail")
        def fail(input, ctx):
            kind = input["kind"]
            if kind == "child":
                raise ChildError("precondition_failed", "etag mismatch")
            if kind == "custom":
                raise ChildError(-32099, "custom", {"why": 1})
            if kind == "type":
                raise TypeError("wrong type")
            if kind == "unencodable":
                return {"x": object()}
            raise RuntimeError("boom")

        host, runner = self.start(child)
        host.handshake()
        cases = {"child": {"code": -32000, "message": "etag mismatch", "data": {"code": "precondition_failed"}},
                 "custom": {"code": -32099, "message": "custom", "data": {"why": 1}},
                 "type": {"code": -32602, "message": "wrong type", "data": {"code": "invalid_argument"}},
                 "runtime": {"code": -32603, "message": "boom", "data": {"code": "internal"}}}
        for kind, want in cases.items():
            rid = host.request("function.invoke", {"function": "fail", "invocation_id": kind, "input": {"kind": kind},
                                                   "timeout_ms": 1000})
            self.assertEqual(host.error(rid), want)
        rid = host.request("function.invoke", {"function": "fail", "invocation_id": "k", "input": {}, "timeout_ms": 1000})
        self.assertEqual(host.error(rid)["message"], 'missing field "kind"')
        rid = host.request("function.invoke", {"function": "fail", "invocation_id": "u", "input": {"kind": "unencodable"},
                                               "timeout_ms": 1000})
        self.assertEqual(host.error(rid)["code"], -32603)
        host.notify("exit")
        runner.join(5)
        self.assertFalse(runner.is_alive())


if __name__ == "__main__":
    unittest.main()
