"""Reports: asked for once, made by a real worker, shown only to whom they belong."""
import datetime
import io
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from findings import actions as finding_actions
from findings.models import Report, ReportPart, ReportStatus
from findings.reports import actions, queries
from tests.conftest import broker_unreachable, start_worker, wait_for


@pytest.fixture
def findings_ab(office, department_a, department_b):
    a = finding_actions.finding_file(actor=office, department=department_a, category="hotline", title="甲部门热线无人接听")
    b = finding_actions.finding_file(actor=office, department=department_b, category="guidance", title="乙部门引导不清")
    # assigned with a deadline (交办), so that the 整改通知书 lists them
    due = timezone.localdate() + datetime.timedelta(days=10)
    a = finding_actions.finding_transition(finding=a, to="rectifying", actor=office, version=a.version, due_date=due)
    b = finding_actions.finding_transition(finding=b, to="rectifying", actor=office, version=b.version, due_date=due)
    return a, b


def test_the_same_request_is_the_same_report_until_something_changes(office, findings_ab, department_a):
    first = actions.report_request(actor=office, kind="department", department=department_a)
    again = actions.report_request(actor=office, kind="department", department=department_a)
    assert again.pk == first.pk
    Report.objects.filter(pk=first.pk).update(status=ReportStatus.DONE)
    assert actions.report_request(actor=office, kind="department", department=department_a).pk == first.pk
    finding_actions.comment_add(finding=findings_ab[0], actor=office, body="请加快")
    assert actions.report_request(actor=office, kind="department", department=department_a).pk != first.pk


def test_who_may_ask_for_what(office, leader_a, liaison_a, leader_b, api_a, department_a, department_b, findings_ab):
    with pytest.raises(PermissionDenied):
        actions.report_request(actor=leader_a, kind="bulletin")
    with pytest.raises(PermissionDenied):
        actions.report_request(actor=liaison_a, kind="department", department=department_b)
    with pytest.raises(PermissionDenied):
        actions.report_request(actor=api_a, kind="ledger")
    mine = actions.report_request(actor=liaison_a, kind="ledger")
    assert mine.scope == f"dept:{department_a.pk}" and mine.department_id == department_a.pk
    # colleagues of the same department share it; another department does not see it
    assert queries.reports_visible(leader_a).filter(pk=mine.pk).exists()
    assert not queries.reports_visible(leader_b).filter(pk=mine.pk).exists()
    assert queries.reports_visible(office).filter(pk=mine.pk).exists()
    # the ledger of department A shows A's findings only
    assert list(queries.scope_findings(mine.scope).values_list("title", flat=True)) == ["甲部门热线无人接听"]


def test_api_asks_and_follows(office, leader_b, department_a, findings_ab):
    api = APIClient()
    api.force_authenticate(office)
    response = api.post("/api/v1/reports/", {"kind": "department", "department": department_a.pk}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    report_id = response.json()["id"]
    assert api.post("/api/v1/reports/", {"kind": "department", "department": department_a.pk}, format="json").json()["id"] == report_id
    detail = api.get(f"/api/v1/reports/{report_id}/").json()
    assert detail["status"] == "pending" and detail["download_url"] is None
    assert api.get(f"/api/v1/reports/{report_id}/download/").status_code == 404
    assert api.post("/api/v1/reports/", {"kind": "bulletin", "period_start": "2026-02-30"}, format="json").status_code == 400
    assert api.post("/api/v1/reports/", {"kind": "department"}, format="json").status_code == 400
    other = APIClient()
    other.force_authenticate(leader_b)
    assert other.get(f"/api/v1/reports/{report_id}/").status_code == 404
    assert other.post("/api/v1/reports/", {"kind": "bulletin"}, format="json").status_code == 403


def _pdf_text(field) -> str:
    with field.open("rb") as fh:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)


@pytest.mark.slow
def test_a_real_worker_makes_the_report_and_the_page_follows_it(client, celery_worker, office, liaison_a, department_a, findings_ab):
    client.force_login(liaison_a)
    response = client.post(reverse("report-list"), {"kind": "department"})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report-detail", args=[report.pk])
    report = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), message="the report")
    assert report.status == ReportStatus.DONE, (report.error, celery_worker.output)
    text = _pdf_text(report.pdf)
    assert "整改通知书" in text and "甲部门热线无人接听" in text and "乙部门引导不清" not in text
    # issued by the worker with the kind's first 发文字号 of the year (not the database id)
    assert report.number == f"池营商办〔{timezone.localdate().year}〕1号" and report.number in text.replace(" ", "")
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", report.pdf.path], capture_output=True, text=True).stdout
        assert "CWSerif" in fonts and " no " not in fonts.split("\n", 2)[-1]
    status = client.get(reverse("report-detail", args=[report.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "下载 PDF" in status and "hx-trigger" not in status
    download = client.get(reverse("report-download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


@pytest.mark.slow
def test_ledger_has_pdf_and_xlsx(celery_worker, office, findings_ab):
    import openpyxl

    report = actions.report_request(actor=office, kind="ledger")
    report = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), message="the ledger")
    assert report.status == ReportStatus.DONE, report.error
    assert "整改台账" in _pdf_text(report.pdf)
    with report.xlsx.open("rb") as fh:
        sheet = openpyxl.load_workbook(io.BytesIO(fh.read()), read_only=True).worksheets[0]
        titles = {cell for row in sheet.iter_rows(values_only=True) for cell in row if cell}
    assert {"甲部门热线无人接听", "乙部门引导不清"} <= titles


def test_a_report_asked_while_the_broker_is_unreachable_waits_and_is_swept_later(client, office, department_a, findings_ab,
                                                                                django_capture_on_commit_callbacks):
    """The request is in the database before anything is queued; the page says it is waiting."""
    client.force_login(office)
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-list"), {"kind": "department", "department": department_a.pk}, follow=True)
    report = Report.objects.get()
    assert response.status_code == 200 and report.status == ReportStatus.PENDING and report.enqueued_at is None
    assert "后台服务暂时无法连接" in response.content.decode()
    # the broker is back: the sweep queues it
    assert actions.reports_sweep() == 1
    assert Report.objects.get().enqueued_at is not None


@pytest.mark.slow
def test_a_worker_killed_mid_report_leaves_it_to_another_once(transactional_db, office, department_a):
    """SIGKILL the worker while it renders a long ledger; a new worker finishes it: one file, one done."""
    from findings.models import Finding

    Finding.objects.bulk_create([Finding(department=department_a, category="hotline", title=f"问题{i}", created_by=office)
                                 for i in range(1500)])
    worker = start_worker(name="doomed")
    try:
        report = actions.report_request(actor=office, kind="ledger")
        wait_for(lambda: Report.objects.filter(pk=report.pk, status="running").exists(), message="the report to start")
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
    finally:
        worker.stop()
    time.sleep(0.5)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RUNNING
    # The lost run is noticed by the sweep (here: as if its time limit had passed) and queued again:
    # the piece of the ledger it was rendering (and the pieces still waiting, queued "long ago").
    assert actions.reports_sweep(now=timezone.now() + actions.STALE_AFTER + timezone.timedelta(seconds=1)) >= 1
    second = start_worker(name="rescuer")
    try:
        done = wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=["done", "failed"]).first(), timeout=120,
                        message="the second worker to finish")
    finally:
        second.stop()
    assert done.status == ReportStatus.DONE, done.error
    # Killed while cutting the ledger: the report ran again; killed in a piece: that piece alone did.
    attempts = sorted(ReportPart.objects.filter(report=report).values_list("attempts", flat=True))
    # (three pieces of 500 rows, the xlsx, the join)
    assert (done.attempts, attempts) in [(1, [1, 1, 1, 1, 2]), (2, [1, 1, 1, 1, 1])], (done.attempts, attempts)
    files = sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "reports").rglob("*") if p.is_file() and f"-{report.pk}-" in p.name)
    assert files == sorted({Path(done.pdf.name).name, Path(done.xlsx.name).name}), files
    assert Report.objects.filter(status=ReportStatus.DONE).count() == 1
