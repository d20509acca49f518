"""Issue 18: double submits, reports that never end, and what WeasyPrint may fetch.

- Identical report requests sent at once make one report, and a walkthrough's proposal is filed once
  however often "confirm" is sent: both enforced by the database (a partial unique constraint), the
  loser of the race answering the winner's row.
- A report has at most ``REPORT_MAX_ATTEMPTS`` runs, counted on the row whatever ends them (a killed
  process, the hard time limit): then it is failed with the reason, never queued again.
- The PDF renderer loads data: URIs and the project's own fonts and images, nothing else.
"""
import base64
import datetime
import io
import threading

import pytest
from celery.exceptions import TimeLimitExceeded
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from findings import actions as finding_actions
from findings.models import Finding, Report, ReportStatus
from findings.reports import actions, queries
from findings.reports import render
from findings.reports.data import ReportInput
from findings.tasks import report_render_task
from inspections import actions as walk_actions
from inspections import queries as walk_queries
from inspections.models import Status, Walkthrough
from tests.conftest import api_client, make_item


def _run_at_once(n: int, work) -> list:
    """Run ``work(i)`` in n threads released together; returns what they returned or raised."""
    barrier, results = threading.Barrier(n), []

    def run(i):
        try:
            prepared = work(i, None)
            barrier.wait(timeout=10)
            results.append(work(i, prepared))
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            results.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# --- one report per identical request ----------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_ten_identical_report_requests_at_once_make_one_report(office):
    body = {"kind": "bulletin", "period_start": "2026-01-01", "period_end": "2026-01-31"}

    def work(i, api):
        if api is None:
            return api_client(office)
        response = api.post("/api/v1/reports/", body, format="json")
        return response.status_code, response.json().get("id")

    answers = _run_at_once(10, work)
    rows = Report.objects.filter(kind="bulletin").count()
    if connection.vendor == "postgresql":
        # the twins wait at the unique index, are refused, and answer the report that won
        assert rows == 1, answers
        report = Report.objects.get()
        assert answers == [(202, report.pk)] * 10, answers
    else:  # SQLite's in-memory test database refuses a second writer at once instead of waiting
        assert rows <= 1, answers


def test_the_database_refuses_a_second_unfinished_report_of_one_request(office):
    Report.objects.create(kind="bulletin", scope="all", request_key="k1", status=ReportStatus.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind="bulletin", scope="all", request_key="k1", status=ReportStatus.PENDING)
    # finished ones do not count: a new request after a done or failed report is a new report
    Report.objects.create(kind="bulletin", scope="all", request_key="k2", status=ReportStatus.DONE)
    Report.objects.create(kind="bulletin", scope="all", request_key="k2", status=ReportStatus.FAILED)
    Report.objects.create(kind="bulletin", scope="all", request_key="k2", status=ReportStatus.PENDING)


def test_a_request_that_loses_the_race_answers_the_winner(office, monkeypatch, django_capture_on_commit_callbacks):
    """Not a read-then-insert: even when the read misses the twin, the insert is refused and the
    twin's report is returned, in the caller's transaction, and queued only once."""
    first = actions.report_request(actor=office, kind="bulletin", period_start=datetime.date(2026, 1, 1),
                                   period_end=datetime.date(2026, 1, 31))
    monkeypatch.setattr(queries, "report_reusable", _first_miss(queries.report_reusable))
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        again = actions.report_request(actor=office, kind="bulletin", period_start=datetime.date(2026, 1, 1),
                                       period_end=datetime.date(2026, 1, 31))
        assert Report.objects.count() == 1  # the caller's transaction goes on
    assert again.pk == first.pk and callbacks == []


def test_a_double_click_on_the_ledger_form_makes_one_report(client, office):
    client.force_login(office)
    first = client.post(reverse("report-list"), {"kind": "ledger"})
    second = client.post(reverse("report-list"), {"kind": "ledger"})
    assert Report.objects.count() == 1
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]


def test_old_twin_rows_are_settled_before_the_constraint(leader_a, department_a, transactional_db):
    """The migration keeps every row: extra unfinished twins are failed, extra proposal findings lose
    only their key."""
    from django.db.migrations.executor import MigrationExecutor

    walk, keys = _walk_with_three_proposals(leader_a, department_a, code="HP-MIG")
    before = [("findings", "0009_notification")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        OldReport = old.get_model("findings", "Report")
        OldFinding = old.get_model("findings", "Finding")
        for status in ["pending", "running", "pending", "done"]:
            OldReport.objects.create(kind="bulletin", scope="all", request_key="twin", status=status)
        OldReport.objects.create(kind="bulletin", scope="all", request_key="alone", status="pending")
        for i in range(3):
            OldFinding.objects.create(walkthrough_id=walk.pk, proposal_key=keys[0], department_id=department_a.pk,
                                      category="hotline", title=f"重复{i}", created_by_id=leader_a.pk)
        OldFinding.objects.create(walkthrough_id=walk.pk, proposal_key=keys[1], department_id=department_a.pk,
                                  category="hotline", title="单独", created_by_id=leader_a.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(Report.objects.filter(request_key="twin").order_by("id").values_list("status", "error"))
    assert [s for s, _e in rows] == ["failed", "running", "failed", "done"]
    kept = Report.objects.get(request_key="twin", status="running")
    assert all(f"#{kept.pk}" in e for s, e in rows if s == "failed")
    assert Report.objects.get(request_key="alone").status == "pending"
    twins = Finding.objects.filter(title__startswith="重复").order_by("id")
    assert [f.proposal_key for f in twins] == [keys[0], "", ""]
    assert Finding.objects.get(title="单独").proposal_key == keys[1]


# --- a proposal is filed once -------------------------------------------------------------------------

def _walk_with_three_proposals(leader, department, code="HP-1"):
    item = make_item(department, code, name="食品经营许可", max_visits=1)
    walk = walk_actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode="inspect",
                                         identity="incognito", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to=Status.IN_PROGRESS, actor=leader)
    walk = walk_actions.walkthrough_update(walkthrough=walk, actor=leader,
                                           data={"observed_visits": 3, "observed_materials": 2, "observed_steps": 9})
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to=Status.COMPLETED, actor=leader)
    keys = [p["key"] for p in walk_queries.walkthrough_proposals(Walkthrough.objects.get(pk=walk.pk))]
    assert len(keys) >= 3, keys
    return walk, keys


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_file_each_proposal_once(leader_a, department_a):
    walk, keys = _walk_with_three_proposals(leader_a, department_a)

    def work(i, client):
        if client is None:
            client = Client()
            client.force_login(leader_a)
            return client
        return [client.post(reverse("finding-proposal", args=[walk.pk, key]), {"decision": "confirm"}).status_code
                for key in keys]

    answers = _run_at_once(2, work)
    filed = sorted(Finding.objects.filter(walkthrough=walk).values_list("proposal_key", flat=True))
    if connection.vendor == "postgresql":
        assert filed == sorted(keys), answers
        assert answers == [[302] * len(keys)] * 2, answers
    else:  # SQLite refuses the second writer instead of waiting
        assert len(filed) == len(set(filed)) <= len(keys), answers


def test_the_filing_action_answers_the_finding_already_filed(leader_a, department_a, monkeypatch):
    walk, keys = _walk_with_three_proposals(leader_a, department_a)
    first = finding_actions.finding_file(actor=leader_a, walkthrough=walk, category="excess_visits", title="跑动超标",
                                         proposal_key=keys[0])
    again = finding_actions.finding_file(actor=leader_a, walkthrough=walk, category="excess_visits", title="跑动超标",
                                         proposal_key=keys[0])
    assert again.pk == first.pk
    # the read before the insert is only a shortcut: the database refuses the twin all the same
    monkeypatch.setattr(finding_actions, "_proposal_filed", _first_miss(finding_actions._proposal_filed))
    with transaction.atomic():
        raced = finding_actions.finding_file(actor=leader_a, walkthrough=walk, category="excess_visits",
                                             title="跑动超标", proposal_key=keys[0])
    assert raced.pk == first.pk and Finding.objects.filter(walkthrough=walk).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(walkthrough=walk, proposal_key=keys[0], department=department_a, category="hotline",
                               title="绕过动作", created_by=leader_a)
    # findings not filed from a proposal are not limited
    for _ in range(2):
        finding_actions.finding_file(actor=leader_a, walkthrough=walk, category="hotline", title="另一个问题")
    assert Finding.objects.filter(walkthrough=walk, proposal_key="").count() == 2


def _first_miss(real):
    calls = []

    def lookup(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    return lookup


# --- reports that end ------------------------------------------------------------------------------------

def _report(**fields) -> Report:
    return Report.objects.create(kind="bulletin", scope="all", request_key=f"k{Report.objects.count()}", **fields)


def _long_ago():
    return timezone.now() - actions.STALE_AFTER - datetime.timedelta(minutes=1)


def test_the_sweep_fails_a_report_whose_runs_were_all_lost(db):
    report = _report(status=ReportStatus.RUNNING, attempts=actions.MAX_ATTEMPTS, started_at=_long_ago())
    assert actions.reports_sweep() == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.enqueued_at is None and report.finished_at
    assert "渲染进程多次中断" in report.error and str(actions.MAX_ATTEMPTS) in report.error
    assert actions.reports_sweep() == 0  # and never again


def test_the_sweep_queues_again_a_lost_run_under_the_cap(db):
    report = _report(status=ReportStatus.RUNNING, attempts=1, started_at=_long_ago())
    assert actions.reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING and report.enqueued_at is not None and report.error == ""


def test_a_render_that_kills_its_process_is_claimed_at_most_the_cap(db):
    """The message comes back each time the worker dies (reject_on_worker_lost): no loop forever."""
    report = _report()
    claims = [actions.report_claim(report_id=report.pk) for _ in range(actions.MAX_ATTEMPTS + 2)]
    assert claims == [*range(1, actions.MAX_ATTEMPTS + 1), None, None]
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "渲染进程多次中断" in report.error


def test_the_hard_time_limit_fails_the_attempt(db):
    report = _report()
    assert actions.report_claim(report_id=report.pk) == 1
    # Celery calls on_failure in the worker's main process when it kills a run at the hard limit
    report_render_task.on_failure(TimeLimitExceeded(660), "task-id", (report.pk,), {}, None)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING and report.enqueued_at is None  # the sweep queues it
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, attempts=actions.MAX_ATTEMPTS)
    report_render_task.on_failure(TimeLimitExceeded(660), "task-id", (), {"report_id": report.pk}, None)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "超时" in report.error


def test_an_error_on_the_last_run_fails_with_that_error(db, monkeypatch):
    report = _report(attempts=actions.MAX_ATTEMPTS - 1)

    def boom(**kwargs):
        actions.report_claim(report_id=report.pk)
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(actions, "report_render", boom)
    with pytest.raises(RuntimeError):
        report_render_task.apply(args=(report.pk,), throw=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "pango exploded" in report.error


# --- what WeasyPrint may fetch ------------------------------------------------------------------------

@pytest.fixture
def secret_png(tmp_path):
    path = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(path)
    return path


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_fetcher_allows_the_fonts_and_data_uris_only(secret_png):
    font = render.STATIC_DIR / "fonts" / "NotoSansSC-Regular.otf"
    fetcher = render.report_url_fetcher()
    assert fetcher(font.as_uri()).read(4) == b"OTTO"
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"
    refused = [
        "file:///etc/passwd",
        secret_png.as_uri(),
        f"{(render.STATIC_DIR / 'fonts').as_uri()}/../../../../../etc/passwd",
        f"{(render.STATIC_DIR / 'fonts').as_uri()}/%2e%2e/%2e%2e/settings.py",
        f"{(render.STATIC_DIR / 'css' / 'site.css').as_uri()}",  # a static file, but not a font or an image
        f"file://attacker.example{font}",
        "http://127.0.0.1:9/logo.png",
        "https://example.com/font.otf",
        "ftp://example.com/x.png",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher(url)
        assert render.report_asset_path(url) is None, url


def test_an_injected_image_or_url_cannot_fetch_through_the_render_path(secret_png):
    data_uri = "data:image/png;base64," + base64.b64encode(secret_png.read_bytes()).decode()
    hostile = f"""<html><body><p>测试</p>
      <img src="{secret_png.as_uri()}"><img src="file:///etc/passwd"><img src="/etc/passwd">
      <img src="http://127.0.0.1:9/x.png">
      <div style="width:40px;height:40px;background:url('{secret_png.as_uri()}')"></div>
      <svg width="40" height="40"><image href="{secret_png.as_uri()}" width="40" height="40"/></svg>
    </body></html>"""
    assert _images(render._html_to_pdf(hostile, lambda p: None)) == 0
    # the same image as a data: URI (how the walk record embeds photos) is printed
    assert _images(render._html_to_pdf(f'<img src="{data_uri}">', lambda p: None)) == 1


def test_a_finding_titled_with_markup_renders_as_text(office, department_a, secret_png):
    title = f'<img src="{secret_png.as_uri()}"><style>@import url(file:///etc/passwd);</style>'
    finding_actions.finding_file(actor=office, department=department_a, category="hotline", title=title[:200])
    data = ReportInput(kind="ledger", findings=Finding.objects.all(), walkthroughs=Walkthrough.objects.all(),
                       walkthrough=None, department=None, period_start=None, period_end=None, number="",
                       issued_on=timezone.localdate())
    pdf = render.render_pdf(data)
    assert _images(pdf) == 0
    fonts = {str(f.get("/BaseFont")) for page in PdfReader(io.BytesIO(pdf)).pages
             for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
             for f in [f.get_object()]}
    assert any("CWSerif" in name for name in fonts), fonts  # the vendored fonts still load through the fetcher
