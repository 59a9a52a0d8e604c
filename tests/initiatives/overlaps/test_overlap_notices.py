"""Owners are told when another organisation registers a likely duplicate of their
initiative (inbox and e-mail), only about what they may see; and the dashboard panel."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.initiatives.overlaps.notices import overlaps_to_review
from aseancyber.notify.models import (
    DeliveryMode,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboundEmail,
)
from tests.factories import actor
from tests.initiatives.conftest import SAME_TRAINING_OTHER_BODY, TRAINING, Register
from tests.readers import World


def _notices(db: Session, user_id: str) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification).where(
                Notification.user_id == user_id,
                Notification.kind == NotificationKind.INITIATIVE_OVERLAP,
            )
        )
    )


def test_the_other_owner_is_told_by_inbox_and_email(
    db: Session, world: World, register: Register
) -> None:
    mine = register(**TRAINING)
    theirs = register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    notices = _notices(db, world.author.id)
    assert len(notices) == 1
    assert mine.title in notices[0].title
    assert theirs.title in notices[0].body
    assert "ARF-ISM-ICTS" in notices[0].body
    assert notices[0].link.startswith("/initiatives/overlaps/")
    assert db.scalar(select(OutboundEmail).where(OutboundEmail.to_address == world.author.email))
    # The organisation that made the change, and viewers, are not told.
    assert _notices(db, world.other_state.id) == []
    assert _notices(db, world.colleague.id) == []


def test_a_recipient_is_never_told_about_what_they_may_not_see(
    db: Session, world: World, register: Register
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **{**SAME_TRAINING_OTHER_BODY, "tlp": "TLP:AMBER"})
    assert _notices(db, world.author.id) == []  # not even a count of a hidden pair
    assert (
        db.scalar(select(OutboundEmail).where(OutboundEmail.to_address == world.author.email))
        is None
    )


def test_the_recipients_preference_is_followed(
    db: Session, world: World, register: Register
) -> None:
    db.add(
        NotificationPreference(
            user_id=world.author.id,
            kind=NotificationKind.INITIATIVE_OVERLAP,
            mode=DeliveryMode.OFF,
        )
    )
    db.flush()
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    assert len(_notices(db, world.author.id)) == 1  # the inbox always has it
    assert (
        db.scalar(select(OutboundEmail).where(OutboundEmail.to_address == world.author.email))
        is None
    )


def test_dashboard_panel_lists_possible_overlaps_to_review(
    db: Session, world: World, register: Register
) -> None:
    register(**TRAINING)
    register(by=world.other_state, **SAME_TRAINING_OTHER_BODY)
    for reader in (world.author, world.other_state, world.coordinator):
        panel = overlaps_to_review(db, actor(reader))
        assert panel is not None
        assert panel.context["total"] == 1
    assert overlaps_to_review(db, actor(world.external)) is None
    assert overlaps_to_review(db, actor(world.recipient)) is None  # not theirs, not a reviewer
