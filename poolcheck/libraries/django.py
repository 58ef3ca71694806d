"""Django ``DATABASES``: persistent connections (CONN_MAX_AGE) without a pool.

With ``OPTIONS["pool"]`` (Django 5.1+, PostgreSQL) Django builds a psycopg_pool
ConnectionPool, so that case is checked against the psycopg_pool table.
"""

from poolcheck.libraries.table import Default, Knob, Library

DJANGO = Library(
    name="django",
    language="python",
    knobs=(
        # None keeps a connection forever; 0 (the default) closes it after each request.
        Knob("CONN_MAX_AGE", "max_lifetime", "seconds"),
        Knob("CONN_HEALTH_CHECKS", "health_check", "flag"),
    ),
    defaults={"max_lifetime": Default(0.0), "health_check": Default(False)},
    docs=(
        (
            "Django persistent connections",
            "https://docs.djangoproject.com/en/stable/ref/databases/#persistent-connections",
        ),
        ("Django connection pool", "https://docs.djangoproject.com/en/stable/ref/databases/#connection-pool"),
    ),
)
