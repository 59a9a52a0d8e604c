"""Evidence from practice: what a state actually does on the platform, shown beside its
self-assessment and never replacing it.

A provider is a plain function ``(db, reader, member_state_id) -> list[EvidenceItem]``;
:data:`EVIDENCE_PROVIDERS` lists them in the order they are shown. Every provider counts
only the records ``reader`` may see (the policy's ``visible_to`` in each query): what the
reader may not see is never counted, so no figure, and no difference between two figures,
can reveal a hidden record. Aggregates from the practice domains are, besides, shown to
signed-in member-state and Secretariat readers only.

A figure is never a false zero: a count of nothing among the records the reader may see
reads "not shared" (there may be records the reader does not see). A state may share its
aggregate figures (never the records) with its own ministries, the Secretariat or all
member states (:mod:`aseancyber.norms.evidence_sharing`); a reader that choice covers (the
policy decides) gets the figures over all the state's records, real zeros included, and
each figure says which base it is computed over.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, shared_aggregates_reader, visible_to
from aseancyber.cases.measures import service as case_measures
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.contacts import service as contacts_service
from aseancyber.norms.evidence_sharing import scope_of
from aseancyber.requests import workflow as requests_workflow


@dataclass(frozen=True)
class EvidenceItem:
    """One fact from practice, attached to a norm letter or to ``"cbm"``."""

    norm: str
    title: str
    value: str
    source: str
    detail: str = ""
    link: str = ""


NOT_SHARED = "not shared"
BASE_VISIBLE = "records shared with you"
BASE_AGGREGATE = "all the state's records (aggregate figures the state shares with you)"

EvidenceProvider = Callable[[Session, Reader, str], list[EvidenceItem]]
StateAggregates = Callable[..., dict[str, Any]]

# Which norm each kind of national document gives evidence for.
DOCUMENT_NORMS: dict[DocumentKind, tuple[str, str]] = {
    DocumentKind.NATIONAL_STRATEGY: ("a", "National strategies shared"),
    DocumentKind.CI_CATEGORIES: ("g", "Critical-infrastructure categories shared"),
    DocumentKind.POSITION_PAPER: ("f", "Positions on international law shared"),
    DocumentKind.LEGISLATION: ("d", "Legislation shared"),
    DocumentKind.THREAT_ASSESSMENT: ("cbm", "Threat assessments shared"),
}


def national_documents(db: Session, reader: Reader, member_state_id: str) -> list[EvidenceItem]:
    """National documents about the state that the reader may see, counted by kind."""
    rows = dict(
        db.execute(
            select(Document.kind, func.count())
            .where(Document.member_state_id == member_state_id, visible_to(reader, Document))
            .group_by(Document.kind)
        )
        .tuples()
        .all()
    )
    items = []
    for kind, (norm, title) in DOCUMENT_NORMS.items():
        if rows.get(kind):
            items.append(
                EvidenceItem(
                    norm=norm,
                    title=title,
                    value=str(rows[kind]),
                    source="National documents",
                    detail="documents visible to you",
                    link="/documents",
                )
            )
    return items


def _humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _is_zero_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


@dataclass(frozen=True)
class PracticeAggregates:
    """An evidence provider built from a domain's ``evidence_for_state`` aggregates."""

    norm: str
    source: str
    aggregates: StateAggregates
    norm_by_key: dict[str, str] = field(default_factory=dict)  # figures for another norm

    def __call__(self, db: Session, reader: Reader, member_state_id: str) -> list[EvidenceItem]:
        return practice_aggregates(self, db, reader, member_state_id)


def practice_aggregates(
    spec: PracticeAggregates, db: Session, reader: Reader, member_state_id: str
) -> list[EvidenceItem]:
    """A domain's ``evidence_for_state`` aggregates over what the reader may see, one item per
    figure (filed under another norm where ``norm_by_key`` says so), for community readers."""
    if reader is None or not reader.is_community:
        return []
    scope = scope_of(db, member_state_id=member_state_id)
    shared = shared_aggregates_reader(reader, member_state_id=member_state_id, scope=scope)
    figures = spec.aggregates(db, reader=shared or reader, member_state_id=member_state_id)
    return [
        EvidenceItem(
            norm=spec.norm_by_key.get(key, spec.norm),
            title=_humanise(key),
            # Nothing among what the reader sees is not zero: there may be what it does not see.
            value=NOT_SHARED if _is_zero_count(value) and shared is None else _format(value),
            source=spec.source,
            detail=f"computed over {BASE_AGGREGATE if shared else BASE_VISIBLE}",
        )
        for key, value in figures.items()
        if value is not None and not isinstance(value, dict) and not key.endswith(("_id", "_iso2"))
    ]


def visible_case_evidence(db: Session, *, reader: Reader, member_state_id: str) -> dict[str, Any]:
    """Norm (j) evidence: the cases coordinated by the state's organisations that ``reader``
    may see, summarised by the cases domain's own measures (counts, times, shares)."""
    summary = case_measures.evidence_for_state(db, reader=reader, member_state_id=member_state_id)
    return {
        "cases_coordinated": summary["cases"],
        "open_cases": summary["open_cases"],
        "good_histories": summary["good_histories"],
        "good_history_share": summary["good_history_share"],
        "median_days_vendor_aware_to_fix_ready": summary["vendor_aware_to_fix_ready"][
            "median_days"
        ],
    }


EVIDENCE_PROVIDERS: list[EvidenceProvider] = [
    national_documents,
    PracticeAggregates(
        "h",
        "Cross-border requests",
        requests_workflow.evidence_for_state,
        {"cybercrime_requests_handled": "d"},
    ),
    PracticeAggregates("j", "Coordinated vulnerability cases", visible_case_evidence),
    PracticeAggregates("cbm", "Communication checks", contacts_service.evidence_for_state),
]


def evidence_for(db: Session, *, reader: Reader, member_state_id: str) -> list[EvidenceItem]:
    """Every provider's evidence for one state, as ``reader`` may see it."""
    items: list[EvidenceItem] = []
    for provider in EVIDENCE_PROVIDERS:
        items.extend(provider(db, reader, member_state_id))
    return items


def by_norm(items: list[EvidenceItem]) -> dict[str, list[EvidenceItem]]:
    """Evidence grouped by norm letter (and ``"cbm"``)."""
    grouped: dict[str, list[EvidenceItem]] = {}
    for item in items:
        grouped.setdefault(item.norm, []).append(item)
    return grouped
