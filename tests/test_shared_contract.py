"""Tests that read ``../shared`` (the product contract beside the repository): skip locally, fail in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_formats
from conftest import SHARED, in_ci, require_shared


def test_a_present_file_is_handed_back(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text("{}")
    assert require_shared(schema, "a schema") == schema


def test_missing_outside_ci_skips_and_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    missing = tmp_path / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_shared(missing, "the SARIF 2.1.0 schema")
    assert str(missing) in str(skipped.value)
    assert "the SARIF 2.1.0 schema is not at" in str(skipped.value)


@pytest.mark.parametrize("value", ["true", "1", "yes", "True"])
def test_missing_in_ci_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    missing = tmp_path / "sarif-schema-2.1.0.json"
    with pytest.raises(pytest.fail.Exception) as failed:
        require_shared(missing, "the SARIF 2.1.0 schema")
    assert str(missing) in str(failed.value) and "CI must provide it" in str(failed.value)


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_ci_said_no_is_not_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert not in_ci()


def test_a_folder_is_not_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_shared(tmp_path, "the SARIF 2.1.0 schema")


def test_the_sarif_tests_look_in_shared() -> None:
    """The schema the SARIF output is validated against is the contract's copy, the one guarded here."""
    assert test_formats.SARIF_SCHEMA == SHARED / "schemas" / "sarif-schema-2.1.0.json"


def test_the_sarif_validator_fails_in_ci_without_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "shared" / "sarif-schema-2.1.0.json"
    monkeypatch.setattr(test_formats, "SARIF_SCHEMA", missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=re.escape(str(missing))):
        test_formats.sarif_validator()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=re.escape(str(missing))):
        test_formats.sarif_validator()
