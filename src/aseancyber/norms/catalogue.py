"""The norms catalogue: the 11 norms (reference data) and their practical actions, which
regional coordinators keep up to date.

Actions are never deleted: refusing a deletion because "some state assessed it" would tell
the coordinator about assessments they may not see. A coordinator rewords an action instead.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from aseancyber.access.policy import Actor
from aseancyber.access.rules import Action, require
from aseancyber.community.service import has_nul
from aseancyber.errors import Conflict, Invalid, NotFound
from aseancyber.norms.models import Norm, NormAction
from aseancyber.norms.schemas import ActionCreate, ActionUpdate, NormActionRead, NormRead
from aseancyber.shaping import shaped


def list_norms(db: Session) -> list[Norm]:
    """The norms in order, each with its practical actions."""
    return list(
        db.scalars(select(Norm).options(selectinload(Norm.actions)).order_by(Norm.position))
    )


def get_norm_or_404(db: Session, *, letter: str) -> Norm:
    """The norm with this letter."""
    norm = None if has_nul(letter) else db.scalar(select(Norm).where(Norm.letter == letter))
    if norm is None:
        raise NotFound("norm")
    return norm


def get_action_or_404(db: Session, *, action_id: str) -> NormAction:
    """One practical action (the catalogue is public)."""
    action = None if has_nul(action_id) else db.get(NormAction, action_id)
    if action is None:
        raise NotFound("practical action")
    return action


def create_action(db: Session, *, actor: Actor, data: ActionCreate) -> NormAction:
    """Add a practical action to a norm, numbered after the norm's last action."""
    require(actor, Action.CREATE, NormAction)
    norm = db.scalar(select(Norm).where(Norm.letter == data.norm_letter))
    if norm is None:
        raise Invalid("is not a known norm letter (load the reference data)", "norm_letter")
    codes = db.scalars(select(NormAction.code).where(NormAction.norm_id == norm.id))
    numbers = [int(code.partition(".")[2]) for code in codes if code.partition(".")[2].isdigit()]
    number = max(numbers, default=0) + 1
    action = NormAction(
        norm_id=norm.id,
        code=f"{norm.letter}.{number}",
        title=data.title,
        description=data.description,
        level=data.level,
        position=number,
    )
    db.add(action)
    db.flush()
    return action


def update_action(db: Session, *, actor: Actor, action_id: str, data: ActionUpdate) -> NormAction:
    """Change a practical action's title, description or level."""
    require(actor, Action.EDIT, NormAction)
    action = get_action_or_404(db, action_id=action_id)
    if data.version != action.version:
        raise Conflict(
            f"someone else changed this action since you loaded it (you loaded version "
            f"{data.version}, it is now version {action.version}); reload and try again"
        )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("title", "level"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)
    for field, value in changes.items():
        setattr(action, field, "" if value is None else value)
    db.flush()
    return action


def read_action(action: NormAction) -> NormActionRead:
    """The REST view of one practical action."""
    return shaped(
        NormActionRead,
        action,
        norm_letter=action.norm.letter,
    )


def read_norm(norm: Norm) -> NormRead:
    """The REST view of one norm and its actions."""
    return NormRead(
        letter=norm.letter,
        short_name=norm.short_name,
        description=norm.description,
        actions=[read_action(action) for action in norm.actions],
    )
