"""Rust constructions: builder method calls (sqlx, sea-orm, bb8, r2d2, deadpool), deadpool's
``PoolConfig`` struct, ``Duration`` values, ``env::var``.

What a construction needs beyond the knobs asked for (deadpool: a runtime once a timeout is set)
comes from the library table's ``requirements``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from poolcheck.cards.recommend import library_of
from poolcheck.cards.rewrite import Inserted
from poolcheck.cards.spelling import Assignment, callback_on, writing
from poolcheck.cards.syntax import RUST, indent_step, leading_space, split_top_level, top_level
from poolcheck.libraries.deadpool import RUNTIME_CRATES
from poolcheck.libraries.table import Library
from poolcheck.model import Pool

# sqlx's all-defaults forms (`PgPool::connect(url)`) have no builder to add a knob to: the builder
# each pool type has, and the module it lives in under `sqlx::`.
ALL_DEFAULTS_BUILDERS: dict[str, dict[str, tuple[str, str]]] = {
    "sqlx": {
        "PgPool": ("PgPoolOptions", "postgres"),
        "MySqlPool": ("MySqlPoolOptions", "mysql"),
        "SqlitePool": ("SqlitePoolOptions", "sqlite"),
        "AnyPool": ("AnyPoolOptions", "any"),
        "Pool": ("PoolOptions", "pool"),
    }
}

ALL_DEFAULTS = re.compile(
    r"(?P<head>(?:\w+::)*?)(?P<pool>\w+)(?P<generic>::<[^()]*>)?::(?P<terminal>\w+\(.*)\Z", re.S
)
LINE_LENGTH = 100  # rustfmt's max_width: a longer one-line chain is laid out one call per line
FIELD = re.compile(r"\w+\s*:(?!:)\s*")  # a struct field initializer, `wait: Some(..)`
DURATION = re.compile(r"((?:\w+::)*)Duration::")
CALL = re.compile(r"(?P<name>\w+)\((?P<value>.*)\)\Z", re.S)  # a fragment, `wait_timeout(Some(..))`
# A builder set one statement at a time, `options = options.max_connections(5);`: new knobs too.
SPLIT_BUILDER = re.compile(r"^\s*(?P<name>[a-z_]\w*) = (?P=name)\.\w+\(", re.M)
CONFIG_ENTRY = "Config::create_pool"  # deadpool's Config { pool: Some(PoolConfig { .. }) }
# sea-orm's setters take `&mut self`: the chain ends with a setter, not a terminal call, so new
# setters go after the last one.
SETTER_CHAINS = frozenset({"ConnectOptions::new"})
# All-defaults forms that have a builder to write instead: r2d2's `Pool::new(manager)` is
# `Pool::builder().build(manager)` (r2d2 0.8.10 src/lib.rs), both returning Result<Pool, Error>.
NEW_TO_BUILDER = {
    ("r2d2", "Pool::new"): (
        re.compile(r"(?P<head>(?:\w+::)*)Pool::new\((?P<args>.*)\)\Z", re.S),
        "Pool::builder().build",
    ),
}
# sea-orm's `Database::connect(url)` takes no setters: the options are built first and passed in.
OPTIONS_FIRST = {
    ("sea-orm", "Database::connect"): re.compile(
        r"(?P<head>(?:\w+::)*)Database::connect\((?P<args>.*)\)", re.S
    ),
}


class RustCode:
    fence = "rust"
    lexicon = RUST

    def literal(self, assignment: Assignment, pool: Pool) -> str:
        value = assignment.value
        if assignment.unit == "flag" or isinstance(value, bool):
            on, off = writing(pool).flags.get(assignment.knob, ("true", "false"))
            return on if value else off
        if assignment.unit == "callback":
            return callback_on(pool) or "true"
        code = self._duration(pool, value) if assignment.unit == "seconds" else str(int(value))
        return self.wrapped(assignment, code, pool)

    def wrapped(self, assignment: Assignment, code: str, pool: Pool) -> str:
        """``Some(..)`` for a knob whose parameter is an ``Option`` (bb8's ``max_lifetime``)."""
        return f"Some({code})" if assignment.knob in writing(pool).optional else code

    def fragment(self, knob: str, code: str) -> str:
        return f"{knob}({code})"

    def in_text(self, knob: str, code: str, pool: Pool) -> str:
        """How the setting reads in running text: ``.max_connections(50)``, a struct field where the
        construction is one (deadpool's ``wait: Some(..)``), with the call the library requires with it.
        """
        library = library_of(pool)
        if knob in writing(pool).elsewhere or pool.site.entry == CONFIG_ENTRY:
            return f"{knob}: {code}"
        required = "".join(
            f".{call}" for call in self._required(pool.site.text, [self.fragment(knob, code)], library)
        )
        return f".{self.fragment(knob, code)}{required}"

    def value_range(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """Inside the parentheses of ``knob(value)``, or after the colon of a ``field: value``."""
        field = FIELD.match(text, start, end)
        if field:
            return field.end(), end
        opening = text.find("(", start, end)
        if opening < 0 or text[end - 1] != ")":
            return None
        return opening + 1, end - 1

    def adapt(self, written: str, code: str) -> str:
        return code

    def insert(
        self, text: str, start: int, end: int, fragments: Sequence[str], pool: Pool
    ) -> Inserted | None:
        """New calls go just before the terminal call (``.connect(..)``); knobs that belong to another
        value are notes, and what the library requires with them is added too.
        """
        fragments, notes = self._placed(fragments, pool)
        library = library_of(pool)
        if pool.site.entry == CONFIG_ENTRY:
            return self._config(text, start, end, fragments, library, notes)
        if fragments and not writing(pool).adds:
            return None
        fragments = [*fragments, *self._required(text[start:end], fragments, library)]
        if pool.site.entry in SETTER_CHAINS:
            return Inserted(self._appended(text, end, fragments), notes)
        options_first = OPTIONS_FIRST.get((pool.site.library, pool.site.entry))
        found = options_first.match(text, start, end) if options_first else None
        if found and fragments:  # the options built first, then passed in
            setters = [f".{fragment}" for fragment in fragments]
            chained: tuple[str, ...] = (f"opt{''.join(setters)};",)
            wide = len(chained[0]) + len(leading_space(self._line_of(text, start))) > LINE_LENGTH
            if wide and len(setters) > 1:  # one setter a line, as rustfmt breaks a long chain
                chained = (f"opt{setters[0]}", *(f"    {s}" for s in setters[1:-1]), f"    {setters[-1]};")
            built = (f"let mut opt = {found['head']}ConnectOptions::new({found['args']});", *chained)
            connect = f"{found['head']}Database::connect(opt)"
            return Inserted(text[: found.start()] + connect + text[found.end() :], notes, built)
        if not top_level(text, start, end, ".", RUST):
            converted = self._builder_for(text[start:end], pool)
            if converted is None:
                return None
            chain, converted_notes = converted
            notes += converted_notes
            text, end = text[:start] + chain + text[end:], start + len(chain)
        if "\n" not in text[start:end]:
            if not fragments and len(self._line_of(text, start)) <= LINE_LENGTH:
                return Inserted(text, notes)
            return Inserted(self._reflowed(text, start, end, fragments), notes)
        if not fragments:
            return Inserted(text, notes)
        terminal = top_level(text, start, end, ".", RUST)[-1]
        line_start = text.rfind("\n", 0, terminal) + 1
        split = SPLIT_BUILDER.search(text, start, end)
        if split and text[line_start:terminal].strip() == split["name"]:  # `options = options.knob(..);`
            indent = leading_space(text[line_start:terminal])
            name = split["name"]
            lines = "".join(f"{indent}{name} = {name}.{fragment};\n" for fragment in fragments)
            return Inserted(text[:line_start] + lines + text[line_start:], notes)
        if text[line_start:terminal].strip():  # the terminal shares its line: add the calls inline
            calls = "".join(f".{fragment}" for fragment in fragments)
            return Inserted(text[:terminal] + calls + text[terminal:], notes)
        indent = text[line_start:terminal]
        lines = "".join(f"{indent}.{fragment}\n" for fragment in fragments)
        return Inserted(text[:line_start] + lines + text[line_start:], notes)

    def _placed(self, fragments: Sequence[str], pool: Pool) -> tuple[list[str], tuple[str, ...]]:
        """The fragments the construction takes, and a note for each knob set on another value."""
        elsewhere = writing(pool).elsewhere
        kept, notes = [], []
        for fragment in fragments:
            call = CALL.match(fragment)
            if call and call["name"] in elsewhere:
                notes.append(elsewhere[call["name"]].format(code=call["value"]))
            else:
                kept.append(fragment)
        return kept, tuple(notes)

    def _required(self, chain: str, fragments: Sequence[str], library: Library) -> list[str]:
        """Calls the library requires once a knob is given a value (deadpool: a runtime)."""
        calls = [*(f".{fragment}" for fragment in fragments), chain]
        found = []
        for requirement in library.requirements:
            given = any(
                re.search(rf"\.{re.escape(name)}\(\s*(?!None\s*\))", code)
                for name in requirement.when
                for code in calls
            )
            if given and not any(f".{requirement.needs}(" in code for code in calls):
                found.append(requirement.code)
        return found

    def _config(
        self,
        text: str,
        start: int,
        end: int,
        fragments: Sequence[str],
        library: Library,
        notes: tuple[str, ...],
    ) -> Inserted:
        """deadpool's ``Config``: new fields go into the ``PoolConfig`` (or ``Timeouts``) it holds, and a
        timeout makes ``create_pool`` take a runtime.
        """
        fields = {c["name"]: c["value"] for c in map(CALL.match, fragments) if c}
        pool_fields = {k: v for k, v in fields.items() if library.parameter(f"PoolConfig.{k}")}
        timeouts = {k: v for k, v in fields.items() if library.parameter(f"Timeouts.{k}")}
        prefix, body = text[:start], text[start:end]
        timeout_text = ", ".join(_field(k, v) for k, v in timeouts.items())
        opened = re.search(r"\bTimeouts\s*\{", body)
        if timeouts and opened:
            body = (
                body[: opened.end()] + _opened_with(body, opened.end(), timeout_text) + body[opened.end() :]
            )
        elif timeouts:
            pool_fields["timeouts"] = f"Timeouts {{ {timeout_text}, ..Default::default() }}"
        if pool_fields:
            written = ", ".join(_field(k, v) for k, v in pool_fields.items())
            new = re.search(r"\bPoolConfig::new\((?P<size>[^()]*(?:\([^()]*\))*[^()]*)\)", body)
            literal = re.search(r"\bPoolConfig\s*\{", body)
            if new:
                given = [] if "max_size" in pool_fields else [f"max_size: {new['size']}"]
                given += [_field(k, v) for k, v in pool_fields.items()]
                config = f"PoolConfig {{ {', '.join(given)}, ..Default::default() }}"
                line = (prefix + body[: new.start()]).rsplit("\n", 1)[-1]
                if len(line) + len(config) + len(body[new.end() :].split("\n", 1)[0]) > LINE_LENGTH:
                    indent = leading_space(line)  # one field a line, as rustfmt lays out a long literal
                    inner = indent + indent_step(indent)
                    listed = "".join(f"{inner}{f},\n" for f in given)
                    config = f"PoolConfig {{\n{listed}{inner}..Default::default()\n{indent}}}"
                body = body[: new.start()] + config + body[new.end() :]
            elif literal:
                body = (
                    body[: literal.end()] + _opened_with(body, literal.end(), written) + body[literal.end() :]
                )
            else:
                config = f"Some(PoolConfig {{ {written}, ..Default::default() }})"
                body, added = _assigned_before_create_pool(body, "pool", config)
                if added:  # the variable is assigned to now, so it must be mutable
                    prefix = re.sub(r"\blet\s+(?!mut\b)(\w+)(\s*=\s*)\Z", r"let mut \1\2", prefix)
                else:
                    notes += (f"Give the `Config` a pool: `pool: {config}`.",)
        for requirement in library.requirements:
            fields_given = [name.split(".", 1)[1] for name in requirement.when if "." in name]
            method = requirement.needs.split("#", 1)[0]
            if "#" in requirement.needs and re.search(
                rf"\b(?:{'|'.join(fields_given)})\s*:\s*(?!None\b)", body
            ):
                body = re.sub(rf"(\.{method}\(\s*)None\b", rf"\g<1>{requirement.code}", body, count=1)
        return Inserted(prefix + body + text[end:], notes)

    def env_name(self, assignment: Assignment) -> str:
        suffix = "_SECS" if assignment.unit == "seconds" else ""
        return f"DATABASE_{assignment.knob.upper()}{suffix}"

    def env_value(self, assignment: Assignment, variable: str, pool: Pool) -> tuple[tuple[str, ...], str]:
        seconds = assignment.unit == "seconds"
        name = assignment.knob + ("_secs" if seconds else "")
        value = assignment.value
        default = f"{value:g}" if seconds and not float(value).is_integer() else str(int(value))
        preamble = (
            f'let {name} = env::var("{variable}")',
            "    .ok()",
            "    .and_then(|s| s.parse().ok())",
            f"    .unwrap_or({default});",
        )
        if not seconds:
            return preamble, self.wrapped(assignment, name, pool)
        method = "from_secs" if float(value).is_integer() else "from_secs_f64"
        return preamble, self.wrapped(assignment, f"{self._duration_type(pool)}::{method}({name})", pool)

    def cores_preamble(self, per_core: int, lower: int, upper: int | None, pool: Pool) -> tuple[str, ...]:
        bounded = f".clamp({lower}, {upper})" if upper is not None else f".max({lower})"
        return (
            "let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(4);",
            f"let max_connections = (cores * {per_core}){bounded} as {writing(pool).size_type};",
        )

    def cores_value(self, assignment: Assignment, others: int, pool: Pool) -> str:
        code = f"max_connections - {others}" if others else "max_connections"
        return self.wrapped(assignment, code, pool)

    def imports(self, code: str, pool: Pool) -> tuple[str, ...]:
        """The `use` lines rewritten code needs that the construction did not already rely on."""
        needed = [
            f"use {pool.site.library}::{module}::{builder};"
            for builder, module in ALL_DEFAULTS_BUILDERS.get(pool.site.library, {}).values()
            if re.search(rf"(?<![\w:]){builder}::", code) and builder not in pool.site.text
        ]
        if "env::var(" in code and "env::var(" not in pool.site.text:
            needed.append("use std::env;")
        if re.search(r"(?<![\w:])ConnectOptions::", code) and "ConnectOptions" not in pool.site.text:
            needed.append(f"use {pool.site.library.replace('-', '_')}::ConnectOptions;")
        if re.search(r"(?<!::)\bDuration::", code) and not DURATION.search(pool.site.text):
            needed.append("use std::time::Duration;")
        if pool.site.library == "deadpool":
            crate = self._deadpool_crate(pool)
            for name in ("Runtime", "PoolConfig", "Timeouts"):
                if re.search(rf"(?<![\w:]){name}\b", code) and not re.search(rf"\b{name}\b", pool.site.text):
                    needed.append(f"use {crate}::{name};")
        return tuple(needed)

    def _deadpool_crate(self, pool: Pool) -> str:
        """The deadpool crate the pool comes from, as its path says, else by its database."""
        head = pool.site.constructor.split("::", 1)[0]
        return head if head.startswith("deadpool") else RUNTIME_CRATES.get(pool.site.database, "deadpool")

    def _duration(self, pool: Pool, value: float) -> str:
        kind = self._duration_type(pool)
        if float(value).is_integer():
            return f"{kind}::from_secs({int(value)})"
        return f"{kind}::from_secs_f64({value:g})"

    def _duration_type(self, pool: Pool) -> str:
        """``Duration`` as the construction already spells it (``std::time::Duration``), else plain."""
        found = DURATION.search(pool.site.text)
        return f"{found.group(1)}Duration" if found else "Duration"

    def _builder_for(self, chain: str, pool: Pool) -> tuple[str, tuple[str, ...]] | None:
        """``PgPool::connect(url)`` -> ``PgPoolOptions::new().connect(url)``, and the import it needs."""
        form = NEW_TO_BUILDER.get((pool.site.library, pool.site.entry))
        written = form[0].match(chain) if form else None
        if form and written:
            return f"{written['head']}{form[1]}({written['args']})", ()
        builders = ALL_DEFAULTS_BUILDERS.get(pool.site.library, {})
        found = ALL_DEFAULTS.match(chain)
        if found is None or found["pool"] not in builders:
            return None
        builder, module = builders[found["pool"]]
        head = found["head"]
        if head == f"{pool.site.library}::":  # the crate root re-exports the pool, not its builder
            head = f"{pool.site.library}::{module}::"
        generic = found["generic"] or ""
        return f"{head}{builder}{generic}::new().{found['terminal']}", ()

    def _appended(self, text: str, end: int, fragments: Sequence[str]) -> str:
        """Calls after the chain's last one, one per line as rustfmt lays out a long chain."""
        if not fragments:
            return text
        line = self._line_of(text, end - 1)
        calls = "".join(f".{fragment}" for fragment in fragments)
        if len(line) + len(calls) <= LINE_LENGTH:
            return text[:end] + calls + text[end:]
        indent = leading_space(line)
        step = (
            indent if line.lstrip().startswith(".") else indent + indent_step(indent)
        )  # as the chain has it
        return text[:end] + "".join(f"\n{step}.{fragment}" for fragment in fragments) + text[end:]

    def _line_of(self, text: str, index: int) -> str:
        line_end = text.find("\n", index)
        return text[text.rfind("\n", 0, index) + 1 : None if line_end < 0 else line_end]

    def _reflowed(self, text: str, start: int, end: int, fragments: Sequence[str]) -> str:
        """A one-line chain laid out as rustfmt does, one call per line, new calls before the terminal."""
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        prefix, suffix = text[line_start:start], text[end:line_end]
        indent = leading_space(text[line_start:line_end])
        step = indent + indent_step(indent)
        receiver, *calls = split_top_level(text[start:end], ".", RUST)
        terminal = calls.pop()
        body = [prefix + receiver, *(f"{step}.{call}" for call in [*calls, *fragments, terminal])]
        if suffix.startswith("."):
            body += [f"{step}.{call}" for call in split_top_level(suffix, ".", RUST)[1:]]
        else:
            body[-1] += suffix
        return text[:line_start] + "\n".join(body) + text[line_end:]


def _field(name: str, value: str) -> str:
    """A struct field initializer, in shorthand when the value is a variable of that name."""
    return name if value == name else f"{name}: {value}"


def _opened_with(text: str, at: int, fields: str) -> str:
    """Fields to insert just after a struct literal's ``{`` at ``at``, in its layout."""
    if not text.startswith("\n", at):
        return f" {fields},"
    next_line = text[at + 1 : text.find("\n", at + 1) if "\n" in text[at + 1 :] else len(text)]
    return f"\n{leading_space(next_line)}{fields},"


def _assigned_before_create_pool(body: str, name: str, value: str) -> tuple[str, bool]:
    """``cfg.<name> = <value>;`` on its own line before ``cfg.create_pool(..)``, when a variable holds
    the ``Config``."""
    found = re.search(r"^(?P<indent>[ \t]*)(?P<config>\w+)\.create_pool\(", body, re.M)
    if found is None:
        return body, False
    line = f"{found['indent']}{found['config']}.{name} = {value};\n"
    return body[: found.start()] + line + body[found.start() :], True


RUST_CODE = RustCode()
