"""The demo positions and engagements load, follow the rules, and load only once."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, User
from aseancyber.access.service import actor_for
from aseancyber.demo import load_demo
from aseancyber.demo.positions import ADOPTED_TITLE, IN_PROGRESS_TITLE, SILENCE_TITLE
from aseancyber.positions import consensus, engagements_service
from aseancyber.positions.models import AdoptionBasis, Engagement, Position, PositionStatus
from aseancyber.reference import load_reference


def test_demo_positions_and_engagements(db: Session) -> None:
    load_reference(db)
    load_demo(db)
    states = db.scalar(select(func.count()).select_from(MemberState))
    adopted = db.scalar(select(Position).where(Position.title == ADOPTED_TITLE))
    assert adopted is not None
    assert adopted.status is PositionStatus.ADOPTED
    assert len(consensus.adopted_endorsements(db, position=adopted)) == states
    progress = db.scalar(select(Position).where(Position.title == IN_PROGRESS_TITLE))
    assert progress is not None
    assert progress.status is PositionStatus.DRAFTING
    kinds = {row.state for row in consensus.board(db, position=progress).rows}
    assert {"endorsed", "endorsed_old_version", "reservation", "objection", "no_response"} <= kinds
    by_silence = db.scalar(select(Position).where(Position.title == SILENCE_TITLE))
    assert by_silence is not None
    assert by_silence.status is PositionStatus.ADOPTED
    assert by_silence.adoption_basis is AdoptionBasis.SILENCE
    partner = db.scalar(select(User).where(User.email == "partner.jp@example.org"))
    assert partner is not None
    seen = engagements_service.list_(db, reader=actor_for(partner)).items
    assert [e.kind.value for e in seen] == ["arf_ism"]
    before = db.scalar(select(func.count()).select_from(Engagement))
    load_demo(db)
    assert db.scalar(select(func.count()).select_from(Engagement)) == before == 2
    assert db.scalar(select(func.count()).select_from(Position)) == 3
