"""sea-orm ``ConnectOptions``: sqlx underneath, so unset knobs take sqlx's defaults."""

from dataclasses import replace

from poolcheck.libraries.sqlx import ACQUIRE_ZERO, SQLX
from poolcheck.libraries.table import Default, Knob, Library, Parameter

# 2.0's closures over sqlx's own PoolOptions, applied after sea-orm's settings
# (sea-orm 2.0.0 src/driver/sqlx_postgres.rs: `pool_options = f(pool_options)`): what they set is
# decided at run time, so a pool with one has the knobs they call dynamic, not defaulted.
# Each applies only to pools over its database.
POOL_OPTION_CLOSURES = {
    "map_sqlx_postgres_pool_opts": "postgres",
    "map_sqlx_mysql_pool_opts": "mysql",
    "map_sqlx_sqlite_pool_opts": "sqlite",
}

SEA_ORM = Library(
    name="sea-orm",
    language="rust",
    knobs=(
        Knob("max_connections", "max_connections", "count"),
        Knob("min_connections", "min_connections", "count"),
        # connect_timeout is passed to sqlx as the acquire timeout; acquire_timeout (0.10+) wins.
        Knob("connect_timeout", "acquire_timeout", "seconds", zero=ACQUIRE_ZERO),
        Knob("acquire_timeout", "acquire_timeout", "seconds", rank=1, zero=ACQUIRE_ZERO),
        Knob("max_lifetime", "max_lifetime", "seconds"),
        Knob("idle_timeout", "idle_timeout", "seconds"),
        Knob("test_before_acquire", "health_check", "flag"),
    ),
    defaults=SQLX.defaults,
    idle_keeps_min=SQLX.idle_keeps_min,
    # ConnectOptions and sqlx_pool_options (sea-orm 2.0.0 src/database/mod.rs, src/driver/sqlx_common.rs)
    # set only what is written over sqlx's PoolOptions::new(), whose defaults 0.9 (0.9.0-alpha.1
    # sqlx-core/src/pool/options.rs) keeps from 0.8.
    latest="2.0.0",
    # ConnectOptions setters (sea-orm 1.1 / 2.0 src/database/mod.rs). 1.x takes a plain Duration for
    # max_lifetime and idle_timeout, 2.0 `impl Into<Option<Duration>>`: a Duration suits both.
    api=(
        Parameter("max_connections", "u32"),
        Parameter("min_connections", "u32"),
        Parameter("connect_timeout", "Duration"),
        Parameter("acquire_timeout", "Duration"),
        Parameter("max_lifetime", "Duration"),
        Parameter("idle_timeout", "Duration"),
        Parameter("test_before_acquire", "bool"),
    ),
    docs=(
        ("sea-orm ConnectOptions", "https://docs.rs/sea-orm/latest/sea_orm/struct.ConnectOptions.html"),
        ("sea-orm connection pool", "https://www.sea-ql.org/SeaORM/docs/install-and-config/connection/"),
    ),
)

# With SQLite, an unset max_connections becomes 1 before the pool is built
# (sea-orm 0.10 - 2.0 src/driver/sqlx_sqlite.rs: `if options.get_max_connections().is_none()`).
SEA_ORM = replace(
    SEA_ORM,
    databases={"sqlite": replace(SEA_ORM, defaults={**SQLX.defaults, "max_connections": Default(1)})},
)
