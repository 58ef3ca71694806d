"""Which files are checked: .gitignore, default excludes, explicit files, --force-exclude."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from poolcheck.discover import discover, display_path

SUFFIXES = (".rs", ".py")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
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
