"""Collections, sharing groups and grants: who may read and write where.

A reader sees an object in a collection when the collection grants them read access AND
the object's own label and audience let them see it (``visible_to``); there is no second
mechanism. A collection the reader may not read is NotFound, never Forbidden.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, insert, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Actor, Reader, Tlp
from aseancyber.access.rules import Action, Scope, may, writable_by
from aseancyber.community.service import has_nul
from aseancyber.db import new_id, utcnow
from aseancyber.errors import Forbidden, Invalid, NotFound
from aseancyber.sharing import stix
from aseancyber.sharing.models import (
    STIX_OBJECT_TABLE,
    Collection,
    CollectionGrant,
    CollectionKind,
    SharingGroup,
    SharingGroupMember,
)

# --- sharing groups ----------------------------------------------------------------------------


def create_sharing_group(
    db: Session, *, actor: Actor, name: str, organisation_ids: Iterable[str], description: str = ""
) -> SharingGroup:
    """A named set of organisations, owned by the actor's organisation (always a member)."""
    if not may(actor, Action.CREATE, SharingGroup):
        raise Forbidden("creating sharing groups needs the coordinator role")
    members = set(organisation_ids) | {actor.organisation_id}
    found = set(db.scalars(select(Organisation.id).where(Organisation.id.in_(members))))
    if found != members:
        raise Invalid("names an unknown organisation", "organisation_ids")
    group = SharingGroup(
        name=name.strip(), description=description, owner_organisation_id=actor.organisation_id
    )
    db.add(group)
    db.flush()
    for organisation_id in sorted(members):
        db.add(SharingGroupMember(sharing_group_id=group.id, organisation_id=organisation_id))
    db.flush()
    return group


def group_member_ids(db: Session, *, sharing_group_id: str) -> list[str]:
    """The organisations in a sharing group."""
    return list(
        db.scalars(
            select(SharingGroupMember.organisation_id).where(
                SharingGroupMember.sharing_group_id == sharing_group_id
            )
        )
    )


# --- collections -------------------------------------------------------------------------------


def _granted(reader: Actor, column: InstrumentedAttribute[bool]) -> ColumnElement[bool]:
    in_group = select(SharingGroupMember.sharing_group_id).where(
        SharingGroupMember.organisation_id == reader.organisation_id
    )
    return exists(
        select(CollectionGrant.id).where(
            CollectionGrant.collection_id == Collection.id,
            column.is_(true()),
            or_(
                CollectionGrant.organisation_id == reader.organisation_id,
                CollectionGrant.sharing_group_id.in_(in_group),
            ),
        )
    )


def _member_by_kind(reader: Actor) -> ColumnElement[bool]:
    in_group = select(SharingGroupMember.sharing_group_id).where(
        SharingGroupMember.organisation_id == reader.organisation_id
    )
    return or_(
        Collection.owner_organisation_id == reader.organisation_id,
        and_(
            Collection.kind == CollectionKind.REGIONAL, true() if reader.is_community else false()
        ),
        and_(
            Collection.kind == CollectionKind.STATE,
            Collection.member_state_id == reader.member_state_id
            if reader.member_state_id
            else false(),
        ),
        and_(
            Collection.kind == CollectionKind.SHARING_GROUP,
            Collection.sharing_group_id.in_(in_group),
        ),
    )


def readable(reader: Reader) -> ColumnElement[bool]:
    """The SQL condition selecting the collections ``reader`` may read."""
    if reader is None:
        return Collection.public_read.is_(true())
    return or_(
        Collection.public_read.is_(true()),
        _member_by_kind(reader),
        _granted(reader, CollectionGrant.can_read),
    )


def writable(actor: Reader) -> ColumnElement[bool]:
    """The SQL condition selecting the collections ``actor`` may add objects to (none for a
    read-only API token, whatever the user's roles): the write rules, with membership."""
    if actor is None:
        return false()
    member = or_(_member_by_kind(actor), _granted(actor, CollectionGrant.can_write))
    return writable_by(actor, Action.ADD_OBJECTS, Collection, standing={Scope.MEMBER: member})


def list_collections(db: Session, *, reader: Reader) -> list[Collection]:
    """The collections ``reader`` may read, sorted by id (as TAXII asks)."""
    return list(db.scalars(select(Collection).where(readable(reader)).order_by(Collection.id)))


def get_collection_or_404(db: Session, *, reader: Reader, collection_id: str) -> Collection:
    """The collection, if ``reader`` may read it."""
    found = None
    if not has_nul(collection_id):
        found = db.scalar(
            select(Collection).where(Collection.id == collection_id, readable(reader))
        )
    if found is None:
        raise NotFound("collection")
    return found


def can_write(db: Session, *, actor: Reader, collection: Collection) -> bool:
    """Whether ``actor`` may add objects to ``collection``."""
    return bool(
        db.scalar(select(Collection.id).where(Collection.id == collection.id, writable(actor)))
    )


def writable_collections(db: Session, *, actor: Reader) -> list[Collection]:
    """The collections ``actor`` may add objects to."""
    return list(
        db.scalars(
            select(Collection).where(readable(actor), writable(actor)).order_by(Collection.title)
        )
    )


def create_collection(
    db: Session,
    *,
    actor: Actor,
    title: str,
    kind: CollectionKind,
    default_tlp: Tlp = Tlp.AMBER,
    description: str = "",
    member_state_id: str | None = None,
    sharing_group_id: str | None = None,
    public_read: bool = False,
    grants: Iterable[tuple[str | None, str | None, bool, bool]] = (),
) -> Collection:
    """A new collection owned by the actor's organisation, with the TLP marking definitions."""
    if not may(actor, Action.CREATE, Collection):
        raise Forbidden("creating collections needs the coordinator role")
    if kind is CollectionKind.STATE:
        member_state_id = member_state_id or actor.member_state_id
        if member_state_id is None:
            raise Invalid("a state collection needs a member state", "member_state_id")
    if kind is CollectionKind.SHARING_GROUP and sharing_group_id is None:
        raise Invalid("a sharing-group collection needs a sharing group", "sharing_group_id")
    collection = Collection(
        title=title.strip(),
        kind=kind,
        default_tlp=default_tlp,
        description=description,
        owner_organisation_id=actor.organisation_id,
        member_state_id=member_state_id,
        sharing_group_id=sharing_group_id,
        public_read=public_read,
    )
    db.add(collection)
    db.flush()
    grants = list(grants)
    _check_grantees(db, grants, sharing_group_id)
    for organisation_id, group_id, read, write in grants:
        db.add(
            CollectionGrant(
                collection_id=collection.id,
                organisation_id=organisation_id,
                sharing_group_id=group_id,
                can_read=read,
                can_write=write,
            )
        )
    add_tlp_definitions(db, collection=collection, owner_organisation_id=actor.organisation_id)
    return collection


def _check_grantees(
    db: Session,
    grants: list[tuple[str | None, str | None, bool, bool]],
    sharing_group_id: str | None,
) -> None:
    organisations = {org for org, _, _, _ in grants if org is not None}
    groups = {group for _, group, _, _ in grants if group is not None}
    if sharing_group_id is not None:
        groups.add(sharing_group_id)
    if any((org is None) == (group is None) for org, group, _, _ in grants):
        raise Invalid("each grant names one organisation or one sharing group", "grants")
    known_orgs = set(db.scalars(select(Organisation.id).where(Organisation.id.in_(organisations))))
    known_groups = set(db.scalars(select(SharingGroup.id).where(SharingGroup.id.in_(groups))))
    if known_orgs != organisations or known_groups != groups:
        raise Invalid("names an unknown organisation or sharing group", "grants")


def add_tlp_definitions(db: Session, *, collection: Collection, owner_organisation_id: str) -> None:
    """Store the five TLP 2.0 marking definitions (TLP:CLEAR) in a new collection."""
    from aseancyber.sharing.ingest import next_added  # noqa: PLC0415 - avoids an import cycle

    rows = []
    for definition in stix.tlp_marking_definitions():
        created = stix.parse_timestamp(definition["created"], "created")
        added = next_added(collection, utcnow())
        rows.append(
            {
                "id": new_id(),
                "collection_id": collection.id,
                "stix_id": definition["id"],
                "type": "marking-definition",
                "spec_version": "2.1",
                "created": created,
                "modified": None,
                "version_at": created,
                "date_added": added,
                "name": definition["name"],
                "search_text": definition["name"],
                "body": stix.dumps(definition),
                "tlp": Tlp.CLEAR,
                "owner_organisation_id": owner_organisation_id,
                "created_by_id": None,
                "green_includes_external": False,
            }
        )
    db.connection().execute(insert(STIX_OBJECT_TABLE), rows)
    db.flush()


def organisation_for_identity(db: Session) -> dict[str, str]:
    """Each organisation's STIX identity id, mapped to the organisation id."""
    return {stix.identity_id_for(org_id): org_id for org_id in db.scalars(select(Organisation.id))}


def describe_time(value: datetime | None) -> str:
    return stix.format_timestamp(value) if value is not None else ""
