"""Choices and names the initiative pages share (select options, filter names, limits)."""

from typing import Any

from sqlalchemy.orm import Session

from aseancyber.access.policy import Tlp
from aseancyber.community.service import (
    list_member_states,
    list_pillars,
    list_sectoral_bodies,
)
from aseancyber.initiatives.models import (
    AUDIENCE_LABELS,
    CLAUSE_LABELS,
    THEME_LABELS,
    InitiativeStatus,
)
from aseancyber.initiatives.norm_links import service as norm_links
from aseancyber.initiatives.overlaps.models import OverlapDecision

TLP_OPTIONS = [(label.value, label.value) for label in Tlp]
STATUS_OPTIONS = [(status.value, status.label) for status in InitiativeStatus]
THEME_OPTIONS = [(theme.value, label) for theme, label in THEME_LABELS.items()]
AUDIENCE_OPTIONS = [(kind.value, label) for kind, label in AUDIENCE_LABELS.items()]
CLAUSE_OPTIONS = [(clause.value, label) for clause, label in CLAUSE_LABELS.items()]
DECISION_OPTIONS = [(decision.value, decision.label) for decision in OverlapDecision]
PROGRAMME_SUGGESTIONS = [
    "ACCP",
    "ASCCE",
    "AJCCBC",
    "ASEAN Regional CERT",
    "ASEAN-Australia",
    "ASEAN-EU",
]
MAX_UPLOAD = 10 * 1024 * 1024
FILTER_NAMES = (
    "q",
    "state",
    "theme",
    "audience",
    "norm",
    "body",
    "pillar",
    "programme",
    "status",
    "year",
    "tlp",
    "owner",
)


def choices(db: Session) -> dict[str, Any]:
    """Every select's options for the initiative forms and filters."""
    return {
        "tlp_options": TLP_OPTIONS,
        "status_options": STATUS_OPTIONS,
        "theme_options": THEME_OPTIONS,
        "audience_options": AUDIENCE_OPTIONS,
        "clause_options": CLAUSE_OPTIONS,
        "norm_options": norm_options(db),
        "norm_filter_options": [
            (norm.letter, f"({norm.letter}) {norm.short_name}") for norm in norm_links.catalogue(db)
        ],
        "state_options": [(s.iso2, s.name) for s in list_member_states(db)],
        "body_options": [(b.code, f"{b.code}: {b.name}") for b in list_sectoral_bodies(db)],
        "pillar_options": [(p.code, p.name) for p in list_pillars(db)],
        "programme_suggestions": PROGRAMME_SUGGESTIONS,
    }


def norm_options(db: Session) -> list[tuple[str, str]]:
    """The catalogue's norms, each followed by its practical actions, for selects."""
    options = []
    for norm in norm_links.catalogue(db):
        options.append((norm.letter, f"({norm.letter}) {norm.short_name}"))
        options += [(a.code, f"\u2003{a.code} {a.title}") for a in norm.actions]
    return options
