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


def list_item(request: CrossBorderRequest) -> RequestListItem:
    """The list view of one (visible) request."""
    return RequestListItem(
        id=request.id,
        kind=request.kind,
        status=request.status,
        subject=request.subject,
        emergency=request.emergency,
        tlp=request.tlp,
        owner_organisation_id=request.owner_organisation_id,
        owner_organisation_name=request.owner_organisation.name,
        receiving_organisation_id=request.receiving_organisation_id,
        receiving_organisation_name=request.receiving_organisation.name,
        created_at=request.created_at,
        sent_at=request.sent_at,
        ack_due_at=request.ack_due_at,
        acknowledged_at=request.acknowledged_at,
        answer_due_at=request.answer_due_at,
        answered_at=request.answered_at,
        closed_at=request.closed_at,
        overdue=is_overdue(request),
        answer_overdue=is_answer_overdue(request),
        version=request.version,
    )


def read(db: Session, *, request: CrossBorderRequest) -> RequestRead:
    """The full view of one (visible) request with its thread and escalations."""
    messages = [
        MessageRead(
            id=m.id,
            event=m.event,
            body=m.body,
            author_name=m.author.display_name if m.author else "",
            organisation_name=m.organisation.name,
            created_at=m.created_at,
        )
        for m in thread(db, request=request)
    ]
    return RequestRead(
        **list_item(request).model_dump(),
        body=request.body,
        requesting_contact=request.requesting_contact,
        case_reference=request.case_reference,
        offence=request.offence,
        facts_summary=request.facts_summary,
        data_to_preserve=request.data_to_preserve,
        identifiers=request.identifiers,
        custodian=request.custodian,
        custodian_location=request.custodian_location,
        urgency_reason=request.urgency_reason,
        mla_will_follow=request.mla_will_follow,
        preservation_days=request.preservation_days,
        confidentiality=request.confidentiality,
        mla_reference=request.mla_reference,
        outcome=request.outcome,
        answer=request.answer,
        refusal_grounds=request.refusal_grounds,
        preserved_from=request.preserved_from,
        preserved_until=request.preserved_until,
        renewal_due=renewal_due(request),
        escalations=[
            EscalationRead(
                at=e.at,
                deadline=e.deadline,
                reason=e.reason,
                recipients=e.recipient_list,
                people_told=e.people_told,
            )
            for e in escalations(db, request=request)
        ],
        messages=messages,
    )
