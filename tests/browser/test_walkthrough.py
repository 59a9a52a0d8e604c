"""A person's first visit, in the system Chromium: sign in, enrol a second factor, see the
dashboard, browse the directory, sign out, and sign in again with the second factor."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from aseancyber.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_enrol_totp_browse_and_sign_out(live_server: str, page: Page) -> None:
    _sign_in(page, live_server, "analyst.my@example.org")
    expect(page.locator("header")).to_contain_text("Demo Analyst (Malaysia)")

    page.goto(f"{live_server}/account/totp")
    start = page.get_by_role("button", name=re.compile("Set up|Start", re.IGNORECASE))
    if start.count():
        start.click()
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(page.locator(".qr svg")).to_be_visible()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Enable").click()
    expect(page.locator("main")).to_contain_text(re.compile("recovery codes", re.IGNORECASE))

    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.locator("main")).to_contain_text("Your organisation")

    page.get_by_role("link", name="Directory").first.click()
    expect(page.locator("main")).to_contain_text("Timor-Leste")
    page.get_by_role("link", name="Timor-Leste").first.click()
    expect(page.locator("main")).to_contain_text("TL")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()

    _sign_in(page, live_server, "analyst.my@example.org")
    expect(page.locator("h1")).to_have_text("Second factor")
    # The enrolment code is spent (codes are good once): the app shows the next one.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("header")).to_contain_text("Demo Analyst (Malaysia)")
