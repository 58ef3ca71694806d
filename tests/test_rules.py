"""Rule semantics beyond the examples: priorities, sources in messages, options, exemptions."""

from __future__ import annotations

from pathlib import Path

from conftest import Snippets

from poolcheck.check import RuleSet, all_rules, check_pools, default_options
from poolcheck.pipeline import RunSettings, run


def rules_fired(
    snippets: Snippets, chain: str, builder: str = "PgPoolOptions::new()"
) -> dict[str, tuple[str, str]]:
    found = snippets.findings(f"async fn f(u: &str) {{ let p = {builder}{chain}.connect(u).await; }}")
    return {f.rule: (f.priority, f.message) for f in found}


FULL = (
    ".max_connections(50).min_connections(10).acquire_timeout(Duration::from_secs(5))"
    ".idle_timeout(Duration::from_secs(600)).max_lifetime(Duration::from_secs(1800))"
)


def test_tuned_pool_is_clean(snippets: Snippets) -> None:
    assert rules_fired(snippets, FULL) == {}


def test_disabled_timers_are_p2_and_defaults_p3(snippets: Snippets) -> None:
    disabled = rules_fired(
        snippets,
        FULL.replace("Duration::from_secs(600)", "None").replace("Duration::from_secs(1800)", "None"),
    )
    assert disabled["PC004"][0] == disabled["PC005"][0] == "p2"
    assert "unlimited (disabled by `None`)" in disabled["PC004"][1]
    defaulted = rules_fired(
        snippets, ".max_connections(50).min_connections(10).acquire_timeout(Duration::from_secs(5))"
    )
    assert defaulted["PC004"][0] == defaulted["PC005"][0] == "p3"


def test_messages_name_env_and_constant_sources(snippets: Snippets) -> None:
    env = rules_fired(
        snippets, '.max_connections(env::var("DB_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(20))'
    )
    assert "max_connections is 20 (default of env DB_MAX)" in env["PC001"][1]
    slow = rules_fired(snippets, FULL.replace("from_secs(5)", "from_secs(45)"))
    assert slow["PC003"] == (
        "p3",
        "acquire timeout is 45 s (written): an exhausted pool keeps requests hanging that long before they fail; "
        "keep it at or below 10 s",
    )


def test_dynamic_values_keep_value_rules_silent(snippets: Snippets) -> None:
    fired = rules_fired(snippets, FULL.replace("max_connections(50)", "max_connections(cfg.max)"))
    assert fired == {}


def test_thresholds_are_options(snippets: Snippets) -> None:
    pools = snippets.pools(
        "async fn f(u: &str) { PgPoolOptions::new().max_connections(30).connect(u).await; }"
    )
    rules = [r for r in all_rules() if r.id == "PC001"]
    assert check_pools(pools, lambda path: RuleSet(rules, default_options()))
    relaxed = {**default_options(), "min-max-connections": 20}
    assert not check_pools(pools, lambda path: RuleSet(rules, relaxed))


def test_sqlite_pools_get_only_invalid_bounds(snippets: Snippets) -> None:
    assert rules_fired(snippets, ".max_connections(1)", "SqlitePoolOptions::new()") == {}
    assert set(rules_fired(snippets, ".max_connections(0)", "SqlitePoolOptions::new()")) == {"PC007"}


def test_invalid_bounds(snippets: Snippets) -> None:
    assert rules_fired(snippets, FULL + ".min_connections(80)")["PC007"][0] == "p1"
    zero = rules_fired(snippets, FULL.replace("from_secs(5)", "from_secs(0)"))
    assert "PoolTimedOut" in zero["PC007"][1]  # what sqlx does with it, from its table
    # min above the *default* max is invalid too: sqlx's max is 10.
    assert "PC007" in rules_fired(snippets, ".min_connections(20)")


def test_health_check(snippets: Snippets) -> None:
    assert rules_fired(snippets, FULL + ".test_before_acquire(false)")["PC012"][0] == "p3"
    assert "PC012" not in rules_fired(snippets, FULL + ".test_before_acquire(true)")


def test_findings_point_at_the_written_setting(snippets: Snippets) -> None:
    found = snippets.findings(
        "async fn f(u: &str) {\n    let p = PgPoolOptions::new()\n        .max_connections(5)\n        .connect(u).await;\n}\n"
    )
    located = {f.rule: (f.span.line, f.span.column) for f in found}
    assert located["PC001"] == (3, 10)
    assert located["PC002"] == (2, 13)


def test_fingerprints_survive_line_shifts_and_differ_between_identical_pools(tmp_path: Path) -> None:
    code = "async fn f(u: &str) { let p = PgPoolOptions::new().max_connections(5).connect(u).await; }\n"
    source = tmp_path / "db.rs"
    source.write_text(code)
    before = {f.rule: f.fingerprint for f in run([source], RunSettings()).findings}
    source.write_text("// header\n\nuse sqlx::postgres::PgPoolOptions;\n" + code)
    after = {f.rule: f.fingerprint for f in run([source], RunSettings()).findings}
    assert before == after
    source.write_text(code + code.replace("fn f", "fn g"))
    twice = run([source], RunSettings()).findings
    assert len({f.fingerprint for f in twice}) == len(twice)
