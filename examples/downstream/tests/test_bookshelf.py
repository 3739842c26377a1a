"""The bookshelf held to all four contract suites (the documented downstream example)."""

import uuid
from decimal import Decimal

import pytest
from bookshelf.models import Book
from bookshelf.repository import BookRepository, ListingRepository
from bookshelf.service import (
    BookCreate,
    BookRead,
    BookService,
    BookUpdate,
    ListingCreate,
    ListingRead,
    ListingService,
    ListingUpdate,
)

from contracts import ApiContract, MigrationContract, RepositoryContract, ServiceContract

BOOK = uuid.UUID("0190a000-0000-7000-8000-00000000b00c")  # the book every listing sells


def book(n: int) -> dict[str, str]:
    return {"isbn": f"978-{n:09d}", "title": f"Book {n}"}


def listing(n: int, **changes: object) -> dict:
    return {"book_id": BOOK, "seller": f"Seller {n % 3}", "price": Decimal(n) + 1, **changes}


class WithBook:  # made before the suite's own session, so its rollbacks keep it
    @pytest.fixture
    async def prerequisites(self, database):
        async with database.transaction() as session:
            await BookRepository(session).create({"id": BOOK, **book(999)})


class TestBookRepository(RepositoryContract):
    capabilities = ("soft_delete", "versioning", "cursor_pagination", "upsert", "unique")
    text_field, unique_field, new_data = "title", "isbn", staticmethod(book)
    repository = pytest.fixture(lambda self, db_session: BookRepository(db_session))


class TestBookService(ServiceContract):
    capabilities = ("validation", "conflicts", "versioning", "soft_delete", "cursor_pagination")
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


class TestListingRepository(WithBook, RepositoryContract):
    capabilities = ("versioning", "timestamps", "cursor_pagination", "foreign_keys")
    text_field, second_sort_field, new_data = "seller", "price", staticmethod(listing)
    repository = pytest.fixture(lambda self, db_session: ListingRepository(db_session))
    data_with_missing_reference = staticmethod(lambda: listing(0, book_id=uuid.uuid4()))


class TestListingService(WithBook, ServiceContract):
    capabilities = ("validation", "conflicts", "versioning", "cursor_pagination")
    service = pytest.fixture(lambda self, database: ListingService(database))
    read_schema, valid_create = ListingRead, staticmethod(lambda n: ListingCreate(**listing(n)))
    valid_update = staticmethod(lambda n: ListingUpdate(price=Decimal(f"{n}.05")))
    invalid_creates = staticmethod(lambda: [ListingCreate(**listing(0, price=Decimal("1.01")))])
    invalid_updates = staticmethod(lambda: [ListingUpdate(price=Decimal("1.01"))])  # 5 cents
    conflicting_create = staticmethod(lambda _: ListingCreate(**listing(0, book_id=uuid.uuid4())))


class TestListingApi(WithBook, ApiContract):
    capabilities = ("auth", "offset_pagination", "cursor_pagination", "stateful")
    capabilities += ("if_match", "if_match_delete", "if_none_match")  # ETags: If-(None-)Match
    resource, write_scopes = "/api/v1/listings", ("books:write",)
    new_payload = staticmethod(lambda n: {k: str(v) for k, v in listing(n).items()})
    update_payload = staticmethod(lambda n: {"price": f"{n}.5"})  # answered as "1.50"
    invalid_payloads = staticmethod(lambda: [{"seller": "x"}, {"book_id": str(BOOK)}])
    invalid_update_payloads = staticmethod(lambda: [{"price": "1.01"}, {"seller": ""}])
    cursor_sorts, business_rule_statuses = (("-price",), ("seller", "-price")), (422,)
    references = staticmethod(lambda: {"book_id": [BOOK]})


class TestBookMigrations(MigrationContract):
    migrations, metadata = "../migrations", staticmethod(lambda: Book.metadata)
