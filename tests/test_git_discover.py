"""Inside git, a folder holds what ``git ls-files`` lists; the own walk gives the same files.

Each tricky tree is a real repository: git's own listing is the expected answer,
for the git path and for the own walk (``use_git=False``, as when git is missing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from poolcheck import gitfiles
from poolcheck.discover import DEFAULT_EXCLUDES, discover

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SUFFIXES = (".rs", ".py")


@pytest.fixture(autouse=True)
def quiet_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git and the own walk see no configuration but the test's: a home of their own, no system file."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in gitfiles.REPOSITORY_VARIABLES:  # set when the tests run inside a git hook
        monkeypatch.delenv(variable, raising=False)


def git(repo: Path, *arguments: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *arguments], capture_output=True, check=True).stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "user.name", "poolcheck tests")
    write(root, files)
    return root


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def git_lists(repo: Path, *folders: str) -> list[str]:
    """What ``git ls-files`` considers, as poolcheck would check it: by suffix, less the default excludes."""
    out = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *(folders or ["."]))
    paths = (os.fsdecode(p) for p in out.split(b"\0") if p)
    return sorted(p for p in paths if p.endswith(SUFFIXES) and not set(p.split("/")) & set(DEFAULT_EXCLUDES))


def found(paths: list[Path], **kwargs: object) -> list[str]:
    return list(discover(paths, SUFFIXES, **kwargs).files)  # type: ignore[arg-type]


TRICKY_TREES: dict[str, dict[str, str]] = {
    "a deeper .gitignore re-includes": {
        ".gitignore": "*.py\n",
        "sub/.gitignore": "!keep.py\n",
        "a.py": "",
        "keep.py": "",
        "sub/keep.py": "",
        "sub/other.py": "",
        "sub/deeper/keep.py": "",
        "main.rs": "",
    },
    "the deepest level wins, then the last line": {
        ".gitignore": "*.rs\n!*.py\n",
        "sub/.gitignore": "main.rs\n!main.rs\nlib.rs\n",
        "sub/deep/.gitignore": "!lib.rs\n",
        "sub/main.rs": "",
        "sub/lib.rs": "",
        "sub/deep/lib.rs": "",
        "sub/deep/other.rs": "",
        "top.py": "",
    },
    "a deeper level ignores what a shallower re-includes": {
        ".gitignore": "*.py\n!a.py\n",
        "sub/.gitignore": "a.py\n",
        "a.py": "",
        "sub/a.py": "",
        "sub/b.py": "",
    },
    "a file in an ignored folder cannot be re-included": {
        ".gitignore": "logs/\ngen/\n!gen/keep.py\n",
        "logs/.gitignore": "!*.py\n",
        "logs/a.py": "",
        "gen/keep.py": "",
        "gen/sub/keep.py": "",
        "src/gen.py": "",
    },
    "a re-included folder keeps the shallower file rules": {
        ".gitignore": "gen/\n*_pb2.py\n",
        "sub/.gitignore": "!gen/\n",
        "gen/a.py": "",
        "sub/gen/a.py": "",
        "sub/gen/a_pb2.py": "",
        "sub/gen/b.rs": "",
    },
    "directory-only patterns": {
        ".gitignore": "out/\nmodels.py/\n",
        "out/a.py": "",
        "src/out/b.rs": "",
        "src/models.py": "",
        "lib/models.py/inner.py": "",
    },
    "anchored patterns": {
        ".gitignore": "/x.py\n/lib\n/src/*.rs\n",
        "x.py": "",
        "sub/x.py": "",
        "lib/a.py": "",
        "sub/lib/a.py": "",
        "src/a.rs": "",
        "src/deep/b.rs": "",
    },
    "double stars": {
        ".gitignore": "**/tmp/*.py\na/**/b.py\nfoo/**\n!foo/keep.py\nbar/*\n!bar/keep.py\n**/gone\n",
        "tmp/x.py": "",
        "deep/er/tmp/y.py": "",
        "deep/er/tmp/sub/z.py": "",
        "a/b.py": "",
        "a/x/y/b.py": "",
        "b.py": "",
        "foo/keep.py": "",
        "foo/other.py": "",
        "foo/sub/keep.py": "",
        "bar/keep.py": "",
        "bar/other.py": "",
        "bar/sub/keep.py": "",
        "x/gone/a.py": "",
        "gone/b.rs": "",
    },
    "escapes, spaces, comments and lines git cannot use": {
        ".gitignore": "# comment.py\n\\#hash.py\n\\!bang.py\nspaced.py   \n!\n\\\n[z-a]*\n[[]x.py\n*.tmp.py\n",
        "#hash.py": "",
        "!bang.py": "",
        "comment.py": "",
        "spaced.py": "",
        "mid.py": "",  # git's `[z-a]` matches a leading z alone; the line left out matches nothing
        "[x.py": "",
        "a.tmp.py": "",
        "kept.rs": "",
    },
    "plain names at any depth": {
        ".gitignore": "generated\nsettings.py\n",
        "sub/.gitignore": "!settings.py\n",
        "generated/a.py": "",
        "src/generated/b.rs": "",
        "settings.py": "",
        "app/settings.py": "",
        "sub/settings.py": "",
        "sub/generated/c.py": "",
    },
}


@pytest.mark.parametrize("name", sorted(TRICKY_TREES))
def test_git_and_the_own_walk_list_what_git_lists(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", TRICKY_TREES[name])
    monkeypatch.chdir(repo)
    expected = git_lists(repo)
    assert found([Path(".")]) == expected
    assert found([Path(".")], use_git=False) == expected
    # A copy without .git is outside any repository: its .gitignore files still apply.
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    monkeypatch.chdir(copy)
    assert found([Path(".")]) == expected


@pytest.mark.parametrize("name", sorted(TRICKY_TREES))
def test_a_subfolder_lists_as_git_lists_it(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", TRICKY_TREES[name])
    monkeypatch.chdir(repo)
    for folder in sorted({path.split("/")[0] for path in TRICKY_TREES[name] if "/" in path}):
        walked = found([Path(folder)], use_git=False)
        assert found([Path(folder)]) == walked, folder
        if not git_ignores(repo, folder):
            assert walked == git_lists(repo, folder), folder


def git_ignores(repo: Path, path: str) -> bool:
    return subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", path], check=False).returncode == 0


def test_a_folder_named_on_purpose_is_walked_though_git_ignores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ruff and ripgrep have it: the folder's files are checked by the rules below it."""
    repo = make_repo(
        tmp_path / "repo",
        {
            ".gitignore": "gen/\n*.log.py\n",
            "gen/a.py": "",
            "gen/b.log.py": "",
            "gen/sub/c.rs": "",
            "d.py": "",
        },
    )
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == ["d.py"]
    assert found([Path("gen")]) == ["gen/a.py", "gen/sub/c.rs"]
    assert found([Path("gen/sub"), Path(".")]) == ["d.py", "gen/sub/c.rs"]
    assert found([Path("gen")], use_git=False) == ["gen/a.py", "gen/sub/c.rs"]


def test_info_exclude_and_the_global_excludes_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.gitignore over .git/info/exclude over the global file, as git has the precedence."""
    repo = make_repo(
        tmp_path / "repo",
        {
            ".gitignore": "!secret_ok.py\n",
            "secret_ok.py": "",
            "secret_x.py": "",
            "local.py": "",
            "scratch.rs": "",
            "scratch_keep.rs": "",
            "main.rs": "",
        },
    )
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("secret*.py\n!scratch_keep.rs\n")
    config = tmp_path / "xdg"
    write(config, {"git/ignore": "scratch*.rs\nlocal.py\n"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.chdir(repo)
    expected = git_lists(repo)
    assert expected == ["main.rs", "scratch_keep.rs", "secret_ok.py"]
    assert found([Path(".")]) == expected
    assert found([Path(".")], use_git=False) == expected


def test_core_excludes_file_is_git_s_to_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "", "b.py": ""})
    ignore = tmp_path / "my-ignore"
    ignore.write_text("b.py\n")
    git(repo, "config", "core.excludesFile", str(ignore))
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == ["a.py"]


def test_tracked_files_are_checked_though_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git considers a tracked file whatever .gitignore says (the own walk cannot know it is tracked)."""
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/forced.py": "", "gen/other.py": ""})
    git(repo, "add", "-f", "gen/forced.py")
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == ["gen/forced.py"]
    assert found([Path(".")], use_git=False) == []


def test_files_deleted_from_disk_are_not_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "", "b.py": "", "sub/c.rs": ""})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "files")
    (repo / "b.py").unlink()
    shutil.rmtree(repo / "sub")
    monkeypatch.chdir(repo)
    result = discover([Path(".")], SUFFIXES)
    assert (result.files, result.errors) == (("a.py",), ())


def test_several_folders_of_one_work_tree_take_one_git_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {".gitignore": "*.gen.rs\n", "a/x.rs": "", "a/y.gen.rs": "", "b/c/z.py": "", "d/w.py": ""},
    )
    other = make_repo(tmp_path / "other", {"o.py": ""})
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        return real_run(command, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "run", counting)
    monkeypatch.chdir(repo)
    assert found([Path("a"), Path("b/c"), other]) == sorted(
        ["a/x.rs", "b/c/z.py", (other / "o.py").as_posix()]
    )
    listings = [command[2] for command in calls if "ls-files" in command]
    assert sorted(listings) == sorted([str(repo), str(other)])


def test_a_folder_named_twice_or_nested_in_another_is_listed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", {"src/a.py": "", "src/sub/b.rs": "", "c.py": ""})
    monkeypatch.chdir(repo / "src")
    assert found([Path("."), Path("sub"), Path("../src")]) == ["a.py", "sub/b.rs"]
    monkeypatch.chdir(repo)
    assert found([Path("."), Path("src")]) == ["c.py", "src/a.py", "src/sub/b.rs"]


def test_poolcheck_s_excludes_apply_to_git_s_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "src/main.rs": "",
            "target/debug/build.rs": "",
            "web/node_modules/pkg/index.py": "",
            "app/legacy/old.py": "",
            "app/settings.py": "",
            "app/models.py": "",
            "examples/demo.py": "",
        },
    )
    git(repo, "add", ".")  # tracked: git lists them all, poolcheck's excludes still apply
    monkeypatch.chdir(repo)
    kwargs = {"extend_exclude": ("legacy", "settings.py", "/examples"), "exclude_root": repo}
    expected = ["app/models.py", "src/main.rs"]
    assert found([Path(".")], **kwargs) == expected
    assert found([Path(".")], use_git=False, **kwargs) == expected
    # A folder named on the command line is walked even when its own name is excluded.
    assert found([Path("target")]) == ["target/debug/build.rs"]


def test_respect_gitignore_off_checks_ignored_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "b.py": "", "venv/c.py": ""})
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == ["b.py"]
    assert found([Path(".")], respect_gitignore=False) == ["b.py", "gen/a.py"]


def test_untracked_nested_repositories_are_listed_by_their_own_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git lists a nested repository as ``nested/``; its files are what its own git lists."""
    repo = make_repo(tmp_path / "repo", {".gitignore": "*.rs\n", "a.py": "", "b.rs": ""})
    nested = make_repo(repo / "nested", {".gitignore": "skip.py\n", "n.rs": "", "skip.py": "", "n.py": ""})
    monkeypatch.chdir(repo)
    expected = sorted(["a.py", *(f"nested/{p}" for p in git_lists(nested))])
    assert expected == ["a.py", "nested/n.py", "nested/n.rs"]
    assert found([Path(".")]) == expected
    assert found([Path(".")], use_git=False) == expected


def test_submodules_are_listed_by_their_own_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = make_repo(tmp_path / "library", {".gitignore": "local.py\n", "lib.rs": "", "local.py": ""})
    git(library, "add", ".")
    git(library, "commit", "-q", "-m", "library")
    repo = make_repo(tmp_path / "repo", {"main.rs": ""})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "libs/library")
    (repo / "libs" / "library" / "local.py").write_text("")
    (repo / "libs" / "library" / "new.py").write_text("")
    monkeypatch.chdir(repo)
    expected = ["libs/library/lib.rs", "libs/library/new.py", "main.rs"]
    assert found([Path(".")]) == expected
    assert found([Path(".")], use_git=False) == expected
    shutil.rmtree(repo / "libs" / "library")
    (repo / "libs" / "library").mkdir()  # a submodule not checked out
    assert found([Path(".")]) == ["main.rs"]


def test_paths_with_unusual_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["tab\there.py", "new\nline.py", 'quote".py', "café.py", "sp ace/x.rs"]
    if os.fsencode("é") == "é".encode():  # a byte that is not UTF-8 only where names are bytes
        names.append(os.fsdecode(b"caf\xe9.py"))
    repo = make_repo(tmp_path / "repo", dict.fromkeys(names, ""))
    git(repo, "add", names[0], names[1])  # tracked and untracked both
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == sorted(names)
    assert all(os.path.isfile(path) for path in found([Path(".")]))


def test_symlinks_are_files_and_symlinked_folders_are_not_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", {"real.py": "", "sub/a.rs": ""})
    (repo / "link.py").symlink_to("real.py")
    (repo / "linked").symlink_to("sub")
    (repo / "loop").symlink_to(".")
    monkeypatch.chdir(repo)
    expected = ["link.py", "real.py", "sub/a.rs"]
    assert found([Path(".")]) == expected
    assert found([Path(".")], use_git=False) == expected


def test_a_symlinked_folder_named_on_the_command_line_is_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "*.gen.py\n", "sub/a.py": "", "sub/b.gen.py": ""})
    (repo / "linked").symlink_to("sub")
    (tmp_path / "outside").symlink_to(repo / "sub")
    monkeypatch.chdir(repo)
    assert found([Path("linked")]) == ["linked/a.py"]
    assert found([tmp_path / "outside"]) == [(tmp_path / "outside" / "a.py").as_posix()]


def test_without_git_the_walk_goes_on_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "b.py": ""})
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    result = discover([Path(".")], SUFFIXES)
    assert (result.files, result.errors) == (("b.py",), ())
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "refusal",
    [
        "fatal: detected dubious ownership in repository at '/repo'",
        "fatal: not a git repository (or any of the parent directories): .git",
        "fatal: index file corrupt",
    ],
)
def test_when_git_refuses_the_walk_goes_on_silently(
    refusal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "b.py": ""})
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text(f'#!/bin/sh\necho "{refusal}" >&2\nexit 128\n')
    (fake / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(repo)
    result = discover([Path("."), Path("b.py")], SUFFIXES, force_exclude=True)
    assert (result.files, result.errors) == (("b.py",), ())
    assert capfd.readouterr().err == ""


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_repository_of_another_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI runs as root on a checkout another user owns: git refuses it, the walk answers."""
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "b.py": ""})
    for folder, _, names in os.walk(repo):
        for path in [folder, *(os.path.join(folder, n) for n in names)]:
            os.chown(path, 12345, 12345)
    monkeypatch.chdir(repo)
    assert gitfiles.list_files(str(repo), ["."]) is None
    assert found([Path(".")]) == ["b.py"]


def test_a_broken_dot_git_falls_back_to_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    write(repo, {".gitignore": "gen/\n", "gen/a.py": "", "b.py": ""})
    (repo / ".git").write_text("gitdir: /no/such/place\n")
    monkeypatch.chdir(repo)
    assert found([Path(".")]) == ["b.py"]


def test_a_git_that_hangs_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "b.py": ""})
    limits: list[object] = []

    def hang(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        limits.append(kwargs.get("timeout"))
        raise subprocess.TimeoutExpired(command, float(kwargs["timeout"]))  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess, "run", hang)
    monkeypatch.chdir(repo)
    assert found([Path("."), Path("gen/a.py")], force_exclude=True) == ["b.py"]
    assert limits and all(limit == gitfiles.GIT_TIMEOUT for limit in limits)


def test_named_files_with_force_exclude_ask_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            ".gitignore": "gen/\n*.gen.rs\n",
            "sub/.gitignore": "!keep.gen.rs\n",
            "gen/a.py": "",
            "gen/tracked.py": "",
            "src/lib.gen.rs": "",
            "sub/keep.gen.rs": "",
            "src/main.rs": "",
        },
    )
    git(repo, "add", "-f", "gen/tracked.py")
    monkeypatch.chdir(repo)
    named = [
        Path(p) for p in ["gen/a.py", "gen/tracked.py", "src/lib.gen.rs", "sub/keep.gen.rs", "src/main.rs"]
    ]
    everything = sorted(p.as_posix() for p in named)
    assert found(named) == everything
    assert found(named, force_exclude=True) == ["gen/tracked.py", "src/main.rs", "sub/keep.gen.rs"]
    # Without git the walk's rules answer; it cannot know a file is tracked.
    assert found(named, force_exclude=True, use_git=False) == ["src/main.rs", "sub/keep.gen.rs"]
    assert found(named, force_exclude=True, respect_gitignore=False) == everything


def test_a_tree_deeper_than_python_s_recursion_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {})
    deep = "/".join(["d"] * 1100) + "/x.py"
    monkeypatch.chdir(repo)
    try:
        for top in (repo, repo / "target"):  # one listed, one below an excluded folder
            folder = top
            for _ in range(1100):  # one mkdir at a time: os.makedirs itself recurses
                folder = folder / "d"
                folder.mkdir(parents=folder.parent == top)
            (folder / "x.py").write_text("")
        assert found([Path(".")]) == [deep]
        assert found([Path(".")], use_git=False) == [deep]
    finally:
        remove_tree(repo)  # pytest's own clean-up of old temporary folders recurses


def remove_tree(top: Path) -> None:
    """Remove a tree one folder at a time, deepest first."""
    folders, pending = [], [str(top)]
    while pending:
        folder = pending.pop()
        folders.append(folder)
        with os.scandir(folder) as scan:
            for entry in scan:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


def test_the_command_with_force_exclude_skips_named_files_git_ignores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As pre-commit runs it: ``poolcheck --force-exclude`` and the staged files."""
    from click.testing import CliRunner

    from poolcheck.cli import main

    repo = make_repo(
        tmp_path / "repo", {".gitignore": "gen/\n", "gen/a.py": "", "target/b.py": "", "c.py": ""}
    )
    monkeypatch.chdir(repo)
    named = ["gen/a.py", "target/b.py", "c.py"]
    for options, checked in (([], 3), (["--force-exclude"], 1)):
        result = CliRunner().invoke(main, [*options, "--format", "json", *named])
        assert json.loads(result.output)["summary"]["files"] == checked, options
