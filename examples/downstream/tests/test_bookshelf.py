"""The bookshelf held to all four contract suites (the documented downstream example)."""

import pytest
from bookshelf.models import Book
from bookshelf.repository import BookRepository
from bookshelf.service import BookCreate, BookRead, BookService, BookUpdate

from contracts import ApiContract, MigrationContract, RepositoryContract, ServiceContract


def book(n: int) -> dict[str, str]:
    return {"isbn": f"978-{n:09d}", "title": f"Book {n}"}


class TestBookRepository(RepositoryContract):
    capabilities = ("soft_delete", "versioning", "cursor_pagination", "upsert", "unique")
    text_field, unique_field, new_data = "title", "isbn", staticmethod(book)
    repository = pytest.fixture(lambda self, db_session: BookRepository(db_session))


class TestBookService(ServiceContract):
    capabilities = ("validation", "conflicts", "versioning", "soft_delete")
    service = pytest.fixture(lambda self, database: BookService(database))
    read_schema, valid_create = BookRead, staticmethod(lambda n: BookCreate(**book(n)))
    valid_update = staticmethod(lambda n: BookUpdate(title=f"Edition {n}"))
    invalid_creates = staticmethod(lambda: [BookCreate(isbn="978-000000001", title="LOUD")])
    invalid_updates = staticmethod(lambda: [BookUpdate(title="LOUD")])
    conflicting_create = staticmethod(lambda book: BookCreate(isbn=book.isbn, title="Copy"))


class TestBookApi(ApiContract):
    capabilities = ("auth", "conflicts", "offset_pagination")
    resource, write_scopes = "/api/v1/books", ("books:write",)
    new_payload, business_rule_statuses = staticmethod(book), (422,)  # 422: all capitals
    update_payload = staticmethod(lambda n: {"title": f"Edition {n}"})
    invalid_payloads = staticmethod(lambda: [{"isbn": "x"}, {"isbn": "978-0", "title": 7}])
    invalid_update_payloads = staticmethod(lambda: [{"title": ""}, {"title": "LOUD"}])


class TestBookMigrations(MigrationContract):
    migrations, metadata = "../migrations", staticmethod(lambda: Book.metadata)
