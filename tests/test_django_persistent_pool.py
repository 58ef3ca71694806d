"""Django 5.1+ refuses persistent connections beside a pool: DatabaseWrapper.pool raises
ImproperlyConfigured when the alias's CONN_MAX_AGE is not 0, None included (backends/postgresql/
base.py, 5.1 - 6.1.3). PC007 reports it, and a card puts it back to 0, never proposing a lifetime there.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import Snippets
from poolcheck.rules.pc007_invalid_pool_bounds import RULE as PC007

from poolcheck.cards.content import build_cards
from poolcheck.cards.source import statement_tail
from poolcheck.check import default_options
from poolcheck.effective import effective_pool
from poolcheck.libraries.django import DJANGO_POOL
from poolcheck.model import Setting
from poolcheck.pipeline import RunSettings, run

POOLED = """
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",{extra}
        "OPTIONS": {{"pool": {{"min_size": 2, "max_size": 50, "timeout": 5, "max_idle": 600, "max_lifetime": 1800}}}},
        "CONN_HEALTH_CHECKS": True,
    }},
}}
"""


def test_the_pool_s_lifetime_is_its_own_knob_never_conn_max_age() -> None:
    assert DJANGO_POOL.knob_name("max_lifetime") == "max_lifetime"
    knob = DJANGO_POOL.knob("CONN_MAX_AGE")
    assert knob is not None and knob.refused is not None and knob.refused.accepted == 0
    assert not DJANGO_POOL.has(knob.concept)  # no default: a card never adds it


@pytest.mark.parametrize(
    ("written", "refused"),
    [
        (Setting(600, "explicit", expr="600"), True),
        (Setting(None, "disabled", expr="None"), True),  # None != 0: forever is refused too
        (Setting(0, "explicit", expr="0"), False),
        (Setting(None, "dynamic", expr='int(os.getenv("DB_CONN_MAX_AGE", "0"))'), False),  # unknown
    ],
)
def test_pc007_reports_conn_max_age_beside_a_pool(
    snippets: Snippets, written: Setting, refused: bool
) -> None:
    # The pool site as the front end gives it, with the alias's CONN_MAX_AGE passed on to it.
    site = snippets.site(POOLED.format(extra=""), ".py")
    pool = effective_pool(replace(site, knobs=(*site.knobs, ("CONN_MAX_AGE", written))))
    found = [v for v in PC007.check(pool, default_options()) if v.concept == "persistent_connections"]
    assert bool(found) is refused
    if refused:
        (violation,) = found
        assert violation.priority == "p1" and "ImproperlyConfigured" in violation.message
        assert "max_lifetime" in violation.message  # what bounds a pooled connection's age instead


def proposed_code(folder: Path, code: str) -> list[str]:
    """Every code block of every card's Proposed Solutions for the settings file."""
    (folder / ".git").mkdir()
    (folder / "settings.py").write_text(textwrap.dedent(code))
    previous = Path.cwd()
    os.chdir(folder)
    try:
        report = run([Path("settings.py")], RunSettings())
        options = default_options()
        cards = build_cards(report, lambda _: options, date(2025, 1, 2), "pool", statement_tail)  # type: ignore[arg-type]
    finally:
        os.chdir(previous)
    assert any(f.rule == "PC007" for f in report.findings), [f.rule for f in report.findings]
    bodies = [s.body for card in cards for s in card.sections if s.heading == "Proposed Solutions"]
    return [block for body in bodies for block in re.findall(r"```python\n(.*?)\n```", body, re.S)]


def test_a_card_puts_conn_max_age_back_to_0_beside_a_pool(tmp_path: Path) -> None:
    blocks = proposed_code(tmp_path, POOLED.format(extra='\n        "CONN_MAX_AGE": 600,'))
    assert blocks
    for block in blocks:
        whole = block.startswith("DATABASES")
        alias = ast.literal_eval(block.split("=", 1)[1] if whole else "{" + block.rstrip(",") + "}")[
            "default"
        ]
        assert alias.get("CONN_MAX_AGE", 0) == 0, block
