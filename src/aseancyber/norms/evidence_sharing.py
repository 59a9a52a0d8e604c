"""A member state's choice of who may see its aggregate evidence figures (never the records).

The choice is made, explicitly and audited, by an organisation admin of one of the state's
own organisations; whether it covers a given reader is decided by the access policy
(:func:`aseancyber.access.policy.may_see_shared_aggregates`). Without a choice, a state
shares nothing beyond what each reader may see record by record.
"""

from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, AggregateScope, Reader
from aseancyber.access.rules import Action, Proposed, may
from aseancyber.db import utcnow
from aseancyber.errors import Forbidden
from aseancyber.norms.models import EvidenceSharing
from aseancyber.norms.schemas import EvidenceSharingRead
from aseancyber.norms.service import state_by_iso2

SCOPE_LABELS = {
    AggregateScope.NONE: "Nobody beyond what each reader may see record by record",
    AggregateScope.STATE: "The state's own ministries and agencies",
    AggregateScope.SECRETARIAT: "The state's own organisations and the ASEAN Secretariat",
    AggregateScope.MEMBER_STATES: "All member states and the ASEAN Secretariat",
}


def may_choose(actor: Reader, member_state_id: str) -> bool:
    """Whether ``actor`` makes the state's choice (the write rule in :mod:`access.rules`)."""
    return may(actor, Action.EDIT, Proposed(EvidenceSharing, member_state_id=member_state_id))


def scope_of(db: Session, *, member_state_id: str) -> AggregateScope:
    """The state's current aggregate-sharing choice (``none`` until it makes one)."""
    choice = db.get(EvidenceSharing, member_state_id)
    return choice.scope if choice is not None else AggregateScope.NONE


def read(db: Session, *, iso2: str) -> EvidenceSharingRead:
    """The state's choice, as shown to anyone who may see the state's profile."""
    state = state_by_iso2(db, iso2)
    choice = db.get(EvidenceSharing, state.id)
    scope = choice.scope if choice is not None else AggregateScope.NONE
    return EvidenceSharingRead(
        member_state_iso2=state.iso2,
        scope=scope,
        label=SCOPE_LABELS[scope],
        updated_at=choice.updated_at if choice is not None else None,
    )


def set_scope(
    db: Session, *, actor: Actor, iso2: str, scope: AggregateScope
) -> EvidenceSharingRead:
    """Record the state's choice (organisation admin of one of its organisations; audited)."""
    state = state_by_iso2(db, iso2)
    if not may_choose(actor, state.id):
        raise Forbidden(
            f"only an organisation admin of one of {state.name}'s own organisations may choose "
            "who sees its aggregate evidence figures"
        )
    choice = db.get(EvidenceSharing, state.id)
    before = choice.scope if choice is not None else AggregateScope.NONE
    if choice is None:
        choice = EvidenceSharing(member_state_id=state.id)
        db.add(choice)
    choice.scope = scope
    choice.updated_by_id = actor.user_id
    choice.updated_by_organisation_id = actor.organisation_id
    choice.updated_at = utcnow()
    db.flush()
    audit.record(
        db,
        action="norm_evidence_sharing.set",
        record_kind="norm_evidence_sharing",
        record_id=state.id,
        record_organisation_id=actor.organisation_id,
        changed_fields=["scope"],
        before={"scope": before.value},
        after={"scope": scope.value},
        actor=actor,
    )
    return read(db, iso2=state.iso2)
