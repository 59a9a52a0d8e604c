"""Converted MISP feed events kept in the database, shared by every server process."""

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, utcnow


class MispConversion(Base):
    """What misp-stix made of one exact set of stored STIX versions (and their labels).

    Keyed by a digest of the event uuid, the record ids of the versions and their labels:
    a stored version never changes, so a new version, a revocation or a relabel is a new
    key and nothing is ever stale. It holds no reader's answer: which versions go in is
    decided per reader at read time, and the same versions convert the same for anyone.
    """

    __tablename__ = "misp_conversion"
    __audited__ = False  # a cache of content that is audited where it is stored

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # orjson of the parts, b"null": none
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
