"""Django ``DATABASES``: persistent connections (CONN_MAX_AGE) without a pool, and with
``OPTIONS["pool"]`` (Django 5.1+, PostgreSQL) the psycopg_pool ConnectionPool Django builds.
"""

from dataclasses import replace

from poolcheck.libraries.psycopg_pool import PSYCOPG_POOL
from poolcheck.libraries.table import Default, Knob, Library, Refused

DOCS = (
    (
        "Django persistent connections",
        "https://docs.djangoproject.com/en/stable/ref/databases/#persistent-connections",
    ),
    ("Django connection pool", "https://docs.djangoproject.com/en/stable/ref/databases/#connection-pool"),
)

DJANGO = Library(
    name="django",
    language="python",
    knobs=(
        # None keeps a connection forever; 0 (the default) closes it after each request.
        Knob("CONN_MAX_AGE", "max_lifetime", "seconds"),
        Knob("CONN_HEALTH_CHECKS", "health_check", "flag"),
    ),
    defaults={"max_lifetime": Default(0.0), "health_check": Default(False)},
    docs=DOCS,
    # ConnectionHandler.configure_settings (django 6.1.3 db/utils.py) sets both defaults.
    latest="6.1.3",
)

# The constructor name of a pool built from OPTIONS["pool"] (frontends/python/entries.py).
DJANGO_POOL_ENTRY = "django.DATABASES.OPTIONS.pool"

# DatabaseWrapper.pool (django/db/backends/postgresql/base.py) calls ConnectionPool(kwargs=..,
# open=False, configure=.., check=ConnectionPool.check_connection if CONN_HEALTH_CHECKS else None,
# **OPTIONS["pool"]) in Django 5.1, 5.2 and 6.0, so a "check" key there is a TypeError (check given
# twice); 6.1 uses pool_options.setdefault("check", ..), so a written "check" wins. The alias's
# CONN_HEALTH_CHECKS is the checkout check on every version, and the one a fix may write.
# DatabaseWrapper.pool (Django 5.1 - 6.1.3 backends/postgresql/base.py) raises ImproperlyConfigured
# ("Pooling doesn't support persistent connections.") when the alias's CONN_MAX_AGE != 0, None
# included, on the first connection: with a pool, CONN_MAX_AGE is an error, never a lifetime.
PERSISTENT_WITH_POOL = Refused(
    accepted=0,
    code="0",
    effect='Django raises ImproperlyConfigured ("Pooling doesn\'t support persistent connections") on '
    'the first connection when CONN_MAX_AGE is not 0 beside OPTIONS["pool"]',
    instead="the pool keeps the connections open; bound their age with the pool's `max_lifetime` in "
    'OPTIONS["pool"], and leave CONN_MAX_AGE unset or 0',
)

DJANGO_POOL = replace(
    PSYCOPG_POOL,
    knobs=(
        *(k for k in PSYCOPG_POOL.knobs if k.concept != "health_check"),
        Knob("check", "health_check", "callback"),
        Knob("CONN_HEALTH_CHECKS", "health_check", "flag", rank=1),
        Knob("CONN_MAX_AGE", "persistent_connections", "seconds", refused=PERSISTENT_WITH_POOL),
    ),
    defaults={**PSYCOPG_POOL.defaults, "health_check": Default(False, by="Django")},
    docs=(*PSYCOPG_POOL.docs, DOCS[1]),
    variants={},
)
