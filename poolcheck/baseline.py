"""The baseline: the fingerprints of known findings, written once and hidden on later runs."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path

from poolcheck import __version__
from poolcheck.discover import display_path
from poolcheck.model import Finding
from poolcheck.root import repository_path

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that is missing or not one poolcheck wrote; the message names the file."""


def render_baseline(findings: Sequence[Finding], root: Path | None) -> str:
    """The baseline document: only the fingerprint is matched; rule, path and message help a reviewer.

    Paths are from the project ``root`` (None: the working directory), as the fingerprints
    are, so the file reads the same whichever folder it was written from.
    """
    document = {
        "version": BASELINE_VERSION,
        "tool": {"name": "poolcheck", "version": __version__},
        "findings": [
            {
                "rule": f.rule,
                "path": repository_path(f.path, root),
                "fingerprint": f.fingerprint,
                "message": f.message,
            }
            for f in findings
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file lists."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"{shown}: cannot read the baseline: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise BaselineError(f"{shown}: the baseline is not UTF-8 text") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{shown}: the baseline is not valid JSON: {error}") from error
    expected = f"{shown}: not a poolcheck baseline (write one with --write-baseline)"
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(expected)
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str) for entry in entries
    ):
        raise BaselineError(expected)
    return frozenset(entry["fingerprint"] for entry in entries)


def without_baselined(findings: Sequence[Finding], known: Collection[str]) -> tuple[list[Finding], int]:
    """The findings whose fingerprint is not in the baseline, and how many were hidden."""
    kept = [f for f in findings if f.fingerprint not in known]
    return kept, len(findings) - len(kept)
