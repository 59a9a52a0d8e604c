"""The pages that used inline script or styles work under the content security policy, in
the system Chromium: the bundle upload's progress script, charts, heat maps, the API
reference (the ``page`` fixture fails the test on any policy violation)."""

import json
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from aseancyber.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_pages_with_script_charts_and_heat_maps_run_under_the_policy(
    live_server: str, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("analyst.sg@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header")).to_contain_text("Demo Analyst (Singapore)")

    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created": "2026-01-01T00:00:00.000Z",
                "modified": "2026-01-01T00:00:00.000Z",
                "name": "CSP walk",
                "pattern": "[ipv4-addr:value = '203.0.113.9']",
                "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z",
            }
        ],
    }
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(bundle))
    page.goto(f"{live_server}/sharing/upload")
    page.get_by_label("Bundle file (JSON)").set_input_files(str(file))
    page.get_by_role("button", name="Upload").click()
    # The script sends the form itself and writes the server's report into the page.
    expect(page.get_by_role("status").first).to_contain_text(re.compile(r"1 of 1 objects accepted"))

    for path, text in (
        ("/norms/heatmap", "norm"),
        ("/norms/states/SG", "Singapore"),
        ("/initiatives/gaps", "Coverage"),
        ("/api/docs", "REST API reference"),
    ):
        page.goto(f"{live_server}{path}")
        expect(page.locator("main")).to_contain_text(re.compile(text, re.IGNORECASE))
