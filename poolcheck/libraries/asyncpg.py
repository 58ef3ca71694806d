"""asyncpg 0.31 - 0.32: ``create_pool`` keyword arguments and their defaults."""

from poolcheck.libraries.table import Between, Default, Era, Knob, Library, Zero

ASYNCPG = Library(
    name="asyncpg",
    language="python",
    knobs=(
        # Pool.__init__ (0.32.0 pool.py): "max_size is expected to be greater than zero".
        Knob("max_size", "max_connections", "count", zero=Zero("raises ValueError in create_pool")),
        Knob("min_size", "min_connections", "count"),
        # 0.32+: how many connections Pool._initialize opens at start; None (the default) is min_size,
        # and a value below min_size or above max_size raises ValueError (asyncpg 0.32.0 pool.py).
        Knob(
            "init_size",
            "initial_connections",
            "count",
            between=Between("min_connections", "max_connections", "raises ValueError in create_pool"),
        ),
        Knob("max_inactive_connection_lifetime", "idle_timeout", "seconds", disabled_by=(0,)),
        # A connect() keyword passed through **connect_kwargs: opening one connection.
        # 0: connect() runs under compat.timeout(0), so every connection attempt times out.
        Knob(
            "timeout", "connect_timeout", "seconds", zero=Zero("every connection attempt times out at once")
        ),
    ),
    # No pool-level acquire timeout (only pool.acquire(timeout=)), no lifetime
    # knob (max_queries recycles by use, not time), no health check.
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(10),
        "initial_connections": Default(None, note="min_size"),
        "idle_timeout": Default(300.0),
        "connect_timeout": Default(60.0),
    },
    # 0.32 made min_size a floor kept through idle periods (init_size now sets the first ones), and
    # the inactivity timeout closes only connections above min_size (asyncpg 0.32.0 pool.py
    # _deactivate_inactive_connection, _maintain_min_size). Before, it closed every idle one.
    latest="0.32.0",
    idle_keeps_min=True,
    fallbacks={"initial_connections": "min_connections"},  # init_size=None opens min_size
    notes={
        "min_connections": "a floor: the pool keeps min_size connections open through idle periods "
        "and replaces closed ones (init_size, default min_size, is how many open at start)",
        "initial_connections": "how many connections the pool opens when it starts, between min_size and "
        "max_size (ValueError otherwise); unset, min_size",
    },
    eras=(
        Era(
            before="0.32",
            # No init_size: create_pool passes unknown keywords on to connect(), which rejects it.
            without=("init_size",),
            defaults={"initial_connections": None},
            idle_keeps_min=False,
            notes={
                "min_connections": "the initial size only: max_inactive_connection_lifetime (300 s by "
                "default) closes every idle connection whatever min_size says, so an idle pool drains "
                "to 0 (min_size became a floor in 0.32)",
            },
        ),
    ),
    docs=(
        (
            "asyncpg connection pools",
            "https://magicstack.github.io/asyncpg/current/api/index.html#connection-pools",
        ),
    ),
)
