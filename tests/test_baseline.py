"""The baseline: write the current findings, hide them on later runs, show only new ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import poolcheck_command, write_snippet

from poolcheck.baseline import BaselineError, load_baseline

UNTUNED = """\
async fn connect(u: &str) {
    let pool = PgPoolOptions::new().max_connections(5).connect(u).await;
}
"""
ANOTHER = """\
async fn reports(u: &str) {
    let reports = MySqlPoolOptions::new().max_connections(8).connect(u).await;
}
"""


def poolcheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*poolcheck_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_round_trip(tmp_path: Path) -> None:
    write_snippet(tmp_path, UNTUNED, "src/db.rs")
    before = json.loads(poolcheck("--format", "json", ".", cwd=tmp_path).stdout)["findings"]
    assert len(before) == 5

    written = poolcheck("--write-baseline", "poolcheck-baseline.json", ".", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert "wrote 5 findings to poolcheck-baseline.json" in written.stderr
    document = json.loads((tmp_path / "poolcheck-baseline.json").read_text())
    assert document["version"] == 1
    assert document["tool"]["name"] == "poolcheck"
    assert document["findings"] == [
        {"rule": f["rule"], "path": f["path"], "fingerprint": f["fingerprint"], "message": f["message"]}
        for f in before
    ]

    unchanged = poolcheck("--baseline", "poolcheck-baseline.json", ".", cwd=tmp_path)
    assert unchanged.returncode == 0, unchanged.stdout
    assert unchanged.stdout.strip() == "No findings: 1 pool in 1 file checked, 5 hidden by the baseline."

    # Lines shifting above the pool keep its fingerprints.
    (tmp_path / "src/db.rs").write_text("// the database\n\n" + UNTUNED)
    assert poolcheck("--baseline", "poolcheck-baseline.json", ".", cwd=tmp_path).returncode == 0

    # A new pool is reported, alone.
    write_snippet(tmp_path, ANOTHER, "src/reports.rs")
    result = poolcheck("--format", "json", "--baseline", "poolcheck-baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {"src/reports.rs"}
    assert {f["rule"] for f in findings} == {"PC001", "PC002", "PC004", "PC005", "PC006"}
    assert "poolcheck: 5 finding(s) hidden by the baseline" in result.stderr
    text = poolcheck("--baseline", "poolcheck-baseline.json", ".", cwd=tmp_path).stdout
    assert text.rstrip().endswith("; 2 files checked, 5 hidden by the baseline.")


def test_writing_ignores_an_old_baseline(tmp_path: Path) -> None:
    write_snippet(tmp_path, UNTUNED, "db.rs")
    assert poolcheck("--write-baseline", "old.json", ".", cwd=tmp_path).returncode == 0
    write_snippet(tmp_path, ANOTHER, "reports.rs")
    assert (
        poolcheck("--baseline", "old.json", "--write-baseline", "new.json", ".", cwd=tmp_path).returncode == 0
    )
    assert len(json.loads((tmp_path / "new.json").read_text())["findings"]) == 10


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.json: cannot read the baseline"),
        ("{not json", "missing.json: the baseline is not valid JSON"),
        ('{"findings": []}', "missing.json: not a poolcheck baseline"),
        ('{"version": 1, "findings": [{"rule": "PC001"}]}', "missing.json: not a poolcheck baseline"),
        ("[]", "missing.json: not a poolcheck baseline"),
    ],
)
def test_missing_or_malformed_baseline_exits_2(tmp_path: Path, content: str | None, message: str) -> None:
    write_snippet(tmp_path, UNTUNED, "db.rs")
    if content is not None:
        (tmp_path / "missing.json").write_text(content)
    result = poolcheck("--baseline", "missing.json", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("poolcheck: ") and message in result.stderr
    with pytest.raises(BaselineError):
        load_baseline(tmp_path / "missing.json")


def test_an_unwritable_baseline_exits_2(tmp_path: Path) -> None:
    write_snippet(tmp_path, UNTUNED, "db.rs")
    result = poolcheck("--write-baseline", "no/such/folder/b.json", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write the baseline" in result.stderr
