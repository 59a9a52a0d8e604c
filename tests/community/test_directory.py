"""Browsing and searching the directory, as pages and over REST, signed in and anonymous."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import DialoguePartner, MemberState, OrganisationKind
from aseancyber.community.models import Pillar, SectoralBody
from tests.factories import make_org, make_state
from tests.readers import BrowserFor, TokenFor, World


def _bodies(db: Session, world: World) -> SectoralBody:
    pillar = Pillar(code="AEC", name="ASEAN Economic Community")
    db.add(pillar)
    db.flush()
    body = SectoralBody(
        code="ADGMIN", name="ASEAN Digital Ministers' Meeting", pillar_id=pillar.id, remit="CERTs"
    )
    body.members = [world.owner_org, world.other_state_org]
    db.add(body)
    db.flush()
    return body


def test_states_and_bodies_are_public_reference_data(
    client: TestClient, db: Session, world: World
) -> None:
    timor = MemberState(
        name="Timor-Leste", iso2="TL", iso3="TLS", accession_date=date(2025, 10, 26),
        time_zone="Asia/Dili",
    )  # fmt: skip
    db.add(timor)
    _bodies(db, world)
    db.commit()

    page = client.get("/directory")
    assert page.status_code == 200
    assert "Timor-Leste" in page.text
    assert "TLS" in page.text
    assert "26 October 2025" in page.text
    assert "Test SingCERT" not in page.text

    states = client.get("/api/v1/member-states").json()
    assert {"TL", "SG"} <= {s["iso2"] for s in states["items"]}
    assert states["next_cursor"] is None
    tl = client.get("/api/v1/member-states/tl").json()
    assert tl["accession_date"] == "2025-10-26"

    bodies = client.get("/directory/bodies")
    assert bodies.status_code == 200
    assert "ASEAN Digital Ministers" in bodies.text
    assert "Test SingCERT" not in bodies.text  # members need a sign-in
    listed = client.get("/api/v1/sectoral-bodies").json()["items"]
    assert listed[0]["code"] == "ADGMIN"
    assert "members" not in listed[0]
    assert client.get("/api/v1/pillars").json()["items"][0]["code"] == "AEC"


def test_anonymous_visitors_are_sent_to_sign_in_elsewhere(
    client: TestClient, db: Session, world: World
) -> None:
    body = _bodies(db, world)
    db.commit()
    for path in (
        "/directory/organisations?q=cert",
        f"/directory/organisations/{world.owner_org.id}",
        "/directory/states/SG",
        f"/directory/bodies/{body.id}",
        "/directory/partners",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/directory")
    for path in (
        "/api/v1/organisations",
        f"/api/v1/organisations/{world.owner_org.id}",
        f"/api/v1/sectoral-bodies/{body.id}",
        "/api/v1/dialogue-partners",
    ):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/problem+json")


def test_search_filter_and_page_through_organisations(
    client: TestClient, db: Session, world: World, token_for: TokenFor
) -> None:
    headers = token_for(world.other_state)
    everyone = client.get("/api/v1/organisations", headers=headers).json()
    assert len(everyone["items"]) == 6
    assert everyone["next_cursor"] is None

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/organisations", params=params, headers=headers).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 6

    found = client.get("/api/v1/organisations?q=myCERT", headers=headers).json()["items"]
    assert [item["name"] for item in found] == ["Test MyCERT"]
    by_short = client.get(
        "/api/v1/organisations", params={"q": world.owner_org.short_name}, headers=headers
    ).json()["items"]
    assert world.owner_org.id in {item["id"] for item in by_short}
    vendors = client.get("/api/v1/organisations?kind=vendor", headers=headers).json()["items"]
    assert [item["name"] for item in vendors] == ["Test Vendor Ltd"]
    in_sg = client.get("/api/v1/organisations?state=sg", headers=headers).json()["items"]
    assert [item["member_state_iso2"] for item in in_sg] == ["SG"]
    # LIKE wildcards are searched for literally
    assert client.get("/api/v1/organisations?q=%25", headers=headers).json()["items"] == []

    assert client.get("/api/v1/organisations?kind=spy", headers=headers).status_code == 422
    bad_state = client.get("/api/v1/organisations?state=ZZ", headers=headers)
    assert bad_state.status_code == 422
    assert bad_state.json()["errors"][0]["field"] == "state"
    bad_cursor = client.get("/api/v1/organisations?cursor=nonsense", headers=headers)
    assert bad_cursor.status_code == 422


def test_organisation_pages_page_and_search(
    db: Session, world: World, browser_for: BrowserFor
) -> None:
    state = make_state(db, "TH")
    for n in range(5):
        make_org(db, state=state, name=f"Thai body {n}")
    browser = browser_for(world.recipient).client
    first = browser.get("/directory/organisations?state=TH&limit=2")
    assert first.status_code == 200
    assert "Thai body 0" in first.text
    assert "Thai body 2" not in first.text
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    next_href = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = browser.get(next_href.replace("&amp;", "&"))
    assert "Thai body 2" in second.text
    assert "Thai body 0" not in second.text
    assert 'rel="prev"' in second.text

    searched = browser.get("/directory/organisations?q=vendor&kind=&state=")
    assert "Test Vendor Ltd" in searched.text
    assert "Test MyCERT" not in searched.text
    assert browser.get("/directory/organisations?kind=spy").status_code == 422


def test_organisation_detail_shows_people_to_the_community_only(
    client: TestClient, db: Session, world: World, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    body = _bodies(db, world)
    path = f"/api/v1/organisations/{world.owner_org.id}"
    as_member = client.get(path, headers=token_for(world.other_state)).json()
    assert as_member["sectoral_bodies"] == [{"id": body.id, "code": "ADGMIN", "name": body.name}]
    assert world.author.display_name in {u["display_name"] for u in as_member["users"]}
    assert as_member["version"] == 1
    assert as_member["is_community"] is True

    as_external = client.get(path, headers=token_for(world.external)).json()
    assert as_external["users"] is None

    page = browser_for(world.external).client.get(f"/directory/organisations/{world.owner_org.id}")
    assert page.status_code == 200
    assert world.author.display_name not in page.text
    assert "ASEAN Digital Ministers" in page.text
    member_page = browser_for(world.recipient).client.get(
        f"/directory/organisations/{world.owner_org.id}"
    )
    assert world.author.display_name in member_page.text

    body_page = browser_for(world.external).client.get(f"/directory/bodies/{body.id}")
    assert "Test SingCERT" in body_page.text
    assert "Test MyCERT" in body_page.text
    detail = client.get(f"/api/v1/sectoral-bodies/{body.id}", headers=token_for(world.external))
    assert {m["name"] for m in detail.json()["members"]} == {"Test SingCERT", "Test MyCERT"}

    assert (
        client.get("/api/v1/organisations/nope", headers=token_for(world.external)).status_code
        == 404
    )


def test_state_page_partners_and_counts(db: Session, world: World, browser_for: BrowserFor) -> None:
    db.add(DialoguePartner(name="Japan", code="JPN"))
    make_org(db, kind=OrganisationKind.DIALOGUE_PARTNER_AGENCY, name="Japan agency")
    browser = browser_for(world.recipient).client
    sg = browser.get("/directory/states/sg")
    assert sg.status_code == 200
    assert "Test SingCERT" in sg.text
    assert "Test MyCERT" not in sg.text
    assert browser.get("/directory/states/ZZ").status_code == 404
    partners = browser.get("/directory/partners")
    assert "Japan" in partners.text
    assert "JPN" in partners.text
    states = browser.get("/directory")
    assert 'href="/directory/organisations"' in states.text  # the signed-in tabs
