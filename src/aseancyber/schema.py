"""Imports every domain's tables so the metadata (and Alembic) sees the whole schema."""

from aseancyber.access import models as access_models
from aseancyber.access import policy as access_policy
from aseancyber.audit import models as audit_models
from aseancyber.community import documents as community_documents
from aseancyber.community import models as community_models
from aseancyber.db import Base
from aseancyber.jobs import models as jobs_models
from aseancyber.notify import models as notify_models

__all__ = [
    "Base",
    "access_models",
    "access_policy",
    "audit_models",
    "community_documents",
    "community_models",
    "jobs_models",
    "notify_models",
]
