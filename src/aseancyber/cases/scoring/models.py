"""EPSS scores imported from FIRST's daily CSV."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from aseancyber.db import Base, utcnow


class EpssScore(Base):
    """FIRST's EPSS score and percentile for one CVE, from an imported daily CSV."""

    __tablename__ = "epss_score"

    cve: Mapped[str] = mapped_column(String(30), primary_key=True)
    epss: Mapped[float]
    percentile: Mapped[float]
    model_version: Mapped[str] = mapped_column(String(40), default="")
    score_date: Mapped[str] = mapped_column(String(40), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
