"""Evidence figures never show a false zero; a state may share its aggregate figures (never
the records) with its own ministries, the Secretariat or all member states; percentages say
their base; the OEWG export covers capacity-building needs, offers and the provider role."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Role
from aseancyber.access.policy import Tlp
from aseancyber.audit.models import AuditEntry
from aseancyber.contacts.models import CheckTarget, ContactCheck, ContactKind
from aseancyber.db import utcnow
from aseancyber.initiatives.models import Initiative, InitiativeStatus, InitiativeTag, TagKind
from aseancyber.norms.models import (
    AssessmentStatus,
    EvidenceSharing,
    NormAssessment,
    Visibility,
)
from tests.matrix import LABELS, MATRIX
from tests.norms.conftest import NormsWorld
from tests.readers import BrowserFor, TokenFor, World, make_user

API = "/api/v1/norms"


def _checked_contacts(db: Session, world: World) -> None:
    """A contact of the author's state at every label, each asked in one check and answered."""
    now = utcnow()
    check = ContactCheck(
        title="Sharing check",
        organisation_id=world.secretariat.id,
        launched_at=now,
        remind_at=now,
        escalate_at=now,
        closes_at=now + timedelta(days=1),
    )
    db.add(check)
    db.flush()
    for name, (tlp, external) in LABELS.items():
        contact_id = MATRIX["contact"].make(db, world, tlp, external, f"sharing{name}")
        db.add(
            CheckTarget(
                check_id=check.id,
                contact_id=contact_id,
                member_state_id=world.owner_org.member_state_id,
                kind=ContactKind.TECHNICAL,
                sent_at=now,
                acknowledged_at=now + timedelta(minutes=10),
                response_seconds=600,
            )
        )
    db.flush()


def _checks(client: TestClient, headers: dict[str, str], iso2: str) -> dict[str, dict[str, str]]:
    survey = client.get(f"{API}/states/{iso2}/survey", headers=headers)
    assert survey.status_code == 200, survey.text
    part = survey.json()["part_3_confidence_building_measures"]["evidence_from_practice"]
    return {item["title"]: item for item in part if item["source"] == "Communication checks"}


def test_nothing_visible_reads_not_shared_never_zero(
    client: TestClient, norms: NormsWorld, token_for: TokenFor, browser_for: BrowserFor
) -> None:
    w = norms.world
    other = w.other_state_org.member_state
    assert other is not None
    headers = token_for(w.author)  # a community reader who sees none of the other state's
    checks = _checks(client, headers, other.iso2)
    assert checks["Contacts"]["value"] == "not shared"
    assert checks["Checks asked"]["value"] == "not shared"
    assert "records shared with you" in checks["Contacts"]["base"]
    survey = client.get(f"{API}/states/{other.iso2}/survey", headers=headers).json()
    part_3 = survey["part_3_confidence_building_measures"]
    assert part_3["threat_assessments_shared"] == "not shared"
    page = browser_for(w.author).client.get(f"/norms/states/{other.iso2}")
    assert page.status_code == 200
    assert "Contacts: <strong>not shared</strong>" in page.text
    assert "<strong>0</strong>" not in page.text


def test_a_state_shares_its_aggregate_figures_with_its_own_ministries(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    _checked_contacts(db, w)
    sg = w.owner_org.member_state
    assert sg is not None
    diplomat = token_for(norms.ministry_user)
    before = _checks(client, diplomat, sg.iso2)
    assert before["Contacts"]["value"] == "3"  # clear, green, green-external
    url = f"{API}/states/{sg.iso2}/evidence-sharing"
    assert client.get(url, headers=diplomat).json()["scope"] == "none"

    # Only an organisation admin of one of the state's own organisations may choose.
    assert client.put(url, json={"scope": "state"}, headers=diplomat).status_code == 403
    foreign_admin = make_user(db, w.other_state_org, Role.ORGANISATION_ADMIN)
    assert (
        client.put(url, json={"scope": "state"}, headers=token_for(foreign_admin)).status_code
        == 403
    )
    admin = token_for(make_user(db, norms.ministry, Role.ORGANISATION_ADMIN))
    assert client.put(url, json={"scope": "everyone"}, headers=admin).status_code == 422
    chosen = client.put(url, json={"scope": "state"}, headers=admin)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["scope"] == "state"
    audited = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "norm_evidence_sharing.set")
    ).all()
    assert len(audited) == 1

    # The state's diplomats now see the figures over all its records; no one else does.
    after = _checks(client, diplomat, sg.iso2)
    assert after["Contacts"]["value"] == str(len(LABELS))
    assert "aggregate figures the state shares" in after["Contacts"]["base"]
    assert _checks(client, token_for(w.coordinator), sg.iso2)["Contacts"]["value"] == "3"
    assert _checks(client, token_for(w.other_state), sg.iso2)["Contacts"]["value"] == "3"
    # The records themselves stay hidden: the AMBER contacts are not listed to the diplomat.
    contacts = client.get("/api/v1/contacts?limit=200", headers=diplomat)
    assert contacts.status_code == 200, contacts.text
    listed = str(contacts.json())
    assert "duty officer sharinggreen" in listed
    assert "duty officer sharingamber" not in listed

    # Shared with the Secretariat, then with every member state.
    assert client.put(url, json={"scope": "secretariat"}, headers=admin).status_code == 200
    assert _checks(client, token_for(w.coordinator), sg.iso2)["Contacts"]["value"] == "6"
    assert _checks(client, token_for(w.other_state), sg.iso2)["Contacts"]["value"] == "3"
    assert client.put(url, json={"scope": "member_states"}, headers=admin).status_code == 200
    assert _checks(client, token_for(w.other_state), sg.iso2)["Contacts"]["value"] == "6"
    # External parties never get shared aggregates from practice.
    assert _checks(client, token_for(w.external), sg.iso2) == {}


def test_percentages_say_their_base(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    sg = w.owner_org.member_state
    assert sg is not None
    action = norms.actions[0]
    db.add(
        NormAssessment(
            member_state_id=sg.id,
            action_id=action.id,
            status=AssessmentStatus.IMPLEMENTED,
            assessed_on=utcnow().date(),
            visibility=Visibility.MEMBER_STATES,
            tlp=Tlp.GREEN,
            owner_organisation_id=w.owner_org.id,
        )
    )
    db.flush()
    heat = client.get(f"{API}/heatmap?format=json", headers=token_for(w.other_state))
    assert heat.status_code == 200, heat.text
    row = next(r for r in heat.json()["states"] if r["member_state_iso2"] == sg.iso2)
    cell = row["cells"][action.norm.letter]
    assert cell["text"] == "100%"
    assert cell["base"].startswith("mean over 1 applicable assessment shared with you, of ")
    survey = client.get(f"{API}/states/{sg.iso2}/survey", headers=token_for(w.other_state))
    section = next(s for s in survey.json()["part_2_norms"] if s["norm"] == action.norm.letter)
    assert section["implementation_base"] == cell["base"]


def _initiative(
    db: Session, owner_id: str, title: str, status: InitiativeStatus, tags: dict[TagKind, list[str]]
) -> None:
    db.add(
        Initiative(
            title=title,
            status=status,
            owner_organisation_id=owner_id,
            tlp=Tlp.GREEN,
            tags=[
                InitiativeTag(kind=kind, value=value, position=n)
                for kind, values in tags.items()
                for n, value in enumerate(values)
            ],
        )
    )
    db.flush()


def test_the_oewg_export_covers_needs_offers_and_the_provider_role(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    w = norms.world
    sg = w.owner_org.member_state
    assert sg is not None
    action = norms.actions[1]
    db.add(
        NormAssessment(
            member_state_id=sg.id,
            action_id=action.id,
            status=AssessmentStatus.PLANNED,
            assessed_on=utcnow().date(),
            visibility=Visibility.MEMBER_STATES,
            tlp=Tlp.GREEN,
            owner_organisation_id=w.owner_org.id,
        )
    )
    _initiative(
        db,
        w.owner_org.id,
        "SG trains MY and TH responders",
        InitiativeStatus.ONGOING,
        {TagKind.STATE: ["MY", "TH"], TagKind.THEME: ["incident_ci"]},
    )
    _initiative(
        db,
        w.owner_org.id,
        "SG workshop done",
        InitiativeStatus.COMPLETED,
        {TagKind.STATE: ["VN"], TagKind.THEME: ["policy_strategy"]},
    )
    _initiative(
        db,
        w.other_state_org.id,
        "Cybercrime course for SG",
        InitiativeStatus.PLANNED,
        {TagKind.STATE: ["SG"], TagKind.THEME: ["cybercrime"]},
    )
    survey = client.get(f"{API}/states/{sg.iso2}/survey", headers=token_for(w.other_state))
    part = survey.json()["part_4_capacity_building"]
    needs = part["needs"]
    assert [a["action_code"] for a in needs["actions_not_yet_implemented"]] == [action.code]
    assert needs["themes_of_capacity_building_received"] == ["cybercrime"]
    assert [o["title"] for o in part["offers"]] == ["SG trains MY and TH responders"]
    role = part["provider_role"]
    assert role["programmes_provided"] == 2
    assert role["ongoing_or_planned"] == 1
    assert role["beneficiary_states"] == ["MY", "TH", "VN"]
    assert role["themes"] == ["incident_ci", "policy_strategy"]

    other = w.other_state_org.member_state
    assert other is not None
    nothing = client.get(f"{API}/states/{other.iso2}/survey", headers=token_for(w.external))
    assert nothing.json()["part_4_capacity_building"]["provider_role"]["programmes_provided"] == (
        "not shared"
    )


def test_the_state_admin_chooses_on_the_profile_page(
    db: Session, norms: NormsWorld, browser_for: BrowserFor
) -> None:
    w = norms.world
    _checked_contacts(db, w)
    sg = w.owner_org.member_state
    assert sg is not None
    url = f"/norms/states/{sg.iso2}"
    diplomat = browser_for(norms.ministry_user)
    assert 'action="/norms/states/' + sg.iso2 + '/evidence-sharing"' not in (
        diplomat.client.get(url).text
    )
    admin = browser_for(make_user(db, norms.ministry, Role.ORGANISATION_ADMIN))
    page = admin.client.get(url)
    assert 'name="scope"' in page.text
    bad = admin.client.post(
        f"{url}/evidence-sharing", data={"csrf_token": admin.csrf, "scope": "everyone"}
    )
    assert bad.status_code == 422  # the profile again, the message by the field
    field = re.search(
        r'<div class="field has-error">\s*<label for="sharing-scope">.*?</div>', bad.text, re.S
    )
    assert field is not None
    assert '<p class="field-error" id="sharing-scope-error">' in field[0]
    assert "Choose one of:" in field[0]
    assert '<a href="#sharing-scope">Choose one of:' in bad.text
    assert "Input should" not in bad.text
    assert db.scalar(select(func.count()).select_from(EvidenceSharing)) == 0  # nothing written
    saved = admin.client.post(
        f"{url}/evidence-sharing", data={"csrf_token": admin.csrf, "scope": "state"}
    )
    assert "now shared with: the state&#39;s own ministries and agencies" in saved.text
    shown = diplomat.client.get(url).text
    assert "shares them with <strong>the state&#39;s own ministries and agencies</strong>" in shown
    assert f"Contacts: <strong>{len(LABELS)}</strong>" in shown
    assert "all the state&#39;s records" in shown
