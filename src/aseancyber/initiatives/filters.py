"""Filters on the initiative registry, parsed from query-string text."""

from dataclasses import dataclass
from typing import Any

from aseancyber.access.policy import (
    Tlp,
)
from aseancyber.community.service import has_nul
from aseancyber.errors import FieldProblem, Invalid
from aseancyber.initiatives.models import (
    NORM_LETTERS,
    AudienceKind,
    InitiativeStatus,
    Theme,
)

# Facets written through the tag table: schema field -> tag kind.


@dataclass(frozen=True)
class InitiativeFilters:
    q: str | None = None
    state: str | None = None
    theme: Theme | None = None
    audience: AudienceKind | None = None
    norm: str | None = None
    body: str | None = None
    pillar: str | None = None
    programme: str | None = None
    status: InitiativeStatus | None = None
    year: int | None = None
    tlp: Tlp | None = None
    owner: str | None = None

    def any(self) -> bool:
        return any(value is not None for value in self.__dict__.values())


def _enum_or_problem(kind: Any, value: str, field: str, problems: list[FieldProblem]) -> Any:
    try:
        return kind(value.strip())
    except ValueError:
        problems.append(FieldProblem(field, "must be one of " + ", ".join(k.value for k in kind)))
        return None


def parse_filters(**raw: str | None) -> InitiativeFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, v in raw.items()
        if has_nul(v)
    ]
    if problems:
        raise Invalid(problems)
    values = {name: (value or "").strip() for name, value in raw.items()}
    parsed: dict[str, Any] = {}
    for name, kind in (
        ("theme", Theme),
        ("audience", AudienceKind),
        ("status", InitiativeStatus),
    ):
        if values.get(name):
            parsed[name] = _enum_or_problem(kind, values[name], name, problems)
    if values.get("tlp"):
        text = values["tlp"].upper().replace(" ", "+")
        text = text if text.startswith("TLP:") else "TLP:" + text
        parsed["tlp"] = _enum_or_problem(Tlp, text, "tlp", problems)
    if values.get("norm"):
        norm = values["norm"].lower().strip("()")
        if norm not in NORM_LETTERS:
            problems.append(FieldProblem("norm", "must be a norm letter from a to k"))
        parsed["norm"] = norm
    if values.get("year"):
        if not values["year"].isdigit() or not 1990 <= int(values["year"]) <= 2100:
            problems.append(FieldProblem("year", "must be a year such as 2025"))
        else:
            parsed["year"] = int(values["year"])
    if problems:
        raise Invalid(problems)
    return InitiativeFilters(
        q=values.get("q", "")[:200] or None,
        state=values.get("state", "").upper() or None,
        body=values.get("body", "").upper() or None,
        pillar=values.get("pillar", "").upper() or None,
        programme=values.get("programme") or None,
        owner=values.get("owner") or None,
        **parsed,
    )
