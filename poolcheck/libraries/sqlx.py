"""sqlx 0.5 - 0.9: PoolOptions knobs and defaults (identical across those versions)."""

from poolcheck.libraries.table import Default, Knob, Library

MINUTE = 60.0

SQLX = Library(
    name="sqlx",
    language="rust",
    knobs=(
        Knob("max_connections", "max_connections", "count"),
        Knob("min_connections", "min_connections", "count"),
        Knob("acquire_timeout", "acquire_timeout", "seconds"),
        # Renamed to acquire_timeout in 0.6.0 with no alias; the same knob before.
        Knob("connect_timeout", "acquire_timeout", "seconds", note="the pre-0.6 name"),
        Knob("max_lifetime", "max_lifetime", "seconds"),
        Knob("idle_timeout", "idle_timeout", "seconds"),
        Knob("test_before_acquire", "health_check", "flag"),
    ),
    # No separate connect timeout: acquire_timeout also bounds opening a connection.
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(0),
        "acquire_timeout": Default(30.0),
        "max_lifetime": Default(30 * MINUTE),
        "idle_timeout": Default(10 * MINUTE),
        "health_check": Default(True),
    },
    docs=(
        ("sqlx PoolOptions", "https://docs.rs/sqlx/latest/sqlx/pool/struct.PoolOptions.html"),
        ("sqlx Pool", "https://docs.rs/sqlx/latest/sqlx/pool/struct.Pool.html"),
    ),
)
