"""``--format gitlab``: a GitLab Code Quality report (a JSON array of Code Climate issues)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from poolcheck.check import rule_by_id
from poolcheck.emit.escape import json_text
from poolcheck.model import FileError, Finding, Priority, Report
from poolcheck.root import repository_path

SEVERITIES: dict[Priority, str] = {"p1": "critical", "p2": "major", "p3": "minor"}
ERROR_SEVERITY = "info"
# Rule tags -> Code Climate categories; the first tag that maps wins.
CATEGORIES = {
    "performance": "Performance",
    "reliability": "Bug Risk",
    "correctness": "Bug Risk",
    "security": "Security",
}
DEFAULT_CATEGORY = "Bug Risk"


def render(report: Report) -> str:
    """The report as a Code Quality JSON array: findings first, then the file errors."""
    return json_text(json.dumps(as_issues(report), indent=2, ensure_ascii=False)) + "\n"


def as_issues(report: Report) -> list[dict[str, Any]]:
    """One Code Quality issue per finding and per file error, each with a fingerprint unique in the report.

    Paths are from the report's project root: GitLab reads them as paths in the repository.
    """
    root = report.root
    issues = [_finding(f, root) for f in report.findings] + [_error(e, root) for e in report.errors]
    for issue, fingerprint in zip(issues, unique_fingerprints(i["fingerprint"] for i in issues), strict=True):
        issue["fingerprint"] = fingerprint
    return issues


def unique_fingerprints(fingerprints: Iterable[str]) -> list[str]:
    """The fingerprints in order, a repeat replaced by a hash of it and its repeat count.

    GitLab matches issues between pipelines by fingerprint and drops duplicates, so
    two violations of one rule in one construction need different, stable ones.
    """
    used: set[str] = set()
    unique = []
    for fingerprint in fingerprints:
        candidate, repeat = fingerprint, 1
        while candidate in used:
            repeat += 1
            candidate = _hash(fingerprint, str(repeat))
        used.add(candidate)
        unique.append(candidate)
    return unique


def _finding(finding: Finding, root: Path | None) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule} {finding.name}: {finding.message}",
        "categories": [_category(finding.rule)],
        "severity": SEVERITIES[finding.priority],
        "fingerprint": finding.fingerprint,
        "location": {
            "path": repository_path(finding.path, root),
            "lines": {"begin": finding.span.line, "end": finding.span.end_line},
        },
    }


def _error(error: FileError, root: Path | None) -> dict[str, Any]:
    path = repository_path(error.path, root)
    return {
        "type": "issue",
        "check_name": f"poolcheck-{error.kind}-error",
        "description": f"poolcheck could not check this file ({error.kind} error): {error.message}",
        "categories": [DEFAULT_CATEGORY],
        "severity": ERROR_SEVERITY,
        "fingerprint": _hash("error", error.kind, path),
        "location": {"path": path, "lines": {"begin": 1, "end": 1}},
    }


def _category(rule_id: str) -> str:
    rule = rule_by_id(rule_id)
    tags = rule.tags if rule is not None else ()
    return next((CATEGORIES[tag] for tag in tags if tag in CATEGORIES), DEFAULT_CATEGORY)


def _hash(*parts: str) -> str:
    # surrogateescape: a file name that is not UTF-8 hashes as its own bytes, not a crash.
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]
