"""Every Rust card proposes code its library accepts.

The crates cannot be compiled here, so each proposed block (every option, every Rust
library and construction form) is parsed with tree-sitter-rust, and every setter,
field and function it hands a value to is checked against the library table's
``api``: the name exists and the argument is of the declared kind (``Duration``,
``Option<Duration>``, ``u32``...). The table's ``requirements`` are checked too: a
deadpool timeout comes with a runtime, or ``build()`` returns NoRuntimeSpecified.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_rust
from conftest import ROOT, write_snippet
from test_cards import DAY, code_blocks, section

from poolcheck.cards.content import build_cards
from poolcheck.cards.model import Card
from poolcheck.cards.source import statement_tail
from poolcheck.check import default_options
from poolcheck.frontends.rust.pool_builders import FORMS
from poolcheck.frontends.rust.sqlx import BUILDER_CONSTRUCTORS, BUILDERS
from poolcheck.frontends.rust.sqlx import TERMINALS as SQLX_TERMINALS
from poolcheck.libraries import LIBRARIES
from poolcheck.libraries.table import Library
from poolcheck.pipeline import RunSettings, run

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))
TERMINALS = SQLX_TERMINALS | {t for form in FORMS for t in form.terminals}
# Where a builder chain starts, as the front ends know them: `Pool::builder`, `PgPoolOptions::new`.
ORIGINS = (
    {builder for form in FORMS for builder in form.builders}
    | {(builder, function) for builder in BUILDERS for function in BUILDER_CONSTRUCTORS}
    | {("ConnectOptions", "new")}
)
# The Rust types a declared parameter takes, by the kind of expression given to it.
ACCEPTS = {
    "u32": {"integer", "u32"},
    "usize": {"integer", "usize"},
    "bool": {"bool"},
    "Duration": {"Duration"},
    "Option<Duration>": {"Some<Duration>", "None"},
    "impl Into<Option<Duration>>": {"Duration", "Some<Duration>", "None"},
    "Option<u32>": {"Some<integer>", "Some<u32>", "None"},
    "Runtime": {"Runtime"},
    "Option<Runtime>": {"Some<Runtime>", "None"},
    "Timeouts": {"Timeouts"},
}
WRITTEN = "written"  # a variable of the construction as it was: its type is the code's, not ours
DURATIONS = re.compile(r"(?:\w+::)*Duration::(?:from_secs|from_secs_f64|from_millis|ZERO)\Z")

SNIPPETS = """
use std::time::Duration;

async fn bb8_pool(url: &str) -> bb8::Pool<PostgresConnectionManager<NoTls>> {
    let manager = bb8_postgres::PostgresConnectionManager::new_from_stringlike(url, NoTls).unwrap();
    bb8::Pool::builder().max_size(5).build(manager).await.unwrap()
}

fn r2d2_pool(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = diesel::r2d2::ConnectionManager::<PgConnection>::new(url);
    diesel::r2d2::Pool::builder().max_size(5).min_idle(Some(2)).build(manager).expect("pool")
}

fn r2d2_defaults(url: &str) -> r2d2::Pool<ConnectionManager<PgConnection>> {
    let manager = diesel::r2d2::ConnectionManager::<PgConnection>::new(url);
    diesel::r2d2::Pool::new(manager).unwrap()
}

async fn sea(url: String) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let mut opt = sea_orm::ConnectOptions::new(url);
    opt.max_connections(5).sqlx_logging(false);
    sea_orm::Database::connect(opt).await
}

async fn sea_defaults() -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    sea_orm::Database::connect("postgres://app@db/app").await
}

fn deadpool_builder(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {
    let mgr = deadpool_postgres::Manager::new(pg, NoTls);
    deadpool_postgres::Pool::builder(mgr).max_size(16).build().unwrap()
}

fn deadpool_checked(pg: tokio_postgres::Config) -> deadpool_postgres::Pool {
    let config = deadpool_postgres::ManagerConfig { recycling_method: deadpool_postgres::RecyclingMethod::Fast };
    let mgr = deadpool_postgres::Manager::from_config(pg, NoTls, config);
    deadpool_postgres::Pool::builder(mgr)
        .max_size(16)
        .create_timeout(Some(Duration::from_secs(3)))
        .build()
        .unwrap()
}

fn deadpool_bare() -> deadpool_postgres::Pool {
    let cfg = deadpool_postgres::Config::new();
    cfg.create_pool(None, NoTls).unwrap()
}

fn deadpool_sized(host: &str) -> deadpool_postgres::Pool {
    let mut cfg = deadpool_postgres::Config::new();
    cfg.host = Some(host.to_string());
    cfg.pool = Some(deadpool_postgres::PoolConfig::new(8));
    cfg.create_pool(None, NoTls).unwrap()
}

fn deadpool_literal() -> deadpool_postgres::Pool {
    let mut cfg = deadpool_postgres::Config::new();
    cfg.pool = Some(deadpool_postgres::PoolConfig {
        max_size: 32,
        timeouts: deadpool_postgres::Timeouts {
            create: Some(Duration::from_secs(3)),
            ..Default::default()
        },
        ..Default::default()
    });
    cfg.create_pool(None, NoTls).unwrap()
}
"""


@pytest.fixture(scope="module")
def rust_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Card, ...], dict[str, Library]]:
    """The cards, and the table that applies to each card's pool (its constructor's, its database's)."""
    folder = tmp_path_factory.mktemp("rust")
    write_snippet(folder, SNIPPETS, "src/pools.rs")
    previous = Path.cwd()
    os.chdir(ROOT)  # paths as the command shows them from the repository root
    try:
        report = run(
            [folder, Path("fixtures/rust-service"), Path("fixtures/platform-services/rust")], RunSettings()
        )
    finally:
        os.chdir(previous)
    options = default_options()
    cards = build_cards(report, lambda path: options, DAY, "pool", statement_tail)  # type: ignore[arg-type]
    tables = {}
    for pool in report.pools:
        span, site = pool.site.span, pool.site
        lines = f"{span.line}-{span.end_line}" if span.end_line != span.line else f"{span.line}"
        tables[f"{site.path}:{lines}"] = LIBRARIES[site.library].for_entry(site.entry, site.database)
    return cards, tables


@pytest.fixture(scope="module")
def rust_cards(rust_run: tuple[tuple[Card, ...], dict[str, Library]]) -> tuple[Card, ...]:
    return rust_run[0]


def proposals(cards: tuple[Card, ...]) -> Iterator[tuple[Card, str, str]]:
    """(card, original construction, proposed block) for every Rust code block a card proposes."""
    for card in cards:
        original = code_blocks(section(card, "Findings"), "rust")
        for part in re.split(r"^### ", section(card, "Proposed Solutions"), flags=re.M)[1:]:
            for block in code_blocks(part, "rust"):
                yield card, (original[0] if original else ""), block + "\n" + part


def problems(library: Library, original: str, block: str, notes: str) -> list[str]:
    """What in ``block`` the library would reject, as readable lines; empty when it is valid."""
    source = f"async fn check() {{\n{block}\n}}\n".encode()
    root = PARSER.parse(source).root_node
    found = [f"syntax at {n.start_point}" for n in _nodes(root) if n.is_error or n.is_missing]
    text = lambda node: source[node.start_byte : node.end_byte].decode()  # noqa: E731
    lets = {
        text(n.child_by_field_name("pattern")): n.child_by_field_name("value")
        for n in _nodes(root)
        if n.type == "let_declaration" and n.child_by_field_name("value") is not None
    }
    lets = {name.removeprefix("mut "): value for name, value in lets.items()}

    def kind(node: tree_sitter.Node | None) -> str:
        if node is None:
            return "unknown"
        if node.type == "integer_literal":
            return "integer"
        if node.type == "boolean_literal":
            return "bool"
        if node.type == "parenthesized_expression":
            return kind(node.named_children[0])
        if node.type == "type_cast_expression":
            return text(node.child_by_field_name("type"))
        if node.type == "binary_expression":
            return kind(node.child_by_field_name("left"))
        if node.type == "identifier":
            if text(node) == "None":
                return "None"
            if text(node) not in lets and re.search(rf"\b{text(node)}\b", original):
                return WRITTEN
            return kind(lets.get(text(node)))
        if node.type == "struct_expression":
            return text(node.child_by_field_name("name")).rsplit("::", 1)[-1]
        if node.type == "scoped_identifier":
            if DURATIONS.match(text(node)):
                return "Duration"
            path = node.child_by_field_name("path")
            return text(path).rsplit("::", 1)[-1] if path is not None else "unknown"
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            args = _arguments(node)
            if function is not None and text(function) == "Some" and args:
                return f"Some<{kind(args[0])}>"
            if function is not None and DURATIONS.match(text(function)):
                return "Duration"
            unwraps = function is not None and function.type == "field_expression" and args
            if (
                unwraps and text(function.child_by_field_name("field")) == "unwrap_or"
            ):  # env::var(..)..unwrap_or(5)
                return kind(args[0])
        return "unknown"

    def check(name: str, value: tree_sitter.Node | None, where: str) -> None:
        parameter = library.parameter(name)
        if parameter is None:
            if not re.search(rf"\b{re.escape(name.split('.')[-1].split('#')[0])}\b", original):
                found.append(f"{where}: {library.name} has no {name}")
            return
        given = kind(value)
        if given != WRITTEN and given not in ACCEPTS[parameter.kind]:
            found.append(
                f"{where}: {name} takes {parameter.kind}, given {given} ({text(value) if value else ''})"
            )

    given: dict[str, str] = {}  # parameter -> the kind given, for the requirements
    for call in [n for n in _nodes(root) if n.type == "call_expression"]:
        function = call.child_by_field_name("function")
        args = _arguments(call)
        if function is None:
            continue
        if function.type == "field_expression":
            method = text(function.child_by_field_name("field"))
            for index, arg in enumerate(args):
                if library.parameter(f"{method}#{index}"):
                    check(f"{method}#{index}", arg, method)
                    given[f"{method}#{index}"] = kind(arg)
            if (
                _in_builder_chain(function.child_by_field_name("value"), lets, text)
                and method not in TERMINALS
            ):
                check(method, args[0] if args else None, method)
                given[method] = kind(args[0]) if args else "unknown"
        elif function.type == "scoped_identifier":
            name = "::".join(text(function).split("::")[-2:])
            if library.parameter(name):
                check(name, args[0] if args else None, name)
    for literal in [n for n in _nodes(root) if n.type == "struct_expression"]:
        type_name = text(literal.child_by_field_name("name")).rsplit("::", 1)[-1]
        if not any(p.name.startswith(f"{type_name}.") for p in library.api):
            continue
        for init in [
            n for n in _nodes(literal) if n.type in ("field_initializer", "shorthand_field_initializer")
        ]:
            if init.parent is None or init.parent.parent != literal:
                continue  # a nested literal's field, checked with that literal
            name_node = (
                init.child_by_field_name("field")
                if init.type == "field_initializer"
                else init.named_children[0]
            )
            value = init.child_by_field_name("value") if init.type == "field_initializer" else name_node
            check(f"{type_name}.{text(name_node)}", value, type_name)
            given[f"{type_name}.{text(name_node)}"] = kind(value)
    for assignment in [n for n in _nodes(root) if n.type == "assignment_expression"]:
        target = assignment.child_by_field_name("left")
        while target is not None and target.type == "field_expression":
            target = target.child_by_field_name("value")
        if target is not None and re.search(rf"\blet\s+{re.escape(text(target))}\s*=", block):
            found.append(f"{text(target)} is assigned to but not declared `mut`")
    for requirement in library.requirements:
        needed = any(given.get(name, "None") != "None" for name in requirement.when)
        if needed and given.get(requirement.needs, "None") == "None":
            found.append(f"{requirement.reason}: {requirement.code} is missing")
    if "Runtime::" in block and "Runtime" not in original and not re.search(r"use \w+::Runtime;", notes):
        found.append("Runtime is used but its `use` is not named")
    return found


def _in_builder_chain(receiver: tree_sitter.Node | None, lets: dict, text) -> bool:  # type: ignore[no-untyped-def, type-arg]
    """Whether a method's receiver is a builder: a path call (``Pool::builder(..)``) or what follows
    it, or a variable holding one (sea-orm's ``opt``)."""
    node = receiver
    while node is not None:
        if node.type in ("await_expression", "try_expression", "parenthesized_expression"):
            node = node.named_children[0] if node.named_children else None
        elif node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is None:
                return False
            if function.type == "field_expression":
                if text(function.child_by_field_name("field")) in TERMINALS:
                    return False  # a method of the pool (or the future) the terminal returned
                node = function.child_by_field_name("value")
            else:
                segments = re.sub(r"::<[^>]*>", "", text(function)).split("::")
                return function.type == "scoped_identifier" and tuple(segments[-2:]) in ORIGINS
        elif node.type == "identifier":
            value = lets.get(text(node))
            return value is not None and _in_builder_chain(value, {}, text)
        else:
            return False
    return False


def _arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "line_comment"] if args is not None else []


def _nodes(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from _nodes(child)


def test_every_rust_card_proposes_code_its_library_accepts(
    rust_run: tuple[tuple[Card, ...], dict[str, Library]],
) -> None:
    rust_cards, tables = rust_run
    checked: dict[str, int] = {}
    failures = []
    for card, original, proposal in proposals(rust_cards):
        block, notes = proposal.split("\n", 1)[0], proposal
        block = code_blocks(proposal, "rust")[0] if code_blocks(proposal, "rust") else block
        library = card.tags[-1]
        for problem in problems(tables[card.subject], original, block, notes):
            failures.append(f"{card.subject} ({library}): {problem}\n{block}")
        checked[library] = checked.get(library, 0) + 1
    assert not failures, "\n\n".join(failures)
    assert set(checked) == {"sqlx", "sea-orm", "bb8", "r2d2", "deadpool"}, checked
    assert checked["deadpool"] >= 15, checked  # five deadpool pools, three options each


def test_the_check_rejects_what_the_libraries_reject() -> None:
    """The checker itself can fail: each of these is code a library rejects or that panics."""
    deadpool, bb8, sqlx = LIBRARIES["deadpool"], LIBRARIES["bb8"], LIBRARIES["sqlx"]
    runtime = "let p = deadpool_postgres::Pool::builder(mgr).wait_timeout(Some(Duration::from_secs(5))).build().unwrap();"
    assert any("NoRuntimeSpecified" in p for p in problems(deadpool, "", runtime, ""))
    config = "cfg.pool = Some(PoolConfig { timeouts: Timeouts { wait: Some(Duration::from_secs(5)), ..Default::default() }, ..Default::default() });\ncfg.create_pool(None, NoTls).unwrap()"
    assert any(
        "NoRuntimeSpecified" in p for p in problems(deadpool.for_entry("Config::create_pool"), "", config, "")
    )
    plain = "bb8::Pool::builder().idle_timeout(Duration::from_secs(5)).build(m).await.unwrap()"
    assert any("takes Option<Duration>" in p for p in problems(bb8, "", plain, ""))
    wrapped = "PgPoolOptions::new().acquire_timeout(Some(Duration::from_secs(5))).connect(u).await"
    assert any("takes Duration" in p for p in problems(sqlx, "", wrapped, ""))
    unknown = "PgPoolOptions::new().acquire_timeout_secs(5).connect(u).await"
    assert any("no acquire_timeout_secs" in p for p in problems(sqlx, "", unknown, ""))
    immutable = "let cfg = Config::new();\ncfg.pool = Some(PoolConfig::new(5));\ncfg.create_pool(None, NoTls).unwrap()"
    assert any("not declared `mut`" in p for p in problems(deadpool, "", immutable, ""))
    broken = "PgPoolOptions::new().max_connections(5.connect(u).await"
    assert any("syntax" in p for p in problems(sqlx, "", broken, ""))
    wide = "let n = 5 as u64;\nPgPoolOptions::new().max_connections(n).connect(u).await"
    assert any("takes u32, given u64" in p for p in problems(sqlx, "", wide, ""))
    good = "deadpool_postgres::Pool::builder(mgr).max_size(5).wait_timeout(Some(Duration::from_secs(5))).runtime(Runtime::Tokio1).build().unwrap()"
    assert problems(deadpool, "", good, "Needs `use deadpool_postgres::Runtime;`") == []


def test_a_deadpool_timeout_comes_with_its_runtime(rust_cards: tuple[Card, ...]) -> None:
    builder = [
        c
        for c in rust_cards
        if "deadpool_builder" in section(c, "Technical Details")
        or "Pool::builder(mgr).max_size(16).build()" in section(c, "Findings")
    ]
    assert builder
    first = re.split(r"^### ", section(builder[0], "Proposed Solutions"), flags=re.M)[1]
    assert ".wait_timeout(Some(Duration::from_secs(5)))\n    .runtime(Runtime::Tokio1)" in first
    assert "`use deadpool_postgres::Runtime;`" in first
    bare = [c for c in rust_cards if "let cfg = deadpool_postgres::Config::new();" in section(c, "Findings")]
    code = code_blocks(section(bare[0], "Proposed Solutions"), "rust")[0]
    assert "let mut cfg = deadpool_postgres::Config::new();" in code
    assert "cfg.create_pool(Some(Runtime::Tokio1), NoTls)" in code
    assert "wait: Some(Duration::from_secs(5))" in code


def test_acceptance_criteria_spell_the_setting_as_the_construction_does(rust_cards: tuple[Card, ...]) -> None:
    by_findings = {code_blocks(section(c, "Findings"), "rust")[0].split("\n")[-1]: c for c in rust_cards}
    builder = section(
        by_findings["deadpool_postgres::Pool::builder(mgr).max_size(16).build().unwrap()"],
        "Acceptance Criteria",
    )
    assert "(`.wait_timeout(Some(Duration::from_secs(5))).runtime(Runtime::Tokio1)`)" in builder
    assert "(`recycling_method: RecyclingMethod::Verified`)" in builder  # a ManagerConfig field
    config = section(by_findings["cfg.create_pool(None, NoTls).unwrap()"], "Acceptance Criteria")
    assert "(`wait: Some(Duration::from_secs(5))`)" in config and ".wait(" not in config


def test_sea_orm_setters_are_added_after_the_last_one(rust_cards: tuple[Card, ...]) -> None:
    """sea-orm's chain has no terminal call: a new setter goes after the last, in the chain's layout."""
    search = next(
        c for c in rust_cards if c.subject.startswith("fixtures/platform-services/rust/src/search.rs")
    )
    code = code_blocks(section(search, "Proposed Solutions"), "rust")[0]
    assert code.endswith(
        "    .sqlx_logging(false)\n"
        "    .idle_timeout(Duration::from_secs(600))\n"
        "    .max_lifetime(Duration::from_secs(1800));"
    )
    assert code.startswith("let mut opt = ConnectOptions::new(url.to_owned());\nopt.max_connections(50)\n")


def test_all_defaults_forms_get_their_builder_or_say_how(rust_cards: tuple[Card, ...]) -> None:
    """r2d2's Pool::new(manager) becomes Pool::builder()..build(manager); sea-orm's Database::connect(url)
    takes no setters, so the ConnectOptions are built first and passed in."""
    findings = {code_blocks(section(c, "Findings"), "rust")[0]: c for c in rust_cards}
    r2d2 = section(findings["diesel::r2d2::Pool::new(manager).unwrap()"], "Proposed Solutions")
    assert code_blocks(r2d2, "rust")[0].startswith("diesel::r2d2::Pool::builder()\n    .max_size(50)\n")
    sea = section(findings['sea_orm::Database::connect("postgres://app@db/app").await'], "Proposed Solutions")
    code = code_blocks(sea, "rust")[0]
    assert code.startswith(
        'let mut opt = sea_orm::ConnectOptions::new("postgres://app@db/app");\nopt.max_connections(50)'
    )
    assert "sea_orm::Database::connect(opt).await" in code
    assert all(len(line) <= 100 for line in code.splitlines())  # rustfmt's width: one setter a line
    assert "Add `max_connections(50)`" not in sea
