"""``--output-format concise``: one line a finding, no code frames, then the summary line (as ruff's)."""

from __future__ import annotations

from poolcheck.emit.text import error_lines, headline, painter, summary
from poolcheck.model import Report


def render(report: Report, colour: bool = False, quiet: bool = False) -> str:
    paint = painter(colour)
    lines = [] if quiet else [headline(finding, paint) for finding in report.findings]
    if report.errors:
        lines.append(error_lines(report, paint))
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
