"""Evidence files of norm assessments: upload, list and download.

A file belongs to its assessment: whoever may see the assessment (the policy, through
:func:`service.get_or_404`) may list and download its files, and anyone else gets 404.
Only those who may edit the assessment (its own state's contributors) add files. Every
download is written to the audit log (uploads are audited by the ORM hook).
"""

from sqlalchemy.orm import Session

from aseancyber.access.policy import Actor, Reader
from aseancyber.access.rules import Action, may
from aseancyber.errors import Forbidden
from aseancyber.norms import service
from aseancyber.norms.models import NormAssessment, NormAssessmentAttachment
from aseancyber.requests import files


def list_for(db: Session, *, assessment: NormAssessment) -> list[NormAssessmentAttachment]:
    """The evidence files of a (visible) assessment, oldest first."""
    parent = NormAssessmentAttachment.assessment_id == assessment.id
    return files.attachments_of(db, NormAssessmentAttachment, parent)


def upload(
    db: Session, *, actor: Actor, assessment_id: str, uploads: list[files.Upload]
) -> list[NormAssessmentAttachment]:
    """Add evidence files to an assessment the actor may edit; all are checked first."""
    assessment = service.get_or_404(db, reader=actor, assessment_id=assessment_id)
    if not may(actor, Action.EDIT, assessment):
        raise Forbidden("only the assessing state's contributors add evidence files")
    return files.check_and_store(
        db,
        uploads,
        lambda item: NormAssessmentAttachment(
            assessment_id=assessment.id, **item.columns(actor.user_id)
        ),
    )


def download(
    db: Session, *, reader: Reader, assessment_id: str, attachment_id: str
) -> files.Download:
    """A file's bytes if the reader may see its assessment (404 otherwise); audited."""
    assessment = service.get_or_404(db, reader=reader, assessment_id=assessment_id)
    attachment = files.attachment_or_404(
        db,
        NormAssessmentAttachment,
        NormAssessmentAttachment.assessment_id == assessment.id,
        attachment_id,
    )
    return files.audited_download(
        db,
        attachment,
        reader=reader,
        action="norm_assessment.attachment_download",
        record_kind="norm_assessment",
        record_id=assessment.id,
        record_organisation_id=assessment.owner_organisation_id,
    )
