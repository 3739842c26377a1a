"""``RepositoryContract`` has teeth: a correct repository passes with exact counts, and each
deliberately broken one fails exactly the tests named for its defect."""

from __future__ import annotations

import textwrap

import pytest

from tests.contracts.conftest import ContractRunner

HEADER = """
from dataclasses import replace
from typing import Any

import pytest

from contracts import RepositoryContract
from foundation import ConflictError, DuplicateError, NotFoundError
from foundation.repository import CursorPage, CursorPagination, OffsetPagination
from tests.contracts.repositories import GADGET_CAPABILITIES, GadgetRepository, gadget_data
"""

SUITE = """
class TestGadgets(RepositoryContract):
    capabilities = GADGET_CAPABILITIES
    text_field = "title"
    unique_field = "code"
    second_sort_field = "quantity"

    @pytest.fixture
    def repository(self, db_session):
        return Repository(db_session)

    def new_data(self, n: int) -> dict[str, Any]:
        return gadget_data(n)
"""


def module(repository_body: str = "pass") -> str:
    """A test module running the contract against ``GadgetRepository`` changed by the body."""
    body = textwrap.indent(textwrap.dedent(repository_body).strip(), "    ")
    return f"{HEADER}\n\nclass Repository(GadgetRepository):\n{body}\n\n{SUITE}"


# 81 test ids in the suite (four sort orders of the two-way cursor walk with
# second_sort_field); the gadget declares everything except foreign_keys, unique_among_live,
# child_policy and child_upsert (five tests; tests/contracts/test_soft_delete_teeth.py has
# those).
PASSED, SKIPPED = 74, 7

BROKEN = {
    "lost update": (
        """
        async def update(self, id, changes, *, expected_version=None):
            entity = await self.get(id)
            self.session.expunge(entity)  # changed in memory only, never written
            for key, value in changes.items():
                setattr(entity, key, value)
            return entity
        """,
        {
            "test_update_is_stored",
            "test_timestamps_on_every_write_path",
            "test_duplicate_update_raises_duplicate_error",
            "test_an_empty_update_changes_nothing",
            "test_stale_version_is_refused",
            "test_version_moves_on_every_write_path",
            "test_audit_columns_name_the_actor",
            "test_random_operations_agree_with_a_model",
        },
    ),
    "delete that does nothing": (
        """
        async def delete(self, id):
            await self.get(id)
        """,
        {
            "test_delete_removes_from_every_read",
            "test_soft_deleted_rows_are_invisible",
            "test_soft_deleted_rows_stay_out_of_cursor_pages",
            "test_restore_undoes_a_soft_delete",
            "test_version_moves_on_every_write_path",
            "test_random_operations_agree_with_a_model",
        },
    ),
    "soft-deleted rows leak into lists": (
        """
        async def list(self, filters=None, *, sort=None, page=None, search=None,
                       include_deleted=False):
            return await super().list(
                filters, sort=sort, page=page, search=search, include_deleted=True
            )

        async def list_cursor(self, filters=None, *, sort=None, page=None, search=None,
                              include_deleted=False):
            return await super().list_cursor(
                filters, sort=sort, page=page, search=search, include_deleted=True
            )
        """,
        {
            "test_delete_removes_from_every_read",
            "test_soft_deleted_rows_are_invisible",
            "test_soft_deleted_rows_stay_out_of_cursor_pages",
            "test_random_operations_agree_with_a_model",
        },
    ),
    "off-by-one page": (
        """
        async def list(self, filters=None, *, sort=None, page=None, search=None,
                       include_deleted=False):
            if isinstance(page, OffsetPagination) and page.offset > 0:
                page = replace(page, offset=page.offset + 1)
            return await super().list(
                filters, sort=sort, page=page, search=search, include_deleted=include_deleted
            )
        """,
        {"test_offset_pages_cover_every_row_once"},
    ),
    "cursor that skips rows under inserts": (
        """
        async def list_cursor(self, filters=None, *, sort=None, page=None, search=None,
                              include_deleted=False):
            page = page or CursorPagination()
            if not isinstance(page, CursorPagination):
                return await super().list_cursor(
                    filters, sort=sort, page=page, search=search,
                    include_deleted=include_deleted,
                )
            start = int(page.after or 0)  # a position, not a key: shifts when rows arrive
            offset = await super().list(
                filters, sort=sort, page=OffsetPagination(limit=page.limit, offset=start),
                search=search, include_deleted=include_deleted,
            )
            end = start + len(offset.items)
            more = end < offset.total
            previous = str(max(0, start - page.limit)) if start else None
            return CursorPage(
                items=offset.items, limit=page.limit,
                next_cursor=str(end) if more else None, previous_cursor=previous,
            )
        """,
        {
            "test_row_methods_answer_what_the_entity_methods_answer",
            "test_cursor_survives_concurrent_inserts",
            "test_cursor_pages_backward_cover_every_row_once",
            "test_cursor_pages_follow_the_sort_both_ways",
            "test_foreign_or_malformed_cursor_is_a_validation_error",
        },
    ),
    "keyset cursor that ignores the sort direction": (
        """
        import foundation.repository.sorting as sorting

        def ascending_keyset(order, bound, reverse):  # always '>' (or '<' going back)
            from sqlalchemy import and_, or_

            branches = []
            for index, attr in enumerate(order.attrs):
                equal = [a == v for a, v in zip(order.attrs[:index], bound[:index])]
                later = attr < bound[index] if reverse else attr > bound[index]
                branches.append(and_(*equal, later))
            return or_(*branches)

        sorting._keyset = ascending_keyset
        """,
        {"test_cursor_pages_follow_the_sort_both_ways"},
    ),
    "bulk update that leaves updated_at behind": (
        """
        async def update_many(self, filters, changes):  # hand-written: SET updated_at = updated_at
            from sqlalchemy import update

            page = await self.list(filters, page=OffsetPagination(limit=100))
            model = self.model
            statement = (
                update(model)
                .where(model.id.in_([e.id for e in page.items]))
                .values(**changes, updated_at=model.updated_at, version=model.version + 1)
                .execution_options(synchronize_session=False)
            )
            return (await self.session.execute(statement)).rowcount
        """,
        # no translation of the database error either
        {"test_timestamps_on_every_write_path", "test_bulk_writes_are_all_or_nothing"},
    ),
    "repository that commits by itself": (
        """
        async def create(self, data):
            entity = await super().create(data)
            await self.session.commit()
            return entity
        """,
        {"test_rollback_leaves_nothing", "test_random_operations_agree_with_a_model"},
    ),
    "wrong error class": (
        """
        async def create_many(self, rows):
            try:
                return await super().create_many(rows)
            except DuplicateError as error:
                raise ConflictError("taken") from error
        """,
        {
            "test_duplicate_create_raises_duplicate_error",
            "test_bulk_writes_are_all_or_nothing",
            "test_random_operations_agree_with_a_model",
        },
    ),
    "not-found details that drift from the foundation's": (
        """
        async def get(self, id, *, include_deleted=False, for_update=False):
            found = await self.get_or_none(id, include_deleted=include_deleted)
            if found is None:
                raise NotFoundError(details={"id": str(id)})
            return found
        """,
        {"test_get_missing_raises_not_found"},
    ),
    "version that is not checked": (
        """
        async def update(self, id, changes, *, expected_version=None):
            return await super().update(id, changes)
        """,
        {"test_stale_version_is_refused", "test_an_empty_update_changes_nothing"},
    ),
}


def test_correct_repository_passes_with_exact_counts(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(module())
    assert (outcome.passed, outcome.skipped, outcome.failed) == (PASSED, SKIPPED, set()), (
        outcome.text
    )


@pytest.mark.parametrize("defect", list(BROKEN))
def test_broken_repository_fails_the_named_tests(
    contract_runner: ContractRunner, defect: str
) -> None:
    body, expected = BROKEN[defect]
    outcome = contract_runner.run(module(body))
    assert outcome.failed == expected, outcome.text


NARROW = """
from foundation.repository import TEXT_OPS, Op

TITLE_OPS = {Op.IN, *TEXT_OPS}


class Repository(GadgetRepository):
    filterable = {"title": TITLE_OPS, "code": {Op.EQ}}


class TestNarrowGadgets(TestGadgets):
    filter_operators = {"title": TITLE_OPS}
"""


def test_narrow_allow_list_runs_only_declared_operators(contract_runner: ContractRunner) -> None:
    outcome = contract_runner.run(module() + NARROW, "-k", "TestNarrowGadgets")
    # 22 operator cases, 12 of them with the declared operators (in and the text ones)
    assert (outcome.passed, outcome.skipped, outcome.failed) == (PASSED - 10, SKIPPED, set()), (
        outcome.text
    )


def test_narrow_allow_list_catches_a_broken_declared_operator(
    contract_runner: ContractRunner,
) -> None:
    broken = NARROW.replace(
        '"code": {Op.EQ}}',
        '"code": {Op.EQ}}\n\n    async def list(self, filters=None, **kwargs):\n'
        "        if getattr(filters, 'op', None) == Op.IN:  # 'in' matches only the first value\n"
        "            filters = replace(filters, value=filters.value[:1])\n"
        "        return await super().list(filters, **kwargs)",
    )
    outcome = contract_runner.run(module() + broken, "-k", "TestNarrowGadgets")
    assert outcome.failed == {"test_filter_operator"}


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ('{"title": {"contains"}}', "must allow 'eq', 'ieq' or 'in'"),
        ('{"title": {"like"}}', "'like' is not a valid Op"),
    ],
    ids=["no equality operator", "unknown operator"],
)
def test_unusable_operator_declaration_is_an_error(
    contract_runner: ContractRunner, declared: str, message: str
) -> None:
    source = (
        module() + f"\n\nclass TestBadGadgets(TestGadgets):\n    filter_operators = {declared}\n"
    )
    outcome = contract_runner.run(source, "--collect-only")
    assert outcome.errors == 1, outcome.text
    assert message in outcome.text
