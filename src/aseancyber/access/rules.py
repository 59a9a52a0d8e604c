"""Who may change what: the write rules, as data, beside the visibility policy.

:mod:`aseancyber.access.policy` decides who may *see* a record; this module decides who may
*change* one. Each (record kind, action) pair has one :class:`Rule` in :data:`RULES`: a few
:class:`Grant` alternatives, each a permission (held through a role) or a role, narrowed by a
scope (the owner organisation, the record's own organisation or state, its creator, or a
standing only the record's domain can establish, such as being a participant of a case).

- :func:`may` answers for one record (or, to create one, its model or a :class:`Proposed`
  record); it assumes the reader already sees the record.
- :func:`require` answers the way routes must: 404 for a record the actor may not see (never
  403, so a refusal tells nothing of a hidden record), 403 for a visible one it may not change.
- :func:`writable_by` is the same rule as a SQL condition, for lists that offer actions and
  for bulk writes; on a shareable model it implies :func:`~aseancyber.access.policy.visible_to`.

A read-only API token writes nothing, whatever its user's roles: :func:`writes_at_all`.
Kinds are the shareable kind (``__shareable_kind__``) or the table name of other models, so
this foundation module never imports a domain.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.orm import object_session

from aseancyber.access.models import Role
from aseancyber.access.permissions import Permission, permissions_of
from aseancyber.access.policy import Actor, Reader, Shareable, audience_of, can_see, visible_to
from aseancyber.errors import Forbidden, NotFound


class Action(StrEnum):
    """What a writer does to a record (only the actions the platform offers)."""

    CREATE = "create"  # add a record of the kind
    EDIT = "edit"  # change its content (for contacts: also verify it)
    DELETE = "delete"
    RELABEL = "relabel"  # raise its label or widen its audience, on a record one sees
    CONTRIBUTE = "contribute"  # take part: answer a request, comment on a position, post in a case
    REVIEW = "review"  # decide an initiative overlap
    ADD_OBJECTS = "add_objects"  # post STIX objects into a collection
    NOTIFY = "notify"  # deliver routed findings to other states' CERTs
    COORDINATE = "coordinate"  # run a consensus procedure: silence, adoption ad referendum


class Scope(StrEnum):
    """Which records of the kind a grant reaches."""

    ANY = "any"  # every record the actor sees
    OWNER_ORGANISATION = "owner_organisation"  # records its organisation owns
    OWN_ORGANISATION = "own_organisation"  # the organisation record that is its own
    OWN_STATE = "own_state"  # records about its own member state (``member_state_id``)
    CREATOR = "creator"  # records it created itself
    PARTICIPANT = "participant"  # a standing its domain establishes (e.g. case participant)
    MEMBER = "member"  # a member or write-grantee of a collection


STANDINGS = frozenset({Scope.PARTICIPANT, Scope.MEMBER})
"""Scopes only the record's domain can tell; it passes them to :func:`may`/:func:`writable_by`."""


@dataclass(frozen=True)
class Grant:
    """One way to be allowed: holding ``needs`` (a permission, or a role) within ``scope``;
    ``community`` limits it to member-state and Secretariat organisations."""

    needs: Permission | Role
    scope: Scope = Scope.ANY
    community: bool = False


@dataclass(frozen=True)
class Rule:
    grants: tuple[Grant, ...]
    refusal: str  # the 403 message


@dataclass(frozen=True)
class Proposed:
    """A record not written yet, for :data:`Action.CREATE` rules that look at its fields."""

    model: type[Any]
    owner_organisation_id: str | None = None
    member_state_id: str | None = None


_CREATE = Permission.RECORD_CREATE
_CONTRIBUTORS = "contributors and coordinators"
_OF_OWNER = f"only {_CONTRIBUTORS} of the owner organisation may"
_OWNER_EDITS = Grant(_CREATE, Scope.OWNER_ORGANISATION)

RULES: dict[tuple[str, Action], Rule] = {
    # community/
    ("document", Action.CREATE): Rule((Grant(_CREATE),), f"sharing needs a {_CONTRIBUTORS} role"),
    ("document", Action.EDIT): Rule((_OWNER_EDITS,), f"{_OF_OWNER} edit it"),
    ("document", Action.DELETE): Rule((_OWNER_EDITS,), f"{_OF_OWNER} delete it"),
    ("document", Action.RELABEL): Rule(
        (Grant(_CREATE),), f"relabelling needs a {_CONTRIBUTORS} role"
    ),
    ("organisation", Action.EDIT): Rule(
        (
            Grant(Role.PLATFORM_ADMIN),
            Grant(Permission.ORGANISATION_EDIT, Scope.OWN_ORGANISATION),
        ),
        "only platform admins and the organisation's own admins may edit it",
    ),
    # contacts/
    **{
        ("contact", action): Rule(
            (Grant(Permission.ORGANISATION_EDIT, Scope.OWNER_ORGANISATION),),
            "only the administrators of the owning organisation manage its contacts",
        )
        for action in (Action.CREATE, Action.EDIT, Action.DELETE)
    },
    **{
        ("contact_check", action): Rule(
            (Grant(Permission.REGION_COORDINATE),),
            "communication checks need the regional coordinator role",
        )
        for action in (Action.CREATE, Action.EDIT)
    },
    # initiatives/
    ("initiative", Action.CREATE): Rule(
        (Grant(_CREATE),), f"registering needs a {_CONTRIBUTORS} role"
    ),
    ("initiative", Action.EDIT): Rule((_OWNER_EDITS,), f"{_OF_OWNER} edit it"),
    ("initiative", Action.DELETE): Rule((_OWNER_EDITS,), f"{_OF_OWNER} delete it"),
    ("initiative", Action.RELABEL): Rule(
        (Grant(_CREATE),), f"relabelling needs a {_CONTRIBUTORS} role"
    ),
    ("initiative_overlap", Action.REVIEW): Rule(
        (Grant(Permission.RECORD_COORDINATE),),
        "reviewing overlaps needs the coordinator or regional coordinator role",
    ),
    ("initiative_pair_decision", Action.REVIEW): Rule(
        (Grant(Permission.RECORD_COORDINATE),),
        "deciding whether two initiatives duplicate each other needs the coordinator or "
        "regional coordinator role",
    ),
    # norms/
    **{
        ("norm_action", action): Rule(
            (Grant(Permission.NORMS_CATALOGUE_EDIT),),
            "editing practical actions needs the regional coordinator role",
        )
        for action in (Action.CREATE, Action.EDIT)
    },
    **{
        ("norm_assessment", action): Rule(
            (Grant(_CREATE, Scope.OWN_STATE, community=True),),
            f"only {_CONTRIBUTORS} of the state's own government organisations assess it",
        )
        for action in (Action.CREATE, Action.EDIT)
    },
    # norms/: who sees a state's aggregate evidence figures is the state's own choice
    ("norm_evidence_sharing", Action.EDIT): Rule(
        (Grant(Permission.ORGANISATION_EDIT, Scope.OWN_STATE),),
        "only an organisation admin of one of the state's own organisations chooses who sees "
        "its aggregate evidence figures",
    ),
    # positions/
    ("position", Action.CREATE): Rule(
        (Grant(_CREATE, community=True),),
        "drafting needs a contributor role in a member-state body or the Secretariat",
    ),
    ("position", Action.EDIT): Rule((_OWNER_EDITS,), "only the drafting organisation may do this"),
    ("position", Action.COORDINATE): Rule(
        (Grant(Permission.RECORD_COORDINATE, Scope.OWNER_ORGANISATION),),
        "running a consensus procedure needs the coordinator role in the drafting organisation",
    ),
    ("position", Action.CONTRIBUTE): Rule(
        (Grant(_CREATE, community=True),),
        "commenting needs a contributor role in a member-state body or the Secretariat",
    ),
    ("engagement", Action.CREATE): Rule(
        (Grant(_CREATE),), f"recording needs a {_CONTRIBUTORS} role"
    ),
    ("engagement", Action.EDIT): Rule((_OWNER_EDITS,), f"{_OF_OWNER} edit it"),
    ("engagement", Action.DELETE): Rule((_OWNER_EDITS,), f"{_OF_OWNER} delete it"),
    ("engagement_action", Action.EDIT): Rule(
        (_OWNER_EDITS,), "only the engagement's editors and the action's owner may update it"
    ),
    # requests/
    ("request", Action.CREATE): Rule(
        (Grant(_CREATE),), f"sending requests needs a {_CONTRIBUTORS} role"
    ),
    ("request", Action.CONTRIBUTE): Rule(
        (Grant(_CREATE),), f"answering needs a {_CONTRIBUTORS} role"
    ),
    ("request", Action.EDIT): Rule((_OWNER_EDITS,), "only the requesting organisation may do this"),
    # cases/
    ("case", Action.CREATE): Rule(
        (Grant(_CREATE),), "opening a case needs the contributor or coordinator role"
    ),
    ("case", Action.CONTRIBUTE): Rule(
        (Grant(_CREATE, Scope.PARTICIPANT),),
        "only participants of the case with a contributor role may do this",
    ),
    # sharing/ and routing/
    ("sharing_collection", Action.CREATE): Rule(
        (Grant(Permission.RECORD_COORDINATE),), "creating collections needs the coordinator role"
    ),
    ("sharing_group", Action.CREATE): Rule(
        (Grant(Permission.RECORD_COORDINATE),), "creating sharing groups needs the coordinator role"
    ),
    ("sharing_collection", Action.ADD_OBJECTS): Rule(
        (Grant(_CREATE, Scope.MEMBER),), "you may read this collection but not add objects to it"
    ),
    ("stix_object", Action.DELETE): Rule(
        (_OWNER_EDITS, Grant(_CREATE, Scope.CREATOR)),
        "only writers of this collection may delete their own organisation's objects",
    ),
    ("routing_constituency", Action.EDIT): Rule(
        (Grant(Permission.ROUTING_REGISTRY_EDIT),),
        "editing the constituency registry needs the regional coordinator role",
    ),
    ("routing_inbox", Action.NOTIFY): Rule(
        (Grant(Permission.ROUTING_NOTIFY),),
        f"notifying CERTs needs the permission {Permission.ROUTING_NOTIFY.value}",
    ),
}


def kind_of(record: object) -> str:
    """The rules' name for a record, its model, or a :class:`Proposed` record."""
    model = record.model if isinstance(record, Proposed) else record
    kind = getattr(model, "__shareable_kind__", None) or getattr(model, "__tablename__", None)
    if not isinstance(kind, str):
        raise TypeError(f"{record!r} is not a record the write rules know")
    return kind


def writes_at_all(actor: Reader) -> bool:
    """Whether ``actor`` may write anything: a signed-in user, not through a read-only token."""
    return actor is not None and actor.token_can_write


def rule_for(kind: str, action: Action) -> Rule | None:
    return RULES.get((kind, action))


def _holds(actor: Actor, grant: Grant) -> bool:
    if grant.community and not actor.is_community:
        return False
    if isinstance(grant.needs, Role):
        return grant.needs in actor.roles
    return grant.needs in permissions_of(actor.roles)


def _field(record: object, name: str) -> object:
    """A field of a loaded or proposed record; a model class has no values (``None``)."""
    return None if isinstance(record, type) else getattr(record, name, None)


def _in_scope(actor: Actor, grant: Grant, record: object, standing: frozenset[Scope]) -> bool:
    match grant.scope:
        case Scope.ANY:
            return True
        case Scope.OWNER_ORGANISATION:
            return _field(record, "owner_organisation_id") == actor.organisation_id
        case Scope.OWN_ORGANISATION:
            return _field(record, "id") == actor.organisation_id
        case Scope.OWN_STATE:
            state = _field(record, "member_state_id")
            return state is not None and state == actor.member_state_id
        case Scope.CREATOR:
            return _field(record, "created_by_id") == actor.user_id
        case _:
            return grant.scope in standing


def may(
    actor: Reader, action: Action, record: object, *, standing: frozenset[Scope] = frozenset()
) -> bool:
    """Whether ``actor`` may do ``action`` to ``record`` (a record it sees; its model, or a
    :class:`Proposed` record, to create one). ``standing``: the domain's word on the
    actor's place in the record (:data:`STANDINGS`). No rule, no write (fail closed)."""
    rule = rule_for(kind_of(record), action)
    if rule is None or actor is None or not writes_at_all(actor):
        return False
    return any(
        _holds(actor, grant) and _in_scope(actor, grant, record, standing) for grant in rule.grants
    )


def require(
    actor: Reader,
    action: Action,
    record: object,
    *,
    standing: frozenset[Scope] = frozenset(),
    what: str = "record",
) -> None:
    """Refuse unless ``actor`` may do ``action`` to ``record``: :class:`NotFound` when the
    actor may not see the (shareable, stored) record, :class:`Forbidden` when it sees it."""
    if isinstance(record, Shareable) and not isinstance(record, type):
        session = object_session(record)
        if session is None or not can_see(actor, record, audience_of(session, record)):
            raise NotFound(what)
    if not may(actor, action, record, standing=standing):
        rule = rule_for(kind_of(record), action)
        raise Forbidden(rule.refusal if rule else f"nobody may {action.value} a {what}")


def _scope_sql(
    actor: Actor, scope: Scope, model: Any, standing: Mapping[Scope, ColumnElement[bool]]
) -> ColumnElement[bool]:
    match scope:
        case Scope.ANY:
            return true()
        case Scope.OWNER_ORGANISATION:
            return and_(model.owner_organisation_id == actor.organisation_id)
        case Scope.OWN_ORGANISATION:
            return and_(model.id == actor.organisation_id)
        case Scope.OWN_STATE:
            if actor.member_state_id is None:
                return false()
            return and_(model.member_state_id == actor.member_state_id)
        case Scope.CREATOR:
            return and_(model.created_by_id == actor.user_id)
        case _:
            return standing.get(scope, false())


def writable_by(
    actor: Reader,
    action: Action,
    model: type[Any],
    *,
    standing: Mapping[Scope, ColumnElement[bool]] | None = None,
) -> ColumnElement[bool]:
    """The SQL condition selecting the rows of ``model`` on which ``actor`` may do
    ``action`` (and, for a shareable model, which it sees). ``standing`` gives the SQL of
    the domain's standings; a standing it does not give selects nothing."""
    rule = rule_for(kind_of(model), action)
    if rule is None or actor is None or not writes_at_all(actor):
        return false()
    alternatives = [
        _scope_sql(actor, grant.scope, model, standing or {})
        for grant in rule.grants
        if _holds(actor, grant)
    ]
    if not alternatives:
        return false()
    allowed = or_(*alternatives)
    if issubclass(model, Shareable):
        return and_(visible_to(actor, model), allowed)
    return allowed
