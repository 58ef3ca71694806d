"""Throwaway venvs with pinned library versions, built once and cached between runs.

Each version set is a venv under ``${XDG_CACHE_HOME:-~/.cache}/poolcheck-tests/venvs/``, named by
a hash of its interpreter and pins. It is built in a scratch folder and renamed into place
under a lock file, so two xdist workers never build one twice and a half-built venv is never used.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BUILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class VersionSet:
    name: str  # "sqlalchemy-2.0": the version line it stands for
    pins: tuple[str, ...]  # exact requirements: "SQLAlchemy==2.0.58"
    python: tuple[int, int] = (3, 10)  # the lowest Python the pins install on (Django 6 needs 3.12)

    def requirements(self) -> str:
        """The pins as a requirements file, so the project poolcheck checks declares the same versions."""
        return "".join(f"{pin}\n" for pin in self.pins)


class VenvUnavailable(Exception):
    """The venv could not be built: no interpreter for it, or pip failed (no registry reachable)."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "poolcheck-tests" / "venvs"


# The interpreter's version and the installed interpreter behind it: itself, or a venv's base. Python
# 3.10's venv module links a venv made from a venv to that venv's `python` (3.11 links it to the base),
# and a cached venv must outlive the dev or CI venv that ran the tests which built it.
ABOUT = """
import os, sys
base = os.path.join(sys.base_prefix, "bin", "python%d.%d" % sys.version_info[:2])
print(*sys.version_info[:2])
print(base if os.path.exists(base) else os.path.realpath(sys.executable))
"""


def _about(python: str) -> tuple[tuple[int, int], str] | None:
    try:
        result = subprocess.run([python, "-c", ABOUT], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:  # a pyenv shim for a version that is not selected
        return None
    version, base = result.stdout.splitlines()
    major, minor = version.split()
    return (int(major), int(minor)), base


def interpreter(minimum: tuple[int, int]) -> tuple[tuple[int, int], str]:
    """The version and installed interpreter venvs are built on, never a venv's own ``python``: this
    one's when new enough, else the oldest installed one that is (PATH, then pyenv)."""
    if sys.version_info[:2] >= minimum:
        candidates: list[str | None] = [sys.executable]
    else:
        candidates = [shutil.which(f"python3.{minor}") for minor in range(minimum[1], 20)]
        candidates += sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.*" / "bin" / "python3")))
    found: list[tuple[tuple[int, int], str]] = []
    for candidate in candidates:
        about = _about(candidate) if candidate else None
        if about is not None and about[0] >= minimum:
            found.append(about)
    if not found:
        raise VenvUnavailable(f"no Python {minimum[0]}.{minimum[1]} or newer is installed")
    return min(found)


def venv_python(version_set: VersionSet) -> Path:
    """The ``python`` of the version set's venv, building it first when it is not cached."""
    version, base = interpreter(version_set.python)
    # Keyed by the interpreter too: each installed interpreter, of whatever version, has its own venvs.
    key = hashlib.sha256(repr((version, base, sorted(version_set.pins))).encode()).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{version_set.name}-{key}"
    python = target / "bin" / "python"
    if python.exists():
        return python
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker building the same venv: wait for it
        if python.exists():
            return python
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
        try:
            _build(base, scratch, version_set.pins)
            os.rename(scratch, target)  # the venv appears whole or not at all
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return python


def _build(base: str, folder: Path, pins: tuple[str, ...]) -> None:
    steps = [
        [base, "-m", "venv", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-input", *pins],
    ]  # fmt: skip
    for step in steps:
        try:
            result = subprocess.run(step, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise VenvUnavailable(f"{' '.join(step[1:4])} took over {BUILD_TIMEOUT_S} s") from None
        if result.returncode != 0:
            raise VenvUnavailable(f"{' '.join(step)} failed:\n{result.stderr[-3000:]}")
