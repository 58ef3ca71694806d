"""deadpool and deadpool-postgres: builder methods and ``PoolConfig``/``Timeouts`` fields."""

from poolcheck.libraries.table import Default, Knob, Library

DEADPOOL = Library(
    name="deadpool",
    language="rust",
    knobs=(
        Knob("max_size", "max_connections", "count"),
        Knob("wait_timeout", "acquire_timeout", "seconds"),
        Knob("create_timeout", "connect_timeout", "seconds"),
        # The same knobs as PoolConfig { max_size, timeouts: Timeouts { wait, create, .. } } spells them.
        Knob("wait", "acquire_timeout", "seconds"),
        Knob("create", "connect_timeout", "seconds"),
    ),
    # No lifetime or idle knobs; recycling checks are not a checkout test.
    defaults={
        "max_connections": Default(
            None, note="CPU-dependent (cores x 4 up to 0.12.2, logical CPUs x 2 from 0.12.3)"
        ),
        "acquire_timeout": Default(None),  # wait: None waits forever
        "connect_timeout": Default(None),
    },
    docs=(
        ("deadpool PoolConfig", "https://docs.rs/deadpool/latest/deadpool/managed/struct.PoolConfig.html"),
        ("deadpool-postgres", "https://docs.rs/deadpool-postgres/latest/deadpool_postgres/"),
    ),
)
