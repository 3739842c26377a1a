"""``ApiContract``'s conditional requests beyond ``PATCH``: ``If-Match`` on ``DELETE`` and
on restore, ``If-None-Match`` on ``GET`` (RFC 9110, section 13).

Each test runs only for an implementation that declares its capability. The stale tag is
always one the item had before a write moved it, so it is stale whatever a delete does to
the version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from contracts._base import requires
from contracts._http import assert_problem, assert_status

GARBLED_TAG = "garbled"


class ConditionalRequests:
    """Tests mixed into ``ApiContract`` (see its docstring for the capabilities)."""

    if TYPE_CHECKING:
        resource: ClassVar[str]
        garbled_if_match_status: ClassVar[int]
        missing_if_match_status: ClassVar[int]

        def item(self, created: dict[str, Any]) -> str: ...
        def update_payload(self, n: int) -> dict[str, Any]: ...
        async def create(
            self, client: httpx.AsyncClient, writer: dict[str, str], n: int
        ) -> Any: ...

    def restore_path(self, created: dict[str, Any]) -> str:
        """Where ``POST`` restores a deleted item (default ``{item}/restore``)."""
        return f"{self.item(created)}/restore"

    async def deleted_etag(
        self, client: httpx.AsyncClient, writer: dict[str, str], created: dict[str, Any]
    ) -> str:
        """The current ``ETag`` of the deleted item ``created``. By default read from
        ``crud_router``'s listing of deleted items (``GET {resource}?deleted=only``, offered
        with ``deleted_access``): its ``version`` field, as the tag ``"<version>"``."""
        response = await client.get(self.resource, params={"deleted": "only"}, headers=writer)
        assert response.status_code == 200, f"listing deleted items: {response.text}"
        found = [item for item in response.json()["items"] if item["id"] == created["id"]]
        assert found, f"the deleted item {created['id']} is not among the deleted ones"
        return f'"{found[0]["version"]}"'

    async def changed_twice(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> tuple[dict[str, Any], str, httpx.Response]:
        """A created item, its first ``ETag`` (now stale) and the answer to a ``PATCH`` that
        moved the tag on."""
        created = await self.create(client, writer, 0)
        fetched = await client.get(self.item(created), headers=writer)
        stale = fetched.headers.get("ETag")
        assert stale, "an item response carries an ETag"
        changed = await client.patch(
            self.item(created), json=self.update_payload(1), headers=writer
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers.get("ETag") not in (None, stale), "a write moves the ETag"
        return created, stale, changed

    @requires("if_match_delete")
    async def test_conditional_delete_refuses_a_stale_tag_and_keeps_the_item(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created, stale, changed = await self.changed_twice(client, writer)
        path = self.item(created)

        async def refused(headers: dict[str, str], status: int, what: str) -> None:
            assert_status(await client.delete(path, headers={**writer, **headers}), status)
            still = await client.get(path, headers=writer)
            assert (still.status_code, still.json()) == (200, changed.json()), (
                f"a DELETE with {what} removed or changed the item"
            )

        await refused({"If-Match": stale}, 412, "a stale If-Match")
        await refused({"If-Match": GARBLED_TAG}, self.garbled_if_match_status, "a garbled tag")
        if self.missing_if_match_status >= 400:
            await refused({}, self.missing_if_match_status, "no If-Match")
        current = {**writer, "If-Match": changed.headers["ETag"]}
        deleted = await client.delete(path, headers=current)
        assert deleted.status_code in (200, 204), f"DELETE with the current tag: {deleted.text}"
        assert_problem(await client.get(path, headers=writer), 404)

    @requires("if_match_restore")
    async def test_conditional_restore_refuses_a_stale_tag_and_keeps_it_deleted(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created, stale, _ = await self.changed_twice(client, writer)
        path = self.item(created)
        deleted = await client.delete(path, headers=writer)
        assert deleted.status_code in (200, 204), deleted.text
        restore = self.restore_path(created)

        async def refused(headers: dict[str, str], status: int, what: str) -> None:
            assert_status(await client.post(restore, headers={**writer, **headers}), status)
            still = await client.get(path, headers=writer)
            assert still.status_code == 404, f"a restore with {what} brought the item back"

        await refused({"If-Match": stale}, 412, "a stale If-Match")
        await refused({"If-Match": GARBLED_TAG}, self.garbled_if_match_status, "a garbled tag")
        if self.missing_if_match_status >= 400:
            await refused({}, self.missing_if_match_status, "no If-Match")
        current = {**writer, "If-Match": await self.deleted_etag(client, writer, created)}
        restored = await client.post(restore, headers=current)
        assert restored.status_code == 200, f"restore with the current tag: {restored.text}"
        back = await client.get(path, headers=writer)
        assert back.status_code == 200, "a restored item is readable again"
        assert back.json()["id"] == created["id"]

    @requires("if_none_match")
    async def test_if_none_match_with_the_current_tag_is_a_304_without_body(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created, stale, changed = await self.changed_twice(client, writer)
        path, current = self.item(created), changed.headers["ETag"]
        same = await client.get(path, headers={**writer, "If-None-Match": current})
        assert same.status_code == 304, f"If-None-Match with the current ETag: {same.text}"
        assert same.content == b"", "a 304 has no body"
        assert same.headers.get("ETag") == current, "a 304 names the current ETag"
        older = await client.get(path, headers={**writer, "If-None-Match": stale})
        assert older.status_code == 200, f"If-None-Match with an older ETag: {older.text}"
        assert older.json() == changed.json(), "an older tag gets the current item"
        assert older.headers.get("ETag") == current
