"""Turn a :class:`ReportInput` into a PDF (all four kinds) or the ledger's xlsx.

The PDFs are laid out as Chinese government documents after GB/T 9704-2012 (templates/reports/pdf/
gongwen.css, docs/reports.md): 版头 (the issuing body in red, the 发文字号 of the numbered kinds, the
red rule), the title, 主送, the body, 附件, the issuer and date over the seal's place, the 版记 at the
foot of the last page and page numbers "— N —". Everything shown comes from the querysets in ``data``, which are already limited
to what the requester may see; nothing here widens them.

The bulletin's figures are aggregated by the database in a fixed number of queries. The ledger
streams: findings come ``.iterator(chunk_size=…)`` with their history prefetched per chunk, so a
ledger of any length never holds more than one chunk of findings.
"""
from __future__ import annotations

import base64
import datetime
import gc
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.template.loader import get_template, render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from inspections.checklists import questions_for, sections_for
from inspections.models import Answer, Mode, Status
from inspections.queries import elapsed_in_limit_unit

from core.categories import GROUP_OF, Category, CategoryGroup
from ..models import FindingStatus, Severity
from .. import timeline
from ..queries import appeal_counts, overdue_q, with_overdue
from ..timeline import timeline_prefetch
from .data import ReportInput, walkthrough_photos

log = logging.getLogger(__name__)

Progress = Callable[[int], None]

STATIC_DIR = Path(settings.BASE_DIR) / "static"
STYLESHEETS = [STATIC_DIR / "css" / "print.css", STATIC_DIR / "css" / "report.css"]
# The 公文 layout (GB/T 9704) and its serif fonts, over the two above; its url()s are relative to static/css/.
GONGWEN_CSS = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf" / "gongwen.css"
# The widest 发文机关标志 (版头) a line of the 版心 holds: 156 mm, in points, and its largest size (2号 is
# 22 pt; GB/T 9704 leaves the size to the issuer, so long names shrink to fit one line).
TEXT_WIDTH_PT = 156 / 25.4 * 72
MASTHEAD_MAX_PT = 26
LANGUAGE = "zh-hans"  # the reports are Chinese documents, whoever asks for them
CHUNK = 500
RED = "#C00000"
# The walk record's photos: at most this many printed (a line says how many more there are), each
# embedded as a JPEG of at most PHOTO_MAX_SIDE pixels on its long side (about 380 dpi at the 80 mm
# the page gives it), never the phone's 12-megapixel original.
PHOTO_LIMIT = 12
PHOTO_MAX_SIDE = 1200
PHOTO_JPEG_QUALITY = 80
SIGNATURE_MAX_SIDE = 800


def _no_progress(percent: int) -> None:
    pass


# --- entry points -------------------------------------------------------------------------------

def render_pdf(data: ReportInput, progress: Progress = _no_progress) -> bytes:
    """The report's PDF, A4, with the vendored CJK font embedded."""
    context_for = {"walkthrough": _walkthrough_context, "department": _department_context,
                   "bulletin": _bulletin_context, "ledger": _ledger_context}[data.kind]
    with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
        context = context_for(data, progress)
        if data.kind != "ledger":  # the ledger reports its own progress while it streams
            progress(10)
        html = render_to_string(f"reports/pdf/{data.kind}.html", {**_document_context(data), **context})
    progress(60)
    pdf = _html_to_pdf(html, progress)
    progress(100)
    return pdf


def _document_context(data: ReportInput) -> dict:
    """What every report prints around its body (GB/T 9704): 版头, 署名, 版记."""
    from .numbers import numbered

    issuer = data.issuer or settings.REPORT_ISSUER
    # A 公文 of a kind that is numbered is a 文件: "…办公室文件"; a record carries the issuer alone.
    masthead = f"{issuer}文件" if numbered(data.kind) else issuer
    size = min(MASTHEAD_MAX_PT, int(TEXT_WIDTH_PT / max(len(masthead), 1) * 10) / 10)
    return {
        "data": data, "issuer": issuer, "masthead": masthead, "masthead_size": size,
        "copy_to": settings.REPORT_COPY_TO if numbered(data.kind) else "",
        "printer": settings.REPORT_PRINTER or issuer,
    }


def render_ledger_xlsx(data: ReportInput, out: BinaryIO, progress: Progress = _no_progress) -> None:
    """The ledger as one sheet, one row per finding, its history in the last column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    from core.exports import xlsx_cell

    with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
        findings = _ledger_findings(data)
        total = findings.count()
        progress(10)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("整改台账")
        columns = [("序号", 6), (_("responsible department"), 22), (_("service item"), 26), (_("Finding"), 40),
                   (_("category"), 18), (_("severity"), 9), ("发现日期", 15), (_("rectification deadline"), 15),
                   (_("status"), 10), ("是否逾期", 9), (_("rectification measures"), 40), ("销号日期", 15),
                   ("整改过程", 70)]
        last_column = get_column_letter(len(columns))
        for index, (_title, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.auto_filter.ref = f"A1:{last_column}{total + 1}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

        # Named styles: a cell takes one by name, which is far cheaper than hashing a style per cell.
        thin = Side(style="thin", color="999999")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        top = dict(vertical="top", wrap_text=True)
        for name, extra in {
            "ledger-head": dict(font=Font(bold=True), fill=PatternFill("solid", fgColor="E7E6E6"),
                                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
            "ledger-text": dict(alignment=Alignment(**top)),
            "ledger-centre": dict(alignment=Alignment(horizontal="center", **top)),
            "ledger-date": dict(alignment=Alignment(horizontal="center", **top), number_format='yyyy"年"m"月"d"日"'),
        }.items():
            wb.add_named_style(NamedStyle(name=name, border=border, **extra))

        def cell(value, style="ledger-text"):
            return xlsx_cell(ws, value, style)  # a title or measures beginning with "=" stay text

        ws.append([cell(title, "ledger-head") for title, _w in columns])
        done = 0
        for row in _ledger_rows(findings):
            ws.append([
                cell(row.n, "ledger-centre"), cell(row.department), cell(row.item), cell(row.title), cell(row.category),
                cell(row.severity, "ledger-centre"), cell(row.found_on, "ledger-date"), cell(row.due_date, "ledger-date"),
                cell(row.status, "ledger-centre"), cell("是" if row.overdue else "否", "ledger-centre"), cell(row.measures),
                cell(row.closed_on, "ledger-date"), cell("\n".join(row.history)),
            ])
            done += 1
            if done % CHUNK == 0 and total:
                progress(10 + 80 * done // total)
        progress(90)
        wb.save(out)
    progress(100)


# --- PDF machinery --------------------------------------------------------------------------------

# What a report may load besides data: URIs (the walk record's photos and signature): the project's own
# fonts and images, nothing else — no other file of the machine, nothing over the network, whatever a
# field or a template puts in an <img src>, a url() or an @import.
REPORT_ASSET_DIRS = (STATIC_DIR / "fonts", STATIC_DIR / "img")
REPORT_ASSET_SUFFIXES = {".otf", ".ttf", ".woff", ".woff2", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def report_asset_path(url: str) -> Path | None:
    """The file a ``file:`` URL names if a report may load it, else None."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    try:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve(strict=True)  # "..", %2e%2e and symlinks undone
    except (ValueError, OSError):
        return None
    if path.suffix.lower() not in REPORT_ASSET_SUFFIXES or not path.is_file():
        return None
    if not any(path.is_relative_to(folder.resolve()) for folder in REPORT_ASSET_DIRS):
        return None
    return path


def report_url_fetcher():
    """WeasyPrint's URL fetcher for reports: data: URIs and the project's fonts and images only.
    A refused URL raises; WeasyPrint logs it and leaves the resource out."""
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = report_asset_path(url)
            if path is None:
                log.warning("report: refused to fetch %.200s", url)
                raise ValueError(f"A report may not load {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return ReportURLFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def _html_to_pdf(html: str, progress: Progress) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # One FontConfiguration for the stylesheets and the document, or @font-face is silently
    # ignored and the system's fonts (if any) are used instead of the vendored CWSerif and CWSans.
    font_config = FontConfiguration()
    fetcher = report_url_fetcher()
    stylesheets = [CSS(filename=str(path), font_config=font_config, url_fetcher=fetcher) for path in STYLESHEETS]
    stylesheets.append(CSS(string=GONGWEN_CSS.read_text(encoding="utf-8"), base_url=str(STATIC_DIR / "css") + "/",
                           font_config=font_config, url_fetcher=fetcher))
    document = HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config)
    progress(90)
    pdf = document.write_pdf()
    # The laid-out boxes reference each other in cycles: free them now, not whenever the
    # collector next runs, so a worker does not carry a long ledger's layout into its next job.
    del document
    gc.collect()
    return pdf


def _local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value else None


def _period(data: ReportInput) -> tuple[Q, Q]:
    """The period as filters: walkthroughs by the day they were scheduled, findings by the day filed."""
    walks, findings = Q(), Q()
    if data.period_start:
        walks &= Q(scheduled_for__gte=data.period_start)
        findings &= Q(created_at__date__gte=data.period_start)
    if data.period_end:
        walks &= Q(scheduled_for__lte=data.period_end)
        findings &= Q(created_at__date__lte=data.period_end)
    return walks, findings


def _period_text(data: ReportInput) -> str:
    def d(value):
        return date_format(value, "DATE_FORMAT")

    if data.period_start and data.period_end:
        return f"{d(data.period_start)}至{d(data.period_end)}"
    if data.period_start:
        return f"{d(data.period_start)}以来"
    if data.period_end:
        return f"截至{d(data.period_end)}"
    return f"截至{d(data.issued_on)}"


# --- 走流程记录 ------------------------------------------------------------------------------------

def _walkthrough_context(data: ReportInput, progress: Progress) -> dict:
    # Fetched again through the scoped queryset: the record shows only a walkthrough its requester may see.
    w = (data.walkthroughs.select_related("service_item", "department", "leader")
         .annotate(declared_materials=Count("service_item__materials", distinct=True),
                   declared_steps=Count("service_item__steps", distinct=True),
                   evidence_count=Count("evidence", distinct=True))
         .get(pk=data.walkthrough.pk))
    item = w.service_item
    answers = {a.question: a for a in w.answers.all()}
    checklist = [
        {"section": section, "questions": [{"question": q, "answer": answers.get(q.code)} for q in questions]}
        for section, questions in sections_for(w)
    ]
    elapsed = None
    in_unit = elapsed_in_limit_unit(w)  # a calendar-day limit is compared in calendar days
    if w.elapsed_days is not None:
        elapsed = f"{w.elapsed_days}个工作日" + (f"（{in_unit}个自然日）" if item.limit_unit == "calendar_days" else "")
    elif w.elapsed_minutes is not None:
        hours, minutes = divmod(w.elapsed_minutes, 60)
        elapsed = f"{hours}小时{minutes}分钟" if hours else f"{minutes}分钟"
    promised = "即办" if item.promised_limit_days == 0 else f"{item.promised_limit_days}个{item.get_limit_unit_display()}"
    compare = [
        # (what, declared, observed, exceeds)
        ("申请材料（件）", w.declared_materials, w.observed_materials, _exceeds(w.observed_materials, w.declared_materials)),
        ("到现场次数（次）", item.max_visits, w.observed_visits, _exceeds(w.observed_visits, item.max_visits)),
        ("办理环节（个）", w.declared_steps, w.observed_steps, _exceeds(w.observed_steps, w.declared_steps)),
        (_("Time limit"), promised, elapsed, _exceeds(in_unit, item.promised_limit_days)),
        (_("queue minutes"), None, w.queue_minutes, False),
    ]
    findings = (data.findings.filter(walkthrough=w).select_related("service_item")
                .annotate(evidence_count=Count("evidence")).order_by("created_at", "id"))
    photos = walkthrough_photos(w, questions_for(w))
    shown = [{"n": n, "photo": photo, "src": _embedded_image(photo.evidence.file, max_side=PHOTO_MAX_SIDE)}
             for n, photo in enumerate(photos[:PHOTO_LIMIT], start=1)]
    signature = _embedded_image(w.signature, max_side=SIGNATURE_MAX_SIDE, png=True) if w.signature else None
    return {
        "w": w, "item": item, "events": w.events.all(), "checklist": checklist, "compare": compare,
        "findings": findings, "answer_problem": Answer.PROBLEM,
        "photo_rows": [shown[i:i + 2] for i in range(0, len(shown), 2)], "photos_total": len(photos),
        "photos_more": len(photos) - len(shown), "other_files": w.evidence_count - len(photos),
        "signature": signature,
    }


def _exceeds(observed, declared) -> bool:
    return observed is not None and declared is not None and observed > declared


def _embedded_image(field, *, max_side: int, png: bool = False) -> str | None:
    """A stored image as a ``data:`` URI: upright (its EXIF orientation applied), at most ``max_side``
    pixels on its long side, a JPEG (transparency laid on white) or, with ``png``, a PNG that keeps it.

    Read through the storage, which may be S3: never a local path. A file that is gone or does not
    read as an image is logged and left out (None): the record is still made.
    """
    try:
        with field.open("rb") as fh:
            data = fh.read()
        with Image.open(io.BytesIO(data)) as original:
            original.draft("RGB", (max_side, max_side))  # a JPEG decodes at ½, ¼ or ⅛ of its size: cheap
            image = ImageOps.exif_transpose(original)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        log.warning("report: image %s not embedded: %s", field.name, error)
        return None
    out = io.BytesIO()
    if png:
        if image.mode not in ("RGBA", "LA", "RGB", "L"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True,
                   icc_profile=image.info.get("icc_profile"))
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


# --- 整改通知书 ------------------------------------------------------------------------------------

def _department_context(data: ReportInput, progress: Progress) -> dict:
    today = data.issued_on
    # 现予交办: only what the office has assigned, with its deadline; an unassigned finding is not the
    # department's to rectify yet, and a notice must not say it is.
    assigned = data.findings.filter(department=data.department, status__in=[FindingStatus.RECTIFYING, FindingStatus.SUBMITTED],
                                    due_date__isnull=False)
    rows = list(
        with_overdue(assigned, today)
        .select_related("service_item")
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "id")
    )
    overdue = [f for f in rows if f.is_overdue]
    return {"department": data.department, "open_findings": rows, "overdue": overdue,
            "recipient": data.department.name}


# --- 督查通报 --------------------------------------------------------------------------------------

def _bulletin_context(data: ReportInput, progress: Progress) -> dict:
    today = data.issued_on
    walk_period, finding_period = _period(data)
    walks = data.walkthroughs.filter(walk_period)
    findings = data.findings.filter(finding_period)
    closed = Q(status=FindingStatus.CLOSED)

    # 1. walkthroughs by mode
    by_mode_rows = {row["mode"]: row for row in walks.order_by().values("mode").annotate(
        planned=Count("id", filter=~Q(status=Status.CANCELLED)), completed=Count("id", filter=Q(status=Status.COMPLETED)))}
    by_mode = [{"label": label, "planned": by_mode_rows.get(code, {}).get("planned", 0),
                "completed": by_mode_rows.get(code, {}).get("completed", 0)} for code, label in Mode.choices]

    # 2. the headline figures, by status and the simplification sums, in one query
    totals = findings.aggregate(
        total=Count("id"),
        **{f"status_{code}": Count("id", filter=Q(status=code)) for code in FindingStatus.values},
        overdue=Count("id", filter=overdue_q(today)),
        materials_cut=Sum("materials_cut", filter=closed), days_cut=Sum("days_cut", filter=closed),
        visits_cut=Sum("visits_cut", filter=closed),
    )
    by_status = [{"label": label, "count": totals[f"status_{code}"]} for code, label in FindingStatus.choices]
    n_closed = totals[f"status_{FindingStatus.CLOSED}"]
    not_dismissed = totals["total"] - totals[f"status_{FindingStatus.DISMISSED}"]
    rate = f"{100 * n_closed / not_dismissed:.1f}%" if not_dismissed else "—"

    # 3. by category, folded into the groups (at most one row per category comes back)
    per_category = dict(findings.order_by().values_list("category").annotate(n=Count("id")))
    by_group = [{"label": label, "count": sum(n for code, n in per_category.items() if GROUP_OF.get(code) == group),
                 "categories": [(Category(code).label, n) for code, n in sorted(per_category.items(), key=lambda kv: -kv[1])
                                if GROUP_OF.get(code) == group]}
                for group, label in CategoryGroup.choices]

    # 4. median days from filing to close: the middle row(s) in the database's own order
    median = _median_days_to_close(findings.filter(closed, closed_at__isnull=False), n_closed)

    # 5. the overdue list
    overdue = (findings.filter(overdue_q(today)).select_related("department", "service_item")
               .order_by("due_date", "department__code", "id"))

    # 6. the ranking: every active department (an idle one is listed, marked 未开展: it is the one to
    # chase), then two grouped queries merged per department
    ranking: dict[int, dict] = {} if data.departments is None else {
        pk: {"name": name, "completed": 0, "planned": 0, "on_time": 0, "overdue": 0}
        for pk, name in data.departments.order_by("code").values_list("id", "name")}
    for row in walks.order_by().values("department", "department__name").annotate(
            completed=Count("id", filter=Q(status=Status.COMPLETED)), planned=Count("id", filter=~Q(status=Status.CANCELLED))):
        ranking[row["department"]] = {"name": row["department__name"], "completed": row["completed"], "planned": row["planned"],
                                      "on_time": 0, "overdue": 0}
    on_time = closed & (Q(due_date__isnull=True) | Q(closed_at__date__lte=F("due_date")))
    for row in findings.order_by().values("department", "department__name").annotate(
            on_time=Count("id", filter=on_time), overdue=Count("id", filter=overdue_q(today))):
        entry = ranking.setdefault(row["department"], {"name": row["department__name"], "completed": 0, "planned": 0})
        entry.update(on_time=row["on_time"], overdue=row["overdue"])
    for entry in ranking.values():
        entry["idle"] = not entry["planned"]

    def merit(r):
        return -r["completed"], -r["on_time"], r["overdue"]

    ranked = sorted(ranking.values(), key=lambda r: (*merit(r), r["name"]))
    for index, row in enumerate(ranked):  # equal figures, equal place
        row["place"] = ranked[index - 1]["place"] if index and merit(ranked[index - 1]) == merit(row) else index + 1

    # 7. appeals (申诉复核) on these findings, per department
    names = {pk: r["name"] for pk, r in ranking.items()}  # every department with findings is ranked
    appeals = sorted(({"name": names.get(pk, ""), **row}
                      for pk, row in appeal_counts(findings).items()), key=lambda r: (-r["made"], r["name"]))

    planned_total = sum(r["planned"] for r in by_mode)
    completed_total = sum(r["completed"] for r in by_mode)
    return {
        "recipients": settings.REPORT_BULLETIN_RECIPIENTS,
        "period": _period_text(data),
        "by_mode": by_mode, "planned_total": planned_total, "completed_total": completed_total,
        "totals": totals, "by_status": by_status, "by_group": by_group, "rate": rate, "closed_count": n_closed,
        "median": median, "overdue_list": overdue, "ranking": ranked, "appeals": appeals,
        "appeal_totals": {key: sum(r[key] for r in appeals) for key in ("made", "upheld", "accepted", "pending")},
        "simpler": {key: totals[key] or 0 for key in ("materials_cut", "days_cut", "visits_cut")},
        "mode_chart": _bar_chart([r["label"] for r in by_mode], [("计划", "#A6A6A6", [r["planned"] for r in by_mode]),
                                                                 ("完成", RED, [r["completed"] for r in by_mode])]),
        "group_chart": _bar_chart([r["label"] for r in by_group], [("问题数", RED, [r["count"] for r in by_group])]),
    }


def _median_days_to_close(closed: QuerySet, count: int) -> str:
    """Working days by the calendar (core/workdays.py, as the dashboard's tally counts them), one
    decimal; one query, whatever the number of closed findings."""
    from core.workdays import working_days_expression

    if not count:
        return "—"
    middle = (count - 1) // 2
    values = list(closed.annotate(d=working_days_expression("created_at", "closed_at")).order_by("d")
                  .values_list("d", flat=True)[middle:middle + 2])
    if count % 2:
        values = values[:1]
    return f"{sum(values) / len(values):.1f}"


def _bar_chart(labels: list, series: list[tuple[str, str, list[int]]], *, width: int = 600) -> SafeString:
    """A horizontal bar chart as inline SVG: one band per label, one bar per series, value at the end."""
    bar, gap, band_gap = 11, 2, 9
    label_w, value_w, legend_h = 150, 34, 22 if len(series) > 1 else 4
    band = len(series) * bar + (len(series) - 1) * gap
    height = legend_h + len(labels) * (band + band_gap) + 4
    plot_w = width - label_w - value_w
    top = max([1, *(v for _name, _colour, values in series for v in values)])
    font = 'font-family="CWSerif" font-size="11"'
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    if len(series) > 1:
        x = label_w
        for name, colour, _values in series:
            parts.append(f'<rect x="{x}" y="5" width="12" height="10" fill="{colour}"/>'
                         f'<text x="{x + 16}" y="14" {font} fill="#000">{escape(name)}</text>')
            x += 24 + 12 * len(str(name))
    # axis line
    parts.append(f'<line x1="{label_w}" y1="{legend_h}" x2="{label_w}" y2="{height - 2}" stroke="#000" stroke-width="0.8"/>')
    for i, label in enumerate(labels):
        y0 = legend_h + i * (band + band_gap) + band_gap / 2
        parts.append(f'<text x="{label_w - 6}" y="{y0 + band / 2 + 4}" {font} text-anchor="end" fill="#000">{escape(label)}</text>')
        for j, (_name, colour, values) in enumerate(series):
            y = y0 + j * (bar + gap)
            w = plot_w * values[i] / top
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 2}" {font} fill="#000">{values[i]}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # the labels are escaped above; the rest are numbers


# --- 整改台账 --------------------------------------------------------------------------------------

@dataclass
class LedgerRow:
    """One finding of the ledger as the PDF and the xlsx print it."""

    n: int
    department: str
    item: str
    title: str
    category: str
    severity: str
    found_on: datetime.date
    due_date: datetime.date | None
    status: str
    overdue: bool
    measures: str
    closed_on: datetime.date | None
    history: list[str]
    anchor: str = ""  # the id of the row's <tr>: a department's first row, for the contents page


# The ledger's order: department by department (as the contents page lists them), each in filing order.
LEDGER_ORDER = ("department__code", "department_id", "created_at", "id")


def _ledger_base(data: ReportInput) -> QuerySet:
    _walks, finding_period = _period(data)
    findings = data.findings.filter(finding_period)
    if data.department is not None:
        findings = findings.filter(department=data.department)
    return findings


def _ledger_findings(data: ReportInput) -> QuerySet:
    # Each finding's whole timeline (findings/timeline.py): four more queries per chunk of rows.
    return (timeline_prefetch(with_overdue(_ledger_base(data), data.issued_on).select_related("department", "service_item"))
            .order_by(*LEDGER_ORDER))


def ledger_plan_rows(data: ReportInput) -> Iterator[tuple[int, int, str]]:
    """(finding id, department id, department name) of every ledger row, in order: streamed, for
    cutting the ledger into pieces (``actions.ledger_plan``) — three columns, not the rows."""
    return (_ledger_base(data).order_by(*LEDGER_ORDER)
            .values_list("id", "department_id", "department__name").iterator(chunk_size=2000))


# The appeal's steps by the campaign's names, beside "from→to".
APPEAL_STEPS = {
    (FindingStatus.RECTIFYING, FindingStatus.APPEALED): "申诉",
    (FindingStatus.APPEALED, FindingStatus.RECTIFYING): "复核：维持原认定",
    (FindingStatus.APPEALED, FindingStatus.DISMISSED): "复核：申诉成立",
}


def _move_label(t, status: dict[str, str]) -> str:
    """A move of the timeline (``from_status``, ``to_status``) as the ledger names it."""
    move = f"{status[t.from_status]}→{status[t.to_status]}"
    step = APPEAL_STEPS.get((t.from_status, t.to_status))
    return f"{step}（{move}）" if step else move


def _step_text(entry, status: dict[str, str]) -> list[str]:
    """What the ledger says of one step of a finding's timeline, after its time and actor."""
    short = entry.note if len(entry.note) <= 80 else entry.note[:79] + "…"
    if entry.kind == timeline.FILED:
        return [f"登记（{status[FindingStatus.OPEN]}）"]
    if entry.kind == timeline.MOVE:
        return [_move_label(entry, status), *([entry.note] if entry.note else [])]
    if entry.kind == timeline.REASSIGN:
        return ["改派", *([entry.note] if entry.note else [])]
    return [{timeline.MEASURES: "填写整改措施", timeline.EVIDENCE: "上传材料", timeline.COMMENT: "评论"}[entry.kind], short]


def _ledger_rows(findings: QuerySet, *, start: int = 1, anchors: dict[int, str] | None = None) -> Iterator[LedgerRow]:
    """The ledger's rows, streamed: findings come in chunks, each with its history prefetched.

    Labels are looked up in dicts made once: ``get_FOO_display`` translates every choice on each call.
    """
    category, severity, status = ({code: str(label) for code, label in choices.choices}
                                  for choices in (Category, Severity, FindingStatus))
    stamp = get_format("DATETIME_FORMAT")
    gap = "\u3000"  # an ideographic space: HTML keeps it, unlike two ASCII spaces

    def when(value: datetime.datetime) -> str:
        return dateformat.format(timezone.localtime(value), stamp)

    anchors = anchors or {}
    for n, f in enumerate(findings.iterator(chunk_size=CHUNK), start=start):
        history = [gap.join([when(e.at), str(e.actor), *_step_text(e, status)]) for e in timeline.finding_timeline(f)]
        yield LedgerRow(
            n=n, department=f.department.name, item=f.service_item.name if f.service_item else "", title=f.title,
            category=category[f.category], severity=severity[f.severity], found_on=_local_date(f.created_at),
            due_date=f.due_date, status=status[f.status], overdue=f.is_overdue, measures=f.measures,
            closed_on=_local_date(f.closed_at) if f.status == FindingStatus.CLOSED else None, history=history,
            anchor=anchors.get(n, ""),
        )


def _ledger_context(data: ReportInput, progress: Progress) -> dict:
    """The rows are rendered a chunk at a time: the template's {% for %} would make a list of them all."""
    findings = _ledger_findings(data)
    total = findings.count()
    progress(10)
    rows_template = get_template("reports/pdf/_ledger_rows.html")
    fragments, done = [], 0
    rows = _ledger_rows(findings)
    while chunk := list(islice(rows, CHUNK)):
        fragments.append(rows_template.render({"rows": chunk}))
        done += len(chunk)
        progress(10 + 45 * done // max(total, 1))
    period = _period_text(data) if (data.period_start or data.period_end) else ""
    # Safe: the fragments come from a template that escaped every value.
    return {"rows_html": mark_safe("".join(fragments)), "total": total, "period": period}


# --- the ledger in pieces: rendered apart, joined into one PDF (docs/reports.md) --------------------

def _pdf_document(html: str):
    """WeasyPrint's laid-out document (pages, anchors) of ``html`` with the reports' stylesheets."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fetcher = report_url_fetcher()
    stylesheets = [CSS(filename=str(path), font_config=font_config, url_fetcher=fetcher) for path in STYLESHEETS]
    stylesheets.append(CSS(string=GONGWEN_CSS.read_text(encoding="utf-8"), base_url=str(STATIC_DIR / "css") + "/",
                           font_config=font_config, url_fetcher=fetcher))
    return HTML(string=html, base_url=str(STATIC_DIR) + "/", url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config)


def _anchor_pages(document) -> dict[str, int]:
    """The page (from 0) each ``id`` of the document is on."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            pages.setdefault(name, number)
    return pages


def render_ledger_part(data: ReportInput, out: BinaryIO, *, finding_ids: list[int], first_row: int,
                       starts: list, last: bool, progress: Progress = _no_progress) -> tuple[int, dict[str, int]]:
    """One piece of the ledger: its rows (``finding_ids``, numbered from ``first_row``) as pages
    without page numbers (the join stamps them), the signature and 版记 after the last piece's rows.

    Returns the number of pages and, for each department starting here (``starts``: [name, first row]),
    the page (from 0) of its first row. Holds at most one piece of rows and its layout.
    """
    anchors = {row: f"dept-{row}" for _name, row in starts}
    with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
        findings = _ledger_findings(data).filter(pk__in=finding_ids)
        rows_template = get_template("reports/pdf/_ledger_rows.html")
        fragments, done = [], 0
        rows = _ledger_rows(findings, start=first_row, anchors=anchors)
        while chunk := list(islice(rows, CHUNK)):
            fragments.append(rows_template.render({"rows": chunk}))
            done += len(chunk)
        progress(30)
        html = render_to_string("reports/pdf/ledger_part.html", {
            **_document_context(data), "rows_html": mark_safe("".join(fragments)), "last": last,
            "empty": last and first_row == 1 and not done})
    document = _pdf_document(html)
    progress(80)
    pages = _anchor_pages(document)
    found = {name: pages[anchor] for name, row in starts if (anchor := anchors[row]) in pages}
    count = len(document.pages)
    document.write_pdf(out)
    del document
    gc.collect()
    progress(100)
    return count, found


@dataclass
class LedgerDepartment:
    """A line of the ledger's contents page."""

    name: str
    first_row: int
    count: int
    page: int = 0  # its first row's page number in the joined ledger

    @property
    def last_row(self) -> int:
        return self.first_row + self.count - 1


def render_ledger_contents(data: ReportInput, departments: list[LedgerDepartment], *, total: int,
                           part_pages: list[int], part_anchors: list[dict[str, int]],
                           starts: list[list[str]]) -> bytes:
    """The ledger's first pages: 版头, title, the period and count, and the contents — each
    department with the page its first row is on. Those numbers depend on how many pages the
    contents itself takes: laid out once with a guess, again if the guess was wrong."""
    contents_pages = 1
    for _attempt in range(4):
        offsets, before = [], contents_pages
        for count in part_pages:
            offsets.append(before)
            before += count
        by_name = {d.name: d for d in departments}
        for index, names in enumerate(starts):
            for name in names:
                by_name[name].page = offsets[index] + part_anchors[index].get(name, 0) + 1
        with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
            period = _period_text(data) if (data.period_start or data.period_end) else ""
            html = render_to_string("reports/pdf/ledger_contents.html", {
                **_document_context(data), "departments": departments, "total": total, "period": period,
                "pages": before})
        document = _pdf_document(html)
        if len(document.pages) == contents_pages:
            pdf = document.write_pdf()
            del document
            gc.collect()
            return pdf
        contents_pages = len(document.pages)
    raise RuntimeError("the ledger's contents page did not settle")


# The page numbers are stamped from PDFs of empty pages, STAMP_PAGES each, laid out once and kept
# (``actions.ledger_stamps``): WeasyPrint takes about 5 ms a page even for an empty one.
STAMP_PAGES = 150


def ledger_stamps_version() -> str:
    """Changes with the stylesheets that place the numbers: stamps made under others are not used."""
    import hashlib

    digest = hashlib.sha256()
    for path in [*STYLESHEETS, GONGWEN_CSS]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def ledger_page_numbers(first: int, count: int, out: BinaryIO) -> None:
    """``count`` empty ledger pages carrying only their numbers "— N —", from ``first`` (odd: the
    first page is a right-hand one), where GB/T 9704 puts them (gongwen.css, ``@page ledger``)."""
    html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>@page :first {{ counter-reset: page {first}; }}'
            '</style></head><body class="report report-ledger">'
            + '<div style="break-after: page"></div>' * (count - 1) + "<div></div></body></html>")
    document = _pdf_document(html)
    document.write_pdf(out)
    del document
    gc.collect()


def ledger_join(contents: BinaryIO, parts: list[BinaryIO], stamps: list[BinaryIO], out: BinaryIO,
                outline: list[tuple[str, int]] = ()) -> int:
    """Join the contents and the pieces (file objects, in order) into ``out``, stamping each page
    with its number from ``stamps`` (``ledger_page_numbers`` of STAMP_PAGES pages each, from page 1);
    ``outline`` adds a bookmark per department (name, page from 1). Returns the page count."""
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(block) for block in stamps]
    writer = PdfWriter()
    number = 0
    for source in [contents, *parts]:
        for page in PdfReader(source).pages:
            added = writer.add_page(page)
            added.merge_page(readers[number // STAMP_PAGES].pages[number % STAMP_PAGES])
            number += 1
    for name, page in outline:
        if 0 < page <= number:
            writer.add_outline_item(title=name, page_number=page - 1)
    writer.write(out)
    return number
