"""The grammars are loaded from their compiled modules, without what their packages' ``__init__`` imports."""

from __future__ import annotations

import importlib.machinery
import subprocess
import sys

import pytest
import tree_sitter

from poolcheck.frontends import grammars

LOADED = """
import sys
from poolcheck.frontends.python import syntax
from poolcheck.frontends.rust import syntax as rust
print(sorted(m for m in ("importlib.resources", "tempfile", "shutil", "tree_sitter_python") if m in sys.modules))
print(syntax.parse("x = 1\\n").root.type, rust.RUST.name)
"""


def test_a_front_end_loads_its_grammar_without_the_packages_imports() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, check=True, timeout=60
    )
    assert shown.stdout.splitlines() == ["[]", "module rust"]


@pytest.mark.parametrize("package", ["tree_sitter_python", "tree_sitter_rust"])
def test_the_package_imported_later_is_the_same_grammar(package: str) -> None:
    loaded = grammars.language(package)
    imported = importlib.import_module(package)
    assert tree_sitter.Language(imported.language()).name == loaded.name
    assert (
        tree_sitter.Parser(loaded).parse(b"fn f() {}" if "rust" in package else b"f()").root_node.has_error
        is False
    )


def test_a_package_laid_out_otherwise_is_loaded_through_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    importlib.import_module("tree_sitter_python")  # imported before any finder is refused below
    monkeypatch.delitem(sys.modules, "tree_sitter_python._binding", raising=False)
    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", classmethod(lambda cls, *args: None))
    parsed = tree_sitter.Parser(grammars.language("tree_sitter_python")).parse(b"import os\n")
    assert parsed.root_node.children[0].type == "import_statement"
