"""PgBouncer in transaction mode in front of a PostgreSQL server, started for the session.

``FOUNDATION_TEST_PGBOUNCER`` names the PostgreSQL server the bouncer fronts (a URL; the
tests' databases are named after its database: ``<name>_pgbouncer_api``, ``..._suite``).
Without it these tests are deselected (they need a server, as the pg15 cells do); with it,
a missing ``pgbouncer`` binary fails them: CI sets the variable and installs the Debian
package.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

UPSTREAM_ENV = "FOUNDATION_TEST_PGBOUNCER"
HERE = Path(__file__).parent
# fewer server connections than clients, so that transactions of one client connection
# land on different server connections: what transaction pooling does under load
SERVER_CONNECTIONS = 2
# the suites hold a connection per test and open more beside it (racing sessions)
SUITE_SERVER_CONNECTIONS = 20


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(UPSTREAM_ENV):
        return
    ours = [item for item in items if HERE in Path(str(item.path)).parents]
    if ours:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(upstream: URL, port: int, folder: Path, server_connections: int) -> str:
    return f"""\
[databases]
* = host={upstream.host or "127.0.0.1"} port={upstream.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {server_connections}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""


@pytest.fixture(scope="session")
def pgbouncer_url() -> Iterator[URL]:
    """The URL of the test database through PgBouncer (transaction mode, trust auth) with
    ``SERVER_CONNECTIONS`` server connections per database."""
    yield from run_pgbouncer(SERVER_CONNECTIONS)


@pytest.fixture(scope="session")
def roomy_pgbouncer_url() -> Iterator[URL]:
    """The same with room for the suites' tests that hold several connections at once."""
    yield from run_pgbouncer(SUITE_SERVER_CONNECTIONS)


def run_pgbouncer(server_connections: int) -> Iterator[URL]:
    """Start PgBouncer in front of ``FOUNDATION_TEST_PGBOUNCER``'s server; yield its URL."""
    raw = os.environ.get(UPSTREAM_ENV)
    assert raw, f"{UPSTREAM_ENV} is not set"
    binary = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if binary is None:
        pytest.fail("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    upstream = make_url(raw)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (folder / "users.txt").write_text(f'"{upstream.username or "postgres"}" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(_config(upstream, port, folder, server_connections))
    command = [binary, str(config)]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        account = pwd.getpwnam("postgres")
        for path in (folder, *folder.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        command = [binary, "-u", "postgres", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                log = (folder / "pgbouncer.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"pgbouncer exited with {process.returncode}: {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("pgbouncer did not listen within 20 s")
                time.sleep(0.1)
        yield upstream.set(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)
