"""Every rule's bad example, fixed with ``--fix --unsafe-fixes``, no longer has that rule's finding,
still parses, and a second ``--fix`` changes nothing.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from poolcheck.check import all_rules, default_options
from poolcheck.fix.apply import Outcome, fixed_run
from poolcheck.fix.plan import FixRules
from poolcheck.fix.verify import parse_problem
from poolcheck.libraries import LIBRARIES
from poolcheck.pipeline import RunSettings, analyse
from poolcheck.rule import Example, Rule

SUFFIXES = {"rust": ".rs", "python": ".py"}
UNSAFE = FixRules(unsafe=True)
# Findings no edit of the construction can remove: the card names what to change instead.
NOT_FIXABLE: set[str] = set()


def fixable_cases() -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{example.library}-{index}")
        for rule in all_rules()
        if rule.id not in NOT_FIXABLE
        for index, example in enumerate(rule.examples)
    ]


def tree(folder: Path, example: Example) -> Path:
    """The bad example in a folder of its own, with the files around it for a system example."""
    language = LIBRARIES[example.library].language
    written = [(example.path or f"pool{SUFFIXES[language]}", example.bad), *example.files]
    for path, text in written:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))
    return folder / (example.path or f"pool{SUFFIXES[language]}")


def fixed(folder: Path) -> Outcome:
    settings = RunSettings(project_root=folder)
    options = default_options()
    return fixed_run(analyse([folder], settings), settings, UNSAFE, lambda path: options, write=True)


@pytest.mark.parametrize(("rule", "example"), fixable_cases())
def test_a_fixed_bad_example_has_no_finding_of_its_rule(tmp_path: Path, rule: Rule, example: Example) -> None:
    code = tree(tmp_path, example)
    before = code.read_text()
    outcome = fixed(tmp_path)
    left = [f for f in outcome.report.findings if f.rule == rule.id]
    reasons = [u.reason for u in outcome.unfixed if u.finding.rule == rule.id]
    assert not left, (rule.id, reasons, code.read_text())
    after = code.read_text()
    assert after != before
    assert parse_problem(LIBRARIES[example.library].language, after) is None
    again = fixed(tmp_path)
    assert not again.files, [f.text for f in again.files]
    assert code.read_text() == after


def test_every_fixable_rule_has_a_case() -> None:
    assert {case.values[0].id for case in fixable_cases()} == {  # type: ignore[attr-defined]
        rule.id for rule in all_rules() if rule.id not in NOT_FIXABLE
    }
