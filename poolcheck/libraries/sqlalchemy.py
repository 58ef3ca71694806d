"""SQLAlchemy 1.4 / 2.0: engine pool arguments (QueuePool's own names too) and defaults."""

from poolcheck.libraries.table import Default, Knob, Library

SQLALCHEMY = Library(
    name="sqlalchemy",
    language="python",
    knobs=(
        # The maximum is pool_size + max_overflow; 0 and -1 lift the bound.
        Knob("pool_size", "max_connections", "count", disabled_by=(0,), part_default=Default(5)),
        Knob("max_overflow", "max_connections", "count", disabled_by=(-1,), part_default=Default(10)),
        Knob("pool_timeout", "acquire_timeout", "seconds"),
        Knob("pool_recycle", "max_lifetime", "seconds", disabled_by=(-1,)),
        Knob("pool_pre_ping", "health_check", "flag"),
        # The same knobs as QueuePool(...) spells them.
        Knob("timeout", "acquire_timeout", "seconds"),
        Knob("recycle", "max_lifetime", "seconds", disabled_by=(-1,)),
        Knob("pre_ping", "health_check", "flag"),
    ),
    sums={"max_connections": ("pool_size", "max_overflow")},
    # No minimum (the pool starts empty) and no idle expiry; the connect
    # timeout belongs to the driver's connect_args.
    defaults={
        "max_connections": Default(15),
        "acquire_timeout": Default(30.0),
        "max_lifetime": Default(None),  # pool_recycle=-1: never
        "health_check": Default(False),
    },
    docs=(
        ("SQLAlchemy connection pooling", "https://docs.sqlalchemy.org/en/20/core/pooling.html"),
        (
            "SQLAlchemy create_engine",
            "https://docs.sqlalchemy.org/en/20/core/engines.html#sqlalchemy.create_engine",
        ),
    ),
)
