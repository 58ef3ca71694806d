"""Read one file once and decide cheaply whether it can hold a pool."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from poolcheck.discover import display_path
from poolcheck.frontends import front_end_for
from poolcheck.model import FileError, FileResult
from poolcheck.suppress import suppression_comments

BINARY_PROBE = 8192


def analyse_file(path: Path) -> FileResult:
    """Read, prefilter, and extract one file; every failure becomes an error entry.

    Suppression comments are collected from the same bytes, in files that hold a pool.
    """
    shown = display_path(path)
    front_end = front_end_for(path.name)
    if front_end is None:
        return FileResult(shown)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return FileResult(shown, errors=(FileError(shown, "is a directory", "read"),))
    except OSError as error:
        reason = error.strerror or str(error)
        return FileResult(shown, errors=(FileError(shown, f"cannot read: {reason}", "read"),))
    if b"\0" in data[:BINARY_PROBE]:
        return FileResult(shown, errors=(FileError(shown, "binary file, not source", "read"),))
    if not is_candidate(data, front_end.triggers):
        return FileResult(shown)
    try:
        result = front_end.extract(shown, data)
    except (RecursionError, MemoryError) as error:
        message = f"too deeply nested or too large to analyse ({type(error).__name__})"
        return FileResult(shown, errors=(FileError(shown, message, "parse"),))
    if not result.sites:
        return result
    return replace(result, suppressions=suppression_comments(data, front_end.language))


def is_candidate(data: bytes, triggers: tuple[bytes, ...]) -> bool:
    """A byte search for trigger tokens: no decoding, no parsing."""
    return any(token in data for token in triggers)
