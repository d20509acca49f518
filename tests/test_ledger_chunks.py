"""The ledger in pieces: rendered by real worker tasks, joined into one PDF with continuous page
numbers and a contents page; a piece that fails is made again alone (findings/reports/actions.py)."""
import io
import os
import re
import signal
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from findings.models import Finding, Report, ReportPart, ReportStatus
from findings.reports import actions
from services.models import Department, DepartmentLevel
from tests.conftest import start_worker, wait_for

pytestmark = pytest.mark.slow

# Long enough that a piece of five rows takes more than one page.
MEASURES = "已修订服务指南，取消该项材料，并在政务服务网同步更新办事指南，窗口人员已完成培训。" * 6


@pytest.fixture
def chunk_rows(monkeypatch):
    """The workers this test starts read the piece size from their environment (settings/base.py)."""
    def set_rows(rows: int):
        monkeypatch.setenv("REPORT_LEDGER_CHUNK_ROWS", str(rows))
    return set_rows


@pytest.fixture
def three_departments(transactional_db, region, office):
    """12 findings: 6 of the first department, 3 of each other. With pieces of 5 rows: rows 1–5 |
    6–9 (the second department starts inside the piece) | 10–12."""
    departments = [Department.objects.create(code=f"l-{i}", name=name, level=DepartmentLevel.CITY, region=region)
                   for i, name in enumerate(["市数据资源局", "市公安局", "市自然资源和规划局"])]
    titles = {}
    for d, n in zip(departments, [6, 3, 3]):
        titles[d.name] = [f"{d.name}问题{i:02d}" for i in range(n)]
        Finding.objects.bulk_create(Finding(department=d, category="hotline", title=t, measures=MEASURES, created_by=office)
                                    for t in titles[d.name])
    return departments, titles


def pdf_pages(field) -> list[str]:
    with field.open("rb") as fh:
        return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(fh.read())).pages]


def test_a_ledger_in_three_pieces_is_one_pdf_numbered_throughout_with_its_contents(chunk_rows, three_departments, office):
    import openpyxl

    departments, titles = three_departments
    chunk_rows(5)
    worker = start_worker(name="ledger1")
    try:
        report = actions.report_request(actor=office, kind="ledger")
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            row = Report.objects.values("status", "progress").get(pk=report.pk)
            if not seen or seen[-1] != row["progress"]:
                seen.append(row["progress"])
            if row["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    parts = list(ReportPart.objects.filter(report=report).order_by("index"))
    chunks = [p for p in parts if p.role == ReportPart.CHUNK]
    assert [(p.first_row, len(p.finding_ids)) for p in chunks] == [(1, 5), (6, 4), (10, 3)]
    assert [p.role for p in parts] == ["chunk"] * 3 + ["xlsx", "join"]
    assert all(p.attempts == 1 and p.status == ReportStatus.DONE for p in parts)
    assert all(p.page_count >= 1 for p in chunks) and sum(p.page_count for p in chunks) > 3
    # progress went up piece by piece: each piece's share was seen, never going back
    assert seen == sorted(seen) and seen[-1] == 100
    assert len([p for p in seen if 5 < p < 90]) >= 1, seen

    pages = pdf_pages(report.pdf)
    # one PDF: the contents page first, then every piece's pages; each page numbered, 1 … N, once
    assert len(pages) == 1 + sum(p.page_count for p in chunks)
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"—(\d+)—", text) == [str(number)], (number, text[-40:])
    contents = pages[0]
    assert "整改台账" in contents and "目录" in contents and f"共{len(pages)}页" in contents
    # each department's line gives the page its first row is on
    for d in departments:
        first_title = titles[d.name][0]
        on_page = next(n for n, text in enumerate(pages, start=1) if first_title in text and n > 1)
        first_row = 1 + sum(len(titles[e.name]) for e in departments[:departments.index(d)])
        line = f"{d.name}{len(titles[d.name])}{first_row}～{first_row + len(titles[d.name]) - 1}{on_page}"
        assert line in contents, (line, contents)
    # every finding is there once, in department order; the signature and 版记 after the last row only
    body = "".join(pages[1:])
    for d in departments:
        for title in titles[d.name]:
            assert body.count(title) == 1, title
    assert body.index(titles["市数据资源局"][-1]) < body.index(titles["市公安局"][0]) < body.index(titles["市自然资源和规划局"][0])
    assert "印发" in pages[-1] and not any("印发" in text for text in pages[:-1])
    # the pieces' files are gone once joined
    assert not any(p.file for p in ReportPart.objects.filter(report=report))

    with report.xlsx.open("rb") as fh:
        book = openpyxl.load_workbook(io.BytesIO(fh.read()), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 13 and [r[3] for r in rows[1:]] == [t for d in departments for t in titles[d.name]]


def test_a_piece_whose_worker_dies_is_made_again_alone(chunk_rows, three_departments, office):
    """SIGKILL the worker while it renders the second piece; the sweep queues that piece again (not
    the report, not the other pieces); a new worker finishes: every other piece was made once."""
    chunk_rows(5)
    worker = start_worker(name="doomed-piece")
    try:
        report = actions.report_request(actor=office, kind="ledger")
        victim = wait_for(lambda: ReportPart.objects.filter(report=report, index=1, status="running").first(),
                          interval=0.01, message="the second piece to start")
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
    finally:
        worker.stop()
    victim.refresh_from_db()
    if victim.status != ReportStatus.RUNNING:
        pytest.skip("the piece finished before the kill landed")  # pragma: no cover — timing
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RUNNING
    later = timezone.now() + actions.STALE_AFTER + timezone.timedelta(seconds=1)
    with CaptureQueriesContext(connection):
        assert actions.reports_sweep(now=later) >= 1
    assert ReportPart.objects.get(pk=victim.pk).status == ReportStatus.PENDING
    rescuer = start_worker(name="rescuer-piece")
    try:
        done = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=120,
                        message="the ledger to be joined")
    finally:
        rescuer.stop()
    assert done.status == ReportStatus.DONE, done.error
    assert done.attempts == 1  # the report was not made again: only its piece
    attempts = dict(ReportPart.objects.filter(report=report).values_list("index", "attempts"))
    assert attempts == {0: 1, 1: 2, 2: 1, 3: 1, 4: 1}, attempts  # three pieces, the xlsx, the join
    pages = pdf_pages(done.pdf)
    assert [int(re.findall(r"—(\d+)—", text)[0]) for text in pages] == list(range(1, len(pages) + 1))


def test_a_piece_that_keeps_failing_fails_the_report_with_the_reason(transactional_db, three_departments, office):
    """Every run of a piece lost (as the sweep finds them): after REPORT_MAX_ATTEMPTS the report fails."""
    report = actions.report_request(actor=office, kind="ledger")
    actions.report_claim(report_id=report.pk)
    actions.ledger_plan(Report.objects.get(pk=report.pk))
    piece = ReportPart.objects.get(report=report, index=0)
    for _run in range(actions.MAX_ATTEMPTS):
        assert actions.part_claim(part_id=piece.pk) is not None
        actions.reports_sweep(now=timezone.now() + actions.STALE_AFTER + timezone.timedelta(seconds=1))
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "1" in report.error and "3" in report.error, report.error
    assert actions.part_claim(part_id=piece.pk) is None


def test_the_ledger_xlsx_is_streamed_in_write_only_mode(db, region, office, tmp_path):
    """openpyxl's write-only workbook writes each row out as it comes: the sheet it writes has no
    <dimension> (a normal workbook knows its extent before writing it and records it). Memory still
    grows a little with the rows: openpyxl keeps the shared-strings table (each row's history is a
    string of its own) — a few KiB a row, measured here and bounded."""
    import gc
    import tracemalloc
    import zipfile

    from openpyxl import load_workbook

    from findings.reports.actions import report_input
    from findings.reports.render import render_ledger_xlsx

    department = Department.objects.create(code="l-x", name="市医疗保障局", level=DepartmentLevel.CITY, region=region)
    report = Report(kind="ledger", scope="all", request_key="x")
    peaks = {}
    for total in (500, 2500):
        Finding.objects.bulk_create(Finding(department=department, category="hotline", title=f"问题{i:05d}", measures=MEASURES,
                                            created_by=office) for i in range(total - Finding.objects.count()))
        path = tmp_path / f"ledger-{total}.xlsx"
        gc.collect()
        tracemalloc.start()
        with open(path, "wb") as out:
            render_ledger_xlsx(report_input(report), out)
        peaks[total] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert sum(1 for _row in load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)) == total + 1
        with zipfile.ZipFile(path) as book:
            assert b"<dimension" not in book.read("xl/worksheets/sheet1.xml")[:2000]
    print(f"\nxlsx peak traced memory: {peaks[500] / 2**20:.1f} MiB at 500 rows, {peaks[2500] / 2**20:.1f} MiB at 2,500")
    assert (peaks[2500] - peaks[500]) / 2000 < 16 * 1024, peaks  # bytes a row, the strings included
