"""Telling the owners of initiatives that a new or edited initiative may duplicate theirs,
and the dashboard panel of possible overlaps to review.

A notice goes to the contributors and coordinators of each *other* owner organisation, by
inbox and e-mail as each prefers (:func:`aseancyber.notify.service.notify`). A recipient is
told about a pair only if they may see both initiatives (the same rule as the overlap pages),
so a notice never reveals a record its reader may not see; a pair they may not see is left
out of their notice, and nobody is told that anything was left out.
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import User
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import readers_of
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.overlaps.models import Overlap, OverlapStatus
from aseancyber.notify.models import NotificationKind
from aseancyber.notify.service import notify
from aseancyber.plugins import Panel

LISTED = 5  # pairs named in one notice; the rest are counted and linked


def _recipients(db: Session, organisation_ids: set[str]) -> list[User]:
    users = db.scalars(
        select(User)
        .where(User.organisation_id.in_(organisation_ids), User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    return [u for u in users if Permission.RECORD_CREATE in permissions_of(u.role_set)]


def notify_owners(db: Session, *, flagged: Sequence[Overlap], changed_ids: set[str]) -> int:
    """Notify the owners of the other initiative of each newly flagged pair; returns how
    many notifications were written."""
    if not flagged:
        return 0
    # The other side of each pair: the initiative that was there before this change.
    by_owner: dict[str, list[tuple[Overlap, Initiative, Initiative]]] = defaultdict(list)
    for overlap in flagged:
        for changed, other in ((overlap.first, overlap.second), (overlap.second, overlap.first)):
            if changed.id not in changed_ids or other.id in changed_ids:
                continue
            if other.owner_organisation_id != changed.owner_organisation_id:
                by_owner[other.owner_organisation_id].append((overlap, changed, other))
    recipients = _recipients(db, set(by_owner))
    sees = _readers(db, recipients, by_owner)
    written = 0
    for user in recipients:
        pairs = [
            (overlap, changed, other)
            for overlap, changed, other in by_owner[user.organisation_id]
            if user.id in sees[changed.id] and user.id in sees[other.id]
        ]
        if not pairs:
            continue
        lines = [
            f'- "{changed.title}" ({_body(changed)}) may duplicate your "{other.title}" '
            f"({_body(other)}), score {overlap.score:.2f}: /initiatives/overlaps/{overlap.id}"
            for overlap, changed, other in pairs[:LISTED]
        ]
        if len(pairs) > LISTED:
            lines.append(f"... and {len(pairs) - LISTED} more.")
        count = len(pairs)
        title = (
            f'Possible overlap with your initiative "{pairs[0][2].title}"'
            if count == 1
            else f"{count} possible overlaps with your organisation's initiatives"
        )
        link = f"/initiatives/overlaps/{pairs[0][0].id}" if count == 1 else "/initiatives/overlaps"
        notify(
            db,
            user_ids=[user.id],
            kind=NotificationKind.INITIATIVE_OVERLAP,
            title=title,
            body="\n".join(lines),
            link=link,
        )
        written += 1
    return written


def _readers(
    db: Session,
    recipients: Sequence[User],
    by_owner: dict[str, list[tuple[Overlap, Initiative, Initiative]]],
) -> dict[str, set[str]]:
    """For each initiative of the pairs, which of the recipients told about it may see it
    (asked of the same SQL filter the pages use)."""
    initiatives: dict[str, Initiative] = {}
    candidates: dict[str, set[str]] = defaultdict(set)
    for user in recipients:
        for _, changed, other in by_owner[user.organisation_id]:
            for initiative in (changed, other):
                initiatives[initiative.id] = initiative
                candidates[initiative.id].add(user.id)
    return {
        initiative_id: set(readers_of(db, initiatives[initiative_id], users))
        for initiative_id, users in candidates.items()
    }


def _body(initiative: Initiative) -> str:
    return initiative.sectoral_body.code if initiative.sectoral_body else "no sectoral body"


def overlaps_to_review(db: Session, actor: Actor) -> Panel | None:
    """Open overlaps the reader may see that involve their organisation's initiatives (all
    visible open ones for reviewers), best first; no panel when there are none."""
    statement = overlaps.visible_statement(actor, status=OverlapStatus.OPEN)
    if not may(actor, Action.REVIEW, Overlap):
        own = select(Initiative.id).where(Initiative.owner_organisation_id == actor.organisation_id)
        statement = statement.where(or_(Overlap.first_id.in_(own), Overlap.second_id.in_(own)))
    total = db.scalar(select(func.count()).select_from(statement.subquery()))
    if not total:
        return None
    shown = db.scalars(statement.order_by(Overlap.score.desc(), Overlap.id).limit(LISTED)).unique()
    return Panel(
        "Possible overlaps to review",
        "initiatives/panels/overlaps.html",
        {"overlaps": list(shown), "total": int(total)},
        more_href="/initiatives/overlaps",
        more_label="All open overlaps",
    )
