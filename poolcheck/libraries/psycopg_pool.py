"""psycopg_pool 3.1 - 3.3: ConnectionPool / AsyncConnectionPool and NullConnectionPool."""

from poolcheck.libraries.table import Default, Era, Knob, Library, Zero

# _get_ready_connection (3.2.8 pool.py) raises PoolTimeout when timeout <= 0, before it looks for
# an idle connection.
TIMEOUT_ZERO = Zero("every getconn() raises PoolTimeout at once, even with idle connections in the pool")

DOCS = (
    ("psycopg_pool API", "https://www.psycopg.org/psycopg3/docs/api/pool.html"),
    ("psycopg connection pools", "https://www.psycopg.org/psycopg3/docs/advanced/pool.html"),
)

# psycopg_pool 3.1's pools take no `check` (added in 3.2: passing it raises TypeError) and open in
# the constructor, `open: bool = True` (psycopg_pool 3.1.9 pool.py, pool_async.py, null_pool.py).
BEFORE_CHECK = Era(
    before="3.2",
    without=("check",),
    defaults={"health_check": None},
    remarks=(
        "psycopg_pool before 3.2 opens the pool in its constructor (`open=True` by default) and has no "
        "`check` parameter: passing one raises TypeError.",
    ),
)
# 3.2 made `open` default to None: still opened in the constructor, with a DeprecationWarning on the
# first connection (psycopg_pool 3.2.0 pool.py _check_open_getconn; the async pool warns in __init__).
OPEN_REMARKS = (
    "psycopg_pool 3.2 and later default to `open=None`: the pool still opens in its constructor but "
    "warns (DeprecationWarning) that the default will become False; pass `open=True` or use the pool "
    "as a context manager.",
)

# No pooling between uses: min_size is fixed at 0, max_size None or 0 means no limit.
PSYCOPG_NULL_POOL = Library(
    name="psycopg_pool",
    language="python",
    knobs=(
        Knob("max_size", "max_connections", "count", disabled_by=(0,)),
        Knob("timeout", "acquire_timeout", "seconds", zero=TIMEOUT_ZERO),
    ),
    defaults={"max_connections": Default(None), "acquire_timeout": Default(30.0)},
    docs=DOCS,
    latest="3.3.3",
    eras=(BEFORE_CHECK,),
    remarks=OPEN_REMARKS,
)

PSYCOPG_POOL = Library(
    name="psycopg_pool",
    language="python",
    knobs=(
        # _check_size (3.2.8 base.py): max_size below min_size, or both 0, is a ValueError.
        Knob("max_size", "max_connections", "count", zero=Zero("raises ValueError when the pool is built")),
        Knob("min_size", "min_connections", "count"),
        Knob("timeout", "acquire_timeout", "seconds", zero=TIMEOUT_ZERO),
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
    # _shrink_pool (3.2.8 pool.py) closes an idle connection only while more than min_size are open:
    # a fixed pool (max_size unset or equal to min_size) never shrinks, whatever max_idle says.
    idle_keeps_min=True,
    latest="3.3.3",
    eras=(BEFORE_CHECK,),
    remarks=OPEN_REMARKS,
    variants={
        "psycopg_pool.NullConnectionPool": PSYCOPG_NULL_POOL,
        "psycopg_pool.AsyncNullConnectionPool": PSYCOPG_NULL_POOL,
    },
)
