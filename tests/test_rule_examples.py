"""Every rule proves itself: each example's bad code triggers it and its good code does not."""

from __future__ import annotations

import pytest
from conftest import Snippets

from poolcheck.check import all_rules
from poolcheck.libraries import LIBRARIES

SUFFIXES = {"rust": ".rs", "python": ".py"}

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{example.library}-{index}")
    for rule in all_rules()
    for index, example in enumerate(rule.examples)
]


def test_every_rule_has_examples_and_docs() -> None:
    for rule in all_rules():
        assert rule.examples, rule.id
        assert rule.summary and rule.why and rule.fix, rule.id
        assert all(e.library in LIBRARIES for e in rule.examples), rule.id


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_bad_example_triggers_the_rule(snippets: Snippets, rule, example) -> None:  # type: ignore[no-untyped-def]
    suffix = SUFFIXES[LIBRARIES[example.library].language]
    fired = [f for f in snippets.findings(example.bad, suffix) if f.rule == rule.id]
    assert fired, f"{rule.id} did not fire on its bad {example.library} example"
    assert all(f.library == example.library for f in fired)


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_good_example_does_not(snippets: Snippets, rule, example) -> None:  # type: ignore[no-untyped-def]
    suffix = SUFFIXES[LIBRARIES[example.library].language]
    assert snippets.pools(example.good, suffix), "the good example must still contain a pool"
    fired = [f for f in snippets.findings(example.good, suffix) if f.rule == rule.id]
    assert not fired, [f.message for f in fired]
