"""tree-sitter-python expressions as ``ast`` expressions, converted when a value is asked for.

The value resolver reads ``ast`` nodes: a small, typed model of expressions that
every Python programmer knows. tree-sitter's grammar decides what the file says;
only the expressions poolcheck reads (a call to an entry point, the value bound to
a name it follows) are converted, never the whole module. Positions are kept as
``ast`` keeps them: 1-based lines and UTF-8 byte columns. Whatever the resolver
has no use for (a lambda, a comprehension, a t-string, a too deeply nested
expression) becomes an ``Opaque`` node that keeps its position and reads as
unknown.
"""

from __future__ import annotations

import ast
import unicodedata
import warnings
from typing import TypeVar

import tree_sitter

Node = tree_sitter.Node
Made = TypeVar("Made", bound=ast.AST)

# Deeper than this, an expression is unknown: CPython's parser gives up at about the same depth.
MAX_DEPTH = 200

BINARY = {
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "//": ast.FloorDiv,
    "%": ast.Mod,
    "**": ast.Pow,
    "<<": ast.LShift,
    ">>": ast.RShift,
    "&": ast.BitAnd,
    "|": ast.BitOr,
    "^": ast.BitXor,
    "@": ast.MatMult,
}
UNARY = {"-": ast.USub, "+": ast.UAdd, "~": ast.Invert}
CONSTANTS = {"true": True, "false": False, "none": None, "ellipsis": ...}


class Opaque(ast.expr):
    """An expression whose value poolcheck does not read; it keeps only its position."""

    _fields = ()


def identifier(node: Node) -> str:
    """A name as the interpreter reads it: identifiers are NFKC-normalized (PEP 3131)."""
    text = node.text.decode("utf-8", "replace") if node.text is not None else ""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def located(made: Made, node: Node, end: Node | None = None) -> Made:
    (row, column), (end_row, end_column) = node.start_point, (end or node).end_point
    made.lineno, made.col_offset = row + 1, column  # type: ignore[attr-defined]
    made.end_lineno, made.end_col_offset = end_row + 1, end_column  # type: ignore[attr-defined]
    return made


def expression(node: Node, depth: int = 0) -> ast.expr:
    """The ``ast`` form of a tree-sitter expression node."""
    converted = _convert(node, depth)
    located(converted, node)
    return converted


def keyword(node: Node, depth: int = 0) -> ast.keyword:
    """``name=value`` or ``**value`` in a call's arguments."""
    if node.type == "dictionary_splat":
        made = ast.keyword(arg=None, value=expression(_only(node), depth + 1))
    else:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        made = ast.keyword(arg=identifier(name) if name else None, value=_or_opaque(value, node, depth))
    located(made, node)
    return made


def _convert(node: Node, depth: int) -> ast.expr:
    if depth > MAX_DEPTH:
        return Opaque()
    depth += 1
    kind = node.type
    if kind == "identifier":
        return ast.Name(id=identifier(node), ctx=ast.Load())
    if kind == "attribute":
        value, attribute = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if value is None or attribute is None:
            return Opaque()
        return ast.Attribute(value=expression(value, depth), attr=identifier(attribute), ctx=ast.Load())
    if kind == "call":
        return _call(node, depth)
    if kind in ("integer", "float"):
        return _number(node)
    if kind in ("string", "concatenated_string"):
        return _string(node, depth)
    if kind in CONSTANTS:
        return ast.Constant(value=CONSTANTS[kind])
    if kind == "parenthesized_expression":
        inner = _named(node)
        return _convert(inner[0], depth) if len(inner) == 1 else Opaque()
    if kind == "unary_operator":
        operator, argument = node.child_by_field_name("operator"), node.child_by_field_name("argument")
        op = UNARY.get(operator.type if operator else "")
        if op is None or argument is None:
            return Opaque()
        return ast.UnaryOp(op=op(), operand=expression(argument, depth))
    if kind == "binary_operator":
        return _binary(node, depth)
    if kind == "boolean_operator":
        return _boolean(node, depth)
    if kind == "conditional_expression":  # `body if test else orelse`: three unnamed children
        parts = _named(node)
        if len(parts) != 3:
            return Opaque()
        body, test, orelse = (expression(part, depth) for part in parts)
        return ast.IfExp(test=test, body=body, orelse=orelse)
    if kind == "subscript":
        return _subscript(node, depth)
    if kind == "dictionary":
        return _dictionary(node, depth)
    if kind in ("list", "tuple", "expression_list", "set"):
        elements = [_element(child, depth) for child in _named(node)]
        if kind == "list":
            return ast.List(elts=elements, ctx=ast.Load())
        if kind == "set":
            return ast.Set(elts=elements)
        return ast.Tuple(elts=elements, ctx=ast.Load())
    if kind in ("list_splat", "list_splat_pattern"):
        return ast.Starred(value=expression(_only(node), depth), ctx=ast.Load())
    return Opaque()


def _named(node: Node) -> list[Node]:
    return [child for child in node.named_children if child.type != "comment"]


def _only(node: Node) -> Node:
    inner = _named(node)
    return inner[0] if inner else node


def _or_opaque(node: Node | None, around: Node, depth: int) -> ast.expr:
    if node is None:
        return located(Opaque(), around)
    return expression(node, depth + 1)


def _element(node: Node, depth: int) -> ast.expr:
    return expression(node, depth) if node.type != "keyword_argument" else located(Opaque(), node)


def _call(node: Node, depth: int) -> ast.expr:
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if function is None or arguments is None:
        return Opaque()
    args: list[ast.expr] = []
    keywords: list[ast.keyword] = []
    if arguments.type == "generator_expression":  # f(x for x in xs)
        args.append(located(Opaque(), arguments))
    else:
        for argument in _named(arguments):
            if argument.type in ("keyword_argument", "dictionary_splat"):
                keywords.append(keyword(argument, depth))
            else:
                args.append(expression(argument, depth))
    return ast.Call(func=expression(function, depth), args=args, keywords=keywords)


def _number(node: Node) -> ast.expr:
    text = (node.text or b"").decode("ascii", "replace")
    try:
        if text[-1:] in ("j", "J"):
            return ast.Constant(value=complex(text))
        if node.type == "float":
            return ast.Constant(value=float(text))
        return ast.Constant(value=int(text, 0))
    except ValueError:  # Python 2's 0777, or more digits than int() converts: unknown
        return Opaque()


def _string(node: Node, depth: int) -> ast.expr:
    pieces = _named(node) if node.type == "concatenated_string" else [node]
    parts: list[ast.expr] = []
    for piece in pieces:
        prefix = _prefix(piece)
        if "t" in prefix:  # a t-string is a Template, not a str (PEP 750)
            return Opaque()
        if "f" in prefix:
            parts += _formatted(piece, prefix, depth)
        else:
            value = _literal(piece.text or b"")
            if value is None:
                return Opaque()
            parts.append(located(ast.Constant(value=value), piece))
    if all(isinstance(part, ast.Constant) for part in parts):
        values = [part.value for part in parts]  # type: ignore[attr-defined]
        if all(isinstance(value, str) for value in values):
            return ast.Constant(value="".join(values))
        if all(isinstance(value, bytes) for value in values):
            return ast.Constant(value=b"".join(values))
        return Opaque()  # str and bytes mixed: an error at run time
    return ast.JoinedStr(values=parts)


def _prefix(piece: Node) -> str:
    start = piece.child(0)
    text = (start.text or b"") if start is not None and start.type == "string_start" else b""
    return text.decode("ascii", "replace").rstrip("'\"").lower()


def _formatted(piece: Node, prefix: str, depth: int) -> list[ast.expr]:
    """An f-string's literal runs and fields; a run's escapes are read as the plain string's would be."""
    start, end = piece.child(0), piece.child(piece.child_count - 1)
    quote = (start.text or b"").decode("ascii", "replace")[len(prefix) :] if start else '"'
    plain = prefix.replace("f", "")
    parts: list[ast.expr] = []
    for child in piece.children:
        if child in (start, end):
            continue
        if child.type == "interpolation":
            inner = child.child_by_field_name("expression")
            value = expression(inner, depth) if inner is not None else located(Opaque(), child)
            parts.append(located(ast.FormattedValue(value=value, conversion=-1, format_spec=None), child))
            continue
        text = (child.text or b"").replace(b"{{", b"{").replace(b"}}", b"}")
        run = _literal(f"{plain}{quote}".encode() + text + quote.encode())
        last = parts[-1] if parts else None
        if not isinstance(run, str):
            parts.append(located(Opaque(), child))
        elif isinstance(last, ast.Constant) and isinstance(last.value, str):  # an escape splits a run
            last.value += run
            last.end_lineno, last.end_col_offset = child.end_point[0] + 1, child.end_point[1]
        else:
            parts.append(located(ast.Constant(value=run), child))
    return parts


def _literal(text: bytes) -> str | bytes | None:
    """A plain string literal's value; None when it is not one (a stray prefix, a bad escape)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes warn, and keep their backslash
            value = ast.literal_eval(text.decode("utf-8", "replace"))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (str, bytes)) else None


def _binary(node: Node, depth: int) -> ast.expr:
    left, operator, right = (
        node.child_by_field_name("left"),
        node.child_by_field_name("operator"),
        node.child_by_field_name("right"),
    )
    op = BINARY.get(operator.type if operator else "")
    if left is None or right is None or op is None:
        return Opaque()
    return ast.BinOp(left=expression(left, depth), op=op(), right=expression(right, depth))


def _boolean(node: Node, depth: int) -> ast.expr:
    """``a or b or c`` is one ``BoolOp`` with three values, as the interpreter reads it."""
    operator = node.child_by_field_name("operator")
    kind = operator.type if operator else ""
    if kind not in ("and", "or"):
        return Opaque()
    values: list[ast.expr] = []
    current: Node | None = node
    while current is not None and current.type == "boolean_operator":
        op = current.child_by_field_name("operator")
        right = current.child_by_field_name("right")
        if op is None or op.type != kind or right is None:
            break
        values.append(expression(right, depth))
        current = current.child_by_field_name("left")
        depth += 1
        if depth > MAX_DEPTH:
            return Opaque()
    if current is None:
        return Opaque()
    values.append(expression(current, depth))
    return ast.BoolOp(op=ast.Or() if kind == "or" else ast.And(), values=values[::-1])


def _subscript(node: Node, depth: int) -> ast.expr:
    value = node.child_by_field_name("value")
    indices = node.children_by_field_name("subscript")
    if value is None or not indices:
        return Opaque()
    if len(indices) == 1:
        index = expression(indices[0], depth)
    else:
        index = located(
            ast.Tuple(elts=[expression(i, depth) for i in indices], ctx=ast.Load()), indices[0], indices[-1]
        )
    return ast.Subscript(value=expression(value, depth), slice=index, ctx=ast.Load())


def _dictionary(node: Node, depth: int) -> ast.expr:
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    for entry in _named(node):
        if entry.type == "pair":
            key, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
            if key is None or value is None:
                return Opaque()
            keys.append(expression(key, depth))
            values.append(expression(value, depth))
        elif entry.type == "dictionary_splat":
            keys.append(None)
            values.append(expression(_only(entry), depth))
        else:  # a comprehension
            return Opaque()
    return ast.Dict(keys=keys, values=values)
