"""sea-orm ``ConnectOptions``: sqlx underneath, so unset knobs take sqlx's defaults."""

from poolcheck.libraries.sqlx import SQLX
from poolcheck.libraries.table import Knob, Library

SEA_ORM = Library(
    name="sea-orm",
    language="rust",
    knobs=(
        Knob("max_connections", "max_connections", "count"),
        Knob("min_connections", "min_connections", "count"),
        # connect_timeout is passed to sqlx as the acquire timeout; acquire_timeout (0.10+) wins.
        Knob("connect_timeout", "acquire_timeout", "seconds"),
        Knob("acquire_timeout", "acquire_timeout", "seconds", rank=1),
        Knob("max_lifetime", "max_lifetime", "seconds"),
        Knob("idle_timeout", "idle_timeout", "seconds"),
        Knob("test_before_acquire", "health_check", "flag"),
    ),
    defaults=SQLX.defaults,
    docs=(
        ("sea-orm ConnectOptions", "https://docs.rs/sea-orm/latest/sea_orm/struct.ConnectOptions.html"),
        ("sea-orm connection pool", "https://www.sea-ql.org/SeaORM/docs/install-and-config/connection/"),
    ),
)
