"""Read one file once and decide cheaply whether it can hold a pool."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from poolcheck.discover import display_path
from poolcheck.extract import extract_candidate
from poolcheck.frontends import FRONT_ENDS, FrontEnd, front_end_for
from poolcheck.model import Candidate, FileError, FileResult

try:
    import ahocorasick_rs

    AUTOMATON = True
except ImportError:  # a platform it has no wheel for (musl), installed without it: a pass per token
    AUTOMATON = False

BINARY_PROBE = 8192
MEGABYTE = 1_000_000
# MB. Parsing takes about a second and 150 MB of memory per MB of Python (a third of that for
# Rust); hand-written modules are far smaller, generated code and data are not worth it.
DEFAULT_MAX_FILE_SIZE = 2.0
MAX_FILE_SIZE = 10_000.0  # MB, the largest limit accepted: beyond it the limit would be no limit at all
CHUNK = 1 << 20  # a file over the limit is searched this many bytes at a time
# Bytes: a beginning this long that trigger tokens share is as rare in code as the tokens, so the
# first pass searches it once for all of them (most files fail the first pass, which is the cost).
SHARED_START = 9
# Non-blocking, so that opening a fifo named like a source file does not wait for a writer.
OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


class Unreadable(Exception):
    """Why a file's bytes cannot be had; the message is the error entry's."""


class NotRegular(OSError):
    """A folder, fifo, socket or device where a file was to be read; ``strerror`` says which."""


def analyse_file(path: Path) -> FileResult:
    """Read, prefilter and extract one file here, with no time limit; failures are error entries."""
    return analyse_path(display_path(path))


def analyse_path(
    shown: str, timeout: float | None = None, max_file_size: float = DEFAULT_MAX_FILE_SIZE
) -> FileResult:
    """``analyse_file`` for a path as shown, with limits: ``timeout`` in seconds, ``max_file_size`` in MB."""
    outcome = read_source(shown, max_file_size)
    return extract_candidate(outcome, timeout) if isinstance(outcome, Candidate) else outcome


def data_candidate(
    shown: str, data: bytes, front_end: FrontEnd, what: str = "input"
) -> Candidate | FileResult:
    """Bytes already read, prefiltered: a Candidate, else their result (maybe an error about the ``what``)."""
    if data.find(b"\0", 0, BINARY_PROBE) >= 0:
        return FileResult(shown, errors=(FileError(shown, f"binary {what}, not source", "read"),))
    if not is_candidate(data, front_end):
        return FileResult(shown)
    return Candidate(shown, front_end.language, data)


def read_source(shown: str, max_file_size: float = DEFAULT_MAX_FILE_SIZE) -> Candidate | FileResult:
    """Read a file once: a Candidate when a trigger token is in it, else its result (maybe an error).

    ``shown`` is the path as reported, which opens the file; ``max_file_size`` is in MB.
    """
    front_end = _front_ends_by_suffix().get(os.path.splitext(shown)[1]) or front_end_for(shown)
    if front_end is None:
        return FileResult(shown)
    try:
        data = read_bytes(shown, int(max_file_size * MEGABYTE), front_end)
    except Unreadable as problem:
        return FileResult(shown, errors=(FileError(shown, str(problem), "read"),))
    if data is None:  # too large to parse, but it holds no trigger token: it cannot build a pool
        return FileResult(shown)
    return data_candidate(shown, data, front_end, "file")


def read_bytes(path: str, limit: int, front_end: FrontEnd) -> bytes | None:
    """The bytes of the regular file at ``path``; ``Unreadable`` says why not.

    A file over ``limit`` bytes is only searched for the front end's triggers, a chunk
    at a time: None when it holds none (nothing in it to parse), ``Unreadable`` when
    it does or is binary, since it will not be parsed.
    """
    try:
        fd, size = _open_regular(path)
        try:
            if size > limit:
                _search_large(fd, size, limit, front_end)
                return None
            data = _read_up_to(fd, size, limit)
        finally:
            os.close(fd)
    except NotRegular as error:
        raise Unreadable(error.strerror) from error
    except OSError as error:
        raise Unreadable(f"cannot read: {error.strerror or error}") from error
    if len(data) > limit:
        raise Unreadable(_too_large(len(data), limit))
    return data


# How a small document poolcheck is given (a configuration, a baseline) can fail to be read.
DocumentFault = Literal["unreadable", "too large", "not utf-8", "invalid", "nested", "memory"]
Parsed = TypeVar("Parsed")


class DocumentProblem(Exception):
    """Why a document cannot be had: ``fault`` says which way, ``detail`` the system's or parser's words."""

    def __init__(self, fault: DocumentFault, detail: str = "") -> None:
        super().__init__(fault, detail)
        self.fault = fault
        self.detail = detail


def read_document(path: Path, most: int, parse: Callable[[bytes], Parsed]) -> Parsed:
    """``parse`` of the bytes of the regular file at ``path``, at most ``most`` of them.

    Every way it fails is a ``DocumentProblem``: parsers recurse per nesting level, and
    int() refuses numbers of over 4300 digits, so RecursionError, MemoryError and
    ValueError are a document's faults too, not poolcheck's.
    """
    try:
        data = read_regular(path, most)
    except OSError as error:
        raise DocumentProblem("unreadable", error.strerror or str(error)) from error
    if len(data) > most:
        raise DocumentProblem("too large")
    try:
        return parse(data)
    except UnicodeDecodeError as error:
        raise DocumentProblem("not utf-8") from error
    except RecursionError as error:
        raise DocumentProblem("nested") from error
    except MemoryError as error:
        raise DocumentProblem("memory") from error
    except ValueError as error:  # json's and tomllib's syntax errors among them
        raise DocumentProblem("invalid", str(error)) from error


def read_regular(path: str | os.PathLike[str], most: int) -> bytes:
    """At most ``most`` bytes of the regular file at ``path``: the one reader of every file kind.

    A fifo, a device or a folder is an ``OSError`` ("not a regular file") and is never
    waited on: the open does not block and the kind is checked on what was opened, so
    a file swapped for a fifo after a check cannot hang the run either.
    """
    fd, size = _open_regular(os.fspath(path))
    try:
        return _read_up_to(fd, size, most)
    finally:
        os.close(fd)


def _open_regular(path: str) -> tuple[int, int]:
    """The descriptor (the caller closes it) and size of the regular file at ``path``, opened without
    blocking. A plain function, not a context manager: it runs once for every file of a tree."""
    fd = os.open(path, OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NotRegular(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def _read_up_to(fd: int, size: int, most: int) -> bytes:
    """The file's bytes, at most ``most`` + 1 of them (one more says it is over), should it have grown."""
    wanted = min(size, most) + 1
    data = os.read(fd, wanted)
    if len(data) < wanted:  # a regular file reads short only at its end: no second call to learn it
        return data
    while len(data) <= most and (more := os.read(fd, min(CHUNK, most + 1 - len(data)))):
        data += more
    return data


def _search_large(fd: int, size: int, limit: int, front_end: FrontEnd) -> None:
    """``Unreadable`` when a file too large to parse is binary or holds a trigger (with its companion).

    It is searched one chunk at a time, with the end of the chunk before it, where a token may begin.
    """
    tokens = {*front_end.triggers, *(c for found in front_end.companions.values() for c in found)}
    overlap = max((len(token) for token in tokens), default=1) - 1
    seen: set[bytes] = set()
    before = b""
    first = True
    while chunk := os.read(fd, CHUNK):
        if first and chunk.find(b"\0", 0, BINARY_PROBE) >= 0:
            raise Unreadable("binary file, not source")
        window = before + chunk
        seen.update(token for token in tokens if token in window)
        if _holds_trigger(seen.__contains__, front_end):
            raise Unreadable(_too_large(size, limit))
        before, first = window[len(window) - overlap :], False


def _too_large(size: int, limit: int) -> str:
    return f"too large ({size / MEGABYTE:.1f} MB > {limit / MEGABYTE:g} MB limit; see max-file-size)"


def is_candidate(data: bytes, front_end: FrontEnd) -> bool:
    """A byte search for trigger tokens (and their companions): no decoding, no parsing."""
    # Most files hold no trigger: one pass over their bytes says so; the rest look closer.
    if not first_pass(front_end.triggers, AUTOMATON)(data):
        return False
    return _holds_trigger(data.__contains__, front_end)


@cache
def first_pass(triggers: tuple[bytes, ...], automaton: bool) -> Callable[[bytes], bool]:
    """Does a file hold one of the search tokens? With the ``automaton``, all of them in one pass:
    leftmost-first matching lets it run its SIMD search for a few literals (Teddy), about 7 times
    faster than a pass per token, which is what it is without."""
    tokens = search_tokens(triggers)
    if not automaton:
        return lambda data: any(token in data for token in tokens)
    found = ahocorasick_rs.BytesAhoCorasick(tokens, matchkind=ahocorasick_rs.MatchKind.LeftmostFirst)
    return lambda data: bool(found.find_matches_as_indexes(data))


def _holds_trigger(holds: Callable[[bytes], bool], front_end: FrontEnd) -> bool:
    """Is one of the front end's triggers there, with one of its companions where it needs one?"""
    companions = front_end.companions
    return any(
        holds(token) and (token not in companions or any(holds(c) for c in companions[token]))
        for token in front_end.triggers
    )


@cache
def _front_ends_by_suffix() -> dict[str, FrontEnd]:
    """A dict lookup per file instead of a scan of the front ends' suffixes."""
    return {suffix: front_end for front_end in reversed(FRONT_ENDS) for suffix in front_end.suffixes}


@cache
def search_tokens(triggers: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """The tokens that hold no other token: ``ConnectionPool`` finds ``AsyncConnectionPool`` too;
    tokens that begin alike for ``SHARED_START`` bytes or more are searched by that beginning
    (``Builder::`` for ``Builder::new`` and ``Builder::<``): the first pass's patterns.
    """
    alone = [token for token in triggers if not any(other in token for other in triggers if other != token)]
    searched: list[bytes] = []
    for token in alone:
        shared = next((n for n, s in enumerate(searched) if _shared_start(s, token) >= SHARED_START), None)
        if shared is None:
            searched.append(token)
        else:
            searched[shared] = searched[shared][: _shared_start(searched[shared], token)]
    return tuple(searched)


def _shared_start(one: bytes, other: bytes) -> int:
    """How many bytes the two begin with alike."""
    shorter = min(len(one), len(other))
    return next((n for n in range(shorter) if one[n] != other[n]), shorter)
