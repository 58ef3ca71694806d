"""Apply library defaults: from the knobs a front end found to each concept's effective setting."""

from __future__ import annotations

from dataclasses import replace

from poolcheck.libraries import LIBRARIES, Library
from poolcheck.model import Pool, PoolSite, Setting


def effective_pool(site: PoolSite) -> Pool:
    """The pool's configuration as it runs: written knobs over the library's defaults."""
    library = LIBRARIES[site.library]
    settings: dict[str, Setting] = {
        concept: Setting(value=default.value, source="default", note=default.note)
        for concept, default in library.defaults.items()
    }
    ranks: dict[str, int] = {}
    for name, setting in site.knobs:
        knob = library.knob(name)
        if knob is None or ranks.get(knob.concept, knob.rank) > knob.rank:
            continue
        ranks[knob.concept] = knob.rank
        settings[knob.concept] = _normalized(setting, knob.disabled_by, knob.unit == "flag")
    return Pool(site=site, settings=_derived(library, settings))


def _normalized(setting: Setting, disabled_by: tuple[object, ...], flag: bool) -> Setting:
    if setting.source in ("dynamic", "disabled") or setting.value is None:
        return setting
    if setting.value in disabled_by and not isinstance(setting.value, bool):
        return replace(setting, value=None, source="disabled")
    if flag:
        return replace(setting, value=bool(setting.value))
    return setting


def _derived(library: Library, settings: dict[str, Setting]) -> dict[str, Setting]:
    """Hook for concepts computed from several knobs; none of the tables need one yet."""
    return settings
