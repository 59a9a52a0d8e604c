"""Each collection as a MISP feed, per reader: ``manifest.json``, one JSON file per event,
``hashes.csv`` (the MISP feed format that MISP's own feed feature pulls).

What goes in is the latest version of each object the reader may see in the collection
(:func:`aseancyber.sharing.objects_service.visible_objects`, i.e. the collection's read
grant AND ``access.policy.visible_to``); what the reader may not see is absent from the
manifest and the hashes, and an event made only of such objects is 404.

Objects are grouped into MISP events this way:

- each STIX ``report`` or ``grouping`` is one event (its uuid is the report's), holding
  the report and the visible objects it refers to;
- every other object is in the event of its owner organisation and the day it was added
  (uuid5 of collection, owner and day), so a day's indicators of one producer travel
  together and an event never mixes producers;
- marking definitions, identities, extension definitions and language content are not
  events' content (their meaning is carried by the tags and ``Orgc``).

An event's TLP tag is the strictest label among the objects the reader sees in it (fail
closed: MISP may spread an event by its tag), with the matching distribution level (see
:mod:`aseancyber.interop.misp_labels`). Objects become MISP attributes and objects with
misp-stix (the internal parser for content misp-stix wrote, the external one otherwise);
what it made of each exact set of stored versions is kept in memory and in the database
(:mod:`aseancyber.interop.misp_cache`), so an event is converted once, not once per process.
"""

import csv
import hashlib
import io
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from misp_stix_converter.tools import get_stix2_parser, is_stix2_from_misp, load_stix2_content
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Reader, Tlp, stricter
from aseancyber.errors import NotFound
from aseancyber.interop import misp_cache
from aseancyber.interop import misp_labels as labels
from aseancyber.sharing import objects_service as objects
from aseancyber.sharing import service as sharing_service
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.stix import identity_id_for

logger = logging.getLogger(__name__)

FEED_NAMESPACE = uuid.UUID("0b7c3f5e-2a41-4c8e-9d3b-6f1a2e4c5d70")
CONTAINER_TYPES = frozenset({"report", "grouping"})
NOT_EVENT_CONTENT = frozenset(
    {"marking-definition", "identity", "extension-definition", "language-content"}
)
THREAT_LEVEL_UNDEFINED = "4"
ANALYSIS_COMPLETED = "2"
ANALYSIS_ONGOING = "1"
MAX_FEED_OBJECTS = 100_000
BODY_BATCH = 500


@dataclass(frozen=True)
class FeedRow:
    """What grouping needs of one visible stored version (its body is read only to convert)."""

    id: str
    stix_id: str
    type: str
    tlp: Tlp
    owner_organisation_id: str
    date_added: datetime
    version_at: datetime
    name: str


FEED_COLUMNS = (
    StixObject.id,
    StixObject.stix_id,
    StixObject.type,
    StixObject.tlp,
    StixObject.owner_organisation_id,
    StixObject.date_added,
    StixObject.version_at,
    StixObject.name,
)


@dataclass
class EventGroup:
    """The objects of one feed event as one reader sees them."""

    uuid: str
    info: str
    date: str
    owner_organisation_id: str
    owner_name: str
    rows: list[FeedRow]
    is_report: bool
    tags: tuple[str, ...] = ()  # a report's labels that are MISP tags (not TLP)

    @property
    def label(self) -> Tlp:
        label = Tlp.CLEAR
        for row in self.rows:
            label = stricter(label, row.tlp)
        return label

    @property
    def timestamp(self) -> int:
        return int(max(max(row.version_at, row.date_added) for row in self.rows).timestamp())


def _uuid_of(stix_id: str) -> str:
    return stix_id.partition("--")[2]


def _visible_rows(
    db: Session, reader: Reader, collection_id: str, *conditions: ColumnElement[bool]
) -> list[FeedRow]:
    """The latest visible version of each object of the collection that is event content
    (and meets ``conditions``), oldest first."""
    statement = objects.visible_objects(reader, objects.ObjectFilters(collection_id=collection_id))
    statement = statement.where(StixObject.type.not_in(NOT_EVENT_CONTENT), *conditions)
    columns: Select[Any] = statement.with_only_columns(*FEED_COLUMNS)
    columns = columns.order_by(StixObject.date_added, StixObject.id).limit(MAX_FEED_OBJECTS)
    return [FeedRow(**found._mapping) for found in db.execute(columns)]


def _refs(body: dict[str, Any]) -> list[str]:
    refs = body.get("object_refs")
    if not isinstance(refs, list):
        return []
    return list(dict.fromkeys(ref for ref in refs if isinstance(ref, str)))


def _report_group(row: FeedRow, body: dict[str, Any], by_id: dict[str, FeedRow]) -> EventGroup:
    """The event of a visible report or grouping: it and the visible objects it refers to,
    in its own order (containers it refers to have events of their own)."""
    members = [
        by_id[ref] for ref in _refs(body) if ref in by_id and by_id[ref].type not in CONTAINER_TYPES
    ]
    day = str(body.get("published") or body.get("created") or row.date_added.isoformat())[:10]
    return EventGroup(
        uuid=_uuid_of(row.stix_id),
        info=row.name or f"{row.type} {row.stix_id}",
        date=day,
        owner_organisation_id=row.owner_organisation_id,
        owner_name="",
        rows=[row, *members],
        is_report=True,
        tags=_report_tags(body),
    )


def _names(db: Session, organisation_ids: set[str]) -> dict[str, str]:
    statement = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(organisation_ids)
    )
    return dict(db.execute(statement).tuples().all())


def groups(db: Session, *, reader: Reader, collection_id: str) -> list[EventGroup]:
    """The feed's events for ``reader``, in a stable order (404 for an unreadable collection)."""
    collection = sharing_service.get_collection_or_404(
        db, reader=reader, collection_id=collection_id
    )
    rows = _visible_rows(db, reader, collection.id)
    by_id = {row.stix_id: row for row in rows}
    containers = [row for row in rows if row.type in CONTAINER_TYPES]
    container_bodies = bodies(db, [row.id for row in containers])
    result: list[EventGroup] = []
    contained: set[str] = set()
    for row in containers:
        group = _report_group(row, container_bodies.get(row.id, {}), by_id)
        if any(known.uuid == group.uuid for known in result):
            continue  # a report and a grouping sharing a uuid: the first one is the event
        contained.update(member.stix_id for member in group.rows[1:])
        result.append(group)
    daily: dict[tuple[str, str], list[FeedRow]] = defaultdict(list)
    for row in rows:
        if row.type in CONTAINER_TYPES or row.stix_id in contained:
            continue
        daily[(row.owner_organisation_id, row.date_added.date().isoformat())].append(row)
    names = _names(db, {owner for owner, _ in daily} | {g.owner_organisation_id for g in result})
    for group in result:
        group.owner_name = names.get(group.owner_organisation_id, group.owner_organisation_id)
    for (owner, day), members in daily.items():
        result.append(
            EventGroup(
                uuid=str(uuid.uuid5(FEED_NAMESPACE, f"{collection.id}/{owner}/{day}")),
                info=f"{collection.title}: {names.get(owner, owner)}, {day}",
                date=day,
                owner_organisation_id=owner,
                owner_name=names.get(owner, owner),
                rows=members,
                is_report=False,
            )
        )
    return result


def _organisation_uuid(organisation_id: str) -> str:
    """The uuid of the organisation's STIX identity (the same one imports write)."""
    return identity_id_for(organisation_id).partition("--")[2]


def bodies(db: Session, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The parsed bodies of stored versions already found visible, by record id."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), BODY_BATCH):
        batch = record_ids[start : start + BODY_BATCH]
        statement = select(StixObject.id, StixObject.body).where(StixObject.id.in_(batch))
        for record_id, body in db.execute(statement).tuples():
            found[record_id] = orjson.loads(body)
    return found


def _report_tags(body: dict[str, Any]) -> tuple[str, ...]:
    """The labels of a report that are MISP tags (``namespace:predicate``), TLP ones and
    the converter's own marks left out (the feed writes the TLP tag itself)."""
    found = body.get("labels")
    if not isinstance(found, list):
        return ()
    return tuple(
        label
        for label in found
        if isinstance(label, str)
        and ":" in label
        and not label.lower().startswith(("tlp:", "misp:tool="))
    )


def header(group: EventGroup) -> dict[str, Any]:
    """The event fields the feed decides itself (the same in the manifest and the file)."""
    label = group.label
    timestamp = str(group.timestamp)
    return {
        "uuid": group.uuid,
        "info": group.info,
        "date": group.date,
        "threat_level_id": THREAT_LEVEL_UNDEFINED,
        "analysis": ANALYSIS_COMPLETED if group.is_report else ANALYSIS_ONGOING,
        "timestamp": timestamp,
        "publish_timestamp": timestamp,
        "published": True,
        "distribution": str(labels.DISTRIBUTION_FOR_LABEL[label]),
        "Orgc": {
            "name": group.owner_name,
            "uuid": _organisation_uuid(group.owner_organisation_id),
        },
        "Tag": [labels.feed_tag(label), *({"name": tag} for tag in group.tags)],
    }


def _key(group: EventGroup) -> str:
    """What the group's conversion is kept by: its uuid, and each stored version with its
    label (a label may change in place), see :mod:`aseancyber.interop.misp_cache`."""
    return misp_cache.digest((group.uuid, *((row.id, row.tlp.value) for row in group.rows)))


def misp_event(db: Session, group: EventGroup) -> dict[str, Any]:
    """``group`` as a MISP event (``{"Event": {...}}``); what misp-stix cannot convert is
    left out, so an event may have no attribute at all."""
    key = _key(group)
    known, converted = misp_cache.get(db, key)
    if not known:
        converted = _misp_content(db, group)
        misp_cache.put(db, key, converted)
    event = {"Attribute": [], "Object": [], **(converted or {}), **header(group)}
    return {"Event": event}


def _misp_content(db: Session, group: EventGroup) -> dict[str, Any] | None:
    """The attributes, objects and galaxies misp-stix makes of the group's objects."""
    present = {row.stix_id for row in group.rows}
    found = bodies(db, [row.id for row in group.rows])
    members = []
    for row in group.rows:
        body = found[row.id]
        if row.type in CONTAINER_TYPES and isinstance(body.get("object_refs"), list):
            # Only what the reader sees: a hidden object's id never reaches the converter.
            body["object_refs"] = [ref for ref in body["object_refs"] if ref in present] or [
                row.stix_id
            ]
        members.append(body)
    event = _converted(members, group=group, label=group.label)
    if event is None:
        return None
    for attribute in _attributes(event):
        # The event's tag is the label of all of it: a MISP that re-shares by attribute tag
        # never meets a wider one than the strictest object it came with.
        attribute["Tag"] = [
            tag
            for tag in attribute.get("Tag", [])
            if not str(tag.get("name", "")).lower().startswith("tlp:")
        ]
        attribute.pop("distribution", None)
    return {key: event[key] for key in ("Attribute", "Object", "Galaxy") if key in event}


def _parse(members: list[dict[str, Any]], *, group: EventGroup, label: Tlp) -> dict[str, Any]:
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": members}
    parser_class, arguments = get_stix2_parser(
        is_stix2_from_misp(members),
        labels.DISTRIBUTION_FOR_LABEL[label],  # distribution
        None,  # sharing group
        group.info,  # title
        None,  # producer
        False,  # force contextual data
        False,  # galaxies as tags
        True,  # single event
        _organisation_uuid(group.owner_organisation_id),
        labels.DISTRIBUTION_FOR_LABEL[label],  # galaxy clusters' distribution
        None,  # galaxy clusters' sharing group
    )
    parser = parser_class()
    parser.load_stix_bundle(load_stix2_content(bundle))
    parser.parse_stix_bundle(**arguments)
    event: dict[str, Any] = orjson.loads(parser.misp_event.to_json())
    return event


def _converted(
    members: list[dict[str, Any]], *, group: EventGroup, label: Tlp
) -> dict[str, Any] | None:
    """The MISP event misp-stix makes of ``members``; when it fails on the whole, each
    member alone, leaving out those it cannot convert (never the whole feed failing). None
    when nothing makes a MISP attribute or object."""
    try:
        event = _parse(members, group=group, label=label)
    except Exception:  # the converter raises many kinds of error on content it cannot read
        logger.warning(
            "misp-stix could not convert event %s whole; converting one by one", group.uuid
        )
        event = {}
        for member in members:
            try:
                alone = _parse([member], group=group, label=label)
            except Exception:  # noqa: S112 - left out of the feed, which is fail-safe
                continue
            if not event:
                event = alone
            else:
                event.setdefault("Attribute", []).extend(alone.get("Attribute", []))
                event.setdefault("Object", []).extend(alone.get("Object", []))
    if not event.get("Attribute") and not event.get("Object"):
        return None
    return event


def _attributes(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from event.get("Attribute", [])
    for misp_object in event.get("Object", []):
        yield from misp_object.get("Attribute", [])


MANIFEST_KEYS = ("info", "date", "threat_level_id", "analysis", "timestamp", "Orgc", "Tag")


def events(db: Session, *, reader: Reader, collection_id: str) -> list[dict[str, Any]]:
    """Every event of the feed as ``reader`` sees it."""
    found = groups(db, reader=reader, collection_id=collection_id)
    misp_cache.prefetch(db, [_key(group) for group in found])
    return [misp_event(db, group) for group in found]


def manifest(db: Session, *, reader: Reader, collection_id: str) -> dict[str, Any]:
    """``manifest.json``: each event's uuid with the fields MISP reads before fetching it
    (decided by the feed itself, so no event is converted to list it)."""
    result = {}
    for group in groups(db, reader=reader, collection_id=collection_id):
        fields = header(group)
        result[group.uuid] = {key: fields[key] for key in MANIFEST_KEYS}
    return result


def event_file(
    db: Session, *, reader: Reader, collection_id: str, event_uuid: str
) -> dict[str, Any]:
    """One event file; 404 when the reader sees nothing of it. A report's event is found
    by its id (a MISP fetch asks for many files; grouping the whole collection for each
    is left to the daily events)."""
    collection = sharing_service.get_collection_or_404(
        db, reader=reader, collection_id=collection_id
    )
    ids = [f"{kind}--{event_uuid}" for kind in sorted(CONTAINER_TYPES)]
    for row in _visible_rows(db, reader, collection.id, StixObject.stix_id.in_(ids)):
        body = bodies(db, [row.id])[row.id]
        refs = _refs(body)[:MAX_FEED_OBJECTS]
        members: list[FeedRow] = []
        for start in range(0, len(refs), BODY_BATCH):
            batch = refs[start : start + BODY_BATCH]
            members += _visible_rows(db, reader, collection.id, StixObject.stix_id.in_(batch))
        group = _report_group(row, body, {member.stix_id: member for member in members})
        group.owner_name = _names(db, {row.owner_organisation_id}).get(
            row.owner_organisation_id, row.owner_organisation_id
        )
        return misp_event(db, group)
    for group in groups(db, reader=reader, collection_id=collection_id):
        if group.uuid == event_uuid:
            return misp_event(db, group)
    raise NotFound("event")


def _hashed_values(attribute: dict[str, Any]) -> Iterator[str]:
    value = str(attribute.get("value", ""))
    if "|" in str(attribute.get("type", "")):
        yield from value.split("|")  # MISP hashes each half of a composite value
    else:
        yield value


def hashes_csv(db: Session, *, reader: Reader, collection_id: str) -> str:
    """``hashes.csv``: ``md5(value),event_uuid`` for every attribute value, as MISP's feed
    generator writes it (MISP correlates feeds by these without fetching the events)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for wrapped in events(db, reader=reader, collection_id=collection_id):
        event = wrapped["Event"]
        for attribute in _attributes(event):
            for value in _hashed_values(attribute):
                writer.writerow([hashlib.md5(value.encode()).hexdigest(), event["uuid"]])  # noqa: S324 - MISP's format
    return out.getvalue()
