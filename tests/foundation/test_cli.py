"""The ``foundation`` command: db, openapi, settings, serve, and its one-line errors.

Commands run in-process through ``main()`` on a worker thread (they start their own event
loop), except where the process itself matters: exit status and stderr of a real process,
and ``serve`` answering HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL, make_url

from foundation.cli import main
from foundation.cli.serve import should_migrate
from foundation.config import Settings
from tests.foundation.migrations_sample.databases import (
    MIGRATIONS,
    migration_url,
    migrations_copy,
)

__all__ = ["migration_url", "migrations_copy"]  # fixtures used below

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = "tests.foundation.migrations_sample.app:app"
SAMPLE_FACTORY = "tests.foundation.migrations_sample.app:create_app"
GOOD_SECRET = "x" * 48
Run = tuple[int, str, str]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FOUNDATION_* variable from the caller's shell; run from the project root."""
    for name in list(os.environ):
        if name.startswith("FOUNDATION_") and name != "FOUNDATION_TEST_DB":
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``foundation ARGV`` in-process; returns (status, stdout, stderr)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(main, list(argv)).result()
    out, err = capsys.readouterr()
    return status, out, err


def run_process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m foundation.cli ARGV`` as a separate process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    return subprocess.run(
        [sys.executable, "-m", "foundation.cli", *argv],
        cwd=ROOT,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_error(status: int, err: str, expected: str, code: int = 2) -> None:
    """Exactly one line on stderr, naming the problem, no traceback, the given status."""
    assert status == code, err
    assert err.count("\n") == 1, err
    assert err.startswith("foundation: error: ")
    assert expected in err
    assert "Traceback" not in err


# -- settings ----------------------------------------------------------------------------


def test_settings_prints_effective_values_with_secrets_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", "postgresql://app:pw-hunter2@db.example/app")
    monkeypatch.setenv("FOUNDATION_SECURITY__JWT_SECRET", "jwt-" + GOOD_SECRET)
    monkeypatch.setenv("FOUNDATION_DATABASE__POOL_SIZE", "7")
    status, out, err = run(capsys, "settings")
    assert status == 0, err
    data = json.loads(out)
    assert data["database"]["pool_size"] == 7
    assert data["database"]["url"] == "postgresql://app:***@db.example/app"
    assert "pw-hunter2" not in out
    assert GOOD_SECRET not in out
    assert data["security"]["jwt_secret"] == "**********"


# -- configuration and argument errors ------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        pytest.param({}, "FOUNDATION_SECURITY__JWT_SECRET is the built-in default", id="default"),
        pytest.param(
            {"FOUNDATION_SECURITY__JWT_SECRET": "short-secret"},
            "FOUNDATION_SECURITY__JWT_SECRET is shorter than 32",
            id="short-secret",
        ),
        pytest.param(
            {
                "FOUNDATION_SECURITY__JWT_SECRET": GOOD_SECRET,
                "FOUNDATION_CORS__ORIGINS": '["*"]',
                "FOUNDATION_CORS__CREDENTIALS": "true",
            },
            "FOUNDATION_CORS__ORIGINS contains '*'",
            id="cors-wildcard-credentials",
        ),
        pytest.param(
            {"FOUNDATION_SECURITY__JWT_SECRET": GOOD_SECRET, "FOUNDATION_APP__DEBUG": "true"},
            "FOUNDATION_APP__DEBUG must be false in production",
            id="debug",
        ),
    ],
)
def test_production_refuses_unsafe_settings(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.setenv("FOUNDATION_APP__ENVIRONMENT", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    status, out, err = run(capsys, "settings")
    assert_one_line_error(status, err, expected)
    assert out == ""


def test_production_with_safe_settings_is_accepted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_APP__ENVIRONMENT", "production")
    monkeypatch.setenv("FOUNDATION_SECURITY__JWT_SECRET", GOOD_SECRET)
    monkeypatch.setenv("FOUNDATION_SECURITY__CURSOR_SECRET", GOOD_SECRET[::-1])
    status, out, _ = run(capsys, "settings")
    assert status == 0
    assert json.loads(out)["app"]["environment"] == "production"


def test_invalid_value_names_the_variable_and_hides_the_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", "postgresql://app:pw-hunter2@db:notaport/app")
    monkeypatch.setenv("FOUNDATION_DATABASE__POOL_SIZE", "0")
    status, _, err = run(capsys, "settings")
    assert_one_line_error(status, err, "FOUNDATION_DATABASE__URL: Value error, not a valid")
    assert "FOUNDATION_DATABASE__POOL_SIZE" in err
    assert "pw-hunter2" not in err


def test_an_unparsable_variable_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_CORS__ORIGINS", "https://not-json.example")
    status, _, err = run(capsys, "settings")
    assert_one_line_error(status, err, "FOUNDATION_CORS__ORIGINS is not valid JSON")
    assert "EnvSettingsSource" not in err


def test_an_unknown_variable_is_a_warning_naming_the_closest_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_SERVER__PROT", "1")
    monkeypatch.setenv("FOUNDATION_CONTRACT_PROFILE", "full")  # another tool's: no warning
    status, out, err = run(capsys, "settings")
    assert status == 0, err
    assert err == (
        "foundation: warning: FOUNDATION_SERVER__PROT is not a setting; "
        "did you mean FOUNDATION_SERVER__PORT?\n"
    )
    assert json.loads(out)["server"]["port"] == 8000


def test_an_unknown_database_backend_is_one_line_not_a_traceback() -> None:
    result = run_process("db", "current", env={"FOUNDATION_DATABASE__URL": "foo://x"})
    assert_one_line_error(
        result.returncode, result.stderr, "FOUNDATION_DATABASE__URL: Value error, unsupported"
    )
    assert "NoSuchModuleError" not in result.stderr


@pytest.mark.parametrize(
    "argv", [["openapi", "--app", SAMPLE_APP], ["settings"]], ids=["openapi", "settings"]
)
def test_a_closed_pipe_ends_quietly_with_sigpipe_status(argv: list[str]) -> None:
    # `foundation openapi | head -c 10`, made certain: the pipe has no reader at all
    read_end, write_end = os.pipe()
    os.close(read_end)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "foundation.cli", *argv],
            cwd=ROOT,
            env=clean,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 128 + signal.SIGPIPE, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["frobnicate"], "invalid choice: 'frobnicate'", id="unknown-command"),
        pytest.param(["db", "downgrade"], "required: REV", id="missing-revision"),
        pytest.param(["serve", "--port", "eighty"], "invalid int value", id="bad-port"),
        pytest.param(["db", "revision"], "required: -m/--message", id="missing-message"),
        pytest.param(["openapi"], "no app given", id="no-app"),
        pytest.param(["serve"], "no app given", id="serve-no-app"),
        pytest.param(["openapi", "--app", "nosuchmodule:app"], "cannot import", id="no-module"),
        pytest.param(["openapi", "--app", "nocolon"], "must look like 'module:attr'", id="shape"),
        pytest.param(
            ["serve", "--app", "tests.foundation.migrations_sample.app:nothing"],
            "no attribute 'nothing'",
            id="no-attribute",
        ),
        pytest.param(
            ["openapi", "--app", "tests.foundation.migrations_sample.models:metadata"],
            "is not a FastAPI application",
            id="not-fastapi",
        ),
        pytest.param(
            ["db", "heads", "-d", "no/such/dir"], "no Alembic script directory", id="no-scripts"
        ),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    status, _, err = run(capsys, *argv)
    assert_one_line_error(status, err, expected)


def test_a_real_process_exits_2_with_one_line_on_bad_configuration() -> None:
    result = run_process("settings", env={"FOUNDATION_APP__ENVIRONMENT": "production"})
    assert_one_line_error(result.returncode, result.stderr, "FOUNDATION_SECURITY__JWT_SECRET")


def test_a_real_process_exits_2_with_one_line_on_bad_arguments() -> None:
    result = run_process("db", "upgrade", "--no-such-flag")
    assert_one_line_error(result.returncode, result.stderr, "unrecognized arguments")


# -- db ----------------------------------------------------------------------------------


def test_db_upgrade_current_downgrade(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, migration_url: str
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", migration_url)
    monkeypatch.setenv("FOUNDATION_DATABASE__MIGRATIONS", str(MIGRATIONS))
    assert run(capsys, "db", "current")[1] == "(no revision applied)\n"
    status, _, err = run(capsys, "db", "upgrade")
    assert status == 0, err
    assert "Running upgrade 0001 -> 0002" in err
    assert run(capsys, "db", "current")[1] == "0002 (head)\n"
    status, _, err = run(capsys, "db", "downgrade", "0001")
    assert status == 0, err
    assert run(capsys, "db", "current")[1] == "0001\n"
    assert run(capsys, "db", "downgrade", "base")[0] == 0
    assert run(capsys, "db", "current")[1] == "(no revision applied)\n"


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_an_unreachable_database_is_one_line_and_status_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    # port 1 on loopback: nothing listens, the connection is refused at once
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", f"{scheme}://app:pw-hunter2@127.0.0.1:1/app")
    status, _, err = run(capsys, "db", "upgrade", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, "The database is temporarily unavailable.", code=1)
    assert "127.0.0.1:1/app: " in err
    assert err.rstrip().endswith(
        "check that the server is running and reachable at the URL's host and port"
    )
    assert "pw-hunter2" not in err


@pytest.fixture
def server_url(db_backend: Any) -> URL:
    """The URL of this test's database server (PostgreSQL or MariaDB)."""
    if db_backend.dialect == "sqlite":
        pytest.skip("SQLite has no server to refuse a database or a user")
    return make_url(db_backend.url)


def test_a_missing_database_is_named_with_its_host_and_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server_url: URL
) -> None:
    url = server_url.set(database="no_such_database_cli")
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", url.render_as_string(hide_password=False))
    status, _, err = run(capsys, "db", "current", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, "The database is unavailable.", code=1)
    assert url.render_as_string(hide_password=True) in err  # host, port and database name
    assert "no_such_database_cli" in err.split(": ", 2)[-1]  # and the server's own words
    assert err.rstrip().endswith("create the database, or fix the database URL")


def test_a_wrong_user_is_named_with_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, server_url: URL
) -> None:
    url = server_url.set(username="no_such_user_cli", password="wrong")
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", url.render_as_string(hide_password=False))
    status, _, err = run(capsys, "db", "current", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, "The database is unavailable.", code=1)
    assert "no_such_user_cli" in err
    assert err.rstrip().endswith("check the user and password in the database URL")
    assert "wrong" not in err


def test_a_sqlite_file_in_a_missing_folder_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "no" / "such" / "folder" / "app.db"
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", f"sqlite:///{path}")
    status, _, err = run(capsys, "db", "current", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, f"the folder {str(path.parent)!r}")
    assert "does not exist: create it" in err
    assert "temporarily" not in err
    assert not path.parent.exists()


def test_db_upgrade_to_an_unknown_revision_is_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, migration_url: str
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", migration_url)
    status, _, err = run(capsys, "db", "upgrade", "nosuchrev", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, "nosuchrev")


def test_db_check_passes_when_models_and_migrations_agree(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, migration_url: str
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", migration_url)
    status, _, err = run(capsys, "db", "check", "-d", str(MIGRATIONS))
    assert_one_line_error(status, err, "Target database is not up to date")
    assert "it is at no revision, the head is 0002; run `foundation db upgrade` first" in err
    assert run(capsys, "db", "upgrade", "-d", str(MIGRATIONS))[0] == 0
    status, out, err = run(capsys, "db", "check", "-d", str(MIGRATIONS))
    assert status == 0, err
    assert out.endswith("models and migrations agree\n")


def test_db_check_fails_when_the_models_run_ahead_then_autogenerate_fixes_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    migration_url: str,
    migrations_copy: Path,
) -> None:
    monkeypatch.setenv("FOUNDATION_DATABASE__URL", migration_url)
    monkeypatch.setenv("FOUNDATION_DATABASE__MIGRATIONS", str(migrations_copy))
    assert run(capsys, "db", "upgrade")[0] == 0
    status, _, err = run(capsys, "db", "check")
    assert_one_line_error(status, err, "models and migrations disagree", code=1)
    assert "add_table m_book; add_column m_author.email" in err
    status, out, err = run(capsys, "db", "revision", "-m", "books", "--autogenerate")
    assert status == 0, err
    assert "Detected added table 'm_book'" in err
    created = Path(out.splitlines()[-1])  # after Alembic's "Generating ... done"
    assert created.parent == migrations_copy / "versions"
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "db", "check")[0] == 0


def test_db_revision_heads_and_history_need_no_database(
    capsys: pytest.CaptureFixture[str], migrations_copy: Path
) -> None:
    directory = str(migrations_copy)
    assert run(capsys, "db", "heads", "-d", directory)[1] == "0001 (head)\n"
    status, out, err = run(capsys, "db", "revision", "-m", "empty step", "-d", directory)
    assert status == 0, err
    created = Path(out.splitlines()[-1])  # after Alembic's "Generating ... done"
    assert created.name.endswith("_empty_step.py")
    status, out, _ = run(capsys, "db", "history", "-d", directory)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("0001 -> ")
    assert lines[0].endswith("(head), empty step")
    assert lines[1] == "<base> -> 0001, Authors."


def test_db_init_creates_a_script_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "migrations"
    status, _, err = run(
        capsys, "db", "init", "-d", str(target), "--metadata", "app.db:Base.metadata"
    )
    assert status == 0, err
    assert "from app.db import Base" in (target / "env.py").read_text()
    status, _, err = run(
        capsys, "db", "init", "-d", str(target), "--metadata", "app.db:Base.metadata"
    )
    assert_one_line_error(status, err, "already holds an env.py")


def test_db_init_refuses_to_guess_the_metadata(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "migrations"
    status, _, err = run(capsys, "db", "init", "-d", str(target))
    assert_one_line_error(status, err, "db init needs --metadata MODULE:EXPR")
    assert not target.exists()


# -- openapi -----------------------------------------------------------------------------


@pytest.mark.parametrize("target", [SAMPLE_APP, SAMPLE_FACTORY], ids=["app", "factory"])
def test_openapi_prints_the_spec_of_an_app_or_factory(
    capsys: pytest.CaptureFixture[str], target: str
) -> None:
    status, out, err = run(capsys, "openapi", "--app", target)
    assert status == 0, err
    spec = json.loads(out)
    assert spec["info"]["title"] == "migrations sample"
    assert "/authors/count" in spec["paths"]


def test_openapi_falls_back_to_the_target_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOUNDATION_APP__TARGET", SAMPLE_APP)
    status, out, _ = run(capsys, "openapi")
    assert status == 0
    assert json.loads(out)["openapi"].startswith("3.")


# -- serve -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "setting", "dialect", "expected"),
    [
        (None, None, "sqlite", True),
        (None, None, "postgresql", False),
        (None, True, "postgresql", True),
        (None, False, "sqlite", False),
        (False, True, "sqlite", False),
        (True, False, "mysql", True),
    ],
)
def test_migrations_on_start_default_to_sqlite_only(
    flag: bool | None, setting: bool | None, dialect: str, expected: bool
) -> None:
    urls = {
        "sqlite": "sqlite+aiosqlite:///x.db",
        "postgresql": "postgresql://u@h/d",
        "mysql": "mysql://u@h/d",
    }
    settings = Settings(
        _env_file=None,
        database={"url": urls[dialect], "migrate_on_start": setting},
    )
    assert should_migrate(flag, settings) is expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_migrates_then_answers(migration_url: str, db_backend: object) -> None:
    port = _free_port()
    env = {
        "FOUNDATION_DATABASE__URL": migration_url,
        "FOUNDATION_DATABASE__MIGRATIONS": str(MIGRATIONS),
        "FOUNDATION_APP__TARGET": SAMPLE_FACTORY,
    }
    if getattr(db_backend, "dialect", None) != "sqlite":
        env["FOUNDATION_DATABASE__MIGRATE_ON_START"] = "true"  # SQLite migrates by default
    command = [sys.executable, "-m", "foundation.cli", "serve", "--port", str(port)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=clean | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = _poll(f"http://127.0.0.1:{port}/authors/count", server)
        assert response.status_code == 200
        assert response.json() == {"count": 0}  # the table exists: migrations ran at start
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Running upgrade 0001 -> 0002" in err
    assert "Finished server process" in err  # a graceful shutdown
    # uvicorn re-raises the signal it handled once it has shut down cleanly
    assert server.returncode in (0, -signal.SIGTERM), err


def test_serve_writes_one_access_line_per_request(tmp_path: Path) -> None:
    """The foundation's own line; uvicorn's (which also carries the query string) is off."""
    port = _free_port()
    env = {
        "FOUNDATION_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "FOUNDATION_DATABASE__MIGRATE_ON_START": "false",
        "FOUNDATION_APP__TARGET": "tests.foundation.serve_sample:app",
    }
    command = [sys.executable, "-m", "foundation.cli", "serve", "--port", str(port)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FOUNDATION_")}
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=clean | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _poll(f"http://127.0.0.1:{port}/health/live", server)
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/ping?token=secret-query", timeout=5)
        assert response.status_code == 200
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines = [line for line in (out + err).splitlines() if "/api/v1/ping" in line]
    assert len(lines) == 1, lines
    assert "GET /api/v1/ping 200" in lines[0]
    assert "secret-query" not in out + err


def _poll(url: str, server: subprocess.Popen[str]) -> httpx.Response:
    """GET ``url`` once the server answers (a generous guard, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}: {server.stderr.read()}")  # type: ignore[union-attr]
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("serve did not answer within 60 s")
