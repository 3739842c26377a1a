"""Random sequences of repository operations checked against an in-memory model.

Hypothesis state machines are synchronous; the machine runs in a worker thread and hands
each repository call to the test's event loop, which owns the database connection.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contracts.profiles import Profile
from foundation import DuplicateError, NotFoundError
from foundation.repository import OffsetPagination, SortKey

if TYPE_CHECKING:
    from contracts.repository import RepositoryContract

T = TypeVar("T")
TEXTS = st.text(alphabet="abc", min_size=1, max_size=3)


@dataclass
class Expected:
    """What the model believes about one entity."""

    text: str
    deleted: bool = False
    version: int | None = None


async def run_repository_machine(
    contract: RepositoryContract, repository: Any, profile: Profile
) -> None:
    """Run random operation sequences; after every step the repository must match the model."""
    loop = asyncio.get_running_loop()
    soft = contract.has("soft_delete")
    versioned = contract.has("versioning")
    unique = contract.has("unique")
    among_live = contract.has("unique_among_live")

    def call(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    class RepositoryMachine(RuleBasedStateMachine):
        ids = Bundle("ids")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[uuid.UUID, Expected] = {}
            self.numbers: dict[uuid.UUID, int] = {}
            self.next_number = 0

        @initialize()
        def starts_empty(self) -> None:
            assert call(repository.count(include_deleted=True)) == 0, "table not empty"

        @rule(target=ids, text=TEXTS)
        def create(self, text: str) -> uuid.UUID:
            entity = call(repository.create(contract.data(self.next_number, text)))
            self.numbers[entity.id] = self.next_number
            self.next_number += 1
            self.model[entity.id] = Expected(text, version=entity.version if versioned else None)
            return entity.id  # type: ignore[no-any-return]

        @precondition(lambda self: unique and bool(self.numbers))
        @rule(data=st.data())
        def create_duplicate(self, data: st.DataObject) -> None:
            taken = [
                number
                for id, number in self.numbers.items()
                if not (among_live and self.model[id].deleted)  # a deleted row frees its values
            ]
            if not taken:
                return
            number = data.draw(st.sampled_from(sorted(taken)))
            create = repository.create(contract.data(number, "dup"))
            call(contract.expect_error(repository, DuplicateError, create))

        @rule(id=ids, text=TEXTS)
        def update(self, id: uuid.UUID, text: str) -> None:
            expected = self.model.get(id)
            if expected is None or expected.deleted:
                self._expect_not_found(repository.update(id, {contract.text_field: text}))
                return
            call(repository.update(id, {contract.text_field: text}))
            expected.text = text
            self._bump(expected)

        @rule(id=ids)
        def delete(self, id: uuid.UUID) -> None:
            expected = self.model.get(id)
            if expected is None or expected.deleted:
                self._expect_not_found(repository.delete(id))
                return
            call(repository.delete(id))
            if soft:
                expected.deleted = True
                self._bump(expected)
            else:
                self._forget(id)

        @precondition(lambda self: soft)
        @rule(id=ids)
        def restore(self, id: uuid.UUID) -> None:
            expected = self.model.get(id)
            if expected is None:
                self._expect_not_found(repository.restore(id))
                return
            call(repository.restore(id))
            if expected.deleted:  # restoring a live row changes nothing, version included
                expected.deleted = False
                self._bump(expected)

        @rule(id=ids)
        def hard_delete(self, id: uuid.UUID) -> None:
            if id not in self.model:
                self._expect_not_found(repository.hard_delete(id))
                return
            call(repository.hard_delete(id))
            self._forget(id)

        @invariant()
        def agrees_with_the_model(self) -> None:
            contract.expire(repository)
            for include_deleted in (False, True) if soft else (False,):
                wanted = sorted(
                    (e.text, id) for id, e in self.model.items() if include_deleted or not e.deleted
                )
                page = call(
                    repository.list(
                        sort=[SortKey(contract.text_field)],
                        page=OffsetPagination(limit=100),
                        include_deleted=include_deleted,
                    )
                )
                got = [(contract.text(e), e.id) for e in page.items]
                assert got == [(text, id) for text, id in wanted], f"list({include_deleted=})"
                assert page.total == len(wanted)
                if versioned:
                    versions = {e.id: e.version for e in page.items}
                    assert versions == {id: self.model[id].version for _, id in wanted}

        def teardown(self) -> None:
            call(contract.rollback(repository))

        def _forget(self, id: uuid.UUID) -> None:
            del self.model[id]
            del self.numbers[id]  # its unique values are free again

        def _bump(self, expected: Expected) -> None:
            if expected.version is not None:
                expected.version += 1

        def _expect_not_found(self, coro: Coroutine[Any, Any, Any]) -> None:
            try:
                call(coro)
            except NotFoundError:
                return
            raise AssertionError("expected NotFoundError")

    budget = settings(
        max_examples=profile.stateful_examples,
        stateful_step_count=profile.stateful_steps,
        deadline=None,
        database=None,
        derandomize=profile.seeded,  # the same verdict on every run of the same code
        suppress_health_check=[HealthCheck.too_slow],
    )
    await asyncio.to_thread(run_state_machine_as_test, RepositoryMachine, settings=budget)
