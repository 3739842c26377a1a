"""The API suite's stateful run: schemathesis chains operations through OpenAPI links.

Schemathesis builds a Hypothesis state machine from the document (``as_state_machine``),
following declared links and those it infers (create -> get / update / delete). The
machine runs in a worker thread; every request goes to the test's event loop through the
test's own client, so it reaches the per-test database. Each scenario runs inside a
SAVEPOINT that is rolled back at its end, so every scenario starts from the same data.
Responses are validated with the machine's recorder, which is what lets the stateful
checks (``use_after_free``, ``ensure_resource_availability``) see earlier steps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import ignored_auth
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from contracts._http import credentials, on_loop, send, with_unique_idempotency_key
from contracts.profiles import Profile


async def run_stateful(
    schema: Any,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    connection: AsyncConnection,
    profile: Profile,
    inspect: Callable[[Any, Any], None] | None = None,
    excluded: Callable[[Any, int], list[Any]] | None = None,
) -> list[tuple[str, str, int]]:
    """Run the state machine of ``schema``; return every call as (method, path, status).

    ``inspect(case, body)`` sees every response's JSON body (``None`` when not JSON);
    ``excluded(case, status)`` names the checks left out for a response (default
    ``ignored_auth``)."""
    loop = asyncio.get_running_loop()
    calls: list[tuple[str, str, int]] = []
    scenarios: list[AsyncTransaction] = []

    async def begin() -> AsyncTransaction:
        return await connection.begin_nested()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]  # built at run time
        def setup(self) -> None:
            scenarios.append(on_loop(loop, begin()))

        def teardown(self) -> None:
            savepoint = scenarios.pop()
            if savepoint.is_active:
                on_loop(loop, savepoint.rollback())

        def call(self, case: Any, **kwargs: Any) -> Response:
            response = on_loop(loop, send(client, with_unique_idempotency_key(case), headers))
            calls.append((case.method.upper(), case.path, response.status_code))
            if inspect is not None:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                inspect(case, body)
            return Response.from_httpx(response, verify=False)

        def validate_response(self, response: Response, case: Any, **kwargs: Any) -> None:
            # ignored_auth re-sends requests over the network; the suite checks auth itself
            skipped = [ignored_auth] if excluded is None else excluded(case, response.status_code)
            case.validate_response(
                response,
                headers=credentials(case, headers),
                excluded_checks=skipped,
                recorder=self.recorder,
            )

    budget = settings(
        max_examples=profile.stateful_examples,
        stateful_step_count=profile.api_stateful_steps,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    await asyncio.to_thread(Machine.run, settings=budget)
    return calls
