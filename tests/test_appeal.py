"""申诉复核: a department disputes a finding, the office decides — through the pages and the API,
with the history rows, the paused deadline, the appeal period and the figures that count appeals."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from findings import actions, queries
from findings.dashboard import Filters, dashboard_figures
from findings.models import Finding, FindingStatus, FindingTransition, Notification
from findings.notifications import finding_notify
from findings.reports import render
from findings.workdays import add_working_days, working_days_between
from tests.conftest import api_client


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def assigned(office, department, *, due: datetime.date | None = None, title="窗口要求提供户籍证明") -> Finding:
    finding = actions.finding_file(actor=office, department=department, category="excess_materials", title=title)
    return actions.finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=office, due_date=due)


def history(finding) -> list[tuple[str, str, str]]:
    return list(FindingTransition.objects.filter(finding=finding).order_by("at", "id")
                .values_list("from_status", "to_status", "actor__username"))


# --- the pages ---------------------------------------------------------------------------------


def test_the_liaison_appeals_on_the_page_with_a_photo_and_the_office_upholds_it(client, office, liaison_a, department_a):
    finding = assigned(office, department_a)
    client.force_login(liaison_a)
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert 'id="appeal"' in page and f'action="/findings/{finding.pk}/appeal/#appeal"' in page

    photo = SimpleUploadedFile("证明.png", _png(), content_type="image/png")
    response = client.post(f"/findings/{finding.pk}/appeal/", {"note": "该事项已划转至市数据资源局", "version": finding.version,
                                                                "files": [photo]})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.APPEALED
    assert finding.evidence.count() == 1 and finding.evidence.get().uploaded_by == liaison_a
    assert history(finding)[-1] == (FindingStatus.RECTIFYING, FindingStatus.APPEALED, liaison_a.username)
    # the office is told, in the site and by e-mail (run here as the worker would)
    finding_notify(finding_id=finding.pk, event="appealed")
    assert Notification.objects.filter(recipient=office, finding=finding, event="appealed").exists()

    client.force_login(office)
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert "维持" in page or "Turn down the appeal" in page
    response = client.post(f"/findings/{finding.pk}/move/", {"to": "rectifying", "version": finding.version, "note": "经核实仍属本单位职责"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFYING
    assert [row[:2] for row in history(finding)][-2:] == [("rectifying", "appealed"), ("appealed", "rectifying")]
    # the history on the page names each step with its actor
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert "经核实仍属本单位职责" in page and "该事项已划转至市数据资源局" in page


def test_an_appeal_without_reasons_comes_back_with_what_was_typed_and_the_reason(client, office, liaison_a, department_a):
    finding = assigned(office, department_a)
    client.force_login(liaison_a)
    response = client.post(f"/findings/{finding.pk}/appeal/", {"note": "  ", "version": finding.version})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFYING and not history(finding)[1:]


def test_a_refused_file_files_no_appeal(client, office, liaison_a, department_a):
    finding = assigned(office, department_a)
    client.force_login(liaison_a)
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(f"/findings/{finding.pk}/appeal/", {"note": "职责不符", "version": finding.version, "files": [fake]})
    assert response.status_code == 400
    assert "职责不符" in response.content.decode()  # what was typed is still there
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFYING and finding.evidence.count() == 0


def test_the_head_of_the_department_may_appeal_and_others_may_not(client, office, leader_a, leader_b, department_a):
    finding = assigned(office, department_a)
    client.force_login(leader_b)
    assert client.post(f"/findings/{finding.pk}/appeal/", {"note": "x", "version": finding.version}).status_code == 404
    client.force_login(office)
    assert client.post(f"/findings/{finding.pk}/appeal/", {"note": "x", "version": finding.version}).status_code == 403
    client.force_login(leader_a)
    assert client.post(f"/findings/{finding.pk}/appeal/", {"note": "不属本单位", "version": finding.version}).status_code == 302
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.APPEALED


def test_after_the_appeal_period_the_page_says_so_and_the_action_refuses(client, settings, office, liaison_a, department_a):
    finding = assigned(office, department_a)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Finding.objects.filter(pk=finding.pk).update(assigned_at=long_ago)
    finding.refresh_from_db()
    client.force_login(liaison_a)
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert 'id="appeal"' in page and f'action="/findings/{finding.pk}/appeal/#appeal"' not in page
    last_day = add_working_days(timezone.localtime(long_ago).date(), settings.APPEAL_WORKING_DAYS)
    assert last_day.isoformat() in page
    response = client.post(f"/findings/{finding.pk}/appeal/", {"note": "迟到的申诉", "version": finding.version})
    assert response.status_code == 400 and last_day.isoformat() in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.RECTIFYING


def test_a_finding_is_appealed_once(office, liaison_a, department_a):
    finding = assigned(office, department_a)
    finding = actions.finding_transition(finding=finding, to="appealed", actor=liaison_a, note="职责不符")
    finding = actions.finding_transition(finding=finding, to="rectifying", actor=office, note="维持")
    assert "already been appealed" in queries.appeal_refusal(finding) or "已申诉" in queries.appeal_refusal(finding)
    with pytest.raises(actions.ActionError):
        actions.finding_transition(finding=finding, to="appealed", actor=liaison_a, note="再次申诉")


# --- the paused clock ---------------------------------------------------------------------------


def test_the_deadline_stops_while_appealed_and_the_days_left_are_given_back(office, liaison_a, department_a):
    today = timezone.localdate()
    due = add_working_days(today, 6)
    finding = assigned(office, department_a, due=due)
    finding = actions.finding_transition(finding=finding, to="appealed", actor=liaison_a, note="职责不符")
    # the appeal was made three weeks ago, and the deadline has passed since: not overdue while appealed
    three_weeks_ago = timezone.now() - datetime.timedelta(days=21)
    FindingTransition.objects.filter(finding=finding, to_status="appealed").update(at=three_weeks_ago)
    appealed_on = timezone.localtime(three_weeks_ago).date()
    Finding.objects.filter(pk=finding.pk).update(due_date=add_working_days(appealed_on, 4))
    finding.refresh_from_db()
    assert finding.due_date < today
    assert not Finding.objects.filter(queries.overdue_q(), pk=finding.pk).exists()
    assert not queries.with_overdue(Finding.objects.filter(pk=finding.pk)).get().is_overdue
    # turned down without a date: the four working days that were left, counted from today
    finding = actions.finding_transition(finding=finding, to="rectifying", actor=office, note="维持原认定")
    assert finding.due_date == add_working_days(today, 4)
    assert working_days_between(today, finding.due_date) == 4


def test_the_office_may_set_the_new_deadline_when_it_upholds(office, liaison_a, department_a):
    finding = assigned(office, department_a)
    finding = actions.finding_transition(finding=finding, to="appealed", actor=liaison_a, note="职责不符")
    new = timezone.localdate() + datetime.timedelta(days=20)
    finding = actions.finding_transition(finding=finding, to="rectifying", actor=office, note="维持", due_date=new)
    assert finding.due_date == new


# --- the API ------------------------------------------------------------------------------------


def test_over_the_api_the_head_appeals_and_the_office_accepts(office, leader_a, department_a):
    finding = assigned(office, department_a)
    head = api_client(leader_a)
    url = f"/api/v1/findings/{finding.pk}/transition/"
    refused = head.post(url, {"to": "appealed", "version": finding.version}, format="json")
    assert refused.status_code == 400 and "detail" in refused.json()  # the reasons are required
    response = head.post(url, {"to": "appealed", "version": finding.version, "note": "该事项已划转"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "appealed" and body["overdue"] is False

    desk = api_client(office)
    assert api_client(leader_a).post(url, {"to": "dismissed", "version": body["version"], "note": "x"},
                                     format="json").status_code == 403
    response = desk.post(url, {"to": "dismissed", "version": body["version"], "note": "申诉成立，职责已划转"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"

    rows = desk.get(f"/api/v1/findings/{finding.pk}/history/?kind=move").json()
    assert [(r["from"], r["to"], r["by"]) for r in rows] == [
        ("open", "rectifying", office.username), ("rectifying", "appealed", leader_a.username),
        ("appealed", "dismissed", office.username)]
    assert rows[-1]["note"] == "申诉成立，职责已划转"


def test_over_the_api_an_api_client_and_another_department_cannot_appeal(office, leader_b, api_a, department_a):
    finding = assigned(office, department_a)
    url = f"/api/v1/findings/{finding.pk}/transition/"
    body = {"to": "appealed", "version": finding.version, "note": "x"}
    assert api_client(leader_b).post(url, body, format="json").status_code == 404
    assert api_client(api_a).post(url, body, format="json").status_code == 403
    assert api_client(office).post(url, body, format="json").status_code == 403


# --- the figures ---------------------------------------------------------------------------------


def _three_appeals(office, liaison_a, department_a):
    upheld, accepted, waiting = (assigned(office, department_a, title=t) for t in ("甲", "乙", "丙"))
    for finding in (upheld, accepted, waiting):
        actions.finding_transition(finding=Finding.objects.get(pk=finding.pk), to="appealed", actor=liaison_a, note="职责不符")
    actions.finding_transition(finding=Finding.objects.get(pk=upheld.pk), to="rectifying", actor=office, note="维持")
    actions.finding_transition(finding=Finding.objects.get(pk=accepted.pk), to="dismissed", actor=office, note="成立")
    return upheld, accepted, waiting


def test_appeals_are_counted_per_department(office, liaison_a, department_a, department_b):
    _three_appeals(office, liaison_a, department_a)
    assigned(office, department_b)  # no appeal: no row
    assert queries.appeal_counts(Finding.objects.all()) == {
        department_a.pk: {"made": 3, "upheld": 1, "accepted": 1, "pending": 1}}


def test_the_dashboard_shows_the_appeals(client, office, liaison_a, department_a, django_assert_max_num_queries):
    _three_appeals(office, liaison_a, department_a)
    figures = dashboard_figures(scope_department_id=None, filters=Filters())
    assert figures["appeal_totals"] == {"made": 3, "upheld": 1, "accepted": 1, "pending": 1}
    assert figures["appeals"][0]["name"] == department_a.name
    client.force_login(office)
    html = client.get("/dashboard/").content.decode()
    assert 'id="appeals"' in html and "status=appealed" in html
    client.force_login(liaison_a)  # the department sees its own
    assert 'id="appeals"' in client.get("/dashboard/").content.decode()


def test_the_dashboard_counts_appeals_in_one_query_however_many(office, liaison_a, department_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _three_appeals(office, liaison_a, department_a)
    with CaptureQueriesContext(connection) as few:
        dashboard_figures(scope_department_id=None, filters=Filters())
    for _ in range(3):
        _three_appeals(office, liaison_a, department_a)
    with CaptureQueriesContext(connection) as many:
        dashboard_figures(scope_department_id=None, filters=Filters())
    assert len(many) == len(few)


def test_the_bulletin_and_the_ledger_show_the_appeals(office, liaison_a, department_a):
    from pypdf import PdfReader

    from findings.reports import actions as report_actions

    _three_appeals(office, liaison_a, department_a)
    bulletin = report_actions.report_input(report_actions.report_request(actor=office, kind="bulletin"))
    context = render._bulletin_context(bulletin, lambda p: None)
    assert context["appeal_totals"] == {"made": 3, "upheld": 1, "accepted": 1, "pending": 1}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render.render_pdf(bulletin))).pages)
    assert "申诉复核情况" in text

    ledger = report_actions.report_input(report_actions.report_request(actor=office, kind="ledger"))
    rows = {row.title: row for row in render._ledger_rows(render._ledger_findings(ledger))}
    steps = " / ".join(rows["甲"].history)
    assert "申诉（整改中→申诉中）" in steps and "复核：维持原认定" in steps
    assert "复核：申诉成立" in " / ".join(rows["乙"].history)


def test_no_appeal_after_the_deadline_and_a_reassignment_is_no_appeal(office, liaison_a, department_a, department_b):
    """An appeal stops the clock, so one made after the deadline would wipe out "overdue"; and a
    reassignment while under appeal (a history row whose from equals its to) is not counted as one."""
    late = assigned(office, department_a, title="已逾期")
    Finding.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    late.refresh_from_db()
    assert "已过" in queries.appeal_refusal(late) or "passed" in queries.appeal_refusal(late)
    with pytest.raises(actions.ActionError):
        actions.finding_transition(finding=late, to="appealed", actor=liaison_a, note="职责不符")

    disputed = assigned(office, department_a, title="改派中")
    disputed = actions.finding_transition(finding=disputed, to="appealed", actor=liaison_a, note="职责不符")
    actions.finding_reassign(finding=disputed, actor=office, department=department_b, note="先转乙单位核实")
    counts = queries.appeal_counts(Finding.objects.all())
    assert sum(row["made"] for row in counts.values()) == 1
