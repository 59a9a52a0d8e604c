"""The community's dashboard panels (declared in the domain's manifest)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import Actor
from aseancyber.community import documents_service, service
from aseancyber.plugins import Panel


def your_organisation(db: Session, actor: Actor) -> Panel | None:
    """The reader's organisation: kind, state, bodies, people and its visible documents."""
    organisation = db.get(Organisation, actor.organisation_id)
    if organisation is None:
        return None
    people = db.scalar(
        select(func.count()).where(
            User.organisation_id == organisation.id, User.is_active.is_(True)
        )
    )
    shared = documents_service.count(
        db,
        reader=actor,
        filters=documents_service.DocumentFilters(owner=organisation.id),
    )
    return Panel(
        "Your organisation",
        "community/panels/organisation.html",
        {
            "organisation": organisation,
            "bodies": service.bodies_of(db, organisation=organisation),
            "people": people,
            "shared": shared,
        },
        more_href=f"/directory/organisations/{organisation.id}",
        more_label="Open in the directory",
    )


def recent_documents(db: Session, actor: Actor) -> Panel:
    """The newest documents the reader may see."""
    return Panel(
        "Recent documents visible to you",
        "community/panels/documents.html",
        {
            "documents": documents_service.recent(db, reader=actor, limit=5),
            "total": documents_service.count(db, reader=actor),
        },
        more_href="/documents",
        more_label="All documents",
    )


def community_at_a_glance(db: Session, actor: Actor) -> Panel:
    """How many member states, organisations and sectoral bodies the directory holds."""
    return Panel(
        "Community at a glance",
        "community/panels/glance.html",
        {"counts": service.counts(db)},
        more_href="/directory",
        more_label="Open the directory",
    )
