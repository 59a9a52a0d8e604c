"""Request and response shapes for federation peers, mappings, runs and dead letters."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aseancyber.access.policy import Tlp
from aseancyber.community.schemas import NoNul, RecordId
from aseancyber.federation.models import Direction, OutcomeKind, PeerAuth, RunState


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")


Secret = Annotated[str, StringConstraints(min_length=1, max_length=2000), NoNul]


class PeerCreate(_Write):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
    ]
    api_root_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
    auth: PeerAuth
    username: Annotated[str, StringConstraints(max_length=200), NoNul] = ""
    secret: Secret
    organisation_id: RecordId
    interval_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    alert_after_minutes: int = Field(default=60, ge=1, le=30 * 24 * 60)


class PeerUpdate(_Write):
    enabled: bool | None = None
    username: Annotated[str, StringConstraints(max_length=200), NoNul] | None = None
    secret: Secret | None = None
    interval_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    alert_after_minutes: int | None = Field(default=None, ge=1, le=30 * 24 * 60)


class MappingCreate(_Write):
    remote_collection_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul
    ]
    local_collection_id: RecordId
    pull: bool = True
    push: bool = False
    minimum_label: Tlp | None = None


class MappingRead(BaseModel):
    id: str
    remote_collection_id: str
    local_collection_id: str
    pull: bool
    push: bool
    minimum_label: Tlp | None
    pull_added_after: datetime | None
    queue: int


class HealthRead(BaseModel):
    state: str
    last_success_at: datetime | None
    lag_seconds: float | None
    error_rate: float | None
    recent_runs: int
    queue: int
    open_dead_letters: int
    last_error: str
    next_attempt_at: datetime | None


class PeerRead(BaseModel):
    """A peer; its credentials never leave the server."""

    id: str
    name: str
    api_root_url: str
    auth: PeerAuth
    username: str
    organisation_id: str
    organisation_name: str
    owner_organisation_id: str
    enabled: bool
    interval_minutes: int
    alert_after_minutes: int
    health: HealthRead
    mappings: list[MappingRead]


class RunRead(BaseModel):
    id: str
    trigger: str
    state: RunState
    started_at: datetime
    finished_at: datetime | None
    pulled: int
    pushed: int
    rejected: int
    withheld: int
    error: str


class OutcomeRead(BaseModel):
    direction: Direction
    stix_id: str
    version: str
    outcome: OutcomeKind
    reason: str


class DeadLetterRead(BaseModel):
    id: str
    direction: Direction
    stix_id: str
    version: str
    reason: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    next_retry_at: datetime | None
    resolved_at: datetime | None
