"""PyYAML's safe loader within bounds, building the values of documents.py from its nodes.

Composing stops at ``MAX_DEPTH`` levels of nesting; a document whose aliases expand past its
budget (a "billion laughs") or refer to themselves is refused before any value is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from poolcheck.capacity.documents import BadDocument, Document, YamlMapping, YamlSequence
from poolcheck.numbers import MAX_TEXT

MAX_DEPTH = 100  # levels of nesting; manifests and compose files use about 15
# Expanded nodes a document may reach through its aliases: what its text could hold plainly, and more.
BASE_BUDGET = 100_000
BUDGET_PER_CHARACTER = 20
LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"


class RefusedDocument(yaml.YAMLError):
    """A document poolcheck does not build: nested too deep, aliases expanding too far or in a loop."""


class _Bounded(Composer):
    """PyYAML's composer, composing nodes no deeper than ``MAX_DEPTH`` (it recurses)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RefusedDocument(f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _Loader(_Bounded, CParser, SafeConstructor, Resolver):
        """libyaml's reader, scanner and parser under the bounded composer: ten times faster than
        PyYAML's own, and as strict (they refuse control characters, and flows nested past 1,000
        levels)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:  # pragma: no cover - a PyYAML built without libyaml

    class _Loader(_Bounded, yaml.SafeLoader):  # type: ignore[no-redef]
        """PyYAML's own safe loader, with the bounded composer."""


def documents_in(chunk: str, offset: int) -> Iterator[Document | BadDocument]:
    loader: _Loader | None = None
    try:
        loader = _Loader(chunk)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _measure(node, BASE_BUDGET + BUDGET_PER_CHARACTER * len(chunk))
            yield Document(_Builder(loader, offset).value(node), node.start_mark.line + offset + 1)
    except RecursionError:  # a safety net: MAX_DEPTH keeps the composer and builder far from it
        yield BadDocument(offset + 1, f"nested deeper than {MAX_DEPTH} levels")
    except UnicodeError:  # a lone surrogate libyaml cannot take; decoded files have none
        yield BadDocument(offset + 1, "not valid UTF-8")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + offset + 1 if mark is not None else offset + 1
        if isinstance(error, yaml.reader.ReaderError):  # a character the reader refuses, by its place
            line = _line_at(chunk, error.position) + offset
        # The first line: the rest names "<unicode string>", the chunk's place in no file.
        problem = str(getattr(error, "problem", None) or error).strip().split("\n")[0]
        if problem == LIBYAML_TOO_DEEP:  # its parser's bound on flow nesting, far past the composer's
            problem = f"nested deeper than {MAX_DEPTH} levels"
        yield BadDocument(line, problem)
    finally:
        if loader is not None:
            loader.dispose()


def _line_at(chunk: str, position: int) -> int:
    """The line of a reader's position in ``chunk``: libyaml's count the bytes of the UTF-8 it reads."""
    if yaml.__with_libyaml__:
        return chunk.encode("utf-8", "replace")[:position].count(b"\n") + 1
    return chunk[:position].count("\n") + 1  # pragma: no cover


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _measure(root: yaml.Node, budget: int) -> None:
    """Refuse a document whose expanded size or depth, counting each alias as a copy, passes the bounds.

    One pass over the distinct nodes (each measured once), without recursion, so a chain of
    aliases or a bomb of them costs its text, not its expansion.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            own = 1 + (len(node.value) // 100 if isinstance(node, yaml.ScalarNode) else 0)
            size[key] = own + sum(size[id(child)] for child in children)
            height[key] = 1 + max((height[id(child)] for child in children), default=0)
            on_path.discard(key)
            if size[key] > budget:
                raise RefusedDocument(f"aliases expand past {budget:,} nodes (an alias bomb?)")
            if height[key] > MAX_DEPTH:
                raise RefusedDocument(f"nested deeper than {MAX_DEPTH} levels through aliases")
            continue
        if key in size:
            continue
        if key in on_path:
            raise RefusedDocument("an alias refers to the node that holds it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


class _Builder:
    """Plain values from a measured node tree: each node built once, aliases sharing the result."""

    def __init__(self, loader: _Loader, offset: int) -> None:
        self.loader = loader
        self.offset = offset
        self.built: dict[int, Any] = {}

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.offset + 1

    def value(self, node: yaml.Node) -> Any:
        key = id(node)
        if key not in self.built:
            if isinstance(node, yaml.MappingNode):
                self.built[key] = self._mapping(node)
            elif isinstance(node, yaml.SequenceNode):
                built = YamlSequence(self.line(node))
                for item in node.value:
                    built.append(self.value(item))
                    built.item_lines.append(self.line(item))
                self.built[key] = built
            else:
                self.built[key] = self._scalar(node)
        return self.built[key]

    def _mapping(self, node: yaml.MappingNode) -> YamlMapping:
        built = YamlMapping(self.line(node))
        merged: list[YamlMapping] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # << : *defaults, or a list of them; written keys win
                value = self.value(value_node)
                merged += [
                    m for m in (value if isinstance(value, list) else [value]) if isinstance(m, YamlMapping)
                ]
                continue
            key = self.value(key_node)
            try:
                built[key] = self.value(value_node)
            except TypeError:  # a mapping or list as a key: nothing poolcheck reads
                continue
            built.key_lines[key] = self.line(key_node)
        for source in merged:
            for key, value in source.items():
                if key not in built:
                    built[key] = value
                    built.key_lines[key] = source.line_of(key)
        return built

    def _scalar(self, node: yaml.Node) -> Any:
        text = str(node.value)
        tag = node.tag
        if not tag.startswith("tag:yaml.org,2002:"):  # !reset, !override, any local tag: the plain value
            tag = self.loader.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag == NULL_TAG:
            return None
        plain = yaml.ScalarNode(tag, text)
        if tag == BOOL_TAG:
            return self.loader.construct_yaml_bool(plain)
        if tag in (INT_TAG, FLOAT_TAG) and len(text) <= MAX_TEXT:  # a longer one stays text
            try:
                return (
                    self.loader.construct_yaml_int(plain)
                    if tag == INT_TAG
                    else self.loader.construct_yaml_float(plain)
                )
            except (ValueError, OverflowError):
                return text
        return text
