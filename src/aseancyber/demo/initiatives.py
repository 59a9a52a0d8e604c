"""Demo initiatives across sectoral bodies and programmes, with a few real-looking overlaps.

:func:`load_demo_initiatives` is idempotent (an initiative whose title is already there is
left alone) and does nothing until the reference directory and the demo accounts exist.
Programmes follow shared/reference/domain.md (ACCP, ASCCE, AJCCBC, the ASEAN Regional CERT);
the initiatives themselves are fictional examples of the kind of work those programmes do.
Three pairs overlap on purpose: the same incident-response course under ADGMIN (ASCCE) and
the ARF ISM (AJCCBC), the same digital-forensics course under SOMTC and ADMM-Plus, and a
norms course registered twice by the Secretariat and a member state.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, User
from aseancyber.access.policy import Tlp
from aseancyber.access.service import actor_for
from aseancyber.community.models import SectoralBody
from aseancyber.initiatives import service
from aseancyber.initiatives.models import Initiative
from aseancyber.initiatives.overlaps import service as overlaps
from aseancyber.initiatives.schemas import InitiativeCreate

ALL = "ALL"


@dataclass(frozen=True)
class DemoInitiative:
    title: str
    author: str  # e-mail of the demo user who registers it
    body: str
    summary: str
    activities: str
    states: tuple[str, ...]
    themes: tuple[str, ...]
    audience: tuple[str, ...]
    start: date
    end: date
    programme: str = ""
    status: str = "ongoing"
    norms: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()
    implementers: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    budget: tuple[str, str] | None = None
    aims: str = ""
    tlp: Tlp = Tlp.CLEAR


COORDINATOR = "coordinator@example.org"

INITIATIVES = (
    DemoInitiative(
        "ASEAN CERT Incident Drill (ACID) 2026",
        COORDINATOR,
        "ADGMIN",
        "The yearly incident drill in which the national CERTs of the member states and "
        "dialogue partners respond together to a simulated cross-border attack and re-confirm "
        "their points of contact.",
        "Scenario design with the Regional CERT; one-day live drill run from Singapore; "
        "after-action report to ADGSOM.",
        (ALL,),
        ("incident_ci",),
        ("technical",),
        date(2026, 8, 1),
        date(2026, 8, 31),
        programme="ASEAN Regional CERT",
        status="planned",
        norms=("a", "g", "k"),
        clauses=("recognise", "further_task"),
        implementers=("Singapore Computer Emergency Response Team",),
        partners=("Dialogue-partner CERTs",),
    ),
    DemoInitiative(
        "Incident response training for national CERTs",
        "cert.sg@example.org",
        "ADGMIN",
        "Hands-on incident response training for analysts of the national CERTs of Cambodia, "
        "Lao PDR, Myanmar and Timor-Leste: triage, containment, eradication and lessons learned.",
        "Five-day course at the ASEAN-Singapore Cybersecurity Centre of Excellence; live-fire "
        "labs on the centre's cyber range; a playbook template each team adapts at home.",
        ("KH", "LA", "MM", "TL"),
        ("incident_ci", "culture_skills"),
        ("technical",),
        date(2026, 3, 2),
        date(2026, 6, 30),
        programme="ASCCE",
        norms=("g", "k"),
        clauses=("reaffirm",),
        funders=("Singapore",),
        implementers=("ASEAN-Singapore Cybersecurity Centre of Excellence",),
        budget=("250000", "SGD"),
    ),
    DemoInitiative(
        "Building incident handling skills in CSIRTs of the newer member states",
        COORDINATOR,
        "ARF-ISM-ICTS",
        "A course for CSIRT staff from Cambodia, Lao PDR, Myanmar and Timor-Leste on handling "
        "incidents end to end: detection, triage, containment and recovery, and coordination "
        "between teams.",
        "Workshop in Bangkok at the ASEAN-Japan Cybersecurity Capacity Building Centre; "
        "hands-on labs; handling playbooks; mentoring calls after the workshop.",
        ("KH", "LA", "MM", "TL"),
        ("incident_ci",),
        ("technical",),
        date(2026, 4, 6),
        date(2026, 5, 29),
        programme="AJCCBC",
        norms=("k",),
        clauses=("recognise_also",),
        funders=("Japan",),
        implementers=("ASEAN-Japan Cybersecurity Capacity Building Centre",),
    ),
    DemoInitiative(
        "Digital forensics for cybercrime investigators",
        "police.sg@example.org",
        "SOMTC-WG-CC",
        "Police investigators from Indonesia, Malaysia, the Philippines and Viet Nam learn to "
        "seize, image and examine computers and mobile phones so that digital evidence holds "
        "up in court.",
        "Two-week course; evidence handling and chain of custody; mobile extraction labs; a "
        "mock case file reviewed by prosecutors.",
        ("ID", "MY", "PH", "VN"),
        ("cybercrime",),
        ("law_enforcement",),
        date(2026, 5, 4),
        date(2026, 5, 15),
        programme="ACCP",
        norms=("d",),
        clauses=("further_task",),
        funders=("Singapore",),
        implementers=("INTERPOL ASEAN Cybercrime Operations Desk",),
        budget=("90000", "USD"),
    ),
    DemoInitiative(
        "Electronic evidence handling for defence and police cyber units",
        COORDINATOR,
        "ADMM-EWG-CS",
        "A course for police and military cyber units of Indonesia, Malaysia and the "
        "Philippines on collecting and examining electronic evidence from seized devices, "
        "keeping the chain of custody intact.",
        "Training in Kuala Lumpur; device imaging and mobile forensics practicals; "
        "courtroom-ready reporting.",
        ("ID", "MY", "PH"),
        ("cybercrime", "incident_ci"),
        ("law_enforcement", "technical"),
        date(2026, 5, 11),
        date(2026, 5, 22),
        programme="ADMM-Plus",
        norms=("d",),
        clauses=("recognise_also",),
        funders=("Australia",),
    ),
    DemoInitiative(
        "Cyber diplomacy and the UN norms of responsible State behaviour",
        COORDINATOR,
        "AMM",
        "Diplomats from all member states deepen their understanding of the eleven UN GGE "
        "norms, international law in cyberspace and the OEWG process.",
        "Three-day programme; negotiation simulation; briefing papers on each norm; alumni "
        "network.",
        (ALL,),
        ("policy_strategy",),
        ("diplomatic", "policy"),
        date(2026, 2, 9),
        date(2026, 2, 11),
        programme="ASCCE",
        status="completed",
        norms=("a", "b", "c", "e", "f"),
        clauses=("affirming", "recognise"),
        funders=("Singapore",),
        implementers=("ASEAN-Singapore Cybersecurity Centre of Excellence", "UNODA"),
    ),
    DemoInitiative(
        "Training diplomats on international law and voluntary norms in cyberspace",
        "agency.my@example.org",
        "AMM",
        "Foreign-ministry officers of all member states learn how international law and the "
        "voluntary norms apply to State conduct in cyberspace, ahead of UN discussions.",
        "Course in Kuala Lumpur; simulated UN negotiation; norm-by-norm briefings.",
        (ALL,),
        ("policy_strategy",),
        ("diplomatic",),
        date(2026, 2, 2),
        date(2026, 2, 20),
        programme="ACCP",
        status="completed",
        norms=("a", "c", "e"),
        clauses=("affirming",),
        funders=("Malaysia",),
    ),
    DemoInitiative(
        "Critical information infrastructure protection for energy operators",
        "cert.my@example.org",
        "ADGMIN",
        "Power grid operators and regulators in Malaysia, Thailand and Viet Nam strengthen the "
        "protection of critical information infrastructure, from risk assessment to incident "
        "reporting.",
        "Workshop; grid control-room scenario; risk assessment template for substations.",
        ("MY", "TH", "VN"),
        ("incident_ci", "standards"),
        ("ci_operator", "technical"),
        date(2025, 9, 1),
        date(2026, 8, 31),
        programme="ASEAN-US",
        norms=("f", "g"),
        clauses=("further_task",),
        funders=("United States",),
        partners=("Example Grid Operator (Malaysia)",),
    ),
    DemoInitiative(
        "Coordinated vulnerability disclosure policies for government agencies",
        "cert.id@example.org",
        "CYBER-CC",
        "Helps agencies in Indonesia, the Philippines and Thailand adopt coordinated "
        "vulnerability disclosure policies and run a national process for vulnerability "
        "reports.",
        "Policy workshop; model disclosure policy; CSAF advisory templates.",
        ("ID", "PH", "TH"),
        ("standards", "incident_ci"),
        ("technical", "policy"),
        date(2026, 7, 1),
        date(2026, 12, 31),
        status="planned",
        norms=("j", "i"),
        clauses=("further_task",),
        funders=("European Union",),
    ),
    DemoInitiative(
        "Cyber hygiene awareness campaign for small businesses",
        "agency.ph@example.org",
        "AMRI",
        "A campaign raising awareness of basic cyber hygiene among small and medium "
        "enterprises in Brunei Darussalam, Cambodia and the Philippines: passwords, updates, "
        "backups and phishing.",
        "Campaign toolkit in local languages; train-the-trainer sessions; online quiz.",
        ("BN", "KH", "PH"),
        ("culture_skills",),
        ("policy",),
        date(2025, 10, 1),
        date(2026, 9, 30),
        programme="ACCP",
        clauses=("reaffirm",),
        funders=("Republic of Korea",),
    ),
    DemoInitiative(
        "Child online protection awareness",
        COORDINATOR,
        "AMRI",
        "Raises awareness among parents, teachers and children in Indonesia, Lao PDR and "
        "Viet Nam of online risks such as grooming and cyberbullying.",
        "School outreach materials; teacher training; helpline referral guide.",
        ("ID", "LA", "VN"),
        ("culture_skills",),
        ("policy",),
        date(2025, 1, 6),
        date(2025, 12, 19),
        status="completed",
        norms=("e",),
        funders=("Australia",),
    ),
    DemoInitiative(
        "National cybersecurity strategy clinic",
        COORDINATOR,
        "CYBER-CC",
        "Policy officers from Cambodia, Myanmar and Timor-Leste are guided through drafting a "
        "national cybersecurity strategy, with governance, budget and metrics.",
        "Strategy clinic; peer review of draft strategies; toolkit on monitoring and evaluation.",
        ("KH", "MM", "TL"),
        ("policy_strategy",),
        ("policy",),
        date(2026, 1, 12),
        date(2026, 10, 30),
        programme="ASEAN-EU",
        clauses=("task", "reaffirm"),
        funders=("European Union",),
    ),
    DemoInitiative(
        "Threat intelligence sharing with STIX and TAXII",
        "cert.th@example.org",
        "ADGMIN",
        "Helps the CERTs of Brunei Darussalam, Lao PDR and Thailand share threat intelligence "
        "automatically using STIX 2.1 over TAXII, under TLP 2.0.",
        "Deployment support; training on STIX and TAXII; sharing agreement template.",
        ("BN", "LA", "TH"),
        ("incident_ci", "standards"),
        ("technical",),
        date(2026, 2, 1),
        date(2026, 11, 30),
        programme="ASEAN Regional CERT",
        norms=("a", "j"),
        clauses=("further_task",),
    ),
    DemoInitiative(
        "Disrupting online scam compounds",
        "police.th@example.org",
        "SOMTC-WG-CC",
        "Law enforcement of Cambodia, Lao PDR, Myanmar and Thailand cooperate to disrupt online "
        "scam compounds, rescue trafficked workers and trace proceeds.",
        "Joint operations planning; intelligence sharing protocol; victim referral guide.",
        ("KH", "LA", "MM", "TH"),
        ("cybercrime",),
        ("law_enforcement", "policy"),
        date(2025, 6, 1),
        date(2026, 12, 31),
        norms=("d", "h"),
        clauses=("further_task",),
        tlp=Tlp.GREEN,
    ),
    DemoInitiative(
        "Points-of-contact communication checks",
        COORDINATOR,
        "ARF-ISM-ICTS",
        "Regular checks that the diplomatic and technical points of contact of every member "
        "state answer, with response times measured and the list kept current.",
        "Quarterly ping tests; response-time report; annual review meeting.",
        (ALL,),
        ("policy_strategy",),
        ("diplomatic", "technical"),
        date(2025, 1, 1),
        date(2026, 12, 31),
        norms=("h",),
        clauses=("recognise",),
    ),
    DemoInitiative(
        "Cloud security certification dialogue",
        "agency.sg@example.org",
        "ADGMIN",
        "Regulators of Indonesia, Malaysia and Singapore work towards common cloud security "
        "requirements based on ISO/IEC 27017 and mutual recognition of certificates.",
        "Working sessions; scheme mapping; recognition roadmap.",
        ("ID", "MY", "SG"),
        ("standards",),
        ("policy",),
        date(2024, 3, 1),
        date(2024, 12, 31),
        status="completed",
        norms=("i",),
    ),
    DemoInitiative(
        "Women in cyber fellowship",
        "agency.sg@example.org",
        "ADGMIN",
        "A fellowship bringing women working in cybersecurity in every member state together "
        "for mentoring, leadership training and technical upskilling.",
        "Cohort programme with mentors; study visit to Singapore; capstone project.",
        (ALL,),
        ("culture_skills",),
        ("technical", "policy"),
        date(2025, 4, 1),
        date(2026, 3, 31),
        programme="ASCCE",
        funders=("Singapore",),
        budget=("400000", "SGD"),
    ),
    DemoInitiative(
        "Judicial training on cybercrime law and electronic evidence",
        "foreign-ministry.vn@example.org",
        "SOMTC-WG-CC",
        "Training for judges and prosecutors of Viet Nam and Lao PDR on cybercrime offences, "
        "preservation of data, admissibility of electronic evidence and international "
        "cooperation.",
        "Seminar; case law review; simulated hearing; guidance note on mutual legal "
        "assistance requests.",
        ("VN", "LA"),
        ("cybercrime", "policy_strategy"),
        ("judicial",),
        date(2023, 9, 1),
        date(2023, 11, 30),
        status="completed",
        norms=("d", "h"),
        funders=("United Kingdom",),
    ),
)


def _users(db: Session) -> dict[str, User]:
    users = db.scalars(select(User)).all()
    return {user.email.lower(): user for user in users}


def _default_author(db: Session, users: dict[str, User], email: str) -> User | None:
    """The demo user named, else the CERT contributor of the same state, else the coordinator."""
    if email in users:
        return users[email]
    parts = email.split("@", maxsplit=1)[0].split(".")
    if len(parts) == 2 and f"cert.{parts[1]}@example.org" in users:
        return users[f"cert.{parts[1]}@example.org"]
    return users.get(COORDINATOR)


def load_demo_initiatives(db: Session) -> int:
    """Register the demo initiatives that are missing, then look for overlaps; returns how
    many were created."""
    users = _users(db)
    if COORDINATOR not in users:
        return 0
    bodies = set(db.scalars(select(SectoralBody.code)))
    states = sorted(db.scalars(select(MemberState.iso2)))
    existing = set(db.scalars(select(Initiative.title)))
    created = []
    for spec in INITIATIVES:
        if spec.title in existing:
            continue
        author = _default_author(db, users, spec.author)
        if author is None:
            continue
        data = InitiativeCreate(
            title=spec.title,
            summary=spec.summary,
            aims=spec.aims,
            activities=spec.activities,
            status=spec.status,
            start_on=spec.start,
            end_on=spec.end,
            sectoral_body=spec.body if spec.body in bodies else None,
            programme=spec.programme,
            beneficiary_states=states if ALL in spec.states else list(spec.states),
            themes=list(spec.themes),
            target_audience=list(spec.audience),
            norms=list(spec.norms),
            statement_clauses=list(spec.clauses),
            funders=list(spec.funders),
            implementers=list(spec.implementers),
            partners=list(spec.partners),
            budget_amount=Decimal(spec.budget[0]) if spec.budget else None,
            budget_currency=spec.budget[1] if spec.budget else "",
            tlp=spec.tlp,
        )
        initiative = service.create(db, actor=actor_for(author), data=data, detect=False)
        created.append(initiative.id)
    if created:
        overlaps.detect_for(db, initiative_ids=created)
    return len(created)
