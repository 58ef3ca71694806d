"""Configuration files: every source, which one wins, CLI over file, and each invalid value's exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, poolcheck_command

from poolcheck.check import all_rules
from poolcheck.config import KEYS, Config, ConfigError, load_config
from poolcheck.filters import Anchored, PerFileIgnore, Selection

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# Five findings: PC001 and PC002 (p2), PC004, PC005 and PC006 (p3).
UNTUNED = "async fn f(u: &str) { let pool = PgPoolOptions::new().max_connections(5).connect(u).await; }\n"
ALL_FIVE = {"PC001", "PC002", "PC004", "PC005", "PC006"}


def poolcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def rules_found(*args: str, cwd: Path) -> set[tuple[str, str]]:
    """(path, rule) of every finding of a JSON run."""
    result = poolcheck("--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}


def selected(config: Config) -> tuple[str, ...]:
    """The select of a configuration's own (last) layer."""
    return config.selections[-1].select


def rules_in(found: set[tuple[str, str]]) -> set[str]:
    return {rule for _, rule in found}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[project]\nname = "x"\n\n[tool.poolcheck]\nselect = ["PC001"]\n'),
        ("poolcheck.toml", 'select = ["PC001"]\n'),
        (".poolcheck.toml", 'select = ["PC001"]\n'),
    ],
)
def test_each_file_kind_is_found_and_read(tmp_path: Path, name: str, text: str) -> None:
    tree(tmp_path, {name: text, "src/db.rs": UNTUNED})
    assert rules_in(rules_found(".", cwd=tmp_path)) == {"PC001"}
    # Found from the checked path upwards too, when running elsewhere.
    elsewhere = tmp_path.parent
    assert rules_in(rules_found(str(tmp_path / "src"), cwd=elsewhere)) == {"PC001"}


def test_without_a_file_every_rule_runs(tmp_path: Path) -> None:
    tree(tmp_path, {"src/db.rs": UNTUNED})
    assert rules_in(rules_found(".", cwd=tmp_path)) == ALL_FIVE


def test_a_pyproject_without_a_poolcheck_table_does_not_count(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": 'ignore = ["PC001"]\n',
            # Mentions poolcheck, so it is parsed, but has no [tool.poolcheck] table.
            "svc/pyproject.toml": '[project]\nname = "svc"\ndependencies = ["poolcheck"]\n',
            "svc/db.rs": UNTUNED,
        },
    )
    assert rules_in(rules_found("svc", cwd=tmp_path)) == ALL_FIVE - {"PC001"}


def test_the_nearest_file_wins_over_the_working_directorys(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": 'select = ["PC001"]\n',
            "svc/.poolcheck.toml": 'select = ["PC002"]\n',
            "svc/db.rs": UNTUNED,
        },
    )
    assert rules_in(rules_found("svc", cwd=tmp_path)) == {"PC002"}
    assert rules_in(rules_found("svc/db.rs", cwd=tmp_path)) == {"PC002"}


def test_the_working_directorys_file_applies_when_the_checked_path_has_none(tmp_path: Path) -> None:
    tree(tmp_path / "project", {"poolcheck.toml": 'select = ["PC002"]\n'})
    tree(tmp_path / "outside", {"db.rs": UNTUNED})
    found = rules_found(str(tmp_path / "outside"), cwd=tmp_path / "project")
    assert rules_in(found) == {"PC002"}


def test_in_one_folder_dot_poolcheck_toml_wins_then_poolcheck_toml_then_pyproject(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            ".poolcheck.toml": 'select = ["PC001"]\n',
            "poolcheck.toml": 'select = ["PC002"]\n',
            "pyproject.toml": '[tool.poolcheck]\nselect = ["PC004"]\n',
        },
    )
    assert selected(load_config(None, [tmp_path])) == ("PC001",)
    (tmp_path / ".poolcheck.toml").unlink()
    assert selected(load_config(None, [tmp_path])) == ("PC002",)
    (tmp_path / "poolcheck.toml").unlink()
    assert selected(load_config(None, [tmp_path])) == ("PC004",)


def test_config_option_overrides_discovery(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": 'select = ["PC001"]\n',
            "ci/strict.toml": 'select = ["PC005"]\n',
            "other/pyproject.toml": '[tool.poolcheck]\nselect = ["PC006"]\n',
            "src/db.rs": UNTUNED,
        },
    )
    assert rules_in(rules_found("--config", "ci/strict.toml", ".", cwd=tmp_path)) == {"PC005"}
    assert rules_in(rules_found("--config", "other/pyproject.toml", ".", cwd=tmp_path)) == {"PC006"}


def test_every_key_is_read(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "pyproject.toml": """\
                [tool.poolcheck]
                select = ["PC0"]
                ignore = ["PC006"]
                extend-exclude = ["generated/"]
                fail-on = "p1"
                min-max-connections = 5
                max-acquire-timeout = 2.5
                server-max-connections = 200

                [tool.poolcheck.per-file-ignores]
                "tests/*" = ["PC004", "idle-timeout-missing"]
            """,
        },
    )
    config = load_config(None, [tmp_path])
    assert config == Config(
        path=tmp_path / "pyproject.toml",
        selections=(Selection(select=("PC0",), ignore=("PC006",)),),
        extend_exclude=(Anchored("generated/", tmp_path),),
        per_file_ignores=(PerFileIgnore(Anchored("tests/*", tmp_path), ("PC004", "idle-timeout-missing")),),
        fail_on="p1",
        options={"max-acquire-timeout": 2.5, "min-max-connections": 5},
        server_max_connections=200,
    )
    assert config.root == tmp_path


def test_rule_options_change_thresholds(tmp_path: Path) -> None:
    tree(tmp_path, {"poolcheck.toml": "min-max-connections = 5\n", "src/db.rs": UNTUNED})
    assert "PC001" not in rules_in(rules_found(".", cwd=tmp_path))
    (tmp_path / "poolcheck.toml").write_text("min-max-connections = 6\n")
    assert "PC001" in rules_in(rules_found(".", cwd=tmp_path))


def test_command_line_over_file(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": 'select = ["PC001", "PC006"]\nignore = ["PC006"]\nfail-on = "p1"\n',
            "db.rs": UNTUNED,
        },
    )
    # The file's fail-on p1 lets the p2 finding pass; --fail-on p2 on the command line wins.
    assert poolcheck(".", cwd=tmp_path).returncode == 0
    assert poolcheck("--fail-on", "p2", ".", cwd=tmp_path).returncode == 1
    assert rules_in(rules_found(".", cwd=tmp_path)) == {"PC001"}
    # --select replaces the file's select and its ignore, as in ruff.
    assert rules_in(rules_found("--select", "PC002,PC006", ".", cwd=tmp_path)) == {"PC002", "PC006"}
    # --ignore adds to the file's.
    assert rules_in(rules_found("--ignore", "PC001", ".", cwd=tmp_path)) == set()


def test_per_file_ignores_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": '[per-file-ignores]\n"legacy/*" = ["PC001", "max-lifetime-missing"]\n',
            "legacy/old.rs": UNTUNED,
            "src/legacy/new.rs": UNTUNED,
        },
    )
    found = rules_found(".", cwd=tmp_path)
    assert {rule for path, rule in found if path == "legacy/old.rs"} == ALL_FIVE - {"PC001", "PC004"}
    assert {rule for path, rule in found if path == "src/legacy/new.rs"} == ALL_FIVE
    # The same from a subfolder: patterns stay anchored at the configuration's folder.
    inside = rules_found(".", cwd=tmp_path / "legacy")
    assert inside == {("old.rs", rule) for rule in ALL_FIVE - {"PC001", "PC004"}}


def test_extend_exclude_from_file_and_command_line_add_up(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "poolcheck.toml": 'extend-exclude = ["legacy/old.rs"]\n',
            "legacy/old.rs": UNTUNED,
            "legacy/keep.rs": UNTUNED,
            "src/old.rs": UNTUNED,
            "gen/db.rs": UNTUNED,
        },
    )
    paths = {path for path, _ in rules_found("--extend-exclude", "gen/", ".", cwd=tmp_path)}
    assert paths == {"legacy/keep.rs", "src/old.rs"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "pyproject.toml",
            "[tool.poolcheck]\nmin-max-conections = 10\n",
            "pyproject.toml: [tool.poolcheck] unknown key 'min-max-conections' "
            "(did you mean 'min-max-connections'?)",
        ),
        ("poolcheck.toml", "jobs = 4\n", "poolcheck.toml: unknown key 'jobs'"),
        (
            ".poolcheck.toml",
            "fail_on = 'p1'\n",
            ".poolcheck.toml: unknown key 'fail_on' (did you mean 'fail-on'?)",
        ),
        ("poolcheck.toml", 'select = "PC001"\n', "select: must be an array of strings, not 'PC001'"),
        ("poolcheck.toml", "ignore = [1]\n", "ignore: must be an array of strings, but holds 1"),
        ("poolcheck.toml", "select = []\n", "select: must name at least one rule"),
        ("poolcheck.toml", 'fail-on = "p4"\n', "fail-on: must be one of p1, p2, p3, not 'p4'"),
        ("poolcheck.toml", "fail-on = 2\n", "fail-on: must be one of p1, p2, p3, not 2"),
        (
            "poolcheck.toml",
            'select = ["PC001", "PC999"]\n',
            "select: unknown rule selector 'PC999' (see poolcheck --list-rules)",
        ),
        ("poolcheck.toml", 'ignore = ["no-such-rule"]\n', "ignore: unknown rule selector 'no-such-rule'"),
        (
            "poolcheck.toml",
            '[per-file-ignores]\n"tests/*" = ["PC0X"]\n',
            "per-file-ignores 'tests/*': unknown rule selector 'PC0X'",
        ),
        ("poolcheck.toml", 'per-file-ignores = ["x"]\n', "per-file-ignores: must be a table"),
        ("poolcheck.toml", "extend-exclude = 'gen/'\n", "extend-exclude: must be an array of strings"),
        (
            "poolcheck.toml",
            "min-max-connections = -1\n",
            "min-max-connections: must be a number of 0 or more",
        ),
        ("poolcheck.toml", 'max-acquire-timeout = "10s"\n', "max-acquire-timeout: must be a number"),
        ("poolcheck.toml", "max-acquire-timeout = true\n", "max-acquire-timeout: must be a number"),
        ("poolcheck.toml", "max-acquire-timeout = nan\n", "max-acquire-timeout: must be a number"),
        ("poolcheck.toml", "server-max-connections = 0\n", "server-max-connections: must be a whole number"),
        (
            "poolcheck.toml",
            "server-max-connections = 1.5\n",
            "server-max-connections: must be a whole number",
        ),
        ("poolcheck.toml", "select = [\n", "poolcheck.toml: invalid TOML: "),
        ("pyproject.toml", "[tool.poolcheck\nselect = 1\n", "pyproject.toml: invalid TOML: "),
        ("pyproject.toml", "[tool]\npoolcheck = 3\n", "pyproject.toml: [tool.poolcheck] must be a table"),
    ],
)
def test_invalid_configuration_exits_2_naming_file_and_key(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    tree(tmp_path, {name: text, "db.rs": UNTUNED})
    result = poolcheck(".", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("poolcheck: ")
    assert message in result.stderr


def test_config_option_errors(tmp_path: Path) -> None:
    missing = poolcheck("--config", "nowhere.toml", ".", cwd=tmp_path)
    assert missing.returncode == 2
    assert "poolcheck: nowhere.toml: cannot read" in missing.stderr
    tree(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n'})
    untabled = poolcheck("--config", "pyproject.toml", ".", cwd=tmp_path)
    assert untabled.returncode == 2
    assert "pyproject.toml: no [tool.poolcheck] table" in untabled.stderr


def test_load_config_raises_config_error(tmp_path: Path) -> None:
    tree(tmp_path, {"poolcheck.toml": "select = 1\n"})
    with pytest.raises(ConfigError, match=r"poolcheck\.toml: select: must be an array of strings"):
        load_config(None, [tmp_path])


def test_the_reference_example_is_valid_and_shows_every_key(tmp_path: Path) -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", reference, re.DOTALL)
    assert example is not None
    base = tmp_path / "base"
    tree(base, {"pyproject.toml": '[tool.poolcheck]\nignore = ["PC011"]\n'})
    tree(base / "project", {"pyproject.toml": example.group(1)})
    config = load_config(None, [base / "project"])
    assert config.path == base / "project" / "pyproject.toml"
    assert config.extends == (base / "pyproject.toml",)
    for key in KEYS:
        assert re.search(rf"^{key} =|^\[tool\.poolcheck\.{key}\]", example.group(1), re.MULTILINE), key


def test_the_json_schema_names_every_key_and_accepts_the_reference_example() -> None:
    schema = json.loads((ROOT / "docs" / "config.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    options = {option.name for rule in all_rules() for option in rule.options}
    assert set(schema["properties"]) == set(KEYS) | options
    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", reference, re.DOTALL)
    assert example is not None
    table = tomllib.loads(example.group(1))["tool"]["poolcheck"]
    jsonschema.validate(table, schema)
    for wrong in ({"fail-on": "p4"}, {"select": []}, {"timeout": 0}, {"min-max-conections": 5}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
