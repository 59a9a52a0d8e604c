"""Answering delegates for every member state in the test database, and a dialogue partner."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, Role, User
from tests.factories import make_org, make_state
from tests.readers import World, make_user


@dataclass
class Delegation:
    state: MemberState
    ministry: Organisation
    agency: Organisation
    delegate: User  # coordinator in the foreign ministry: answers for the state
    agency_delegate: User  # coordinator in the national cyber agency: may answer too
    clerk: User  # contributor in the foreign ministry: may comment, not answer


@pytest.fixture
def delegations(db: Session, world: World) -> dict[str, Delegation]:
    """One delegation per member state: the world's four plus Thailand (five in all)."""
    make_state(db, "TH")
    result = {}
    for state in db.scalars(select(MemberState).order_by(MemberState.iso2)):
        ministry = make_org(
            db, kind=OrganisationKind.FOREIGN_MINISTRY, state=state, name=f"Test MFA {state.iso2}"
        )
        agency = make_org(
            db,
            kind=OrganisationKind.NATIONAL_CYBER_AGENCY,
            state=state,
            name=f"Test agency {state.iso2}",
        )
        result[state.iso2] = Delegation(
            state=state,
            ministry=ministry,
            agency=agency,
            delegate=make_user(db, ministry, Role.COORDINATOR),
            agency_delegate=make_user(db, agency, Role.COORDINATOR),
            clerk=make_user(db, ministry, Role.CONTRIBUTOR),
        )
    return result


@pytest.fixture
def partner(db: Session) -> User:
    """A viewer at a dialogue partner's agency (an external party)."""
    organisation = make_org(
        db, kind=OrganisationKind.DIALOGUE_PARTNER_AGENCY, name="Test JP partner agency"
    )
    return make_user(db, organisation, Role.VIEWER)
