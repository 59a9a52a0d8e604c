"""Publishing records of other domains as STIX 2.1 objects into a collection.

A published CSAF advisory becomes one ``vulnerability`` per vulnerability it names (with
external references to the CVE, the CWE and the CSAF document) and one ``report`` that
refers to them, all carrying the TLP 2.0 marking they are published at. Ids are derived from the
advisory, so a revision republishes the same objects with a new ``modified`` (a new
version for TAXII clients), and the objects go through the ordinary ingest path, so
TAXII, matching and federation see them like any posted object.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Tlp
from aseancyber.sharing import ingest, stix
from aseancyber.sharing.models import Collection, CollectionKind

# Fixed, so the same advisory always yields the same STIX ids (revisions are new versions).
ADVISORY_NAMESPACE = uuid.UUID("0b7e2b0c-3a51-4f7e-9a4e-5c1d2e3f4a5b")


@dataclass(frozen=True)
class StixVulnerability:
    """What one vulnerability of an advisory says, in STIX terms."""

    key: str  # stable within the advisory: the CVE id, or the record id without one
    name: str
    description: str
    cve: str
    cwe: str


@dataclass(frozen=True)
class StixAdvisory:
    """A published advisory, as :func:`advisory_objects` needs it."""

    advisory_id: str
    tracking_id: str
    title: str
    summary: str
    label: Tlp  # the label the objects are published at
    owner_organisation_id: str
    first_published_at: datetime
    published_at: datetime  # this revision
    csaf_url: str
    vulnerabilities: tuple[StixVulnerability, ...]


def regional_collection(db: Session) -> Collection | None:
    """The regional collection (the oldest, if an operator made several)."""
    return db.scalar(
        select(Collection)
        .where(Collection.kind == CollectionKind.REGIONAL)
        .order_by(Collection.created_at, Collection.id)
        .limit(1)
    )


def _id(kind: str, advisory_id: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(ADVISORY_NAMESPACE, f'{advisory_id}/{key}')}"


def report_id(advisory_id: str) -> str:
    """The STIX id of an advisory's report object."""
    return _id("report", advisory_id, "report")


def vulnerability_id(advisory_id: str, key: str) -> str:
    """The STIX id of one vulnerability of an advisory."""
    return _id("vulnerability", advisory_id, key)


def advisory_objects(advisory: StixAdvisory) -> list[dict[str, Any]]:
    """The STIX 2.1 vulnerability objects and the report of one published advisory."""
    created = stix.format_timestamp(advisory.first_published_at)
    modified = stix.format_timestamp(max(advisory.published_at, advisory.first_published_at))
    common = {
        "spec_version": "2.1",
        "created": created,
        "modified": modified,
        "created_by_ref": stix.identity_id_for(advisory.owner_organisation_id),
        "object_marking_refs": [stix.MARKING_FOR_LABEL[advisory.label]],
    }
    csaf_reference = {
        "source_name": "csaf",
        "description": f"CSAF 2.0 advisory {advisory.tracking_id}",
        "external_id": advisory.tracking_id,
        "url": advisory.csaf_url,
    }
    objects: list[dict[str, Any]] = []
    for item in advisory.vulnerabilities:
        references: list[dict[str, Any]] = []
        if item.cve:
            references.append(
                {
                    "source_name": "cve",
                    "external_id": item.cve,
                    "url": f"https://www.cve.org/CVERecord?id={item.cve}",
                }
            )
        if item.cwe:
            number = item.cwe.removeprefix("CWE-")
            references.append(
                {
                    "source_name": "cwe",
                    "external_id": item.cwe,
                    "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
                }
            )
        references.append(csaf_reference)
        vulnerability: dict[str, Any] = {
            "type": "vulnerability",
            "id": vulnerability_id(advisory.advisory_id, item.key),
            **common,
            "name": item.cve or item.name,
            "external_references": references,
        }
        if item.description:
            vulnerability["description"] = item.description
        objects.append(vulnerability)
    report: dict[str, Any] = {
        "type": "report",
        "id": report_id(advisory.advisory_id),
        **common,
        "name": f"{advisory.tracking_id}: {advisory.title}",
        "report_types": ["vulnerability"],
        "published": modified,
        "object_refs": [obj["id"] for obj in objects],
        "external_references": [csaf_reference],
    }
    if advisory.summary:
        report["description"] = advisory.summary
    if not objects:
        # A report must refer to something; an advisory without vulnerabilities refers to
        # its publisher's identity, which every reader can resolve.
        report["object_refs"] = [common["created_by_ref"]]
    return [*objects, report]


def publish_advisory(
    db: Session,
    *,
    actor: Actor,
    advisory: StixAdvisory,
    collection: Collection,
    audience_organisation_ids: frozenset[str],
    audience_user_ids: frozenset[str],
    green_includes_external: bool,
) -> ingest.IngestReport:
    """Store the advisory's STIX objects in ``collection`` through the ordinary ingest.

    The audience is the case's (needed for AMBER and RED objects: their readers are named);
    the objects keep the advisory's label, never a looser one. They are published in the
    name of the advisory's owner organisation, whichever of the case's coordinators
    publishes, so every revision is a version of the same owner's objects (ingest stores
    an object as its poster's organisation's and refuses another organisation's identity).
    """
    owner = db.get(Organisation, advisory.owner_organisation_id)
    if owner is not None and owner.id != actor.organisation_id:
        actor = replace(
            actor,
            organisation_id=owner.id,
            member_state_id=owner.member_state_id,
            is_community=owner.is_community,
        )
    return ingest.ingest(
        db,
        actor=actor,
        collection=collection,
        objects=advisory_objects(advisory),
        audience_organisation_ids=audience_organisation_ids,
        audience_user_ids=audience_user_ids,
        green_includes_external=green_includes_external,
        minimum_label=advisory.label,
    )
