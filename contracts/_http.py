"""HTTP plumbing shared by the API suite: problem documents, sending schemathesis cases
through the test's own client, and calling the test's event loop from worker threads."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from schemathesis.generation import GenerationMode

T = TypeVar("T")
PROBLEM_MEDIA_TYPE = "application/problem+json"
BASE_URL = "http://testserver"


def assert_problem(response: httpx.Response, status: int) -> None:
    """``response`` is an RFC 9457 problem document with ``status``."""
    assert response.status_code == status, f"expected {status}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), response.headers
    body = response.json()
    assert body["status"] == status
    assert body.get("type"), body
    assert body.get("title"), body


def assert_status(response: httpx.Response, status: int) -> None:
    """``response`` has ``status``, as a problem document when it is an error."""
    if status >= 400:
        assert_problem(response, status)
    else:
        assert response.status_code == status, response.text


def credentials(case: Any, headers: dict[str, str]) -> dict[str, str]:
    """``headers``, unless the case is negative in its headers by leaving out the
    ``Authorization`` header: adding it back would make the case valid, and its acceptance
    would be reported as accepted negative data."""
    components = getattr(getattr(case, "meta", None), "components", None) or {}
    header = next(
        (info for where, info in components.items() if getattr(where, "value", where) == "header"),
        None,
    )
    sent = {name.lower() for name in case.headers or {}}
    if (
        header is not None
        and header.mode is GenerationMode.NEGATIVE
        and "authorization" not in sent
    ):
        return {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return headers


IDEMPOTENCY_KEY = "idempotency-key"


def with_unique_idempotency_key(case: Any) -> Any:
    """``case`` (schema-valid) with its generated ``Idempotency-Key``, if any, made unique.

    The fuzzer reuses its simplest key for different bodies, which an idempotent API rightly
    refuses (422, by the IETF draft); whether a key replays is the API's own tests' business,
    not the schema's. Schema-violating cases keep their key: it may be what violates."""
    if case.headers:
        case.headers = {
            name: str(uuid.uuid4()) if name.lower() == IDEMPOTENCY_KEY else value
            for name, value in case.headers.items()
        }
    return case


async def send(client: httpx.AsyncClient, case: Any, headers: dict[str, str]) -> httpx.Response:
    """Send a schemathesis case with ``client`` (on the test's loop, so on its database),
    with ``headers`` (credentials) added as ``credentials`` allows."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=credentials(case, headers))
    data = kwargs.pop("data", None)
    form = data if isinstance(data, dict) else None  # application/x-www-form-urlencoded
    content = data.encode() if isinstance(data, str) else None if form is not None else data
    return await client.request(
        kwargs["method"],
        kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        content=content,
        data=form,
        files=kwargs.get("files"),
    )


def operations(schema: Any) -> list[Any]:
    """Every operation of the document; an operation schemathesis cannot read is an error."""
    results: list[Any] = list(schema.get_all_operations())
    return [result.ok() for result in results]


def on_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on ``loop`` (the test's) from a worker thread and wait for it."""
    return asyncio.run_coroutine_threadsafe(coro, loop).result()
