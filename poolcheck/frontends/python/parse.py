"""From a Python file's bytes to its pool sites: decode, parse with tree-sitter-python, find the sites."""

from __future__ import annotations

import io
import tokenize

from poolcheck.frontends.python.bindings import ModuleBindings
from poolcheck.frontends.python.settings import mentions_settings, settings_sites
from poolcheck.frontends.python.sites import SiteFinder
from poolcheck.frontends.python.syntax import parse
from poolcheck.frontends.python.wrappers import aliases, extract_calls

__all__ = ["extract", "extract_calls"]
from poolcheck.model import FileError, FileResult


def extract(path: str, data: bytes) -> FileResult:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)  # PEP 263 cookie or BOM
        text = data.decode(encoding)
    except (SyntaxError, LookupError) as error:
        return FileResult(path, errors=(FileError(path, f"cannot decode: {error}", "read"),))
    except UnicodeDecodeError:
        message = "not valid UTF-8 and no PEP 263 coding cookie says otherwise"
        return FileResult(path, errors=(FileError(path, message, "read"),))
    text = text.removeprefix("\ufeff")
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        message = f"syntax error at line {line}: source code cannot contain null bytes; file not analysed"
        return FileResult(path, errors=(FileError(path, message, "parse"),))
    try:
        parsed = parse(text, path)
        bindings = ModuleBindings(parsed.root)
        finder = SiteFinder(path, parsed.lines, bindings)
        sites = finder.find(parsed.root)
        named = aliases(path, bindings) if path and path != "-" else ()
        if mentions_settings(data):
            sites += settings_sites(parsed.root, finder)
    except RecursionError:  # CPython itself stops at 100 levels of indentation
        message = "syntax error: statements nested too deeply; file not analysed"
        return FileResult(path, errors=(FileError(path, message, "parse"),))
    errors = (
        (FileError(path, f"{parsed.error}; the rest of the file was read", "parse"),) if parsed.error else ()
    )
    return FileResult(path, tuple(sorted(sites, key=lambda site: site.span)), errors=errors, aliases=named)
