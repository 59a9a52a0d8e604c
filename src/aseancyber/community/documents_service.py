"""National documents: list, read, share, edit, delete and export, always through the policy.

Every query starts from :func:`_visible`, which adds ``visible_to(reader, Document)``; a
document the reader may not see is NotFound on every path, and is never counted.
"""

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aseancyber.access.models import MemberState
from aseancyber.access.policy import (
    Actor,
    Reader,
    Tlp,
    audience_of,
    can_see,
    set_audience,
    visible_to,
)
from aseancyber.access.rules import Action, may
from aseancyber.access.shareable import (
    audience_for_create,
    audience_for_update,
    check_relabel,
    get_visible,
    require_version,
    share_with,
)
from aseancyber.community.documents import Document, DocumentKind
from aseancyber.community.documents_schemas import (
    AudienceRead,
    DocumentCreate,
    DocumentListItem,
    DocumentRead,
    DocumentUpdate,
)
from aseancyber.community.service import (
    contains_text,
    get_member_state_or_invalid,
    has_nul,
)
from aseancyber.errors import FieldProblem, Forbidden, Invalid
from aseancyber.exports import (
    Export,
    audit_export,
    check_format,
    csv_export,
    json_export,
    spreadsheet_safe,
)
from aseancyber.shaping import shaped
from aseancyber.web.pagination import DEFAULT_LIMIT, Count, Page, capped_count, paginate

MAX_EXPORT = 10_000
CONTENT_FIELDS = frozenset(
    {
        "title",
        "kind",
        "summary",
        "body",
        "member_state_id",
        "published_on",
        "link",
        "green_includes_external",
        "audience_organisation_ids",
        "audience_user_ids",
        "audience_user_emails",
    }
)


@dataclass(frozen=True)
class DocumentFilters:
    kind: DocumentKind | None = None
    state: str | None = None
    tlp: Tlp | None = None
    owner: str | None = None
    q: str | None = None


def parse_tlp(value: str) -> Tlp:
    """A label from a query string, forgiving about case, the prefix, and '+' sent as space."""
    text = value.strip().upper().replace(" ", "+")
    if not text.startswith("TLP:"):
        text = "TLP:" + text
    try:
        return Tlp(text)
    except ValueError as error:
        labels = ", ".join(label.value for label in Tlp)
        raise Invalid(f"must be one of {labels}", "tlp") from error


def parse_filters(
    *,
    kind: str | None = None,
    state: str | None = None,
    tlp: str | None = None,
    owner: str | None = None,
    q: str | None = None,
) -> DocumentFilters:
    """Filters from query-string text: empty means "any", unknown values are bad input."""
    problems = [
        FieldProblem(name, "may not contain NUL characters")
        for name, value in (
            ("kind", kind),
            ("state", state),
            ("tlp", tlp),
            ("owner", owner),
            ("q", q),
        )
        if has_nul(value)
    ]
    if problems:
        raise Invalid(problems)
    parsed_kind = None
    if kind:
        try:
            parsed_kind = DocumentKind(kind.strip())
        except ValueError:
            kinds = ", ".join(k.value for k in DocumentKind)
            problems.append(FieldProblem("kind", f"must be one of {kinds}"))
    parsed_tlp = None
    if tlp:
        try:
            parsed_tlp = parse_tlp(tlp)
        except Invalid as error:
            problems.extend(error.problems)
    if problems:
        raise Invalid(problems)
    return DocumentFilters(
        kind=parsed_kind,
        state=(state or "").strip().upper() or None,
        tlp=parsed_tlp,
        owner=(owner or "").strip() or None,
        q=(q or "").strip()[:200] or None,
    )


def _visible(db: Session, reader: Reader, filters: DocumentFilters) -> Select[tuple[Document]]:
    statement = select(Document).where(visible_to(reader, Document))
    if filters.kind is not None:
        statement = statement.where(Document.kind == filters.kind)
    if filters.state:
        state = get_member_state_or_invalid(db, iso2=filters.state)
        statement = statement.where(Document.member_state_id == state.id)
    if filters.tlp is not None:
        statement = statement.where(Document.tlp == filters.tlp)
    if filters.owner:
        statement = statement.where(Document.owner_organisation_id == filters.owner)
    if filters.q:
        statement = statement.where(contains_text(filters.q, Document.title, Document.summary))
    return statement


def list_(
    db: Session,
    *,
    reader: Reader,
    filters: DocumentFilters = DocumentFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Document]:
    """One page of the documents ``reader`` may see, newest first."""
    return paginate(
        db,
        _visible(db, reader, filters),
        keys=[Document.created_at, Document.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )


def count(db: Session, *, reader: Reader, filters: DocumentFilters = DocumentFilters()) -> Count:
    """How many documents ``reader`` may see that match ``filters`` (stopping at a cap)."""
    return capped_count(db, _visible(db, reader, filters))


def recent(db: Session, *, reader: Reader, limit: int = 5) -> list[Document]:
    """The newest documents ``reader`` may see."""
    return list_(db, reader=reader, limit=limit).items


def get_or_404(db: Session, *, reader: Reader, document_id: str) -> Document:
    """The document, if ``reader`` may see it; NotFound otherwise (the two are never told apart)."""
    return get_visible(db, reader, Document, document_id, what="document")


# --- writing -----------------------------------------------------------------------------------


def _check_state(db: Session, member_state_id: str | None) -> None:
    if member_state_id is not None and db.get(MemberState, member_state_id) is None:
        raise Invalid("is not a known member state", "member_state_id")


def create(db: Session, *, actor: Actor, data: DocumentCreate) -> Document:
    """Share a new document, owned by the actor's organisation, with its label and audience."""
    if not may(actor, Action.CREATE, Document):
        raise Forbidden("sharing documents needs the contributor or coordinator role")
    _check_state(db, data.member_state_id)
    audience = audience_for_create(db, data)
    document = Document(
        title=data.title,
        kind=data.kind,
        tlp=data.tlp,
        summary=data.summary,
        body=data.body,
        member_state_id=data.member_state_id,
        published_on=data.published_on,
        link=data.link,
        green_includes_external=data.green_includes_external,
        owner_organisation_id=actor.organisation_id,
        created_by_id=actor.user_id,
    )
    db.add(document)
    db.flush()
    share_with(db, document, audience)
    return document


def _check_update_allowed(actor: Actor, document: Document, changes: dict[str, Any]) -> None:
    if set(changes) & CONTENT_FIELDS and not may(actor, Action.EDIT, document):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may edit this "
            "document; others may only raise its label"
        )
    if "tlp" in changes:
        if not may(actor, Action.RELABEL, document):
            raise Forbidden("changing a label needs the contributor or coordinator role")
        check_relabel(actor, document, changes["tlp"])
    for field in ("title", "kind"):
        if field in changes and changes[field] is None:
            raise Invalid("may not be empty", field)


def update(db: Session, *, actor: Actor, document_id: str, data: DocumentUpdate) -> Document:
    """Edit a document: content by its owner, a raised label by anyone who can see it."""
    document = get_or_404(db, reader=actor, document_id=document_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    _check_update_allowed(actor, document, changes)
    require_version(document, data.version, what="document")
    _check_state(db, changes.get("member_state_id"))
    audience, audience_given = audience_for_update(db, document, changes)
    for field, value in changes.items():
        empty_text = value is None and field in {"summary", "body", "link"}
        setattr(document, field, "" if empty_text else value)
    db.flush()
    if audience_given:
        share_with(db, document, audience)
    return document


def delete(db: Session, *, actor: Actor, document_id: str) -> None:
    """Remove a document and its audience (owner organisation only)."""
    document = get_or_404(db, reader=actor, document_id=document_id)
    if not may(actor, Action.DELETE, document):
        raise Forbidden(
            "only contributors and coordinators of the owner organisation may delete it"
        )
    set_audience(db, document)
    db.delete(document)
    db.flush()


# --- reading shapes and export -----------------------------------------------------------------


def list_item(document: Document) -> DocumentListItem:
    """The list view of one (visible) document."""
    return shaped(
        DocumentListItem,
        document,
        member_state_iso2=document.member_state.iso2 if document.member_state else None,
        owner_organisation_name=document.owner_organisation.name,
    )


def read(db: Session, *, document: Document) -> DocumentRead:
    """The full view of one (visible) document, with its named audience."""
    audience = audience_of(db, document)
    return DocumentRead(
        **list_item(document).model_dump(),
        body=document.body,
        created_by_id=document.created_by_id,
        audience=AudienceRead(
            organisation_ids=sorted(audience.organisation_ids), user_ids=sorted(audience.user_ids)
        ),
    )


def still_visible(db: Session, *, reader: Reader, document: Document) -> bool:
    """Whether ``reader`` still sees ``document`` (a raised label can take it out of reach)."""
    return can_see(reader, document, audience_of(db, document))


CSV_COLUMNS = (
    "id",
    "title",
    "kind",
    "tlp",
    "owner_organisation_name",
    "member_state_iso2",
    "published_on",
    "link",
    "summary",
    "created_at",
    "updated_at",
)


def export(
    db: Session,
    *,
    reader: Reader,
    filters: DocumentFilters,
    format: str,
) -> Export:
    """The visible, filtered documents as JSON or CSV; the export itself is audited."""
    check_format(format)
    statement = _visible(db, reader, filters).order_by(Document.created_at.desc(), Document.id)
    documents = list(db.scalars(statement.limit(MAX_EXPORT)))
    if format == "json":
        exported = json_export(
            [read(db, document=document).model_dump(mode="json") for document in documents],
            "documents",
        )
    else:
        items = [list_item(document).model_dump(mode="json") for document in documents]
        rows = ([spreadsheet_safe(item[c]) for c in CSV_COLUMNS] for item in items)
        exported = csv_export(CSV_COLUMNS, rows, "documents")
    audit_export(
        db,
        reader=reader,
        action="document.export",
        record_kind="document",
        ids=[document.id for document in documents],
        format=format,
        filters={key: str(value) for key, value in asdict(filters).items() if value},
    )
    return exported
