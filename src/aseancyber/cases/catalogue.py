"""Products, vulnerabilities and product status inside a case.

Coordinators add products and vulnerabilities; a vendor sets the status only of its own
products (a vendor editing another vendor's status is refused, saying why).
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor
from aseancyber.cases import service
from aseancyber.cases.models import (
    Case,
    Participant,
    ParticipantRole,
    Product,
    ProductStatus,
    ProductStatusEntry,
    Vulnerability,
)
from aseancyber.cases.schemas import (
    ProductCreate,
    StatusSet,
    VulnerabilityCreate,
    VulnerabilityUpdate,
)
from aseancyber.cases.scoring import epss
from aseancyber.cases.scoring.service import TABLES, cvss4, ssvc_decision
from aseancyber.community.service import has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Conflict, Forbidden, Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.web.pagination import Page, paginate


def products_of(db: Session, *, case_id: str) -> list[Product]:
    """The case's products, by vendor and name."""
    return list(
        db.scalars(
            select(Product)
            .where(Product.case_id == case_id)
            .order_by(Product.vendor_name, Product.product_name, Product.id)
        )
    )


def products_page(
    db: Session, *, case_id: str, cursor: str | None = None, limit: int = 10
) -> Page[Product]:
    """One page of the case's products, by vendor."""
    return paginate(
        db,
        select(Product).where(Product.case_id == case_id),
        keys=[Product.vendor_name, Product.id],
        cursor=cursor,
        limit=limit,
    )


def products_of_vendors(
    db: Session, *, case_id: str, participant_ids: frozenset[str]
) -> list[Product]:
    """The products of the given vendor participants."""
    return list(
        db.scalars(
            select(Product).where(
                Product.case_id == case_id,
                Product.vendor_participant_id.in_(list(participant_ids)),
            )
        )
    )


def count_products(db: Session, *, case_id: str) -> int:
    return db.scalar(select(func.count()).where(Product.case_id == case_id)) or 0


def status_counts(db: Session, *, case_id: str) -> dict[str, dict[str, int]]:
    """How many products have each status, by vulnerability id."""
    found: dict[str, dict[str, int]] = {}
    rows = db.execute(
        select(ProductStatusEntry.vulnerability_id, ProductStatusEntry.status, func.count())
        .where(ProductStatusEntry.case_id == case_id)
        .group_by(ProductStatusEntry.vulnerability_id, ProductStatusEntry.status)
    ).tuples()
    for vulnerability_id, status, n in rows:
        found.setdefault(vulnerability_id, {})[status.value] = n
    return found


def statuses_for(
    db: Session, *, case_id: str, product_ids: list[str]
) -> dict[str, dict[str, ProductStatus]]:
    """Product status by vulnerability id, for the given products only."""
    found: dict[str, dict[str, ProductStatus]] = {}
    if not product_ids:
        return found
    rows = db.execute(
        select(
            ProductStatusEntry.vulnerability_id,
            ProductStatusEntry.product_id,
            ProductStatusEntry.status,
        ).where(
            ProductStatusEntry.case_id == case_id, ProductStatusEntry.product_id.in_(product_ids)
        )
    ).tuples()
    for vulnerability_id, product_id, status in rows:
        found.setdefault(vulnerability_id, {})[product_id] = status
    return found


def vulnerabilities_of(db: Session, *, case_id: str) -> list[Vulnerability]:
    """The case's vulnerabilities, oldest first."""
    return list(
        db.scalars(
            select(Vulnerability)
            .where(Vulnerability.case_id == case_id)
            .order_by(Vulnerability.created_at, Vulnerability.id)
        )
    )


def statuses_of(db: Session, *, case_id: str) -> dict[str, dict[str, ProductStatus]]:
    """Product status by vulnerability id, then product id."""
    found: dict[str, dict[str, ProductStatus]] = {}
    rows = db.execute(
        select(
            ProductStatusEntry.vulnerability_id,
            ProductStatusEntry.product_id,
            ProductStatusEntry.status,
        ).where(ProductStatusEntry.case_id == case_id)
    ).tuples()
    for vulnerability_id, product_id, status in rows:
        found.setdefault(vulnerability_id, {})[product_id] = status
    return found


def add_product(db: Session, *, actor: Actor, case_id: str, data: ProductCreate) -> Product:
    """Add an affected product (coordinators, or a vendor for its own products)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    seat = service.seat_of(db, reader=actor, case=case)
    service.require_participant(seat, "add products")
    vendor: Participant | None = None
    if data.vendor_participant_id is not None:
        vendor = service.get_participant_or_404(
            db, case=case, participant_id=data.vendor_participant_id
        )
        if vendor.role is not ParticipantRole.VENDOR:
            raise Invalid("is not a vendor of this case", "vendor_participant_id")
    if not seat.coordinator and (vendor is None or not seat.owns(vendor)):
        raise Forbidden("a vendor adds only its own products; coordinators add any")
    product = Product(
        case_id=case.id,
        vendor_participant_id=vendor.id if vendor else None,
        vendor_name=data.vendor_name,
        product_name=data.product_name,
        version_range=data.version_range,
        cpe=data.cpe,
        purl=data.purl,
    )
    db.add(product)
    db.flush()
    return product


def _vulnerability_fields(data: VulnerabilityCreate) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": data.title,
        "cve": data.cve,
        "cwe": data.cwe,
        "cwe_name": data.cwe_name,
        "description": data.description,
        "remediation": data.remediation,
        "epss_score": data.epss_score,
        "epss_percentile": data.epss_percentile,
        "cvss_vector": "",
        "cvss_score": None,
        "cvss_severity": "",
        "ssvc_table": "",
        "ssvc_inputs": {},
        "ssvc_decision": "",
    }
    if data.cvss_vector:
        scored = cvss4(data.cvss_vector)
        fields |= {
            "cvss_vector": scored.vector,
            "cvss_score": scored.score,
            "cvss_severity": scored.severity,
        }
    if data.ssvc is not None:
        fields |= {
            "ssvc_table": data.ssvc.table,
            "ssvc_decision": ssvc_decision(data.ssvc.table, data.ssvc.inputs),
            # Kept in the table's order and published spelling, as the reader sees the tree.
            "ssvc_inputs": TABLES[data.ssvc.table].canonical(data.ssvc.inputs),
        }
    return fields


def add_vulnerability(
    db: Session, *, actor: Actor, case_id: str, data: VulnerabilityCreate
) -> Vulnerability:
    """Add a vulnerability with its CVSS 4.0 score and SSVC decision (coordinators only)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "add vulnerabilities")
    _check_cve_free(db, case=case, cve=data.cve, own_id=None)
    vulnerability = Vulnerability(case_id=case.id, **_vulnerability_fields(data))
    _imported_epss(db, vulnerability)
    db.add(vulnerability)
    db.flush()
    return vulnerability


def _imported_epss(db: Session, vulnerability: Vulnerability) -> None:
    # A score given by hand wins; otherwise the imported EPSS of its CVE, if any.
    if vulnerability.epss_score is None and vulnerability.cve:
        found = epss.score_of(db, cve=vulnerability.cve)
        if found is not None:
            vulnerability.epss_score = found.epss
            vulnerability.epss_percentile = found.percentile


def _check_cve_free(db: Session, *, case: Case, cve: str, own_id: str | None) -> None:
    if not cve:
        return
    taken = db.scalar(
        select(Vulnerability.id).where(Vulnerability.case_id == case.id, Vulnerability.cve == cve)
    )
    if taken is not None and taken != own_id:
        raise Invalid(f"{cve} is already a vulnerability of this case", "cve")


def get_vulnerability_or_404(db: Session, *, case: Case, vulnerability_id: str) -> Vulnerability:
    found = None
    if not has_nul(vulnerability_id) and len(vulnerability_id) <= 36:
        found = db.scalar(
            select(Vulnerability).where(
                Vulnerability.id == vulnerability_id, Vulnerability.case_id == case.id
            )
        )
    if found is None:
        raise NotFound("vulnerability")
    return found


def update_vulnerability(
    db: Session, *, actor: Actor, case_id: str, vulnerability_id: str, data: VulnerabilityUpdate
) -> Vulnerability:
    """Replace a vulnerability's description and scores (coordinators only)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(
        service.seat_of(db, reader=actor, case=case), "edit vulnerabilities"
    )
    vulnerability = get_vulnerability_or_404(db, case=case, vulnerability_id=vulnerability_id)
    if data.version != vulnerability.version:
        raise Conflict(
            f"someone else changed this vulnerability since you loaded it (version "
            f"{data.version}, now {vulnerability.version}); reload and try again"
        )
    _check_cve_free(db, case=case, cve=data.cve, own_id=vulnerability.id)
    for name, value in _vulnerability_fields(data).items():
        setattr(vulnerability, name, value)
    _imported_epss(db, vulnerability)
    db.flush()
    return vulnerability


def set_status(
    db: Session, *, actor: Actor, case_id: str, vulnerability_id: str, data: StatusSet
) -> ProductStatusEntry:
    """Set one product's status for one vulnerability: its own vendor, or a coordinator."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    seat = service.seat_of(db, reader=actor, case=case)
    service.require_participant(seat, "set product status")
    vulnerability = get_vulnerability_or_404(db, case=case, vulnerability_id=vulnerability_id)
    product = db.scalar(
        select(Product).where(Product.id == data.product_id, Product.case_id == case.id)
    )
    if product is None:
        raise Invalid("is not a product of this case", "product_id")
    if not seat.coordinator and product.vendor_participant_id not in seat.participant_ids:
        raise Forbidden(
            f"a vendor sets the status of its own products only; {product.full_name} "
            "belongs to another vendor"
        )
    entry = db.get(ProductStatusEntry, (vulnerability.id, product.id))
    if entry is None:
        entry = ProductStatusEntry(
            vulnerability_id=vulnerability.id,
            product_id=product.id,
            case_id=case.id,
            status=data.status,
        )
        db.add(entry)
    entry.status = data.status
    entry.updated_by_id = actor.user_id
    entry.updated_at = utcnow()
    db.flush()
    service.tell(
        db,
        case=case,
        participants=service.coordinators(service.participants_of(db, case_id=case.id)),
        kind=NotificationKind.CASE_UPDATE,
        title=f"{product.full_name}: {data.status.label.lower()} for "
        f"{vulnerability.cve or vulnerability.title}",
    )
    return entry
