"""An expression written in another module, read where it is written.

A pool built at a call of a project's wrapper (``make_engine(url, pool_size=20)``)
takes keywords the wrapper's body writes (``pool_recycle=1800``), and a Django
alias built by a settings helper of another module takes the helper's dict. Such a
value is a ``Foreign`` node in the calling module's expressions: it keeps the
module that wrote it, with the scopes and line to read it at, and it is placed
where the calling module uses it (the call), so a setting's location stays in the
file that builds the pool while its value is read, and said defined, elsewhere.
"""

from __future__ import annotations

import ast
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from poolcheck.frontends.python.statements import Scope
from poolcheck.frontends.resolved import Resolved

if TYPE_CHECKING:
    from poolcheck.frontends.python.values import Resolver


class Located(Protocol):
    """A node with a position: ast expressions, keywords, dict entries."""

    @property
    def lineno(self) -> int: ...
    @property
    def col_offset(self) -> int: ...
    @property
    def end_lineno(self) -> int | None: ...
    @property
    def end_col_offset(self) -> int | None: ...


class Foreign(ast.expr):
    """``node`` of the module ``resolver`` reads, at ``line`` in ``scopes``; positioned at ``anchor``."""

    _fields = ()

    def __init__(
        self,
        resolver: Resolver,
        node: ast.expr,
        scopes: list[Scope],
        line: int,
        anchor: Located,
        text: str,
        shown: str | None = None,
    ) -> None:
        super().__init__()
        self.resolver, self.node, self.scopes, self.line = resolver, node, scopes, line
        self.text = text  # as written there
        self.written_line = getattr(node, "lineno", line)  # where, in its own file
        self.shown = shown  # a wrapper's parameter default, as messages name it: "make_engine(pool_size=)"
        self.lineno, self.col_offset = anchor.lineno, anchor.col_offset
        self.end_lineno, self.end_col_offset = anchor.end_lineno, anchor.end_col_offset

    def inside(self, node: ast.expr) -> Foreign:
        """Another expression of the same module and scopes (an entry of this dict), at the same place."""
        if isinstance(node, Foreign):
            return node
        return Foreign(self.resolver, node, self.scopes, self.line, self, written(node))

    @property
    def where(self) -> str:
        try:
            shown = os.path.relpath(self.resolver.path)
        except ValueError:  # another drive
            shown = self.resolver.path
        return f"{shown}:{self.written_line}"

    def resolved(self, depth: int) -> Resolved:
        found = self.resolver.resolve(self.node, self.scopes, self.line, depth)
        if found.source == "dynamic" or found.defined_at is not None:
            return found
        if found.source == "explicit" and self.shown is not None:
            return replace(found, source="constant", constant=self.shown, defined_at=self.where)
        return replace(found, defined_at=self.where)


def written(node: ast.expr) -> str:
    """An expression's text, for a value shown from another module."""
    try:
        return ast.unparse(node)
    except Exception:  # a node of poolcheck's own (Opaque) has no source form
        return "..."
