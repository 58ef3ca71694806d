"""The pools a project's wrapper functions build: one per call of the wrapper found in the run.

The first look at every file finds the pools; one built from its function's parameters
(``def make_engine(url, pool_size=10, **kw): return create_engine(url, pool_size=pool_size, **kw)``)
is marked with that function (``PoolSite.wrapper``). Only then are the run's files that name such
a function read for its calls, each call becoming a pool at the call with the values it passes
(the front end's ``extract_calls``). The wrapper's own site is left out once a call of it is
found; with none it stays, reported at the wrapper with its defaults. A module's alias of a pool
entry (``DbPool: TypeAlias = psycopg_pool.ConnectionPool``, ``FileResult.aliases``) is searched for
the same way: the module that imports it and calls ``DbPool(conninfo, max_size=..)`` names no
entry, so the first look did not read it. A run without a wrapper or an alias reads nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from poolcheck.frontends import front_end_for
from poolcheck.model import Candidate, FileResult
from poolcheck.read import MEGABYTE, read_regular
from poolcheck.workers import analyse_candidates


def with_wrapper_calls(
    results: list[FileResult], sources: Sequence[str], timeout: float | None, max_file_size: float
) -> list[FileResult]:
    """``results`` (those of ``sources`` that say something, in their order) with the pools built at
    the calls of the wrappers among their sites."""
    wrappers = tuple(sorted({site.wrapper for result in results for site in result.sites if site.wrapper}))
    # A module's alias of a pool entry (DbPool = psycopg_pool.ConnectionPool): its calls elsewhere too.
    wrappers += tuple(sorted({alias for result in results for alias in result.aliases}))
    if not wrappers:
        return results
    names = {wrapper.rpartition(":")[2].encode() for wrapper in wrappers}
    candidates = []
    for path in sources:
        front_end = front_end_for(path)
        if front_end is None or front_end.language != "python":  # the front end that marks wrappers
            continue
        try:
            data = read_regular(path, int(max_file_size * MEGABYTE))
        except OSError:  # its first read said so already
            continue
        if any(name in data for name in names):
            candidates.append(Candidate(path, front_end.language, data, wrappers))
    called = {result.path: result for result in analyse_candidates(candidates, timeout, max_file_size)}
    found = {site.wrapper for result in called.values() for site in result.sites}
    merged = []
    for result in results:
        sites = tuple(site for site in result.sites if site.wrapper not in found)
        more = called.pop(result.path, None)
        if more is not None and (more.sites or more.errors):
            result = replace(
                result,
                sites=tuple(sorted(sites + more.sites, key=lambda site: site.span)),
                errors=result.errors or more.errors,  # a file that failed the first time fails again
                suppressions=result.suppressions or more.suppressions,
            )
        elif sites != result.sites:
            result = replace(result, sites=sites)
        merged.append(result)
    # Files whose only pools are built at wrapper calls, where their first reading found nothing.
    merged += (result for result in called.values() if result.sites or result.errors)
    order = {path: index for index, path in enumerate(sources)}
    return sorted(merged, key=lambda result: order.get(result.path, -1))
