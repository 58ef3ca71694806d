"""``--format github``: workflow-command annotations, a plain listing, and the step summary.

GitHub shows at most ten annotations of each level per step and drops the rest
silently, so the most important ten per level are annotated, one notice counts
the rest, and every finding is still listed in the log and the step summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from poolcheck.emit import text as text_format
from poolcheck.emit.escape import markdown_text, printable
from poolcheck.model import PRIORITIES, FileError, Finding, Priority, Report
from poolcheck.root import repository_path

PER_LEVEL = 10  # annotations GitHub shows per level per step
SUMMARY_BUDGET = 1_000_000  # bytes; GitHub refuses a step summary over 1 MiB
SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"
LEVELS: dict[Priority, str] = {"p1": "error", "p2": "warning", "p3": "notice"}


@dataclass(frozen=True)
class Annotation:
    level: str
    properties: tuple[tuple[str, str | int], ...]
    message: str

    def command(self) -> str:
        """The workflow command; the repository's text in it with its control characters escaped.

        A message keeps its line breaks (the runner shows %0A as one); a property has none.
        """
        properties = ",".join(
            f"{key}={escape_property(printable(str(value)))}" for key, value in self.properties
        )
        message = "\n".join(printable(line) for line in self.message.split("\n"))
        return f"::{self.level} {properties}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a workflow command's message, as actions/toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def log_line(line: str) -> str:
    """A plain log line that the runner cannot read as a workflow command.

    The runner takes a line starting with ``::`` as a command, and a file name can start a
    line; so a leading colon is escaped as well as ``%`` and line breaks.
    """
    escaped = escape_data(printable(line))
    return "%3A" + escaped[1:] if escaped.startswith(":") else escaped


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: the data escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, environ: Mapping[str, str]) -> str:
    """Annotations (capped per level, then one notice counting the rest), then every finding as a line.

    ``environ`` decides whether the closing notice can point at the step summary.
    """
    shown, omitted_findings, omitted_errors = _capped(report)
    commands = [annotation.command() for annotation in shown]
    if omitted_findings or omitted_errors:
        commands.append(f"::notice::{escape_data(_omitted_note(omitted_findings, omitted_errors, environ))}")
    listing = [
        log_line(f"{f.path}:{f.span.line}:{f.span.column}: {f.rule} [{f.priority}] {f.message}")
        for f in report.findings
    ]
    # The quiet text report is the file errors and the closing summary line; an error line opens
    # with its file name.
    quiet = text_format.render(report, quiet=True)
    closing = "".join(log_line(line) + "\n" for line in quiet.split("\n")[:-1])
    return "\n".join(commands + listing) + ("\n\n" if commands or listing else "") + closing


def _capped(report: Report) -> tuple[list[Annotation], int, int]:
    """The annotations to print in order, and how many findings and file errors were left out."""
    errors = [_error_annotation(e, report.root) for e in report.errors]
    findings = sorted(report.findings, key=lambda f: (PRIORITIES.index(f.priority), f.path, f.span, f.rule))
    groups: dict[str, list[Annotation]] = {"error": list(errors), "warning": [], "notice": []}
    for finding in findings:
        groups[LEVELS[finding.priority]].append(_finding_annotation(finding, report.root))
    limits = {level: PER_LEVEL for level in groups}
    if any(len(group) > PER_LEVEL for group in groups.values()):
        limits["notice"] = PER_LEVEL - 1  # the counting notice needs a notice slot of its own
    shown = [annotation for level, group in groups.items() for annotation in group[: limits[level]]]
    omitted_errors = max(0, len(errors) - limits["error"])
    omitted_findings = len(errors) + len(findings) - len(shown) - omitted_errors
    return shown, omitted_findings, omitted_errors


def _finding_annotation(finding: Finding, root: Path | None) -> Annotation:
    span = finding.span
    # The runner takes a relative file= as a path in the repository, whatever the step's working-directory.
    properties: list[tuple[str, str | int]] = [
        ("file", repository_path(finding.path, root)),
        ("line", span.line),
        ("endLine", span.end_line),
    ]
    if span.line == span.end_line:  # GitHub takes columns on one-line spans only
        properties += [("col", span.column), ("endColumn", span.end_column)]
    properties.append(("title", f"{finding.rule} {finding.name}"))
    return Annotation(LEVELS[finding.priority], tuple(properties), finding.message)


def _error_annotation(error: FileError, root: Path | None) -> Annotation:
    file = repository_path(error.path, root)
    return Annotation("error", (("file", file), ("title", f"poolcheck {error.kind} error")), error.message)


def _omitted_note(findings: int, errors: int, environ: Mapping[str, str]) -> str:
    parts = [f"{findings} more finding{'s' if findings != 1 else ''}"] if findings else []
    if errors:
        parts.append(f"{errors} more file error{'s' if errors != 1 else ''}")
    where = "the job log or the step summary" if environ.get(SUMMARY_VARIABLE) else "the job log"
    left_out = " and ".join(parts)
    return f"poolcheck: {left_out} not annotated (GitHub shows {PER_LEVEL} per level); see {where}"


def step_summary(report: Report, budget: int = SUMMARY_BUDGET) -> str:
    """Markdown for the job page: totals per priority and a table of the findings, within ``budget`` bytes."""
    counts = Counter(f.priority for f in report.findings)
    totals = ", ".join(f"{counts[p]} {p}" for p in PRIORITIES)
    n = len(report.findings)
    lines = [
        "## poolcheck",
        "",
        f"**{n} finding{'s' if n != 1 else ''}** ({totals}) in {len(report.pools)} "
        f"pool{'s' if len(report.pools) != 1 else ''}; {report.files_checked} "
        f"file{'s' if report.files_checked != 1 else ''} checked.",
    ]
    if report.errors:
        lines += ["", f"**{len(report.errors)} file{'s' if len(report.errors) != 1 else ''} not checked:**"]
        lines += [f"- {_cell(e.path)}: {e.kind} error: {_cell(e.message)}" for e in report.errors]
    if report.findings:
        lines += ["", "| Rule | Priority | Location | Message |", "|---|---|---|---|"]
        size = len("\n".join(lines).encode())
        for index, f in enumerate(report.findings):
            row = (
                f"| {f.rule} {f.name} | {f.priority} | {_cell(f.path)}:{f.span.line}:{f.span.column} "
                f"| {_cell(f.message)} |"
            )
            size += len(row.encode()) + 1
            if size > budget - 200:  # leave room for the closing line
                lines += ["", f"... and {n - index} more; see the job log."]
                break
            lines.append(row)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """The repository's text as literal text in one markdown table cell: no markup, links or HTML."""
    return markdown_text(text)


def write_step_summary(report: Report, environ: Mapping[str, str]) -> Path | None:
    """Append the step summary to ``$GITHUB_STEP_SUMMARY`` when it is set; other steps' content stays."""
    target = environ.get(SUMMARY_VARIABLE)
    if not target:
        return None
    path = Path(target)
    # A blank line keeps our heading off the end of whatever an earlier step wrote.
    separator = "\n" if path.exists() and path.stat().st_size else ""
    with path.open("a", encoding="utf-8") as stream:
        stream.write(separator + step_summary(report))
    return path
