"""History ("as of" and diff), the heat map's hidden cells, the chart, pages and exports."""

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.db import set_clock
from aseancyber.norms import regional, service
from aseancyber.norms.models import AssessmentStatus
from aseancyber.norms.schemas import AssessmentCreate, AssessmentUpdate
from tests.factories import actor
from tests.norms.conftest import NormsWorld
from tests.readers import BrowserFor, TokenFor

API = "/api/v1/norms"


def at(day: str) -> None:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    set_clock(lambda: moment)


def record(db: Session, norms: NormsWorld, index: int, **values: Any) -> str:
    data = {
        "action_id": norms.actions[index].id,
        "status": "planned",
        "assessed_on": "2024-03-01",
        "visibility": "member_states",
        **values,
    }
    return service.create(
        db, actor=actor(norms.world.author), data=AssessmentCreate.model_validate(data)
    ).id


def change(db: Session, norms: NormsWorld, assessment_id: str, **values: Any) -> None:
    current = service.get_or_404(db, reader=actor(norms.world.author), assessment_id=assessment_id)
    service.update(
        db,
        actor=actor(norms.world.author),
        assessment_id=assessment_id,
        data=AssessmentUpdate.model_validate({"version": current.version, **values}),
    )


def test_as_of_and_diff_between_two_dates(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    at("2024-03-01T09:00:00")
    first = record(db, norms, 0)
    at("2025-06-01T09:00:00")
    change(db, norms, first, status="in_progress", evidence="Draft bill tabled.")
    second = record(db, norms, 1, status="implemented", assessed_on="2025-06-01")
    at("2026-01-10T09:00:00")
    change(db, norms, first, status="implemented", links=["https://example.org/act"])
    db.commit()
    headers = token_for(norms.world.other_state)

    def statuses(day: str) -> dict[str, str]:
        rows = client.get(f"{API}/states/SG/as-of", params={"date": day}, headers=headers)
        assert rows.status_code == 200, rows.text
        return {row["assessment_id"]: row["status"] for row in rows.json()}

    assert statuses("2024-02-29") == {}
    assert statuses("2024-03-01") == {first: "planned"}
    assert statuses("2025-12-31") == {first: "in_progress", second: "implemented"}
    assert statuses("2026-02-01") == {first: "implemented", second: "implemented"}

    diff = client.get(
        f"{API}/states/SG/diff", params={"from": "2024-12-31", "to": "2026-02-01"}, headers=headers
    ).json()
    by_id = {item["assessment_id"]: item for item in diff["items"]}
    assert by_id[first]["before_version"] == 1
    assert by_id[first]["after_version"] == 3
    fields = {c["field"]: (c["before"], c["after"]) for c in by_id[first]["changes"]}
    assert fields["status"] == ("planned", "implemented")
    assert fields["links"] == ([], ["https://example.org/act"])
    assert by_id[second]["before_version"] is None
    unchanged = client.get(
        f"{API}/states/SG/diff", params={"from": "2026-02-01", "to": "2026-03-01"}, headers=headers
    )
    assert unchanged.json()["items"] == []
    backwards = client.get(
        f"{API}/states/SG/diff", params={"from": "2026-02-01", "to": "2025-01-01"}, headers=headers
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"
    unknown = client.get(
        f"{API}/states/QQ/diff", params={"from": "2026-02-01", "to": "2026-03-01"}, headers=headers
    )
    assert unknown.status_code == 422

    # The heat map as of a date uses the versions recorded by then.
    early = client.get(f"{API}/heatmap", params={"as_of": "2024-06-30"}, headers=headers).json()
    cell = next(s for s in early["states"] if s["member_state_iso2"] == "SG")["cells"]["a"]
    assert cell["statuses"] == {"planned": 1}
    before = client.get(f"{API}/heatmap", params={"as_of": "2023-01-01"}, headers=headers).json()
    cell = next(s for s in before["states"] if s["member_state_iso2"] == "SG")["cells"]["a"]
    assert cell == {"shared": False, "text": "not shared"}

    # Progress: the quarterly series rises as the assessments move forward.
    series = regional.progress(db, reader=actor(norms.world.other_state), today=date(2026, 3, 31))
    region = dict(series[0].points)
    assert region[date(2023, 12, 31)] is None
    assert region[date(2024, 3, 31)] == AssessmentStatus.PLANNED.score
    assert region[date(2026, 3, 31)] == 1.0


def test_hidden_assessments_change_nothing_a_reader_can_see(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    at("2025-01-01T00:00:00")
    record(db, norms, 0, status="implemented")
    db.commit()
    headers = token_for(norms.world.other_state)

    def everything() -> list[Any]:
        heat = client.get(f"{API}/heatmap", headers=headers).json()
        page = client.get("/norms/heatmap", headers=headers).text
        return [
            heat,
            page,
            client.get(f"{API}/assessments", headers=headers).json(),
            client.get(f"{API}/assessments/export?format=csv", headers=headers).text,
            client.get(f"{API}/states/SG/survey", headers=headers).json()["part_2_norms"],
            client.get("/norms/states/SG", headers=headers).text,
            client.get("/norms/assessments", headers=headers).text,
        ]

    seen = everything()
    # Hidden from the other state: own-state and Secretariat-only assessments, in the same
    # norm as the visible one and in others, at both ends of the scale.
    record(db, norms, 1, status="not_started", visibility="state")
    record(db, norms, 2, status="implemented", visibility="secretariat")
    record(db, norms, 10, status="not_started", visibility="state")
    db.commit()
    assert everything() == seen
    heat = seen[0]
    singapore = next(s for s in heat["states"] if s["member_state_iso2"] == "SG")
    assert singapore["cells"]["a"]["level"] == 1.0
    assert singapore["cells"]["c"] == {"shared": False, "text": "not shared"}
    assert "not shared" in seen[1]
    # The state itself sees all of it.
    own = client.get(f"{API}/heatmap", headers=token_for(norms.world.author)).json()
    mine = next(s for s in own["states"] if s["member_state_iso2"] == "SG")
    assert mine["cells"]["a"]["assessments_shared"] == 3


def test_heat_map_page_and_chart_render_without_javascript(
    client: TestClient, db: Session, norms: NormsWorld
) -> None:
    at("2024-05-01T00:00:00")
    record(db, norms, 0, visibility="public")
    at("2025-05-01T00:00:00")
    record(db, norms, 5, visibility="public", status="implemented")
    set_clock(None)
    db.commit()
    page = client.get("/norms/heatmap")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "<polyline" in page.text
    assert "<script" not in page.text
    assert "not shared" in page.text
    assert client.get("/norms/heatmap", params={"as_of": "soon"}).status_code == 422
    assert client.get("/norms/heatmap.json").json()["region_level"] is not None
    profile = client.get("/norms/states/SG")
    assert profile.status_code == 200
    assert "<svg" in profile.text
    assert client.get("/norms/states/QQ").status_code == 404
    changes = client.get(
        "/norms/states/SG/changes", params={"from": "2024-01-01", "to": "2026-01-01"}
    )
    assert changes.status_code == 200
    survey = client.get("/norms/states/SG/survey.json").json()
    assert set(survey) >= {
        "part_1_international_law",
        "part_2_norms",
        "part_3_confidence_building_measures",
        "part_4_capacity_building",
    }


def test_a_policy_officer_assesses_through_the_pages(
    db: Session, norms: NormsWorld, browser_for: BrowserFor
) -> None:
    browser = browser_for(norms.world.author)
    action = norms.actions[3]
    form = browser.client.get(f"/norms/actions/{action.id}/assess")
    assert form.status_code == 200
    posted = {
        "csrf_token": browser.csrf,
        "status": "implemented",
        "assessed_on": "2026-02-02",
        "responsible_agency": "CSA",
        "evidence": "Done.",
        "links": "https://example.org/a\nhttps://example.org/b",
        "visibility": "member_states",
    }
    bad = browser.client.post(
        f"/norms/actions/{action.id}/assess", data={**posted, "assessed_on": "x"}
    )
    assert bad.status_code == 422
    assert "assessed_on" in bad.text
    saved = browser.client.post(
        f"/norms/actions/{action.id}/assess", data=posted, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    location = saved.headers["location"]
    detail = browser.client.get(location)
    assert "https://example.org/b" in detail.text
    assessment_id = location.rsplit("/", 1)[1]
    edit = browser.client.post(
        f"/norms/assessments/{assessment_id}/edit",
        data={**posted, "status": "in_progress", "version": "1"},
        follow_redirects=False,
    )
    assert edit.status_code == 303
    stale = browser.client.post(
        f"/norms/assessments/{assessment_id}/edit",
        data={**posted, "status": "planned", "version": "1"},
    )
    assert stale.status_code == 409
    other = browser_for(norms.world.other_state)
    assert other.client.get(f"/norms/assessments/{assessment_id}/edit").status_code == 403
    assert other.client.get(f"/norms/actions/{action.id}/assess").status_code == 200
    external = browser_for(norms.world.external)
    assert external.client.get(f"/norms/actions/{action.id}/assess").status_code == 403
    coordinator = browser_for(norms.world.coordinator)
    assert coordinator.client.get("/norms/actions/new").status_code == 200
    assert browser.client.get("/norms/actions/new").status_code == 403
