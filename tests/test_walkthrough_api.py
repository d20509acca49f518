"""``walkthroughs/`` of API v1: planning, the wall, the lifecycle, the timeline, filters, shape."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from inspections import actions
from inspections.models import Status, TimelineEvent, Walkthrough, WalkthroughTransition
from tests.conftest import api_client, make_item, make_user

WALKS = "/api/v1/walkthroughs/"
DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "A-1")


@pytest.fixture
def item_b(department_b):
    return make_item(department_b, "B-1")


client = api_client  # the shared helper of conftest


def plan(item, leader, *, actor=None, mode="simulate", scheduled_for=DAY) -> Walkthrough:
    return actions.walkthrough_plan(actor=actor or leader, service_item=item, leader=leader, mode=mode,
                                    identity="applicant", channel="window", scheduled_for=scheduled_for)


def start(walkthrough, actor=None) -> Walkthrough:
    return actions.walkthrough_transition(walkthrough=walkthrough, to=Status.IN_PROGRESS, actor=actor or walkthrough.leader)


def url(walkthrough, suffix=""):
    return f"{WALKS}{walkthrough.pk}/{suffix}"


@pytest.fixture
def walk_a(item_a, leader_a):
    return plan(item_a, leader_a)


# --- planning ------------------------------------------------------------------------------------

def test_leader_plans_for_own_department(item_a, leader_a, department_a):
    response = client(leader_a).post(WALKS, {"service_item": item_a.pk, "mode": "accompany", "identity": "incognito",
                                             "channel": "both", "scheduled_for": "2026-03-02"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["leader"] == leader_a.pk and body["department"] == department_a.pk and body["status"] == "planned"
    created = Walkthrough.objects.get(pk=body["id"])
    assert created.planned_by == leader_a and created.mode == "accompany" and created.channel == "both"


def test_identity_and_channel_default_as_in_the_model(item_a, leader_a):
    response = client(leader_a).post(WALKS, {"service_item": item_a.pk, "mode": "simulate", "scheduled_for": "2026-03-02"},
                                     format="json")
    assert response.status_code == 201
    assert (response.json()["identity"], response.json()["channel"]) == ("applicant", "window")


def test_leader_cannot_plan_for_another_department(item_b, leader_a):
    response = client(leader_a).post(WALKS, {"service_item": item_b.pk, "mode": "simulate", "scheduled_for": "2026-03-02"},
                                     format="json")
    assert response.status_code == 403 and "只能为本部门的事项安排走流程" in response.json()["detail"]
    assert not Walkthrough.objects.exists()


def test_office_assigns_another_departments_head(item_a, office, leader_a, liaison_a, leader_b):
    response = client(office).post(WALKS, {"service_item": item_a.pk, "leader": leader_b.pk, "mode": "inspect",
                                           "scheduled_for": "2026-03-02"}, format="json")
    assert response.status_code == 201, response.json()
    walk = Walkthrough.objects.get(pk=response.json()["id"])
    assert walk.leader == leader_b and walk.planned_by == office
    # the head who walks it, and department A (the item's) both see it
    for who in (leader_b, liaison_a, leader_a):
        assert client(who).get(url(walk)).status_code == 200, who
        assert [r["id"] for r in client(who).get(WALKS).json()["results"]] == [walk.pk], who
    # leader_b walks it although it is another department's item
    assert client(leader_b).post(url(walk, "start/"), {}, format="json").status_code == 200


def test_unknown_service_item_is_a_field_error(leader_a, db):
    response = client(leader_a).post(WALKS, {"service_item": 999999, "mode": "simulate", "scheduled_for": "2026-03-02"},
                                     format="json")
    assert response.status_code == 400 and "service_item" in response.json()


# --- the wall ---------------------------------------------------------------------------------------

def test_another_departments_head_gets_404_everywhere(walk_a, leader_b):
    api = client(leader_b)
    assert api.get(url(walk_a)).status_code == 404
    assert api.patch(url(walk_a), {"summary": "x"}, format="json").status_code == 404
    for move in ("start/", "complete/", "cancel/"):
        assert api.post(url(walk_a, move), {}, format="json").status_code == 404, move
    assert api.get(url(walk_a, "events/")).status_code == 404
    assert api.post(url(walk_a, "events/"), {"kind": "note"}, format="json").status_code == 404
    assert api.get(WALKS).json()["results"] == []
    walk_a.refresh_from_db()
    assert walk_a.status == Status.PLANNED and walk_a.version == 1


def test_liaison_reads_but_does_not_walk(walk_a, liaison_a):
    api = client(liaison_a)
    assert api.get(url(walk_a)).status_code == 200
    assert api.get(url(walk_a, "events/")).status_code == 200
    response = api.post(url(walk_a, "start/"), {}, format="json")
    assert response.status_code == 403 and "局长本人或营商环境办公室" in response.json()["detail"]
    assert api.patch(url(walk_a), {"summary": "x"}, format="json").status_code == 403
    assert api.patch(url(walk_a), {"observed": {"materials": -1}}, format="json").status_code == 403  # permission first
    walk_a.refresh_from_db()
    assert walk_a.status == Status.PLANNED and not walk_a.transitions.exists()


def test_api_client_reads_its_scope_and_never_writes(walk_a, item_a, item_b, leader_b, api_a):
    walk_b = plan(item_b, leader_b)
    api = client(api_a)
    assert [r["id"] for r in api.get(WALKS).json()["results"]] == [walk_a.pk]
    assert api.get(url(walk_a)).status_code == 200
    assert api.get(url(walk_b)).status_code == 404
    assert api.post(WALKS, {"service_item": item_a.pk, "mode": "simulate", "scheduled_for": "2026-03-02"},
                    format="json").status_code == 403
    assert api.post(url(walk_a, "start/"), {}, format="json").status_code == 403
    assert api.patch(url(walk_a), {"summary": "x"}, format="json").status_code == 403


def test_anonymous_gets_401(walk_a):
    assert client().get(WALKS).status_code == 401
    assert client().get(url(walk_a)).status_code == 401


def test_no_put_and_no_delete(walk_a, office):
    api = client(office)
    assert api.put(url(walk_a), {"summary": "x"}, format="json").status_code == 405
    assert api.delete(url(walk_a)).status_code == 405


# --- the lifecycle --------------------------------------------------------------------------------

def test_lifecycle(walk_a, leader_a):
    api = client(leader_a)
    # not completable before it starts; zh-hans is the default language
    response = api.post(url(walk_a, "complete/"), {}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "“已计划”的走流程不能变为“已完成”。"

    response = api.post(url(walk_a, "start/"), {"note": "到政务服务大厅"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress" and response.json()["started_at"]
    assert response.json()["version"] == 2

    started = datetime.datetime.fromisoformat(response.json()["started_at"])
    at = started.isoformat()  # the moment it started; the next event defaults to now, later
    response = api.post(url(walk_a, "events/"), {"kind": "queueing", "note": "取号排队", "at": at}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "queueing" and response.json()["note"] == "取号排队"
    assert api.post(url(walk_a, "events/"), {"kind": "consultation"}, format="json").status_code == 201
    events = api.get(url(walk_a, "events/")).json()
    assert set(events) == {"next", "previous", "results"}
    assert [e["kind"] for e in events["results"]] == ["queueing", "consultation"]  # by time, oldest first
    assert set(events["results"][0]) == {"id", "kind", "at", "device_at", "received_at", "withdrawn_at", "note"}
    assert events["results"][0]["device_at"] is None and events["results"][0]["received_at"]

    response = api.post(url(walk_a, "complete/"), {"note": "全程顺畅"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "completed" and response.json()["completed_at"]
    assert response.json()["observed"]["elapsed_minutes"] is not None

    response = api.patch(url(walk_a), {"summary": "补充"}, format="json")
    assert response.status_code == 400 and "不能再修改" in response.json()["detail"]
    assert api.post(url(walk_a, "events/"), {"kind": "note"}, format="json").status_code == 400

    rows = list(WalkthroughTransition.objects.filter(walkthrough=walk_a).values_list("from_status", "to_status", "note"))
    assert rows == [("planned", "in_progress", "到政务服务大厅"), ("in_progress", "completed", "全程顺畅")]


def test_office_cancels_and_a_cancelled_one_cannot_start(walk_a, office):
    api = client(office)
    response = api.post(url(walk_a, "cancel/"), {"note": "改期"}, format="json")
    assert response.status_code == 200 and response.json()["cancelled_at"]
    response = api.post(url(walk_a, "start/"), {}, format="json")
    assert response.status_code == 400 and "不能变为" in response.json()["detail"]
    assert WalkthroughTransition.objects.filter(walkthrough=walk_a).count() == 1


def test_stale_version_is_409_and_changes_nothing(walk_a, leader_a):
    api = client(leader_a)
    assert api.patch(url(walk_a), {"summary": "先写一句"}, format="json").json()["version"] == 2
    response = api.post(url(walk_a, "start/"), {"version": 1}, format="json")
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"]
    walk_a.refresh_from_db()
    assert walk_a.status == Status.PLANNED and walk_a.started_at is None and walk_a.version == 2
    assert not WalkthroughTransition.objects.exists()
    assert api.post(url(walk_a, "start/"), {"version": 2}, format="json").status_code == 200
    assert WalkthroughTransition.objects.count() == 1


def test_patch_writes_plan_and_observed_figures(walk_a, leader_a):
    api = client(leader_a)
    response = api.patch(url(walk_a), {"channel": "online", "scheduled_for": "2026-03-09",
                                       "observed": {"materials": 6, "visits": 2, "queue_minutes": 25}, "version": 1},
                         format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["observed"] == {"materials": 6, "visits": 2, "steps": None, "elapsed_minutes": None,
                                           "elapsed_days": None, "queue_minutes": 25, "online_depth": None}
    walk_a.refresh_from_db()
    assert (walk_a.channel, walk_a.scheduled_for, walk_a.observed_materials, walk_a.observed_visits,
            walk_a.queue_minutes, walk_a.version) == ("online", datetime.date(2026, 3, 9), 6, 2, 25, 2)
    assert api.patch(url(walk_a), {"summary": "x", "version": 1}, format="json").status_code == 409
    # figures can be cleared again
    assert api.patch(url(walk_a), {"observed": {"materials": None}}, format="json").json()["observed"]["materials"] is None


def test_mode_and_date_are_fixed_once_started(walk_a, leader_a):
    start(walk_a)
    api = client(leader_a)
    response = api.patch(url(walk_a), {"mode": "inspect"}, format="json")
    assert response.status_code == 400 and "detail" in response.json()
    assert api.patch(url(walk_a), {"observed": {"steps": 4}}, format="json").status_code == 200


# --- bad input: 400 naming the field, nothing stored ---------------------------------------------

@pytest.mark.parametrize("payload,field", [
    ({"mode": "nonsense"}, "mode"),
    ({"identity": "spy"}, "identity"),
    ({"channel": "fax"}, "channel"),
    ({"scheduled_for": "2026-02-30"}, "scheduled_for"),
    ({"service_item": "abc"}, "service_item"),
    ({"status": "completed"}, "status"),
])
def test_bad_plan_is_a_400_with_the_field(item_a, leader_a, payload, field):
    body = {"service_item": item_a.pk, "mode": "simulate", "scheduled_for": "2026-03-02", **payload}
    response = client(leader_a).post(WALKS, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Walkthrough.objects.exists()


def test_unknown_and_bad_keys_are_reported_together(walk_a, leader_a):
    response = client(leader_a).patch(url(walk_a), {"status": "completed", "scheduled_for": "2026-02-30"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"status", "scheduled_for"}


@pytest.mark.parametrize("payload,field", [
    ({"mode": "nonsense"}, "mode"),
    ({"scheduled_for": "2026-02-30"}, "scheduled_for"),
    ({"summary": "长" * 4001}, "summary"),
    ({"observed": {"materials": -1}}, "observed"),
    ({"observed": {"visits": 100}}, "observed"),
    ({"observed": {"colour": 1}}, "observed"),
    ({"observed": 5}, "observed"),
    ({"status": "completed"}, "status"),
    ({"leader": 1}, "leader"),
    ({"version": "x"}, "version"),
])
def test_bad_patch_is_a_400_with_the_field(walk_a, leader_a, payload, field):
    response = client(leader_a).patch(url(walk_a), {"channel": "online", **payload}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    walk_a.refresh_from_db()
    assert walk_a.version == 1 and walk_a.channel == "window" and walk_a.status == Status.PLANNED


def test_overlong_note_on_a_move_is_a_400(walk_a, leader_a):
    response = client(leader_a).post(url(walk_a, "start/"), {"note": "长" * 501}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    walk_a.refresh_from_db()
    assert walk_a.status == Status.PLANNED and not WalkthroughTransition.objects.exists()


@pytest.mark.parametrize("payload,field", [
    ({"kind": "dance"}, "kind"),
    ({"kind": "note", "note": "长" * 1001}, "note"),
    ({"kind": "note", "at": "2026-03-02T09:30:00"}, "at"),  # no offset
    ({"kind": "note", "at": "2026-02-30T09:30:00+08:00"}, "at"),
    ({"kind": "note", "at": "2999-01-01T09:30:00+08:00"}, "detail"),  # in the future
])
def test_bad_event_is_a_400(walk_a, leader_a, payload, field):
    start(walk_a)
    response = client(leader_a).post(url(walk_a, "events/"), payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not TimelineEvent.objects.exists()


def test_event_time_with_offset_is_kept(walk_a, leader_a):
    walk_a = start(walk_a)
    at = walk_a.started_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))) + datetime.timedelta(minutes=1)
    response = client(leader_a).post(url(walk_a, "events/"), {"kind": "note", "at": at.isoformat()}, format="json")
    assert response.status_code == 201
    assert TimelineEvent.objects.get().at == at


# --- filters, pagination, shape ---------------------------------------------------------------------

@pytest.fixture
def several(item_a, item_b, leader_a, leader_b, office):
    first = plan(item_a, leader_a, mode="simulate", scheduled_for=datetime.date(2026, 3, 1))
    second = plan(item_a, leader_a, mode="inspect", scheduled_for=datetime.date(2026, 3, 10))
    third = plan(item_b, leader_b, mode="inspect", scheduled_for=datetime.date(2026, 3, 20))
    fourth = plan(item_a, leader_b, actor=office, mode="accompany", scheduled_for=datetime.date(2026, 3, 31))
    start(second)
    return first, second, third, fourth


def test_filters(several, office, department_b, leader_b):
    first, second, third, fourth = several
    api = client(office)

    def ids(**params):
        response = api.get(WALKS, params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [fourth.pk, third.pk, second.pk, first.pk]  # newest scheduled first
    assert ids(status="in_progress") == [second.pk]
    assert ids(status="planned") == [fourth.pk, third.pk, first.pk]
    assert ids(mode="inspect") == [third.pk, second.pk]
    assert ids(department=department_b.pk) == [third.pk]
    assert ids(leader=leader_b.pk) == [fourth.pk, third.pk]
    assert ids(leader=999999) == []
    assert ids(scheduled_after="2026-03-10") == [fourth.pk, third.pk, second.pk]  # inclusive
    assert ids(scheduled_before="2026-03-10") == [second.pk, first.pk]  # inclusive
    assert ids(scheduled_after="2026-03-02", scheduled_before="2026-03-20") == [third.pk, second.pk]


def test_list_filters_do_not_apply_to_one_walkthrough(walk_a, leader_a):
    assert client(leader_a).get(url(walk_a), {"status": "completed"}).status_code == 200


@pytest.mark.parametrize("params,field", [
    ({"scheduled_after": "2026-02-30"}, "scheduled_after"),
    ({"scheduled_before": "yesterday"}, "scheduled_before"),
    ({"status": "done"}, "status"),
    ({"mode": "fly"}, "mode"),
])
def test_bad_filter_is_a_400(several, office, params, field):
    response = client(office).get(WALKS, params)
    assert response.status_code == 400 and field in response.json()


def test_cursor_pagination_walks_every_walkthrough_once(item_a, leader_a, office):
    made = [plan(item_a, leader_a, scheduled_for=datetime.date(2026, 3, 1 + i % 3)) for i in range(7)]
    api = client(office)
    seen, next_url = [], f"{WALKS}?page_size=2"
    while next_url:
        body = api.get(next_url).json()
        seen += [r["id"] for r in body["results"]]
        next_url = body["next"]
    expected = [w.pk for w in sorted(made, key=lambda w: (w.scheduled_for, w.pk), reverse=True)]
    assert seen == expected


def test_list_query_count_is_fixed(item_a, leader_a, office, api_a):
    for i in range(6):
        plan(item_a, leader_a, scheduled_for=datetime.date(2026, 3, 1 + i))

    def count(user, page_size):
        api = client(user)
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(WALKS, {"page_size": page_size})
            assert response.status_code == 200 and len(response.json()["results"]) == min(page_size, 6)
        return len(ctx.captured_queries)

    # the walkthroughs, and the page's visible findings: related objects are rendered as ids
    assert count(office, 2) == count(office, 50) == 2
    # with a token: the token (with its user) too, once the first use has set last_used_at
    count(api_a, 1)
    assert count(api_a, 2) == count(api_a, 50) == 3


def test_shape_has_every_contract_key(walk_a, leader_a, item_a, department_a):
    item = client(leader_a).get(WALKS).json()["results"][0]
    for key in ["id", "service_item", "department", "leader", "mode", "identity", "channel", "scheduled_for", "status",
                "started_at", "completed_at", "observed", "findings"]:
        assert key in item, key
    assert set(item["observed"]) >= {"materials", "visits", "steps", "elapsed_minutes", "queue_minutes"}
    assert item["findings"] == []
    assert (item["service_item"], item["department"], item["leader"]) == (item_a.pk, department_a.pk, leader_a.pk)
    assert item["scheduled_for"] == "2026-03-02" and item["mode"] == "simulate"
    created = datetime.datetime.fromisoformat(item["created_at"])
    assert created.utcoffset() == datetime.timedelta(hours=8)  # Asia/Shanghai, with its offset


def test_schema_documents_the_walkthrough_routes(office, db):
    schema = client(office).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ["/api/v1/walkthroughs/", "/api/v1/walkthroughs/{id}/", "/api/v1/walkthroughs/{id}/start/",
                 "/api/v1/walkthroughs/{id}/complete/", "/api/v1/walkthroughs/{id}/cancel/",
                 "/api/v1/walkthroughs/{id}/events/"]:
        assert path in paths, path
    assert "put" not in paths["/api/v1/walkthroughs/{id}/"] and "delete" not in paths["/api/v1/walkthroughs/{id}/"]
    assert set(paths["/api/v1/walkthroughs/{id}/start/"]["post"]["responses"]) == {"200", "400", "403", "404", "409"}
    filters = {p["name"] for p in paths["/api/v1/walkthroughs/"]["get"]["parameters"]}
    assert filters >= {"status", "mode", "department", "leader", "scheduled_after", "scheduled_before", "cursor", "page_size"}


# --- operators: a superuser keeps the default role 'leader' and must still see everything ----------

def test_superuser_with_the_default_role_sees_every_walkthrough(walk_a):
    root = make_user("root", Role.LEADER, is_superuser=True, is_staff=True)  # what createsuperuser makes
    assert client(root).get(url(walk_a)).status_code == 200


def test_findings_filed_from_a_walkthrough_are_listed_by_id(walk_a, leader_a, office):
    from findings import actions as finding_actions

    started = actions.walkthrough_transition(walkthrough=walk_a, to="in_progress", actor=leader_a)
    finding = finding_actions.finding_file(actor=leader_a, walkthrough=started, category="hotline", title="热线无人接听")
    for user in (leader_a, office):
        assert client(user).get(url(walk_a)).json()["findings"] == [finding.pk]
        listed = client(user).get("/api/v1/walkthroughs/").json()["results"]
        assert [w["findings"] for w in listed if w["id"] == walk_a.pk] == [[finding.pk]]
