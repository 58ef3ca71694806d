"""Every rule proves itself: each example's bad code triggers it and its good code does not."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import Snippets

from poolcheck.check import all_rules
from poolcheck.libraries import LIBRARIES
from poolcheck.model import Finding
from poolcheck.pipeline import RunSettings, run
from poolcheck.rule import Example

SUFFIXES = {"rust": ".rs", "python": ".py"}

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{example.library}-{index}")
    for rule in all_rules()
    for index, example in enumerate(rule.examples)
]


def findings(snippets: Snippets, example: Example, code: str, folder: Path) -> list[Finding]:
    suffix = SUFFIXES[LIBRARIES[example.library].language]
    if not example.files:
        assert snippets.pools(code, suffix), "the example must contain a pool"
        return snippets.findings(code, suffix)
    # A system example: its code and the files around it, checked as a tree.
    for path, text in ((example.path, code), *example.files):
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    report = run([folder], RunSettings())
    assert report.pools, "the example must contain a pool"
    return list(report.findings)


def test_every_rule_has_examples_and_docs() -> None:
    for rule in all_rules():
        assert rule.examples, rule.id
        assert rule.summary and rule.why and rule.fix, rule.id
        assert all(e.library in LIBRARIES for e in rule.examples), rule.id


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_bad_example_triggers_the_rule(snippets: Snippets, tmp_path: Path, rule, example) -> None:  # type: ignore[no-untyped-def]
    fired = [f for f in findings(snippets, example, example.bad, tmp_path / "bad") if f.rule == rule.id]
    assert fired, f"{rule.id} did not fire on its bad {example.library} example"
    assert all(f.library in (example.library, "postgresql") for f in fired)


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_good_example_does_not(snippets: Snippets, tmp_path: Path, rule, example) -> None:  # type: ignore[no-untyped-def]
    fired = [f for f in findings(snippets, example, example.good, tmp_path / "good") if f.rule == rule.id]
    assert not fired, [f.message for f in fired]
