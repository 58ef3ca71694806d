"""How a knob a fix adds is written: the way the construction's other knobs are.

- The call spreads a dict literal of this file (``create_engine(url, **ENGINE_KWARGS)``):
  the knob becomes an entry of that dict.
- The other knobs come from a settings class of this file (``settings.db_pool_size``): the
  class gets a field, and the call reads it.
- The other knobs are read from the environment in this file, inline or through a ``let``
  (the original review card's Option 2): the new knob is read the same way, from a variable
  named as theirs are.
- Otherwise: the literal the card's first option writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from poolcheck.cards.python import dict_entries
from poolcheck.cards.spelling import Assignment, writing
from poolcheck.fix.model import Replacement
from poolcheck.model import Pool, Setting

SPREAD = re.compile(r"\*\*\s*(?P<name>[A-Za-z_][\w.]*(?:\([^()]*\))?)")  # `**kw`, `**cfg.engine_options()`
ATTRIBUTE = re.compile(r"(?P<owner>[A-Za-z_][\w.]*)\.(?P<field>[A-Za-z_]\w*)")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
FIELD_LINE = re.compile(r"(?P<indent>\s+)(?P<name>[A-Za-z_]\w*)\s*:\s*[^=]+=")
# A settings field's type, by the knob's unit.
FIELD_TYPES = {"count": "int", "seconds": "int", "flag": "bool"}


@dataclass
class Written:
    """The code each added knob takes in the construction (None: it goes elsewhere, a dict entry),
    and the lines changed outside it (the dict, the settings class, the environment reads)."""

    codes: dict[str, str | None] = field(default_factory=dict)
    replacements: list[Replacement] = field(default_factory=list)


def written_as(
    pool: Pool, added: Sequence[Assignment], literal: dict[str, str], lines: Sequence[str]
) -> Written:
    """How the ``added`` knobs are written; ``literal`` holds each one's plain value as code."""
    result = Written()
    if not added or not lines or not writing(pool).adds:
        return result
    siblings = list(pool.site.knobs)  # (knob, setting): the knobs the construction writes
    if pool.site.language == "python" and _into_spread_dict(pool, added, literal, lines, result):
        return result
    settings = [setting for _, setting in siblings]
    if settings and all(_settings_field(pool, s) for s in settings):
        _as_settings_fields(pool, siblings, added, literal, lines, result)
    elif settings and all(s.source == "env-default" and s.env and s.defined_at is None for s in settings):
        _as_environment_reads(pool, siblings, added, lines, result)
    return result


def _into_spread_dict(
    pool: Pool, added: Sequence[Assignment], literal: dict[str, str], lines: Sequence[str], result: Written
) -> bool:
    """``**NAME`` where NAME is the dict literal assigned last above the call (in the module or the
    function), which the pool's knobs are read from."""
    spread = SPREAD.search(pool.site.text)
    if spread is None or not IDENTIFIER.fullmatch(spread["name"]):  # only a module's own dict is edited
        return False
    assigned = re.compile(rf"\s*{spread['name']}\s*(?::[^=]+)?=\s*\{{")  # in the module or the function
    above = range(min(pool.site.span.line, len(lines)) - 2, -1, -1)
    start = next((row for row in above if assigned.match(lines[row])), None)
    if start is None:
        return False
    end = _closing_row(lines, start, "{", "}")
    if end is None or not any(s.span and start < s.span.line <= end + 1 for _, s in pool.site.knobs):
        return False
    original = tuple(lines[start : end + 1])
    text = "\n".join(original)
    opening, closing = text.index("{"), text.rindex("}")
    entries = [(a.knob, literal[a.knob]) for a in added]
    low, high, code = dict_entries(text, opening, closing, entries)
    new = text[:low] + code + text[high:]
    result.replacements.append(Replacement(start + 1, end + 1, original, tuple(new.split("\n"))))
    result.codes.update({a.knob: None for a in added})
    return True


def _settings_field(pool: Pool, setting: Setting) -> bool:
    """Is the setting a field of a settings object whose class is in this file (``settings.x``)?"""
    if setting.expr is None or setting.defined_at is None or not ATTRIBUTE.fullmatch(setting.expr):
        return False
    return defined_here(pool, setting.defined_at) is not None


def _as_settings_fields(
    pool: Pool,
    siblings: Sequence[tuple[str, Setting]],
    added: Sequence[Assignment],
    literal: dict[str, str],
    lines: Sequence[str],
    result: Written,
) -> None:
    fields_read = {knob: ATTRIBUTE.fullmatch(s.expr or "") for knob, s in siblings}
    rows = [defined_here(pool, s.defined_at or "") for _, s in siblings]
    owners = {found["owner"] for found in fields_read.values() if found}
    if len(owners) != 1 or None in rows:
        return
    last = max(row for row in rows if row is not None)
    placed = FIELD_LINE.match(lines[last - 1]) if last <= len(lines) else None
    if placed is None:
        return
    (owner,) = owners
    prefix = _prefix([(knob, found["field"]) for knob, found in fields_read.items() if found], upper=False)
    fields = []
    for assignment in added:
        kind = FIELD_TYPES.get(assignment.unit)
        name = f"{prefix}{assignment.knob}"
        if kind is None or any(re.match(rf"\s+{name}\s*:", line) for line in lines):
            continue
        value = literal[assignment.knob]
        if kind == "int" and not re.fullmatch(r"-?\d+", value):
            kind = "float"
        fields.append(f"{placed['indent']}{name}: {kind} = {value}")
        result.codes[assignment.knob] = f"{owner}.{name}"
    if fields:
        line = lines[last - 1]
        result.replacements.append(Replacement(last, last, (line,), (line, *fields)))


def _as_environment_reads(
    pool: Pool,
    siblings: Sequence[tuple[str, Setting]],
    added: Sequence[Assignment],
    lines: Sequence[str],
    result: Written,
) -> None:
    """Each added knob read from its own variable with the sibling's idiom, its default the value."""
    template = next((s for _, s in siblings if s.expr and s.env), None)
    if template is None or template.expr is None or template.env is None:
        return
    prefix = _prefix([(knob, s.env or "") for knob, s in siblings], upper=True)
    quoted = re.compile(rf"(['\"]){re.escape(template.env)}\1")
    default = _number_pattern(template.value, template.scale)
    bound = binding(pool, template.expr, lines) if IDENTIFIER.fullmatch(template.expr) else None
    source = "\n".join(bound[2]) if bound else template.expr
    if default is None or len(quoted.findall(source)) != 1 or len(default.findall(source)) != 1:
        return
    new_lines: list[str] = []
    for assignment in added:
        if assignment.unit not in ("count", "seconds") or isinstance(assignment.value, bool):
            continue
        variable = f"{prefix}{assignment.knob.upper()}"
        number = _written_number(assignment.value)
        read = default.sub(number, quoted.sub(rf"\g<1>{variable}\g<1>", source), count=1)
        if bound is not None:
            name = assignment.knob
            if any(re.search(rf"\blet\s+(?:mut\s+)?{name}\b|^\s*{name}\s*=", line) for line in lines):
                continue
            read = re.sub(rf"\b{re.escape(template.expr)}\b", name, read, count=1)
            new_lines += read.split("\n")
            read = name
        result.codes[assignment.knob] = _as_value(pool, assignment, read)
    if bound is not None and new_lines:
        last = bound[1]
        line = lines[last - 1]
        result.replacements.append(Replacement(last, last, (line,), (line, *new_lines)))


def _as_value(pool: Pool, assignment: Assignment, read: str) -> str:
    """The number read, as the knob takes it: Rust wraps seconds in a Duration and an Option in Some."""
    if pool.site.language != "rust":
        return read
    code = f"Duration::from_secs({read})" if assignment.unit == "seconds" else read
    return f"Some({code})" if assignment.knob in writing(pool).optional else code


def binding(pool: Pool, name: str, lines: Sequence[str]) -> tuple[int, int, tuple[str, ...]] | None:
    """The statement above the construction that binds ``name``: first and last line, and its lines."""
    pattern = re.compile(rf"\s*(?:let\s+(?:mut\s+)?{name}\b|{name}\s*=[^=])")
    for row in range(min(pool.site.span.line, len(lines)) - 1, -1, -1):
        if pattern.match(lines[row]):
            end = row
            if pool.site.language == "rust":
                while end < len(lines) - 1 and not lines[end].rstrip().endswith(";"):
                    end += 1
            else:
                end = _closing_row(lines, row, "(", ")") or row
            if end + 1 >= pool.site.span.line:
                return None
            return row + 1, end + 1, tuple(lines[row : end + 1])
    return None


def _prefix(named: Sequence[tuple[str, str]], upper: bool) -> str:
    """What the names the knobs are read from put before the knob's own name (``DATABASE_`` of
    DATABASE_MAX_CONNECTIONS for max_connections, ``db_`` of db_pool_size for pool_size)."""
    for knob, name in named:
        knob = knob.upper() if upper else knob
        if name.endswith(knob):
            return name[: len(name) - len(knob)]
    return "DB_" if upper else "db_"


def _number_pattern(value: object, scale: float) -> re.Pattern[str] | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    written = _written_number(value / scale)
    return re.compile(rf"(?<![\w.]){re.escape(written)}(?:\.0*)?(?![\w.])")


def defined_here(pool: Pool, defined_at: str) -> int | None:
    """The line ``defined_at`` ("path:line") names, when the path is the pool's own file."""
    path, _, line = defined_at.rpartition(":")
    if not line.isdigit() or not path:
        return None
    try:
        same = os.path.samefile(path, pool.site.path)
    except OSError:
        return None
    return int(line) if same else None


def _closing_row(lines: Sequence[str], row: int, opening: str, closing: str) -> int | None:
    depth = 0
    for end in range(row, len(lines)):
        depth += lines[end].count(opening) - lines[end].count(closing)
        if depth <= 0:
            return end
    return None


def _written_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
