"""Demo threat-information sharing: a regional collection, one collection per member state,
a sharing group with the Japanese dialogue-partner CERT, and realistic STIX objects from
every state's CERT analyst (documentation address ranges and example domains only).

:func:`load_demo_sharing` is idempotent: it does nothing once the regional collection
exists, and nothing until the demo accounts exist.
"""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, Role, User
from aseancyber.access.policy import Tlp
from aseancyber.access.service import actor_for
from aseancyber.sharing import ingest, service, stix
from aseancyber.sharing.models import Collection, CollectionKind

REGIONAL_TITLE = "ASEAN regional threat sharing"
GROUP_NAME = "ASEAN national CERTs + JP CERT"
NAMESPACE = uuid.UUID("0b7d1f32-8c55-4a52-9e31-4f9c2d6a7e10")
BASE = datetime(2026, 9, 1, tzinfo=UTC)
MALWARE = ("Zebra loader", "MekongRAT", "Irrawaddy wiper", "Borneo stealer")


def _id(kind: str, *parts: object) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '/'.join(str(p) for p in parts))}"


def _time(days: int) -> str:
    return stix.format_timestamp(BASE + timedelta(days=days))[:-4] + "Z"


def _indicator(iso2: str, n: int, label: Tlp, identity: str) -> dict[str, Any]:
    octet = (sum(map(ord, iso2)) * 7 + n) % 250 + 1
    value = f"203.0.113.{octet}" if n % 2 else f"update-{iso2.lower()}{n}.example.net"
    path = "ipv4-addr:value" if n % 2 else "domain-name:value"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": _id("indicator", iso2, n),
        "created": _time(n),
        "modified": _time(n),
        "created_by_ref": identity,
        "name": f"{'C2 server' if n % 2 else 'Phishing domain'} reported by {iso2} CERT",
        "description": "Seen against government mail gateways; block and hunt.",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[{path} = '{value}']",
        "pattern_type": "stix",
        "valid_from": _time(n),
        "object_marking_refs": [stix.MARKING_FOR_LABEL[label]],
    }


def _malware(iso2: str, n: int, indicator_id: str, identity: str) -> list[dict[str, Any]]:
    malware = {
        "type": "malware",
        "spec_version": "2.1",
        "id": _id("malware", iso2, n),
        "created": _time(n),
        "modified": _time(n),
        "created_by_ref": identity,
        "name": MALWARE[n % len(MALWARE)],
        "is_family": True,
        "malware_types": ["remote-access-trojan"],
        "object_marking_refs": [stix.MARKING_FOR_LABEL[Tlp.GREEN]],
    }
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": _id("relationship", iso2, n),
        "created": _time(n),
        "modified": _time(n),
        "created_by_ref": identity,
        "relationship_type": "indicates",
        "source_ref": indicator_id,
        "target_ref": malware["id"],
        "object_marking_refs": [stix.MARKING_FOR_LABEL[Tlp.GREEN]],
    }
    return [malware, relationship]


def load_demo_sharing(db: Session) -> None:
    """Collections, a sharing group and STIX objects from every member state's CERT."""
    if db.scalar(select(Collection.id).where(Collection.title == REGIONAL_TITLE)):
        return
    coordinator = db.scalar(select(User).where(User.email == "coordinator@example.org"))
    if coordinator is None:
        return
    coordinating = actor_for(coordinator)
    regional = service.create_collection(
        db,
        actor=coordinating,
        title=REGIONAL_TITLE,
        kind=CollectionKind.REGIONAL,
        default_tlp=Tlp.GREEN,
        description="Indicators and malware every member-state organisation may read and add to.",
    )
    certs = list(
        db.scalars(
            select(Organisation)
            .join(MemberState, Organisation.member_state_id == MemberState.id)
            .where(Organisation.kind == OrganisationKind.NATIONAL_CERT)
            .order_by(MemberState.iso2)
        )
    )
    partner = db.scalar(select(User).where(User.email == "partner.jp@example.org"))
    members = [org.id for org in certs] + ([partner.organisation_id] if partner else [])
    group = service.create_sharing_group(
        db, actor=coordinating, name=GROUP_NAME, organisation_ids=members
    )
    group_collection = service.create_collection(
        db,
        actor=coordinating,
        title=GROUP_NAME,
        kind=CollectionKind.SHARING_GROUP,
        sharing_group_id=group.id,
        default_tlp=Tlp.AMBER,
    )
    for n, cert in enumerate(certs):
        analyst = db.scalar(
            select(User).where(User.organisation_id == cert.id, User.email.like("cert.%"))
        )
        if analyst is None or cert.member_state is None:
            continue
        _share_from(
            db,
            analyst=analyst,
            cert=cert,
            n=n,
            regional=regional,
            group_collection=group_collection,
        )


def _share_from(
    db: Session,
    *,
    analyst: User,
    cert: Organisation,
    n: int,
    regional: Collection,
    group_collection: Collection,
) -> None:
    assert cert.member_state is not None
    iso2 = cert.member_state.iso2
    identity = stix.identity_id_for(cert.id)
    analyst_actor = actor_for(analyst)
    # Creating a collection needs a coordinator: the demo seeds one per CERT on its behalf.
    seeding = replace(analyst_actor, roles=analyst_actor.roles | {Role.COORDINATOR})
    state_collection = service.create_collection(
        db,
        actor=seeding,
        title=f"{cert.short_name or cert.name} national feed",
        kind=CollectionKind.STATE,
        default_tlp=Tlp.AMBER,
    )
    sharer = actor_for(analyst)
    green = [_indicator(iso2, k, Tlp.GREEN, identity) for k in range(1, 5)]
    objects = [*green, *_malware(iso2, n, green[0]["id"], identity)]
    ingest.ingest(db, actor=sharer, collection=regional, objects=objects)
    ingest.ingest(
        db,
        actor=sharer,
        collection=state_collection,
        objects=[_indicator(iso2, 10, Tlp.AMBER, identity)],
    )
    ingest.ingest(
        db,
        actor=sharer,
        collection=group_collection,
        objects=[
            _indicator(iso2, 20, Tlp.AMBER, identity),
            _indicator(iso2, 21, Tlp.AMBER_STRICT, identity),
        ],
    )
