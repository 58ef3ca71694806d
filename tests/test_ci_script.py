"""``.ci/run``: it runs the README's test command under ``set -e``, on the default Python and on the
oldest one ``requires-python`` allows, and a run with no tests fails it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CI_RUN = ROOT / ".ci" / "run"
SCRIPT = CI_RUN.read_text(encoding="utf-8")
TEST_STEP = SCRIPT[SCRIPT.index('export CI="${CI:-true}"\n') :]  # from the test command to the end
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason=".ci/run is a bash script")


def stand_in(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def interpreter(path: Path, version: str, pytest_exit: int = 0) -> Path:
    """A stand-in ``python``: it prints ``version`` for ``-c``, and ``-m venv DIR`` makes a venv
    whose activate puts a stand-in ``pytest`` first on PATH, exiting ``pytest_exit``."""
    return stand_in(
        path,
        f"""if [ "$1" != -m ]; then echo {version}; exit 0; fi
mkdir -p "$3/bin"
printf 'PATH="%s/bin:$PATH"\\n' "$(cd "$3" && pwd)" >"$3/bin/activate"
printf '#!/bin/sh\\n' >"$3/bin/pip"
printf '#!/bin/sh\\n' >"$3/bin/python"
printf '#!/bin/sh\\necho {version} >>"$LOG"\\nexit {pytest_exit}\\n' >"$3/bin/pytest"
chmod 755 "$3/bin/pip" "$3/bin/python" "$3/bin/pytest"
""",
    )


def run_bash(tmp_path: Path, script: str, path: list[Path]) -> subprocess.CompletedProcess[str]:
    """``script`` under ``set -euo pipefail`` in ``tmp_path/project``, with only ``path`` and a few
    tools on PATH, and pyenv's folder in ``tmp_path/pyenv``."""
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("sed", "mkdir", "chmod"):
        found = shutil.which(tool)
        assert found, tool
        if not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    assert BASH
    return subprocess.run(
        [BASH, "-c", "set -euo pipefail\n" + script],
        cwd=project,
        env={
            "PATH": os.pathsep.join(str(folder) for folder in [*path, tools]),
            "PYENV_ROOT": str(tmp_path / "pyenv"),
            "HOME": str(tmp_path),
            "LOG": str(tmp_path / "ran"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_test_step(
    tmp_path: Path, default: tuple[str, int], oldest: tuple[str, int] | None, requires: str = ">=3.10"
) -> tuple[int, str, list[str]]:
    """The test step as the script has it: the default venv active (a stand-in ``python`` and
    ``pytest`` on PATH), and ``oldest`` (its version, its pytest's exit) installed by pyenv.
    Returns the exit status, stderr and the versions whose pytest ran."""
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text(f'[project]\nrequires-python = "{requires}"\n')
    active = tmp_path / "active"
    interpreter(active / "python", default[0])
    stand_in(active / "pytest", f'echo {default[0]} >>"$LOG"\nexit {default[1]}\n')
    stand_in(active / "python3.10", "echo 'pyenv: python3.10: command not found' >&2\nexit 127\n")  # a shim
    if oldest is not None:
        version, code = oldest
        interpreter(
            tmp_path / "pyenv" / "versions" / f"{version}.7" / "bin" / f"python{version}", version, code
        )
    result = run_bash(tmp_path, TEST_STEP, [active])
    ran = tmp_path / "ran"
    return result.returncode, result.stderr, ran.read_text().split() if ran.exists() else []


@needs_bash
@pytest.mark.parametrize(
    ("default", "oldest", "code", "said"),
    [
        (0, 0, 0, ""),
        (1, 0, 1, ""),
        (0, 1, 1, ""),
        (1, 1, 1, ""),
        (5, 0, 5, "pytest collected no tests on Python 3.11"),
        (0, 5, 5, "pytest collected no tests on Python 3.10"),
        (1, 5, 1, "pytest collected no tests on Python 3.10"),
    ],
)
def test_both_pythons_run_the_suite_and_either_s_failure_is_the_script_s_exit(
    tmp_path: Path, default: int, oldest: int, code: int, said: str
) -> None:
    status, stderr, ran = run_test_step(tmp_path, ("3.11", default), ("3.10", oldest))
    assert (status, ran) == (code, ["3.11", "3.10"])  # the oldest runs even when the default failed
    assert said in stderr and (said or stderr == ""), stderr
    assert (tmp_path / "project" / ".ci-venv-3.10" / "bin" / "pytest").exists()  # a venv of its own


@needs_bash
@pytest.mark.parametrize("default", [0, 1, 5])
def test_without_the_oldest_python_the_default_alone_decides_and_the_script_says_so(
    tmp_path: Path, default: int
) -> None:
    status, stderr, ran = run_test_step(tmp_path, ("3.11", default), None)
    assert (status, ran) == (default, ["3.11"])
    assert "WARNING: no Python 3.10 on this machine" in stderr
    assert "The suite ran on Python 3.11 only" in stderr


@needs_bash
def test_a_default_python_that_is_the_oldest_runs_the_suite_once(tmp_path: Path) -> None:
    status, stderr, ran = run_test_step(tmp_path, ("3.10", 0), ("3.10", 1))
    assert (status, ran) == (0, ["3.10"])
    assert "WARNING" not in stderr


@needs_bash
def test_a_requires_python_without_a_floor_runs_the_default_and_says_so(tmp_path: Path) -> None:
    status, stderr, ran = run_test_step(tmp_path, ("3.11", 0), ("3.10", 1), requires="~=3.10")
    assert (status, ran) == (0, ["3.11"])
    assert "WARNING: pyproject.toml's requires-python names no oldest Python" in stderr


def functions(*names: str) -> str:
    found = []
    for name in names:
        function = re.search(rf"^{name}\(\) \{{\n.*?^\}}\n", SCRIPT, re.MULTILINE | re.DOTALL)
        assert function, f"the script defines {name}()"
        found.append(function.group(0))
    version = re.search(r"^VERSION=.*\n", SCRIPT, re.MULTILINE)
    assert version
    return "".join(found) + version.group(0)


@needs_bash
def test_the_floor_is_the_one_requires_python_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    result = subprocess.run(
        [BASH or "bash", "-c", functions("python_floor") + "python_floor"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert project["project"]["requires-python"] == f">={result.stdout.strip()}"


@needs_bash
@pytest.mark.parametrize(
    ("on_path", "in_pyenv", "found"),
    [
        ("3.10", "3.10", "path"),  # python3.10 on PATH first
        ("shim", "3.10", "pyenv"),  # a pyenv shim for a version not selected exits 127
        (None, "3.10", "pyenv"),
        ("3.11", None, None),  # a python3.10 that is not 3.10
        ("shim", None, None),
        (None, None, None),
    ],
)
def test_the_oldest_python_is_found_on_path_or_in_pyenv(
    tmp_path: Path, on_path: str | None, in_pyenv: str | None, found: str | None
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    where = {
        "path": bin_dir / "python3.10",
        "pyenv": tmp_path / "pyenv" / "versions" / "3.10.13" / "bin" / "python3.10",
    }
    if on_path == "shim":
        stand_in(where["path"], "exit 127\n")
    elif on_path:
        interpreter(where["path"], on_path)
    if in_pyenv:
        interpreter(where["pyenv"], in_pyenv)
    result = run_bash(tmp_path, functions("interpreter_of") + "interpreter_of 3.10", [bin_dir])
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"{where[found]}\n" if found else "")


def test_the_script_runs_the_readme_s_test_command_under_set_e() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest\n" in readme
    assert SCRIPT.splitlines()[2] == "set -euo pipefail"
    assert re.search(r"^ *pytest \|\| status=\$\?$", SCRIPT, re.MULTILINE)
    assert 'export CI="${CI:-true}"' in SCRIPT  # a missing ../shared fails the tests here


def test_the_script_installs_what_the_tests_need() -> None:
    """``.[dev]`` brings ``[test]``, which holds pytest-xdist: ``addopts`` runs the suite with ``-n``."""
    assert "pip install --quiet -e '.[dev]'" in SCRIPT
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    assert "poolcheck[test]" in extras["dev"]
    assert any(requirement.startswith("pytest-xdist") for requirement in extras["test"])
    assert "-n " in project["tool"]["pytest"]["ini_options"]["addopts"]


@pytest.mark.skipif(shutil.which("bash") is None, reason=".ci/run is a bash script")
@pytest.mark.parametrize(
    ("on_path", "in_debian_folder", "missing"),
    [
        ((), False, ["postgresql", "pgbouncer"]),
        ((), True, ["pgbouncer"]),  # Debian's initdb is not on PATH: the folder is enough
        (("initdb",), False, ["pgbouncer"]),
        (("initdb", "pgbouncer"), False, []),
    ],
)
def test_the_script_installs_postgresql_and_pgbouncer_only_when_missing(
    tmp_path: Path, on_path: tuple[str, ...], in_debian_folder: bool, missing: list[str]
) -> None:
    """The packages ``missing_packages`` names for apt-get, with stand-in commands on an empty PATH."""
    function = re.search(r"^missing_packages\(\) \{\n.*?^\}\n", SCRIPT, re.MULTILINE | re.DOTALL)
    assert function, "the script decides what to install in missing_packages()"
    bin_dir, debian = tmp_path / "bin", tmp_path / "postgresql"
    bin_dir.mkdir()
    for name in on_path:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    if in_debian_folder:
        (debian / "15" / "bin").mkdir(parents=True)
        (debian / "15" / "bin" / "initdb").write_text("#!/bin/sh\n")
    bash = shutil.which("bash")
    assert bash
    result = subprocess.run(
        [bash, "-c", function.group(0) + "missing_packages"],
        env={"PATH": str(bin_dir), "POSTGRES_LIB": str(debian)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == missing
    assert "apt-get install -y -qq --no-install-recommends $missing" in SCRIPT
