"""CSAF 2.0 import: an uploaded advisory, validated, read into products, vulnerabilities and
their statuses (the case's side of the write is :func:`advisories.import_document`)."""

from dataclasses import dataclass
from typing import Any

import orjson

from aseancyber.cases.advisories.csaf import MAX_UPLOAD_BYTES
from aseancyber.cases.advisories.validation import findings
from aseancyber.cases.models import ProductStatus
from aseancyber.errors import Invalid


@dataclass
class ImportedProduct:
    key: str  # the document's product_id
    vendor_name: str
    product_name: str
    version_range: str
    cpe: str
    purl: str


@dataclass
class ImportedVulnerability:
    title: str
    cve: str
    cwe: str
    cwe_name: str
    description: str
    remediation: str
    statuses: dict[str, ProductStatus]  # by the document's product_id


@dataclass
class Imported:
    products: list[ImportedProduct]
    vulnerabilities: list[ImportedVulnerability]


def parse_upload(content: bytes) -> dict[str, Any]:
    """Decode an uploaded advisory: JSON object, size-limited, validated as CSAF 2.0."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid(f"is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB", "document")
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise Invalid(f"is not JSON: {error}", "document") from error
    if not isinstance(document, dict):
        raise Invalid("must be a JSON object (a CSAF document)", "document")
    problems = findings(content)
    if problems:
        raise Invalid(problems)
    return document


def _walk(branches: list[dict[str, Any]], path: dict[str, str], out: list[ImportedProduct]) -> None:
    for branch in branches:
        here = dict(path)
        here[str(branch.get("category", ""))] = str(branch.get("name", ""))
        product = branch.get("product")
        if isinstance(product, dict):
            helper = product.get("product_identification_helper") or {}
            out.append(
                ImportedProduct(
                    key=str(product.get("product_id")),
                    vendor_name=here.get("vendor", "")[:200] or "Unknown vendor",
                    product_name=(
                        here.get("product_name")
                        or here.get("product_family")
                        or str(product.get("name", ""))
                    )[:200]
                    or "Unknown product",
                    version_range=(
                        here.get("product_version") or here.get("product_version_range", "")
                    )[:200],
                    cpe=str(helper.get("cpe", ""))[:500],
                    purl=str(helper.get("purl", ""))[:500],
                )
            )
        _walk(list(branch.get("branches") or []), here, out)


def extract(document: dict[str, Any]) -> Imported:
    """Products (from the product tree's branches) and vulnerabilities of a valid document."""
    products: list[ImportedProduct] = []
    _walk(list((document.get("product_tree") or {}).get("branches") or []), {}, products)
    known = {product.key for product in products}
    vulnerabilities = []
    for entry in document.get("vulnerabilities") or []:
        statuses: dict[str, ProductStatus] = {}
        for status in ProductStatus:
            for product_id in (entry.get("product_status") or {}).get(status.value, []):
                if product_id in known:
                    statuses[product_id] = status
        description = next(
            (
                note.get("text", "")
                for note in entry.get("notes") or []
                if note.get("category") in {"description", "summary", "details"}
            ),
            "",
        )
        remediation = next(
            (
                r.get("details", "")
                for r in entry.get("remediations") or []
                if r.get("category") == "vendor_fix"
            ),
            "",
        )
        cwe = entry.get("cwe") or {}
        vulnerabilities.append(
            ImportedVulnerability(
                title=str(entry.get("title") or entry.get("cve") or "Imported vulnerability")[:300],
                cve=str(entry.get("cve", ""))[:30],
                cwe=str(cwe.get("id", ""))[:20],
                cwe_name=str(cwe.get("name", ""))[:300],
                description=str(description)[:20_000],
                remediation=str(remediation)[:20_000],
                statuses=statuses,
            )
        )
    return Imported(products, vulnerabilities)
