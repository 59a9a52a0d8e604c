"""Evidence files of norm assessments: upload, list and download.

A file belongs to its assessment: whoever may see the assessment (the policy, through
:func:`service.get_or_404`) may list and download its files, and anyone else gets 404.
Only those who may edit the assessment (its own state's contributors) add files. Every
download is written to the audit log (uploads are audited by the ORM hook).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from aseancyber import audit
from aseancyber.access.policy import Actor, Reader
from aseancyber.community.service import has_nul
from aseancyber.errors import Forbidden, NotFound
from aseancyber.norms import service
from aseancyber.norms.models import NormAssessment, NormAssessmentAttachment
from aseancyber.requests import files


def list_for(db: Session, *, assessment: NormAssessment) -> list[NormAssessmentAttachment]:
    """The evidence files of a (visible) assessment, oldest first."""
    return list(
        db.scalars(
            select(NormAssessmentAttachment)
            .where(NormAssessmentAttachment.assessment_id == assessment.id)
            .order_by(NormAssessmentAttachment.created_at, NormAssessmentAttachment.id)
        )
    )


def upload(
    db: Session, *, actor: Actor, assessment_id: str, uploads: list[files.Upload]
) -> list[NormAssessmentAttachment]:
    """Add evidence files to an assessment the actor may edit; all are checked first."""
    assessment = service.get_or_404(db, reader=actor, assessment_id=assessment_id)
    if not service.may_edit(actor, assessment):
        raise Forbidden("only the assessing state's contributors add evidence files")
    checked = files.check_uploads(uploads)
    return files.store_all(
        db,
        checked,
        lambda item: NormAssessmentAttachment(
            assessment_id=assessment.id,
            filename=item.filename,
            media_type=item.media_type,
            size=item.size,
            sha256=item.sha256,
            storage_name=item.storage_name,
            uploaded_by_id=actor.user_id,
        ),
    )


def download(
    db: Session, *, reader: Reader, assessment_id: str, attachment_id: str
) -> files.Download:
    """A file's bytes if the reader may see its assessment (404 otherwise); audited."""
    assessment = service.get_or_404(db, reader=reader, assessment_id=assessment_id)
    attachment = None
    if not has_nul(attachment_id) and len(attachment_id) <= 36:
        attachment = db.scalar(
            select(NormAssessmentAttachment).where(
                NormAssessmentAttachment.id == attachment_id,
                NormAssessmentAttachment.assessment_id == assessment.id,
            )
        )
    if attachment is None:
        raise NotFound("attachment")
    found = files.read_or_404(attachment)
    audit.record(
        db,
        action="norm_assessment.attachment_download",
        record_kind="norm_assessment",
        record_id=assessment.id,
        record_organisation_id=assessment.owner_organisation_id,
        changed_fields=[f"attachment={attachment.id}"],
        after={"attachment_id": attachment.id, "sha256": attachment.sha256},
        actor=reader,
    )
    return found
