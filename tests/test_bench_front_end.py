"""bench/front_end.py: which Python an install's command runs under, and what its timing process reports.

No timing is asserted: only that each tree is read as the pipeline reads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT

import poolcheck

sys.path.insert(0, str(ROOT / "bench"))
from corpus import build_corpus
from front_end import FRONT_END, PIPELINE, Timer, interpreter_of, python_files


def test_the_python_of_a_console_script_is_the_one_its_first_line_names(tmp_path: Path) -> None:
    bin_folder = tmp_path / "venv" / "bin"
    bin_folder.mkdir(parents=True)
    (bin_folder / "python3").write_text("")
    command = bin_folder / "poolcheck"
    command.write_text(f"#!{bin_folder / 'python3'}\nfrom poolcheck.cli import main\n")
    assert interpreter_of(str(command)) == bin_folder / "python3"


def test_without_a_python_on_its_first_line_it_is_the_one_beside_it(tmp_path: Path) -> None:
    command = tmp_path / "poolcheck"
    command.write_text('#!/bin/sh\nexec somewhere/poolcheck "$@"\n')
    assert interpreter_of(str(command)) is None
    (tmp_path / "python").write_text("")
    assert interpreter_of(str(command)) == tmp_path / "python"
    assert interpreter_of(str(tmp_path / "missing")) is None


def test_the_timing_process_reads_the_dense_tree_as_the_pipeline_does(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "dense", 6, ("python",), pool_share=1.0)
    listing, files, _ = python_files(root)
    timer = Timer(Path(sys.executable), listing)
    try:
        assert timer.about["candidates"] == files == 6
        assert Path(timer.about["poolcheck"]) == Path(poolcheck.__file__).parent  # this test's install
        for measurement in (FRONT_END, PIPELINE):
            found = timer.one_pass(measurement)
            assert found["sites"] >= files and found["errors"] == 0
    finally:
        timer.close()


def test_on_the_no_candidate_tree_the_pipeline_parses_nothing(tmp_path: Path) -> None:
    root = build_corpus(tmp_path / "none", 6, ("python",), pool_share=0.0, lookalike_share=0.0)
    listing, _, _ = python_files(root)
    timer = Timer(Path(sys.executable), listing)
    try:
        assert timer.about["candidates"] == 0
        assert timer.one_pass(PIPELINE)["sites"] == 0
    finally:
        timer.close()
