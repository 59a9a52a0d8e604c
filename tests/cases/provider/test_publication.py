"""Approval by every coordinator, publication as STIX 2.1 into the regional collection, and
revisions of a published advisory (new CSAF version, same STIX ids with a new modified)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from stix2validator import ValidationOptions, validate_instance

from aseancyber.access.models import Role
from aseancyber.access.policy import Tlp
from aseancyber.cases import workflow
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import Advisory, AdvisoryStatus
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryRevise
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import EmbargoAction
from aseancyber.db import set_clock, utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.sharing import publishing, stix
from aseancyber.sharing import service as sharing_service
from aseancyber.sharing.models import Collection, CollectionKind, StixObject
from tests.cases.advisories.test_csaf import csaf_cli, populate
from tests.cases.conftest import Scenario, approve_by_both
from tests.factories import actor, make_org, make_state
from tests.readers import TokenFor, make_user

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TAXII_TYPE = "application/taxii+json;version=2.1"


def _regional(db: Session, scenario: Scenario) -> Collection:
    return sharing_service.create_collection(
        db,
        actor=actor(scenario.sg),
        title="ASEAN regional (cases test)",
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
    )


def _draft(db: Session, scenario: Scenario, label: Tlp) -> Advisory:
    return advisories.draft(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=AdvisoryCreate(publish_tlp=label, summary="Fixed in GridGate 2.4."),
    )


def _stored(db: Session, collection: Collection, stix_id: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(StixObject)
        .where(StixObject.collection_id == collection.id, StixObject.stix_id == stix_id)
        .order_by(StixObject.version_at)
    )
    return [json.loads(row.body) for row in rows]


def _valid_stix(obj: dict[str, Any]) -> None:
    result = validate_instance(obj, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(error) for error in result.errors]


def test_every_coordinator_approves_before_publication(db: Session, scenario: Scenario) -> None:
    populate(db, scenario)
    advisory = _draft(db, scenario, Tlp.CLEAR)
    sg, my = actor(scenario.sg), actor(scenario.my)
    case_id = scenario.case.id
    publication.approve(db, actor=sg, case_id=case_id, advisory_id=advisory.id)
    assert advisory.status is AdvisoryStatus.DRAFT
    found = publication.approvals_of(db, advisory=advisory)
    assert [seat.name for seat, _, _ in found.approved] == ["Case SingCERT"]
    assert found.approved[0][2] == scenario.sg.display_name
    assert [seat.name for seat in found.pending] == ["Case MyCERT"]
    with pytest.raises(Invalid, match="still waiting for Case MyCERT"):
        publication.publish(db, actor=sg, case_id=case_id, advisory_id=advisory.id)
    with pytest.raises(Invalid, match="already approved revision 1"):
        publication.approve(db, actor=sg, case_id=case_id, advisory_id=advisory.id)
    vendor = actor(scenario.vendor_users[0])
    with pytest.raises(Forbidden):
        publication.approve(db, actor=vendor, case_id=case_id, advisory_id=advisory.id)
    publication.approve(db, actor=my, case_id=case_id, advisory_id=advisory.id)
    assert advisory.status.value == AdvisoryStatus.APPROVED.value
    assert publication.approvals_of(db, advisory=advisory).complete
    # A proposed embargo already binds: no publication until it is dropped (or ends).
    proposal = EmbargoAction(action="propose", ends_at=utcnow() + timedelta(days=10))
    workflow.embargo(db, actor=sg, case_id=case_id, data=proposal)
    with pytest.raises(Invalid, match="is proposed: drop the proposal"):
        publication.publish(db, actor=my, case_id=case_id, advisory_id=advisory.id)
    workflow.embargo(db, actor=sg, case_id=case_id, data=EmbargoAction(action="reject"))
    publication.publish(db, actor=my, case_id=case_id, advisory_id=advisory.id)
    assert advisory.status.value == AdvisoryStatus.PUBLISHED.value


def test_a_coordinator_joining_after_approval_must_approve_too(
    db: Session, scenario: Scenario
) -> None:
    from aseancyber.cases import participants  # noqa: PLC0415
    from aseancyber.cases.models import ParticipantRole  # noqa: PLC0415
    from aseancyber.cases.schemas import ParticipantAdd  # noqa: PLC0415

    populate(db, scenario)
    advisory = _draft(db, scenario, Tlp.CLEAR)
    approve_by_both(db, scenario, advisory.id)
    third = make_org(db, state=make_state(db, "TH"), name="Case ThaiCERT")
    participants.add(
        db,
        actor=actor(scenario.sg),
        case_id=scenario.case.id,
        data=ParticipantAdd(role=ParticipantRole.COORDINATOR, organisation_id=third.id),
    )
    with pytest.raises(Invalid, match="still waiting for Case ThaiCERT"):
        publication.publish(
            db, actor=actor(scenario.sg), case_id=scenario.case.id, advisory_id=advisory.id
        )


@pytest.mark.parametrize(
    ("case_label", "advisory_label", "label"),
    [
        (Tlp.GREEN, Tlp.GREEN, Tlp.GREEN),
        (Tlp.GREEN, Tlp.CLEAR, Tlp.GREEN),  # at the case's label
        (Tlp.AMBER, Tlp.CLEAR, Tlp.AMBER),
    ],
)
def test_publication_puts_valid_stix_in_the_regional_collection(
    *,
    case_label: Tlp,
    advisory_label: Tlp,
    label: Tlp,
    db: Session,
    scenario: Scenario,
    client: TestClient,
    token_for: TokenFor,
) -> None:
    set_clock(lambda: NOW)
    scenario.case.tlp = case_label
    populate(db, scenario)
    regional = _regional(db, scenario)
    advisory = _draft(db, scenario, advisory_label)
    approve_by_both(db, scenario, advisory.id)
    publication.publish(
        db, actor=actor(scenario.sg), case_id=scenario.case.id, advisory_id=advisory.id
    )
    assert advisory.stix_collection_id == regional.id
    report_id = publishing.report_id(advisory.id)
    vulnerability_id = publishing.vulnerability_id(advisory.id, "CVE-2026-12345")
    (report,) = _stored(db, regional, report_id)
    (vulnerability,) = _stored(db, regional, vulnerability_id)
    for obj in (report, vulnerability):
        _valid_stix(obj)
        assert obj["object_marking_refs"] == [stix.MARKING_FOR_LABEL[label]]
        assert obj["created_by_ref"] == stix.identity_id_for(scenario.sg_cert.id)
    assert report["object_refs"] == [vulnerability_id]
    assert report["report_types"] == ["vulnerability"]
    references = {ref["source_name"]: ref for ref in vulnerability["external_references"]}
    assert references["cve"]["external_id"] == "CVE-2026-12345"
    assert references["cwe"]["external_id"] == "CWE-121"
    assert references["csaf"]["external_id"] == advisory.tracking_id
    assert references["csaf"]["url"].endswith(f"/advisories/{advisory.id}/csaf")
    db.commit()

    # A CERT of a third state reads the regional collection over TAXII: it sees
    # TLP:GREEN objects; TLP:AMBER ones stay with the case's participants.
    outsider_cert = make_org(db, state=make_state(db, "VN"), name="Case VNCERT")
    reader = make_user(db, outsider_cert, Role.CONTRIBUTOR)
    db.commit()
    taxii = TestClient(client.app, raise_server_exceptions=False)
    taxii.headers.update({**token_for(reader), "Accept": TAXII_TYPE})
    url = f"/taxii2/api/collections/{regional.id}/objects/?match[type]=report,vulnerability"
    answer = taxii.get(url)
    assert answer.status_code == 200, answer.text
    seen = {obj["id"] for obj in answer.json().get("objects", [])}
    if label is Tlp.GREEN:
        assert seen == {report_id, vulnerability_id}
    else:
        assert seen == set()
    participant = TestClient(client.app, raise_server_exceptions=False)
    participant.headers.update({**token_for(scenario.my), "Accept": TAXII_TYPE})
    mine = {obj["id"] for obj in participant.get(url).json().get("objects", [])}
    assert mine == {report_id, vulnerability_id}


def test_revision_is_a_new_validated_csaf_version_and_new_stix_versions(
    db: Session, scenario: Scenario, tmp_path: Path
) -> None:
    clock = [NOW]
    set_clock(lambda: clock[0])
    populate(db, scenario)
    regional = _regional(db, scenario)
    advisory = _draft(db, scenario, Tlp.CLEAR)
    sg = actor(scenario.sg)
    case_id = scenario.case.id
    with pytest.raises(Invalid, match="only a published advisory"):
        publication.revise(
            db, actor=sg, case_id=case_id, advisory_id=advisory.id, data=AdvisoryRevise(summary="x")
        )
    approve_by_both(db, scenario, advisory.id)
    publication.publish(db, actor=sg, case_id=case_id, advisory_id=advisory.id)
    first = advisory.document
    assert first is not None
    clock[0] = NOW + timedelta(days=3, hours=4)
    change = AdvisoryRevise(summary="Vendor 2 fixed the issue in 2.4.1.")
    with pytest.raises(Invalid, match="every coordinator must approve the revision"):
        publication.revise(db, actor=sg, case_id=case_id, advisory_id=advisory.id, data=change)
    approve_by_both(db, scenario, advisory.id)  # approvals for revision 2
    publication.revise(db, actor=sg, case_id=case_id, advisory_id=advisory.id, data=change)

    assert advisory.revision == 2
    document = advisory.document
    assert document is not None
    tracking = document["document"]["tracking"]
    assert tracking["version"] == "2"
    assert tracking["current_release_date"] == "2026-11-23T06:00:00.000Z"
    assert tracking["initial_release_date"] == first["document"]["tracking"]["initial_release_date"]
    assert [(r["number"], r["summary"]) for r in tracking["revision_history"]] == [
        ("1", "Initial release."),
        ("2", "Vendor 2 fixed the issue in 2.4.1."),
    ]
    assert tracking["revision_history"][0] == first["document"]["tracking"]["revision_history"][0]
    path = tmp_path / "revision.json"
    path.write_text(json.dumps(document))
    result = csaf_cli(path)
    assert result.returncode == 0, result.stdout + result.stderr

    versions = _stored(db, regional, publishing.report_id(advisory.id))
    assert len(versions) == 2
    assert versions[0]["id"] == versions[1]["id"]
    assert versions[0]["created"] == versions[1]["created"]
    assert versions[1]["modified"] == "2026-11-23T06:00:00.000000Z" > versions[0]["modified"]
    for obj in versions:
        _valid_stix(obj)
    # The next revision needs every approval again.
    found = publication.approvals_of(db, advisory=advisory)
    assert found.revision == 3
    assert not found.complete


def test_approvals_over_rest_show_who_approved_and_who_is_awaited(
    db: Session, scenario: Scenario, client: TestClient, token_for: TokenFor
) -> None:
    populate(db, scenario)
    advisory = _draft(db, scenario, Tlp.CLEAR)
    db.commit()
    sg = scenario.rest(client, token_for, scenario.sg)
    base = f"/api/v1/cases/{scenario.case.id}/advisories/{advisory.id}"
    assert sg.post(f"{base}/approve").status_code == 200
    body = sg.get(f"{base}/approvals").json()
    assert body["revision"] == 1
    assert body["complete"] is False
    assert [a["name"] for a in body["approved"]] == ["Case SingCERT"]
    assert body["approved"][0]["approved_by"] == scenario.sg.display_name
    assert [p["name"] for p in body["pending"]] == ["Case MyCERT"]
    refused = sg.post(f"{base}/publish")
    assert refused.status_code == 422
    assert "still waiting for Case MyCERT" in refused.text
    outsider = scenario.rest(client, token_for, scenario.outsider)
    assert outsider.get(f"{base}/approvals").status_code == 404
    assert outsider.post(f"{base}/approve").status_code == 404
    bad = sg.post(f"{base}/revise", json={"summary": ""})
    assert bad.status_code == 422
    assert "summary" in bad.text
