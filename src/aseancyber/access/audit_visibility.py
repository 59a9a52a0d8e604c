"""Which audit entries a reader may list: the role's trail, narrowed to records they may see.

An entry about a shareable record (its kind is a policy kind or that model's table), or
about a row belonging to one (a case's message, an initiative's tag, a record's named
audience), is listed only while that record exists and :func:`visible_to` lets the reader
see it: a deleted record's entries are hidden, and roles never widen. Entries about a set
of records (``record_id`` ``"*"``: an export, a matching run) name no record and follow the
role's rule alone. Everything is one SQL condition on the list query.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy import inspect as inspect_sql
from sqlalchemy.orm import aliased

from aseancyber.access.policy import SHAREABLE_MODELS, Actor, RecordAudience, Shareable, visible_to
from aseancyber.audit.models import AuditEntry
from aseancyber.db import Base

ABOUT_A_SET = "*"  # the record_id of an entry about many records (an export, a search)
WHOLE_NUMBER = "^[0-9]{1,18}$"  # a record_id that names a row with a whole-number key


@dataclass(frozen=True)
class _Child:
    """A table whose rows belong to shareable records through foreign keys."""

    table: Table
    parents: tuple[tuple[str, type[Shareable]], ...]  # (foreign-key column, parent model)


def _shareable_by_table() -> dict[str, type[Shareable]]:
    return {str(model.__tablename__): model for model in SHAREABLE_MODELS.values()}  # type: ignore[attr-defined]


@cache
def _children() -> tuple[_Child, ...]:
    by_table = _shareable_by_table()
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in by_table or table.name == RecordAudience.__tablename__:
            continue
        parents = tuple(
            (key.parent.name, by_table[key.column.table.name])
            for key in sorted(table.foreign_keys, key=lambda k: k.parent.name)
            if key.column.table.name in by_table
        )
        if parents:
            found.append(_Child(table, parents))
    return tuple(found)


@cache
def decided_kinds() -> frozenset[str]:
    """Every record kind whose entries are listed only to readers of the record behind them."""
    kinds = set(SHAREABLE_MODELS) | set(_shareable_by_table())
    kinds |= {child.table.name for child in _children()}
    return frozenset(kinds | {RecordAudience.__tablename__})


def _kinds_of(model: type[Shareable]) -> list[str]:
    return sorted({model.__shareable_kind__, str(model.__tablename__)})  # type: ignore[attr-defined]


def _record_key_of(table: Table) -> ColumnElement[Any] | None:
    primary = list(table.primary_key.columns)
    if len(primary) != 1:
        return None  # a composite key is not one record id: its entries stay hidden
    return primary[0]


def _names(key: ColumnElement[Any]) -> ColumnElement[bool]:
    """The entry names the row whose key is ``key``, compared so the key's index is used.

    The entry's text id is turned into the key's type, not the key into text: a cast on the
    key column would scan the whole table for every entry. The conversion happens only for
    an id of digits (``"*"`` and other text never reach the cast, which would fail there).
    """
    if isinstance(key.type, String):
        return key == AuditEntry.record_id
    as_number = case(
        (AuditEntry.record_id.regexp_match(WHOLE_NUMBER), cast(AuditEntry.record_id, BigInteger)),
        else_=None,
    )
    return key == as_number


def _record_conditions(reader: Actor) -> Iterator[ColumnElement[bool]]:
    for model in SHAREABLE_MODELS.values():
        yield and_(
            AuditEntry.record_kind.in_(_kinds_of(model)),
            exists(
                select(model.id).where(model.id == AuditEntry.record_id, visible_to(reader, model))
            ),
        )
    for child in _children():
        key = _record_key_of(child.table)
        if key is None:
            continue
        rows = select(key).where(_names(key))
        for column, parent in child.parents:
            rows = rows.where(
                exists(
                    select(parent.id).where(
                        parent.id == child.table.c[column], visible_to(reader, parent)
                    )
                )
            )
        yield and_(AuditEntry.record_kind == child.table.name, exists(rows))
    # An alias: the policy's own audience test must not correlate to this row.
    named = aliased(RecordAudience)
    for model in SHAREABLE_MODELS.values():
        yield and_(
            AuditEntry.record_kind == RecordAudience.__tablename__,
            exists(
                select(named.id)
                .join(model, model.id == named.record_id)
                .where(
                    _names(inspect_sql(named).selectable.c.id),
                    named.record_kind == model.__shareable_kind__,
                    visible_to(reader, model),
                )
            ),
        )


def about_visible_records(reader: Actor) -> ColumnElement[bool]:
    """Entries about no single shareable record, or about one ``reader`` may see."""
    return or_(
        AuditEntry.record_kind.not_in(sorted(decided_kinds())),
        AuditEntry.record_id == ABOUT_A_SET,
        *_record_conditions(reader),
    )


def role_trail(reader: Actor, *, all_organisations: bool) -> ColumnElement[bool]:
    """Organisation admins read their organisation's trail; platform admins all of it."""
    if all_organisations:
        return true()
    if not reader.organisation_id:
        return false()
    return (AuditEntry.actor_organisation_id == reader.organisation_id) | (
        AuditEntry.record_organisation_id == reader.organisation_id
    )
