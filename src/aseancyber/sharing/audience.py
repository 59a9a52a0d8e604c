"""Who will see (or sees) a shared object, in words: organisations, named people, partners.

Nothing here decides visibility: each organisation and each named person is asked of the
policy (:func:`aseancyber.access.policy.can_see` on the record and its audience, and the
collection's read grant through :func:`aseancyber.sharing.service.readable`), exactly as a
reader from there would be. The share form shows the answer before anything is stored
(for a record not yet written, with the audience ingest would give it); the object page
shows it for the stored version.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import exists, literal, select, union_all
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import (
    Actor,
    Audience,
    Tlp,
    audience_of,
    can_see,
    organisation_reader,
)
from aseancyber.access.service import actor_for
from aseancyber.sharing import ingest_rules, service
from aseancyber.sharing.models import Collection, CollectionKind, StixObject


@dataclass(frozen=True)
class AudienceView:
    """Who may see one record: the organisations whose members all may, the people named
    outside those organisations, and a one-line summary in words."""

    label: Tlp
    public: bool
    community_organisations: list[Organisation]
    external_organisations: list[Organisation]
    people: list[User]
    all_community: bool
    summary: str
    # Named in the audience but left out by the policy (e.g. they may not read the collection).
    unreachable: list[str]

    @property
    def organisation_count(self) -> int:
        return len(self.community_organisations) + len(self.external_organisations)


def _organisation_reader(organisation: Organisation) -> Actor:
    return organisation_reader(
        organisation.id,
        member_state_id=organisation.member_state_id,
        is_community=organisation.is_community,
    )


READERS_PER_QUERY = 200  # compound SELECTs per statement (SQLite allows 500)


def _collection_readers(db: Session, readers: list[Actor], collection: Collection) -> set[str]:
    """The user ids of ``readers`` who may read ``collection``: one round trip per chunk,
    each reader asked through :func:`aseancyber.sharing.service.readable`."""
    found: set[str] = set()
    for start in range(0, len(readers), READERS_PER_QUERY):
        chunk = readers[start : start + READERS_PER_QUERY]
        statements = [
            select(literal(reader.user_id)).where(
                exists(
                    select(Collection.id).where(
                        Collection.id == collection.id, service.readable(reader)
                    )
                )
            )
            for reader in chunk
        ]
        found.update(str(user_id) for user_id in db.scalars(union_all(*statements)))
    return found


def describe(
    db: Session, *, record: StixObject, audience: Audience, collection: Collection
) -> AudienceView:
    """Who may see ``record`` (stored or not yet) with ``audience`` in ``collection``."""
    organisations = list(db.scalars(select(Organisation).order_by(Organisation.name)))
    community: list[Organisation] = []
    external: list[Organisation] = []
    seeing: set[str] = set()
    allowed = {
        organisation.id: _organisation_reader(organisation)
        for organisation in organisations
        if can_see(_organisation_reader(organisation), record, audience)
    }
    reading = _collection_readers(db, list(allowed.values()), collection)
    for organisation in organisations:
        if organisation.id in allowed and allowed[organisation.id].user_id in reading:
            (community if organisation.is_community else external).append(organisation)
            seeing.add(organisation.id)
    candidates = set(audience.user_ids)
    if record.created_by_id is not None:
        candidates.add(record.created_by_id)
    named = {
        user.id: (user, actor_for(user))
        for user in db.scalars(select(User).where(User.id.in_(candidates)).order_by(User.email))
        if user.organisation_id not in seeing and user.is_active
    }
    named_readers = [reader for _, reader in named.values() if can_see(reader, record, audience)]
    reading_people = _collection_readers(db, named_readers, collection)
    people = [user for user_id, (user, _) in named.items() if user_id in reading_people]
    all_community = bool(community) and len(community) == sum(
        1 for o in organisations if o.is_community
    )
    public = record.tlp is Tlp.CLEAR and collection.public_read
    shown_people = {user.id for user in people}
    unreachable = [
        o.name for o in organisations if o.id in audience.organisation_ids and o.id not in seeing
    ]
    unreachable += [
        user.display_name
        for user in db.scalars(select(User).where(User.id.in_(audience.user_ids)))
        if user.id not in shown_people and user.organisation_id not in seeing
    ]
    view = AudienceView(
        label=record.tlp,
        public=public,
        community_organisations=community,
        external_organisations=external,
        people=people,
        all_community=all_community,
        summary="",
        unreachable=sorted(unreachable),
    )
    return replace(view, summary=_summary(view))


def _names(items: Iterable[str], limit: int = 4) -> str:
    names = list(items)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _summary(view: AudienceView) -> str:
    if view.public:
        return "Anyone, including visitors of the public pages who are not signed in."
    parts = []
    if view.all_community:
        parts.append(
            "all member states' government organisations (CERTs, agencies) and the Secretariat"
        )
    elif view.community_organisations:
        parts.append(_names(o.name for o in view.community_organisations))
    if view.external_organisations:
        parts.append("external parties: " + _names(o.name for o in view.external_organisations))
    if view.people:
        parts.append("named people: " + _names(f"{u.display_name}" for u in view.people))
    if not parts:
        return "Nobody but you."
    text = "; ".join(parts)
    if not view.external_organisations and not view.public:
        text += ". No dialogue partner or other external party"
    return text[0].upper() + text[1:] + "."


def for_stored(db: Session, *, version: StixObject) -> AudienceView:
    """Who may see one stored version."""
    return describe(
        db, record=version, audience=audience_of(db, version), collection=version.collection
    )


def for_new(
    db: Session,
    *,
    actor: Actor,
    collection: Collection,
    label: Tlp,
    organisation_ids: Iterable[str] = (),
    user_ids: Iterable[str] = (),
    green_includes_external: bool = False,
) -> AudienceView:
    """Who would see an object ``actor`` shares now in ``collection`` with this label and
    named audience (the audience rows are those ingest would write)."""
    group: frozenset[str] = frozenset()
    if collection.kind is CollectionKind.SHARING_GROUP and collection.sharing_group_id:
        group = frozenset(
            service.group_member_ids(db, sharing_group_id=collection.sharing_group_id)
        )
    rows = ingest_rules.audience_rows(
        "preview",
        label=label,
        organisation_ids=frozenset(organisation_ids),
        user_ids=frozenset(user_ids),
        group_organisation_ids=group,
    )
    audience = Audience(
        organisation_ids=frozenset(r["organisation_id"] for r in rows if r["organisation_id"]),
        user_ids=frozenset(r["user_id"] for r in rows if r["user_id"]),
    )
    record = StixObject(
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
        tlp=label,
        green_includes_external=green_includes_external,
        collection_id=collection.id,
    )
    return describe(db, record=record, audience=audience, collection=collection)
