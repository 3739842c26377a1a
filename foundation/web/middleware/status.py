"""The status a response answered with, seen from a middleware that wraps ``send``."""

from __future__ import annotations

from starlette.types import Message, Send


class StatusRecorder:
    """A ``send`` that passes every message on and keeps the response's status: 500 until
    the response starts (what the client gets when the app fails before answering)."""

    __slots__ = ("send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)
