"""Words for values and their provenance, shared by rule messages and reports."""

from __future__ import annotations

from collections.abc import Callable

from poolcheck.model import TIME_CONCEPTS, Demand, Setting, Value
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
# The most of a run-time expression a message quotes: enough to recognise it, short enough for a line.
EXPRESSION_SHOWN = 60
# The Python front end's expression for a knob not written but maybe passed by a ``**kwargs`` or
# settings dict it cannot read (engine_from_config(config.get_section(..))).
UNREAD_ARGUMENTS = "**"


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
    expr = (code or _backticked)(shortened(setting.expr)) if setting.expr else None
    if setting.source == "default":
        return f"{setting.by or library} default"
    at = f" at {code(setting.defined_at) if code else setting.defined_at}" if setting.defined_at else ""
    if setting.source == "env-default":
        if not setting.env:  # os.getenv(f"{prefix}_POOL_SIZE", "15"): its name is made at run time
            return f"default of an environment variable named at run time{at}"
        return f"default of env {code(setting.env) if code else setting.env}{at}"
    if setting.source == "env":
        return f"declared at {declared_where(setting, code)}"
    if setting.source == "constant":
        if not setting.constant:
            return "constant"
        return f"const {code(setting.constant) if code else setting.constant}{at}"
    if setting.source == "disabled":
        return f"disabled by {expr}" if expr else "disabled"
    if setting.source == "dynamic" and setting.expr == UNREAD_ARGUMENTS:
        return f"set at run time by a {expr} argument or settings dict, if at all"
    if setting.source == "dynamic" and setting.variants:  # each branch's value and its condition
        from poolcheck.variants import arm_words

        arms = "; ".join(f"{_plain(v.value)} {arm_words(v.condition, code)}" for v in setting.variants)
        return f"set at run time by {expr}: {arms}" if expr else f"set at run time: {arms}"
    if setting.source == "dynamic":
        return f"set at run time by {expr}" if expr else "set at run time"
    return "written"


def _plain(value: Value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    return f"{value:g}"


def shortened(expr: str) -> str:
    """An expression as written, on one line, its middle cut when it is longer than a message can
    quote: ``Duration::from_secs(settings.database.pool.acquire_timeout_seconds)`` keeps its head and
    its tail, which name the call and the field.
    """
    flat = " ".join(expr.split())
    if len(flat) <= EXPRESSION_SHOWN:
        return flat
    half = (EXPRESSION_SHOWN - 1) // 2
    return f"{flat[:half]}…{flat[-half:]}"


def value_words(concept: str, setting: Setting, code: Callable[[str], str] | None = None) -> str:
    """The value alone, as a table cell shows it: ``10``, ``30 s``, ``CPU count x 2``, ``unlimited``;
    a value only known at run time is ``set at run time by `expr```, never a number or "unlimited".
    """
    if setting.source == "dynamic":
        return provenance(setting, "", code)
    return setting.note or quantity(concept, setting.value)


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
    """``10 (sqlx default)``, ``50 (default of env DB_MAX)``, ``CPU count x 2 (deadpool default)``,
    ``set at run time by `cfg.max```.

    A summed value shows its terms: ``pool_size 5 (sqlalchemy default) + max_overflow 10
    (sqlalchemy default) = 15``.
    """
    if setting.parts and (setting.value is not None or setting.source == "dynamic"):
        terms = " + ".join(f"{name} {described(concept, part, library)}" for name, part in setting.parts)
        return terms if setting.value is None else f"{terms} = {quantity(concept, setting.value)}"
    origin = provenance(setting, library)
    if setting.source == "dynamic":  # no number to show: the expression is all that is known
        return f"{origin} ({setting.via})" if setting.via else origin
    shown = setting.note or quantity(concept, setting.value)
    return f"{shown} ({setting.via}; {origin})" if setting.via else f"{shown} ({origin})"


def replica_sources(demand: Demand) -> list[str]:
    """Where a pool's replica count comes from: the declaration, an autoscaler's maximum, the surge."""
    declared = demand.replicas_from
    if declared is None:
        return []
    sources = [f"{declared.path}:{declared.line}"]
    if demand.scaled_by is not None:
        scaled = demand.scaled_by
        sources.append(f"at most {scaled.max_replicas} by {scaled.how}, {scaled.path}:{scaled.line}")
    if demand.surge:
        sources.append(f"+{demand.surge} during a rolling update (maxSurge {declared.surge})")
    return sources
