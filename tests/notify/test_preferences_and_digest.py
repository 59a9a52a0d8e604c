"""Each user's delivery preference per kind: at once, in the daily digest, or inbox only."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import User
from aseancyber.db import set_clock
from aseancyber.errors import Invalid
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.notify import delivery, service
from aseancyber.notify.models import (
    DeliveryMode,
    Notification,
    NotificationKind,
    OutboundEmail,
)
from aseancyber.settings import Settings
from tests.factories import actor, make_org, make_state, make_user
from tests.notify.conftest import SmtpServer

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _user(db: Session) -> User:
    return make_user(db, make_org(db, state=make_state(db)))


def _emails_to(db: Session, address: str) -> list[OutboundEmail]:
    return list(db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)))


def test_the_default_is_an_immediate_e_mail(db: Session) -> None:
    user = _user(db)
    # Other domains add kinds to the enum: every kind but the digest itself is a preference.
    every_kind = {kind for kind in NotificationKind if kind is not NotificationKind.DIGEST}
    assert {
        NotificationKind.ACCOUNT,
        NotificationKind.SECURITY,
        NotificationKind.SYSTEM,
    } <= every_kind
    assert service.get_preferences(db, actor=actor(user)) == dict.fromkeys(
        every_kind, DeliveryMode.IMMEDIATELY
    )
    service.notify(db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title="Hello")
    assert [e.subject for e in _emails_to(db, user.email)] == ["Hello"]


def test_off_means_inbox_only(db: Session) -> None:
    user = _user(db)
    service.set_preferences(
        db, actor=actor(user), modes={NotificationKind.SYSTEM: DeliveryMode.OFF}
    )

    [notification] = service.notify(
        db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title="Quiet"
    )

    assert _emails_to(db, user.email) == []
    assert notification.read_at is None
    assert service.unread_count(db, actor=actor(user)) == 1


def test_security_e_mails_cannot_be_turned_off(db: Session) -> None:
    user = _user(db)
    with pytest.raises(Invalid) as refused:
        service.set_preferences(
            db, actor=actor(user), modes={NotificationKind.SECURITY: DeliveryMode.OFF}
        )
    assert [p.field for p in refused.value.problems] == ["security"]
    with pytest.raises(Invalid):
        service.set_preferences(
            db, actor=actor(user), modes={NotificationKind.DIGEST: DeliveryMode.OFF}
        )


def test_inactive_users_are_not_notified(db: Session) -> None:
    user = _user(db)
    user.is_active = False
    db.flush()
    assert service.notify(db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title="x") == []
    assert _emails_to(db, user.email) == []


def test_links_must_stay_on_the_platform(db: Session) -> None:
    user = _user(db)
    for link in ["https://evil.example.org/", "//evil.example.org", "javascript:alert(1)"]:
        with pytest.raises(Invalid):
            service.notify(
                db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title="x", link=link
            )


def test_daily_digest_sends_one_e_mail_with_everything_since_the_last(
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    now = T0
    set_clock(lambda: now)
    digest_reader, immediate_reader = _user(db), _user(db)
    service.set_preferences(
        db,
        actor=actor(digest_reader),
        modes={
            NotificationKind.SYSTEM: DeliveryMode.DAILY_DIGEST,
            NotificationKind.ACCOUNT: DeliveryMode.DAILY_DIGEST,
        },
    )
    both = [digest_reader.id, immediate_reader.id]
    service.notify(db, user_ids=both, kind=NotificationKind.SYSTEM, title="First news")
    service.notify(
        db, user_ids=both, kind=NotificationKind.ACCOUNT, title="Second news", link="/account"
    )
    assert _emails_to(db, digest_reader.email) == []
    assert len(_emails_to(db, immediate_reader.email)) == 2

    run_pending(
        session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS
    )  # sends the immediate ones; the digest is due at 00:00 UTC
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["First news", "Second news"]

    now = datetime(2026, 3, 3, 0, 0, 30, tzinfo=UTC)
    run_pending(
        session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS
    )  # the digest job queues the e-mail ...
    run_pending(
        session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS
    )  # ... and the next pass sends it

    digests = [m for m in smtp_server.messages if m["To"] == digest_reader.email]
    assert len(digests) == 1
    assert digests[0]["Subject"] == "Daily summary: 2 new notification(s)"
    body = digests[0].get_content()
    assert "First news" in body
    assert "Second news" in body
    assert f"{mail_settings.base_url}/account" in body
    pending = db.scalar(
        select(func.count()).select_from(Notification).where(Notification.digest_pending)
    )
    assert pending == 0

    # The next day brings nothing new: no second digest.
    now += timedelta(days=1)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    assert len([m for m in smtp_server.messages if m["To"] == digest_reader.email]) == 1


def test_turning_a_kind_off_before_the_digest_drops_it(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    now = T0
    set_clock(lambda: now)
    user = _user(db)
    service.set_preferences(
        db, actor=actor(user), modes={NotificationKind.SYSTEM: DeliveryMode.DAILY_DIGEST}
    )
    service.notify(db, user_ids=[user.id], kind=NotificationKind.SYSTEM, title="Soon off")
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    service.set_preferences(
        db, actor=actor(user), modes={NotificationKind.SYSTEM: DeliveryMode.OFF}
    )

    now = datetime(2026, 3, 3, 0, 1, tzinfo=UTC)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    db.expire_all()
    assert _emails_to(db, user.email) == []


def test_a_digest_of_more_notifications_than_one_statement_binds(db: Session) -> None:
    """66,000 waiting notifications, more than one statement may bind on PostgreSQL (65,535)
    or on SQLite as built by default (32,766), over users taken a batch at a time: one
    e-mail each, every notification sent once."""
    readers = [_user(db) for _ in range(3)]
    per_reader = 22_000
    db.execute(
        insert(Notification),
        [
            {
                "user_id": reader.id,
                "kind": NotificationKind.SYSTEM,
                "title": f"News {n}",
                "digest_pending": True,
            }
            for reader in readers
            for n in range(per_reader)
        ],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delivery, "DIGEST_BATCH", 2)  # two batches of users: 2, then 1
        delivery.send_daily_digests(db, {})
    for reader in readers:
        [digest] = _emails_to(db, reader.email)
        assert digest.subject == f"Daily summary: {per_reader} new notification(s)"
    pending = db.scalar(
        select(func.count()).select_from(Notification).where(Notification.digest_pending)
    )
    assert pending == 0
