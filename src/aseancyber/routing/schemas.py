"""Request and response shapes for routing findings and the constituency registry."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import NoNul, RecordId
from aseancyber.routing.delivery import Delivered, DeliverySummary
from aseancyber.routing.models import ConstituencyEntry, ConstituencyKind
from aseancyber.routing.resolve import Routed
from aseancyber.routing.service import MAX_FINDINGS
from aseancyber.shaping import shaped

FindingText = Annotated[str, StringConstraints(max_length=300), NoNul]


class RoutingRequest(BaseModel):
    """A batch of findings: IP addresses, domain names and AS numbers (``AS4788``)."""

    model_config = ConfigDict(extra="forbid")

    findings: list[FindingText] = Field(min_length=1, max_length=MAX_FINDINGS)


class NotifyRequest(RoutingRequest):
    """Findings to deliver, with the source's label and, optionally, one label per finding
    (a finding's own label counts only when it is stricter than ``tlp``)."""

    tlp: Tlp = Tlp.AMBER
    finding_tlps: list[Tlp | None] | None = Field(default=None, max_length=MAX_FINDINGS)


class RoutedRead(BaseModel):
    value: str
    kind: str
    country: str | None
    asn: int | None
    as_name: str
    responsible_state: str | None
    responsible_state_name: str | None
    organisation_id: str | None
    organisation_name: str | None
    rule: str

    @classmethod
    def of(cls, row: Routed) -> "RoutedRead":
        return shaped(
            cls,
            row,
            responsible_state=row.state_iso2,
            responsible_state_name=row.state_name,
            organisation_id=row.organisation.id if row.organisation else None,
            organisation_name=row.organisation.name if row.organisation else None,
        )


class RoutingResult(BaseModel):
    table_generation: int
    findings: list[RoutedRead]


class DeliveredRead(BaseModel):
    organisation_id: str
    organisation_name: str
    responsible_state_name: str | None
    collection_id: str
    findings: int
    objects_stored: int
    objects_failed: int
    users_notified: int
    labels: dict[str, int]

    @classmethod
    def of(cls, item: Delivered) -> "DeliveredRead":
        return cls(
            organisation_id=item.organisation_id,
            organisation_name=item.organisation_name,
            responsible_state_name=item.state_name,
            collection_id=item.collection_id,
            findings=item.findings,
            objects_stored=item.stored,
            objects_failed=item.failed,
            users_notified=item.users_notified,
            labels=item.labels,
        )


class NotifyResult(BaseModel):
    delivered: list[DeliveredRead]
    undelivered: list[RoutedRead]

    @classmethod
    def of(cls, summary: DeliverySummary) -> "NotifyResult":
        return cls(
            delivered=[DeliveredRead.of(item) for item in summary.delivered],
            undelivered=[RoutedRead.of(row) for row in summary.undelivered],
        )


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ConstituencyKind
    key: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253), NoNul
    ]
    organisation_id: RecordId
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul] = ""


class EntryRead(BaseModel):
    id: str
    kind: ConstituencyKind
    key: str
    organisation_id: str
    organisation_name: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, entry: ConstituencyEntry) -> "EntryRead":
        return cls(
            id=entry.id,
            kind=entry.kind,
            key=entry.key,
            organisation_id=entry.organisation_id,
            organisation_name=entry.organisation.name,
            note=entry.note,
            created_at=entry.created_at,
        )
