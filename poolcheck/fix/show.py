"""What a fixing run tells the user: the diff (``--diff``), the fixes made and the ones not made
(``--show-fixes``), and the hint that unsafe fixes are available, as ruff words them.
"""

from __future__ import annotations

from collections import Counter

from poolcheck.discover import display_path
from poolcheck.emit.escape import printable
from poolcheck.fix.apply import Outcome
from poolcheck.fix.files import unified_diff


def diff(outcome: Outcome) -> str:
    return "".join(unified_diff(f.source, f.text, display_path(f.path)) for f in outcome.files)


def listing(outcome: Outcome, would: bool) -> str:
    """Per file, the rules fixed and how often; then each finding left, with the reason."""
    lines: list[str] = []
    if outcome.fixed:
        lines.append("Would fix:" if would else "Fixed:")
        for file in outcome.files:
            counts = Counter(f.rule for edit in file.edits for f in edit.findings)
            shown = printable(display_path(file.path))
            lines += [f"  {shown}: {rule} ({count}x)" for rule, count in sorted(counts.items())]
    shown_reasons = [u for u in outcome.unfixed if not u.hidden]
    if shown_reasons:
        lines.append("Not fixed:")
        lines += [
            f"  {printable(u.finding.path)}:{u.finding.span.line}: {u.finding.rule}: {printable(u.reason)}"
            for u in shown_reasons
        ]
    return "\n".join(lines) + "\n" if lines else ""


def hint(outcome: Outcome) -> str | None:
    hidden = sum(1 for u in outcome.unfixed if u.hidden)
    if not hidden:
        return None
    return (
        f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option."
    )


def would_fix(outcome: Outcome) -> str:
    fixed, left = len(outcome.fixed), len(outcome.report.findings)
    return f"Would fix {fixed} finding{'s' if fixed != 1 else ''} ({left} remaining)."
