"""A small community with one reader of every kind, for permission matrices in every domain."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, OrganisationKind, Role, User, UserRole
from aseancyber.access.service import hash_password
from tests.factories import PASSWORD, bearer, make_org, make_state, sign_in

_numbers = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for every test user


def make_user(db: Session, organisation: Organisation, *roles: Role) -> User:
    """A user like ``tests.factories.make_user``, without paying for a fresh argon2 hash."""
    n = next(_numbers)
    user = User(
        email=f"community{n}@example.org",
        display_name=f"Community Person {n}",
        organisation_id=organisation.id,
        password_hash=_password_hash(),
        time_zone="Asia/Singapore",
    )
    user.roles = [UserRole(role=role) for role in roles or (Role.CONTRIBUTOR,)]
    db.add(user)
    db.flush()
    db.refresh(user)
    return user


@dataclass
class World:
    """Owner organisation SingCERT-like ``owner_org`` and one reader of each kind."""

    owner_org: Organisation
    other_state_org: Organisation
    recipient_org: Organisation
    recipient_user_org: Organisation
    external_org: Organisation
    secretariat: Organisation
    author: User  # contributor of the owner organisation, writes the documents
    colleague: User  # viewer in the owner organisation
    other_state: User  # contributor in another member state's CERT
    recipient: User  # contributor in an organisation named in the audience
    named_user: User  # a user named individually in the audience
    named_users_colleague: User  # same organisation as named_user, which is not named
    external: User  # vendor contributor (not in the TLP:GREEN community)
    coordinator: User  # Secretariat regional coordinator
    platform_admin: User
    org_admin: User  # organisation admin of the owner organisation


@pytest.fixture
def world(db: Session) -> World:
    sg, my, ph, id_ = (make_state(db, iso) for iso in ("SG", "MY", "PH", "ID"))
    owner_org = make_org(db, state=sg, name="Test SingCERT")
    other_state_org = make_org(db, state=my, name="Test MyCERT")
    recipient_org = make_org(db, state=ph, name="Test CERT-PH")
    recipient_user_org = make_org(db, state=id_, name="Test Id-SIRTII")
    external_org = make_org(db, kind=OrganisationKind.VENDOR, name="Test Vendor Ltd")
    secretariat = make_org(db, kind=OrganisationKind.SECRETARIAT, name="Test Secretariat")
    return World(
        owner_org=owner_org,
        other_state_org=other_state_org,
        recipient_org=recipient_org,
        recipient_user_org=recipient_user_org,
        external_org=external_org,
        secretariat=secretariat,
        author=make_user(db, owner_org, Role.CONTRIBUTOR),
        colleague=make_user(db, owner_org, Role.VIEWER),
        other_state=make_user(db, other_state_org, Role.CONTRIBUTOR),
        recipient=make_user(db, recipient_org, Role.CONTRIBUTOR),
        named_user=make_user(db, recipient_user_org, Role.CONTRIBUTOR),
        named_users_colleague=make_user(db, recipient_user_org, Role.CONTRIBUTOR),
        external=make_user(db, external_org, Role.CONTRIBUTOR),
        coordinator=make_user(db, secretariat, Role.REGIONAL_COORDINATOR),
        platform_admin=make_user(db, secretariat, Role.PLATFORM_ADMIN),
        org_admin=make_user(db, owner_org, Role.ORGANISATION_ADMIN),
    )


@dataclass
class Browser:
    client: TestClient
    csrf: str


BrowserFor = Callable[[User], Browser]


@pytest.fixture
def browser_for(app: FastAPI, db: Session) -> BrowserFor:
    """A separate signed-in browser (cookie session) for each user, with its CSRF token."""

    def make(user: User) -> Browser:
        client = TestClient(app, raise_server_exceptions=False)
        return Browser(client, sign_in(client, db, user))

    return make


TokenFor = Callable[[User], dict[str, str]]


@pytest.fixture
def token_for(db: Session) -> TokenFor:
    """Bearer headers for a user (one fresh token each call)."""
    return lambda user: bearer(db, user)


ClientsFor = Callable[[User | None], tuple[TestClient, TestClient]]


@pytest.fixture
def clients_for(client: TestClient, token_for: TokenFor, browser_for: BrowserFor) -> ClientsFor:
    """(REST client with a bearer token, signed-in page client) for a reader, or the plain
    client twice for the anonymous reader (``None``)."""

    def make(user: User | None) -> tuple[TestClient, TestClient]:
        if user is None:
            return client, client
        rest = TestClient(client.app, raise_server_exceptions=False)
        rest.headers.update(token_for(user))
        return rest, browser_for(user).client

    return make
