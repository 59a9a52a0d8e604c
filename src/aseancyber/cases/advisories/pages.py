"""Pages of published advisories (/advisories) and the CSAF provider layout under
/.well-known/csaf/ (CSAF 2.0 section 7, built by :mod:`aseancyber.cases.provider.service`):
provider-metadata.json, the ROLIE service document, a ROLIE feed, category document and
folder per TLP, hash and signature files, the public OpenPGP key, and
/.well-known/security.txt.

The TLP:WHITE folder (TLP:CLEAR advisories) is public; the others answer only a signed-in
reader, and list only the advisories that reader may see.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from aseancyber.access.dependencies import DbSession, OptionalActor
from aseancyber.access.policy import Reader
from aseancyber.cases.advisories import csaf
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories import view as advisory_view
from aseancyber.cases.advisories.api import csaf_response
from aseancyber.cases.provider import service as provider
from aseancyber.cases.provider import signing
from aseancyber.cases.scoring import epss
from aseancyber.db import utcnow
from aseancyber.errors import NotFound
from aseancyber.web import templating
from aseancyber.web.listing import PageCursor, PageLimit
from aseancyber.web.pagination import DEFAULT_LIMIT

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/advisories")
def list_advisories(
    *,
    request: Request,
    db: DbSession,
    reader: OptionalActor,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: PageCursor = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> Response:
    """The advisories the reader may see (anonymous: published TLP:CLEAR ones)."""
    page = advisories.list_(db, reader=reader, q=q, cursor=cursor, limit=limit)
    return templating.render(request, "cases/advisories.html", {"page": page, "q": q})


@router.get("/advisories/export")
def export_advisories(
    db: DbSession, reader: OptionalActor, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Every visible advisory as JSON."""
    items = advisories.all_visible(db, reader=reader, q=q, limit=5000)
    return JSONResponse({"items": [advisories.read(a).model_dump(mode="json") for a in items]})


@router.get("/advisories/{advisory_id}")
def show_advisory(
    advisory_id: str, request: Request, db: DbSession, reader: OptionalActor
) -> Response:
    """One advisory with a link to its CSAF document."""
    advisory = advisories.get_or_404(db, reader=reader, advisory_id=advisory_id)
    named = [
        v.get("cve", "")
        for v in (advisory.document or {}).get("vulnerabilities", [])
        if isinstance(v, dict)
    ]
    document = advisories.document_of(db, reader=reader, advisory=advisory).document
    return templating.render(
        request,
        "cases/advisory.html",
        {
            "advisory": advisory,
            "view": advisory_view.view_of(document),
            "cves": [cve for cve in named if cve],
            "epss": epss.scores_for(db, cves=named),
            "folder": advisories.folder_of(advisory),
            "filename": csaf.filename_for(advisory.tracking_id),
            "signed": signing.key_path() is not None,
        },
    )


@router.get("/advisories/{advisory_id}/csaf")
def advisory_document(advisory_id: str, db: DbSession, reader: OptionalActor) -> Response:
    """The advisory's CSAF 2.0 JSON."""
    advisory = advisories.get_or_404(db, reader=reader, advisory_id=advisory_id)
    return csaf_response(advisories.document_of(db, reader=reader, advisory=advisory))


@router.get("/.well-known/csaf/provider-metadata.json")
def provider_metadata(db: DbSession) -> Response:
    """CSAF 2.0 provider metadata (section 7.1.7)."""
    return JSONResponse(provider.provider_metadata(db))


@router.get("/.well-known/security.txt")
def security_txt() -> Response:
    """RFC 9116 security.txt with the CSAF field (CSAF 2.0 section 7.1.8)."""
    return PlainTextResponse(provider.security_txt(utcnow()))


@router.get("/.well-known/csaf/openpgp/{fingerprint}.asc")
def public_key(fingerprint: str) -> Response:
    """The public OpenPGP key that signs the documents (CSAF 2.0 section 7.1.20)."""
    return PlainTextResponse(provider.public_key(fingerprint), media_type="application/pgp-keys")


def _check_folder(folder: str, reader: Reader) -> Response | None:
    """None when the reader may list ``folder``; otherwise the answer to send (401)."""
    if folder not in csaf.TLP_FOLDERS.values():
        raise NotFound("folder")
    if not provider.may_list(reader, folder):
        # A machine endpoint: 401 with a challenge, not the pages' redirect to sign in.
        return PlainTextResponse(
            "sign in or send an API token to read this TLP folder",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


@router.get("/.well-known/csaf/feed-tlp-{name}.json")
def rolie_feed(name: str, db: DbSession, reader: OptionalActor) -> Response:
    """The ROLIE feed of one TLP folder (CSAF 2.0 section 7.1.15)."""
    folder = provider.feed_folder(name)
    if (refused := _check_folder(folder, reader)) is not None:
        return refused
    return JSONResponse(provider.rolie_feed(db, reader=reader, folder=folder))


@router.get("/.well-known/csaf/service.json")
def rolie_service(reader: OptionalActor) -> Response:
    """The ROLIE service document listing the feeds (CSAF 2.0 section 7.1.16)."""
    return JSONResponse(provider.service_document(reader=reader))


@router.get("/.well-known/csaf/category-tlp-{name}.json")
def rolie_category(name: str, db: DbSession, reader: OptionalActor) -> Response:
    """The ROLIE category document of one TLP folder (CSAF 2.0 section 7.1.17)."""
    folder = provider.feed_folder(name)
    if (refused := _check_folder(folder, reader)) is not None:
        return refused
    return JSONResponse(provider.category_document(db, reader=reader, folder=folder))


@router.get("/.well-known/csaf/{folder}/index.txt")
def folder_index(folder: str, db: DbSession, reader: OptionalActor) -> Response:
    """The folder's index.txt: one relative path per advisory the reader may see."""
    if (refused := _check_folder(folder, reader)) is not None:
        return refused
    return PlainTextResponse(provider.index_txt(db, reader=reader, folder=folder))


@router.get("/.well-known/csaf/{folder}/changes.csv")
def folder_changes(folder: str, db: DbSession, reader: OptionalActor) -> Response:
    """The folder's changes.csv: path and latest release date, most recent first."""
    if (refused := _check_folder(folder, reader)) is not None:
        return refused
    body = provider.changes_csv(db, reader=reader, folder=folder)
    return PlainTextResponse(body, media_type="text/csv")


@router.get("/.well-known/csaf/{folder}/{year}/{filename}")
def folder_document(
    folder: str, year: str, filename: str, db: DbSession, reader: OptionalActor
) -> Response:
    """One published advisory in its TLP folder, or its .sha256, .sha512 or .asc file."""
    if (refused := _check_folder(folder, reader)) is not None:
        return refused
    found = provider.folder_file(db, reader=reader, folder=folder, year=year, name=filename)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": f'inline; filename="{found.filename}"'},
    )
