"""A prepared export sent as a file download."""

from starlette.responses import Response

from aseancyber.exports import Export


def download(exported: Export) -> Response:
    """``exported`` as an attachment, under its own file name."""
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
