"""The CSAF 2.0 provider layout under ``/.well-known/csaf/`` (section 7.1): provider-metadata
.json with the OpenPGP key, the ROLIE service document (``service.json``), one ROLIE feed, one
ROLIE category document and one folder (index.txt, changes.csv, a folder per year) per TLP
label, hash and signature files beside every document, and security.txt.

The role the metadata claims is the one the node really fills (section 7.2): requirements
1-4 need HTTPS URLs (requirement 3), so a node on plain HTTP says ``csaf_publisher``; with
HTTPS every provider requirement is met (5-7 TLP folders and metadata, 8 security.txt, 11-13
year folders, index.txt, changes.csv, 15-17 ROLIE feeds, service and category documents),
and with a usable signing key also 18-20 (hashes, signatures stored once per document version
by :mod:`aseancyber.cases.provider.signatures`, public key): ``csaf_trusted_provider``.

Who sees what is decided by the access policy alone: every list goes through
``advisories.in_folder`` (``visible_to``); the TLP:WHITE folder and feed are public, the
others need a signed-in reader (the routes answer 401 otherwise). Dates come from the stored
documents, never from the clock, so every file is the same between reads.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import func
from sqlalchemy.orm import Session, defer

from aseancyber.access.policy import Reader
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.models import Advisory
from aseancyber.cases.provider import signatures, signing
from aseancyber.errors import NotFound
from aseancyber.settings import get_settings

PUBLIC_FOLDER = "white"
# Feed names: CSAF 2.0 labels; ``clear`` (TLP 2.0's name for WHITE) is an alias of ``white``.
FEED_FOLDERS = {folder: folder for folder in csaf.TLP_FOLDERS.values()} | {"clear": "white"}
ROLIE_INFORMATION_TYPE = "urn:ietf:params:rolie:category:information-type"
# Product tree branches whose names are category terms (7.1.17); versions would be too many.
CATEGORY_BRANCHES = frozenset({"vendor", "product_family", "product_name"})
CSAF_20_SCHEMA = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
# "Never updated": the date a provider with nothing public yet says, the same on every read.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
COMPANION_MEDIA_TYPES = {
    ".sha256": "text/plain",
    ".sha512": "text/plain",
    ".asc": "application/pgp-signature",
}


def _base() -> str:
    return get_settings().base_url.rstrip("/")


def _date(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse_date(value: object, fallback: datetime) -> datetime:
    if not isinstance(value, str):
        return fallback
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _published(advisory: Advisory) -> datetime:
    assert advisory.published_at is not None  # folders list published advisories only
    at = advisory.published_at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _tracking(field: str) -> Any:
    """A date of ``document.tracking`` read in SQL (the JSON path works on SQLite and
    PostgreSQL alike), so listings never load whole documents."""
    return Advisory.document[("document", "tracking", field)].as_string()


@dataclass(frozen=True)
class Listed:
    """A published advisory of a folder (loaded without its document) and its dates."""

    advisory: Advisory
    current_release: datetime  # tracking.current_release_date: the latest revision
    initial_release: datetime  # tracking.initial_release_date


def listed(db: Session, *, reader: Reader, folder: str) -> list[Listed]:
    """The folder's advisories ``reader`` may see with their release dates, most recently
    released first."""
    statement = (
        advisories.folder_query(reader, folder)
        .options(defer(Advisory.document))
        .add_columns(_tracking("current_release_date"), _tracking("initial_release_date"))
    )
    found = [
        Listed(
            advisory,
            _parse_date(current, _published(advisory)),
            _parse_date(initial, _published(advisory)),
        )
        for advisory, current, initial in db.execute(statement)
    ]
    return sorted(found, key=lambda item: (item.current_release, item.advisory.id), reverse=True)


def path_in_folder(advisory: Advisory) -> str:
    """``<year>/<file name>``: where the document lives in its TLP folder (7.1.10-11)."""
    return f"{_published(advisory):%Y}/{csaf.filename_for(advisory.tracking_id)}"


def document_url(advisory: Advisory) -> str:
    """The document's URL in its TLP folder."""
    return f"{_base()}/.well-known/csaf/{advisories.folder_of(advisory)}/{path_in_folder(advisory)}"


def document_bytes(advisory: Advisory) -> bytes:
    """The published document exactly as the folder serves it (keys sorted, so the bytes,
    and with them the hashes, do not depend on how the database stores JSON)."""
    assert advisory.document is not None
    return orjson.dumps(advisory.document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


# --- provider-metadata.json ------------------------------------------------------------------


def role(key: signing.SigningKey | None) -> str:
    """The role this node fills (CSAF 2.0 section 7.2), as the module docstring explains."""
    if not _base().startswith("https://"):
        return "csaf_publisher"
    return "csaf_trusted_provider" if key is not None else "csaf_provider"


def feed_url(folder: str) -> str:
    return f"{_base()}/.well-known/csaf/feed-tlp-{folder}.json"


def service_url() -> str:
    return f"{_base()}/.well-known/csaf/service.json"


def category_url(folder: str) -> str:
    return f"{_base()}/.well-known/csaf/category-tlp-{folder}.json"


def key_url(key: signing.SigningKey) -> str:
    return f"{_base()}/.well-known/csaf/openpgp/{key.fingerprint}.asc"


def last_updated(db: Session) -> datetime:
    """The latest release in the public folder: what anyone can see changed last (never
    restricted advisories' dates, which would tell the public when they were released)."""
    latest = db.scalar(
        advisories.folder_query(None, PUBLIC_FOLDER).with_only_columns(
            func.max(_tracking("current_release_date"))
        )
    )
    return _parse_date(latest, NEVER)


def provider_metadata(db: Session) -> dict[str, Any]:
    """``provider-metadata.json`` (CSAF 2.0 section 7.1.7)."""
    base = _base()
    key = signing.configured_key()
    metadata: dict[str, Any] = {
        "canonical_url": f"{base}/.well-known/csaf/provider-metadata.json",
        "distributions": [
            {
                "directory_url": f"{base}/.well-known/csaf/{folder}/",
                "rolie": {
                    "categories": [category_url(folder)],
                    "feeds": [
                        {
                            "summary": f"All TLP:{label} advisories of {get_settings().node_name}.",
                            "tlp_label": label,
                            "url": feed_url(folder),
                        }
                    ],
                    "services": [service_url()],
                },
            }
            for label, folder in csaf.TLP_FOLDERS.items()
        ],
        "last_updated": _date(last_updated(db)),
        "list_on_CSAF_aggregators": False,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": False,
        "publisher": {
            "category": "coordinator",
            "name": get_settings().node_name,
            "namespace": base,
        },
        "role": role(key),
    }
    if key is not None:
        metadata["pgp_keys"] = [{"fingerprint": key.fingerprint, "url": key_url(key)}]
    return metadata


def public_key(fingerprint: str) -> str:
    """The armored public key with this fingerprint (section 7.1.20); NotFound otherwise."""
    key = signing.configured_key()
    if key is None or fingerprint.upper() != key.fingerprint:
        raise NotFound("key")
    return key.public_key


# --- per folder: ROLIE feed, index.txt, changes.csv ------------------------------------------


def may_list(reader: Reader, folder: str) -> bool:
    """Whether ``reader`` may list ``folder`` at all: the public folder anyone, the others
    a signed-in reader (who then sees only what the policy lets them see in it)."""
    return folder == PUBLIC_FOLDER or reader is not None


def feed_folder(name: str) -> str:
    """The TLP folder a feed (or category document) name stands for; NotFound for an
    unknown one."""
    folder = FEED_FOLDERS.get(name)
    if folder is None:
        raise NotFound("feed")
    return folder


def _entry(item: Listed, key: signing.SigningKey | None) -> dict[str, Any]:
    advisory = item.advisory
    url = document_url(advisory)
    links = [
        {"rel": "self", "href": url},
        *({"rel": "hash", "href": f"{url}.{name}"} for name in signing.HASH_ALGORITHMS),
    ]
    if key is not None:
        links.append({"rel": "signature", "href": f"{url}.asc"})
    entry: dict[str, Any] = {
        "id": advisory.tracking_id,
        "title": advisory.title,
        "link": links,
        "published": _date(item.initial_release),
        "updated": _date(item.current_release),
        "content": {"type": "application/json", "src": url},
        "format": {"schema": CSAF_20_SCHEMA, "version": "2.0"},
    }
    if advisory.summary.strip():
        entry["summary"] = {"content": advisory.summary}
    return entry


def rolie_feed(db: Session, *, reader: Reader, folder: str) -> dict[str, Any]:
    """The folder's ROLIE feed (CSAF 2.0 section 7.1.15) with the entries ``reader`` may
    see, most recently released first."""
    label = next(label for label, name in csaf.TLP_FOLDERS.items() if name == folder)
    key = signing.configured_key()
    items = listed(db, reader=reader, folder=folder)
    name = get_settings().node_name
    return {
        "feed": {
            "id": f"{name}-csaf-feed-tlp-{folder}",
            "title": f"{name} CSAF feed (TLP:{label})",
            "link": [{"rel": "self", "href": feed_url(folder)}],
            "category": [{"scheme": ROLIE_INFORMATION_TYPE, "term": "csaf"}],
            "updated": _date(items[0].current_release if items else NEVER),
            "entry": [_entry(item, key) for item in items],
        }
    }


def service_document(*, reader: Reader) -> dict[str, Any]:
    """The ROLIE service document (CSAF 2.0 section 7.1.16, RFC 8322 section 5): one
    collection per ROLIE feed ``reader`` may read (the category documents are listed in
    provider-metadata.json, beside each feed)."""
    name = get_settings().node_name
    collections = [
        {
            "title": f"{name} CSAF feed (TLP:{label})",
            "href": feed_url(folder),
            "categories": {
                "category": [{"scheme": ROLIE_INFORMATION_TYPE, "term": "csaf"}],
            },
        }
        for label, folder in csaf.TLP_FOLDERS.items()
        if may_list(reader, folder)
    ]
    return {
        "service": {"workspace": [{"title": f"{name} CSAF advisories", "collection": collections}]}
    }


def _branch_terms(branches: object, found: set[str]) -> None:
    if not isinstance(branches, list):
        return
    for branch in branches:
        if not isinstance(branch, dict):
            continue
        if branch.get("category") in CATEGORY_BRANCHES and isinstance(branch.get("name"), str):
            found.add(branch["name"])
        _branch_terms(branch.get("branches"), found)


def category_document(db: Session, *, reader: Reader, folder: str) -> dict[str, Any]:
    """The folder's ROLIE category document (CSAF 2.0 section 7.1.17): the terms that
    dissect the documents ``reader`` may see in it (document category and language,
    vendors, product families and products), never a term of a document they may not."""
    terms: set[str] = set()
    for advisory in db.scalars(advisories.folder_query(reader, folder)):
        document = (advisory.document or {}).get("document", {})
        terms.update(value for value in (document.get("category"), document.get("lang")) if value)
        _branch_terms((advisory.document or {}).get("product_tree", {}).get("branches"), terms)
    return {
        "categories": {
            "category": [
                {"scheme": ROLIE_INFORMATION_TYPE, "term": "csaf"},
                *({"term": term} for term in sorted(terms)),
            ]
        }
    }


def index_txt(db: Session, *, reader: Reader, folder: str) -> str:
    """The folder's index.txt (7.1.12): one relative path per document ``reader`` may see."""
    items = listed(db, reader=reader, folder=folder)
    return "".join(path_in_folder(item.advisory) + "\n" for item in items)


def changes_csv(db: Session, *, reader: Reader, folder: str) -> str:
    """The folder's changes.csv (7.1.13): path and time of the latest release of each
    document ``reader`` may see, most recent change first."""
    return "".join(
        f'"{path_in_folder(item.advisory)}","{item.current_release:%Y-%m-%dT%H:%M:%SZ}"\n'
        for item in listed(db, reader=reader, folder=folder)
    )


# --- one document and its companion files ----------------------------------------------------


@dataclass(frozen=True)
class FolderFile:
    content: bytes
    media_type: str
    filename: str


def folder_file(db: Session, *, reader: Reader, folder: str, year: str, name: str) -> FolderFile:
    """A document of the folder, or its ``.sha256``/``.sha512``/``.asc`` file, if ``reader``
    may see the document; NotFound otherwise (and for a signature when nothing is signed)."""
    suffix = next((s for s in COMPANION_MEDIA_TYPES if name.endswith(s)), "")
    filename = name.removesuffix(suffix) if suffix else name
    advisory = advisories.by_filename(db, reader=reader, folder=folder, filename=filename)
    if advisory.published_at is None or f"{_published(advisory):%Y}" != year:
        raise NotFound("advisory")
    content = document_bytes(advisory)
    if not suffix:
        return FolderFile(content, "application/json", filename)
    if suffix == ".asc":
        key = signing.configured_key()
        if key is None:
            raise NotFound("signature")
        signed = signatures.signature_for(db, key=key, advisory_id=advisory.id, content=content)
        return FolderFile(signed, COMPANION_MEDIA_TYPES[suffix], name)
    text = signing.hash_file(content, filename=filename, algorithm=suffix.removeprefix("."))
    return FolderFile(text.encode("ascii"), COMPANION_MEDIA_TYPES[suffix], name)


# --- security.txt ----------------------------------------------------------------------------


def security_txt_expires(now: datetime) -> datetime:
    """When security.txt expires: as configured, or 360 days after the first day of the
    current month (the same all month, and always less than a year ahead, as RFC 9116 asks)."""
    configured = get_settings().security_txt_expires
    if configured is not None:
        return configured if configured.tzinfo else configured.replace(tzinfo=UTC)
    month = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month + timedelta(days=360)


def security_txt(now: datetime) -> str:
    """``/.well-known/security.txt`` (RFC 9116) with the CSAF field (CSAF 2.0 7.1.8)."""
    base = _base()
    return (
        f"Contact: {get_settings().security_contact}\n"
        f"Expires: {security_txt_expires(now):%Y-%m-%dT%H:%M:%S.000Z}\n"
        "Preferred-Languages: en\n"
        f"Canonical: {base}/.well-known/security.txt\n"
        f"CSAF: {base}/.well-known/csaf/provider-metadata.json\n"
    )
