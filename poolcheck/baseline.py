"""The baseline: the fingerprints of known findings, written once and hidden on later runs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from poolcheck import __version__
from poolcheck.discover import display_path
from poolcheck.model import Finding
from poolcheck.read import DocumentFault, DocumentProblem, read_document
from poolcheck.root import repository_path

BASELINE_VERSION = 1
# A baseline lists about 300 bytes per finding; the cap keeps a hostile file from filling memory.
MAX_BASELINE_SIZE = 64 * 2**20
BASELINE_PROBLEMS: dict[DocumentFault, str] = {
    "unreadable": "cannot read the baseline: {}",
    "too large": f"the baseline is larger than {MAX_BASELINE_SIZE // 2**20} MB",
    "not utf-8": "the baseline is not UTF-8 text",
    "invalid": "the baseline is not valid JSON: {}",
    "nested": "the baseline is not valid JSON: nested too deeply",
    "memory": "the baseline is too large to read",
}


class BaselineError(Exception):
    """A baseline file that is missing or not one poolcheck wrote; the message names the file."""


def render_baseline(findings: Sequence[Finding], root: Path | None) -> str:
    """The baseline document: only the fingerprint is matched; rule, path and message help a reviewer.

    Paths are from the project ``root`` (None: the working directory), as the fingerprints
    are, so the file reads the same whichever folder it was written from.
    """
    import json  # here: only a run with --baseline or --write-baseline reads or writes JSON

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
    """The fingerprints a baseline file lists; anything else in the file is a BaselineError naming it."""
    import json

    shown = display_path(path)
    try:
        document = read_document(path, MAX_BASELINE_SIZE, lambda data: json.loads(data.decode("utf-8")))
    except DocumentProblem as problem:
        raise BaselineError(
            f"{shown}: {BASELINE_PROBLEMS[problem.fault].format(problem.detail)}"
        ) from problem
    return _fingerprints(document, shown)


def _fingerprints(document: object, shown: str) -> frozenset[str]:
    """The fingerprints of a parsed baseline, each entry checked: the message says which one is wrong."""
    expected = f"{shown}: not a poolcheck baseline (write one with --write-baseline)"
    if not isinstance(document, dict):
        raise BaselineError(f"{expected}: a JSON {_json_kind(document)}, not an object")
    version = document.get("version")
    if isinstance(version, bool) or version != BASELINE_VERSION:
        raise BaselineError(f"{expected}: version must be {BASELINE_VERSION}")
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{expected}: findings must be an array, not a JSON {_json_kind(entries)}")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{expected}: findings[{index}] must be an object with a string fingerprint")
    return frozenset(entry["fingerprint"] for entry in entries)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    kinds = ((bool, "boolean"), (str, "string"), (int | float, "number"), (list, "array"), (dict, "object"))
    return next(name for kind, name in kinds if isinstance(value, kind))


def without_baselined(findings: Sequence[Finding], known: Collection[str]) -> tuple[list[Finding], int]:
    """The findings whose fingerprint is not in the baseline, and how many were hidden."""
    kept = [f for f in findings if f.fingerprint not in known]
    return kept, len(findings) - len(kept)
