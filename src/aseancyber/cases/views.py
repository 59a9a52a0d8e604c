"""Reading shapes of cases (REST and export), built from records the reader may see."""

from dataclasses import dataclass

import orjson
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.cases import catalogue, service
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages.models import Attachment, Message
from aseancyber.cases.models import Case, Participant, Product, ProductStatus, Vulnerability
from aseancyber.cases.schemas import (
    AttachmentRead,
    CaseListItem,
    CaseRead,
    MessageRead,
    ParticipantRead,
    ProductRead,
    ThreadRead,
    VulnerabilityRead,
)
from aseancyber.exports import Export, audit_export, check_format, table_export
from aseancyber.shaping import shaped

MAX_EXPORT = 5_000


def list_item(case: Case) -> CaseListItem:
    """The list view of one (visible) case."""
    return shaped(
        CaseListItem,
        case,
        sectors=list(case.sectors or []),
        owner_organisation_name=case.owner_organisation.name,
    )


def participant_read(participant: Participant) -> ParticipantRead:
    return shaped(ParticipantRead, participant, organisation_name=participant.organisation.name)


def product_read(p: Product) -> ProductRead:
    return shaped(ProductRead, p)


@dataclass(frozen=True)
class Overview:
    """What a case's detail shows inline: bounded however many vendors take part."""

    seat: service.Seat
    participants: list[Participant]
    participants_next_cursor: str | None
    participant_count: int
    participant_summary: dict[str, dict[str, int]]
    products: list[Product]
    products_next_cursor: str | None
    products_total: int
    vulnerabilities: list[Vulnerability]
    statuses: dict[str, dict[str, ProductStatus]]
    status_counts: dict[str, dict[str, int]]


def overview(db: Session, *, reader: Reader, case: Case) -> Overview:
    """The bounded inline view of a case: first pages plus the reader's own seats."""
    seat = service.seat_of(db, reader=reader, case=case)
    first = service.participants_page(db, case_id=case.id)
    shown = {p.id: p for p in first.items}
    for own in seat.participants:
        shown.setdefault(own.id, own)
    summary = service.participant_summary(db, case_id=case.id)
    products_page = catalogue.products_page(db, case_id=case.id)
    products = {p.id: p for p in products_page.items}
    if seat.participant_ids:
        for product in catalogue.products_of_vendors(
            db, case_id=case.id, participant_ids=seat.participant_ids
        ):
            products.setdefault(product.id, product)
    return Overview(
        seat=seat,
        participants=list(shown.values()),
        participants_next_cursor=first.next_cursor,
        participant_count=sum(summary["roles"].values()),
        participant_summary=summary,
        products=list(products.values()),
        products_next_cursor=products_page.next_cursor,
        products_total=catalogue.count_products(db, case_id=case.id),
        vulnerabilities=catalogue.vulnerabilities_of(db, case_id=case.id),
        statuses=catalogue.statuses_for(db, case_id=case.id, product_ids=list(products)),
        status_counts=catalogue.status_counts(db, case_id=case.id),
    )


def vulnerability_read(
    v: Vulnerability, statuses: dict[str, ProductStatus], counts: dict[str, int]
) -> VulnerabilityRead:
    return shaped(VulnerabilityRead, v, product_status=statuses, status_counts=counts)


def read(db: Session, *, reader: Reader, case: Case) -> CaseRead:
    """The detail of one (visible) case: state, first pages of participants and products,
    vulnerabilities with status counts, threads."""
    view = overview(db, reader=reader, case=case)
    return CaseRead(
        **list_item(case).model_dump(),
        embargo_proposed_ends_at=case.embargo_proposed_ends_at,
        your_participant_ids=sorted(view.seat.participant_ids),
        you_coordinate=view.seat.coordinator,
        participant_count=view.participant_count,
        participant_summary=view.participant_summary,
        participants=[participant_read(p) for p in view.participants],
        participants_next_cursor=view.participants_next_cursor,
        products_total=view.products_total,
        products=[product_read(p) for p in view.products],
        products_next_cursor=view.products_next_cursor,
        vulnerabilities=[
            vulnerability_read(v, view.statuses.get(v.id, {}), view.status_counts.get(v.id, {}))
            for v in view.vulnerabilities
        ],
        threads=[
            thread_read(summary)
            for summary in messages.threads_of(db, reader=reader, case=case, seat=view.seat)
        ],
        threads_total=messages.count_threads(db, case=case),
    )


def thread_read(summary: messages.ThreadSummary) -> ThreadRead:
    """A thread with the count of the messages the reader may read in it (capped)."""
    return ThreadRead(
        id=summary.thread.id,
        title=summary.thread.title,
        product_id=summary.thread.product_id,
        message_count=summary.message_count,
        more_messages=summary.more,
    )


def message_read(message: Message, attachments: list[Attachment]) -> MessageRead:
    return shaped(
        MessageRead,
        message,
        author_name=message.author.display_name if message.author else "(former user)",
        attachments=[shaped(AttachmentRead, a) for a in attachments],
    )


CSV_COLUMNS = (
    "id",
    "reference",
    "title",
    "kind",
    "tlp",
    "sectors",
    "embargo_state",
    "owner_organisation_name",
    "created_at",
)


def export(db: Session, *, reader: Reader, filters: service.CaseFilters, format: str) -> Export:
    """The visible cases matching ``filters`` as JSON or CSV; the export is audited.

    Messages are not exported here: a case's messages leave only through
    :func:`export_messages`, which applies each message's audience.
    """
    check_format(format)
    cases = service.all_visible(db, reader=reader, filters=filters, limit=MAX_EXPORT)
    items = [list_item(case).model_dump(mode="json") for case in cases]
    exported = table_export(
        items, columns=CSV_COLUMNS, format=format, name="cases", list_separator=";"
    )
    ids = [case.id for case in cases]
    audit_export(
        db, reader=reader, action="case.export", record_kind="case", ids=ids, format=format
    )
    return exported


def export_messages(db: Session, *, reader: Reader, case: Case) -> Export:
    """The messages of one case that the reader may read, as JSON (audited)."""
    seat = service.seat_of(db, reader=reader, case=case)
    found: list[Message] = []
    cursor = None
    while True:
        page = messages.list_messages(
            db, reader=reader, case=case, seat=seat, cursor=cursor, limit=500, newest_first=False
        )
        found += page.items
        cursor = page.next_cursor
        if cursor is None or len(found) >= 50_000:
            break
    attachments = messages.attachments_of(db, found)
    items = [message_read(m, attachments.get(m.id, [])).model_dump(mode="json") for m in found]
    audit.record(
        db,
        action="case.messages_export",
        record_kind="case",
        record_id=case.id,
        record_organisation_id=case.owner_organisation_id,
        changed_fields=[f"count={len(items)}"],
        actor=reader,
    )
    content = orjson.dumps({"items": items, "count": len(items)}, option=orjson.OPT_INDENT_2)
    return Export(content, "application/json", f"{case.reference}-messages.json")
