"""The trees a fixing run's workers keep from the first reading of each file with a pool.

A fix changes a few lines, and the run reads the fixed text again to check it. Given the
first tree, edited where the bytes differ, tree-sitter reparses only around the change:
about an eighth of a fresh parse. A tree takes about 38 bytes per byte of source, so a
process keeps trees for at most ``KEPT_BYTES`` of source; the rest are parsed afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # here: the workers import this module before any parser
    import tree_sitter

KEPT_BYTES = 4_000_000  # source bytes per process: about 150 MB of trees


class _Kept:
    def __init__(self) -> None:
        self.keeping = False  # set by the worker for the files it reads the first time
        self.trees: dict[str, tuple[bytes, tree_sitter.Tree]] = {}
        self.size = 0


_kept = _Kept()


def keep(on: bool) -> None:
    """Keep the trees of the files parsed from now on (within the budget), or stop keeping them."""
    _kept.keeping = on


def forget(key: str) -> None:
    """Drop the file's tree: nothing will be fixed in it (no pool, or a syntax error)."""
    earlier = _kept.trees.pop(key, None)
    if earlier is not None:
        _kept.size -= len(earlier[0])


def parsed(parser: tree_sitter.Parser, data: bytes, key: str | None) -> tree_sitter.Tree:
    """``data``'s tree: from the tree kept for ``key`` when there is one (which is then dropped),
    else a fresh parse, kept for ``key`` while keeping."""
    earlier = _kept.trees.pop(key, None) if key is not None else None
    if earlier is not None:
        _kept.size -= len(earlier[0])
        return parser.parse(data, _edited(*earlier, data))
    tree = parser.parse(data)
    if key is not None and _kept.keeping and _kept.size + len(data) <= KEPT_BYTES:
        _kept.trees[key] = (data, tree)
        _kept.size += len(data)
    return tree


def _edited(before: bytes, tree: tree_sitter.Tree, after: bytes) -> tree_sitter.Tree:
    """``tree`` told that ``before`` became ``after``: one edit, from the first byte that differs to
    the last (several changes far apart reparse what lies between them too)."""
    start = _shared_start(before, after)
    end = _shared_end(before, after, len(before) - start, len(after) - start)
    tree.edit(
        start_byte=start,
        old_end_byte=len(before) - end,
        new_end_byte=len(after) - end,
        start_point=_point(before, start),
        old_end_point=_point(before, len(before) - end),
        new_end_point=_point(after, len(after) - end),
    )
    return tree


def _shared_start(one: bytes, other: bytes) -> int:
    """How many bytes the two begin with alike: a binary search of slice comparisons, done in C."""
    low, high = 0, min(len(one), len(other))
    while low < high:
        middle = (low + high + 1) // 2
        if one[:middle] == other[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _shared_end(one: bytes, other: bytes, one_left: int, other_left: int) -> int:
    """How many bytes the two end with alike, within the last ``one_left`` and ``other_left``."""
    low, high = 0, min(one_left, other_left)
    while low < high:
        middle = (low + high + 1) // 2
        if one[len(one) - middle :] == other[len(other) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """Row and byte column of ``offset``, as tree-sitter counts them."""
    row = data.count(b"\n", 0, offset)
    return row, offset - (data.rfind(b"\n", 0, offset) + 1)
