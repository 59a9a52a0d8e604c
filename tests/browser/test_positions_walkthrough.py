"""A common position from draft to adopted PDF, in the system Chromium, with demo accounts:
the Secretariat drafts, Malaysia comments and proposes an edit, the drafter accepts it,
and every member state's diplomat endorses the new version."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from aseancyber.community.reference import reference_data
from aseancyber.demo.accounts import DEMO_PASSWORD
from tests.browser.conftest import STEP_TIMEOUT_MS, watch_policy

pytestmark = pytest.mark.browser
VIOLATIONS: list[str] = []  # content security policy violations on any page of a test


@pytest.fixture(autouse=True)
def _no_policy_violations() -> Iterator[None]:
    VIOLATIONS.clear()
    yield
    assert VIOLATIONS == []


def _signed_in(browser: Browser, base: str, email: str) -> Page:
    context = browser.new_context(timezone_id="Asia/Singapore")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    watch_policy(page, VIOLATIONS)
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header")).to_contain_text("Demo")
    return page


def test_draft_comment_edit_and_eleven_endorsements_to_an_adopted_pdf(
    live_server: str, browser: Browser
) -> None:
    drafter = _signed_in(browser, live_server, "coordinator@example.org")
    drafter.get_by_role("link", name="Positions").first.click()
    drafter.get_by_role("link", name="Draft a position").click()
    drafter.get_by_label("Title").fill("ASEAN statement on protecting critical infrastructure")
    drafter.locator("#text").fill(
        "ASEAN will not conduct or support ICT activity that damages critical infrastructure."
        "\n\nASEAN will respond to requests for assistance from other States."
    )
    drafter.get_by_role("button", name="Open the draft").click()
    expect(drafter.locator("main")).to_contain_text("Version 1 is current")
    url = drafter.url

    analyst = _signed_in(browser, live_server, "analyst.my@example.org")
    analyst.goto(url)
    analyst.get_by_text("Comment on or propose an edit to paragraph 2").click()
    analyst.get_by_label("Comment on paragraph 2").fill("Say how quickly.")
    analyst.get_by_role("button", name="Add comment").first.click()
    expect(analyst.locator(".flash")).to_contain_text("comment was added")
    analyst.get_by_text("Comment on or propose an edit to paragraph 2").click()
    analyst.get_by_label("Proposed text for paragraph 2").fill(
        "ASEAN will respond to appropriate requests for assistance in a timely manner."
    )
    analyst.get_by_label("Why").last.fill("Norm (h) asks for timely answers.")
    analyst.get_by_role("button", name="Propose this edit").last.click()
    expect(analyst.locator(".flash")).to_contain_text("sent to the drafter")
    analyst.context.close()

    drafter.reload()
    drafter.get_by_role("button", name="Accept (new version)").click()
    expect(drafter.locator("main")).to_contain_text("Version 2 is current")
    drafter.get_by_role("link", name="what changed from version 1").click()
    expect(drafter.locator(".diff .diff-changed ins").last).to_contain_text("timely")

    states = sorted(reference_data()["member_states"], key=lambda s: str(s["iso2"]))
    assert len(states) == 11
    for state in states:
        diplomat = _signed_in(
            browser, live_server, f"diplomat.{str(state['iso2']).lower()}@example.org"
        )
        diplomat.goto(url)
        diplomat.get_by_role("button", name=re.compile(r"Record the answer of")).click()
        expect(diplomat.locator(".flash")).to_be_visible()
        diplomat.context.close()

    drafter.goto(url)
    expect(drafter.locator("main")).to_contain_text("Adopted by consensus")
    with drafter.expect_download() as download:
        drafter.get_by_role("link", name="Adopted text (PDF)").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    drafter.context.close()


def test_a_dialogue_partner_sees_its_engagement_and_nothing_else(
    live_server: str, browser: Browser
) -> None:
    partner = _signed_in(browser, live_server, "partner.jp@example.org")
    partner.goto(f"{live_server}/engagements")
    rows = partner.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ARF Inter-Sessional Meeting")
    partner.goto(f"{live_server}/positions")
    expect(partner.locator("main")).to_contain_text("No common positions to show.")
    partner.context.close()
