"""Service operations are timed in Prometheus through ``on_operation`` once metrics are on."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from foundation import Database
from foundation.errors import NotFoundError
from foundation.metrics import enable
from tests.foundation.service.models import AccountCreate, AccountService


def timed(operation: str, outcome: str) -> float:
    labels = {"service": "AccountService", "operation": operation, "outcome": outcome}
    return (
        REGISTRY.get_sample_value("foundation_service_operation_duration_seconds_count", labels)
        or 0.0
    )


async def test_operations_are_timed_by_service_operation_and_outcome(database: Database) -> None:
    enable()  # what create_app does when metrics are on
    service = AccountService(database)
    created, missing = timed("create", "ok"), timed("get", "not_found")
    await service.create(AccountCreate(name="ada"))
    with pytest.raises(NotFoundError):
        await service.get(uuid.UUID(int=0))
    assert timed("create", "ok") == created + 1
    assert timed("get", "not_found") == missing + 1
    # the hook the subclass overrides still sees every call
    assert service.operations[-2:] == [("create", "ok"), ("get", "not_found")]
