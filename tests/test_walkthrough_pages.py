"""Walkthrough pages: plan, walk, log, attach, answer, complete — and the department wall."""
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from inspections import actions
from inspections.models import ChecklistAnswer, Evidence, Status, TimelineEvent, Walkthrough, WalkthroughTransition
from tests.conftest import make_item


def jpeg_bytes(color="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "WA-1", name="企业设立登记", high_frequency=True, enterprise_related=True)


@pytest.fixture
def walk_a(item_a, leader_a):
    return actions.walkthrough_plan(actor=leader_a, service_item=item_a, leader=leader_a, mode="simulate",
                                    identity="applicant", channel="window", scheduled_for=timezone.localdate())


def started(walkthrough, actor):
    return actions.walkthrough_transition(walkthrough=walkthrough, to=Status.IN_PROGRESS, actor=actor)


def test_leader_plans_for_own_department_hf_items_first(client, leader_a, department_a, department_b, item_a):
    make_item(department_a, "WA-0", name="阿拉伯数字事项")  # sorts before 企业 by name, but is not high-frequency
    make_item(department_b, "WB-1", name="外部门事项")
    client.force_login(leader_a)
    page = client.get(reverse("walkthrough-plan"))
    choices = [c[1] for c in page.context["form"].fields["service_item"].choices][1:]
    assert choices[0].startswith("★ 企业设立登记") and not any("外部门事项" in c for c in choices)
    response = client.post(reverse("walkthrough-plan"), {
        "service_item": item_a.pk, "mode": "simulate", "identity": "applicant", "channel": "window",
        "scheduled_for": timezone.localdate().isoformat(),
    })
    walkthrough = Walkthrough.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("walkthrough-detail", args=[walkthrough.pk])
    assert walkthrough.leader == leader_a and walkthrough.department == department_a and walkthrough.status == Status.PLANNED


def test_leader_cannot_plan_another_departments_item(client, leader_a, department_b):
    foreign = make_item(department_b, "WB-2")
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-plan"), {
        "service_item": foreign.pk, "mode": "inspect", "identity": "incognito", "channel": "window",
        "scheduled_for": timezone.localdate().isoformat(),
    })
    assert response.status_code == 200 and "service_item" in response.context["form"].errors
    assert not Walkthrough.objects.exists()


def test_office_assigns_a_head_to_another_departments_item(client, office, leader_b, item_a):
    client.force_login(office)
    response = client.post(reverse("walkthrough-plan"), {
        "service_item": item_a.pk, "leader": leader_b.pk, "mode": "accompany", "identity": "applicant",
        "channel": "both", "scheduled_for": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302
    walkthrough = Walkthrough.objects.get()
    assert walkthrough.leader == leader_b and walkthrough.planned_by == office
    client.force_login(leader_b)
    assert client.get(reverse("walkthrough-detail", args=[walkthrough.pk])).status_code == 200


def test_impossible_date_is_refused(client, leader_a, item_a):
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-plan"), {
        "service_item": item_a.pk, "mode": "simulate", "identity": "applicant", "channel": "window", "scheduled_for": "2026-02-30",
    })
    assert response.status_code == 200 and "scheduled_for" in response.context["form"].errors
    assert not Walkthrough.objects.exists()


def test_leader_of_b_cannot_see_start_or_attach_to_a(client, walk_a, leader_b):
    started(walk_a, walk_a.leader)
    evidence = actions.evidence_add(walkthrough=walk_a, actor=walk_a.leader, upload=upload("p.jpg", jpeg_bytes()))
    client.force_login(leader_b)
    pk = walk_a.pk
    assert client.get(reverse("walkthrough-detail", args=[pk])).status_code == 404
    assert client.post(reverse("walkthrough-transition", args=[pk, "completed"])).status_code == 404
    assert client.post(reverse("walkthrough-event-add", args=[pk]), {"kind": "queueing"}).status_code == 404
    assert client.post(reverse("walkthrough-evidence-add", args=[pk]), {"file": upload("x.jpg", jpeg_bytes())}).status_code == 404
    assert client.post(reverse("walkthrough-observed", args=[pk]), {"observed_visits": 3}).status_code == 404
    assert client.post(reverse("walkthrough-answer", args=[pk, "sim_materials"]), {"answer": "problem"}).status_code == 404
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404
    assert Evidence.objects.count() == 1 and TimelineEvent.objects.count() == 0
    assert Walkthrough.objects.get(pk=pk).status == Status.IN_PROGRESS
    assert walk_a.service_item.name not in client.get(reverse("walkthrough-list")).content.decode()


def test_liaison_reads_but_does_not_walk(client, walk_a, liaison_a):
    client.force_login(liaison_a)
    html = client.get(reverse("walkthrough-detail", args=[walk_a.pk])).content.decode()
    assert "企业设立登记" in html and "walkthrough-transition" not in html and "/move/" not in html
    assert client.post(reverse("walkthrough-transition", args=[walk_a.pk, "in_progress"])).status_code == 403


def test_illegal_moves_are_refused_with_a_clear_message(client, walk_a, leader_a):
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-transition", args=[walk_a.pk, "completed"]), follow=True)
    assert "不能变为" in response.content.decode()
    assert Walkthrough.objects.get(pk=walk_a.pk).status == Status.PLANNED
    response = client.post(reverse("walkthrough-transition", args=[walk_a.pk, "cancelled"]), follow=True)
    assert "请说明取消" in response.content.decode()  # cancelling asks for a reason
    assert Walkthrough.objects.get(pk=walk_a.pk).status == Status.PLANNED
    client.post(reverse("walkthrough-transition", args=[walk_a.pk, "cancelled"]), {"note": "改期"})
    response = client.post(reverse("walkthrough-transition", args=[walk_a.pk, "in_progress"]), follow=True)
    assert "不能变为" in response.content.decode()
    assert Walkthrough.objects.get(pk=walk_a.pk).status == Status.CANCELLED
    assert WalkthroughTransition.objects.filter(walkthrough=walk_a).count() == 1


def test_a_stale_page_gets_a_conflict_not_a_second_move(client, walk_a, leader_a):
    client.force_login(leader_a)
    client.post(reverse("walkthrough-transition", args=[walk_a.pk, "in_progress"]), {"from": "planned"})
    # a second tab still showing "planned" tries to cancel: it must not cancel a walk under way
    response = client.post(reverse("walkthrough-transition", args=[walk_a.pk, "cancelled"]), {"from": "planned", "note": "改期"},
                           follow=True)
    assert "已被他人修改" in response.content.decode()
    assert Walkthrough.objects.get(pk=walk_a.pk).status == Status.IN_PROGRESS


def test_walk_logs_events_evidence_figures_and_checklist_with_htmx(client, walk_a, leader_a):
    client.force_login(leader_a)
    client.post(reverse("walkthrough-transition", args=[walk_a.pk, "in_progress"]))
    hx = {"HTTP_HX_REQUEST": "true"}
    for kind in ["consultation", "queueing", "submission", "acceptance"]:
        response = client.post(reverse("walkthrough-event-add", args=[walk_a.pk]), {"kind": kind, "note": f"备注{kind}"}, **hx)
        assert response.status_code == 200 and 'id="timeline"' in response.content.decode()
    assert "<html" not in response.content.decode() and "受理" in response.content.decode()
    response = client.post(reverse("walkthrough-evidence-add", args=[walk_a.pk]), {"file": upload("现场.jpg", jpeg_bytes())}, **hx)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/jpeg" and evidence.original_name == "现场.jpg"
    assert "现场" not in evidence.file.name and evidence.file.name.endswith(".jpg")
    response = client.post(reverse("walkthrough-observed", args=[walk_a.pk]),
                           {"observed_materials": 6, "observed_visits": 2, "observed_steps": 5, "queue_minutes": 25}, **hx)
    assert response.status_code == 200 and "已保存" in response.content.decode()
    response = client.post(reverse("walkthrough-answer", args=[walk_a.pk, "sim_materials"]), {"answer": "problem", "note": "多要了房产证明"}, **hx)
    assert response.status_code == 200
    assert ChecklistAnswer.objects.get(walkthrough=walk_a).answer == "problem"
    client.post(reverse("walkthrough-transition", args=[walk_a.pk, "completed"]))
    walk_a.refresh_from_db()
    assert walk_a.status == Status.COMPLETED and walk_a.observed_materials == 6 and walk_a.elapsed_minutes is not None
    # the record: everything shown, nothing editable
    html = client.get(reverse("walkthrough-detail", args=[walk_a.pk])).content.decode()
    for text in ["备注queueing", "多要了房产证明", "25", "已完成"]:
        assert text in html
    assert 'class="tapgrid"' not in html and 'type="file"' not in html
    response = client.post(reverse("walkthrough-event-add", args=[walk_a.pk]), {"kind": "note", "note": "迟到的"}, **hx)
    assert response.status_code == 400 and TimelineEvent.objects.filter(note="迟到的").count() == 0


def test_renamed_executable_and_oversize_uploads_store_nothing(client, walk_a, leader_a, settings):
    started(walk_a, leader_a)
    client.force_login(leader_a)
    url = reverse("walkthrough-evidence-add", args=[walk_a.pk])
    before = set(Path(settings.MEDIA_ROOT).rglob("*"))
    elf = b"\x7fELF\x02\x01\x01" + b"\0" * 500
    response = client.post(url, {"file": upload("photo.jpg", elf)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "只能上传" in response.content.decode()
    mz = b"MZ\x90\x00" + b"\0" * 500
    assert client.post(url, {"file": upload("scan.pdf", mz, "application/pdf")}, HTTP_HX_REQUEST="true").status_code == 400
    settings.EVIDENCE_MAX_BYTES = 1000
    response = client.post(url, {"file": upload("big.jpg", jpeg_bytes() + b"\0" * 2000)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "超过" in response.content.decode()
    assert Evidence.objects.count() == 0
    assert set(Path(settings.MEDIA_ROOT).rglob("*")) == before


def test_path_traversal_names_are_not_used(client, walk_a, leader_a):
    started(walk_a, leader_a)
    client.force_login(leader_a)
    client.post(reverse("walkthrough-evidence-add", args=[walk_a.pk]), {"file": upload("../../etc/passwd.jpg", jpeg_bytes())})
    evidence = Evidence.objects.get()
    assert ".." not in evidence.file.name and evidence.file.name.startswith("evidence/")
    assert Path(evidence.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_evidence_download_for_who_may_see(client, walk_a, leader_a, liaison_a, office):
    started(walk_a, leader_a)
    content = jpeg_bytes("blue")
    evidence = actions.evidence_add(walkthrough=walk_a, actor=leader_a, upload=upload("a.jpg", content))
    for user in (leader_a, liaison_a, office):
        client.force_login(user)
        response = client.get(reverse("evidence-download", args=[evidence.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == content


def test_bad_figures_are_refused(client, walk_a, leader_a):
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-observed", args=[walk_a.pk]), {"observed_visits": -1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert Walkthrough.objects.get(pk=walk_a.pk).observed_visits is None


def test_unknown_checklist_question_is_refused(client, walk_a, leader_a):
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-answer", args=[walk_a.pk, "el_materials"]), {"answer": "ok"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and not ChecklistAnswer.objects.exists()  # inspect's question, not simulate's


def test_calendar_and_heads_who_have_not_walked(client, office, leader_a, leader_b, walk_a):
    client.force_login(office)
    response = client.get(reverse("walkthrough-calendar"))
    html = response.content.decode()
    assert "企业设立登记"[:5] in html
    names = {str(u) for u in response.context["not_walked"]}
    assert {str(leader_a), str(leader_b)} <= names
    started(walk_a, leader_a)
    actions.walkthrough_transition(walkthrough=Walkthrough.objects.get(pk=walk_a.pk), to=Status.COMPLETED, actor=leader_a)
    names = {str(u) for u in client.get(reverse("walkthrough-calendar")).context["not_walked"]}
    assert str(leader_a) not in names and str(leader_b) in names
    client.force_login(leader_b)
    response = client.get(reverse("walkthrough-calendar"))
    assert "not_walked" not in response.context and "企业设立登记"[:5] not in response.content.decode()


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_calendar_and_detail_query_counts_are_fixed(client, office, leader_a, item_a, walk_a):
    client.force_login(office)
    walk_a = started(walk_a, leader_a)
    urls = [reverse("walkthrough-list"), reverse("walkthrough-calendar"), reverse("walkthrough-detail", args=[walk_a.pk])]

    def grow(n):
        for i in range(n):
            actions.walkthrough_plan(actor=leader_a, service_item=item_a, leader=leader_a, mode="inspect", identity="incognito",
                                     channel="online", scheduled_for=timezone.localdate() + datetime.timedelta(days=i % 3))
        for kind in ["consultation", "queueing", "submission"] * n:
            event = actions.event_add(walkthrough=walk_a, actor=leader_a, kind=kind)
            actions.event_correct(event=event, actor=leader_a, note="改正")
            actions.evidence_add(walkthrough=walk_a, actor=leader_a, upload=upload("e.jpg", jpeg_bytes()), event=event)
        answer = actions.checklist_answer_set(walkthrough=walk_a, actor=leader_a, question="sim_materials", answer="problem")
        for _ in range(n):
            actions.evidence_add(walkthrough=walk_a, actor=leader_a, upload=upload("a.jpg", jpeg_bytes()))
            actions.evidence_add(walkthrough=walk_a, actor=leader_a, upload=upload("q.jpg", jpeg_bytes()), answer=answer)

    grow(1)
    before = [_count(client, u) for u in urls]
    grow(5)
    after = [_count(client, u) for u in urls]
    assert after == before, (before, after)


def test_a_walkthrough_can_cover_a_bundle(client, leader_a, item_a, department_a):
    from services.models import Bundle, BundleItem

    second = make_item(department_a, "WA-2", name="食品经营许可")
    bundle = Bundle.objects.create(code="restaurant", name="开办餐饮店")
    BundleItem.objects.create(bundle=bundle, item=item_a, position=1)
    BundleItem.objects.create(bundle=bundle, item=second, position=2)
    outside = make_item(department_a, "WA-3", name="不在一件事中的事项")
    client.force_login(leader_a)
    base = {"mode": "accompany", "identity": "applicant", "channel": "window", "scheduled_for": timezone.localdate().isoformat(),
            "bundle": bundle.pk}
    response = client.post(reverse("walkthrough-plan"), {**base, "service_item": outside.pk})
    assert response.status_code == 200 and "bundle" in response.context["form"].errors
    client.post(reverse("walkthrough-plan"), {**base, "service_item": item_a.pk})
    walk = Walkthrough.objects.get()
    assert walk.bundle == bundle
    html = client.get(reverse("walkthrough-detail", args=[walk.pk])).content.decode()
    assert "开办餐饮店" in html and "企业设立登记 → 食品经营许可" in html


def test_the_dashboards_filters_show_as_chips_and_survive_further_filtering(client, office, leader_a, item_a, department_a,
                                                                            department_b):
    other = make_item(department_b, "WB-9", name="外部门事项")
    for item, mode in ((item_a, "simulate"), (item_a, "inspect"), (other, "simulate")):
        actions.walkthrough_plan(actor=office, service_item=item, leader=leader_a, mode=mode, identity="applicant",
                                 channel="window", scheduled_for=timezone.localdate())
    client.force_login(office)
    url = reverse("walkthrough-list") + f"?department={department_a.pk}&level=city&active=1"
    response = client.get(url)
    assert response.context["total"] == 2
    html = response.content.decode()
    chips = {c["name"]: c for c in response.context["chips"]}
    assert set(chips) == {"department", "level", "active"} and department_a.name in html
    # removing one chip keeps the others
    assert f"department={department_a.pk}" in chips["level"]["remove"] and "level=" not in chips["level"]["remove"]
    # the level and "not cancelled" travel as hidden fields when the person filters further by mode
    assert '<input type="hidden" name="level" value="city">' in html and '<input type="hidden" name="active" value="1">' in html
    response = client.get(reverse("walkthrough-list"), {"department": department_a.pk, "level": "city", "active": "1", "mode": "inspect"})
    assert response.context["total"] == 1
    response = client.get(reverse("walkthrough-list"), {"department": department_a.pk, "status": "planned"})
    assert response.context["total"] == 2  # the department still holds after a status change
    # period filter, and nonsense dropped rather than an error page
    assert client.get(reverse("walkthrough-list"), {"since": "2000-01-01", "until": "2000-12-31"}).context["total"] == 0
    assert client.get(reverse("walkthrough-list"), {"mode": "x", "department": "999999"}).context["total"] == 3  # dropped
    # NUL bytes and impossible years stop at the input boundary (chizhou_walkthrough/middleware.py)
    assert client.get(reverse("walkthrough-list"), {"department": "\x00", "since": "0001-01-01"}).status_code == 400
