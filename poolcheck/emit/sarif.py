"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from poolcheck import __version__
from poolcheck.check import all_rules
from poolcheck.emit.escape import json_text
from poolcheck.explain import explanation
from poolcheck.model import FileError, Finding, Pool, Priority, Report, Span
from poolcheck.root import relative_to_root
from poolcheck.rule import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "poolcheck/v1"
LEVELS: dict[Priority, str] = {"p1": "error", "p2": "warning", "p3": "note"}


def render(report: Report) -> str:
    """The report as a SARIF log, its files named from the report's project root (``%SRCROOT%``)."""
    return json_text(json.dumps(as_log(report), indent=2, ensure_ascii=False)) + "\n"


def as_log(report: Report) -> dict[str, Any]:
    """The SARIF log object: one run with every rule, every finding and the file errors."""
    root = report.root or Path.cwd()
    rules = all_rules()
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "poolcheck",
                        "version": __version__,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {
                        # A file that could not be read or parsed leaves the check incomplete.
                        "executionSuccessful": not report.errors,
                        "toolExecutionNotifications": [_notification(e, root) for e in report.errors],
                    }
                ],
                "originalUriBaseIds": {SRCROOT: {"uri": folder_uri(root)}},
                "columnKind": "utf16CodeUnits",
                "results": [_result(f, report.pools, rule_index, root) for f in report.findings],
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": f"{rule.summary}\n\n{rule.why}\n\nFix: {rule.fix}\n\nMore: poolcheck --explain {rule.id}",
            "markdown": explanation(rule),
        },
        "defaultConfiguration": {"level": LEVELS[rule.priority]},
        "properties": {"tags": list(rule.tags)},
    }


def _result(
    finding: Finding, pools: tuple[Pool, ...], rule_index: dict[str, int], root: Path
) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    pool = pools[finding.pool] if finding.pool is not None else None
    result.update(
        {
            "level": LEVELS[finding.priority],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(finding.path, root),
                        "region": _region(finding.span, pool),
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
            "properties": {"priority": finding.priority, "library": finding.library},
        }
    )
    if pool is not None:  # what the pool is for: a reviewer weighs a tool's finding apart
        result["properties"]["role"] = pool.site.role.name
        if pool.version is not None:  # the library version whose facts judged it, and from where
            result["properties"]["libraryVersion"] = pool.version.version
            result["properties"]["libraryVersionSource"] = pool.version.source
    return result


def _notification(error: FileError, root: Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{error.kind} error: {error.message}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(error.path, root)}}],
        "properties": {"kind": error.kind},
    }


def artifact_location(path: str, root: Path) -> dict[str, str]:
    """A file under ``root`` as a URI reference from ``%SRCROOT%``; one outside it as an absolute file URI.

    ``path`` is as shown (relative to the working directory, or absolute).
    """
    relative = relative_to_root(path, root)
    if relative is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    # Bytes, so a file name that is not valid UTF-8 (surrogate-escaped) is encoded, not a crash.
    return {"uri": quote(os.fsencode(relative)), "uriBaseId": SRCROOT}


def folder_uri(folder: Path) -> str:
    """An absolute folder as a ``file:`` URI ending in ``/``, as SARIF requires of a base URI."""
    uri = Path(os.path.abspath(folder)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(span: Span, pool: Pool | None) -> dict[str, int]:
    """1-based region; the model counts code points, SARIF (as declared in columnKind) UTF-16 units."""
    return {
        "startLine": span.line,
        "startColumn": utf16_column(span.column, _source_line(pool, span.line)),
        "endLine": span.end_line,
        "endColumn": utf16_column(span.end_column, _source_line(pool, span.end_line)),
    }


def _source_line(pool: Pool | None, number: int) -> str | None:
    if pool is None:
        return None
    index = number - pool.site.span.line
    return pool.site.lines[index] if 0 <= index < len(pool.site.lines) else None


def utf16_column(column: int, line: str | None) -> int:
    """A 1-based code-point column as a 1-based UTF-16 code-unit column; unchanged without the line."""
    if line is None:
        return column
    prefix = line[: column - 1]
    # Characters outside the Basic Multilingual Plane take two UTF-16 units.
    return column + sum(1 for char in prefix if ord(char) > 0xFFFF)
