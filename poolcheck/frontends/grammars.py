"""The grammars' languages, loaded from their compiled modules without their packages' ``__init__``.

tree_sitter_python's and tree_sitter_rust's ``__init__`` import ``importlib.resources`` (and with it
tempfile, shutil, bz2, lzma and random) for highlight queries poolcheck never reads: a quarter of the
Python front end's import, paid by every worker that parses a file. The ``_binding`` extension
beside it is all a parser needs.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys

import tree_sitter


def language(package: str) -> tree_sitter.Language:
    """The language of the grammar package ``package`` (``tree_sitter_python``)."""
    name = f"{package}._binding"
    binding = sys.modules.get(name)
    if binding is None:
        found = importlib.util.find_spec(package)  # a top-level package is found, not run
        locations = found.submodule_search_locations if found is not None else None
        spec = importlib.machinery.PathFinder.find_spec(name, locations) if locations else None
        if spec is None or spec.loader is None:  # laid out otherwise: through the package itself
            return tree_sitter.Language(importlib.import_module(package).language())
        binding = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(binding)
        sys.modules[name] = binding  # the package, imported later, takes this one
    return tree_sitter.Language(binding.language())
