"""The four ways of serving the resource, and the paths each one answers on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Variant:
    """One benchmarked application: how to start it and where its operations live."""

    key: str
    label: str
    target: str  # uvicorn's "module:attr"
    dialects: tuple[str, ...]
    factory: bool = False
    collection: str = "/items"
    item: str = "/items/{id}"
    list_offset: str = "/items?limit={limit}&offset={offset}"
    list_cursor: str = "/items/keyset?limit={limit}"  # the cursor follows as &<cursor_param>=
    cursor_param: str = "after"
    env: dict[str, str] = field(default_factory=dict)


FOUNDATION = Variant(
    key="foundation",
    label="foundation",
    target="bench.apps.foundation:create_bench_app",
    dialects=("postgresql", "sqlite"),
    factory=True,
    collection="/api/v1/items",
    item="/api/v1/items/{id}",
    list_offset="/api/v1/items?limit={limit}&offset={offset}",
    list_cursor="/api/v1/items/cursor?limit={limit}",
    cursor_param="cursor",  # crud_router: one parameter, the cursor carries its direction
)
FOUNDATION_HOOKS = replace(
    FOUNDATION,
    key="foundation_hooks",
    label="foundation, validating hooks",
    env={"BENCH_TWEAKS": "validating_hooks"},
)
FOUNDATION_METRICS = replace(
    FOUNDATION,
    key="foundation_metrics",
    label="foundation, metrics on",
    env={"BENCH_TWEAKS": "metrics"},
)
FOUNDATION_PGBOUNCER = replace(
    FOUNDATION,
    key="foundation_pgbouncer",
    label="foundation, PgBouncer setting",
    env={"BENCH_TWEAKS": "pgbouncer"},
)
CORE = Variant(
    key="core",
    label="SQLAlchemy Core",
    target="bench.apps.core:app",
    dialects=("postgresql", "sqlite"),
)
ASYNCPG = Variant(
    key="asyncpg",
    label="raw asyncpg",
    target="bench.apps.raw_asyncpg:app",
    dialects=("postgresql",),
)
ADVANCED_ALCHEMY = Variant(
    key="advanced_alchemy",
    label="advanced-alchemy",
    target="bench.apps.advanced_alchemy:app",
    dialects=("postgresql", "sqlite"),
)
ALL = (FOUNDATION, CORE, ADVANCED_ALCHEMY, ASYNCPG)
# by name only (python -m bench.instructions --variants foundation,foundation_hooks)
CHOICES = (*ALL, FOUNDATION_HOOKS, FOUNDATION_METRICS, FOUNDATION_PGBOUNCER)
