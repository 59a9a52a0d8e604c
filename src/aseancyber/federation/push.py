"""Pushing: new local objects go to the peer with TAXII POST, as far as TLP 2.0 allows.

The policy decides, not a second rule set: an object goes when the peer's organisation,
as a reader, may see it (``visible_to``), among the objects the administering
organisation may see itself (so a peer is never a way round the policy). An object held
back is recorded with the TLP rule that held it; a rejection with the peer's reason.
"""

from typing import Any

import orjson
from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, sessionmaker

from aseancyber.access.policy import Tlp, stricter, visible_to
from aseancyber.federation import health
from aseancyber.federation.client import TaxiiClient
from aseancyber.federation.models import Direction, Mapping, OutcomeKind, Peer
from aseancyber.federation.records import (
    MappingRun,
    SyncReport,
    organisation_reader,
    outcome_row,
    peer_and_mapping,
    refused,
    resolve,
    unit,
    write_outcomes,
)
from aseancyber.sharing import stix
from aseancyber.sharing.models import StixObject

PUSH_BATCH = 500


def withheld_rule(label: Tlp, organisation_name: str) -> str:
    """The TLP 2.0 rule that keeps an object from a peer's organisation, in words."""
    return {
        Tlp.RED: f"TLP:RED: {organisation_name} is not a named recipient",
        Tlp.AMBER_STRICT: f"TLP:AMBER+STRICT: {organisation_name} is not a named recipient",
        Tlp.AMBER: f"TLP:AMBER: {organisation_name} is not in the audience",
        Tlp.GREEN: f"TLP:GREEN: {organisation_name} is outside the community "
        "and the object is not shared with external parties",
        Tlp.CLEAR: "TLP:CLEAR: never withheld",
    }[label]


def withheld(mapping: Mapping, row: Any, organisation_name: str) -> dict[str, Any]:
    """The outcome of a candidate ``row`` the policy keeps from the peer's organisation."""
    return outcome_row(
        mapping,
        Direction.PUSH,
        row.stix_id,
        stix.format_timestamp(row.version_at),
        outcome=OutcomeKind.WITHHELD,
        reason=withheld_rule(row.tlp, organisation_name),
    )


def outgoing_body(body: str, label: Tlp) -> str:
    """The stored JSON with its label: a label can only become stricter on re-share, so the
    stored label wins over a weaker (or missing) marking in the body."""
    obj = orjson.loads(body)
    if obj.get("type") == "marking-definition":
        return body  # definitions travel exactly as they were received
    current = stix.label_of(obj)
    strict = stricter(current, label) if current is not None else label
    if current == strict:
        return body  # already marked at least as strictly as stored: sent as it was received
    refs = [ref for ref in obj.get("object_marking_refs") or [] if ref not in stix.TLP2_MARKINGS]
    obj["object_marking_refs"] = [stix.MARKING_FOR_LABEL[strict], *refs]
    return stix.dumps(obj)


def push_candidates(
    db: Session, *, peer: Peer, mapping: Mapping, limit: int | None, stix_id: str | None = None
) -> list[Any]:
    """The next local objects after the push cursor that the peer's administering
    organisation may see, each with whether the peer's organisation may see it too."""
    owner_reader = organisation_reader(db, peer=peer, organisation_id=peer.owner_organisation_id)
    peer_reader = organisation_reader(db, peer=peer, organisation_id=peer.organisation_id)
    statement = select(
        StixObject.id,
        StixObject.stix_id,
        StixObject.version_at,
        StixObject.date_added,
        StixObject.tlp,
        StixObject.owner_organisation_id,
        StixObject.created_by_id,
        StixObject.body,
        case((visible_to(peer_reader, StixObject), 1), else_=0).label("shared"),
    ).where(
        StixObject.collection_id == mapping.local_collection_id,
        visible_to(owner_reader, StixObject),
    )
    if stix_id is not None:
        statement = statement.where(StixObject.stix_id == stix_id)
    elif mapping.push_after_added is not None and mapping.push_after_id is not None:
        statement = statement.where(
            or_(
                StixObject.date_added > mapping.push_after_added,
                and_(
                    StixObject.date_added == mapping.push_after_added,
                    StixObject.id > mapping.push_after_id,
                ),
            )
        )
    statement = statement.order_by(StixObject.date_added, StixObject.id).limit(limit)
    return list(db.execute(statement).all())


def push_mapping(run: MappingRun) -> None:
    """Send what is new in one mapping's local collection, a batch at a time, from its cursor."""
    with run.factory() as db:
        mapping = db.get(Mapping, run.mapping_id)
        if mapping is None or not mapping.push:
            return
        total = health.push_queue(db, mapping=mapping, reader=None)
    done = 0
    while True:
        with run.factory() as db:
            peer, mapping = peer_and_mapping(db, run.peer_id, run.mapping_id)
            rows = push_candidates(db, peer=peer, mapping=mapping, limit=PUSH_BATCH)
            remote = mapping.remote_collection_id
            organisation_name = peer.organisation.name
            pulled_signature = (peer.organisation_id, peer.created_by_id)
        if not rows:
            return
        outcomes: list[dict[str, Any]] = []
        sending: list[Any] = []
        for row in rows:
            if (row.owner_organisation_id, row.created_by_id) == pulled_signature:
                continue  # pulled from this peer: sending it back would only echo
            if not row.shared:
                outcomes.append(withheld(mapping, row, organisation_name))
                continue
            sending.append(row)
        status: dict[str, Any] = {}
        if sending:
            status = run.client.add_objects(
                remote, [outgoing_body(row.body, row.tlp) for row in sending]
            )
        _commit_push(
            run.factory,
            mapping_id=run.mapping_id,
            last=rows[-1],
            sending=sending,
            status=status,
            outcomes=outcomes,
            report=run.report,
        )
        done += len(rows)
        if run.progress is not None:
            run.progress(f"push {remote}", done, max(total, done))


def _status_details(status: dict[str, Any], key: str) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for item in status.get(key) or []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found[(item["id"], str(item.get("version", "")))] = str(item.get("message", ""))
    return found


def _lookup(details: dict[tuple[str, str], str], stix_id: str, version: str) -> str | None:
    if (stix_id, version) in details:
        return details[(stix_id, version)]
    for (found_id, found_version), message in details.items():
        if found_id == stix_id and (not found_version or _same_moment(found_version, version)):
            return message
    return None


def _same_moment(left: str, right: str) -> bool:
    try:
        return stix.parse_timestamp(left, "version") == stix.parse_timestamp(right, "version")
    except stix.StixProblem:
        return False


def _commit_push(
    factory: sessionmaker[Session],
    *,
    mapping_id: str,
    last: Any,
    sending: list[Any],
    status: dict[str, Any],
    outcomes: list[dict[str, Any]],
    report: SyncReport,
) -> None:
    failures = _status_details(status, "failures")
    pendings = _status_details(status, "pendings")
    accepted: list[tuple[str, str]] = []
    with unit(factory) as db:
        mapping = db.get(Mapping, mapping_id)
        assert mapping is not None
        for row in sending:
            version = stix.format_timestamp(row.version_at)
            failed = _lookup(failures, row.stix_id, version) if failures else None
            waiting = _lookup(pendings, row.stix_id, version) if pendings else None
            if failed is None and waiting is None:
                outcomes.append(outcome_row(mapping, Direction.PUSH, row.stix_id, version))
                accepted.append((row.stix_id, version))
                report.pushed += 1
                continue
            if failed is not None:
                reason, outcome = (
                    failed or "the peer refused it without a reason",
                    OutcomeKind.REJECTED,
                )
                report.rejected += 1
            else:
                reason, outcome = (
                    "the peer's status resource still lists it as pending",
                    OutcomeKind.PENDING,
                )
            outcomes.append(
                refused(
                    db,
                    mapping=mapping,
                    direction=Direction.PUSH,
                    stix_id=row.stix_id,
                    version=version,
                    reason=reason,
                    outcome=outcome,
                )
            )
        resolve(db, mapping, Direction.PUSH, accepted)
        report.withheld += sum(1 for o in outcomes if o["outcome"] is OutcomeKind.WITHHELD)
        write_outcomes(db, report.run_id, outcomes)
        if last is not None:
            mapping.push_after_added = last.date_added
            mapping.push_after_id = last.id


def push_one(
    factory: sessionmaker[Session],
    *,
    client: TaxiiClient,
    peer_id: str,
    mapping_id: str,
    stix_id: str,
    version: str,
    report: SyncReport,
) -> None:
    """Send one stored version again (a dead letter retried), asking the policy afresh."""
    with factory() as db:
        peer, mapping = peer_and_mapping(db, peer_id, mapping_id)
        moment = stix.parse_timestamp(version, "version") if version else None
        rows = [
            row
            for row in push_candidates(db, peer=peer, mapping=mapping, limit=None, stix_id=stix_id)
            if moment is None or row.version_at == moment
        ]
        remote = mapping.remote_collection_id
        organisation_name = peer.organisation.name
    outcomes: list[dict[str, Any]] = []
    sending = []
    for row in rows:
        if row.shared:
            sending.append(row)
        else:
            outcomes.append(withheld(mapping, row, organisation_name))
    status = (
        client.add_objects(remote, [outgoing_body(r.body, r.tlp) for r in sending])
        if sending
        else {}
    )
    _commit_push(
        factory,
        mapping_id=mapping_id,
        last=None,
        sending=sending,
        status=status,
        outcomes=outcomes,
        report=report,
    )
