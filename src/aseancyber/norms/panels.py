"""The norms dashboard panel (declared in the domain's manifest)."""

from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import Actor
from aseancyber.norms import regional
from aseancyber.plugins import Panel


def norms_implementation(db: Session, actor: Actor) -> Panel:
    """The reader's own state's shared level, and how many states share anything with them."""
    heat = regional.heat_map(db, reader=actor)
    state = db.get(MemberState, actor.member_state_id) if actor.member_state_id else None
    sharing = sum(
        1 for s in heat.states if any(heat.cell(s, norm).is_shared for norm in heat.norms)
    )
    return Panel(
        "Norms implementation",
        "norms/panels/norms.html",
        {
            "state": state,
            "state_level": heat.state_levels.get(state.id) if state else None,
            "region_level": heat.region_level,
            "sharing": sharing,
            "states": len(heat.states),
        },
        more_href="/norms/heatmap",
        more_label="Open the regional heat map",
    )
