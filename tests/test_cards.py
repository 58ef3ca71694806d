"""Issue cards (``--format todo``, ``--todos-dir``): content, format, and safe, idempotent writing.

Goldens are one card per library from ``fixtures/``; after a deliberate change,
regenerate them with ``POOLCHECK_UPDATE_GOLDEN=1 pytest tests/test_cards.py`` and
review the diff like code.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_rust
import yaml
from conftest import ROOT, poolcheck_command, write_snippet

from poolcheck import __version__
from poolcheck.cards import folder as card_folder
from poolcheck.cards.content import build_cards, discovery_date
from poolcheck.cards.folder import scan, write_cards
from poolcheck.cards.markdown import file_name, render
from poolcheck.cards.model import SECTIONS, Card
from poolcheck.cards.source import statement_tail
from poolcheck.check import all_rules, default_options
from poolcheck.pipeline import RunSettings, run

GOLDEN = Path(__file__).resolve().parent / "golden" / "cards"
UPDATE_GOLDEN = os.environ.get("POOLCHECK_UPDATE_GOLDEN") == "1"
DAY = date(2025, 1, 2)
EPOCH = "1735776000"  # 2025-01-02 00:00:00 UTC
FRONT_MATTER_KEYS = ["status", "priority", "issue_id", "tags", "dependencies"]
NAME = re.compile(r"^(\d{3,})-([a-z]+)-(p[123])-([a-z0-9-]+)\.md$")
SQLX_CARD = "fixtures/rust-service/src/main.rs:21-23"
# The two services, not all of fixtures/: other fixtures (system-level ones) bring cards of their own.
SERVICES = ("fixtures/rust-service", "fixtures/python-service")
LIBRARY_CARDS = {
    "sqlx": SQLX_CARD,
    "sqlalchemy": "fixtures/python-service/app/db.py:11-17",
    "asyncpg": "fixtures/python-service/worker/consumer.py:12",
    "psycopg_pool": "fixtures/python-service/jobs/nightly.py:7",
    "psycopg2": "fixtures/python-service/legacy/pg2.py:7",
}


# --- helpers -------------------------------------------------------------------------------------


def poolcheck(*args: str, cwd: Path = ROOT, epoch: str = EPOCH) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    return subprocess.run(
        [*poolcheck_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def cards_for(
    paths: list[Path], per: str = "pool", options: dict[str, float] | None = None
) -> tuple[Card, ...]:
    """Cards for ``paths`` as the command builds them, run from the repository root."""
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        report = run(paths, RunSettings())
        chosen = {**default_options(), **(options or {})}
        return build_cards(report, lambda path: chosen, DAY, per, statement_tail)  # type: ignore[arg-type]
    finally:
        os.chdir(previous)


@pytest.fixture(scope="module")
def pool_cards() -> tuple[Card, ...]:
    return cards_for([Path(p) for p in SERVICES])


@pytest.fixture(scope="module")
def finding_cards() -> tuple[Card, ...]:
    return cards_for([Path(p) for p in SERVICES], per="finding")


def card_about(cards: tuple[Card, ...], subject: str) -> Card:
    found = [card for card in cards if card.subject == subject]
    assert len(found) == 1, [card.subject for card in cards]
    return found[0]


def section(card: Card, heading: str) -> str:
    return next(s.body for s in card.sections if s.heading == heading)


def code_blocks(markdown: str, fence: str) -> list[str]:
    return re.findall(rf"```{fence}\n(.*?)\n```", markdown, re.S)


def option(card: Card, number: int) -> str:
    solutions = section(card, "Proposed Solutions")
    parts = re.split(r"^### ", solutions, flags=re.M)
    return next(part for part in parts if part.startswith(f"Option {number}:"))


def folder_state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def split_front_matter(text: str) -> tuple[dict[str, object], list[str], str]:
    """The parsed front matter, its keys in file order, and the rest of the file."""
    assert text.startswith("---\n"), text[:40]
    end = text.index("\n---\n", 4)
    raw = text[4:end]
    keys = [line.split(":", 1)[0] for line in raw.splitlines()]
    return yaml.safe_load(raw), keys, text[end + len("\n---\n") :]


def check_card_file(name: str, text: str) -> None:
    """The CARD_FORMAT.md contract for one file."""
    data, keys, body = split_front_matter(text)
    assert keys == FRONT_MATTER_KEYS
    assert list(data) == FRONT_MATTER_KEYS
    assert data["status"] == "pending"
    assert data["priority"] in ("p1", "p2", "p3")
    assert isinstance(data["issue_id"], str) and re.fullmatch(r"\d{3,}", data["issue_id"])
    tags = data["tags"]
    assert isinstance(tags, list) and tags[0] == "code-review" and all(isinstance(t, str) for t in tags)
    assert "connection-pool" in tags
    dependencies = data["dependencies"]
    assert isinstance(dependencies, list) and all(isinstance(d, str) for d in dependencies)
    named = NAME.match(name)
    assert named, name
    assert (named[1], named[2], named[3]) == (data["issue_id"], data["status"], data["priority"])
    assert re.match(r"<!-- poolcheck-fingerprint: [0-9a-f]{16} -->\n\n# \S", body), body[:80]
    assert len(re.findall(r"^# ", body, re.M)) == 1
    assert re.findall(r"^## (.+)$", body, re.M) == list(SECTIONS)


def prose(text: str) -> str:
    """The card without code: fenced blocks, inline code and HTML comments removed."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def assert_no_placeholders(text: str) -> None:
    for marker in ("TODO", "XXX", "N/A", "FIXME", "TBD"):
        assert marker not in text, marker
    assert not re.search(r"\{(pool|current|setting|value|code)\}", text)
    words = prose(text)
    assert not re.search(r"\bNone\b", words), re.search(r".{40}\bNone\b.{40}", words)
    assert not re.search(r"<[A-Za-z][^>\n]*>", words), re.search(r"<[A-Za-z][^>\n]*>", words)
    assert not re.search(r"\[\s*\]\(|: \.|\bnan\b|\binf\b", words)


# --- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("library", sorted(LIBRARY_CARDS))
def test_one_card_per_library_matches_the_golden_file(pool_cards: tuple[Card, ...], library: str) -> None:
    card = card_about(pool_cards, LIBRARY_CARDS[library])
    assert f", {library}]" in render(card, 1)  # the library's tag closes the tags
    rendered = render(card, 1)
    golden = GOLDEN / f"{library}.md"
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"missing {golden}; run with POOLCHECK_UPDATE_GOLDEN=1"
    assert rendered == golden.read_text(encoding="utf-8")


def test_the_sqlx_pool_of_ten_card_covers_the_original_review(pool_cards: tuple[Card, ...]) -> None:
    card = card_about(pool_cards, SQLX_CARD)
    assert card.priority == "p2"
    assert "too small" in card.title and "10 connections" in card.title
    assert card.rules == ("PC001", "PC002", "PC006", "PC005", "PC004")
    assert file_name(card, 7) == "007-pending-p2-sqlx-pool-too-small-main-rs.md"

    findings = section(card, "Findings")
    assert "**Location**: `fixtures/rust-service/src/main.rs:21-23`" in findings
    assert code_blocks(findings, "rust")[0] == (
        "let pool = PgPoolOptions::new()\n"
        "    .max_connections(10)\n"
        "    .connect(&config.database_url)\n"
        "    .await?;"
    )
    assert "| maximum pool size | `max_connections` | 10 | written, line 22 |" in findings
    assert "| acquire timeout | `acquire_timeout` | 30 s | sqlx default |" in findings
    assert "| Concurrent requests | Connections needed | Now (10) | Recommended (50) |" in findings
    assert "97 for ordinary roles" in findings and "2 MiB" in findings

    first = option(card, 1)
    assert first.startswith("Option 1: Production values in code (Recommended)")
    assert code_blocks(first, "rust") == [
        "let pool = PgPoolOptions::new()\n"
        "    .max_connections(50)\n"
        "    .min_connections(10)\n"
        "    .acquire_timeout(Duration::from_secs(5))\n"
        "    .idle_timeout(Duration::from_secs(600))\n"
        "    .max_lifetime(Duration::from_secs(1800))\n"
        "    .connect(&config.database_url)\n"
        "    .await?;"
    ]
    assert "`use std::time::Duration;`" in first  # main.rs does not import it yet
    second = option(card, 2)
    assert second.startswith("Option 2: Configurable from the environment")
    assert (
        'env::var("DATABASE_MAX_CONNECTIONS")\n    .ok()\n    .and_then(|s| s.parse().ok())\n    .unwrap_or(50);'
        in second
    )
    assert ".max_connections(max_connections)" in second and ".connect(&config.database_url)" in second
    third = option(card, 3)
    assert third.startswith("Option 3: Sized from CPU cores")
    assert "std::thread::available_parallelism()" in third and "(cores * 4).clamp(50, 97)" in third
    for text in (first, second, third):
        for label in ("**Pros**", "**Cons**", "**Effort**", "**Risk**"):
            assert label in text

    acceptance = section(card, "Acceptance Criteria")
    for expected in (
        "Maximum pool size raised to 50 (`.max_connections(50)`)",
        "Minimum pool size set to 10 (`.min_connections(10)`)",
        "Acquire timeout set to 5 s (`.acquire_timeout(Duration::from_secs(5))`)",
        "Idle timeout set to 10 min (`.idle_timeout(Duration::from_secs(600))`)",
        "Maximum connection lifetime set to 30 min (`.max_lifetime(Duration::from_secs(1800))`)",
        "A load test at twice the expected peak concurrency completes",
        "PostgreSQL server `max_connections` covers",
    ):
        assert f"- [ ] {expected}" in acceptance, expected
    assert "Little's law" in section(card, "Technical Details")
    assert "`fixtures/rust-service/src/main.rs` (lines 21-23" in section(card, "Technical Details")
    log = section(card, "Work Log")
    assert log.startswith("### 2025-01-02 - Code Review Discovery")
    assert f"**By:** poolcheck {__version__}" in log
    assert "PC001, PC002, PC006, PC005, PC004 at `fixtures/rust-service/src/main.rs:21`" in log
    resources = section(card, "Resources")
    assert "https://docs.rs/sqlx/latest/sqlx/pool/struct.PoolOptions.html" in resources
    assert "https://github.com/brettwooldridge/HikariCP/wiki/About-Pool-Sizing" in resources
    assert "PC001 max-connections-too-small" in resources


def test_recommended_values_come_from_the_rule_options() -> None:
    options = {"min-max-connections": 80, "recommended-acquire-timeout": 3, "recommended-min-connections": 20}
    cards = cards_for([Path(p) for p in SERVICES], options=options)
    sqlx = card_about(cards, SQLX_CARD)
    assert ".max_connections(80)" in option(sqlx, 1) and ".min_connections(20)" in option(sqlx, 1)
    assert "Acquire timeout set to 3 s (`.acquire_timeout(Duration::from_secs(3))`)" in render(sqlx, 1)
    alchemy = card_about(cards, LIBRARY_CARDS["sqlalchemy"])
    assert "pool_size=70,\n    max_overflow=10," in option(alchemy, 1)  # the burst term keeps its 10


def test_only_the_knobs_a_library_has(pool_cards: tuple[Card, ...]) -> None:
    asyncpg = card_about(pool_cards, LIBRARY_CARDS["asyncpg"])
    code = code_blocks(option(asyncpg, 1), "python")[0]
    assert "max_size=50" in code and "max_inactive_connection_lifetime=600" in code
    assert "lifetime=1800" not in code and "pool_timeout" not in code
    psycopg2 = card_about(pool_cards, LIBRARY_CARDS["psycopg2"])
    assert code_blocks(option(psycopg2, 1), "python") == [
        'db_pool = pool.ThreadedConnectionPool(1, 50, dsn=os.environ["ADMIN_DSN"])'
    ]
    alchemy = card_about(pool_cards, LIBRARY_CARDS["sqlalchemy"])
    code = code_blocks(option(alchemy, 1), "python")[0]
    assert "pool_size=40,\n    max_overflow=10," in code and "pool_timeout=5" in code
    assert "pool_recycle=1800" in code and code.count("pool_pre_ping=True") == 1
    assert "min_size" not in code and "idle" not in code
    nightly = card_about(pool_cards, LIBRARY_CARDS["psycopg_pool"])
    assert "check=ConnectionPool.check_connection" in option(nightly, 1)


def test_option_two_keeps_the_environment_variables_already_read(pool_cards: tuple[Card, ...]) -> None:
    alchemy = card_about(pool_cards, LIBRARY_CARDS["sqlalchemy"])
    second = option(alchemy, 2)
    assert "pool_size=POOL_SIZE" in second
    assert "Raise the default of env `DB_POOL_SIZE` to 40" in second
    assert 'pool_timeout=float(os.getenv("DB_POOL_TIMEOUT", "5"))' in second
    worker = card_about(pool_cards, "fixtures/rust-service/src/jobs/worker.rs:17-24")
    assert "Raise the default of env `JOBS_DB_MAX_CONNECTIONS` to 50" in option(worker, 2)
    assert "Replaces `max_connections` (default of env `JOBS_DB_MAX_CONNECTIONS`)" in option(worker, 1)


def test_sqlx_all_defaults_form_gets_its_builder(pool_cards: tuple[Card, ...]) -> None:
    audit = card_about(pool_cards, "fixtures/rust-service/src/legacy.rs:19")
    code = code_blocks(option(audit, 1), "rust")[0]
    assert code.startswith("MySqlPoolOptions::new()\n    .max_connections(50)\n")
    assert code.endswith("    .connect(url)\n    .await")
    assert "`use sqlx::mysql::MySqlPoolOptions;`" in option(audit, 1)
    acceptance = section(audit, "Acceptance Criteria")  # a MySQL pool: no PostgreSQL figures
    assert "PostgreSQL server" not in acceptance
    assert "- [ ] The database server's connection limit covers the sum" in acceptance


def test_old_sqlx_keeps_its_knob_name(pool_cards: tuple[Card, ...]) -> None:
    billing = card_about(pool_cards, "fixtures/rust-service/src/legacy.rs:7-13")
    assert billing.priority == "p3" and billing.rules == ("PC003",)
    code = code_blocks(option(billing, 1), "rust")[0]
    assert ".connect_timeout(std::time::Duration::from_secs(5))" in code  # sqlx 0.5 spelling and path
    assert "acquire_timeout" not in code


def test_rewritten_code_is_valid_in_its_language(tmp_path: Path) -> None:
    write_snippet(
        tmp_path,
        """
        async fn one(url: &str) -> Result<PgPool, sqlx::Error> {
            PgPoolOptions::new().max_connections(10).connect(url).await
        }
        async fn two(url: &str) -> Result<(), sqlx::Error> {
            let pool = sqlx::Pool::<sqlx::Postgres>::connect(url).await?;
            let lazy = sqlx::PgPool::connect_lazy(url)?;
            let bad = PgPoolOptions::new().max_connections(0).test_before_acquire(false).idle_timeout(None).connect(url).await?;
            Ok(())
        }
        """,
        "src/snippets.rs",
    )
    write_snippet(
        tmp_path,
        """
        import asyncpg
        import sqlalchemy as sa
        from psycopg2.pool import SimpleConnectionPool
        from psycopg_pool import AsyncConnectionPool, NullConnectionPool
        from sqlalchemy import engine_from_config
        from sqlalchemy.pool import QueuePool

        e1 = sa.create_engine(URL, pool_size=20, max_overflow=-1)
        e2 = engine_from_config({"sqlalchemy.url": URL, "sqlalchemy.pool_size": "5"}, prefix="sqlalchemy.")
        qp = QueuePool(lambda: connect(DSN), pool_size=5)
        np = NullConnectionPool(DSN)
        ap = AsyncConnectionPool(
            DSN,
            min_size=2
        )
        sp = SimpleConnectionPool(20, 5, DSN)


        async def main():
            async with asyncpg.create_pool(DSN, max_size=10, max_inactive_connection_lifetime=0) as pool:
                pass
        """,
        "app/snippets.py",
    )
    cards = cards_for([tmp_path, *(ROOT / p for p in SERVICES)])
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))
    checked = {"rust": 0, "python": 0}
    for card in cards:
        solutions = section(card, "Proposed Solutions")
        for block in code_blocks(solutions, "rust"):
            tree = parser.parse(f"async fn check() {{\n{block}\n}}\n".encode())
            assert not tree.root_node.has_error, block
            checked["rust"] += 1
        for block in code_blocks(solutions, "python"):
            source = block + ("\n    pass" if block.rstrip().endswith(":") else "")
            ast.parse(source, feature_version=(3, 10)) if "await" not in source else compile(
                source, "<card>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
            )
            checked["python"] += 1
    assert checked["rust"] >= 15 and checked["python"] >= 20, checked
    assert (
        "QueuePool(\n    lambda: connect(DSN),\n    pool_size=40,\n    max_overflow=10,\n    timeout=5,"
        in (option(card_with(cards, "qp = QueuePool("), 1))
    )
    assert '"sqlalchemy.pool_size": "40"' in option(card_with(cards, "e2 = engine_from_config("), 1)
    assert "SimpleConnectionPool(10, 50, DSN)" in option(card_with(cards, "sp = SimpleConnectionPool("), 1)
    assert "    min_size=2,\n    max_size=50," in option(card_with(cards, "ap = AsyncConnectionPool("), 1)
    assert (
        "    .max_connections(50)\n    .test_before_acquire(true)\n    .idle_timeout(Duration::from_secs(600))"
        in (option(card_with(cards, "let bad = "), 1))
    )


def card_with(cards: tuple[Card, ...], written: str) -> Card:
    """The card whose construction, as written, starts with ``written``."""
    found = [c for c in cards if code_blocks(section(c, "Findings"), r"\w+")[0].startswith(written)]
    assert len(found) == 1, written
    return found[0]


def test_every_rule_has_its_card_text() -> None:
    options = default_options()
    for rule in all_rules():
        assert rule.card is not None, rule.id
        fields = {"pool": "P", "current": "C", "setting": "S", "value": "V", "code": "K"}
        for text in (rule.card.title, rule.card.acceptance, rule.card.verification):
            assert text.format(**fields)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.card.slug)
        assert rule.card.problem.endswith(".")
        if rule.recommended_by is not None:
            assert rule.recommended_by in options, rule.id
            assert rule.concept is not None
    recommending = {rule.concept: rule.recommended_by for rule in all_rules() if rule.recommended_by}
    assert recommending == {
        "max_connections": "min-max-connections",
        "acquire_timeout": "recommended-acquire-timeout",
        "max_lifetime": "recommended-max-lifetime",
        "idle_timeout": "recommended-idle-timeout",
        "min_connections": "recommended-min-connections",
    }
    assert {k: options[k] for k in recommending.values()} == {
        "min-max-connections": 50,
        "recommended-acquire-timeout": 5,
        "recommended-max-lifetime": 1800,
        "recommended-idle-timeout": 600,
        "recommended-min-connections": 10,
    }


# --- format --------------------------------------------------------------------------------------


def test_every_card_parses_and_follows_the_format(
    pool_cards: tuple[Card, ...], finding_cards: tuple[Card, ...]
) -> None:
    assert len(pool_cards) == 8 and len(finding_cards) == 25
    for cards in (pool_cards, finding_cards):
        for number, card in enumerate(cards, 1):
            check_card_file(file_name(card, number), render(card, number))
        assert len({card.fingerprint for card in cards}) == len(cards)


def test_no_card_has_placeholder_text(pool_cards: tuple[Card, ...], finding_cards: tuple[Card, ...]) -> None:
    for card in (*pool_cards, *finding_cards):
        assert_no_placeholders(render(card, 1))
    assert_no_placeholders(render(system_cards()[-1], 9))


def test_the_placeholder_check_can_fail() -> None:
    for bad in ("- [ ] TODO", "**Location**: <path>", "value is None here", "see N/A", "{value} s"):
        with pytest.raises(AssertionError):
            assert_no_placeholders(bad)
    assert_no_placeholders("```rust\n.max_lifetime(None)\n```\nand `Result<PgPool>` in code")


def system_cards() -> tuple[Card, ...]:
    """The cards of a compose stack over its server's limit: one per pool with findings, then PC010's."""
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        report = run([Path("fixtures/system-over")], RunSettings())
        return build_cards(report, lambda path: default_options(), DAY, "pool", statement_tail)
    finally:
        os.chdir(previous)


def test_a_system_level_finding_gets_its_own_card_after_the_pool_cards(tmp_path: Path) -> None:
    cards = system_cards()
    system = cards[-1]
    assert system.subject == "fixtures/system-over/docker-compose.yml:5" and system.rules == ("PC010",)
    assert system.priority == "p1"
    # The catalog pool's card turns its health check on: no number of the sum changes, no dependency.
    assert len(cards) == 2 and system.dependencies == ()
    outcome = write_cards(tmp_path / "todos", cards)
    written = outcome.added[-1][1]
    data, _, body = split_front_matter(written.read_text())
    assert data["dependencies"] == []
    check_card_file(written.name, written.read_text())
    assert "= 200 connections, above the 97 it allows" in body


def test_the_capacity_card_names_each_pools_share_and_the_ways_out_with_numbers() -> None:
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        report = run([Path("fixtures/system-over")], RunSettings())
    finally:
        os.chdir(previous)
    cards = build_cards(report, lambda path: default_options(), DAY, "pool", statement_tail)
    body = render(cards[-1], 9)
    # Two pools of 50 x 2 replicas on 97 usable slots: each share is floor(50 x 97 / 200) = 24, the
    # ceiling PC001's advice reads, and the card's change for each pool says the same number.
    shares = {pool.site.path: pool.ceiling.connections for pool in report.pools if pool.ceiling}
    assert set(shares.values()) == {24}
    for path in shares:
        assert f"**`{path}:" in body and "`**: maximum 50 -> 24 (x 2: 100 -> 48 connections)" in body
    assert ".max_connections(24)" in body and "pool_size=14,\n    max_overflow=10," in body
    assert "Afterwards the pools may open 96 of the 97 available" in body
    # 24 is below the floor of 50 both pools meet now: raising the server's limit comes first.
    assert "### Option 1: Raise the server's max_connections to 203 (Recommended)" in body
    assert "would fall below min-max-connections (50)" in body
    assert "`default_pool_size = 48` (48 x 2 database/user pairs = 96, within the 97 left)" in body
    assert "| **Total** | | | | **200** | of 97 (max_connections 100 - 3 reserved) |" in body
    assert_no_placeholders(body)


def test_the_capacity_card_lowers_the_pools_first_when_each_share_keeps_the_floor(tmp_path: Path) -> None:
    compose = (
        "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=143\n"
        + "".join(
            f"  {name}:\n    build: ./{name}\n    command: gunicorn app:app -w 2\n"
            for name in ("api", "admin")
        )
    )
    engine = (
        "from sqlalchemy import create_engine\n\n"
        "engine = create_engine(URL, pool_size=40, max_overflow=0, pool_timeout=5, pool_recycle=1800, "
        "pool_pre_ping=True)\n"
    )
    write_snippet(tmp_path, compose, "docker-compose.yml")
    for name in ("api", "admin"):
        write_snippet(tmp_path, engine, f"{name}/app/db.py")
    report = run([tmp_path], RunSettings())
    cards = build_cards(report, lambda path: default_options(), DAY, "pool", statement_tail)
    (capacity,) = [card for card in cards if card.rules == ("PC010",)]
    body = render(capacity, 1)
    # 40 x 2 workers, twice, on 140 usable: each share is floor(40 x 140 / 160) = 35, and no pool
    # crosses the floor of 50 (both are below it already): lowering first, raising the server second.
    assert "### Option 1: Lower each pool's maximum to its share (Recommended)" in body
    assert body.count("`**: maximum 40 -> 35 (x 2: 80 -> 70 connections)") == 2
    assert "### Option 2: Raise the server's max_connections to 163" in body
    assert "3 reserved + 160 the pools may open" in body
    assert "has a maximum of at most 35" in body and "would fall below" not in body


# --- writing -------------------------------------------------------------------------------------


def test_card_per_finding_and_stdout() -> None:
    result = poolcheck("--format", "todo", *SERVICES)
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("\nstatus: pending\n") == 8 and result.stderr == ""
    assert "### 2025-01-02 - Code Review Discovery" in result.stdout
    per_finding = poolcheck("--format", "todo", "--card-per", "finding", *SERVICES)
    assert per_finding.stdout.count("\nstatus: pending\n") == 25
    report = json.loads(poolcheck("--format", "json", *SERVICES).stdout)
    assert report["summary"]["findings"] == 25


def test_writing_twice_adds_nothing_and_touches_nothing(tmp_path: Path) -> None:
    todos = tmp_path / "todos"
    first = poolcheck("--format", "todo", "--todos-dir", str(todos), *SERVICES)
    assert first.returncode == 1 and first.stdout == ""
    assert "poolcheck: 8 cards added, 0 already in" in first.stderr
    names = sorted(p.name for p in todos.iterdir())
    assert names[0].startswith("001-pending-p2-") and names[-1].startswith("008-pending-p3-")
    for path in todos.iterdir():
        check_card_file(path.name, path.read_text(encoding="utf-8"))
    before = folder_state(todos)
    second = poolcheck("--format", "todo", "--todos-dir", str(todos), *SERVICES)
    assert "poolcheck: 0 cards added, 8 already in" in second.stderr
    assert second.stderr.count("poolcheck: skipped ") == 8
    assert folder_state(todos) == before  # same names, bytes and modification times


def test_the_report_goes_on_and_the_card_lines_follow_it(tmp_path: Path) -> None:
    text = poolcheck("--todos-dir", str(tmp_path / "a"), *SERVICES)
    assert "Found 25 findings" in text.stdout and "poolcheck: added " in text.stdout
    assert text.stdout.index("Found 25 findings") < text.stdout.index("poolcheck: added ")
    machine = poolcheck("--format", "json", "--todos-dir", str(tmp_path / "b"), *SERVICES)
    assert json.loads(machine.stdout)["summary"]["findings"] == 25  # stdout stays one JSON document
    assert "poolcheck: 8 cards added" in machine.stderr


def test_write_todos_defaults_to_a_todos_folder(tmp_path: Path) -> None:
    result = poolcheck("--write-todos", "-q", str(ROOT / "fixtures" / "rust-service"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert sorted(p.name[:3] for p in (tmp_path / "todos").iterdir()) == ["001", "002", "003", "004"]
    assert result.stdout.splitlines()[-1].startswith("poolcheck: 4 cards added")


def test_source_date_epoch_sets_the_date(tmp_path: Path) -> None:
    assert discovery_date({"SOURCE_DATE_EPOCH": "0"}) == date(1970, 1, 1)
    assert discovery_date({}) == date.today()
    result = poolcheck("--format", "todo", "fixtures/rust-service/src/main.rs", epoch="1700000000")
    assert "### 2023-11-14 - Code Review Discovery" in result.stdout
    broken = poolcheck("--format", "todo", *SERVICES, epoch="yesterday")
    assert broken.returncode == 2 and "SOURCE_DATE_EPOCH" in broken.stderr


def users_cards(todos: Path, ours: str) -> dict[str, str]:
    """A folder someone has worked in: their own cards, and one of ours moved on and edited."""
    edited = ours.replace("status: pending", "status: complete").replace('issue_id: "001"', "issue_id: 12")
    edited = edited.replace("# PostgreSQL connection pool", "# Pool was resized in PR 88 -").replace(
        "## Resources", "## Notes"
    )
    files = {
        "003-pending-p1-login-rate-limit.md": '---\nstatus: pending\npriority: p1\nissue_id: "003"\n'
        "tags: [code-review, security]\ndependencies: []\n---\n\n# Login is not rate limited\n",
        # Written by hand: the id is only in the name.
        "041-ready-p2-cache-stampede.md": "---\nstatus: ready\npriority: p2\n---\n\n# Cache stampede\n",
        "017-completed-p3-typo.md": "---\nstatus: completed\npriority: p3\nissue_id: 17\n---\n\n# Typo\n",
        "12-complete-p2-pool-fixed.md": edited,
        "notes.md": "# Triage notes\n\nNothing numbered here.\n",
    }
    todos.mkdir()
    for name, text in files.items():
        (todos / name).write_text(text, encoding="utf-8")
    return files


def test_existing_cards_are_kept_and_numbering_continues(
    tmp_path: Path, pool_cards: tuple[Card, ...]
) -> None:
    todos = tmp_path / "todos"
    ours = card_about(pool_cards, SQLX_CARD)
    users_cards(todos, render(ours, 1))
    before = folder_state(todos)
    result = poolcheck("--format", "todo", "--todos-dir", str(todos), *SERVICES)
    assert f"skipped {SQLX_CARD} (PC001, PC002, PC006, PC005, PC004): already filed as" in result.stderr
    assert "12-complete-p2-pool-fixed.md" in result.stderr
    after = folder_state(todos)
    assert {name: after[name] for name in before} == before  # nothing of theirs changed
    added = sorted(set(after) - set(before))
    assert [name[:3] for name in added] == [f"{n:03d}" for n in range(42, 49)]  # 7 new, after 041
    assert not any("main-rs" in name for name in added)
    for name in added:
        check_card_file(name, (todos / name).read_text(encoding="utf-8"))
    state = scan(todos)
    assert state.highest == 48 and ours.fingerprint in state.filed


def test_a_name_taken_meanwhile_is_never_overwritten(tmp_path: Path, pool_cards: tuple[Card, ...]) -> None:
    card = pool_cards[0]
    taken = tmp_path / file_name(card, 1)
    tmp_path.joinpath(".keep").write_text("")
    real_create = card_folder.create_new
    calls = []

    def racing(path: Path, text: str) -> None:
        calls.append(path.name)
        if len(calls) == 1:  # another writer creates the same name between our scan and our write
            taken.write_text("someone else's card\n")
        real_create(path, text)

    card_folder.create_new = racing  # type: ignore[assignment]
    try:
        outcome = write_cards(tmp_path, [card])
    finally:
        card_folder.create_new = real_create  # type: ignore[assignment]
    assert taken.read_text() == "someone else's card\n"
    assert outcome.added[0][1].name == file_name(card, 2)
    assert not list(tmp_path.glob(".poolcheck-*"))


def test_an_interrupted_write_leaves_no_card(
    tmp_path: Path, pool_cards: tuple[Card, ...], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def cut(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", cut)
    with pytest.raises(KeyboardInterrupt):
        write_cards(tmp_path / "todos", pool_cards)
    assert list((tmp_path / "todos").iterdir()) == []  # no card, no temporary file


def test_without_hard_links_cards_are_still_created_exclusively(
    tmp_path: Path, pool_cards: tuple[Card, ...], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def unsupported(source: str, target: str) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", unsupported)
    outcome = write_cards(tmp_path, pool_cards[:2])
    assert [path.name[:3] for _, path in outcome.added] == ["001", "002"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(path.name for _, path in outcome.added)
    for card, path in outcome.added:
        assert path.read_text(encoding="utf-8") == render(card, int(path.name[:3]))


def test_only_the_marker_after_the_front_matter_counts(tmp_path: Path, pool_cards: tuple[Card, ...]) -> None:
    card, other = pool_cards[0], pool_cards[1]
    # Moved and renamed, front matter kept: still this card. A marker lower down is quoted text.
    (tmp_path / "moved.md").write_text(
        f"---\nstatus: complete\n---\n<!-- poolcheck-fingerprint: {card.fingerprint} -->\n\n# Kept\n\n"
        f"See below.\n\n<!-- poolcheck-fingerprint: {other.fingerprint} -->\n"
    )
    outcome = write_cards(tmp_path, [card, other])
    assert [c.fingerprint for c, _ in outcome.skipped] == [card.fingerprint]
    assert [c.fingerprint for c, _ in outcome.added] == [other.fingerprint]
    assert outcome.added[0][1].name.startswith("001-")  # no numbered file yet: ids start at 1


def iter_cards(text: str) -> Iterator[str]:
    yield from re.split(r"\n(?=---\nstatus: )", text)


def test_stdout_cards_are_numbered_from_one(pool_cards: tuple[Card, ...]) -> None:
    from poolcheck.emit.todo import render as render_all

    documents = list(iter_cards(render_all(pool_cards)))
    assert len(documents) == len(pool_cards)
    ids = [yaml.safe_load(doc.split("---\n")[1])["issue_id"] for doc in documents]
    assert ids == [f"{n:03d}" for n in range(1, len(pool_cards) + 1)]
    assert replace(pool_cards[0], status="pending") == pool_cards[0]


def test_a_configuration_file_changes_the_recommended_values(tmp_path: Path) -> None:
    config = tmp_path / "poolcheck.toml"
    config.write_text("min-max-connections = 80\nrecommended-idle-timeout = 300\n")
    result = poolcheck("--format", "todo", "--config", str(config), "fixtures/rust-service/src/main.rs")
    assert "- [ ] Maximum pool size raised to 80 (`.max_connections(80)`)" in result.stdout
    assert "- [ ] Idle timeout set to 5 min (`.idle_timeout(Duration::from_secs(300))`)" in result.stdout


def test_the_reference_shows_the_generated_sqlx_card() -> None:
    readme = (ROOT / "docs" / "issue-cards.md").read_text(encoding="utf-8")
    assert "\n````markdown\n" + (GOLDEN / "sqlx.md").read_text(encoding="utf-8") + "````\n" in readme
    for flag in ("--format todo", "--todos-dir", "--write-todos", "--card-per"):
        assert flag in readme


def test_each_pools_card_reads_its_own_files_configuration(tmp_path: Path) -> None:
    pool = "async fn f(u: &str) { let pool = PgPoolOptions::new().max_connections(5).connect(u).await; }\n"
    for service, size in (("small", 20), ("large", 80)):
        (tmp_path / service).mkdir()
        (tmp_path / service / "poolcheck.toml").write_text(f"min-max-connections = {size}\n")
        (tmp_path / service / "db.rs").write_text(pool)
    result = poolcheck("--format", "todo", "small/db.rs", "large/db.rs", cwd=tmp_path)
    cards = result.stdout.split("\n---\nstatus:")
    small = next(card for card in cards if "small/db.rs" in card)
    large = next(card for card in cards if "large/db.rs" in card)
    assert "Maximum pool size raised to 20 (`.max_connections(20)`)" in small
    assert "Maximum pool size raised to 80 (`.max_connections(80)`)" in large


VARIANT_ENGINE = """\
import os

from sqlalchemy import create_engine

DEBUG = os.getenv("DEBUG") == "1"
PRODUCTION = os.getenv("ENVIRONMENT") == "production"

engine = create_engine(
    os.environ["DATABASE_URL"],
    pool_size={size},
    max_overflow=10,
    pool_timeout=5,
    pool_recycle=1800,
    pool_pre_ping=True,
)
"""


@pytest.mark.parametrize(
    ("size", "written"),
    [
        (
            "20 if not DEBUG else 5",
            "pool_size=40 if not DEBUG else 5,",
        ),  # the debug arm stays the developer's
        ("5 if DEBUG else 20", "pool_size=5 if DEBUG else 40,"),
        ("20 if PRODUCTION else 5", "pool_size=40,"),  # the else may run in production too: one value
    ],
)
def test_production_values_change_only_the_production_arm_of_a_value_chosen_in_the_call(
    tmp_path: Path, size: str, written: str
) -> None:
    path = write_snippet(tmp_path, VARIANT_ENGINE.format(size=size), "db.py")
    [card] = cards_for([path])
    [code] = code_blocks(option(card, 1), "python")
    assert f"    {written}" in code.splitlines(), code
    ast.parse(code)
