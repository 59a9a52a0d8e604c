"""Pages for common positions: /positions, /positions/new, /positions/{id} (text, comments,
proposed edits, status board, answers), /edit, /versions/{n}, /diff, /adopted, /export.
The comment and proposed-edit forms post to :mod:`aseancyber.positions.comments_pages`.

Every route reads through the visibility policy; what the reader may not see is 404.
Problems with a form on the position page come back as a message on that page.
"""

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.models import OrganisationKind
from aseancyber.access.policy import Actor, Tlp, audience_of
from aseancyber.access.rules import Action, may
from aseancyber.community.service import all_organisations
from aseancyber.errors import Conflict, Forbidden, Invalid
from aseancyber.exports import download
from aseancyber.positions import (
    adoption_pages,
    comments_pages,
    comments_service,
    consensus,
    reading,
    referendum,
    service,
    silence,
)
from aseancyber.positions.comments_pages import back_to_position, not_saved, refusal
from aseancyber.positions.models import Position, ProposalStatus, ResponseKind
from aseancyber.positions.schemas import (
    PositionCreate,
    PositionUpdate,
    ResponseCreate,
    TextRevision,
)
from aseancyber.web import forms, templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT
from aseancyber.web.paging import page_links
from aseancyber.web.security import DOCUMENT_SECURITY_POLICY

router = APIRouter(tags=["pages"], include_in_schema=False)

DETAIL_FIELDS = (
    "title",
    "occasion",
    "summary",
    "tlp",
    "green_includes_external",
    "audience_organisation_ids",
)
"""The details a drafter sets on the position form, both when drafting and when editing."""

TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
CONSENSUS_OPTIONS = [
    ("silence", "No objection (ASEAN practice): reservations do not block; silence procedure"),
    ("unanimous", "Unanimous: every member state must endorse the same version"),
]
STATUS_OPTIONS = [("drafting", "Being drafted"), ("adopted", "Adopted"), ("withdrawn", "Withdrawn")]
ANSWERING_KINDS = (OrganisationKind.FOREIGN_MINISTRY, OrganisationKind.NATIONAL_CYBER_AGENCY)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs from a text area: separated by blank lines."""
    parts = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [
        " ".join(part.split()) if "\n" in part.strip() else part.strip()
        for part in parts
        if part.strip()
    ]


def parse_local(value: str, time_zone: str) -> datetime | str | None:
    """A ``datetime-local`` field read in the reader's zone (as aware UTC), or the raw text."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=templating.zone(time_zone))
    except ValueError:
        return value


def local_value(value: datetime | None, time_zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(templating.zone(time_zone)).strftime("%Y-%m-%dT%H:%M")


@router.get("/positions")
def list_positions(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The positions the reader may see."""
    filters = service.parse_filters(status=status, q=q)
    page = service.list_(db, reader=reader, filters=filters, cursor=cursor, limit=limit)
    return templating.render(
        request,
        "positions/list.html",
        {
            "page": page,
            "links": page_links(request, page.next_cursor),
            "values": {"q": q, "status": status},
            "status_options": STATUS_OPTIONS,
            "total": service.count(db, reader=reader, filters=filters),
            "can_create": may(reader, Action.CREATE, Position),
        },
    )


@router.get("/positions/export")
def export_positions(
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Download the visible positions as JSON."""
    return download(
        reading.export(db, reader=reader, filters=service.parse_filters(status=status, q=q))
    )


def _form(
    request: Request,
    db: Session,
    actor: Actor,
    values: dict[str, Any],
    *,
    position: Position | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    organisations = [o for o in all_organisations(db) if o.id != actor.organisation_id]
    return templating.render(
        request,
        "positions/form.html",
        {
            "values": values,
            "position": position,
            "errors": errors or {},
            "tlp_options": TLP_OPTIONS,
            "consensus_options": CONSENSUS_OPTIONS,
            "organisation_options": [(o.id, o.name) for o in organisations],
            "answering_ids": [
                o.id for o in organisations if o.kind in ANSWERING_KINDS and o.member_state_id
            ],
        },
        status_code=status_code,
    )


async def _posted(request: Request, actor: Actor, db: Session) -> dict[str, Any]:
    form = await request.form()
    audience = forms.texts(form, "audience_organisation_ids")
    if forms.checked(form, "name_every_state"):
        audience = sorted(
            set(audience)
            | {
                o.id
                for o in all_organisations(db)
                if o.kind in ANSWERING_KINDS and o.member_state_id and o.id != actor.organisation_id
            }
        )
    body = form.get("text")
    return {
        "title": forms.text(form, "title"),
        "occasion": forms.text(form, "occasion"),
        "summary": forms.text(form, "summary"),
        "text": body if isinstance(body, str) else "",
        "tlp": forms.text(form, "tlp"),
        "green_includes_external": forms.checked(form, "green_includes_external"),
        "deadline": forms.text(form, "deadline"),
        "consensus_mode": forms.text(form, "consensus_mode"),
        "audience_organisation_ids": audience,
        "version": forms.text(form, "version"),
        "based_on": forms.text(form, "based_on"),
        "note": forms.text(form, "note"),
    }


@router.get("/positions/new")
def new_position(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """The form to start drafting a common position."""
    if not may(actor, Action.CREATE, Position):
        raise Forbidden(
            "drafting needs a contributor role in a member-state body or the Secretariat"
        )
    values = {
        "tlp": Tlp.GREEN.value,
        "consensus_mode": "silence",
        "audience_organisation_ids": [],
        "text": "",
    }
    return _form(request, db, actor, values)


@router.post("/positions/new", dependencies=[CsrfChecked])
async def create_position(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    """Start drafting a position from the form."""
    values = await _posted(request, actor, db)
    data = {key: values[key] for key in DETAIL_FIELDS}
    if values["consensus_mode"]:
        data["consensus_mode"] = values["consensus_mode"]
    data["paragraphs"] = split_paragraphs(values["text"])
    data["deadline"] = parse_local(values["deadline"], actor.time_zone)
    parsed = forms.parse(PositionCreate, data)
    if isinstance(parsed, dict):
        if "paragraphs" in parsed:
            parsed["text"] = parsed.pop("paragraphs")
        return _form(request, db, actor, values, errors=parsed, status_code=422)
    try:
        position = service.create(db, actor=actor, data=parsed)
    except Invalid as error:
        return _form(
            request, db, actor, values, errors=forms.invalid_errors(error), status_code=422
        )
    return templating.redirect(
        f"/positions/{position.id}", "The draft is open for comments.", "success"
    )


@router.get("/positions/{position_id}")
def show_position(
    position_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """A position: text, comments, proposed edits, status board and the reader's answer."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    text = service.current_text(db, position=position)
    comments = comments_service.comments(db, position=position)
    proposals = comments_service.proposals(db, position=position)
    board = consensus.board(db, position=position)
    state = consensus.answering_state(db, reader)
    ordinals = {p.key: p.ordinal for p in text.paragraphs}
    return templating.render(
        request,
        "positions/detail.html",
        {
            "position": position,
            "text": text,
            "versions": service.versions(db, position=position),
            "comments": comments,
            "comments_by_key": _group(comments),
            "proposals": proposals,
            "open_proposals": [p for p in proposals if p.status is ProposalStatus.OPEN],
            "ordinals": ordinals,
            "board": board,
            "history": consensus.history(db, position=position),
            "answering_state": state,
            "own_row": next(
                (r for r in board.rows if state and r.member_state_id == state.id), None
            ),
            "can_edit": may(reader, Action.EDIT, position),
            "can_contribute": may(reader, Action.CONTRIBUTE, position),
            "drafting": position.status.value == "drafting",
            "response_kinds": [(k.value, k.label) for k in ResponseKind],
            "audience": audience_of(db, position),
            "can_coordinate": may(reader, Action.COORDINATE, position),
            "silences": [
                silence.silence_read(p) for p in silence.procedures(db, position=position)
            ],
            "reservations": consensus.reservations(db, position=position),
            "referendum": referendum.referendum_read(db, position=position),
        },
    )


def _group(comments: list[Any]) -> dict[str | None, list[Any]]:
    grouped: dict[str | None, list[Any]] = {}
    for comment in comments:
        grouped.setdefault(comment.paragraph_key, []).append(comment)
    return grouped


@router.post("/positions/{position_id}/responses", dependencies=[CsrfChecked])
async def respond(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    refused = refusal(
        position_id,
        "#answer",
        ResponseCreate,
        forms.texts_of(form, "version_number", "kind", "text"),
        lambda parsed: consensus.respond(db, actor=actor, position_id=position_id, data=parsed),
    )
    if refused:
        return refused
    position = service.get_or_404(db, reader=actor, position_id=position_id)
    if position.status.value == "adopted":
        return back_to_position(
            position_id, "Consensus reached: every member state endorsed this version."
        )
    return back_to_position(
        position_id, "Your member state's answer was recorded.", anchor="#board"
    )


@router.post("/positions/{position_id}/derive", dependencies=[CsrfChecked])
def derive(position_id: str, db: DbSession, actor: CurrentActor) -> Response:
    try:
        position = service.derive(db, actor=actor, position_id=position_id)
    except Conflict as error:
        return not_saved(position_id, error, "")
    return templating.redirect(
        f"/positions/{position.id}", "A new draft was started from the adopted text.", "success"
    )


def _loaded(db: Session, position: Position, time_zone: str) -> dict[str, Any]:
    text = service.current_text(db, position=position)
    audience = audience_of(db, position)
    return {
        "title": position.title,
        "occasion": position.occasion,
        "summary": position.summary,
        "text": "\n\n".join(p.text for p in text.paragraphs),
        "tlp": position.tlp.value,
        "green_includes_external": position.green_includes_external,
        "deadline": local_value(position.deadline, time_zone),
        "consensus_mode": position.consensus_mode.value,
        "audience_organisation_ids": sorted(audience.organisation_ids),
        "version": position.version,
        "based_on": position.current_version,
        "note": "",
    }


@router.get("/positions/{position_id}/edit")
def edit_position(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """The drafter's form: details, sharing and the text (a changed text is a new version)."""
    position = service.get_or_404(db, reader=actor, position_id=position_id)
    if not may(actor, Action.EDIT, position):
        raise Forbidden("only the drafting organisation may edit this position")
    service.require_drafting(position)
    return _form(request, db, actor, _loaded(db, position, actor.time_zone), position=position)


@router.post("/positions/{position_id}/edit", dependencies=[CsrfChecked])
async def save_position(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Save the drafter's changes: details first, then the text as the next version."""
    position = service.get_or_404(db, reader=actor, position_id=position_id)
    values = await _posted(request, actor, db)
    loaded = _loaded(db, position, actor.time_zone)
    details = {
        key: values[key]
        for key in (*DETAIL_FIELDS, "consensus_mode")
        if values[key] != loaded[key] and (key != "consensus_mode" or values[key])
    }
    if values["deadline"] != loaded["deadline"]:
        details["deadline"] = parse_local(values["deadline"], actor.time_zone)
    paragraphs = split_paragraphs(values["text"])
    text_changed = paragraphs != split_paragraphs(loaded["text"])
    try:
        if details:
            parsed = forms.parse(PositionUpdate, {"version": values["version"], **details})
            if isinstance(parsed, dict):
                return _form(
                    request, db, actor, values, position=position, errors=parsed, status_code=422
                )
            service.update(db, actor=actor, position_id=position_id, data=parsed)
        if text_changed:
            revision = forms.parse(
                TextRevision,
                {"based_on": values["based_on"], "paragraphs": paragraphs, "note": values["note"]},
            )
            if isinstance(revision, dict):
                if "paragraphs" in revision:
                    revision["text"] = revision.pop("paragraphs")
                return _form(
                    request, db, actor, values, position=position, errors=revision, status_code=422
                )
            service.revise(db, actor=actor, position_id=position_id, data=revision)
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return _form(request, db, actor, values, position=position, errors=errors, status_code=422)
    except Conflict as error:
        return _form(
            request,
            db,
            actor,
            values,
            position=position,
            errors={"form": error.detail},
            status_code=409,
        )
    message = "A new version was saved." if text_changed else "The position was saved."
    return back_to_position(
        position_id, message if (details or text_changed) else "Nothing changed."
    )


@router.get("/positions/{position_id}/versions/{number}")
def show_version(
    position_id: str, number: int, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One version of the text, as it was."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    version = service.get_version(db, position=position, number=number)
    return templating.render(
        request, "positions/version.html", {"position": position, "version": version}
    )


@router.get("/positions/{position_id}/diff")
def show_diff(
    *,
    position_id: str,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> Response:
    """What changed between two versions (by default, the previous and the current one)."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    after = to_version or position.current_version
    before = from_version or max(1, after - 1)
    found = service.diff(db, position=position, from_version=before, to_version=after)
    return templating.render(
        request,
        "positions/diff.html",
        {
            "position": position,
            "diff": found,
            "before": before,
            "after": after,
            "numbers": [v.number for v in service.versions(db, position=position)],
        },
    )


@router.get("/positions/{position_id}/adopted")
def adopted(
    position_id: str,
    db: DbSession,
    reader: OptionalActor,
    format: Annotated[str, Query(max_length=10)] = "html",
) -> Response:
    """The adopted text with endorsements and the date of consensus, as HTML or PDF."""
    position = service.get_or_404(db, reader=reader, position_id=position_id)
    found = reading.adopted_text(db, reader=reader, position=position, format=format)
    security = {"Content-Security-Policy": DOCUMENT_SECURITY_POLICY}
    return download(found, inline=format != "pdf", headers=security)


router.include_router(comments_pages.router)
router.include_router(adoption_pages.router)
