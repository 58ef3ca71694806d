"""Every package of the engine ships in the wheel (a missing one breaks only non-editable installs)."""

from __future__ import annotations

import sys

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "poolcheck").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found | {"poolcheck.rules"} == listed
    assert (ROOT / "rules" / "__init__.py").exists()
