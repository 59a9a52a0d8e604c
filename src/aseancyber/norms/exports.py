"""Exports of norms assessments: CSV and JSON, and a state's record shaped like the UN
OEWG national survey of implementation (its four parts). Each export holds only what the
reader may see, and is itself audited."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader, visible_to
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.exports import Export, audit_export, check_format, table_export
from aseancyber.norms import service
from aseancyber.norms.evidence import NOT_SHARED, EvidenceItem
from aseancyber.norms.history import code_key
from aseancyber.norms.models import AssessmentStatus
from aseancyber.norms.regional import Profile, profile
from aseancyber.reporting import ProgrammeProvider

CSV_COLUMNS = (
    "id",
    "member_state_iso2",
    "norm_letter",
    "action_code",
    "action_title",
    "status",
    "responsible_agency",
    "assessed_on",
    "visibility",
    "tlp",
    "evidence",
    "links",
    "updated_at",
)


def _audit_export(db: Session, reader: Reader, what: str, ids: list[str], fmt: str) -> None:
    audit_export(
        db,
        reader=reader,
        action=f"norm_assessment.{what}",
        record_kind="norm_assessment",
        ids=ids,
        format=fmt,
    )


def export(
    db: Session, *, reader: Reader, filters: service.AssessmentFilters, format: str
) -> Export:
    """The visible, filtered assessments as JSON or CSV; the export itself is audited."""
    check_format(format)
    assessments = service.all_visible(db, reader=reader, filters=filters)
    reads = [service.read(a) for a in assessments]
    reads.sort(key=lambda r: (r.member_state_iso2, r.norm_letter, code_key(r.action_code)))
    items = [r.model_dump(mode="json") for r in reads]
    exported = table_export(
        items, columns=CSV_COLUMNS, format=format, name="norm-assessments", list_separator=" "
    )
    _audit_export(db, reader, "export", [r.id for r in reads], format)
    return exported


def oewg_survey(
    db: Session, *, reader: Reader, iso2: str, programmes: ProgrammeProvider | None
) -> dict[str, Any]:
    """A state's visible record in the four parts of the UN OEWG national survey; part 4's
    programmes come from ``programmes`` (the initiatives registry, through its manifest)."""
    data = profile(db, reader=reader, iso2=iso2)
    state = data.state

    def documents(kind: DocumentKind) -> list[dict[str, Any]]:
        found = db.scalars(
            select(Document)
            .where(
                Document.member_state_id == state.id,
                Document.kind == kind,
                visible_to(reader, Document),
            )
            .order_by(Document.title)
        )
        return [
            {"title": d.title, "link": d.link or f"/documents/{d.id}", "tlp": d.tlp.value}
            for d in found
        ]

    norms_part = []
    ids = []
    for section in data.sections:
        actions = []
        for line in section.lines:
            if line.assessment is None:
                continue
            a = line.assessment
            ids.append(a.id)
            actions.append(
                {
                    "action_code": line.action.code,
                    "action": line.action.title,
                    "level": line.action.level.value,
                    "status": a.status.value,
                    "responsible_agency": a.responsible_agency,
                    "evidence": a.evidence,
                    "links": list(a.links),
                    "assessed_on": a.assessed_on.isoformat(),
                    "tlp": a.tlp.value,
                }
            )
        norms_part.append(
            {
                "norm": section.norm.letter,
                "short_name": section.norm.short_name,
                "implementation": section.cell.text,
                "implementation_base": section.cell.base,
                "actions": actions,
                "evidence_from_practice": [_evidence(item) for item in section.evidence],
            }
        )
    threat_documents = db.scalar(
        select(func.count())
        .select_from(Document)
        .where(
            Document.member_state_id == state.id,
            Document.kind == DocumentKind.THREAT_ASSESSMENT,
            visible_to(reader, Document),
        )
    )
    found = [] if programmes is None else programmes(db, reader=reader, state=state)
    _audit_export(db, reader, "survey_export", ids, "json")
    return {
        "survey": "UN OEWG on ICTs: national survey of implementation (shape)",
        "member_state": {"iso2": state.iso2, "name": state.name},
        "generated_at": datetime.now(UTC).isoformat(),
        "note": "Only what the state has shared with the reader is included.",
        "part_1_international_law": {
            "national_positions": documents(DocumentKind.POSITION_PAPER),
            "legislation": documents(DocumentKind.LEGISLATION),
        },
        "part_2_norms": norms_part,
        "part_3_confidence_building_measures": {
            "evidence_from_practice": [_evidence(item) for item in data.cbm_evidence],
            "national_strategies_shared": documents(DocumentKind.NATIONAL_STRATEGY),
            "critical_infrastructure_categories_shared": documents(DocumentKind.CI_CATEGORIES),
            # Nothing visible is "not shared", never 0: there may be what the reader cannot see.
            "threat_assessments_shared": threat_documents or NOT_SHARED,
        },
        "part_4_capacity_building": {
            "programmes": found,
            "needs": capacity_needs(data, found),
            "offers": [p for p in found if "provider" in p["role"] and p["status"] in OPEN],
            "provider_role": provider_role(found),
            "note": "Cooperation and capacity-building initiatives of the registry in which "
            "the state is a beneficiary or a provider (its organisation runs it, or it is "
            "named as funder or implementer), as far as they are shared with the reader.",
        },
    }


OPEN = {"planned", "ongoing"}
NEEDING = (AssessmentStatus.NOT_STARTED, AssessmentStatus.PLANNED, AssessmentStatus.IN_PROGRESS)


def capacity_needs(data: Profile, programmes: list[dict[str, Any]]) -> dict[str, Any]:
    """What the state still needs: its shared actions not yet implemented, and the themes of
    the capacity building it receives."""
    actions = [
        {
            "norm": section.norm.letter,
            "action_code": line.action.code,
            "action": line.action.title,
            "status": line.assessment.status.value,
        }
        for section in data.sections
        for line in section.lines
        if line.assessment is not None and line.assessment.status in NEEDING
    ]
    received = [p for p in programmes if "beneficiary" in p["role"]]
    return {
        "actions_not_yet_implemented": actions,
        "themes_of_capacity_building_received": sorted(
            {theme for p in received for theme in p["themes"]}
        ),
        "note": "From the self-assessments and initiatives shared with the reader; an action "
        "whose assessment is not shared is not listed (it may or may not be a need).",
    }


def provider_role(programmes: list[dict[str, Any]]) -> dict[str, Any]:
    """The state as a provider of capacity building: how much, for whom, on what."""
    provided = [p for p in programmes if "provider" in p["role"]]
    if not provided:
        return {"programmes_provided": NOT_SHARED, "note": "No programme shared with you."}
    return {
        "programmes_provided": len(provided),
        "ongoing_or_planned": sum(1 for p in provided if p["status"] in OPEN),
        "beneficiary_states": sorted({iso for p in provided for iso in p["beneficiaries"]}),
        "themes": sorted({theme for p in provided for theme in p["themes"]}),
        "note": "Over the initiatives shared with you.",
    }


def _evidence(item: EvidenceItem) -> dict[str, str]:
    return {"title": item.title, "value": item.value, "source": item.source, "base": item.detail}
