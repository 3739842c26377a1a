"""Settings: nested groups read from ``FOUNDATION_*`` variables, a ``.env`` file and keywords.

``get_settings()`` is the one cached accessor. Tests override it with
``get_settings.cache_clear()`` after changing the environment, or — better — build a
``Settings(...)`` explicitly and pass it to ``create_app(settings)``.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import ipaddress
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Literal, get_origin

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url

from foundation.errors import ConfigurationError

Environment = Literal["development", "test", "production"]
DEFAULT_JWT_SECRET = "change-me-in-production-this-is-not-a-secret"
MIN_PRODUCTION_SECRET_LENGTH = 32
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./foundation.db"
_CURSOR_KEY_LABEL = b"foundation keyset cursor v1"
ENV_PREFIX = "FOUNDATION_"
SUPPORTED_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")


class UnknownSettingWarning(UserWarning):
    """Issued by ``get_settings()`` for a ``FOUNDATION_*`` variable that names no setting."""


class AppSettings(BaseModel):
    """Identity of the running service."""

    name: str = Field("foundation", description="title of the API and its docs")
    version: str = Field("0.1.0", description="version reported by the API and `/health`")
    environment: Environment = Field(
        "development", description="development | test | production (strict checks)"
    )
    debug: bool = Field(False, description="refused in production")
    target: str | None = Field(
        None,
        description="'module:attr' of the ASGI app or factory that `foundation serve` runs",
    )


class DatabaseSettings(BaseModel):
    """Engine, pool and migration options; pool options apply only where the dialect pools."""

    url: SecretStr = Field(
        SecretStr(DEFAULT_DATABASE_URL), description="SQLAlchemy URL; the password is never shown"
    )
    pool_size: int = Field(5, ge=1, description="connections kept open (pooling dialects)")
    max_overflow: int = Field(10, ge=0, description="extra connections under load")
    pool_timeout: float = Field(30.0, gt=0, description="seconds to wait for a connection")
    pool_recycle: int = Field(1800, ge=-1, description="seconds before a connection is renewed")
    pool_pre_ping: bool = Field(
        True, description="test a connection idle for 5 s or more before use"
    )
    echo: bool = Field(False, description="log every SQL statement")
    statement_timeout_ms: int = Field(30_000, ge=0, description="0 disables the timeout")
    # client-side time limits (foundation.db.deadline): a stuck database answers 503
    connect_timeout: float = Field(5.0, gt=0, description="seconds to open a connection")
    command_timeout: float = Field(
        15.0,
        ge=0,
        description="seconds one statement or commit may wait for the server before its "
        "connection is dropped and the request answers 503; 0: no limit (SQLite: lock "
        "waits end at its busy timeout instead)",
    )
    tcp_keepalive: int = Field(
        30, ge=0, description="seconds idle before TCP keepalive probes (both ends); 0: off"
    )
    migrations: str = Field("migrations", description="Alembic script directory")
    migrate_on_start: bool | None = Field(
        None, description="apply migrations in `serve`; default: only on SQLite"
    )
    replica_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of a read replica: reads outside units of work go "
        "there while it answers, a request's reads after its first write do not",
    )
    sqlite_inline_read_ms: float = Field(
        5.0,
        ge=0,
        description="SQLite files (write-ahead log): the longest a plain read runs on the "
        "event loop before it moves to the driver's thread; 0: every statement goes there",
    )
    pgbouncer: bool = Field(
        False,
        description="PostgreSQL behind PgBouncer in transaction mode: no statement caches, "
        "uniquely named prepared statements, no statement_timeout startup parameter "
        "(`?pgbouncer=true` in the URL does the same)",
    )

    @field_validator("url", "replica_url")
    @classmethod
    def _parseable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            backend = make_url(value.get_secret_value()).get_backend_name()
        except Exception as exc:
            raise ValueError("not a valid SQLAlchemy database URL") from exc
        if backend not in SUPPORTED_BACKENDS:
            raise ValueError(
                f"unsupported database {backend!r}: the URL must start with sqlite://, "
                "postgresql://, mysql:// or mariadb://"
            )
        return value

    @property
    def dialect(self) -> str:
        """Backend name: ``sqlite``, ``postgresql`` or ``mysql`` (MariaDB)."""
        return make_url(self.url.get_secret_value()).get_backend_name()

    def masked_url(self) -> str:
        """The URL with its password replaced by ``***``; safe for logs."""
        return make_url(self.url.get_secret_value()).render_as_string(hide_password=True)


class ServerSettings(BaseModel):
    """How the app is served: `foundation serve`'s uvicorn (flags override) and the GC."""

    host: str = Field("127.0.0.1", description="address `foundation serve` binds")
    port: int = Field(8000, ge=0, le=65535, description="port `foundation serve` binds")
    workers: int = Field(1, ge=1, description="uvicorn worker processes")
    reload: bool = Field(False, description="restart on code changes (development)")
    gc_tuning: bool | None = Field(
        None,
        description="after startup, freeze what it built and raise the GC's young threshold; "
        "default: on in production",
    )
    gc_threshold: int = Field(
        10_000, ge=700, description="young-generation GC threshold while serving, with gc_tuning"
    )


class LoggingSettings(BaseModel):
    """Log level and format."""

    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="lowest level written"
    )
    json_logs: bool | None = Field(
        None, description="one flat JSON object per line; default: on in production only"
    )
    access_log: bool = Field(True, description="one record per request")


class SecuritySettings(BaseModel):
    """JWT issuing and verification."""

    jwt_secret: SecretStr = Field(
        SecretStr(DEFAULT_JWT_SECRET), description="HMAC key; at least 32 characters in production"
    )
    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = Field(
        "HS256", description="the only algorithm tokens may use"
    )
    jwt_private_key: SecretStr | None = Field(None, description="PEM key to sign RS256/ES256")
    jwt_public_key: str | None = Field(None, description="PEM key to verify RS256/ES256")
    jwt_issuer: str = Field("foundation", description="`iss` issued and required")
    jwt_audience: str = Field("foundation-api", description="`aud` issued and required")
    access_token_minutes: int = Field(30, ge=1, description="lifetime of issued tokens")
    hsts_seconds: int = Field(0, ge=0, description="0 disables Strict-Transport-Security")
    max_body_bytes: int = Field(1_048_576, ge=1, description="larger bodies get 413")
    password_hash_concurrency: int = Field(
        0, ge=0, description="Argon2 checks at once per process (others wait); 0: cores / 4"
    )
    sign_in_failures_per_account: int = Field(
        5, ge=0, description="failed sign-ins per account and window before 429; 0: no limit"
    )
    sign_in_failures_per_client: int = Field(
        50, ge=0, description="failed sign-ins per client address and window before 429; 0: off"
    )
    sign_in_window_seconds: int = Field(
        900, ge=1, description="the window failed sign-ins are counted in (and blocked for)"
    )
    cursor_secret: SecretStr | None = Field(
        None,
        description="key that signs keyset cursors; required in production (at least 32 "
        "characters); development and test derive one from the JWT secret",
    )
    cursor_signing: bool = Field(
        True, description="false: unsigned cursors, which clients can read and edit"
    )
    trusted_hosts: list[str] = Field(
        default_factory=lambda: ["*"],
        description="JSON list of accepted Host names (`*.example.com` allowed); "
        "others get 400. `*` accepts any: set the real names in production",
    )

    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="JSON list of proxy addresses or networks (`10.0.0.0/8`) whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none, `*`: any",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy != "*":
                try:
                    ipaddress.ip_network(proxy, strict=False)
                except ValueError:
                    raise ValueError(f"{proxy!r}: use an IP address, a network or '*'") from None
        return proxies

    @field_validator("trusted_hosts")
    @classmethod
    def _host_patterns(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if host != "*" and "*" in host.removeprefix("*."):
                raise ValueError(f"{host!r}: use a name, '*.' before a domain, or '*' alone")
        return hosts

    def cursor_key(self) -> bytes | None:
        """The HMAC key for cursors, derived from the configured secret; ``None`` when
        signing is switched off."""
        if not self.cursor_signing:
            return None
        secret = self.cursor_secret or self.jwt_secret
        # a derived key: the same secret never signs tokens and cursors alike
        return hmac.new(
            secret.get_secret_value().encode(), _CURSOR_KEY_LABEL, hashlib.sha256
        ).digest()


class CorsSettings(BaseModel):
    """Cross-origin resource sharing; empty origins disables CORS."""

    origins: list[str] = Field(default_factory=list, description="JSON list; empty: CORS off")
    methods: list[str] = Field(
        default_factory=lambda: ["GET", "POST", "PATCH", "DELETE"], description="JSON list"
    )
    headers: list[str] = Field(
        default_factory=lambda: ["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
        description="JSON list",
    )
    credentials: bool = Field(False, description="allow cookies; never with `*` origins")


class DocsSettings(BaseModel):
    """Where the `/docs` (Swagger UI) and `/redoc` pages load their JavaScript and CSS from."""

    assets: Literal["bundled", "cdn"] = Field(
        "bundled",
        description="bundled: `/docs` and `/redoc` assets served by the app (works offline); "
        "cdn: FastAPI's CDN links",
    )


class IdempotencySettings(BaseModel):
    """Requests sent with an ``Idempotency-Key`` (``foundation.web.idempotency``)."""

    ttl_seconds: int = Field(
        86_400, ge=1, description="how long a key's stored response is replayed to retries"
    )


class MetricsSettings(BaseModel):
    """The Prometheus endpoint; off by default, and then nothing is measured per request."""

    enabled: bool = Field(False, description="serve `/metrics` and measure requests")
    path: str = Field("/metrics", pattern=r"^/", description="where the metrics are served")
    allowed_networks: list[str] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"],
        description="JSON list of client networks that may scrape; empty: any network",
    )
    token: SecretStr | None = Field(
        None, description="bearer token a scrape must send; unset: none needed"
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP network (`10.0.0.0/8`)") from None
        return networks


class TracingSettings(BaseModel):
    """OpenTelemetry traces (the ``[otel]`` extra); exporter, sampler and service name come
    from the standard ``OTEL_*`` variables."""

    enabled: bool = Field(
        False, description="trace requests and SQL with OpenTelemetry; ids in every log line"
    )


class Settings(BaseSettings):
    """All settings; ``FOUNDATION_DATABASE__URL`` sets ``database.url``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # a rejected value may be a secret (a URL with its password): keep it out of errors
        hide_input_in_errors=True,
    )

    app: AppSettings = Field(default_factory=AppSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    cors: CorsSettings = Field(default_factory=CorsSettings)
    docs: DocsSettings = Field(default_factory=DocsSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)

    def __init__(self, *args: Any, **values: Any) -> None:
        try:
            super().__init__(*args, **values)
        except SettingsError as error:
            # pydantic-settings names the group ("cors") and its own class, not the variable
            bad = unparsable_variables(os.environ)
            if not bad:
                raise
            raise ConfigurationError(
                "; ".join(f"{name} is not valid JSON" for name in bad)
                + ' (lists and objects are JSON, e.g. ["https://app.example"])'
            ) from error

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.app.environment != "production":
            return self
        problems = production_problems(self)
        if problems:
            raise ConfigurationError("; ".join(problems))
        return self

    def _production_default(self, explicit: bool | None) -> bool:
        """An explicit setting, or on in production only."""
        return self.app.environment == "production" if explicit is None else explicit

    @property
    def json_logs(self) -> bool:
        """Whether logs are JSON lines (explicit setting, else production only)."""
        return self._production_default(self.logging.json_logs)

    @property
    def gc_tuning(self) -> bool:
        """Whether the app tunes the garbage collector once started (else production only)."""
        return self._production_default(self.server.gc_tuning)

    def masked(self) -> dict[str, Any]:
        """Effective settings as plain data with every secret masked."""
        data = self.model_dump(mode="json")
        data["database"]["url"] = self.database.masked_url()
        return data


def production_problems(settings: Settings) -> list[str]:
    """Each reason the settings are unsafe for production, naming the variable."""
    problems: list[str] = []
    secret = settings.security.jwt_secret.get_secret_value()
    if settings.security.jwt_algorithm.startswith("HS"):
        if secret == DEFAULT_JWT_SECRET:
            problems.append("FOUNDATION_SECURITY__JWT_SECRET is the built-in default; set a secret")
        elif len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
            problems.append(
                f"FOUNDATION_SECURITY__JWT_SECRET is shorter than "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters"
            )
    cursor_secret = settings.security.cursor_secret
    if settings.security.cursor_signing:
        if cursor_secret is None:
            problems.append(
                "FOUNDATION_SECURITY__CURSOR_SECRET is not set; set a secret "
                "(or FOUNDATION_SECURITY__CURSOR_SIGNING=false for unsigned cursors)"
            )
        elif len(cursor_secret.get_secret_value()) < MIN_PRODUCTION_SECRET_LENGTH:
            problems.append(
                f"FOUNDATION_SECURITY__CURSOR_SECRET is shorter than "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters"
            )
    if "*" in settings.cors.origins and settings.cors.credentials:
        problems.append(
            "FOUNDATION_CORS__ORIGINS contains '*' while FOUNDATION_CORS__CREDENTIALS is true"
        )
    if settings.app.debug:
        problems.append("FOUNDATION_APP__DEBUG must be false in production")
    metrics = settings.metrics
    if metrics.enabled and not metrics.allowed_networks and metrics.token is None:
        problems.append(
            "FOUNDATION_METRICS__ENABLED with neither FOUNDATION_METRICS__ALLOWED_NETWORKS "
            "nor FOUNDATION_METRICS__TOKEN: anyone could read the metrics"
        )
    return problems


def _fields(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, Any]]:
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}".upper(), field.annotation
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, f"{prefix}{name}__")


def setting_variables() -> dict[str, Any]:
    """Every ``FOUNDATION_*`` variable that sets something, with its field's annotation."""
    return {ENV_PREFIX + name: annotation for name, annotation in _fields(Settings, "")}


def _is_json_field(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return get_origin(annotation) in (list, dict, set, tuple)


def unparsable_variables(environ: Mapping[str, str]) -> list[str]:
    """The variables of list, object or group settings whose value is not JSON."""
    fields = setting_variables()
    bad = []
    for name, value in environ.items():
        annotation = fields.get(name.upper())
        if annotation is None or not _is_json_field(annotation):
            continue
        try:
            json.loads(value)
        except ValueError:
            bad.append(name)
    return sorted(bad)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One sentence per ``FOUNDATION_*`` variable that looks like a setting but is none.

    A name with the ``__`` delimiter is meant as a setting; a name without one only when it
    is close to a setting (``FOUNDATION_DATABASE_URL``), so that other tools' variables
    sharing the prefix pass quietly."""
    known = [name.removeprefix(ENV_PREFIX) for name in setting_variables()]
    sentences = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.removeprefix(ENV_PREFIX) in known:
            continue
        # compared without the shared prefix, which would make every name look close
        closest = difflib.get_close_matches(upper.removeprefix(ENV_PREFIX), known, n=1)
        if closest:
            sentences.append(f"{name} is not a setting; did you mean {ENV_PREFIX}{closest[0]}?")
        elif "__" in upper:
            sentences.append(f"{name} is not a setting (`foundation settings` lists them)")
    return sentences


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; ``get_settings.cache_clear()`` re-reads them.

    Warns (``UnknownSettingWarning``) about ``FOUNDATION_*`` variables that name no setting,
    which are otherwise ignored."""
    for sentence in unknown_variables(os.environ):
        warnings.warn(sentence, UnknownSettingWarning, stacklevel=2)
    return Settings()
