"""Page links: next follows the cursor, previous walks back the trail, first page resets."""

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from aseancyber.access.models import Organisation, OrganisationKind
from aseancyber.web.pagination import capped_count
from aseancyber.web.paging import MAX_TRAIL, page_links


def _request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("testserver", 80),
            "path": "/documents",
            "query_string": query.encode(),
            "headers": [(b"host", b"testserver")],
        }
    )


def test_first_page_has_only_next() -> None:
    links = page_links(_request("q=x"), "C1")
    assert links.next_url == "/documents?q=x&cursor=C1&back=-"
    assert links.previous_url is None
    assert links.first_url is None


def test_second_page_goes_back_to_the_first() -> None:
    links = page_links(_request("q=x&cursor=C1&back=-"), "C2")
    assert links.previous_url == "/documents?q=x"
    assert links.first_url == "/documents?q=x"
    assert links.next_url == "/documents?q=x&cursor=C2&back=-~C1"


def test_third_page_goes_back_to_the_second_and_last_page_has_no_next() -> None:
    links = page_links(_request("cursor=C2&back=-~C1"), None)
    assert links.next_url is None
    assert links.previous_url == "/documents?cursor=C1&back=-"


def test_trail_is_capped() -> None:
    trail = "~".join(f"C{n}" for n in range(50))
    links = page_links(_request(f"cursor=C50&back={trail}"), "C51")
    assert links.next_url is not None
    assert links.next_url.count("~") == MAX_TRAIL - 1


def test_capped_count_stops_at_the_cap_and_says_so(db: Session) -> None:
    for n in range(5):
        db.add(Organisation(name=f"Cap test {n}", short_name=f"C{n}", kind=OrganisationKind.VENDOR))
    db.flush()
    statement = select(Organisation).where(Organisation.name.like("Cap test %"))
    exact = capped_count(db, statement, cap=10)
    assert exact == 5
    assert not exact.capped
    assert str(exact) == "5"
    capped = capped_count(db, statement, cap=3)
    assert capped == 3
    assert capped.capped
    assert str(capped) == "3+"
