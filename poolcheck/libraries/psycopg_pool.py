"""psycopg_pool 3.1 - 3.3: ConnectionPool / AsyncConnectionPool and NullConnectionPool."""

from poolcheck.libraries.table import Default, Knob, Library

DOCS = (
    ("psycopg_pool API", "https://www.psycopg.org/psycopg3/docs/api/pool.html"),
    ("psycopg connection pools", "https://www.psycopg.org/psycopg3/docs/advanced/pool.html"),
)

# No pooling between uses: min_size is fixed at 0, max_size None or 0 means no limit.
PSYCOPG_NULL_POOL = Library(
    name="psycopg_pool",
    language="python",
    knobs=(
        Knob("max_size", "max_connections", "count", disabled_by=(0,)),
        Knob("timeout", "acquire_timeout", "seconds"),
    ),
    defaults={"max_connections": Default(None), "acquire_timeout": Default(30.0)},
    docs=DOCS,
)

PSYCOPG_POOL = Library(
    name="psycopg_pool",
    language="python",
    knobs=(
        Knob("max_size", "max_connections", "count"),
        Knob("min_size", "min_connections", "count"),
        Knob("timeout", "acquire_timeout", "seconds"),
        Knob("max_lifetime", "max_lifetime", "seconds"),
        Knob("max_idle", "idle_timeout", "seconds"),
        Knob("check", "health_check", "callback"),
    ),
    fallbacks={"max_connections": "min_connections"},  # max_size=None means min_size
    defaults={
        "max_connections": Default(4),
        "min_connections": Default(4),
        "acquire_timeout": Default(30.0),
        "max_lifetime": Default(3600.0),
        "idle_timeout": Default(600.0),
        "health_check": Default(False),  # check=None
    },
    docs=DOCS,
    variants={
        "psycopg_pool.NullConnectionPool": PSYCOPG_NULL_POOL,
        "psycopg_pool.AsyncNullConnectionPool": PSYCOPG_NULL_POOL,
    },
)
