"""The values a card recommends: each from the option a rule names, never made up here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from poolcheck.capacity.load import declared_load
from poolcheck.libraries import Knob, Library, library_for
from poolcheck.model import COUNT_CONCEPTS, Finding, Pool
from poolcheck.rule import Rule, amount

# The order settings are discussed and written in, as a reviewer reads a pool: size, then time.
CONCEPT_ORDER = (
    "max_connections",
    "min_connections",
    "initial_connections",
    "acquire_timeout",
    "connect_timeout",
    "idle_timeout",
    "max_lifetime",
    "health_check",
)

Number = int | float


@dataclass(frozen=True)
class Target:
    """A setting's recommended effective value."""

    concept: str
    value: Number | bool


def concept_rank(concept: str | None) -> int:
    return CONCEPT_ORDER.index(concept) if concept in CONCEPT_ORDER else len(CONCEPT_ORDER)


def finding_concept(finding: Finding, rules: Mapping[str, Rule]) -> str | None:
    """The setting a finding is about: its own, else its rule's."""
    rule = rules.get(finding.rule)
    return finding.concept or (rule.concept if rule else None)


def library_of(pool: Pool) -> Library:
    """The library table that applies to the pool's constructor."""
    return library_for(pool.site)


def targets(
    pool: Pool, concepts: Iterable[str | None], rules: Sequence[Rule], options: Mapping[str, float]
) -> tuple[Target, ...]:
    """A recommended value for each concept the library has, in CONCEPT_ORDER, bounds kept possible."""
    library = library_of(pool)
    values: dict[str, Number | bool] = {}
    for concept in sorted({c for c in concepts if c}, key=concept_rank):
        if not library.has(concept):
            continue
        value = _recommended(concept, library, rules, options)
        if shared_knob(library, concept) is not None:
            # It bounds more than the concept (aiopg's timeout is every query's): the library's
            # value, written so it is a choice, never one sized for the concept alone.
            value = amount_of(library.defaults[concept].value)
        if concept == "max_connections" and value is not None:
            load = declared_load(options)
            if load is not None:  # sized from the load, as PC001 asks
                value = load.needed(pool.ceiling.per_process if pool.ceiling is not None else 1)
            if pool.ceiling is not None:
                value = _within_budget(pool, value)
        if value is not None:
            values[concept] = value
    _keep_bounds(pool, values)
    _keep_within(pool, library, values)
    _only_accepted(pool, library, values)
    _idle_timeout_once_it_shrinks(pool, library, values, rules, options)
    ordered = sorted(values.items(), key=lambda item: concept_rank(item[0]))
    return tuple(Target(concept, value) for concept, value in ordered)


def _within_budget(pool: Pool, value: Number | bool) -> Number | None:
    """A size no larger than the pool's share of its budgets; None when even that is no raise.

    Raising past the share would leave a capacity finding (PC010) where a small pool was.
    """
    assert pool.ceiling is not None
    current = amount(pool.settings.get("max_connections"))
    allowed = min(int(value), pool.ceiling.connections)
    return allowed if current is None or allowed > current else None


def shared_knob(library: Library, concept: str) -> Knob | None:
    """The knob that sets ``concept`` when its one value also bounds something else."""
    knob = library.knob(library.knob_name(concept))
    return knob if knob is not None and knob.shared is not None else None


def fix_words(rule: Rule, library: Library) -> str:
    """The rule's fix, or where its setting's knob bounds more than the concept, what to do instead."""
    knob = shared_knob(library, rule.concept) if rule.concept else None
    return shared_words(knob) if knob is not None else rule.fix


def shared_words(knob: Knob) -> str:
    assert knob.shared is not None
    return (
        f"Do not lower `{knob.name}` to a few seconds: it also bounds {knob.shared.bounds}. "
        f"Instead, {knob.shared.instead}."
    )


def _recommended(
    concept: str, library: Library, rules: Sequence[Rule], options: Mapping[str, float]
) -> Number | bool | None:
    if concept == "health_check":
        return True
    source = next((r for r in rules if r.concept == concept and r.recommended_by), None)
    if source is not None and source.recommended_by is not None:
        defaults = {o.name: o.default for rule in rules for o in rule.options}
        value = options.get(source.recommended_by, defaults.get(source.recommended_by))
    else:  # no rule recommends a value (a connect timeout): the library's own default, when bounded
        value = amount_of(library.defaults[concept].value)
    if value is None or value <= 0:
        return None
    if concept in COUNT_CONCEPTS or float(value).is_integer():
        return int(value)
    return float(value)


def amount_of(value: object) -> Number | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _idle_timeout_once_it_shrinks(
    pool: Pool,
    library: Library,
    values: dict[str, Number | bool],
    rules: Sequence[Rule],
    options: Mapping[str, float],
) -> None:
    """A fixed pool (minimum = maximum) whose maximum is raised above its written or default minimum
    starts closing idle connections (psycopg_pool's max_size over min_size): its idle timeout is then
    chosen here too, not left to the library.
    """
    wanted = values.get("max_connections")
    idle = pool.settings.get("idle_timeout")
    low = pool.settings.get("min_connections")
    if not library.idle_keeps_min or "idle_timeout" in values or idle is None or idle.written:
        return
    minimum = values.get("min_connections", amount(low) if low is not None and not low.via else None)
    high = amount(pool.settings.get("max_connections"))
    if not isinstance(wanted, int) or minimum is None or high is None or high > minimum:
        return  # no raise, a minimum that follows the maximum, or a pool that shrinks already
    if wanted > minimum:
        value = _recommended("idle_timeout", library, rules, options)
        if value is not None:
            values["idle_timeout"] = value


def _keep_bounds(pool: Pool, values: dict[str, Number | bool]) -> None:
    """A recommended minimum never above the maximum, and a recommended maximum never below a kept minimum."""
    maximum = values.get("max_connections", amount(pool.settings.get("max_connections")))
    minimum = values.get("min_connections")
    if isinstance(minimum, (int, float)) and isinstance(maximum, (int, float)) and minimum > maximum:
        values["min_connections"] = maximum
    kept_minimum = amount(pool.settings.get("min_connections"))
    wanted = values.get("max_connections")
    if "min_connections" not in values and isinstance(wanted, (int, float)) and kept_minimum is not None:
        values["max_connections"] = max(wanted, int(kept_minimum))


def _keep_within(pool: Pool, library: Library, values: dict[str, Number | bool]) -> None:
    """A written count the library requires between two others (asyncpg's init_size, from min_size to
    max_size) moved inside them, whether it was outside or the recommended ones would leave it outside.
    """
    for knob in library.knobs:
        setting = pool.settings.get(knob.concept)
        if knob.between is None or setting is None or not setting.written or setting.via:
            continue  # unset, it follows the others (init_size: min_size)
        current = values.get(knob.concept, amount(setting))
        if not isinstance(current, (int, float)) or isinstance(current, bool):
            continue
        low = values.get(knob.between.low, amount(pool.settings.get(knob.between.low)))
        high = values.get(knob.between.high, amount(pool.settings.get(knob.between.high)))
        wanted = current
        if isinstance(low, (int, float)) and wanted < low:
            wanted = low
        if isinstance(high, (int, float)) and wanted > high:
            wanted = high
        if wanted != current:
            values[knob.concept] = int(wanted)


def _only_accepted(pool: Pool, library: Library, values: dict[str, Number | bool]) -> None:
    """A written value the library refuses in this construction (Django's CONN_MAX_AGE beside a
    pool) goes back to the one it accepts, whatever the card's findings are about.
    """
    for knob in library.knobs:
        setting = pool.settings.get(knob.concept)
        if knob.refused is not None and setting is not None and knob.refuses(setting):
            accepted = amount_of(knob.refused.accepted)
            if accepted is not None:
                values[knob.concept] = accepted


def refused_knob(library: Library, name: str) -> Knob | None:
    """The knob ``name`` when the library accepts one value only for it here: it is written as that."""
    knob = library.knob(name)
    return knob if knob is not None and knob.refused is not None else None
