"""REST routes for approving, publishing and revising a case's advisories, and for the
multipart message upload with attachments (what the case page's message form does).

Every route reads through the policy (a case or advisory the caller may not see is 404) and
leaves the rules to :mod:`aseancyber.cases.provider.publication` and
:mod:`aseancyber.cases.messages.service`.
"""

from fastapi import APIRouter, Request

from aseancyber.access.dependencies import CurrentActor, DbSession, OptionalActor
from aseancyber.cases import service, views
from aseancyber.cases.advisories import service as advisories
from aseancyber.cases.advisories.schemas import AdvisoryRead, AdvisoryRevise, ApprovalsRead
from aseancyber.cases.messages import service as messages
from aseancyber.cases.messages import upload
from aseancyber.cases.provider import publication
from aseancyber.cases.schemas import MessageRead
from aseancyber.web.openapi import problems

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.get("/{case_id}/advisories/{advisory_id}/approvals")
def advisory_approvals(
    case_id: str, advisory_id: str, db: DbSession, reader: OptionalActor
) -> ApprovalsRead:
    """Which coordinators approved the advisory's pending revision, and who is awaited."""
    _, advisory = advisories.advisory_in_case(
        db, actor=reader, case_id=case_id, advisory_id=advisory_id
    )
    return publication.read_approvals(publication.approvals_of(db, advisory=advisory))


@router.post("/{case_id}/advisories/{advisory_id}/approve")
def approve_advisory(
    case_id: str, advisory_id: str, db: DbSession, actor: CurrentActor
) -> AdvisoryRead:
    """Approve the pending revision for the caller's coordinator seat; every coordinator
    must approve before publication. The draft must pass the CSAF validator."""
    advisory = publication.approve(db, actor=actor, case_id=case_id, advisory_id=advisory_id)
    return advisories.read(advisory)


@router.post("/{case_id}/advisories/{advisory_id}/publish")
def publish_advisory(
    case_id: str, advisory_id: str, db: DbSession, actor: CurrentActor
) -> AdvisoryRead:
    """Publish an advisory every coordinator approved (CSAF 2.0 and STIX 2.1)."""
    advisory = publication.publish(db, actor=actor, case_id=case_id, advisory_id=advisory_id)
    return advisories.read(advisory)


@router.post("/{case_id}/advisories/{advisory_id}/revise")
def revise_advisory(
    case_id: str, advisory_id: str, body: AdvisoryRevise, db: DbSession, actor: CurrentActor
) -> AdvisoryRead:
    """Publish the next revision of a published advisory (every coordinator approved it)."""
    advisory = publication.revise(
        db, actor=actor, case_id=case_id, advisory_id=advisory_id, data=body
    )
    return advisories.read(advisory)


@router.post("/{case_id}/messages/upload", status_code=201, responses=problems(415))
async def post_message_with_attachments(
    case_id: str, request: Request, db: DbSession, actor: CurrentActor
) -> MessageRead:
    """Post a message with attachments as ``multipart/form-data`` (fields ``body``,
    ``audience``, optional ``thread_id`` and ``audience_participant_id``, files
    ``attachments``); 413 over the size limit, 422 naming a refused file or field."""
    service.get_or_404(db, reader=actor, case_id=case_id)  # 404 before reading any file
    data, uploads = await upload.read_message_form(request)
    message = messages.post(db, actor=actor, case_id=case_id, data=data, uploads=uploads)
    return views.message_read(message, messages.attachments_of(db, [message]).get(message.id, []))
