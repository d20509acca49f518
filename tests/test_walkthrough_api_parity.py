"""Issue 19, the walkthrough side: every write the walk page offers is in ``walkthroughs/`` of API v1,
through the same action and the same permission — event corrections, evidence (multipart, the same
content checks), checklist answers, every observed figure, the signature on completing."""
import base64
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from inspections import actions
from inspections.checklists import current_template, questions_for
from inspections.models import ChecklistAnswer, EventCorrection, Evidence, Status, TimelineEvent, Walkthrough
from tests.conftest import api_client, make_item

MB = 2**20

client = api_client


def png_bytes(size=(30, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def signature_url(size=(300, 100)) -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "PA-1", name="企业设立登记")


def plan(item, leader, *, mode="simulate") -> Walkthrough:
    return actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode=mode, identity="applicant",
                                    channel="window", scheduled_for=timezone.localdate())


@pytest.fixture
def walk_a(item_a, leader_a):
    return plan(item_a, leader_a)


@pytest.fixture
def walking(walk_a, leader_a):
    return actions.walkthrough_transition(walkthrough=walk_a, to=Status.IN_PROGRESS, actor=leader_a)


@pytest.fixture
def event(walking, leader_a):
    return actions.event_add(walkthrough=walking, actor=leader_a, kind="queueing", note="排队")


def url(walkthrough, suffix=""):
    return f"/api/v1/walkthroughs/{walkthrough.pk}/{suffix}"


def media_files(settings) -> set:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


# --- correcting and withdrawing an event ---------------------------------------------------------------

def test_the_head_corrects_an_event_and_the_old_values_stay(walking, event, leader_a):
    new_at = (event.at - datetime.timedelta(minutes=3)).replace(microsecond=0)
    response = client(leader_a).post(url(walking, f"events/{event.pk}/correct/"),
                                     {"at": new_at.isoformat(), "note": "排队二十分钟", "reason": "记错了"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["old_note"] == "排队" and body["new_note"] == "排队二十分钟" and body["withdrawn"] is False
    assert body["reason"] == "记错了" and body["actor"] == leader_a.pk
    assert body["event"]["id"] == event.pk and body["event"]["note"] == "排队二十分钟"
    assert datetime.datetime.fromisoformat(body["event"]["at"]) == new_at
    trace = EventCorrection.objects.get(event=event)
    assert (trace.old_at, trace.new_at, trace.old_note, trace.new_note) == (event.at, new_at, "排队", "排队二十分钟")
    event.refresh_from_db()
    assert (event.at, event.note, event.withdrawn_at) == (new_at, "排队二十分钟", None)


def test_the_office_withdraws_an_event_with_a_reason(walking, event, office):
    api = client(office)
    response = api.post(url(walking, f"events/{event.pk}/correct/"), {"withdraw": True}, format="json")
    assert response.status_code == 400 and "撤回" in response.json()["reason"][0]
    assert not EventCorrection.objects.exists()
    response = api.post(url(walking, f"events/{event.pk}/correct/"), {"withdraw": True, "reason": "误点"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["withdrawn"] is True and response.json()["event"]["withdrawn_at"] is not None
    # still on the timeline, marked; a second correction of a withdrawn event is refused
    listed = api.get(url(walking, "events/")).json()["results"]
    assert [(e["id"], e["withdrawn_at"] is not None) for e in listed] == [(event.pk, True)]
    again = api.post(url(walking, f"events/{event.pk}/correct/"), {"note": "x"}, format="json")
    assert again.status_code == 400 and "detail" in again.json()
    assert EventCorrection.objects.filter(event=event).count() == 1


def test_a_correction_needs_a_change_an_offset_and_an_open_walkthrough(walking, event, leader_a):
    api = client(leader_a)
    path = url(walking, f"events/{event.pk}/correct/")
    assert api.post(path, {"note": "排队"}, format="json").status_code == 400  # nothing changed
    naive = api.post(path, {"at": "2026-03-02T09:30:00"}, format="json")
    assert naive.status_code == 400 and "at" in naive.json()
    stray = api.post(path, {"note": "x", "colour": "red"}, format="json")
    assert stray.status_code == 400 and list(stray.json()) == ["colour"]
    actions.walkthrough_transition(walkthrough=walking, to=Status.COMPLETED, actor=leader_a)
    late = api.post(path, {"note": "补记"}, format="json")
    assert late.status_code == 400 and "不能再修改" in late.json()["detail"]
    assert not EventCorrection.objects.exists()


def test_correcting_is_for_the_head_and_the_office_only(walking, event, liaison_a, api_a, leader_b, item_a, leader_a):
    path = url(walking, f"events/{event.pk}/correct/")
    refused = client(liaison_a).post(path, {"note": "x"}, format="json")
    assert refused.status_code == 403 and "局长本人或营商环境办公室" in refused.json()["detail"]
    assert client(api_a).post(path, {"note": "x"}, format="json").status_code == 403
    assert client(leader_b).post(path, {"note": "x"}, format="json").status_code == 404
    # an event of another walkthrough is not found through this one
    other = actions.walkthrough_transition(walkthrough=plan(item_a, leader_a), to=Status.IN_PROGRESS, actor=leader_a)
    assert client(leader_a).post(url(other, f"events/{event.pk}/correct/"), {"note": "x"}, format="json").status_code == 404
    assert not EventCorrection.objects.exists() and TimelineEvent.objects.get(pk=event.pk).note == "排队"


# --- evidence: multipart upload and list ----------------------------------------------------------

def test_the_head_uploads_a_png_and_a_jpeg_and_lists_them(walking, leader_a, liaison_a, api_a):
    api = client(leader_a)
    png = api.post(url(walking, "evidence/"), {"file": upload("窗口.png", png_bytes(), "image/png")}, format="multipart")
    assert png.status_code == 201, png.json()
    jpg = api.post(url(walking, "evidence/"), {"file": upload("IMG_0001.JPG", jpeg_bytes()),
                                               "device_at": "2026-03-02T09:30:00+08:00"}, format="multipart")
    assert jpg.status_code == 201, jpg.json()
    assert (png.json()["content_type"], png.json()["original_name"], png.json()["size"]) == ("image/png", "窗口.png", len(png_bytes()))
    assert jpg.json()["content_type"] == "image/jpeg" and jpg.json()["device_at"] == "2026-03-02T09:30:00+08:00"
    assert jpg.json()["event"] is None and jpg.json()["question"] is None and jpg.json()["uploaded_by"] == leader_a.pk
    for who in (leader_a, liaison_a, api_a):  # who sees the walkthrough sees its files
        listed = client(who).get(url(walking, "evidence/")).json()["results"]
        assert [e["id"] for e in listed] == [png.json()["id"], jpg.json()["id"]], who
    stored = Evidence.objects.get(pk=png.json()["id"])
    assert stored.walkthrough_id == walking.pk and stored.file.name.endswith(".png") and "窗口" not in stored.file.name


def test_the_download_url_serves_the_file_to_whoever_may_see_it(walking, leader_a, liaison_a, leader_b):
    from django.test import Client

    body = client(leader_a).post(url(walking, "evidence/"), {"file": upload("a.png", png_bytes(), "image/png")},
                                 format="multipart").json()
    assert body["download_url"].startswith("http://testserver/walkthroughs/evidence/")
    path = body["download_url"].removeprefix("http://testserver")
    for who, expected in ((liaison_a, 200), (leader_b, 404)):
        browser = Client()
        browser.force_login(who)
        response = browser.get(path)
        assert response.status_code == expected, who
        if expected == 200:
            assert b"".join(response.streaming_content) == png_bytes() and response["Content-Type"] == "image/png"


def test_the_api_download_url_serves_the_file_with_a_token(walking, leader_a, api_a, leader_b, office):
    body = client(leader_a).post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes())},
                                 format="multipart").json()
    path = body["api_download_url"].removeprefix("http://testserver")
    assert path == url(walking, f"evidence/{body['id']}/download/")
    for who in (api_a, office, leader_a):
        response = client(who).get(path)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", who
        assert b"".join(response.streaming_content) == jpeg_bytes()
        assert response["Content-Disposition"] == f'inline; filename="evidence-{body["id"]}.jpg"'
    assert client(leader_b).get(path).status_code == 404
    assert client(office).get(url(walking, "evidence/999999/download/")).status_code == 404


def test_evidence_belongs_to_an_event_or_an_answered_question(walking, event, office, leader_a):
    api = client(office)
    on_event = api.post(url(walking, "evidence/"), {"event": event.pk, "file": upload("e.jpg", jpeg_bytes())}, format="multipart")
    assert on_event.status_code == 201 and on_event.json()["event"] == event.pk
    unanswered = api.post(url(walking, "evidence/"), {"question": "sim_materials", "file": upload("q.jpg", jpeg_bytes())},
                          format="multipart")
    assert unanswered.status_code == 400 and "请先回答该检查项" in unanswered.json()["question"][0]
    actions.checklist_answer_set(walkthrough=walking, actor=leader_a, question="sim_materials", answer="problem")
    on_answer = api.post(url(walking, "evidence/"), {"question": "sim_materials", "file": upload("q.jpg", jpeg_bytes())},
                         format="multipart")
    assert on_answer.status_code == 201 and on_answer.json()["question"] == "sim_materials"
    assert Evidence.objects.get(pk=on_answer.json()["id"]).answer.question == "sim_materials"
    unknown = api.post(url(walking, "evidence/"), {"event": 999999, "file": upload("x.jpg", jpeg_bytes())}, format="multipart")
    assert unknown.status_code == 400 and "event" in unknown.json()
    listed = api.get(url(walking, "evidence/")).json()["results"]
    assert [(e["event"], e["question"]) for e in listed] == [(event.pk, None), (None, "sim_materials")]


def test_a_text_file_named_jpg_is_refused_in_chinese(walking, leader_a, settings):
    before = media_files(settings)
    fake = upload("photo.jpg", b"#!/bin/sh\necho this is not a photo\n")
    response = client(leader_a).post(url(walking, "evidence/"), {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "只能上传照片（JPEG、PNG、WebP、HEIC）或 PDF 文件。"}
    assert not Evidence.objects.exists() and media_files(settings) == before


def test_a_file_over_the_limit_is_a_clean_400_not_read(walking, leader_a, settings):
    before = media_files(settings)
    big = upload("big.jpg", b"\xff" * (30 * MB))
    response = client(leader_a).post(url(walking, "evidence/"), {"file": big}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "文件超过 10 MB。"}
    assert not Evidence.objects.exists() and media_files(settings) == before


def test_the_upload_is_multipart_and_needs_a_file(walking, leader_a):
    api = client(leader_a)
    assert api.post(url(walking, "evidence/"), {"event": 1}, format="json").status_code == 415
    missing = api.post(url(walking, "evidence/"), {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    stray = api.post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes()), "walkthrough": 5}, format="multipart")
    assert stray.status_code == 400 and "walkthrough" in stray.json()
    odd_clock = api.post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes()),
                                                      "device_at": "1999-01-01T00:00:00+08:00"}, format="multipart")
    assert odd_clock.status_code == 400 and "手机时间" in odd_clock.json()["device_at"][0]
    assert not Evidence.objects.exists()


def test_uploading_is_for_the_head_and_the_office_only(walking, liaison_a, api_a, leader_b, settings):
    before = media_files(settings)
    for who, expected in ((liaison_a, 403), (api_a, 403), (leader_b, 404)):
        response = client(who).post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes())}, format="multipart")
        assert response.status_code == expected, who
    assert client(leader_b).get(url(walking, "evidence/")).status_code == 404
    assert not Evidence.objects.exists() and media_files(settings) == before


def test_a_completed_walkthrough_takes_no_more_files(walking, leader_a):
    actions.walkthrough_transition(walkthrough=walking, to=Status.COMPLETED, actor=leader_a)
    response = client(leader_a).post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes())}, format="multipart")
    assert response.status_code == 400 and "不能再修改" in response.json()["detail"]


def test_the_same_idempotency_key_stores_one_file(walking, leader_a):
    api = client(leader_a)
    answers = [api.post(url(walking, "evidence/"), {"file": upload("a.jpg", jpeg_bytes())}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="photo-0001-abcdef") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[1]["Idempotent-Replayed"] == "true"
    assert answers[0].json() == answers[1].json() and Evidence.objects.count() == 1


def test_the_evidence_list_asks_the_same_queries_for_1_and_10_files(walking, event, leader_a, office):
    actions.checklist_answer_set(walkthrough=walking, actor=leader_a, question="sim_steps", answer="ok")
    answer = ChecklistAnswer.objects.get()

    def add(n):
        for i in range(n):
            actions.evidence_add(walkthrough=walking, actor=leader_a, upload=upload(f"{i}.png", png_bytes(), "image/png"),
                                 event=event if i % 3 == 1 else None, answer=answer if i % 3 == 2 else None)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client(office).get(url(walking, "evidence/"))
            assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["results"])

    add(1)
    one = count()
    add(9)
    ten = count()
    # the walkthrough, its visible findings (the viewset's queryset), the page of files with their answers
    assert one == (3, 1) and ten == (3, 10)


# --- the checklist -------------------------------------------------------------------------------------

def test_the_answers_list_is_the_modes_checklist_with_what_was_answered(walk_a, leader_a, liaison_a, api_a, leader_b):
    actions.checklist_answer_set(walkthrough=walk_a, actor=leader_a, question="sim_steps", answer="problem", note="七个环节")
    for who in (leader_a, liaison_a, api_a):
        response = client(who).get(url(walk_a, "answers/"))
        assert response.status_code == 200, who
    rows = response.json()
    assert [r["question"] for r in rows] == [q.code for q in questions_for(current_template("simulate"))]
    steps = next(r for r in rows if r["question"] == "sim_steps")
    assert (steps["answer"], steps["note"], steps["answered_by"], steps["category"]) == ("problem", "七个环节", leader_a.pk,
                                                                                       "excess_steps")
    assert steps["answered_at"] and steps["text"] == str(questions_for(current_template("simulate"))[3].text) and steps["section"]
    unanswered = next(r for r in rows if r["question"] == "sim_materials")
    assert (unanswered["answer"], unanswered["note"], unanswered["answered_at"], unanswered["answered_by"]) == (None, "", None, None)
    assert client(leader_b).get(url(walk_a, "answers/")).status_code == 404


def test_the_head_and_the_office_answer_and_change_an_answer(walk_a, leader_a, office):
    path = url(walk_a, "answers/sim_materials/")
    response = client(leader_a).post(path, {"answer": "problem", "note": "要求提供已取消的证明",
                                            "device_at": "2026-03-02T09:40:00+08:00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["answer"] == "problem" and response.json()["answered_by"] == leader_a.pk
    assert response.json()["device_at"] == "2026-03-02T09:40:00+08:00"
    response = client(office).post(path, {"answer": "ok"}, format="json")
    assert response.status_code == 200 and response.json()["note"] == "" and response.json()["answered_by"] == office.pk
    row = ChecklistAnswer.objects.get()
    assert (row.question, row.answer, row.answered_by, row.device_at) == ("sim_materials", "ok", office, None)


def test_answers_are_checked_as_on_the_page(walk_a, leader_a, liaison_a, api_a, leader_b):
    api = client(leader_a)
    bad = api.post(url(walk_a, "answers/sim_materials/"), {"answer": "maybe"}, format="json")
    assert bad.status_code == 400 and "answer" in bad.json()
    other_mode = api.post(url(walk_a, "answers/el_materials/"), {"answer": "ok"}, format="json")
    assert other_mode.status_code == 400 and other_mode.json()["detail"] == "该问题不属于此体验方式的检查清单。"
    long = api.post(url(walk_a, "answers/sim_materials/"), {"answer": "ok", "note": "长" * 1001}, format="json")
    assert long.status_code == 400 and "note" in long.json()
    assert api.post(url(walk_a, "answers/SIM-1/"), {"answer": "ok"}, format="json").status_code == 404  # not a code
    refused = client(liaison_a).post(url(walk_a, "answers/sim_materials/"), {"answer": "ok"}, format="json")
    assert refused.status_code == 403 and "局长本人或营商环境办公室" in refused.json()["detail"]
    assert client(api_a).post(url(walk_a, "answers/sim_materials/"), {"answer": "ok"}, format="json").status_code == 403
    assert client(leader_b).post(url(walk_a, "answers/sim_materials/"), {"answer": "ok"}, format="json").status_code == 404
    actions.walkthrough_transition(walkthrough=walk_a, to=Status.CANCELLED, actor=leader_a, note="改期")
    closed = api.post(url(walk_a, "answers/sim_materials/"), {"answer": "ok"}, format="json")
    assert closed.status_code == 400 and "不能再修改" in closed.json()["detail"]
    assert not ChecklistAnswer.objects.exists()


def test_the_answers_list_asks_the_same_queries_for_1_and_10_answers(item_a, leader_a, office):
    walk = plan(item_a, leader_a, mode="inspect")
    codes = [q.code for q in questions_for(current_template("inspect"))]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client(office).get(url(walk, "answers/"))
            assert response.status_code == 200
        return len(ctx.captured_queries), sum(r["answer"] is not None for r in response.json())

    actions.checklist_answer_set(walkthrough=walk, actor=leader_a, question=codes[0], answer="ok")
    one = count()
    for code in codes[1:10]:
        actions.checklist_answer_set(walkthrough=walk, actor=leader_a, question=code, answer="problem", note=code)
    ten = count()
    # the walkthrough, its visible findings (the viewset's queryset), the questions of its checklist version, the answers
    assert one == (4, 1) and ten == (4, 10)


# --- observed figures and the signature -----------------------------------------------------------------

def test_patch_takes_every_figure_of_the_page_form(walk_a, leader_a):
    from inspections.forms import ObservedForm

    figures = {"materials": 6, "visits": 2, "steps": 5, "elapsed_minutes": 50, "elapsed_days": 3, "queue_minutes": 25,
               "online_depth": 2}
    response = client(leader_a).patch(url(walk_a), {"observed": figures, "summary": "窗口引导清楚"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["observed"] == figures
    walk_a.refresh_from_db()
    stored = {f: getattr(walk_a, f) for f in ObservedForm.Meta.fields}
    assert stored == {"observed_materials": 6, "observed_visits": 2, "observed_steps": 5, "elapsed_minutes": 50,
                      "elapsed_days": 3, "queue_minutes": 25, "observed_online_depth": 2, "summary": "窗口引导清楚"}
    bad = client(leader_a).patch(url(walk_a), {"observed": {"online_depth": 5}}, format="json")
    assert bad.status_code == 400 and "online_depth" in bad.json()["observed"]


def test_the_head_signs_on_completing_through_the_api(walking, leader_a):
    api = client(leader_a)
    fake = api.post(url(walking, "complete/"), {"signature": "data:image/png;base64,bm90IGEgcG5n"}, format="json")
    assert fake.status_code == 400 and fake.json()["detail"] == "签名须为在屏幕上手写的 PNG 图片。"
    not_a_data_url = api.post(url(walking, "complete/"), {"signature": "iVBORw0KGgo="}, format="json")
    assert not_a_data_url.status_code == 400 and "signature" in not_a_data_url.json()
    assert Walkthrough.objects.get(pk=walking.pk).status == Status.IN_PROGRESS
    response = api.post(url(walking, "complete/"), {"signature": signature_url(), "note": "已签字"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "completed"
    walk = Walkthrough.objects.get(pk=walking.pk)
    assert walk.signed_at == walk.completed_at and walk.transitions.last().note == "已签字"
    with walk.signature.open("rb") as handle:
        assert Image.open(handle).format == "PNG"


def test_completing_without_a_signature_and_signing_elsewhere(walk_a, leader_a):
    api = client(leader_a)
    assert api.post(url(walk_a, "start/"), {"signature": signature_url()}, format="json").status_code == 400
    assert api.post(url(walk_a, "start/"), {}, format="json").status_code == 200
    assert api.post(url(walk_a, "complete/"), {"signature": ""}, format="json").status_code == 200
    walk = Walkthrough.objects.get(pk=walk_a.pk)
    assert walk.status == Status.COMPLETED and not walk.signature and walk.signed_at is None


def test_an_oversized_signature_is_refused(walking, leader_a):
    big = signature_url(size=(2000, 1001))
    response = client(leader_a).post(url(walking, "complete/"), {"signature": big}, format="json")
    assert response.status_code == 400 and "detail" in response.json()
    assert Walkthrough.objects.get(pk=walking.pk).status == Status.IN_PROGRESS


def test_completing_tells_the_webhooks_once_with_the_walkthrough(walking, leader_a, department_a):
    from webhooks.models import Endpoint, WebhookEvent

    hook = Endpoint.objects.create(name="12345", url="https://hooks.example.org/walks", events=["walkthrough.completed"])
    hook.departments.add(department_a)
    api = client(leader_a)
    assert api.post(url(walking, "complete/"), {"signature": "data:image/png;base64,bm90IGEgcG5n"}, format="json").status_code == 400
    assert not WebhookEvent.objects.exists()  # refused: nothing told
    body = api.post(url(walking, "complete/"), {"signature": signature_url()}, format="json").json()
    told = WebhookEvent.objects.get()
    assert (told.type, told.department_id, told.deliveries.get().endpoint) == ("walkthrough.completed", department_a.pk, hook)
    assert told.data == {"walkthrough": {
        "id": walking.pk, "status": "completed", "version": body["version"], "department": department_a.pk,
        "service_item": walking.service_item_id, "leader": leader_a.pk, "mode": "simulate",
        "completed_at": body["completed_at"]}}


# --- the contract ---------------------------------------------------------------------------------------

def test_the_schema_documents_the_new_routes_and_the_multipart_upload(office, db):
    schema = client(office).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    correct = paths["/api/v1/walkthroughs/{id}/events/{event_id}/correct/"]["post"]
    assert set(correct["responses"]) == {"201", "400", "403", "404"}
    evidence = paths["/api/v1/walkthroughs/{id}/evidence/"]
    assert set(evidence) >= {"get", "post"}
    assert list(evidence["post"]["requestBody"]["content"]) == ["multipart/form-data"]
    upload_schema = evidence["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][upload_schema]["properties"]
    assert properties["file"] == {**properties["file"], "type": "string", "format": "binary"}
    assert set(properties) == {"file", "event", "question", "device_at"}
    download = paths["/api/v1/walkthroughs/{id}/evidence/{evidence_id}/download/"]["get"]["responses"]
    assert set(download["200"]["content"]) == {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    assert "get" in paths["/api/v1/walkthroughs/{id}/answers/"]
    assert set(paths["/api/v1/walkthroughs/{id}/answers/{question}/"]) >= {"post"}
    assert "put" not in paths["/api/v1/walkthroughs/{id}/answers/{question}/"]
    complete = paths["/api/v1/walkthroughs/{id}/complete/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "signature" in schema["components"]["schemas"][complete["$ref"].rsplit("/", 1)[1]]["properties"]
