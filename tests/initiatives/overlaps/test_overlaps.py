"""Duplicate detection on registration, reasons, review, the regional view and visibility."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.community.models import SectoralBody
from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/initiatives"


def test_a_new_initiative_is_checked_and_the_candidate_says_why(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    first = register(**TRAINING)
    unrelated = register(
        **{
            **TRAINING,
            "title": "Child online protection awareness",
            "summary": "Teachers and parents.",
            "activities": "School kits.",
            "themes": ["culture_skills"],
            "sectoral_body": "SOMTC-WG-CC",
        }
    )
    other_year = register(**{**TRAINING, "start_on": "2028-03-01", "end_on": "2028-06-30"})
    second = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    headers = token_for(world.coordinator)
    found = client.get(f"{API}/{second.id}/overlaps", headers=headers).json()
    assert [o["first_id"] in (first.id,) or o["second_id"] == first.id for o in found] == [True]
    reasons = found[0]["reasons"]
    assert reasons["shared_states"] == ["MY", "PH"]
    assert reasons["different_bodies"] is True
    assert reasons["overlap_from"] == "2026-04"
    assert reasons["overlap_to"] == "2026-05"
    assert "incident response" in reasons["shared_terms"]
    assert any("different sectoral bodies" in s for s in reasons["sentences"])
    ids = {o["first_id"] for o in found} | {o["second_id"] for o in found}
    assert unrelated.id not in ids
    assert other_year.id not in ids


def test_review_confirm_dismiss_and_regional_view(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    coordinator = token_for(world.coordinator)
    listed = client.get(f"{API}/overlaps", headers=coordinator).json()["items"]
    assert len(listed) == 1
    overlap = listed[0]
    url = f"{API}/overlaps/{overlap['id']}/review"
    author = token_for(world.author)
    assert (
        client.post(url, json={"version": 1, "status": "dismissed"}, headers=author).status_code
        == 403
    )
    missing_reason = client.post(
        url,
        json={"version": 1, "status": "confirmed", "decision": "keep_separate"},
        headers=coordinator,
    )
    assert missing_reason.status_code == 422
    assert "reason" in missing_reason.text
    confirmed = client.post(
        url,
        json={"version": 1, "status": "confirmed", "decision": "coordinate"},
        headers=coordinator,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["decision"] == "coordinate"
    stale = client.post(url, json={"version": 1, "status": "dismissed"}, headers=coordinator)
    assert stale.status_code == 409
    regional = client.get(f"{API}/overlaps/regional", headers=coordinator).json()
    assert regional == [
        {
            "first_body": "ADGMIN",
            "second_body": "ARF-ISM-ICTS",
            "confirmed": 1,
            "merge": 0,
            "coordinate": 1,
            "keep_separate": 0,
        }
    ]
    assert client.get(f"{API}/overlaps", headers=coordinator).json()["items"] == []
    assert (
        len(
            client.get(f"{API}/overlaps", params={"status": "all"}, headers=coordinator).json()[
                "items"
            ]
        )
        == 1
    )


def test_an_overlap_is_seen_only_by_readers_of_both_initiatives(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    register(**{**TRAINING, "tlp": "TLP:AMBER"})
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    author = client.get(f"{API}/overlaps", headers=token_for(world.author)).json()["items"]
    assert len(author) == 1
    overlap_id = author[0]["id"]
    for reader in (world.other_state, world.coordinator, world.external):
        headers = token_for(reader)
        assert client.get(f"{API}/overlaps", headers=headers).json()["items"] == []
        assert client.get(f"{API}/overlaps/{overlap_id}", headers=headers).status_code == 404
        assert client.get(f"{API}/overlaps/regional", headers=headers).json() == []
    assert client.get(f"{API}/overlaps/{overlap_id}").status_code == 404


def test_editing_withdraws_an_open_overlap_that_no_longer_holds(
    client: TestClient, db: Session, world: World, token_for: TokenFor, register: Register
) -> None:
    first = register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    headers = token_for(world.author)
    assert len(client.get(f"{API}/{first.id}/overlaps", headers=headers).json()) == 1
    moved = client.patch(
        f"{API}/{first.id}",
        json={"version": first.version, "beneficiary_states": ["SG"]},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    assert client.get(f"{API}/{first.id}/overlaps", headers=headers).json() == []


def test_review_in_the_browser(
    db: Session,
    world: World,
    browser_for: BrowserFor,
    register: Register,
    bodies: dict[str, SectoralBody],
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    db.commit()
    browser = browser_for(world.coordinator)
    listing = browser.client.get("/initiatives/overlaps")
    assert listing.status_code == 200
    assert "Run by different sectoral bodies" in listing.text
    overlap_id = re.findall(r'href="/initiatives/overlaps/([0-9a-f-]{36})"', listing.text)[0]
    page = browser.client.get(f"/initiatives/overlaps/{overlap_id}")
    assert "Confirm the overlap" in page.text
    form = {
        "csrf_token": browser.csrf,
        "version": "1",
        "action": "confirm",
        "decision": "",
        "reason": "",
    }
    refused = browser.client.post(f"/initiatives/overlaps/{overlap_id}/review", data=form)
    assert refused.status_code == 422
    assert "decision" in refused.text
    form["decision"] = "merge"
    done = browser.client.post(
        f"/initiatives/overlaps/{overlap_id}/review", data=form, follow_redirects=False
    )
    assert done.status_code == 303
    regional = browser.client.get("/initiatives/overlaps/regional")
    assert "ARF-ISM-ICTS" in regional.text
