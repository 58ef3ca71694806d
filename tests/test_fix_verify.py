"""The parse check of a fixed Python file reads the top-level statements the fix wrote."""

from __future__ import annotations

import subprocess
import sys

from poolcheck.fix.verify import parse_problem

MODULE = '''"""Engines.

The pool:
engine = create_engine(url,
"""
import os

from sqlalchemy import create_engine


def build(url):
    return create_engine(
        url,
        pool_size=40,
        pool_timeout=5,
    )


REPORTS = ["daily"]
'''


def rows_of(text: str, needle: str) -> tuple[tuple[int, int], ...]:
    row = text.split("\n").index(needle)
    return ((row, row + 1),)


def test_the_statement_a_fix_wrote_is_read_alone_and_parses() -> None:
    assert parse_problem("python", MODULE, rows_of(MODULE, "        pool_timeout=5,")) is None


def test_a_broken_statement_is_found_from_the_rows_it_holds() -> None:
    broken = MODULE.replace("        pool_timeout=5,", "        pool_timeout=5,,")
    problem = parse_problem("python", broken, rows_of(broken, "        pool_timeout=5,,"))
    assert problem is not None and problem.startswith("the fixed file does not parse")


def test_a_cut_inside_a_string_falls_back_to_the_whole_file() -> None:
    # Row 3 of the docstring starts at column 0 like a statement: the cut there does not parse on
    # its own, and the whole file, which does, decides.
    assert parse_problem("python", MODULE, rows_of(MODULE, "engine = create_engine(url,")) is None


def test_without_rows_the_whole_file_is_read_by_both_parsers() -> None:
    assert parse_problem("python", MODULE) is None
    assert parse_problem("python", MODULE + "def broken(:\n") is not None
    assert parse_problem("rust", "fn main() { let x = ; }") is not None
    assert parse_problem("rust", "fn main() { let x = 1; }") is None


NEWER = MODULE.replace('REPORTS = ["daily"]', 'type Reports = list[str]\n\nREPORTS: Reports = ["daily"]')


def test_a_statement_of_a_newer_python_than_the_one_running_is_read_by_libcst() -> None:
    row = rows_of(NEWER, "type Reports = list[str]")
    assert parse_problem("python", NEWER, row) is None
    broken = NEWER.replace("type Reports = list[str]", "type Reports = list[str")
    assert parse_problem("python", broken, rows_of(broken, "type Reports = list[str")) is not None


def test_statements_the_running_python_reads_need_no_libcst() -> None:
    rows = rows_of(MODULE, "        pool_timeout=5,")
    script = (
        "import sys\n"
        "from poolcheck.fix.verify import parse_problem\n"
        f"assert parse_problem('python', {MODULE!r}, {rows!r}) is None\n"
        "print('libcst' in sys.modules)\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
