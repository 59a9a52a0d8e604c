"""Federation with remote TAXII 2.1 servers: peers, collection mappings, runs and outcomes.

A peer is administered by one organisation here (``owner_organisation_id``) and stands for
one organisation here (``organisation_id``): what is pulled from it is owned by that
organisation, and what is pushed to it is decided by asking the policy whether that
organisation, as a reader, may see each object. Credentials are kept encrypted (Fernet).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import Organisation
from aseancyber.access.policy import Tlp
from aseancyber.db import Base, db_enum, id_column, utcnow


class PeerAuth(StrEnum):
    BASIC = "basic"
    BEARER = "bearer"


class Direction(StrEnum):
    PULL = "pull"
    PUSH = "push"


class RunState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class OutcomeKind(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHHELD = "withheld"
    PENDING = "pending"


class Peer(Base):
    """A remote TAXII 2.1 server this node exchanges objects with."""

    __tablename__ = "federation_peer"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(100), unique=True)
    api_root_url: Mapped[str] = mapped_column(String(500))
    auth: Mapped[PeerAuth] = mapped_column(db_enum(PeerAuth, "peer_auth"))
    username: Mapped[str] = mapped_column(String(200), default="")
    secret_encrypted: Mapped[str] = mapped_column(Text)
    owner_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    interval_minutes: Mapped[int] = mapped_column(default=15)
    alert_after_minutes: Mapped[int] = mapped_column(default=60)
    # Health, kept on the row so the scheduler and the peer page read one record.
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    alerted_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Peer.organisation_id"
    )


class Mapping(Base):
    """One remote collection paired with one local collection, pulled and/or pushed."""

    __tablename__ = "federation_mapping"
    __table_args__ = (
        UniqueConstraint(
            "peer_id", "remote_collection_id", "local_collection_id", name="uq_federation_mapping"
        ),
    )

    id: Mapped[str] = id_column()
    peer_id: Mapped[str] = mapped_column(ForeignKey("federation_peer.id", ondelete="CASCADE"))
    remote_collection_id: Mapped[str] = mapped_column(String(300))
    local_collection_id: Mapped[str] = mapped_column(
        ForeignKey("sharing_collection.id", ondelete="CASCADE"), index=True
    )
    pull: Mapped[bool] = mapped_column(default=True)
    push: Mapped[bool] = mapped_column(default=False)
    minimum_label: Mapped[Tlp | None] = mapped_column(db_enum(Tlp, "tlp"))
    # Pull cursor: the remote's date_added of the last committed page.
    pull_added_after: Mapped[datetime | None]
    # Push cursor: the local (date_added, id) of the last object decided on.
    push_after_added: Mapped[datetime | None]
    push_after_id: Mapped[str | None] = mapped_column(String(36))


class SyncRun(Base):
    """One sync of one peer: when, why, how it ended, and the counts of its outcomes."""

    __tablename__ = "federation_sync_run"
    __table_args__ = (Index("ix_federation_sync_run_peer", "peer_id", "started_at"),)

    id: Mapped[str] = id_column()
    peer_id: Mapped[str] = mapped_column(ForeignKey("federation_peer.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    state: Mapped[RunState] = mapped_column(
        db_enum(RunState, "sync_run_state"), default=RunState.RUNNING
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pulled: Mapped[int] = mapped_column(default=0)
    pushed: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    withheld: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class SyncOutcome(Base):
    """One object's outcome in one run: accepted, rejected (with the reason) or withheld."""

    __tablename__ = "federation_sync_outcome"
    __table_args__ = (Index("ix_federation_sync_outcome_run", "run_id", "outcome", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("federation_sync_run.id", ondelete="CASCADE"))
    mapping_id: Mapped[str | None] = mapped_column(
        ForeignKey("federation_mapping.id", ondelete="SET NULL")
    )
    direction: Mapped[Direction] = mapped_column(db_enum(Direction, "sync_direction"))
    stix_id: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[OutcomeKind] = mapped_column(db_enum(OutcomeKind, "sync_outcome"))
    reason: Mapped[str] = mapped_column(Text, default="")


class DeadLetter(Base):
    """An object that could not be exchanged; retried with back-off, or by a person."""

    __tablename__ = "federation_dead_letter"
    __table_args__ = (
        UniqueConstraint("mapping_id", "direction", "stix_id", "version"),
        Index("ix_federation_dead_letter_due", "resolved_at", "next_retry_at"),
    )

    id: Mapped[str] = id_column()
    peer_id: Mapped[str] = mapped_column(
        ForeignKey("federation_peer.id", ondelete="CASCADE"), index=True
    )
    mapping_id: Mapped[str] = mapped_column(ForeignKey("federation_mapping.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(db_enum(Direction, "sync_direction"))
    stix_id: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_retry_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
