"""Initiatives as detection profiles, read with two queries and no ORM objects."""

from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.community.models import SectoralBody
from aseancyber.initiatives.detection.index import Profile
from aseancyber.initiatives.models import Initiative, InitiativeTag, TagKind

CHUNK = 500  # ids per IN (...) list, well inside every database's parameter limit


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def load_profiles(db: Session, *, ids: Collection[str] | None = None) -> list[Profile]:
    """Every initiative on the node (or those of ``ids`` that exist), not merged into
    another, as a detection profile."""
    if ids is not None:
        return [profile for chunk in _chunks(ids) for profile in _load(db, chunk)]
    return _load(db, None)


def _load(db: Session, ids: list[str] | None) -> list[Profile]:
    bodies = dict(db.execute(select(SectoralBody.id, SectoralBody.code)).tuples().all())
    facets: dict[str, dict[TagKind, set[str]]] = defaultdict(lambda: defaultdict(set))
    tags = select(InitiativeTag.initiative_id, InitiativeTag.kind, InitiativeTag.value).where(
        InitiativeTag.kind.in_([TagKind.STATE, TagKind.THEME, TagKind.AUDIENCE])
    )
    statement = select(
        Initiative.id,
        Initiative.title,
        Initiative.summary,
        Initiative.activities,
        Initiative.start_on,
        Initiative.end_on,
        Initiative.sectoral_body_id,
        Initiative.programme,
    ).where(Initiative.merged_into_id.is_(None))  # a merged initiative is no longer compared
    if ids is not None:
        tags = tags.where(InitiativeTag.initiative_id.in_(ids))
        statement = statement.where(Initiative.id.in_(ids))
    for initiative_id, kind, value in db.execute(tags).tuples():
        facets[initiative_id][kind].add(value)
    profiles = []
    for row in db.execute(statement).tuples():
        initiative_id, title, summary, activities, start, end, body_id, programme = row
        profiles.append(
            profile_of(
                initiative_id=initiative_id,
                title=title,
                text=f"{summary}\n{activities}",
                facets=facets[initiative_id],
                start=start,
                end=end,
                body=bodies.get(body_id, "") if body_id else "",
                programme=programme,
            )
        )
    return profiles


def profile_of(
    *,
    initiative_id: str,
    title: str,
    text: str,
    facets: dict[TagKind, set[str]],
    start: date | None,
    end: date | None,
    body: str,
    programme: str,
) -> Profile:
    """One profile from an initiative's columns and facet values."""
    first, last = Profile.period(start, end)
    return Profile(
        id=initiative_id,
        title=title,
        text=text,
        states=frozenset(facets.get(TagKind.STATE, ())),
        themes=frozenset(facets.get(TagKind.THEME, ())),
        audience=frozenset(facets.get(TagKind.AUDIENCE, ())),
        start=first,
        end=last,
        body=body,
        programme=programme,
    )
