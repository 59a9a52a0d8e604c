"""The REST views of a request: the list item and the full record with its thread and
escalations (built from a request the reader may already see)."""

from sqlalchemy.orm import Session

from aseancyber.requests.models import CrossBorderRequest
from aseancyber.requests.schemas import EscalationRead, MessageRead, RequestListItem, RequestRead
from aseancyber.requests.service import (
    escalations,
    is_answer_overdue,
    is_overdue,
    renewal_due,
    thread,
)
from aseancyber.shaping import shaped


def list_item(request: CrossBorderRequest) -> RequestListItem:
    """The list view of one (visible) request."""
    return shaped(
        RequestListItem,
        request,
        owner_organisation_name=request.owner_organisation.name,
        receiving_organisation_name=request.receiving_organisation.name,
        overdue=is_overdue(request),
        answer_overdue=is_answer_overdue(request),
    )


def read(db: Session, *, request: CrossBorderRequest) -> RequestRead:
    """The full view of one (visible) request with its thread and escalations."""
    messages = [
        shaped(
            MessageRead,
            m,
            author_name=m.author.display_name if m.author else "",
            organisation_name=m.organisation.name,
        )
        for m in thread(db, request=request)
    ]
    return shaped(
        RequestRead,
        request,
        **list_item(request).model_dump(),
        renewal_due=renewal_due(request),
        escalations=[
            shaped(EscalationRead, e, recipients=e.recipient_list)
            for e in escalations(db, request=request)
        ],
        messages=messages,
    )
