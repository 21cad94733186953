#!/usr/bin/env python3
"""An example Lightning agent in Python (docs/protocol.md).

Handles `greet.*`. On `greet.request` with data {"name": X} it makes sure the `greetings`
container exists, stores the greeting there (document id = the event's id) and answers one
`greet.reply` event {"greeting": "<config.greeting or Hello>, X!", "stored_id": ...}.
Other `greet.*` events produce nothing.

Runs from a checkout: the SDK is imported from PluginSDK/python relative to this file.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "PluginSDK", "python"))

from lightning_child import Child, ChildError  # noqa: E402

child = Child(name="example-python-agent", version="1.0.0")


@child.on_event("greet.*")
def greet(event, ctx):
    if event["type"] != "greet.request":
        return None
    data = event.get("data")
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ValueError('field "data.name": expected a non-empty string')
    try:
        ctx.storage.create_container("greetings")
    except ChildError as e:
        if e.wire_code != "conflict":  # it exists already: fine
            raise
    greeting = "%s, %s!" % (ctx.config.get("greeting", "Hello"), name)
    doc = ctx.storage.upsert("greetings", {"id": event["id"], "data": {"name": name, "greeting": greeting}})
    stored_id = doc.get("id", event["id"]) if isinstance(doc, dict) else event["id"]
    ctx.log("info", "greeted %s (stored %s)" % (name, stored_id))
    return [{"type": "greet.reply", "data": {"greeting": greeting, "stored_id": stored_id}}]


if __name__ == "__main__":
    child.run()
