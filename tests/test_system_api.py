"""API twins of the page writes that had none: public requests (the office's arrange, forward and
close), one's own notifications, and filing the certificate graph's problems."""
import threading

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.errors import Conflict
from findings import notifications
from findings.actions import finding_file
from findings.models import Finding, Notification
from inspections.models import Walkthrough
from public import actions
from public.models import PublicRequest
from services.models import CertificateDecision, Material, MaterialSource
from tests.conftest import api_client, make_item, make_user

REQUESTS = "/api/v1/public-requests/"
NOTIFICATIONS = "/api/v1/notifications/"
PROBLEMS = "/api/v1/certificate-problems/"


@pytest.fixture
def item(department_a):
    return make_item(department_a, "SYS-1", name="食品经营许可")


def receive(item, **extra) -> PublicRequest:
    fields = {"kind": "accompany", "service_item": item, "item_text": "", "name": "池州小馆餐饮有限公司",
              "phone": "13805661234", "description": "想开一家餐馆，不清楚要准备哪些材料。", "preferred_date": None, **extra}
    return actions.request_receive(**fields)


def url(public_request, suffix=""):
    return f"{REQUESTS}{public_request.pk}/{suffix}"


def in_days(n: int) -> str:
    return (timezone.localdate() + timezone.timedelta(days=n)).isoformat()


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def count_queries(api, path, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, params)
        assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


# --- public requests: reading -------------------------------------------------------------------------

def test_the_office_lists_requests_newest_first_with_what_it_needs_to_call_back(office, item):
    first, second = receive(item), receive(item, kind="lead", name="某企业", phone="0566-1234567")
    body = api_client(office).get(REQUESTS).json()
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk] and body["next"] is None
    row = body["results"][0]
    assert (row["code"], row["kind"], row["status"], row["service_item"]) == (second.code, "lead", "received", item.pk)
    assert (row["name"], row["phone"]) == ("某企业", "0566-1234567")
    assert api_client(office).get(url(first)).json()["description"] == "想开一家餐馆，不清楚要准备哪些材料。"


def test_only_the_office_reads_requests_and_no_phone_number_leaks(office, leader_a, liaison_a, api_a, item):
    receive(item)
    for user in (leader_a, liaison_a, api_a):
        for path in (REQUESTS, url(PublicRequest.objects.get())):
            response = api_client(user).get(path)
            assert response.status_code == 403 and "13805661234" not in response.content.decode()


def test_the_list_filters_by_status_and_kind_and_refuses_unknown_values(office, item):
    kept = receive(item)
    closed = actions.request_close(public_request=receive(item, kind="lead"), actor=office, reply="已办结")
    api = api_client(office)
    assert [r["id"] for r in api.get(REQUESTS, {"status": "closed"}).json()["results"]] == [closed.pk]
    assert [r["id"] for r in api.get(REQUESTS, {"kind": "accompany"}).json()["results"]] == [kept.pk]
    refused = api.get(REQUESTS, {"status": "done"})
    assert refused.status_code == 400 and "status" in refused.json()
    # the list's filters do not hide a request on its own route
    assert api.get(url(kept), {"status": "closed"}).status_code == 200


def test_the_list_walks_with_a_cursor(office, item):
    made = [receive(item, name=f"企业{i}") for i in range(5)]
    api, seen, link = api_client(office), [], f"{REQUESTS}?page_size=2"
    while link:
        body = api.get(link).json()
        seen += [r["id"] for r in body["results"]]
        link = body["next"]
    assert seen == [r.pk for r in reversed(made)]


def test_the_list_runs_the_same_queries_for_1_and_10_requests(office, item):
    api = api_client(office)
    receive(item)
    one = count_queries(api, REQUESTS)
    for i in range(9):
        receive(item, name=f"企业{i}")
    assert count_queries(api, REQUESTS) == one


# --- public requests: the office's three answers, over the API as in the page ---------------------------

def _as_handled(public_request: PublicRequest) -> dict:
    public_request.refresh_from_db()
    walk, finding = public_request.walkthrough, public_request.finding
    return {
        "status": public_request.status, "reply": public_request.reply, "handled_by": public_request.handled_by_id,
        "walkthrough": walk and (walk.service_item_id, walk.leader_id, walk.mode, walk.identity, walk.channel,
                                 walk.scheduled_for, walk.planned_by_id, walk.status),
        "finding": finding and (finding.department_id, finding.service_item_id, finding.category, finding.severity,
                                finding.title, finding.description.replace(public_request.code, "<code>"), finding.status),
    }


@pytest.mark.parametrize("action,body", [
    ("arrange", lambda o: {"leader": o["leader"].pk, "scheduled_for": in_days(3)}),
    ("arrange", lambda o: {"leader": o["leader"].pk, "scheduled_for": in_days(3), "reply": "王局长将陪您办理。"}),
    ("forward", lambda o: {"category": "absurd_certificate", "title": "要求已取消的证明"}),
    ("forward", lambda o: {"category": "excess_materials", "title": "重复提交材料", "reply": "已转交市场监管局整改。"}),
    ("close", lambda o: {"reply": "已电话答复，感谢您的反映。"}),
])
def test_an_answer_over_the_api_changes_the_request_exactly_as_the_page_does(office, leader_a, item, action, body):
    data = body({"leader": leader_a})
    by_page, by_api = receive(item, description="窗口要求提供已经取消的证明"), receive(item, description="窗口要求提供已经取消的证明")
    response = page_client(office).post(reverse("public-request-act", args=[by_page.pk, action]), data)
    assert response.status_code == 302
    answered = api_client(office).post(url(by_api, f"{action}/"), data, format="json")
    assert answered.status_code == 200, answered.content
    assert _as_handled(by_api) == _as_handled(by_page)
    assert answered.json()["status"] == by_api.status and answered.json()["reply"] == by_api.reply
    assert by_api.status == {"arrange": "arranged", "forward": "forwarded", "close": "closed"}[action]
    if action == "arrange":
        assert answered.json()["walkthrough"] == by_api.walkthrough_id
        assert Walkthrough.objects.get(pk=by_api.walkthrough_id).mode == "accompany"
    if action == "forward":
        assert answered.json()["finding"] == by_api.finding_id
        assert by_api.code in by_api.finding.description and "窗口要求提供已经取消的证明" in by_api.finding.description


def test_a_closed_request_is_final_in_the_api_and_in_the_page(office, leader_a, item):
    request_row = receive(item)
    api = api_client(office)
    assert api.post(url(request_row, "close/"), {"reply": "已办结"}, format="json").status_code == 200
    for action, data in [("close", {"reply": "再次答复"}), ("forward", {"category": "hotline", "title": "t"}),
                         ("arrange", {"leader": leader_a.pk, "scheduled_for": in_days(2)})]:
        refused = api.post(url(request_row, f"{action}/"), data, format="json")
        assert refused.status_code == 400 and "detail" in refused.json()
    page = page_client(office).post(reverse("public-request-act", args=[request_row.pk, "close"]), {"reply": "再次答复"}, follow=True)
    assert page.status_code == 200 and [str(m) for m in page.context["messages"]] == [str(refused.json()["detail"])]
    request_row.refresh_from_db()
    assert (request_row.reply, Walkthrough.objects.count(), Finding.objects.count()) == ("已办结", 0, 0)


def test_until_closed_the_office_may_answer_again(office, leader_a, item):
    request_row = receive(item)
    api = api_client(office)
    api.post(url(request_row, "arrange/"), {"leader": leader_a.pk, "scheduled_for": in_days(2)}, format="json")
    moved = api.post(url(request_row, "forward/"), {"category": "hotline", "title": "热线无人接听"}, format="json").json()
    assert moved["status"] == "forwarded" and moved["walkthrough"] and moved["finding"]


def test_a_request_without_a_catalog_item_can_only_be_closed(office, leader_a, item):
    request_row = receive(None, item_text="开餐馆要办什么")
    api = api_client(office)
    for action, data in [("arrange", {"leader": leader_a.pk, "scheduled_for": in_days(2)}),
                         ("forward", {"category": "hotline", "title": "热线无人接听"})]:
        refused = api.post(url(request_row, f"{action}/"), data, format="json")
        assert refused.status_code == 400 and "detail" in refused.json()
    assert (Walkthrough.objects.count(), Finding.objects.count()) == (0, 0)
    assert api.post(url(request_row, "close/"), {"reply": "请携带身份证到窗口咨询。"}, format="json").json()["status"] == "closed"


@pytest.mark.parametrize("action,data,field", [
    ("arrange", {"scheduled_for": "2026-02-30"}, "leader"),
    ("arrange", {"leader": "who", "scheduled_for": "tomorrow"}, "scheduled_for"),
    ("forward", {"category": "nonsense", "title": "t"}, "category"),
    ("forward", {"category": "hotline", "title": "长" * 201}, "title"),
    ("close", {"reply": "   "}, "reply"),
    ("close", {"reply": "长" * 501}, "reply"),
    ("close", {"reply": "已办结", "status": "closed"}, "status"),
])
def test_bad_input_is_a_field_error_and_changes_nothing(office, item, action, data, field):
    request_row = receive(item)
    refused = api_client(office).post(url(request_row, f"{action}/"), data, format="json")
    assert refused.status_code == 400 and field in refused.json()
    request_row.refresh_from_db()
    assert (request_row.status, request_row.reply, request_row.handled_by) == ("received", "", None)


def test_arrange_takes_only_an_active_head_as_the_page_does(office, leader_a, liaison_a, item):
    request_row = receive(item)
    api = api_client(office)
    for person in (liaison_a, make_user("retired", Role.LEADER, leader_a.department, is_active=False)):
        refused = api.post(url(request_row, "arrange/"), {"leader": person.pk, "scheduled_for": in_days(2)}, format="json")
        assert refused.status_code == 400 and "leader" in refused.json()
    assert Walkthrough.objects.count() == 0


def test_only_the_office_answers_and_a_refusal_changes_nothing(leader_a, liaison_a, leader_b, api_a, item):
    request_row = receive(item)
    for user in (leader_a, liaison_a, leader_b, api_a):
        for action, data in [("close", {"reply": "x"}), ("arrange", {"leader": leader_a.pk, "scheduled_for": in_days(2)})]:
            assert api_client(user).post(url(request_row, f"{action}/"), data, format="json").status_code == 403
    with pytest.raises(PermissionDenied):  # the action checks it too, whoever calls it
        actions.request_close(public_request=request_row, actor=leader_a, reply="x")
    request_row.refresh_from_db()
    assert (request_row.status, Walkthrough.objects.count()) == ("received", 0)


def test_a_replayed_arrange_plans_one_walkthrough(office, leader_a, item):
    request_row = receive(item)
    api = api_client(office)
    data = {"leader": leader_a.pk, "scheduled_for": in_days(2)}
    first = api.post(url(request_row, "arrange/"), data, format="json", HTTP_IDEMPOTENCY_KEY="arrange-0001")
    again = api.post(url(request_row, "arrange/"), data, format="json", HTTP_IDEMPOTENCY_KEY="arrange-0001")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Walkthrough.objects.count() == 1


def test_an_answer_to_a_request_closed_meanwhile_is_a_conflict(office, item):
    seen = receive(item)  # what the caller saw: received
    actions.request_close(public_request=PublicRequest.objects.get(pk=seen.pk), actor=office, reply="已办结")
    with pytest.raises(Conflict):
        actions.request_forward(public_request=seen, actor=office, category="hotline", title="热线无人接听")
    assert Finding.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_offices_closing_at_once_one_wins(department_a):
    office = make_user("office_race", Role.OFFICE)
    request_row = receive(make_item(department_a, "SYS-R"))
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}
    errors: list[BaseException] = []

    def close(reply):
        api = api_client(office)
        try:
            barrier.wait(timeout=10)
            answers[reply] = api.post(url(request_row, "close/"), {"reply": reply}, format="json").status_code
        except BaseException as exc:  # noqa: BLE001 — reported below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(reply,)) for reply in ("甲答复", "乙答复")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    winners = [reply for reply, code in answers.items() if code == 200]
    assert len(winners) == 1 and sorted(answers.values())[1] in (400, 409), answers
    request_row.refresh_from_db()
    assert (request_row.status, request_row.reply) == ("closed", winners[0])


def test_the_public_page_stores_a_request_through_the_action(client, item, fresh_limits):
    response = client.post(reverse("public-request"), {"kind": "lead", "service_item": item.pk, "name": " 某企业 ",
                                                        "phone": "13805661234", "description": " 窗口要求重复提交材料 "})
    stored = PublicRequest.objects.get()
    assert response.status_code == 200 and stored.code in response.content.decode()
    assert (stored.name, stored.description, stored.status) == ("某企业", "窗口要求重复提交材料", "received")
    assert len(stored.code) == 10 and set(stored.code) <= set(actions.CODE_ALPHABET)


@pytest.fixture
def fresh_limits():
    """The public page counts submissions per address in the cache; these tests start from none."""
    cache.clear()
    yield
    cache.clear()


def test_a_received_request_is_told_to_the_webhooks_without_personal_data(client, item, department_b, fresh_limits):
    from webhooks.events import Event
    from webhooks.models import Endpoint, WebhookEvent

    hook = Endpoint.objects.create(name="hotline", url="https://hooks.example/in", events=[Event.PUBLIC_REQUEST_RECEIVED])
    form = {"kind": "lead", "service_item": item.pk, "name": "池州小馆餐饮有限公司", "phone": "13805661234",
            "description": "窗口要求重复提交材料"}
    client.post(reverse("public-request"), form)
    stored = PublicRequest.objects.get()
    event = WebhookEvent.objects.get()
    assert (event.type, event.department_id) == ("public_request.received", item.department_id)
    assert event.data == {"public_request": {"id": stored.pk, "kind": "lead", "status": "received", "service_item": item.pk,
                                             "created_at": timezone.localtime(stored.created_at).isoformat()}}
    assert event.deliveries.get().endpoint == hook
    # a request naming no item is no department's: only endpoints that name no department hear of it
    hook.departments.set([department_b])
    client.post(reverse("public-request"), {**form, "service_item": "", "item_text": "开餐馆", "name": "某企业"})
    assert WebhookEvent.objects.count() == 1
    hook.departments.clear()
    client.post(reverse("public-request"), {**form, "service_item": "", "item_text": "开餐馆", "name": "某公司"})
    latest = WebhookEvent.objects.order_by("-created_at").first()
    assert latest.department_id is None and latest.data["public_request"]["service_item"] is None
    # a robot filling the honeypot stores nothing and tells nobody
    client.post(reverse("public-request"), {**form, "website": "http://spam.example"})
    assert WebhookEvent.objects.count() == 2
    for row in WebhookEvent.objects.all():
        text = str(row.data)
        assert "池州小馆" not in text and "13805661234" not in text and "某公司" not in text and "窗口要求" not in text


# --- notifications -----------------------------------------------------------------------------------------

@pytest.fixture
def two_liaisons(liaison_a, department_a):
    return liaison_a, make_user("liaison_a2", Role.LIAISON, department_a)


def notify(office, department, title="窗口人员不熟悉业务"):
    finding = finding_file(actor=office, department=department, category="window_service", title=title)
    notifications.finding_notify(finding_id=finding.pk, event="assigned")
    return finding


def test_a_person_lists_their_own_notifications_newest_first(office, two_liaisons, department_a):
    mine, theirs = two_liaisons
    older, newer = notify(office, department_a, "甲"), notify(office, department_a, "乙")
    body = api_client(mine).get(NOTIFICATIONS).json()
    assert [r["finding"] for r in body["results"]] == [newer.pk, older.pk]
    own = set(Notification.objects.filter(recipient=mine).values_list("pk", flat=True))
    assert {r["id"] for r in body["results"]} == own and len(own) == 2
    assert body["results"][0]["event"] == "assigned" and body["results"][0]["read_at"] is None
    assert api_client(office).get(NOTIFICATIONS).json()["results"] == []  # the office was not told


def test_the_unread_filter(office, liaison_a, department_a):
    notify(office, department_a, "甲")
    notify(office, department_a, "乙")
    read = Notification.objects.filter(recipient=liaison_a).order_by("id").first()
    notifications.notification_read(notification=read)
    api = api_client(liaison_a)
    assert [r["id"] for r in api.get(NOTIFICATIONS, {"unread": "false"}).json()["results"]] == [read.pk]
    unread = [r["id"] for r in api.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]]
    assert len(unread) == 1 and read.pk not in unread
    assert api.get(NOTIFICATIONS, {"unread": "yes"}).status_code == 400


def test_reading_one_marks_only_that_one_of_the_caller(office, two_liaisons, department_a):
    mine, theirs = two_liaisons
    notify(office, department_a)
    own = Notification.objects.get(recipient=mine)
    other = Notification.objects.get(recipient=theirs)
    assert api_client(mine).post(f"{NOTIFICATIONS}{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    answer = api_client(mine).post(f"{NOTIFICATIONS}{own.pk}/read/")
    own.refresh_from_db()
    assert answer.status_code == 200 and own.read_at is not None and answer.json()["read_at"] is not None
    # reading again keeps the first time
    first = own.read_at
    api_client(mine).post(f"{NOTIFICATIONS}{own.pk}/read/")
    own.refresh_from_db()
    assert own.read_at == first
    other.refresh_from_db()
    assert other.read_at is None


def test_read_all_marks_only_the_callers(office, two_liaisons, department_a):
    mine, theirs = two_liaisons
    for title in ("甲", "乙", "丙"):
        notify(office, department_a, title)
    answer = api_client(mine).post(f"{NOTIFICATIONS}read-all/")
    assert answer.status_code == 200 and answer.json() == {"read": 3}
    assert not Notification.objects.filter(recipient=mine, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=theirs, read_at__isnull=True).count() == 3
    assert api_client(mine).post(f"{NOTIFICATIONS}read-all/").json() == {"read": 0}


def test_api_accounts_have_no_notifications(api_a):
    for method, path in (("get", NOTIFICATIONS), ("post", f"{NOTIFICATIONS}read-all/")):
        assert getattr(api_client(api_a), method)(path).status_code == 403


def test_the_notification_list_runs_the_same_queries_for_1_and_10(office, liaison_a, department_a):
    api = api_client(liaison_a)
    notify(office, department_a)
    one = count_queries(api, NOTIFICATIONS)
    for i in range(9):
        notify(office, department_a, f"问题{i}")
    assert Notification.objects.filter(recipient=liaison_a).count() == 10
    assert count_queries(api, NOTIFICATIONS) == one


# --- the certificate graph ---------------------------------------------------------------------------------

def demand(item, issuer, name="证明"):
    return Material.objects.create(item=item, position=item.materials.count() + 1, name=name,
                                   source=MaterialSource.GOVERNMENT, issuing_item=issuer)


@pytest.fixture
def cycle(department_a, department_b):
    """A circular certificate between department A and department B."""
    a, b = make_item(department_a, "CY-A", name="不动产登记"), make_item(department_b, "CY-B", name="借款合同备案")
    demand(a, b, "借款合同")
    demand(b, a, "不动产登记证明")
    return a, b


def test_the_office_lists_the_problems_and_files_one_once(office, cycle, department_a, department_b):
    a, b = cycle
    api = api_client(office)
    rows = api.get(PROBLEMS).json()["results"]
    assert len(rows) == 1
    row = rows[0]
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    assert (row["key"], row["kind"], row["category"], row["filed"]) == (key, "cycle", "circular_certificate", False)
    assert set(row["items"]) == {a.pk, b.pk}
    assert {(link["item"]["id"], link["certificate"], link["issuer"]["id"]) for link in row["links"]} == {
        (a.pk, "借款合同", b.pk), (b.pk, "不动产登记证明", a.pk)}
    assert {(d["id"], d["filed"]) for d in row["departments"]} == {(department_a.pk, False), (department_b.pk, False)}

    filed = api.post(f"{PROBLEMS}file/", {"problem": key}, format="json")
    assert filed.status_code == 201 and filed.json()["problem"] == key
    findings = Finding.objects.filter(pk__in=filed.json()["findings"])
    assert {(f.department_id, f.category, f.severity) for f in findings} == {
        (department_a.pk, "circular_certificate", "major"), (department_b.pk, "circular_certificate", "major")}
    again = api.post(f"{PROBLEMS}file/", {"problem": key}, format="json")
    assert again.status_code == 200 and again.json()["findings"] == [] and Finding.objects.count() == 2
    row = api.get(PROBLEMS).json()["results"][0]
    assert row["filed"] and all(d["filed"] for d in row["departments"])
    assert api.get(PROBLEMS, {"filed": "false"}).json()["results"] == []


def test_filing_over_the_api_is_what_the_page_files(office, cycle):
    a, b = cycle
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    api_client(office).post(f"{PROBLEMS}file/", {"problem": key}, format="json")
    by_api = sorted(Finding.objects.values_list("department_id", "service_item_id", "title", "description"))
    Finding.objects.all().delete()
    page_client(office).post(reverse("certificate-file-finding"), {"problem": key, "confirm": "1"})
    assert sorted(Finding.objects.values_list("department_id", "service_item_id", "title", "description")) == by_api


@pytest.mark.parametrize("problem", ["cycle:999998-999999", "self:x", "bundle:999999:9", "长" * 3000, ""])
def test_a_problem_not_in_the_catalog_files_nothing(office, cycle, problem):
    refused = api_client(office).post(f"{PROBLEMS}file/", {"problem": problem}, format="json")
    assert refused.status_code == 400 and "problem" in refused.json()
    assert Finding.objects.count() == 0


def test_a_cycle_broken_since_it_was_listed_is_not_filed(office, cycle):
    a, b = cycle
    key = api_client(office).get(PROBLEMS).json()["results"][0]["key"]
    Material.objects.filter(item=b, issuing_item=a).delete()
    assert api_client(office).post(f"{PROBLEMS}file/", {"problem": key}, format="json").status_code == 400
    assert Finding.objects.count() == 0


def test_the_problems_filter_by_kind_and_walk_with_a_cursor(office, department_a, cycle):
    issuer = make_item(department_a, "SELF-I", name="本局许可")
    for i in range(3):
        demand(make_item(department_a, f"SELF-{i}"), issuer, "本局核发的许可证")
    api = api_client(office)
    assert {r["kind"] for r in api.get(PROBLEMS, {"kind": "self"}).json()["results"]} == {"self"}
    assert api.get(PROBLEMS, {"kind": "loop"}).status_code == 400
    assert api.get(PROBLEMS, {"filed": "perhaps"}).status_code == 400
    seen, link = [], f"{PROBLEMS}?page_size=2"
    while link:
        body = api.get(link).json()
        seen += [r["key"] for r in body["results"]]
        link = body["next"]
    assert len(seen) == 4 == len(set(seen)) and seen[0].startswith("cycle:")
    assert api.get(PROBLEMS, {"cursor": "nonsense"}).status_code == 404


def test_the_problem_list_runs_the_same_queries_for_1_and_10_problems(office, department_a):
    api = api_client(office)
    issuer = make_item(department_a, "SELF-I", name="本局许可")
    demand(make_item(department_a, "SELF-0"), issuer)
    one = count_queries(api, PROBLEMS)
    for i in range(1, 10):
        demand(make_item(department_a, f"SELF-{i}"), issuer)
    assert len(api.get(PROBLEMS).json()["results"]) == 10
    assert count_queries(api, PROBLEMS) == one


def test_only_the_office_reads_or_files_the_graph(leader_a, liaison_a, api_a, cycle):
    a, b = cycle
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    for user in (leader_a, liaison_a, api_a):
        assert api_client(user).get(PROBLEMS).status_code == 403
        assert api_client(user).post(f"{PROBLEMS}file/", {"problem": key}, format="json").status_code == 403
    assert Finding.objects.count() == 0


# --- the certificate graph: the office's decisions -----------------------------------------------------

DECIDE, WITHDRAW, DECISIONS = f"{PROBLEMS}decide/", f"{PROBLEMS}withdraw/", f"{PROBLEMS}decisions/"


def test_the_office_marks_a_problem_legitimate_and_withdraws_it(office, cycle):
    a, b = cycle
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    api = api_client(office)
    decided = api.post(DECIDE, {"problem": key, "reason": "抵押登记与借款合同备案依法互为前置"}, format="json")
    assert decided.status_code == 201, decided.content
    body = decided.json()
    assert (body["key"], body["kind"], body["reason"], body["decided_by"], body["withdrawn_at"]) == (
        key, "cycle", "抵押登记与借款合同备案依法互为前置", office.username, None)
    assert sorted(body["items"]) == sorted([a.pk, b.pk]) and body["decided_at"]
    again = api.post(DECIDE, {"problem": key, "reason": "再点一次"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["reason"] == body["reason"]

    assert api.get(PROBLEMS).json()["results"] == []  # no longer flagged
    [row] = api.get(DECISIONS).json()["results"]
    assert (row["key"], row["state"], row["reason"], row["problem"]["key"], row["problem"]["decided"]) == (
        key, "in_force", body["reason"], key, True)
    assert row["problem"]["decision"]["id"] == body["id"]
    refused = api.post(f"{PROBLEMS}file/", {"problem": key}, format="json")
    assert refused.status_code == 400 and "detail" in refused.json() and Finding.objects.count() == 0

    withdrawn = api.post(WITHDRAW, {"problem": key}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] and withdrawn.json()["id"] == body["id"]
    [row] = api.get(PROBLEMS).json()["results"]
    assert (row["key"], row["decided"], row["decision"]) == (key, False, None)
    assert api.get(DECISIONS).json()["results"] == []
    assert api.post(WITHDRAW, {"problem": key}, format="json").status_code == 400  # nothing left to withdraw
    assert api.post(f"{PROBLEMS}file/", {"problem": key}, format="json").status_code == 201


@pytest.mark.parametrize("body", [{"problem": "x"}, {"reason": "理由"}, {"problem": "cycle:1-2", "reason": "   "},
                                  {"problem": "cycle:1-2", "reason": ""}, {"problem": "cycle:1-2", "reason": "理", "extra": 1}])
def test_a_decision_needs_a_problem_and_a_reason(office, cycle, body):
    a, b = cycle
    body = {k: (f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}" if v == "cycle:1-2" else v) for k, v in body.items()}
    refused = api_client(office).post(DECIDE, body, format="json")
    assert refused.status_code == 400
    assert not CertificateDecision.objects.exists()


@pytest.mark.parametrize("problem", ["cycle:999998-999999", "self:x", "bundle:999999:9", "长" * 3000])
def test_only_a_problem_of_the_catalog_is_decided(office, cycle, problem):
    refused = api_client(office).post(DECIDE, {"problem": problem, "reason": "理由"}, format="json")
    assert refused.status_code == 400 and not CertificateDecision.objects.exists()


def test_only_the_office_decides(leader_a, liaison_a, api_a, office, cycle):
    a, b = cycle
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    for user in (leader_a, liaison_a, api_a):
        assert api_client(user).post(DECIDE, {"problem": key, "reason": "理由"}, format="json").status_code == 403
        assert api_client(user).get(DECISIONS).status_code == 403
    assert not CertificateDecision.objects.exists()
    api_client(office).post(DECIDE, {"problem": key, "reason": "理由"}, format="json")
    for user in (leader_a, liaison_a, api_a):
        assert api_client(user).post(WITHDRAW, {"problem": key}, format="json").status_code == 403
    assert CertificateDecision.objects.get().withdrawn_at is None


def test_deciding_over_the_api_is_what_the_page_decides(office, cycle):
    a, b = cycle
    key = f"cycle:{min(a.pk, b.pk)}-{max(a.pk, b.pk)}"
    api_client(office).post(DECIDE, {"problem": key, "reason": "依法互为前置"}, format="json")
    by_api = list(CertificateDecision.objects.values_list("kind", "key", "items", "reason", "decided_by"))
    CertificateDecision.objects.all().delete()
    assert page_client(office).post(reverse("certificate-decide"), {"problem": key, "reason": "依法互为前置"}).status_code == 302
    assert list(CertificateDecision.objects.values_list("kind", "key", "items", "reason", "decided_by")) == by_api
    assert page_client(office).post(reverse("certificate-withdraw"), {"problem": key}).status_code == 302
    assert api_client(office).post(WITHDRAW, {"problem": key}, format="json").status_code == 400  # the page withdrew it


def test_the_decisions_list_runs_the_same_queries_for_1_and_10_decisions(office, department_a):
    api = api_client(office)
    issuer = make_item(department_a, "DEC-I", name="本局许可")
    keys = []
    for i in range(10):
        item = make_item(department_a, f"DEC-{i}")
        demand(item, issuer, "原许可证")
        keys.append(f"self:{item.pk}-{issuer.pk}")
    api.post(DECIDE, {"problem": keys[0], "reason": "换证"}, format="json")
    one = count_queries(api, DECISIONS)
    for key in keys[1:]:
        assert api.post(DECIDE, {"problem": key, "reason": "换证"}, format="json").status_code == 201
    assert len(api.get(DECISIONS, {"page_size": 20}).json()["results"]) == 10
    assert count_queries(api, DECISIONS) == one
