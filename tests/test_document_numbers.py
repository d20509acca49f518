"""发文字号: consecutive per issuer, kind and year, given when a report is issued, never spent by a failed render.

Reports are issued through the project's own ``report_request`` and ``report_render`` (the worker's
code, called here in the test's process; one test uses two real workers). Only WeasyPrint, an outside
library, is made to fail.
"""
from __future__ import annotations

import datetime
import io
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from pypdf import PdfReader

from findings import actions as finding_actions
from findings.models import DocumentNumber, Report, ReportStatus
from findings.reports import actions
from findings.reports.numbers import document_number_format, document_number_take
from services.models import Department, DepartmentLevel
from tests.conftest import start_worker, wait_for

YEAR = timezone.localdate().year


def pdf_text(report: Report) -> str:
    with report.pdf.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def bulletin(office, n: int) -> Report:
    """A bulletin for its own week (another period: another document)."""
    start = timezone.localdate() - datetime.timedelta(days=7 * n + 6)
    return actions.report_request(actor=office, kind="bulletin", period_start=start, period_end=start + datetime.timedelta(days=6))


def issue(report: Report) -> Report:
    if report.kind == "ledger":  # made in pieces (findings/reports/actions.py:ledger_plan), here in this process
        actions.report_render(report_id=report.pk)
        assert actions.ledger_make_here(report_id=report.pk) is True
    else:
        assert actions.report_render(report_id=report.pk) is True
    return Report.objects.get(pk=report.pk)


@pytest.fixture
def departments(region):
    return [Department.objects.create(code=f"num-{i}", name=f"编号测试局{i}", level=DepartmentLevel.CITY, region=region)
            for i in range(3)]


def test_three_bulletins_and_two_notices_are_numbered_per_kind(office, departments):
    issued = [issue(bulletin(office, 1)), issue(actions.report_request(actor=office, kind="department", department=departments[0])),
              issue(bulletin(office, 2)), issue(bulletin(office, 3)),
              issue(actions.report_request(actor=office, kind="department", department=departments[1]))]
    kinds = [(r.kind, r.serial, r.number) for r in issued]
    assert kinds == [
        ("bulletin", 1, f"池营商办通〔{YEAR}〕1号"), ("department", 1, f"池营商办〔{YEAR}〕1号"),
        ("bulletin", 2, f"池营商办通〔{YEAR}〕2号"), ("bulletin", 3, f"池营商办通〔{YEAR}〕3号"),
        ("department", 2, f"池营商办〔{YEAR}〕2号"),
    ]
    for report in issued:
        assert report.status == ReportStatus.DONE and report.issued_on == timezone.localdate()
        assert report.issuer == settings.REPORT_ISSUER
        text = pdf_text(report)
        assert report.number in text  # printed under the 版头
        assert text.count("〔") == 1  # and no other number (the old one was the database id)
    assert dict(DocumentNumber.objects.filter(year=YEAR).values_list("kind", "last")) == {"bulletin": 3, "department": 2}


def test_the_same_request_again_is_the_same_document_with_the_same_number(office, departments):
    first = issue(actions.report_request(actor=office, kind="department", department=departments[0]))
    again = actions.report_request(actor=office, kind="department", department=departments[0])
    assert again.pk == first.pk and again.number == first.number
    assert DocumentNumber.objects.get(kind="department").last == 1


def test_a_failed_render_consumes_no_number(office, departments, monkeypatch):
    import weasyprint

    def broken(self, *args, **kwargs):
        raise RuntimeError("the renderer broke")

    issue(bulletin(office, 1))  # 1
    failing = bulletin(office, 2)
    with monkeypatch.context() as patch:
        patch.setattr(weasyprint.Document, "write_pdf", broken)
        with pytest.raises(RuntimeError, match="renderer broke"):
            actions.report_render(report_id=failing.pk)
        with pytest.raises(RuntimeError, match="renderer broke"):  # the year's first notice fails too
            actions.report_render(report_id=actions.report_request(actor=office, kind="department", department=departments[0]).pk)
    failing.refresh_from_db()
    assert failing.status == ReportStatus.RUNNING and failing.number == "" and failing.serial is None and not failing.pdf
    assert dict(DocumentNumber.objects.values_list("kind", "last")) == {"bulletin": 1}  # nothing taken, no notice counter
    # The failed run's retry, and the next bulletin, get the numbers the failure did not use.
    failing.status = ReportStatus.PENDING
    failing.save(update_fields=["status"])
    assert issue(failing).number == f"池营商办通〔{YEAR}〕2号"
    assert issue(bulletin(office, 3)).number == f"池营商办通〔{YEAR}〕3号"
    assert Report.objects.filter(kind="bulletin", status=ReportStatus.DONE).count() == 3


def test_a_run_that_lost_its_report_gives_its_number_back(office, departments):
    """A run thought lost (a later attempt claimed the report) renders, but may not issue it: its number goes back."""
    report = actions.report_request(actor=office, kind="department", department=departments[0])
    attempt = actions.report_claim(report_id=report.pk)
    # another attempt takes the report over while this one renders
    Report.objects.filter(pk=report.pk).update(attempts=attempt + 1)
    with transaction.atomic():
        serial, number = document_number_take(issuer=settings.REPORT_ISSUER, kind="department", on=timezone.localdate())
        finished = actions._mark_done(report, attempt, "x.pdf", "", number=number, serial=serial, issued_on=timezone.localdate())
        assert finished is False
        transaction.set_rollback(True)
    assert not DocumentNumber.objects.filter(last__gt=0).exists()


def test_the_records_are_not_numbered(office, departments, leader_a):
    ledger = issue(actions.report_request(actor=office, kind="ledger"))
    assert ledger.number == "" and ledger.serial is None and ledger.issued_on == timezone.localdate()
    assert "〔" not in pdf_text(ledger)
    assert not DocumentNumber.objects.exists()


def test_numbers_restart_each_year_and_per_issuer(db):
    def take(issuer, day):
        with transaction.atomic():
            return document_number_take(issuer=issuer, kind="bulletin", on=day)

    assert take("甲办", datetime.date(2026, 12, 31)) == (1, "池营商办通〔2026〕1号")
    assert take("甲办", datetime.date(2026, 12, 31))[0] == 2
    assert take("甲办", datetime.date(2027, 1, 4)) == (1, "池营商办通〔2027〕1号")
    assert take("乙办", datetime.date(2026, 6, 1))[0] == 1


def test_a_number_is_taken_only_inside_the_issuing_transaction(transactional_db):
    with pytest.raises(RuntimeError):  # outside it, a number would be spent whatever became of the document
        document_number_take(issuer="甲办", kind="bulletin", on=datetime.date(2026, 1, 1))
    assert not DocumentNumber.objects.exists()


def test_the_format_is_a_setting(db, settings):
    settings.REPORT_NUMBER_PREFIX = "宣营商办"
    settings.REPORT_NUMBER_FORMATS = {"bulletin": "{prefix}督〔{year}〕{number}号"}
    assert document_number_format(kind="bulletin", year=2026, serial=7) == "宣营商办督〔2026〕7号"


def test_two_notices_issued_at_the_same_moment_get_consecutive_numbers(transactional_db, office, departments):
    """Two renders at once, in two threads with their own connections: one waits for the other's
    counter row (PostgreSQL: the row lock; SQLite: the write lock), neither number is lost or shared."""
    reports = [Report.objects.create(kind="department", scope="all", department=d, request_key=f"race-{d.pk}",
                                     requested_by=office) for d in departments[:2]]
    barrier = threading.Barrier(2)
    errors = []

    def run(report_id):
        try:
            barrier.wait()
            actions.report_render(report_id=report_id)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(r.pk,)) for r in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    done = Report.objects.filter(pk__in=[r.pk for r in reports], status=ReportStatus.DONE)
    assert sorted(done.values_list("serial", flat=True)) == [1, 2]
    # the one issued first (finished first) has the first number
    first, second = done.order_by("finished_at")
    assert (first.serial, second.serial) == (1, 2)
    assert DocumentNumber.objects.get(kind="department").last == 2


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two worker processes on one SQLite file: PostgreSQL only")
def test_two_real_workers_number_three_notices_consecutively(transactional_db, office, departments, findings_for):
    workers = [start_worker(name="num1"), start_worker(name="num2")]
    try:
        reports = [actions.report_request(actor=office, kind="department", department=d) for d in departments]
        done = wait_for(lambda: (lambda rows: rows if len(rows) == 3 else None)(
            list(Report.objects.filter(pk__in=[r.pk for r in reports], status__in=["done", "failed"]))),
            timeout=120, message="three notices")
    finally:
        for worker in workers:
            worker.stop()
    assert {r.status for r in done} == {ReportStatus.DONE}
    assert sorted(r.serial for r in done) == [1, 2, 3]
    assert sorted(r.number for r in done) == [f"池营商办〔{YEAR}〕{n}号" for n in (1, 2, 3)]


@pytest.fixture
def findings_for(office, departments):
    for d in departments:
        finding_actions.finding_file(actor=office, department=d, category="hotline", title=f"{d.name}热线无人接听")
    return departments


def test_docs_name_the_numbering_rule_and_show_every_report():
    """docs/reports.md: the rule and its setting, and every picture it shows is there (and small)."""
    path = Path(settings.BASE_DIR) / "docs" / "reports.md"
    docs = path.read_text(encoding="utf-8")
    assert "REPORT_NUMBER_FORMATS" in docs and "document_number_take" in docs
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", docs)
    for kind in ("department", "bulletin", "walkthrough", "ledger"):
        assert f"img/report-{kind}.png" in images and f"img/report-{kind}-last.png" in images, kind
    assert "img/gbt9704-first-page.svg" in images and "img/report-rare-names.png" in images
    for image in images:
        file = path.parent / image
        assert file.is_file(), image
        assert file.stat().st_size < 150_000, image
