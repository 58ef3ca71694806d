"""What a pool is for: a service under production load, a test, a migration, or a one-shot tool.

The rules that size a pool for production traffic (PC001, PC005, PC006: rules marked
``sizing``) do not apply to a migration or a tool, which run once with one connection
or a few; test pools are not reported unless asked (``--include-tests``); budgets count
service pools only. The role is read from where the pool is built, with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

RoleName = Literal["service", "test", "migration", "tool"]

# Folders (any part of the path) and file names, by role; the first role that matches wins.
TEST_FOLDERS = frozenset({"tests", "test", "testing", "benches", "__tests__", "testutils", "fixtures_test"})
# Rust's `src/tests.rs` and `src/test_utils.rs` are the files of `#[cfg(test)] mod tests;` and its kin.
TEST_FILES = re.compile(r"(?:test_.*|.*_tests?|conftest|tests)\.pyi?$|(?:test_.*|.*_tests?|tests)\.rs$")
MIGRATION_FOLDERS = frozenset({"migrations", "alembic", "migration", "migrate"})
TOOL_FOLDERS = frozenset({"scripts", "bin", "commands"})  # src/bin/*.rs, management/commands
# Text in the construction that marks a test pool: testcontainers' database in place of a real one.
TEST_TEXT = re.compile(r"\b(?:PostgresContainer|testcontainers|pytest_postgresql|postgresql_proc)\b")


@dataclass(frozen=True)
class Role:
    name: RoleName
    reason: str  # "under tests/", "a migration (alembic/env.py)"


SERVICE = Role("service", "")


# The stronger role wins: test code is never a service's, a migration may be run by a tool.
RANK: dict[RoleName, int] = {"test": 0, "migration": 1, "tool": 2, "service": 3}


def role_of(path: str, text: str = "", found: Role = SERVICE) -> Role:
    """The role of a pool built in the file at ``path`` (as shown) by the construction ``text``.

    ``found`` is the role a front end read from the code around the construction (a Rust
    ``#[cfg(test)]`` module, a pool used only to migrate): the stronger of it and the path's
    wins, and on a tie the front end's, whose reason is the more precise. A service the front
    end has a reason for (a bin target that serves requests) is not a tool for its folder.
    """
    by_path = _role_by_path(path, text)
    if found.name == "service":
        # A reason for a service is evidence against a tool folder: a `src/bin/` target that serves.
        return found if found.reason and by_path.name == "tool" else by_path
    return found if RANK[found.name] <= RANK[by_path.name] else by_path


def _role_by_path(path: str, text: str) -> Role:
    posix = PurePosixPath(path.replace("\\", "/"))
    folders = [part.lower() for part in posix.parent.parts]
    name = posix.name
    for folder in folders:
        if folder in TEST_FOLDERS:
            return Role("test", f"under {folder}/")
    if TEST_FILES.fullmatch(name):
        return Role("test", f"a test file ({name})")
    if TEST_TEXT.search(text):
        return Role("test", "built on a test container")
    for folder in folders:
        if folder in MIGRATION_FOLDERS:
            return Role("migration", f"under {folder}/")
    for folder in folders:
        if folder in TOOL_FOLDERS:
            return Role("tool", f"under {folder}/")
    return SERVICE
