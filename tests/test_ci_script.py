"""``.ci/run``: it runs the README's test command under ``set -e``, and a run with no tests fails it."""

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
TEST_STEP = SCRIPT[SCRIPT.index("status=0\n") :]  # from the test command to the end


@pytest.mark.skipif(shutil.which("bash") is None, reason=".ci/run is a bash script")
@pytest.mark.parametrize(("code", "said"), [(0, ""), (1, ""), (5, "pytest collected no tests")])
def test_pytest_s_exit_is_the_script_s_exit(tmp_path: Path, code: int, said: str) -> None:
    """The test step as the script has it, with a stand-in ``pytest`` that exits ``code``."""
    stand_in = tmp_path / "pytest"
    stand_in.write_text(f"#!/bin/sh\nexit {code}\n")
    stand_in.chmod(0o755)
    environ = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + TEST_STEP],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == code
    assert said in result.stderr and (said or result.stderr == "")


def test_the_script_runs_the_readme_s_test_command_under_set_e() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest\n" in readme
    assert SCRIPT.splitlines()[2] == "set -euo pipefail"
    assert re.search(r"^pytest \|\| status=\$\?$", SCRIPT, re.MULTILINE)
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
