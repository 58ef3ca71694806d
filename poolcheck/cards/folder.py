"""Write cards into a todos folder: never twice, never over a file, ids never reused.

A card is skipped when its fingerprint marker is already in any ``*.md`` of the
folder, whatever the file is called now or what its status is. A new card takes
the id after the highest numeric prefix (or front-matter ``issue_id``) in the
folder and is written whole: to a temporary file first, then linked to its name,
which fails rather than replace a file that appeared meanwhile.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from poolcheck.cards.markdown import file_name, fingerprints_in, render
from poolcheck.cards.model import Card
from poolcheck.read import read_regular

ID_PREFIX = re.compile(r"^(\d+)")
ISSUE_ID = re.compile(r"""^issue_id:\s*["']?(\d+)["']?\s*$""", re.MULTILINE)
READ_LIMIT = 1 << 20  # a card is a few KiB; don't read a stray huge file whole
ATTEMPTS = 1000  # ids to try when another writer takes names under us


@dataclass
class FolderState:
    """What the folder already holds: the highest id, and which file carries each fingerprint."""

    highest: int = 0
    filed: dict[str, Path] = field(default_factory=dict)
    ids: dict[Path, int] = field(default_factory=dict)
    unreadable: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    folder: Path
    added: tuple[tuple[Card, Path], ...]
    skipped: tuple[tuple[Card, Path], ...]  # with the file that already carries the card
    unreadable: tuple[Path, ...] = ()


def scan(folder: Path) -> FolderState:
    """Read every ``*.md`` in ``folder`` (not below it) for ids and fingerprint markers."""
    state = FolderState()
    if not folder.is_dir():
        return state
    for path in sorted(folder.glob("*.md")):
        prefix = ID_PREFIX.match(path.name)
        number = int(prefix.group(1)) if prefix else None
        try:
            if not path.is_file():
                continue
            # Not blocking: a file swapped for a fifo after the check above cannot hang the run.
            text = read_regular(path, READ_LIMIT)[:READ_LIMIT].decode("utf-8", "replace")
        except OSError:
            state.unreadable.append(path)
        else:
            for fingerprint in fingerprints_in(text):
                state.filed.setdefault(fingerprint, path)
            declared = ISSUE_ID.search(text)
            if number is None and declared:
                number = int(declared.group(1))
            elif declared:
                state.highest = max(state.highest, int(declared.group(1)))
        if number is not None:
            state.ids[path] = number
            state.highest = max(state.highest, number)
    return state


def write_cards(folder: Path, cards: Sequence[Card]) -> Outcome:
    """Add the cards whose fingerprint the folder does not hold yet, numbered after its highest id."""
    folder.mkdir(parents=True, exist_ok=True)
    state = scan(folder)
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
    return Outcome(folder, tuple(added), tuple(skipped), tuple(state.unreadable))


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
    data = text.encode("utf-8")
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
    added, skipped = len(outcome.added), len(outcome.skipped)
    lines.append(
        f"poolcheck: {added} card{'s' if added != 1 else ''} added, {skipped} already in {outcome.folder}"
    )
    return lines
