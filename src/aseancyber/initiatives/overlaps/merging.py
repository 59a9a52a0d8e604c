"""Merging a confirmed duplicate into the initiative kept: what "merge" does.

The duplicate's activities, beneficiary states, themes, audience, funders, implementers,
partners and norm links fold into the kept initiative; the duplicate is marked merged
(pointing to the one kept), leaves lists and detection, and its open overlaps are withdrawn.
Every row changed is audited with the reviewer's transaction.

Visibility is kept, failing closed: the duplicate's content becomes part of the kept record,
so everyone who may see the kept one must already have been allowed to see the duplicate.
Otherwise the merge is refused with a message naming the two labels (merge the other way,
or relabel first).
"""

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, Tlp, audience_of, visible_to
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Invalid
from aseancyber.initiatives.detection import live_index
from aseancyber.initiatives.models import Initiative, InitiativeNorm, InitiativeTag, TagKind
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus

FOLDED_TAGS = (
    TagKind.STATE,
    TagKind.THEME,
    TagKind.AUDIENCE,
    TagKind.FUNDER,
    TagKind.IMPLEMENTER,
    TagKind.PARTNER,
    TagKind.CLAUSE,
)


def _widening(db: Session, kept: Initiative, duplicate: Initiative) -> str | None:
    """Why folding ``duplicate`` into ``kept`` would show it to someone it was not shared
    with (None when everyone who sees ``kept`` already sees ``duplicate``)."""
    if duplicate.tlp is Tlp.CLEAR:
        return None
    if duplicate.tlp is Tlp.GREEN and kept.tlp is Tlp.GREEN:
        if kept.green_includes_external and not duplicate.green_includes_external:
            return "the kept initiative is shared with external parties, the duplicate is not"
        return None
    same_owner = kept.owner_organisation_id == duplicate.owner_organisation_id
    stricter = kept.tlp.rank >= duplicate.tlp.rank
    kept_audience, duplicate_audience = audience_of(db, kept), audience_of(db, duplicate)
    named_within = (
        kept_audience.organisation_ids <= duplicate_audience.organisation_ids
        and kept_audience.user_ids <= duplicate_audience.user_ids
    )
    if same_owner and stricter and named_within:
        return None
    return (
        f"the duplicate is shared as {duplicate.tlp.value} and the kept initiative as "
        f"{kept.tlp.value}: merging would show the duplicate to readers it was not shared "
        "with; keep the more narrowly shared one, or relabel first"
    )


def merge(db: Session, *, kept_id: str, duplicate_id: str) -> Initiative:
    """Fold ``duplicate_id`` into ``kept_id`` (the caller checked that its actor may review
    the overlap and sees both; the audit entries name that actor); returns the kept one."""
    kept = db.get(Initiative, kept_id)
    duplicate = db.get(Initiative, duplicate_id)
    if kept is None or duplicate is None:
        raise Invalid("names an initiative that no longer exists", "keep_id")
    if kept.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise Conflict("one of the two initiatives was already merged into another")
    problem = _widening(db, kept, duplicate)
    if problem is not None:
        raise Invalid(problem, "keep_id")
    if duplicate.activities.strip():
        note = f"From the merged initiative “{duplicate.title}”: {duplicate.activities.strip()}"
        kept.activities = f"{kept.activities.rstrip()}\n\n{note}".strip()
    for kind in FOLDED_TAGS:
        have = set(kept.values(kind))
        position = len(have)
        for value in duplicate.values(kind):
            if value not in have:
                have.add(value)
                kept.tags.append(InitiativeTag(kind=kind, value=value, position=position))
                position += 1
    linked = {(link.norm_id, link.action_id) for link in kept.norm_links}
    for link in duplicate.norm_links:
        if (link.norm_id, link.action_id) not in linked:
            linked.add((link.norm_id, link.action_id))
            kept.norm_links.append(InitiativeNorm(norm_id=link.norm_id, action_id=link.action_id))
    if not kept.source_link and duplicate.source_link:
        kept.source_link = duplicate.source_link
    duplicate.merged_into_id = kept.id
    duplicate.merged_at = utcnow()
    # The duplicate leaves detection: its other open candidate pairs go with it.
    db.execute(
        delete(Overlap)
        .where(
            Overlap.status == OverlapStatus.OPEN,
            or_(Overlap.first_id == duplicate.id, Overlap.second_id == duplicate.id),
            ~((Overlap.first_id == kept.id) | (Overlap.second_id == kept.id)),
        )
        .execution_options(synchronize_session=False)
    )
    db.flush()
    live_index.record_change(db, initiative_ids=[kept.id, duplicate.id])
    return kept


def merged_into(db: Session, *, reader: Reader, initiative: Initiative) -> str | None:
    """The id of the initiative this one was merged into, when ``reader`` may see it (one
    they may not see is not named: the duplicate's page then only says it was merged)."""
    if initiative.merged_into_id is None:
        return None
    return db.scalar(
        select(Initiative.id).where(
            Initiative.id == initiative.merged_into_id, visible_to(reader, Initiative)
        )
    )
