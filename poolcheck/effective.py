"""Apply library defaults: from the knobs a front end found to each concept's effective setting."""

from __future__ import annotations

from dataclasses import replace

from poolcheck.libraries import Library, library_for
from poolcheck.libraries.table import POOL_CLASS
from poolcheck.model import Pool, PoolSite, Setting, Source

# When terms of a sum come from different places, the least certain one names the result.
UNCERTAINTY: dict[Source, int] = {"default": 0, "explicit": 1, "constant": 2, "env": 3, "env-default": 4}


def effective_pool(site: PoolSite) -> Pool:
    """The pool's configuration as it runs: written knobs over the library's defaults."""
    library = library_for(site)
    settings: dict[str, Setting] = {
        concept: Setting(value=default.value, source="default", note=default.note, by=default.by)
        for concept, default in library.defaults.items()
    }
    terms: dict[str, Setting] = {}
    ranks: dict[str, int] = {}
    for name, written in site.knobs:
        knob = library.knob(name)
        if knob is None or knob.concept == POOL_CLASS:
            continue
        setting = _normalized(written, knob.disabled_by, knob.unit == "flag")
        if knob.part_default is not None:
            terms[name] = setting
        elif ranks.get(knob.concept, knob.rank) <= knob.rank:
            ranks[knob.concept] = knob.rank
            settings[knob.concept] = setting
    for concept, names in library.sums.items():
        settings[concept] = _sum(library, names, terms)
    for concept, other in library.fallbacks.items():
        if settings[concept].source in ("default", "disabled") and other in settings:
            via = f"{library.knob_name(concept)} unset: {library.knob_name(other)}"
            settings[concept] = replace(settings[other], via=via)
    return Pool(site=_with_library_class(site, library), settings=settings)


def _with_library_class(site: PoolSite, library: Library) -> PoolSite:
    """A construction that names no pool class gets the library's choice for its database at its
    version: with SQLAlchemy before 2.0 a SQLite file engine is a NullPool, no pool at all.
    """
    if not site.pooled or site.database not in library.unpooled:
        return site
    for name, written in site.knobs:
        knob = library.knob(name)
        if knob is not None and knob.concept == POOL_CLASS and written.value is not False:
            return site  # a class is written (or may be, through **kwargs): the front end judged it
    return replace(site, pooled=False)


def _normalized(setting: Setting, disabled_by: tuple[object, ...], flag: bool) -> Setting:
    if setting.source in ("dynamic", "disabled") or setting.value is None:
        return setting
    if flag:
        return replace(setting, value=bool(setting.value))
    if setting.value in disabled_by and not isinstance(setting.value, bool):
        return replace(setting, value=None, source="disabled")
    return setting


def _sum(library: Library, names: tuple[str, ...], terms: dict[str, Setting]) -> Setting:
    """A concept that adds up knobs (pool_size + max_overflow), each from its own default when unset."""
    parts = []
    for name in names:
        knob = library.knob(name)
        default = knob.part_default if knob is not None else None
        parts.append((name, terms.get(name) or Setting(default.value if default else None, "default")))
    located = next((setting.span for _, setting in parts if setting.written), None)
    # A disabled term (max_overflow=-1) leaves the sum unbounded whatever the others are at run time.
    for name, setting in parts:
        if setting.source == "disabled":
            return Setting(
                None, "disabled", expr=f"{name}={setting.expr}", span=setting.span, parts=tuple(parts)
            )
    for _, setting in parts:
        if setting.source == "dynamic":
            return Setting(None, "dynamic", expr=setting.expr, span=setting.span, parts=tuple(parts))
    total = sum(setting.value for _, setting in parts if isinstance(setting.value, (int, float)))
    lead = max((s for _, s in parts), key=lambda s: UNCERTAINTY.get(s.source, 0))
    return Setting(
        value=total,
        source=lead.source,
        expr=", ".join(f"{name}={s.expr}" for name, s in parts if s.written and s.expr) or None,
        span=located,
        env=lead.env,
        constant=lead.constant,
        parts=tuple(parts),
        defined_at=lead.defined_at,
        declared=lead.declared,
    )
