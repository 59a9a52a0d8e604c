"""Norms implementation by member state, for the report's per-state table and its
recommendations (read from the norms heat map: initiatives builds on norms)."""

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aseancyber.access.policy import Reader
from aseancyber.norms import regional

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Implementation:
    """Norms implementation the reader may see, by member state (ISO2): the state's level
    over all norms and each norm's, ``None`` where nothing is shared with the reader."""

    by_state: dict[str, float | None]
    by_state_norm: dict[tuple[str, str], float | None]  # (iso2, norm letter)


def implementation(db: Session, *, reader: Reader, as_of: date) -> Implementation | None:
    """From the norms heat map, when this node has the norms capability; else ``None``."""
    try:
        with db.begin_nested():
            heat = regional.heat_map(db, reader=reader, as_of=as_of)
    except (ImportError, AttributeError, SQLAlchemyError) as error:
        log.warning("norms implementation is not available: %s", error)
        return None
    return Implementation(
        by_state={state.iso2: heat.state_levels.get(state.id) for state in heat.states},
        by_state_norm={
            (state.iso2, norm.letter): heat.cells[(state.id, norm.id)].level
            for state in heat.states
            for norm in heat.norms
        },
    )
