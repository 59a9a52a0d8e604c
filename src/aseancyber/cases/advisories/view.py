"""What the advisory page shows, read from the advisory's CSAF document: each
vulnerability's products and versions with their status, CVSS, CWE, remediations, and the
credits. Reading the document (not the case) means the page says exactly what was published.
"""

from dataclasses import dataclass, field
from typing import Any

STATUS_LABELS = {
    "known_affected": "Affected",
    "fixed": "Fixed",
    "known_not_affected": "Not affected",
    "under_investigation": "Under investigation",
    "first_affected": "First affected",
    "first_fixed": "First fixed",
    "last_affected": "Last affected",
    "recommended": "Recommended",
}
REMEDIATION_LABELS = {
    "vendor_fix": "Vendor fix",
    "mitigation": "Mitigation",
    "workaround": "Workaround",
    "none_available": "No fix available",
    "no_fix_planned": "No fix planned",
}


@dataclass(frozen=True)
class ProductRow:
    vendor: str
    product: str
    version: str
    status: str


@dataclass(frozen=True)
class Remediation:
    kind: str
    details: str
    products: list[str]


@dataclass(frozen=True)
class VulnerabilityView:
    title: str
    cve: str
    cwe: str
    cwe_name: str
    cvss_version: str
    cvss_vector: str
    cvss_score: float | None
    cvss_severity: str
    description: str
    products: list[ProductRow] = field(default_factory=list)
    remediations: list[Remediation] = field(default_factory=list)


@dataclass(frozen=True)
class AdvisoryView:
    vulnerabilities: list[VulnerabilityView]
    credits: list[str]


def _products(tree: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Product id -> (vendor, product name, version) from the product tree's branches."""
    found: dict[str, tuple[str, str, str]] = {}

    def walk(branches: list[dict[str, Any]], names: dict[str, str]) -> None:
        for branch in branches:
            here = {**names, branch.get("category", ""): str(branch.get("name", ""))}
            product = branch.get("product")
            if isinstance(product, dict) and "product_id" in product:
                found[product["product_id"]] = (
                    here.get("vendor", ""),
                    here.get("product_name") or str(product.get("name", "")),
                    here.get("product_version") or here.get("product_version_range") or "",
                )
            walk(branch.get("branches", []), here)

    walk(tree.get("branches", []), {})
    return found


def _score(vulnerability: dict[str, Any]) -> tuple[str, str, float | None, str]:
    for score in vulnerability.get("scores", []):
        for key, version in (("cvss_v4", "4.0"), ("cvss_v3", "3.x"), ("cvss_v2", "2.0")):
            if key in score:
                cvss = score[key]
                return (
                    str(cvss.get("version", version)),
                    str(cvss.get("vectorString", "")),
                    cvss.get("baseScore"),
                    str(cvss.get("baseSeverity", "")).capitalize(),
                )
    return "", "", None, ""


def view_of(document: dict[str, Any]) -> AdvisoryView:
    """The page's view of a CSAF document."""
    products = _products(document.get("product_tree", {}))

    def name(product_id: str) -> str:
        vendor, product, version = products.get(product_id, ("", product_id, ""))
        return " ".join(part for part in (vendor, product, version) if part)

    vulnerabilities = []
    for entry in document.get("vulnerabilities", []):
        rows = []
        for key, ids in entry.get("product_status", {}).items():
            for pid in ids:
                vendor, product, version = products.get(pid, ("", pid, ""))
                rows.append(ProductRow(vendor, product, version, STATUS_LABELS.get(key, key)))
        version, vector, score, severity = _score(entry)
        description = next(
            (
                n.get("text", "")
                for n in entry.get("notes", [])
                if n.get("category") == "description"
            ),
            "",
        )
        vulnerabilities.append(
            VulnerabilityView(
                title=str(entry.get("title", "")),
                cve=str(entry.get("cve", "")),
                cwe=str(entry.get("cwe", {}).get("id", "")),
                cwe_name=str(entry.get("cwe", {}).get("name", "")),
                cvss_version=version,
                cvss_vector=vector,
                cvss_score=score,
                cvss_severity=severity,
                description=description,
                products=sorted(rows, key=lambda r: (r.vendor, r.product, r.version)),
                remediations=[
                    Remediation(
                        REMEDIATION_LABELS.get(r.get("category", ""), r.get("category", "")),
                        str(r.get("details", "")),
                        [name(pid) for pid in r.get("product_ids", [])],
                    )
                    for r in entry.get("remediations", [])
                ],
            )
        )
    credits = []
    for credit in document.get("document", {}).get("acknowledgments", []):
        who = ", ".join(credit.get("names", []))
        organisation = credit.get("organization", "")
        text = f"{who} ({organisation})" if who and organisation else who or organisation
        if credit.get("summary"):
            text += f": {credit['summary']}"
        credits.append(text)
    return AdvisoryView(vulnerabilities, credits)
