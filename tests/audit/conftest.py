"""A small audit trail across two member-state organisations and the Secretariat."""

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.models import Organisation, OrganisationKind, Role, User
from tests.factories import actor, make_org, make_state, make_user


@dataclass(frozen=True)
class Trail:
    own: Organisation
    other: Organisation
    org_admin: User
    contributor: User
    other_user: User
    platform_admin: User
    coordinator: User


@pytest.fixture
def trail(db: Session) -> Trail:
    """Two CERTs in different states and Secretariat staff, with a few audit events.

    ``by-own`` is done by the first CERT's contributor to a record of the second CERT;
    ``other-1`` is done inside the second CERT only.
    """
    own = make_org(db, state=make_state(db, "SG"))
    other = make_org(db, state=make_state(db, "MY"))
    secretariat = make_org(db, kind=OrganisationKind.SECRETARIAT)
    result = Trail(
        own=own,
        other=other,
        org_admin=make_user(db, own, Role.ORGANISATION_ADMIN),
        contributor=make_user(db, own, Role.CONTRIBUTOR),
        other_user=make_user(db, other, Role.ORGANISATION_ADMIN),
        platform_admin=make_user(db, secretariat, Role.PLATFORM_ADMIN),
        coordinator=make_user(db, secretariat, Role.REGIONAL_COORDINATOR),
    )
    audit.record(
        db,
        action="test.other",
        record_kind="test",
        record_id="other-1",
        record_organisation_id=other.id,
        actor=actor(result.other_user),
    )
    audit.record(
        db,
        action="test.by_own",
        record_kind="test",
        record_id="by-own",
        record_organisation_id=other.id,
        actor=actor(result.contributor),
    )
    db.commit()
    return result
