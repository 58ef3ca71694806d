"""A fixing run: plan the edits, apply them to each file's text, keep a file's edits only when the
file still parses and the run on the result no longer reports the fixed findings and reports
nothing new, then write (``--fix``) or show (``--diff``) what is kept.

Only the fixed files are read again; the rest of the run is judged again as it was read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from poolcheck.cards.source import statement_tail
from poolcheck.fix.edit import edited
from poolcheck.fix.files import Source, read_source, write_all
from poolcheck.fix.model import Edit, Unfixed
from poolcheck.fix.plan import FixRules, Options, Plan
from poolcheck.fix.verify import parse_problem
from poolcheck.frontends import FrontEnd, front_end_for
from poolcheck.model import FileResult, Finding, Report
from poolcheck.pipeline import Analysis, RunSettings, judge
from poolcheck.workers import KeptWorkers, analyse_texts

Key = tuple[object, ...]


@dataclass(frozen=True)
class FixedFile:
    path: str
    source: Source
    text: str  # the fixed text, lines joined by "\n"
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Outcome:
    report: Report  # what remains: after the fixes (or as it would be, for --diff)
    files: tuple[FixedFile, ...]
    fixed: tuple[Finding, ...]  # the first run's findings the fixes remove
    unfixed: tuple[Unfixed, ...]


def fixed_run(
    analysis: Analysis,
    settings: RunSettings,
    rules: FixRules,
    options: Options,
    write: bool,
    kept: KeptWorkers | None = None,
) -> Outcome:
    """The fixes planned, checked and written (``write``); ``kept``: the first reading's workers."""
    before = judge(analysis, settings)
    plan = Plan(before, options, rules, statement_tail)
    broken = {e.path for r in analysis.results for e in r.errors if e.kind == "parse"}
    # A file calling a project wrapper, or defining one that is called: its pools come from a pass
    # over the whole run, which judging its fixed text alone cannot repeat.
    calls = [site for r in analysis.results for site in r.sites if site.wrapper_call and site.wrapper]
    wrapped = {site.path for site in calls} | {
        os.path.abspath(s.wrapper.rpartition(":")[0]) for s in calls if s.wrapper
    }
    candidates: dict[str, FixedFile] = {}
    refusals: list[Unfixed] = []
    left: list[Unfixed] = []  # the edits of files that are not edited

    def fixed_texts() -> Iterator[tuple[str, bytes, FrontEnd]]:
        """Each file's fixed text, planned and made as the workers ask for more (they read those before)."""
        for path in plan.paths:
            source = _source_or_bug(path, settings.max_file_size)  # read once: planned and edited
            edits = plan.edits(path, source.text.split("\n") if isinstance(source, Source) else None)
            reason = _not_edited(path, broken, wrapped)
            if edits and reason is not None:
                left.extend(u for edit in edits for u in _refused(edit, reason))
            elif edits:
                candidate, refused = _candidate_or_bug(path, edits, source)
                refusals.extend(refused)
                front_end = front_end_for(path)
                if candidate is not None and front_end is not None:  # a pool was read from it
                    candidates[path] = candidate
                    yield path, candidate.source.encode(candidate.text), front_end

    # A file's reading does not depend on the other files': read once, judged with each set kept.
    read = analyse_texts(fixed_texts(), len(plan.paths), settings.timeout, settings.max_file_size, kept)
    results = {result.path: result for result in read}
    unfixed = plan.unfixed + left + refusals
    after = before
    while candidates:
        after = _judged(analysis, settings, candidates, results)
        failing = _failing(before, after, candidates)
        if not failing:
            break
        for path, reason in failing.items():
            for edit in candidates.pop(path).edits:
                unfixed += _refused(edit, reason)
        if not candidates:  # every fix refused: what remains is the first run's
            after = before
    if write and candidates:
        written = len(candidates)
        for path, refusal in _written(candidates):
            if refusal is not None:
                for edit in candidates.pop(path).edits:
                    unfixed += _refused(edit, refusal)
        if len(candidates) < written:  # the loop judged the texts now written; a refused one is as read
            after = _judged(analysis, settings, candidates, results) if candidates else before
    files = tuple(candidates.values())
    # A server's finding is removed by the fixes of all its pools together: counted once.
    fixed = tuple(dict.fromkeys(f for file in files for edit in file.edits for f in edit.findings))
    return Outcome(replace(after, fixed=len(fixed)), files, fixed, tuple(unfixed))


def _not_edited(path: str, broken: set[str], wrapped: set[str]) -> str | None:
    """Why a file is left as it is whatever its findings, if it is."""
    if path in broken:
        return "the file has a syntax error: it is not edited"
    if path in wrapped or os.path.abspath(path) in wrapped:
        return "the file builds pools through a project wrapper: it is not edited"
    return None


def _source_or_bug(path: str, max_file_size: float) -> Source | str:
    try:
        return read_source(path, max_file_size)
    except Exception as error:  # a bug of ours on one file: it is left as it is
        return _bug("reading", error)


def _candidate_or_bug(
    path: str, edits: Sequence[Edit], source: Source | str
) -> tuple[FixedFile | None, list[Unfixed]]:
    try:
        return _candidate(path, edits, source)
    except Exception as error:  # a bug of ours on one file: it is left as it is
        return None, [u for edit in edits for u in _refused(edit, _bug("fixing", error))]


def _bug(doing: str, error: Exception) -> str:
    return f"internal error while {doing} the file ({type(error).__name__}: {error}); please report it"


def _candidate(
    path: str, edits: Sequence[Edit], source: Source | str
) -> tuple[FixedFile | None, list[Unfixed]]:
    """The file's fixed text when its edits apply and it still parses; ``source``: the file as read
    for fixing, or why it cannot be."""
    if isinstance(source, str):
        return None, [u for edit in edits for u in _refused(edit, source)]
    result = edited(source.text, edits)
    refusals = [u for edit, reason in result.refused for u in _refused(edit, reason)]
    if not result.applied:
        return None, refusals
    try:
        source.encode(result.text)
    except UnicodeEncodeError:
        problem: str | None = f"the fixed text has a character {source.encoding} cannot write"
    else:
        problem = parse_problem(result.applied[0].language, result.text, result.changed)
    if problem is not None:
        return None, refusals + [u for edit in result.applied for u in _refused(edit, problem)]
    return FixedFile(path, source, result.text, result.applied), refusals


def _judged(
    analysis: Analysis,
    settings: RunSettings,
    candidates: Mapping[str, FixedFile],
    results: Mapping[str, FileResult],
) -> Report:
    """The run judged with the kept files' fixed texts as read."""
    return judge(analysis.with_results({path: results[path] for path in candidates}), settings)


def _written(candidates: Mapping[str, FixedFile]) -> list[tuple[str, str | None]]:
    """Each file written, with the reason it was not."""
    refusals = write_all([(fixed.source, fixed.text) for fixed in candidates.values()])
    return list(zip(candidates, refusals, strict=True))


def _failing(before: Report, after: Report, candidates: Mapping[str, FixedFile]) -> dict[str, str]:
    """The fixed files whose result is not the first run's less the fixed findings, and why."""
    was, now = _keys(before), _keys(after)
    ordinals = _ordinals(before)
    pools_before, pools_after = _pools_by_path(before), _pools_by_path(after)
    new_by_path: dict[object, set[str]] = {}
    for key in now - was:
        new_by_path.setdefault(key[0], set()).add(str(key[2]))
    failing: dict[str, str] = {}
    broken = {e.path: e.message for e in after.errors if e.kind == "parse" and e.path in candidates}
    for path, fixed in candidates.items():
        if path in broken:  # tree-sitter, reading the fixed text as the run reads every file
            failing[path] = f"the fixed file does not parse: {broken[path]}"
        elif pools_before[path] != pools_after[path]:
            failing[path] = "the fixed file reads as a different number of pools"
            continue
        remaining = [
            f.rule for edit in fixed.edits for f in edit.findings if _key(before, f, ordinals) in now
        ]
        added = sorted(new_by_path.get(path, ()))
        if remaining:
            failing[path] = f"{', '.join(sorted(set(remaining)))} still reported after the fix"
        elif added:
            failing[path] = f"the fix would add {', '.join(added)}"
    new_system = [key for key in now - was if key[1] is None]
    if new_system and not failing:  # a raised size tipped a budget: the unsafe fixes go first
        unsafe = [path for path, f in candidates.items() if any(e.unsafe for e in f.edits)]
        for path in unsafe or list(candidates):
            failing[path] = f"the fix would add {new_system[0][2]} on the system"
    return failing


def _keys(report: Report) -> set[Key]:
    ordinals = _ordinals(report)
    return {_key(report, finding, ordinals) for finding in report.findings}


def _ordinals(report: Report) -> list[int]:
    """Each pool's place among its file's pools: lines move when a fix adds some, the order does not."""
    seen: dict[str, int] = {}
    places = []
    for pool in report.pools:
        places.append(seen.get(pool.site.path, 0))
        seen[pool.site.path] = places[-1] + 1
    return places


def _key(report: Report, finding: Finding, ordinals: Sequence[int]) -> Key:
    """A finding across the two runs: its pool's file and place there, or a system finding's line."""
    if finding.pool is None:
        return (finding.path, None, finding.rule, finding.span.line)
    return (report.pools[finding.pool].site.path, ordinals[finding.pool], finding.rule, finding.concept)


def _pools_by_path(report: Report) -> Counter[str]:
    """How many pools each file holds: counted once a run, not once per fixed file."""
    return Counter(pool.site.path for pool in report.pools)


def _refused(edit: Edit, reason: str) -> list[Unfixed]:
    return [Unfixed(finding, reason) for finding in edit.findings]
