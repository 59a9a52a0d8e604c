"""Response shapes for positions, the JSON export and the adopted text (HTML and PDF)."""

from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Reader, audience_of
from aseancyber.errors import Conflict, Invalid
from aseancyber.exports import Export, audit_export, json_export
from aseancyber.positions import consensus, referendum, service, silence
from aseancyber.positions.models import EditProposal, Position, PositionComment, PositionVersion
from aseancyber.positions.schemas import (
    AudienceRead,
    CommentRead,
    ParagraphRead,
    PositionListItem,
    PositionRead,
    ProposalRead,
    VersionRead,
)
from aseancyber.shaping import shaped
from aseancyber.web import templating
from aseancyber.web.pdf import render_pdf

MAX_EXPORT = 10_000


def list_item(position: Position) -> PositionListItem:
    return shaped(
        PositionListItem, position, owner_organisation_name=position.owner_organisation.name
    )


def version_read(version: PositionVersion) -> VersionRead:
    return shaped(
        VersionRead,
        version,
        created_by_name=version.created_by.display_name if version.created_by else None,
        paragraphs=[shaped(ParagraphRead, p) for p in version.paragraphs],
    )


def read(db: Session, *, position: Position) -> PositionRead:
    """The full view of one (visible) position: current text, audience and status board."""
    audience = audience_of(db, position)
    board = consensus.board(db, position=position)
    newest_silence = silence.latest(db, position=position)
    return PositionRead(
        **list_item(position).model_dump(),
        created_by_id=position.created_by_id,
        audience=AudienceRead(
            organisation_ids=sorted(audience.organisation_ids), user_ids=sorted(audience.user_ids)
        ),
        text=version_read(service.current_text(db, position=position)),
        board=board,
        silence=silence.silence_read(newest_silence) if newest_silence else None,
        reservations=[
            consensus.response_read(r, current_version=position.current_version)
            for r in consensus.reservations(db, position=position)
        ],
        referendum=referendum.referendum_read(db, position=position),
    )


def comment_read(comment: PositionComment) -> CommentRead:
    return shaped(
        CommentRead,
        comment,
        author_name=comment.author.display_name if comment.author else None,
        organisation_name=comment.organisation.name,
    )


def proposal_read(proposal: EditProposal) -> ProposalRead:
    return shaped(
        ProposalRead,
        proposal,
        proposer_name=proposal.proposer.display_name if proposal.proposer else None,
        organisation_name=proposal.organisation.name,
    )


def export(db: Session, *, reader: Reader, filters: service.PositionFilters) -> Export:
    """The visible, filtered positions with their current text, as JSON (audited)."""
    positions = service.all_visible(db, reader=reader, filters=filters, limit=MAX_EXPORT)
    rows = [read(db, position=p).model_dump(mode="json") for p in positions]
    audit_export(
        db,
        reader=reader,
        action="position.export",
        record_kind="position",
        ids=[p.id for p in positions],
        format="json",
    )
    return json_export(rows, "positions")


PDF_STYLE = """
@page {
  size: A4; margin: 2cm;
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; }
}
body { font-family: "DejaVu Serif", serif; font-size: 11pt; line-height: 1.45; }
"""


def adopted_text(db: Session, *, reader: Reader, position: Position, format: str) -> Export:
    """The adopted text with the endorsements and the date of consensus, as HTML or PDF."""
    if format not in {"html", "pdf"}:
        raise Invalid("must be html or pdf", "format")
    if position.adopted_version is None or position.adopted_at is None:
        raise Conflict("this position has not been adopted yet: there is no adopted text")
    version = service.get_version(db, position=position, number=position.adopted_version)
    html = templating.templates.env.get_template("positions/adopted.html").render(
        position=position,
        version=version,
        endorsements=consensus.adopted_endorsements(db, position=position),
        reservations=consensus.reservations(db, position=position),
        board=consensus.board(db, position=position),
        silence=silence.latest(db, position=position),
        referendum=referendum.referendum_read(db, position=position),
        for_pdf=format == "pdf",
    )
    audit.record(
        db,
        action=f"position.export_adopted_{format}",
        record_kind="position",
        record_id=position.id,
        record_organisation_id=position.owner_organisation_id,
        actor=reader,
    )
    slug = "".join(c if c.isalnum() else "-" for c in position.title.lower())[:60].strip("-")
    if format == "pdf":
        return Export(render_pdf(html, stylesheet=PDF_STYLE), "application/pdf", f"{slug}.pdf")
    return Export(html.encode(), "text/html; charset=utf-8", f"{slug}.html")
