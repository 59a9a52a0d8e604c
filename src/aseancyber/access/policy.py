"""Who may see what: the TLP 2.0 visibility policy, decided here and nowhere else.

Every shareable record has an owner organisation, the user who created it, a TLP 2.0
label and, where the label needs one, a named audience of organisations and users. The
same rules exist twice, as a SQL filter (:func:`visible_to`, used by every exit path) and
as a predicate on a loaded record (:func:`can_see`); the permission-matrix tests hold the
two to the same answers.

- TLP:CLEAR: anyone, including anonymous readers of the public pages.
- TLP:GREEN: the community (member-state government organisations and the Secretariat);
  external parties only when the record says so (``green_includes_external``).
- TLP:AMBER and TLP:AMBER+STRICT: the owner organisation and the named audience.
- TLP:RED: the named audience only (and the person who wrote it).

A model may also have a boolean ``owner_only`` column (:data:`OWNER_ONLY_COLUMN`) and name
the columns that make two rows the same record (``__same_record__``): a row with
``owner_only`` set is seen by its owner organisation only, under its own label, and only
while the reader sees no other organisation's row of the same record. Sharing uses it for
a copy posted over a STIX id another organisation holds out of the poster's sight, so no
reader ever meets two contents under one id + version (should the original later become
visible to the copy's organisation, the original wins).

Roles never widen what a reader sees: a platform administrator or a regional coordinator
reads a record only as a member of their organisation would.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    and_,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, Session, aliased, declared_attr, mapped_column

from aseancyber.access.models import Organisation, Role
from aseancyber.db import Base, db_enum


class Tlp(StrEnum):
    """TLP 2.0 labels, as FIRST writes them."""

    CLEAR = "TLP:CLEAR"
    GREEN = "TLP:GREEN"
    AMBER = "TLP:AMBER"
    AMBER_STRICT = "TLP:AMBER+STRICT"
    RED = "TLP:RED"

    @property
    def rank(self) -> int:
        """How restrictive the label is: CLEAR 0 ... RED 4."""
        return _TLP_ORDER.index(self)

    @property
    def css(self) -> str:
        return self.value.removeprefix("TLP:").replace("+", "-").lower()

    @property
    def needs_audience(self) -> bool:
        return self is Tlp.RED


_TLP_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user and their organisation, as seen by the policy."""

    user_id: str
    organisation_id: str
    member_state_id: str | None
    is_community: bool
    roles: frozenset[Role] = field(default_factory=frozenset)
    time_zone: str = "UTC"
    display_name: str = ""
    via_token: bool = False
    token_can_write: bool = True

    def has_role(self, role: Role) -> bool:
        return role in self.roles


Reader = Actor | None
"""``None`` is the anonymous reader of public pages."""


def organisation_reader(
    organisation_id: str, *, member_state_id: str | None, is_community: bool
) -> Actor:
    """What every member of an organisation may see: a reader with no user, so nothing
    named to one person or written by one counts (the sentinel id matches no user)."""
    return Actor(
        user_id=f"organisation:{organisation_id}",
        organisation_id=organisation_id,
        member_state_id=member_state_id,
        is_community=is_community,
    )


class AggregateScope(StrEnum):
    """Whom a member state lets see its aggregate evidence figures (never the records)."""

    NONE = "none"  # only what each reader may see record by record
    STATE = "state"  # the state's own organisations (its ministries and agencies)
    SECRETARIAT = "secretariat"  # its own organisations and the ASEAN Secretariat
    MEMBER_STATES = "member_states"  # every member-state organisation and the Secretariat


def may_see_shared_aggregates(
    reader: Reader, *, member_state_id: str, scope: AggregateScope
) -> bool:
    """Whether the state's aggregate-sharing choice ``scope`` covers ``reader``."""
    if reader is None or not reader.is_community or scope is AggregateScope.NONE:
        return False
    own_state = reader.member_state_id == member_state_id
    if scope is AggregateScope.STATE:
        return own_state
    if scope is AggregateScope.SECRETARIAT:
        return own_state or reader.member_state_id is None  # community, no state: Secretariat
    return True


@dataclass(frozen=True)
class SharedAggregatesReader(Actor):
    """The reader an aggregate figure is computed as, when the state chose to share its
    aggregates with the real reader: it counts every record the state's own organisations
    hold (whatever the label), so it must only ever reach functions that return counts
    about that one state (the norms evidence providers), never records."""

    aggregated_member_state_id: str = ""


def shared_aggregates_reader(
    reader: Reader, *, member_state_id: str, scope: AggregateScope
) -> SharedAggregatesReader | None:
    """The all-records reader for one state's aggregates, if its choice covers ``reader``."""
    if reader is None or not may_see_shared_aggregates(
        reader, member_state_id=member_state_id, scope=scope
    ):
        return None
    return SharedAggregatesReader(
        user_id=reader.user_id,
        organisation_id=reader.organisation_id,
        member_state_id=reader.member_state_id,
        is_community=reader.is_community,
        aggregated_member_state_id=member_state_id,
    )


class RecordAudience(Base):
    """A named recipient (an organisation or one user) of one shareable record."""

    __tablename__ = "record_audience"
    __table_args__ = (
        Index("ix_record_audience_record", "record_kind", "record_id"),
        Index("ix_record_audience_org", "organisation_id", "record_kind"),
        Index("ix_record_audience_user", "user_id", "record_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))


class Shareable:
    """Mixin for every record that has an owner, a TLP label and an audience.

    A model declares ``__shareable_kind__`` (a short stable name such as ``"initiative"``)
    and gets the columns the policy needs; :func:`visible_to` then filters it.
    """

    __shareable_kind__: ClassVar[str]
    # The columns two rows of one record share (models with an ``owner_only`` column).
    __same_record__: ClassVar[tuple[str, ...]] = ()
    id: Mapped[str]

    @declared_attr
    def owner_organisation_id(cls) -> Mapped[str]:  # noqa: N805 - SQLAlchemy declared_attr
        return mapped_column(ForeignKey("organisation.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[str | None]:  # noqa: N805
        return mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    @declared_attr
    def tlp(cls) -> Mapped[Tlp]:  # noqa: N805
        return mapped_column(db_enum(Tlp, "tlp"), index=True)

    @declared_attr
    def green_includes_external(cls) -> Mapped[bool]:  # noqa: N805
        return mapped_column(default=False)


SHAREABLE_MODELS: dict[str, type[Shareable]] = {}


def register_shareable(model: type[Any]) -> type[Any]:
    """Class decorator: make a shareable model known to the policy and its matrix test."""
    SHAREABLE_MODELS[model.__shareable_kind__] = model
    return model


def _audience_includes(actor: Actor, model: type[Shareable]) -> ColumnElement[bool]:
    return exists(
        select(RecordAudience.id).where(
            RecordAudience.record_kind == model.__shareable_kind__,
            RecordAudience.record_id == model.id,
            or_(
                RecordAudience.organisation_id == actor.organisation_id,
                RecordAudience.user_id == actor.user_id,
            ),
        )
    )


OWNER_ONLY_COLUMN = "owner_only"


def _owner_only(model: type[Shareable]) -> Any:
    return getattr(model, OWNER_ONLY_COLUMN, None)


def visible_to(reader: Reader, model: type[Shareable]) -> ColumnElement[bool]:
    """The SQL condition selecting the rows of ``model`` that ``reader`` may see."""
    if isinstance(reader, SharedAggregatesReader):
        # Every record the sharing state's own organisations hold, whatever its label: the
        # state chose to share figures about its records, never about another state's.
        return model.owner_organisation_id.in_(
            select(Organisation.id).where(
                Organisation.member_state_id == reader.aggregated_member_state_id
            )
        )
    # What the rules read of a reader, and nothing else, names the condition.
    facts = (
        None
        if reader is None
        else _ReaderFacts(reader.user_id, reader.organisation_id, reader.is_community)
    )
    key = (facts, model)
    condition = _CONDITIONS.get(key)
    if condition is None:
        condition = _build_condition(reader, model)
        if len(_CONDITIONS) >= CONDITIONS_KEPT:
            _CONDITIONS.clear()  # readers active a while ago: built again when they return
        _CONDITIONS[key] = condition
    return condition


@dataclass(frozen=True)
class _ReaderFacts:
    """The facts about a reader the visibility rules depend on."""

    user_id: str
    organisation_id: str
    is_community: bool


# Building a condition (ORM comparisons through an alias, correlated EXISTS) cost more
# processor time than running its query on the matching page, and a request built the
# same one several times. SQL expressions are immutable: the one built for the same reader
# facts and model serves every query after, in any thread. Bounded: a few conditions per
# model for each reader active at the moment.
CONDITIONS_KEPT = 512
_CONDITIONS: dict[tuple[_ReaderFacts | None, type[Shareable]], ColumnElement[bool]] = {}


def _build_condition(reader: Reader, model: type[Shareable]) -> ColumnElement[bool]:
    rule = _label_rule(reader, model)
    owner_only = _owner_only(model)
    if owner_only is None:
        return rule
    if reader is None:
        return and_(owner_only.is_(false()), rule)
    # Evaluated only on owner-only rows (the OR stops at the first term for all others).
    original = aliased(model)
    same_record = [
        getattr(original, name) == getattr(model, name) for name in model.__same_record__
    ]
    original_seen = exists(
        select(original.id).where(
            *same_record,
            _owner_only(original).is_(false()),
            original.owner_organisation_id != model.owner_organisation_id,
            _label_rule(reader, original),
        )
    )
    owner = model.owner_organisation_id == reader.organisation_id
    return and_(or_(owner_only.is_(false()), and_(owner, ~original_seen)), rule)


def _label_rule(reader: Reader, model: type[Shareable]) -> ColumnElement[bool]:
    if reader is None:
        return model.tlp == Tlp.CLEAR
    owner = model.owner_organisation_id == reader.organisation_id
    green = (
        model.tlp == Tlp.GREEN
        if reader.is_community
        else and_(model.tlp == Tlp.GREEN, model.green_includes_external.is_(true()))
    )
    return or_(
        model.tlp == Tlp.CLEAR,
        green,
        and_(model.tlp.in_([Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT]), owner),
        model.created_by_id == reader.user_id,
        _audience_includes(reader, model),
    )


def visible_with_hint(reader: Reader, model: type[Shareable]) -> ColumnElement[bool]:
    """``visible_to(reader, model)`` AND a cheap necessary condition for it, for large views
    (communication-check results, the norms heat map).

    The audience test in :func:`visible_to` is a correlated subquery per row; over thousands
    of rows it is most of a view's cost. The hint (a public or community label, the reader's
    own organisation or record, or named in an audience: one set of ids looked up once)
    holds for every row the policy lets through, so it changes no answer; rows failing it
    are dropped before the per-row subquery runs. :func:`visible_to` stays the judge.
    """
    policy = visible_to(reader, model)
    if reader is None or isinstance(reader, SharedAggregatesReader):
        return policy  # its rule is already one cheap owner condition, wider than the hint
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


def nothing() -> ColumnElement[bool]:
    return false()


@dataclass(frozen=True)
class Audience:
    organisation_ids: frozenset[str] = frozenset()
    user_ids: frozenset[str] = frozenset()


def audience_of(db: Session, record: Shareable) -> Audience:
    rows = db.execute(
        select(RecordAudience.organisation_id, RecordAudience.user_id).where(
            RecordAudience.record_kind == record.__shareable_kind__,
            RecordAudience.record_id == record.id,
        )
    ).all()
    return Audience(
        organisation_ids=frozenset(o for o, _ in rows if o is not None),
        user_ids=frozenset(u for _, u in rows if u is not None),
    )


def can_see(reader: Reader, record: Shareable, audience: Audience) -> bool:
    """The same rule as :func:`visible_to`, for one record already loaded (an owner-only
    row is refused outright to anyone outside its owner organisation; whether the reader
    sees the original it shadows is for the SQL filter, which needs the database)."""
    if getattr(record, OWNER_ONLY_COLUMN, False) and (
        reader is None or reader.organisation_id != record.owner_organisation_id
    ):
        return False
    if record.tlp is Tlp.CLEAR:
        return True
    if reader is None:
        return False
    if reader.user_id == record.created_by_id:
        return True
    if reader.organisation_id in audience.organisation_ids or reader.user_id in audience.user_ids:
        return True
    if record.tlp is Tlp.RED:
        return False
    if reader.organisation_id == record.owner_organisation_id:
        return True
    if record.tlp is Tlp.GREEN:
        return reader.is_community or record.green_includes_external
    return False


def set_audience(
    db: Session,
    record: Shareable,
    *,
    organisation_ids: Iterable[str] = (),
    user_ids: Iterable[str] = (),
) -> None:
    """Replace the named audience of ``record``."""
    kind = record.__shareable_kind__
    existing = db.scalars(
        select(RecordAudience).where(
            RecordAudience.record_kind == kind, RecordAudience.record_id == record.id
        )
    ).all()
    for row in existing:
        db.delete(row)
    for org_id in sorted(set(organisation_ids)):
        db.add(RecordAudience(record_kind=kind, record_id=record.id, organisation_id=org_id))
    for user_id in sorted(set(user_ids)):
        db.add(RecordAudience(record_kind=kind, record_id=record.id, user_id=user_id))
    db.flush()


class LabelChangeRefused(Exception):
    """A label may be raised by anyone who re-shares; lowered only by the owner."""


def check_label_change(actor: Actor, record: Shareable, new_label: Tlp) -> None:
    """Refuse a label change the policy does not allow (lowering by a non-owner)."""
    if new_label.rank < record.tlp.rank and actor.organisation_id != record.owner_organisation_id:
        raise LabelChangeRefused(
            f"only the owner organisation may lower the label from {record.tlp} to {new_label}"
        )


def stricter(a: Tlp, b: Tlp) -> Tlp:
    """The more restrictive of two labels."""
    return a if a.rank >= b.rank else b
