"""Each file gets its nearest configuration; extend inherits; selection resolves in layers, as in ruff."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_config import ALL_FIVE, UNTUNED, tree

from poolcheck.check import all_rules
from poolcheck.cli import main
from poolcheck.config import ConfigError, Configs, load_config
from poolcheck.filters import Selection
from poolcheck.settings import Overrides, file_settings, resolve_selection


def findings(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """(path, rule) of a JSON run from ``cwd``, in this process (the command line's own code)."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, ["--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}


def rules_of(found: set[tuple[str, str]], path: str) -> set[str]:
    return {rule for shown, rule in found if shown == path}


def test_each_file_gets_its_nearest_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.poolcheck]\nignore = ["PC006"]\n',
            "api/db.rs": UNTUNED,
            "worker/poolcheck.toml": 'select = ["PC001"]\n',
            "worker/src/db.rs": UNTUNED,
        },
    )
    found = findings(tmp_path, ".", monkeypatch=monkeypatch)
    assert rules_of(found, "api/db.rs") == ALL_FIVE - {"PC006"}
    assert rules_of(found, "worker/src/db.rs") == {"PC001"}


def test_a_files_findings_do_not_depend_on_the_other_files_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(
        tmp_path,
        {
            "a/poolcheck.toml": 'ignore = ["PC001"]\n',
            "a/db.rs": UNTUNED,
            "b/db.rs": UNTUNED,
        },
    )
    alone = rules_of(findings(tmp_path, "a/db.rs", monkeypatch=monkeypatch), "a/db.rs")
    together = rules_of(findings(tmp_path, "a/db.rs", "b/db.rs", monkeypatch=monkeypatch), "a/db.rs")
    assert alone == together == ALL_FIVE - {"PC001"}


def test_config_option_applies_to_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(
        tmp_path,
        {
            "strict.toml": 'select = ["PC002"]\n',
            "a/poolcheck.toml": 'select = ["PC001"]\n',
            "a/db.rs": UNTUNED,
            "b/db.rs": UNTUNED,
        },
    )
    found = findings(tmp_path, "--config", "strict.toml", ".", monkeypatch=monkeypatch)
    assert found == {("a/db.rs", "PC002"), ("b/db.rs", "PC002")}


def test_extend_inherits_and_the_extending_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.poolcheck]\nignore = ["PC006"]\nmin-max-connections = 4\n',
            "svc/poolcheck.toml": 'extend = "../pyproject.toml"\nextend-ignore = ["PC005"]\n',
            "svc/db.rs": UNTUNED,
        },
    )
    # PC001 stays silent: the pool of 5 passes the inherited minimum of 4.
    assert rules_of(findings(tmp_path, ".", monkeypatch=monkeypatch), "svc/db.rs") == {"PC002", "PC004"}
    (tmp_path / "svc" / "poolcheck.toml").write_text(
        'extend = "../pyproject.toml"\nmin-max-connections = 6\nselect = ["PC001", "PC006"]\n'
    )
    # The extending file's select starts afresh (the inherited ignore no longer applies), its option wins.
    assert rules_of(findings(tmp_path, ".", monkeypatch=monkeypatch), "svc/db.rs") == {"PC001", "PC006"}


def test_extended_patterns_stay_relative_to_the_file_that_wrote_them(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "base.toml": 'extend-exclude = ["generated/"]\n[per-file-ignores]\n"svc/tests/*" = ["ALL"]\n',
            "svc/poolcheck.toml": 'extend = "../base.toml"\n',
        },
    )
    config = Configs().for_file(str(tmp_path / "svc" / "db.rs"))
    settings = file_settings(config, Overrides())
    assert settings.excludes(str(tmp_path / "generated" / "x.rs"))
    assert settings.excludes(str(tmp_path / "svc" / "generated" / "x.rs"))  # no slash inside: any depth
    assert settings.ignored_rules(str(tmp_path / "svc" / "tests" / "db.rs")) == ("ALL",)
    assert not settings.ignored_rules(str(tmp_path / "svc" / "src" / "db.rs"))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"poolcheck.toml": 'extend = "poolcheck.toml"\n'}, "extends itself"),
        (
            {"poolcheck.toml": 'extend = "b.toml"\n', "b.toml": 'extend = "poolcheck.toml"\n'},
            "extends itself",
        ),
        ({"poolcheck.toml": 'extend = "missing.toml"\n'}, "missing.toml is not a file"),
        ({"poolcheck.toml": "extend = 3\n"}, "extend: must be the path of another configuration file"),
        ({"poolcheck.toml": 'extend = "b.toml"\n', "b.toml": "selct = []\n"}, "unknown key 'selct'"),
        ({"poolcheck.toml": 'extend-exclude = ["[z-a]*"]\n'}, "extend-exclude: invalid pattern '[z-a]*'"),
        ({"poolcheck.toml": '[per-file-ignores]\n"!" = ["PC001"]\n'}, "invalid pattern '!'"),
    ],
)
def test_bad_extends_and_patterns_are_configuration_errors(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    tree(tmp_path, files)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(None, [tmp_path])


def test_a_bad_nested_configuration_met_during_the_run_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path, {"a/db.rs": UNTUNED, "b/poolcheck.toml": "fail-on = 'p9'\n", "b/db.rs": UNTUNED})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["."])
    assert result.exit_code == 2
    assert "b/poolcheck.toml: fail-on: must be one of p1, p2, p3" in result.stderr


def test_selection_layers_resolve_as_ruffs() -> None:
    ids = lambda layers: [r.id for r in resolve_selection(all_rules(), layers)]  # noqa: E731
    assert ids([Selection(select=("PC001",)), Selection(extend_select=("PC002",))]) == ["PC001", "PC002"]
    assert ids([Selection(select=("PC00",), ignore=("PC006",))]) == [
        "PC001",
        "PC002",
        "PC003",
        "PC004",
        "PC005",
        "PC007",
    ]
    # A later select starts afresh: the earlier layer's ignore no longer applies.
    assert ids([Selection(ignore=("PC001",)), Selection(select=("PC001",))]) == ["PC001"]
    assert "PC001" not in ids([Selection(), Selection(ignore=("max-connections-too-small",))])


def test_extend_select_and_extend_ignore_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path, {"poolcheck.toml": 'select = ["PC001"]\nextend-ignore = ["PC002"]\n', "db.rs": UNTUNED})
    assert rules_of(findings(tmp_path, ".", monkeypatch=monkeypatch), "db.rs") == {"PC001"}
    extended = findings(tmp_path, "--extend-select", "PC004,PC005", ".", monkeypatch=monkeypatch)
    assert rules_of(extended, "db.rs") == {"PC001", "PC004", "PC005"}


def test_per_file_ignores_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": '[per-file-ignores]\n"src/*" = ["PC001"]\n',
            "src/db.rs": UNTUNED,
            "tools/db.rs": UNTUNED,
        },
    )
    assert rules_of(findings(tmp_path, ".", monkeypatch=monkeypatch), "src/db.rs") == ALL_FIVE - {"PC001"}
    # --per-file-ignores replaces the file's; --extend-per-file-ignores adds to it.
    replaced = findings(tmp_path, "--per-file-ignores", "tools/*:PC002,PC004", ".", monkeypatch=monkeypatch)
    assert rules_of(replaced, "src/db.rs") == ALL_FIVE
    assert rules_of(replaced, "tools/db.rs") == ALL_FIVE - {"PC002", "PC004"}
    added = findings(tmp_path, "--extend-per-file-ignores", "tools/*:ALL", ".", monkeypatch=monkeypatch)
    assert rules_of(added, "src/db.rs") == ALL_FIVE - {"PC001"}
    assert rules_of(added, "tools/db.rs") == set()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tests", "expected PATTERN:RULES"),
        ("tests/*:PC999", "unknown rule selector(s) PC999"),
        ("[z-a]:PC001", "invalid pattern"),
    ],
)
def test_bad_per_file_ignores_option_is_a_usage_error(tmp_path: Path, value: str, message: str) -> None:
    result = CliRunner().invoke(main, ["--per-file-ignores", value, str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output


def test_excludes_come_from_each_files_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(
        tmp_path,
        {
            "svc/poolcheck.toml": 'extend-exclude = ["legacy/"]\n',
            "svc/legacy/db.rs": UNTUNED,
            "svc/src/db.rs": UNTUNED,
            "legacy/db.rs": UNTUNED,  # not under svc's configuration: checked
        },
    )
    paths = {path for path, _ in findings(tmp_path, ".", monkeypatch=monkeypatch)}
    assert paths == {"svc/src/db.rs", "legacy/db.rs"}
    # Named files are checked anyway, unless --force-exclude.
    named = {p for p, _ in findings(tmp_path, "svc/legacy/db.rs", monkeypatch=monkeypatch)}
    assert named == {"svc/legacy/db.rs"}
    forced = findings(tmp_path, "--force-exclude", "svc/legacy/db.rs", monkeypatch=monkeypatch)
    assert forced == set()


def test_respect_gitignore_from_the_configuration_and_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path, {".gitignore": "generated/\n", "generated/db.rs": UNTUNED, "src/db.rs": UNTUNED})
    paths = lambda *args: {p for p, _ in findings(tmp_path, *args, ".", monkeypatch=monkeypatch)}  # noqa: E731
    assert paths() == {"src/db.rs"}
    assert paths("--no-respect-gitignore") == {"src/db.rs", "generated/db.rs"}
    tree(tmp_path, {"poolcheck.toml": "respect-gitignore = false\n"})
    assert paths() == {"src/db.rs", "generated/db.rs"}
    assert paths("--respect-gitignore") == {"src/db.rs"}
    (tmp_path / "poolcheck.toml").write_text('respect-gitignore = "no"\n')
    with pytest.raises(ConfigError, match="respect-gitignore: must be true or false, not 'no'"):
        load_config(None, [tmp_path])
