"""Issue 19, findings: every write of the finding pages through the API, with the same action and check —
measures (and submit in one step), evidence, comments, bulk assignment, re-walks, proposals."""
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Role
from core.models import IdempotencyKey
from findings import actions
from findings.models import Comment, Finding, FindingEvidence, FindingStatus, FindingTransition
from inspections import actions as walk_actions
from inspections.models import Walkthrough
from tests.conftest import PASSWORD, api_client, make_item, make_user

FINDINGS = "/api/v1/findings/"
client = api_client  # the shared helper of conftest


def url(finding, suffix=""):
    return f"{FINDINGS}{finding.pk}/{suffix}"


def png(color="red", size=(16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name="photo.png", content=None, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png() if content is None else content, content_type=content_type)


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "A-1", max_visits=1)


@pytest.fixture
def liaison_b(department_b):
    return make_user("liaison_b", Role.LIAISON, department_b)


@pytest.fixture
def finding_a(office, department_a, item_a):
    return actions.finding_file(actor=office, department=department_a, service_item=item_a, category="excess_materials",
                                title="多要了一份证明")


@pytest.fixture
def rectifying(finding_a, office):
    return actions.finding_transition(finding=finding_a, to=FindingStatus.RECTIFYING, actor=office)  # version 2


def unchanged(finding) -> tuple:
    row = Finding.objects.get(pk=finding.pk)
    return row.status, row.version, row.measures, row.transitions.count()


# --- the check: over the API alone ------------------------------------------------------


def token_client(username) -> APIClient:
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 201, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def test_a_finding_goes_from_assigned_to_closed_over_the_api_alone(office, liaison_a, department_a, item_a):
    office_api, liaison_api = token_client("office"), token_client("liaison_a")
    filed = office_api.post(FINDINGS, {"category": "excess_materials", "title": "多要了一份证明",
                                       "department": department_a.pk, "service_item": item_a.pk}, format="json")
    assert filed.status_code == 201
    finding = filed.json()
    # the office assigns
    assigned = office_api.post(f"{FINDINGS}{finding['id']}/transition/", {"to": "rectifying", "version": 1}, format="json")
    assert assigned.status_code == 200 and assigned.json()["status"] == "rectifying"
    version = liaison_api.get(f"{FINDINGS}{finding['id']}/").json()["version"]
    # the liaison: submitting without measures is still refused, and says why
    refused = liaison_api.post(f"{FINDINGS}{finding['id']}/transition/", {"to": "submitted", "version": version}, format="json")
    assert refused.status_code == 400 and refused.json() == {"detail": "提交前请先填写整改措施。"}
    # … uploads a photo of what was fixed …
    photo = png("green")
    added = liaison_api.post(f"{FINDINGS}{finding['id']}/evidence/",
                             {"file": upload("整改后.png", photo), "device_at": "2026-03-02T09:30:00+08:00"}, format="multipart")
    assert added.status_code == 201, added.content
    evidence = added.json()
    assert (evidence["content_type"], evidence["size"], evidence["original_name"], evidence["uploaded_by"]) == (
        "image/png", len(photo), "整改后.png", "liaison_a")
    listed = liaison_api.get(f"{FINDINGS}{finding['id']}/evidence/").json()["results"]
    assert [e["id"] for e in listed] == [evidence["id"]]
    # … and submits with the measures in one call
    version = liaison_api.get(f"{FINDINGS}{finding['id']}/").json()["version"]
    submitted = liaison_api.post(f"{FINDINGS}{finding['id']}/measures/",
                                 {"measures": "已取消该证明，窗口人员已培训", "version": version, "submit": True,
                                  "note": "请核实"}, format="json")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert (body["status"], body["measures"], body["version"]) == ("submitted", "已取消该证明，窗口人员已培训", version + 2)
    # the office closes it, with what got simpler
    closed = office_api.post(f"{FINDINGS}{finding['id']}/transition/",
                             {"to": "closed", "version": body["version"], "ledger": {"materials_cut": 1, "visits_cut": 1}},
                             format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["materials_cut"], closed.json()["visits_cut"]) == ("closed", 1, 1)
    history = office_api.get(f"{FINDINGS}{finding['id']}/history/").json()
    assert [(h["kind"], h["from"], h["to"], h["by"]) for h in history] == [
        ("filed", "open", "open", "office"), ("move", "open", "rectifying", "office"),
        ("evidence", "rectifying", "rectifying", "liaison_a"), ("measures", "rectifying", "rectifying", "liaison_a"),
        ("move", "rectifying", "submitted", "liaison_a"), ("move", "submitted", "closed", "office")]
    assert history[4]["note"] == "请核实"
    assert history[2]["evidence"].endswith(f"/api/v1/findings/{finding['id']}/evidence/{evidence['id']}/download/")
    # the photo is the one sent, served by the permission-checked download route
    stored = FindingEvidence.objects.get(pk=evidence["id"])
    assert stored.file.read() == photo and stored.device_at == datetime.datetime.fromisoformat("2026-03-02T09:30:00+08:00")
    assert evidence["download_url"].endswith(f"/findings/evidence/{stored.pk}/")
    page = APIClient()
    page.force_login(liaison_a)
    assert b"".join(page.get(evidence["download_url"]).streaming_content) == photo


# --- measures ------------------------------------------------------------------------------------


def test_measures_are_recorded_without_submitting(rectifying, liaison_a):
    response = client(liaison_a).post(url(rectifying, "measures/"), {"measures": "  已取消该证明  ", "version": 2}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["measures"], response.json()["version"]) == ("rectifying", "已取消该证明", 3)
    assert rectifying.transitions.count() == 1  # recording is not a move


def test_measures_only_by_the_departments_liaison_while_rectifying(rectifying, finding_a, office, leader_a, liaison_a,
                                                                    leader_b, liaison_b, api_a):
    body = {"measures": "已整改", "version": 2}
    before = unchanged(rectifying)
    assert client(leader_a).post(url(rectifying, "measures/"), body, format="json").status_code == 403
    assert client(office).post(url(rectifying, "measures/"), body, format="json").status_code == 403
    assert client(api_a).post(url(rectifying, "measures/"), body, format="json").status_code == 403
    assert client(leader_b).post(url(rectifying, "measures/"), body, format="json").status_code == 404
    assert client(liaison_b).post(url(rectifying, "measures/"), body, format="json").status_code == 404
    assert unchanged(rectifying) == before
    # the leader of the department may comment on it, though
    assert client(leader_a).post(url(rectifying, "comments/"), {"body": "请抓紧"}, format="json").status_code == 201
    # not while it is open (the page's check, finding_may_rectify)
    other = actions.finding_file(actor=office, department=rectifying.department, category="hotline", title="热线")
    assert client(liaison_a).post(url(other, "measures/"), {"measures": "x", "version": 1}, format="json").status_code == 403


def test_a_stale_version_is_a_409_and_changes_nothing(rectifying, liaison_a):
    actions.finding_record_measures(finding=rectifying, actor=liaison_a, measures="第一版")  # version 3 now
    before = unchanged(rectifying)
    for submit in (False, True):
        response = client(liaison_a).post(url(rectifying, "measures/"), {"measures": "第二版", "version": 2, "submit": submit},
                                          format="json")
        assert response.status_code == 409 and "detail" in response.json()
    assert unchanged(rectifying) == before


def test_one_call_submit_with_empty_measures_is_refused_and_leaves_nothing_changed(rectifying, liaison_a):
    actions.finding_record_measures(finding=rectifying, actor=liaison_a, measures="旧的措施")  # version 3
    before = unchanged(rectifying)
    response = client(liaison_a).post(url(rectifying, "measures/"), {"measures": "   ", "version": 3, "submit": True},
                                      format="json")
    # finding_submit recorded the blanks and then refused the move: both were undone
    assert response.status_code == 400 and response.json() == {"detail": "提交前请先填写整改措施。"}
    assert unchanged(rectifying) == before == ("rectifying", 3, "旧的措施", 1)
    # saving blanks is refused as the page's form refuses it
    response = client(liaison_a).post(url(rectifying, "measures/"), {"measures": "", "version": 3}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"measures"}
    assert unchanged(rectifying) == before


def test_measures_body_is_checked(rectifying, liaison_a):
    api = client(liaison_a)
    assert api.post(url(rectifying, "measures/"), {"measures": "x"}, format="json").json() == {"version": ["该字段是必填项。"]}
    assert set(api.post(url(rectifying, "measures/"), {"measures": "x" * 4001, "version": 2}, format="json").json()) == {"measures"}
    assert set(api.post(url(rectifying, "measures/"), {"measures": "x", "version": 2, "status": "closed"},
                        format="json").json()) == {"status"}
    assert unchanged(rectifying) == ("rectifying", 2, "", 1)


# --- evidence -------------------------------------------------------------------------------------


def test_a_fake_image_is_refused_with_the_reason_and_nothing_is_stored(rectifying, liaison_a):
    response = client(liaison_a).post(url(rectifying, "evidence/"),
                                      {"file": upload("photo.png", b"#!/bin/sh\nrm -rf /\n" * 20)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"detail": "只能上传照片（JPEG、PNG、WebP、HEIC）或 PDF 文件。"}
    assert not FindingEvidence.objects.exists()


def test_a_file_over_the_limit_is_a_clean_400(rectifying, liaison_a, settings):
    api = client(liaison_a)
    # larger than the limit by a little: read, and refused by its size
    settings.EVIDENCE_MAX_BYTES = 2**20
    response = api.post(url(rectifying, "evidence/"), {"file": upload("big.png", png() + b"\0" * 2**20)}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "文件超过 1 MB。"}
    # far larger than the default limit: refused before the file is read (core.uploads.UploadLimitHandler)
    settings.EVIDENCE_MAX_BYTES = 10 * 2**20
    response = api.post(url(rectifying, "evidence/"), {"file": upload("huge.png", b"\0" * (11 * 2**20))}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "文件超过 10 MB。"}
    # a form field past DATA_UPLOAD_MAX_MEMORY_SIZE: Django's refusal, answered as JSON under /api/
    response = api.post(url(rectifying, "evidence/"), {"device_at": "x" * (11 * 2**20), "file": upload()}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"] == "application/json" and "detail" in response.json()
    assert not FindingEvidence.objects.exists()


def test_evidence_takes_multipart_only_and_checks_its_fields(rectifying, liaison_a):
    api = client(liaison_a)
    response = api.post(url(rectifying, "evidence/"), {"file": "not a file"}, format="json")
    assert response.status_code == 415 and "detail" in response.json()
    assert set(api.post(url(rectifying, "evidence/"), {}, format="multipart").json()) == {"file"}
    naive = api.post(url(rectifying, "evidence/"), {"file": upload(), "device_at": "2026-03-02T09:30:00"}, format="multipart")
    assert naive.status_code == 400 and set(naive.json()) == {"device_at"}
    years_off = api.post(url(rectifying, "evidence/"), {"file": upload(), "device_at": "1999-03-02T09:30:00+08:00"},
                         format="multipart")
    assert years_off.status_code == 400 and set(years_off.json()) == {"device_at"}
    assert not FindingEvidence.objects.exists()


def test_who_may_attach_is_the_pages_rule(finding_a, office, leader_a, liaison_a, leader_b, liaison_b, api_a):
    # open: whoever filed it (here the office); the liaison not yet
    assert client(liaison_a).post(url(finding_a, "evidence/"), {"file": upload()}, format="multipart").status_code == 403
    assert client(leader_a).post(url(finding_a, "evidence/"), {"file": upload()}, format="multipart").status_code == 403
    assert client(office).post(url(finding_a, "evidence/"), {"file": upload()}, format="multipart").status_code == 201
    rectifying = actions.finding_transition(finding=finding_a, to=FindingStatus.RECTIFYING, actor=office)
    # rectifying: the department's liaison, nobody else
    assert client(office).post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart").status_code == 403
    assert client(liaison_a).post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart").status_code == 201
    assert client(api_a).post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart").status_code == 403
    for outsider in (leader_b, liaison_b):
        assert client(outsider).post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart").status_code == 404
        assert client(outsider).get(url(rectifying, "evidence/")).status_code == 404
    # reading: whoever sees the finding, the API client too
    assert [e["uploaded_by"] for e in client(api_a).get(url(rectifying, "evidence/")).json()["results"]] == [
        "office", "liaison_a"]
    assert FindingEvidence.objects.count() == 2


def test_an_idempotency_key_replay_of_an_upload_stores_one_photo(rectifying, liaison_a):
    api = client(liaison_a)
    first = api.post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart", HTTP_IDEMPOTENCY_KEY="photo-0001-abcd")
    again = api.post(url(rectifying, "evidence/"), {"file": upload()}, format="multipart", HTTP_IDEMPOTENCY_KEY="photo-0001-abcd")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert FindingEvidence.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_the_evidence_list_has_a_constant_number_of_queries(rectifying, liaison_a, api_a):
    api = client(api_a)
    api.get(FINDINGS)  # the token's first use of the minute is stamped (one UPDATE); not counted below

    def queries_for_the_list(expected_rows):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url(rectifying, "evidence/"))
        assert len(response.json()["results"]) == expected_rows
        return len(ctx.captured_queries)

    actions.finding_evidence_add(finding=rectifying, actor=liaison_a, upload=upload())
    one = queries_for_the_list(1)
    for _ in range(9):
        actions.finding_evidence_add(finding=rectifying, actor=liaison_a, upload=upload())
    # the token with its user, the finding, the page of evidence with its uploaders
    assert queries_for_the_list(10) == one == 3


# --- comments -------------------------------------------------------------------------------------


def test_comments_are_written_and_listed_oldest_first(finding_a, office, leader_a, liaison_a, api_a):
    assert client(office).post(url(finding_a, "comments/"), {"body": "请尽快整改"}, format="json").status_code == 201
    response = client(liaison_a).post(url(finding_a, "comments/"), {"body": "  正在处理  "}, format="json")
    assert response.status_code == 201
    assert {k: v for k, v in response.json().items() if k not in ("id", "created_at")} == {
        "author": "liaison_a", "author_name": "liaison_a", "body": "正在处理"}
    listed = client(api_a).get(url(finding_a, "comments/")).json()
    assert set(listed) == {"next", "previous", "results"}
    assert [(c["author"], c["author_name"], c["body"]) for c in listed["results"]] == [
        ("office", "王主任", "请尽快整改"), ("liaison_a", "liaison_a", "正在处理")]
    assert datetime.datetime.fromisoformat(listed["results"][0]["created_at"]).utcoffset() == datetime.timedelta(hours=8)


def test_comment_rules(finding_a, leader_b, api_a, leader_a):
    assert client(api_a).post(url(finding_a, "comments/"), {"body": "只读"}, format="json").status_code == 403
    assert client(leader_b).post(url(finding_a, "comments/"), {"body": "墙外"}, format="json").status_code == 404
    assert client(leader_b).get(url(finding_a, "comments/")).status_code == 404
    assert set(client(leader_a).post(url(finding_a, "comments/"), {"body": "   "}, format="json").json()) == {"body"}
    assert set(client(leader_a).post(url(finding_a, "comments/"), {"body": "x" * 4001}, format="json").json()) == {"body"}
    assert not Comment.objects.exists()


def test_the_comment_list_has_a_constant_number_of_queries(finding_a, leader_a, liaison_a, office):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client(leader_a).get(url(finding_a, "comments/")).status_code == 200
        return len(ctx.captured_queries)

    actions.comment_add(finding=finding_a, actor=office, body="一")
    one = count()
    for i in range(9):
        actions.comment_add(finding=finding_a, actor=liaison_a if i % 2 else office, body=f"第{i}条")
    assert count() == one


# --- bulk assignment -------------------------------------------------------------------------------


def test_bulk_assign_assigns_the_open_ones_and_ignores_the_rest(office, department_a, department_b, liaison_a):
    one, two, three = (actions.finding_file(actor=office, department=d, category="hotline", title=f"第{i}个")
                       for i, d in enumerate((department_a, department_b, department_a)))
    actions.finding_transition(finding=three, to=FindingStatus.RECTIFYING, actor=office)
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    response = client(office).post(f"{FINDINGS}bulk-assign/", {"ids": [one.pk, two.pk, three.pk, 999999], "due_date": due,
                                                                "note": "统一交办"}, format="json")
    assert response.status_code == 200 and response.json() == {"assigned": 2}
    for finding in (one, two):
        finding.refresh_from_db()
        assert (finding.status, finding.due_date.isoformat()) == ("rectifying", due)
        assert finding.transitions.get().note == "统一交办"
    assert three.transitions.count() == 1  # already rectifying: left as it was


def test_bulk_assign_refusals(office, leader_a, liaison_a, finding_a):
    api = client(office)
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = api.post(f"{FINDINGS}bulk-assign/", {"ids": [finding_a.pk], "due_date": past}, format="json")
    assert response.status_code == 400 and "detail" in response.json()
    assert set(api.post(f"{FINDINGS}bulk-assign/", {"ids": list(range(1, 502))}, format="json").json()) == {"ids"}
    assert set(api.post(f"{FINDINGS}bulk-assign/", {"ids": []}, format="json").json()) == {"ids"}
    assert set(api.post(f"{FINDINGS}bulk-assign/", {"ids": [2**63]}, format="json").json()) == {"ids"}
    for other in (leader_a, liaison_a):
        assert client(other).post(f"{FINDINGS}bulk-assign/", {"ids": [finding_a.pk]}, format="json").status_code == 403
    assert Finding.objects.get(pk=finding_a.pk).status == "open"


# --- re-walks --------------------------------------------------------------------------------------


def test_the_office_schedules_a_rewalk(rectifying, office, leader_a, leader_b):
    day = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = client(office).post(url(rectifying, "rewalk/"), {"leader": leader_b.pk, "scheduled_for": day}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    walkthrough = Walkthrough.objects.get(pk=body["id"])
    assert (walkthrough.rewalk_of_id, walkthrough.leader_id, walkthrough.service_item_id) == (
        rectifying.pk, leader_b.pk, rectifying.service_item_id)
    assert (body["mode"], body["identity"], body["status"], body["scheduled_for"], body["leader"]) == (
        "inspect", "incognito", "planned", day, leader_b.pk)


def test_rewalk_refusals(rectifying, office, leader_a, liaison_a, leader_b, department_a):
    day = timezone.localdate().isoformat()
    api = client(office)
    assert set(api.post(url(rectifying, "rewalk/"), {"leader": liaison_a.pk, "scheduled_for": day}, format="json").json()) == {"leader"}
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert set(api.post(url(rectifying, "rewalk/"), {"leader": leader_a.pk, "scheduled_for": past}, format="json").json()) == {
        "scheduled_for"}
    no_item = actions.finding_file(actor=office, department=department_a, category="hotline", title="热线")
    response = api.post(url(no_item, "rewalk/"), {"leader": leader_a.pk, "scheduled_for": day}, format="json")
    assert response.status_code == 400 and "detail" in response.json()
    body = {"leader": leader_a.pk, "scheduled_for": day}
    assert client(leader_a).post(url(rectifying, "rewalk/"), body, format="json").status_code == 403
    assert client(liaison_a).post(url(rectifying, "rewalk/"), body, format="json").status_code == 403
    assert client(leader_b).post(url(rectifying, "rewalk/"), body, format="json").status_code == 404
    assert not Walkthrough.objects.exists()


# --- proposals -------------------------------------------------------------------------------------


@pytest.fixture
def completed_walk(item_a, leader_a):
    """leader_a's walkthrough of item A: 3 materials where none are declared, 4 visits where 1 is allowed."""
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item_a, leader=leader_a, mode="simulate",
                                         identity="applicant", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader_a)
    walk = walk_actions.walkthrough_update(walkthrough=walk, actor=leader_a, data={"observed_materials": 3, "observed_visits": 4})
    return walk_actions.walkthrough_transition(walkthrough=walk, to="completed", actor=leader_a)


PROPOSALS = f"{FINDINGS}proposals/"


def test_proposals_are_listed_confirmed_and_discarded(completed_walk, leader_a, office):
    api = client(leader_a)
    listed = api.get(PROPOSALS, {"walkthrough": completed_walk.pk}).json()
    assert [(p["key"], p["category"]) for p in listed] == [("materials", "excess_materials"), ("visits", "excess_visits")]
    assert listed[1]["title"] == "事项A-1：实际跑动 4 次，目录申报 1 次"
    confirmed = api.post(PROPOSALS, {"walkthrough": completed_walk.pk, "key": "visits", "decision": "confirm",
                                     "severity": "major"}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    finding = Finding.objects.get(pk=confirmed.json()["id"])
    assert (finding.walkthrough_id, finding.proposal_key, finding.severity, finding.category, finding.created_by_id) == (
        completed_walk.pk, "visits", "major", "excess_visits", leader_a.pk)
    assert confirmed.json()["title"] == listed[1]["title"]
    discarded = client(office).post(PROPOSALS, {"walkthrough": completed_walk.pk, "key": "materials", "decision": "discard"},
                                    format="json")
    assert discarded.status_code == 204 and not discarded.content
    assert api.get(PROPOSALS, {"walkthrough": completed_walk.pk}).json() == []
    # decided already, by anyone: 409, and nothing more is filed or dropped
    for key, decision in (("visits", "confirm"), ("visits", "discard"), ("materials", "confirm")):
        again = api.post(PROPOSALS, {"walkthrough": completed_walk.pk, "key": key, "decision": decision}, format="json")
        assert again.status_code == 409 and "detail" in again.json()
    assert Finding.objects.filter(walkthrough=completed_walk).count() == 1
    assert Walkthrough.objects.get(pk=completed_walk.pk).discarded_proposals == ["materials"]


def test_proposal_visibility_and_rules(completed_walk, liaison_a, leader_b, api_a, office, leader_a, item_a):
    query = {"walkthrough": completed_walk.pk}
    decide = {"walkthrough": completed_walk.pk, "key": "visits", "decision": "confirm"}
    assert client(leader_b).get(PROPOSALS, query).status_code == 404
    assert client(leader_b).post(PROPOSALS, decide, format="json").status_code == 404
    assert client(liaison_a).get(PROPOSALS, query).status_code == 403
    assert client(liaison_a).post(PROPOSALS, decide, format="json").status_code == 403
    assert client(api_a).get(PROPOSALS, query).status_code == 403
    assert client(office).get(PROPOSALS, {"walkthrough": 999999}).status_code == 404
    assert set(client(office).get(PROPOSALS).json()) == {"walkthrough"}
    assert set(client(office).get(PROPOSALS, {"walkthrough": "x"}).json()) == {"walkthrough"}
    unknown = client(office).post(PROPOSALS, {**decide, "key": "steps"}, format="json")
    assert unknown.status_code == 400 and set(unknown.json()) == {"key"}
    assert set(client(office).post(PROPOSALS, {**decide, "decision": "maybe"}, format="json").json()) == {"decision"}
    # a walkthrough still under way proposes nothing yet
    walking = walk_actions.walkthrough_plan(actor=leader_a, service_item=item_a, leader=leader_a, mode="simulate",
                                            identity="applicant", channel="window", scheduled_for=timezone.localdate())
    walking = walk_actions.walkthrough_transition(walkthrough=walking, to="in_progress", actor=leader_a)
    walk_actions.walkthrough_update(walkthrough=walking, actor=leader_a, data={"observed_visits": 4})
    assert client(leader_a).get(PROPOSALS, {"walkthrough": walking.pk}).json() == []
    early = client(leader_a).post(PROPOSALS, {**decide, "walkthrough": walking.pk}, format="json")
    assert early.status_code == 400 and "detail" in early.json()
    assert not Finding.objects.exists()
    assert FindingTransition.objects.count() == 0


def test_a_token_downloads_the_photo_it_lists_and_device_at_is_kept(rectifying, liaison_a, api_a, leader_b):
    taken = "2026-11-20T09:30:00+08:00"
    response = api_client(liaison_a).post(url(rectifying, "evidence/"), {"file": upload(), "device_at": taken},
                                          format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["device_at"] == taken
    assert FindingEvidence.objects.get().device_at.isoformat() == "2026-11-20T01:30:00+00:00"
    # the department's API client lists the file and fetches it with its token alone
    row = api_client(api_a).get(url(rectifying, "evidence/")).json()["results"][0]
    download = api_client(api_a).get(row["api_download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == FindingEvidence.objects.get().file.open("rb").read()
    # outside the wall it does not exist
    assert api_client(leader_b).get(row["api_download_url"]).status_code == 404
