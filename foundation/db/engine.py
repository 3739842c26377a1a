"""Async engine construction with per-dialect options.

Pool options apply only to pooling dialects; SQLite gets foreign keys, WAL, a busy timeout
and explicit ``BEGIN`` so that SAVEPOINT and ROLLBACK behave (the driver's own transaction
handling otherwise commits behind SQLAlchemy's back), sent with the transaction's first
statement (:mod:`foundation.db.sqlite_driver`), and its query planner's statistics
(``PRAGMA optimize`` on a connection given back to the pool, at most once a minute); its
plain reads run on the event loop's thread, within ``sqlite_inline_read_ms``. On
SQLite and on PostgreSQL (not behind PgBouncer) the repository's plain reads in a read-only
unit run without a transaction of their own (:mod:`foundation.db.plain_reads`).

``pgbouncer`` (or ``?pgbouncer=true`` in the URL) makes asyncpg safe behind PgBouncer in
transaction mode, where consecutive transactions of one client connection may run on
different server connections: asyncpg's statement cache and SQLAlchemy's are off and every
prepared statement gets a unique name, as the SQLAlchemy asyncpg dialect documents; the
statement timeout is then not sent as a startup parameter, which PgBouncer refuses (set it on
the role: ``ALTER ROLE app SET statement_timeout = '30s'``).

Pooled connections go out first come, first served (:mod:`foundation.db.pool`).
``pool_pre_ping`` tests a pooled connection before use only when it has sat idle for
``IDLE_PING_SECONDS`` (SQLAlchemy's own pre-ping costs a round trip on every checkout).
A connection that breaks while in steady use fails its statement instead; the error is
classified as a disconnect, which invalidates the whole pool, so the next checkout connects
afresh (see ``foundation.errors.translate_db_errors``).

Time limits: ``connect_timeout`` bounds opening a connection, ``command_timeout`` each call
inside a unit of work (:mod:`foundation.db.deadline`), ``pool_timeout`` the wait for a
pooled connection, and TCP keepalive (``tcp_keepalive``, on both ends for PostgreSQL) finds
peers that vanished while a connection sat idle.
"""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from foundation.config import DatabaseSettings
from foundation.db import deadline, pg_driver, plain_reads, sqlite_driver
from foundation.db.calls import calls_of
from foundation.db.pool import FairQueuePool
from foundation.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 5_000
SQLITE_OPTIMIZE_SECONDS = 60.0
SQLITE_ANALYSIS_LIMIT = 1_000
IDLE_PING_SECONDS = 5.0
PGBOUNCER_QUERY = "pgbouncer"


def normalize_url(url: str | URL) -> URL:
    """Choose the async driver for a plain URL and add MariaDB's ``utf8mb4`` charset."""
    parsed = make_url(url)
    drivers = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}
    backend = parsed.get_backend_name()
    if backend == "mariadb":
        parsed = parsed.set(drivername="mysql+aiomysql")
        backend = "mysql"
    if backend in drivers and parsed.get_driver_name() != drivers[backend]:
        parsed = parsed.set(drivername=f"{backend}+{drivers[backend]}")
    if backend == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def is_memory_sqlite(url: URL) -> bool:
    """Whether the URL names a private in-memory SQLite database."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def check_sqlite_folder(url: URL) -> None:
    """Refuse a SQLite file in a folder that does not exist (SQLite would only say that it
    cannot open the file, at the first connection)."""
    if url.get_backend_name() != "sqlite" or is_memory_sqlite(url) or url.query.get("uri"):
        return
    folder = Path(str(url.database)).parent
    if not folder.is_dir():
        raise ConfigurationError(
            f"the folder {str(folder)!r} of the SQLite database {url.database!r} does not "
            "exist: create it, or fix the database URL"
        )


def behind_pgbouncer(settings: DatabaseSettings, url: URL) -> bool:
    """Whether the setting or the URL's ``pgbouncer=true`` asks for transaction pooling."""
    flag = str(url.query.get(PGBOUNCER_QUERY, "false")).lower()
    if flag not in ("true", "false"):
        raise ConfigurationError(f"?{PGBOUNCER_QUERY}= in the database URL is true or false")
    wanted = settings.pgbouncer or flag == "true"
    if wanted and url.get_backend_name() != "postgresql":
        raise ConfigurationError("the PgBouncer setting applies to PostgreSQL URLs only")
    return wanted


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4()}__"


def engine_options(settings: DatabaseSettings, url: URL) -> dict[str, Any]:
    """Keyword arguments for ``create_async_engine`` suited to the URL's dialect."""
    backend = url.get_backend_name()
    pgbouncer = behind_pgbouncer(settings, url)
    # parameters are user data: out of logs and error messages unless SQL is being debugged
    options: dict[str, Any] = {"echo": settings.echo, "hide_parameters": not settings.echo}
    connect_args: dict[str, Any] = {}
    if is_memory_sqlite(url):
        # one connection, shared, or each checkout would see a different empty database
        options["poolclass"] = StaticPool
        connect_args["check_same_thread"] = False
    else:
        options.update(
            poolclass=FairQueuePool,  # first come, first served (foundation.db.pool)
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout,
            pool_recycle=settings.pool_recycle,
        )
    if backend == "postgresql":
        connect_args["timeout"] = settings.connect_timeout
        server_settings = {}
        if pgbouncer:
            # PgBouncer refuses startup parameters it does not know (statement_timeout,
            # tcp_keepalives_*): set those on the database role instead
            connect_args.update(
                statement_cache_size=0,  # asyncpg's own cache
                prepared_statement_cache_size=0,  # the SQLAlchemy dialect's
                prepared_statement_name_func=_unique_statement_name,
            )
        else:
            options["module"] = pg_driver.DBAPI  # plain reads without BEGIN and ROLLBACK
            if settings.statement_timeout_ms:
                server_settings["statement_timeout"] = str(settings.statement_timeout_ms)
            if settings.tcp_keepalive:
                # the server's side: it drops connections of clients that vanished
                server_settings.update(
                    tcp_keepalives_idle=str(settings.tcp_keepalive),
                    tcp_keepalives_interval=str(_keepalive_interval(settings.tcp_keepalive)),
                    tcp_keepalives_count=str(KEEPALIVE_PROBES),
                )
        if server_settings:
            connect_args["server_settings"] = server_settings
    elif backend == "mysql":
        connect_args["connect_timeout"] = settings.connect_timeout
        if settings.statement_timeout_ms:
            seconds = settings.statement_timeout_ms / 1000
            connect_args["init_command"] = f"SET SESSION max_statement_time={seconds:g}"
    elif backend == "sqlite" and url.get_driver_name() == "aiosqlite":
        options["module"] = sqlite_driver.DBAPI  # one trip to its thread per statement
    if connect_args:
        options["connect_args"] = connect_args
    if settings.command_timeout and backend != "sqlite":
        # SQLite waits only for locks, and its busy timeout ends those (SQLITE_BUSY)
        options["execution_options"] = {
            deadline.TIMEOUTS_OPTION: (settings.command_timeout, settings.connect_timeout)
        }
    return options


KEEPALIVE_PROBES = 3


def _keepalive_interval(idle: int) -> int:
    return max(1, idle // KEEPALIVE_PROBES)


def _install_keepalive(engine: AsyncEngine, idle: int) -> None:
    """Turn TCP keepalive on for every new connection's socket (client side)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        # asyncpg keeps its transport as ``_transport``, aiomysql behind its stream writer
        transport = getattr(driver, "_transport", None) or getattr(
            getattr(driver, "_writer", None), "transport", None
        )
        sock = None if transport is None else transport.get_extra_info("socket")
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (
            ("TCP_KEEPIDLE", idle),
            ("TCP_KEEPINTVL", _keepalive_interval(idle)),
            ("TCP_KEEPCNT", KEEPALIVE_PROBES),
        ):
            if hasattr(socket, name):  # Linux names; other systems keep their defaults
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _install_sqlite_hooks(engine: AsyncEngine, *, memory: bool, inline_read_ms: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # hand transaction control to SQLAlchemy: no implicit BEGIN/COMMIT by the driver
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # in memory one connection is shared by every task: its thread keeps them apart
        wal = False
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            # the mode it took: WAL may be refused (a read-only file, a file system without
            # shared memory), and only with a write-ahead log do readers wait for no writer
            wal = cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous=NORMAL")
            # statistics from a sample: ANALYZE reads at most this many rows per index
            cursor.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        if wal and inline_read_ms and isinstance(dbapi_connection, sqlite_driver.OneTripConnection):
            dbapi_connection.read_inline(inline_read_ms / 1000, SQLITE_BUSY_TIMEOUT_MS)
        cursor.close()

    if not memory:
        _install_sqlite_statistics(engine)

    # SQLAlchemy's pysqlite dialects begin nothing themselves (``do_begin`` is empty): the
    # BEGIN goes in the dialect method, not a "begin" event, since one connection-level event
    # makes every connection of the engine dispatch every event it has, on every statement
    def do_begin(dbapi_connection: Any) -> None:
        adapted = dbapi_connection.dbapi_connection
        if isinstance(adapted, sqlite_driver.OneTripConnection):
            adapted.defer_begin()  # sent with the first statement, in its trip
        else:
            dbapi_connection.cursor().execute("BEGIN")

    engine.sync_engine.dialect.do_begin = do_begin  # type: ignore[method-assign]


def _install_sqlite_statistics(engine: AsyncEngine) -> None:
    """Keep SQLite's query-planner statistics: ``PRAGMA optimize`` on a connection given
    back to the pool, at most every ``SQLITE_OPTIMIZE_SECONDS`` (SQLite's advice for
    long-lived connections). Without ``sqlite_stat1`` the planner takes any equality on an
    indexed column for a selective one: ``deleted_at IS NULL`` with its index makes every
    page of a soft-deleting table read and sort the whole table."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if not isinstance(dbapi_connection, sqlite_driver.OneTripConnection):
            return
        now = time.monotonic()
        due = record.info.setdefault("optimize_at", now + SQLITE_OPTIMIZE_SECONDS)
        if now < due:
            return
        try:
            done = dbapi_connection.optimize(SQLITE_BUSY_TIMEOUT_MS)
        except Exception:  # given back outside the event loop's reach (a dispose): later
            done = False
        # busy: try again soon rather than in a whole period
        wait = SQLITE_OPTIMIZE_SECONDS if done else SQLITE_OPTIMIZE_SECONDS / 10
        record.info["optimize_at"] = now + wait


def _install_idle_ping(engine: AsyncEngine) -> None:
    """Ping a connection on checkout when it has been idle for ``IDLE_PING_SECONDS``."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # the pool discards this connection and checks out a fresh one
            raise exc.DisconnectionError(str(error)) from error


def create_engine(settings: DatabaseSettings | str) -> AsyncEngine:
    """Build the async engine for ``settings`` (or a bare URL with default options)."""
    if isinstance(settings, str):
        settings = DatabaseSettings(url=SecretStr(settings))
    url = normalize_url(settings.url.get_secret_value())
    check_sqlite_folder(url)
    options = engine_options(settings, url)
    # ours, not the driver's: asyncpg would refuse it as a connection argument
    url = url.difference_update_query([PGBOUNCER_QUERY])
    engine = create_async_engine(url, **options)
    dialect = engine.sync_engine.dialect
    dbapi: Any = dialect.dbapi
    if dbapi is sqlite_driver.DBAPI:
        plain_reads.install(dialect, sqlite_driver.OneTripCursor)
    elif dbapi is pg_driver.DBAPI:
        plain_reads.install(dialect, pg_driver.PlainReadCursor)
    if url.get_backend_name() == "sqlite":
        _install_sqlite_hooks(
            engine, memory=is_memory_sqlite(url), inline_read_ms=settings.sqlite_inline_read_ms
        )
    elif settings.tcp_keepalive:
        _install_keepalive(engine, settings.tcp_keepalive)
    if deadline.engine_timeouts(engine) is not None:
        deadline.install(engine)  # before the idle ping, so that its checkout is limited
        calls_of(engine)  # statements run inside the deadline
    if settings.pool_pre_ping and not is_memory_sqlite(url):
        _install_idle_ping(engine)
    return engine
