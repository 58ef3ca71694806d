"""Python constructions: keyword (or positional) arguments of one call, ``os.getenv`` values."""

from __future__ import annotations

import re
from collections.abc import Sequence

from poolcheck.cards.rewrite import Inserted
from poolcheck.cards.spelling import Assignment, callback_on, writing
from poolcheck.cards.syntax import PYTHON, indent_step, leading_space, split_top_level, top_level
from poolcheck.model import Pool

LINE_LENGTH = 88  # black's default: a call longer than this is laid out one argument per line
NUMBER = re.compile(r"-?\d+(\.\d+)?")


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
        """New keyword arguments go last in the call, keeping its layout (and a trailing comma)."""
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
        comma = "" if before.endswith((",", "(")) else ","
        lines = "".join(f"{indent}{fragment},\n" for fragment in fragments)
        return Inserted(before + comma + "\n" + lines + text[line_start:])

    def env_name(self, assignment: Assignment) -> str:
        return f"DB_POOL_{assignment.knob.removeprefix('pool_').upper()}"

    def env_value(self, assignment: Assignment, variable: str, pool: Pool) -> tuple[tuple[str, ...], str]:
        cast = "float" if assignment.unit == "seconds" else "int"
        return (), f'{cast}(os.getenv("{variable}", "{self.literal(assignment, pool)}"))'

    def cores_preamble(self, per_core: int, lower: int, upper: int | None, pool: Pool) -> tuple[str, ...]:
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
