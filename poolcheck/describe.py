"""Words for values and their provenance, shared by rule messages and reports."""

from __future__ import annotations

from collections.abc import Callable

from poolcheck.model import TIME_CONCEPTS, Setting, Value
from poolcheck.numbers import bounded

UNBOUNDED = {
    "max_connections": "unlimited",
    "acquire_timeout": "none (waits forever)",
    "connect_timeout": "none (waits forever)",
    "max_lifetime": "unlimited",
    "idle_timeout": "unlimited",
    "recycle_timeout": "none (waits forever)",
    "persistent_connections": "unlimited",
}


def quantity(concept: str, value: Value) -> str:
    """``1800.0`` seconds -> ``30 min``; ``10`` -> ``10``; ``None`` -> the concept's "no limit"."""
    if value is None:
        return UNBOUNDED.get(concept, "none")
    if isinstance(value, bool):
        return "on" if value else "off"
    if bounded(value) is None:  # never inf, nan or a 400-digit count (nor the OverflowError of one)
        return "out of range"
    if concept in TIME_CONCEPTS:
        if value >= 3600 and value % 3600 == 0:
            return f"{value / 3600:g} h"
        if value >= 60 and value % 60 == 0:
            return f"{value / 60:g} min"
        return f"{value:g} s"
    return f"{value:g}"


def provenance(setting: Setting, library: str, code: Callable[[str], str] | None = None) -> str:
    """Where a value comes from, in a reviewer's words.

    ``code`` quotes the repository's text (an expression, a variable's or a constant's name);
    without it an expression is in backticks and a name bare, as a terminal shows them.
    """
    expr = (code or _backticked)(setting.expr) if setting.expr else None
    if setting.source == "default":
        return f"{setting.by or library} default"
    if setting.source == "env-default":
        return f"default of env {code(setting.env) if code and setting.env else setting.env}"
    if setting.source == "env":
        return f"declared at {declared_where(setting, code)}"
    if setting.source == "constant":
        if not setting.constant:
            return "constant"
        return f"const {code(setting.constant) if code else setting.constant}"
    if setting.source == "disabled":
        return f"disabled by {expr}" if expr else "disabled"
    if setting.source == "dynamic":
        return f"set at run time by {expr}" if expr else "set at run time"
    return "written"


def declared_where(setting: Setting, code: Callable[[str], str] | None = None) -> str:
    """``docker-compose.yml:7, docker-compose environment of backend``: the declaration a value is from."""
    at = setting.defined_at or ""
    used = next((v for v in setting.declared if v.defined_at == at), None)
    shown = code(at) if code else at
    if used is None:
        return shown
    return f"{shown}, {used.how}" + (f" of {used.service}" if used.service else "")


def _backticked(text: str) -> str:
    return f"`{text}`"


def described(concept: str, setting: Setting, library: str) -> str:
    """``10 (sqlx default)``, ``50 (default of env DB_MAX)``, ``CPU count x 2 (deadpool default)``.

    A summed value shows its terms: ``pool_size 5 (sqlalchemy default) + max_overflow 10
    (sqlalchemy default) = 15``.
    """
    if setting.parts and setting.value is not None:
        terms = " + ".join(f"{name} {described(concept, part, library)}" for name, part in setting.parts)
        return f"{terms} = {quantity(concept, setting.value)}"
    shown = setting.note or quantity(concept, setting.value)
    origin = provenance(setting, library)
    return f"{shown} ({setting.via}; {origin})" if setting.via else f"{shown} ({origin})"
