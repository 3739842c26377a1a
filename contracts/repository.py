"""``RepositoryContract``: every method of ``IBaseRepository`` with its edges."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from contracts._base import Contract, ContractError, hook, requires
from contracts._prerequisites import Prerequisites
from contracts._repository_machine import run_repository_machine
from contracts._soft_delete import (
    check_child_policy,
    check_delete_many_child_policy,
    check_hard_delete_child_policy,
    check_restore_under_deleted_parent,
    check_unique_among_live,
    check_upsert_under_deleted_parent,
)
from contracts.profiles import Profile
from foundation import (
    ConcurrencyError,
    ConflictError,
    DuplicateError,
    ForeignKeyError,
    NotFoundError,
    ValidationError,
    acting_as,
)
from foundation.repository import (
    Condition,
    CursorPage,
    CursorPagination,
    OffsetPagination,
    Op,
    SortKey,
    TotalStrategy,
    and_,
    or_,
    where,
)

Repo = Any  # an IBaseRepository; typed loosely so fakes and real repositories both fit

# Values the suite writes into ``text_field``: lowercase ASCII, so that every collation
# orders them as Python does.
FILTER_ROWS = ("ant-00", "bee-01", "cat-02", "bee-03", "dog-04")
FILTER_CASES: list[tuple[str, Any, set[int]]] = [
    ("eq", "cat-02", {2}),
    ("ne", "cat-02", {0, 1, 3, 4}),
    ("lt", "bee-03", {0, 1}),
    ("le", "bee-03", {0, 1, 3}),
    ("gt", "bee-03", {2, 4}),
    ("ge", "cat-02", {2, 4}),
    ("in", ["ant-00", "dog-04", "zzz"], {0, 4}),
    ("not_in", ["ant-00", "dog-04"], {1, 2, 3}),
    ("contains", "ee", {1, 3}),
    ("contains", "EE", set()),
    ("contains", "b_e", set()),
    ("icontains", "EE", {1, 3}),
    ("icontains", "%", set()),
    ("starts_with", "be", {1, 3}),
    ("starts_with", "BE", set()),
    ("istarts_with", "BE", {1, 3}),
    ("ends_with", "-04", {4}),
    ("iends_with", "T-00", {0}),
    ("ieq", "CAT-02", {2}),
    ("is_null", True, set()),
    ("is_null", False, {0, 1, 2, 3, 4}),
    ("between", ["bee-01", "cat-02"], {1, 2, 3}),
]


class RepositoryContract(Prerequisites, Contract, abstract=True):
    """Subclass in a ``Test*`` class and provide:

    - ``repository`` (fixture): the repository under test, over an empty table.
    - ``new_data(n)``: valid data for a new entity; different ``n`` give different values
      in every unique column, the same ``n`` the same data.
    - ``text_field``: a string column that is filterable, sortable, searchable (if
      ``search`` is declared), not unique and not null. The suite writes its own short
      lowercase values into it.
    - optionally ``filter_operators``: field -> the operators the repository allows on it
      (e.g. ``{"title": BookRepository.filterable["title"]}``); the suite filters only
      with those. Default: every operator on ``text_field``. ``text_field`` needs ``eq``,
      ``ieq`` or ``in``; the filter tests of other operators are generated only for the
      declared ones.
    - optionally ``second_sort_field``: a sortable, non-unique-free column whose values
      ``new_data(n)`` makes differ with ``n`` (a number or a date is safest); the cursor
      walks then also sort on two keys, with ties on the first, in mixed directions.
    - optionally ``prerequisites`` (fixture): rows ``new_data`` refers to (a foreign key's
      parent), made once per test outside the suite's own rollbacks; see its docstring.
    - ``unique_field`` (with ``unique``): a column under a unique constraint.
    - with ``unique_among_live`` (the unique values of ``new_data`` are unique among live
      rows only, e.g. ``unique_among_live``): nothing more.
    - with ``child_policy``: ``child_policy`` (``"cascade"``, ``"refuse"`` or ``"leave"``,
      what the repository declares for one kind of child), ``child_repository(repository)``
      (the children's repository in the same unit of work) and
      ``new_child_data(parent, n)`` (valid data for the ``n``-th child of ``parent``).
      The suite checks ``delete``, ``delete_many``, ``hard_delete`` of parents and the
      restore of a child under a deleted parent (skipped when children cannot soft delete).
    - with ``child_upsert`` besides (the children's repository has ``upsert``): nothing
      more; the suite checks that an upsert on the children's key does not revive a child
      under a deleted parent that ``cascade`` or ``refuse`` guards.
    - ``data_with_missing_reference()`` (with ``foreign_keys``): valid data whose foreign
      key points at nothing.
    - optionally ``rollback(repository)``, ``expire(repository)`` and
      ``savepoint(repository)``: undo every write of the test / forget cached state / an
      async context that undoes a failed statement (after a database error a PostgreSQL
      transaction is unusable, so the suite provokes errors inside one). The defaults use
      ``repository.session``.
    """

    known_capabilities = frozenset(
        {
            "soft_delete",
            "versioning",
            "timestamps",
            "audit",
            "cursor_pagination",
            "upsert",
            "search",
            "unique",
            "foreign_keys",
            "unique_among_live",
            "child_policy",
            "child_upsert",
        }
    )
    required_hooks = ("repository", "new_data", "text_field")
    capability_hooks: ClassVar[dict[str, tuple[str, ...]]] = {
        "unique": ("unique_field",),
        "upsert": ("unique_field",),
        "foreign_keys": ("data_with_missing_reference",),
        "child_policy": ("child_policy", "child_repository", "new_child_data"),
        "child_upsert": ("child_policy", "child_repository", "new_child_data"),
    }
    text_field: ClassVar[str]
    unique_field: ClassVar[str]
    child_policy: ClassVar[str]
    filter_operators: ClassVar[Mapping[str, Collection[str]] | None] = None
    second_sort_field: ClassVar[str | None] = None

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(abstract=abstract, **kwargs)
        if abstract:
            return
        try:
            allowed = cls.operators(cls.text_field)
        except ValueError as exc:
            raise ContractError(f"{cls.__qualname__}.filter_operators: {exc}") from None
        if not allowed & {Op.EQ, Op.IEQ, Op.IN}:
            raise ContractError(
                f"{cls.__qualname__}: text_field {cls.text_field!r} must allow 'eq', 'ieq' or "
                "'in' (the suite finds rows by their text)"
            )

    @classmethod
    def operators(cls, field: str) -> frozenset[Op]:
        """The filter operators the repository allows on ``field`` (see ``filter_operators``)."""
        if cls.filter_operators is None:
            return frozenset(Op) if field == cls.text_field else frozenset()
        return frozenset(Op(op) for op in cls.filter_operators.get(field, ()))

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One ``test_filter_operator`` case per declared operator of ``text_field``, one
        ``test_cursor_pages_follow_the_sort_both_ways`` case per sort order."""
        if metafunc.definition.originalname == "test_cursor_pages_follow_the_sort_both_ways":
            orders = self.cursor_orders()
            metafunc.parametrize("order", list(orders.values()), ids=list(orders))
            return
        if metafunc.definition.originalname != "test_filter_operator":
            return
        allowed = self.operators(self.text_field)
        cases = [case for case in FILTER_CASES if Op(case[0]) in allowed]
        metafunc.parametrize(
            ("op", "value", "expected"), cases, ids=[f"{op}-{value}" for op, value, _ in cases]
        )

    @hook
    def new_data(self, n: int) -> dict[str, Any]:
        """Valid data for the ``n``-th new entity."""
        raise NotImplementedError

    @hook
    def data_with_missing_reference(self) -> dict[str, Any]:
        """Valid data except for a dangling foreign key."""
        raise NotImplementedError

    async def rollback(self, repository: Repo) -> None:
        """Undo every write of this test (default: roll back ``repository.session``)."""
        await _session(repository).rollback()

    def expire(self, repository: Repo) -> None:
        """Forget cached objects so the next read goes to storage (default: detach them all,
        which also drops changes that were never flushed)."""
        _session(repository).expunge_all()

    def savepoint(self, repository: Repo) -> AbstractAsyncContextManager[Any]:
        """A block whose writes are undone when it raises (default: a SAVEPOINT)."""
        return _session(repository).begin_nested()  # type: ignore[no-any-return]

    async def expect_error(self, repository: Repo, error: type[Exception], write: Any) -> None:
        """Run the awaitable ``write`` in a savepoint; it must raise ``error``."""
        with pytest.raises(error):
            async with self.savepoint(repository):
                await write

    # -- helpers -----------------------------------------------------------------------

    def data(self, n: int, text: str | None = None) -> dict[str, Any]:
        """``new_data(n)`` with ``text`` (default ``item-<n>``) in ``text_field``."""
        return {**self.new_data(n), self.text_field: text or f"item-{n:04d}"}

    async def create_rows(self, repository: Repo, texts: tuple[str, ...] | list[str]) -> list[Any]:
        """Create one entity per text, in order."""
        return [await repository.create(self.data(i, t)) for i, t in enumerate(texts)]

    def equals(self, text: str) -> Condition:
        """A filter matching rows whose ``text_field`` is ``text`` (with a declared operator)."""
        allowed = self.operators(self.text_field)
        for op, value in ((Op.EQ, text), (Op.IEQ, text), (Op.IN, [text])):
            if op in allowed:
                return where(self.text_field, op, value)
        raise ContractError(f"no equality operator declared for {self.text_field!r}")

    def any_of(self, *texts: str) -> Any:
        """A filter matching rows whose ``text_field`` is one of ``texts``."""
        if Op.IN in self.operators(self.text_field):
            return where(self.text_field, Op.IN, list(texts))
        return or_(*(self.equals(text) for text in texts))

    def text(self, entity: Any) -> str:
        """The entity's ``text_field`` value."""
        return str(getattr(entity, self.text_field))

    def sorted_ids(
        self, entities: list[Any], keys: list[SortKey], ids_descending: bool = False
    ) -> list[Any]:
        """Ids ordered by ``keys``, ties broken by id in the given direction."""
        ordered = sorted(entities, key=lambda e: e.id, reverse=ids_descending)
        for key in reversed(keys):  # stable sorts, last key first
            ordered = sorted(ordered, key=lambda e: getattr(e, key.field), reverse=key.descending)
        return [e.id for e in ordered]

    def assert_sorted(self, got: list[Any], entities: list[Any], keys: list[SortKey]) -> None:
        """``got`` is the ids of ``entities`` ordered by ``keys`` then the primary key, which
        may break ties ascending or descending (the protocol leaves the direction open)."""
        orders = [self.sorted_ids(entities, keys, ids_descending=d) for d in (False, True)]
        assert got in orders, f"not in {[k.field for k in keys]} order: {got} vs {orders[0]}"

    def cursor_orders(self) -> dict[str, list[SortKey]]:
        """The sort orders the cursor walks follow, by test id."""
        text = self.text_field
        orders = {"asc": [SortKey(text)], "desc": [SortKey(text, descending=True)]}
        second = self.second_sort_field
        if second is not None:
            orders["asc-then-desc"] = [SortKey(text), SortKey(second, descending=True)]
            orders["desc-then-asc"] = [SortKey(text, descending=True), SortKey(second)]
        return orders

    # -- reads -------------------------------------------------------------------------

    async def test_create_then_get_returns_the_stored_entity(self, repository: Repo) -> None:
        created = await repository.create(self.data(0, "hello"))
        assert created.id is not None
        self.expire(repository)
        fetched = await repository.get(created.id)
        assert fetched.id == created.id
        for key, value in self.data(0, "hello").items():
            assert getattr(fetched, key) == value, key

    async def test_get_missing_raises_not_found(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        await repository.hard_delete(entity.id)
        with pytest.raises(NotFoundError) as caught:
            await repository.get(entity.id)
        assert caught.value.details == {"resource": type(entity).__name__, "id": str(entity.id)}
        assert await repository.get_or_none(entity.id) is None

    async def test_row_methods_answer_what_the_entity_methods_answer(
        self, repository: Repo
    ) -> None:
        """``create_values``, ``get_values``, ``list_values``, ``list_cursor_values`` and
        ``update_values`` are the entity methods as rows of the named fields: same values,
        pages, cursors, errors."""
        field = self.text_field
        fields = ("id", field)
        made = await repository.create_values([self.data(0, "alpha"), self.data(1, "beta")], fields)
        assert [getattr(row, field) for row in made] == ["alpha", "beta"]
        for row in made:
            entity = await repository.get(row.id)
            got = await repository.get_values(row.id, fields)
            assert (got.id, getattr(got, field)) == (entity.id, self.text(entity))
        entities, rows = await repository.list(), await repository.list_values(fields)
        assert [row.id for row in rows.items] == [entity.id for entity in entities.items]
        assert (rows.total, rows.limit, rows.offset) == (
            entities.total,
            entities.limit,
            entities.offset,
        )
        first = await repository.list_cursor(page=CursorPagination(limit=1))
        first_rows = await repository.list_cursor_values(fields, page=CursorPagination(limit=1))
        assert [row.id for row in first_rows.items] == [entity.id for entity in first.items]
        assert first_rows.next_cursor is not None
        after = CursorPagination(limit=1, after=first_rows.next_cursor)
        second = await repository.list_cursor_values(fields, page=after)
        assert [row.id for row in second.items] == [
            entity.id for entity in (await repository.list_cursor(page=after)).items
        ]
        updated = await repository.update_values(made[0].id, {field: "gamma"}, fields)
        assert (updated.id, getattr(updated, field)) == (made[0].id, "gamma")
        self.expire(repository)
        assert self.text(await repository.get(made[0].id)) == "gamma"
        await repository.hard_delete(made[1].id)
        with pytest.raises(NotFoundError) as caught:
            await repository.get_values(made[1].id, fields)
        assert caught.value.details["id"] == str(made[1].id)

    async def test_get_many_returns_found_ones_in_id_order(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["a", "b", "c"])
        gone = await repository.create(self.data(9))
        await repository.hard_delete(gone.id)
        found = await repository.get_many([rows[2].id, gone.id, rows[0].id])
        assert [e.id for e in found] == sorted([rows[0].id, rows[2].id])
        assert await repository.get_many([]) == []

    async def test_find_one_needs_exactly_one_match(self, repository: Repo) -> None:
        await self.create_rows(repository, ["solo", "twin", "twin"])
        solo = await repository.find_one(self.equals("solo"))
        assert self.text(solo) == "solo"
        with pytest.raises(NotFoundError):
            await repository.find_one(self.equals("nobody"))
        assert await repository.find_one_or_none(self.equals("nobody")) is None
        with pytest.raises(ConflictError):
            await repository.find_one(self.equals("twin"))

    async def test_filter_operator(
        self, repository: Repo, op: str, value: Any, expected: set[int]
    ) -> None:
        rows = await self.create_rows(repository, FILTER_ROWS)
        page = await repository.list(where(self.text_field, op, value))
        assert {e.id for e in page.items} == {rows[i].id for i in expected}
        assert await repository.count(where(self.text_field, op, value)) == len(expected)

    async def test_filters_combine_with_and_or_and_mappings(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, FILTER_ROWS)
        both = and_(self.any_of("bee-01", "bee-03", "cat-02"), self.any_of("bee-03", "dog-04"))
        either = or_(self.equals("ant-00"), self.equals("dog-04"))
        assert {e.id for e in (await repository.list(both)).items} == {rows[3].id}
        assert {e.id for e in (await repository.list(either)).items} == {rows[0].id, rows[4].id}
        if Op.EQ in self.operators(self.text_field):  # a mapping means equality
            mapping = {self.text_field: "cat-02"}
            assert [e.id for e in (await repository.list(mapping)).items] == [rows[2].id]
        assert await repository.count({}) == len(rows)

    async def test_unknown_filter_or_sort_field_is_a_validation_error(
        self, repository: Repo
    ) -> None:
        with pytest.raises(ValidationError):
            await repository.list(where("no_such_field", "eq", 1))
        with pytest.raises(ValidationError):
            await repository.list(sort="no_such_field")
        with pytest.raises(ValidationError):
            await repository.count({"no_such_field": 1})

    async def test_count_and_exists_follow_the_filter(self, repository: Repo) -> None:
        assert await repository.count() == 0
        assert not await repository.exists()
        await self.create_rows(repository, FILTER_ROWS)
        assert await repository.count() == len(FILTER_ROWS)
        assert await repository.exists(self.equals("cat-02"))
        assert not await repository.exists(self.equals("emu-99"))

    @pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
    async def test_sort_breaks_ties_by_primary_key(
        self, repository: Repo, descending: bool
    ) -> None:
        rows = await self.create_rows(repository, ["b", "a", "b", "c", "a", "b"])
        sort = [SortKey(self.text_field, descending)]
        page = await repository.list(sort=sort)
        self.assert_sorted([e.id for e in page.items], rows, sort)
        text_sort = ("-" if descending else "") + self.text_field
        assert [e.id for e in (await repository.list(sort=text_sort)).items] == [
            e.id for e in page.items
        ]

    # -- offset pagination -------------------------------------------------------------

    async def test_offset_pages_cover_every_row_once(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["e", "d", "c", "b", "a"])
        seen = []
        for offset, size in ((0, 2), (2, 2), (4, 1), (5, 0), (7, 0)):
            page = await repository.list(
                sort=self.text_field, page=OffsetPagination(limit=2, offset=offset)
            )
            assert len(page.items) == size, f"offset {offset}"
            assert (page.limit, page.offset, page.total) == (2, offset, 5)
            seen += [e.id for e in page.items]
        self.assert_sorted(seen, rows, [SortKey(self.text_field)])

    async def test_offset_page_without_total(self, repository: Repo) -> None:
        await self.create_rows(repository, ["a", "b", "c"])
        page = await repository.list(page=OffsetPagination(limit=2, total=TotalStrategy.NONE))
        assert page.total is None
        assert len(page.items) == 2

    @pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10, -1)])
    async def test_bad_offset_page_is_a_validation_error(
        self, repository: Repo, limit: int, offset: int
    ) -> None:
        with pytest.raises(ValidationError):
            await repository.list(page=OffsetPagination(limit=limit, offset=offset))

    async def test_offset_listings_refuse_a_cursor_request(self, repository: Repo) -> None:
        """``list`` and ``list_values`` page by offset: a ``CursorPagination`` is a
        ``TypeError`` naming the listing that takes it, never an offset page."""
        fields = ("id", self.text_field)
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "list_cursor": lambda: repository.list(page=CursorPagination(limit=1)),
            "list_cursor_values": lambda: repository.list_values(
                fields, page=CursorPagination(limit=1)
            ),
        }
        for other, call in calls.items():
            with pytest.raises(TypeError, match=rf"\b{other}\("):
                await call()

    # -- cursor pagination -------------------------------------------------------------

    @requires("cursor_pagination")
    async def test_cursor_listings_start_at_the_first_page_and_refuse_an_offset_request(
        self, repository: Repo
    ) -> None:
        """``list_cursor`` and ``list_cursor_values`` without a page answer the first page;
        an ``OffsetPagination`` is a ``TypeError`` naming the listing that takes it."""
        rows = await self.create_rows(repository, ["b", "a", "c"])
        fields = ("id", self.text_field)
        first = await repository.list_cursor(sort=self.text_field)
        first_rows = await repository.list_cursor_values(fields, sort=self.text_field)
        self.assert_sorted([e.id for e in first.items], rows, [SortKey(self.text_field)])
        assert [row.id for row in first_rows.items] == [e.id for e in first.items]
        assert (first.previous_cursor, first.next_cursor) == (None, None)
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "list": lambda: repository.list_cursor(page=OffsetPagination(limit=1)),
            "list_values": lambda: repository.list_cursor_values(
                fields, page=OffsetPagination(limit=1)
            ),
        }
        for other, call in calls.items():
            with pytest.raises(TypeError, match=rf"\b{other}\("):
                await call()

    async def walk(
        self, repository: Repo, limit: int, after: str | None = None, sort: Any = None
    ) -> list[Any]:
        """Follow ``next_cursor`` to the end (sorted by ``sort``, default ``text_field``);
        return every page."""
        pages: list[CursorPage[Any]] = []
        cursor = after
        while True:
            page = await repository.list_cursor(
                sort=sort or self.text_field, page=CursorPagination(limit=limit, after=cursor)
            )
            pages.append(page)
            assert len(pages) < 100, "next_cursor never ends"
            if page.next_cursor is None:
                return pages
            cursor = page.next_cursor

    @requires("cursor_pagination")
    @pytest.mark.parametrize("count", [0, 1, 4, 5])
    async def test_cursor_pages_forward_cover_every_row_once(
        self, repository: Repo, count: int
    ) -> None:
        rows = await self.create_rows(repository, ["c", "a", "b", "a", "c"][:count])
        pages = await self.walk(repository, limit=2)
        self.assert_sorted([e.id for p in pages for e in p.items], rows, [SortKey(self.text_field)])
        assert pages[0].previous_cursor is None
        assert pages[-1].next_cursor is None
        assert len(pages) == max(1, -(-count // 2)), "no empty trailing page"

    @requires("cursor_pagination")
    async def test_cursor_pages_backward_cover_every_row_once(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["c", "a", "b", "a", "c", "b", "a"])
        last = (await self.walk(repository, limit=3))[-1]
        seen = [e.id for e in last.items]
        cursor = last.previous_cursor
        while cursor is not None:
            page = await repository.list_cursor(
                sort=self.text_field, page=CursorPagination(limit=3, before=cursor)
            )
            assert page.items, "a previous cursor led to an empty page"
            seen = [e.id for e in page.items] + seen
            cursor = page.previous_cursor
        self.assert_sorted(seen, rows, [SortKey(self.text_field)])

    @requires("cursor_pagination")
    async def test_cursor_pages_follow_the_sort_both_ways(
        self, repository: Repo, order: list[SortKey]
    ) -> None:
        """Forward and backward keyset walks give the list order, whatever the directions."""
        texts = ["c", "a", "b", "a", "c", "b", "a", "c"]  # ties on the first key
        rows = await self.create_rows(repository, texts)
        expected = [e.id for e in (await repository.list(sort=order)).items]
        self.assert_sorted(expected, rows, order)
        pages = await self.walk(repository, limit=3, sort=order)
        assert [e.id for p in pages for e in p.items] == expected, "forward walk"
        seen = [e.id for e in pages[-1].items]
        cursor = pages[-1].previous_cursor
        for _ in range(len(rows)):
            if cursor is None:
                break
            page = await repository.list_cursor(
                sort=order, page=CursorPagination(limit=3, before=cursor)
            )
            assert page.items, "a previous cursor led to an empty page"
            seen = [e.id for e in page.items] + seen
            cursor = page.previous_cursor
        assert seen == expected, "backward walk"

    @requires("cursor_pagination")
    async def test_cursor_survives_concurrent_inserts(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["b", "b", "d", "d", "f", "f"])
        first = await repository.list_cursor(sort=self.text_field, page=CursorPagination(limit=3))
        boundary = first.items[-1]
        assert first.next_cursor is not None
        # before the boundary, tied with it (a later id, so after it), and after it
        for n, text in ((10, "a"), (11, "c"), (12, self.text(boundary)), (13, "e")):
            rows.append(await repository.create(self.data(n, text)))
        rest = await self.walk(repository, limit=2, after=first.next_cursor)
        order = [e.id for e in (await repository.list(sort=self.text_field)).items]
        self.assert_sorted(order, rows, [SortKey(self.text_field)])
        expected = order[order.index(boundary.id) + 1 :]
        assert [e.id for p in rest for e in p.items] == expected

    @requires("cursor_pagination")
    async def test_foreign_or_malformed_cursor_is_a_validation_error(
        self, repository: Repo
    ) -> None:
        await self.create_rows(repository, ["a", "b", "c"])
        page = await repository.list_cursor(sort=self.text_field, page=CursorPagination(limit=1))
        assert page.next_cursor is not None
        bad = [
            CursorPagination(after="not a cursor"),
            CursorPagination(after=page.next_cursor, before=page.next_cursor),
        ]
        for request in bad:
            with pytest.raises(ValidationError):
                await repository.list_cursor(sort=self.text_field, page=request)
        with pytest.raises(ValidationError):  # a cursor of another sort order
            await repository.list_cursor(
                sort="-" + self.text_field, page=CursorPagination(after=page.next_cursor)
            )

    # -- writes ------------------------------------------------------------------------

    async def test_update_is_stored(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0, "before"))
        returned = await repository.update(entity.id, {self.text_field: "after"})
        assert self.text(returned) == "after"
        self.expire(repository)
        assert self.text(await repository.get(entity.id)) == "after"
        assert await repository.count(self.equals("after")) == 1

    async def test_update_missing_raises_not_found(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        await repository.hard_delete(entity.id)
        with pytest.raises(NotFoundError):
            await repository.update(entity.id, {self.text_field: "x"})

    async def test_update_many_changes_exactly_the_matches(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["up-1", "up-2", "keep"])
        changed = await repository.update_many(
            self.any_of("up-1", "up-2"), {self.text_field: "done"}
        )
        assert changed == 2
        self.expire(repository)
        assert self.text(await repository.get(rows[2].id)) == "keep"
        assert await repository.count(self.equals("done")) == 2

    async def test_delete_removes_from_every_read(self, repository: Repo) -> None:
        kept, gone = await self.create_rows(repository, ["kept", "gone"])
        await repository.delete(gone.id)
        self.expire(repository)
        with pytest.raises(NotFoundError):
            await repository.get(gone.id)
        assert [e.id for e in (await repository.list()).items] == [kept.id]
        assert await repository.count() == 1
        assert not await repository.exists(self.equals("gone"))
        with pytest.raises(NotFoundError):
            await repository.delete(gone.id)

    async def test_delete_many_returns_the_count(self, repository: Repo) -> None:
        await self.create_rows(repository, ["x-1", "x-2", "y"])
        assert await repository.delete_many(self.any_of("x-1", "x-2")) == 2
        assert await repository.count() == 1
        assert await repository.delete_many(self.equals("none")) == 0

    async def test_hard_delete_removes_the_row_for_good(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        await repository.hard_delete(entity.id)
        assert await repository.get_or_none(entity.id, include_deleted=True) is None
        with pytest.raises(NotFoundError):
            await repository.hard_delete(entity.id)

    async def test_rollback_leaves_nothing(self, repository: Repo) -> None:
        entity_id = (await repository.create(self.data(0))).id
        await repository.create_many([self.data(1), self.data(2)])
        await self.rollback(repository)
        self.expire(repository)
        assert await repository.get_or_none(entity_id, include_deleted=True) is None
        assert await repository.count(include_deleted=True) == 0

    # -- constraints -------------------------------------------------------------------

    @requires("unique")
    async def test_duplicate_create_raises_duplicate_error(self, repository: Repo) -> None:
        await repository.create(self.data(0))
        await self.expect_error(repository, DuplicateError, repository.create(self.data(0)))
        assert await repository.count() == 1

    @requires("unique")
    async def test_duplicate_update_raises_duplicate_error(self, repository: Repo) -> None:
        first, second = await self.create_rows(repository, ["first", "second"])
        taken = getattr(first, self.unique_field)
        await self.expect_error(
            repository, DuplicateError, repository.update(second.id, {self.unique_field: taken})
        )
        self.expire(repository)
        assert getattr(await repository.get(second.id), self.unique_field) != taken

    @requires("unique")
    async def test_bulk_writes_are_all_or_nothing(self, repository: Repo) -> None:
        batch = [self.data(1), self.data(2), self.data(1)]
        await self.expect_error(repository, DuplicateError, repository.create_many(batch))
        assert await repository.count() == 0
        rows = await self.create_rows(repository, ["a", "b"])
        taken = getattr(rows[0], self.unique_field)
        changes = {self.unique_field: taken, self.text_field: "z"}
        await self.expect_error(repository, DuplicateError, repository.update_many({}, changes))
        self.expire(repository)
        assert [self.text(await repository.get(r.id)) for r in rows] == ["a", "b"]

    @requires("foreign_keys")
    async def test_missing_reference_raises_foreign_key_error(self, repository: Repo) -> None:
        orphan = repository.create(self.data_with_missing_reference())
        await self.expect_error(repository, ForeignKeyError, orphan)
        assert await repository.count() == 0

    # -- upsert ------------------------------------------------------------------------

    @requires("upsert")
    async def test_upsert_inserts_then_updates_the_same_row(self, repository: Repo) -> None:
        conflict = [self.unique_field]
        inserted = await repository.upsert(self.data(0, "first"), conflict=conflict)
        updated = await repository.upsert(self.data(0, "second"), conflict=conflict)
        assert updated.id == inserted.id
        assert self.text(updated) == "second"
        self.expire(repository)
        assert self.text(await repository.get(inserted.id)) == "second"
        assert await repository.count() == 1

    @requires("upsert")
    async def test_upsert_many_inserts_and_updates(self, repository: Repo) -> None:
        existing = await repository.create(self.data(0, "old"))
        result = await repository.upsert_many(
            [self.data(0, "new"), self.data(1, "fresh")], conflict=[self.unique_field]
        )
        assert len(result) == 2
        assert await repository.count() == 2
        self.expire(repository)
        assert self.text(await repository.get(existing.id)) == "new"

    # -- soft delete -------------------------------------------------------------------

    @requires("soft_delete")
    async def test_soft_deleted_rows_are_invisible(self, repository: Repo) -> None:
        kept, gone = await self.create_rows(repository, ["kept", "gone"])
        await repository.delete(gone.id)
        self.expire(repository)
        f = self.equals("gone")
        assert await repository.get_or_none(gone.id) is None
        assert [e.id for e in await repository.get_many([kept.id, gone.id])] == [kept.id]
        assert [e.id for e in (await repository.list()).items] == [kept.id]
        assert await repository.count() == 1
        assert not await repository.exists(f)
        assert await repository.find_one_or_none(f) is None
        with pytest.raises(NotFoundError):
            await repository.update(gone.id, {self.text_field: "zombie"})
        hidden = await repository.get(gone.id, include_deleted=True)
        assert hidden.deleted_at is not None
        assert await repository.count(include_deleted=True) == 2
        assert len((await repository.list(include_deleted=True)).items) == 2
        assert await repository.exists(f, include_deleted=True)

    @requires("soft_delete", "cursor_pagination")
    async def test_soft_deleted_rows_stay_out_of_cursor_pages(self, repository: Repo) -> None:
        rows = await self.create_rows(repository, ["a", "b", "c", "d"])
        await repository.delete(rows[1].id)
        pages = await self.walk(repository, limit=2)
        assert [e.id for p in pages for e in p.items] == [rows[0].id, rows[2].id, rows[3].id]

    @requires("soft_delete")
    async def test_restore_undoes_a_soft_delete(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        live = await repository.restore(entity.id)  # restoring a live row is a no-op
        assert (live.id, live.deleted_at) == (entity.id, None)
        await repository.delete(entity.id)
        with pytest.raises(NotFoundError):
            await repository.get(entity.id)
        restored = await repository.restore(entity.id)
        assert restored.deleted_at is None
        self.expire(repository)
        assert (await repository.get(entity.id)).deleted_at is None

    @requires("soft_delete")
    async def test_hard_delete_removes_soft_deleted_rows(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        await repository.delete(entity.id)
        await repository.hard_delete(entity.id)
        assert await repository.count(include_deleted=True) == 0
        with pytest.raises(NotFoundError):
            await repository.restore(entity.id)

    # -- soft delete beyond the row (contracts/_soft_delete.py) -------------------------

    @requires("soft_delete", "unique_among_live")
    async def test_a_deleted_row_frees_its_unique_values(self, repository: Repo) -> None:
        await check_unique_among_live(self, repository)

    @requires("soft_delete", "child_policy")
    async def test_delete_applies_the_declared_child_policy(self, repository: Repo) -> None:
        await check_child_policy(self, repository)

    @requires("soft_delete", "child_policy")
    async def test_delete_many_applies_the_declared_child_policy(self, repository: Repo) -> None:
        await check_delete_many_child_policy(self, repository)

    @requires("soft_delete", "child_policy")
    async def test_hard_delete_applies_the_declared_child_policy(self, repository: Repo) -> None:
        await check_hard_delete_child_policy(self, repository)

    @requires("soft_delete", "child_policy")
    async def test_a_child_waits_for_its_deleted_parent(self, repository: Repo) -> None:
        await check_restore_under_deleted_parent(self, repository)

    @requires("soft_delete", "child_policy", "child_upsert")
    async def test_an_upsert_does_not_revive_a_child_under_its_deleted_parent(
        self, repository: Repo
    ) -> None:
        await check_upsert_under_deleted_parent(self, repository)

    @hook
    def child_repository(self, repository: Repo) -> Repo:
        """The repository of the children, in the same unit of work as ``repository``."""
        raise NotImplementedError

    @hook
    def new_child_data(self, parent: Any, n: int) -> dict[str, Any]:
        """Valid data for the ``n``-th child of ``parent``."""
        raise NotImplementedError

    @requires("soft_delete")
    async def test_delete_many_is_soft(self, repository: Repo) -> None:
        await self.create_rows(repository, ["x-1", "x-2"])
        assert await repository.delete_many({}) == 2
        assert await repository.count() == 0
        assert await repository.count(include_deleted=True) == 2
        assert await repository.delete_many({}) == 0

    # -- timestamps, versions, audit ---------------------------------------------------

    @requires("timestamps")
    async def test_timestamps_on_every_write_path(self, repository: Repo) -> None:
        """At full precision: every write moves ``updated_at`` past its previous value."""
        start = datetime.now(UTC)
        entity = await repository.create(self.data(0))
        assert entity.created_at.tzinfo is not None
        assert start <= entity.created_at <= entity.updated_at
        writes: tuple[Callable[[], Awaitable[Any]], ...] = (
            lambda: repository.update(entity.id, {self.text_field: "u"}),
            lambda: repository.update_many({}, {self.text_field: "v"}),
        )
        previous = entity.updated_at
        for number, write in enumerate(writes, 1):
            # the write happens strictly later than the value it must move past
            await asyncio.sleep(max(0.0, (previous - datetime.now(UTC)).total_seconds()) + 0.001)
            await write()
            self.expire(repository)
            stored = await repository.get(entity.id)
            assert stored.updated_at > previous, f"write #{number} left updated_at behind"
            assert stored.created_at == entity.created_at
            previous = stored.updated_at

    @requires("versioning")
    async def test_an_empty_update_changes_nothing(self, repository: Repo) -> None:
        """No version bump, no new ``updated_at``: the answer is the entity as it is."""
        entity = await repository.create(self.data(0, "still"))
        same = await repository.update(entity.id, {}, expected_version=entity.version)
        assert (same.version, self.text(same)) == (entity.version, "still")
        self.expire(repository)
        stored = await repository.get(entity.id)
        assert stored.version == entity.version
        if hasattr(stored, "updated_at"):
            assert stored.updated_at == entity.updated_at
        with pytest.raises(ConcurrencyError):
            await repository.update(entity.id, {}, expected_version=entity.version + 1)

    @requires("versioning")
    async def test_stale_version_is_refused(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0, "v1"))
        start = entity.version
        await repository.update(entity.id, {self.text_field: "v2"}, expected_version=start)
        with pytest.raises(ConcurrencyError) as caught:
            await repository.update(entity.id, {self.text_field: "lost"}, expected_version=start)
        assert caught.value.details == {"expected_version": start, "current_version": start + 1}
        self.expire(repository)
        stored = await repository.get(entity.id)
        assert (self.text(stored), stored.version) == ("v2", start + 1)
        third = await repository.update(
            entity.id, {self.text_field: "v3"}, expected_version=start + 1
        )
        assert third.version == start + 2

    @requires("versioning")
    async def test_version_moves_on_every_write_path(self, repository: Repo) -> None:
        entity = await repository.create(self.data(0))
        version = entity.version
        writes: list[Callable[[], Awaitable[Any]]] = [
            lambda: repository.update(entity.id, {self.text_field: "a"}),
            lambda: repository.update_many({}, {self.text_field: "b"}),
        ]
        if self.has("upsert"):
            writes.append(
                lambda: repository.upsert(self.data(0, "c"), conflict=[self.unique_field])
            )
        if self.has("soft_delete"):
            writes += [lambda: repository.delete(entity.id), lambda: repository.restore(entity.id)]
        for number, write in enumerate(writes, 1):
            await write()
            self.expire(repository)
            stored = await repository.get(entity.id, include_deleted=True)
            assert stored.version == version + number, f"write #{number}"

    @requires("audit")
    async def test_audit_columns_name_the_actor(self, repository: Repo) -> None:
        with acting_as("alice"):
            entity = await repository.create(self.data(0))
        assert (entity.created_by, entity.updated_by) == ("alice", "alice")
        with acting_as("bob"):
            await repository.update(entity.id, {self.text_field: "b"})
        self.expire(repository)
        stored = await repository.get(entity.id)
        assert (stored.created_by, stored.updated_by) == ("alice", "bob")
        with acting_as("carol"):
            await repository.update_many({}, {self.text_field: "c"})
        self.expire(repository)
        assert (await repository.get(entity.id)).updated_by == "carol"

    @requires("search")
    async def test_search_matches_text_ignoring_case(self, repository: Repo) -> None:
        await self.create_rows(repository, ["alpha-one", "beta-two", "alpha-three"])
        assert await repository.count(search="ALPHA") == 2
        assert len((await repository.list(search="Alpha")).items) == 2
        assert await repository.count(search="zzz") == 0

    # -- random sequences --------------------------------------------------------------

    async def test_random_operations_agree_with_a_model(
        self, repository: Repo, contract_profile: Profile
    ) -> None:
        await run_repository_machine(self, repository, contract_profile)


def _session(repository: Repo) -> Any:
    session = getattr(repository, "session", None)
    if session is None:
        raise ContractError(
            f"{type(repository).__name__} has no 'session': override rollback() and expire()"
        )
    return session
