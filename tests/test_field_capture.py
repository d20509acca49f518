"""The walk page's server side of field capture: done once per Idempotency-Key, the phone's time of a
tap kept beside the server's, corrections with their trace, photos where they belong, cancelling with
a reason, the signature, and filing from a checklist answer."""
import base64
import datetime
import io
import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.models import IdempotencyKey
from findings.models import Finding
from inspections import actions
from inspections.models import ChecklistAnswer, EventCorrection, Evidence, Status, TimelineEvent, Walkthrough
from tests.conftest import api_client, make_item
from tests.test_walkthrough_pages import jpeg_bytes, started, upload

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def walking(department_a, leader_a):
    item = make_item(department_a, "FC-1", name="企业设立登记")
    walk = actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                    identity="applicant", channel="window", scheduled_for=timezone.localdate())
    return started(walk, leader_a)


def _key(n=1):
    return f"key-0000000{n}-abcdef"


# --- done once per key -----------------------------------------------------------------------------

def test_the_same_key_twice_on_the_walk_page_logs_one_event(client, walking, leader_a):
    client.force_login(leader_a)
    url = reverse("walkthrough-event-add", args=[walking.pk])
    for _ in range(2):
        response = client.post(url, {"kind": "queueing", "note": "排队"}, HTTP_IDEMPOTENCY_KEY=_key(), **HX)
        assert response.status_code == 200 and "排队" in response.content.decode()
    assert TimelineEvent.objects.filter(walkthrough=walking).count() == 1
    # another key is another tap
    client.post(url, {"kind": "queueing"}, HTTP_IDEMPOTENCY_KEY=_key(2), **HX)
    assert TimelineEvent.objects.filter(walkthrough=walking).count() == 2


def test_a_key_is_refused_for_another_request_and_when_malformed(client, walking, leader_a):
    client.force_login(leader_a)
    client.post(reverse("walkthrough-event-add", args=[walking.pk]), {"kind": "queueing"}, HTTP_IDEMPOTENCY_KEY=_key(), **HX)
    response = client.post(reverse("walkthrough-answer", args=[walking.pk, "sim_materials"]), {"answer": "ok"},
                           HTTP_IDEMPOTENCY_KEY=_key(), **HX)
    assert response.status_code == 400 and "已用于另一个请求" in response.content.decode()
    assert not ChecklistAnswer.objects.exists()
    response = client.post(reverse("walkthrough-event-add", args=[walking.pk]), {"kind": "queueing"},
                           HTTP_IDEMPOTENCY_KEY="bad key!", **HX)
    assert response.status_code == 400 and TimelineEvent.objects.count() == 1


def test_a_refused_request_records_no_key_so_it_can_be_sent_again_fixed(client, walking, leader_a):
    client.force_login(leader_a)
    url = reverse("walkthrough-observed", args=[walking.pk])
    response = client.post(url, {"observed_visits": 99999999999}, HTTP_IDEMPOTENCY_KEY=_key(), **HX)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not IdempotencyKey.objects.exists()
    response = client.post(url, {"observed_visits": 3}, HTTP_IDEMPOTENCY_KEY=_key(), **HX)
    assert response.status_code == 200
    assert Walkthrough.objects.get(pk=walking.pk).observed_visits == 3


def test_the_api_answers_a_repeated_key_with_the_first_result(walking, leader_a):
    api = api_client(leader_a)
    url = f"/api/v1/walkthroughs/{walking.pk}/events/"
    first = api.post(url, {"kind": "submission", "note": "递交"}, format="json", HTTP_IDEMPOTENCY_KEY=_key())
    again = api.post(url, {"kind": "submission", "note": "递交"}, format="json", HTTP_IDEMPOTENCY_KEY=_key())
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert TimelineEvent.objects.count() == 1
    # a refused request keeps nothing: the same key may be sent again, corrected
    bad = api.post(url, {"kind": "nonsense"}, format="json", HTTP_IDEMPOTENCY_KEY=_key(2))
    assert bad.status_code == 400 and not IdempotencyKey.objects.filter(key=_key(2)).exists()
    assert api.post(url, {"kind": "queueing"}, format="json", HTTP_IDEMPOTENCY_KEY=_key(2)).status_code == 201
    assert TimelineEvent.objects.count() == 2
    assert api.post(url, {"kind": "queueing"}, format="json", HTTP_IDEMPOTENCY_KEY="x").status_code == 400


def test_keys_are_per_person(walking, leader_a, office):
    url = f"/api/v1/walkthroughs/{walking.pk}/events/"
    assert api_client(leader_a).post(url, {"kind": "queueing"}, format="json", HTTP_IDEMPOTENCY_KEY=_key()).status_code == 201
    assert api_client(office).post(url, {"kind": "queueing"}, format="json", HTTP_IDEMPOTENCY_KEY=_key()).status_code == 201
    assert TimelineEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_six_concurrent_sends_of_one_key_make_one_row(department_a, leader_a):
    item = make_item(department_a, "FC-2", name="并发事项")
    walk = started(actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                            identity="applicant", channel="window", scheduled_for=timezone.localdate()), leader_a)
    url = f"/api/v1/walkthroughs/{walk.pk}/events/"
    barrier, answers = threading.Barrier(6), []

    def send():
        try:
            api = api_client(leader_a)
            barrier.wait(timeout=10)
            answers.append(api.post(url, {"kind": "queueing"}, format="json", HTTP_IDEMPOTENCY_KEY=_key()).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    rows = TimelineEvent.objects.filter(walkthrough=walk).count()
    if connection.vendor == "postgresql":
        # the twins wait at the unique index and then answer the first result
        assert rows == 1 and answers == [201] * 6, answers
    else:  # SQLite's in-memory test database refuses a second writer at once instead of waiting
        assert rows <= 1, answers


# --- the phone's time of a tap -------------------------------------------------------------------

def test_a_tap_logged_offline_keeps_its_time_beside_the_servers(client, walking, leader_a):
    client.force_login(leader_a)
    tapped = timezone.now() - datetime.timedelta(minutes=10)
    Walkthrough.objects.filter(pk=walking.pk).update(started_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.post(reverse("walkthrough-event-add", args=[walking.pk]),
                           {"kind": "queueing", "device_at": tapped.isoformat()}, **HX)
    assert response.status_code == 200
    event = TimelineEvent.objects.get()
    assert abs((event.at - tapped).total_seconds()) < 1 and event.device_at == event.at
    assert event.received_at > event.at + datetime.timedelta(minutes=9)
    assert "离线记录" in response.content.decode()


def test_a_phone_with_a_wrong_clock_gets_the_servers_time_and_keeps_its_own(client, walking, leader_a):
    client.force_login(leader_a)
    future = timezone.now() + datetime.timedelta(hours=3)
    client.post(reverse("walkthrough-event-add", args=[walking.pk]), {"kind": "queueing", "device_at": future.isoformat()}, **HX)
    event = TimelineEvent.objects.get()
    assert event.device_at == future.replace(microsecond=future.microsecond) and event.at <= timezone.now()


# --- corrections ---------------------------------------------------------------------------------

def test_an_event_is_corrected_or_withdrawn_with_the_old_values_kept_and_shown(client, walking, leader_a):
    client.force_login(leader_a)
    event = actions.event_add(walkthrough=walking, actor=leader_a, kind="queueing", note="排队20分钟")
    url = reverse("walkthrough-event-correct", args=[walking.pk, event.pk])
    response = client.post(url, {"note": "排队40分钟", "at": timezone.localtime(event.at).strftime("%Y-%m-%dT%H:%M"),
                                 "reason": "记错了"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "排队40分钟" in html and "<del>" in html and "排队20分钟" in html
    correction = EventCorrection.objects.get()
    assert (correction.old_note, correction.new_note, correction.reason) == ("排队20分钟", "排队40分钟", "记错了")
    # withdrawing needs a reason
    assert client.post(url, {"withdraw": "on"}, **HX).status_code == 400
    assert client.post(url, {"withdraw": "on", "reason": "误点"}, **HX).status_code == 200
    event.refresh_from_db()
    assert event.withdrawn_at is not None and EventCorrection.objects.count() == 2
    # completed: no more corrections
    actions.walkthrough_transition(walkthrough=walking, to=Status.COMPLETED, actor=leader_a)
    second = TimelineEvent.objects.create(walkthrough=walking, kind="note", at=timezone.now(), created_by=leader_a)
    response = client.post(reverse("walkthrough-event-correct", args=[walking.pk, second.pk]), {"note": "晚了"}, **HX)
    assert response.status_code == 400 and EventCorrection.objects.count() == 2


def test_a_correction_cannot_move_an_event_into_the_future(walking, leader_a):
    event = actions.event_add(walkthrough=walking, actor=leader_a, kind="queueing")
    with pytest.raises(actions.ActionError):
        actions.event_correct(event=event, actor=leader_a, at=timezone.now() + datetime.timedelta(hours=2))


# --- photos where they belong ------------------------------------------------------------------------

def test_photos_attach_to_an_event_and_to_a_checklist_answer(client, walking, leader_a):
    client.force_login(leader_a)
    event = actions.event_add(walkthrough=walking, actor=leader_a, kind="queueing")
    url = reverse("walkthrough-evidence-add", args=[walking.pk])
    response = client.post(url, {"file": upload("e.jpg", jpeg_bytes()), "event": event.pk}, **HX)
    assert response.status_code == 200 and 'id="timeline"' in response.content.decode()
    assert reverse("evidence-download", args=[Evidence.objects.get(event=event).pk]) in response.content.decode()
    # a photo of a question not yet answered is refused, with the reason
    response = client.post(url, {"file": upload("q.jpg", jpeg_bytes()), "question": "sim_materials"}, **HX)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    actions.checklist_answer_set(walkthrough=walking, actor=leader_a, question="sim_materials", answer="problem", note="多要了两份材料")
    response = client.post(url, {"file": upload("q.jpg", jpeg_bytes()), "question": "sim_materials"}, **HX)
    assert response.status_code == 200 and 'id="checklist"' in response.content.decode()
    assert Evidence.objects.filter(answer__question="sim_materials").count() == 1


# --- cancelling, completing -------------------------------------------------------------------------

def test_cancelling_needs_a_reason(client, walking, leader_a):
    client.force_login(leader_a)
    url = reverse("walkthrough-transition", args=[walking.pk, "cancelled"])
    html = client.get(reverse("walkthrough-detail", args=[walking.pk])).content.decode()
    assert 'name="note"' in html and "required" in html.split('class="cancel-walk"', 1)[1]
    client.post(url, {"from": "in_progress"})
    assert Walkthrough.objects.get(pk=walking.pk).status == Status.IN_PROGRESS
    client.post(url, {"from": "in_progress", "note": "申请人改期"})
    walk = Walkthrough.objects.get(pk=walking.pk)
    assert walk.status == Status.CANCELLED and walk.transitions.last().note == "申请人改期"


def _png(size=(300, 100)) -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_the_head_signs_on_completing(client, walking, leader_a):
    client.force_login(leader_a)
    url = reverse("walkthrough-transition", args=[walking.pk, "completed"])
    client.post(url, {"from": "in_progress", "signature": "data:image/png;base64,bm90IGEgcG5n"})
    assert Walkthrough.objects.get(pk=walking.pk).status == Status.IN_PROGRESS  # not a PNG: refused, nothing done
    client.post(url, {"from": "in_progress", "signature": _png()})
    walk = Walkthrough.objects.get(pk=walking.pk)
    assert walk.status == Status.COMPLETED and walk.signed_at is not None
    with walk.signature.open("rb") as handle:
        assert Image.open(handle).format == "PNG"


def test_completing_without_a_signature_is_fine(client, walking, leader_a):
    client.force_login(leader_a)
    client.post(reverse("walkthrough-transition", args=[walking.pk, "completed"]), {"from": "in_progress", "signature": ""})
    walk = Walkthrough.objects.get(pk=walking.pk)
    assert walk.status == Status.COMPLETED and not walk.signature


# --- filing from a checklist answer ------------------------------------------------------------------

def test_filing_from_a_checklist_answer_starts_from_its_note_and_returns_to_the_walk(client, walking, leader_a):
    client.force_login(leader_a)
    actions.checklist_answer_set(walkthrough=walking, actor=leader_a, question="sim_materials", answer="problem",
                                 note="窗口多要了营业执照复印件")
    url = reverse("finding-file") + f"?walkthrough={walking.pk}&question=sim_materials"
    form = client.get(url).context["form"]
    assert form.initial["description"] == "窗口多要了营业执照复印件"
    response = client.post(url, {"category": form.initial["category"], "severity": "minor", "title": form.initial["title"],
                                 "description": form.initial["description"]})
    assert response.status_code == 302 and response["Location"] == reverse("walkthrough-detail", args=[walking.pk]) + "#findings"
    assert Finding.objects.get().description == "窗口多要了营业执照复印件"


# --- photos on a finding -----------------------------------------------------------------------------

def test_a_finding_is_filed_with_a_photo_and_its_filer_may_add_more_while_it_is_open(client, walking, leader_a, liaison_a):
    from findings.models import FindingEvidence

    client.force_login(leader_a)
    url = reverse("finding-file") + f"?walkthrough={walking.pk}"
    data = {"category": "excess_materials", "severity": "minor", "title": "多要材料"}
    # a refused photo files nothing, and says why
    response = client.post(url, {**data, "photo": upload("x.jpg", b"not an image at all")})
    assert response.status_code == 200 and not Finding.objects.exists()
    assert "照片" in response.content.decode()
    client.post(url, {**data, "photo": upload("p.jpg", jpeg_bytes())})
    finding = Finding.objects.get()
    assert FindingEvidence.objects.filter(finding=finding, uploaded_by=leader_a).count() == 1
    page = client.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert reverse("finding-evidence-add", args=[finding.pk]) in page
    assert reverse("finding-evidence-download", args=[FindingEvidence.objects.get().pk]) in page
    client.post(reverse("finding-evidence-add", args=[finding.pk]), {"file": upload("q.jpg", jpeg_bytes())})
    assert FindingEvidence.objects.count() == 2
    # the liaison adds evidence while rectifying, not before
    client.force_login(liaison_a)
    assert client.post(reverse("finding-evidence-add", args=[finding.pk]), {"file": upload("r.jpg", jpeg_bytes())}).status_code == 403


def test_refused_figures_come_back_as_typed(client, walking, leader_a):
    client.force_login(leader_a)
    response = client.post(reverse("walkthrough-observed", args=[walking.pk]),
                           {"observed_visits": 99999999999, "observed_materials": 7, "summary": "窗口要求多跑一次"}, **HX)
    html = response.content.decode()
    assert response.status_code == 400 and 'value="99999999999"' in html and 'value="7"' in html and "窗口要求多跑一次" in html
    assert Walkthrough.objects.get(pk=walking.pk).observed_materials is None


def test_a_device_time_years_off_is_refused_by_the_api_and_ignored_by_the_page(client, walking, leader_a):
    api = api_client(leader_a)
    url = f"/api/v1/walkthroughs/{walking.pk}/events/"
    response = api.post(url, {"kind": "queueing", "device_at": "0740-10-27T10:01:01+19:33"}, format="json")
    assert response.status_code == 400 and not TimelineEvent.objects.exists()
    client.force_login(leader_a)
    client.post(reverse("walkthrough-event-add", args=[walking.pk]), {"kind": "queueing", "device_at": "1999-01-01T00:00:00+08:00"},
                **HX)
    event = TimelineEvent.objects.get()
    assert event.device_at is None and abs((event.at - timezone.now()).total_seconds()) < 60
