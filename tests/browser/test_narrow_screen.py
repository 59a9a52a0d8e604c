"""A phone-sized screen (375 px wide) in the system Chromium: the navigation folds behind a
Menu button, and the case page, with a long CVSS 4.0 vector, needs no sideways scrolling."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.demo.cases import FLAGSHIP
from tests.browser.conftest import STEP_TIMEOUT_MS, watch_policy
from tests.cases.test_page_forms import LONG_CVSS

pytestmark = pytest.mark.browser
PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, timezone_id="Asia/Singapore")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    violations = watch_policy(page)
    yield page
    context.close()
    assert violations == [], violations


# The text that sticks out past the right edge, to name the culprit when the page is too wide.
_TEXT_PAST_THE_EDGE = """() => {
    const limit = document.documentElement.clientWidth;
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode() && out.length < 8) {
        const range = document.createRange();
        range.selectNodeContents(walker.currentNode);
        if (range.getBoundingClientRect().right > limit) {
            const parent = walker.currentNode.parentElement;
            const text = walker.currentNode.textContent.slice(0, 50);
            out.push(parent.tagName + "." + parent.className + " " + text);
        }
    }
    return out;
}"""


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    culprits = page.evaluate(_TEXT_PAST_THE_EDGE) if overflow > 0 else []
    assert overflow <= 0, f"the page is {overflow}px wider than the screen: {culprits}"


def test_navigation_folds_behind_a_menu_button(live_server: str, phone: Page) -> None:
    phone.goto(live_server)
    menu = phone.locator("summary.nav-toggle")
    links = phone.locator("#site-nav-links")
    expect(menu).to_be_visible()
    expect(menu).to_have_text("Menu")
    expect(links).to_be_hidden()
    menu.click()
    expect(phone.locator("details.nav-menu")).to_have_attribute("open", "")
    expect(links).to_be_visible()
    expect(links.get_by_role("link", name="Documents")).to_be_visible()
    menu.click()
    expect(links).to_be_hidden()
    _no_sideways_scroll(phone)


def test_navigation_stays_open_on_a_wide_screen(live_server: str, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server)
    expect(page.locator("summary.nav-toggle")).to_be_hidden()
    expect(page.locator("#site-nav-links").get_by_role("link", name="Documents")).to_be_visible()


def test_case_page_with_a_long_cvss_vector_fits_a_phone(live_server: str, phone: Page) -> None:
    phone.goto(f"{live_server}/login")
    phone.get_by_label("E-mail").fill("analyst.sg@example.org")
    phone.get_by_label("Password").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator("summary.nav-toggle")).to_be_visible()
    phone.goto(f"{live_server}/cases")
    phone.get_by_role("link", name=FLAGSHIP).first.click()
    expect(phone.locator("h1")).to_have_text(FLAGSHIP)

    # A refused form comes back open, filled in, with the message by the field.
    phone.get_by_text("Add a vulnerability").click()
    phone.locator("#vulnerability-title").fill("Narrow-screen overflow")
    phone.locator("#vulnerability-cve").fill("CVE-26-1")
    phone.locator("#vulnerability-cvss_vector").fill(LONG_CVSS)
    phone.get_by_role("button", name="Add", exact=True).last.click()
    expect(phone.locator(".error-summary")).to_contain_text("CVE id is not in the expected format")
    expect(phone.locator("#vulnerability-cve-error")).to_be_visible()
    expect(phone.locator("#vulnerability-title")).to_have_value("Narrow-screen overflow")
    expect(phone.locator("#vulnerability-cvss_vector")).to_have_value(LONG_CVSS)
    _no_sideways_scroll(phone)

    phone.locator("#vulnerability-cve").fill("CVE-2026-55555")
    phone.get_by_role("button", name="Add", exact=True).last.click()
    expect(phone.locator(".flash-success")).to_contain_text("The vulnerability was added")
    vector = phone.locator(
        "code", has_text="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H"
    )
    expect(vector.last).to_be_visible()
    _no_sideways_scroll(phone)
