"""The navigation lists exactly the areas a reader may open: for every role (and an external
party, and anonymous readers), each link it shows answers 200 and each one it hides does not."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import OrganisationKind, Role
from aseancyber.site.navigation import NAVIGATION
from tests.factories import make_org, make_state, make_user, sign_in

READERS = ["anonymous", *(role.value for role in Role), "external vendor"]


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'<a href="([^"]+)"', nav.group(0))


@pytest.mark.parametrize("reader", READERS)
def test_navigation_shows_only_areas_that_answer_200(
    client: TestClient, db: Session, reader: str
) -> None:
    if reader != "anonymous":
        state = make_state(db, "SG", name="Singapore")
        if reader == "external vendor":
            user = make_user(db, make_org(db, kind=OrganisationKind.VENDOR), Role.CONTRIBUTOR)
        else:
            user = make_user(db, make_org(db, state=state), Role(reader))
        sign_in(client, db, user)
    shown = _nav_links(client.get("/").text)
    assert shown, "every reader gets some navigation"
    assert set(shown) <= {item.href for item in NAVIGATION}
    for item in NAVIGATION:
        answer = client.get(item.href, follow_redirects=False)
        if item.href in shown:
            assert answer.status_code == 200, (reader, item.href, answer.status_code)
            assert _nav_links(answer.text) == shown, (reader, item.href)  # the same on every page
        else:
            assert answer.status_code != 200, (reader, item.href, "hidden but open")
            if reader == "anonymous":
                assert answer.status_code == 303, item.href
                assert answer.headers["location"].startswith("/login"), item.href
            else:
                assert answer.status_code in (403, 404), (reader, item.href)


def test_navigation_marks_the_current_area_and_folds_without_script(client: TestClient) -> None:
    html = client.get("/documents").text
    assert '<a href="/documents" aria-current="page">Documents</a>' in html
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    menu = re.search(
        r'<details class="nav-menu">\s*<summary class="nav-toggle">Menu</summary>\s*'
        r'<ul id="site-nav-links">.*?</ul>\s*</details>',
        nav[0],
        re.S,
    )
    assert menu is not None  # every link inside the fold
    assert "<script" not in html  # no script: pages that promise none keep their word
