"""ASEAN consensus as "no objection": a position adopted by a silence procedure (API, pages
and the scheduled job), reservations recorded in the adopted text, an objection breaking the
silence, adoption ad referendum, and the stricter unanimous mode."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.jobs.service import InUnits
from aseancyber.manifests import JOB_HANDLERS as HANDLERS
from aseancyber.manifests import PERIODIC_JOBS as PERIODIC
from aseancyber.positions import silence
from aseancyber.positions.manifest import DEADLINES as POSITION_DEADLINES
from tests.positions.conftest import Delegation
from tests.readers import BrowserFor, TokenFor, World

API = "/api/v1/positions"
T0 = datetime(2026, 12, 1, 1, tzinfo=UTC)
TEXT = [
    "ASEAN reaffirms that international law applies to cyberspace.",
    "ASEAN supports the eleven voluntary norms of responsible State behaviour.",
]


def _at(moment: datetime) -> None:
    set_clock(lambda: moment)


def _draft(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, Any]:
    body = {"title": "ASEAN statement to the OEWG", "paragraphs": TEXT, **fields}
    response = client.post(API, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _answer(
    client: TestClient, headers: dict[str, str], pid: str, kind: str = "endorse", text: str = ""
) -> httpx.Response:
    return client.post(
        f"{API}/{pid}/responses",
        json={"version_number": 1, "kind": kind, "text": text},
        headers=headers,
    )


def _settle(db: Session) -> None:
    handler = HANDLERS[POSITION_DEADLINES]
    assert not isinstance(handler, InUnits)  # it works in the job's own transaction
    handler(db, {})
    db.expire_all()


def test_a_position_adopted_by_silence_with_a_reservation(
    *,
    client: TestClient,
    db: Session,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    _at(T0)
    drafter = token_for(world.coordinator)  # the Secretariat's regional coordinator
    position = _draft(client, drafter)
    pid = position["id"]
    assert position["consensus_mode"] == "silence"  # the default for new positions
    sg, my = delegations["SG"], delegations["MY"]
    assert _answer(client, token_for(sg.delegate), pid).status_code == 201
    reserved = _answer(
        client,
        token_for(my.delegate),
        pid,
        "reservation",
        "Malaysia reads paragraph 2 as voluntary.",
    )
    assert reserved.status_code == 201

    # Bad input and the wrong people are refused, each with a clear reason.
    url = f"{API}/{pid}/silence"
    naive = client.post(
        url, json={"version_number": 1, "deadline": "2026-12-05T17:00"}, headers=drafter
    )
    assert naive.status_code == 422
    past = {"version_number": 1, "deadline": "2026-11-30T17:00:00+08:00"}
    assert client.post(url, json=past, headers=drafter).status_code == 422
    body = {"version_number": 1, "deadline": "2026-12-05T17:00:00+08:00"}
    assert client.post(url, json=body, headers=token_for(world.author)).status_code == 403
    assert client.post(url, json=body, headers=token_for(sg.delegate)).status_code == 403

    opened = client.post(url, json=body, headers=drafter)
    assert opened.status_code == 201, opened.text
    deadline = datetime(2026, 12, 5, 9, tzinfo=UTC)
    assert datetime.fromisoformat(opened.json()["deadline"]) == deadline
    assert opened.json()["status"] == "open"
    assert client.post(url, json=body, headers=drafter).status_code == 409  # one at a time
    revised = client.post(
        f"{API}/{pid}/versions", json={"based_on": 1, "paragraphs": ["Other."]}, headers=drafter
    )
    assert revised.status_code == 409
    assert "silence procedure" in revised.json()["detail"]

    # Each reader sees the deadline in their own time zone.
    jakarta = delegations["ID"].delegate
    jakarta.time_zone = "Asia/Jakarta"
    db.flush()
    page = browser_for(jakarta).client.get(f"/positions/{pid}")
    assert "05 Dec 2026 16:00 WIB" in page.text
    page = browser_for(sg.delegate).client.get(f"/positions/{pid}")
    assert "05 Dec 2026 17:00" in page.text
    assert "count as not objecting" in page.text

    # Before the deadline the job has nothing to do; after it, it adopts once.
    assert POSITION_DEADLINES in {periodic.kind for periodic in PERIODIC}
    _at(deadline - timedelta(minutes=1))
    assert not silence.has_due(db)
    _settle(db)
    assert client.get(f"{API}/{pid}", headers=drafter).json()["status"] == "drafting"
    _at(deadline + timedelta(minutes=3))
    assert silence.has_due(db)
    _settle(db)
    _settle(db)  # idempotent: a second run changes nothing
    assert not silence.has_due(db)

    read = client.get(f"{API}/{pid}", headers=token_for(sg.delegate)).json()
    assert read["status"] == "adopted"
    assert read["adoption_basis"] == "silence"
    assert datetime.fromisoformat(read["adopted_at"]) == deadline
    assert read["silence"]["status"] == "passed"
    assert [r["member_state_name"] for r in read["reservations"]] == [my.state.name]
    assert read["board"]["endorsed_current"] == 1
    late = _answer(client, token_for(delegations["TH"].delegate), pid, "objection", "Too late.")
    assert late.status_code == 409

    page = browser_for(sg.delegate).client.get(f"/positions/{pid}")
    assert "Adopted by silence procedure" in page.text
    assert "Reservations (" in page.text
    adopted = client.get(f"{API}/{pid}/adopted?format=html", headers=drafter)
    assert adopted.status_code == 200
    assert "silence procedure" in adopted.text
    assert "<h2>Reservations</h2>" in adopted.text
    assert "Malaysia reads paragraph 2 as voluntary." in adopted.text
    exported = client.get(f"{API}/export", headers=drafter).json()
    mine = next(item for item in exported["items"] if item["id"] == pid)
    assert mine["reservations"][0]["text"] == "Malaysia reads paragraph 2 as voluntary."


def test_an_objection_before_the_deadline_breaks_the_silence(
    *,
    client: TestClient,
    db: Session,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    _at(T0)
    drafter = token_for(world.coordinator)
    pid = _draft(client, drafter)["id"]
    body = {"version_number": 1, "deadline": "2026-12-03T12:00:00+07:00"}
    assert client.post(f"{API}/{pid}/silence", json=body, headers=drafter).status_code == 201
    th = delegations["TH"]
    _at(T0 + timedelta(hours=5))
    objection = _answer(client, token_for(th.delegate), pid, "objection", "Paragraph 1 is new.")
    assert objection.status_code == 201

    procedures = client.get(f"{API}/{pid}/silence", headers=drafter).json()
    assert procedures[0]["status"] == "broken"
    assert procedures[0]["broken_by_member_state_name"] == th.state.name
    assert procedures[0]["broken_reason"] == "Paragraph 1 is new."
    assert procedures[0]["broken_by_name"] == th.delegate.display_name
    assert datetime.fromisoformat(procedures[0]["closed_at"]) == T0 + timedelta(hours=5)
    page = browser_for(world.coordinator).client.get(f"/positions/{pid}")
    assert "Broken</strong> by " + th.state.name in page.text

    _at(T0 + timedelta(days=5))
    _settle(db)
    assert client.get(f"{API}/{pid}", headers=drafter).json()["status"] == "drafting"
    # A standing objection refuses a new silence, naming the state.
    body = {"version_number": 1, "deadline": "2026-12-09T12:00:00+07:00"}
    refused = client.post(f"{API}/{pid}/silence", json=body, headers=drafter)
    assert refused.status_code == 409
    assert th.state.name in refused.json()["detail"]


def test_adoption_ad_referendum_confirmed_withdrawn_and_by_silence(
    *,
    client: TestClient,
    db: Session,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
    browser_for: BrowserFor,
) -> None:
    _at(T0)
    drafter = token_for(world.coordinator)
    pid = _draft(client, drafter)["id"]
    url = f"{API}/{pid}/ad-referendum"
    body = {"version_number": 1, "confirmation_deadline": "2026-12-15T17:00:00+08:00"}
    assert client.post(url, json=body, headers=token_for(world.author)).status_code == 403
    adopted = client.post(url, json=body, headers=drafter)
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["status"] == "adopted"
    assert adopted.json()["adoption_basis"] == "ad_referendum"
    assert adopted.json()["referendum"]["status"] == "pending"

    sg, my = delegations["SG"], delegations["MY"]
    confirmations = f"{API}/{pid}/confirmations"
    ok = client.post(confirmations, json={"kind": "confirm"}, headers=token_for(sg.delegate))
    assert ok.status_code == 201
    no_reason = client.post(
        confirmations, json={"kind": "withdraw"}, headers=token_for(my.delegate)
    )
    assert no_reason.status_code == 422
    page = browser_for(my.delegate).client.get(f"/positions/{pid}")
    assert "awaiting confirmation by capitals" in page.text
    assert "Answer for the capital of " + my.state.name in page.text
    html = client.get(f"{API}/{pid}/adopted?format=html", headers=drafter).text
    assert "Adopted ad referendum" in html

    # A capital withdraws: the adoption ends and the position is drafted again.
    _at(T0 + timedelta(hours=2))
    withdrawn = client.post(
        confirmations,
        json={"kind": "withdraw", "text": "Cabinet asks for changes to paragraph 2."},
        headers=token_for(my.delegate),
    )
    assert withdrawn.status_code == 201
    read = client.get(f"{API}/{pid}", headers=drafter).json()
    assert read["status"] == "drafting"
    assert read["referendum"]["status"] == "withdrawn"
    assert read["adopted_version"] is None
    assert [a["kind"] for a in read["referendum"]["answers"]] == ["withdraw", "confirm"]
    assert (
        client.post(
            confirmations, json={"kind": "confirm"}, headers=token_for(sg.delegate)
        ).status_code
        == 409
    )

    # Adopted ad referendum again; in silence mode, no withdrawal by the deadline confirms it.
    body = {"version_number": 1, "confirmation_deadline": "2026-12-20T17:00:00+08:00"}
    assert client.post(url, json=body, headers=drafter).status_code == 200
    _at(datetime(2026, 12, 20, 9, 1, tzinfo=UTC))
    _settle(db)
    read = client.get(f"{API}/{pid}", headers=drafter).json()
    assert read["status"] == "adopted"
    assert read["referendum"]["status"] == "confirmed"
    late = client.post(
        confirmations, json={"kind": "withdraw", "text": "Late."}, headers=token_for(my.delegate)
    )
    assert late.status_code == 409


def test_unanimous_mode_keeps_the_strict_rule(
    client: TestClient,
    db: Session,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
) -> None:
    _at(T0)
    drafter = token_for(world.coordinator)
    pid = _draft(client, drafter, consensus_mode="unanimous")["id"]
    body = {"version_number": 1, "deadline": "2026-12-05T17:00:00+08:00"}
    refused = client.post(f"{API}/{pid}/silence", json=body, headers=drafter)
    assert refused.status_code == 409
    assert "unanimously" in refused.json()["detail"]
    order = sorted(delegations)
    for iso in order[:-1]:
        assert _answer(client, token_for(delegations[iso].delegate), pid).status_code == 201
    last = delegations[order[-1]]
    # A reservation blocks adoption in unanimous mode ...
    assert (
        _answer(client, token_for(last.delegate), pid, "reservation", "Not yet.").status_code == 201
    )
    read = client.get(f"{API}/{pid}", headers=drafter).json()
    assert read["status"] == "drafting"
    assert read["board"]["consensus"] is False
    # ... and an adoption ad referendum needs every capital's confirmation by the deadline.
    body = {"version_number": 1, "confirmation_deadline": "2026-12-10T17:00:00+08:00"}
    assert client.post(f"{API}/{pid}/ad-referendum", json=body, headers=drafter).status_code == 200
    for iso in order[:-1]:
        confirmed = client.post(
            f"{API}/{pid}/confirmations",
            json={"kind": "confirm"},
            headers=token_for(delegations[iso].delegate),
        )
        assert confirmed.status_code == 201
    _at(datetime(2026, 12, 11, tzinfo=UTC))
    _settle(db)
    read = client.get(f"{API}/{pid}", headers=drafter).json()
    assert read["referendum"]["status"] == "lapsed"
    assert read["status"] == "drafting"


def test_in_silence_mode_every_state_answering_without_objection_adopts_at_once(
    client: TestClient,
    world: World,
    delegations: dict[str, Delegation],
    token_for: TokenFor,
) -> None:
    _at(T0)
    drafter = token_for(world.coordinator)
    pid = _draft(client, drafter)["id"]
    order = sorted(delegations)
    for iso in order[:-1]:
        assert _answer(client, token_for(delegations[iso].delegate), pid).status_code == 201
    reserved = _answer(
        client, token_for(delegations[order[-1]].delegate), pid, "reservation", "On paragraph 2."
    )
    assert reserved.status_code == 201
    read = client.get(f"{API}/{pid}", headers=drafter).json()
    assert read["status"] == "adopted"
    assert read["adoption_basis"] == "endorsement"
    assert len(read["reservations"]) == 1
