#!/usr/bin/env python3
"""A loopback stand-in for an OpenAI-compatible chat-completions endpoint (Python stdlib only).

``POST <anything>/chat/completions`` checks what such an endpoint checks: ``Authorization:
Bearer <key>`` equal to ``--key`` (else **401** with an OpenAI-style error body), a JSON object
body with a non-empty string ``model`` and a non-empty array ``messages`` of ``{role, content}``
(else **400**). It answers ``{"id", "object": "chat.completion", "model", "choices": [{"index": 0,
"message": {"role": "assistant", "content": ...}, "finish_reason": "stop"}], "usage"}`` with the
scripted answers of ``--responses FILE`` (a JSON array of strings) in order; the last repeats.

Test control (not part of the API): ``GET /_fake/requests`` returns every request body received.

Every request and refusal is logged on stderr (never the key). Prints ``LISTENING <port>`` on
stdout once it accepts connections.
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"requests": [], "answers": [], "next": 0}
KEY = ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("chat_fake: " + (fmt % args) + "\n")

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, status, kind, message):
        sys.stderr.write(f"chat_fake: refused {status}: {message}\n")
        self.reply(status, {"error": {"message": message, "type": kind, "code": None}})

    def do_GET(self):
        if self.path == "/_fake/requests":
            with LOCK:
                self.reply(200, {"requests": STATE["requests"]})
            return
        self.refuse(404, "invalid_request_error", f"unknown path {self.path}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self.refuse(404, "invalid_request_error", f"unknown path {self.path}")
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self.refuse(401, "invalid_request_error", "Incorrect API key provided.")
        try:
            body = json.loads(raw)
        except ValueError as e:
            return self.refuse(400, "invalid_request_error", f"body is not JSON: {e}")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
            return self.refuse(400, "invalid_request_error", "you must provide a model parameter")
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in msgs):
            return self.refuse(400, "invalid_request_error", "messages: expected a non-empty array of {role, content}")
        with LOCK:
            STATE["requests"].append(body)
            answers = STATE["answers"]
            content = answers[min(STATE["next"], len(answers) - 1)]
            STATE["next"] += 1
            n = STATE["next"]
        sys.stderr.write(f"chat_fake: answer {n} to {len(msgs)} message(s), model {body['model']}\n")
        self.reply(200, {"id": f"chatcmpl-{n}", "object": "chat.completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


def main():
    global KEY
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--responses", required=True)
    a = ap.parse_args()
    KEY = a.key
    with open(a.responses) as f:
        STATE["answers"] = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
