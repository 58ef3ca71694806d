"""The files a fix reads and writes: their bytes kept exactly, outside the edit.

A file is read once into a ``Source``: its text as the editor sees it (decoded, no
BOM, ``\\n`` line endings) and what it takes to turn an edited text back into the
file's own bytes (encoding, BOM, line ending). A file that would not come back
byte for byte (mixed line endings, an encoding that does not round-trip) is not
fixed at all. Writes replace the file atomically through a temporary file beside
it, and only when the file still holds the bytes that were read.
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from poolcheck.frontends import front_end_for
from poolcheck.read import DEFAULT_MAX_FILE_SIZE, MEGABYTE, read_regular

TEMPORARY_SUFFIX = ".poolcheck-tmp"
# Whether an encoding writes these as ASCII says whether a coding cookie can be read at all.
ASCII_PROBE = "\n\r #-*:=coding"
LINE_ENDING_NAMES = {"\r\n": "CRLF", "\r": "CR", "\n": "LF"}
ANY_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
# Fixed files are written this many at a time (each holds a descriptor open until it is replaced),
# and flushed to disk by this many threads from this many files on.
BATCH, FLUSHERS, PARALLEL_FLUSHES = 128, 8, 16


@dataclass(frozen=True)
class Source:
    """One file as read for fixing: its exact bytes, its text, and how to write a text back."""

    path: str
    data: bytes  # exactly as read
    text: str  # decoded, BOM removed, line endings normalized to "\n"
    encoding: str  # "utf-8", or a Python file's coding cookie's (tokenize.detect_encoding)
    bom: bool
    newline: str  # the file's one line ending: "\n", "\r\n" or "\r"

    def encode(self, text: str) -> bytes:
        """``text`` (with ``\\n`` line endings) in the file's own encoding, BOM and line endings.

        ``UnicodeEncodeError`` when the text holds a character the encoding cannot write.
        """
        lines = _normalized(text)
        if self.newline != "\n":
            lines = lines.replace("\n", self.newline)
        return (codecs.BOM_UTF8 if self.bom else b"") + lines.encode(self.encoding)


def read_source(path: str, max_file_size: float = DEFAULT_MAX_FILE_SIZE) -> Source | str:
    """The file at ``path`` as a ``Source``, or the reason it cannot be fixed.

    ``max_file_size`` is in MB, the limit above which poolcheck does not parse a file.
    """
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            return "is a symbolic link"
        limit = int(max_file_size * MEGABYTE)
        data = read_regular(path, limit)
    except OSError as error:
        return _os_reason("cannot read", error)
    if len(data) > limit:
        return f"too large (over the {max_file_size:g} MB limit; see max-file-size)"
    return _decoded(path, data)


def write_fixed(source: Source, text: str) -> str | None:
    """Write ``text`` over the file ``source`` was read from: None when written, else the reason not.

    Nothing is written when ``text`` is the file's text already, or when the file has
    changed since it was read. The new bytes go to a temporary file in the same folder,
    which is flushed to disk, takes the file's mode and then replaces it, so a reader sees
    the old file or the new one, never a part; on any failure the temporary file is removed.
    """
    return write_all([(source, text)])[0]


def write_all(fixes: Sequence[tuple[Source, str]]) -> list[str | None]:
    """``write_fixed`` of each file, a batch at a time: the batch's temporary files are written,
    then flushed together (each flush waits for the disk, and several share the wait), then each
    replaces its file."""
    written: list[str | None] = []
    for start in range(0, len(fixes), BATCH):
        batch = fixes[start : start + BATCH]
        staged: list[_Staged | str | None] = []
        try:
            staged += (_staged(source, text) for source, text in batch)
            flushed = _flushed([s.fd for s in staged if isinstance(s, _Staged)])
            for (source, _), stage in zip(batch, staged, strict=True):
                if not isinstance(stage, _Staged):
                    written.append(stage)  # nothing to write, or the reason it cannot be
                else:
                    written.append(flushed[stage.fd] or _committed(source, stage))
        finally:  # an interrupt too leaves no temporary file behind
            for stage in staged:
                if isinstance(stage, _Staged):
                    stage.discard()
    return written


@dataclass
class _Staged:
    """A fixed file's bytes written to a temporary file beside it, not yet in its place."""

    fd: int  # open until the file is flushed and about to replace the file; then -1
    temporary: str
    replaced: bool = False

    def close(self) -> None:
        fd, self.fd = self.fd, -1  # never closed twice: the number may be another file's by then
        if fd >= 0:
            os.close(fd)

    def discard(self) -> None:
        with suppress(OSError):
            self.close()
        if not self.replaced:
            with suppress(OSError):
                os.unlink(self.temporary)


def _staged(source: Source, text: str) -> _Staged | str | None:
    """The temporary file holding the fixed bytes; None when nothing changes, else the reason not."""
    if text == source.text:
        return None
    try:
        data = source.encode(text)
    except UnicodeEncodeError as error:
        return (
            f"the fix holds {error.object[error.start : error.end]!r}, which {source.encoding} cannot write"
        )
    folder, name = os.path.split(source.path)
    folder = folder or os.curdir
    refusal = _folder_refusal(folder)
    if refusal is not None:
        return refusal
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=TEMPORARY_SUFFIX)
    except OSError as error:
        return _os_reason("cannot write in its folder", error)
    stage = _Staged(fd, temporary)
    try:
        _write_all(fd, data)
    except OSError as error:
        stage.discard()
        return _os_reason("cannot write", error)
    return stage


def _flushed(fds: Sequence[int]) -> dict[int, str | None]:
    """Each descriptor's file flushed to disk: None, or why it could not be."""

    def flush(fd: int) -> str | None:
        try:
            os.fsync(fd)
        except OSError as error:
            return _os_reason("cannot write", error)
        return None

    if len(fds) < PARALLEL_FLUSHES:
        return {fd: flush(fd) for fd in fds}
    from concurrent.futures import ThreadPoolExecutor  # here: only a run that writes many files

    with ThreadPoolExecutor(FLUSHERS) as flushers:  # fsync lets other threads run while it waits
        return dict(zip(fds, flushers.map(flush, fds), strict=True))


def _committed(source: Source, stage: _Staged) -> str | None:
    """The temporary file put in the file's place, when the file still holds what was read."""
    try:
        stage.close()
        # Checked last, just before the replace, so that an edit made meanwhile is not overwritten.
        current = _current_file(source)
        if isinstance(current, str):
            return current
        os.chmod(stage.temporary, stat.S_IMODE(current.st_mode))
        os.replace(stage.temporary, source.path)
        stage.replaced = True
        return None
    except OSError as error:
        return _os_reason("cannot write", error)


def unified_diff(source: Source, text: str, shown_path: str) -> str:
    """The change from the file's text to ``text`` as a unified diff (``--- a/path``, ``+++ b/path``).

    Lines end in ``\\n`` whatever the file's line endings; empty when nothing changes.
    """
    diff = difflib.unified_diff(
        _lines(source.text), _lines(text), fromfile=f"a/{shown_path}", tofile=f"b/{shown_path}"
    )
    # difflib leaves a last line without its line ending unended; diff and git say so on a line of its own.
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff
    )


def _decoded(path: str, data: bytes) -> Source | str:
    """The ``Source`` of bytes read from ``path``, or why they cannot be fixed and written back."""
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    front_end = front_end_for(path)
    if front_end is not None and front_end.language == "python":
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as error:  # a bad cookie, a cookie that contradicts the BOM, undecodable lines
            return f"encoding: {error.msg}"
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        if not _ascii_compatible(encoding):
            return f"encoding {encoding} is not ASCII-compatible"
    try:
        raw = data[len(codecs.BOM_UTF8) if bom else 0 :].decode(encoding)
    except UnicodeDecodeError as error:
        return f"not valid {encoding} at byte {error.start + (len(codecs.BOM_UTF8) if bom else 0)}"
    endings = _line_endings(raw)
    if len(endings) > 1:
        counts = ", ".join(f"{count} {LINE_ENDING_NAMES[ending]}" for ending, count in endings.items())
        return f"mixed line endings ({counts})"
    source = Source(path, data, _normalized(raw), encoding, bom, next(iter(endings), "\n"))
    if source.encode(source.text) != data:  # a codec that does not map bytes to text one to one
        return f"{encoding} does not write the file back byte for byte"
    return source


def _ascii_compatible(encoding: str) -> bool:
    """Does the codec write ASCII as ASCII? Python reads no other (utf-16, rot13) from a cookie."""
    try:
        return ASCII_PROBE.encode(encoding) == ASCII_PROBE.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def _line_endings(text: str) -> dict[str, int]:
    """How many of each line ending ``text`` holds, the ones it holds only."""
    crlf = text.count("\r\n")
    counts = {"\r\n": crlf, "\r": text.count("\r") - crlf, "\n": text.count("\n") - crlf}
    return {ending: count for ending, count in counts.items() if count}


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """``text``'s lines with their ``\\n``; unlike str.splitlines, no other character ends a line."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _folder_refusal(folder: str) -> str | None:
    """Why no file can be written in ``folder``; its write bits count for a user the system lets by."""
    try:
        mode = os.stat(folder).st_mode
    except OSError as error:
        return _os_reason("cannot write in its folder", error)
    if not mode & ANY_WRITE or not os.access(folder, os.W_OK):
        return "its folder is read-only"
    return None


def _current_file(source: Source) -> os.stat_result | str:
    """The file's status when it may be replaced: a regular file, writable, still holding
    the bytes ``source`` read; else the reason it may not."""
    try:
        info = os.lstat(source.path)
        if stat.S_ISLNK(info.st_mode):
            return "is a symbolic link"
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_nlink > 1:  # the replacement would be this name's alone; the other names keep the old
            return f"has {info.st_nlink} hard links"
        if not info.st_mode & ANY_WRITE or not os.access(source.path, os.W_OK):
            return "read-only file"
        if read_regular(source.path, len(source.data)) != source.data:
            return "changed since it was read"
    except OSError as error:
        return _os_reason("cannot read", error)
    return info


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _os_reason(what: str, error: OSError) -> str:
    return f"{what}: {error.strerror or error}"
