"""Stored OpenPGP signatures of published CSAF documents."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, utcnow


class CsafSignature(Base):
    """The detached OpenPGP signature of one published document's exact bytes by one key.

    Made once (at publication or revision, or at the first read after a key change) and
    then served as stored, so ``.asc`` is the same file on every read; a revision (new
    bytes) or a new key (new fingerprint) has a row of its own.
    """

    __tablename__ = "csaf_signature"
    __audited__ = False  # derived from the published document, which is audited

    key_fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("case_advisory.id", ondelete="CASCADE"), index=True
    )
    signature: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
