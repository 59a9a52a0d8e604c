"""One batch of an envelope being stored: each object checked, labelled and made a row.

:class:`Batch` turns the objects of a batch into rows of ``stix_object`` in their stored
form (no ORM object per STIX object) and into the outcomes the TAXII status resource
lists; :mod:`aseancyber.sharing.ingest` runs the batch's lookups and stores its rows. The
per-object work is kept to what the rules need, once each: the marking references are
found once per object, timestamps are converted through caches keyed by their text, and
record ids are cut from one read of randomness per batch.
"""

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from aseancyber.access.policy import Actor, Tlp, stricter
from aseancyber.db import new_id
from aseancyber.sharing import ingest_rules as rules
from aseancyber.sharing import stix
from aseancyber.sharing.models import Collection

BATCH = 1000
SAMPLE = 1000
ONE_MICROSECOND = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    object_id: str
    version: str
    message: str


@dataclass
class IngestReport:
    """The outcome of one envelope: counts, and samples of what was stored and refused."""

    status_id: str
    total: int = 0
    successes: int = 0
    failures: int = 0
    stored_ids: list[str] = field(default_factory=list)  # record ids of new versions (sample)
    failed: list[Outcome] = field(default_factory=list)  # sample
    succeeded: list[Outcome] = field(default_factory=list)  # sample
    sightings: int = 0  # sightings stored: whether anyone may need telling (see notices)


@dataclass
class Context:
    """What every object of one envelope is stored with: poster, collection, audience."""

    actor: Actor
    collection: Collection
    identities: dict[str, str]
    audience_organisation_ids: frozenset[str]
    audience_user_ids: frozenset[str]
    group_organisation_ids: frozenset[str]
    green_includes_external: bool
    minimum_label: Tlp | None
    keep_claimed_authors: bool
    last_added: datetime | None = None
    # Marking definitions resolved so far (sent in this envelope, or stored and visible):
    # each id with what it restricts to (see stix.definition_label).
    definitions: dict[str, Tlp | None] = field(default_factory=dict)

    @property
    def may_name_audience(self) -> bool:
        """Whether any stored version may get audience rows (most envelopes name nobody)."""
        return bool(
            self.audience_organisation_ids or self.audience_user_ids or self.group_organisation_ids
        )

    # The envelope's "now" and the last date_added stamped, in microseconds since the epoch.
    now_microseconds: int = 0
    last_microseconds: int | None = None

    def next_added_microseconds(self) -> int:
        """Like :func:`next_added`, in microseconds since the epoch on a plain field (written
        back to the collection once, see :attr:`last_stamped`)."""
        last, now = self.last_microseconds, self.now_microseconds
        self.last_microseconds = now if last is None or now > last else last + 1
        return self.last_microseconds

    @property
    def last_stamped(self) -> datetime | None:
        """The last ``date_added`` stamped in the collection, this envelope's included."""
        if self.last_microseconds is None:
            return self.last_added
        return EPOCH + timedelta(microseconds=self.last_microseconds)


@dataclass(slots=True)
class Candidate:
    """A valid object of the batch on its way to a row."""

    obj: dict[str, Any]
    position: int  # in the envelope, from 0
    stix_id: str
    label: Tlp
    marked: Tlp | None  # the label its own markings give, before defaults and minimums
    version_at: datetime | None
    refs: list[str]  # stix.marking_refs of the object (TLP 1.0 ids mapped), found once
    version: str  # the version as the status resource lists it (see version_text)
    opencti: bool = False  # written by OpenCTI: its TLP marking id goes back with it


def version_text(obj: Any) -> str:
    if isinstance(obj, dict):
        for key in ("modified", "created"):
            value = obj.get(key)
            if isinstance(value, str):
                return value[:40]
    return ""


def object_id_of(obj: Any) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:300] if isinstance(value, str) else ""


# The stix_object columns bulk ingest writes, in the order of each row tuple.
ROW_COLUMNS = (
    "id",
    "collection_id",
    "stix_id",
    "type",
    "spec_version",
    "created",
    "modified",
    "version_at",
    "date_added",
    "name",
    "search_text",
    "body",
    "tlp",
    "owner_organisation_id",
    "created_by_id",
    "green_includes_external",
    "source_ref",
    "target_ref",
    "sighting_of_ref",
    "owner_only",
)


@lru_cache(maxsize=8192)  # feeds repeat the same created/modified values many times
def _sqlite_time(value: str) -> str:
    """A STIX timestamp (already checked) as SQLite keeps UTCDateTime: naive UTC text."""
    moment = stix.parse_timestamp(value, "timestamp")
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@lru_cache(maxsize=64)
def _sqlite_second(epoch_second: int) -> str:
    return datetime.fromtimestamp(epoch_second, UTC).strftime("%Y-%m-%d %H:%M:%S")


def as_microseconds(value: datetime) -> int:
    return (value - EPOCH) // ONE_MICROSECOND


class Batch:
    """One batch of an envelope: outcomes for the status resource, rows for the store."""

    def __init__(self, context: Context, report: IngestReport, *, text_timestamps: bool) -> None:
        self.context = context
        # SQLite keeps UTCDateTime as naive UTC text; other databases take aware datetimes.
        self.text_timestamps = text_timestamps
        self.report = report
        self.failures: list[tuple[int, str, str, str, str]] = []  # seq, outcome, id, ...
        self.successes: list[dict[str, str]] = []
        self.new_ids: list[str] = []
        self.rows: list[tuple[Any, ...]] = []
        self.audience_rows: list[dict[str, Any]] = []
        # Randomness for the batch's record ids, read once: 16 hex digits per id.
        self._random = secrets.token_hex(8 * BATCH)
        self._next_random = 0
        self._id_time = f"{time.time_ns() // 1_000_000 % (1 << 48):012x}"

    def stored_time(self, value: str | None) -> datetime | str | None:
        """A STIX timestamp (checked) as the column keeps it (rows go in untyped, see
        ``STIX_OBJECT_BULK``): text on SQLite, an aware datetime elsewhere."""
        if value is None:
            return None
        if self.text_timestamps:
            return _sqlite_time(value)
        return stix.parse_timestamp(value, "timestamp")

    def stored_added(self, microseconds: int) -> datetime | str:
        """``date_added`` (microseconds since the epoch) as the column keeps it: new for
        each row, so formatted from a cached whole second rather than through a cache of
        it that would only push out the repeated created and modified times."""
        if not self.text_timestamps:
            return EPOCH + timedelta(microseconds=microseconds)
        second, fraction = divmod(microseconds, 1_000_000)
        return f"{_sqlite_second(second)}.{fraction:06d}"

    def new_id(self) -> str:
        """A time-ordered random UUID (version 7): new rows land at the end of the primary
        key's index instead of at random places in it. The batch's ids share its
        millisecond; a counter in ``rand_a`` keeps them in order, 62 random bits follow."""
        at = self._next_random
        if at + 16 > len(self._random):  # never within a batch (BATCH ids, below 4,096)
            return new_id()
        self._next_random = at + 16
        random = self._random[at : at + 16]
        stamp = self._id_time
        variant = _VARIANT[random[0]]  # RFC 4122 variant: 8, 9, a or b
        return f"{stamp[:8]}-{stamp[8:]}-7{at >> 4:03x}-{variant}{random[1:4]}-{random[4:]}"

    def fail(self, obj: Any, message: str, position: int) -> None:
        self.report.failures += 1
        outcome = Outcome(object_id_of(obj), version_text(obj), message)
        if len(self.report.failed) < SAMPLE:
            self.report.failed.append(outcome)
        self.failures.append((position, "failure", outcome.object_id, outcome.version, message))

    def succeed(self, candidate: Candidate) -> None:
        report = self.report
        report.successes += 1
        if len(report.succeeded) < SAMPLE:
            report.succeeded.append(Outcome(candidate.stix_id, candidate.version, ""))
        self.successes.append({"id": candidate.stix_id, "version": candidate.version})

    def candidate(self, obj: Any) -> Candidate | None:
        """A valid object with its label and timestamps, or None (and a failure)."""
        position = self.report.total
        self.report.total += 1
        problem = stix.check_object(obj)
        if problem is not None:
            self.fail(obj, problem, position)
            return None
        opencti = False
        if obj["type"] == "marking-definition":
            # Stored and served as received: a foreign definition is not rewritten.
            self.context.definitions[obj["id"]] = stix.definition_label(obj)
            refs = stix.marking_refs(obj)
        else:
            stix.map_tlp1(obj)
            refs = stix.marking_refs(obj)
            opencti = stix.from_opencti(obj, refs)
        version = obj.get("modified") or obj.get("created")  # both checked timestamps
        version_at = stix.parse_timestamp(version, "version") if version else None
        default = self.context.collection.default_tlp
        listed = version[:40] if version else ""  # as version_text(obj): both are checked
        return Candidate(obj, position, obj["id"], default, None, version_at, refs, listed, opencti)

    def label(self, candidate: Candidate, previous: "rules.Existing | None") -> None:
        """Set the candidate's label from its markings (resolved definitions included).

        Unmarked, it gets the collection's default, or the label the poster's organisation
        gave the latest version it holds of the id when that is stricter (a new version
        only lowers the label when its owner marks it lower, deliberately); a TLP marking
        definition itself is TLP:CLEAR. The envelope's minimum applies to all.
        """
        obj = candidate.obj
        marked = label = stix.label_of(obj, self.context.definitions, candidate.refs)
        if label is None:
            if obj["type"] == "marking-definition" and stix.is_tlp_definition(obj):
                label = Tlp.CLEAR
            else:
                label = self.context.collection.default_tlp
                if previous is not None and previous.own_label is not None:
                    label = stricter(label, previous.own_label)
        if self.context.minimum_label is not None:
            label = stricter(label, self.context.minimum_label)
        candidate.label, candidate.marked = label, marked

    def add_row(self, candidate: Candidate, body: str, *, owner_only: bool) -> str:
        context = self.context
        obj = candidate.obj
        record_id = self.new_id()
        stored_added = self.stored_added(context.next_added_microseconds())
        created, modified = obj.get("created"), obj.get("modified")
        version = modified or created
        self.rows.append(
            (
                record_id,
                context.collection.id,
                candidate.stix_id,
                obj["type"],
                obj.get("spec_version", "2.1"),
                self.stored_time(created),
                self.stored_time(modified),
                self.stored_time(version) if version else stored_added,
                stored_added,
                stix.display_name(obj),
                stix.search_text(obj),
                body,
                candidate.label.value,
                context.actor.organisation_id,  # the poster's, whatever created_by_ref claims
                context.actor.user_id,
                context.green_includes_external,
                obj.get("source_ref"),
                obj.get("target_ref"),
                obj.get("sighting_of_ref"),
                owner_only,
            )
        )
        if obj["type"] == "sighting":
            self.report.sightings += 1
        if not owner_only and context.may_name_audience:
            self.audience_rows.extend(
                rules.audience_rows(
                    record_id,
                    label=candidate.label,
                    organisation_ids=context.audience_organisation_ids,
                    user_ids=context.audience_user_ids,
                    group_organisation_ids=context.group_organisation_ids,
                )
            )
        if len(self.report.stored_ids) < SAMPLE:
            self.report.stored_ids.append(record_id)
        self.new_ids.append(record_id)
        return record_id


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def mark(candidate: Candidate) -> None:
    """Write the object's label into its markings, so consumers downstream keep it
    (marking definitions are kept exactly as received). An object from OpenCTI also
    carries OpenCTI's own marking for that label, and no other TLP id of OpenCTI's, so
    OpenCTI reads back the marking it knows, never a wider one than the label."""
    if candidate.obj["type"] == "marking-definition":
        return
    refs = candidate.obj.get("object_marking_refs")
    if candidate.opencti:
        others = [ref for ref in refs or [] if ref not in stix.KNOWN_TLP_MARKINGS]
        candidate.obj["object_marking_refs"] = [
            stix.MARKING_FOR_LABEL[candidate.label],
            stix.OPENCTI_MARKING_FOR_LABEL[candidate.label],
            *others,
        ]
        return
    if isinstance(refs, list) and stix.MARKING_FOR_LABEL[candidate.label] in refs:
        return
    others = [ref for ref in refs or [] if ref not in stix.TLP2_MARKINGS]
    candidate.obj["object_marking_refs"] = [stix.MARKING_FOR_LABEL[candidate.label], *others]
