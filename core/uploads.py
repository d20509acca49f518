"""Evidence uploads: the type is decided by the content, never by the name or the browser."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import ActionError

# Pillow format → (content type, extension)
_IMAGES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


def upload_check(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, extension) of a photo or PDF, or raise ActionError with the reason."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ActionError(_("The file is empty."))
    if upload.size > limit:
        raise ActionError(_("The file is larger than %(mb)d MB.") % {"mb": limit // 2**20})
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()  # reads the whole image structure: a renamed program fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ActionError(_("Only photos (JPEG, PNG, WebP) and PDF files can be attached.")) from None
    finally:
        upload.seek(0)
    if fmt not in _IMAGES:
        raise ActionError(_("Only photos (JPEG, PNG, WebP) and PDF files can be attached."))
    return _IMAGES[fmt]


def generated_name(extension: str) -> str:
    """The stored name says nothing of the uploader's: no paths, no guessable names."""
    return f"{uuid.uuid4().hex}.{extension}"


def evidence_store(evidence, upload: UploadedFile):
    """Check ``upload`` by its content and save it as ``evidence`` (an unsaved instance of a
    ``core.models.Evidence`` subclass with its owner set) under a generated name. Nothing is
    stored when the check fails, and the file is removed again if the row cannot be saved."""
    content_type, extension = upload_check(upload)
    evidence.original_name = (upload.name or "")[-255:]
    evidence.content_type = content_type
    evidence.size = upload.size
    evidence.file.save(generated_name(extension), upload, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence
