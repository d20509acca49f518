"""PDFs rendered with static/css/print.css show Chinese using the vendored font, and the reports
(print.css, report.css and templates/reports/pdf/gongwen.css, as findings/reports/render.py loads them)
use the vendored serif (CWSerif, Noto Serif CJK SC with every GB18030 ideograph) and nothing else.

Three things have to hold for this test to mean anything:

* A system font must not stand in for the vendored one. This machine has
  Noto Sans CJK installed, and the vendored files keep its PostScript names
  (NotoSansCJKsc-Regular / -Bold), so the names alone prove nothing. The
  "isolated" cases render in a subprocess whose fontconfig setup
  (FONTCONFIG_FILE) has one font directory only: the project's static/fonts.
  They check that the fonts fontconfig then sees are exactly the vendored
  files, like a fresh machine with no CJK font of its own: no system font is
  left to stand in.

  Why not an empty fontconfig (no font directory at all), as this test once
  used: Pango cannot lay out text when fontconfig has no font. Any text
  shaped before, or without, the @font-face font (a font file that cannot
  be fetched or read at that moment, or anything else that leaves the
  family unresolved) gets a NULL font, and Pango 1.50 crashes on it
  ("pango_font_describe_with_absolute_size: assertion 'font != NULL'",
  then SIGSEGV) after WeasyPrint's "No fonts configured in FontConfig"
  warning — the signal 11 a first clean run of the suite once hit. It
  did not come back in more than 100 isolated renders (up to 12 at once,
  each with a fresh fontconfig cache), so its trigger was timing or the
  machine's state, not this test's input; but an @font-face whose file
  cannot be loaded reproduces it every time. With static/fonts as fontconfig's only
  directory there is always a font, so such a failure is reported by the
  assertions below (WeasyPrint would then name the PDF fonts
  "Noto-Sans-CJK-SC", not "CWSans") instead of killing the process.
* The fonts that WeasyPrint embeds in the PDF must be the vendored files.
  WeasyPrint names PDF fonts after the CSS family ("XXXXXX+CWSans",
  "XXXXXX+CWSans-Bold"), not after the PostScript name. So the test also
  opens the embedded font programs and compares their PostScript names with
  the vendored .otf files. The CFF FontName also identifies the source: the
  vendored files say "NotoSansCJKsc-*", but the system .ttc says
  "NotoSansCJKjp-*".
* Both ways of attaching the stylesheet must work: <link> in the HTML, and
  weasyprint.CSS(...) passed to write_pdf(). For the second, the same
  FontConfiguration has to go to CSS() and to write_pdf(). Without it,
  WeasyPrint ignores @font-face and quietly uses system fonts.

No database and no Django settings are needed.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

try:
    from fontTools.ttLib import TTFont
except ImportError:  # pragma: no cover - fontTools is a WeasyPrint dependency
    TTFont = None

REPO_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = REPO_ROOT / "static"
PRINT_CSS = STATIC_DIR / "css" / "print.css"
FONT_FILES = {
    "regular": STATIC_DIR / "fonts" / "NotoSansSC-Regular.otf",
    "bold": STATIC_DIR / "fonts" / "NotoSansSC-Bold.otf",
    "serif-regular": STATIC_DIR / "fonts" / "NotoSerifSC-Regular.otf",
    "serif-bold": STATIC_DIR / "fonts" / "NotoSerifSC-Bold.otf",
}
# The reports' stylesheets, in the order render.py applies them.
REPORT_CSS = [STATIC_DIR / "css" / "print.css", STATIC_DIR / "css" / "report.css",
              REPO_ROOT / "templates" / "reports" / "pdf" / "gongwen.css"]
# PostScript names (name ID 6) of the vendored files, used if fontTools is missing.
KNOWN_POSTSCRIPT_NAMES = {
    "regular": "NotoSansCJKsc-Regular",
    "bold": "NotoSansCJKsc-Bold",
    "serif-regular": "NotoSerifCJKsc-Regular",
    "serif-bold": "NotoSerifCJKsc-Bold",
}
CSS_FAMILY = "CWSans"
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"

HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>走流程记录</title>{link}</head>
<body>
  <div class="heading-org">池州市营商环境办公室</div>
  <h1>走流程记录 第一页</h1>
  <p>池州市营商环境办公室 走流程记录 第一页</p>
  <p>覆盖地区：贵池区、东至县、石台县、青阳县、九华山风景区。</p>
  <table>
    <thead><tr><th>序号</th><th>事项</th><th>结果</th></tr></thead>
    <tbody>
      <tr><td>①</td><td>企业开办 — 全程网办</td><td>√ 通过</td></tr>
      <tr><td>Ⅻ</td><td>办理时限 ≤ 3 个工作日（“一次办好”）…</td><td>★ 满意</td></tr>
    </tbody>
  </table>
  <p><strong>加粗说明：</strong>温度 25℃，编号 №123，比例 3×4÷2；ASCII 0-9 A-Z.</p>
</body>
</html>
"""
# A report page: body in CWSerif, title bold, a 黑体 heading (CWSans Bold), names outside GB2312.
REPORT_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>整改通知书</title></head>
<body class="report report-department">
  <header class="masthead"><div class="masthead-org">池州市营商环境办公室文件</div>
  <div class="masthead-number">池营商办〔2026〕1号</div><div class="masthead-rule"></div></header>
  <h1 class="doc-title">整改通知书</h1>
  <p class="addressee">贵池区珺镕街道便民服务中心：</p>
  <h2>一、走流程情况</h2>
  <p class="para">局长王喆堃到珺镕街道走流程，发现“一次性告知”不到位。</p>
</body>
</html>
"""
REPORT_TEXT = ["池州市营商环境办公室文件", "池营商办〔2026〕1号", "整改通知书", "贵池区珺镕街道便民服务中心：",
               "一、走流程情况", "局长王喆堃到珺镕街道走流程", "—1—"]
LINK_TAG = '<link rel="stylesheet" href="css/print.css">'

EXPECTED_TEXT = [
    "池州市营商环境办公室",
    "走流程记录",
    "第一页",
    "贵池区、东至县、石台县、青阳县、九华山风景区",
    "企业开办",
    "加粗说明",
    "第1页/共1页",  # @page footer (whitespace is ignored in the comparison)
]

# Run in a subprocess so that a fresh fontconfig reads FONTCONFIG_FILE.
RENDER_SCRIPT = r"""
import ctypes, ctypes.util, json, sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

mode, html_path, css_path, base_url, pdf_path = sys.argv[1:6]

# Which font files does fontconfig offer without any @font-face?
fontconfig_files = None
lib = ctypes.util.find_library("fontconfig")
if lib:
    class FcFontSet(ctypes.Structure):
        _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]

    fc = ctypes.CDLL(lib)
    fc.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    fc.FcConfigGetFonts.restype = ctypes.POINTER(FcFontSet)
    fc.FcConfigGetFonts.argtypes = [ctypes.c_void_p, ctypes.c_int]
    fc.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    config = fc.FcInitLoadConfigAndFonts()
    font_set = fc.FcConfigGetFonts(config, 0)  # 0 = FcSetSystem
    fontconfig_files = []
    for i in range(font_set.contents.nfont if font_set else 0):
        path = ctypes.c_char_p()
        if fc.FcPatternGetString(font_set.contents.fonts[i], b"file", 0, ctypes.byref(path)) == 0:  # FcResultMatch
            fontconfig_files.append(path.value.decode())

with open(html_path, encoding="utf-8") as f:
    document = HTML(string=f.read(), base_url=base_url)
if mode == "report":  # render.py's way: one FontConfiguration, each sheet's url()s from static/css/
    import os
    font_config = FontConfiguration()
    sheets = [CSS(string=open(path, encoding="utf-8").read(), base_url=base_url + "css/", font_config=font_config)
              for path in css_path.split(os.pathsep)]
    document.write_pdf(pdf_path, stylesheets=sheets, font_config=font_config)
elif mode == "stylesheets":
    font_config = FontConfiguration()
    css = CSS(filename=css_path, font_config=font_config)
    document.write_pdf(pdf_path, stylesheets=[css], font_config=font_config)
else:  # "link": the HTML links css/print.css itself
    document.write_pdf(pdf_path)
print(json.dumps({"fontconfig_files": fontconfig_files}))
"""


def vendored_font_info():
    """PostScript name and glyph count for each vendored .otf."""
    info = {}
    for key, path in FONT_FILES.items():
        if TTFont is None:
            info[key] = {"ps_name": KNOWN_POSTSCRIPT_NAMES[key], "glyphs": None}
            continue
        with TTFont(path, lazy=True) as font:
            info[key] = {
                "ps_name": font["name"].getDebugName(6),
                "glyphs": font["maxp"].numGlyphs,
            }
    return info


def isolated_fontconfig(tmp_path):
    """A fontconfig setup whose only font directory is static/fonts: no system
    font at all, yet never an empty fontconfig (see the module's docstring).
    Its cache is a folder of its own, fresh for each test."""
    conf = tmp_path / "fonts.conf"
    cache = tmp_path / "fontconfig-cache"
    cache.mkdir()
    conf.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{STATIC_DIR / 'fonts'}</dir><cachedir>{cache}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def render(tmp_path, isolated, mode):
    html_file = tmp_path / "doc.html"
    html_file.write_text(
        REPORT_HTML if mode == "report" else HTML.format(link=LINK_TAG if mode == "link" else ""), encoding="utf-8"
    )
    css = os.pathsep.join(str(path) for path in REPORT_CSS) if mode == "report" else str(PRINT_CSS)
    pdf_file = tmp_path / "doc.pdf"
    env = dict(os.environ)
    if isolated:
        env["FONTCONFIG_FILE"] = str(isolated_fontconfig(tmp_path))
        env.pop("FONTCONFIG_PATH", None)
    result = subprocess.run(
        [sys.executable, "-c", RENDER_SCRIPT, mode,
         str(html_file), css, str(STATIC_DIR) + os.sep, str(pdf_file)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, (
        f"WeasyPrint failed with exit code {result.returncode}. A crash (-11) means "
        "Pango had no font for some text (see the module's docstring)."
        f"\n{result.stderr}"
    )
    assert "cannot be loaded" not in result.stderr, result.stderr
    return pdf_file, json.loads(result.stdout.strip().splitlines()[-1])


def pdffonts(pdf_file):
    """(name without subset tag, emb, uni) for each font pdffonts lists."""
    out = subprocess.run(
        ["pdffonts", str(pdf_file)], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    assert len(lines) >= 2 and lines[1].startswith("---"), out
    fonts = []
    for line in lines[2:]:
        if line.strip():
            # name type... encoding emb sub uni object-id generation
            parts = line.split()
            fonts.append((re.sub(r"^[A-Z]{6}\+", "", parts[0]), parts[-5], parts[-3]))
    return fonts, out


def embedded_fonts(reader):
    """{PDF font name: embedded font program as a TTFont} for every page."""
    found = {}
    for page in reader.pages:
        for font_ref in page["/Resources"]["/Font"].values():
            font = font_ref.get_object()
            base_name = re.sub(r"^[A-Z]{6}\+", "", str(font["/BaseFont"]).lstrip("/"))
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            stream = next(
                descriptor[key].get_object()
                for key in ("/FontFile3", "/FontFile2", "/FontFile")
                if key in descriptor
            )
            found[base_name] = TTFont(io.BytesIO(stream.get_data()))
    return found


@pytest.mark.parametrize("mode", ["stylesheets", "link", "report"])
@pytest.mark.parametrize("isolated", [True, False], ids=["isolated", "system"])
def test_pdf_uses_vendored_chinese_font(tmp_path, isolated, mode):
    for path in (PRINT_CSS, *REPORT_CSS, *FONT_FILES.values()):
        assert path.is_file(), f"missing {path}"

    pdf_file, info = render(tmp_path, isolated, mode)

    if isolated:
        if info["fontconfig_files"] is None:
            pytest.skip("ctypes cannot find libfontconfig, so isolation cannot be proved")
        # Nothing but the vendored files could have been used.
        seen = sorted(os.path.realpath(path) for path in info["fontconfig_files"])
        assert seen == sorted(os.path.realpath(path) for path in FONT_FILES.values()), (
            f"isolated fontconfig sees other fonts than the vendored ones: {seen}"
        )

    # (a) The Chinese text is in the PDF as real, extractable text.
    reader = PdfReader(pdf_file)
    assert len(reader.pages) == 1
    text = "".join(page.extract_text() for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    for expected in REPORT_TEXT if mode == "report" else EXPECTED_TEXT:
        assert re.sub(r"\s+", "", expected) in compact, (
            f"{expected!r} not found in extracted text:\n{text}"
        )

    # The PNG is written before the font checks, so it is there to look at
    # even when they fail.
    if isolated and mode in ("stylesheets", "report") and shutil.which("pdftoppm"):
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        prefix = ARTIFACTS_DIR / ("pdf_font" if mode == "stylesheets" else "pdf_font_report")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf_file), str(prefix)],
            check=True, capture_output=True,
        )
        assert prefix.with_suffix(".png").stat().st_size > 0

    vendored = vendored_font_info()
    assert all(re.search(r"NotoS(ans|erif)(CJK|SC)", v["ps_name"]) for v in vendored.values())
    # Regular for body text, and the real Bold face (not synthetic bold) for headings; a report's body
    # and title in the serif, its 黑体 heading in the sans bold.
    if mode == "report":
        expected_pdf_names = {"CWSerif": "serif-regular", "CWSerif-Bold": "serif-bold", f"{CSS_FAMILY}-Bold": "bold"}
    else:
        expected_pdf_names = {CSS_FAMILY: "regular", f"{CSS_FAMILY}-Bold": "bold"}

    # (b) The embedded font programs are the vendored files.
    if TTFont is not None:
        embedded = embedded_fonts(reader)
        assert set(embedded) == set(expected_pdf_names), (
            f"expected only {sorted(expected_pdf_names)} in the PDF, got {sorted(embedded)}"
        )
        for pdf_name, key in expected_pdf_names.items():
            font = embedded[pdf_name]
            ps_name = vendored[key]["ps_name"]
            assert font["name"].getDebugName(6) == ps_name, pdf_name
            if "CFF " in font:
                # The system .ttc has "NotoSansCJKjp-*" here; the vendored file has ps_name.
                assert font["CFF "].cff.fontNames == [ps_name], pdf_name
            # WeasyPrint keeps glyph IDs when subsetting, so glyphs from the
            # 65k-glyph system font would give a larger font than the vendored one.
            assert font["maxp"].numGlyphs <= vendored[key]["glyphs"], pdf_name

    # (c) pdffonts: the same fonts, all embedded, none missing.
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    fonts, raw = pdffonts(pdf_file)
    assert all(emb == "yes" for _, emb, _ in fonts), f"font not embedded:\n{raw}"
    assert all(uni == "yes" for _, _, uni in fonts), f"font without ToUnicode:\n{raw}"
    assert {name for name, _, _ in fonts} == set(expected_pdf_names), raw
