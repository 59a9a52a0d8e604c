"""A state's norms profile, /norms/states/{iso2}, and the form on it where the state's
organisation admin chooses who may see its aggregate evidence figures:
POST /norms/states/{iso2}/evidence-sharing (a refusal shows the profile again, 422)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession, OptionalActor
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, Proposed, may
from aseancyber.errors import Invalid, NotFound
from aseancyber.norms import charts, evidence_sharing, regional
from aseancyber.norms.models import NormAssessment
from aseancyber.norms.schemas import EvidenceSharingUpdate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/norms/states/{iso2}")
def state_profile(iso2: str, request: Request, db: DbSession, reader: OptionalActor) -> Response:
    """A state's shared assessments, norm by norm, beside the evidence from practice."""
    return profile_page(request, db, reader, iso2)


def profile_page(
    request: Request,
    db: Session,
    reader: Actor | None,
    iso2: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The state's profile page; ``errors`` are those of its refused evidence-sharing form."""
    try:
        data = regional.profile(db, reader=reader, iso2=iso2)
    except Invalid as error:
        raise NotFound("member state") from error
    series = regional.progress(db, reader=reader, member_state_id=data.state.id)
    chart = charts.line_chart(series, title=f"Implementation level of {data.state.name}")
    return templating.render(
        request,
        "norms/profile.html",
        {
            "profile": data,
            "chart": chart,
            "can_assess": may(
                reader, Action.CREATE, Proposed(NormAssessment, member_state_id=data.state.id)
            ),
            "evidence_sharing": evidence_sharing.read(db, iso2=data.state.iso2)
            if reader is not None and reader.is_community
            else None,
            "can_choose_sharing": evidence_sharing.may_choose(reader, data.state.id),
            "sharing_options": [
                (scope.value, label) for scope, label in evidence_sharing.SCOPE_LABELS.items()
            ],
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.post("/norms/states/{iso2}/evidence-sharing", dependencies=[CsrfChecked])
async def choose_evidence_sharing(
    iso2: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Record the state's choice from the profile page's form; a refusal shows the profile
    again with the message by the field (422)."""
    form = await request.form()
    try:
        parsed = forms.parse_or_raise(EvidenceSharingUpdate, {"scope": forms.text(form, "scope")})
        chosen = evidence_sharing.set_scope(db, actor=actor, iso2=iso2, scope=parsed.scope)
    except Invalid as error:
        errors = forms.invalid_errors(error)
        return profile_page(request, db, actor, iso2, errors=errors, status_code=422)
    return templating.redirect(
        f"/norms/states/{iso2}#evidence-sharing",
        f"Aggregate evidence figures are now shared with: {chosen.label.lower()}.",
        "success",
    )
