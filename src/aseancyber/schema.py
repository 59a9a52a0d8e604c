"""Imports every domain's tables so the metadata (and Alembic) sees the whole schema."""

from aseancyber.access import models as access_models
from aseancyber.access import policy as access_policy
from aseancyber.audit import models as audit_models
from aseancyber.cases import models as cases_models
from aseancyber.community import documents as community_documents
from aseancyber.community import models as community_models
from aseancyber.contacts import models as contacts_models
from aseancyber.db import Base
from aseancyber.federation import models as federation_models
from aseancyber.initiatives import models as initiatives_models
from aseancyber.interop import models as interop_models
from aseancyber.jobs import models as jobs_models
from aseancyber.matching import models as matching_models
from aseancyber.norms import models as norms_models
from aseancyber.notify import models as notify_models
from aseancyber.positions import models as positions_models
from aseancyber.requests import models as requests_models
from aseancyber.routing import models as routing_models
from aseancyber.sharing import models as sharing_models

__all__ = [
    "Base",
    "access_models",
    "access_policy",
    "audit_models",
    "cases_models",
    "community_documents",
    "community_models",
    "contacts_models",
    "federation_models",
    "initiatives_models",
    "interop_models",
    "jobs_models",
    "matching_models",
    "norms_models",
    "notify_models",
    "positions_models",
    "requests_models",
    "routing_models",
    "sharing_models",
]
