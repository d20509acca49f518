"""Hostile uploads: a decompression bomb, a web page dressed as a PDF, a body far over the cap.

- A 144-megapixel PNG of a few KB is refused (``EVIDENCE_MAX_PIXELS``), in Chinese; Pillow's
  ``DecompressionBombWarning`` acts as an error, and the warning filters are left as they were.
- ``%PDF-`` followed by HTML is refused: PDFs are parsed (pypdf), not only sniffed.
- A 30 MB upload with its length declared is refused before its file is read
  (``core.uploads.UploadLimitHandler``), and the page says the file is too large.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfWriter

from core.errors import ActionError
from core.uploads import RefusedUpload, upload_check, upload_limit
from inspections import actions
from inspections.models import Evidence, Status
from tests.conftest import make_item

MB = 2**20


def png(size, mode="1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


def real_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refusal(content: bytes, name="x.png") -> str:
    with translation.override("zh-hans"), pytest.raises(ActionError) as caught:
        upload_check(SimpleUploadedFile(name, content))
    return caught.value.message


# --- pixels ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bomb() -> bytes:
    content = png((12000, 12000))  # 144 million pixels
    assert len(content) < 40_000
    return content


def test_a_144_megapixel_png_is_refused_in_chinese(bomb, settings):
    assert settings.EVIDENCE_MAX_PIXELS == 50_000_000
    filters = list(warnings.filters)
    message = refusal(bomb)
    assert "像素" in message and message.isascii() is False
    assert warnings.filters == filters


def test_our_limit_counts_the_pixels(settings):
    settings.EVIDENCE_MAX_PIXELS = 1_000_000
    message = refusal(png((1200, 1000)))
    assert "像素" in message and "1.2" in message
    settings.EVIDENCE_MAX_PIXELS = 2_000_000
    assert upload_check(SimpleUploadedFile("ok.png", png((1200, 1000)))) == ("image/png", "png")


def test_pillows_bomb_warning_is_an_error(bomb, settings):
    """Above Pillow's own MAX_IMAGE_PIXELS it only warns: here that refuses the file too."""
    settings.EVIDENCE_MAX_PIXELS = 10**12  # our limit out of the way
    assert 12000 * 12000 > Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # even with warnings silenced by someone else
        assert "像素" in refusal(bomb)


# --- PDFs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n",
    b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n",
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no pages, no cross-reference
])
def test_a_pdf_header_before_something_else_is_refused(content):
    assert "PDF" in refusal(content, "scan.pdf")


def test_a_real_pdf_is_accepted():
    assert upload_check(SimpleUploadedFile("scan.pdf", real_pdf())) == ("application/pdf", "pdf")


def test_an_encrypted_pdf_is_accepted_only_without_a_password():
    def encrypted(user_password):
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    assert upload_check(SimpleUploadedFile("printing-restricted.pdf", encrypted(""))) == ("application/pdf", "pdf")
    assert "PDF" in refusal(encrypted("secret"), "locked.pdf")


# --- size, before the body is read ------------------------------------------------------------------

class CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def multipart_request(path: str, size: int, *, before=None, after=None) -> tuple[WSGIRequest, CountingStream]:
    data = dict(before or {})
    data["file"] = SimpleUploadedFile("big.jpg", b"\xff" * size, content_type="image/jpeg")
    data.update(after or {})
    environ = RequestFactory().post(path, data).environ
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    stream = CountingStream(body)
    environ["wsgi.input"] = stream
    return WSGIRequest(environ), stream


def test_thirty_megabytes_are_refused_unread(db):
    request, stream = multipart_request("/walkthroughs/1/evidence/", 30 * MB, before={"event": "7"}, after={"question": "q"})
    upload = request.FILES["file"]
    assert isinstance(upload, RefusedUpload) and upload.size > 30 * MB and upload.name == "big.jpg"
    assert request.POST["event"] == "7"  # the fields before the file are read as usual
    assert stream.bytes_read < 1 * MB
    with translation.override("zh-hans"), pytest.raises(ActionError) as caught:
        upload_check(upload)
    assert "10" in caught.value.message and "MB" in caught.value.message


def test_within_the_limit_the_usual_handlers_read_the_file(db):
    request, stream = multipart_request("/walkthroughs/1/evidence/", 2 * MB)
    assert not isinstance(request.FILES["file"], RefusedUpload) and request.FILES["file"].size == 2 * MB
    assert stream.bytes_read > 2 * MB


def test_the_admin_allows_the_catalog_import_size(db, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 50 * MB
    factory = RequestFactory()
    assert upload_limit(factory.get("/admin/services/catalogimport/add/")) == 50 * MB
    assert upload_limit(factory.get("/walkthroughs/1/evidence/")) == settings.EVIDENCE_MAX_BYTES
    request, stream = multipart_request("/admin/services/catalogimport/add/", 30 * MB)
    assert not isinstance(request.FILES["file"], RefusedUpload) and request.FILES["file"].size == 30 * MB


@pytest.fixture
def walking(department_a, leader_a):
    item = make_item(department_a, "UP-1", name="企业设立登记")
    walk = actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                    identity="applicant", channel="window", scheduled_for=timezone.localdate())
    return actions.walkthrough_transition(walkthrough=walk, to=Status.IN_PROGRESS, actor=leader_a)


def test_the_walk_page_says_the_file_is_too_large(client, walking, leader_a, settings, bomb):
    client.force_login(leader_a)
    url = reverse("walkthrough-evidence-add", args=[walking.pk])
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    big = SimpleUploadedFile("big.jpg", b"\xff" * (30 * MB), content_type="image/jpeg")
    response = client.post(url, {"file": big}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html and "10 MB" in html, html[:500]

    response = client.post(url, {"file": SimpleUploadedFile("bomb.png", bomb, content_type="image/png")}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "像素" in response.content.decode()
    fake = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n"
    response = client.post(url, {"file": SimpleUploadedFile("scan.pdf", fake, content_type="application/pdf")}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert not Evidence.objects.exists() and set(Path(settings.MEDIA_ROOT).rglob("*")) == before

    for name, content in (("ok.jpg", jpeg()), ("scan.pdf", real_pdf())):
        response = client.post(url, {"file": SimpleUploadedFile(name, content)}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, name
    assert Evidence.objects.count() == 2
