"""``--format text``: ruff-like blocks with a code frame, then a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from poolcheck.emit.escape import printable
from poolcheck.model import PRIORITIES, Finding, Pool, Report

Paint = Callable[[str, str], str]

COLOURS = {"p1": "31", "p2": "33", "p3": "36", "path": "1", "rule": "1;31", "dim": "2"}


def render(report: Report, colour: bool = False, quiet: bool = False) -> str:
    paint = painter(colour)
    blocks = [] if quiet else [_block(f, report.pools, paint) for f in report.findings]
    if report.errors:
        blocks.append(error_lines(report, paint))
    blocks.append(summary(report))
    return "\n\n".join(blocks) + "\n"


def painter(colour: bool) -> Paint:
    def paint(text: str, role: str) -> str:
        return f"\x1b[{COLOURS[role]}m{text}\x1b[0m" if colour else text

    return paint


def headline(finding: Finding, paint: Paint) -> str:
    """``path:line:col: PC001 [p2] message``: a finding in one line (the repository's text escaped)."""
    span = finding.span
    return (
        f"{paint(printable(finding.path), 'path')}:{span.line}:{span.column}: "
        f"{paint(finding.rule, 'rule')} {paint('[' + finding.priority + ']', finding.priority)} "
        f"{printable(finding.message)}"
    )


def error_lines(report: Report, paint: Paint) -> str:
    """The files that could not be checked, one line each."""
    return "\n".join(
        f"{paint(printable(e.path), 'path')}: {paint('error', 'p1')}[{e.kind}] {printable(e.message)}"
        for e in report.errors
    )


def _block(finding: Finding, pools: tuple[Pool, ...], paint: Paint) -> str:
    head = headline(finding, paint)
    if finding.pool is None:
        return head
    return head + "\n" + _frame(finding, pools[finding.pool], paint)


def _frame(finding: Finding, pool: Pool, paint: Paint) -> str:
    """The finding's line with one line of context each side, from the construction's lines."""
    site, span = pool.site, finding.shown_span or finding.span
    first = max(site.span.line, span.line - 1)
    last = min(site.span.end_line, span.line + 1)
    width = len(str(last))
    gutter = " " * width + " |"
    rows = [paint(gutter, "dim")]
    for number in range(first, last + 1):
        text = site.lines[number - site.span.line] if number - site.span.line < len(site.lines) else ""
        rows.append(f"{paint(str(number).rjust(width) + ' |', 'dim')} {printable(text)}")
        if number == span.line:
            end = span.end_column if span.end_line == span.line else len(text) + 1
            # Under the escaped line: an escape is wider than the character it stands for.
            marks = "^" * max(1, len(printable(text[span.column - 1 : end - 1])))
            pad = " " * len(printable(text[: span.column - 1]))
            rows.append(f"{paint(gutter, 'dim')} {pad}{paint(marks, finding.priority)} {finding.rule}")
    rows.append(paint(gutter, "dim"))
    return "\n".join(rows)


def statistics(report: Report) -> str:
    """``--statistics``: one line per rule, the most frequent first; empty without findings."""
    counts = statistics_counts(report)
    width = max((len(str(n)) for _, n in counts), default=1)
    return "\n".join(
        f"{str(n).rjust(width)}\t{rule}\t[{priority}] {name}" for (rule, name, priority), n in counts
    )


def statistics_counts(report: Report) -> list[tuple[tuple[str, str, str], int]]:
    """((rule, name, priority), count) per rule that fired, the most frequent first."""
    counts = Counter((f.rule, f.name, f.priority) for f in report.findings)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def summary(report: Report) -> str:
    """The closing line: findings by priority, pools, files, errors."""
    files = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''} checked"
    pools = f"{len(report.pools)} pool{'s' if len(report.pools) != 1 else ''}"
    errors = f", {len(report.errors)} error{'s' if len(report.errors) != 1 else ''}" if report.errors else ""
    hidden = f", {report.baselined} hidden by the baseline" if report.baselined else ""
    n = len(report.findings)
    if report.fixed:
        total = n + report.fixed
        return (
            f"Found {total} finding{'s' if total != 1 else ''} ({report.fixed} fixed, {n} remaining) in "
            f"{pools}; {files}{errors}{hidden}."
        )
    if not report.findings:
        return f"No findings: {pools} in {files}{errors}{hidden}."
    counts = Counter(f.priority for f in report.findings)
    breakdown = ", ".join(f"{counts[p]} {p}" for p in PRIORITIES if counts[p])
    return f"Found {n} finding{'s' if n != 1 else ''} ({breakdown}) in {pools}; {files}{errors}{hidden}."
