"""Long chains cost their length, not its square: proved by counting operations, never by a clock.

py-tree-sitter's ``Node.parent`` searches down from the root on each call, so a
loop of them climbing a chain of n calls costs n^2 inside one C call that no
Python-level counter sees. Two guards together keep the Rust front end linear:
no ``.parent`` at all in it (it climbs through ``RustFile.ancestors``, found by
one descent), and a count of every call the whole extraction makes (Python and
C functions alike, through ``sys.setprofile``) that must grow like the input.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from conftest import FIXTURES, ROOT, Snippets
from hypothesis import given
from hypothesis import strategies as st

from poolcheck.frontends.columns import Columns
from poolcheck.frontends.rust.syntax import SCOPE_TYPES, Node, RustFile
from poolcheck.read import analyse_file

RUST_FRONT_END = ROOT / "poolcheck" / "frontends" / "rust"

# Shapes of input that once cost their length squared, each as n -> (file suffix, source).
SHAPES: dict[str, Callable[[int], tuple[str, str]]] = {
    "builder chain": lambda n: (
        ".rs",
        "use sqlx::postgres::PgPoolOptions;\nasync fn f(u: &str) { let p = PgPoolOptions::new()"
        + ".max_connections(5)" * n
        + ".connect(u).await; }\n",
    ),
    "builder chain of named values": lambda n: (
        ".rs",
        "use sqlx::postgres::PgPoolOptions;\nasync fn f(u: &str) { let m = 5; let p = PgPoolOptions::new()"
        + ".max_connections(m)" * n
        + ".connect(u).await; }\n",
    ),
    "setters called in place": lambda n: (
        ".rs",
        "use sea_orm::{ConnectOptions, Database};\nasync fn f(u: &str) {\n"
        "let mut opt = ConnectOptions::new(u);\n"
        + "opt.max_connections(5);\n" * n
        + "let db = Database::connect(opt).await;\n}\n",
    ),
    "builder rebound by let": lambda n: (
        ".rs",
        "use sqlx::postgres::PgPoolOptions;\nasync fn f(u: &str) {\nlet o = PgPoolOptions::new();\n"
        + "let o = o.max_connections(5);\n" * n
        + "let p = o.connect(u).await;\n}\n",
    ),
    "rust pools on one line": lambda n: (
        ".rs",
        "use sqlx::postgres::PgPoolOptions;\nasync fn f(u: &str) { "
        + "let p = PgPoolOptions::new().max_connections(5).connect(u).await; " * n
        + "}\n",
    ),
    "python keyword chain": lambda n: (
        ".py",
        "from sqlalchemy import create_engine\nengine = create_engine(u" + ", pool_size=5" * n + ")\n",
    ),
    "python engines on one line": lambda n: (
        ".py",
        "from sqlalchemy import create_engine\n" + "engine = create_engine(u, pool_size=5); " * n + "\n",
    ),
}


def calls_made(path: Path) -> int:
    """Every function call (Python or C) that reading and extracting ``path`` makes."""
    counted = Counter[str]()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        counted[event] += 1

    sys.setprofile(profile)
    try:
        analyse_file(path)
    finally:
        sys.setprofile(None)
    return counted["call"] + counted["c_call"]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_work_grows_like_the_chain(tmp_path: Path, shape: str) -> None:
    """Four times the chain, about four times the calls: a square would make it sixteen."""
    counts = []
    for n in (1_000, 4_000):
        suffix, source = SHAPES[shape](n)
        path = tmp_path / f"chain{n}{suffix}"
        path.write_text(source, encoding="utf-8")
        counts.append(calls_made(path))
    assert counts[1] < 6 * counts[0], counts


def test_the_rust_front_end_never_climbs_with_parent() -> None:
    """``Node.parent`` costs the depth on every call: a loop of them is a square."""
    climbing = [
        f"{path.name}:{node.lineno}"
        for path in sorted(RUST_FRONT_END.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "parent"
    ]
    assert not climbing, f"use RustFile.ancestors instead of Node.parent at {climbing}"


def test_a_builder_chain_of_twenty_thousand_calls_is_read_whole(snippets: Snippets) -> None:
    """Every step is kept and the last ``max_connections`` wins, whatever the chain's length."""
    steps = "".join(f".max_connections({n % 97 + 1})" for n in range(19_999))
    pool = snippets.pool(
        "use sqlx::postgres::PgPoolOptions;\n"
        f"async fn f(u: &str) {{ let p = PgPoolOptions::new(){steps}.max_connections(42).connect(u).await?; }}\n"
    )
    assert len(pool.site.knobs) == 20_000
    assert pool.settings["max_connections"].value == 42
    assert pool.settings["max_connections"].source == "explicit"


def _parent_chain(node: Node) -> list[Node]:
    chain = []
    current = node.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain[::-1]


BROKEN_SNIPPETS = [
    "fn f() { let = ; let x = a.b(c).d(",
    "fn f(u: &str) { let c = |x| { let o = PgPoolOptions::new(); o.max_connections(x) }; }",
    "fn f() { (|| 1)(); let g = || || { 2 }; impl X { fn h(&self) { self.a.b::<T>() } } }",
    "fn f() { x.y(); } fn",
    "||",
]


@pytest.mark.parametrize(
    "source",
    [p.read_bytes() for p in sorted(FIXTURES.rglob("*.rs"))] + [s.encode() for s in BROKEN_SNIPPETS],
)
def test_ancestors_and_scopes_agree_with_the_parent_chain(source: bytes) -> None:
    """One descent from the root finds what climbing with ``Node.parent`` finds, for every node."""
    file = RustFile("x.rs", source)
    pending = [file.root]
    while pending:
        node = pending.pop()
        pending.extend(node.children)
        chain = _parent_chain(node)
        assert file.ancestors(node) == chain
        scope = next((n for n in reversed(chain) if n.type in SCOPE_TYPES), None)
        assert file.enclosing_function(node) == scope


def test_each_line_is_counted_once_for_columns() -> None:
    read: list[int] = []
    lines = [b"x" * 50_000, "caf\u00e9 ".encode() * 10_000]

    def line_bytes(row: int) -> bytes:
        read.append(row)
        return lines[row]

    columns = Columns(line_bytes)
    found = [columns.column(row, offset) for row in (0, 1) for offset in range(0, 50_000, 7)]
    assert read == [0, 1]
    assert found[:2] == [1, 8]
    assert columns.column(1, 5) == 5  # "café" is four characters in five bytes


@given(st.binary(max_size=24))
def test_columns_count_characters_as_decoding_does(line: bytes) -> None:
    columns = Columns(lambda row: line)
    for offset in range(len(line) + 2):
        assert columns.column(0, offset) == len(line[:offset].decode("utf-8", "replace")) + 1
