"""The project root: the folder that SARIF, GitLab, baselines and fingerprints name files from.

Text, JSON and the log lines show paths relative to the working directory, for
terminals and editors to open; what a CI service or a committed file stores must
not depend on where poolcheck was started, so it is relative to this root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

GIT = ".git"  # a folder, or in worktrees and submodules a file pointing at one


def project_root(paths: Sequence[Path], config_folder: Path | None) -> Path:
    """The run's project root, absolute.

    The git work tree holding the checked paths (the nearest folder at or above
    their common folder with a ``.git``), else the one holding the working
    directory, else ``config_folder`` (the folder of the configuration file in
    use), else the working directory.
    """
    for start in (common_folder(paths), Path.cwd()):
        for folder in (start, *start.parents):
            if os.path.exists(os.path.join(folder, GIT)):
                return folder
    if config_folder is not None:
        return Path(os.path.abspath(config_folder))
    return Path.cwd()


def repository_path(shown: str, root: Path | None) -> str:
    """A path as shown (relative to the working directory, or absolute) as named from ``root``.

    Posix form, relative to ``root``; absolute when the file is outside it. An empty
    path (a finding with no location) stays empty.
    """
    if not shown:
        return shown
    return relative_to_root(shown, root) or _posix(os.path.abspath(shown))


def relative_to_root(shown: str, root: Path | None) -> str | None:
    """``shown`` relative to ``root`` (None: the working directory) in posix form; None when outside it."""
    return _relative(shown, root, os.getcwd())


@lru_cache(maxsize=4096)  # every pool's and finding's file is named several times a run
def _relative(shown: str, root: Path | None, cwd: str) -> str | None:
    base = os.path.abspath(root) if root is not None else cwd
    try:
        relative = os.path.relpath(os.path.abspath(shown), base)
    except ValueError:  # on Windows, another drive: no relative path exists
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return _posix(relative)


def common_folder(paths: Sequence[Path]) -> Path:
    """The folder the checked paths share (the working directory when they share none)."""
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in paths] or [os.getcwd()]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # paths on different drives share no folder
        return Path.cwd()


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path
