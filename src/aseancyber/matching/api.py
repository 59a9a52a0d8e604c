"""REST route for matching: POST /api/v1/matching answers "have we seen any of this?".

Only indicators the caller may see are considered (the visibility policy filters them in
SQL before anything is evaluated): a hidden indicator never shows as a match, a count or
an error.
"""

from fastapi import APIRouter

from aseancyber.access.dependencies import CurrentActor, DbSession
from aseancyber.matching import service
from aseancyber.matching.schemas import MatchRequest, MatchResponse, response

router = APIRouter(prefix="/api/v1", tags=["matching"])


@router.post("/matching")
def match(body: MatchRequest, db: DbSession, actor: CurrentActor) -> MatchResponse:
    """Match a batch of observables against the indicators the caller may see."""
    values = list(body.observables)
    if body.text:
        values.extend(service.observables_in(body.text.splitlines()))
    report = service.match_values(
        db, actor=actor, values=values, record_sightings=body.record_sightings
    )
    return response(report)
