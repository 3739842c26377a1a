"""Decimal filters: taken as decimal strings bounded by the column, compared exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from foundation import Database, ValidationError
from foundation.repository import Op, where
from foundation.web import create_app, crud_router
from tests.foundation.web.crud_models import PriceIn, PriceRepository, PriceService
from tests.foundation.web.helpers import client, make_settings

BASE = "/api/v1/prices"


@pytest.fixture
def app(database: Database) -> object:
    router = crud_router(
        PriceService,
        path="/prices",
        name="price",
        create_schema=PriceIn,
        update_schema=PriceIn,
        read_access=None,
        write_access=None,
    )
    return create_app(make_settings(), routers=[router], database=database)


async def test_equality_on_a_decimal_finds_the_row(database: Database, app: object) -> None:
    """A float parameter made ``Decimal(9.99)``, which MariaDB compared exactly: no match."""
    await PriceService(database).create_many([PriceIn(amount=Decimal(v)) for v in ("9.99", "10")])
    async with client(app) as http:  # type: ignore[arg-type]
        found = await http.get(BASE, params={"amount": "9.99"})
        assert found.status_code == 200, found.text
        assert [item["amount"] for item in found.json()["items"]] == ["9.99"]
        above = await http.get(BASE, params={"amount__gt": "9.99"})
        assert [item["amount"] for item in above.json()["items"]] == ["10.00"]


@pytest.mark.parametrize(
    "value", ["-1e16", "1e1", " 12", "+5", "9.999", "123456789", "nan", "Infinity", "", "1,5"]
)
async def test_a_decimal_the_column_cannot_hold_is_422(app: object, value: str) -> None:
    async with client(app) as http:  # type: ignore[arg-type]
        response = await http.get(BASE, params={"amount__gt": value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_schema_states_the_decimal_grammar(app: object) -> None:
    async with client(app) as http:  # type: ignore[arg-type]
        document = (await http.get("/openapi.json")).json()
    parameters = document["paths"][BASE]["get"]["parameters"]
    amount = next(p for p in parameters if p["name"] == "amount__gt")
    assert amount["schema"]["type"] == "string"
    assert amount["schema"]["pattern"] == r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$"


async def test_the_repository_refuses_out_of_range_decimals(database: Database) -> None:
    """The same bound for callers that skip HTTP: 422, never ``numeric field overflow``."""
    async with database.unit() as unit:
        repository = PriceRepository(unit)
        await repository.create({"amount": Decimal("9.99")})
        assert await repository.count(where("amount", Op.GT, Decimal("-99999999.99"))) == 1
        with pytest.raises(ValidationError):
            await repository.count(where("amount", Op.GT, Decimal("-1e16")))
        with pytest.raises(ValidationError):
            await repository.count({"amount": Decimal("NaN")})
        assert await repository.count({"amount": 9.99}) == 1  # a float, read as "9.99"


async def test_decimal_bodies_are_strings_within_the_column(app: object) -> None:
    body = app.openapi()["components"]["schemas"]["PriceIn"]["properties"]["amount"]  # type: ignore[attr-defined]
    assert body["pattern"] == r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$"
    async with client(app) as http:  # type: ignore[arg-type]
        created = await http.post(BASE, json={"amount": "12345678.5"})
        assert created.status_code == 201, created.text
        assert created.json()["amount"] == "12345678.50"
        fetched = await http.get(f"{BASE}/{created.json()['id']}")
        assert fetched.json()["amount"] == "12345678.50"
        for refused in (9.99, "123456789", "1.005", "NaN"):
            response = await http.post(BASE, json={"amount": refused})
            assert response.status_code == 422, refused
