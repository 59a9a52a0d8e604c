"""Sharing from people: an indicator from an observable, bundle uploads, sightings, exports.

All of it goes through :func:`aseancyber.sharing.ingest.ingest`, the same path TAXII uses,
and every read goes through the visibility policy.
"""

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import (
    Actor,
    Reader,
    Tlp,
    audience_of,
    can_see,
    organisation_reader,
    set_audience,
    stricter,
)
from aseancyber.access.shareable import audience_for_create, resolve_audience
from aseancyber.community.service import has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden, Invalid
from aseancyber.sharing import audience, indicator_checks, notices, service, stix
from aseancyber.sharing import ingest as ingest_service
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing.envelope_stream import EnvelopeError, iter_objects
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.schemas import IndicatorShare, SightingCreate

OBSERVABLE_PATHS = {
    "ipv4-addr": "ipv4-addr:value",
    "ipv6-addr": "ipv6-addr:value",
    "domain-name": "domain-name:value",
    "url": "url:value",
    "email-addr": "email-addr:value",
    "file-sha256": "file:hashes.'SHA-256'",
    "file-md5": "file:hashes.MD5",
}
MAX_EXPORT = 10_000
MAX_ID_LENGTH = 36


class WarningsToConfirm(Invalid):
    """The value is on warninglists: shared only with an explicit "share anyway"."""

    def __init__(self, value: str, warnings: tuple[str, ...]) -> None:
        self.warnings = warnings
        super().__init__(
            f"{value!r} is on a warninglist ({'; '.join(warnings)}): it is rarely worth sharing."
            ' Check it, then confirm with share_anyway ("Share anyway" on the form)',
            "value",
        )


def default_label(collection: Any) -> Tlp:
    """The label the share form proposes: the collection's default, never below TLP:GREEN."""
    return stricter(collection.default_tlp, Tlp.GREEN)


def pattern_for(observable_type: str, value: str) -> str:
    """The STIX pattern matching one observable; quotes and backslashes escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{OBSERVABLE_PATHS[observable_type]} = '{escaped}']"


def _check_writer(db: Session, actor: Actor, collection_id: str) -> Any:
    if Permission.RECORD_CREATE not in permissions_of(actor.roles):
        raise Forbidden("sharing needs the contributor or coordinator role")
    collection = service.get_collection_or_404(db, reader=actor, collection_id=collection_id)
    if not service.can_write(db, actor=actor, collection=collection):
        raise Forbidden("you may read this collection but not add objects to it")
    return collection


def share_indicator(db: Session, *, actor: Actor, data: IndicatorShare) -> StixObject:
    """Generate an indicator for an observable and store it with its label and audience."""
    collection = _check_writer(db, actor, data.collection_id)
    audience_for_create(db, data)
    checked = indicator_checks.check_value(data.observable_type, data.value)
    if checked.warnings and not data.share_anyway:
        raise WarningsToConfirm(checked.value, checked.warnings)
    now = stix.format_timestamp(utcnow())
    pattern = pattern_for(data.observable_type, checked.value)
    try:
        stix.check_pattern(pattern)
    except stix.StixProblem as problem:
        raise Invalid(str(problem), "value") from None
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "created_by_ref": stix.identity_id_for(actor.organisation_id),
        "name": data.name or f"{data.observable_type} {checked.value}"[:300],
        "description": data.description,
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": now,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[data.tlp]],
    }
    if not data.description:
        del indicator["description"]
    report = ingest_service.ingest(
        db,
        actor=actor,
        collection=collection,
        objects=[indicator],
        audience_organisation_ids=data.audience_organisation_ids,
        audience_user_ids=data.audience_user_ids,
        green_includes_external=data.green_includes_external,
    )
    if not report.stored_ids:
        reason = report.failed[0].message if report.failed else "it was not stored"
        raise Invalid(reason, "value")
    stored = db.get(StixObject, report.stored_ids[0])
    assert stored is not None
    notices.tell_named_audience(db, actor=actor, record=stored)
    return stored


def preview_audience(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    label: Tlp,
    organisation_ids: list[str],
    user_ids: list[str],
    green_includes_external: bool = False,
) -> audience.AudienceView:
    """Who would see an indicator shared with these choices, before it is shared."""
    for name, ids in (
        ("audience_organisation_ids", organisation_ids),
        ("audience_user_ids", user_ids),
    ):
        if any(has_nul(i) or not 0 < len(i) <= MAX_ID_LENGTH for i in ids):
            raise Invalid("names an unknown record id", name)
    collection = _check_writer(db, actor, collection_id)
    resolve_audience(db, organisation_ids=organisation_ids, user_ids=user_ids)
    return audience.for_new(
        db,
        actor=actor,
        collection=collection,
        label=label,
        organisation_ids=organisation_ids,
        user_ids=user_ids,
        green_includes_external=green_includes_external,
    )


def upload_bundle(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    content: bytes,
    minimum_label: Tlp | None = None,
) -> ingest_service.IngestReport:
    """Store a STIX bundle (or TAXII envelope) file; bad objects are reported, good ones kept."""
    return upload_bundle_stream(
        db,
        actor=actor,
        collection_id=collection_id,
        chunks=[content],
        minimum_label=minimum_label,
    )


def upload_bundle_stream(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    chunks: Iterable[bytes],
    minimum_label: Tlp | None = None,
) -> ingest_service.IngestReport:
    """Like :func:`upload_bundle`, reading the file chunk by chunk: memory holds one read
    buffer and one batch of objects, whatever the size of the file. A file that turns out
    malformed part-way raises :class:`Invalid` and the caller's transaction keeps nothing."""
    collection = _check_writer(db, actor, collection_id)
    since = utcnow()
    try:
        report = ingest_service.ingest(
            db,
            actor=actor,
            collection=collection,
            objects=iter_objects(chunks, require_objects=True),
            minimum_label=minimum_label,
        )
    except EnvelopeError as error:
        raise Invalid(error.problems[0].message, "file") from None
    notices.tell_about_posted(db, actor=actor, collection_id=collection.id, since=since)
    return report


def sighting_count(db: Session, *, reader: Reader, stix_id: str) -> int:
    """How many sightings of ``stix_id`` the reader may see (never the hidden ones)."""
    return (
        db.scalar(
            select(func.count())
            .select_from(StixObject)
            .where(
                objects.visible_in(reader),
                StixObject.sighting_of_ref == stix_id,
                StixObject.type == "sighting",
            )
        )
        or 0
    )


@dataclass(frozen=True)
class SightingRow:
    """One visible sighting in words: who saw it, where, when and how often."""

    record_id: str
    organisation_name: str
    count: int
    first_seen: str
    last_seen: str
    description: str


def visible_sightings(
    db: Session, *, reader: Reader, stix_id: str, limit: int = 100
) -> list[SightingRow]:
    """The sightings of ``stix_id`` the reader may see, newest first."""
    rows = db.scalars(
        select(StixObject)
        .where(
            objects.visible_in(reader),
            StixObject.sighting_of_ref == stix_id,
            StixObject.type == "sighting",
        )
        .order_by(StixObject.date_added.desc())
        .limit(limit)
    )
    found = []
    for row in rows:
        body = objects.parsed(row)
        count = body.get("count", 1)
        found.append(
            SightingRow(
                record_id=row.id,
                organisation_name=row.owner_organisation.name,
                count=count if isinstance(count, int) else 1,
                first_seen=str(body.get("first_seen", "")),
                last_seen=str(body.get("last_seen", "")),
                description=str(body.get("description", "")),
            )
        )
    return found


@dataclass(frozen=True)
class SightingScope:
    """The label and audience a sighting of one object gets: never wider than the object's."""

    label: Tlp
    organisation_ids: frozenset[str]
    user_ids: frozenset[str]
    green_includes_external: bool


def sighting_scope(db: Session, *, actor: Actor, sighted: StixObject) -> SightingScope:
    """Who may see a sighting of ``sighted`` by ``actor``: exactly readers who may see it.

    The sighting is owned by the sighter's organisation, so it keeps the object's label only
    when that whole organisation may see the object; otherwise (the sighter is named alone,
    or wrote the object) it is raised to TLP:RED. Its audience is the object's named
    audience, its author, and its owner organisation unless the object is TLP:RED (for
    RED only named recipients and the author see it).
    """
    audience = audience_of(db, sighted)
    organisations = set(audience.organisation_ids)
    users = set(audience.user_ids)
    if sighted.tlp is not Tlp.RED:
        organisations.add(sighted.owner_organisation_id)
    if sighted.created_by_id is not None:
        users.add(sighted.created_by_id)
    organisation = organisation_reader(
        actor.organisation_id,
        member_state_id=actor.member_state_id,
        is_community=actor.is_community,
    )
    label = sighted.tlp
    if label is not Tlp.CLEAR and not can_see(organisation, sighted, audience):
        label = Tlp.RED
    return SightingScope(
        label=label,
        organisation_ids=frozenset(organisations),
        user_ids=frozenset(users),
        green_includes_external=sighted.green_includes_external and label is Tlp.GREEN,
    )


def add_sighting(db: Session, *, actor: Actor, ref: str, data: SightingCreate) -> StixObject:
    """ "We saw this too": a sighting by the reader's organisation, seen by no one who may
    not see the object."""
    sighted = objects.get_version_or_404(db, reader=actor, ref=ref)
    _check_writer(db, actor, sighted.collection_id)
    scope = sighting_scope(db, actor=actor, sighted=sighted)
    moment = utcnow()
    now = stix.format_timestamp(moment)
    if (data.first_seen and data.first_seen > moment) or (
        data.last_seen and data.last_seen > moment
    ):
        raise Invalid("a sighting cannot be seen in the future", "last_seen")
    first_seen = stix.format_timestamp(data.first_seen) if data.first_seen else now
    last_seen = stix.format_timestamp(data.last_seen) if data.last_seen else first_seen
    identity = stix.identity_id_for(actor.organisation_id)
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "created_by_ref": identity,
        "sighting_of_ref": sighted.stix_id,
        "where_sighted_refs": [identity],
        "count": data.count,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "object_marking_refs": [stix.MARKING_FOR_LABEL[scope.label]],
    }
    if data.description:
        sighting["description"] = data.description
    report = ingest_service.ingest(
        db,
        actor=actor,
        collection=sighted.collection,
        objects=[sighting],
        audience_organisation_ids=scope.organisation_ids,
        audience_user_ids=scope.user_ids,
        green_includes_external=scope.green_includes_external,
    )
    if not report.stored_ids:
        reason = report.failed[0].message if report.failed else "it was not stored"
        raise Invalid(reason, "sighting")
    stored = db.get(StixObject, report.stored_ids[0])
    assert stored is not None
    if stored.tlp.rank < scope.label.rank:
        raise Invalid(f"the sighting would be labelled {stored.tlp}, below {scope.label}", "tlp")
    # Exactly the object's readers: ingest may add a collection's sharing group to a
    # RED or AMBER audience, and the group may have grown since the object was stored.
    set_audience(db, stored, organisation_ids=scope.organisation_ids, user_ids=scope.user_ids)
    notices.tell_sighted_owner(db, actor=actor, sighted=sighted, sighting=stored, count=data.count)
    return stored


def export_bundle(db: Session, *, reader: Reader, filters: objects.ObjectFilters) -> bytes:
    """The visible, filtered objects as one STIX 2.1 bundle; the export is audited."""
    statement = objects.visible_objects(reader, filters).order_by(
        StixObject.date_added, StixObject.id
    )
    rows = list(db.scalars(statement.limit(MAX_EXPORT)))
    audit.record(
        db,
        action="stix.export",
        record_kind="stix_object",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(rows)}"],
        after={"ids": [row.id for row in rows]},
        actor=reader,
    )
    return b"".join(_bundle_parts(rows))


def _bundle_parts(rows: list[StixObject]) -> Iterator[bytes]:
    yield b'{"type":"bundle","id":"bundle--' + str(uuid.uuid4()).encode() + b'","objects":['
    yield b",".join(row.body.encode() for row in rows)
    yield b"]}"


def exported_rows(
    db: Session, *, reader: Reader, filters: objects.ObjectFilters
) -> list[StixObject]:
    """The visible, filtered objects for a JSON export (audited)."""
    statement = objects.visible_objects(reader, filters).order_by(
        StixObject.date_added, StixObject.id
    )
    rows = list(db.scalars(statement.limit(MAX_EXPORT)))
    audit.record(
        db,
        action="stix.export",
        record_kind="stix_object",
        record_id="*",
        record_organisation_id=reader.organisation_id if reader else None,
        changed_fields=[f"count={len(rows)}"],
        after={"ids": [row.id for row in rows]},
        actor=reader,
    )
    return rows
