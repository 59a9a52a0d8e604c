"""Keyset (cursor) pagination: pages cost the same however deep the reader goes."""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from aseancyber.errors import Invalid

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values), default=str)).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError) as error:
        raise Invalid("is not a cursor this server issued", "cursor") from error
    if not isinstance(values, list) or len(values) != width:
        raise Invalid("is not a cursor this server issued", "cursor")
    return values


def paginate(
    db: Session,
    statement: Select[tuple[T]],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int = DEFAULT_LIMIT,
    descending: bool = False,
) -> Page[T]:
    """One page of ``statement`` ordered by ``keys`` (one direction, the last key unique).

    The cursor holds the last row's key values, so the next page is a range scan on an
    index rather than an OFFSET that grows with the page number.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"must be between 1 and {MAX_LIMIT}", "limit")
    if cursor:
        after = decode_cursor(cursor, len(keys))
        statement = statement.where(_after(keys, after, descending=descending))
    order = [key.desc() for key in keys] if descending else list(keys)
    rows = list(db.scalars(statement.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_value(last, key) for key in keys])
    return Page(rows, next_cursor)


def _value(row: Any, key: InstrumentedAttribute[Any]) -> Any:
    value = getattr(row, key.key)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _after(
    keys: Sequence[InstrumentedAttribute[Any]], values: list[Any], *, descending: bool = False
) -> Any:
    """(k1, k2) > (v1, v2) as a row-value comparison, which both databases serve from an
    index on (k1, k2) as one range scan, however deep the page."""
    pairs = zip(keys, values, strict=True)
    bound = [literal(_coerce(key, value), key.type) for key, value in pairs]
    if len(keys) == 1:
        return keys[0] < bound[0] if descending else keys[0] > bound[0]
    left, right = tuple_(*keys), tuple_(*bound)
    return left < right if descending else left > right


def _coerce(key: InstrumentedAttribute[Any], value: Any) -> Any:
    try:
        python_type = key.type.python_type
    except NotImplementedError:  # a type that does not say: pass the value through
        return value
    if isinstance(value, str) and python_type is not str:
        try:
            if hasattr(python_type, "fromisoformat"):
                value = python_type.fromisoformat(value)
            else:
                value = python_type(value)
        except (TypeError, ValueError) as error:
            raise Invalid("is not a cursor this server issued", "cursor") from error
    if not isinstance(value, python_type) or (isinstance(value, datetime) and not value.tzinfo):
        raise Invalid("is not a cursor this server issued", "cursor")
    return value


COUNT_CAP = 1000


class Count(int):
    """A count that stops at a cap, so a list's "N records" costs the same at any size.

    It is an ``int`` (compare and do arithmetic as usual); ``capped`` says the true number
    is larger, and it prints as "1,000+" then.
    """

    capped: bool

    def __new__(cls, value: int, *, capped: bool = False) -> "Count":
        made = super().__new__(cls, value)
        made.capped = capped
        return made

    def __str__(self) -> str:
        return f"{int(self):,}+" if self.capped else f"{int(self):,}"


def capped_count(db: Session, statement: Select[Any], *, cap: int = COUNT_CAP) -> Count:
    """How many rows ``statement`` selects, counting no further than ``cap``."""
    limited = statement.order_by(None).limit(cap + 1).subquery()
    found = db.scalar(select(func.count()).select_from(limited)) or 0
    return Count(min(found, cap), capped=found > cap)
