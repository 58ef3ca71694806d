"""A fixed text parsed from its file's kept tree reads exactly as a fresh parse of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tree_sitter
from hypothesis import given, settings
from hypothesis import strategies as st

from poolcheck.frontends import trees
from poolcheck.frontends.python.syntax import _parser as python_parser
from poolcheck.frontends.rust.syntax import _parser as rust_parser

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RUST = (FIXTURES / "rust-service" / "src" / "main.rs").read_bytes()
PYTHON = (FIXTURES / "python-service" / "app" / "db.py").read_bytes()
PARSERS = {"rust": rust_parser(), "python": python_parser()}
SOURCES = {"rust": RUST, "python": PYTHON}


def nodes(tree: tree_sitter.Tree) -> list[tuple[str, int, int, tuple[int, int], bool, bool]]:
    """Every node as a fresh parse would have it: kind, bytes, start point, error and missing."""
    found = []
    cursor = tree.walk()

    def visit() -> Iterator[tree_sitter.Node]:
        while True:
            node = cursor.node
            assert node is not None
            yield node
            if cursor.goto_first_child():
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    return

    for node in visit():
        found.append(
            (node.type, node.start_byte, node.end_byte, node.start_point, node.is_error, node.is_missing)
        )
    return found


@pytest.fixture(autouse=True)
def keeping() -> Iterator[None]:
    trees.keep(True)
    yield
    trees.keep(False)
    for key in list(trees._kept.trees):
        trees.forget(key)


def reparsed(language: str, before: bytes, after: bytes) -> tree_sitter.Tree:
    parser = PARSERS[language]
    trees.parsed(parser, before, "file")
    assert "file" in trees._kept.trees
    tree = trees.parsed(parser, after, "file")
    assert "file" not in trees._kept.trees  # a tree is used once
    return tree


EDITS = {
    "a knob added in the middle": lambda data: data.replace(b"_size", b"_size=3, pool_timeout", 1).replace(
        b".max_connections", b".acquire_timeout(x).max_connections", 1
    ),
    "a line removed": lambda data: b"\n".join(line for n, line in enumerate(data.split(b"\n")) if n != 5),
    "at the start": lambda data: b"// a comment\n" + data,
    "at the end": lambda data: data + b"\nconst EXTRA: u32 = 3;\n",
    "two far apart": lambda data: b"use std::time::Duration;\n" + data + b"\n// end\n",
    "a multibyte character before the edit": lambda data: (
        b"// \xc3\xa9t\xc3\xa9\n" + data.replace(b"5", b"50", 1)
    ),
    "a syntax error made": lambda data: data.replace(b"(", b"((", 1),
    "nothing": lambda data: data,
}


@pytest.mark.parametrize("language", ["rust", "python"])
@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_an_edited_text_parses_from_its_kept_tree_as_it_does_afresh(language: str, edit: str) -> None:
    before = SOURCES[language]
    after = EDITS[edit](before)
    assert (after == before) == (edit == "nothing")
    assert nodes(reparsed(language, before, after)) == nodes(PARSERS[language].parse(after))


@settings(max_examples=60, deadline=None)
@given(
    language=st.sampled_from(["rust", "python"]),
    at=st.floats(0, 1),
    removed=st.integers(0, 40),
    inserted=st.binary(max_size=30) | st.sampled_from([b"(", b")", b"\n", b"{", b"}", b'"', b"    x = 1\n"]),
)
def test_any_edit_parses_from_the_kept_tree_as_afresh(
    language: str, at: float, removed: int, inserted: bytes
) -> None:
    before = SOURCES[language]
    start = int(at * len(before))
    after = before[:start] + inserted + before[start + removed :]
    assert nodes(reparsed(language, before, after)) == nodes(PARSERS[language].parse(after))


def test_trees_are_kept_only_while_keeping_within_the_budget_and_forgotten_on_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parser = PARSERS["rust"]
    monkeypatch.setattr(trees, "KEPT_BYTES", len(RUST) * 2)
    for name in ("one", "two", "three"):
        trees.parsed(parser, RUST, name)
    assert sorted(trees._kept.trees) == ["one", "two"]  # the third is past the budget
    trees.forget("one")
    trees.parsed(parser, RUST, "three")
    assert sorted(trees._kept.trees) == ["three", "two"]
    trees.keep(False)
    trees.parsed(parser, RUST, "four")
    trees.parsed(parser, RUST, None)
    assert sorted(trees._kept.trees) == ["three", "two"]
    assert trees._kept.size == len(RUST) * 2
