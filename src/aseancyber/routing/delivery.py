""" "Notify the responsible CERTs": routed findings become STIX 2.1 bundles in each CERT's
collection, and the CERT's people are told.

For each receiving organisation the findings become STIX 2.1 observed-data objects, each
referring to the observable (ipv4-addr, ipv6-addr, domain-name, autonomous-system) and
carrying the finding's TLP 2.0 marking: the batch's label, or a finding's own when it is
stricter, never looser. The bundle goes through the sharing ingest service (the path TAXII
uses) into the organisation's routed-findings collection, with the organisation named in
the audience so TLP:AMBER, AMBER+STRICT and RED objects reach it and nobody else. Its
active users get an inbox notification (and e-mail by their preference), the
organisation's own address an e-mail, and the delivery is one audit entry. Findings with
no responsible organisation are listed in the summary, never dropped silently.
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import Organisation, Role, User
from aseancyber.access.permissions import Permission
from aseancyber.access.policy import Actor, Tlp, stricter
from aseancyber.access.rules import Action, may
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.notify import service as notify
from aseancyber.notify.models import NotificationKind
from aseancyber.routing import resolve
from aseancyber.routing.models import RoutingInbox
from aseancyber.routing.service import look_up
from aseancyber.sharing import ingest, stix
from aseancyber.sharing import service as sharing
from aseancyber.sharing.models import Collection, CollectionKind

# STIX 2.1 section 2.9: deterministic SCO ids are UUIDv5 in this namespace.
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
SCO_TYPES = {"ipv4": "ipv4-addr", "ipv6": "ipv6-addr", "domain": "domain-name"}


@dataclass
class Delivered:
    organisation_id: str
    organisation_name: str
    state_name: str | None
    collection_id: str
    findings: int
    stored: int
    failed: int
    users_notified: int
    labels: dict[str, int]


@dataclass
class DeliverySummary:
    delivered: list[Delivered] = field(default_factory=list)
    undelivered: list[resolve.Routed] = field(default_factory=list)

    @property
    def delivered_findings(self) -> int:
        return sum(item.findings for item in self.delivered)


def sco_id(kind: str, contributing: dict[str, Any]) -> str:
    """The deterministic id of an SCO from its ID-contributing properties (JCS canonical)."""
    canonical = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}--{uuid.uuid5(SCO_NAMESPACE, canonical)}"


def labels_for(size: int, tlp: Tlp, finding_tlps: Sequence[Tlp | None] | None) -> list[Tlp]:
    """Each finding's label: the batch's, or the finding's own when stricter."""
    if finding_tlps is None:
        return [tlp] * size
    if len(finding_tlps) != size:
        raise Invalid("must give one label per finding (or none)", "finding_tlps")
    return [stricter(tlp, own) if own is not None else tlp for own in finding_tlps]


def notify_certs(
    db: Session,
    *,
    actor: Actor,
    values: Sequence[str],
    tlp: Tlp,
    finding_tlps: Sequence[Tlp | None] | None = None,
) -> DeliverySummary:
    """Route the findings and deliver each organisation's share as a STIX bundle, notified."""
    if not may(actor, Action.NOTIFY, RoutingInbox):
        raise Forbidden(f"notifying CERTs needs the permission {Permission.ROUTING_NOTIFY.value}")
    lookup = look_up(db, values=values)
    labels = labels_for(len(lookup.rows), tlp, finding_tlps)
    groups: dict[str, list[tuple[resolve.Routed, Tlp]]] = defaultdict(list)
    summary = DeliverySummary()
    for row, label in zip(lookup.rows, labels, strict=True):
        if row.organisation is None:
            summary.undelivered.append(row)
        else:
            groups[row.organisation.id].append((row, label))
    for organisation_id in sorted(groups):
        organisation = db.get(Organisation, organisation_id)
        assert organisation is not None  # it came from the directory in this transaction
        summary.delivered.append(
            _deliver(db, actor=actor, organisation=organisation, items=groups[organisation_id])
        )
    return summary


def inbox_for(db: Session, *, actor: Actor, organisation: Organisation) -> Collection:
    """The organisation's routed-findings collection, created (owned by it) on first use."""
    inbox = db.get(RoutingInbox, organisation.id)
    if inbox is not None:
        collection = db.get(Collection, inbox.collection_id)
        if collection is not None:
            return collection
        db.delete(inbox)
        db.flush()
    # The collection belongs to the receiving organisation: created in its name (as a
    # coordinator of it would), so only it and its grantees read what is routed to it.
    receiving = Actor(
        user_id=actor.user_id,
        organisation_id=organisation.id,
        member_state_id=organisation.member_state_id,
        is_community=organisation.is_community,
        roles=frozenset({Role.COORDINATOR}),
    )
    collection = sharing.create_collection(
        db,
        actor=receiving,
        title=f"{organisation.short_name or organisation.name}: routed findings",
        kind=CollectionKind.OWN,
        default_tlp=Tlp.AMBER,
        description="Findings other organisations routed here as the responsible CERT.",
    )
    db.add(RoutingInbox(organisation_id=organisation.id, collection_id=collection.id))
    db.flush()
    return collection


def bundle_objects(
    items: Sequence[tuple[resolve.Routed, Tlp]], *, sender_organisation_id: str
) -> list[dict[str, Any]]:
    """The STIX 2.1 objects for one organisation's findings (SCOs and observed-data)."""
    now = stix.format_timestamp(utcnow())
    sender = stix.identity_id_for(sender_organisation_id)
    scos: dict[str, tuple[dict[str, Any], Tlp]] = {}
    observed = []

    def add_sco(obj: dict[str, Any], label: Tlp) -> str:
        known = scos.get(obj["id"])
        scos[obj["id"]] = (obj, stricter(label, known[1]) if known else label)
        return str(obj["id"])

    for row, label in items:
        refs = []
        if row.kind == "asn":
            assert row.asn is not None
            refs.append(add_sco(_as_sco(row.asn, row.as_name), label))
        else:
            kind = SCO_TYPES[row.kind]
            refs.append(
                add_sco(
                    {
                        "type": kind,
                        "spec_version": "2.1",
                        "id": sco_id(kind, {"value": row.value}),
                        "value": row.value,
                    },
                    label,
                )
            )
            if row.asn:
                refs.append(add_sco(_as_sco(row.asn, row.as_name), label))
        observed.append(
            {
                "type": "observed-data",
                "spec_version": "2.1",
                "id": f"observed-data--{uuid.uuid4()}",
                "created": now,
                "modified": now,
                "created_by_ref": sender,
                "first_observed": now,
                "last_observed": now,
                "number_observed": 1,
                "object_refs": refs,
                "labels": ["routed-finding"],
                "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
                "x_aseancyber_routing": {
                    "rule": row.rule,
                    "country": row.country,
                    "asn": row.asn,
                    "responsible_state": row.state_iso2,
                },
            }
        )
    marked_scos = [
        {**obj, "object_marking_refs": [stix.MARKING_FOR_LABEL[label]]}
        for obj, label in scos.values()
    ]
    return [*marked_scos, *observed]


def _as_sco(number: int, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "autonomous-system",
        "spec_version": "2.1",
        "id": sco_id("autonomous-system", {"number": number}),
        "number": number,
    }
    if name:
        obj["name"] = name
    return obj


def _deliver(
    db: Session,
    *,
    actor: Actor,
    organisation: Organisation,
    items: list[tuple[resolve.Routed, Tlp]],
) -> Delivered:
    collection = inbox_for(db, actor=actor, organisation=organisation)
    objects = bundle_objects(items, sender_organisation_id=actor.organisation_id)
    report = ingest.ingest(
        db,
        actor=actor,
        collection=collection,
        objects=objects,
        audience_organisation_ids=[organisation.id],
    )
    counts: dict[str, int] = defaultdict(int)
    for _, label in items:
        counts[label.value] += 1
    state = organisation.member_state.name if organisation.member_state else None
    users = list(
        db.scalars(
            select(User.id).where(User.organisation_id == organisation.id, User.is_active.is_(True))
        )
    )
    noun = "finding" if len(items) == 1 else "findings"
    title = f"{len(items)} {noun} routed to {organisation.short_name or organisation.name}"
    body = (
        "Another organisation named yours as the responsible CERT for these findings. "
        + ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        + ". They are in your routed-findings collection."
    )
    link = f"/sharing/objects?collection={collection.id}"
    notified = notify.notify(
        db, user_ids=users, kind=NotificationKind.SYSTEM, title=title, body=body, link=link
    )
    if organisation.email:
        notify.queue_email(
            db,
            to=organisation.email,
            subject=title,
            body=notify.email_body(title=title, body=body, link=link),
        )
    audit.record(
        db,
        action="routing.notify",
        record_kind="sharing_collection",
        record_id=collection.id,
        record_organisation_id=organisation.id,
        changed_fields=[f"findings={len(items)}", f"stored={report.successes}"],
        after={"status_id": report.status_id, "labels": dict(counts)},
        actor=actor,
    )
    return Delivered(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        state_name=state,
        collection_id=collection.id,
        findings=len(items),
        stored=report.successes,
        failed=report.failures,
        users_notified=len(notified),
        labels=dict(counts),
    )
