"""Per-request context: the request id and the acting principal.

The web layer sets these for each request; logging and the audit mixin read them.
They are ``ContextVar``s, so every task and thread started from a request sees its values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

request_id_var: ContextVar[str | None] = ContextVar("foundation_request_id", default=None)
actor_var: ContextVar[str | None] = ContextVar("foundation_actor", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return request_id_var.get()


def current_actor() -> str | None:
    """The principal acting in this context (a user id or a system name), if any."""
    return actor_var.get()


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Run the block with ``actor`` as the current actor (jobs, CLI commands, tests)."""
    token = actor_var.set(actor)
    try:
        yield
    finally:
        actor_var.reset(token)


@contextmanager
def request_context(request_id: str | None, actor: str | None = None) -> Iterator[None]:
    """Bind a request id (and optionally an actor) for the duration of the block."""
    tokens = bind_request(request_id, actor)
    try:
        yield
    finally:
        unbind_request(tokens)


RequestTokens = tuple[Token[str | None], Token[str | None]]


def bind_request(request_id: str | None, actor: str | None = None) -> RequestTokens:
    """``request_context`` without the context manager (no generator per request): bind
    until ``unbind_request(tokens)``."""
    return request_id_var.set(request_id), actor_var.set(actor)


def unbind_request(tokens: RequestTokens) -> None:
    """Restore what was bound before ``bind_request`` returned ``tokens``."""
    actor_var.reset(tokens[1])
    request_id_var.reset(tokens[0])
