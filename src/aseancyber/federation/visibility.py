"""What a reader of a peer's figures may see of each object they count or list.

A peer's admin manages the exchange, but roles never widen what anyone sees: a run's
outcomes, its counts, the dead letters and the push queue show an object only when the
reader may see every stored version of it in the mapping's local collection (and at least
one). A pull the node refused stored nothing here and came with the admin organisation's
own credentials, so it is shown: its id and reason say nothing about what is stored here.
"""

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from aseancyber.access.policy import Actor
from aseancyber.federation.models import Direction, Mapping
from aseancyber.sharing.models import StixObject
from aseancyber.sharing.objects_service import visible_in


def object_shown(
    reader: Actor,
    *,
    stix_id: InstrumentedAttribute[str],
    mapping_id: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
) -> ColumnElement[bool]:
    """The SQL condition: the object a row names (by STIX id, in its mapping's local
    collection) has stored versions, and ``reader`` may see every one of them."""
    # The row's table (outcome or dead letter) comes from the enclosing query: correlated
    # explicitly, as a nested subquery would otherwise join it afresh.
    stored = (
        select(func.count())
        .select_from(StixObject)
        .join(Mapping, Mapping.local_collection_id == StixObject.collection_id)
        .where(Mapping.id == mapping_id, StixObject.stix_id == stix_id)
        .correlate_except(StixObject, Mapping)
    )
    versions = stored.scalar_subquery()
    visible = stored.where(visible_in(reader)).scalar_subquery()
    return and_(visible > 0, visible == versions)


def shown(
    reader: Actor,
    *,
    stix_id: InstrumentedAttribute[str],
    mapping_id: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    direction: InstrumentedAttribute[Direction],
    refused: ColumnElement[bool],
) -> ColumnElement[bool]:
    """The rows (outcomes, dead letters) ``reader`` may see: see the module's docstring."""
    return or_(
        and_(direction == Direction.PULL, refused),
        object_shown(reader, stix_id=stix_id, mapping_id=mapping_id),
    )
