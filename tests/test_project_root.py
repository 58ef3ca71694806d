"""The project root: CI reports, baselines and fingerprints name files from it, wherever poolcheck runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from poolcheck.cli import main
from poolcheck.emit import gitlab, sarif
from poolcheck.model import FileError, Finding, Report, Span
from poolcheck.root import project_root, relative_to_root, repository_path

POOL = 'from sqlalchemy import create_engine\n\nengine = create_engine("postgresql://db/app", pool_size=2)\n'
# PC001's fingerprint for this pool in svc/app/db.py, as poolcheck 0.1 (cwd-relative paths)
# wrote it from the repository root: a baseline committed then must keep matching.
PC001_BEFORE_ROOTS = "9e300288b16989be"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git work tree (a ``.git`` folder is all the root rule looks for) with a pool in svc/app/db.py."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "svc" / "app").mkdir(parents=True)
    (root / "svc" / "app" / "db.py").write_text(POOL, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def poolcheck(monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str) -> Result:
    """The command, in this process, started in ``cwd``."""
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, ["--jobs", "1", *args])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return result


def nothing_above(folder: Path) -> bool:
    """No .git or configuration file above ``folder`` (a temp folder), which the fallbacks need."""
    names = (".git", "pyproject.toml", "poolcheck.toml", ".poolcheck.toml")
    return not any((above / name).exists() for above in folder.parents for name in names)


# --- the rule ------------------------------------------------------------------------------------


def test_the_git_work_tree_is_the_root_from_any_folder_in_it(repository: Path) -> None:
    assert project_root([repository], None) == repository
    assert project_root([repository / "svc"], None) == repository
    assert project_root([repository / "svc" / "app" / "db.py"], repository / "svc") == repository
    assert project_root([repository / "svc" / "app", repository / "svc"], None) == repository


def test_a_git_file_marks_a_worktree_or_submodule_root(repository: Path) -> None:
    module = repository / "vendor" / "lib"
    module.mkdir(parents=True)
    (module / ".git").write_text("gitdir: ../../.git/modules/lib\n", encoding="utf-8")
    assert project_root([module], None) == module
    # Checking the superproject keeps the superproject's root, submodule files under it.
    assert project_root([repository], None) == repository


def test_without_git_the_configuration_folder_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not nothing_above(tmp_path):
        pytest.skip("a .git or configuration file above the temp folder")
    (tmp_path / "svc").mkdir()
    monkeypatch.chdir(tmp_path / "svc")
    assert project_root([Path(".")], tmp_path) == tmp_path
    assert project_root([Path(".")], None) == tmp_path / "svc"


def test_paths_from_the_root() -> None:
    root = Path("/work/repo")
    assert repository_path("/work/repo/svc/app/db.py", root) == "svc/app/db.py"
    assert repository_path("/work/other/db.py", root) == "/work/other/db.py"
    assert repository_path("/work/repository/db.py", root) == "/work/repository/db.py"  # not a prefix test
    assert repository_path("", root) == ""  # a finding with no location
    assert relative_to_root("/work/other/db.py", root) is None
    assert relative_to_root("/work/repo", root) == "."


# --- the same report from the root and from a subfolder ------------------------------------------


def sarif_locations(log: dict[str, Any]) -> list[dict[str, str]]:
    run = log["runs"][0]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]


def test_sarif_gitlab_and_github_name_files_from_the_root(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs: dict[str, dict[str, str]] = {}
    for folder in (repository, repository / "svc", repository / "svc" / "app"):
        outputs[str(folder)] = {
            output_format: poolcheck(monkeypatch, folder, "--format", output_format, ".").stdout
            for output_format in ("sarif", "gitlab", "github", "json")
        }
    from_root, *from_below = outputs.values()

    log = json.loads(from_root["sarif"])
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repository.as_uri() + "/"}}
    assert {tuple(location.items()) for location in sarif_locations(log)} == {
        (("uri", "svc/app/db.py"), ("uriBaseId", "%SRCROOT%"))
    }
    issues = json.loads(from_root["gitlab"])
    assert {issue["location"]["path"] for issue in issues} == {"svc/app/db.py"}
    assert "::warning file=svc/app/db.py,line=3," in from_root["github"]
    findings = json.loads(from_root["json"])["findings"]
    assert any(f["rule"] == "PC001" and f["fingerprint"] == PC001_BEFORE_ROOTS for f in findings)

    for below in from_below:
        assert below["sarif"] == from_root["sarif"]
        assert below["gitlab"] == from_root["gitlab"]
        # Annotations name the file from the root; the plain log lines stay relative to the cwd.
        annotations = [line for line in below["github"].splitlines() if line.startswith("::")]
        assert annotations == [line for line in from_root["github"].splitlines() if line.startswith("::")]
        assert "svc/app/db.py:3:" not in below["github"]
        shown = json.loads(below["json"])["findings"]
        assert [f["fingerprint"] for f in shown] == [f["fingerprint"] for f in findings]
        assert {f["path"] for f in shown} != {"svc/app/db.py"}  # text and JSON show the cwd's view


def test_an_absolute_path_gives_the_same_report(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_root = poolcheck(monkeypatch, repository, "--format", "sarif", ".").stdout
    from_outside = poolcheck(monkeypatch, elsewhere, "--format", "sarif", str(repository / "svc")).stdout
    assert from_outside == from_root


def test_issue_cards_keep_their_fingerprints_from_a_subfolder(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = re.compile(r"<!-- poolcheck-fingerprint: (\w+) -->")
    from_root = marker.findall(poolcheck(monkeypatch, repository, "--format", "todo", ".").stdout)
    from_svc = marker.findall(poolcheck(monkeypatch, repository / "svc", "--format", "todo", ".").stdout)
    assert from_root and from_svc == from_root


# --- baselines ------------------------------------------------------------------------------------


def test_a_baseline_written_at_the_root_hides_the_findings_from_a_subfolder_and_back(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = poolcheck(monkeypatch, repository, "--write-baseline", "baseline.json", ".")
    assert written.exit_code == 0
    document = json.loads((repository / "baseline.json").read_text(encoding="utf-8"))
    assert {entry["path"] for entry in document["findings"]} == {"svc/app/db.py"}
    assert PC001_BEFORE_ROOTS in {entry["fingerprint"] for entry in document["findings"]}
    hidden = poolcheck(monkeypatch, repository / "svc", "--baseline", "../baseline.json", ".")
    assert hidden.exit_code == 0
    assert "hidden by the baseline" in hidden.stdout

    written = poolcheck(monkeypatch, repository / "svc", "--write-baseline", "../from-svc.json", ".")
    assert written.exit_code == 0
    assert (repository / "from-svc.json").read_text(encoding="utf-8") == document_text(repository)
    assert poolcheck(monkeypatch, repository, "--baseline", "from-svc.json", ".").exit_code == 0


def document_text(repository: Path) -> str:
    return (repository / "baseline.json").read_text(encoding="utf-8")


def test_a_baseline_from_before_roots_still_matches_at_the_root(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What 0.1 wrote from the root: cwd-relative paths, the fingerprints matched alone.
    old = {
        "version": 1,
        "tool": {"name": "poolcheck", "version": "0.1.0"},
        "findings": [{"rule": "PC001", "path": "svc/app/db.py", "fingerprint": PC001_BEFORE_ROOTS}],
    }
    (repository / "old.json").write_text(json.dumps(old), encoding="utf-8")
    result = poolcheck(monkeypatch, repository, "--select", "PC001", "--baseline", "old.json", ".")
    assert result.exit_code == 0, result.stdout
    assert "1 hidden by the baseline" in result.stdout


# --- the fallbacks and files outside the root ----------------------------------------------------


def test_without_git_the_configuration_folder_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not nothing_above(tmp_path):
        pytest.skip("a .git or configuration file above the temp folder")
    (tmp_path / "svc" / "app").mkdir(parents=True)
    (tmp_path / "svc" / "app" / "db.py").write_text(POOL, encoding="utf-8")
    (tmp_path / "poolcheck.toml").write_text('fail-on = "p1"\n', encoding="utf-8")
    log = json.loads(poolcheck(monkeypatch, tmp_path / "svc", "--format", "sarif", ".").stdout)
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    assert sarif_locations(log)[0] == {"uri": "svc/app/db.py", "uriBaseId": "%SRCROOT%"}


def test_without_git_or_configuration_the_working_directory_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not nothing_above(tmp_path):
        pytest.skip("a .git or configuration file above the temp folder")
    (tmp_path / "svc" / "app").mkdir(parents=True)
    (tmp_path / "svc" / "app" / "db.py").write_text(POOL, encoding="utf-8")
    log = json.loads(poolcheck(monkeypatch, tmp_path / "svc", "--format", "sarif", ".").stdout)
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "svc").as_uri() + "/"
    assert sarif_locations(log)[0] == {"uri": "app/db.py", "uriBaseId": "%SRCROOT%"}


def test_a_file_outside_the_root_is_an_absolute_uri(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not nothing_above(tmp_path):
        pytest.skip("a .git or configuration file above the temp folder")
    outside = tmp_path / "other place" / "db.py"
    outside.parent.mkdir()
    outside.write_text(POOL, encoding="utf-8")
    # The two share no work tree, so the root is the one holding the working directory.
    monkeypatch.chdir(repository / "svc")
    assert project_root([Path("."), outside], None) == repository
    result = poolcheck(monkeypatch, repository / "svc", "--format", "sarif", ".", str(outside))
    log = json.loads(result.stdout)
    locations = {location["uri"]: location for location in sarif_locations(log)}
    assert locations[outside.as_uri()] == {"uri": outside.as_uri()}  # no uriBaseId
    assert "%20" in outside.as_uri()
    assert locations["svc/app/db.py"]["uriBaseId"] == "%SRCROOT%"
    issues = json.loads(poolcheck(monkeypatch, repository, "--format", "gitlab", "svc", str(outside)).stdout)
    assert {issue["location"]["path"] for issue in issues} == {"svc/app/db.py", outside.as_posix()}


# --- the emitters on a report with a root ---------------------------------------------------------


def finding_in(path: str) -> Finding:
    return Finding(
        rule="PC001",
        name="max-connections-too-small",
        priority="p2",
        path=path,
        span=Span(3, 1, 3, 10),
        message="pool_size is 2 (written)",
        library="sqlalchemy",
        fingerprint="0123456789abcdef",
        pool=None,
    )


def test_sarif_uris_are_percent_encoded_references_from_the_root(tmp_path: Path) -> None:
    names = ["my service/db.py", "issue #7/db.py", "100%/db.py", "café/db.py"]
    findings = tuple(finding_in(str(tmp_path / name)) for name in names)
    errors = (FileError(str(tmp_path / "bad:name.py"), "syntax error", "parse"),)
    log = sarif.as_log(Report((), findings, errors, files_checked=5, root=tmp_path))
    assert [location["uri"] for location in sarif_locations(log)] == [
        "my%20service/db.py",
        "issue%20%237/db.py",
        "100%25/db.py",
        "caf%C3%A9/db.py",
    ]
    (notification,) = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    # A colon in a relative reference's first segment would read as a scheme.
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad%3Aname.py"


def test_srcroot_of_the_filesystem_root_keeps_one_slash() -> None:
    assert sarif.folder_uri(Path("/")) == "file:///"
    assert sarif.folder_uri(Path("/work/repo")) == "file:///work/repo/"


def test_gitlab_error_fingerprints_do_not_depend_on_the_working_directory(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def error_issue(cwd: Path, shown: str) -> dict[str, Any]:
        monkeypatch.chdir(cwd)
        errors = (FileError(shown, "syntax error", "parse"),)
        (issue,) = gitlab.as_issues(Report((), (), errors, files_checked=1, root=repository))
        return issue

    assert error_issue(repository, "svc/app/db.py") == error_issue(repository / "svc", "app/db.py")


def test_a_path_is_named_from_the_root_whatever_the_working_directory_was_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file's name from the root is remembered for the run; the working directory is part of
    what is remembered, as a relative path means another file from another folder."""
    (tmp_path / "app").mkdir()
    monkeypatch.chdir(tmp_path)
    assert repository_path("app/db.py", tmp_path) == "app/db.py"
    monkeypatch.chdir(tmp_path / "app")
    assert repository_path("app/db.py", tmp_path) == "app/app/db.py"
    assert repository_path("db.py", tmp_path) == "app/db.py"
