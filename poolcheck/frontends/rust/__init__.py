"""The Rust front end: parse with tree-sitter, then run every library's matcher."""

from __future__ import annotations

from poolcheck.frontends.rust import deadpool_config, pool_builders, seaorm, sqlx
from poolcheck.frontends.rust.syntax import RustFile
from poolcheck.model import FileError, FileResult

MATCHERS = (sqlx.find, seaorm.find, pool_builders.find, deadpool_config.find)


def extract(path: str, data: bytes) -> FileResult:
    file = RustFile(path, data, kept=True)
    sites = tuple(site for find in MATCHERS for site in find(file))
    errors: tuple[FileError, ...] = ()
    broken = file.first_syntax_error()
    if broken is not None:
        message = f"syntax error at line {broken}; analysed as far as the parser recovered"
        errors = (FileError(path, message, "parse"),)
    return FileResult(path, sites, errors)
