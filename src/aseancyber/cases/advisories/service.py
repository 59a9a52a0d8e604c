"""Advisories: drafts, the CSAF 2.0 documents, the provider layout under
``/.well-known/csaf/``, and CSAF import into a case (approval, publication and revision are
in :mod:`aseancyber.cases.provider.publication`).

An advisory is shareable: until publication it carries its case's label and audience;
publishing gives it the label chosen for publication, so a TLP:CLEAR advisory is public
while the case stays restricted. Every list and download filters with ``visible_to``.
"""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Reader, audience_of, set_audience, visible_to
from aseancyber.cases import catalogue, service
from aseancyber.cases.advisories import csaf, csaf_import
from aseancyber.cases.advisories.models import Advisory, AdvisoryStatus
from aseancyber.cases.advisories.schemas import AdvisoryCreate, AdvisoryRead
from aseancyber.cases.models import Case, Product, ProductStatusEntry, Vulnerability
from aseancyber.community.service import contains_text, has_nul
from aseancyber.db import utcnow
from aseancyber.errors import Invalid, NotFound
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate


def sync_audiences(db: Session, *, case: Case) -> None:
    """Give the case's advisories its audience, and its label while they are unpublished."""
    audience = audience_of(db, case)
    for advisory in db.scalars(select(Advisory).where(Advisory.case_id == case.id)):
        if advisory.status is not AdvisoryStatus.PUBLISHED:
            advisory.tlp = case.tlp
            advisory.green_includes_external = case.green_includes_external
        set_audience(
            db,
            advisory,
            organisation_ids=audience.organisation_ids,
            user_ids=audience.user_ids,
        )


def _visible(reader: Reader, q: str | None, published_only: bool) -> Select[tuple[Advisory]]:
    statement = select(Advisory).where(visible_to(reader, Advisory))
    if published_only:
        statement = statement.where(Advisory.status == AdvisoryStatus.PUBLISHED)
    if q:
        statement = statement.where(
            contains_text(q, Advisory.title, Advisory.summary, Advisory.tracking_id)
        )
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    q: str | None = None,
    published_only: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Advisory]:
    """One page of the advisories ``reader`` may see, newest first."""
    if has_nul(q):
        raise Invalid("may not contain NUL characters", "q")
    return paginate(
        db,
        _visible(reader, (q or "").strip()[:200] or None, published_only),
        keys=[Advisory.created_at, Advisory.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def all_visible(db: Session, *, reader: Reader, q: str | None, limit: int) -> list[Advisory]:
    """Every visible advisory (for exports), newest first."""
    statement = _visible(reader, (q or "").strip()[:200] or None, False)
    return list(db.scalars(statement.order_by(Advisory.created_at.desc()).limit(limit)))


def get_or_404(db: Session, *, reader: Reader, advisory_id: str) -> Advisory:
    """The advisory, if ``reader`` may see it; NotFound otherwise."""
    advisory = None
    if not has_nul(advisory_id) and len(advisory_id) <= 36:
        advisory = db.scalar(
            select(Advisory).where(Advisory.id == advisory_id, visible_to(reader, Advisory))
        )
    if advisory is None:
        raise NotFound("advisory")
    return advisory


def of_case(db: Session, *, reader: Reader, case: Case) -> list[Advisory]:
    """The visible advisories of a (visible) case."""
    return list(
        db.scalars(
            select(Advisory)
            .where(Advisory.case_id == case.id, visible_to(reader, Advisory))
            .order_by(Advisory.created_at)
        )
    )


def draft(db: Session, *, actor: Actor, case_id: str, data: AdvisoryCreate) -> Advisory:
    """Draft an advisory for a case (coordinators only)."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "draft advisories")
    number = (
        db.scalar(select(func.count()).select_from(Advisory).where(Advisory.case_id == case.id))
        or 0
    ) + 1
    advisory = Advisory(
        case_id=case.id,
        category=data.category,
        title=data.title or case.title,
        summary=data.summary or case.summary,
        publish_tlp=data.publish_tlp,
        tracking_id=f"ASEAN-{case.created_at:%Y}-{case.id[:8].upper()}-{number:02d}",
        tlp=case.tlp,
        green_includes_external=case.green_includes_external,
        owner_organisation_id=case.owner_organisation_id,
        created_by_id=actor.user_id,
        drafted_by_id=actor.user_id,
    )
    db.add(advisory)
    db.flush()
    sync_audiences(db, case=case)
    return advisory


def advisory_in_case(
    db: Session, *, actor: Reader, case_id: str, advisory_id: str
) -> tuple[Case, Advisory]:
    """The visible case and its visible advisory; NotFound for either."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    advisory = get_or_404(db, reader=actor, advisory_id=advisory_id)
    if advisory.case_id != case.id:
        raise NotFound("advisory")
    return case, advisory


def document_for(db: Session, *, case: Case, advisory: Advisory, final: bool = False) -> csaf.Built:
    """The advisory's CSAF document: as published, or as the case stands now for drafts
    (status ``draft`` with the draft's own label, unless ``final`` is being published)."""
    if advisory.status is AdvisoryStatus.PUBLISHED and advisory.document is not None:
        return csaf.Built(advisory.document, csaf.filename_for(advisory.tracking_id))
    owner = db.get(Organisation, case.owner_organisation_id)
    return csaf.build(
        advisory=advisory,
        case=case,
        participants=service.participants_of(db, case_id=case.id),
        products=catalogue.products_of(db, case_id=case.id),
        vulnerabilities=catalogue.vulnerabilities_of(db, case_id=case.id),
        statuses=catalogue.statuses_of(db, case_id=case.id),
        publisher_name=owner.name if owner else "aseancyber",
        released_at=advisory.published_at or utcnow(),
        draft=not final,
    )


def document_of(db: Session, *, reader: Reader, advisory: Advisory) -> csaf.Built:
    """The CSAF document of an advisory the reader sees (drafts: through its case)."""
    if advisory.status is AdvisoryStatus.PUBLISHED and advisory.document is not None:
        return csaf.Built(advisory.document, csaf.filename_for(advisory.tracking_id))
    case = service.get_or_404(db, reader=reader, case_id=advisory.case_id)
    return document_for(db, case=case, advisory=advisory)


def read(advisory: Advisory) -> AdvisoryRead:
    """The REST view of one (visible) advisory."""
    return shaped(
        AdvisoryRead,
        advisory,
    )


# --- the provider layout ---------------------------------------------------------------------


def folder_query(reader: Reader, folder: str) -> Select[tuple[Advisory]]:
    """The published advisories of one TLP folder that ``reader`` may see, as a query."""
    labels = [label for label, name in csaf.CSAF_TLP.items() if csaf.TLP_FOLDERS[name] == folder]
    if not labels:
        raise NotFound("folder")
    return select(Advisory).where(
        Advisory.status == AdvisoryStatus.PUBLISHED,
        Advisory.tlp.in_(labels),
        visible_to(reader, Advisory),
    )


def folder_of(advisory: Advisory) -> str:
    return csaf.TLP_FOLDERS[csaf.CSAF_TLP[advisory.tlp]]


def by_filename(db: Session, *, reader: Reader, folder: str, filename: str) -> Advisory:
    """A published advisory by its folder and file name, if ``reader`` may see it."""
    stem = filename.removesuffix(".json")
    if has_nul(filename) or len(filename) > 200 or stem == filename:
        raise NotFound("advisory")
    # Tracking ids made here (ASEAN-2026-...) map to their file name by lower case alone:
    # one indexed look-up. Any other id is matched the long way, through section 5.1's rule.
    statement = folder_query(reader, folder)
    candidates = list(db.scalars(statement.where(func.lower(Advisory.tracking_id) == stem)))
    for advisory in candidates or db.scalars(statement):
        if csaf.filename_for(advisory.tracking_id) == filename:
            return advisory
    raise NotFound("advisory")


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    products_created: int
    vulnerabilities_created: int
    vulnerabilities_updated: int
    statuses_set: int


def import_document(db: Session, *, actor: Actor, case_id: str, content: bytes) -> ImportResult:
    """Create or update a case's products, vulnerabilities and statuses from a CSAF upload."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    service.require_coordinator(service.seat_of(db, reader=actor, case=case), "import advisories")
    imported = csaf_import.extract(csaf_import.parse_upload(content))
    existing = {
        (p.vendor_name, p.product_name, p.version_range): p
        for p in catalogue.products_of(db, case_id=case.id)
    }
    by_key: dict[str, Product] = {}
    created_products = 0
    for item in imported.products:
        key = (item.vendor_name, item.product_name, item.version_range)
        product = existing.get(key)
        if product is None:
            product = Product(
                case_id=case.id,
                vendor_name=item.vendor_name,
                product_name=item.product_name,
                version_range=item.version_range,
                cpe=item.cpe,
                purl=item.purl,
            )
            db.add(product)
            existing[key] = product
            created_products += 1
        by_key[item.key] = product
    db.flush()
    vulnerabilities = {v.cve: v for v in catalogue.vulnerabilities_of(db, case_id=case.id) if v.cve}
    created = updated = statuses = 0
    for entry in imported.vulnerabilities:
        vulnerability = vulnerabilities.get(entry.cve) if entry.cve else None
        if vulnerability is None:
            vulnerability = Vulnerability(case_id=case.id, title=entry.title)
            db.add(vulnerability)
            created += 1
        else:
            updated += 1
        vulnerability.title = entry.title
        vulnerability.cve = entry.cve
        vulnerability.cwe = entry.cwe
        vulnerability.cwe_name = entry.cwe_name
        vulnerability.description = entry.description
        vulnerability.remediation = entry.remediation
        db.flush()
        for product_key, status in entry.statuses.items():
            product = by_key[product_key]
            row = db.get(ProductStatusEntry, (vulnerability.id, product.id))
            if row is None:
                row = ProductStatusEntry(
                    vulnerability_id=vulnerability.id,
                    product_id=product.id,
                    case_id=case.id,
                    status=status,
                )
                db.add(row)
            row.status = status
            row.updated_by_id = actor.user_id
            statuses += 1
    db.flush()
    return ImportResult(created_products, created, updated, statuses)
