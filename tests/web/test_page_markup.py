"""Every page, for every kind of reader, is usable with assistive technology: element ids are
unique and every form control has a label. The walk starts from every page route that needs
no record id and follows the links each reader is shown, over the demo data."""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.demo import load_demo
from tests.factories import sign_in
from tests.web.markup import read_markup

pytestmark = pytest.mark.slow

READERS = {
    "anonymous": None,
    "contributor (case coordinator)": "analyst.sg@example.org",
    "organisation admin": "admin.sg@example.org",
    "regional coordinator": "coordinator@example.org",
    "platform admin": "platform.admin@example.org",
    "dialogue partner": "partner.jp@example.org",
    "vendor": "vendor@example.org",
}
NOT_PAGES = ("/api/", "/taxii2", "/static/", "/logout")
DOWNLOADS = re.compile(r"(\.(pdf|csv|json|xml|txt)$|/(csaf|export|download|attachments?)(/|$))")
ID_SEGMENT = re.compile(r"^(?=.*\d)[0-9a-zA-Z_-]{6,}$|^\d+$")
PAGES_PER_READER = 90


def _page_routes(app: FastAPI) -> list[str]:
    """The page (HTML) GET routes that need no path parameter."""
    return sorted(
        {
            route.path
            for route in iter_route_contexts(app.router.routes)
            if route.path
            and "GET" in (route.methods or ())
            and "{" not in route.path
            and not route.path.startswith(NOT_PAGES)
            and not getattr(route, "include_in_schema", True)
            and not DOWNLOADS.search(route.path)
        }
    )


def _shape(path: str) -> str:
    """A page's route shape: record ids replaced, so one page of each shape is enough."""
    return "/".join("*" if ID_SEGMENT.match(part) else part for part in path.split("/"))


def _links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
        path = urldefrag(href.replace("&amp;", "&"))[0]
        split = urlsplit(path)
        if split.scheme or split.netloc or not split.path.startswith("/"):
            continue
        if split.path.startswith(NOT_PAGES) or DOWNLOADS.search(split.path) or split.query:
            continue
        found.append(split.path)
    return found


def _walk(client: TestClient, seeds: list[str]) -> tuple[set[str], list[str]]:
    """Visit one page of each shape reachable from ``seeds``; the shapes seen and problems."""
    queue = deque(seeds)
    shapes: set[str] = set()
    problems: list[str] = []
    while queue and len(shapes) < PAGES_PER_READER:
        path = queue.popleft()
        if _shape(path) in shapes:
            continue
        shapes.add(_shape(path))
        answer = client.get(path, follow_redirects=False)
        if answer.status_code != 200 or "text/html" not in answer.headers["content-type"]:
            continue
        markup = read_markup(answer.text)
        if markup.duplicate_ids():
            problems.append(f"{path}: duplicate ids {markup.duplicate_ids()}")
        if markup.unlabelled():
            problems.append(f"{path}: controls without a label {markup.unlabelled()}")
        queue.extend(_links(answer.text))
    return shapes, problems


def test_every_page_has_unique_ids_and_labelled_controls_for_every_reader(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    load_demo(db)
    db.commit()
    seeds = _page_routes(app)
    assert {"/", "/cases", "/documents", "/account"} <= set(seeds)
    problems: list[str] = []
    seen: dict[str, set[str]] = {}
    for reader, email in READERS.items():
        client.cookies.clear()
        if email is not None:
            user = db.scalar(select(User).where(User.email == email))
            assert user is not None, email
            sign_in(client, db, user)
        shapes, found = _walk(client, seeds)
        seen[reader] = shapes
        problems += [f"[{reader}] {problem}" for problem in found]
    assert problems == []
    # The walk reached record pages, not only the lists: a case with all its forms.
    assert "/cases/*" in seen["contributor (case coordinator)"]
    assert "/documents/*" in seen["anonymous"]
    assert len(seen["platform admin"]) > 40
