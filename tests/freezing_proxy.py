"""A TCP proxy that can freeze: stop forwarding in both directions without closing anything.

That is what a network partition looks like to a client when nothing resets the
connection: writes succeed (the proxy's kernel takes them), reads never complete.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class FreezingProxy:
    """Forwards 127.0.0.1:``port`` to ``target``; ``freeze()`` holds every byte until ``thaw()``."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.connections = 0  # connections accepted so far
        self.closed_by_client = 0  # connections whose client side has ended
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    def freeze(self) -> None:
        """Stop forwarding; connections stay open, and new ones are accepted but go nowhere."""
        self._thawed.clear()

    def thaw(self) -> None:
        """Forward again, held bytes first."""
        self._thawed.set()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, from_client: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._thawed.wait()
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            if from_client:
                self.closed_by_client += 1
            writer.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self._thawed.wait()  # frozen: the handshake goes nowhere either
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        for reader, writer, from_client in (
            (client_r, server_w, True),
            (server_r, client_w, False),
        ):
            task = asyncio.create_task(self._pump(reader, writer, from_client=from_client))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FreezingProxy]:
        """Listen on a free port for the duration of the block."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self.thaw()
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
