"""The PgBouncer setting's engine options (the real PgBouncer runs in tests/pgbouncer)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from foundation.config import DatabaseSettings
from foundation.db import create_engine, engine_options, normalize_url
from foundation.errors import ConfigurationError

PG = "postgresql://app@db.internal/app"


def options(url: str, **settings: object) -> dict[str, object]:
    parsed = normalize_url(url)
    args = engine_options(DatabaseSettings(url=SecretStr(url), **settings), parsed)
    return dict(args.get("connect_args", {}))


@pytest.mark.parametrize(
    ("url", "settings"), [(PG, {"pgbouncer": True}), (f"{PG}?pgbouncer=true", {})]
)
def test_the_setting_or_the_url_flag_turn_off_caches_and_name_statements_uniquely(
    url: str, settings: dict[str, object]
) -> None:
    connect = options(url, **settings)
    assert connect["statement_cache_size"] == 0
    assert connect["prepared_statement_cache_size"] == 0
    name = connect["prepared_statement_name_func"]
    assert callable(name)
    assert name() != name()
    assert "server_settings" not in connect  # PgBouncer refuses startup parameters


def test_without_it_statements_are_cached_and_the_timeout_is_a_startup_parameter() -> None:
    connect = options(PG)
    assert "statement_cache_size" not in connect
    assert connect["server_settings"]["statement_timeout"] == "30000"


def test_the_flag_leaves_the_url_given_to_the_driver() -> None:
    engine = create_engine(f"{PG}?pgbouncer=true&application_name=x")
    assert dict(engine.url.query) == {"application_name": "x"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@db/app?pgbouncer=true", "PostgreSQL URLs only"),
        (f"{PG}?pgbouncer=yes", "true or false"),
    ],
)
def test_a_misused_flag_is_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_engine(url)
