"""Every form against bad input and repeats: a clear error, nothing half-stored, nothing unescaped,
and a form sent twice acts once."""
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from findings import actions as finding_actions
from findings.models import Comment, Finding
from inspections import actions as walk_actions
from inspections.models import ChecklistAnswer, TimelineEvent, Walkthrough
from public.models import PublicRequest
from tests.conftest import make_item

SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"
SQL = "'; DROP TABLE findings_finding; --"
LONG = "长" * 5000
BAD_VALUES = [LONG, SCRIPT, SQL, "2026-02-30", "-1", "not-a-choice", "\x00"]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(office, leader_a, liaison_a, department_a):
    item = make_item(department_a, "RB-1", name="食品经营许可")
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                         identity="applicant", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader_a)
    finding = finding_actions.finding_file(actor=office, department=department_a, service_item=item, category="hotline", title="热线")
    finding = finding_actions.finding_transition(finding=finding, to="rectifying", actor=office)
    return {"item": item, "walk": walk, "finding": finding}


def forms(w):
    """(who, url, valid data, the model whose rows must not change on bad input)."""
    today = timezone.localdate().isoformat()
    return [
        ("leader_a", reverse("walkthrough-plan"), {"service_item": w["item"].pk, "mode": "simulate", "identity": "applicant",
                                                   "channel": "window", "scheduled_for": today}, Walkthrough),
        ("leader_a", reverse("walkthrough-event-add", args=[w["walk"].pk]), {"kind": "queueing", "note": "排队"}, TimelineEvent),
        ("leader_a", reverse("walkthrough-answer", args=[w["walk"].pk, "sim_materials"]), {"answer": "ok", "note": "好"}, ChecklistAnswer),
        ("leader_a", reverse("finding-file") + f"?walkthrough={w['walk'].pk}",
         {"category": "hotline", "severity": "minor", "title": "标题", "description": "描述"}, Finding),
        ("liaison_a", reverse("finding-comment", args=[w["finding"].pk]), {"body": "评论"}, Comment),
        ("anon", reverse("public-request"), {"kind": "lead", "service_item": w["item"].pk, "name": "某企业",
                                             "phone": "13805661234", "description": "问题"}, PublicRequest),
    ]


def _client(client, request, who):
    if who != "anon":
        client.force_login(request.getfixturevalue(who))
    return client


def test_bad_values_in_every_field_of_every_form(client, request, world):
    for who, url, valid, model in forms(world):
        c = _client(client, request, who)
        for field in valid:
            for bad in BAD_VALUES:
                before = model.objects.count()
                response = c.post(url, {**valid, field: bad}, HTTP_HX_REQUEST="true")
                assert response.status_code < 500, (url, field, bad[:20])
                after = model.objects.count()
                if after > before:
                    # accepted: only as plain text, in a field where free text belongs
                    row = model.objects.order_by("-pk").first()
                    text = " ".join(str(getattr(row, f.name)) for f in model._meta.fields if f.get_internal_type() in ("CharField", "TextField"))
                    # over-long text and NUL characters are never accepted
                    assert bad not in (LONG, "\x00"), (url, field)
                    # anything else accepted went into a free-text field, stored verbatim
                    assert bad in text, (url, field, bad[:20])
                    model.objects.filter(pk=row.pk).delete()
        client.logout()


def test_stored_markup_is_shown_escaped_everywhere(client, office, leader_a, liaison_a, world):
    finding = world["finding"]
    finding_actions.comment_add(finding=finding, actor=liaison_a, body=SCRIPT)
    walk_actions.event_add(walkthrough=world["walk"], actor=leader_a, kind="note", note=SCRIPT)
    client.force_login(office)
    for url in (reverse("finding-detail", args=[finding.pk]), reverse("walkthrough-detail", args=[world["walk"].pk])):
        html = client.get(url).content.decode()
        assert "<script>alert('x')</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_a_form_sent_twice_acts_once(client, request, world):
    for who, url, valid, model in forms(world):
        if "events" in url or "checklist" in url:
            continue  # taps are separate events, answers are idempotent by nature
        c = _client(client, request, who)
        page_url = reverse("finding-detail", args=[world["finding"].pk]) if "comments" in url else url
        html = c.get(page_url).content.decode()
        token = html.split('name="submission" value="')[1].split('"')[0]
        before = model.objects.count()
        first = c.post(url, {**valid, "submission": token})
        second = c.post(url, {**valid, "submission": token})
        assert model.objects.count() == before + 1, url
        assert second.status_code == 302 and first.status_code in (200, 302)
        if first.status_code == 302:
            assert second["Location"] == first["Location"]
        client.logout()


def test_a_corrected_resubmission_goes_through(client, leader_a, world):
    client.force_login(leader_a)
    url = reverse("walkthrough-plan")
    token = client.get(url).content.decode().split('name="submission" value="')[1].split('"')[0]
    bad = client.post(url, {"service_item": world["item"].pk, "mode": "simulate", "identity": "applicant", "channel": "window",
                            "scheduled_for": "2026-02-30", "submission": token})
    assert bad.status_code == 200 and Walkthrough.objects.count() == 1
    good = client.post(url, {"service_item": world["item"].pk, "mode": "simulate", "identity": "applicant", "channel": "window",
                             "scheduled_for": timezone.localdate().isoformat(), "submission": token})
    assert good.status_code == 302 and Walkthrough.objects.count() == 2
