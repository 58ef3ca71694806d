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
