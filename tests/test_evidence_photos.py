"""Photos as phones make them, and where they belong in the walk record (issue 16).

Uploads: an MPO / Ultra HDR JPEG is a JPEG; a HEIC is stored as an upright JPEG; a renamed text file
is still refused. The record: the walkthrough's photos (its own, its events', its checklist answers')
are printed, captioned with what they belong to, downscaled and upright, at most PHOTO_LIMIT of them,
and the head's signature ends the record — checked with poppler's pdfimages and pdffonts, and the
pages saved as tests/artifacts/walk-record-photos-<n>.png for a person to look at.
"""
from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pillow_heif
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from core.errors import ActionError
from core.uploads import evidence_store, upload_check
from findings.reports.render import PHOTO_LIMIT, PHOTO_MAX_SIDE, render_pdf
from inspections.models import Evidence, Mode, Walkthrough
from tests.conftest import ARTIFACTS, make_item
from tests.test_report_render import assert_fonts_embedded, compact, pdf_text, report_input, walk

ORIENTATION = 0x0112


# --- images as a phone makes them ------------------------------------------------------------------

def upright_scene(size: tuple[int, int], label: str) -> Image.Image:
    """A picture whose top is obvious: a red band across the top, blue at the bottom, and a label."""
    width, height = size
    image = Image.new("RGB", size, (235, 235, 225))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, max(1, height // 60)):  # a gradient, so the JPEG is not trivially small
        shade = 180 + 60 * y // height
        draw.rectangle([0, y, width, y + height // 60], fill=(shade, shade, 200))
    draw.rectangle([0, 0, width, height // 6], fill=(200, 20, 20))
    draw.rectangle([0, height - height // 6, width, height], fill=(20, 40, 200))
    font = ImageFont.load_default(size=max(12, min(width // 8, height // 10)))
    draw.text((width // 10, height // 3), label, fill=(0, 0, 0), font=font)
    return image


def jpeg(image: Image.Image, *, orientation: int | None = None, quality: int = 90) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    image.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


def phone_jpeg(upright: Image.Image) -> bytes:
    """As a phone held upright stores it: the sensor's landscape pixels and EXIF orientation 6."""
    return jpeg(upright.rotate(90, expand=True), orientation=6)


def mpo(first: Image.Image, second: Image.Image) -> bytes:
    """A JPEG with a second image after it (Ultra HDR's gain map, a depth map): Pillow calls it MPO."""
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second], quality=90)
    return out.getvalue()


def heic(upright: Image.Image) -> bytes:
    """An iPhone's HEIC: landscape pixels, turned upright by the container (pillow-heif writes the
    EXIF orientation as the HEIF rotation)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    pillow_heif.from_pillow(upright.rotate(90, expand=True)).save(out, format="HEIF", quality=85, exif=exif.tobytes())
    return out.getvalue()


def png(size=(240, 160)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([10, 10, size[0] - 10, size[1] - 10], radius=20, fill=(30, 140, 60, 255))
    draw.text((30, size[1] // 2 - 10), "PNG 240x160", fill=(255, 255, 255, 255), font=ImageFont.load_default(size=20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def signature_png() -> bytes:
    """A signature drawn on a phone's screen: dark strokes on a transparent canvas."""
    image = Image.new("RGBA", (900, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(60 + 8 * i, 150 + int(70 * ((i % 12) - 6) / 6) * (1 if i % 24 < 12 else -1)) for i in range(95)]
    draw.line(points, fill=(10, 10, 40, 255), width=9, joint="curve")
    draw.line([(120, 240), (820, 225)], fill=(10, 10, 40, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_image(evidence) -> Image.Image:
    with evidence.file.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read()))
        image.load()
    return image


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 150 and g < 90 and b < 90


def is_blue(pixel) -> bool:
    r, g, b = pixel[:3]
    return b > 150 and r < 90


# --- uploads -----------------------------------------------------------------------------------------

def test_an_mpo_from_a_phone_is_a_jpeg_and_is_kept_as_it_came(leader_a, department_a, settings):
    content = mpo(upright_scene((400, 300), "MPO"), Image.new("RGB", (200, 150), "gray"))
    assert Image.open(io.BytesIO(content)).format == "MPO"
    assert upload_check(upload("PXL_0001.jpg", content)) == ("image/jpeg", "jpg")

    w = walk(leader=leader_a, item=make_item(department_a, "MPO-1"), mode=Mode.SIMULATE, complete=False)
    evidence = evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a), upload("PXL_0001.jpg", content))
    assert (evidence.content_type, evidence.file.name[-4:], evidence.size) == ("image/jpeg", ".jpg", len(content))
    with evidence.file.open("rb") as fh:
        assert fh.read() == content  # the phone's bytes, the second image included


def test_a_heic_is_stored_as_an_upright_jpeg(leader_a, department_a):
    content = heic(upright_scene((300, 400), "HEIC"))
    assert content[4:12] == b"ftypheic"
    w = walk(leader=leader_a, item=make_item(department_a, "HEIC-1"), mode=Mode.SIMULATE, complete=False)
    evidence = evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a), upload("IMG_0001.HEIC", content, "image/heic"))

    assert evidence.content_type == "image/jpeg" and evidence.file.name.endswith(".jpg")
    assert evidence.original_name == "IMG_0001.HEIC"
    image = stored_image(evidence)
    assert image.format == "JPEG" and image.size == (300, 400)  # portrait, as it was held
    assert image.getexif().get(ORIENTATION) in (None, 1)  # upright pixels: nothing left to turn
    assert is_red(image.getpixel((150, 10))) and is_blue(image.getpixel((150, 390)))
    assert evidence.size == evidence.file.size


def test_a_large_heic_streamed_to_a_temporary_file_is_converted_too(leader_a, department_a):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE arrive in a temporary file, which the storage moves."""
    content = heic(upright_scene((300, 400), "TMP"))
    temporary = TemporaryUploadedFile("IMG_0002.HEIC", "image/heic", len(content), None)
    temporary.write(content)
    temporary.seek(0)
    w = walk(leader=leader_a, item=make_item(department_a, "HEIC-2"), mode=Mode.SIMULATE, complete=False)
    evidence = evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a), temporary)
    temporary.close()  # as the request does when it ends (the storage moved the file into place)
    image = stored_image(evidence)
    assert image.format == "JPEG" and image.size == (300, 400)
    assert evidence.size == evidence.file.size


def test_a_damaged_heic_says_how_to_send_a_jpeg():
    content = heic(upright_scene((300, 400), "BAD"))
    with pytest.raises(ActionError) as refused:
        upload_check(upload("IMG_0003.HEIC", content[:120] + b"\0" * 400, "image/heic"))
    assert "HEIC" in str(refused.value) and "JPEG" in str(refused.value)


@pytest.mark.parametrize("name, content", [
    ("photo.jpg", "这不是照片，只是改了扩展名的文本文件。\n".encode() * 40),
    ("IMG_0004.HEIC", b"\0\0\0\x18ftypheic" + "文本".encode() * 100),  # a HEIF header on nothing
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"not a jpeg" * 50),
])
def test_what_is_not_a_photo_is_still_refused(name, content):
    with pytest.raises(ActionError):
        upload_check(upload(name, content))


def test_the_size_cap_holds_for_heic_too(settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ActionError, match="MB"):
        upload_check(upload("IMG_0005.HEIC", heic(upright_scene((300, 400), "BIG")) + b"\0" * 2000, "image/heic"))


def test_the_refusals_are_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(ActionError) as not_a_photo:
            upload_check(upload("photo.jpg", b"plain text, renamed" * 20))
        with pytest.raises(ActionError) as bad_heic:
            upload_check(upload("IMG.HEIC", b"\0\0\0\x18ftypheic" + b"\0" * 300))
    assert "只能上传照片" in str(not_a_photo.value) and "HEIC" in str(not_a_photo.value)
    assert "无法读取" in str(bad_heic.value) and "JPEG" in str(bad_heic.value)


# --- the walk record ----------------------------------------------------------------------------------

def pdfimages(pdf: bytes, tmp_path) -> list[dict]:
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages (poppler-utils) not installed")
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        rows.append({"page": int(cols[0]), "type": cols[2], "width": int(cols[3]), "height": int(cols[4]),
                     "color": cols[5], "enc": cols[8], "line": line})
    return rows


def save_pages(pdf: bytes, name: str, tmp_path) -> list:
    if shutil.which("pdftoppm") is None:
        return []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(ARTIFACTS / name)], check=True, capture_output=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture
def walked_with_photos(leader_a, department_a):
    """A walkthrough with a 4000×3000 phone photo of its own, a small PNG on an event, an MPO on a
    checklist answer, a PDF, and the head's signature."""
    item = make_item(department_a, "340000-AMR-010", name="企业设立登记", promised_limit_days=3, max_visits=1)
    w = walk(leader=leader_a, item=item, mode=Mode.INSPECT,
             events=[(0, "consultation", "导办台告知需先网上预约"), (50, "submission", "窗口要求补充两份材料")],
             answers=[("el_materials", "problem", "实际要求5件，目录仅列3件")],
             observed={"summary": "材料清单与服务指南不一致。"}, complete=False)
    submission = w.events.get(kind="submission")
    answer = w.answers.get(question="el_materials")
    taken = timezone.now() - datetime.timedelta(minutes=90)

    def store(name, content, **owner):
        return evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a, **owner), upload(name, content))

    big = phone_jpeg(upright_scene((3000, 4000), "4000x3000"))
    assert Image.open(io.BytesIO(big)).size == (4000, 3000) and len(big) > 200_000
    store("IMG_1001.jpg", big, device_at=taken)
    store("screen.png", png(), event=submission)
    store("PXL_1002.jpg", mpo(upright_scene((800, 600), "ANSWER MPO"), Image.new("RGB", (400, 300), "gray")), answer=answer)
    store("receipt.pdf", real_pdf())

    w.signature.save("signature.png", ContentFile(signature_png()), save=False)
    w.signed_at = timezone.now()
    w.save(update_fields=["signature", "signed_at"])
    return Walkthrough.objects.get(pk=w.pk)


def real_pdf() -> bytes:
    """A PDF that parses (uploads are checked by parsing, not by the header)."""
    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(buffer)
    return buffer.getvalue()


def test_the_walk_record_shows_the_photos_and_the_signature(walked_with_photos, tmp_path):
    w = walked_with_photos
    pdf = render_pdf(report_input("walkthrough", walkthrough=w))
    pages = save_pages(pdf, "walk-record-photos", tmp_path)
    assert pages or shutil.which("pdftoppm") is None

    text = pdf_text(pdf)
    signed = timezone.localtime(w.signed_at)
    submission = w.events.get(kind="submission")
    at = timezone.localtime(submission.at)
    for expected in ["五、小结", "六、现场照片", "拍摄于", "上传于",
                     f"图1办理环节：提交（{at.month}月{at.day}日 {at:%H:%M}）", "图2检查项：要件数量（有问题）", "图3走流程现场", "4件（照片3张附后；其他文件1件另存系统）",
                     "签名：", f"签名时间：{signed.year}年{signed.month}月{signed.day}日{signed:%H:%M}"]:
        assert compact(expected) in text, expected
    assert "另有照片" not in text
    # In the record's order: the timeline's photos, the checklist's, then the walkthrough's own.
    assert text.index("图1办理环节") < text.index("图2检查项") < text.index("图3走流程现场")
    assert text.index("六、现场照片") < text.index("签名时间")

    images = pdfimages(pdf, tmp_path)
    photos = [r for r in images if r["type"] == "image" and r["enc"] == "jpeg"]
    signatures = [r for r in images if r["type"] == "image" and r["enc"] != "jpeg"]
    masks = [r for r in images if r["type"] == "smask"]
    lines = "\n".join(r["line"] for r in images)
    assert len(photos) == 3 and len(signatures) == 1 and len(masks) == 1, lines
    assert all(max(r["width"], r["height"]) <= PHOTO_MAX_SIDE for r in photos), lines
    # The 4000×3000 photo, held upright: embedded at 900×1200, turned by its EXIF orientation.
    assert sorted((r["width"], r["height"]) for r in photos) == [(240, 160), (800, 600), (900, 1200)], lines
    assert (signatures[0]["width"], signatures[0]["height"]) == (800, 267), lines
    assert len(pdf) < 1_500_000, len(pdf)
    assert_fonts_embedded(pdf, tmp_path)


def test_the_embedded_photo_is_upright(walked_with_photos, tmp_path):
    """Extract the big photo from the PDF: red (its top) above blue, as the head held the phone."""
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages (poppler-utils) not installed")
    pdf = render_pdf(report_input("walkthrough", walkthrough=walked_with_photos))
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-j", str(tmp_path / "r.pdf"), str(tmp_path / "img")], check=True)
    big = [im for im in (Image.open(p) for p in tmp_path.glob("img-*.jpg")) if im.size == (900, 1200)]
    assert len(big) == 1
    assert is_red(big[0].getpixel((450, 20))) and is_blue(big[0].getpixel((450, 1180)))


def test_only_the_first_photos_are_printed_and_a_line_says_how_many_more(leader_a, department_a, tmp_path):
    w = walk(leader=leader_a, item=make_item(department_a, "MANY-1"), mode=Mode.SIMULATE, complete=False)
    extra = 3
    for n in range(PHOTO_LIMIT + extra):
        evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a),
                       upload(f"p{n}.jpg", jpeg(upright_scene((320, 240), f"No.{n + 1}"), quality=70)))
    pdf = render_pdf(report_input("walkthrough", walkthrough=w))
    save_pages(pdf, "walk-record-many-photos", tmp_path)
    text = pdf_text(pdf)
    assert f"图{PHOTO_LIMIT}" in text and f"图{PHOTO_LIMIT + 1}" not in text
    assert f"另有照片{extra}张未附，可在系统中查看。" in text
    assert "签名：" not in text  # not signed: no signature line
    assert len([r for r in pdfimages(pdf, tmp_path) if r["type"] == "image"]) == PHOTO_LIMIT


def test_a_photo_whose_file_is_gone_leaves_a_note_not_a_failed_record(leader_a, department_a, tmp_path):
    w = walk(leader=leader_a, item=make_item(department_a, "GONE-1"), mode=Mode.SIMULATE, complete=False)
    kept = evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a), upload("a.jpg", jpeg(upright_scene((320, 240), "A"))))
    gone = evidence_store(Evidence(walkthrough=w, uploaded_by=leader_a), upload("b.jpg", jpeg(upright_scene((320, 240), "B"))))
    gone.file.storage.delete(gone.file.name)
    text = pdf_text(render_pdf(report_input("walkthrough", walkthrough=w)))
    assert "照片文件无法读取" in text and "图2" in text
    assert kept.file.storage.exists(kept.file.name)
