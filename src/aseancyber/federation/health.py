"""A peer's health: back-off after failures, the alert when it has failed too long, and
the figures its page shows (last success, lag, error rate, queue)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from aseancyber.access.models import Role, User, UserRole
from aseancyber.access.policy import Actor
from aseancyber.db import utcnow
from aseancyber.federation import visibility
from aseancyber.federation.models import DeadLetter, Mapping, Peer, RunState, SyncRun
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.objects_service import visible_in

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
RECENT_RUNS = 20


def dead_letter_shown(reader: Actor) -> ColumnElement[bool]:
    """The dead letters ``reader`` may see (see :mod:`aseancyber.federation.visibility`)."""
    return visibility.shown(
        reader,
        stix_id=DeadLetter.stix_id,
        mapping_id=DeadLetter.mapping_id,
        direction=DeadLetter.direction,
        refused=true(),
    )


def retry_at(now: datetime, failures: int) -> datetime:
    """Exponential back-off: 1, 2, 4 ... minutes after the n-th failure, at most 6 hours."""
    delay: timedelta = FIRST_RETRY * 2 ** max(0, min(failures - 1, 20))
    return now + min(delay, LONGEST_RETRY)


def record_success(db: Session, *, peer: Peer, now: datetime) -> None:
    """A run succeeded: failures forgotten, next run after the peer's interval."""
    if peer.alerted_at is not None:
        _alert(db, peer, f"Federation peer {peer.name} works again", "The last sync succeeded.")
    peer.last_success_at = now
    peer.consecutive_failures = 0
    peer.failing_since = None
    peer.alerted_at = None
    peer.last_error = ""
    peer.next_attempt_at = now + timedelta(minutes=peer.interval_minutes)
    db.flush()


def record_failure(db: Session, *, peer: Peer, now: datetime, message: str) -> None:
    """A run failed: back off, and tell the organisation's admins once it has failed for
    longer than the peer's alert time (nothing fails silently)."""
    peer.consecutive_failures += 1
    peer.failing_since = peer.failing_since or now
    peer.last_error = message
    peer.next_attempt_at = retry_at(now, peer.consecutive_failures)
    failing_for = now - peer.failing_since
    if peer.alerted_at is None and failing_for >= timedelta(minutes=peer.alert_after_minutes):
        minutes = int(failing_for.total_seconds() // 60)
        _alert(
            db,
            peer,
            f"Federation peer {peer.name} has failed for {minutes} minutes",
            f"{peer.consecutive_failures} runs in a row failed. Last error: {message}",
        )
        peer.alerted_at = now
    db.flush()


def _alert(db: Session, peer: Peer, title: str, body: str) -> None:
    admins = db.scalars(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.organisation_id == peer.owner_organisation_id,
            UserRole.role.in_([Role.ORGANISATION_ADMIN, Role.PLATFORM_ADMIN]),
        )
    ).all()
    notify(
        db,
        user_ids=admins,
        kind=NotificationKind.SYSTEM,
        title=title,
        body=body,
        link=f"/federation/peers/{peer.id}",
    )


def push_queue(db: Session, *, mapping: Mapping, reader: Actor | None) -> int:
    """How many local objects wait to be decided on for this mapping (pushed or withheld):
    those ``reader`` may see, or all of them for ``None`` (the node itself: the worker's
    progress bar and the operator's CLI)."""
    if not mapping.push:
        return 0
    statement = (
        select(func.count())
        .select_from(StixObject)
        .where(StixObject.collection_id == mapping.local_collection_id)
    )
    if reader is not None:
        statement = statement.where(visible_in(reader, mapping.local_collection_id))
    if mapping.push_after_added is not None and mapping.push_after_id is not None:
        statement = statement.where(
            or_(
                StixObject.date_added > mapping.push_after_added,
                and_(
                    StixObject.date_added == mapping.push_after_added,
                    StixObject.id > (mapping.push_after_id or ""),
                ),
            )
        )
    return int(db.scalar(statement) or 0)


@dataclass(frozen=True)
class Health:
    state: str  # "ok", "failing", "never run", "disabled"
    last_success_at: datetime | None
    lag: timedelta | None
    error_rate: float | None
    recent_runs: int
    queue: int
    open_dead_letters: int
    last_error: str
    next_attempt_at: datetime | None


def peer_health(db: Session, *, peer: Peer, reader: Actor | None) -> Health:
    """The figures of the peer page, in one place for pages, REST and the CLI: the queue and
    the dead letters count only what ``reader`` may see (``None``: the operator's CLI)."""
    now = utcnow()
    states = list(
        db.scalars(
            select(SyncRun.state)
            .where(SyncRun.peer_id == peer.id, SyncRun.state != RunState.RUNNING)
            .order_by(SyncRun.started_at.desc())
            .limit(RECENT_RUNS)
        )
    )
    failed = sum(1 for state in states if state is RunState.FAILED)
    mappings = db.scalars(select(Mapping).where(Mapping.peer_id == peer.id)).all()
    queue = sum(push_queue(db, mapping=mapping, reader=reader) for mapping in mappings)
    open_letters = select(func.count()).where(
        DeadLetter.peer_id == peer.id, DeadLetter.resolved_at.is_(None)
    )
    if reader is not None:
        open_letters = open_letters.where(dead_letter_shown(reader))
    dead = db.scalar(open_letters)
    if not peer.enabled:
        state = "disabled"
    elif peer.failing_since is not None:
        state = "failing"
    elif peer.last_success_at is None:
        state = "never run"
    else:
        state = "ok"
    return Health(
        state=state,
        last_success_at=peer.last_success_at,
        lag=now - peer.last_success_at if peer.last_success_at else None,
        error_rate=failed / len(states) if states else None,
        recent_runs=len(states),
        queue=queue,
        open_dead_letters=int(dead or 0),
        last_error=peer.last_error,
        next_attempt_at=peer.next_attempt_at,
    )


__all__ = [
    "Health",
    "dead_letter_shown",
    "peer_health",
    "push_queue",
    "record_failure",
    "record_success",
    "retry_at",
]
