"""What each role may do: permissions are data, one ``resource:action`` name each."""

from enum import StrEnum
from typing import Protocol

from aseancyber.access.models import Role


class Permission(StrEnum):
    DIRECTORY_READ = "directory:read"
    ORGANISATION_EDIT = "organisation:edit"
    ORGANISATION_CREATE = "organisation:create"
    STATE_EDIT = "state:edit"
    BODY_EDIT = "body:edit"
    USER_READ = "user:read"
    USER_MANAGE = "user:manage"
    AUDIT_READ_ORGANISATION = "audit:read_organisation"
    AUDIT_READ_ALL = "audit:read_all"
    RECORD_CREATE = "record:create"
    RECORD_COORDINATE = "record:coordinate"
    REGION_COORDINATE = "region:coordinate"
    NORMS_CATALOGUE_EDIT = "norms:catalogue_edit"
    POSITION_ENDORSE = "position:endorse"  # for its own state, from its FM or cyber agency
    ROUTING_NOTIFY = "routing:notify"  # deliver routed findings to other states' CERTs
    ROUTING_REGISTRY_EDIT = "routing:registry_edit"  # the constituency registry


_VIEWER = frozenset({Permission.DIRECTORY_READ, Permission.USER_READ})
_CONTRIBUTOR = _VIEWER | {Permission.RECORD_CREATE}
_COORDINATOR = _CONTRIBUTOR | {Permission.RECORD_COORDINATE, Permission.POSITION_ENDORSE}
_COORDINATOR |= {Permission.ROUTING_NOTIFY}
_ORGANISATION_ADMIN = _VIEWER | {
    Permission.ORGANISATION_EDIT,
    Permission.USER_MANAGE,
    Permission.AUDIT_READ_ORGANISATION,
}
_REGIONAL_COORDINATOR = _COORDINATOR | {
    Permission.REGION_COORDINATE,
    Permission.BODY_EDIT,
    Permission.NORMS_CATALOGUE_EDIT,
}
_REGIONAL_COORDINATOR |= {Permission.ROUTING_REGISTRY_EDIT}
_PLATFORM_ADMIN = _ORGANISATION_ADMIN | {
    Permission.ORGANISATION_CREATE,
    Permission.STATE_EDIT,
    Permission.BODY_EDIT,
    Permission.AUDIT_READ_ALL,
}
_PLATFORM_ADMIN |= {Permission.ROUTING_REGISTRY_EDIT}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.CONTRIBUTOR: frozenset(_CONTRIBUTOR),
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.ORGANISATION_ADMIN: frozenset(_ORGANISATION_ADMIN),
    Role.REGIONAL_COORDINATOR: frozenset(_REGIONAL_COORDINATOR),
    Role.PLATFORM_ADMIN: frozenset(_PLATFORM_ADMIN),
}

# Organisation admins act only on their own organisation; these act on every organisation.
PLATFORM_WIDE = frozenset({Role.PLATFORM_ADMIN})


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    """Every permission granted by any of ``roles``."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


class HasRoles(Protocol):
    """Anyone the platform knows the roles of (an actor)."""

    @property
    def roles(self) -> frozenset[Role]: ...


def has_permission(actor: HasRoles | None, permission: Permission) -> bool:
    """Whether ``actor`` (``None``: nobody signed in) holds ``permission`` through a role."""
    return actor is not None and permission in permissions_of(actor.roles)
