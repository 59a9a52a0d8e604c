"""Reading shapes of cases (REST and export), built from records the reader may see."""

import csv
import io
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader
from aseancyber.cases import catalogue, messages, service
from aseancyber.cases.models import (
    Attachment,
    Case,
    Message,
    Participant,
    Product,
    ProductStatus,
    Vulnerability,
)
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
from aseancyber.errors import Invalid

MAX_EXPORT = 5_000


def list_item(case: Case) -> CaseListItem:
    """The list view of one (visible) case."""
    return CaseListItem(
        id=case.id,
        reference=case.reference,
        title=case.title,
        kind=case.kind,
        tlp=case.tlp,
        summary=case.summary,
        sectors=list(case.sectors or []),
        embargo_state=case.embargo_state,
        embargo_ends_at=case.embargo_ends_at,
        public_at=case.public_at,
        exploit_at=case.exploit_at,
        attacks_at=case.attacks_at,
        owner_organisation_id=case.owner_organisation_id,
        owner_organisation_name=case.owner_organisation.name,
        created_at=case.created_at,
        updated_at=case.updated_at,
        version=case.version,
    )


def participant_read(participant: Participant) -> ParticipantRead:
    return ParticipantRead(
        id=participant.id,
        organisation_id=participant.organisation_id,
        organisation_name=participant.organisation.name,
        user_id=participant.user_id,
        name=participant.name,
        role=participant.role,
        report_state=participant.report_state,
        involvement=participant.involvement,
        embargo_response=participant.embargo_response,
        embargo_asked_at=participant.embargo_asked_at,
        embargo_answered_at=participant.embargo_answered_at,
        embargo_reason=participant.embargo_reason,
        vendor_aware_at=participant.vendor_aware_at,
        fix_ready_at=participant.fix_ready_at,
        fix_deployed_at=participant.fix_deployed_at,
        version=participant.version,
    )


def product_read(p: Product) -> ProductRead:
    return ProductRead(
        id=p.id,
        vendor_name=p.vendor_name,
        product_name=p.product_name,
        version_range=p.version_range,
        cpe=p.cpe,
        purl=p.purl,
        vendor_participant_id=p.vendor_participant_id,
    )


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
    return VulnerabilityRead(
        id=v.id,
        title=v.title,
        cve=v.cve,
        cwe=v.cwe,
        cwe_name=v.cwe_name,
        description=v.description,
        remediation=v.remediation,
        cvss_vector=v.cvss_vector,
        cvss_score=v.cvss_score,
        cvss_severity=v.cvss_severity,
        ssvc_table=v.ssvc_table,
        ssvc_inputs=v.ssvc_inputs,
        ssvc_decision=v.ssvc_decision,
        epss_score=v.epss_score,
        epss_percentile=v.epss_percentile,
        product_status=statuses,
        status_counts=counts,
        version=v.version,
    )


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
            ThreadRead(
                id=summary.thread.id,
                title=summary.thread.title,
                product_id=summary.thread.product_id,
                message_count=summary.message_count,
                more_messages=summary.more,
            )
            for summary in messages.threads_of(db, reader=reader, case=case, seat=view.seat)
        ],
        threads_total=messages.count_threads(db, case=case),
    )


def message_read(message: Message, attachments: list[Attachment]) -> MessageRead:
    return MessageRead(
        id=message.id,
        thread_id=message.thread_id,
        author_name=message.author.display_name if message.author else "(former user)",
        audience=message.audience,
        audience_participant_id=message.audience_participant_id,
        body=message.body,
        created_at=message.created_at,
        attachments=[
            AttachmentRead(
                id=a.id, filename=a.filename, media_type=a.media_type, size=a.size, sha256=a.sha256
            )
            for a in attachments
        ],
    )


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


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


def _cell(value: Any) -> str:
    text = "" if value is None else (";".join(value) if isinstance(value, list) else str(value))
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def export(db: Session, *, reader: Reader, filters: service.CaseFilters, format: str) -> Export:
    """The visible cases matching ``filters`` as JSON or CSV; the export is audited.

    Messages are not exported here: a case's messages leave only through
    :func:`export_messages`, which applies each message's audience.
    """
    if format not in {"json", "csv"}:
        raise Invalid("must be json or csv", "format")
    cases = service.all_visible(db, reader=reader, filters=filters, limit=MAX_EXPORT)
    items = [list_item(case).model_dump(mode="json") for case in cases]
    if format == "json":
        content = orjson.dumps({"items": items, "count": len(items)}, option=orjson.OPT_INDENT_2)
        media_type = "application/json"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for item in items:
            writer.writerow([_cell(item[column]) for column in CSV_COLUMNS])
        content, media_type = buffer.getvalue().encode(), "text/csv; charset=utf-8"
    audit.record(
        db,
        action="case.export",
        record_kind="case",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(cases)}", f"format={format}"],
        after={"ids": [case.id for case in cases]},
        actor=reader,
    )
    return Export(content, media_type, f"cases.{format}")


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
