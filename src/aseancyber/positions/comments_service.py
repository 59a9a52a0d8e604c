"""Comments and proposed edits on a common position's current text, and the drafter's
decision on each proposal (an accepted edit becomes the next version).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.community.service import has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.positions import readers
from aseancyber.positions.models import (
    EditProposal,
    Position,
    PositionComment,
    PositionParagraph,
    PositionVersion,
    ProposalKind,
    ProposalStatus,
)
from aseancyber.positions.schemas import CommentCreate, ProposalCreate
from aseancyber.positions.service import (
    current_text,
    get_or_404,
    new_key,
    next_version,
    require_drafting,
)


def _paragraph(version: PositionVersion, key: str) -> PositionParagraph | None:
    return next((p for p in version.paragraphs if p.key == key), None)


def _open_for(
    db: Session, *, actor: Actor, position_id: str, doing: str
) -> tuple[Position, PositionVersion]:
    """The position a contributor comments on or proposes edits to (still being drafted),
    and its current text."""
    position = get_or_404(db, reader=actor, position_id=position_id)
    if not may(actor, Action.CONTRIBUTE, position):
        raise Forbidden(f"{doing} needs a contributor role in a member-state body")
    require_drafting(position)
    return position, current_text(db, position=position)


def add_comment(
    db: Session, *, actor: Actor, position_id: str, data: CommentCreate
) -> PositionComment:
    """Comment on the current text or on one of its paragraphs."""
    position, version = _open_for(db, actor=actor, position_id=position_id, doing="commenting")
    if data.paragraph_key is not None and _paragraph(version, data.paragraph_key) is None:
        raise Invalid("is not a paragraph of the current version", "paragraph_key")
    comment = PositionComment(
        position_id=position.id,
        version_number=version.number,
        paragraph_key=data.paragraph_key,
        text=data.text,
        author_id=actor.user_id,
        organisation_id=actor.organisation_id,
        created_at=utcnow(),
    )
    db.add(comment)
    db.flush()
    readers.tell_drafter(
        db,
        position=position,
        title=f"New comment on {position.title}",
        body=data.text[:500],
        anchor="#comments",
        skip=actor.user_id,
    )
    return comment


def comments(db: Session, *, position: Position) -> list[PositionComment]:
    """Every comment on a (visible) position, oldest first."""
    return list(
        db.scalars(
            select(PositionComment)
            .where(PositionComment.position_id == position.id)
            .order_by(PositionComment.created_at, PositionComment.id)
        )
    )


def propose(db: Session, *, actor: Actor, position_id: str, data: ProposalCreate) -> EditProposal:
    """Propose replacing, deleting, or inserting a paragraph after one of the current text."""
    position, version = _open_for(db, actor=actor, position_id=position_id, doing="proposing edits")
    paragraph = _paragraph(version, data.paragraph_key)
    if paragraph is None:
        raise Invalid("is not a paragraph of the current version", "paragraph_key")
    if data.kind is not ProposalKind.DELETE and not data.proposed_text:
        raise Invalid("write the text you propose", "proposed_text")
    if data.kind is ProposalKind.REPLACE and data.proposed_text == paragraph.text:
        raise Invalid("is the same as the current paragraph", "proposed_text")
    if data.kind is ProposalKind.DELETE and len(version.paragraphs) == 1:
        raise Invalid("a position needs at least one paragraph", "kind")
    proposal = EditProposal(
        position_id=position.id,
        base_version=version.number,
        kind=data.kind,
        paragraph_key=paragraph.key,
        original_text=paragraph.text,
        proposed_text="" if data.kind is ProposalKind.DELETE else data.proposed_text,
        rationale=data.rationale,
        proposer_id=actor.user_id,
        organisation_id=actor.organisation_id,
        created_at=utcnow(),
    )
    db.add(proposal)
    db.flush()
    readers.tell_drafter(
        db,
        position=position,
        title=f"Proposed edit to paragraph {paragraph.ordinal} of {position.title}",
        body=data.rationale[:500],
        anchor="#proposals",
        skip=actor.user_id,
    )
    return proposal


def proposals(db: Session, *, position: Position) -> list[EditProposal]:
    """Every proposed edit to a (visible) position, oldest first."""
    return list(
        db.scalars(
            select(EditProposal)
            .where(EditProposal.position_id == position.id)
            .order_by(EditProposal.created_at, EditProposal.id)
        )
    )


def _open_proposal(
    db: Session, *, actor: Actor, position_id: str, proposal_id: str
) -> tuple[Position, EditProposal]:
    position = get_or_404(db, reader=actor, position_id=position_id)
    proposal = db.get(EditProposal, proposal_id) if not has_nul(proposal_id) else None
    if proposal is None or proposal.position_id != position.id:
        raise NotFound("proposal")
    if not may(actor, Action.EDIT, position):
        raise Forbidden("only the drafting organisation may accept or reject proposed edits")
    require_drafting(position)
    if proposal.status is not ProposalStatus.OPEN:
        raise Conflict(f"this proposal was already {proposal.status.value}")
    return position, proposal


def _decided(
    db: Session, *, actor: Actor, position: Position, proposal: EditProposal, note: str
) -> None:
    proposal.decided_at = utcnow()
    proposal.decided_by_id = actor.user_id
    proposal.decision_note = note
    db.flush()
    readers.tell(
        db,
        record=position,
        user_ids=[proposal.proposer_id],
        kind=NotificationKind.POSITION,
        title=f"Your proposed edit to {position.title} was {proposal.status.value}",
        body=note[:500],
        link=f"/positions/{position.id}#proposals",
        skip=actor.user_id,
    )


def accept(
    db: Session, *, actor: Actor, position_id: str, proposal_id: str, note: str = ""
) -> PositionVersion:
    """Apply a proposed edit to the current text as a new version."""
    position, proposal = _open_proposal(
        db, actor=actor, position_id=position_id, proposal_id=proposal_id
    )
    current = current_text(db, position=position)
    paragraphs = [(p.key, p.text) for p in current.paragraphs]
    index = next(
        (i for i, (key, _) in enumerate(paragraphs) if key == proposal.paragraph_key), None
    )
    if index is None:
        raise Conflict("the paragraph this edit is about was removed since; it cannot be applied")
    if (
        proposal.kind is not ProposalKind.INSERT_AFTER
        and paragraphs[index][1] != proposal.original_text
    ):
        raise Conflict(
            f"paragraph {index + 1} changed since this edit was proposed on version "
            f"{proposal.base_version}; reject it and ask for a new proposal on version "
            f"{current.number}"
        )
    if proposal.kind is ProposalKind.REPLACE:
        paragraphs[index] = (proposal.paragraph_key, proposal.proposed_text)
    elif proposal.kind is ProposalKind.DELETE:
        if len(paragraphs) == 1:
            raise Invalid("a position needs at least one paragraph", "kind")
        del paragraphs[index]
    else:
        paragraphs.insert(index + 1, (new_key(), proposal.proposed_text))
    organisation = db.get(Organisation, proposal.organisation_id)
    who = organisation.short_name if organisation else "a member state"
    version = next_version(
        db,
        position=position,
        actor=actor,
        paragraphs=paragraphs,
        note=f"Accepted the edit proposed by {who}",
    )
    proposal.status = ProposalStatus.ACCEPTED
    proposal.resulting_version = version.number
    _decided(db, actor=actor, position=position, proposal=proposal, note=note)
    return version


def reject(
    db: Session, *, actor: Actor, position_id: str, proposal_id: str, note: str = ""
) -> EditProposal:
    """Decline a proposed edit, with an optional reason."""
    position, proposal = _open_proposal(
        db, actor=actor, position_id=position_id, proposal_id=proposal_id
    )
    proposal.status = ProposalStatus.REJECTED
    _decided(db, actor=actor, position=position, proposal=proposal, note=note)
    return proposal
