"""Page envelopes read the repository's pages; the problem schema reads error documents."""

from __future__ import annotations

import uuid

from foundation import DuplicateError
from foundation.repository.pagination import CursorPage as RepoCursorPage
from foundation.repository.pagination import Page as RepoPage
from foundation.schemas import CursorPage, Page, Problem, ReadSchema
from tests.foundation.web.models import WNote


class NoteRead(ReadSchema):
    id: uuid.UUID
    title: str


def _notes() -> list[WNote]:
    return [WNote(id=uuid.uuid4(), title=f"n{i}") for i in range(2)]


def test_offset_page_is_built_from_a_repository_page() -> None:
    notes = _notes()
    page = Page[NoteRead].model_validate(RepoPage(items=notes, limit=2, offset=4, total=9))
    assert [item.title for item in page.items] == ["n0", "n1"]
    assert (page.limit, page.offset, page.total) == (2, 4, 9)
    assert page.model_dump(mode="json")["items"][0] == {"id": str(notes[0].id), "title": "n0"}


def test_cursor_page_is_built_from_a_repository_cursor_page() -> None:
    page = CursorPage[NoteRead].model_validate(
        RepoCursorPage(items=_notes(), limit=2, next_cursor="abc", previous_cursor=None)
    )
    assert [item.title for item in page.items] == ["n0", "n1"]
    assert (page.next_cursor, page.previous_cursor) == ("abc", None)


def test_envelope_schemas_name_their_item_type() -> None:
    schema = Page[NoteRead].model_json_schema()
    assert schema["properties"]["items"]["items"] == {"$ref": "#/$defs/NoteRead"}
    assert set(CursorPage[NoteRead].model_json_schema()["properties"]) == {
        "items",
        "limit",
        "next_cursor",
        "previous_cursor",
    }


def test_problem_schema_reads_a_foundation_error_document() -> None:
    document = DuplicateError(details={"constraint": "uq_w_note_title"}).to_problem(
        instance="/api/v1/notes", request_id="r1"
    )
    problem = Problem.model_validate(document)
    assert (problem.status, problem.code, problem.request_id) == (409, "duplicate", "r1")
    assert problem.model_dump()["constraint"] == "uq_w_note_title"
