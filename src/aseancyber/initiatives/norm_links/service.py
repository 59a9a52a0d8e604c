"""Linking initiatives to the norms catalogue (aseancyber.norms): norms (a)-(k) and their
practical actions, named by letter (``g``) or action code (``g.3``) in forms and files."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from aseancyber.errors import Invalid
from aseancyber.initiatives.models import Initiative, InitiativeNorm
from aseancyber.norms.models import Norm, NormAction

NORM_PAGE = "/norms#norm-{letter}"


def catalogue(db: Session) -> list[Norm]:
    """The norms of the catalogue, in its order."""
    return list(db.scalars(select(Norm).order_by(Norm.position, Norm.letter)))


def norm_url(letter: str) -> str:
    """The norm's place on the norms catalogue page."""
    return NORM_PAGE.format(letter=letter)


def resolve(
    db: Session, references: Sequence[str], *, field: str = "norms"
) -> list[tuple[Norm, NormAction | None]]:
    """The catalogue entries named by letters and action codes; Invalid names every unknown
    one (and says so when the catalogue has not been loaded at all)."""
    wanted = [reference.strip().lower().strip("()") for reference in references]
    wanted = list(dict.fromkeys(reference for reference in wanted if reference))
    if not wanted:
        return []
    letters = [reference for reference in wanted if "." not in reference]
    codes = [reference for reference in wanted if "." in reference]
    norms = (
        {norm.letter: norm for norm in db.scalars(select(Norm).where(Norm.letter.in_(letters)))}
        if letters
        else {}
    )
    actions = (
        {
            action.code: action
            for action in db.scalars(select(NormAction).where(NormAction.code.in_(codes)))
        }
        if codes
        else {}
    )
    unknown = [r for r in wanted if r not in norms and r not in actions]
    if unknown:
        if db.scalar(select(Norm.id).limit(1)) is None:
            raise Invalid(
                "the norms catalogue is not loaded on this node (run `aseancyber init`)", field
            )
        raise Invalid(
            "not in the norms catalogue: "
            + ", ".join(unknown)
            + " (use a norm letter a-k or a practical action code such as g.3)",
            field,
        )
    resolved: list[tuple[Norm, NormAction | None]] = [(norms[r], None) for r in letters]
    resolved += [(actions[r].norm, actions[r]) for r in codes]
    return resolved


def set_links(initiative: Initiative, resolved: list[tuple[Norm, NormAction | None]]) -> None:
    """Replace the initiative's norm links (a norm named through an action is linked once)."""
    links: list[InitiativeNorm] = []
    seen: set[tuple[str, str | None]] = set()
    for norm, action in resolved:
        key = (norm.id, action.id if action is not None else None)
        if key in seen:
            continue
        seen.add(key)
        links.append(InitiativeNorm(norm=norm, norm_id=norm.id, action=action, action_id=key[1]))
    initiative.norm_links = links


def addresses(letter: str) -> ColumnElement[bool]:
    """A filter: the initiative addresses the norm with this letter (directly or by action)."""
    return exists(
        select(InitiativeNorm.id)
        .join(Norm, Norm.id == InitiativeNorm.norm_id)
        .where(InitiativeNorm.initiative_id == Initiative.id, Norm.letter == letter)
    )
