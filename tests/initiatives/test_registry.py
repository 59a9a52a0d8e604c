"""Registering, filtering, editing and deleting initiatives over REST and pages."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.audit.models import AuditEntry
from aseancyber.community.models import SectoralBody
from aseancyber.initiatives.models import Initiative
from tests.initiatives.conftest import TRAINING
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"


def _create(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(API, json={**TRAINING, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_register_with_every_field(
    client: TestClient,
    db: Session,
    world: World,
    token_for: TokenFor,
    bodies: dict[str, SectoralBody],
) -> None:
    created = _create(
        client,
        token_for(world.author),
        aims="Every CERT can run an incident end to end.",
        statement_clauses=["further_task", "reaffirm"],
        funders=["Singapore"],
        implementers=["ASCCE"],
        partners=["FIRST"],
        budget_amount="120000",
        budget_currency="sgd",
        source_link="https://example.org/programme",
        norms=["(k)", "G"],
    )
    assert created["sectoral_body"] == "ADGMIN"
    assert created["pillar"] == "AEC"  # from the body
    assert created["norms"] == ["g", "k"]  # catalogue order
    assert created["budget_currency"] == "SGD"
    assert created["beneficiary_states"] == ["MY", "PH"]
    assert created["owner_organisation_id"] == world.owner_org.id
    fetched = client.get(f"{API}/{created['id']}", headers=token_for(world.other_state)).json()
    assert fetched["funders"] == ["Singapore"]
    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.record_id == created["id"])
    ).all()
    assert "initiative.create" in actions


def test_bad_input_names_the_field_and_keeps_nothing(
    client: TestClient, world: World, token_for: TokenFor, bodies: dict[str, SectoralBody]
) -> None:
    headers = token_for(world.author)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"beneficiary_states": ["XX"]}, "beneficiary_states"),
        ({"sectoral_body": "NOPE"}, "sectoral_body"),
        ({"start_on": "2026-05-01", "end_on": "2026-01-01"}, "end_on"),
        ({"budget_amount": "10"}, "budget_currency"),
        ({"norms": ["z"]}, "norms"),
        ({"themes": ["astrology"]}, "themes"),
        ({"title": "x\x00y"}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"tlp": "TLP:RED"}, "audience_organisation_ids"),
        ({"unknown": 1}, "unknown"),
    ]
    for fields, field in cases:
        response = client.post(API, json={**TRAINING, **fields}, headers=headers)
        assert response.status_code == 422, (fields, response.text)
        assert field in response.text, (field, response.text)
    assert client.get(API, headers=headers).json()["items"] == []


def test_filters_and_search(
    client: TestClient, world: World, token_for: TokenFor, bodies: dict[str, SectoralBody]
) -> None:
    headers = token_for(world.author)
    first = _create(client, headers)
    second = _create(
        client,
        headers,
        title="Cybercrime investigation course",
        summary="Digital forensics for police investigators of Singapore.",
        sectoral_body="SOMTC-WG-CC",
        beneficiary_states=["SG"],
        themes=["cybercrime"],
        target_audience=["law_enforcement"],
        norms=["d"],
        start_on="2024-02-01",
        end_on="2024-03-01",
        status="completed",
    )

    def ids(**params: str) -> set[str]:
        response = client.get(API, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert ids(state="sg") == {second["id"]}
    assert ids(theme="incident_ci") == {first["id"]}
    assert ids(audience="law_enforcement") == {second["id"]}
    assert ids(norm="k") == {first["id"]}
    assert ids(body="somtc-wg-cc") == {second["id"]}
    assert ids(pillar="AEC") == {first["id"]}
    assert ids(year="2024") == {second["id"]}
    assert ids(status="completed") == {second["id"]}
    assert ids(programme="ascce") == {first["id"], second["id"]}
    assert ids(q="forensics") == {second["id"]}
    for bad in ({"theme": "x"}, {"year": "20x4"}, {"norm": "q"}, {"status": "asleep"}):
        assert client.get(API, params=bad, headers=headers).status_code == 422


def test_edit_conflict_relabel_and_delete(
    client: TestClient, world: World, token_for: TokenFor, bodies: dict[str, SectoralBody]
) -> None:
    author = token_for(world.author)
    created = _create(client, author)
    url = f"{API}/{created['id']}"
    changed = client.patch(
        url, json={"version": 1, "title": "Renamed", "themes": ["standards"]}, headers=author
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["themes"] == ["standards"]
    stale = client.patch(url, json={"version": 1, "title": "Again"}, headers=author)
    assert stale.status_code == 409
    other = token_for(world.other_state)
    refused = client.patch(url, json={"version": 2, "title": "Mine now"}, headers=other)
    assert refused.status_code == 403
    raised = client.patch(url, json={"version": 2, "tlp": "TLP:AMBER"}, headers=other)
    assert raised.status_code == 200, raised.text
    assert client.get(url, headers=other).status_code == 404  # out of reach after raising
    assert client.delete(url, headers=other).status_code == 404
    assert client.delete(url, headers=author).status_code == 204
    assert client.get(url, headers=author).status_code == 404


def test_pages_register_show_and_edit(
    world: World, browser_for: BrowserFor, bodies: dict[str, SectoralBody]
) -> None:
    browser = browser_for(world.author)
    form = {
        "csrf_token": browser.csrf,
        "title": "Cyber diplomacy course",
        "summary": "Diplomats learn the UN norms.",
        "status": "planned",
        "sectoral_body": "ADGMIN",
        "beneficiary_states": ["MY", "SG"],
        "themes": ["policy_strategy"],
        "norms": ["a", "e"],
        "funders": "Japan\nSingapore",
        "tlp": "TLP:CLEAR",
    }
    response = browser.client.post("/initiatives/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    page = browser.client.get(location)
    assert page.status_code == 200
    assert "Cyber diplomacy course" in page.text
    assert "Japan; Singapore" in page.text
    bad = browser.client.post(
        "/initiatives/new", data={**form, "end_on": "2020-01-01", "start_on": "2021-01-01"}
    )
    assert bad.status_code == 422
    assert "must not be before the start date" in bad.text
    edit = browser.client.get(f"{location}/edit")
    assert edit.status_code == 200
    assert 'value="Cyber diplomacy course"' in edit.text
    listing = browser.client.get("/initiatives", params={"norm": "e"})
    assert "Cyber diplomacy course" in listing.text
    assert browser.client.post(
        "/initiatives/new", data={**form, "csrf_token": "wrong"}
    ).status_code in (400, 403)


def test_the_page_form_takes_beneficiaries_outside_asean_like_the_api(
    db: Session, world: World, browser_for: BrowserFor, bodies: dict[str, SectoralBody]
) -> None:
    browser = browser_for(world.author)
    form = {
        "csrf_token": browser.csrf,
        "title": "Cyber diplomacy course",
        "status": "planned",
        "beneficiary_states": ["MY"],
        "other_beneficiaries": "Japan\nPacific Islands; Republic of Korea",
        "tlp": "TLP:GREEN",
    }
    too_long = browser.client.post(
        "/initiatives/new", data={**form, "other_beneficiaries": "Japan\n" + "x" * 201}
    )
    assert too_long.status_code == 422
    assert '<p class="field-error" id="other_beneficiaries-error">' in too_long.text
    assert "Use at most 200 characters (you entered 201)." in too_long.text
    assert "Japan\n" + "x" * 201 + "</textarea>" in too_long.text  # the input is kept
    assert db.scalar(select(Initiative.id)) is None  # nothing written
    created = browser.client.post("/initiatives/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    initiative = db.get(Initiative, location.rsplit("/", 1)[1])
    assert initiative is not None
    assert initiative.other_beneficiaries == ["Japan", "Pacific Islands", "Republic of Korea"]
    assert "Japan; Pacific Islands; Republic of Korea" in browser.client.get(location).text
    edit = browser.client.get(f"{location}/edit")
    assert "Japan\nPacific Islands\nRepublic of Korea</textarea>" in edit.text
    saved = browser.client.post(
        f"{location}/edit",
        data={**form, "other_beneficiaries": "Japan", "version": str(initiative.version)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    db.refresh(initiative)
    assert initiative.other_beneficiaries == ["Japan"]
