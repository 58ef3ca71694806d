"""asyncpg 0.31: ``create_pool`` keyword arguments and their defaults."""

from poolcheck.libraries.table import Default, Knob, Library

ASYNCPG = Library(
    name="asyncpg",
    language="python",
    knobs=(
        Knob("max_size", "max_connections", "count"),
        Knob("min_size", "min_connections", "count"),
        Knob("max_inactive_connection_lifetime", "idle_timeout", "seconds", disabled_by=(0,)),
        # A connect() keyword passed through **connect_kwargs: opening one connection.
        Knob("timeout", "connect_timeout", "seconds"),
    ),
    # No pool-level acquire timeout (only pool.acquire(timeout=)), no lifetime
    # knob (max_queries recycles by use, not time), no health check.
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(10),
        "idle_timeout": Default(300.0),
        "connect_timeout": Default(60.0),
    },
    docs=(
        (
            "asyncpg connection pools",
            "https://magicstack.github.io/asyncpg/current/api/index.html#connection-pools",
        ),
    ),
)
