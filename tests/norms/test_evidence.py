"""Evidence from practice: beside the self-assessment, and only what the reader may see."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.community import documents_service
from aseancyber.community.documents import DocumentKind
from aseancyber.community.documents_schemas import DocumentCreate
from aseancyber.norms import service
from aseancyber.norms.evidence import EVIDENCE_PROVIDERS, PracticeAggregates, evidence_for
from aseancyber.norms.schemas import AssessmentCreate
from tests.factories import actor
from tests.norms.conftest import NormsWorld
from tests.readers import BrowserFor, TokenFor


def _share(db: Session, norms: NormsWorld, kind: DocumentKind, tlp: Tlp) -> None:
    w = norms.world
    data = DocumentCreate(
        title=f"{kind.value} of Singapore",
        kind=kind,
        tlp=tlp,
        member_state_id=w.owner_org.member_state_id,
    )
    documents_service.create(db, actor=actor(w.author), data=data)


def test_document_evidence_counts_only_what_the_reader_sees(db: Session, norms: NormsWorld) -> None:
    _share(db, norms, DocumentKind.NATIONAL_STRATEGY, Tlp.GREEN)
    _share(db, norms, DocumentKind.CI_CATEGORIES, Tlp.AMBER)
    state_id = norms.world.owner_org.member_state_id
    assert state_id is not None
    other = evidence_for(db, reader=actor(norms.world.other_state), member_state_id=state_id)
    own = evidence_for(db, reader=actor(norms.world.author), member_state_id=state_id)
    anonymous = evidence_for(db, reader=None, member_state_id=state_id)
    titles = {(item.norm, item.source) for item in other}
    assert ("a", "National documents") in titles
    assert ("g", "National documents") not in titles
    assert ("g", "National documents") in {(item.norm, item.source) for item in own}
    # Aggregates from other domains go to signed-in community readers only.
    assert {item.source for item in anonymous} <= {"National documents"}
    external = evidence_for(db, reader=actor(norms.world.external), member_state_id=state_id)
    assert {item.source for item in external} <= {"National documents"}


def test_every_practice_domain_is_wired_and_answers(db: Session, norms: NormsWorld) -> None:
    sources = {p.source for p in EVIDENCE_PROVIDERS if isinstance(p, PracticeAggregates)}
    assert sources == {
        "Cross-border requests",
        "Coordinated vulnerability cases",
        "Communication checks",
    }
    state_id = norms.world.owner_org.member_state_id
    assert state_id is not None
    items = evidence_for(db, reader=actor(norms.world.other_state), member_state_id=state_id)
    assert all(item.value != "" for item in items)


def test_profile_shows_evidence_beside_the_self_assessment(
    client: TestClient, db: Session, norms: NormsWorld, token_for: TokenFor
) -> None:
    _share(db, norms, DocumentKind.NATIONAL_STRATEGY, Tlp.CLEAR)
    db.commit()
    page = client.get("/norms/states/SG", headers=token_for(norms.world.other_state))
    assert page.status_code == 200
    assert "Evidence from practice" in page.text
    assert "National strategies shared" in page.text


def test_dashboard_panel_counts_only_states_sharing_with_the_reader(
    client: TestClient, db: Session, norms: NormsWorld, browser_for: BrowserFor
) -> None:
    data = AssessmentCreate.model_validate(
        {
            "action_id": norms.actions[0].id,
            "status": "implemented",
            "assessed_on": "2026-01-01",
            "visibility": "state",
        }
    )
    service.create(db, actor=actor(norms.world.author), data=data)
    db.commit()
    other = browser_for(norms.world.other_state).client.get("/")
    assert "Norms implementation" in other.text
    assert "0 of " in other.text
    own = browser_for(norms.world.author).client.get("/")
    assert "1 of " in own.text
    assert "100%" in own.text
