"""Type aliases, in the file and in the crate's other modules: ``type DbPool = Pool<..>``.

diesel services name their pool type once (``src/db.rs: pub type DbPool =
Pool<ConnectionManager<PgConnection>>;``) and write the alias where they build
the pool: as the function's return type, as a ``let``'s type, or as the path of
the constructor (``DbPool::builder()``). A path names an alias when its last
segment is a top-level ``type`` item of the module it names: this file for a
bare name; the module a ``use`` brings it from (``use crate::db::DbPool``), and
a re-export there in turn, of the project's alias or of a library's own type
(``pub use diesel::r2d2::Pool;``); the module its own path names
(``db::DbPool``, ``crate::db::DbPool``); or another crate of the project that
this one depends on by path (``use common::db::DbPool``). The aliased type is
read in the file that writes it, through that file's ``use`` declarations. A
library's own modules are not read.
"""

from __future__ import annotations

from poolcheck.frontends.rust import project
from poolcheck.frontends.rust.syntax import Node, RustFile, captures, path_segments

MAX_STEPS = 6  # aliases of aliases and re-exports, followed this far (and no further round a cycle)
PATHS = ("identifier", "scoped_identifier", "type_identifier", "scoped_type_identifier")
RELATIVE = ("crate", "self", "super")  # the heads of a path into the crate's own modules

Written = tuple[Node, RustFile]  # a type, and the file that writes it


def expansions(node: Node, file: RustFile) -> list[Written]:
    """What the type ``node`` stands for, each alias followed to its end: ``node`` itself when it
    names no alias; two types where ``#[cfg(..)]`` variants define the alias twice."""
    found: list[Written] = []
    pending = [(node, file, 0)]
    while pending:
        current, where, steps = pending.pop()
        targets = aliased(current, where) if steps < MAX_STEPS else []
        if targets:
            pending += [(target, defined, steps + 1) for target, defined in reversed(targets)]
        else:
            found.append((current, where))
    return found


def aliased(node: Node, file: RustFile) -> list[Written]:
    """The types the alias named by the path ``node`` is defined as; empty when it names none."""
    if node.type not in PATHS:
        return []
    return _defined([name for name, _ in path_segments(node, file)], file, 0)


def _defined(segments: list[str], file: RustFile, steps: int) -> list[Written]:
    if not segments or steps >= MAX_STEPS:
        return []
    name = segments[-1]
    if len(segments) == 1:
        if segments[0] in file.type_aliases:
            return [(target, file) for target in file.type_aliases[segments[0]]]
        used = file.imports.get(segments[0])  # `use crate::db::DbPool;`, or `.. as Pool`
        if used is None:
            return []
        segments = used.split("::")
    else:
        segments = file.qualified(segments)
    if len(segments) < 2:
        return []
    if segments[0] in RELATIVE or segments[0] in file.modules:
        other = project.module_file(file.path, segments[:-1])
    else:  # another crate of the project (`use common::db::DbPool`), not a library's
        other = project.dependency_module_file(file.path, segments[:-1])
        if other is None and steps > 0:  # this module of the project re-exports a library's type
            return _reexport(name, file)
    return _defined(segments[-1:], other, steps + 1) if other is not None else []


def _reexport(name: str, file: RustFile) -> list[Written]:
    """The name a module's ``use`` brings in (``pub use diesel::r2d2::Pool;``), read in that module."""
    for tree in file.use_trees:
        for node in captures("(identifier) @name", tree).get("name", []):
            if file.text(node) == name:
                return [(node, file)]
    return []
