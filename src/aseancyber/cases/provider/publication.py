"""Approving, publishing and revising advisories.

Approval: every coordinator of the case approves (the issue's "a draft advisory approved by
the coordinators"): co-coordinating states publish together or not at all. Each coordinator
seat (an organisation, or one person) approves once per revision; who approved and who is
still awaited is shown on the case page and in REST.

Publication validates the CSAF 2.0 document with the ``csaf`` validator, stores it, and
publishes the STIX 2.1 vulnerability and report objects into the regional collection at the
case's label (the issue's words), or the advisory's when that is stricter. A revision of a
published advisory is approved the same way, then gets a new CSAF version
(``tracking.version``, a revision-history entry, ``current_release_date``), validated again,
and republishes the same STIX objects with a new ``modified``.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.policy import Actor, audience_of, stricter
from aseancyber.cases import catalogue, service, state
from aseancyber.cases.advisories import csaf, validation
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import Advisory, AdvisoryApproval, AdvisoryStatus
from aseancyber.cases.advisories.schemas import AdvisoryRevise, ApprovalRead, ApprovalsRead
from aseancyber.cases.models import Case, EmbargoState, Participant, ParticipantRole
from aseancyber.cases.provider import service as provider
from aseancyber.cases.provider import signatures
from aseancyber.db import utcnow
from aseancyber.errors import Invalid
from aseancyber.notify.models import NotificationKind
from aseancyber.settings import get_settings
from aseancyber.sharing import publishing


def pending_revision(advisory: Advisory) -> int:
    """The revision approvals are collected for: the draft's, or the next one once published."""
    return advisory.revision + (1 if advisory.status is AdvisoryStatus.PUBLISHED else 0)


@dataclass(frozen=True)
class Approvals:
    """Who approved a revision of an advisory and which coordinators are still awaited."""

    revision: int
    approved: list[tuple[Participant, AdvisoryApproval, str]]  # seat, approval, approver name
    pending: list[Participant]

    @property
    def complete(self) -> bool:
        return not self.pending and bool(self.approved)


def approvals_of(db: Session, *, advisory: Advisory) -> Approvals:
    """The approvals of the advisory's pending revision, against the case's coordinators now."""
    revision = pending_revision(advisory)
    seats = service.coordinators(service.participants_of(db, case_id=advisory.case_id))
    given = {
        row.participant_id: row
        for row in db.scalars(
            select(AdvisoryApproval).where(
                AdvisoryApproval.advisory_id == advisory.id,
                AdvisoryApproval.revision == revision,
            )
        )
    }
    people = {
        user.id: user.display_name
        for user in db.scalars(
            select(User).where(User.id.in_({r.approved_by_id for r in given.values()} - {None}))
        )
    }
    approved = [
        (seat, given[seat.id], people.get(given[seat.id].approved_by_id or "", ""))
        for seat in seats
        if seat.id in given
    ]
    return Approvals(revision, approved, [seat for seat in seats if seat.id not in given])


def read_approvals(found: Approvals) -> ApprovalsRead:
    """The REST view of an advisory's approvals."""
    return ApprovalsRead(
        revision=found.revision,
        complete=found.complete,
        approved=[
            ApprovalRead(
                participant_id=seat.id,
                name=seat.name,
                approved_by=who,
                approved_at=row.approved_at,
            )
            for seat, row, who in found.approved
        ],
        pending=[ApprovalRead(participant_id=seat.id, name=seat.name) for seat in found.pending],
    )


def _still_waiting(found: Approvals) -> str:
    return ", ".join(seat.name for seat in found.pending)


def approve(db: Session, *, actor: Actor, case_id: str, advisory_id: str) -> Advisory:
    """Record the actor's coordinator seats' approval of the pending revision.

    The draft becomes *approved* once every coordinator has approved; the document must
    already pass the CSAF validator.
    """
    case, advisory = advisories.advisory_in_case(
        db, actor=actor, case_id=case_id, advisory_id=advisory_id
    )
    seat = service.seat_of(db, reader=actor, case=case)
    service.require_coordinator(seat, "approve advisories")
    if advisory.status is AdvisoryStatus.APPROVED:
        raise Invalid("every coordinator has already approved this draft; publish it", "status")
    revision = pending_revision(advisory)
    found = approvals_of(db, advisory=advisory)
    done = {row.participant_id for _, row, _ in found.approved}
    mine = [p for p in seat.participants if p.role is ParticipantRole.COORDINATOR]
    new = [p for p in mine if p.id not in done]
    if not new:
        raise Invalid(
            f"you have already approved revision {revision}"
            + (f"; still waiting for {_still_waiting(found)}" if found.pending else ""),
            "approval",
        )
    if advisory.status is AdvisoryStatus.DRAFT:
        validation.check_valid(
            advisories.document_for(db, case=case, advisory=advisory, final=True).document
        )
    now = utcnow()
    for participant in new:
        db.add(
            AdvisoryApproval(
                advisory_id=advisory.id,
                participant_id=participant.id,
                revision=revision,
                approved_by_id=actor.user_id,
                approved_at=now,
            )
        )
    db.flush()
    found = approvals_of(db, advisory=advisory)
    if found.complete and advisory.status is AdvisoryStatus.DRAFT:
        advisory.status = AdvisoryStatus.APPROVED
        advisory.approved_by_id = actor.user_id
        advisory.approved_at = now
        db.flush()
    if found.pending:
        service.tell(
            db,
            case=case,
            participants=found.pending,
            kind=NotificationKind.CASE_UPDATE,
            title=f"Advisory {advisory.tracking_id} revision {revision} awaits your approval",
            link=f"/cases/{case.id}",
        )
    return advisory


def _require_all_approved(found: Approvals, what: str) -> None:
    if not found.complete:
        raise Invalid(
            f"every coordinator must approve {what} before it is published; still waiting "
            f"for {_still_waiting(found) or 'a coordinator'}",
            "approval",
        )


def embargo_blocks(case: Case) -> str | None:
    """Why the case's embargo forbids publishing now, or None when it does not."""
    if case.embargo_state in state.EMBARGO_RUNNING:
        return (
            f"the embargo is active until {case.embargo_ends_at:%Y-%m-%d %H:%M} UTC: end it "
            "before publishing"
        )
    if case.embargo_state is EmbargoState.PROPOSED:
        # Participants were asked to keep it quiet until the proposed end: publishing now
        # would break the proposal before it is decided.
        return (
            f"an embargo until {case.embargo_proposed_ends_at:%Y-%m-%d %H:%M} UTC is "
            "proposed: drop the proposal (or let it run and end) before publishing"
        )
    return None


def _check_no_embargo(case: Case) -> None:
    blocked = embargo_blocks(case)
    if blocked is not None:
        raise Invalid(blocked, "embargo")


def publish(db: Session, *, actor: Actor, case_id: str, advisory_id: str) -> Advisory:
    """Publish an advisory every coordinator approved, as validated CSAF 2.0 and as STIX."""
    case, advisory = advisories.advisory_in_case(
        db, actor=actor, case_id=case_id, advisory_id=advisory_id
    )
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "publish advisories")
    if advisory.status is AdvisoryStatus.PUBLISHED:
        raise Invalid("the advisory is already published; revise it instead", "status")
    _require_all_approved(approvals_of(db, advisory=advisory), "the draft")
    _check_no_embargo(case)
    advisory.published_at = utcnow()
    built = advisories.document_for(db, case=case, advisory=advisory, final=True)
    validation.check_valid(built.document)
    advisory.document = built.document
    advisory.status = AdvisoryStatus.PUBLISHED
    advisory.tlp = advisory.publish_tlp
    db.flush()
    _sign(db, advisory)
    publish_stix(db, actor=actor, case=case, advisory=advisory, at=advisory.published_at)
    _announce(db, case=case, advisory=advisory, what="published")
    return advisory


def revise(
    db: Session, *, actor: Actor, case_id: str, advisory_id: str, data: AdvisoryRevise
) -> Advisory:
    """Publish the next CSAF revision of a published advisory, as the case stands now."""
    case, advisory = advisories.advisory_in_case(
        db, actor=actor, case_id=case_id, advisory_id=advisory_id
    )
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "revise advisories")
    if advisory.status is not AdvisoryStatus.PUBLISHED or advisory.document is None:
        raise Invalid("only a published advisory can be revised; publish the draft", "status")
    _require_all_approved(approvals_of(db, advisory=advisory), "the revision")
    _check_no_embargo(case)
    previous = advisory.document["document"]["tracking"]
    now = utcnow()
    advisory.revision += 1
    built = csaf.build(
        advisory=advisory,
        case=case,
        participants=service.participants_of(db, case_id=case.id),
        products=catalogue.products_of(db, case_id=case.id),
        vulnerabilities=catalogue.vulnerabilities_of(db, case_id=case.id),
        statuses=catalogue.statuses_of(db, case_id=case.id),
        publisher_name=advisory.document["document"]["publisher"]["name"],
        released_at=now,
        history=list(previous["revision_history"]),
        revision_summary=data.summary,
    )
    validation.check_valid(built.document)
    advisory.document = built.document
    db.flush()
    _sign(db, advisory)
    publish_stix(db, actor=actor, case=case, advisory=advisory, at=now)
    _announce(db, case=case, advisory=advisory, what=f"revised (version {advisory.revision})")
    return advisory


def _sign(db: Session, advisory: Advisory) -> None:
    """Sign the document as the provider folder serves it, so its ``.asc`` is stable."""
    signatures.sign_published(
        db, advisory_id=advisory.id, content=provider.document_bytes(advisory)
    )


def _announce(db: Session, *, case: Case, advisory: Advisory, what: str) -> None:
    service.tell(
        db,
        case=case,
        participants=service.participants_of(db, case_id=case.id),
        kind=NotificationKind.CASE_UPDATE,
        title=f"Advisory {advisory.tracking_id} {what} ({advisory.publish_tlp.value})",
        link=f"/advisories/{advisory.id}",
    )


def publish_stix(
    db: Session, *, actor: Actor, case: Case, advisory: Advisory, at: datetime
) -> str | None:
    """Publish the advisory's STIX objects into the regional collection; its id, or None
    when the platform has no regional collection yet."""
    collection = publishing.regional_collection(db)
    if collection is None:
        return None
    assert advisory.published_at is not None
    base = get_settings().base_url.rstrip("/")
    audience = audience_of(db, case)
    publishing.publish_advisory(
        db,
        actor=actor,
        advisory=publishing.StixAdvisory(
            advisory_id=advisory.id,
            tracking_id=advisory.tracking_id,
            title=advisory.title,
            summary=advisory.summary,
            # The issue: "in the regional collection at the case's label"; never looser
            # than the advisory's own label either.
            label=stricter(case.tlp, advisory.tlp),
            owner_organisation_id=advisory.owner_organisation_id,
            first_published_at=advisory.published_at,
            published_at=at,
            csaf_url=f"{base}/advisories/{advisory.id}/csaf",
            vulnerabilities=tuple(
                publishing.StixVulnerability(
                    key=v.cve or v.id,
                    name=v.title,
                    description=v.description,
                    cve=v.cve,
                    cwe=v.cwe,
                )
                for v in catalogue.vulnerabilities_of(db, case_id=case.id)
            ),
        ),
        collection=collection,
        audience_organisation_ids=audience.organisation_ids,
        audience_user_ids=audience.user_ids,
        green_includes_external=advisory.green_includes_external,
    )
    advisory.stix_collection_id = collection.id
    db.flush()
    return collection.id
