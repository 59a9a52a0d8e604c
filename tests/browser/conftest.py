"""A live server on a loopback port, with its own migrated database, for the browser."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import sessionmaker

from aseancyber.app import create_app
from aseancyber.db import make_engine
from aseancyber.demo import load_demo
from aseancyber.reference import load_reference
from tests.conftest import make_settings, run_migrations
from tests.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
# How long a browser step may wait for the page before the test fails. Not a measure of
# speed: a sign-in (argon2) on a 2-core machine running other xdist workers took over 15 s.
STEP_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app with demo data from a database of its own (it commits for real)."""
    # Always SQLite, whatever database the run was given: the browser tests do not use it.
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        run_migrations(connection)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        load_reference(db)
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
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs the system Chromium: make browser installs it")
        pytest.skip("no system Chromium: run `make browser` (Debian chromium package)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch_policy(page: Page, violations: list[str] | None = None) -> list[str]:
    """The content security policy violations the browser reports on ``page``, as they come
    (added to ``violations`` when given)."""
    violations = [] if violations is None else violations
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page whose walk fails if the browser reports any content security policy violation
    (an inline script, style or handler the policy blocked would be a broken page)."""
    context = browser.new_context(timezone_id="Asia/Singapore")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    violations = watch_policy(page)
    yield page
    context.close()
    assert violations == [], violations
