"""Reading stored STIX objects: TAXII selections, REST and page listings, one object.

Every query starts from :func:`_visible`: the collection's read grant AND
``visible_to(reader, StixObject)``. ``match[version]`` values ``first`` and ``last`` are
decided among the versions the reader may see, so a hidden newer version never shows
through as the absence of an older one.
"""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.policy import Actor, Reader, Tlp, set_audience, visible_to
from aseancyber.access.rules import Action, may
from aseancyber.community.service import has_nul, like_pattern
from aseancyber.errors import Forbidden, Invalid, NotFound
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection, StixObject
from aseancyber.sharing.service import can_write, readable

MAX_PAGE = 1000
MAX_MATCH_VALUES = 100


@dataclass(frozen=True)
class Selection:
    """The TAXII filters: ``added_after`` and ``match[...]`` (comma lists mean OR)."""

    added_after: datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()


# Aliases for subqueries over other rows of the same table, made once: an alias built per
# request cost a single-object lookup more than its query.
_OTHER_VERSION = aliased(StixObject, name="other_version")
_BY_ID = aliased(StixObject, name="by_id")


def _split(value: str | None, name: str) -> tuple[str, ...]:
    if not value:
        return ()
    parts = tuple(part.strip() for part in value.split(",") if part.strip())
    if len(parts) > MAX_MATCH_VALUES:
        raise Invalid(f"at most {MAX_MATCH_VALUES} values", name)
    return parts


def parse_selection(
    *,
    added_after: str | None = None,
    match_id: str | None = None,
    match_type: str | None = None,
    match_version: str | None = None,
    match_spec_version: str | None = None,
    default_version: str = "last",
) -> Selection:
    """TAXII filter parameters, checked: bad timestamps and versions name the parameter."""
    try:
        after = stix.parse_timestamp(added_after, "added_after") if added_after else None
    except stix.StixProblem:
        raise Invalid(
            "must be an RFC 3339 timestamp in UTC, e.g. 2026-01-01T00:00:00.000Z", "added_after"
        ) from None
    versions = _split(match_version, "match[version]") or (default_version,)
    for version in versions:
        if version not in {"first", "last", "all"}:
            try:
                stix.parse_timestamp(version, "match[version]")
            except stix.StixProblem as error:
                raise Invalid("must be first, last, all or timestamps", "match[version]") from error
    return Selection(
        added_after=after,
        ids=_split(match_id, "match[id]"),
        types=_split(match_type, "match[type]"),
        versions=versions,
        spec_versions=_split(match_spec_version, "match[spec_version]"),
    )


def _same_object_for(reader: Reader) -> ColumnElement[bool]:
    """``_OTHER_VERSION`` is a version of the same object in the same collection that
    ``reader`` may see."""
    return and_(
        _OTHER_VERSION.collection_id == StixObject.collection_id,
        _OTHER_VERSION.stix_id == StixObject.stix_id,
        visible_to(reader, _OTHER_VERSION),
    )


def latest_version(reader: Reader) -> ColumnElement[bool]:
    """No later version of the same object in the same collection is visible to ``reader``."""
    other = _OTHER_VERSION
    return ~exists(
        select(other.id).where(_same_object_for(reader), other.version_at > StixObject.version_at)
    )


def _version_condition(reader: Reader, versions: Sequence[str]) -> ColumnElement[bool] | None:
    if "all" in versions:
        return None
    clauses: list[ColumnElement[bool]] = []
    other = _OTHER_VERSION
    if "last" in versions:
        clauses.append(latest_version(reader))
    if "first" in versions:
        clauses.append(
            ~exists(
                select(other.id).where(
                    _same_object_for(reader), other.version_at < StixObject.version_at
                )
            )
        )
    moments = [
        stix.parse_timestamp(v, "match[version]") for v in versions if v not in ("first", "last")
    ]
    if moments:
        clauses.append(StixObject.version_at.in_(moments))
    return or_(*clauses)


def visible_in(reader: Reader, collection_id: str | None = None) -> ColumnElement[bool]:
    """Objects of a readable collection that ``reader`` may see (one collection or all)."""
    in_collection = (
        StixObject.collection_id == collection_id
        if collection_id is not None
        else StixObject.collection_id.in_(select(Collection.id).where(readable(reader)))
    )
    return and_(in_collection, visible_to(reader, StixObject))


def taxii_conditions(
    reader: Reader, collection_id: str, selection: Selection
) -> list[ColumnElement[bool]]:
    if selection.ids:
        # Few rows match: find them through the (collection, STIX id) index. Comparing
        # ``collection_id || ''`` outside keeps planners (SQLite's above all) from walking
        # the whole collection in date order just to skip the sort of a handful of rows.
        conditions = [
            StixObject.collection_id.concat("") == collection_id,
            StixObject.id.in_(
                select(_BY_ID.id).where(
                    _BY_ID.collection_id == collection_id, _BY_ID.stix_id.in_(selection.ids)
                )
            ),
            visible_to(reader, StixObject),
        ]
    else:
        conditions = [visible_in(reader, collection_id)]
    if selection.added_after is not None:
        conditions.append(StixObject.date_added > selection.added_after)
    if selection.types:
        conditions.append(StixObject.type.in_(selection.types))
    if selection.spec_versions:
        conditions.append(StixObject.spec_version.in_(selection.spec_versions))
    version = _version_condition(reader, selection.versions)
    if version is not None:
        conditions.append(version)
    return conditions


# --- stateless cursors -------------------------------------------------------------------------


def encode_next(date_added: datetime, record_id: str) -> str:
    """A ``next`` token: the last row's (date_added, id); any worker can continue from it."""
    raw = orjson.dumps([stix.format_timestamp(date_added), record_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_next(token: str) -> tuple[datetime, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = stix.parse_timestamp(values[0], "next")
        record_id = values[1]
    except (ValueError, TypeError, IndexError, KeyError, orjson.JSONDecodeError, stix.StixProblem):
        raise Invalid("is not a next token this server issued", "next") from None
    if not isinstance(record_id, str) or len(record_id) > 36:
        raise Invalid("is not a next token this server issued", "next")
    return moment, record_id


@dataclass(frozen=True)
class Row:
    record_id: str
    stix_id: str
    date_added: datetime
    version_at: datetime
    spec_version: str
    body: str


@dataclass(frozen=True)
class TaxiiPage:
    rows: list[Row]
    more: bool
    next: str | None


def taxii_page(
    db: Session,
    *,
    reader: Reader,
    collection_id: str,
    selection: Selection,
    limit: int,
    next_token: str | None,
    with_body: bool = True,
) -> TaxiiPage:
    """One page in ascending (date_added, id), as a range scan on the collection's index; at
    most ``MAX_PAGE`` rows whatever ``limit`` asks."""
    columns = [
        StixObject.id,
        StixObject.stix_id,
        StixObject.date_added,
        StixObject.version_at,
        StixObject.spec_version,
    ]
    statement: Select[Any] = select(
        *columns, StixObject.body if with_body else StixObject.type
    ).where(*taxii_conditions(reader, collection_id, selection))
    if next_token:
        moment, record_id = decode_next(next_token)
        statement = statement.where(
            or_(
                StixObject.date_added > moment,
                and_(StixObject.date_added == moment, StixObject.id > record_id),
            )
        )
    limit = min(limit, MAX_PAGE)
    statement = statement.order_by(StixObject.date_added, StixObject.id).limit(limit + 1)
    rows = [Row(*row) for row in db.execute(statement).tuples()]
    more = len(rows) > limit
    rows = rows[:limit]
    token = encode_next(rows[-1].date_added, rows[-1].record_id) if more and rows else None
    return TaxiiPage(rows, more, token)


def delete_versions(
    db: Session, *, actor: Actor, collection: Collection, selection: Selection
) -> int:
    """Delete the versions ``selection`` picks in ``collection`` that ``actor`` may see: 404
    when there are none, 403 unless the actor may write in the collection and every one of
    them is their organisation's or their own. Returns how many went."""
    rows = list(
        db.scalars(select(StixObject).where(*taxii_conditions(actor, collection.id, selection)))
    )
    if not rows:
        raise NotFound("object")
    if not can_write(db, actor=actor, collection=collection) or any(
        not may(actor, Action.DELETE, row) for row in rows
    ):
        raise Forbidden(
            "only writers of this collection may delete their own organisation's objects"
        )
    for row in rows:
        set_audience(db, row)  # its named audience goes with it
        db.delete(row)
    db.flush()
    return len(rows)


# --- REST and pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectFilters:
    collection_id: str | None = None
    type: str | None = None
    tlp: Tlp | None = None
    owner: str | None = None
    state: str | None = None
    added_after: datetime | None = None
    q: str | None = None


def parse_filters(
    *,
    collection: str | None = None,
    type: str | None = None,
    tlp: str | None = None,
    owner: str | None = None,
    state: str | None = None,
    added_after: str | None = None,
    q: str | None = None,
) -> ObjectFilters:
    """Filters from query-string text: empty means any; bad values name the field."""
    from aseancyber.community.documents_service import parse_tlp  # noqa: PLC0415

    for name, value in (
        ("collection", collection),
        ("type", type),
        ("tlp", tlp),
        ("owner", owner),
        ("state", state),
        ("added_after", added_after),
        ("q", q),
    ):
        if has_nul(value):
            raise Invalid("may not contain NUL characters", name)
    after = None
    if added_after:
        try:
            after = datetime.fromisoformat(added_after.strip().replace("Z", "+00:00"))
        except ValueError as error:
            raise Invalid("must be a date or a date and time", "added_after") from error
        if after.tzinfo is None:
            after = after.replace(tzinfo=UTC)
    return ObjectFilters(
        collection_id=(collection or "").strip() or None,
        type=(type or "").strip() or None,
        tlp=parse_tlp(tlp) if tlp else None,
        owner=(owner or "").strip() or None,
        state=(state or "").strip().upper() or None,
        added_after=after,
        q=(q or "").strip()[:200] or None,
    )


def visible_objects(reader: Reader, filters: ObjectFilters) -> Select[tuple[StixObject]]:
    """The latest visible version of each object, matching ``filters``."""
    statement = select(StixObject).where(visible_in(reader, filters.collection_id))
    latest = _version_condition(reader, ("last",))
    assert latest is not None
    statement = statement.where(latest)
    if filters.type:
        statement = statement.where(StixObject.type == filters.type)
    if filters.tlp is not None:
        statement = statement.where(StixObject.tlp == filters.tlp)
    if filters.owner:
        statement = statement.where(StixObject.owner_organisation_id == filters.owner)
    if filters.state:
        statement = statement.where(
            StixObject.owner_organisation_id.in_(
                select(Organisation.id)
                .join(MemberState, Organisation.member_state_id == MemberState.id)
                .where(MemberState.iso2 == filters.state)
            )
        )
    if filters.added_after is not None:
        statement = statement.where(StixObject.date_added > filters.added_after)
    if filters.q:
        pattern = like_pattern(filters.q)
        statement = statement.where(StixObject.search_text.ilike(pattern, escape="\\"))
    return statement


def get_version_or_404(db: Session, *, reader: Reader, ref: str) -> StixObject:
    """One stored version by its record id, or the latest visible version of a STIX id."""
    found = None
    if not has_nul(ref) and len(ref) <= 300:
        statement = select(StixObject).where(visible_in(reader))
        if "--" in ref:
            found = db.scalar(
                statement.where(StixObject.stix_id == ref)
                .order_by(StixObject.version_at.desc(), StixObject.date_added.desc())
                .limit(1)
            )
        else:
            found = db.scalar(statement.where(StixObject.id == ref))
    if found is None:
        raise NotFound("object")
    return found


def rows_by_id(db: Session, *, reader: Reader, record_ids: Sequence[str]) -> list[StixObject]:
    """The stored versions with these record ids that ``reader`` may see, in that order."""
    if not record_ids:
        return []
    found = {
        row.id: row
        for row in db.scalars(
            select(StixObject).where(StixObject.id.in_(list(record_ids)), visible_in(reader))
        )
    }
    return [found[record_id] for record_id in record_ids if record_id in found]


def versions_of(db: Session, *, reader: Reader, version: StixObject) -> list[StixObject]:
    """Every visible version of the same object in the same collection, oldest first."""
    return list(
        db.scalars(
            select(StixObject)
            .where(
                visible_in(reader, version.collection_id),
                StixObject.stix_id == version.stix_id,
            )
            .order_by(StixObject.version_at)
        )
    )


def related(
    db: Session, *, reader: Reader, version: StixObject, limit: int = 200
) -> list[StixObject]:
    """Visible relationships and sightings that point at or from the object, both ways."""
    latest = _version_condition(reader, ("last",))
    assert latest is not None
    stix_id = version.stix_id
    return list(
        db.scalars(
            select(StixObject)
            .where(
                visible_in(reader),
                # The ref columns are filled at ingest (and by migration 0016) and indexed.
                or_(
                    StixObject.source_ref == stix_id,
                    StixObject.target_ref == stix_id,
                    StixObject.sighting_of_ref == stix_id,
                ),
                latest,
            )
            .order_by(StixObject.date_added.desc())
            .limit(limit)
        )
    )


def claimed_author(obj: dict[str, Any], version: StixObject) -> str | None:
    """The object's ``created_by_ref`` when it is not the identity of the organisation that
    shared it: a claim of authorship the platform has not verified (``None`` otherwise)."""
    claimed = obj.get("created_by_ref")
    if not isinstance(claimed, str) or claimed == stix.identity_id_for(
        version.owner_organisation_id
    ):
        return None
    return claimed


def parsed(version: StixObject) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(version.body)
    return value
