"""The e-mail queue: the most urgent mail leaves first, and a person's new messages in one
case gather in one digest e-mail until the mailer takes it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.models import Role
from aseancyber.access.policy import Tlp
from aseancyber.contacts import checks_service
from aseancyber.contacts.schemas import CheckLaunch
from aseancyber.db import new_id, set_clock
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.notify import service
from aseancyber.notify.models import EmailStatus, NotificationKind, OutboundEmail
from aseancyber.notify.service import DIGEST_DELAY, DIGEST_MAX_ENTRIES, Digest
from aseancyber.settings import Settings
from tests.contacts.helpers import add_contact
from tests.factories import actor, make_org, make_state, make_user
from tests.notify.conftest import SmtpServer
from tests.readers import World

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _chatter(db: Session, user_ids: list[str], n: int, case: str = "case-1") -> None:
    service.notify(
        db,
        user_ids=user_ids,
        kind=NotificationKind.CASE_MESSAGE,
        title=f"[CASE-1] New message {n}",
        body=f"message number {n}",
        link="/cases/1",
        digest=Digest(f"case:{case}", "[CASE-1] New messages"),
    )


def test_a_communication_check_e_mail_leaves_before_older_case_digests(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
    world: World,
) -> None:
    set_clock(lambda: T0)
    readers = [make_user(db, world.owner_org, Role.CONTRIBUTOR) for _ in range(5)]
    for n in range(3):
        _chatter(db, [u.id for u in readers], n)
    contact = add_contact(db, world.org_admin, "Duty officer", tlp=Tlp.GREEN)
    db.commit()

    # An hour later the digests are long due; a communication check is launched.
    set_clock(lambda: T0 + timedelta(hours=1))
    checks_service.launch(
        db, actor=actor(world.coordinator), data=CheckLaunch(title="Ping", everyone=True)
    )
    db.commit()
    queued = db.scalars(select(OutboundEmail).order_by(OutboundEmail.created_at)).all()
    assert queued[0].digest_key is not None  # the digests are the oldest mail in the queue

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    subjects = [m["Subject"] for m in smtp_server.messages]
    link = subjects.index("Communication check: Ping")
    assert smtp_server.messages[link]["To"] == contact.email
    # The link and the in-app task's e-mails first, then the case chatter.
    assert all(s.startswith("Communication check: ") for s in subjects[: link + 1])
    assert subjects[-5:] == ["[CASE-1] New messages (3 new)"] * 5
    assert len(subjects) > 5


def test_case_messages_gather_in_one_digest_per_person_until_it_is_sent(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    set_clock(lambda: T0)
    org = make_org(db, state=make_state(db))
    alice, bob = make_user(db, org), make_user(db, org)
    for n in range(4):
        _chatter(db, [alice.id, bob.id], n)
    _chatter(db, [alice.id], 99, case="case-2")  # another case: another digest
    db.commit()
    digests = db.scalars(select(OutboundEmail)).all()
    assert len(digests) == 3
    assert sorted(d.digest_items for d in digests) == [1, 4, 4]

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    assert smtp_server.messages == []  # gathering: not due before the digest delay

    set_clock(lambda: T0 + DIGEST_DELAY)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    mine = [m for m in smtp_server.messages if m["To"] == alice.email]
    assert sorted(m["Subject"] for m in mine) == [
        "[CASE-1] New messages",
        "[CASE-1] New messages (4 new)",
    ]
    [four] = [m for m in mine if "(4 new)" in m["Subject"]]
    text = four.get_content()
    assert text.startswith("4 new notification(s):")
    assert [f"message number {n}" in text for n in range(4)] == [True] * 4
    assert "message number 99" not in text
    assert f"{mail_settings.base_url}/notifications/preferences" in text

    # A message after the digest was sent opens a new one; the sent one is not changed.
    _chatter(db, [alice.id], 4)
    db.commit()
    open_ = db.scalars(
        select(OutboundEmail).where(
            OutboundEmail.status == EmailStatus.QUEUED, OutboundEmail.to_address == alice.email
        )
    ).one()
    assert open_.digest_items == 1
    assert "message number 4" in open_.body


def test_a_digest_writes_out_a_bounded_number_of_entries_and_counts_the_rest(
    *,
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    set_clock(lambda: T0)
    user = make_user(db, make_org(db, state=make_state(db)))
    for n in range(DIGEST_MAX_ENTRIES + 10):
        _chatter(db, [user.id], n)
    db.commit()
    set_clock(lambda: T0 + DIGEST_DELAY)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    [message] = smtp_server.messages
    text = message.get_content().replace("\r\n", "\n")
    assert f"{DIGEST_MAX_ENTRIES + 10} new notification(s)" in text
    assert f"message number {DIGEST_MAX_ENTRIES - 1}\n" in text
    assert f"message number {DIGEST_MAX_ENTRIES}\n" not in text
    assert "... and 10 more in your inbox." in text


def test_two_writers_opening_the_same_digest_at_once_make_one_e_mail(engine: Engine) -> None:
    """The second writer waits on the open-digest index, then appends: one e-mail, no loss."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the two cannot open a digest at once")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    key = f"case:{new_id()}:someone"

    def add(db: Session, text: str) -> None:
        service.queue_digest_entry(
            db, to="someone@example.org", key=key, subject="[CASE-1] New messages", entry=text
        )

    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with factory() as second:
                add(second, "second entry")
                second.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    first = factory()
    try:
        add(first, "first entry")
        first.flush()  # the new digest is written, not yet committed
        thread = threading.Thread(target=second_writer)
        thread.start()
        waiting = threading.Event()
        for _ in range(200):  # until the second writer waits on the first's row (max ~10 s)
            with engine.connect() as watcher:
                blocked = watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            if blocked:
                break
            waiting.wait(0.05)
        assert blocked, "the second writer never waited for the first"
        first.commit()
        thread.join(30)
        assert not thread.is_alive()
        assert errors == []
        with factory() as reader:
            [digest] = reader.scalars(select(OutboundEmail).where(OutboundEmail.digest_key == key))
            assert digest.digest_items == 2
            assert "first entry" in digest.body
            assert "second entry" in digest.body
    finally:
        first.close()
        with factory() as cleanup:
            cleanup.execute(delete(OutboundEmail).where(OutboundEmail.digest_key == key))
            cleanup.commit()
