"""poolcheck's rules, one module each; every module defines ``RULE``."""

from __future__ import annotations

import importlib
import pkgutil

from poolcheck.rule import Rule


def all_rules() -> tuple[Rule, ...]:
    """Every rule in this package, ordered by id."""
    rules = [
        importlib.import_module(f"{__name__}.{module.name}").RULE
        for module in pkgutil.iter_modules(__path__)
        if module.name.startswith("pc")
    ]
    return tuple(sorted(rules, key=lambda rule: rule.id))
