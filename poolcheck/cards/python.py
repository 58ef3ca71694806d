"""Python constructions: keyword (or positional) arguments of one call, ``os.getenv`` values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from poolcheck.cards.rewrite import Inserted
from poolcheck.cards.spelling import Assignment, callback_on, writing
from poolcheck.cards.syntax import (
    PYTHON,
    comment_start,
    indent_step,
    leading_space,
    split_top_level,
    top_level,
)
from poolcheck.model import Pool

LINE_LENGTH = 88  # black's default: a call longer than this is laid out one argument per line
NUMBER = re.compile(r"-?\d+(\.\d+)?")
# A Django alias's setting changed after DATABASES (settings.py, AliasChange): the alias, subscripted.
ALIAS_CHANGE = re.compile(r"(DATABASES\[[^\]\n]+\])\[[^\]\n]+\]\s*=")


class PythonCode:
    fence = "python"
    lexicon = PYTHON

    def literal(self, assignment: Assignment, pool: Pool) -> str:
        value = assignment.value
        if assignment.unit == "callback":
            return callback_on(pool) or "True"
        if assignment.unit == "flag" or isinstance(value, bool):
            return "True" if value else "False"
        if assignment.unit == "seconds":
            return f"{value:g}"
        return str(int(value))

    def fragment(self, knob: str, code: str) -> str:
        return f"{knob}={code}"

    def in_text(self, knob: str, code: str, pool: Pool) -> str:
        """How the setting reads in running text: ``pool_size=40``."""
        return self.fragment(knob, code)

    def value_range(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """After ``name=`` (a keyword) or ``"key":`` (a dict entry); the whole span for a positional value."""
        separators = top_level(text, start, end, "=:", PYTHON)
        if not separators:
            return start, end
        value = separators[0] + 1
        while value < end and text[value] in " \t":
            value += 1
        return value, end

    def adapt(self, written: str, code: str) -> str:
        """A number replacing a string value (an ``engine_from_config`` dict) stays a string."""
        if written[:1] in ("'", '"') and NUMBER.fullmatch(code):
            return f"{written[0]}{code}{written[0]}"
        return code

    def insert(
        self, text: str, start: int, end: int, fragments: Sequence[str], pool: Pool
    ) -> Inserted | None:
        """New keyword arguments go last in the call, keeping its layout (and a trailing comma); a
        settings dict (Flask's engine options, a Django DATABASES entry) gets ``"knob": value`` entries.
        """
        if text[end - 1] == "}":
            return _into_settings(text, start, end, fragments, pool)
        changed = ALIAS_CHANGE.match(text, start)
        if changed is not None and pool.site.entry == "django.DATABASES":  # a change statement
            return _beside_change(text, start, end, changed.group(1), fragments)
        if pool.site.entry.startswith("django.DATABASES") and fragments:
            return None  # an entry a function builds (`read_replica(..)`): its keywords are its own
        if pool.site.entry in OPTIONS_ARGUMENT:
            return _into_options_argument(text, start, end, fragments, OPTIONS_ARGUMENT[pool.site.entry])
        if fragments and not writing(pool).adds:
            return None
        closing = end - 1
        openings = top_level(text, start, end, "(", PYTHON)
        if text[closing] != ")" or not openings:
            return None
        opening = openings[0]
        if "\n" not in text[start:end]:
            return Inserted(self._one_line(text, start, end, opening, fragments))
        if not fragments:
            return Inserted(text)
        before = text[:closing].rstrip()
        line_start = text.rfind("\n", 0, closing) + 1
        if text[line_start:closing].strip():  # `)` follows the last argument: add inline
            joiner = " " if before.endswith(",") else ", "
            return Inserted(before + joiner + ", ".join(fragments) + text[len(before) :])
        last_line = before[before.rfind("\n") + 1 :]
        indent = leading_space(last_line) if before.rfind("\n") >= opening else ""
        if not indent:
            indent = leading_space(text[line_start:closing]) + indent_step(text[line_start:closing])
        code, comment = _split_comment(before, last_line)  # `x=5,  # burst`: the comma before the comment
        comma = "" if code.endswith((",", "(")) else ","
        lines = "".join(f"{indent}{fragment},\n" for fragment in fragments)
        return Inserted(code + comma + comment + "\n" + lines + text[line_start:])

    def env_name(self, assignment: Assignment) -> str:
        return f"DB_POOL_{assignment.knob.removeprefix('pool_').upper()}"

    def env_value(self, assignment: Assignment, variable: str, pool: Pool) -> tuple[tuple[str, ...], str]:
        cast = "float" if assignment.unit == "seconds" else "int"
        return (), f'{cast}(os.getenv("{variable}", "{self.literal(assignment, pool)}"))'

    def cores_preamble(self, per_core: int, lower: int, upper: int | None, pool: Pool) -> tuple[str, ...]:
        if pool.site.entry.startswith("django.DATABASES"):
            return ()  # an entry inside DATABASES: no statement can go before it
        sized = f"max((os.cpu_count() or 4) * {per_core}, {lower})"
        return (
            f"max_connections = min({sized}, {upper})" if upper is not None else f"max_connections = {sized}",
        )

    def cores_value(self, assignment: Assignment, others: int, pool: Pool) -> str:
        return f"max_connections - {others}" if others else "max_connections"

    def imports(self, code: str, pool: Pool) -> tuple[str, ...]:
        uses_os = "os.getenv(" in code or "os.cpu_count(" in code
        return ("import os",) if uses_os and not re.search(r"\bos\.", pool.site.text) else ()

    def _one_line(self, text: str, start: int, end: int, opening: int, fragments: Sequence[str]) -> str:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if not fragments and line_end - line_start <= LINE_LENGTH:
            return text
        prefix, suffix = text[line_start:start], text[end:line_end]
        callee = text[start : opening + 1]
        arguments = [
            a.strip() for a in split_top_level(text[opening + 1 : end - 1], ",", PYTHON) if a.strip()
        ]
        arguments += fragments
        line = f"{prefix}{callee}{', '.join(arguments)}){suffix}"
        if len(line) <= LINE_LENGTH:
            return text[:line_start] + line + text[line_end:]
        indent = leading_space(prefix)
        step = indent + indent_step(indent)
        body = [prefix + callee, *(f"{step}{argument}," for argument in arguments), f"{indent}){suffix}"]
        return text[:line_start] + "\n".join(body) + text[line_end:]


PYTHON_CODE = PythonCode()


# Where a settings entry's knobs live when not in its outer dict: Django's pool options sit in
# OPTIONS["pool"], while CONN_HEALTH_CHECKS (the pool's check, libraries/django.py) stays beside them.
NESTED_SETTINGS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "django.DATABASES.OPTIONS.pool": (("OPTIONS", "pool"), frozenset({"CONN_HEALTH_CHECKS", "CONN_MAX_AGE"})),
}


# Constructors that take the pool's keywords as one dict argument, not as keywords of their own:
# SQLAlchemy(engine_options={..}) (Flask-SQLAlchemy 3.1 extension.py), whose __init__ has no pool_*.
OPTIONS_ARGUMENT: dict[str, str] = {"flask_sqlalchemy.SQLAlchemy": "engine_options"}


def _into_options_argument(
    text: str, start: int, end: int, fragments: Sequence[str], argument: str
) -> Inserted | None:
    """``"knob": value`` entries added to the dict literal passed as ``argument=`` in the call."""
    if not fragments:
        return Inserted(text)
    openings = top_level(text, start, end, "(", PYTHON)
    if text[end - 1] != ")" or not openings:
        return None
    opening = openings[0]
    cuts = [opening, *top_level(text, opening + 1, end - 1, ",", PYTHON), end - 1]
    for before, after in pairwise(cuts):
        name, equals, _ = text[before + 1 : after].partition("=")
        if equals and name.strip() == argument:
            low = text.index("=", before + 1) + 1
            while text[low] in " \t\n":
                low += 1
            high = after
            while text[high - 1] in " \t\n":
                high -= 1
            if text[low] != "{" or text[high - 1] != "}":
                return None  # a name or a call: the dict is elsewhere
            edit = dict_entries(text, low, high - 1, [f.split("=", 1) for f in fragments])
            return Inserted(text[: edit[0]] + edit[2] + text[edit[1] :])
    return None


def _beside_change(text: str, start: int, end: int, alias: str, fragments: Sequence[str]) -> Inserted:
    """``DATABASES["default"]["CONN_MAX_AGE"] = ..``: each knob a statement of its own after it."""
    indent = text[text.rfind("\n", 0, start) + 1 : start]
    entries = (fragment.split("=", 1) for fragment in fragments)
    added = "".join(f'\n{indent}{alias}["{knob}"] = {code}' for knob, code in entries)
    return Inserted(text[:end] + added + text[end:])


def _into_settings(text: str, start: int, end: int, fragments: Sequence[str], pool: Pool) -> Inserted | None:
    """``"knob": value`` entries added to the settings dict a construction is, or to a dict inside it."""
    if not fragments:
        return Inserted(text)
    entries = [fragment.split("=", 1) for fragment in fragments]
    path, outer_knobs = NESTED_SETTINGS.get(pool.site.entry, ((), frozenset()))
    outer = [(knob, code) for knob, code in entries if not path or knob in outer_knobs]
    inner = [(knob, code) for knob, code in entries if path and knob not in outer_knobs]
    opening = _dict_opening(text, start, end)
    if opening is None:
        return None
    edits: list[tuple[int, int, str]] = []
    if inner:
        place = _nested_value(text, opening, end - 1, path)
        if place is None:
            return None
        low, high = place
        if text[low] == "{":
            edits.append(dict_entries(text, low, high - 1, inner))
        else:  # "pool": True: the options become a dict
            edits.append((low, high, "{" + ", ".join(f'"{k}": {c}' for k, c in inner) + "}"))
    if outer:
        edits.append(dict_entries(text, opening, end - 1, outer))
    for low, high, code in sorted(edits, reverse=True):
        text = text[:low] + code + text[high:]
    return Inserted(text)


def _dict_opening(text: str, start: int, end: int) -> int | None:
    """The ``{`` matching the construction's final ``}``: the settings dict itself."""
    openings = top_level(text, start, end, "{", PYTHON)
    return openings[-1] if openings else None


def _nested_value(text: str, opening: int, closing: int, path: tuple[str, ...]) -> tuple[int, int] | None:
    """The span of ``dict[path[0]][path[1]]..`` inside the dict literal at ``opening``..``closing``."""
    low, high = opening, closing + 1
    for key in path:
        if text[low] != "{":
            return None
        found = None
        for item in _dict_items(text, low + 1, high - 1):
            name, colon, value = item
            if name.strip().strip("\"'") == key and colon:
                found = value
        if found is None:
            return None
        low, high = found
    return low, high


def _dict_items(text: str, start: int, end: int) -> list[tuple[str, bool, tuple[int, int]]]:
    """Each top-level ``key: value`` of a dict body: the key's text and the value's span (stripped)."""
    items = []
    cuts = [start - 1, *top_level(text, start, end, ",", PYTHON), end]
    for before, high in pairwise(cuts):
        low = before + 1
        colons = top_level(text, low, high, ":", PYTHON)
        if not colons:
            continue
        colon = colons[0]
        value_low, value_high = colon + 1, high
        while value_low < value_high and text[value_low] in " \t\n":
            value_low += 1
        while value_high > value_low and text[value_high - 1] in " \t\n":
            value_high -= 1
        items.append((text[low:colon], True, (value_low, value_high)))
    return items


def dict_entries(
    text: str, opening: int, closing: int, entries: Sequence[Sequence[str]]
) -> tuple[int, int, str]:
    """An edit adding ``entries`` before the dict's ``}`` at ``closing``, in its layout."""
    rendered = [f'"{knob}": {code}' for knob, code in entries]
    body = text[opening + 1 : closing]
    if "\n" not in body:
        joined = ", ".join(rendered)
        before = body.rstrip()
        if not before.strip():
            return opening + 1, closing, joined
        comma = " " if before.endswith(",") else ", "
        return opening + 1 + len(before), closing, comma + joined
    before = text[:closing].rstrip()
    line_start = text.rfind("\n", 0, closing) + 1
    if text[line_start:closing].strip():  # `}` follows the last entry on its line
        comma = " " if before.endswith(",") else ", "
        return len(before), closing, comma + ", ".join(rendered)
    last_line = before[before.rfind("\n") + 1 :]
    indent = leading_space(last_line)
    code, comment = _split_comment(before, last_line)
    comma = "" if code.endswith((",", "{")) else ","
    lines = "".join(f"{indent}{entry},\n" for entry in rendered)
    return len(code), line_start, comma + comment + "\n" + lines


def _split_comment(before: str, last_line: str) -> tuple[str, str]:
    """``before`` (text ending in ``last_line``) cut where that line's trailing comment starts."""
    start = comment_start(last_line, PYTHON)
    if start == len(last_line):
        return before, ""
    code = before[: len(before) - len(last_line) + start].rstrip()
    return code, before[len(code) :]
