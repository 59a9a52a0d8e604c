"""``visible_to`` with a hint the database can use cheaply, for the large regional views
(communication-check results, the norms heat map).

The policy's audience test is a correlated subquery per row; over thousands of rows it is
most of a view's cost. The hint (public or community label, own organisation, own record,
or named in an audience: one set of ids looked up once) holds for every row the policy
lets through, so adding it changes no answer, and rows failing it are dropped before the
per-row subquery runs. The policy stays the only judge. (A candidate for access.policy.)
"""

from sqlalchemy import ColumnElement, and_, or_, select

from aseancyber.access.policy import Reader, RecordAudience, Shareable, Tlp, visible_to


def visible_with_hint(reader: Reader, model: type[Shareable]) -> ColumnElement[bool]:
    """``visible_to(reader, model)`` AND a cheap necessary condition for it."""
    policy = visible_to(reader, model)
    if reader is None:
        return policy
    named = select(RecordAudience.record_id).where(
        RecordAudience.record_kind == model.__shareable_kind__,
        or_(
            RecordAudience.organisation_id == reader.organisation_id,
            RecordAudience.user_id == reader.user_id,
        ),
    )
    hint = or_(
        model.tlp.in_([Tlp.CLEAR, Tlp.GREEN]),
        model.owner_organisation_id == reader.organisation_id,
        model.created_by_id == reader.user_id,
        model.id.in_(named),
    )
    return and_(hint, policy)
