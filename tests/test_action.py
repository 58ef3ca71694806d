"""The GitHub action, run the way the runner runs it: each ``run:`` step of action.yml in bash.

The ``actions/setup-python`` step is replaced by this interpreter; every other step's
script and ``env`` come from action.yml itself, with the ``${{ ... }}`` expressions
filled in as GitHub would. The install step really builds poolcheck into a private
venv, once for the module, which is why these tests are marked slow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("action venv"),  # one worker builds the module's venv, once
    pytest.mark.skipif(shutil.which("bash") is None, reason="composite action steps run in bash"),
]

ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["id"]: step for step in ACTION["runs"]["steps"]}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# A pool with three p2 findings and one p3 (the sqlalchemy defaults), no p1.
POOL = """\
from sqlalchemy import create_engine

engine = create_engine("postgresql://db/app", pool_size=2)
"""
POOL_FINDINGS = 4
# What a copy of the action repository leaves out: history, build output and caches.
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*venv*"
)


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def substitute(text: str, context: Mapping[str, str]) -> str:
    """Fill ``${{ name }}`` from ``context``; an expression the test does not know fails loudly."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in context:
            raise KeyError(f"action.yml uses ${{{{ {name} }}}}, which this test does not provide")
        return context[name]

    return EXPRESSION.sub(value, text)


def read_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines()) if path.exists() else iter(())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for body in lines:
                if body == delimiter:
                    break
                block.append(body)
            outputs[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_step(step: Mapping[str, Any], context: Mapping[str, str], workspace: Path, temp: Path) -> StepRun:
    """Run one ``run:`` step with bash as the runner does (``--noprofile --norc -eo pipefail``)."""
    assert step["shell"] == "bash"
    temp.mkdir(parents=True, exist_ok=True)
    output, summary = temp / f"output-{step['id']}", temp / f"summary-{step['id']}.md"
    for stale in (output, summary):
        stale.unlink(missing_ok=True)
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "RUNNER_", "INPUT_")) and name not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env = {
        **inherited,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(temp),
        **{name: substitute(str(value), context) for name, value in step.get("env", {}).items()},
    }
    script = temp / f"{step['id']}.sh"
    script.write_text(substitute(step["run"], context), encoding="utf-8")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    written = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return StepRun(result.returncode, result.stdout, result.stderr, read_outputs(output), written)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The install step, run for real once: a copy of this repository as the action, pip-installed."""
    base = tmp_path_factory.mktemp("action")
    action_path = base / "poolcheck-action"
    shutil.copytree(ROOT, action_path, ignore=NOT_SHIPPED)
    context = {
        "steps.python.outputs.python-path": sys.executable,
        "github.action_path": str(action_path),
        "runner.temp": str(base / "runner-temp"),
    }
    step = run_step(STEPS["install"], context, base, base / "runner-temp")
    assert step.returncode == 0, step.stderr
    assert Path(step.outputs["poolcheck"]).exists() and Path(step.outputs["python"]).exists()
    return {f"steps.install.outputs.{name}": value for name, value in step.outputs.items()}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


def action(installed: Mapping[str, str], workspace: Path, **inputs: str) -> StepRun:
    """The run step with these inputs (by their action.yml names), the others at their defaults."""
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, unknown
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | inputs
    context = {**installed, **{f"inputs.{name}": value for name, value in values.items()}}
    return run_step(STEPS["run"], context, workspace, workspace.parent / "runner-temp")


def write(folder: Path, name: str, text: str = POOL) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def annotated_files(run: StepRun) -> set[str]:
    return set(re.findall(r"^::(?:error|warning|notice) file=([^,]+),", run.stdout, re.MULTILINE))


def test_the_test_provides_every_expression_the_action_uses() -> None:
    # Everything but setup-python runs here, so each of its expressions must be one we fill in.
    used = {m.group(1) for step in STEPS.values() if "run" in step for m in EXPRESSION.finditer(str(step))}
    known = {"steps.python.outputs.python-path", "github.action_path", "runner.temp"}
    known |= {f"inputs.{name}" for name in ACTION["inputs"]}
    known |= {"steps.install.outputs.poolcheck", "steps.install.outputs.python"}
    assert used <= known, used - known
    assert [step.get("uses", "").split("@")[0] for step in ACTION["runs"]["steps"]] == [
        "actions/setup-python",
        "",
        "",
    ]


def test_paths_on_several_lines_keep_a_path_with_a_space(installed: dict[str, str], workspace: Path) -> None:
    write(workspace, "api service/db.py")
    write(workspace, "worker/db.py")
    write(workspace, "unchecked/db.py")
    run = action(installed, workspace, paths="api service\n  worker/  \n")
    assert annotated_files(run) == {"api service/db.py", "worker/db.py"}, run.stdout + run.stderr
    assert run.outputs["findings"] == str(2 * POOL_FINDINGS)


def test_paths_on_one_line_split_on_spaces_and_quotes_keep_one_whole(
    installed: dict[str, str], workspace: Path
) -> None:
    write(workspace, "api service/db.py")
    write(workspace, "worker/db.py")
    write(workspace, "unchecked/db.py")
    run = action(installed, workspace, paths='"api service" worker')
    assert annotated_files(run) == {"api service/db.py", "worker/db.py"}, run.stdout + run.stderr


def test_a_quoted_argument_stays_one_argument(installed: dict[str, str], workspace: Path) -> None:
    write(workspace, "dir with space/db.py")
    write(workspace, "kept/db.py")
    run = action(installed, workspace, args='--extend-exclude "dir with space/"\n--ignore PC012')
    assert annotated_files(run) == {"kept/db.py"}, run.stdout + run.stderr
    assert "PC012" not in run.stdout  # the second line of args counts too
    assert run.outputs["findings"] == str(POOL_FINDINGS - 1)


@pytest.mark.parametrize(
    "inputs",
    [
        {"args": "$(touch pwned) `touch pwned` ; touch pwned && touch pwned | touch pwned"},
        {"paths": "$(touch pwned)\n; touch pwned\n`touch pwned`"},
        {"paths": "'$(touch pwned)'", "sarif-file": "$(touch pwned).sarif"},
        {"working-directory": "$(touch pwned)"},
    ],
    ids=["args", "paths", "sarif-file", "working-directory"],
)
def test_shell_syntax_in_an_input_is_never_run(
    installed: dict[str, str], workspace: Path, inputs: dict[str, str]
) -> None:
    write(workspace, "db.py")
    run = action(installed, workspace, **inputs)
    assert [p for p in workspace.parent.rglob("*") if p.name == "pwned"] == [], run.stdout + run.stderr
    assert run.returncode != 0  # poolcheck got the text literally and found no such file or folder
    if "working-directory" not in inputs:
        assert "$(touch" in run.stdout  # named, literally, in a read error
    if "sarif-file" in inputs:
        assert (workspace / "$(touch pwned).sarif").exists()


def test_unbalanced_quotes_in_args_fail_the_step_with_a_message(
    installed: dict[str, str], workspace: Path
) -> None:
    write(workspace, "db.py")
    run = action(installed, workspace, args='--extend-exclude "never closed')
    assert run.returncode == 2
    assert "args input cannot be split" in run.stderr


def test_working_directory_is_where_poolcheck_runs(installed: dict[str, str], workspace: Path) -> None:
    service = workspace / "services" / "orders"
    write(service, "app/db.py")
    write(workspace, "elsewhere/db.py")
    run = action(
        installed,
        workspace,
        **{"working-directory": "services/orders", "paths": "app", "sarif-file": "out.sarif"},
    )
    assert run.returncode == 1, run.stderr
    assert (service / "out.sarif").exists() and not (workspace / "out.sarif").exists()
    assert run.outputs["sarif-file"] == str(service / "out.sarif")
    assert run.outputs["findings"] == str(POOL_FINDINGS)
    sarif = json.loads((service / "out.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == POOL_FINDINGS


def test_a_missing_working_directory_fails_the_step(installed: dict[str, str], workspace: Path) -> None:
    run = action(installed, workspace, **{"working-directory": "no/such/folder"})
    assert run.returncode == 2
    assert "::error title=poolcheck::" in run.stdout


def test_outputs_and_the_step_summary(installed: dict[str, str], workspace: Path) -> None:
    write(workspace, "db.py")
    (workspace / "reports").mkdir()
    run = action(installed, workspace, **{"sarif-file": "reports/poolcheck.sarif"})
    assert run.outputs["findings"] == str(POOL_FINDINGS), run.stderr
    assert run.outputs["sarif-file"] == str(workspace / "reports" / "poolcheck.sarif")
    assert run.summary.startswith("## poolcheck")
    assert "| PC001 max-connections-too-small | p2 | db.py:3:" in run.summary
    # The action's declared outputs are the run step's.
    values = {f"steps.run.outputs.{name}": value for name, value in run.outputs.items()}
    declared = {name: substitute(spec["value"], values) for name, spec in ACTION["outputs"].items()}
    assert declared == {"findings": str(POOL_FINDINGS), "sarif-file": run.outputs["sarif-file"]}


def test_outputs_without_findings_or_sarif(installed: dict[str, str], workspace: Path) -> None:
    write(workspace, "db.py", "import os\n")
    run = action(installed, workspace)
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"findings": "0", "sarif-file": ""}


@pytest.mark.parametrize(("fail_on", "returncode"), [("p1", 0), ("p2", 1), ("p3", 1), ("", 1)])
def test_fail_on_decides_the_exit_code(
    installed: dict[str, str], workspace: Path, fail_on: str, returncode: int
) -> None:
    write(workspace, "db.py")  # three p2 findings and one p3, no p1
    run = action(installed, workspace, **{"fail-on": fail_on, "sarif-file": "poolcheck.sarif"})
    assert run.returncode == returncode, run.stderr
    assert run.outputs["findings"] == str(POOL_FINDINGS)
    # The SARIF report is written whether or not the check fails.
    assert json.loads((workspace / "poolcheck.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
