"""Assessments: who records and edits them, who sees them at each visibility, bad input."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import Role
from aseancyber.norms import service
from aseancyber.norms.models import AssessmentStatus, NormAssessmentVersion, Visibility
from aseancyber.norms.reference import load_norms
from aseancyber.norms.schemas import AssessmentCreate
from tests.factories import actor
from tests.norms.conftest import NormsWorld
from tests.readers import TokenFor

API = "/api/v1/norms/assessments"


def body(action_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "status": "in_progress",
        "evidence": "Cybersecurity Act 2018 in force; sector codes of practice issued.",
        "links": ["https://www.example.org/act"],
        "responsible_agency": "Cyber Security Agency",
        "assessed_on": "2026-03-01",
        "visibility": "state",
        **changes,
    }


def test_catalogue_has_eleven_norms_with_three_to_six_actions(
    client: TestClient, norms: NormsWorld
) -> None:
    listed = client.get("/api/v1/norms").json()
    assert [n["letter"] for n in listed] == list("abcdefghijk")
    assert all(3 <= len(n["actions"]) <= 6 for n in listed)
    assert client.get("/norms").status_code == 200


def test_a_state_records_its_assessment_and_the_history_starts(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    created = client.post(API, json=body(norms.actions[0].id), headers=token_for(w.author))
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["member_state_iso2"] == "SG"
    assert data["tlp"] == "TLP:AMBER"
    history = client.get(f"{API}/{data['id']}/history", headers=token_for(w.author)).json()
    assert [v["version"] for v in history] == [1]
    again = client.post(API, json=body(norms.actions[0].id), headers=token_for(w.author))
    assert again.status_code == 409


VISIBLE: dict[str, set[str]] = {
    # reader -> visibilities they see, for an assessment recorded by the author (SG)
    "author": {"state", "secretariat", "member_states", "public"},
    "ministry_viewer": {"state", "secretariat", "member_states", "public"},
    "coordinator": {"secretariat", "member_states", "public"},
    "other_state": {"member_states", "public"},
    "external": {"public"},
    "anonymous": {"public"},
}


@pytest.mark.parametrize("reader_name", sorted(VISIBLE))
def test_each_visibility_reaches_exactly_its_readers_everywhere(
    reader_name: str, client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    ids = {}
    for index, visibility in enumerate(("state", "secretariat", "member_states", "public")):
        data = AssessmentCreate.model_validate(body(norms.actions[index].id, visibility=visibility))
        ids[visibility] = service.create(db, actor=actor(w.author), data=data).id
    db.commit()
    user = {
        "author": w.author,
        "ministry_viewer": norms.ministry_viewer,
        "coordinator": w.coordinator,
        "other_state": w.other_state,
        "external": w.external,
        "anonymous": None,
    }[reader_name]
    headers = token_for(user) if user is not None else {}
    expected = {ids[v] for v in VISIBLE[reader_name]}

    listed = client.get(API, headers=headers).json()["items"]
    assert {item["id"] for item in listed} == expected
    exported = client.get(f"{API}/export?format=json", headers=headers).json()
    assert {item["id"] for item in exported["items"]} == expected
    assert exported["count"] == len(expected)
    csv_text = client.get(f"{API}/export?format=csv", headers=headers).text
    assert {i for i in ids.values() if i in csv_text} == expected
    for visibility, assessment_id in ids.items():
        status = client.get(f"{API}/{assessment_id}", headers=headers).status_code
        history = client.get(f"{API}/{assessment_id}/history", headers=headers).status_code
        assert (status, history) == ((200, 200) if assessment_id in expected else (404, 404)), (
            visibility
        )

    # The heat map counts exactly the visible ones, and the hidden never as zero.
    heat = client.get("/api/v1/norms/heatmap", headers=headers).json()
    singapore = next(s for s in heat["states"] if s["member_state_iso2"] == "SG")
    shared = sum(c.get("assessments_shared", 0) for c in singapore["cells"].values())
    assert shared == len(expected)
    survey = client.get("/api/v1/norms/states/SG/survey", headers=headers).json()
    in_survey = sum(len(part["actions"]) for part in survey["part_2_norms"])
    assert in_survey == len(expected)


def test_another_state_cannot_edit_and_hidden_is_404(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    author = actor(w.author)
    green = service.create(
        db,
        actor=author,
        data=AssessmentCreate.model_validate(body(norms.actions[0].id, visibility="member_states")),
    )
    amber = service.create(
        db, actor=author, data=AssessmentCreate.model_validate(body(norms.actions[1].id))
    )
    db.commit()
    other = token_for(w.other_state)
    change = {"version": 1, "status": "implemented"}
    assert client.patch(f"{API}/{green.id}", json=change, headers=other).status_code == 403
    assert client.patch(f"{API}/{amber.id}", json=change, headers=other).status_code == 404
    # The Secretariat sees a shared assessment but never edits it.
    coordinator = token_for(w.coordinator)
    assert client.patch(f"{API}/{green.id}", json=change, headers=coordinator).status_code == 403
    # Another government organisation of the same state may edit it, but not widen it.
    ministry = token_for(norms.ministry_user)
    edited = client.patch(f"{API}/{amber.id}", json=change, headers=ministry)
    assert edited.status_code == 200, edited.text
    widened = client.patch(
        f"{API}/{amber.id}", json={"version": 2, "visibility": "public"}, headers=ministry
    )
    assert widened.status_code == 422
    assert widened.json()["errors"][0]["field"] == "visibility"
    # A viewer of the state's own organisation reads but does not write.
    viewer = token_for(norms.ministry_viewer)
    assert client.patch(f"{API}/{amber.id}", json=change, headers=viewer).status_code == 403
    # A vendor with the contributor role has no state to assess.
    vendor = client.post(API, json=body(norms.actions[2].id), headers=token_for(w.external))
    assert vendor.status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": None}, "status"),
        ({"assessed_on": "yesterday"}, "assessed_on"),
        ({"assessed_on": None}, "assessed_on"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"links": ["https://example.org"] * 21}, "links"),
        ({"visibility": "custom"}, "visibility"),
        ({"visibility": "everyone"}, "visibility"),
        ({"action_id": "no-such-action"}, "action_id"),
        ({"evidence": "bad \x00 byte"}, "evidence"),
        ({"evidence": "x" * 20_001}, "evidence"),
        ({"responsible_agency": "a" * 201}, "responsible_agency"),
        ({"member_state_id": "someone-else"}, "member_state_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    changes: dict[str, Any],
    field: str,
    client: TestClient,
    norms: NormsWorld,
    token_for: TokenFor,
) -> None:
    merged = {**body(norms.actions[0].id), **changes}
    data = {k: v for k, v in merged.items() if v is not None}
    response = client.post(API, json=data, headers=token_for(norms.world.author))
    assert response.status_code == 422, response.text
    assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}
    assert client.get(API, headers=token_for(norms.world.author)).json()["items"] == []


def test_stale_version_is_409_and_nothing_is_written(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    headers = token_for(norms.world.author)
    created = client.post(API, json=body(norms.actions[0].id), headers=headers).json()
    path = f"{API}/{created['id']}"
    first = client.patch(path, json={"version": 1, "status": "implemented"}, headers=headers)
    assert first.status_code == 200
    stale = client.patch(path, json={"version": 1, "status": "planned"}, headers=headers)
    assert stale.status_code == 409
    assert client.get(path, headers=headers).json()["status"] == "implemented"
    assert len(client.get(f"{path}/history", headers=headers).json()) == 2
    empty = client.patch(path, json={"version": 2, "status": None}, headers=headers)
    assert empty.status_code == 422
    unchanged = client.patch(path, json={"version": 2}, headers=headers)
    assert unchanged.status_code == 200
    assert len(client.get(f"{path}/history", headers=headers).json()) == 2


def test_changing_visibility_moves_the_label_and_audience(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    headers = token_for(w.author)
    created = client.post(API, json=body(norms.actions[0].id), headers=headers).json()
    path = f"{API}/{created['id']}"
    coordinator = token_for(w.coordinator)
    assert client.get(path, headers=coordinator).status_code == 404
    moved = client.patch(path, json={"version": 1, "visibility": "secretariat"}, headers=headers)
    assert moved.json()["tlp"] == "TLP:AMBER"
    assert client.get(path, headers=coordinator).status_code == 200
    assert client.get(path, headers=token_for(w.other_state)).status_code == 404
    public = client.patch(path, json={"version": 2, "visibility": "public"}, headers=headers)
    assert public.json()["tlp"] == "TLP:CLEAR"
    assert client.get(path).status_code == 200
    narrowed = client.patch(path, json={"version": 3, "visibility": "state"}, headers=headers)
    assert narrowed.json()["visibility"] == Visibility.STATE.value
    assert client.get(path).status_code == 404
    # The history is read under the present choice: the public past is no longer public.
    assert client.get(f"{path}/history").status_code == 404
    versions = db.query(NormAssessmentVersion).filter_by(assessment_id=created["id"]).count()
    assert versions == 4


def test_regional_coordinators_edit_the_catalogue_and_a_reload_keeps_it(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    coordinator = token_for(norms.world.coordinator)
    added = client.post(
        "/api/v1/norms/actions",
        json={
            "norm_letter": "h",
            "title": "Run a yearly drill of assistance requests",
            "level": "regional",
        },
        headers=coordinator,
    )
    assert added.status_code == 201, added.text
    assert added.json()["code"] == "h.5"
    first = norms.actions[0]
    edited = client.patch(
        f"/api/v1/norms/actions/{first.id}",
        json={"version": first.version, "title": "Reworded by the coordinator"},
        headers=coordinator,
    )
    assert edited.status_code == 200
    load_norms(db)
    db.refresh(first)
    assert first.title == "Reworded by the coordinator"
    refused = client.post(
        "/api/v1/norms/actions",
        json={"norm_letter": "h", "title": "X", "level": "regional"},
        headers=token_for(norms.world.author),
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/norms/actions",
        json={"norm_letter": "z", "title": "", "level": "global"},
        headers=coordinator,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"norm_letter", "title", "level"}


def test_assessment_status_scores_are_ordered() -> None:
    scores = [s.score for s in AssessmentStatus if s.score is not None]
    assert scores == sorted(scores)
    assert AssessmentStatus.NOT_APPLICABLE.score is None
    assert Role.REGIONAL_COORDINATOR  # the role that edits the catalogue exists
