"""Generated pool constructions in the layouts real files use, fixed with ``--unsafe-fixes``: the
fixed file always parses, every line outside the construction is kept byte for byte (but for the
import lines the fix adds), and a second fix changes nothing.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolcheck.check import default_options
from poolcheck.fix.apply import Outcome, fixed_run
from poolcheck.fix.plan import FixRules
from poolcheck.fix.verify import parse_problem
from poolcheck.pipeline import RunSettings, analyse

UNSAFE = FixRules(unsafe=True)
EXAMPLES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Generated:
    text: str
    first: int  # the construction's lines, 1-based, inclusive
    last: int
    language: str

    @property
    def name(self) -> str:
        return "pool.rs" if self.language == "rust" else "pool.py"


# Python: the library's import, its constructor as the file calls it, its first argument and the
# keyword arguments a file may already write (the fix adds or changes the rest).
PYTHON = {
    "sqlalchemy": (
        "from sqlalchemy import create_engine",
        "create_engine",
        '"postgresql+psycopg://app@db/app"',
        ("pool_size", "max_overflow", "pool_timeout", "pool_recycle"),
    ),
    "sqlalchemy-module": (
        "import sqlalchemy as sa",
        "sa.create_engine",
        "DATABASE_URL",
        ("pool_size", "max_overflow", "pool_pre_ping"),
    ),
    "psycopg_pool": (
        "from psycopg_pool import ConnectionPool",
        "ConnectionPool",
        'conninfo="dbname=app host=db"',
        ("min_size", "max_size", "timeout", "max_idle"),
    ),
    "asyncpg": (
        "import asyncpg",
        "await asyncpg.create_pool",
        "dsn=DATABASE_URL",
        ("min_size", "max_size", "max_inactive_connection_lifetime"),
    ),
}
VALUES = {"pool_pre_ping": "False", "timeout": "30.0", "max_idle": "600.0"}
INDENTS = st.sampled_from(["    ", "  ", "\t"])
COMMENT = st.sampled_from(["", "# the pool every request shares", "# TODO: size it for production"])
BEFORE = st.sampled_from(
    ["", "log = logging.getLogger(__name__)", 'DATABASE_URL = os.environ["DATABASE_URL"]']
)
AFTER = st.sampled_from(["", "print('connected')", "return_value = None"])


@st.composite
def python_files(draw: st.DrawFn) -> Generated:
    library = draw(st.sampled_from(sorted(PYTHON)))
    imported, constructor, first_argument, knobs = PYTHON[library]
    written = draw(st.lists(st.sampled_from(knobs), unique=True, max_size=len(knobs)))
    arguments = [first_argument] + [
        f"{knob}={VALUES.get(knob, str(draw(st.integers(1, 8))))}" for knob in written
    ]
    in_function = library == "asyncpg" or draw(st.booleans())
    indent = draw(INDENTS) if in_function else ""
    inner = draw(INDENTS)
    one_per_line = draw(st.booleans())
    trailing_comma = draw(st.booleans())
    if one_per_line:
        call = [f"pool = {constructor}("]
        call += [f"{indent}{inner}{argument}," for argument in arguments]
        if not trailing_comma:
            call[-1] = call[-1][:-1]
        if len(call) > 1:  # a comment at the end of an argument's line, the last's too
            call[draw(st.integers(1, len(call) - 1))] += draw(st.sampled_from(["  # per worker", ""]))
        if draw(st.booleans()):  # a comment line among the arguments
            call.insert(draw(st.integers(1, len(call) - 1)), f"{indent}{inner}# sized by the load test")
        call.append(f"{indent})")
    else:
        call = [f"pool = {constructor}({', '.join(arguments)}{',' if trailing_comma else ''})"]
    call[0] = indent + call[0]
    header = ["import logging", "import os", "", imported, "", 'DATABASE_URL = os.environ["DATABASE_URL"]']
    body: list[str] = []
    if in_function:
        body.append(f"{'async ' if library == 'asyncpg' else ''}def make_pool():")
        body.append(f'{indent}"""The pool the service shares."""')
    before, comment, after = draw(BEFORE), draw(COMMENT), draw(AFTER)
    for line in (before, comment):
        if line:
            body.append(indent + line)
    if draw(st.booleans()):
        body.append("")
    first = len(header) + 2 + len(body) + 1
    body += call
    last = first + len(call) - 1
    if draw(st.booleans()):
        body.append("")
    if after:
        body.append(indent + after)
    if in_function:
        body.append(f"{indent}return pool")
    trailer = ["", "", "def unrelated(x):", "    return x * 2  # stays as written"]
    return Generated("\n".join([*header, "", "", *body, *trailer]) + "\n", first, last, "python")


@st.composite
def rust_files(draw: st.DrawFn) -> Generated:
    calls = [f".max_connections({draw(st.integers(1, 8))})"]
    calls += draw(
        st.lists(
            st.sampled_from(
                [
                    ".min_connections(1)",
                    ".acquire_timeout(Duration::from_secs(30))",
                    ".test_before_acquire(true)",
                ]
            ),
            unique=True,
            max_size=2,
        )
    )
    tail = draw(
        st.sampled_from(
            [
                (".connect(&url)", ".await?"),
                (".connect(&url)", ".await.unwrap()"),
                (".connect(&url)", '.await.expect("cannot reach the database")'),
                (".connect_lazy(&url)", ".unwrap()"),
            ]
        )
    )
    uses_duration = any("Duration" in call for call in calls)
    header = ["use sqlx::postgres::PgPoolOptions;"]
    if uses_duration:
        header.insert(0, "use std::time::Duration;")
    if draw(st.booleans()):
        header.append("use std::env;")
    header.append("")
    indent = draw(st.sampled_from(["    ", "  "]))
    returns = "sqlx::PgPool" if tail[1].startswith(".await.") or tail[0].startswith(".connect_lazy") else None
    signature = "pub async fn connect(url: String) -> "
    signature += f"{returns} {{" if returns else "Result<sqlx::PgPool, sqlx::Error> {"
    body = ["/// The pool the handlers share.", signature]
    if draw(st.booleans()):
        body.append(f"{indent}// one pool per process")
    if draw(st.booleans()):
        body.append(f'{indent}tracing::info!("connecting");')
    if draw(st.booleans()):
        body.append("")
    first = len(header) + len(body) + 1
    chain = ["PgPoolOptions::new()", *calls, *tail]
    if draw(st.booleans()):
        call = [f"{indent}let pool = {''.join(chain)};"]
    else:
        call = [f"{indent}let pool = {chain[0]}"] + [f"{indent}{indent}{link}" for link in chain[1:]]
        call[-1] += ";"
    body += call
    last = first + len(call) - 1
    body.append(f"{indent}Ok(pool)" if returns is None else f"{indent}pool")
    body.append("}")
    trailer = ["", "fn unrelated(x: u32) -> u32 {", "    x * 2 // stays as written", "}"]
    return Generated("\n".join([*header, *body, *trailer]) + "\n", first, last, "rust")


def fixed(folder: Path) -> Outcome:
    run_settings = RunSettings(project_root=folder)
    options = default_options()
    return fixed_run(analyse([folder], run_settings), run_settings, UNSAFE, lambda path: options, write=True)


def is_added_import(line: str, language: str) -> bool:
    if language == "rust":
        return line.startswith("use ") and line.endswith(";")
    return line.startswith(("import ", "from "))


def outside_changes(generated: Generated, after: str) -> list[str]:
    """The changed lines outside the construction's lines that are no import the fix adds."""
    old, new = generated.text.splitlines(keepends=True), after.splitlines(keepends=True)
    wrong = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Lines old[i1:i2] (0-based) became new[j1:j2]; an insert (i1 == i2) goes before old line i1.
        inside = generated.first - 1 <= i1 and i2 <= generated.last and (i1 < i2 or i1 < generated.last)
        if inside:
            continue
        if tag == "insert" and all(
            is_added_import(line.rstrip("\n"), generated.language) or not line.strip() for line in new[j1:j2]
        ):
            continue
        wrong.append(f"{tag} old {i1 + 1}..{i2} -> {new[j1:j2]!r}")
    return wrong


def comments(text: str) -> Counter[str]:
    """The comments of ``text``: from a ``#`` or ``//`` that starts a line or follows a space (the
    generated strings hold none so placed) to the end of its line."""
    found = (re.search(r"(?:^|\s)(?:#|//).*$", line) for line in text.splitlines())
    return Counter(match.group(0) for match in found if match is not None)


def check_fix(generated: Generated) -> None:
    with tempfile.TemporaryDirectory(prefix="poolcheck-layouts-") as name:
        folder = Path(name)
        path = folder / generated.name
        path.write_text(generated.text)
        outcome = fixed(folder)
        after = path.read_text()
        reasons = [u.reason for u in outcome.unfixed if not u.hidden]
        assert outcome.files, (generated.text, reasons)  # every layout gets at least one fix
        assert parse_problem(generated.language, after) is None, after
        assert outside_changes(generated, after) == [], (generated.text, after)
        assert comments(generated.text) <= comments(after), after
        again = fixed(folder)
        assert not again.files, [f.text for f in again.files]
        assert path.read_text() == after


@EXAMPLES
@given(python_files())
def test_fixed_python_calls_parse_and_keep_every_line_outside_the_call(generated: Generated) -> None:
    check_fix(generated)


@EXAMPLES
@given(rust_files())
def test_fixed_sqlx_chains_parse_and_keep_every_line_outside_the_chain(generated: Generated) -> None:
    check_fix(generated)
