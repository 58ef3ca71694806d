"""Which files are checked: .gitignore, default excludes, explicit files, --force-exclude."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolcheck.discover import discover, display_path

SUFFIXES = (".rs", ".py")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree whose ``.git`` is an empty folder: git refuses it, so these tests exercise the own walk."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no global excludes file but the test's
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*.gen.rs\n")
    for name in [
        "src/main.rs",
        "src/lib.gen.rs",
        "generated/db.rs",
        "target/debug/build.rs",
        "node_modules/pkg/index.py",
        ".venv/lib/site.py",
        "app/models.py",
        "app/README.md",
        "app/vendor/keep.py",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    (tmp_path / "app" / ".gitignore").write_text("vendor/\n")
    return tmp_path


def found(paths: list[Path], **kwargs: object) -> list[str]:
    return [display_path(p) for p in discover(paths, SUFFIXES, **kwargs).files]  # type: ignore[arg-type]


def test_walk_respects_gitignore_and_default_excludes(repo: Path) -> None:
    assert found([Path(".")]) == ["app/models.py", "src/main.rs"]


def test_gitignore_above_the_starting_folder_applies(repo: Path) -> None:
    os.chdir(repo / "app")
    assert found([Path(".")]) == ["models.py"]


def test_extend_exclude(repo: Path) -> None:
    assert found([Path(".")], extend_exclude=("app/",)) == ["src/main.rs"]


def test_named_files_are_checked_unless_force_exclude(repo: Path) -> None:
    named = [
        Path("generated/db.rs"),
        Path("src/lib.gen.rs"),
        Path("target/debug/build.rs"),
        Path("src/main.rs"),
    ]
    assert found(named) == ["generated/db.rs", "src/lib.gen.rs", "src/main.rs", "target/debug/build.rs"]
    assert found(named, force_exclude=True) == ["src/main.rs"]


def test_each_file_once_and_missing_paths_reported(repo: Path) -> None:
    result = discover([Path("src"), Path("src/main.rs"), Path("missing")], SUFFIXES)
    assert [display_path(p) for p in result.files] == ["src/main.rs"]
    assert [(e.path, e.kind) for e in result.errors] == [("missing", "read")]


def test_negated_gitignore_patterns_still_apply(repo: Path) -> None:
    """Plain names are matched apart from the rest only when no pattern is negated."""
    (repo / "src" / ".gitignore").write_text("*.rs\nlib.gen.rs\n!main.rs\n")
    assert found([Path(".")]) == ["app/models.py", "src/main.rs"]


def test_plain_names_match_at_any_depth_as_files_and_folders(repo: Path) -> None:
    (repo / "app" / "legacy").mkdir()
    (repo / "app" / "legacy" / "old.py").write_text("")
    (repo / "app" / "settings.py").write_text("")
    assert found([Path(".")], extend_exclude=("legacy", "settings.py")) == ["app/models.py", "src/main.rs"]


def test_a_folder_that_cannot_be_listed_is_a_read_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir

    def refuse(path: str) -> object:
        if str(path).endswith("app"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    result = discover([Path(".")], SUFFIXES)
    assert [display_path(p) for p in result.files] == ["src/main.rs"]
    assert [(e.path, e.message) for e in result.errors] == [("app", "cannot read folder: Permission denied")]


def test_display_paths(repo: Path) -> None:
    assert display_path(repo) == "."
    assert display_path(repo / "src" / "main.rs") == "src/main.rs"
    assert display_path(repo.parent) == repo.parent.as_posix()


def test_a_deeper_gitignore_re_includes_what_a_shallower_one_ignores(repo: Path) -> None:
    with (repo / ".gitignore").open("a") as gitignore:
        gitignore.write("*.py\n")
    (repo / "app" / ".gitignore").write_text("vendor/\n!models.py\n")
    (repo / "app" / "views.py").write_text("")
    (repo / "models.py").write_text("")
    assert found([Path(".")]) == ["app/models.py", "src/main.rs"]


def test_a_file_in_an_ignored_folder_cannot_be_re_included(repo: Path) -> None:
    (repo / "generated" / ".gitignore").write_text("!db.rs\n")
    (repo / ".gitignore").write_text("generated/\n!generated/db.rs\n")
    assert "generated/db.rs" not in found([Path(".")])
    assert found([Path("generated/db.rs")], force_exclude=True) == []


def test_the_global_excludes_file_applies_inside_a_repository(repo: Path) -> None:
    (repo / "home" / ".config" / "git").mkdir(parents=True)
    (repo / "home" / ".config" / "git" / "ignore").write_text("models.py\n")
    (repo / ".git" / "info").mkdir()
    (repo / ".git" / "info" / "exclude").write_text("main.rs\n")
    assert found([Path(".")]) == []
    (repo / "src" / ".gitignore").write_text("!main.rs\n")  # a .gitignore comes before both
    assert found([Path(".")]) == ["src/main.rs"]


BAD_LINES = ["!", "\\", "[z-a]*"]  # pathspec raises on each


def test_lines_pathspec_cannot_compile_are_left_out(repo: Path) -> None:
    (repo / ".gitignore").write_text("\n".join([*BAD_LINES, "generated/", "*.gen.rs", ""]))
    assert found([Path(".")]) == ["app/models.py", "src/main.rs"]
    assert found([Path(".")], extend_exclude=(*BAD_LINES, "app/")) == ["src/main.rs"]
    assert found([Path("src/lib.gen.rs")], force_exclude=True, extend_exclude=tuple(BAD_LINES)) == []


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    gitignore=st.text(alphabet="!\\[]*?/ #-az.\t\r\n\x00é", max_size=40),
    patterns=st.lists(st.text(alphabet="!\\[]*?/ -az.", max_size=8), max_size=4),
)
def test_no_gitignore_or_exclude_pattern_crashes_the_walk(
    repo: Path, gitignore: str, patterns: list[str]
) -> None:
    (repo / "app" / ".gitignore").write_text(gitignore, errors="surrogatepass")
    for use_git in (False, True):
        result = discover(
            [Path("."), Path("app/models.py")], SUFFIXES, tuple(patterns), True, repo, use_git=use_git
        )
        assert set(result.files) <= {"app/models.py", "app/vendor/keep.py", "src/main.rs"}
