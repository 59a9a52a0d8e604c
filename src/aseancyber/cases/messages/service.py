"""Threads, messages and attachments inside a case.

Each message has an audience inside its case: all participants, the coordinators only, or
one participant (with the coordinators). :func:`readable_by` is that rule as a SQL filter,
and every path that shows a message (page, REST, e-mail, digest, search, export) goes
through :func:`list_messages` or :func:`recipients_of`, never around them.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Reader
from aseancyber.cases import service
from aseancyber.cases.messages.models import Attachment, Message, MessageAudience, Thread
from aseancyber.cases.models import Case, Participant, Product
from aseancyber.cases.schemas import MessageCreate
from aseancyber.community.service import has_nul, like_pattern
from aseancyber.db import utcnow
from aseancyber.errors import Invalid, NotFound
from aseancyber.notify.models import NotificationKind
from aseancyber.storage import ALLOWED_TYPES, MAX_ATTACHMENT_BYTES, file_store
from aseancyber.web.pagination import DEFAULT_LIMIT, Page, paginate

MAX_ATTACHMENTS = 5


def readable_by(reader: Reader, seat: service.Seat) -> ColumnElement[bool]:
    """The messages of a (visible) case that ``reader`` may read, as a SQL condition."""
    if seat.coordinator:
        return true()
    conditions: list[ColumnElement[bool]] = [Message.audience == MessageAudience.ALL]
    if seat.participant_ids:
        mine = list(seat.participant_ids)
        conditions.append(
            (Message.audience == MessageAudience.PARTICIPANT)
            & Message.audience_participant_id.in_(mine)
        )
        conditions.append(Message.author_participant_id.in_(mine))
    if reader is not None:
        conditions.append(Message.author_id == reader.user_id)
    return or_(*conditions)


def general_thread(db: Session, *, case: Case) -> Thread:
    """The case's general thread, made on first use."""
    thread = db.scalar(
        select(Thread)
        .where(Thread.case_id == case.id, Thread.product_id.is_(None))
        .order_by(Thread.created_at)
        .limit(1)
    )
    if thread is None:
        thread = Thread(case_id=case.id, title="General")
        db.add(thread)
        db.flush()
    return thread


def product_thread(db: Session, *, case: Case, product: Product) -> Thread:
    """The thread about one product, made on first use."""
    thread = db.scalar(
        select(Thread).where(Thread.case_id == case.id, Thread.product_id == product.id)
    )
    if thread is None:
        thread = Thread(case_id=case.id, product_id=product.id, title=product.full_name)
        db.add(thread)
        db.flush()
    return thread


COUNT_CAP = 100
"""Messages are counted per thread up to this many ("100+"), so a 2,000-message case
costs what a small one does."""
THREADS_SHOWN = 10


@dataclass(frozen=True)
class ThreadSummary:
    thread: Thread
    message_count: int  # at most COUNT_CAP
    more: bool  # more than COUNT_CAP messages


def threads_of(
    db: Session, *, reader: Reader, case: Case, seat: service.Seat, limit: int = THREADS_SHOWN
) -> list[ThreadSummary]:
    """The case's first threads with how many messages the reader may read in each (capped)."""
    threads = db.scalars(
        select(Thread)
        .where(Thread.case_id == case.id)
        .order_by(Thread.created_at, Thread.id)
        .limit(limit)
    ).all()
    return summarise_threads(db, reader=reader, seat=seat, threads=list(threads))


def threads_page(
    db: Session, *, case: Case, cursor: str | None, limit: int = DEFAULT_LIMIT
) -> Page[Thread]:
    """One page of a case's threads, oldest first."""
    return paginate(
        db,
        select(Thread).where(Thread.case_id == case.id),
        keys=[Thread.created_at, Thread.id],
        cursor=cursor,
        limit=limit,
    )


def summarise_threads(
    db: Session, *, reader: Reader, seat: service.Seat, threads: list[Thread]
) -> list[ThreadSummary]:
    """Each thread with how many messages the reader may read in it (capped)."""
    summaries = []
    readable = readable_by(reader, seat)
    for thread in threads:
        capped = (
            select(Message.id)
            .where(Message.thread_id == thread.id, readable)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        n = db.scalar(select(func.count()).select_from(capped)) or 0
        summaries.append(ThreadSummary(thread, min(n, COUNT_CAP), n > COUNT_CAP))
    return summaries


def count_threads(db: Session, *, case: Case) -> int:
    return db.scalar(select(func.count()).where(Thread.case_id == case.id)) or 0


def get_thread_or_404(db: Session, *, case: Case, thread_id: str) -> Thread:
    thread = None
    if not has_nul(thread_id) and len(thread_id) <= 36:
        thread = db.scalar(select(Thread).where(Thread.id == thread_id, Thread.case_id == case.id))
    if thread is None:
        raise NotFound("thread")
    return thread


def _readable(
    reader: Reader, seat: service.Seat, case: Case, thread_id: str | None, q: str | None
) -> Select[tuple[Message]]:
    statement = select(Message).where(Message.case_id == case.id, readable_by(reader, seat))
    if thread_id is not None:
        statement = statement.where(Message.thread_id == thread_id)
    if q:
        statement = statement.where(Message.body.ilike(like_pattern(q), escape="\\"))
    return statement


def list_messages(
    db: Session,
    *,
    reader: Reader,
    case: Case,
    seat: service.Seat,
    thread_id: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    newest_first: bool = True,
) -> Page[Message]:
    """One page of the messages the reader may read in a case (or one thread of it)."""
    if has_nul(q):
        raise Invalid("may not contain NUL characters", "q")
    return paginate(
        db,
        _readable(reader, seat, case, thread_id, (q or "").strip()[:200] or None),
        keys=[Message.created_at, Message.id],
        cursor=cursor,
        limit=limit,
        descending=newest_first,
    )


def attachments_of(db: Session, messages: list[Message]) -> dict[str, list[Attachment]]:
    """The attachments of already-readable messages, by message id."""
    found: dict[str, list[Attachment]] = {}
    if not messages:
        return found
    rows = db.scalars(
        select(Attachment)
        .where(Attachment.message_id.in_([m.id for m in messages]))
        .order_by(Attachment.created_at, Attachment.id)
    )
    for attachment in rows:
        found.setdefault(attachment.message_id, []).append(attachment)
    return found


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def _clean_filename(name: str) -> str:
    # Only the last path segment is kept, and only for display: bytes are stored under a
    # generated name, so no uploaded name ever reaches the file system.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip(" .") or "attachment"
    return cleaned[:200]


def _check_upload(upload: Upload) -> tuple[str, str]:
    name = _clean_filename(upload.filename)
    extension = Path(name).suffix.lower()
    media_type = ALLOWED_TYPES.get(extension)
    if media_type is None:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise Invalid(f"{name}: only these file types are accepted: {allowed}", "attachments")
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(
            f"{name} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB", "attachments"
        )
    if not upload.content:
        raise Invalid(f"{name} is empty", "attachments")
    return name, media_type


def post(
    db: Session,
    *,
    actor: Actor,
    case_id: str,
    data: MessageCreate,
    uploads: list[Upload] | None = None,
) -> Message:
    """Post a message to a thread with its audience, attachments and notifications."""
    case = service.get_or_404(db, reader=actor, case_id=case_id)
    seat = service.seat_of(db, reader=actor, case=case)
    service.require_participant(seat, "post messages")
    uploads = uploads or []
    if len(uploads) > MAX_ATTACHMENTS:
        raise Invalid(f"at most {MAX_ATTACHMENTS} files per message", "attachments")
    checked = [_check_upload(upload) for upload in uploads]
    if data.thread_id is not None:
        thread = get_thread_or_404(db, case=case, thread_id=data.thread_id)
    elif data.product_id is not None:
        product = db.scalar(
            select(Product).where(Product.id == data.product_id, Product.case_id == case.id)
        )
        if product is None:
            raise Invalid("is not a product of this case", "product_id")
        thread = product_thread(db, case=case, product=product)
    else:
        thread = general_thread(db, case=case)
    target: Participant | None = None
    if data.audience is MessageAudience.PARTICIPANT:
        if data.audience_participant_id is None:
            raise Invalid("name the participant this message is for", "audience_participant_id")
        target = service.get_participant_or_404(
            db, case=case, participant_id=data.audience_participant_id
        )
        if not seat.coordinator and not seat.owns(target):
            # A participant writes privately only to the coordinators (audience: coordinators).
            raise Invalid(
                "participants write privately to the coordinators only; choose 'coordinators only'",
                "audience",
            )
    elif data.audience_participant_id is not None:
        raise Invalid("is only for messages to one participant", "audience_participant_id")
    message = Message(
        case_id=case.id,
        thread_id=thread.id,
        author_id=actor.user_id,
        author_participant_id=seat.participants[0].id,
        audience=data.audience,
        audience_participant_id=target.id if target else None,
        body=data.body,
        created_at=utcnow(),
    )
    db.add(message)
    db.flush()
    for upload, (name, media_type) in zip(uploads, checked, strict=True):
        _store(db, case=case, message=message, name=name, media_type=media_type, upload=upload)
    recipients = [p for p in recipients_of(db, case=case, message=message) if not p.muted]
    author_ids = seat.participant_ids
    service.tell(
        db,
        case=case,
        participants=[p for p in recipients if p.id not in author_ids],
        kind=NotificationKind.CASE_MESSAGE,
        title=f"New message in {thread.title}",
        body=f"{actor.display_name or 'A participant'} wrote ({data.audience.label.lower()}):"
        f"\n\n{data.body[:2000]}",
        link=f"/cases/{case.id}/threads/{thread.id}",
        digest=True,
    )
    return message


def recipients_of(db: Session, *, case: Case, message: Message) -> list[Participant]:
    """The participants who may read ``message`` (its audience inside the case)."""
    everyone = service.participants_of(db, case_id=case.id)
    if message.audience is MessageAudience.ALL:
        return everyone
    allowed = {p.id for p in service.coordinators(everyone)}
    if message.audience is MessageAudience.PARTICIPANT and message.audience_participant_id:
        allowed.add(message.audience_participant_id)
    if message.author_participant_id:
        allowed.add(message.author_participant_id)
    return [p for p in everyone if p.id in allowed]


def _store(
    db: Session, *, case: Case, message: Message, name: str, media_type: str, upload: Upload
) -> Attachment:
    storage_name = file_store().put(upload.content)
    attachment = Attachment(
        case_id=case.id,
        message_id=message.id,
        filename=name,
        media_type=media_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        storage_name=storage_name,
    )
    db.add(attachment)
    db.flush()
    return attachment


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def download(db: Session, *, reader: Reader, case_id: str, attachment_id: str) -> Download:
    """An attachment's bytes, if the reader may read the message it came with."""
    case = service.get_or_404(db, reader=reader, case_id=case_id)
    seat = service.seat_of(db, reader=reader, case=case)
    attachment = None
    if not has_nul(attachment_id) and len(attachment_id) <= 36:
        attachment = db.scalar(
            select(Attachment)
            .join(Message, Message.id == Attachment.message_id)
            .where(
                Attachment.id == attachment_id,
                Attachment.case_id == case.id,
                readable_by(reader, seat),
            )
        )
    if attachment is None:
        raise NotFound("attachment")
    content = file_store().get(attachment.storage_name)
    if content is None:
        raise NotFound("attachment")
    return Download(attachment.filename, attachment.media_type, content)
