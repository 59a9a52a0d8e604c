"""Points of contact and communication checks: the confidence-building measures of GGE 2015
paragraphs 16-17, the UN Points of Contact Directory and OSCE CBM 8.

Who may see a contact
---------------------
The issue asks for "TLP:AMBER within member states" by default. Under TLP 2.0 AMBER means
"the owner organisation and the organisations it names", so expressing "every member-state
body" with AMBER would need an audience listing every member-state organisation, kept in
step with the directory forever (a new agency would silently be left out). The policy
already has that exact community: TLP:GREEN with ``green_includes_external=False`` is "the
member-state government organisations and the Secretariat, never external parties"
(:mod:`aseancyber.access.policy`). So a contact is labelled **TLP:GREEN without external
parties** by default; its owner may raise it to AMBER (named organisations), AMBER+STRICT
or RED for a contact that only some should reach, and every exit path filters with
``visible_to`` as for any shareable record.

Only administrators of the owning organisation (``organisation:edit`` in that organisation)
create, edit, verify or delete its contacts.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aseancyber.access.models import MemberState, Organisation
from aseancyber.access.policy import Shareable, register_shareable
from aseancyber.db import Base, db_enum, id_column, utcnow
from aseancyber.notify.models import OutboundEmail


class ContactKind(StrEnum):
    DIPLOMATIC = "diplomatic"
    TECHNICAL = "technical"
    LAW_ENFORCEMENT = "law_enforcement_24_7"
    DEFENCE = "defence"
    SECTORAL = "sectoral"

    @property
    def label(self) -> str:
        return CONTACT_KIND_LABELS[self]


CONTACT_KIND_LABELS = {
    ContactKind.DIPLOMATIC: "Diplomatic",
    ContactKind.TECHNICAL: "Technical (CERT)",
    ContactKind.LAW_ENFORCEMENT: "Law enforcement 24/7",
    ContactKind.DEFENCE: "Defence",
    ContactKind.SECTORAL: "Sectoral",
}


@register_shareable
class Contact(Shareable, Base):
    """One point of contact: a person or a function, and how to reach them."""

    __tablename__ = "contact"
    __shareable_kind__ = "contact"
    __table_args__ = (
        Index("ix_contact_name_id", "name", "id"),
        Index("ix_contact_state_kind", "member_state_id", "kind"),
        # Every column the policy reads, by id: check results join thousands of targets to
        # their contact's visibility without touching the wide contact rows.
        Index(
            "ix_contact_visibility",
            "id",
            "tlp",
            "owner_organisation_id",
            "created_by_id",
            "green_includes_external",
        ),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[ContactKind] = mapped_column(db_enum(ContactKind, "contact_kind"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # a person or a function ("Duty officer")
    role: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    pgp_fingerprint: Mapped[str] = mapped_column(String(64), default="")  # upper-case hex
    notes: Mapped[str] = mapped_column(Text, default="")
    member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    # The state's national focal point: escalations reach it when an organisation of the
    # state has nobody to escalate to (no active organisation administrator).
    focal_point: Mapped[bool] = mapped_column(default=False)
    last_verified_on: Mapped[date | None]
    stale_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    owner_organisation: Mapped[Organisation] = relationship(
        lazy="joined", foreign_keys="Contact.owner_organisation_id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def fingerprint_groups(self) -> str:
        """The fingerprint as people read it: groups of four hex digits."""
        fp = self.pgp_fingerprint
        return " ".join(fp[i : i + 4] for i in range(0, len(fp), 4))

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]


class CheckStatus(StrEnum):
    RUNNING = "running"
    CLOSED = "closed"


class ContactCheck(Base):
    """A communication check ("ping" test) launched by a regional coordinator.

    The check itself reveals nothing shared (who launched it, when, its scope); its targets
    are shown to a reader only for contacts that reader may see.
    """

    __tablename__ = "contact_check"

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(200))
    launched_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    scope_kinds: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    scope_states: Mapped[str] = mapped_column(String(200), default="")  # ISO alpha-2 codes
    status: Mapped[CheckStatus] = mapped_column(
        db_enum(CheckStatus, "contact_check_status"), default=CheckStatus.RUNNING
    )
    launched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    remind_at: Mapped[datetime]
    escalate_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CheckTarget(Base):
    """One contact in one check: when it was asked, reminded, escalated and when it answered."""

    __tablename__ = "contact_check_target"
    __table_args__ = (
        # Covers the results (groups by state and kind, response times) and the history's
        # counts: a check's figures are read from this index alone.
        Index(
            "ix_contact_check_target_results",
            "check_id",
            "member_state_id",
            "kind",
            "contact_id",
            "response_seconds",
            "acknowledged_at",
        ),
        # The pages of targets (all, or the unanswered ones) in keyset order.
        Index("ix_contact_check_target_page", "check_id", "id"),
        Index("ix_contact_check_target_unanswered", "check_id", "acknowledged_at", "id"),
        Index("ix_contact_check_target_contact", "contact_id"),
    )

    id: Mapped[str] = id_column()
    check_id: Mapped[str] = mapped_column(ForeignKey("contact_check.id", ondelete="CASCADE"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    # Copies taken at launch, so the results group by what the contact was when asked.
    member_state_id: Mapped[str | None] = mapped_column(ForeignKey("member_state.id"))
    kind: Mapped[ContactKind] = mapped_column(db_enum(ContactKind, "contact_kind"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)  # queued: the check's launch
    # The first e-mail with the link; its ``sent_at`` is when the mailer really sent it.
    email_id: Mapped[str | None] = mapped_column(
        ForeignKey("outbound_email.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None]
    response_seconds: Mapped[int | None]
    # What the response time counts from: "sent" (the e-mail left the mailer) or "launch"
    # (it had not been sent when the contact answered, e.g. in the app).
    response_from: Mapped[str] = mapped_column(String(10), default="")
    acknowledged_via: Mapped[str] = mapped_column(String(20), default="")  # "link" or "app"
    acknowledged_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(lazy="joined")
    # Usually already in the session (the page is about one check): no join needed.
    check: Mapped[ContactCheck] = relationship()
    email: Mapped[OutboundEmail | None] = relationship(lazy="joined")
