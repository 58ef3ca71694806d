"""From a Python file's bytes to its pool sites: decode, parse with the standard parser, find the sites."""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize

from poolcheck.frontends.python.bindings import ModuleBindings
from poolcheck.frontends.python.settings import settings_sites
from poolcheck.frontends.python.sites import SiteFinder
from poolcheck.model import FileError, FileResult

LINE_ENDS = re.compile(r"\r\n|\r|\n")
# The digits a decimal literal may have while parsing: Python's default (4,300) makes a file with a
# longer one a syntax error; this many still converts in milliseconds (the cost is quadratic).
MAX_LITERAL_DIGITS = 100_000


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
    try:
        tree = _parse(text, path)
    except SyntaxError as error:
        where = f" at line {error.lineno}" if error.lineno else ""  # a NUL byte has no line
        message = f"syntax error{where}: {error.msg}; file not analysed"
        return FileResult(path, errors=(FileError(path, message, "parse"),))
    except ValueError as error:  # Python 3.10's word for a NUL byte in the source
        return FileResult(
            path, errors=(FileError(path, f"syntax error: {error}; file not analysed", "parse"),)
        )
    lines = LINE_ENDS.split(text)  # as the parser counts lines: not str.splitlines' form feeds
    finder = SiteFinder(path, lines, ModuleBindings(tree))
    sites = finder.find(tree) + settings_sites(tree, finder)
    return FileResult(path, tuple(sorted(sites, key=lambda site: site.span)))


def _parse(text: str, path: str) -> ast.Module:
    """``ast.parse`` with room for long integer literals; values read from them are bounded later."""
    if not hasattr(sys, "set_int_max_str_digits"):  # Python 3.10 before 3.10.7 has no limit
        return ast.parse(text, filename=path)
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(MAX_LITERAL_DIGITS)
    try:
        return ast.parse(text, filename=path)
    finally:
        sys.set_int_max_str_digits(limit)
