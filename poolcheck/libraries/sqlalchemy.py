"""SQLAlchemy 1.3 - 2.1: engine pool arguments (QueuePool's own names too) and defaults, and the
defaults Flask-SQLAlchemy 3.x adds over them.
"""

from dataclasses import replace

from poolcheck.libraries.table import POOL_CLASS, Default, Era, Knob, Library, Zero

# QueuePool._do_get (1.4.54 and 2.0.58 pool/impl.py) waits only once pool_size + max_overflow
# connections are open, with Queue.get(True, timeout) (util/queue.py): 0 does not wait, a negative
# value raises ValueError on that checkout even when an idle connection is queued.
NO_WAIT = Zero(
    "does not wait: a checkout succeeds while a connection is idle or can be opened, and fails at "
    "once only when pool_size + max_overflow connections are in use",
    priority="p3",
)

# _ConnectionRecord.get_connection (pool/base.py) reconnects when `recycle > -1` and the connection
# is older than it: with 0 every checkout opens a new connection.
RECYCLE_ZERO = Zero("every checkout closes the connection and opens a new one", priority="p2")

CORE = Library(
    name="sqlalchemy",
    language="python",
    knobs=(
        # The maximum is pool_size + max_overflow; 0 and -1 lift the bound.
        Knob("pool_size", "max_connections", "count", disabled_by=(0,), part_default=Default(5)),
        Knob("max_overflow", "max_connections", "count", disabled_by=(-1,), part_default=Default(10)),
        Knob("pool_timeout", "acquire_timeout", "seconds", zero=NO_WAIT),
        Knob("pool_recycle", "max_lifetime", "seconds", disabled_by=(-1,), zero=RECYCLE_ZERO),
        Knob("pool_pre_ping", "health_check", "flag"),
        # The same knobs as QueuePool(...) spells them.
        Knob("timeout", "acquire_timeout", "seconds", zero=NO_WAIT),
        Knob("recycle", "max_lifetime", "seconds", disabled_by=(-1,), zero=RECYCLE_ZERO),
        Knob("pre_ping", "health_check", "flag"),
        # A written class replaces the one the dialect picks (unpooled below); NullPool and StaticPool
        # the front end reads as no pool.
        Knob("poolclass", POOL_CLASS, "callback"),
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
    # create_engine takes the dialect's get_pool_class(url) when no poolclass is written. A SQLite file
    # gets QueuePool from 2.0 (AsyncAdaptedQueuePool with aiosqlite), sized as any other (2.0.58 and
    # 2.1.9 dialects/sqlite/pysqlite.py, aiosqlite.py). An in-memory one gets SingletonThreadPool
    # (StaticPool with aiosqlite) on every version, one connection a thread: the front end reads it
    # as no pool.
    latest="2.1.9",
    eras=(
        # Before 2.0 a SQLite file gets NullPool, pysqlite and aiosqlite alike (1.3.24 and 1.4.54
        # dialects/sqlite/pysqlite.py, 1.4.54 aiosqlite.py get_pool_class): no pool to judge.
        Era(before="2.0", unpooled={"sqlite": "NullPool"}),
    ),
    docs=(
        ("SQLAlchemy connection pooling", "https://docs.sqlalchemy.org/en/20/core/pooling.html"),
        (
            "SQLAlchemy create_engine",
            "https://docs.sqlalchemy.org/en/20/core/engines.html#sqlalchemy.create_engine",
        ),
    ),
)

# Flask-SQLAlchemy 3.1.1 extension.py _apply_driver_defaults: a MySQL engine gets
# options.setdefault("pool_recycle", 7200) (it tests "pool_class", not "poolclass", so always), and
# an in-memory SQLite engine StaticPool (frontends/python/sites.py marks it not pooled).
FLASK_SQLALCHEMY = replace(
    CORE,
    databases={
        "mysql": replace(
            CORE,
            defaults={**CORE.defaults, "max_lifetime": Default(7200.0, by="Flask-SQLAlchemy")},
        )
    },
)

SQLALCHEMY = replace(
    CORE,
    variants={
        "flask_sqlalchemy.SQLAlchemy": FLASK_SQLALCHEMY,
        "flask_sqlalchemy.SQLALCHEMY_ENGINE_OPTIONS": FLASK_SQLALCHEMY,
    },
)
