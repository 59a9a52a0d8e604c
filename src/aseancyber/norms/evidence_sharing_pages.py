"""The form on a state's norms profile where its organisation admin chooses who may see the
state's aggregate evidence figures: POST /norms/states/{iso2}/evidence-sharing."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aseancyber.access.dependencies import CsrfChecked, CurrentActor, DbSession
from aseancyber.errors import Invalid
from aseancyber.norms import evidence_sharing
from aseancyber.norms.schemas import EvidenceSharingUpdate
from aseancyber.web import forms, templating

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.post("/norms/states/{iso2}/evidence-sharing", dependencies=[CsrfChecked])
async def choose_evidence_sharing(
    iso2: str, request: Request, db: DbSession, actor: CurrentActor
) -> Response:
    """Record the state's choice from the profile page's form."""
    form = await request.form()
    back = f"/norms/states/{iso2}#evidence-sharing"
    parsed = forms.parse(EvidenceSharingUpdate, {"scope": forms.text(form, "scope")})
    if isinstance(parsed, dict):
        return templating.redirect(back, "Not saved: " + "; ".join(parsed.values()), "error")
    try:
        chosen = evidence_sharing.set_scope(db, actor=actor, iso2=iso2, scope=parsed.scope)
    except Invalid as error:
        return templating.redirect(back, f"Not saved: {error.detail}", "error")
    return templating.redirect(
        back, f"Aggregate evidence figures are now shared with: {chosen.label.lower()}.", "success"
    )
