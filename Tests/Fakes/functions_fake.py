#!/usr/bin/env python3
"""A loopback stand-in for an Azure Functions app's invoke surface (Python stdlib only).

It checks requests the way the Functions host does:

* HTTP triggers: ``{METHOD} /api/{route}``. With authLevel ``function`` the key is taken from
  the ``x-functions-key`` header or the ``code`` query parameter and must be the function's own
  key, a host key or the master key; with ``admin`` only the master key; ``anonymous`` needs
  none. A missing or wrong key is **401** with an empty body. An unknown route or a disabled
  function is **404**.
* Non-HTTP triggers: ``POST /admin/functions/{name}`` with the master key in ``x-functions-key``
  and a JSON body ``{"input": "<string>"}`` (or ``{}``) → **202 Accepted**, empty body; the output
  is not returned. Wrong key → 401, unknown function → 404, a body that is not a JSON object or
  an ``input`` that is not a string → 400.
* ``GET /admin/host/status`` with the master key → 200 ``{"id", "state", "version", ...}``.

The app is described by ``--config JSON``::

    {"master_key": "...", "host_keys": ["..."], "route_prefix": "api",
     "functions": {"hello": {"trigger": "http", "route": "greet/hello", "auth": "function",
                             "key": "...", "behavior": "hello", "disabled": false},
                   "nightly": {"trigger": "timer"}}}

Behaviours of HTTP functions (the fake "runs" them): ``echo`` (the body back, same content
type), ``hello`` (text ``Hello, <name>!`` from the JSON body or query), ``wordcount``
(``{"text"}`` → ``{"words", "chars"}``), ``fail`` (500 with a text body), ``query`` (the method
and query parameters it got), ``status`` (answers the JSON body's ``status`` with its ``body``),
``effect`` (function code that honours the ``Idempotency-Key`` header, as a function on Azure
must do itself: one effect per key, ``{"step"}`` → ``{"key", "deliveries"}``, where
``deliveries`` counts the requests with that key; no key → 400),
``sleep`` (waits the JSON body's ``ms``, then answers ``{"slept_ms": ms}``).

Test controls (not part of Azure), under ``/_fake/``:
``POST /_fake/throttle {"count": n, "retry_after": s}`` makes the next n invocations answer 429
with ``Retry-After: s``; ``POST /_fake/state {"state": "Error"}`` sets the host state;
``GET /_fake/stats`` returns counters, the admin invocations received, ``effects`` (key →
``{"step", "deliveries"}``) and ``keys`` (every ``Idempotency-Key`` received, with its function).

Every request and every refusal (with its reason, never a key) is logged on stderr. Prints
``LISTENING <port>`` on stdout once it accepts connections.
"""

import argparse
import json
import sys
import time
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()
STATE = {
    "throttle": 0,
    "retry_after": "1",
    "host_state": "Running",
    "invocations": {},      # function name -> count of requests that reached it
    "admin": [],            # [{"function", "input"}]
    "throttled": 0,
    "refused": 0,
    "effects": {},          # Idempotency-Key -> {"step", "deliveries"} (behaviour "effect")
    "keys": [],             # [{"function", "key"}]: every Idempotency-Key header received
}
APP = {}


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "Kestrel"
    sys_version = ""

    def log_message(self, fmt, *args):  # the default access log is replaced by log() lines
        pass

    # -- helpers --------------------------------------------------------------------------
    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, body=b"", ctype=None, headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = ctype or "application/json; charset=utf-8"
        elif isinstance(body, str):
            body = body.encode()
            ctype = ctype or "text/plain; charset=utf-8"
        self.send_response(status)
        if ctype and body:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        log(f"  -> {status}")

    def refuse(self, status, why, body=b""):
        with LOCK:
            STATE["refused"] += 1
        log(f"REFUSED {status} {self.command} {urlsplit(self.path).path}: {why}")
        self.reply(status, body)

    def presented_key(self, query):
        k = self.headers.get("x-functions-key")
        if k is None:
            k = (query.get("code") or [None])[0]
        return k

    def throttled(self):
        with LOCK:
            if STATE["throttle"] > 0:
                STATE["throttle"] -= 1
                STATE["throttled"] += 1
                return STATE["retry_after"]
        return None

    # -- dispatch -------------------------------------------------------------------------
    def handle_any(self):
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query)
        log(f"{self.command} {url.path}")
        raw = self.body()
        if path.startswith("/_fake/"):
            return self.control(path, raw)
        if path == "/admin/host/status":
            return self.host_status(query)
        if path.startswith("/admin/functions/"):
            return self.admin_invoke(path[len("/admin/functions/"):], query, raw)
        prefix = "/" + APP.get("route_prefix", "api").strip("/") + "/"
        if APP.get("route_prefix", "api").strip("/") == "":
            prefix = "/"
        if path.startswith(prefix):
            return self.http_invoke(path[len(prefix):].strip("/"), query, raw)
        return self.refuse(404, f"no route {path}")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

    def control(self, path, raw):
        data = json.loads(raw or b"{}")
        if path == "/_fake/throttle":
            with LOCK:
                STATE["throttle"] = int(data.get("count", 1))
                STATE["retry_after"] = str(data.get("retry_after", 1))
            return self.reply(200, {"ok": True})
        if path == "/_fake/state":
            with LOCK:
                STATE["host_state"] = data.get("state", "Running")
            return self.reply(200, {"ok": True})
        if path == "/_fake/stats":
            with LOCK:
                return self.reply(200, {k: STATE[k] for k in ("invocations", "admin", "throttled", "refused", "effects", "keys")})
        return self.reply(404, {"error": "unknown control"})

    def host_status(self, query):
        if self.presented_key(query) != APP.get("master_key"):
            return self.refuse(401, "host status needs the master key")
        with LOCK:
            state = STATE["host_state"]
        body = {"id": APP.get("host_id", "fakeapp"), "state": state, "version": "4.1036.1.23224",
                "versionDetails": "4.1036.1+fake", "platformVersion": "", "instanceId": "fake-instance",
                "computerName": "", "processUptime": 1000}
        if state == "Error":
            body["errors"] = ["Microsoft.Azure.WebJobs.Script: Worker failed to start (fake)."]
        return self.reply(200, body)

    def find_function(self, name):
        for fname, f in APP.get("functions", {}).items():
            if fname.lower() == name.lower():
                return fname, f
        return None, None

    def key_ok(self, f, key, level):
        master = APP.get("master_key")
        if level == "anonymous":
            return True
        if key is None:
            return False
        if key == master:
            return True
        if level == "admin":
            return False
        return key == f.get("key") or key in APP.get("host_keys", [])

    def http_invoke(self, route, query, raw):
        match = None
        for fname, f in APP.get("functions", {}).items():
            if f.get("trigger", "http") != "http":
                continue
            if (f.get("route") or fname).strip("/").lower() == route.lower():
                match = (fname, f)
                break
        if match is None:
            return self.refuse(404, f"no HTTP function with route {route!r}")
        fname, f = match
        if f.get("disabled"):
            return self.refuse(404, f"function {fname} is disabled")
        level = f.get("auth", "function")
        key = self.presented_key(query)
        if not self.key_ok(f, key, level):
            why = "no key presented" if key is None else f"the key presented is not valid for function {fname} (authLevel {level})"
            return self.refuse(401, why)
        retry = self.throttled()
        if retry is not None:
            log(f"THROTTLED {fname}: 429 Retry-After {retry}")
            return self.reply(429, "", headers={"Retry-After": retry})
        with LOCK:
            STATE["invocations"][fname] = STATE["invocations"].get(fname, 0) + 1
            if self.headers.get("Idempotency-Key") is not None:
                STATE["keys"].append({"function": fname, "key": self.headers.get("Idempotency-Key")})
        return self.run(fname, f, query, raw)

    def run(self, fname, f, query, raw):
        behavior = f.get("behavior", "echo")
        parsed = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        if behavior == "echo":
            return self.reply(200, raw, ctype=self.headers.get("Content-Type") or "application/octet-stream")
        if behavior == "hello":
            name = (parsed or {}).get("name") if isinstance(parsed, dict) else None
            name = name or (query.get("name") or [None])[0]
            if not name:
                return self.reply(400, "Please pass a name on the query string or in the request body")
            return self.reply(200, f"Hello, {name}!")
        if behavior == "wordcount":
            if not isinstance(parsed, dict) or not isinstance(parsed.get("text"), str):
                return self.reply(400, {"error": "expected {\"text\": string}"})
            text = parsed["text"]
            return self.reply(200, {"words": len(text.split()), "chars": len(text)})
        if behavior == "effect":
            key = self.headers.get("Idempotency-Key")
            if not key:
                return self.reply(400, {"error": "effect: no Idempotency-Key header"})
            step = parsed.get("step", "") if isinstance(parsed, dict) else ""
            with LOCK:
                e = STATE["effects"].setdefault(key, {"step": step, "deliveries": 0})
                e["deliveries"] += 1
                n = e["deliveries"]
            return self.reply(200, {"key": key, "deliveries": n})
        if behavior == "fail":
            return self.reply(500, "Exception while executing function: Functions." + fname + " (fake failure)")
        if behavior == "query":
            return self.reply(200, {"method": self.command, "query": {k: v[0] for k, v in query.items()}, "body_bytes": len(raw)})
        if behavior == "sleep":
            ms = (parsed or {}).get("ms", 0) if isinstance(parsed, dict) else 0
            time.sleep(max(0, min(float(ms), 600000)) / 1000)
            return self.reply(200, {"slept_ms": ms})
        if behavior == "status":
            p = parsed if isinstance(parsed, dict) else {}
            return self.reply(int(p.get("status", 200)), p.get("body", ""))
        return self.reply(500, f"unknown behaviour {behavior}")

    def admin_invoke(self, name, query, raw):
        fname, f = self.find_function(name)
        key = self.headers.get("x-functions-key")
        if key != APP.get("master_key"):
            return self.refuse(401, "admin invocation needs the master key in x-functions-key")
        if f is None:
            return self.refuse(404, f"no function named {name!r}")
        if f.get("disabled"):
            return self.refuse(404, f"function {fname} is disabled")
        if self.command != "POST":
            return self.refuse(405, "admin invocation is POST only")
        try:
            body = json.loads(raw or b"")
        except ValueError:
            return self.refuse(400, "body is not JSON", {"Message": "The request body is not valid JSON"})
        if not isinstance(body, dict):
            return self.refuse(400, "body is not a JSON object")
        inp = body.get("input")
        if inp is not None and not isinstance(inp, str):
            return self.refuse(400, "\"input\" is not a string")
        retry = self.throttled()
        if retry is not None:
            log(f"THROTTLED admin {fname}: 429 Retry-After {retry}")
            return self.reply(429, "", headers={"Retry-After": retry})
        with LOCK:
            STATE["admin"].append({"function": fname, "input": inp})
            STATE["invocations"][fname] = STATE["invocations"].get(fname, 0) + 1
        log(f"ran {fname} (trigger {f.get('trigger')}) with input {inp!r} in the background; id {uuid.uuid4()}")
        return self.reply(202)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="the app description (JSON)")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    APP.update(json.loads(args.config))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
