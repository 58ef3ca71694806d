"""The Python front end: libcst with qualified names, run only on prefiltered candidates."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper

from poolcheck.frontends.python.bindings import BindingsCollector
from poolcheck.frontends.python.sites import SiteFinder
from poolcheck.model import FileError, FileResult


def extract(path: str, data: bytes) -> FileResult:
    try:
        module = cst.parse_module(data)  # honours PEP 263 cookies and a UTF-8 BOM
    except UnicodeDecodeError:
        message = "not valid in its declared encoding (UTF-8 unless a PEP 263 coding cookie says otherwise)"
        return FileResult(path, errors=(FileError(path, message, "read"),))
    except (LookupError, SyntaxError) as error:  # an unknown codec in the cookie
        return FileResult(path, errors=(FileError(path, f"cannot decode: {error}", "read"),))
    except cst.ParserSyntaxError as error:
        message = f"syntax error at line {error.raw_line}: {error.message}; file not analysed"
        return FileResult(path, errors=(FileError(path, message, "parse"),))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    bindings = BindingsCollector()
    wrapper.visit(bindings)
    text = data.decode(module.encoding, "replace").removeprefix("\ufeff")
    finder = SiteFinder(path, text.splitlines(), bindings)
    wrapper.visit(finder)
    return FileResult(path, tuple(finder.sites))
