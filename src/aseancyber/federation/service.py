"""Peers and their collection mappings: registered, changed and read by organisation admins.

A peer belongs to the organisation whose admin registered it; admins of other
organisations get NotFound for it (never Forbidden), platform admins see every peer.
Credentials are encrypted before they reach the database and never leave it in clear.
"""

from dataclasses import replace
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, Role
from aseancyber.access.permissions import PLATFORM_WIDE, Permission, permissions_of
from aseancyber.access.policy import Actor, Tlp
from aseancyber.community.service import has_nul
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.federation import health, secrets, visibility
from aseancyber.federation.models import (
    DeadLetter,
    Direction,
    Mapping,
    OutcomeKind,
    Peer,
    PeerAuth,
    SyncOutcome,
    SyncRun,
)
from aseancyber.federation.schemas import RunRead
from aseancyber.shaping import shaped
from aseancyber.sharing import service as sharing_service

MAX_LISTED = 500


MANAGE_PEERS = Permission.ORGANISATION_EDIT
"""Who manages federation peers (the page routes declare it, so the navigation knows)."""


def _require_admin(actor: Actor) -> None:
    if MANAGE_PEERS not in permissions_of(actor.roles):
        raise Forbidden("federation peers are managed by organisation admins")


def _manageable(actor: Actor) -> ColumnElement[bool]:
    if actor.roles & PLATFORM_WIDE:
        return true()
    return Peer.owner_organisation_id == actor.organisation_id


def check_url(url: str) -> str:
    """An API root URL: http(s), a host, no credentials or fragment; ends with a slash."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # both parse, and may refuse, the netloc
    except ValueError as error:  # e.g. "http://[x/" or a port out of range
        raise Invalid(f"is not a URL: {error}", "api_root_url") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise Invalid("must be an http:// or https:// URL of a TAXII 2.1 API root", "api_root_url")
    if parts.username or parts.password or parts.fragment or has_nul(url) or len(url) > 500:
        raise Invalid("may not carry credentials, a fragment or NUL characters", "api_root_url")
    return url if url.endswith("/") else url + "/"


def create_peer(
    db: Session,
    *,
    actor: Actor,
    name: str,
    api_root_url: str,
    auth: PeerAuth,
    secret: str,
    organisation_id: str,
    username: str = "",
    interval_minutes: int = 15,
    alert_after_minutes: int = 60,
) -> Peer:
    """Register a remote TAXII 2.1 API root for the actor's organisation."""
    _require_admin(actor)
    name = name.strip()
    if not name or len(name) > 100 or has_nul(name):
        raise Invalid("must be 1 to 100 characters", "name")
    if db.scalar(select(Peer.id).where(Peer.name == name)) is not None:
        raise Conflict(f"a peer named {name} already exists")
    if not secret or has_nul(secret) or len(secret) > 2000:
        raise Invalid("must be 1 to 2000 characters", "secret")
    if auth is PeerAuth.BASIC and (not username.strip() or has_nul(username)):
        raise Invalid("HTTP Basic needs a user name", "username")
    if db.get(Organisation, organisation_id) is None:
        raise Invalid("names an unknown organisation", "organisation_id")
    peer = Peer(
        name=name,
        api_root_url=check_url(api_root_url),
        auth=auth,
        username=username.strip()[:200],
        secret_encrypted=secrets.encrypt(secret),
        owner_organisation_id=actor.organisation_id,
        organisation_id=organisation_id,
        created_by_id=actor.user_id,
        interval_minutes=interval_minutes,
        alert_after_minutes=alert_after_minutes,
    )
    db.add(peer)
    db.flush()
    return peer


def list_peers(db: Session, *, actor: Actor) -> list[Peer]:
    """The peers the actor may manage, by name."""
    _require_admin(actor)
    return list(db.scalars(select(Peer).where(_manageable(actor)).order_by(Peer.name)))


def get_peer_or_404(db: Session, *, actor: Actor, peer_ref: str) -> Peer:
    """A peer by id or name, if the actor may manage it."""
    _require_admin(actor)
    found = None
    if not has_nul(peer_ref) and len(peer_ref) <= 100:
        found = db.scalar(
            select(Peer).where((Peer.id == peer_ref) | (Peer.name == peer_ref), _manageable(actor))
        )
    if found is None:
        raise NotFound("peer")
    return found


def update_peer(
    db: Session,
    *,
    actor: Actor,
    peer: Peer,
    enabled: bool | None = None,
    secret: str | None = None,
    username: str | None = None,
    interval_minutes: int | None = None,
    alert_after_minutes: int | None = None,
) -> Peer:
    """Change a peer's state, credentials or schedule; saving also makes the actor its
    administrator of record (who pulled objects are written by)."""
    _require_admin(actor)
    if secret is not None:
        if not secret or has_nul(secret) or len(secret) > 2000:
            raise Invalid("must be 1 to 2000 characters", "secret")
        peer.secret_encrypted = secrets.encrypt(secret)
    if username is not None:
        peer.username = username.strip()[:200]
    if enabled is not None:
        peer.enabled = enabled
        if enabled:
            peer.next_attempt_at = None  # due at once
    if interval_minutes is not None:
        peer.interval_minutes = interval_minutes
    if alert_after_minutes is not None:
        peer.alert_after_minutes = alert_after_minutes
    peer.created_by_id = actor.user_id
    db.flush()
    return peer


def delete_peer(db: Session, *, actor: Actor, peer: Peer) -> None:
    """Forget a peer, its mappings, history and dead letters (pulled objects stay)."""
    _require_admin(actor)
    db.delete(peer)
    db.flush()


def add_mapping(
    db: Session,
    *,
    actor: Actor,
    peer: Peer,
    remote_collection_id: str,
    local_collection_id: str,
    pull: bool = True,
    push: bool = False,
    minimum_label: Tlp | None = None,
) -> Mapping:
    """Pair a remote collection with a local one the actor's organisation may use."""
    _require_admin(actor)
    remote = remote_collection_id.strip()
    if not remote or len(remote) > 300 or has_nul(remote):
        raise Invalid("must be 1 to 300 characters", "remote_collection_id")
    if not pull and not push:
        raise Invalid("choose pull, push or both", "pull")
    # The organisation, not the admin's own roles, is what reads and writes the collection.
    as_member = replace(actor, roles=frozenset({Role.CONTRIBUTOR}))
    collection = sharing_service.get_collection_or_404(
        db, reader=as_member, collection_id=local_collection_id
    )
    if pull and not sharing_service.can_write(db, actor=as_member, collection=collection):
        raise Invalid("your organisation may not add objects to this collection", "pull")
    if db.scalar(
        select(Mapping.id).where(
            Mapping.peer_id == peer.id,
            Mapping.remote_collection_id == remote,
            Mapping.local_collection_id == collection.id,
        )
    ):
        raise Conflict("these two collections are already paired for this peer")
    mapping = Mapping(
        peer_id=peer.id,
        remote_collection_id=remote,
        local_collection_id=collection.id,
        pull=pull,
        push=push,
        minimum_label=minimum_label,
    )
    db.add(mapping)
    db.flush()
    return mapping


def mappings_of(db: Session, *, peer: Peer) -> list[Mapping]:
    """The peer's collection pairs."""
    return list(db.scalars(select(Mapping).where(Mapping.peer_id == peer.id).order_by(Mapping.id)))


def delete_mapping(db: Session, *, actor: Actor, peer: Peer, mapping_id: str) -> None:
    """Stop exchanging one collection pair."""
    _require_admin(actor)
    mapping = db.get(Mapping, mapping_id) if len(mapping_id) <= 36 else None
    if mapping is None or mapping.peer_id != peer.id:
        raise NotFound("mapping")
    db.delete(mapping)
    db.flush()


def outcome_shown(reader: Actor) -> ColumnElement[bool]:
    """The outcomes ``reader`` may see (see :mod:`aseancyber.federation.visibility`)."""
    return visibility.shown(
        reader,
        stix_id=SyncOutcome.stix_id,
        mapping_id=SyncOutcome.mapping_id,
        direction=SyncOutcome.direction,
        refused=SyncOutcome.outcome == OutcomeKind.REJECTED,
    )


def list_runs(db: Session, *, reader: Actor, peer: Peer, limit: int = 50) -> list[RunRead]:
    """The peer's latest runs, newest first, counting only the objects ``reader`` may see."""
    runs = list(
        db.scalars(
            select(SyncRun)
            .where(SyncRun.peer_id == peer.id)
            .order_by(SyncRun.started_at.desc())
            .limit(min(limit, MAX_LISTED))
        )
    )
    counts: dict[tuple[str, Direction, OutcomeKind], int] = {}
    if runs:
        rows = db.execute(
            select(SyncOutcome.run_id, SyncOutcome.direction, SyncOutcome.outcome, func.count())
            .where(SyncOutcome.run_id.in_([run.id for run in runs]), outcome_shown(reader))
            .group_by(SyncOutcome.run_id, SyncOutcome.direction, SyncOutcome.outcome)
        ).tuples()
        counts = {(run_id, d, o): n for run_id, d, o, n in rows}

    def count(run_id: str, outcome: OutcomeKind, *directions: Direction) -> int:
        return sum(counts.get((run_id, d, outcome), 0) for d in directions)

    both = (Direction.PULL, Direction.PUSH)
    return [
        shaped(
            RunRead,
            run,
            pulled=count(run.id, OutcomeKind.ACCEPTED, Direction.PULL),
            pushed=count(run.id, OutcomeKind.ACCEPTED, Direction.PUSH),
            rejected=count(run.id, OutcomeKind.REJECTED, *both),
            withheld=count(run.id, OutcomeKind.WITHHELD, *both),
        )
        for run in runs
    ]


def get_run_or_404(db: Session, *, actor: Actor, run_id: str) -> SyncRun:
    """A run of a peer the actor may manage."""
    _require_admin(actor)
    run = db.get(SyncRun, run_id) if len(run_id) <= 36 and not has_nul(run_id) else None
    if (
        run is None
        or db.scalar(select(Peer.id).where(Peer.id == run.peer_id, _manageable(actor))) is None
    ):
        raise NotFound("run")
    return run


def run_outcomes(
    db: Session,
    *,
    reader: Actor,
    run: SyncRun,
    outcome: OutcomeKind | None = None,
    limit: int = MAX_LISTED,
) -> list[SyncOutcome]:
    """Each object's outcome in a run (of one kind, if asked) that ``reader`` may see."""
    statement = select(SyncOutcome).where(SyncOutcome.run_id == run.id, outcome_shown(reader))
    if outcome is not None:
        statement = statement.where(SyncOutcome.outcome == outcome)
    return list(db.scalars(statement.order_by(SyncOutcome.id).limit(min(limit, MAX_LISTED))))


def dead_letters(
    db: Session, *, reader: Actor, peer: Peer, include_resolved: bool = False
) -> list[DeadLetter]:
    """What could not be exchanged with the peer that ``reader`` may see, newest first."""
    statement = select(DeadLetter).where(
        DeadLetter.peer_id == peer.id, health.dead_letter_shown(reader)
    )
    if not include_resolved:
        statement = statement.where(DeadLetter.resolved_at.is_(None))
    return list(db.scalars(statement.order_by(DeadLetter.last_failed_at.desc()).limit(MAX_LISTED)))


def get_dead_letter_or_404(db: Session, *, actor: Actor, dead_letter_id: str) -> DeadLetter:
    """A dead letter of a peer the actor may manage."""
    _require_admin(actor)
    found = (
        db.scalar(
            select(DeadLetter).where(
                DeadLetter.id == dead_letter_id, health.dead_letter_shown(actor)
            )
        )
        if len(dead_letter_id) <= 36 and not has_nul(dead_letter_id)
        else None
    )
    if (
        found is None
        or db.scalar(select(Peer.id).where(Peer.id == found.peer_id, _manageable(actor))) is None
    ):
        raise NotFound("dead letter")
    return found


SYNC_JOB = "federation.sync_due"


def request_sync(db: Session, *, actor: Actor, peer: Peer) -> None:
    """Queue a sync of the peer now (the worker runs it; the peer page shows the outcome)."""
    _require_admin(actor)
    from aseancyber.jobs.service import enqueue  # noqa: PLC0415 - jobs import every domain

    enqueue(db, kind=SYNC_JOB, payload={"peer_id": peer.id}, max_attempts=1)


def request_retry(db: Session, *, actor: Actor, dead_letter: DeadLetter) -> None:
    """Queue a person's retry of one dead letter (also past the automatic retry limit)."""
    _require_admin(actor)
    from aseancyber.jobs.service import enqueue  # noqa: PLC0415

    enqueue(db, kind=SYNC_JOB, payload={"dead_letter_id": dead_letter.id}, max_attempts=1)
