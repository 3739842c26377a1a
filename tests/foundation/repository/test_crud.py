"""Every repository method: reads, writes, soft delete, and the maintained columns."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from foundation import acting_as
from foundation.errors import (
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from foundation.repository import IBaseRepository, Op, SQLAlchemyRepository
from tests.foundation.repository.models import Gadget, GadgetRepository, PartRepository


async def test_the_repository_satisfies_the_interface(gadgets: GadgetRepository) -> None:
    repo: IBaseRepository[Gadget, uuid.UUID] = gadgets
    assert repo is gadgets


async def test_create_fills_key_timestamps_audit_and_version(gadgets: GadgetRepository) -> None:
    with acting_as("alice"):
        gadget = await gadgets.create({"sku": "c-1", "name": "Cog"})
    assert gadget.id.version == 7
    assert gadget.version == 1
    assert gadget.created_by == gadget.updated_by == "alice"
    assert gadget.updated_at >= gadget.created_at
    assert gadget.created_at.tzinfo is not None
    assert gadget.deleted_at is None
    assert gadget.quantity == 0


async def test_create_many_returns_rows_in_input_order(gadgets: GadgetRepository) -> None:
    rows = [{"sku": f"m-{i}", "name": f"Many {i}", "quantity": i} for i in (3, 1, 2)]
    created = await gadgets.create_many(rows)
    assert [g.sku for g in created] == ["m-3", "m-1", "m-2"]
    assert len({g.id for g in created}) == 3
    assert await gadgets.create_many([]) == []


async def test_create_refuses_unknown_and_managed_fields(gadgets: GadgetRepository) -> None:
    with pytest.raises(ValidationError):
        await gadgets.create({"sku": "x", "name": "x", "colour": "red"})
    with pytest.raises(ValidationError):
        await gadgets.create({"sku": "x", "name": "x", "version": 7})


async def test_writes_parse_strings_for_keys_numbers_and_times(gadgets: GadgetRepository) -> None:
    # as filters do: the driver would refuse them (SQLite's UUID and DateTime types) or
    # store text; a value that does not parse is a 422 naming the field
    key = uuid.uuid4()
    launched = "2026-01-02T03:04:05+01:00"
    gadget = await gadgets.create(
        {"id": str(key), "sku": "p-1", "name": "Parsed", "quantity": "3", "launched_at": launched}
    )
    assert (gadget.id, gadget.quantity) == (key, 3)
    fresh = await gadgets.get(str(key))
    assert fresh.launched_at == datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC)
    assert (await gadgets.update(str(key), {"quantity": "4"})).quantity == 4
    other = uuid.uuid4()
    upserted = await gadgets.upsert({"id": str(other), "sku": "p-2", "name": "U"}, conflict=["sku"])
    assert upserted.id == other
    [many] = await gadgets.create_many([{"sku": "p-3", "name": "M", "active": "false"}])
    assert many.active is False
    with pytest.raises(ValidationError) as caught:
        await gadgets.create({"id": "nope", "sku": "p-4", "name": "Bad"})
    assert (str(caught.value), caught.value.details) == (
        "Invalid value for 'id': expected UUID.",
        {"field": "id"},
    )
    assert await gadgets.count() == 3  # nothing written by the refused create


async def test_get_and_get_or_none(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "g-1", "name": "Gear"})
    assert await gadgets.get(gadget.id) is gadget
    assert await gadgets.get(str(gadget.id)) is gadget  # ids from paths are converted
    assert await gadgets.get(gadget.id, for_update=True) is gadget
    missing = uuid.uuid4()
    assert await gadgets.get_or_none(missing) is None
    with pytest.raises(NotFoundError) as info:
        await gadgets.get(missing)
    assert info.value.status == 404
    with pytest.raises(NotFoundError):
        await gadgets.get("not-a-uuid")


async def test_get_many_skips_missing_ids_and_orders_by_id(gadgets: GadgetRepository) -> None:
    created = await gadgets.create_many([{"sku": f"s-{i}", "name": "S"} for i in range(3)])
    found = await gadgets.get_many([created[2].id, uuid.uuid4(), created[0].id])
    assert [g.id for g in found] == sorted([created[0].id, created[2].id])
    assert await gadgets.get_many([]) == []


async def test_find_one_requires_exactly_one_match(gadgets: GadgetRepository) -> None:
    await gadgets.create_many([{"sku": "f-1", "name": "Twin"}, {"sku": "f-2", "name": "Twin"}])
    assert (await gadgets.find_one({"sku": "f-1"})).sku == "f-1"
    assert await gadgets.find_one_or_none({"sku": "f-9"}) is None
    with pytest.raises(NotFoundError):
        await gadgets.find_one({"sku": "f-9"})
    with pytest.raises(ConflictError):
        await gadgets.find_one({"name": "Twin"})


async def test_update_changes_fields_and_moves_version_and_stamps(
    gadgets: GadgetRepository,
) -> None:
    with acting_as("alice"):
        gadget = await gadgets.create({"sku": "u-1", "name": "Old"})
    created_at, updated_at = gadget.created_at, gadget.updated_at
    with acting_as("bob"):
        updated = await gadgets.update(gadget.id, {"name": "New"}, expected_version=1)
    assert updated is gadget  # the identity map holds one object per row
    assert (updated.name, updated.version) == ("New", 2)
    assert (updated.created_by, updated.updated_by) == ("alice", "bob")
    assert updated.created_at == created_at
    assert updated.updated_at >= updated_at
    assert (await gadgets.update(gadget.id, {"quantity": 4})).version == 3


async def test_update_of_a_missing_or_deleted_row_is_not_found(gadgets: GadgetRepository) -> None:
    with pytest.raises(NotFoundError):
        await gadgets.update(uuid.uuid4(), {"name": "x"})
    gadget = await gadgets.create({"sku": "u-2", "name": "Gone"})
    await gadgets.delete(gadget.id)
    with pytest.raises(NotFoundError):
        await gadgets.update(gadget.id, {"name": "x"}, expected_version=2)


async def test_update_refuses_the_key_and_the_version(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "u-3", "name": "Fixed"})
    for changes in ({"id": uuid.uuid4()}, {"version": 9}, {"nope": 1}):
        with pytest.raises(ValidationError):
            await gadgets.update(gadget.id, changes)


async def test_deleted_at_changes_only_through_delete_and_restore(
    gadgets: GadgetRepository,
) -> None:
    """An update that set ``deleted_at`` would delete or revive rows past the child
    policies that ``delete`` and ``restore`` apply: refused, and nothing changes."""
    gadget = await gadgets.create({"sku": "u-4", "name": "Kept"})
    gone = await gadgets.create({"sku": "u-5", "name": "Gone"})
    await gadgets.delete(gone.id)
    with pytest.raises(ValidationError, match="deleted_at") as caught:
        await gadgets.update(gadget.id, {"deleted_at": datetime.now(UTC)})
    assert caught.value.details == {"fields": ["deleted_at"]}
    with pytest.raises(ValidationError, match="deleted_at"):
        await gadgets.update_many({"sku": "u-4"}, {"deleted_at": datetime.now(UTC)})
    with pytest.raises(ValidationError, match="deleted_at"):
        await gadgets.update_many({}, {"deleted_at": None})
    assert (await gadgets.get(gadget.id)).deleted_at is None
    assert await gadgets.get_or_none(gone.id) is None
    assert (await gadgets.restore(gone.id)).deleted_at is None


async def test_expected_version_on_an_unversioned_model_is_refused(
    gadgets: GadgetRepository, parts: PartRepository
) -> None:
    gadget = await gadgets.create({"sku": "u-4", "name": "Host"})
    part = await parts.create({"gadget_id": gadget.id, "label": "p"})
    with pytest.raises(ValidationError):
        await parts.update(part.id, {"label": "q"}, expected_version=1)
    assert (await parts.update(part.id, {"label": "q"})).label == "q"


async def test_update_many_changes_matches_and_keeps_reads_fresh(
    gadgets: GadgetRepository,
) -> None:
    created = await gadgets.create_many(
        [{"sku": f"b-{i}", "name": "Bulk", "quantity": i} for i in range(4)]
    )
    before = {g.id: g.updated_at for g in created}
    with acting_as("carol"):
        count = await gadgets.update_many({"name": "Bulk"}, {"quantity": 9})
    assert count == 4
    for gadget in created:
        fresh = await gadgets.get(gadget.id)
        assert fresh is gadget
        assert (fresh.quantity, fresh.version, fresh.updated_by) == (9, 2, "carol")
        assert fresh.updated_at >= before[gadget.id]
    assert await gadgets.update_many({"name": "None such"}, {"quantity": 1}) == 0


async def test_upsert_inserts_then_updates_the_same_row(gadgets: GadgetRepository) -> None:
    with acting_as("alice"):
        first = await gadgets.upsert({"sku": "up-1", "name": "First"}, conflict=["sku"])
    with acting_as("bob"):
        second = await gadgets.upsert(
            {"sku": "up-1", "name": "Second", "quantity": 2}, conflict=["sku"]
        )
    assert second.id == first.id
    assert (second.name, second.quantity, second.version) == ("Second", 2, 2)
    assert (second.created_by, second.updated_by) == ("alice", "bob")
    assert await gadgets.count({"sku": "up-1"}) == 1


async def test_upsert_revives_a_soft_deleted_row(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "up-2", "name": "Phoenix"})
    await gadgets.delete(gadget.id)
    revived = await gadgets.upsert({"sku": "up-2", "name": "Risen"}, conflict=["sku"])
    assert revived.id == gadget.id
    assert revived.deleted_at is None
    assert (await gadgets.get(gadget.id)).name == "Risen"


async def test_upsert_many_mixes_inserts_and_updates(gadgets: GadgetRepository) -> None:
    await gadgets.create({"sku": "um-1", "name": "Old"})
    result = await gadgets.upsert_many(
        [
            {"sku": "um-2", "name": "New"},
            {"sku": "um-1", "name": "Updated"},
            {"sku": "um-2", "name": "Newest"},  # same key twice: the last row wins
        ],
        conflict=["sku"],
    )
    assert [(g.sku, g.name) for g in result] == [("um-2", "Newest"), ("um-1", "Updated")]
    assert await gadgets.count({"sku": "um-1"}) == 1
    assert await gadgets.upsert_many([], conflict=["sku"]) == []
    with pytest.raises(ValidationError):
        await gadgets.upsert({"name": "no key"}, conflict=["sku"])
    with pytest.raises(ValidationError):
        await gadgets.upsert({"sku": "x", "name": "x"}, conflict=["colour"])


async def test_soft_delete_hides_the_row_everywhere(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "d-1", "name": "Hidden"})
    await gadgets.delete(gadget.id)
    assert await gadgets.get_or_none(gadget.id) is None
    assert await gadgets.get_many([gadget.id]) == []
    assert await gadgets.find_one_or_none({"sku": "d-1"}) is None
    assert await gadgets.count({"sku": "d-1"}) == 0
    assert not await gadgets.exists({"sku": "d-1"})
    assert (await gadgets.list({"sku": "d-1"})).items == []
    deleted = await gadgets.get(gadget.id, include_deleted=True)
    assert deleted.deleted_at is not None
    assert deleted.version == 2
    assert await gadgets.exists({"sku": "d-1"}, include_deleted=True)
    with pytest.raises(NotFoundError):
        await gadgets.delete(gadget.id)  # already deleted


async def test_soft_delete_updates_the_entity_already_loaded(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "d-2", "name": "Held"})
    with acting_as("bob"):
        await gadgets.delete(gadget.id)
    assert gadget.is_deleted
    assert (gadget.version, gadget.updated_by) == (2, "bob")


async def test_create_many_fills_defaults_per_row_and_keeps_given_values(
    gadgets: GadgetRepository,
) -> None:
    stamp = datetime(2020, 1, 2, tzinfo=UTC)
    with acting_as("carol"):
        plain, dated = await gadgets.create_many(
            [{"sku": "m-1", "name": "A"}, {"sku": "m-2", "name": "B", "created_at": stamp}]
        )
    assert plain.id != dated.id
    assert plain.id.version == dated.id.version == 7
    assert plain.updated_at == plain.created_at > stamp
    assert dated.updated_at == dated.created_at == stamp  # a new row's updated_at follows
    assert plain.created_by == dated.updated_by == "carol"
    assert (plain.version, plain.quantity, plain.deleted_at) == (1, 0, None)


async def test_restore_brings_a_soft_deleted_row_back(gadgets: GadgetRepository) -> None:
    gadget = await gadgets.create({"sku": "r-1", "name": "Back"})
    live = await gadgets.restore(gadget.id)  # idempotent: a live row is left alone
    assert (live.deleted_at, live.version) == (None, 1)
    await gadgets.delete(gadget.id)
    restored = await gadgets.restore(gadget.id)
    assert restored.deleted_at is None
    assert restored.version == 3
    assert await gadgets.get(gadget.id) is restored
    with pytest.raises(NotFoundError):
        await gadgets.restore(uuid.uuid4())


async def test_hard_delete_removes_live_and_soft_deleted_rows(
    gadgets: GadgetRepository, db_session: AsyncSession
) -> None:
    live, soft = await gadgets.create_many(
        [{"sku": "h-1", "name": "Live"}, {"sku": "h-2", "name": "Soft"}]
    )
    await gadgets.delete(soft.id)
    await gadgets.hard_delete(live.id)
    await gadgets.hard_delete(soft.id)
    remaining = await db_session.scalars(select(Gadget.id).where(Gadget.sku.in_(["h-1", "h-2"])))
    assert remaining.all() == []
    with pytest.raises(NotFoundError):
        await gadgets.hard_delete(live.id)


async def test_hard_delete_in_a_session_forgets_the_object(
    gadgets: GadgetRepository, db_session: AsyncSession
) -> None:
    gadget = await gadgets.create({"sku": "h-3", "name": "Gone"})
    await gadgets.hard_delete(gadget.id)
    assert await db_session.get(Gadget, gadget.id) is None  # not the stale object


async def test_delete_on_a_model_without_soft_delete_removes_the_row(
    gadgets: GadgetRepository, parts: PartRepository
) -> None:
    gadget = await gadgets.create({"sku": "p-1", "name": "Host"})
    part = await parts.create({"gadget_id": gadget.id, "label": "bolt"})
    await parts.delete(part.id)
    assert await parts.get_or_none(part.id, include_deleted=True) is None
    with pytest.raises(NotFoundError):
        await parts.delete(part.id)
    with pytest.raises(ValidationError):
        await parts.restore(part.id)


async def test_delete_many_soft_deletes_matches_or_removes_them(
    gadgets: GadgetRepository, parts: PartRepository
) -> None:
    gadget = await gadgets.create({"sku": "dm-0", "name": "Host"})
    await gadgets.create_many([{"sku": f"dm-{i}", "name": "Batch"} for i in (1, 2, 3)])
    assert await gadgets.delete_many({"name": "Batch"}) == 3
    assert await gadgets.count({"name": "Batch"}) == 0
    assert await gadgets.count({"name": "Batch"}, include_deleted=True) == 3
    assert await gadgets.delete_many({"name": "Batch"}) == 0  # already deleted
    await parts.create_many([{"gadget_id": gadget.id, "label": f"l{i}"} for i in range(2)])
    assert await parts.delete_many({"gadget_id": gadget.id}) == 2
    assert await parts.count() == 0


async def test_reads_refresh_objects_changed_by_bulk_statements(
    gadgets: GadgetRepository, db_session: AsyncSession
) -> None:
    gadget = await gadgets.create({"sku": "i-1", "name": "Before"})
    other = GadgetRepository(db_session)  # same session, another repository
    await other.update_many({"sku": "i-1"}, {"name": "After"})
    assert (await gadgets.get(gadget.id)).name == "After"
    await other.delete_many({"sku": "i-1"})
    assert (await gadgets.get(gadget.id, include_deleted=True)).deleted_at is not None


@pytest.mark.parametrize(
    "missing", ["insert_executemany_returning_sort_by_parameter_order", "update_returning"]
)
async def test_without_returning_the_rows_are_read_back(
    gadgets: GadgetRepository, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    # MySQL has no RETURNING, MariaDB none for UPDATE: switch the dialect's flag off to run
    # that path here against the real database
    dialect = (await gadgets.session.connection()).dialect
    monkeypatch.setattr(dialect, missing, False)
    with acting_as("dora"):
        created = await gadgets.create_many([{"sku": f"nr-{i}", "name": "NR"} for i in (2, 1)])
    assert [g.sku for g in created] == ["nr-2", "nr-1"]
    assert created[0].created_by == "dora"
    assert created[0].id.version == 7
    updated = await gadgets.update(created[0].id, {"name": "changed"}, expected_version=1)
    assert updated is created[0]
    assert (updated.name, updated.version) == ("changed", 2)
    with pytest.raises(ConcurrencyError):
        await gadgets.update(created[0].id, {"name": "again"}, expected_version=1)


def test_repository_classes_refuse_unusable_configuration(db_session: AsyncSession) -> None:
    class NoModel(SQLAlchemyRepository[Gadget]):
        pass

    with pytest.raises(ConfigurationError):
        NoModel(db_session)
    with pytest.raises(ConfigurationError):

        class NotMapped(SQLAlchemyRepository[Any]):
            model = dict

    with pytest.raises(ConfigurationError):

        class SearchesNumbers(SQLAlchemyRepository[Gadget]):
            model = Gadget
            searchable = ("quantity",)

    with pytest.raises(ConfigurationError):

        class BadOperator(SQLAlchemyRepository[Gadget]):
            model = Gadget
            filterable: ClassVar[Mapping[str, Collection[Op]]] = {"name": ("eq",)}  # type: ignore[dict-item]
