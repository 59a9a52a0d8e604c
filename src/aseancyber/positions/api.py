"""REST routes for common positions under /api/v1/positions.

Reading goes through the visibility policy (anonymous readers see TLP:CLEAR only); a
position the reader may not see is 404 on every route and never listed, counted or exported.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.exports import download
from aseancyber.positions import comments_service, consensus, reading, referendum, service, silence
from aseancyber.positions.schemas import (
    AdReferendumCreate,
    BoardRead,
    CommentCreate,
    CommentRead,
    ConfirmationCreate,
    ConfirmationRead,
    DeriveCreate,
    DiffRead,
    PositionCreate,
    PositionPage,
    PositionRead,
    PositionUpdate,
    ProposalCreate,
    ProposalDecision,
    ProposalRead,
    ResponseCreate,
    ResponseRead,
    SilenceOpen,
    SilenceRead,
    TextRevision,
    VersionRead,
)
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT
from aseancyber.web.security import DOCUMENT_SECURITY_POLICY

router = APIRouter(prefix="/api/v1/positions", tags=["positions"])

Status = Annotated[str | None, Query(max_length=20, description="drafting, adopted or withdrawn")]
Search = Annotated[str | None, Query(max_length=200, description="Words in the title or summary.")]


@router.get("")
def list_positions(
    *,
    db: DbSession,
    reader: OptionalActor,
    status: Status = None,
    q: Search = None,
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> PositionPage:
    """The positions the reader may see, newest first."""
    filters = service.parse_filters(status=status, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return PositionPage(
        items=[reading.list_item(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/export", response_class=Response, responses={200: {"content": {"application/json": {}}}}
)
def export_positions(
    db: DbSession, reader: OptionalActor, status: Status = None, q: Search = None
) -> Response:
    """Every visible position matching the filters, with its current text, as JSON (audited)."""
    return download(
        reading.export(db, reader=reader, filters=service.parse_filters(status=status, q=q))
    )


@router.post("", status_code=201)
def create_position(body: PositionCreate, db: DbSession, actor: CurrentActor) -> PositionRead:
    """Start drafting a position owned by the caller's organisation (version 1)."""
    position = service.create(db, actor=actor, data=body)
    return reading.read(db, position=position)


@router.get("/{position_id}")
def get_position(position_id: str, db: DbSession, reader: OptionalActor) -> PositionRead:
    """One position with its current text and status board, if the reader may see it."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return reading.read(db, position=position)


@router.patch("/{position_id}")
def update_position(
    position_id: str, body: PositionUpdate, db: DbSession, actor: CurrentActor
) -> PositionRead:
    """Change title, occasion, summary, deadline or sharing; send the ``version`` you loaded."""
    position = service.update(db, actor=actor, position_id=position_id, data=body)
    return reading.read(db, position=position)


@router.get("/{position_id}/versions")
def list_versions(position_id: str, db: DbSession, reader: OptionalActor) -> list[VersionRead]:
    """Every version of the text, oldest first."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return [reading.version_read(v) for v in service.versions(db, position=position)]


@router.post("/{position_id}/versions", status_code=201)
def revise_text(
    position_id: str, body: TextRevision, db: DbSession, actor: CurrentActor
) -> VersionRead:
    """Save a revised text as the next version (drafter; 409 if ``based_on`` is not current)."""
    version = service.revise(db, actor=actor, position_id=position_id, data=body)
    return reading.version_read(version)


@router.get("/{position_id}/versions/{number}")
def get_version(position_id: str, number: int, db: DbSession, reader: OptionalActor) -> VersionRead:
    """One version of the text."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return reading.version_read(service.get_version(db, position=position, number=number))


@router.get("/{position_id}/diff")
def diff_versions(
    position_id: str,
    db: DbSession,
    reader: OptionalActor,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> DiffRead:
    """The difference between two versions, as HTML with insertions and deletions marked."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    found = service.diff(db, position=position, from_version=from_version, to_version=to_version)
    return DiffRead(
        from_version=from_version,
        to_version=to_version,
        html=str(found.html),
        changes=found.changes,
    )


@router.get("/{position_id}/comments")
def list_comments(position_id: str, db: DbSession, reader: OptionalActor) -> list[CommentRead]:
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return [reading.comment_read(c) for c in comments_service.comments(db, position=position)]


@router.post("/{position_id}/comments", status_code=201)
def add_comment(
    position_id: str, body: CommentCreate, db: DbSession, actor: CurrentActor
) -> CommentRead:
    """Comment on the current text or one of its paragraphs (by ``paragraph_key``)."""
    comment = comments_service.add_comment(db, actor=actor, position_id=position_id, data=body)
    return reading.comment_read(comment)


@router.get("/{position_id}/proposals")
def list_proposals(position_id: str, db: DbSession, reader: OptionalActor) -> list[ProposalRead]:
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return [reading.proposal_read(p) for p in comments_service.proposals(db, position=position)]


@router.post("/{position_id}/proposals", status_code=201)
def propose_edit(
    position_id: str, body: ProposalCreate, db: DbSession, actor: CurrentActor
) -> ProposalRead:
    """Propose replacing or deleting a paragraph, or inserting one after it."""
    proposal = comments_service.propose(db, actor=actor, position_id=position_id, data=body)
    return reading.proposal_read(proposal)


@router.post("/{position_id}/proposals/{proposal_id}/accept", status_code=201)
def accept_proposal(
    position_id: str,
    proposal_id: str,
    body: ProposalDecision,
    db: DbSession,
    actor: CurrentActor,
) -> VersionRead:
    """Apply a proposed edit as a new version (drafter)."""
    version = comments_service.accept(
        db, actor=actor, position_id=position_id, proposal_id=proposal_id, note=body.note
    )
    return reading.version_read(version)


@router.post("/{position_id}/proposals/{proposal_id}/reject")
def reject_proposal(
    position_id: str,
    proposal_id: str,
    body: ProposalDecision,
    db: DbSession,
    actor: CurrentActor,
) -> ProposalRead:
    """Decline a proposed edit (drafter)."""
    proposal = comments_service.reject(
        db, actor=actor, position_id=position_id, proposal_id=proposal_id, note=body.note
    )
    return reading.proposal_read(proposal)


@router.get("/{position_id}/board")
def status_board(position_id: str, db: DbSession, reader: OptionalActor) -> BoardRead:
    """Each member state's answer, and whether consensus on the current version is reached."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return consensus.board(db, position=position)


@router.post("/{position_id}/responses", status_code=201)
def respond(
    position_id: str, body: ResponseCreate, db: DbSession, actor: CurrentActor
) -> ResponseRead:
    """Endorse, record a reservation on, or object to one version, for your own member state."""
    response = consensus.respond(db, actor=actor, position_id=position_id, data=body)
    position = service.get_or_404(db, reader=actor, position_id=position_id)
    return consensus.response_read(response, current_version=position.current_version)


@router.get("/{position_id}/responses")
def list_responses(position_id: str, db: DbSession, reader: OptionalActor) -> list[ResponseRead]:
    """Every answer ever given, newest first (older ones say which version they were about)."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return [
        consensus.response_read(r, current_version=position.current_version)
        for r in consensus.history(db, position=position)
    ]


@router.post("/{position_id}/silence", status_code=201)
def open_silence(
    position_id: str, body: SilenceOpen, db: DbSession, actor: CurrentActor
) -> SilenceRead:
    """Open a silence procedure on the current version until an aware deadline (coordinator
    of the drafting organisation; silence-mode positions only)."""
    procedure = silence.open_procedure(db, actor=actor, position_id=position_id, data=body)
    return silence.silence_read(procedure)


@router.get("/{position_id}/silence")
def list_silences(position_id: str, db: DbSession, reader: OptionalActor) -> list[SilenceRead]:
    """Every silence procedure on the position, newest first, with its outcome."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    return [silence.silence_read(p) for p in silence.procedures(db, position=position)]


@router.post("/{position_id}/ad-referendum")
def adopt_ad_referendum(
    position_id: str, body: AdReferendumCreate, db: DbSession, actor: CurrentActor
) -> PositionRead:
    """Record the adoption of the current version ad referendum, with the deadline by which
    capitals confirm or withdraw (coordinator of the drafting organisation)."""
    position = referendum.adopt_ad_referendum(db, actor=actor, position_id=position_id, data=body)
    return reading.read(db, position=position)


@router.post("/{position_id}/confirmations", status_code=201)
def confirm(
    position_id: str, body: ConfirmationCreate, db: DbSession, actor: CurrentActor
) -> ConfirmationRead:
    """Confirm, or withdraw from, an adoption ad referendum, for your own member state."""
    record = referendum.answer(db, actor=actor, position_id=position_id, data=body)
    return referendum.confirmation_read(record)


@router.post("/{position_id}/derive", status_code=201)
def derive_position(
    position_id: str, body: DeriveCreate, db: DbSession, actor: CurrentActor
) -> PositionRead:
    """Start a new draft from an adopted position's text."""
    position = service.derive(db, actor=actor, position_id=position_id, title=body.title)
    return reading.read(db, position=position)


@router.get(
    "/{position_id}/adopted",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def adopted_text(
    position_id: str,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "pdf",
) -> Response:
    """The adopted text with the endorsements and the date of consensus (HTML or PDF)."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    adopted = reading.adopted_text(db, reader=reader, position=position, format=format)
    security = {"Content-Security-Policy": DOCUMENT_SECURITY_POLICY}
    return download(adopted, inline=True, headers=security)
