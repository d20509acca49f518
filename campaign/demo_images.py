"""Photos and signatures for the demo campaign, drawn on the fly with Pillow.

Each photo is a small JPEG of a scene a head would photograph at the window — the hall with its call
display, a phone showing the online form, a paper form, a notice on the wall — with the stamp a
phone's watermark camera puts in the corner (time and place). Signatures are PNG strokes on a
transparent background, as the walk page's signature pad sends them. Deterministic: the same
``random.Random`` draws the same pictures.
"""
from __future__ import annotations

import datetime
import io
import math
import random
from functools import lru_cache

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 480
SCENES = ("hall", "phone", "form", "notice")


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The vendored CWSans face (a GB2312 subset of Noto Sans CJK SC), the PDFs' own font."""
    name = "NotoSansSC-Bold.otf" if bold else "NotoSansSC-Regular.otf"
    return ImageFont.truetype(str(settings.BASE_DIR / "static" / "fonts" / name), size)


def _shade(rgb: tuple[int, int, int], by: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + by)) for c in rgb)


def _hall(draw: ImageDraw.ImageDraw, rng: random.Random, title: str) -> None:
    wall = rng.choice([(224, 219, 206), (214, 222, 228), (230, 226, 218)])
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=wall)
    draw.rectangle((0, 330, WIDTH, HEIGHT), fill=_shade(wall, -60))  # floor
    # The call display: a dark panel with red and green characters.
    draw.rectangle((60, 40, 580, 150), fill=(24, 24, 28), outline=(90, 90, 90), width=4)
    number = f"{rng.choice('ABC')}{rng.randint(1, 120):03d}"
    draw.text((90, 58), f"请 {number} 号到 {rng.randint(1, 12)} 号窗口", font=_font(34, True), fill=(235, 60, 50))
    draw.text((90, 106), f"当前等候 {rng.randint(0, 18)} 人", font=_font(24), fill=(80, 210, 110))
    # Windows along the counter, a sign over each.
    for i, x in enumerate(range(30, WIDTH - 100, 150)):
        draw.rectangle((x, 190, x + 120, 330), fill=_shade(wall, -25), outline=_shade(wall, -80), width=2)
        draw.rectangle((x + 10, 170, x + 110, 196), fill=(28, 92, 160))
        draw.text((x + 22, 172), f"{rng.randint(1, 30)}号窗口", font=_font(16), fill="white")
        draw.ellipse((x + 40, 230, x + 80, 270), fill=_shade(wall, -110))  # someone at the window
        draw.rectangle((x + 30, 270, x + 90, 330), fill=_shade(wall, -100))
    draw.rectangle((0, 300, WIDTH, 330), fill=(150, 116, 80))  # the counter
    draw.text((24, 350), title[:24], font=_font(22, True), fill=(40, 40, 40))


def _phone(draw: ImageDraw.ImageDraw, rng: random.Random, title: str) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=rng.choice([(120, 100, 82), (92, 96, 104), (140, 128, 110)]))
    draw.rounded_rectangle((200, 20, 440, 460), radius=28, fill=(20, 20, 22))
    draw.rectangle((214, 60, 426, 420), fill=(246, 247, 249))
    draw.rectangle((214, 60, 426, 100), fill=(22, 108, 210))
    draw.text((226, 68), "安徽政务服务网", font=_font(18, True), fill="white")
    draw.text((226, 112), title[:11], font=_font(15, True), fill=(30, 30, 30))
    for row in range(5):
        y = 146 + row * 40
        draw.text((226, y), ["申请人", "证件号码", "联系电话", "经营地址", "上传材料"][row], font=_font(13), fill=(90, 90, 90))
        draw.rectangle((300, y - 2, 414, y + 22), outline=(190, 190, 190), width=1)
    if rng.random() < 0.6:
        draw.rounded_rectangle((236, 300, 404, 370), radius=8, fill=(255, 255, 255), outline=(200, 60, 60), width=2)
        draw.text((252, 312), rng.choice(["系统繁忙，请稍后再试", "文件大小超过限制", "会话已过期，请重新登录"]),
                  font=_font(13), fill=(200, 60, 60))
        draw.text((300, 340), "确定", font=_font(15, True), fill=(22, 108, 210))
    else:
        draw.rounded_rectangle((236, 360, 404, 396), radius=6, fill=(22, 108, 210))
        draw.text((296, 366), "提交", font=_font(17, True), fill="white")


def _form(draw: ImageDraw.ImageDraw, rng: random.Random, title: str) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=rng.choice([(150, 120, 90), (170, 150, 120), (120, 110, 100)]))
    angle = rng.uniform(-0.06, 0.06)
    corners = [(110, 30), (530, 30), (530, 450), (110, 450)]
    cx, cy = 320, 240
    paper = [(cx + (x - cx) * math.cos(angle) - (y - cy) * math.sin(angle),
              cy + (x - cx) * math.sin(angle) + (y - cy) * math.cos(angle)) for x, y in corners]
    draw.polygon(paper, fill=(250, 250, 246))
    draw.text((150, 50), title[:14], font=_font(22, True), fill=(20, 20, 20))
    labels = ["名称", "统一社会信用代码", "住所", "法定代表人", "联系电话", "经营范围", "注册资本", "申请事项", "备注"]
    for row, label in enumerate(labels):
        y = 100 + row * 36
        draw.line((140, y + 26, 500, y + 26), fill=(170, 170, 170), width=1)
        draw.text((142, y + 4), label, font=_font(14), fill=(60, 60, 60))
        if rng.random() < 0.7:
            x = 280
            for _ in range(rng.randint(3, 9)):  # handwriting
                draw.line((x, y + 20, x + 8, y + 8), fill=(30, 40, 120), width=2)
                x += rng.randint(9, 16)
    if rng.random() < 0.5:
        draw.ellipse((400, 360, 490, 450), outline=(210, 40, 40), width=4)  # a red seal
        draw.text((418, 392), "受理章", font=_font(16, True), fill=(210, 40, 40))


def _notice(draw: ImageDraw.ImageDraw, rng: random.Random, title: str) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=rng.choice([(208, 212, 206), (226, 220, 210)]))
    draw.rectangle((80, 30, 560, 450), fill=(255, 255, 255), outline=(28, 92, 160), width=6)
    draw.rectangle((80, 30, 560, 90), fill=(28, 92, 160))
    draw.text((110, 42), "办事指南（已更新）" if rng.random() < 0.6 else "一次性告知单", font=_font(28, True), fill="white")
    draw.text((110, 108), title[:20], font=_font(18, True), fill=(30, 30, 30))
    for row in range(7):
        y = 150 + row * 38
        draw.text((110, y), f"{row + 1}.", font=_font(16), fill=(40, 40, 40))
        draw.rectangle((140, y + 6, 140 + rng.randint(180, 380), y + 16), fill=(200, 204, 210))
    draw.text((360, 420), "咨询电话：12345", font=_font(14), fill=(90, 90, 90))


_DRAW = {"hall": _hall, "phone": _phone, "form": _form, "notice": _notice}


def photo_jpeg(rng: random.Random, *, scene: str, title: str, place: str, taken: datetime.datetime) -> bytes:
    """A photo of ``scene`` with a watermark camera's stamp: time and place, bottom left."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    _DRAW[scene](draw, rng, title)
    # The watermark camera's stamp.
    draw.rectangle((12, HEIGHT - 74, 16, HEIGHT - 18), fill=(250, 200, 40))
    draw.text((24, HEIGHT - 78), taken.strftime("%H:%M"), font=_font(26, True), fill="white",
              stroke_width=2, stroke_fill=(0, 0, 0))
    draw.text((108, HEIGHT - 70), taken.strftime("%Y-%m-%d"), font=_font(14), fill="white",
              stroke_width=1, stroke_fill=(0, 0, 0))
    draw.text((24, HEIGHT - 40), place[:30], font=_font(14), fill="white", stroke_width=1, stroke_fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=72)
    return out.getvalue()


def signature_png(rng: random.Random) -> bytes:
    """A signature drawn with a finger: two or three strokes of a smooth scribble."""
    image = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    x = 30.0
    for _stroke in range(rng.randint(2, 3)):
        points = []
        width = rng.uniform(80, 150)
        loops = rng.uniform(2.0, 4.0)
        phase = rng.uniform(0, math.pi)
        for i in range(60):
            t = i / 59
            points.append((x + t * width + 14 * math.sin(t * loops * 2 * math.pi + phase),
                           80 + 36 * math.sin(t * loops * math.pi + phase) * (1 - 0.5 * t)))
        draw.line(points, fill=(16, 16, 48, 255), width=4, joint="curve")
        x += width + rng.uniform(10, 30)
    draw.line((40, 136, min(450, x), 128), fill=(16, 16, 48, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
