"""Demo data: fictional people (example.org) in the real directory, for a populated local platform.

Every demo account signs in with :data:`DEMO_PASSWORD`. Loading is idempotent: an account
or organisation that already exists is left as it is, so running ``aseancyber demo``
twice changes nothing (not even the audit log).

Each domain's demo records sit beside this loader, one module per domain
(``demo/cases.py``, ``demo/sharing.py`` ...): demo data is the app's, never a domain's.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import reference
from aseancyber.access.models import (
    DialoguePartner,
    MemberState,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)
from aseancyber.access.service import hash_password
from aseancyber.community import reference as community_reference
from aseancyber.community.reference import reference_data
from aseancyber.demo.accounts import DEMO_PASSWORD
from aseancyber.demo.cases import load_demo_cases
from aseancyber.demo.community import load_demo_documents
from aseancyber.demo.contacts import load_demo_contacts
from aseancyber.demo.initiatives import load_demo_initiatives
from aseancyber.demo.norms import load_demo_norms
from aseancyber.demo.positions import load_demo_positions
from aseancyber.demo.requests import load_demo_requests
from aseancyber.demo.sharing import load_demo_sharing
from aseancyber.errors import NotFound
from aseancyber.reference import LoadSummary, Progress, upsert

SECRETARIAT_TIME_ZONE = "Asia/Jakarta"  # the ASEAN Secretariat sits in Jakarta


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    short_name: str
    kind: OrganisationKind
    member_state: str | None = None  # ISO alpha-2
    dialogue_partner: str | None = None  # three-letter partner code
    time_zone: str = "UTC"


EXTERNAL_ORGANISATIONS = (
    DemoOrganisation(
        "vendor", "Example Industrial Systems Ltd", "Example Industrial", OrganisationKind.VENDOR
    ),
    DemoOrganisation(
        "grid-operator",
        "Example Grid Operator (Malaysia)",
        "Example Grid",
        OrganisationKind.CI_OPERATOR,
        member_state="MY",
    ),
    DemoOrganisation(
        "researcher",
        "Example Security Research Institute",
        "Example Research",
        OrganisationKind.RESEARCHER,
    ),
    DemoOrganisation(
        "partner-jp",
        "Example JP dialogue-partner CERT",
        "Example JP CERT",
        OrganisationKind.DIALOGUE_PARTNER_AGENCY,
        dialogue_partner="JPN",
        time_zone="Asia/Tokyo",
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    organisation: str  # a reference key (``cert:sg``) or an external organisation's key
    roles: tuple[Role, ...]


def demo_accounts() -> list[DemoAccount]:
    """Every demo account: named roles first, then one CERT contributor per member state."""
    accounts = [
        DemoAccount(
            "analyst.sg@example.org", "Demo Analyst (Singapore)", "cert:sg", (Role.CONTRIBUTOR,)
        ),
        DemoAccount(
            "analyst.my@example.org", "Demo Analyst (Malaysia)", "cert:my", (Role.CONTRIBUTOR,)
        ),
        DemoAccount(
            "admin.sg@example.org",
            "Demo Organisation Admin (SingCERT)",
            "cert:sg",
            (Role.ORGANISATION_ADMIN,),
        ),
        DemoAccount(
            "coordinator@example.org",
            "Demo Regional Coordinator (ASEAN Secretariat)",
            "secretariat",
            (Role.REGIONAL_COORDINATOR,),
        ),
        DemoAccount(
            "platform.admin@example.org",
            "Demo Platform Admin (ASEAN Secretariat)",
            "secretariat",
            (Role.PLATFORM_ADMIN,),
        ),
        DemoAccount(
            "partner.jp@example.org", "Demo Partner Viewer (Japan)", "partner-jp", (Role.VIEWER,)
        ),
        DemoAccount(
            "vendor@example.org",
            "Demo Vendor Contact (Example Industrial Systems)",
            "vendor",
            (Role.CONTRIBUTOR,),
        ),
        DemoAccount(
            "operator.my@example.org",
            "Demo Grid Engineer (Malaysia)",
            "grid-operator",
            (Role.CONTRIBUTOR,),
        ),
        DemoAccount("researcher@example.org", "Demo Researcher", "researcher", (Role.CONTRIBUTOR,)),
    ]
    for state in reference_data()["member_states"]:
        iso2 = str(state["iso2"]).lower()
        accounts.append(
            DemoAccount(
                f"cert.{iso2}@example.org",
                f"Demo CERT Analyst ({state['name']})",
                f"cert:{iso2}",
                (Role.CONTRIBUTOR,),
            )
        )
    return accounts


@dataclass(frozen=True)
class AccountRow:
    email: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]


@dataclass
class DemoSummary:
    """What ``load_demo`` did, and the accounts a newcomer can sign in with."""

    reference: LoadSummary
    created_organisations: int = 0
    created_users: int = 0
    accounts: list[AccountRow] = field(default_factory=list)
    password: str = DEMO_PASSWORD


def load_demo(db: Session, *, progress: Progress | None = None) -> DemoSummary:
    """Load the reference directory, the demo organisations and accounts, and demo documents."""
    accounts = demo_accounts()
    total = 1 + len(EXTERNAL_ORGANISATIONS) + len(accounts) + 8
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    summary = DemoSummary(reference=reference.load_reference(db))
    step("reference directory")

    organisations: dict[str, tuple[Organisation, str]] = {}
    for spec in EXTERNAL_ORGANISATIONS:
        organisation, created, _ = upsert(
            db,
            Organisation,
            Organisation.name,
            spec.name,
            {
                "short_name": spec.short_name,
                "kind": spec.kind,
                "member_state_id": _state_id(db, spec.member_state),
                "dialogue_partner_id": _partner_id(db, spec.dialogue_partner),
            },
        )
        summary.created_organisations += created
        organisations[spec.key] = (organisation, spec.time_zone)
        step("demo organisations")
    db.flush()

    for account in accounts:
        organisation, time_zone = _organisation(db, organisations, account.organisation)
        user = db.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(
                email=account.email,
                display_name=account.display_name,
                organisation_id=organisation.id,
                password_hash=hash_password(DEMO_PASSWORD),
                time_zone=time_zone,
            )
            user.roles = [UserRole(role=role) for role in account.roles]
            db.add(user)
            summary.created_users += 1
        summary.accounts.append(
            AccountRow(
                account.email,
                account.display_name,
                organisation.short_name or organisation.name,
                tuple(role.value for role in account.roles),
            )
        )
        step("demo accounts")
    db.flush()

    load_demo_documents(db)
    step("demo documents")
    load_demo_initiatives(db)
    step("demo initiatives and their overlaps")
    load_demo_norms(db)
    step("demo norms assessments")
    summary.accounts += [AccountRow(*row) for row in load_demo_positions(db)]
    step("demo positions and engagements")
    load_demo_sharing(db)
    step("demo threat sharing")
    load_demo_cases(db)
    step("demo coordination cases")
    load_demo_contacts(db)
    step("demo points of contact and a past communication check")
    summary.accounts += [AccountRow(*row) for row in load_demo_requests(db)]
    step("demo cross-border requests")
    return summary


def _organisation(
    db: Session, external: dict[str, tuple[Organisation, str]], key: str
) -> tuple[Organisation, str]:
    if key in external:
        return external[key]
    organisation = community_reference.organisation_by_key(db, key)
    if organisation.kind is OrganisationKind.SECRETARIAT:
        return organisation, SECRETARIAT_TIME_ZONE
    state = organisation.member_state
    return organisation, state.time_zone if state else "UTC"


def _state_id(db: Session, iso2: str | None) -> str | None:
    if iso2 is None:
        return None
    state_id = db.scalar(select(MemberState.id).where(MemberState.iso2 == iso2))
    if state_id is None:
        raise NotFound(f"member state {iso2}")
    return state_id


def _partner_id(db: Session, code: str | None) -> str | None:
    if code is None:
        return None
    partner_id = db.scalar(select(DialoguePartner.id).where(DialoguePartner.code == code))
    if partner_id is None:
        raise NotFound(f"dialogue partner {code}")
    return partner_id
