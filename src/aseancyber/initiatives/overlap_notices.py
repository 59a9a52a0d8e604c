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
from aseancyber.access.policy import Actor, audience_of, can_see
from aseancyber.access.rules import Action, may
from aseancyber.access.service import actor_for
from aseancyber.initiatives import overlaps
from aseancyber.initiatives.models import Initiative, Overlap, OverlapStatus
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
    audiences: dict[str, object] = {}

    def sees(reader: Actor, initiative: Initiative) -> bool:
        if initiative.id not in audiences:
            audiences[initiative.id] = audience_of(db, initiative)
        return can_see(reader, initiative, audiences[initiative.id])  # type: ignore[arg-type]

    # The other side of each pair: the initiative that was there before this change.
    by_owner: dict[str, list[tuple[Overlap, Initiative, Initiative]]] = defaultdict(list)
    for overlap in flagged:
        for changed, other in ((overlap.first, overlap.second), (overlap.second, overlap.first)):
            if changed.id not in changed_ids or other.id in changed_ids:
                continue
            if other.owner_organisation_id != changed.owner_organisation_id:
                by_owner[other.owner_organisation_id].append((overlap, changed, other))
    written = 0
    for user in _recipients(db, set(by_owner)):
        reader = actor_for(user)
        pairs = [
            (overlap, changed, other)
            for overlap, changed, other in by_owner[user.organisation_id]
            if sees(reader, changed) and sees(reader, other)
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
