"""Which packages and crates carry each pool library, under their normalized names.

Python names are normalized as PEP 503 says (``Psycopg_Pool`` -> ``psycopg-pool``);
crate names as Cargo treats them (``-`` and ``_`` are one). A library with two
distributions (psycopg2 and psycopg2-binary) lists both.
"""

from __future__ import annotations

import re

# poolcheck's library name -> the packages whose version is the library's.
PYTHON_PACKAGES: dict[str, tuple[str, ...]] = {
    "psycopg_pool": ("psycopg-pool",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "asyncpg": ("asyncpg",),
    "sqlalchemy": ("sqlalchemy",),
    "aiopg": ("aiopg",),
    "django": ("django",),
}
RUST_CRATES: dict[str, tuple[str, ...]] = {
    "sqlx": ("sqlx",),
    "sea-orm": ("sea-orm",),
    # deadpool-postgres re-exports deadpool's Pool and PoolConfig: deadpool's own version decides.
    "deadpool": ("deadpool",),
    "bb8": ("bb8",),
    # diesel's r2d2 feature re-exports the r2d2 crate: r2d2's own version decides.
    "r2d2": ("r2d2",),
}
# Read too, for the libraries whose defaults they change (Flask-SQLAlchemy's engine options).
OTHER_PYTHON_PACKAGES = ("flask-sqlalchemy",)

PACKAGES: dict[str, dict[str, tuple[str, ...]]] = {"python": PYTHON_PACKAGES, "rust": RUST_CRATES}
WANTED: dict[str, frozenset[str]] = {
    "python": frozenset(
        [*(name for names in PYTHON_PACKAGES.values() for name in names), *OTHER_PYTHON_PACKAGES]
    ),
    "rust": frozenset(name for names in RUST_CRATES.values() for name in names),
}

SEPARATORS = re.compile(r"[-_.]+")


def python_name(name: str) -> str:
    return SEPARATORS.sub("-", name).lower()


def crate_name(name: str) -> str:
    return name.replace("_", "-").lower()


def normalized(name: str, language: str) -> str:
    return python_name(name) if language == "python" else crate_name(name)
