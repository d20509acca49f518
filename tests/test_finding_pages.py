"""Finding pages and the rectification loop: file, assign, rectify, submit, reject, close."""
import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from findings import actions, notifications, queries
from inspections import queries as walkthrough_queries
from findings.models import Finding, FindingStatus, FindingTransition, NotificationSent
from inspections import actions as walk_actions
from inspections.models import Status, Walkthrough
from tests.conftest import make_item
from tests.test_walkthrough_pages import jpeg_bytes, upload


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "FA-1", name="食品经营许可", max_visits=1)


@pytest.fixture
def walk_done(item_a, leader_a):
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item_a, leader=leader_a, mode="inspect",
                                         identity="incognito", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to=Status.IN_PROGRESS, actor=leader_a)
    walk = walk_actions.walkthrough_update(walkthrough=walk, actor=leader_a, data={"observed_visits": 3, "observed_materials": 2})
    walk_actions.checklist_answer_set(walkthrough=walk, actor=leader_a, question="sup_one_time_notice", answer="problem")
    return walk_actions.walkthrough_transition(walkthrough=walk, to=Status.COMPLETED, actor=leader_a)


@pytest.fixture
def finding_a(office, department_a, item_a):
    return actions.finding_file(actor=office, department=department_a, service_item=item_a, category="excess_materials",
                                title="多要了一份证明", severity="major")


def test_file_from_a_checklist_problem_prefills_the_category(client, leader_a, walk_done):
    client.force_login(leader_a)
    url = f"{reverse('finding-file')}?walkthrough={walk_done.pk}&question=sup_one_time_notice"
    form = client.get(url).context["form"]
    assert form.initial["category"] == "one_time_notice" and "一次性告知" in form.initial["title"]
    response = client.post(url, {"category": "one_time_notice", "severity": "minor", "title": "未一次性告知所需材料"})
    finding = Finding.objects.get()
    assert response.status_code == 302 and finding.department == walk_done.department
    assert finding.walkthrough == walk_done and finding.checklist_question == "sup_one_time_notice"
    # the completed walkthrough's record lists it, and the problem answer links to filing
    html = client.get(reverse("walkthrough-detail", args=[walk_done.pk])).content.decode()
    assert "未一次性告知所需材料" in html and "就此问题登记" in html


def test_completing_proposes_findings_where_observed_exceeds_declared(client, leader_a, walk_done):
    client.force_login(leader_a)
    keys = [p["key"] for p in walkthrough_queries.walkthrough_proposals(Walkthrough.objects.get(pk=walk_done.pk))]
    assert keys == ["materials", "visits"]  # 2 materials > 0 declared, 3 visits > 1 declared
    html = client.get(reverse("walkthrough-detail", args=[walk_done.pk])).content.decode()
    assert "建议登记的问题" in html and "实际跑动 3 次，目录申报 1 次" in html
    client.post(reverse("finding-proposal", args=[walk_done.pk, "visits"]), {"decision": "confirm"})
    client.post(reverse("finding-proposal", args=[walk_done.pk, "materials"]), {"decision": "discard"})
    assert Finding.objects.get().category == "excess_visits"
    assert walkthrough_queries.walkthrough_proposals(Walkthrough.objects.get(pk=walk_done.pk)) == []
    # deciding twice does nothing more
    client.post(reverse("finding-proposal", args=[walk_done.pk, "visits"]), {"decision": "confirm"})
    assert Finding.objects.count() == 1


def test_leader_of_another_department_cannot_file_from_or_see(client, leader_b, walk_done, finding_a):
    client.force_login(leader_b)
    assert client.get(f"{reverse('finding-file')}?walkthrough={walk_done.pk}").status_code == 404
    assert client.get(reverse("finding-detail", args=[finding_a.pk])).status_code == 404
    assert "多要了一份证明" not in client.get(reverse("finding-list")).content.decode()
    assert client.post(reverse("finding-comment", args=[finding_a.pk]), {"body": "x"}).status_code == 404


def test_the_whole_loop_in_pages_with_emails(client, office, liaison_a, finding_a, django_capture_on_commit_callbacks):
    liaison_a.email = "liaison@example.cn"
    liaison_a.save()
    office.email = "office@example.cn"
    office.save()
    client.force_login(office)
    due = timezone.localdate() + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("finding-move", args=[finding_a.pk]), {"to": "rectifying", "version": 1, "due_date": due.isoformat()})
    finding = Finding.objects.get()
    assert finding.status == FindingStatus.RECTIFYING and finding.due_date == due and len(callbacks) == 1
    # the e-mail the worker would send, in Chinese
    assert notifications.finding_notify(finding_id=finding.pk, event="assigned") == 1
    assert mail.outbox[-1].to == ["liaison@example.cn"] and "整改交办" in mail.outbox[-1].subject
    assert f"{due.year}年{due.month}月{due.day}日" in mail.outbox[-1].body and "多要了一份证明" in mail.outbox[-1].body

    client.force_login(liaison_a)
    response = client.post(reverse("finding-move", args=[finding.pk]), {"to": "submitted", "version": finding.version}, follow=True)
    assert "提交前请先填写整改措施" in response.content.decode()
    client.post(reverse("finding-measures", args=[finding.pk]), {"measures": "取消该证明要求，修订办事指南", "version": finding.version})
    client.post(reverse("finding-evidence-add", args=[finding.pk]), {"file": upload("指南.jpg", jpeg_bytes())})
    finding.refresh_from_db()
    client.post(reverse("finding-move", args=[finding.pk]), {"to": "submitted", "version": finding.version})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED and finding.evidence.count() == 1

    client.force_login(office)
    response = client.post(reverse("finding-move", args=[finding.pk]), {"to": "rectifying", "version": finding.version}, follow=True)
    assert "请在备注中写明理由" in response.content.decode()
    client.post(reverse("finding-move", args=[finding.pk]), {"to": "rectifying", "version": finding.version, "note": "指南未上网"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFYING
    client.force_login(liaison_a)
    client.post(reverse("finding-move", args=[finding.pk]), {"to": "submitted", "version": finding.version})
    finding.refresh_from_db()
    client.force_login(office)
    client.post(reverse("finding-move", args=[finding.pk]),
                {"to": "closed", "version": finding.version, "materials_cut": 1, "visits_cut": 1})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED and finding.materials_cut == 1 and finding.closed_at
    history = list(FindingTransition.objects.filter(finding=finding).values_list("from_status", "to_status"))
    assert history == [("open", "rectifying"), ("rectifying", "submitted"), ("submitted", "rectifying"),
                       ("rectifying", "submitted"), ("submitted", "closed")]
    html = client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert "指南未上网" in html and "减少材料 1 件" in html


def test_stale_page_gets_a_conflict(client, office, finding_a):
    client.force_login(office)
    client.post(reverse("finding-move", args=[finding_a.pk]), {"to": "rectifying", "version": 1})
    response = client.post(reverse("finding-move", args=[finding_a.pk]), {"to": "dismissed", "version": 1, "note": "重复"}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert FindingTransition.objects.count() == 1


def test_liaison_cannot_assign_and_leader_cannot_submit(client, leader_a, liaison_a, finding_a, office):
    client.force_login(liaison_a)
    assert client.post(reverse("finding-move", args=[finding_a.pk]), {"to": "rectifying", "version": 1}).status_code == 403
    finding = actions.finding_transition(finding=finding_a, to="rectifying", actor=office)
    client.force_login(leader_a)
    assert client.post(reverse("finding-move", args=[finding.pk]), {"to": "submitted", "version": finding.version}).status_code == 403
    assert client.post(reverse("finding-measures", args=[finding.pk]), {"measures": "x", "version": finding.version}).status_code == 403


def test_office_list_filters_and_bulk_assign(client, office, department_a, department_b, item_a):
    for i in range(3):
        actions.finding_file(actor=office, department=department_a, category="hotline", title=f"热线问题{i}")
    other = actions.finding_file(actor=office, department=department_b, category="guidance", title="引导问题", severity="critical")
    client.force_login(office)
    html = client.get(reverse("finding-list"), {"department": department_b.pk}).content.decode()
    assert "引导问题" in html and "热线问题0" not in html
    html = client.get(reverse("finding-list"), {"severity": "critical"}).content.decode()
    assert "引导问题" in html and "热线问题1" not in html
    ids = list(Finding.objects.filter(category="hotline").values_list("pk", flat=True))
    client.post(reverse("finding-bulk-assign"), {"finding": ids})
    assert Finding.objects.filter(status="rectifying").count() == 3
    assert Finding.objects.get(pk=other.pk).status == "open"
    # overdue is computed by the database and filterable
    Finding.objects.filter(pk=ids[0]).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    response = client.get(reverse("finding-list"), {"overdue": "on"})
    assert [f.pk for f in response.context["page"]] == [ids[0]]
    assert "逾期" in response.content.decode()


def test_my_department_list_for_leader_and_liaison(client, leader_a, liaison_a, office, department_a, department_b):
    actions.finding_file(actor=office, department=department_a, category="hotline", title="甲部门问题")
    actions.finding_file(actor=office, department=department_b, category="hotline", title="乙部门问题")
    for user in (leader_a, liaison_a):
        client.force_login(user)
        html = client.get(reverse("finding-list")).content.decode()
        assert "本部门问题" in html and "甲部门问题" in html and "乙部门问题" not in html


def test_findings_list_query_count_is_fixed(client, office, department_a):
    client.force_login(office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("finding-list")).status_code == 200
        return len(ctx.captured_queries)

    actions.finding_file(actor=office, department=department_a, category="hotline", title="一")
    ten = count()
    Finding.objects.bulk_create([Finding(department=department_a, category="guidance", title=f"批量{i}", created_by=office)
                                 for i in range(500)])
    assert count() == ten


def test_reminders_are_sent_once(office, department_a, liaison_a):
    liaison_a.email = "l@example.cn"
    liaison_a.save()
    today = timezone.localdate()
    soon = actions.finding_file(actor=office, department=department_a, category="hotline", title="三天后到期")
    late = actions.finding_file(actor=office, department=department_a, category="hotline", title="昨天到期")
    Finding.objects.filter(pk=soon.pk).update(status="rectifying", due_date=today + datetime.timedelta(days=3))
    Finding.objects.filter(pk=late.pk).update(status="rectifying", due_date=today - datetime.timedelta(days=1))
    assert notifications.findings_remind(today=today) == 2
    assert notifications.findings_remind(today=today) == 0  # beat ran twice: nothing twice
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("即将到期" in s for s in subjects) and any("已逾期" in s for s in subjects)
    assert NotificationSent.objects.count() == 2


def test_office_schedules_a_rewalk(client, office, leader_b, finding_a):
    finding = actions.finding_transition(finding=finding_a, to="rectifying", actor=office)
    client.force_login(office)
    date = timezone.localdate() + datetime.timedelta(days=2)
    response = client.post(reverse("finding-rewalk", args=[finding.pk]), {"leader": leader_b.pk, "scheduled_for": date.isoformat()})
    walk = Walkthrough.objects.get(rewalk_of=finding)
    assert response.status_code == 302 and walk.leader == leader_b and walk.mode == "inspect"
    assert "回头看" in client.get(reverse("finding-detail", args=[finding.pk])).content.decode()


def test_walker_from_another_department_sees_what_they_filed(client, office, leader_b, item_a, department_a):
    walk = walk_actions.walkthrough_plan(actor=office, service_item=item_a, leader=leader_b, mode="accompany",
                                         identity="applicant", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader_b)
    mine = actions.finding_file(actor=leader_b, walkthrough=walk, category="guidance", title="窗口引导不清")
    other = actions.finding_file(actor=office, department=department_a, category="hotline", title="甲部门其他问题")
    client.force_login(leader_b)
    assert client.get(reverse("finding-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("finding-detail", args=[other.pk])).status_code == 404


def test_api_role_cannot_use_finding_pages(client, api_a, finding_a):
    client.force_login(api_a)
    assert client.get(reverse("finding-detail", args=[finding_a.pk])).status_code == 403


def test_overdue_annotation_matches_definition(office, department_a):
    today = timezone.localdate()
    rows = {
        "past-open": ("rectifying", today - datetime.timedelta(days=1), True),
        "past-closed": ("closed", today - datetime.timedelta(days=1), False),
        "today": ("rectifying", today, False),
        "none": ("open", None, False),
    }
    for title, (status, due, _) in rows.items():
        f = actions.finding_file(actor=office, department=department_a, category="hotline", title=title)
        Finding.objects.filter(pk=f.pk).update(status=status, due_date=due)
    got = dict(queries.with_overdue(Finding.objects.all()).values_list("title", "is_overdue"))
    assert got == {t: v[2] for t, v in rows.items()}


def test_unknown_move_is_refused_for_everyone(office, liaison_a, finding_a):
    from core.errors import TransitionNotAllowed

    for actor in (office, liaison_a):
        with pytest.raises(TransitionNotAllowed):
            actions.finding_transition(finding=finding_a, to="closed", actor=actor)
    assert FindingTransition.objects.count() == 0


def test_action_guards(office, department_a, finding_a, walk_done):
    from core.errors import ActionError

    with pytest.raises(ActionError):  # a checklist question without its walkthrough
        actions.finding_file(actor=office, department=department_a, category="hotline", title="x", checklist_question="made-up")
    finding = actions.finding_transition(finding=finding_a, to="rectifying", actor=office)
    Finding.objects.filter(pk=finding.pk).update(status="submitted", measures="已整改")
    finding.refresh_from_db()
    with pytest.raises(ActionError):  # a rejection with a deadline in the past
        actions.finding_transition(finding=finding, to="rectifying", actor=office, note="未整改到位",
                                   due_date=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ActionError):  # the model's own limits for the simplification ledger
        actions.finding_transition(finding=finding, to="closed", actor=office, ledger={"materials_cut": 500})
    assert Finding.objects.get(pk=finding.pk).status == "submitted"


def _assigned(finding, office):
    return actions.finding_transition(finding=finding, to="rectifying", actor=office, version=finding.version,
                                      due_date=timezone.localdate() + timezone.timedelta(days=10))


def test_the_liaison_types_measures_and_submits_in_one_step(client, finding_a, office, liaison_a):
    finding = _assigned(finding_a, office)
    client.force_login(liaison_a)
    page = client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert page.count("提交核实") == 1 and 'class="measures-form"' in page  # one submit button, with the measures
    response = client.post(reverse("finding-measures", args=[finding.pk]),
                           {"measures": "已删除重复证明要求", "version": finding.version, "submit": "1"})
    assert response.status_code == 302
    finding = Finding.objects.get(pk=finding.pk)
    assert finding.status == "submitted" and finding.measures == "已删除重复证明要求"
    assert list(finding.transitions.values_list("to_status", flat=True)) == ["rectifying", "submitted"]


def test_a_refused_submission_keeps_what_was_typed(client, finding_a, office, liaison_a):
    finding = _assigned(finding_a, office)
    client.force_login(liaison_a)
    url = reverse("finding-measures", args=[finding.pk])
    response = client.post(url, {"measures": "", "version": finding.version, "submit": "1"})
    assert response.status_code == 400 and "请先填写整改措施" in response.content.decode()
    # someone changed it meanwhile: the typed text comes back, with the reason, and nothing is saved
    response = client.post(url, {"measures": "窗口已张贴一次性告知清单", "version": finding.version - 1, "submit": "1"})
    html = response.content.decode()
    assert response.status_code == 400 and "窗口已张贴一次性告知清单" in html and 'role="alert"' in html
    finding.refresh_from_db()
    assert finding.status == "rectifying" and finding.measures == ""


def test_the_list_filters_a_heads_own_findings_those_not_closed_and_those_sent_back(client, office, leader_a, liaison_a,
                                                                                   walk_done, finding_a):
    mine = actions.finding_file(actor=leader_a, walkthrough=walk_done, category="one_time_notice", title="未一次性告知")
    back = _assigned(actions.finding_file(actor=office, department=walk_done.department, category="hotline", title="热线"), office)
    back = actions.finding_submit(finding=back, actor=liaison_a, measures="已整改", version=back.version)
    actions.finding_transition(finding=back, to="rectifying", actor=office, version=back.version, note="材料不全")
    closed = _assigned(actions.finding_file(actor=leader_a, walkthrough=walk_done, category="hotline", title="已办结"), office)
    closed = actions.finding_submit(finding=closed, actor=liaison_a, measures="已整改", version=closed.version)
    actions.finding_transition(finding=closed, to="closed", actor=office, version=closed.version)

    def titles(user, **params):
        client.force_login(user)
        return {f.title for f in client.get(reverse("finding-list"), params).context["page"].object_list}

    assert titles(leader_a, mine="on") == {"未一次性告知", "已办结"}
    assert titles(leader_a, mine="on", open="on") == {"未一次性告知"}
    assert titles(liaison_a, sent_back="on") == {"热线"}
    assert mine.pk and "多要了一份证明" in titles(office, open="on")
