"""Pages for federation peers: /federation/peers and /federation/peers/{id}.

Organisation admins see their organisation's peers: health (last success, lag, error
rate, queue), mappings, history with each object's outcome, and the dead letters, each
with a retry button. Another organisation's peer is 404.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, require
from aseancyber.federation import health, service
from aseancyber.federation.models import OutcomeKind
from aseancyber.web import templating

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/federation/peers", dependencies=[Depends(require(service.MANAGE_PEERS))])
def list_peers(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The organisation's peers and their health at a glance."""
    peers = service.list_peers(db, actor=actor)
    rows = [(peer, health.peer_health(db, peer=peer, reader=actor)) for peer in peers]
    return templating.render(request, "federation/peers.html", {"rows": rows})


@router.get("/federation/peers/{peer_id}")
def peer_page(
    *,
    request: Request,
    peer_id: str,
    db: DbSession,
    actor: CurrentActor,
    run: Annotated[str | None, Query(max_length=36)] = None,
    outcome: Annotated[OutcomeKind | None, Query()] = None,
) -> Response:
    """One peer: health, mappings, history, dead letters; one run's outcomes when asked."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_id)
    chosen = service.get_run_or_404(db, actor=actor, run_id=run) if run else None
    return templating.render(
        request,
        "federation/peer.html",
        {
            "peer": peer,
            "health": health.peer_health(db, peer=peer, reader=actor),
            "mappings": [
                (m, health.push_queue(db, mapping=m, reader=actor))
                for m in service.mappings_of(db, peer=peer)
            ],
            "runs": service.list_runs(db, reader=actor, peer=peer, limit=30),
            "chosen": chosen,
            "outcomes": service.run_outcomes(db, reader=actor, run=chosen, outcome=outcome)
            if chosen
            else [],
            "dead_letters": service.dead_letters(db, reader=actor, peer=peer),
        },
    )


@router.post("/federation/peers/{peer_id}/sync", dependencies=[CsrfChecked])
def sync_now(peer_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Queue a sync of the peer now."""
    peer = service.get_peer_or_404(db, actor=actor, peer_ref=peer_id)
    service.request_sync(db, actor=actor, peer=peer)
    return templating.redirect(
        f"/federation/peers/{peer.id}", "A sync was queued; refresh to see it.", "success"
    )


@router.post("/federation/dead-letters/{dead_letter_id}/retry", dependencies=[CsrfChecked])
def retry(dead_letter_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Queue a retry of one dead letter."""
    letter = service.get_dead_letter_or_404(db, actor=actor, dead_letter_id=dead_letter_id)
    service.request_retry(db, actor=actor, dead_letter=letter)
    return templating.redirect(
        f"/federation/peers/{letter.peer_id}", "A retry was queued.", "success"
    )
