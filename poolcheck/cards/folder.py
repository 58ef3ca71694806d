"""Write cards into a todos folder: never twice, never over a file, ids never reused.

A card is skipped when its fingerprint marker (the line right after its front matter)
is already in any ``*.md`` of the folder, whatever the file is called now or what its
status is. A new card takes the id after the highest numeric prefix (or front-matter
``issue_id``) in the folder and is written whole: to a temporary file first, then
linked to its name, which fails rather than replace a file that appeared meanwhile.

Runs writing into one folder at once take turns: each holds an exclusive ``flock`` on
the folder itself (no lock file is left behind) from reading the folder to its last
card, so no id is given twice and no fingerprint filed twice. An id longer
than ``MAX_ID_DIGITS`` is not one poolcheck wrote: it is ignored, with a warning.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from poolcheck.cards.markdown import file_name, fingerprints_in, front_matter, render
from poolcheck.cards.model import Card
from poolcheck.output import UnsafeTarget
from poolcheck.read import read_regular

ID_PREFIX = re.compile(r"^(\d+)")
ISSUE_ID = re.compile(r"""^issue_id:\s*["']?(\d+)["']?\s*$""", re.MULTILINE)
MAX_ID_DIGITS = 9  # longer would make names too long for the file system (and int() slow)
READ_LIMIT = 1 << 20  # a card is a few KiB; don't read a stray huge file whole
ATTEMPTS = 1000  # ids to try when another writer takes names under us


@dataclass
class FolderState:
    """What the folder already holds: the highest id, and which file carries each fingerprint."""

    highest: int = 0
    filed: dict[str, Path] = field(default_factory=dict)
    ids: dict[Path, int] = field(default_factory=dict)
    unreadable: list[Path] = field(default_factory=list)
    odd_ids: list[Path] = field(default_factory=list)  # ids too long to be ours, not counted


@dataclass(frozen=True)
class Outcome:
    folder: Path
    added: tuple[tuple[Card, Path], ...]
    skipped: tuple[tuple[Card, Path], ...]  # with the file that already carries the card
    unreadable: tuple[Path, ...] = ()
    odd_ids: tuple[Path, ...] = ()


def scan(folder: Path) -> FolderState:
    """Read every ``*.md`` in ``folder`` (not below it) for ids and fingerprint markers."""
    state = FolderState()
    if not folder.is_dir():
        return state
    for path in sorted(folder.glob("*.md")):
        prefix = ID_PREFIX.match(path.name)
        number = _id(prefix.group(1), path, state) if prefix else None
        if path.is_dir():  # a folder named like a card holds none
            continue
        try:
            # A fifo or a device is unreadable, reported, and never waited on.
            text = read_regular(path, READ_LIMIT)[:READ_LIMIT].decode("utf-8", "replace")
        except OSError:
            state.unreadable.append(path)
        else:
            for fingerprint in fingerprints_in(text):
                state.filed.setdefault(fingerprint, path)
            front = front_matter(text)  # an issue_id in the body (quoted code) is not the card's
            found = ISSUE_ID.search(front[0]) if front else None
            declared = _id(found.group(1), path, state) if found else None
            if number is None:
                number = declared
            elif declared is not None:
                state.highest = max(state.highest, declared)
        if number is not None:
            state.ids[path] = number
            state.highest = max(state.highest, number)
    return state


def _id(digits: str, path: Path, state: FolderState) -> int | None:
    if len(digits) > MAX_ID_DIGITS:
        if path not in state.odd_ids:
            state.odd_ids.append(path)
        return None
    return int(digits)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Lock the folder exclusively: one writer at a time reads the ids and adds cards.

    Where there is no flock (Windows, some network file systems) the run goes on unlocked:
    each card is still created exclusively, so nothing is overwritten.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        with suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def write_cards(folder: Path, cards: Sequence[Card]) -> Outcome:
    """Add the cards whose fingerprint the folder does not hold yet, numbered after its highest id.

    A folder that is a symbolic link is refused (UnsafeTarget): the default ``todos/`` lies in
    the checked repository, which could point it anywhere.
    """
    if folder.is_symlink():
        raise UnsafeTarget(f"{folder} is a symbolic link; give the folder it points to")
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        return _write_locked(folder, cards)


def _write_locked(folder: Path, cards: Sequence[Card]) -> Outcome:
    state = scan(folder)  # under the lock, so a card another run has just filed is seen
    ids = {fingerprint: state.ids[path] for fingerprint, path in state.filed.items() if path in state.ids}
    added: list[tuple[Card, Path]] = []
    skipped: list[tuple[Card, Path]] = []
    for card in cards:
        existing = state.filed.get(card.fingerprint)
        if existing is not None:
            skipped.append((card, existing))
            continue
        dependencies = [ids[d] for d in card.dependencies if d in ids]
        number, path = _create(folder, card, state.highest + 1, dependencies)
        state.highest = number
        state.filed[card.fingerprint] = path
        ids[card.fingerprint] = number
        added.append((card, path))
    return Outcome(folder, tuple(added), tuple(skipped), tuple(state.unreadable), tuple(state.odd_ids))


def _create(folder: Path, card: Card, number: int, dependencies: Sequence[int]) -> tuple[int, Path]:
    """Write the card under the first free id from ``number``; an existing name is never replaced."""
    candidate = number
    for _ in range(ATTEMPTS):
        path = folder / file_name(card, candidate)
        try:
            create_new(path, render(card, candidate, dependencies))
        except FileExistsError:  # another writer got there first: continue after its ids
            candidate = max(candidate, scan(folder).highest) + 1
            continue
        return candidate, path
    raise FileExistsError(f"no free issue id in {folder} from {number}")


def create_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``, whole or not at all, failing with FileExistsError if it exists."""
    data = text.encode("utf-8", "surrogateescape")  # a non-UTF-8 file name as its bytes, as on stdout
    temporary = path.parent / f".poolcheck-{secrets.token_hex(8)}.tmp"
    # O_EXCL with the usual mode: the umask applies, unlike mkstemp's 0600.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, path)  # atomic, and refuses an existing name
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create, removed if cut short
            _create_directly(path, data)
    finally:
        temporary.unlink(missing_ok=True)


def _create_directly(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def report_lines(outcome: Outcome) -> list[str]:
    """What was added and what was already there, for the person running poolcheck."""
    lines = [
        f"poolcheck: added {path} ({card.subject}: {', '.join(card.rules)})" for card, path in outcome.added
    ]
    lines += [
        f"poolcheck: skipped {card.subject} ({', '.join(card.rules)}): already filed as {path}"
        for card, path in outcome.skipped
    ]
    lines += [
        f"poolcheck: could not read {path}; its cards were not checked for duplicates"
        for path in outcome.unreadable
    ]
    lines += [
        f"poolcheck: warning: {path}: its id has more than {MAX_ID_DIGITS} digits; not counted for numbering"
        for path in outcome.odd_ids
    ]
    added, skipped = len(outcome.added), len(outcome.skipped)
    lines.append(
        f"poolcheck: {added} card{'s' if added != 1 else ''} added, {skipped} already in {outcome.folder}"
    )
    return lines
