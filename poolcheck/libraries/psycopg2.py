"""psycopg2.pool 2.9: both counts are required and an exhausted pool raises at once."""

from poolcheck.libraries.table import Default, Knob, Library

PSYCOPG2 = Library(
    name="psycopg2",
    language="python",
    knobs=(
        Knob("maxconn", "max_connections", "count"),
        Knob("minconn", "min_connections", "count"),
    ),
    # getconn() never waits (PoolError when exhausted): no acquire timeout to miss;
    # no lifetime, idle expiry or health check either.
    defaults={
        "max_connections": Default(None, note="a required argument"),
        "min_connections": Default(None, note="a required argument"),
    },
    docs=(("psycopg2.pool", "https://www.psycopg.org/docs/pool.html"),),
    latest="2.9.13",  # AbstractConnectionPool (psycopg2 2.9.13 lib/pool.py)
)
