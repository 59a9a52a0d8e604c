"""A small routing world: member states with national CERTs, a generated pfx2as file, and
address blocks whose country iptocc's real data knows."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState, Organisation, OrganisationKind, Role, User
from aseancyber.routing import table
from aseancyber.routing.models import ConstituencyKind
from aseancyber.routing.service import create_entry
from tests.factories import actor, make_org, make_state
from tests.readers import make_user

# /24 blocks registered in these countries (iptocc's offline RIR data), with their ASes in the
# generated table. 175.139.0.0/24 is a more specific prefix of its own AS (AS64512), which a
# registry entry sends to a sector CERT instead of MyCERT.
BLOCKS = {
    "203.116.0": ("SG", 3758),
    "175.138.0": ("MY", 4788),
    "175.139.0": ("MY", 64512),
    "1.0.128": ("TH", 23969),
    "36.64.0": ("ID", 7713),
    "49.144.0": ("PH", 9299),
    "14.160.0": ("VN", 45899),
    "8.8.8": ("US", 15169),
}
PFX2AS = """\
203.116.0.0\t16\t3758
175.136.0.0\t13\t4788
175.139.0.0\t24\t64512
1.0.128.0\t17\t23969
36.64.0.0\t11\t7713
49.144.0.0\t13\t9299_9300
14.160.0.0\t11\t45899
8.8.8.0\t24\t15169
2001:d08::\t32\t4788
"""
MEMBER_STATES = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL")


@dataclass
class RoutingWorld:
    states: dict[str, MemberState]
    certs: dict[str, Organisation]  # by country; Timor-Leste has none on record
    sector_cert: Organisation  # a Malaysian sector CERT, named for AS64512 in the registry
    ph_operations: Organisation  # the registry sends PH to it instead of the national CERT
    sender: User  # SingCERT coordinator: may notify
    contributor: User  # SingCERT contributor: may look up, not notify
    regional: User  # Secretariat regional coordinator: edits the registry
    cert_users: dict[str, User]  # a viewer in each receiving organisation, by country


def write_pfx2as(directory: Path) -> Path:
    path = directory / "pfx2as.txt"
    path.write_text(PFX2AS, encoding="utf-8")
    return path


def build_world(db: Session, tmp_path: Path) -> RoutingWorld:
    states = {iso: make_state(db, iso, name=f"Member {iso}") for iso in MEMBER_STATES}
    certs = {
        iso: make_org(db, state=states[iso], name=f"National CERT {iso}")
        for iso in MEMBER_STATES
        if iso != "TL"
    }
    sector = make_org(
        db, kind=OrganisationKind.SECTOR_REGULATOR, state=states["MY"], name="Malaysian Sector CERT"
    )
    operations = make_org(db, state=states["PH"], name="CERT-PH Operations")
    secretariat = make_org(db, kind=OrganisationKind.SECRETARIAT, name="Routing Secretariat")
    sender = make_user(db, certs["SG"], Role.COORDINATOR)
    regional = make_user(db, secretariat, Role.REGIONAL_COORDINATOR)
    with write_pfx2as(tmp_path).open() as lines:
        table.store(db, actor=None, lines=lines, file_format="pfx2as", source="test")
    create_entry(
        db,
        actor=actor(regional),
        kind=ConstituencyKind.ASN,
        key="AS64512",
        organisation_id=sector.id,
    )
    create_entry(
        db,
        actor=actor(regional),
        kind=ConstituencyKind.COUNTRY,
        key="ph",
        organisation_id=operations.id,
    )
    receivers = {**certs, "MY-sector": sector, "PH-operations": operations}
    return RoutingWorld(
        states=states,
        certs=certs,
        sector_cert=sector,
        ph_operations=operations,
        sender=sender,
        contributor=make_user(db, certs["SG"], Role.CONTRIBUTOR),
        regional=regional,
        cert_users={key: make_user(db, org, Role.VIEWER) for key, org in receivers.items()},
    )


def thousand_ips() -> list[str]:
    """1,000 addresses: 125 in each block."""
    return [f"{block}.{host}" for block in BLOCKS for host in range(1, 126)]
