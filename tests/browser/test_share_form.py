"""The share form in the system Chromium: the label follows the collection, the audience
box follows every choice (no inline script), and a warninglisted value needs "share
anyway"."""

import re

import pytest
from playwright.sync_api import Page, expect

from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.demo.sharing import REGIONAL_TITLE

pytestmark = pytest.mark.browser


def _option_value(page: Page, text: str) -> str:
    option = page.locator("#collection_id option", has_text=text).first
    value = option.get_attribute("value")
    assert value is not None
    return value


def test_share_an_indicator_seeing_who_will_see_it(live_server: str, page: Page) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("cert.th@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/sharing/objects")
    page.get_by_role("link", name="Share an indicator").click()
    expect(page.locator("h1")).to_have_text("Share an indicator")
    box = page.locator("#audience-preview")

    page.select_option("#collection_id", _option_value(page, "national feed"))
    expect(page.locator("#tlp")).to_have_value("TLP:AMBER")
    expect(box).to_contain_text("TLP:AMBER")
    expect(box).not_to_contain_text("All member states")

    page.select_option("#collection_id", _option_value(page, REGIONAL_TITLE))
    expect(page.locator("#tlp")).to_have_value("TLP:GREEN")
    expect(box).to_contain_text("All member states' CERTs and government organisations")
    expect(box).to_contain_text("No dialogue partner or other external party")

    page.select_option("#tlp", "TLP:RED")
    expect(box).to_contain_text("TLP:RED")
    expect(box).not_to_contain_text("All member states")
    page.select_option("#tlp", "TLP:GREEN")

    page.select_option("#observable_type", "ipv4-addr")
    page.get_by_label("Value").fill("10.1.2.3")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("main")).to_contain_text("Private network (RFC 1918)")
    expect(page.locator("#value")).to_have_value("10.1.2.3")
    page.get_by_label(re.compile("Share anyway")).check()
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#shared-with")).to_be_visible()
    expect(page.locator("main")).to_contain_text("IPv4 address 10.1.2.3")
    expect(page.locator("main")).to_contain_text("member states' government organisations")
