"""Uploaded documents (a case's application form and certificates, a village meeting's minutes, the
photos and signed receipts of support): which files are accepted, and how they are served.

Accepted: PDF, JPEG and PNG only (scans and photos), at most ``DOCUMENT_MAX_UPLOAD_BYTES``; the
file's extension and its first bytes must both say the same type, so an HTML or SVG page renamed
".pdf" is refused. Office files are not accepted: a scan or a photo is what the procedures ask for,
and a workbook or a document can carry macros and external links.

Served: never from a public ``/media/`` address, only through each app's view, which checks the
user's scope first (its ``access.py``), and always as an attachment with ``nosniff`` and no caching
(``attachment_response``), so no file ever runs in the product's pages.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.tabular import file_size, megabytes

# extension -> (content type, the first bytes of such a file)
DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
# Said beside the file fields.
DOCUMENT_HELP = gettext_lazy("A PDF, JPEG or PNG file.")


def document_problem(file) -> str | None:
    """Why ``file`` (an uploaded file) is refused as a document, or None when it is accepted."""
    limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
    size = file_size(file)
    if size is not None and size > limit:
        return _("the file is %(size)s: files larger than %(limit)s are refused") % {
            "size": megabytes(size),
            "limit": megabytes(limit),
        }
    extension = Path(file.name or "").suffix.lower()
    if extension not in DOCUMENT_TYPES:
        return _("only PDF, JPEG and PNG files are accepted")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not head.startswith(DOCUMENT_TYPES[extension][1]):
        return _("the file's content is not the %(type)s its name says: only PDF, JPEG and PNG files are accepted") % {
            "type": extension.lstrip(".").upper()
        }
    return None


def validate_document(file) -> None:
    """A form field's validator: ``forms.FileField(validators=[validate_document])``."""
    problem = document_problem(file)
    if problem:
        raise ValidationError(problem, code="document")


def check_document(file, field: str) -> None:
    """Refuse ``file`` (ValidationError on ``field``) unless it is an accepted document."""
    problem = document_problem(file)
    if problem:
        raise ValidationError({field: [problem]})


def attachment_response(field_file, filename: str | None = None) -> FileResponse:
    """A stored file for download: an attachment under its own name (or ``filename``), typed by its
    extension (anything else as bytes), never sniffed, never cached. 404 when the file is gone."""
    if not field_file:
        raise Http404("no file")
    name = filename or Path(field_file.name).name
    content_type = DOCUMENT_TYPES.get(Path(name).suffix.lower(), ("application/octet-stream",))[0]
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("file") from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
