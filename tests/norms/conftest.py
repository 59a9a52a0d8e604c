"""Fixtures for the norms tests: the catalogue, and a second organisation of the author's state."""

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, OrganisationKind, Role, User
from aseancyber.norms.catalogue import list_norms
from aseancyber.norms.models import NormAction
from aseancyber.norms.reference import load_norms
from tests.factories import make_org
from tests.readers import World, make_user


@dataclass
class NormsWorld:
    world: World
    actions: list[NormAction]
    ministry: Organisation  # the author's state's foreign ministry
    ministry_user: User  # a contributor there
    ministry_viewer: User


@pytest.fixture
def norms(db: Session, world: World) -> NormsWorld:
    load_norms(db)
    ministry = make_org(
        db,
        kind=OrganisationKind.FOREIGN_MINISTRY,
        state=world.owner_org.member_state,
        name="Test MFA Singapore",
    )
    actions = [action for norm in list_norms(db) for action in norm.actions]
    return NormsWorld(
        world=world,
        actions=actions,
        ministry=ministry,
        ministry_user=make_user(db, ministry, Role.CONTRIBUTOR),
        ministry_viewer=make_user(db, ministry, Role.VIEWER),
    )
