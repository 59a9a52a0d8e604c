"""Drafting, versions, diffs, comments, proposed edits and consensus through the REST API."""

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.notify.models import Notification, NotificationKind
from aseancyber.positions.models import PositionVersion
from tests.positions.conftest import Delegation
from tests.readers import TokenFor, World

API = "/api/v1/positions"
TEXT = [
    "ASEAN reaffirms that international law applies to cyberspace.",
    "ASEAN supports the eleven voluntary norms of responsible State behaviour.",
    "ASEAN calls for capacity building that is demand-driven.",
]


def _draft(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, Any]:
    body = {"title": "ASEAN statement to the OEWG", "paragraphs": TEXT, "tlp": "TLP:GREEN"}
    response = client.post(API, json={**body, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _answer(
    client: TestClient,
    headers: dict[str, str],
    position_id: object,
    version: int,
    kind: str = "endorse",
    **extra: object,
) -> httpx.Response:
    return client.post(
        f"{API}/{position_id}/responses",
        json={"version_number": version, "kind": kind, **extra},
        headers=headers,
    )


def test_draft_comment_propose_accept_and_reach_consensus(
    client: TestClient,
    db: Session,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
) -> None:
    drafter = token_for(world.coordinator)
    position = _draft(client, drafter, occasion="OEWG, July 2026")
    pid = position["id"]
    text = position["text"]
    assert isinstance(text, dict)
    keys = [p["key"] for p in text["paragraphs"]]
    assert position["board"]["states"] == len(delegations) == 5

    my = delegations["MY"]
    comment = client.post(
        f"{API}/{pid}/comments",
        json={"text": "Name the UN framework explicitly.", "paragraph_key": keys[0]},
        headers=token_for(my.clerk),
    )
    assert comment.status_code == 201, comment.text
    proposal = client.post(
        f"{API}/{pid}/proposals",
        json={
            "kind": "replace",
            "paragraph_key": keys[0],
            "proposed_text": (
                "ASEAN reaffirms that international law, and in particular the UN Charter, "
                "applies to cyberspace."
            ),
            "rationale": "Align with the 2015 GGE report.",
        },
        headers=token_for(my.clerk),
    ).json()

    # Two states endorse version 1 before the edit is accepted.
    for iso in ("SG", "MY"):
        assert _answer(client, token_for(delegations[iso].delegate), pid, 1).status_code == 201

    accepted = client.post(
        f"{API}/{pid}/proposals/{proposal['id']}/accept", json={}, headers=drafter
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["number"] == 2
    assert accepted.json()["paragraphs"][0]["key"] == keys[0]  # the paragraph keeps its key

    board = client.get(f"{API}/{pid}/board", headers=drafter).json()
    states = {row["iso2"]: row["state"] for row in board["rows"]}
    assert states["SG"] == states["MY"] == "endorsed_old_version"
    assert board["endorsed_current"] == 0
    assert not board["consensus"]

    # An endorsement of the superseded version cannot count: it is refused.
    stale = _answer(client, token_for(delegations["TH"].delegate), pid, 1)
    assert stale.status_code == 409
    assert "superseded" in stale.json()["detail"]

    # Diff between the versions marks the deletion and insertion.
    diff = client.get(f"{API}/{pid}/diff", params={"from": 1, "to": 2}, headers=drafter).json()
    assert diff["changes"] == 1
    assert "<ins>" in diff["html"]
    assert "UN Charter" in diff["html"]

    isos = sorted(delegations)
    for iso in isos[:-1]:
        assert (
            _answer(client, token_for(delegations[iso].agency_delegate), pid, 2).status_code == 201
        )
    assert client.get(f"{API}/{pid}", headers=drafter).json()["status"] == "drafting"
    last = _answer(client, token_for(delegations[isos[-1]].delegate), pid, 2)
    assert last.status_code == 201
    adopted = client.get(f"{API}/{pid}", headers=drafter).json()
    assert adopted["status"] == "adopted"
    assert adopted["adopted_version"] == 2
    assert adopted["board"]["consensus"]

    # Editing after adoption is refused; a new position may be started from it.
    refused = client.post(
        f"{API}/{pid}/versions", json={"based_on": 2, "paragraphs": ["New text"]}, headers=drafter
    )
    assert refused.status_code == 409
    assert "Start a new position" in refused.json()["detail"]
    derived = client.post(f"{API}/{pid}/derive", json={}, headers=drafter)
    assert derived.status_code == 201
    assert derived.json()["derived_from_id"] == pid
    assert derived.json()["text"]["paragraphs"][0]["text"].endswith("applies to cyberspace.")

    pdf = client.get(f"{API}/{pid}/adopted", params={"format": "pdf"}, headers=drafter)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    html = client.get(f"{API}/{pid}/adopted", params={"format": "html"}, headers=drafter).text
    for delegation in delegations.values():
        assert delegation.state.name in html
    assert "Date of consensus" in html

    kinds = db.scalars(
        select(Notification.title).where(
            Notification.user_id == world.coordinator.id,
            Notification.kind == NotificationKind.POSITION,
        )
    ).all()
    assert any("Consensus reached" in title for title in kinds)
    assert (
        db.scalar(select(PositionVersion.id).where(PositionVersion.position_id == pid)) is not None
    )


def test_who_may_answer(
    client: TestClient, world: World, delegations: dict[str, Delegation], token_for: TokenFor
) -> None:
    pid = _draft(client, token_for(world.author))["id"]
    sg, my = delegations["SG"], delegations["MY"]
    on_behalf = _answer(client, token_for(sg.delegate), pid, 1, member_state_id=my.state.id)
    assert on_behalf.status_code == 403
    assert "another member state" in on_behalf.json()["detail"]
    # A contributor of the ministry, a CERT contributor and the Secretariat may not answer.
    for user in (sg.clerk, world.author, world.coordinator):
        assert _answer(client, token_for(user), pid, 1).status_code == 403
    # A reservation needs its text; the newest answer of a state is the one that stands.
    assert _answer(client, token_for(sg.delegate), pid, 1, "reservation").status_code == 422
    assert (
        _answer(
            client, token_for(sg.delegate), pid, 1, "reservation", text="Paragraph 2 needs work"
        ).status_code
        == 201
    )
    assert _answer(client, token_for(sg.agency_delegate), pid, 1).status_code == 201
    rows = {
        r["iso2"]: r
        for r in client.get(f"{API}/{pid}/board", headers=token_for(sg.delegate)).json()["rows"]
    }
    assert rows["SG"]["state"] == "endorsed"
    assert rows["TH"]["state"] == "no_response"
    assert _answer(client, token_for(sg.delegate), pid, 7).status_code == 422
    history = client.get(f"{API}/{pid}/responses", headers=token_for(sg.delegate)).json()
    assert [h["kind"] for h in history] == ["endorse", "reservation"]


def test_stale_revision_conflicts_and_bad_input_is_refused(
    client: TestClient, world: World, token_for: TokenFor, delegations: dict[str, Delegation]
) -> None:
    drafter = token_for(world.author)
    pid = _draft(client, drafter, deadline=datetime(2026, 12, 1, tzinfo=UTC).isoformat())["id"]
    ok = client.post(
        f"{API}/{pid}/versions",
        json={"based_on": 1, "paragraphs": [*TEXT, "More."]},
        headers=drafter,
    )
    assert ok.status_code == 201
    stale = client.post(
        f"{API}/{pid}/versions", json={"based_on": 1, "paragraphs": ["Other."]}, headers=drafter
    )
    assert stale.status_code == 409
    same = client.post(
        f"{API}/{pid}/versions",
        json={"based_on": 2, "paragraphs": [*TEXT, "More."]},
        headers=drafter,
    )
    assert same.status_code == 422
    other = client.post(
        f"{API}/{pid}/versions",
        json={"based_on": 2, "paragraphs": ["x"]},
        headers=token_for(world.other_state),
    )
    assert other.status_code == 403
    for body in (
        {"title": "x", "paragraphs": []},
        {"title": "x\x00", "paragraphs": ["a"]},
        {"title": "x", "paragraphs": ["a"], "unknown": 1},
        {"title": "x" * 301, "paragraphs": ["a"]},
        {"title": "x", "paragraphs": ["a"], "tlp": "TLP:RED"},
    ):
        assert client.post(API, json=body, headers=drafter).status_code == 422, body
    assert (
        client.post(
            API, json={"title": "x", "paragraphs": ["a"]}, headers=token_for(world.external)
        ).status_code
        == 403
    )
    assert client.get(f"{API}/{pid}/versions/9", headers=drafter).status_code == 404
    assert (
        client.get(f"{API}/{pid}/diff", params={"from": 1, "to": 9}, headers=drafter).status_code
        == 404
    )
    versions = client.get(f"{API}/{pid}/versions", headers=drafter).json()
    assert [v["number"] for v in versions] == [1, 2]
    assert (
        client.post(
            f"{API}/{pid}/proposals",
            json={"kind": "replace", "paragraph_key": "nope", "proposed_text": "x"},
            headers=drafter,
        ).status_code
        == 422
    )
