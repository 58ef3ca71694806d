"""Which findings a fix removes, and each construction rewritten to remove them.

A fix writes what the card's first option proposes ("production values in code"), for the
findings asked for only. Safe fixes add a knob that is missing. Unsafe ones change a written
value or a pool's size, since that changes the load on the database; they run only with
``--unsafe-fixes``, as ruff's fixes that change behaviour do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from poolcheck.cards.recommend import Target, finding_concept, targets
from poolcheck.cards.rewrite import Change, rewritten
from poolcheck.cards.solutions import LANGUAGES
from poolcheck.cards.spelling import Assignment, assignments
from poolcheck.check import all_rules, server_location
from poolcheck.describe import provenance
from poolcheck.discover import display_path
from poolcheck.filters import selects_rule
from poolcheck.fix.model import Edit, Replacement, Unfixed
from poolcheck.fix.styles import IDENTIFIER, binding, defined_here, written_as
from poolcheck.model import Finding, Pool, PoolSite, Report, Setting, Span
from poolcheck.rule import Rule
from poolcheck.variants import production_arms

# A pool's size decides the connections it holds on the server: never changed by a safe fix.
SIZE_CONCEPTS = frozenset({"max_connections", "min_connections", "initial_connections"})
Tail = Callable[[Pool], tuple[str, ...]]
Options = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True)
class FixRules:
    """The fixes a run may apply: unsafe ones too or not, and the rules fixable (ruff's keys)."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()

    def allows(self, finding: Finding) -> bool:
        def named(selectors: tuple[str, ...]) -> bool:
            return any(selects_rule(s, finding.rule, finding.name) for s in selectors)

        return named(self.fixable) and not named(self.unfixable)


class Plan:
    """The edits of a run's pool constructions that have fixable findings, planned a file at a time
    as the fixing run asks for them, so that it plans one file while the workers read those before."""

    def __init__(self, report: Report, options: Options, rules: FixRules, tail: Tail) -> None:
        self._report, self._options, self._rules, self._tail = report, options, rules, tail
        self._known = {rule.id: rule for rule in all_rules()}
        by_pool: dict[int, list[Finding]] = {}
        for finding in report.findings:
            if finding.pool is not None and rules.allows(finding):
                by_pool.setdefault(finding.pool, []).append(finding)
        self._sizes, self._unfixed = _shares(report, options, rules)
        for index, (finding, _) in self._sizes.items():
            by_pool.setdefault(index, []).append(finding)
        self._by_path: dict[str, list[tuple[int, list[Finding]]]] = {}
        for index, findings in sorted(by_pool.items()):
            self._by_path.setdefault(report.pools[index].site.path, []).append((index, findings))

    @property
    def paths(self) -> tuple[str, ...]:
        """The files with a pool to fix, in the order of their pools."""
        return tuple(self._by_path)

    def edits(self, path: str, lines: Sequence[str] | None = None) -> list[Edit]:
        """An edit per pool construction of the file that has fixable findings; why the others are
        not fixed joins ``unfixed``. ``lines``: the file's, when read already."""
        lines = _file_lines(path) if lines is None else lines
        edits: list[Edit] = []
        for index, findings in self._by_path[path]:
            pool = self._report.pools[index]
            size = self._sizes[index][1] if index in self._sizes else None
            try:
                edit, refused = _pool_edit(
                    index,
                    pool,
                    findings,
                    self._known,
                    self._options(path),
                    self._rules,
                    self._tail,
                    lines,
                    size,
                )
            except Exception as error:  # a bug of ours on one pool: its findings stay, the others are fixed
                problem = f"internal error while planning its fix ({type(error).__name__}: {error})"
                edit, refused = None, [Unfixed(f, f"{problem}; please report it") for f in findings]
            self._unfixed += refused
            if edit is not None:
                edits.append(edit)
        return edits

    @property
    def unfixed(self) -> list[Unfixed]:
        """Why each finding of the files planned so far, and each system finding, is not fixed."""
        return _once(self._unfixed)


def _shares(
    report: Report, options: Options, rules: FixRules
) -> tuple[dict[int, tuple[Finding, int]], list[Unfixed]]:
    """For each server over its budget (PC010), the pools to shrink to their share of it, unsafe
    as any size change: a pool whose share is below the floor PC001 asks for is not shrunk, since
    that trades one finding for another; the card shows the other ways out."""
    sizes: dict[int, tuple[Finding, int]] = {}
    unfixed: list[Unfixed] = []
    for finding in report.findings:
        if finding.pool is not None or not rules.allows(finding):
            continue
        budgets = [
            b for b in report.capacity if b.exceeded and server_location(b) == (finding.path, finding.span)
        ]
        shrink = [
            (d.index, ceiling)
            for budget in budgets
            for d in budget.demands
            if (ceiling := report.pools[d.index].ceiling) is not None
            and d.maximum is not None
            and d.maximum > ceiling.connections
        ]
        if not shrink:
            unfixed.append(
                Unfixed(finding, "a finding about the whole system: change the pools its card names")
            )
            continue
        if not rules.unsafe:
            unfixed.append(Unfixed(finding, UNSAFE, hidden=True))
            continue
        floor = {i: options(report.pools[i].site.path).get("min-max-connections", 0) for i, _ in shrink}
        small = [(i, c) for i, c in shrink if c.connections < floor[i]]
        if small:
            index, ceiling = small[0]
            needed = ceiling.limit_for(int(floor[index]))
            unfixed.append(
                Unfixed(
                    finding,
                    f"the pool at {display_path(report.pools[index].site.path)}:"
                    f"{report.pools[index].site.span.line} may have {ceiling.connections} "
                    f"connections, below min-max-connections ({floor[index]:g}): raise the server's "
                    f"limit to {needed} (or put PgBouncer in front) instead",
                )
            )
            continue
        for index, ceiling in shrink:
            sizes[index] = (finding, ceiling.connections)
    return sizes, unfixed


def _once(unfixed: list[Unfixed]) -> list[Unfixed]:
    """A system finding left by several pools' fixes is told once."""
    seen: set[int] = set()
    kept = []
    for item in unfixed:
        if id(item.finding) not in seen:
            seen.add(id(item.finding))
            kept.append(item)
    return kept


def _pool_edit(
    index: int,
    pool: Pool,
    findings: Sequence[Finding],
    known: Mapping[str, Rule],
    options: Mapping[str, float],
    rules: FixRules,
    tail: Tail,
    lines: Sequence[str],
    size: int | None = None,
) -> tuple[Edit | None, list[Unfixed]]:
    """The edit that removes the findings it can: all together, else each alone first, so that one
    value that cannot be written (set in another file) leaves the others fixable."""
    language = LANGUAGES.get(pool.site.language)
    if language is None or not pool.site.lines:
        return None, [Unfixed(f, "no source lines to edit") for f in findings]
    if pool.site.wrapper_call and pool.site.wrapper is not None:  # its code builds every call's pool
        where, _, name = pool.site.wrapper.rpartition(":")
        reason = (
            f"built through the project's `{name}` ({display_path(where)}), which a pass over the whole "
            "run reads: fix it by hand, as its card shows"
        )
        return None, [Unfixed(f, reason) for f in findings]
    every_rule = list(known.values())
    # The common case first: the findings whose values may be written, rewritten at once.
    hidden = [f for f in findings if _hidden(pool, f, known, every_rule, options, rules, size)]
    open_ = [f for f in findings if f not in hidden]
    shrunk = size if any(f.pool is None for f in open_) else None
    concepts = [finding_concept(f, known) for f in open_]
    attempt = _attempt(pool, concepts, every_rule, options, rules, tail, lines, shrunk) if open_ else "none"
    if not isinstance(attempt, str):
        replacements, imports, unsafe = attempt
        edit = Edit(pool.site.path, replacements, imports, pool.site.language, index, tuple(open_), unsafe)
        return edit, [Unfixed(f, UNSAFE, hidden=True) for f in hidden]
    chosen: list[Finding] = []
    refused: list[Unfixed] = []
    for finding in findings:
        concepts = [finding_concept(finding, known)]
        alone = size if finding.pool is None else None  # a system finding: the pool's share
        attempt = _attempt(pool, concepts, every_rule, options, rules, tail, lines, alone)
        if isinstance(attempt, str):
            refused.append(Unfixed(finding, attempt, hidden=attempt == UNSAFE))
        else:
            chosen.append(finding)
    if not chosen:
        return None, refused
    # Together: the values chosen for several concepts keep the pool's bounds possible.
    shrunk = size if any(f.pool is None for f in chosen) else None
    attempt = _attempt(
        pool, [finding_concept(f, known) for f in chosen], every_rule, options, rules, tail, lines, shrunk
    )
    if isinstance(attempt, str):
        return None, refused + [Unfixed(f, attempt, hidden=attempt == UNSAFE) for f in chosen]
    replacements, imports, unsafe = attempt
    edit = Edit(pool.site.path, replacements, imports, pool.site.language, index, tuple(chosen), unsafe)
    return edit, refused


Attempt = tuple[tuple[Replacement, ...], tuple[str, ...], bool]


def _hidden(
    pool: Pool,
    finding: Finding,
    known: Mapping[str, Rule],
    every_rule: Sequence[Rule],
    options: Mapping[str, float],
    rules: FixRules,
    size: int | None,
) -> bool:
    """Is the finding's fix an unsafe one a safe run leaves out (a size, a written value)?"""
    if rules.unsafe:
        return False
    if finding.pool is None and size is not None:
        return True
    wanted = targets(pool, [finding_concept(finding, known)], every_rule, options)
    return any(_unsafe(a) for t in wanted for a in assignments(pool, t))


def _attempt(
    pool: Pool,
    concepts: Sequence[str | None],
    every_rule: Sequence[Rule],
    options: Mapping[str, float],
    rules: FixRules,
    tail: Tail,
    lines: Sequence[str],
    size: int | None = None,
) -> Attempt | str:
    """The replacements that give ``concepts`` their recommended values (the maximum ``size``, when
    given: the pool's share of a budget), or why there are none."""
    language = LANGUAGES[pool.site.language]
    site = pool.site
    wanted = targets(pool, concepts, every_rule, options)
    if size is not None:
        wanted = (*(t for t in wanted if t.concept != "max_connections"), Target("max_connections", size))
    planned = [a for t in wanted for a in assignments(pool, t)]
    if not planned:
        return "no value to write: the card explains the change"
    if not rules.unsafe and any(_unsafe(a) for a in planned):
        return UNSAFE
    literals = {a.knob: language.literal(a, pool) for a in planned}
    changes: list[Change] = []
    # The file as this pool's fix leaves it, changed in place line for line; each value is looked for
    # there, so that two written on one line (`{"pool_size": 20, "max_overflow": 10}`) both change.
    current = list(lines)
    for assignment in planned:
        for setting in assignment.written:
            placed = _placed(pool, assignment, setting, literals[assignment.knob], current)
            if isinstance(placed, str):
                return placed
            if isinstance(placed, Change):
                changes.append(placed)
            elif len(placed.new) != len(placed.original) or _within(site, placed):
                return f"`{assignment.knob}` is written where the construction's lines are rewritten"
            else:
                current[placed.first - 1 : placed.last] = placed.new
    style = written_as(pool, [a for a in planned if not a.written], literals, current)
    for assignment in planned:
        written = style.codes.get(assignment.knob, literals[assignment.knob])
        if not assignment.written and written is not None:  # None: an entry of the dict the call spreads
            changes.append(Change(assignment.knob, written))
    following = tail(pool)
    result = rewritten(pool, following, changes, (), language, dedent=False)
    if result.notes:  # the rewriter could not place a value in the construction
        return result.notes[0]
    original = (*site.lines, *following)
    construction = Replacement(
        site.span.line, site.span.line + len(original) - 1, original, tuple(result.code.split("\n"))
    )
    if any(_within(site, r) for r in style.replacements):
        return "the construction's own lines would change twice"
    for replacement in sorted((construction, *style.replacements), key=lambda r: r.first, reverse=True):
        current[replacement.first - 1 : replacement.last] = replacement.new
    imports = language.imports(result.code, pool)
    return _hunks(lines, current), imports, any(_unsafe(a) for a in planned)


def _within(site: PoolSite, replacement: Replacement) -> bool:
    return replacement.first <= site.span.end_line and replacement.last >= site.span.line


def _hunks(before: Sequence[str], after: Sequence[str]) -> tuple[Replacement, ...]:
    """The changed runs of lines from ``before`` to ``after``; an insertion keeps the line above it
    (or below, at the top), so that two fixes touching the same place are seen to overlap. Only
    the part between the common head and tail is compared: a fix changes a few lines of a file."""
    shortest = min(len(before), len(after))
    head = next((n for n, (old, new) in enumerate(zip(before, after, strict=False)) if old != new), shortest)
    ends = zip(reversed(before[head:]), reversed(after[head:]), strict=False)
    tail = next((n for n, (old, new) in enumerate(ends) if old != new), shortest - head)
    middle = SequenceMatcher(
        None, before[head : len(before) - tail], after[head : len(after) - tail], autojunk=False
    )
    hunks = []
    for tag, low, high, new_low, new_high in middle.get_opcodes():
        if tag == "equal":
            continue
        low, high = low + head, high + head
        new = tuple(after[new_low + head : new_high + head])
        if low == high and low > 0:
            low, new = low - 1, (before[low - 1], *new)
        elif low == high:
            high, new = high + 1, (*new, before[0])
        hunks.append(Replacement(low + 1, high, tuple(before[low:high]), new))
    return tuple(hunks)


UNSAFE = "changes a written value or the pool's size (the load on the database): use --unsafe-fixes"


def _placed(
    pool: Pool, assignment: Assignment, setting: Setting, code: str, lines: Sequence[str]
) -> Change | Replacement | str:
    """Where a written value is changed: in the construction (its literal, or the default of the
    environment read there), on the line a constant of this file is defined, or at the place in
    this file it is written (deadpool's ``ManagerConfig``); else why it cannot be."""
    site = pool.site
    varied = next(
        (name for name, part in ((assignment.knob, setting), *setting.parts) if part.variants), None
    )
    where = provenance(setting, site.library)
    number = _number(assignment.value, setting)
    arms = production_arms(site, setting) if varied == assignment.knob else ()
    if arms and number is not None:  # `20 if not DEBUG else 5`: the production arm's value
        return Change(assignment.knob, number, arms, exact=True)
    if varied is not None:  # which branch to change is the author's choice (variants.py)
        return f"`{varied}` is set differently in each branch: change the branch's value"
    row = defined_here(pool, setting.defined_at) if setting.defined_at else None
    if row is not None and number is not None:  # a settings field or constant of this file
        found = _literal_on(lines, row, setting.value, setting.scale, number)
        if found is not None:
            return found
    if setting.span is None or setting.defined_at is not None:
        return f"`{assignment.knob}` is set elsewhere ({where}): change it there"
    inside = site.span.contains(setting.span)
    if setting.source in ("explicit", "disabled"):  # a literal, `None` too
        bound = _bound_default(pool, setting, number, lines) if inside and number is not None else None
        if bound is not None:  # `max_connections(size)`: the value where `size` is bound
            return bound
        if inside:
            return Change(assignment.knob, code, (setting.span,))
        return (
            _at_span(pool, setting.span, code, lines)
            or f"`{assignment.knob}` is set {where}: change it there"
        )
    if setting.source == "env-default" and inside and number is not None:
        literal = _literal_in(site, setting.span, setting.value, setting.scale)
        if literal is not None:
            return Change(assignment.knob, number, (literal,), exact=True)
        # Read into a variable above the construction (`Duration::from_secs(acquire_secs)`): its
        # default, wherever the statement writes it (`unwrap_or_else(|_| "30"..).unwrap_or(30)`).
        defaults = _bound_default(pool, setting, number, lines)
        if defaults is not None:
            return defaults
    if setting.source == "constant" and setting.constant and number is not None:
        found = _constant_line(site.language, lines, setting.constant, setting.value, setting.scale, number)
        if found is not None:
            return found
    return f"`{assignment.knob}` comes from {where}: change it there"


def _number(value: object, setting: Setting) -> str | None:
    """The new value as the number written where the setting reads it (``from_millis``: milliseconds)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    scaled = value / setting.scale
    return str(int(scaled)) if float(scaled).is_integer() else f"{scaled:g}"


def _literals(value: object, scale: float) -> re.Pattern[str] | None:
    """The written forms of a number: ``120``, ``120.0``, ``120_u64``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    scaled = value / scale
    digits = str(int(scaled)) if float(scaled).is_integer() else f"{scaled:g}"
    suffix = r"(?:\.0*)?(?:_?[ui](?:8|16|32|64|128|size)|_?f(?:32|64))?" if "." not in digits else ""
    return re.compile(rf"(?<![\w.]){re.escape(digits)}{suffix}(?![\w.])")


def _literal_in(site: PoolSite, span: Span, value: object, scale: float) -> Span | None:
    """The one literal of ``value`` inside ``span`` (on one of the construction's lines), if exactly one."""
    pattern = _literals(value, scale)
    if pattern is None or span.line != span.end_line:
        return None
    line = site.lines[span.line - site.span.line]
    found = list(pattern.finditer(line, span.column - 1, span.end_column - 1))
    if len(found) != 1:
        return None
    return Span(span.line, found[0].start() + 1, span.line, found[0].end() + 1)


def _literal_on(
    lines: Sequence[str], row: int, value: object, scale: float, number: str
) -> Replacement | None:
    """Line ``row`` (1-based) with its one literal of ``value`` replaced by ``number``."""
    pattern = _literals(value, scale)
    if pattern is None or not 0 < row <= len(lines):
        return None
    line = lines[row - 1]
    found = list(pattern.finditer(line.split("#", 1)[0] if "#" in line else line))
    if len(found) != 1:
        return None
    new = line[: found[0].start()] + number + line[found[0].end() :]
    return Replacement(row, row, (line,), (new,))


def _bound_default(pool: Pool, setting: Setting, number: str, lines: Sequence[str]) -> Replacement | None:
    """The statement above the construction binding a name the setting's expression reads, with
    the value's literals there replaced (`let size = if cfg!(test) { 1 } else { 25 };`: the 25)."""
    for name in dict.fromkeys(IDENTIFIER.findall(setting.expr or "")):
        bound = binding(pool, name, lines)
        found = _literals_in(lines, bound[0], bound[1], setting, number) if bound else None
        if found is not None:
            return found
    return None


def _literals_in(
    lines: Sequence[str], first: int, last: int, setting: Setting, number: str
) -> Replacement | None:
    """Lines ``first``..``last`` with every literal of the setting's value replaced by ``number``."""
    pattern = _literals(setting.value, setting.scale)
    original = tuple(lines[first - 1 : last])
    if pattern is None:
        return None
    new = tuple(pattern.sub(number, line) for line in original)
    return Replacement(first, last, original, new) if new != original else None


DEFINITIONS = {
    "rust": r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const|static)\s+{name}\s*:[^=]*=\s*(?P<value>[^;]+);",
    "python": r"^{name}\s*(?::[^=]+)?=\s*(?P<value>[^#]+?)\s*(?:#.*)?$",
}


def _constant_line(
    language: str, lines: Sequence[str], name: str, value: object, scale: float, number: str
) -> Replacement | None:
    """The line defining constant ``name`` in this file with its literal replaced by ``number``."""
    definition = re.compile(DEFINITIONS[language].format(name=re.escape(name)))
    pattern = _literals(value, scale)
    rows = [row for row, line in enumerate(lines) if definition.match(line)]
    if len(rows) != 1 or pattern is None:
        return None
    line = lines[rows[0]]
    found = definition.match(line)
    assert found is not None
    literal = pattern.fullmatch(found["value"].strip())
    if literal is None:
        return None  # an expression, not a number: not rewritten
    start = found.start("value") + (len(found["value"]) - len(found["value"].lstrip()))
    new = line[:start] + number + line[start + len(literal.group()) :]
    return Replacement(rows[0] + 1, rows[0] + 1, (line,), (new,))


def _at_span(pool: Pool, span: Span, code: str, lines: Sequence[str]) -> Replacement | None:
    """The value written at ``span`` (outside the construction, in its file) replaced by ``code``."""
    if span.end_line > len(lines):
        return None
    language = LANGUAGES[pool.site.language]
    original = tuple(lines[span.line - 1 : span.end_line])
    text = "\n".join(original)
    start = span.column - 1
    end = sum(len(line) + 1 for line in original[:-1]) + span.end_column - 1
    placed = language.value_range(text, start, end)
    if placed is None:
        return None
    low, high = placed
    new = text[:low] + language.adapt(text[low:high], code) + text[high:]
    return Replacement(span.line, span.end_line, original, tuple(new.split("\n")))


def _file_lines(path: str) -> tuple[str, ...]:
    """The file's lines as the planner reads them; the edit is applied only where they still are."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline=None) as stream:
            return tuple(stream.read().removeprefix("\ufeff").split("\n"))
    except OSError:
        return ()


def _unsafe(assignment: Assignment) -> bool:
    return bool(assignment.written) or assignment.concept in SIZE_CONCEPTS
