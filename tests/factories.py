"""Small builders for test data: states, organisations, users, and signed-in clients."""

import itertools
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access import service as access_service
from aseancyber.access.models import (
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    TokenScope,
    User,
    UserRole,
)
from aseancyber.access.policy import Actor
from aseancyber.web.security import SESSION_COOKIE

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_state(db: Session, iso2: str = "SG", name: str | None = None) -> MemberState:
    existing = db.scalar(select(MemberState).where(MemberState.iso2 == iso2))
    if existing is not None:
        return existing
    n = next(_counter)
    state = MemberState(
        name=name or f"State {iso2} {n}",
        iso2=iso2,
        iso3=f"{iso2}X"[:3],
        accession_date=date(1967, 8, 8),
        time_zone="Asia/Singapore",
    )
    db.add(state)
    db.flush()
    return state


def make_org(
    db: Session,
    *,
    kind: OrganisationKind = OrganisationKind.NATIONAL_CERT,
    state: MemberState | None = None,
    name: str | None = None,
) -> Organisation:
    n = next(_counter)
    org = Organisation(
        name=name or f"{kind.value} {n}",
        short_name=f"O{n}",
        kind=kind,
        member_state_id=state.id if state else None,
    )
    db.add(org)
    db.flush()
    return org


def make_user(
    db: Session,
    org: Organisation,
    *roles: Role,
    email: str | None = None,
    password: str = PASSWORD,
    time_zone: str = "Asia/Singapore",
) -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.org",
        display_name=f"Test User {n}",
        organisation_id=org.id,
        password_hash=access_service.hash_password(password),
        time_zone=time_zone,
    )
    user.roles = [UserRole(role=role) for role in (roles or (Role.CONTRIBUTOR,))]
    db.add(user)
    db.flush()
    db.refresh(user)
    return user


def actor(user: User) -> Actor:
    return access_service.actor_for(user)


def bearer(db: Session, user: User, scope: TokenScope = TokenScope.READ_WRITE) -> dict[str, str]:
    """Headers that authenticate as ``user`` with a fresh API token."""
    token = access_service.create_token(db, user=user, name="test", scope=scope, expires_at=None)
    db.commit()
    return {"Authorization": f"Bearer {token.secret}"}


def sign_in(client: TestClient, db: Session, user: User) -> str:
    """Give ``client`` a signed-in browser session for ``user``; returns the CSRF token."""
    new = access_service.start_session(db, user=user, address="testclient")
    new.session.second_factor_done = True
    db.commit()
    client.cookies.set(SESSION_COOKIE, new.cookie_value)
    return new.session.csrf_token
