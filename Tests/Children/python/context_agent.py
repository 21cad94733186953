#!/usr/bin/env python3
"""A test agent for the Context Hub (Tests/IntegrationTests/DaemonContextTests.swift).

Handles `<prefix>.*`, where the prefix is the agent's config `prefix`:
- `<prefix>.write` {"path", "content", "acl"?}: writes the document into its own tree and
  answers `<prefix>.written` with the document (without content).
- `<prefix>.search` {"q"}: searches and answers `<prefix>.found` {"total", "hits": [{"owner", "path", "snippet"}]}.
- `<prefix>.read` {"owner", "path"}: answers `<prefix>.read.ok` {"content"} or `<prefix>.read.failed` {"code"}.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "PluginSDK", "python"))

from lightning_child import Child, ChildError  # noqa: E402

child = Child(name="context-agent", version="1.0.0")


@child.on_event("*")
def handle(event, ctx):
    prefix = ctx.config.get("prefix", "ctx")
    kind = event["type"][len(prefix) + 1:]
    data = event.get("data") or {}
    if kind == "write":
        doc = ctx.context_hub.write(data["path"], data["content"], acl=data.get("acl"))
        doc.pop("content", None)
        return [{"type": prefix + ".written", "data": doc}]
    if kind == "search":
        r = ctx.context_hub.search(data["q"])
        hits = [{"owner": h["document"]["owner"], "path": h["document"]["path"], "snippet": h["snippet"]} for h in r["hits"]]
        return [{"type": prefix + ".found", "data": {"total": r["total"], "hits": hits}}]
    if kind == "read":
        try:
            d = ctx.context_hub.read(data["path"], owner=data.get("owner"))
            return [{"type": prefix + ".read.ok", "data": {"content": d["content"]}}]
        except ChildError as e:
            return [{"type": prefix + ".read.failed", "data": {"code": e.wire_code}}]
    return None


if __name__ == "__main__":
    child.run()
