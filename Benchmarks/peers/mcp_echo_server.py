#!/usr/bin/env python3
"""The peer of the `rpc` benchmark: an echo server on the MCP Python SDK (pip install mcp),
served over stdio, one JSON-RPC message per line, exactly as an MCP host would run it.
lightning-bench talks to it with a minimal client of its own (initialize, then `ping` and
`tools/call echo`)."""
from mcp.server import MCPServer

server = MCPServer(name="bench-echo")


@server.tool()
def echo(text: str) -> str:
    """Returns its input."""
    return text


if __name__ == "__main__":
    server.run("stdio")
