"""E-mail leaves through a real SMTP server on loopback, only from the job worker."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.db import set_clock
from aseancyber.jobs.worker import run_pending
from aseancyber.manifests import JOB_HANDLERS, PERIODIC_JOBS
from aseancyber.notify import service
from aseancyber.notify.models import EmailStatus, NotificationKind, OutboundEmail
from aseancyber.settings import Settings, SmtpSecurity
from tests.factories import make_org, make_state, make_user
from tests.notify.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer
from tests.ports import free_port

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _email(db: Session, email_id: str) -> OutboundEmail:
    email = db.get(OutboundEmail, email_id, populate_existing=True)
    assert email is not None
    return email


def test_a_notification_is_e_mailed_with_its_headers(
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    user = make_user(db, make_org(db, state=make_state(db)))
    service.notify(
        db,
        user_ids=[user.id],
        kind=NotificationKind.SYSTEM,
        title="Maintenance on Saturday",
        body="The platform is read-only from 02:00 to 03:00 UTC.",
        link="/inbox",
    )
    queued = db.scalars(select(OutboundEmail)).one()
    assert smtp_server.messages == []  # nothing is sent in the caller's transaction

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    [message] = smtp_server.messages
    assert message["Subject"] == "Maintenance on Saturday"
    assert message["To"] == user.email
    assert message["From"] == mail_settings.mail_from
    assert message["Message-ID"] == f"<{queued.id}@aseancyber.example.org>"
    assert message["Date"] is not None
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert "read-only from 02:00 to 03:00 UTC" in body
    assert f"{mail_settings.base_url}/inbox" in body
    assert f"{mail_settings.base_url}/notifications/preferences" in body
    assert smtp_server.mailbox.recipients == [[user.email]]
    sent = _email(db, queued.id)
    assert sent.status is EmailStatus.SENT
    assert sent.sent_at is not None
    assert sent.attempts == 1


def test_starttls_with_login(
    db: Session,
    session_factory: sessionmaker[Session],
    starttls_server: SmtpServer,
    certificate: Any,
    use_mail_settings: Any,
) -> None:
    use_mail_settings(
        smtp_port=starttls_server.port,
        smtp_security=SmtpSecurity.STARTTLS,
        smtp_username=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_ca_file=str(certificate.cert),
    )
    email = service.queue_email(db, to="someone@example.org", subject="Over TLS", body="secret")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    assert [m["Subject"] for m in starttls_server.messages] == ["Over TLS"]
    assert _email(db, email.id).status is EmailStatus.SENT


def test_starttls_refuses_a_certificate_it_does_not_trust(
    db: Session,
    session_factory: sessionmaker[Session],
    starttls_server: SmtpServer,
    use_mail_settings: Any,
) -> None:
    use_mail_settings(
        smtp_port=starttls_server.port,
        smtp_security=SmtpSecurity.STARTTLS,
        smtp_username=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
    )
    email = service.queue_email(db, to="someone@example.org", subject="Over TLS", body="secret")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    assert starttls_server.messages == []
    failed = _email(db, email.id)
    assert failed.status is EmailStatus.QUEUED
    assert "CERTIFICATE_VERIFY_FAILED" in failed.last_error


def test_implicit_tls(
    db: Session,
    session_factory: sessionmaker[Session],
    tls_server: SmtpServer,
    certificate: Any,
    use_mail_settings: Any,
) -> None:
    use_mail_settings(
        smtp_port=tls_server.port,
        smtp_security=SmtpSecurity.TLS,
        smtp_ca_file=str(certificate.cert),
    )
    service.queue_email(db, to="someone@example.org", subject="Over implicit TLS", body="x")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    assert [m["Subject"] for m in tls_server.messages] == ["Over implicit TLS"]


def test_server_down_retries_with_back_off_then_gives_up(
    db: Session, session_factory: sessionmaker[Session], use_mail_settings: Any
) -> None:
    use_mail_settings(smtp_port=free_port(), email_max_attempts=3)
    now = T0
    set_clock(lambda: now)
    email = service.queue_email(db, to="someone@example.org", subject="Hello", body="x")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    first = _email(db, email.id)
    assert (first.status, first.attempts) == (EmailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in first.last_error
    first_wait = first.next_attempt_at - now
    assert first_wait > timedelta(0)

    run_pending(
        session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS
    )  # not due yet: nothing is tried
    assert _email(db, email.id).attempts == 1

    now = first.next_attempt_at + timedelta(seconds=1)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    second = _email(db, email.id)
    assert (second.status, second.attempts) == (EmailStatus.QUEUED, 2)
    assert second.next_attempt_at - now > first_wait  # the wait doubles

    now = second.next_attempt_at + timedelta(seconds=1)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    third = _email(db, email.id)
    assert (third.status, third.attempts) == (EmailStatus.FAILED, 3)
    assert "ConnectionRefusedError" in third.last_error

    now += timedelta(days=1)
    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)
    assert _email(db, email.id).attempts == 3


def test_a_refused_or_malformed_address_fails_at_once_and_spares_the_others(
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    malformed = service.queue_email(db, to="not an address", subject="Malformed", body="x")
    refused = service.queue_email(db, to="nobody@refused.example.org", subject="No", body="x")
    good = service.queue_email(db, to="someone@example.org", subject="Good", body="x")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    assert [m["Subject"] for m in smtp_server.messages] == ["Good"]
    assert _email(db, good.id).status is EmailStatus.SENT
    for email_id, reason in [(malformed.id, "is not one e-mail address"), (refused.id, "550")]:
        failed = _email(db, email_id)
        assert failed.status is EmailStatus.FAILED
        assert failed.attempts == 1
        assert reason in failed.last_error


def test_subject_lines_cannot_inject_headers(
    db: Session,
    session_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    mail_settings: Settings,
) -> None:
    service.queue_email(db, to="a@example.org", subject="Hi\r\nBcc: evil@example.org", body="x")

    run_pending(session_factory, handlers=JOB_HANDLERS, periodic=PERIODIC_JOBS)

    [message] = smtp_server.messages
    assert message["Bcc"] is None
    assert smtp_server.mailbox.recipients == [["a@example.org"]]
