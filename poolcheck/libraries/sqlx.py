"""sqlx 0.5 - 0.9: PoolOptions knobs and defaults (identical across those versions)."""

from poolcheck.libraries.table import Default, Era, Knob, Library, Parameter, Zero

MINUTE = 60.0

# acquire() runs under tokio's timeout(acquire_timeout): with zero, an acquire that has to open a
# connection or ping an idle one (test_before_acquire, on by default) returns PoolTimedOut, and
# `.connect(..)` fails at start-up on its first acquire (sqlx-core 0.8.6 src/pool/inner.rs).
ACQUIRE_ZERO = Zero(
    "every acquire that must open or ping a connection times out (PoolTimedOut), so `.connect(..)` "
    "fails at start-up"
)

SQLX = Library(
    name="sqlx",
    language="rust",
    knobs=(
        Knob("max_connections", "max_connections", "count"),
        Knob("min_connections", "min_connections", "count"),
        Knob("acquire_timeout", "acquire_timeout", "seconds", zero=ACQUIRE_ZERO),
        # Renamed to acquire_timeout in 0.6.0 with no alias; the same knob before.
        Knob("connect_timeout", "acquire_timeout", "seconds", note="the pre-0.6 name", zero=ACQUIRE_ZERO),
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
    # The reaper closes connections idle past the timeout and opens new ones up to min_connections
    # (sqlx-core 0.8.6 src/pool/inner.rs spawn_maintenance_tasks).
    idle_keeps_min=True,
    # PoolOptions setters, 0.5 - 0.8 (sqlx-core src/pool/options.rs).
    api=(
        Parameter("max_connections", "u32"),
        Parameter("min_connections", "u32"),
        Parameter("acquire_timeout", "Duration"),
        Parameter("connect_timeout", "Duration"),
        Parameter("max_lifetime", "impl Into<Option<Duration>>"),
        Parameter("idle_timeout", "impl Into<Option<Duration>>"),
        Parameter("test_before_acquire", "bool"),
    ),
    latest="0.8.6",
    eras=(
        # 0.5 has PoolOptions::connect_timeout and no acquire_timeout (sqlx-core 0.5.13
        # src/pool/options.rs); 0.6.0 renamed it with no alias, so a 0.5 fix must say connect_timeout.
        Era(before="0.6", without=("acquire_timeout",)),
    ),
    docs=(
        ("sqlx PoolOptions", "https://docs.rs/sqlx/latest/sqlx/pool/struct.PoolOptions.html"),
        ("sqlx Pool", "https://docs.rs/sqlx/latest/sqlx/pool/struct.Pool.html"),
    ),
)
