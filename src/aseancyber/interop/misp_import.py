"""Importing MISP events: MISP event JSON -> STIX 2.1 (misp-stix) -> the sharing ingest.

Each event is converted by misp-stix's ``MISPtoSTIX21Parser`` (an attribute with
``to_ids`` becomes an indicator and its observable, one without only the observable; MISP
objects, galaxies and tags keep their usual STIX form) and stored through
:func:`aseancyber.sharing.share_service.upload_bundle`, the path bundle uploads take: same
validation, same label floors, the importing user's organisation as owner, one audit
entry for the ingest plus one naming the MISP event.

Labels fail closed (see :mod:`aseancyber.interop.misp_labels`): the event's label is the
minimum of every object converted from it, and an attribute or MISP object that its own
tags or distribution make stricter carries that stricter TLP 2.0 marking on every STIX
object converted from it. Every event of a file is checked and converted before anything
is stored, so a refused event leaves nothing written.
"""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from misp_stix_converter import MISPtoSTIX21Parser
from sqlalchemy.orm import Session, sessionmaker

from aseancyber import audit
from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Tlp, stricter
from aseancyber.errors import Invalid, TooLarge
from aseancyber.interop import misp_labels as labels
from aseancyber.jobs.units import UnitOfWork
from aseancyber.sharing import service as sharing_service
from aseancyber.sharing import share_service
from aseancyber.sharing.ingest import IngestReport
from aseancyber.sharing.stix import MARKING_FOR_LABEL, identity_id_for

MAX_EVENT_FILE_BYTES = 8 * 1024 * 1024
MAX_EVENTS = 100
MAX_PROBLEM_CHARACTERS = 300
FIELD = "file"


@dataclass(frozen=True)
class PreparedEvent:
    """One MISP event, checked, labelled and converted, not yet stored."""

    uuid: str
    info: str
    label: Tlp
    objects: list[dict[str, Any]]


@dataclass(frozen=True)
class ImportedEvent:
    uuid: str
    info: str
    label: Tlp
    report: IngestReport


def read_events(content: bytes) -> list[dict[str, Any]]:
    """The events of a MISP JSON file: ``{"Event": {...}}``, a bare event, a list of
    either, or a REST search answer ``{"response": [...]}``; anything else is refused."""
    if len(content) > MAX_EVENT_FILE_BYTES:
        raise TooLarge(
            f"a MISP event file may be at most {MAX_EVENT_FILE_BYTES // (1024 * 1024)} MiB"
        )
    if not content.strip():
        raise Invalid("is empty: send MISP event JSON", FIELD)
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise Invalid(f"is not valid JSON: {error}", FIELD) from None
    if isinstance(document, Mapping) and isinstance(document.get("response"), list):
        document = document["response"]
    items = document if isinstance(document, list) else [document]
    if not items:
        raise Invalid("holds no MISP event", FIELD)
    if len(items) > MAX_EVENTS:
        raise Invalid(f"holds {len(items)} events; import at most {MAX_EVENTS} at a time", FIELD)
    events = []
    for position, item in enumerate(items, start=1):
        event = item.get("Event", item) if isinstance(item, Mapping) else item
        events.append(_checked(event, position if len(items) > 1 else None))
    return events


def _checked(event: Any, position: int | None) -> dict[str, Any]:
    where = "the event" if position is None else f"event {position}"
    if not isinstance(event, dict):
        raise Invalid(f"{where} is not a MISP event (a JSON object with an Event)", FIELD)
    if "info" not in event or not ("Attribute" in event or "Object" in event):
        raise Invalid(
            f"{where} is not a MISP event: it needs info and Attribute or Object lists", FIELD
        )
    if not isinstance(event["info"], str) or not event["info"].strip():
        raise Invalid(f"{where} has no info (its title)", FIELD)
    try:
        uuid.UUID(str(event.get("uuid")))
    except ValueError:
        raise Invalid(f"{where} has no valid uuid", FIELD) from None
    for key in ("Attribute", "Object", "Tag", "Galaxy"):
        if key in event and not isinstance(event[key], list):
            raise Invalid(f"{where}: {key} must be a list", FIELD)
    for key in ("Attribute", "Object"):
        for part in event.get(key, []):
            if not isinstance(part, dict) or not isinstance(part.get("uuid"), str):
                raise Invalid(f"{where}: every {key} must be a JSON object with a uuid", FIELD)
            if key == "Object" and not isinstance(part.get("Attribute", []), list):
                raise Invalid(f"{where}: an Object's Attribute must be a list", FIELD)
    return event


def part_labels(event: Mapping[str, Any], label: Tlp) -> dict[str, Tlp]:
    """The uuid of each attribute and MISP object whose label is stricter than the event's,
    with that label (an object is as strict as its strictest attribute)."""
    event_floor = labels.distribution_floor(event.get("distribution"))
    stricter_parts: dict[str, Tlp] = {}
    for attribute in event.get("Attribute", []):
        own = labels.part_label(
            attribute, event=label, event_floor=event_floor, where=f"attribute {attribute['uuid']}"
        )
        if own is not label:
            stricter_parts[attribute["uuid"]] = own
    for misp_object in event.get("Object", []):
        where = f"object {misp_object['uuid']}"
        own = labels.part_label(misp_object, event=label, event_floor=event_floor, where=where)
        object_floor = labels.distribution_floor(
            misp_object.get("distribution"), inherited=event_floor, where=where
        )
        for attribute in misp_object.get("Attribute", []):
            if isinstance(attribute, Mapping):
                own = stricter(
                    own,
                    labels.part_label(
                        attribute,
                        event=label,
                        event_floor=object_floor,
                        where=f"attribute {attribute.get('uuid')}",
                    ),
                )
        if own is not label:
            stricter_parts[misp_object["uuid"]] = own
    return stricter_parts


def convert(event: dict[str, Any], *, label: Tlp) -> list[dict[str, Any]]:
    """The STIX 2.1 objects misp-stix makes of ``event``, stricter parts marked so."""
    parser = MISPtoSTIX21Parser()
    try:
        parser.parse_json_content({"Event": event})
        objects: list[dict[str, Any]] = json.loads(parser.bundle.serialize())["objects"]
    except Exception as error:  # the converter raises many kinds of error on bad input
        raise Invalid(
            f"event {event.get('uuid')} could not be converted to STIX: {error}", FIELD
        ) from None
    # The converter skips a part it cannot read and records why: refuse the event rather
    # than store it with parts silently missing.
    problems = [str(problem) for found in parser.errors.values() for problem in found]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Invalid(
            f"event {event.get('uuid')} could not be converted to STIX: "
            f"{problems[0][:MAX_PROBLEM_CHARACTERS]}{more}",
            FIELD,
        )
    stricter_parts = part_labels(event, label)
    for obj in objects:
        if obj["type"] == "marking-definition":
            continue
        # Every object carries its label as a marking: the event's, or its part's when that
        # is stricter (an unmarked object would take the collection's default instead).
        own = MARKING_FOR_LABEL[stricter_parts.get(obj["id"].partition("--")[2], label)]
        refs = [ref for ref in obj.get("object_marking_refs", []) if ref != own]
        obj["object_marking_refs"] = [own, *refs]
    return objects


def prepare(
    content: bytes, *, collection_default: Tlp, importer: Mapping[str, str]
) -> list[PreparedEvent]:
    """Every event of a MISP JSON file checked, labelled and converted (nothing stored).
    An event without ``Orgc`` (one made locally, e.g. with PyMISP) is the importer's."""
    prepared = []
    for event in read_events(content):
        if not isinstance(event.get("Orgc"), Mapping):
            event["Orgc"] = dict(importer)
        try:
            label = labels.event_label(event, collection_default=collection_default)
            objects = convert(event, label=label)
        except labels.DistributionRefused as refused:
            raise Invalid(str(refused), FIELD) from None
        prepared.append(PreparedEvent(str(event["uuid"]), event["info"].strip(), label, objects))
    return prepared


def import_events(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    content: bytes,
    minimum_label: Tlp | None = None,
) -> list[ImportedEvent]:
    """Store the events of a MISP JSON file in a collection the actor may write to, each
    through the bundle upload path with its label as the minimum of its objects."""
    collection_id, events = _prepare_for(
        db, actor=actor, collection_id=collection_id, content=content
    )
    return [
        _store_event(
            db, actor=actor, collection_id=collection_id, event=event, minimum_label=minimum_label
        )
        for event in events
    ]


class StoppedMidway(Exception):
    """Storing stopped after some events were committed; they are kept."""

    def __init__(self, imported: list[ImportedEvent], cause: BaseException) -> None:
        super().__init__(
            f"the import stopped after {len(imported)} event(s) ({cause}); those are kept"
        )
        self.imported = imported
        self.cause = cause


def import_events_in_units(
    session_factory: sessionmaker[Session],
    *,
    unit: UnitOfWork,
    actor: Actor,
    collection_id: str,
    content: bytes,
    minimum_label: Tlp | None = None,
) -> list[ImportedEvent]:
    """:func:`import_events` with no long write transaction (issue 14): every event is
    checked and converted with no transaction open (a refused one stores nothing), then
    each is stored in a ``unit`` of work of its own. A failure while storing keeps the
    events already committed (:class:`StoppedMidway`)."""
    with session_factory() as db:
        collection_id, events = _prepare_for(
            db, actor=actor, collection_id=collection_id, content=content
        )
    imported: list[ImportedEvent] = []
    for event in events:
        try:
            imported.append(
                unit(
                    partial(
                        _store_event,
                        actor=actor,
                        collection_id=collection_id,
                        event=event,
                        minimum_label=minimum_label,
                    )
                )
            )
        except Exception as error:
            if not imported:
                raise
            raise StoppedMidway(imported, error) from error
    return imported


def _prepare_for(
    db: Session, *, actor: Actor, collection_id: str, content: bytes
) -> tuple[str, list[PreparedEvent]]:
    """The collection (as the actor sees it) and the file's events, converted (reads only)."""
    collection = sharing_service.get_collection_or_404(
        db, reader=actor, collection_id=collection_id
    )
    organisation = db.get(Organisation, actor.organisation_id)
    importer = {
        "name": organisation.name if organisation is not None else actor.organisation_id,
        "uuid": identity_id_for(actor.organisation_id).partition("--")[2],
    }
    return collection.id, prepare(
        content, collection_default=collection.default_tlp, importer=importer
    )


def _store_event(
    db: Session,
    *,
    actor: Actor,
    collection_id: str,
    event: PreparedEvent,
    minimum_label: Tlp | None,
) -> ImportedEvent:
    label = event.label if minimum_label is None else stricter(event.label, minimum_label)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": event.objects}
    report = share_service.upload_bundle(
        db,
        actor=actor,
        collection_id=collection_id,
        content=orjson.dumps(bundle),
        minimum_label=label,
    )
    audit.record(
        db,
        action="misp.import",
        record_kind="taxii_status",
        record_id=report.status_id,
        record_organisation_id=actor.organisation_id,
        changed_fields=[f"event={event.uuid}", f"label={label.value}"],
        after={
            "collection_id": collection_id,
            "event_uuid": event.uuid,
            "info": event.info[:300],
            "label": label.value,
            "stored": report.successes,
            "refused": report.failures,
        },
        actor=actor,
    )
    return ImportedEvent(event.uuid, event.info, label, report)
