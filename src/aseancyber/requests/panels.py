"""The requests dashboard panel (declared in the domain's manifest): requests
sent to the reader's organisation that await its acknowledgement or its answer."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, visible_to
from aseancyber.plugins import Panel
from aseancyber.requests import service
from aseancyber.requests.models import CrossBorderRequest, RequestStatus

SHOWN = 5
AWAITING = (RequestStatus.SENT, RequestStatus.ACKNOWLEDGED, RequestStatus.IN_PROGRESS)


def requests_awaiting(db: Session, actor: Actor) -> Panel | None:
    """Visible requests to the reader's organisation still to acknowledge or answer, the
    earliest deadline first (no panel when there are none)."""
    condition = (
        CrossBorderRequest.receiving_organisation_id == actor.organisation_id,
        CrossBorderRequest.status.in_(AWAITING),
        visible_to(actor, CrossBorderRequest),
    )
    total = db.scalar(select(func.count()).select_from(CrossBorderRequest).where(*condition))
    if not total:
        return None
    # Those still to acknowledge first (by their deadline), then those to answer (oldest first).
    waiting_ack = CrossBorderRequest.status == RequestStatus.SENT
    shown = db.scalars(
        select(CrossBorderRequest)
        .where(*condition)
        .order_by(
            waiting_ack.desc(),
            CrossBorderRequest.emergency.desc(),
            CrossBorderRequest.ack_due_at,
            CrossBorderRequest.sent_at,
            CrossBorderRequest.id,
        )
        .limit(SHOWN)
    ).all()
    return Panel(
        "Requests awaiting your organisation",
        "requests/panels/awaiting.html",
        {
            "requests": [(r, service.is_overdue(r)) for r in shown],
            "total": int(total),
        },
        more_href="/requests",
        more_label="All requests",
    )
