"""Every supported library's table, by name."""

from poolcheck.libraries.sqlx import SQLX
from poolcheck.libraries.table import Default, Knob, Library

LIBRARIES: dict[str, Library] = {lib.name: lib for lib in (SQLX,)}

__all__ = ["LIBRARIES", "Default", "Knob", "Library"]
