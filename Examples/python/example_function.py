#!/usr/bin/env python3
"""An example Lightning function child in Python (docs/protocol.md).

Functions:
* `wordcount`: {"text": str} -> {"words": int, "chars": int}
* `sleep`: {"ms": int >= 0} -> {"slept_ms": int}; sleeps in small steps, stops early when the
  host cancels the invocation, and reports progress.

Invalid input raises ValueError naming the field (answered as -32602, invalid_argument).
Runs from a checkout: the SDK is imported from PluginSDK/python relative to this file.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "PluginSDK", "python"))

from lightning_child import Child  # noqa: E402

child = Child(name="example-python-function", version="1.0.0")


@child.function("wordcount")
def wordcount(input, ctx):
    text = input.get("text") if isinstance(input, dict) else None
    if not isinstance(text, str):
        raise ValueError('field "text": expected a string')
    return {"words": len(text.split()), "chars": len(text)}


@child.function("sleep")
def sleep(input, ctx):
    ms = input.get("ms") if isinstance(input, dict) else None
    if type(ms) is not int or ms < 0:
        raise ValueError('field "ms": expected a non-negative integer')
    start = time.monotonic()
    end = start + ms / 1000.0
    next_report = start + 0.5
    while not ctx.cancelled.is_set():
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_report:
            ctx.progress(message="sleeping", percent=100.0 * (now - start) * 1000.0 / ms)
            next_report = now + 0.5
        ctx.cancelled.wait(min(0.02, end - now))
    return {"slept_ms": int(round((time.monotonic() - start) * 1000))}


if __name__ == "__main__":
    child.run()
