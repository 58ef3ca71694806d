"""What PC004 (lifetime) and PC005 (idle) share: a timer that is missing or disabled."""

from __future__ import annotations

from collections.abc import Iterator

from poolcheck.describe import described
from poolcheck.model import Pool
from poolcheck.rule import Violation


def missing_timer(pool: Pool, concept: str, consequence: str) -> Iterator[Violation]:
    """p2 when connections are never expired, p3 when only a library default bounds them."""
    from poolcheck.libraries import library_for  # here: every library's table, only when a pool is checked

    setting = pool.settings.get(concept)
    if setting is None or setting.source not in ("default", "disabled"):
        return
    library = pool.site.library
    knob = library_for(pool.site).knob_name(concept)
    if setting.unbounded:
        yield Violation(
            f"{knob} is {described(concept, setting, library)}: {consequence}; set it explicitly",
            "p2",
            concept,
        )
    else:
        yield Violation(
            f"{knob} is not set and relies on the library: "
            f"{described(concept, setting, library)}; set it explicitly so it matches the "
            "server's and proxies' timeouts",
            "p3",
            concept,
        )
