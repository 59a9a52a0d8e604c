"""Demo national documents across member states and labels, owned by the real agencies.

:func:`load_demo_documents` is idempotent (a title already present is left alone) and
does nothing until the demo organisations exist; the platform's demo loader calls it
after creating organisations and users. Owners are found by name or short name, so the
documents follow whatever the reference directory holds; states are data, so a member
state without a known strategy title gets a generic one.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, User
from aseancyber.access.policy import Tlp, set_audience
from aseancyber.community.documents import Document, DocumentKind

REQUIRED_ORGANISATIONS = ("SingCERT", "ASEAN Secretariat")

STRATEGY_SUMMARY = (
    "The national approach to cybersecurity: protecting critical information "
    "infrastructure, a safer cyberspace for people and businesses, a cybersecurity "
    "workforce and industry, and cooperation with ASEAN and international partners."
)

# Titles of published national strategies, by ISO code; other states get a generic title.
STRATEGIES: dict[str, tuple[str, date | None]] = {
    "SG": ("Singapore Cybersecurity Strategy 2021", date(2021, 10, 5)),
    "MY": ("Malaysia Cyber Security Strategy 2020-2024", date(2020, 10, 12)),
    "ID": ("Indonesia National Cybersecurity Strategy (Presidential Regulation 47/2023)", None),
    "TH": ("Thailand National Cybersecurity Policy and Plan 2022-2027", None),
    "PH": ("Philippines National Cybersecurity Plan 2023-2028", None),
    "VN": ("Viet Nam National Cyber Security Strategy to 2025, with a vision to 2030", None),
    "BN": ("Brunei Darussalam National Cybersecurity Strategy", None),
    "KH": ("Cambodia Digital Economy and Society Policy Framework 2021-2035: cybersecurity", None),
    "LA": ("Lao PDR National Digital Economy Strategy 2021-2030: cybersecurity chapter", None),
    "MM": ("Myanmar National Cybersecurity Strategy", None),
}


@dataclass(frozen=True)
class DemoDocument:
    title: str
    owner: str  # an organisation's name or short name
    kind: DocumentKind
    tlp: Tlp
    summary: str
    state: str | None = None  # ISO alpha-2 of the state it concerns
    published_on: date | None = None
    body: str = ""
    author: str | None = None  # e-mail of the demo user who shared it
    audience_organisations: tuple[str, ...] = ()
    audience_kinds: tuple[OrganisationKind, ...] = ()  # every organisation of these kinds
    audience_users: tuple[str, ...] = ()  # e-mails
    green_includes_external: bool = False


DOCUMENTS = (
    DemoDocument(
        "Regional ransomware threat assessment: hospitals and healthcare, first half of 2026",
        "SingCERT",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.AMBER,
        "Ransomware groups active against regional healthcare providers, their initial "
        "access (exposed remote-access services, phished credentials) and the mitigations "
        "that worked.",
        state="SG",
        author="analyst.sg@example.org",
        body="Key judgements\n\n1. Intrusions most often began at unpatched VPN appliances.\n"
        "2. Data theft preceded encryption by four to ten days.\n"
        "3. Offline backups shortened recovery from weeks to days.",
        audience_organisations=("MyCERT", "ThaiCERT", "Id-SIRTII/CC", "CERT-PH", "ASEC"),
    ),
    DemoDocument(
        "Phishing campaigns impersonating government portals, second quarter of 2026",
        "MyCERT",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.AMBER,
        "Credential-phishing kits that copy tax, immigration and e-government login pages "
        "of several member states, with the hosting patterns seen.",
        state="MY",
        author="analyst.my@example.org",
        audience_organisations=("SingCERT", "BruCERT", "Id-SIRTII/CC"),
    ),
    DemoDocument(
        "Threat assessment: intrusions at electricity grid operators in mainland South-East Asia",
        "ThaiCERT",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.AMBER,
        "Reconnaissance and intrusion attempts against transmission and distribution "
        "operators, and the industrial control systems most exposed.",
        state="TH",
        author="cert.th@example.org",
        audience_organisations=("CamCERT", "LaoCERT", "VNCERT/CC", "mmCERT", "Example Grid"),
    ),
    DemoDocument(
        "Exploitation of internet-facing VPN appliances: national exposure figures",
        "Id-SIRTII/CC",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.AMBER_STRICT,
        "How many vulnerable appliances national scans found, by sector, for internal "
        "follow-up before figures are shared more widely.",
        state="ID",
        author="cert.id@example.org",
    ),
    DemoDocument(
        "Typhoon-season scams and disinformation: outlook for 2026",
        "CERT-PH",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.GREEN,
        "Fake relief-donation sites, impersonated relief agencies and disinformation "
        "patterns seen during past typhoon seasons, with advice for CERTs.",
        state="PH",
        author="cert.ph@example.org",
    ),
    DemoDocument(
        "Indicators from an intrusion at a regional port operator (named recipients only)",
        "SingCERT",
        DocumentKind.THREAT_ASSESSMENT,
        Tlp.RED,
        "Network indicators and the timeline of an intrusion still under investigation; "
        "for the named analyst only, to check against national sensor data.",
        state="SG",
        author="analyst.sg@example.org",
        audience_users=("analyst.my@example.org",),
    ),
    DemoDocument(
        "Common critical-information-infrastructure sectors across ASEAN member states",
        "ASEAN Secretariat",
        DocumentKind.CI_CATEGORIES,
        Tlp.GREEN,
        "A side-by-side comparison of the sectors each member state designates as critical "
        "information infrastructure, shared with dialogue partners and operators as well.",
        author="coordinator@example.org",
        green_includes_external=True,
    ),
    DemoDocument(
        "Singapore critical information infrastructure sectors",
        "CSA",
        DocumentKind.CI_CATEGORIES,
        Tlp.CLEAR,
        "The eleven sectors under the Cybersecurity Act 2018: energy, water, banking and "
        "finance, healthcare, land transport, maritime, aviation, infocomm, media, "
        "security and emergency services, and government.",
        state="SG",
    ),
    DemoDocument(
        "Malaysia national critical information infrastructure sectors",
        "NACSA",
        DocumentKind.CI_CATEGORIES,
        Tlp.CLEAR,
        "The national critical information infrastructure sectors and their sector leads "
        "under the Cyber Security Act 2024.",
        state="MY",
    ),
    DemoDocument(
        "Cybersecurity Act 2018 (Singapore)",
        "CSA",
        DocumentKind.LEGISLATION,
        Tlp.CLEAR,
        "Framework for the protection of critical information infrastructure, the "
        "Commissioner of Cybersecurity's powers, and licensing of cybersecurity services.",
        state="SG",
        published_on=date(2018, 3, 12),
    ),
    DemoDocument(
        "Cyber Security Act 2024 (Act 854), Malaysia",
        "NACSA",
        DocumentKind.LEGISLATION,
        Tlp.CLEAR,
        "Duties of national critical information infrastructure entities, incident "
        "notification, and licensing of cybersecurity service providers.",
        state="MY",
        published_on=date(2024, 6, 26),
    ),
    DemoDocument(
        "Cybersecurity Act B.E. 2562 (2019), Thailand",
        "ThaiCERT",
        DocumentKind.LEGISLATION,
        Tlp.CLEAR,
        "Establishes the National Cyber Security Committee and the National Cyber Security "
        "Agency, and the duties of critical information infrastructure organisations.",
        state="TH",
        published_on=date(2019, 5, 27),
    ),
    DemoDocument(
        "Cybersecurity Order, 2023 (Brunei Darussalam)",
        "CSB",
        DocumentKind.LEGISLATION,
        Tlp.CLEAR,
        "Establishes Cyber Security Brunei's powers and the obligations of owners of "
        "critical information infrastructure.",
        state="BN",
    ),
    DemoDocument(
        "Draft ASEAN common elements for the UN discussions on ICT security (for consultation)",
        "ASEAN Secretariat",
        DocumentKind.POSITION_PAPER,
        Tlp.AMBER,
        "Elements on norms, confidence-building measures and capacity building proposed "
        "as a basis for a common ASEAN position; comments from foreign ministries invited.",
        author="coordinator@example.org",
        audience_kinds=(OrganisationKind.FOREIGN_MINISTRY,),
    ),
    DemoDocument(
        "National views on the application of international law to State use of ICTs",
        "MFA Singapore",
        DocumentKind.POSITION_PAPER,
        Tlp.GREEN,
        "How sovereignty, due diligence and the voluntary norms apply to State conduct in "
        "cyberspace, as a contribution to regional discussion.",
        state="SG",
    ),
    DemoDocument(
        "ASEAN Cybersecurity Cooperation Strategy 2021-2025",
        "ASEAN Secretariat",
        DocumentKind.NATIONAL_STRATEGY,
        Tlp.CLEAR,
        "The regional strategy: cyber policy coordination, cyber readiness cooperation, "
        "CERT-to-CERT cooperation, norms implementation and capacity building.",
    ),
    DemoDocument(
        "ASEAN CERT Incident Drill 2026: summary of findings",
        "ASEAN Secretariat",
        DocumentKind.OTHER,
        Tlp.GREEN,
        "Response times, points of contact re-confirmed and lessons from this year's "
        "incident drill among member-state CERTs and dialogue partners.",
        author="coordinator@example.org",
    ),
)


def _organisation(db: Session, name: str) -> Organisation | None:
    return db.scalars(
        select(Organisation)
        .where(or_(Organisation.name == name, Organisation.short_name == name))
        .order_by(Organisation.name)
        .limit(1)
    ).first()


def _user_id(db: Session, email: str | None, organisation_id: str | None = None) -> str | None:
    if email is None:
        return None
    statement = select(User.id).where(User.email == email)
    if organisation_id is not None:
        statement = statement.where(User.organisation_id == organisation_id)
    return db.scalar(statement)


def _state_id(db: Session, iso2: str | None) -> str | None:
    if iso2 is None:
        return None
    return db.scalar(select(MemberState.id).where(MemberState.iso2 == iso2))


def _strategies(db: Session) -> list[tuple[DemoDocument, Organisation]]:
    """One TLP:CLEAR national strategy per member state, owned by its cyber agency or CERT."""
    planned = []
    for state in db.scalars(select(MemberState).order_by(MemberState.name)):
        owner = db.scalars(
            select(Organisation)
            .where(
                Organisation.member_state_id == state.id,
                Organisation.kind.in_(
                    [OrganisationKind.NATIONAL_CYBER_AGENCY, OrganisationKind.NATIONAL_CERT]
                ),
            )
            .order_by(Organisation.kind.desc(), Organisation.name)  # the agency first
        ).first()
        if owner is None:
            continue
        title, published_on = STRATEGIES.get(
            state.iso2, (f"{state.name} National Cybersecurity Strategy (in preparation)", None)
        )
        spec = DemoDocument(
            title,
            owner.name,
            DocumentKind.NATIONAL_STRATEGY,
            Tlp.CLEAR,
            STRATEGY_SUMMARY,
            state=state.iso2,
            published_on=published_on,
        )
        planned.append((spec, owner))
    return planned


def _audience(db: Session, spec: DemoDocument) -> tuple[set[str], set[str]]:
    organisations = {o.id for name in spec.audience_organisations if (o := _organisation(db, name))}
    if spec.audience_kinds:
        organisations |= set(
            db.scalars(select(Organisation.id).where(Organisation.kind.in_(spec.audience_kinds)))
        )
    users = {u for email in spec.audience_users if (u := _user_id(db, email))}
    return organisations, users


def _add(db: Session, spec: DemoDocument, owner: Organisation) -> None:
    organisations, users = _audience(db, spec)
    if spec.tlp is Tlp.RED and not organisations and not users:
        return  # its named recipient is not there yet: never create RED without one
    document = Document(
        title=spec.title,
        kind=spec.kind,
        tlp=spec.tlp,
        summary=spec.summary,
        body=spec.body,
        member_state_id=_state_id(db, spec.state),
        published_on=spec.published_on,
        green_includes_external=spec.green_includes_external,
        owner_organisation_id=owner.id,
        created_by_id=_user_id(db, spec.author, owner.id),
    )
    db.add(document)
    db.flush()
    set_audience(db, document, organisation_ids=organisations, user_ids=users)


def load_demo_documents(db: Session) -> None:
    """Create the demo documents that are missing, once their organisations exist."""
    if any(_organisation(db, name) is None for name in REQUIRED_ORGANISATIONS):
        return
    existing = set(db.scalars(select(Document.title)))
    planned = _strategies(db)
    for spec in DOCUMENTS:
        owner = _organisation(db, spec.owner)
        if owner is not None:
            planned.append((spec, owner))
    for spec, owner in planned:
        if spec.title not in existing:
            _add(db, spec, owner)
            existing.add(spec.title)
