"""aiopg 1.4: ``create_pool`` (and ``aiopg.sa.create_engine``) keyword arguments and defaults."""

from poolcheck.libraries.table import Default, Knob, Library, Shared, Zero

# One timeout for three things (aiopg 1.4.0): pool.py wraps Pool._acquire in
# async_timeout.timeout(timeout) and passes timeout= to connect(); connection.py keeps it as the
# default of every cursor, so cursor.execute(..) waits at most that long and then closes the
# connection. A few seconds there cancels every slower query.
TIMEOUT = Shared(
    bounds="opening each connection and, by default, every query on the pool's connections "
    "(`cursor.execute` times out and closes the connection)",
    instead="choose it as the longest a query may run, and bound the wait for a free connection "
    "where it is taken: `async with asyncio.timeout(5): conn = await pool.acquire()`",
)
# asyncio.wait_for(waiter, 0) in Connection._poll times out before the server can answer.
TIMEOUT_ZERO = Zero(
    "every connection attempt and every query times out at once, so the pool cannot even fill"
)
# Pool._fill_free_pool closes each free connection with `-1 < pool_recycle < idle time`.
RECYCLE_ZERO = Zero(
    "every idle connection is closed on the next acquire, so each acquire opens a new connection",
    priority="p2",
)

AIOPG = Library(
    name="aiopg",
    language="python",
    knobs=(
        Knob("maxsize", "max_connections", "count", disabled_by=(0,)),
        Knob("minsize", "min_connections", "count"),
        # None: no timeout at all, for waiting, connecting and queries alike.
        Knob("timeout", "acquire_timeout", "seconds", shared=TIMEOUT, zero=TIMEOUT_ZERO),
        # Measured from a connection's last cursor() (Connection.last_usage) and applied to free
        # connections when the pool is next used, so it is an idle timeout; -1 disables it.
        Knob("pool_recycle", "idle_timeout", "seconds", disabled_by=(-1,), zero=RECYCLE_ZERO),
    ),
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(1),
        "acquire_timeout": Default(60.0),
        "idle_timeout": Default(None),
    },
    docs=(("aiopg Pool", "https://aiopg.readthedocs.io/en/stable/core.html#pool"),),
    latest="1.4.0",  # create_pool and Pool.__init__ (aiopg 1.4.0 pool.py, connection.py TIMEOUT)
)
