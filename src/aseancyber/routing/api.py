"""REST routes for routing findings (/api/v1/routing) and the constituency registry
(/api/v1/routing/registry).

Looking up needs a signed-in user (it reveals only directory data); notifying needs
``routing:notify``; editing the registry ``routing:registry_edit``.
"""

from fastapi import APIRouter, Response

from aseancyber.access.dependencies import CurrentActor, DbSession
from aseancyber.routing import delivery, service
from aseancyber.routing.schemas import (
    EntryCreate,
    EntryRead,
    NotifyRequest,
    NotifyResult,
    RoutedRead,
    RoutingRequest,
    RoutingResult,
)

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.post("/routing")
def route_findings(body: RoutingRequest, db: DbSession, actor: CurrentActor) -> RoutingResult:
    """Name the responsible member state and national CERT of each finding, and the rule."""
    lookup = service.look_up(db, values=body.findings)
    return RoutingResult(
        table_generation=lookup.table_generation,
        findings=[RoutedRead.of(row) for row in lookup.rows],
    )


@router.post("/routing/notify")
def notify_certs(body: NotifyRequest, db: DbSession, actor: CurrentActor) -> NotifyResult:
    """Deliver the findings to each responsible CERT's collection as STIX and notify it."""
    summary = delivery.notify_certs(
        db, actor=actor, values=body.findings, tlp=body.tlp, finding_tlps=body.finding_tlps
    )
    return NotifyResult.of(summary)


@router.get("/routing/registry")
def list_registry(db: DbSession, actor: CurrentActor) -> list[EntryRead]:
    """Every constituency registry entry."""
    return [EntryRead.of(entry) for entry in service.list_entries(db)]


@router.post("/routing/registry", status_code=201)
def create_registry_entry(body: EntryCreate, db: DbSession, actor: CurrentActor) -> EntryRead:
    """Send one country, AS or domain suffix to an organisation (wins over the data files)."""
    entry = service.create_entry(
        db,
        actor=actor,
        kind=body.kind,
        key=body.key,
        organisation_id=body.organisation_id,
        note=body.note,
    )
    return EntryRead.of(entry)


@router.delete("/routing/registry/{entry_id}", status_code=204)
def delete_registry_entry(entry_id: str, db: DbSession, actor: CurrentActor) -> Response:
    """Remove a constituency registry entry."""
    service.delete_entry(db, actor=actor, entry_id=entry_id)
    return Response(status_code=204)
