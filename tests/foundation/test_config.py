"""Settings: sources and their precedence, production refusals, secrets kept out of sight."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pydantic
import pytest

from foundation import ConfigurationError, Settings, get_settings
from foundation.config import (
    DEFAULT_DATABASE_URL,
    DEFAULT_JWT_SECRET,
    UnknownSettingWarning,
    production_problems,
)

GOOD_SECRET = "s" * 40
CURSOR_SECRET = "c" * 40
PASSWORD = "pw-hunter2"
URL_WITH_PASSWORD = f"postgresql+asyncpg://app:{PASSWORD}@db.example:5432/app"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No FOUNDATION_* variable from the caller's shell, and no stray .env file."""
    for name in list(os.environ):
        if name.startswith("FOUNDATION_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _write_env_file(directory: Path, **values: str) -> None:
    lines = [f"{name}={value}" for name, value in values.items()]
    (directory / ".env").write_text("\n".join(lines) + "\n")


# -- sources -------------------------------------------------------------------------------


def test_defaults_run_on_embedded_sqlite_in_development() -> None:
    settings = Settings()
    assert settings.database.url.get_secret_value() == DEFAULT_DATABASE_URL
    assert settings.database.dialect == "sqlite"
    assert settings.app.environment == "development"
    assert settings.security.jwt_secret.get_secret_value() == DEFAULT_JWT_SECRET
    assert settings.json_logs is False


def test_prefixed_nested_variables_set_nested_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__POOL_SIZE", "7")
    monkeypatch.setenv("FOUNDATION_CORS__ORIGINS", '["https://a.example", "https://b.example"]')
    monkeypatch.setenv("FOUNDATION_LOGGING__LEVEL", "DEBUG")
    monkeypatch.setenv("FOUNDATION_SERVER__PORT", "9001")
    monkeypatch.setenv("DATABASE__POOL_SIZE", "99")  # unprefixed: ignored
    settings = Settings()
    assert settings.database.pool_size == 7
    assert settings.cors.origins == ["https://a.example", "https://b.example"]
    assert settings.logging.level == "DEBUG"
    assert settings.server.port == 9001


def test_precedence_is_keyword_then_environment_then_env_file_then_default(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    _write_env_file(
        clean_environment,
        FOUNDATION_APP__NAME="from-file",
        FOUNDATION_APP__VERSION="9.9-file",
        FOUNDATION_DATABASE__POOL_SIZE="3",
    )
    monkeypatch.setenv("FOUNDATION_APP__NAME", "from-env")
    monkeypatch.setenv("FOUNDATION_DATABASE__POOL_SIZE", "4")
    settings = Settings(database={"pool_size": 5})
    assert settings.database.pool_size == 5  # keyword beats environment and file
    assert settings.app.name == "from-env"  # environment beats file
    assert settings.app.version == "9.9-file"  # file beats default
    assert settings.database.max_overflow == 10  # default
    assert settings.app.environment == "development"


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    assert get_settings() is first
    monkeypatch.setenv("FOUNDATION_APP__NAME", "renamed")
    assert get_settings().app.name == "foundation"
    get_settings.cache_clear()
    assert get_settings().app.name == "renamed"


def test_invalid_values_are_rejected_with_the_field_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__POOL_SIZE", "0")
    monkeypatch.setenv("FOUNDATION_APP__ENVIRONMENT", "staging")
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings()
    locations = {error["loc"] for error in caught.value.errors()}
    assert locations == {("database", "pool_size"), ("app", "environment")}


def test_a_rejected_url_does_not_echo_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", f"postgresql://app:{PASSWORD}@db:port/app")
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings()
    assert "not a valid SQLAlchemy database URL" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)


def test_an_unsupported_backend_is_rejected_when_settings_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", "foo://x")
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings()
    assert "unsupported database 'foo'" in str(caught.value)


def test_a_list_that_is_not_json_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_CORS__ORIGINS", "https://app.example")
    monkeypatch.setenv("FOUNDATION_CORS__METHODS", '["GET"]')
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    assert caught.value.message.startswith("FOUNDATION_CORS__ORIGINS is not valid JSON (")


@pytest.mark.parametrize(
    ("variable", "warning"),
    [
        ("FOUNDATION_SERVER__PROT", "; did you mean FOUNDATION_SERVER__PORT?"),
        ("FOUNDATION_DATABASE_URL", "; did you mean FOUNDATION_DATABASE__URL?"),
        ("FOUNDATION_NOTHING__LIKE_IT", " (`foundation settings` lists them)"),
    ],
)
def test_get_settings_warns_about_unknown_variables(
    monkeypatch: pytest.MonkeyPatch, variable: str, warning: str
) -> None:
    monkeypatch.setenv(variable, "1")
    with pytest.warns(UnknownSettingWarning) as caught:
        get_settings()
    assert [str(w.message) for w in caught] == [f"{variable} is not a setting{warning}"]


def test_other_tools_variables_with_the_prefix_pass_quietly(
    monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    for name in ("FOUNDATION_TEST_DB", "FOUNDATION_PG15_URL", "FOUNDATION_CONTRACT_PROFILE"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("FOUNDATION_SERVER__PORT", "8001")
    assert get_settings().server.port == 8001
    assert not [w for w in recwarn if issubclass(w.category, UnknownSettingWarning)]


# -- production refusals ---------------------------------------------------------------------


def _production(**groups: object) -> Settings:
    groups.setdefault("security", {"jwt_secret": GOOD_SECRET, "cursor_secret": CURSOR_SECRET})
    return Settings(app={"environment": "production", **groups.pop("app", {})}, **groups)  # type: ignore[arg-type, dict-item]


def test_production_accepts_safe_settings() -> None:
    settings = _production(cors={"origins": ["https://app.example"], "credentials": True})
    assert settings.app.environment == "production"
    assert settings.json_logs is True
    assert production_problems(settings) == []


def test_gc_tuning_is_on_in_production_unless_switched_off() -> None:
    assert _production().gc_tuning is True
    assert _production(server={"gc_tuning": False}).gc_tuning is False
    assert Settings(_env_file=None).gc_tuning is False
    assert Settings(_env_file=None, server={"gc_tuning": True}).gc_tuning is True


@pytest.mark.parametrize(
    ("groups", "variable"),
    [
        pytest.param(
            {"security": {}}, "FOUNDATION_SECURITY__JWT_SECRET is the built-in", id="default"
        ),
        pytest.param(
            {"security": {"jwt_secret": "x" * 31}},
            "FOUNDATION_SECURITY__JWT_SECRET is shorter than 32",
            id="short",
        ),
        pytest.param(
            {"cors": {"origins": ["*"], "credentials": True}},
            "FOUNDATION_CORS__ORIGINS contains '*'",
            id="cors",
        ),
        pytest.param({"app": {"debug": True}}, "FOUNDATION_APP__DEBUG", id="debug"),
        pytest.param(
            {"security": {"jwt_secret": GOOD_SECRET}},
            "FOUNDATION_SECURITY__CURSOR_SECRET is not set",
            id="no-cursor-secret",
        ),
        pytest.param(
            {"security": {"jwt_secret": GOOD_SECRET, "cursor_secret": "x" * 31}},
            "FOUNDATION_SECURITY__CURSOR_SECRET is shorter than 32",
            id="short-cursor-secret",
        ),
    ],
)
def test_production_refuses(groups: dict[str, object], variable: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _production(**groups)
    assert variable in caught.value.message


def test_production_lists_every_problem_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_APP__ENVIRONMENT", "production")
    monkeypatch.setenv("FOUNDATION_APP__DEBUG", "true")
    monkeypatch.setenv("FOUNDATION_CORS__ORIGINS", '["*"]')
    monkeypatch.setenv("FOUNDATION_CORS__CREDENTIALS", "true")
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    message = caught.value.message
    assert "JWT_SECRET" in message
    assert "CORS__ORIGINS" in message
    assert "APP__DEBUG" in message


def test_unsigned_cursors_are_an_explicit_opt_out_in_production() -> None:
    settings = _production(security={"jwt_secret": GOOD_SECRET, "cursor_signing": False})
    assert settings.security.cursor_key() is None


def test_the_cursor_key_is_derived_from_the_secret_and_never_the_secret_itself() -> None:
    configured = _production().security.cursor_key()
    assert configured is not None
    assert len(configured) == 32
    assert CURSOR_SECRET.encode() not in configured
    other = _production(security={"jwt_secret": GOOD_SECRET, "cursor_secret": "d" * 40})
    assert other.security.cursor_key() != configured
    # development derives a stable key from the JWT secret: every worker signs alike
    development = Settings(_env_file=None).security.cursor_key()  # type: ignore[call-arg]
    assert development is not None
    assert development == Settings(_env_file=None).security.cursor_key()  # type: ignore[call-arg]
    assert development != configured


def test_wildcard_cors_without_credentials_and_debug_are_fine_outside_production() -> None:
    Settings(cors={"origins": ["*"], "credentials": True}, app={"debug": True})
    _production(cors={"origins": ["*"], "credentials": False})


# -- secrets stay masked -------------------------------------------------------------------


def test_the_database_password_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", URL_WITH_PASSWORD)
    monkeypatch.setenv("FOUNDATION_SECURITY__JWT_SECRET", GOOD_SECRET)
    settings = Settings()
    assert settings.database.url.get_secret_value() == URL_WITH_PASSWORD
    assert settings.database.dialect == "postgresql"
    for text in (repr(settings), str(settings), repr(settings.database), str(settings.masked())):
        assert PASSWORD not in text
        assert GOOD_SECRET not in text
    masked = settings.masked()
    assert masked["database"]["url"] == "postgresql+asyncpg://app:***@db.example:5432/app"
    assert masked["security"]["jwt_secret"] == "**********"
    assert settings.database.masked_url() == masked["database"]["url"]
