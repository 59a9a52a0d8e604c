"""REST routes for federation peers (/api/v1/federation): organisation admins only.

A peer of another organisation is 404 on every route. Credentials go in, never out. A
sync or a dead-letter retry is queued for the worker (202); the run's outcomes are read
back from ``/runs/{id}/outcomes``.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CurrentActor, DbSession
from aseancyber.access.policy import Actor
from aseancyber.federation import health, service
from aseancyber.federation.models import (
    DeadLetter,
    Mapping,
    OutcomeKind,
    Peer,
    SyncOutcome,
)
from aseancyber.federation.schemas import (
    DeadLetterRead,
    HealthRead,
    MappingCreate,
    MappingRead,
    OutcomeRead,
    PeerCreate,
    PeerRead,
    PeerUpdate,
    RunRead,
)
from aseancyber.shaping import shaped

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])


def mapping_read(db: Session, actor: Actor, mapping: Mapping) -> MappingRead:
    return shaped(
        MappingRead,
        mapping,
        queue=health.push_queue(db, mapping=mapping, reader=actor),
    )


def peer_read(db: Session, actor: Actor, peer: Peer) -> PeerRead:
    figures = health.peer_health(db, peer=peer, reader=actor)
    return shaped(
        PeerRead,
        peer,
        organisation_name=peer.organisation.name,
        health=HealthRead(
            state=figures.state,
            last_success_at=figures.last_success_at,
            lag_seconds=figures.lag.total_seconds() if figures.lag is not None else None,
            error_rate=figures.error_rate,
            recent_runs=figures.recent_runs,
            queue=figures.queue,
            open_dead_letters=figures.open_dead_letters,
            last_error=figures.last_error,
            next_attempt_at=figures.next_attempt_at,
        ),
        mappings=[mapping_read(db, actor, m) for m in service.mappings_of(db, peer=peer)],
    )


def outcome_read(outcome: SyncOutcome) -> OutcomeRead:
    return OutcomeRead.model_validate(outcome, from_attributes=True)


def dead_letter_read(letter: DeadLetter) -> DeadLetterRead:
    return DeadLetterRead.model_validate(letter, from_attributes=True)


@router.get("/peers")
def list_peers(db: DbSession, actor: CurrentActor) -> list[PeerRead]:
    """The peers of the admin's organisation, with their health."""
    return [peer_read(db, actor, peer) for peer in service.list_peers(db, actor=actor)]


@router.post("/peers", status_code=201)
def create_peer(body: PeerCreate, db: DbSession, actor: CurrentActor) -> PeerRead:
    """Register a remote TAXII 2.1 API root; the credentials are stored encrypted."""
    peer = service.create_peer(db, actor=actor, **body.model_dump())
    return peer_read(db, actor, peer)


@router.get("/peers/{peer_ref}")
def get_peer(peer_ref: str, db: DbSession, actor: CurrentActor) -> PeerRead:
    """One peer with health (last success, lag, error rate, queue) and mappings."""
    return peer_read(db, actor, service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref))


@router.patch("/peers/{peer_ref}")
def update_peer(peer_ref: str, body: PeerUpdate, db: DbSession, actor: CurrentActor) -> PeerRead:
    """Enable or disable a peer, or change its credentials or schedule."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    service.update_peer(db, actor=actor, peer=peer, **body.model_dump(exclude_unset=True))
    return peer_read(db, actor, peer)


@router.delete("/peers/{peer_ref}", status_code=204)
def delete_peer(peer_ref: str, db: DbSession, actor: CurrentActor) -> Response:
    """Forget a peer (objects it brought stay)."""
    service.delete_peer(
        db, actor=actor, peer=service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    )
    return Response(status_code=204)


@router.post("/peers/{peer_ref}/mappings", status_code=201)
def add_mapping(
    peer_ref: str, body: MappingCreate, db: DbSession, actor: CurrentActor
) -> MappingRead:
    """Pair a remote collection with a local one, to pull, push or both."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    return mapping_read(
        db, actor, service.add_mapping(db, actor=actor, peer=peer, **body.model_dump())
    )


@router.delete("/peers/{peer_ref}/mappings/{mapping_id}", status_code=204)
def delete_mapping(peer_ref: str, mapping_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Stop exchanging one collection pair."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    service.delete_mapping(db, actor=actor, peer=peer, mapping_id=mapping_id)
    return Response(status_code=204)


@router.post("/peers/{peer_ref}/sync", status_code=202)
def request_sync(peer_ref: str, db: DbSession, actor: CurrentActor) -> dict[str, str]:
    """Queue a sync now; the worker runs it."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    service.request_sync(db, actor=actor, peer=peer)
    return {"status": "queued"}


@router.get("/peers/{peer_ref}/runs")
def list_runs(
    peer_ref: str,
    db: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LISTED)] = 50,
) -> list[RunRead]:
    """The peer's history, newest first."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    return service.list_runs(db, reader=actor, peer=peer, limit=limit)


@router.get("/runs/{run_id}/outcomes")
def run_outcomes(
    run_id: str,
    db: DbSession,
    actor: CurrentActor,
    outcome: OutcomeKind | None = None,
) -> list[OutcomeRead]:
    """Each object's outcome in one run: accepted, rejected (the peer's reason) or withheld
    (the TLP rule)."""
    run = service.get_run_or_404(db, actor=actor, run_id=run_id)
    return [
        outcome_read(o) for o in service.run_outcomes(db, reader=actor, run=run, outcome=outcome)
    ]


@router.get("/peers/{peer_ref}/dead-letters")
def list_dead_letters(
    peer_ref: str, db: DbSession, actor: CurrentActor, resolved: bool = False
) -> list[DeadLetterRead]:
    """What could not be exchanged with the peer."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_ref)
    return [
        dead_letter_read(letter)
        for letter in service.dead_letters(db, reader=actor, peer=peer, include_resolved=resolved)
    ]


@router.post("/dead-letters/{dead_letter_id}/retry", status_code=202)
def retry_dead_letter(dead_letter_id: str, db: DbSession, actor: CurrentActor) -> dict[str, str]:
    """Queue a retry of one dead letter."""
    letter = service.get_dead_letter_or_404(db, actor=actor, dead_letter_id=dead_letter_id)
    service.request_retry(db, actor=actor, dead_letter=letter)
    return {"status": "queued"}
