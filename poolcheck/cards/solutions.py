"""The card's proposed solutions: the construction rewritten with production values, with values
from the environment, and sized from CPU cores, each in the file's own language and layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from poolcheck.cards.python import PYTHON_CODE
from poolcheck.cards.recommend import Target, library_of, refused_knob, shared_knob, shared_words
from poolcheck.cards.rewrite import Change, Language, rewritten
from poolcheck.cards.rust import RUST_CODE
from poolcheck.cards.spelling import Assignment, assignments
from poolcheck.describe import provenance
from poolcheck.emit.escape import markdown_code
from poolcheck.model import Pool, Span
from poolcheck.server import ServerDefaults
from poolcheck.variants import production_arms

LANGUAGES: dict[str, Language] = {"rust": RUST_CODE, "python": PYTHON_CODE}
CONNECTIONS_PER_CORE = 4  # the original review card's rule of thumb for sizing from the host's cores


@dataclass(frozen=True)
class Solution:
    name: str
    pros: str
    cons: str
    effort: str
    risk: str
    code: str | None  # the construction rewritten; None when only prose applies
    fence: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Valued:
    """A knob's new value as code (None: keep what is written), with the lines it needs before the
    statement and a note for the reader.
    """

    code: str | None
    preamble: tuple[str, ...] = ()
    note: str | None = None


Strategy = Callable[[Assignment], Valued]


def solutions(
    pool: Pool, tail: Sequence[str], targets: Sequence[Target], server: ServerDefaults | None
) -> tuple[Solution, ...]:
    """Option 1 always (when there is a value to write); Option 2 when a value is a number; Option 3
    when the pool's size is in question.
    """
    language = LANGUAGES.get(pool.site.language)
    if language is None or not targets:
        return ()
    planned = [a for target in targets for a in assignments(pool, target)]
    raises_size = any(a.concept == "max_connections" for a in planned)
    found = [
        _solution(
            pool,
            tail,
            planned,
            language,
            lambda a: _production(pool, a, language),
            keep_arms=True,
            name="Production values in code",
            pros="One reviewed change where the pool is built; the values are visible in review and "
            "the same in every environment.",
            cons="Every environment gets the same values, and changing them takes a release"
            + ("; a bigger pool holds more server connections." if raises_size else "."),
            effort="Small (15 minutes)",
            risk="Low"
            + (": check the server's connection limit first (Technical Details)" if raises_size else ""),
        )
    ]
    configurable = [a for a in planned if not refused_knob(library_of(pool), a.knob)]
    if any(a.unit in ("count", "seconds") for a in configurable):
        found.append(
            _solution(
                pool,
                tail,
                planned,
                language,
                lambda a: _from_environment(pool, a, language),
                name="Configurable from the environment",
                pros="Development, staging and production can differ without a release; the "
                "defaults are the production values.",
                cons="More configuration to manage; a malformed value silently falls back to the default.",
                effort="Medium (30 minutes)",
                risk="Low",
            )
        )
    size = next((t.value for t in targets if t.concept == "max_connections"), None)
    upper: int | None = None
    preamble: tuple[str, ...] = ()
    if isinstance(size, int) and not isinstance(size, bool):
        upper = server.usable_connections if server and server.usable_connections > size else None
        preamble = language.cores_preamble(CONNECTIONS_PER_CORE, size, upper, pool)
    if preamble:  # none where no statement can go before the construction (a DATABASES entry)
        found.append(
            _solution(
                pool,
                tail,
                planned,
                language,
                lambda a: _from_cores(pool, a, planned, language),
                name="Sized from CPU cores",
                pros=f"Scales with the host: {CONNECTIONS_PER_CORE} connections per core, never "
                f"below {size}" + (f" nor above the server's {upper} usable slots." if upper else "."),
                cons="The database's capacity, not the application host's cores, is the real limit, "
                "and replicas multiply the total; it can over-provision on large hosts.",
                effort="Medium (45 minutes)",
                risk="Medium: several replicas on large hosts can exceed the server's connection limit",
                preamble=preamble,
            )
        )
    return tuple(found)


def _solution(
    pool: Pool,
    tail: Sequence[str],
    planned: Sequence[Assignment],
    language: Language,
    strategy: Strategy,
    *,
    name: str,
    pros: str,
    cons: str,
    effort: str,
    risk: str,
    preamble: tuple[str, ...] = (),
    keep_arms: bool = False,  # a value chosen in the call keeps its other arms (production values)
) -> Solution:
    site = pool.site
    changes: list[Change] = []
    notes: list[str] = []
    lines = list(preamble)
    for assignment in planned:
        valued = strategy(assignment)
        if valued.note:
            notes.append(valued.note)
        shared = shared_knob(library_of(pool), assignment.concept)
        if shared is not None and shared.name == assignment.knob:
            notes.append(shared_words(shared))
        if valued.code is None:
            continue
        arms = _production_arms(pool, assignment) if keep_arms else ()
        if arms:  # `pool_size=20 if PROD else 5`: the production arm's value; the others stay theirs
            changes.append(Change(assignment.knob, valued.code, arms, exact=True))
            continue
        inside = tuple(s.span for s in assignment.written if s.span and site.span.contains(s.span))
        elsewhere = [s for s in assignment.written if not (s.span and site.span.contains(s.span))]
        for setting in elsewhere:
            if setting.expr == valued.code:
                continue  # already the value asked for
            where = (
                f"where it is written (line {setting.span.line})" if setting.span else "where it is passed in"
            )
            notes.append(f"Set `{assignment.knob}` to `{valued.code}` {where}.")
        if inside or not elsewhere:
            changes.append(Change(assignment.knob, valued.code, inside))
            if valued.preamble and not _contains(lines, valued.preamble):
                lines += valued.preamble
    result = rewritten(pool, tail, changes, lines, language)
    imports = language.imports(result.code, pool)
    if imports:
        uses = [f"`{line}`" for line in imports]
        listed = ", ".join(uses[:-1]) + " and " + uses[-1] if len(uses) > 1 else uses[0]
        notes.append(f"Needs {listed} in the file.")
    return Solution(name, pros, cons, effort, risk, result.code, language.fence, (*result.notes, *notes))


def _production_arms(pool: Pool, assignment: Assignment) -> tuple[Span, ...]:
    """Where a value the construction itself chooses is written in its production arms (variants.py)."""
    return production_arms(pool.site, assignment.written[0]) if len(assignment.written) == 1 else ()


def _contains(lines: Sequence[str], block: Sequence[str]) -> bool:
    size = len(block)
    return any(tuple(lines[i : i + size]) == tuple(block) for i in range(len(lines) - size + 1))


def _production(pool: Pool, assignment: Assignment, language: Language) -> Valued:
    code = language.literal(assignment, pool)
    replaced = [s for s in assignment.written if s.source in ("env-default", "env", "constant") and s.expr]
    if not replaced:
        return Valued(code)
    setting = replaced[0]
    origin = provenance(setting, pool.site.library, markdown_code)
    written = markdown_code(setting.expr or "")
    if setting.source == "env" and setting.env:  # the deployment's value is what runs: it is what to change
        variable = markdown_code(setting.env)
        return Valued(code, note=f"Replaces {written} ({origin}); or set {variable} there instead.")
    if setting.source == "constant":
        return Valued(code, note=f"Replaces {written} ({origin}); or set that constant to {code}.")
    return Valued(code, note=f"Replaces {written} ({origin}); Option 2 keeps it configurable.")


def _from_environment(pool: Pool, assignment: Assignment, language: Language) -> Valued:
    if assignment.unit not in ("count", "seconds") or refused_knob(library_of(pool), assignment.knob):
        return Valued(language.literal(assignment, pool))  # no other value is possible here
    read = next((s for s in assignment.written if s.source in ("env-default", "env") and s.env), None)
    if read is not None and read.env and read.expr and read.env not in read.expr:
        # Read into a name elsewhere (a constant or a `let`): its default is the thing to change.
        default = f"{assignment.value:g}"
        return Valued(
            None,
            note=f"Raise the default of env {markdown_code(read.env)} to {default}; "
            f"it reaches the pool as {markdown_code(read.expr)}.",
        )
    variable = read.env if read is not None and read.env else language.env_name(assignment)
    preamble, code = language.env_value(assignment, variable, pool)
    return Valued(code, preamble)


def _from_cores(
    pool: Pool, assignment: Assignment, planned: Sequence[Assignment], language: Language
) -> Valued:
    if assignment.concept != "max_connections":
        return _production(pool, assignment, language)
    terms = [a for a in planned if a.concept == "max_connections"]
    if assignment is not terms[0]:
        return Valued(language.literal(assignment, pool))
    others = sum(int(a.value) for a in terms[1:])
    return Valued(language.cores_value(assignment, others, pool))
