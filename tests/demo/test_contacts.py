"""The demo contacts, past check and requests: every state, idempotent, and policy-bound."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Role
from aseancyber.community.reference import organisation_by_key
from aseancyber.contacts import check_results, service
from aseancyber.contacts.models import Contact, ContactCheck
from aseancyber.demo.contacts import PAST_CHECK_TITLE, load_demo_contacts
from aseancyber.demo.requests import load_demo_requests
from aseancyber.reference import load_reference
from aseancyber.requests import service as requests_service
from aseancyber.requests.models import CrossBorderRequest, RequestKind, RequestStatus
from tests.factories import actor
from tests.readers import make_user


def test_demo_contacts_cover_every_state_with_a_past_check_and_load_once(db: Session) -> None:
    load_reference(db)
    added = load_demo_contacts(db)
    states = db.scalar(select(func.count()).select_from(MemberState))
    assert states == 11
    assert added == 11 * 5
    assert load_demo_contacts(db) == 0
    by_state = dict(
        db.execute(select(Contact.member_state_id, func.count()).group_by(Contact.member_state_id))
        .tuples()
        .all()
    )
    assert len(by_state) == 11
    assert set(by_state.values()) == {5}
    focal = db.execute(
        select(Contact.member_state_id, func.count())
        .where(Contact.focal_point.is_(True))
        .group_by(Contact.member_state_id)
    ).all()
    assert len(focal) == 11  # every state names one national focal point
    assert {count for _, count in focal} == {1}
    assert all(c.email.endswith("@example.org") for c in db.scalars(select(Contact)))
    [check] = db.scalars(select(ContactCheck).where(ContactCheck.title == PAST_CHECK_TITLE)).all()
    coordinator = make_user(db, organisation_by_key(db, "secretariat"), Role.REGIONAL_COORDINATOR)
    results = check_results.results(db, reader=actor(coordinator), check=check)
    assert results.overall.asked == 55
    assert 0 < results.overall.answered < 55
    assert len(results.by_state) == 11
    assert service.count(db, reader=None) == 0  # none is public


def test_demo_requests_include_an_answered_preservation_request_seen_by_both_desks(
    db: Session,
) -> None:
    load_reference(db)
    accounts = load_demo_requests(db)
    assert [row[0] for row in accounts] == ["police.sg@example.org", "police.my@example.org"]
    assert load_demo_requests(db) == accounts
    statuses = {r.status for r in db.scalars(select(CrossBorderRequest))}
    assert {RequestStatus.DRAFT, RequestStatus.SENT, RequestStatus.ANSWERED} <= statuses
    preservation = db.scalars(
        select(CrossBorderRequest).where(
            CrossBorderRequest.kind == RequestKind.PRESERVATION,
            CrossBorderRequest.status == RequestStatus.ANSWERED,
        )
    ).one()
    assert preservation.answered_at is not None
    assert preservation.acknowledged_at is not None
    my_desk = make_user(db, organisation_by_key(db, "police:my"))
    th_cert = make_user(db, organisation_by_key(db, "cert:th"))
    assert requests_service.get_or_404(db, reader=actor(my_desk), request_id=preservation.id)
    assert requests_service.count(db, reader=actor(th_cert)) == 0
    sg_cert = make_user(db, organisation_by_key(db, "cert:sg"))
    # SingCERT sees the request it received, not the draft CamCERT has not sent yet.
    visible = requests_service.list_(db, reader=actor(sg_cert)).items
    assert [r.status for r in visible] == [RequestStatus.IN_PROGRESS]
