"""Evidence uploads: the type is decided by the content, never by the name or the browser."""
from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .errors import ActionError

# Pillow format → (content type, extension). "MPO" is what Pillow calls a JPEG that carries more
# images after the first (a phone's Ultra HDR gain map, a depth map, a stereo pair): its first image
# is a complete baseline JPEG, which every browser shows, so the file is kept as it came — the
# phone's own bytes, EXIF and gain map intact, nothing lost to re-encoding — and served as a JPEG.
_IMAGES = {"JPEG": ("image/jpeg", "jpg"), "MPO": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
           "WEBP": ("image/webp", "webp")}
_JPEG = ("image/jpeg", "jpg")

# HEIF's major brands (the ftyp box) for HEVC-coded photos: an iPhone's HEIC, and the generic ones.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
# A HEIC is stored as a JPEG of the same pixels; one larger than this (a 48-megapixel photo) is
# brought down to it, which keeps the JPEG near the size of the photo that was sent.
HEIF_MAX_SIDE = 4096
HEIF_JPEG_QUALITY = 90


def _not_a_photo() -> ActionError:
    return ActionError(_("Only photos (JPEG, PNG, WebP, HEIC) and PDF files can be attached."))


def upload_check(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, extension) of a photo or PDF, or raise ActionError with the reason.

    A HEIC/HEIF photo is converted to a JPEG here, upright (its rotation applied), and the upload's
    content replaced by the JPEG: what is stored is then a file every browser shows.
    """
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
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        _heif_to_jpeg(upload)
        return _JPEG
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()  # reads the whole image structure: a renamed program fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_a_photo() from None
    finally:
        upload.seek(0)
    if fmt not in _IMAGES:
        raise _not_a_photo()
    return _IMAGES[fmt]


def _heif_to_jpeg(upload: UploadedFile) -> None:
    """Decode the HEIF's primary image and put a JPEG of it in the upload's place.

    Any failure — no decoder, a damaged file, a codec libheif does not read — says how to send a JPEG.
    """
    from PIL import Image, ImageOps

    cannot = ActionError(_("This HEIC photo cannot be read. On the iPhone choose Settings › Camera › Formats › "
                           "Most Compatible, or send the photo as JPEG."))
    try:
        import pillow_heif
    except ImportError:
        raise cannot from None
    try:
        heif = pillow_heif.open_heif(upload, convert_hdr_to_8bit=True)
        width, height = heif.size
        if Image.MAX_IMAGE_PIXELS and width * height > 2 * Image.MAX_IMAGE_PIXELS:  # Pillow's own bomb limit
            raise cannot
        # libheif applies the container's rotation and mirroring while decoding and pillow-heif then sets
        # the EXIF orientation to 1; exif_transpose turns whatever orientation is still there.
        image = ImageOps.exif_transpose(heif.to_pillow())
    except ActionError:
        raise
    except (ValueError, RuntimeError, OSError, EOFError, SyntaxError, MemoryError, Image.DecompressionBombError):
        raise cannot from None
    finally:
        upload.seek(0)
    if max(image.size) > HEIF_MAX_SIDE:
        image.thumbnail((HEIF_MAX_SIDE, HEIF_MAX_SIDE), Image.Resampling.LANCZOS)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    exif = image.getexif()
    exif.pop(0x0112, None)  # Orientation: the pixels are upright now
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=HEIF_JPEG_QUALITY, exif=exif, icc_profile=image.info.get("icc_profile"))
    _replace_content(upload, out.getvalue())


def _replace_content(upload: UploadedFile, data: bytes) -> None:
    """Put ``data`` in the upload's place: in its own file where it can be written (an upload in memory,
    or the temporary file a large one streamed to, which the storage may move into place as it is),
    else in a new one in memory."""
    try:
        upload.file.seek(0)
        upload.file.truncate()
        upload.file.write(data)
        upload.file.flush()
    except (AttributeError, OSError, io.UnsupportedOperation):
        upload.file = io.BytesIO(data)
    upload.file.seek(0)
    upload.size = len(data)
    upload.content_type = "image/jpeg"


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
