"""The demo documents: realistic, across states and labels, idempotent, and policy-bound."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, Role
from aseancyber.access.policy import Tlp, audience_of
from aseancyber.community import documents_service
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.community.reference import organisation_by_key
from aseancyber.demo.community import load_demo_documents
from aseancyber.reference import load_reference
from tests.factories import actor
from tests.readers import make_user


def _documents(db: Session) -> list[Document]:
    return list(db.scalars(select(Document)))


def test_does_nothing_before_the_organisations_exist(db: Session) -> None:
    load_demo_documents(db)
    assert _documents(db) == []


def test_loads_once_across_states_and_labels_with_audiences(db: Session) -> None:
    load_reference(db)
    analyst_my = make_user(db, organisation_by_key(db, "cert:my"), Role.CONTRIBUTOR)
    analyst_my.email = "analyst.my@example.org"
    analyst_sg = make_user(db, organisation_by_key(db, "cert:sg"), Role.CONTRIBUTOR)
    analyst_sg.email = "analyst.sg@example.org"
    colleague = make_user(db, organisation_by_key(db, "cert:sg"), Role.VIEWER)
    db.flush()

    load_demo_documents(db)
    documents = _documents(db)
    assert 20 <= len(documents) <= 35
    states = db.scalar(select(func.count()).select_from(MemberState))
    strategies = [
        d for d in documents if d.kind is DocumentKind.NATIONAL_STRATEGY and d.member_state_id
    ]
    assert len(strategies) == states  # one per member state, Timor-Leste included
    assert all(d.tlp is Tlp.CLEAR for d in strategies)
    titles = {d.title for d in documents}
    assert "Singapore Cybersecurity Strategy 2021" in titles
    assert any("Timor-Leste" in title for title in titles)
    assert {d.tlp for d in documents} == set(Tlp)

    red = next(d for d in documents if d.tlp is Tlp.RED)
    assert audience_of(db, red).user_ids == {analyst_my.id}
    assert red.created_by_id == analyst_sg.id
    assert documents_service.count(db, reader=actor(colleague)) < len(documents)
    assert red.id in {d.id for d in documents_service.list_(db, reader=actor(analyst_my)).items}

    external = db.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.DIALOGUE_PARTNER_AGENCY)
    )
    if external is None:
        external = Organisation(
            name="A partner agency", short_name="PA", kind=OrganisationKind.DIALOGUE_PARTNER_AGENCY
        )
        db.add(external)
        db.flush()
    outsider = actor(make_user(db, external, Role.VIEWER))
    seen = documents_service.list_(db, reader=outsider, limit=100).items
    assert {d.tlp for d in seen} == {Tlp.CLEAR, Tlp.GREEN}
    assert all(d.green_includes_external for d in seen if d.tlp is Tlp.GREEN)

    amber = [d for d in documents if d.tlp is Tlp.AMBER]
    assert amber
    assert all(audience_of(db, d).organisation_ids for d in amber)

    load_demo_documents(db)
    assert len(_documents(db)) == len(documents)
