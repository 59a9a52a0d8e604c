"""``aseancyber cases csaf-key``: the key signing CSAF documents, made once on a development
node, never made up on a production one."""

import re
from pathlib import Path

import pytest

from aseancyber.cases.provider import signing
from tests.cli.conftest import RunCli
from tests.conftest import TEST_SECRET


def test_a_development_node_generates_its_key_once(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # var/ of this test, not of the checkout
    monkeypatch.setenv("ASEANCYBER_ENVIRONMENT", "development")
    monkeypatch.delenv("ASEANCYBER_CSAF_SIGNING_KEY_PATH", raising=False)
    first = run_cli("cases", "csaf-key")
    assert first.exit_code == 0, first.output
    assert "Generated" in first.output
    key_file = tmp_path / signing.DEMO_KEY_PATH
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY BLOCK" in key_file.read_text()
    fingerprint = re.search(r"fingerprint: ([0-9A-F]{40})", first.output)
    assert fingerprint is not None
    again = run_cli("cases", "csaf-key")
    assert again.exit_code == 0, again.output
    assert "Generated" not in again.output
    assert f"fingerprint: {fingerprint.group(1)}" in again.output
    assert f"/.well-known/csaf/openpgp/{fingerprint.group(1)}.asc" in again.output


def test_a_production_node_is_told_to_configure_its_key(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASEANCYBER_ENVIRONMENT", "production")
    monkeypatch.setenv("ASEANCYBER_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("ASEANCYBER_CSAF_SIGNING_KEY_PATH", raising=False)
    refused = run_cli("cases", "csaf-key")
    assert refused.exit_code == 1
    assert "set ASEANCYBER_CSAF_SIGNING_KEY_PATH" in refused.stderr
    assert not (tmp_path / signing.DEMO_KEY_PATH).exists()
