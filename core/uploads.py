"""Evidence uploads: the type is decided by the content, never by the name or the browser."""
from __future__ import annotations

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser
from django.urls import NoReverseMatch, reverse
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


def _too_large(limit: int) -> ActionError:
    return ActionError(_("The file is larger than %(mb)d MB.") % {"mb": limit // 2**20})


def _too_many_pixels(width: int, height: int) -> ActionError:
    return ActionError(_("The picture has %(mp)s million pixels; at most %(max)s million are accepted. "
                         "Send a smaller photo.") % {"mp": f"{width * height / 10**6:g}",
                                                     "max": f"{settings.EVIDENCE_MAX_PIXELS / 10**6:g}"})


def _check_pixels(width: int, height: int) -> None:
    if width * height > settings.EVIDENCE_MAX_PIXELS:
        raise _too_many_pixels(width, height)


def upload_check(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, extension) of a photo or PDF, or raise ActionError with the reason.

    A HEIC/HEIF photo is converted to a JPEG here, upright (its rotation applied), and the upload's
    content replaced by the JPEG: what is stored is then a file every browser shows.
    """
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:  # also an upload refused unread (UploadLimitHandler)
        raise _too_large(limit)
    if upload.size is None or upload.size == 0:
        raise ActionError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        _check_pdf(upload)
        return "application/pdf", "pdf"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        _heif_to_jpeg(upload)
        return _JPEG
    from PIL import Image, UnidentifiedImageError

    try:
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that (a 144-megapixel PNG of 17 KB
        # decodes to 430 MB): here its warning is an error, and our own, lower limit comes first.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                fmt = image.format
                _check_pixels(*image.size)
                image.verify()  # reads the whole image structure: a renamed program fails here
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ActionError(_("The picture has too many pixels; at most %(max)s million are accepted. Send a smaller "
                            "photo.") % {"max": f"{settings.EVIDENCE_MAX_PIXELS / 10**6:g}"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_a_photo() from None
    finally:
        upload.seek(0)
    if fmt not in _IMAGES:
        raise _not_a_photo()
    return _IMAGES[fmt]


def _check_pdf(upload: UploadedFile) -> None:
    """A file that starts like a PDF must be one: parsed with pypdf (cross-reference table, trailer,
    at least one page). ``%PDF-`` followed by a web page or a program is refused."""
    from pypdf import PdfReader

    try:
        upload.seek(0)
        reader = PdfReader(upload, strict=False)
        # Many official PDFs are encrypted with an empty password (printing restricted): opened as a
        # reader opens them. One that needs a password cannot be checked, and is refused.
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("needs a password")
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except Exception:  # pypdf raises many types for a file that is not a PDF
        raise ActionError(_("This is not a readable PDF file.")) from None
    finally:
        upload.seek(0)


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
        _check_pixels(width, height)  # before decoding: a small file can hold a huge picture
        # libheif applies the container's rotation and mirroring while decoding and pillow-heif then sets
        # the EXIF orientation to 1; exif_transpose turns whatever orientation is still there.
        image = ImageOps.exif_transpose(heif.to_pillow())
    except ActionError:
        raise
    except (ValueError, RuntimeError, OSError, EOFError, SyntaxError, MemoryError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
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


# --- refusing an upload that is too large before it is read ------------------------------------------

# What a form sends besides its file (boundaries, part headers, a token or two) stays far below this.
UPLOAD_OVERHEAD = 256 * 1024


def upload_limit(request) -> int:
    """The largest file a request may carry: ``EVIDENCE_MAX_BYTES``, and in the admin (the office's
    catalog import) ``CATALOG_IMPORT_MAX_BYTES`` if that is larger."""
    limit = settings.EVIDENCE_MAX_BYTES
    try:
        admin = reverse("admin:index")
    except NoReverseMatch:
        admin = None
    if admin and request is not None and request.path.startswith(admin):
        limit = max(limit, getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 0))
    return limit


class RefusedUpload(UploadedFile):
    """Stands in for a file that was refused unread: no content, the size the request declared.
    ``upload_check`` (and any form that checks the size) refuses it with the size message."""

    def __init__(self, name: str, content_type: str, size: int, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)


class UploadLimitHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: a multipart request whose declared length exceeds the limit
    (``upload_limit`` plus ``UPLOAD_OVERHEAD``) is not read beyond the fields before its first file.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` counts fields, not files, so without this a 30 MB body
    is read to the end (into a temporary file) before any view can refuse it. The fields before the
    file are parsed as usual; the file becomes a ``RefusedUpload`` of the declared size, so the view
    answers with its usual message ("larger than 10 MB"), not a generic error.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length <= upload_limit(self.request) + UPLOAD_OVERHEAD:
            return None  # the usual handlers read it
        refuser = _FirstFileStops()
        post, files = MultiPartParser(META, input_data, [refuser], encoding).parse()
        files = files.copy()
        if refuser.field_name:
            files.appendlist(refuser.field_name, RefusedUpload(refuser.file_name, refuser.content_type, content_length))
        return post, files

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # within the limit: the next handler stores it

    def file_complete(self, file_size):
        return None


class _FirstFileStops(FileUploadHandler):
    """Parses the fields up to the first file, notes its name and stops reading there."""

    field_name = file_name = content_type = None

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        self.field_name, self.file_name, self.content_type = field_name, file_name, content_type
        raise StopUpload(connection_reset=True)  # the rest of the body is never read

    def receive_data_chunk(self, raw_data, start):  # pragma: no cover - the first file stops the parse
        return None

    def file_complete(self, file_size):  # pragma: no cover
        return None


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
