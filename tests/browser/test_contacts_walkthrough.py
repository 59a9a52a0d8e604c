"""A communication check in the system Chromium: a coordinator launches it, a contact
confirms through the e-mailed link without signing in, and the results show the answer."""

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.app import create_app
from aseancyber.contacts.models import ContactKind
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.demo.contacts import demo_email
from aseancyber.notify.models import OutboundEmail
from tests.conftest import make_settings, run_migrations
from tests.ports import free_port

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    url: str
    factory: sessionmaker[Session]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Like tests/browser's live server, but the test may also read the queued e-mail."""
    path: Path = tmp_path_factory.mktemp("contacts-live") / "live.db"
    url = f"sqlite:///{path}"  # always SQLite: the browser tests do not use the run's database
    engine = make_engine(url)
    with engine.begin() as connection:
        run_migrations(connection)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_demo(db)
    port = free_port()
    live_settings = make_settings(url, base_url=f"http://127.0.0.1:{port}")
    app = create_app(settings=live_settings, session_factory=factory)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", factory)
    server.should_exit = True
    thread.join(10)
    engine.dispose()


def _link_sent_to(live: LiveServer, address: str) -> str:
    with live.factory() as db:
        bodies = db.scalars(
            select(OutboundEmail.body)
            .where(OutboundEmail.to_address == address)
            .order_by(OutboundEmail.created_at.desc())
        ).all()
    found = re.search(r"http://\S+(/contacts/acknowledge\?token=\S+)", bodies[0])
    assert found is not None
    # E-mailed links use the process settings' base address; this server has its own port.
    return live.url + found.group(1)


def test_a_coordinator_runs_a_check_from_launch_to_results(
    live: LiveServer, page: Page, browser: Browser
) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("E-mail").fill("coordinator@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Contacts").first.click()
    expect(page.locator("h1")).to_have_text("Points of contact")
    page.get_by_role("link", name="Communication checks").click()
    expect(page.locator("main")).to_contain_text("Regional communication check")
    page.get_by_role("link", name="Launch a check").click()
    page.get_by_label("Title").fill("Browser walk-through check")
    page.get_by_label("Kinds of contact").select_option(["technical", "law_enforcement_24_7"])
    page.get_by_label("Member states").select_option(["SG", "TL"])
    page.get_by_role("button", name="Launch the check").click()

    expect(page.locator("h1")).to_have_text("Browser walk-through check")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("4 contacts asked")
    expect(summary).to_contain_text("0 answered")
    results_url = page.url

    # The Timor-Leste 24/7 desk opens its e-mailed link in another browser, not signed in.
    link = _link_sent_to(live, demo_email("TL", ContactKind.LAW_ENFORCEMENT))
    outsider = browser.new_context()
    contact_page = outsider.new_page()
    contact_page.goto(link)
    expect(contact_page.locator("main")).to_contain_text("Cybercrime 24/7 desk")
    contact_page.get_by_role("button", name="Confirm we received this").click()
    expect(contact_page.locator("h1")).to_have_text("Thank you")
    contact_page.goto(link)  # the link works once
    expect(contact_page.locator("h1")).to_have_text("This link cannot be used")
    outsider.close()

    page.goto(results_url)
    expect(summary).to_contain_text("1 answered")
    expect(page.locator("#targets")).to_contain_text("(link)")
    expect(page.get_by_role("table", name="Response times by state")).to_contain_text("Timor-Leste")
    page.get_by_role("link", name="Not answered").click()
    expect(page.locator("#targets")).not_to_contain_text("(link)")
    expect(page.locator("#targets tbody tr")).to_have_count(3)
