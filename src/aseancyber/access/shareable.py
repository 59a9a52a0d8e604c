"""The toolkit every domain uses for its shareable records: find one a reader may see,
count what they may see, check a label change and a named audience, and find who may be
told about a record.

The rules themselves live in :mod:`aseancyber.access.policy` (who may see what) and
:mod:`aseancyber.access.rules` (who may change what); these helpers only apply them the same
way everywhere, so a domain's service says *what* it does with a record and never re-derives
*who* may see it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from aseancyber.access.models import Organisation, User
from aseancyber.access.policy import (
    Actor,
    Audience,
    LabelChangeRefused,
    Reader,
    Shareable,
    Tlp,
    audience_of,
    check_label_change,
    set_audience,
    visible_to,
)
from aseancyber.access.service import actor_for
from aseancyber.errors import Conflict, FieldProblem, Invalid, NotFound

T = TypeVar("T", bound=Shareable)

ORGANISATIONS = "audience_organisation_ids"
USERS = "audience_user_ids"
EMAILS = "audience_user_emails"
AUDIENCE_FIELDS = frozenset({ORGANISATIONS, USERS, EMAILS})
"""The names a schema gives the named audience of a record."""

LONGEST_ID = 64
"""No record id is longer: a longer one (or one with a NUL) is not looked up at all."""


# --- reading -----------------------------------------------------------------------------------


def get_visible(db: Session, reader: Reader, model: type[T], record_id: str, *, what: str) -> T:
    """The ``model`` row ``record_id`` if ``reader`` may see it; :class:`NotFound` otherwise,
    the same answer for a record that does not exist and one the reader may not see."""
    record = None
    if len(record_id) <= LONGEST_ID and "\x00" not in record_id:
        record = db.scalar(select(model).where(model.id == record_id, visible_to(reader, model)))
    if record is None:
        raise NotFound(what)
    return record


def count_rows(db: Session, statement: Select[Any]) -> int:
    """How many rows ``statement`` (already filtered to what a reader may see) returns."""
    return db.scalar(select(func.count()).select_from(statement.subquery())) or 0


Visibility = Callable[[Reader], ColumnElement[bool]]


def readers_of(
    db: Session,
    record: Shareable,
    candidates: Iterable[str | None],
    *,
    visible: Visibility | None = None,
    skip: str | None = None,
) -> list[str]:
    """Those of ``candidates`` (user ids) who are active and may see ``record``, asked of the
    same SQL filter that pages use (``visible``, by default the policy's filter for the
    record's model; a domain whose exit paths add a condition, such as sharing's readable
    collections, passes its own). Never ``skip`` (the actor). Sorted user ids."""
    return readers_of_any(db, [record], candidates, visible=visible, skip=skip)


def readers_of_any(
    db: Session,
    records: Sequence[Shareable],
    candidates: Iterable[str | None],
    *,
    visible: Visibility | None = None,
    skip: str | None = None,
) -> list[str]:
    """Those of ``candidates`` who may see at least one of ``records`` (all of one model):
    one query a candidate, however many records."""
    wanted = sorted({user_id for user_id in candidates if user_id and user_id != skip})
    if not wanted or not records:
        return []
    model = type(records[0])
    ids = sorted({record.id for record in records})
    users = db.scalars(select(User).where(User.id.in_(wanted), User.is_active.is_(True))).all()
    allowed = []
    for user in users:
        reader = actor_for(user)
        condition = visible(reader) if visible is not None else visible_to(reader, model)
        seen = select(model.id).where(model.id.in_(ids), condition).limit(1)
        if db.scalar(seen) is not None:
            allowed.append(user.id)
    return sorted(allowed)


def members_of(db: Session, organisation_ids: Iterable[str]) -> list[str]:
    """The active users of the given organisations (candidates for :func:`readers_of`)."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return []
    statement = select(User.id).where(User.organisation_id.in_(wanted), User.is_active.is_(True))
    return sorted(db.scalars(statement))


@dataclass(frozen=True)
class NamedAudience:
    """The organisations and people a record names, to show them (each sorted by id)."""

    organisations: list[Organisation]
    users: list[User]


def named_audience(db: Session, record: Shareable) -> NamedAudience:
    """Who ``record``'s audience names, as rows; names that no longer exist are left out."""
    audience = audience_of(db, record)
    organisations = db.scalars(
        select(Organisation)
        .where(Organisation.id.in_(sorted(audience.organisation_ids)))
        .order_by(Organisation.id)
    )
    users = db.scalars(select(User).where(User.id.in_(sorted(audience.user_ids))).order_by(User.id))
    return NamedAudience(list(organisations), list(users))


# --- writing -----------------------------------------------------------------------------------


def require_version(record: Any, version: int, *, what: str) -> None:
    """Refuse an edit made on a stale copy (optimistic locking on ``record.version``)."""
    if version != record.version:
        raise Conflict(
            f"someone else changed this {what} since you loaded it (you loaded version "
            f"{version}, it is now version {record.version}); reload and apply your change again"
        )


def check_relabel(actor: Actor, record: Shareable, label: Tlp | None) -> None:
    """A new label must be given, and only the owner organisation may lower one."""
    if label is None:
        raise Invalid("may not be empty", "tlp")
    try:
        check_label_change(actor, record, label)
    except LabelChangeRefused as error:
        raise Invalid(str(error), "tlp") from error


def resolve_audience(
    db: Session,
    *,
    organisation_ids: Iterable[str] = (),
    user_ids: Iterable[str] = (),
    user_emails: Iterable[str] = (),
) -> Audience:
    """The named audience, every organisation and user checked to exist (people may also be
    named by e-mail); one :class:`Invalid` lists every unknown name."""
    problems = []
    organisations = set(organisation_ids)
    if organisations:
        found = set(db.scalars(select(Organisation.id).where(Organisation.id.in_(organisations))))
        if found != organisations:
            problems.append(FieldProblem(ORGANISATIONS, "names an unknown organisation"))
    users = set(user_ids)
    if users:
        found = set(db.scalars(select(User.id).where(User.id.in_(users))))
        if found != users:
            problems.append(FieldProblem(USERS, "names an unknown user"))
    emails = {str(email).strip().lower() for email in user_emails}
    if emails:
        statement = select(User.email, User.id).where(User.email.in_(emails))
        rows: dict[str, str] = dict(db.execute(statement).tuples().all())
        missing = sorted(emails - set(rows))
        if missing:
            problems.append(FieldProblem(EMAILS, f"no user has the e-mail {', '.join(missing)}"))
        users |= set(rows.values())
    if problems:
        raise Invalid(problems)
    return Audience(organisation_ids=frozenset(organisations), user_ids=frozenset(users))


def require_named(
    label: Tlp,
    audience: Audience,
    *,
    field: str = ORGANISATIONS,
    recipients: str = "at least one named recipient (an organisation or a user)",
) -> None:
    """TLP:RED is for named recipients: refuse it without any (``recipients`` says what a
    record of the domain names, ``field`` where its form names them)."""
    if label.needs_audience and not audience.organisation_ids and not audience.user_ids:
        raise Invalid(f"TLP:RED needs {recipients}", field)


def audience_for_create(db: Session, data: Any) -> Audience:
    """The checked audience a create schema names, valid for its label."""
    audience = resolve_audience(
        db,
        organisation_ids=getattr(data, ORGANISATIONS, None) or (),
        user_ids=getattr(data, USERS, None) or (),
        user_emails=getattr(data, EMAILS, None) or (),
    )
    require_named(data.tlp, audience)
    return audience


def audience_for_update(
    db: Session, record: Shareable, changes: dict[str, Any]
) -> tuple[Audience, bool]:
    """The audience ``record`` will have after ``changes`` (an update schema's fields, from
    which the audience fields are taken out): each part not given stays as it is. Checked,
    and valid for the label the record will have. Also says whether the audience was given."""
    given = {name: changes.pop(name) for name in AUDIENCE_FIELDS & set(changes)}
    current = audience_of(db, record)
    organisations = given.get(ORGANISATIONS)
    users = given.get(USERS)
    if users is None and given.get(EMAILS) is None:
        users = sorted(current.user_ids)
    audience = resolve_audience(
        db,
        organisation_ids=sorted(current.organisation_ids)
        if organisations is None
        else organisations,
        user_ids=users or (),
        user_emails=given.get(EMAILS) or (),
    )
    require_named(changes.get("tlp") or record.tlp, audience)
    return audience, bool(given)


def share_with(db: Session, record: Shareable, audience: Audience) -> None:
    """Replace the named audience of ``record``."""
    set_audience(db, record, organisation_ids=audience.organisation_ids, user_ids=audience.user_ids)
