"""The consensus forms on a position page: /positions/{id}/silence (open a silence procedure),
/positions/{id}/ad-referendum (record an adoption ad referendum) and
/positions/{id}/confirmations (a capital confirms or withdraws).

Deadlines are typed in the reader's own time zone and stored as aware UTC times. Problems
with these forms come back as a message on the position page.
"""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.positions import referendum, silence
from aseancyber.positions.comments_pages import back_to_position, refusal
from aseancyber.positions.schemas import AdReferendumCreate, ConfirmationCreate, SilenceOpen
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


def local_time(value: str, time_zone: str) -> datetime | str:
    """A ``datetime-local`` field read in the reader's zone (aware), or the raw text."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=templating.zone(time_zone))
    except ValueError:
        return value


@router.post("/positions/{position_id}/silence", dependencies=[CsrfChecked])
async def open_silence(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    data = {
        "version_number": forms.text(form, "version_number"),
        "deadline": local_time(forms.text(form, "deadline"), actor.time_zone),
    }
    refused = refusal(
        position_id,
        "#silence",
        SilenceOpen,
        data,
        lambda parsed: silence.open_procedure(
            db, actor=actor, position_id=position_id, data=parsed
        ),
    )
    return refused or back_to_position(
        position_id, "The silence procedure is open; member states were told.", anchor="#silence"
    )


@router.post("/positions/{position_id}/ad-referendum", dependencies=[CsrfChecked])
async def adopt_ad_referendum(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    deadline = local_time(forms.text(form, "confirmation_deadline"), actor.time_zone)
    data = {"version_number": forms.text(form, "version_number"), "confirmation_deadline": deadline}
    refused = refusal(
        position_id,
        "#referendum",
        AdReferendumCreate,
        data,
        lambda parsed: referendum.adopt_ad_referendum(
            db, actor=actor, position_id=position_id, data=parsed
        ),
    )
    return refused or back_to_position(
        position_id,
        "Adopted ad referendum: capitals were asked to confirm.",
        anchor="#referendum",
    )


@router.post("/positions/{position_id}/confirmations", dependencies=[CsrfChecked])
async def confirm(
    position_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    form = await request.form()
    refused = refusal(
        position_id,
        "#referendum",
        ConfirmationCreate,
        forms.texts_of(form, "kind", "text"),
        lambda parsed: referendum.answer(db, actor=actor, position_id=position_id, data=parsed),
    )
    return refused or back_to_position(
        position_id, "Your capital's answer was recorded.", anchor="#referendum"
    )
