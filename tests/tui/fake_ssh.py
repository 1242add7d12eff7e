"""A stand-in for OpenSSH's client on one machine: runs the remote command in sh, or forwards
a Unix socket (-N -L local:remote) by copying bytes both ways, like ssh's streamlocal forward."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def forward(local: str, remote: str) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        remote_reader, remote_writer = await asyncio.open_unix_connection(remote)
        await asyncio.gather(_pipe(reader, remote_writer), _pipe(remote_reader, writer))

    if os.path.exists(local):  # StreamLocalBindUnlink=yes
        os.unlink(local)
    server = await asyncio.start_unix_server(serve, path=local)
    async with server:
        await server.serve_forever()


def main(args: list[str]) -> int:
    destination = args[args.index("--") + 1]
    if "@" not in destination:
        print(f"ssh: Could not resolve hostname {destination}", file=sys.stderr)
        return 255
    if "-N" in args:
        local, remote = args[args.index("-L") + 1].split(":")
        asyncio.run(forward(local, remote))
        return 0
    return subprocess.run(["sh", "-c", args[args.index("--") + 2]], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
