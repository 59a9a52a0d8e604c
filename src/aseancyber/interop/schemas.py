"""Response shapes for MISP import."""

from pydantic import BaseModel

from aseancyber.access.policy import Tlp
from aseancyber.sharing.schemas import IngestRead


class MispEventImportRead(BaseModel):
    """One imported MISP event: its label and what the ingest did with its STIX objects."""

    uuid: str
    info: str
    tlp: Tlp
    ingest: IngestRead


class MispImportRead(BaseModel):
    events: list[MispEventImportRead]
