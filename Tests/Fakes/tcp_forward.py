#!/usr/bin/env python3
"""Forwards TCP connections from LISTEN_HOST:<a free port> to TARGET_HOST:TARGET_PORT.

    tcp_forward.py LISTEN_HOST TARGET_HOST TARGET_PORT

Prints "forwarding PORT" on stdout once it listens, then serves until killed. Used by the
partition tests (Tests/IntegrationTests/ClusterPartitionTests.swift): a daemon in its own network
namespace reaches the loopback-only PostgreSQL through this forwarder on the host end of its
veth link, so cutting that link cuts the daemon off the store as a real partition would (packets
vanish; neither side is told).
"""
import asyncio
import sys


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError):
            pass


async def main() -> None:
    if len(sys.argv) != 4:
        sys.exit("usage: tcp_forward.py LISTEN_HOST TARGET_HOST TARGET_PORT")
    listen_host, target_host, target_port = sys.argv[1], sys.argv[2], int(sys.argv[3])

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
        except OSError as e:
            print(f"tcp_forward: cannot reach {target_host}:{target_port}: {e}", file=sys.stderr, flush=True)
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    server = await asyncio.start_server(handle, listen_host, 0)
    port = server.sockets[0].getsockname()[1]
    print(f"forwarding {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
