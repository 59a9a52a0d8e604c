"""Request and response shapes for matching observables against stored indicators."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from aseancyber.community.schemas import NoNul
from aseancyber.matching.observables import MAX_LENGTH
from aseancyber.matching.service import MAX_BATCH, Hit, MatchReport

MAX_TEXT = 10 * 1024 * 1024
RawObservable = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LENGTH), NoNul]


class MatchRequest(BaseModel):
    """A batch of raw observables: IPs, CIDRs, domains, URLs, e-mail addresses, hashes."""

    model_config = ConfigDict(extra="forbid")

    observables: list[RawObservable] = Field(default_factory=list, max_length=MAX_BATCH)
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT), NoNul] = Field(
        default="",
        description="Free text such as log lines: its observables are extracted line by line, "
        "exactly as the matching page reads pasted text or a log file.",
    )
    record_sightings: bool = Field(
        default=False,
        description="Record a STIX sighting by your organisation of each matching indicator.",
    )

    @model_validator(mode="after")
    def _something(self) -> "MatchRequest":
        if not self.observables and not self.text.strip():
            raise ValueError("give observables or text to match")
        return self


class IndicatorMatch(BaseModel):
    id: str
    stix_id: str
    name: str
    pattern: str
    tlp: str
    owner_organisation_id: str
    owner_name: str
    collection_id: str
    valid_from: datetime | None
    valid_until: datetime | None


class ObservableMatches(BaseModel):
    input: str
    type: str | None = Field(description="The kind recognised, or null when none was.")
    value: str | None = Field(description="The canonical form that was matched.")
    matches: list[IndicatorMatch]


class SightingOutcome(BaseModel):
    indicator_id: str
    count: int
    sighting_id: str | None
    problem: str


class MatchResponse(BaseModel):
    results: list[ObservableMatches]
    submitted: int
    recognised: int
    matched: int
    sightings: list[SightingOutcome]


def _match(hit: Hit) -> IndicatorMatch:
    return IndicatorMatch(
        id=hit.record_id,
        stix_id=hit.stix_id,
        name=hit.name,
        pattern=hit.pattern,
        tlp=hit.tlp,
        owner_organisation_id=hit.owner_organisation_id,
        owner_name=hit.owner_name,
        collection_id=hit.collection_id,
        valid_from=hit.valid_from,
        valid_until=hit.valid_until,
    )


def response(report: MatchReport) -> MatchResponse:
    """The REST answer for a match report."""
    return MatchResponse(
        results=[
            ObservableMatches(
                input=result.input,
                type=result.observable.kind if result.observable else None,
                value=result.observable.value if result.observable else None,
                matches=[_match(hit) for hit in result.hits],
            )
            for result in report.results
        ],
        submitted=len(report.results),
        recognised=report.recognised,
        matched=report.matched,
        sightings=[
            SightingOutcome(
                indicator_id=s.record_id,
                count=s.count,
                sighting_id=s.sighting_id,
                problem=s.problem,
            )
            for s in report.sightings
        ],
    )
