"""``findings/`` of API v1: filing, the wall, every move, races, sync, filters, shape, query counts."""
import datetime
import itertools
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from findings import actions
from findings.api import FindingSerializer
from findings.models import Finding, FindingStatus, FindingTransition
from findings.queries import MOVES, with_overdue
from inspections import actions as inspection_actions
from inspections.models import Status
from tests.conftest import api_client, make_item, make_user

FINDINGS = "/api/v1/findings/"
DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def item_a(department_a):
    return make_item(department_a, "A-1")


@pytest.fixture
def item_b(department_b):
    return make_item(department_b, "B-1")


client = api_client  # the shared helper of conftest


def url(finding, suffix=""):
    return f"{FINDINGS}{finding.pk}/{suffix}"


def file(office, department, **extra) -> Finding:
    fields = {"category": "window_service", "severity": "minor", "title": "窗口人员不熟悉业务", **extra}
    return actions.finding_file(actor=office, department=department, **fields)


def walk(item, leader, *, started=True):
    walkthrough = inspection_actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode="simulate",
                                                      identity="applicant", channel="window", scheduled_for=DAY)
    if started:
        walkthrough = inspection_actions.walkthrough_transition(walkthrough=walkthrough, to=Status.IN_PROGRESS, actor=leader)
    return walkthrough


def bring_to(finding, status, *, office, liaison) -> Finding:
    """Move a new finding into ``status`` with the action functions, as the people would."""
    if status == FindingStatus.DISMISSED:
        return actions.finding_transition(finding=finding, to=status, actor=office, note="重复问题")
    if status == FindingStatus.OPEN:
        return finding
    finding = actions.finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=office)
    finding = actions.finding_record_measures(finding=finding, actor=liaison, measures="已调整窗口人员并培训")
    if status == FindingStatus.RECTIFYING:
        return finding
    if status == FindingStatus.APPEALED:
        return actions.finding_transition(finding=finding, to=status, actor=liaison, note="不属本单位职责")
    finding = actions.finding_transition(finding=finding, to=FindingStatus.SUBMITTED, actor=liaison)
    if status == FindingStatus.SUBMITTED:
        return finding
    return actions.finding_transition(finding=finding, to=FindingStatus.CLOSED, actor=office)


@pytest.fixture
def finding_a(office, department_a):
    return file(office, department_a)


@pytest.fixture
def finding_b(office, department_b):
    return file(office, department_b, title="施工许可材料过多", category="excess_materials")


# --- shape ---------------------------------------------------------------------------------------

CONTRACT = ["id", "walkthrough", "service_item", "department", "category", "severity", "title", "description", "status",
            "version", "due_date", "overdue", "created_at", "updated_at", "closed_at"]


def test_shape_has_every_contract_key(finding_a, leader_a, department_a):
    body = client(leader_a).get(FINDINGS).json()
    assert set(body) == {"next", "previous", "results"}
    row = body["results"][0]
    assert set(CONTRACT) <= set(row)
    assert set(row) - set(CONTRACT) <= {"checklist_question", "measures", "materials_cut", "days_cut", "visits_cut"}
    assert (row["id"], row["department"], row["walkthrough"], row["service_item"]) == (finding_a.pk, department_a.pk, None, None)
    assert (row["status"], row["version"], row["overdue"], row["due_date"], row["closed_at"]) == ("open", 1, False, None, None)
    assert datetime.datetime.fromisoformat(row["updated_at"]).utcoffset() == datetime.timedelta(hours=8)
    assert client(leader_a).get(url(finding_a)).json() == row
    assert "窗口人员不熟悉业务".encode() in client(leader_a).get(url(finding_a)).content  # UTF-8 as is


def test_history_shape_and_order(finding_a, office, liaison_a):
    bring_to(finding_a, FindingStatus.SUBMITTED, office=office, liaison=liaison_a)
    finding = Finding.objects.get(pk=finding_a.pk)
    actions.finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=office, note="证据不足")
    history = client(liaison_a).get(url(finding_a, "history/")).json()
    # the whole timeline: the filing, the moves and the measures as recorded, each with who did it
    assert [(h["kind"], h["from"], h["to"]) for h in history] == [
        ("filed", "open", "open"), ("move", "open", "rectifying"), ("measures", "rectifying", "rectifying"),
        ("move", "rectifying", "submitted"), ("move", "submitted", "rectifying")]
    assert list(history[0]) == ["kind", "from", "to", "by", "by_name", "at", "note", "evidence"]
    assert [h["by"] for h in history] == ["office", "office", "liaison_a", "liaison_a", "office"]
    assert history[0]["by_name"] == "王主任" and history[2]["by_name"] == "liaison_a"  # no name: the username
    assert history[2]["note"] == "已调整窗口人员并培训" and history[4]["note"] == "证据不足"
    times = [datetime.datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times)
    # the moves alone, as before the timeline grew
    moves = client(liaison_a).get(url(finding_a, "history/?kind=move")).json()
    assert [(h["from"], h["to"]) for h in moves] == [("open", "rectifying"), ("rectifying", "submitted"),
                                                     ("submitted", "rectifying")]
    assert client(liaison_a).get(url(finding_a, "history/?kind=moves")).status_code == 400


# --- the list's rows: finding_row() renders exactly what FindingSerializer does ------------------------

@pytest.fixture
def varied(office, leader_a, liaison_a, department_a, department_b, item_a):
    """Findings that between them leave every nullable field empty and set every field."""
    empty = file(office, department_b, title="只有部门", description="")  # no walkthrough, item, deadline, ledger
    full = actions.finding_file(actor=leader_a, walkthrough=walk(item_a, leader_a), category="excess_materials",
                                severity="major", title="要求提供营业执照复印件", description='多次往返\n"引号"\t\\',
                                checklist_question="sim_materials")
    full = bring_to(full, FindingStatus.SUBMITTED, office=office, liaison=liaison_a)
    full = actions.finding_transition(finding=full, to=FindingStatus.CLOSED, actor=office,
                                      ledger={"materials_cut": 2, "days_cut": 5, "visits_cut": 0})
    overdue = bring_to(file(office, department_a, title="逾期"), FindingStatus.RECTIFYING, office=office, liaison=liaison_a)
    dismissed = bring_to(file(office, department_a, title="重复"), FindingStatus.DISMISSED, office=office, liaison=liaison_a)
    due_today = bring_to(file(office, department_a, title="今天到期"), FindingStatus.RECTIFYING, office=office, liaison=liaison_a)
    # a deadline passed (overdue; not for the struck-off), one due today (not yet overdue); a time on
    # the whole second (isoformat drops the microseconds) and at UTC midnight
    Finding.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=3))
    Finding.objects.filter(pk=due_today.pk).update(due_date=timezone.localdate())
    Finding.objects.filter(pk=dismissed.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=3),
        created_at=datetime.datetime(2026, 3, 1, 16, 0, tzinfo=datetime.timezone.utc),
        closed_at=datetime.datetime(2026, 3, 2, 0, 0, 0, 1, tzinfo=datetime.timezone.utc))
    return {"empty": empty, "full": full, "overdue": overdue, "dismissed": dismissed, "due_today": due_today}


def _serializer_body(response_body: dict) -> bytes:
    """The list's body as DRF's ModelSerializer path renders the same findings in the same order."""
    findings = with_overdue(Finding.objects.order_by("updated_at", "id"))
    return JSONRenderer().render({"next": response_body["next"], "previous": response_body["previous"],
                                  "results": FindingSerializer(findings, many=True).data})


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
def test_list_rows_are_byte_for_byte_what_the_serializer_renders(varied, office, zone):
    with timezone.override(zone):  # the project's zone; one where DRF writes "Z"; one with a half-hour offset
        response = client(office).get(FINDINGS, {"page_size": 500})
        assert response.content == _serializer_body(response.json())
    rows = {row["id"]: row for row in response.json()["results"]}
    # the findings cover what the comparison must see: every field set, every nullable field empty, overdue
    assert None not in rows[varied["full"].pk].values() and rows[varied["full"].pk]["status"] == "closed"
    assert [key for key, value in rows[varied["empty"].pk].items() if value is None] == [
        "walkthrough", "service_item", "due_date", "closed_at", "materials_cut", "days_cut", "visits_cut"]
    assert rows[varied["overdue"].pk]["overdue"] is True
    if zone == "UTC":
        assert rows[varied["dismissed"].pk]["created_at"] == "2026-03-01T16:00:00Z"
        assert rows[varied["dismissed"].pk]["closed_at"] == "2026-03-02T00:00:00.000001Z"


def test_list_rows_equal_the_detail(varied, office):
    api = client(office)
    for row in api.get(FINDINGS).json()["results"]:
        assert api.get(f"{FINDINGS}{row['id']}/").json() == row


def test_other_date_formats_are_rendered_by_the_serializer(varied, office, settings):
    # finding_row() knows ISO 8601, the project's setting; under another the list falls back to DRF
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DATETIME_FORMAT": "%Y年%m月%d日 %H:%M", "DATE_FORMAT": "%d/%m/%Y"}
    api = client(office)
    response = api.get(FINDINGS, {"page_size": 500})
    assert response.content == _serializer_body(response.json())
    assert "年" in response.json()["results"][0]["created_at"]
    # its pages follow on as the fast list's do (the cursor then comes from model instances)
    seen, next_url = [], f"{FINDINGS}?page_size=3"
    while next_url:
        body = api.get(next_url).json()
        seen, next_url = seen + body["results"], body["next"]
    assert seen == response.json()["results"]


# --- filing ----------------------------------------------------------------------------------------

def test_office_files_directly(office, department_a, item_a):
    response = client(office).post(FINDINGS, {"category": "hotline", "severity": "major", "title": "热线无人接听",
                                              "description": "连续三次无人接听", "service_item": item_a.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    finding = Finding.objects.get(pk=body["id"])
    assert (finding.department, finding.service_item, finding.created_by, finding.status) == (department_a, item_a, office, "open")
    assert (body["department"], body["severity"], body["overdue"], body["version"]) == (department_a.pk, "major", False, 1)


def test_leader_files_from_own_walkthrough(item_a, leader_a, department_a):
    walkthrough = walk(item_a, leader_a)
    response = client(leader_a).post(FINDINGS, {"walkthrough": walkthrough.pk, "category": "excess_materials",
                                                "title": "要求提供营业执照复印件", "checklist_question": "sim_materials"},
                                     format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["walkthrough"], body["department"], body["service_item"]) == (walkthrough.pk, department_a.pk, item_a.pk)
    assert body["severity"] == "minor" and body["checklist_question"] == "sim_materials"


def test_leader_cannot_file_directly(leader_a, department_a):
    response = client(leader_a).post(FINDINGS, {"category": "hotline", "title": "热线", "department": department_a.pk},
                                     format="json")
    assert response.status_code == 403 and "detail" in response.json()
    assert not Finding.objects.exists()


def test_walkthrough_outside_the_wall_does_not_exist(item_a, leader_a, leader_b):
    walkthrough = walk(item_a, leader_a)
    response = client(leader_b).post(FINDINGS, {"walkthrough": walkthrough.pk, "category": "hotline", "title": "热线"},
                                     format="json")
    assert response.status_code == 400 and "walkthrough" in response.json()
    assert "does not exist" in str(response.json()["walkthrough"]) or "不存在" in str(response.json()["walkthrough"])


def test_liaison_sees_the_walkthrough_but_may_not_file_from_it(item_a, leader_a, liaison_a):
    walkthrough = walk(item_a, leader_a)
    response = client(liaison_a).post(FINDINGS, {"walkthrough": walkthrough.pk, "category": "hotline", "title": "热线"},
                                      format="json")
    assert response.status_code == 403


def test_department_beside_a_walkthrough_must_be_the_walkthroughs(item_a, leader_a, department_b, department_a):
    walkthrough = walk(item_a, leader_a)
    payload = {"walkthrough": walkthrough.pk, "category": "hotline", "title": "热线"}
    response = client(leader_a).post(FINDINGS, {**payload, "department": department_b.pk}, format="json")
    assert response.status_code == 400 and "department" in response.json()
    response = client(leader_a).post(FINDINGS, {**payload, "department": department_a.pk}, format="json")
    assert response.status_code == 201


def test_head_may_not_file_from_another_heads_walkthrough(item_a, leader_a, department_a):
    colleague = make_user("leader_a2", Role.LEADER, department_a)  # same department, not their walkthrough
    walkthrough = walk(item_a, colleague)
    response = client(leader_a).post(FINDINGS, {"walkthrough": walkthrough.pk, "category": "hotline", "title": "热线"},
                                     format="json")
    assert response.status_code == 403 and not Finding.objects.exists()


A = object()  # stands for department A's id in the payloads below


@pytest.mark.parametrize("payload,field", [
    ({"category": "nonsense", "title": "x", "department": A}, "category"),
    ({"category": "hotline", "title": "", "department": A}, "title"),
    ({"category": "hotline", "title": "长" * 201, "department": A}, "title"),
    ({"category": "hotline", "title": "x", "severity": "fatal", "department": A}, "severity"),
    ({"category": "hotline", "title": "x", "status": "closed", "department": A}, "status"),
    ({"title": "x", "department": A}, "category"),
    ({"category": "hotline", "title": "x", "department": 999999}, "department"),
    ({"category": "hotline", "title": "x"}, "detail"),  # no department and no item: finding_file refuses
])
def test_bad_filing_is_a_400(office, department_a, payload, field):
    payload = {key: department_a.pk if value is A else value for key, value in payload.items()}
    response = client(office).post(FINDINGS, payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Finding.objects.exists()


# --- the wall and the read-only client --------------------------------------------------------------

def test_another_departments_head_gets_404_everywhere(finding_a, leader_b, finding_b):
    api = client(leader_b)
    assert api.get(url(finding_a)).status_code == 404
    assert api.post(url(finding_a, "transition/"), {"to": "rectifying", "version": 1}, format="json").status_code == 404
    assert api.get(url(finding_a, "history/")).status_code == 404
    assert [r["id"] for r in api.get(FINDINGS).json()["results"]] == [finding_b.pk]
    # not through a filter either
    assert api.get(FINDINGS, {"department": finding_a.department_id}).json()["results"] == []


def test_api_client_reads_its_scope_and_never_writes(finding_a, finding_b, api_a, department_a):
    api = client(api_a)
    assert [r["id"] for r in api.get(FINDINGS).json()["results"]] == [finding_a.pk]
    assert api.get(url(finding_a)).status_code == 200 and api.get(url(finding_a, "history/")).status_code == 200
    assert api.get(url(finding_b)).status_code == 404
    response = api.post(FINDINGS, {"category": "hotline", "title": "x", "department": department_a.pk}, format="json")
    assert response.status_code == 403
    assert api.post(url(finding_a, "transition/"), {"to": "rectifying", "version": 1}, format="json").status_code == 403
    assert Finding.objects.count() == 2 and not FindingTransition.objects.exists()


def test_anonymous_gets_401_and_no_put_patch_delete(finding_a, office):
    assert client().get(FINDINGS).status_code == 401
    api = client(office)
    assert api.put(url(finding_a), {}, format="json").status_code == 405
    assert api.patch(url(finding_a), {"title": "x"}, format="json").status_code == 405
    assert api.delete(url(finding_a)).status_code == 405


def test_unknown_finding_is_404(office, db):
    assert client(office).get(f"{FINDINGS}999999/").status_code == 404
    assert client(office).get(f"{FINDINGS}999999/history/").status_code == 404


# --- moves ------------------------------------------------------------------------------------------

PAIRS = list(itertools.product(FindingStatus.values, repeat=2))


@pytest.mark.parametrize("role", ["office", "liaison_a"])
@pytest.mark.parametrize("frm,to", PAIRS, ids=[f"{f}-{t}" for f, t in PAIRS])
def test_every_move_of_the_table_and_no_other(request, office, liaison_a, department_a, role, frm, to):
    finding = bring_to(file(office, department_a), frm, office=office, liaison=liaison_a)
    actor = request.getfixturevalue(role)
    rows = FindingTransition.objects.filter(finding=finding).count()
    response = client(actor).post(url(finding, "transition/"), {"to": to, "note": "核实情况", "version": finding.version},
                                  format="json")
    who = MOVES.get((frm, to))
    allowed = who == ("office" if role == "office" else "department") or (who == "appellant" and role == "liaison_a")
    expected = 400 if who is None else 200 if allowed else 403
    assert response.status_code == expected, response.json()
    after = FindingTransition.objects.filter(finding=finding)
    if expected == 200:
        body = response.json()
        assert (body["status"], body["version"]) == (to, finding.version + 1)
        assert after.count() == rows + 1
        last = after.last()
        assert (last.from_status, last.to_status, last.actor, last.note) == (frm, to, actor, "核实情况")
    else:
        assert "detail" in response.json()
        assert after.count() == rows and Finding.objects.get(pk=finding.pk).version == finding.version


def test_assigning_sets_the_deadline_and_closing_the_ledger(finding_a, office, liaison_a):
    api = client(office)
    due = timezone.localdate() + datetime.timedelta(days=20)
    body = api.post(url(finding_a, "transition/"), {"to": "rectifying", "version": 1, "due_date": due.isoformat()},
                    format="json").json()
    assert body["due_date"] == due.isoformat() and body["overdue"] is False
    finding = actions.finding_record_measures(finding=Finding.objects.get(pk=finding_a.pk), actor=liaison_a, measures="已培训")
    finding = actions.finding_transition(finding=finding, to=FindingStatus.SUBMITTED, actor=liaison_a)
    response = api.post(url(finding, "transition/"), {"to": "closed", "version": finding.version,
                                                      "ledger": {"materials_cut": 2, "days_cut": 5, "visits_cut": 1}},
                        format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["materials_cut"], body["days_cut"], body["visits_cut"]) == (2, 5, 1)
    assert body["closed_at"] is not None and body["status"] == "closed"


@pytest.mark.parametrize("payload,field", [
    ({"to": "rectifying"}, "version"),
    ({"to": "rectifying", "version": "two"}, "version"),
    ({"to": "fixed", "version": 1}, "to"),
    ({"version": 1}, "to"),
    ({"to": "rectifying", "version": 1, "note": "长" * 2001}, "note"),
    ({"to": "rectifying", "version": 1, "due_date": "2026-02-30"}, "due_date"),
    ({"to": "rectifying", "version": 1, "status": "closed"}, "status"),
    ({"to": "closed", "version": 1, "ledger": {"materials_cut": 100}}, "ledger"),
    ({"to": "closed", "version": 1, "ledger": {"visits_cut": -1}}, "ledger"),
    ({"to": "rectifying", "version": 1, "due_date": "2020-01-01"}, "detail"),  # the action: no deadline in the past
    ({"to": "dismissed", "version": 1}, "detail"),  # the action: dismissing needs a reason
])
def test_bad_move_is_a_400(finding_a, office, payload, field):
    response = client(office).post(url(finding_a, "transition/"), payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not FindingTransition.objects.exists()
    assert Finding.objects.get(pk=finding_a.pk).version == 1


def test_stale_version_is_409_and_writes_nothing(finding_a, office):
    api = client(office)
    assert api.post(url(finding_a, "transition/"), {"to": "rectifying", "version": 1}, format="json").status_code == 200
    response = api.post(url(finding_a, "transition/"), {"to": "dismissed", "note": "重复", "version": 1}, format="json")
    assert response.status_code == 409 and set(response.json()) == {"detail"}
    assert FindingTransition.objects.filter(finding=finding_a).count() == 1
    assert Finding.objects.get(pk=finding_a.pk).status == FindingStatus.RECTIFYING


def test_a_move_ignores_the_list_filters(finding_a, office):
    # ?status=closed filters the list; on one finding it must not turn into a 404
    assert client(office).get(url(finding_a), {"status": "closed"}).status_code == 200


# --- two clients at once, against the real database ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_clients_making_the_same_move_at_once_one_wins(office, department_a):
    finding = file(office, department_a)
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def move():
        api = client(office)  # each thread its own client and, through Django, its own connection
        try:
            barrier.wait(timeout=10)
            response = api.post(url(finding, "transition/"), {"to": "rectifying", "version": 1}, format="json")
            statuses.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 — reported below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=move) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(statuses) == [200, 409]
    assert FindingTransition.objects.filter(finding=finding).count() == 1
    finding.refresh_from_db()
    assert (finding.status, finding.version) == (FindingStatus.RECTIFYING, 2)


# --- sync: updated_since and the cursor ------------------------------------------------------------

def test_sync_sees_every_change_once_while_findings_change(office, liaison_a, department_a):
    made = [file(office, department_a, title=f"问题{i}") for i in range(7)]
    # Fixed times, so the order is certain; the first three share one to the microsecond (a bulk
    # update does that), the case where an offset-based cursor loses a row.
    base = timezone.now() - datetime.timedelta(days=1)
    times = [base, base, base] + [base + datetime.timedelta(seconds=s) for s in (1, 2, 3, 4)]
    for finding, at in zip(made, times):
        Finding.objects.filter(pk=finding.pk).update(updated_at=at)
    f = [Finding.objects.get(pk=m.pk) for m in made]
    since = (base - datetime.timedelta(seconds=1)).isoformat()
    api = client(office)

    def page(link):
        body = api.get(link).json()
        return [r["id"] for r in body["results"]], body["next"]

    seen, next_url = page(f"{FINDINGS}?{_query(updated_since=since, page_size=2)}")
    assert seen == [f[0].pk, f[1].pk]
    actions.finding_transition(finding=f[0], to=FindingStatus.RECTIFYING, actor=office)  # seen, then changed
    actions.comment_add(finding=f[4], actor=office, body="已电话督促")  # changed before it was seen
    ids, next_url = page(next_url)
    seen += ids
    assert ids == [f[2].pk, f[3].pk]  # the tied f[2] is not skipped though f[0] left the tie
    actions.finding_transition(finding=f[2], to=FindingStatus.DISMISSED, actor=office, note="重复问题")
    while next_url:
        ids, next_url = page(next_url)
        seen += ids
    assert seen == [f[0].pk, f[1].pk, f[2].pk, f[3].pk, f[5].pk, f[6].pk, f[0].pk, f[4].pk, f[2].pk]
    # the newest updated_at seen is where the next sync starts: nothing is left after it
    last = Finding.objects.get(pk=f[2].pk).updated_at.isoformat()
    assert api.get(FINDINGS, {"updated_since": last}).json() == {"next": None, "previous": None, "results": []}


def _query(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)  # "+08:00" must arrive as "+", not as a space


def test_previous_link_walks_back(office, department_a):
    made = [file(office, department_a, title=f"问题{i}") for i in range(5)]
    api = client(office)
    first = api.get(FINDINGS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]] == [made[0].pk, made[1].pk]


def test_bad_cursor_is_a_404_not_a_500(office, db):
    import base64

    for position in ["p=yesterday|3", "p=2026-03-02T09:30:00%2B08:00|x", "p=2026-03-02T09:30:00|3"]:
        cursor = base64.b64encode(position.encode()).decode()
        assert client(office).get(FINDINGS, {"cursor": cursor}).status_code == 404


# --- filters ----------------------------------------------------------------------------------------

@pytest.fixture
def several(office, liaison_a, department_a, department_b):
    open_a = file(office, department_a, category="hotline", severity="major")
    late_a = bring_to(file(office, department_a), FindingStatus.RECTIFYING, office=office, liaison=liaison_a)
    closed_a = bring_to(file(office, department_a), FindingStatus.CLOSED, office=office, liaison=liaison_a)
    open_b = file(office, department_b, severity="critical")
    past = timezone.localdate() - datetime.timedelta(days=3)
    # a deadline in the past: overdue while not struck off, not once closed
    Finding.objects.filter(pk__in=[late_a.pk, closed_a.pk]).update(due_date=past)
    return {"open_a": open_a, "late_a": late_a, "closed_a": closed_a, "open_b": open_b}


def _ids(api, **params):
    response = api.get(FINDINGS, params)
    assert response.status_code == 200, response.json()
    return {r["id"] for r in response.json()["results"]}


def test_filters(several, office, department_b):
    api, s = client(office), several
    assert _ids(api, status="rectifying") == {s["late_a"].pk}
    assert _ids(api, category="hotline") == {s["open_a"].pk}
    assert _ids(api, severity="critical") == {s["open_b"].pk}
    assert _ids(api, department=department_b.pk) == {s["open_b"].pk}
    assert _ids(api, overdue="true") == {s["late_a"].pk}
    assert _ids(api, overdue="false") == {s["open_a"].pk, s["closed_a"].pk, s["open_b"].pk}
    assert _ids(api, status="open", severity="major") == {s["open_a"].pk}
    rows = {r["id"]: r["overdue"] for r in api.get(FINDINGS).json()["results"]}
    assert rows == {s["late_a"].pk: True, s["open_a"].pk: False, s["closed_a"].pk: False, s["open_b"].pk: False}


def test_updated_since_takes_everything_changed_after_it(several, office):
    api = client(office)
    cut = timezone.now()
    actions.comment_add(finding=several["open_b"], actor=office, body="请尽快整改")
    assert _ids(api, updated_since=cut.isoformat()) == {several["open_b"].pk}
    as_shanghai = timezone.localtime(cut).isoformat()  # the same instant written with +08:00
    assert _ids(api, updated_since=as_shanghai) == {several["open_b"].pk}
    # an unencoded "+" arrives as a space; it still means the offset
    response = api.get(f"{FINDINGS}?updated_since={as_shanghai.replace('+', '%20')}")
    assert {r["id"] for r in response.json()["results"]} == {several["open_b"].pk}


@pytest.mark.parametrize("params,field", [
    ({"status": "done"}, "status"),
    ({"category": "rude"}, "category"),
    ({"severity": "fatal"}, "severity"),
    ({"department": "999999"}, "department"),
    ({"department": "A"}, "department"),
    ({"overdue": "maybe"}, "overdue"),
    ({"updated_since": "yesterday"}, "updated_since"),
    ({"updated_since": "2026-02-30T09:00:00+08:00"}, "updated_since"),
    ({"updated_since": "2026-03-02T09:00:00"}, "updated_since"),  # no offset: which 9 o'clock?
])
def test_bad_filter_is_a_400(several, office, params, field):
    response = client(office).get(FINDINGS, params)
    assert response.status_code == 400 and field in response.json(), response.json()


# --- queries ----------------------------------------------------------------------------------------

def test_list_query_count_is_fixed(office, department_a, item_a, api_a):
    Finding.objects.bulk_create(
        Finding(department=department_a, service_item=item_a, category="hotline", title=f"问题{i}", created_by=office,
                due_date=DAY)
        for i in range(510)
    )

    def statements(user, page_size, next_url=None, **filters):
        api = client(user)
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(next_url) if next_url else api.get(FINDINGS, {"page_size": page_size, **filters})
            assert response.status_code == 200 and len(response.json()["results"]) == page_size
        return [query["sql"] for query in ctx.captured_queries]

    def count(user, page_size, **filters):
        return len(statements(user, page_size, **filters))

    # the findings with "overdue" computed by the database, in one query: related objects render as ids
    assert count(office, 10) == count(office, 500) == 1
    # the same with filters (those that name no other object), and on a following page
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert count(office, 10, status="open", category="hotline", severity="minor", updated_since=since) == 1
    next_url = client(office).get(FINDINGS, {"page_size": 10}).json()["next"]
    assert "cursor=" in next_url and len(statements(office, 10, next_url=next_url)) == 1
    # with a token: the token (with its user) and the findings, once the first use has set last_used_at;
    # no write on the following requests
    count(api_a, 1)
    assert count(api_a, 10) == count(api_a, 500) == 2
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements(api_a, 10))


# --- schema -----------------------------------------------------------------------------------------

def test_schema_documents_the_finding_routes(office, db):
    schema = client(office).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths[FINDINGS]) == {"get", "post"}
    assert set(paths["/api/v1/findings/{id}/"]) == {"get"}
    assert set(paths["/api/v1/findings/{id}/transition/"]["post"]["responses"]) == {"200", "400", "403", "404", "409"}
    assert set(paths["/api/v1/findings/{id}/history/"]["get"]["responses"]) == {"200", "400", "404"}
    filters = {p["name"] for p in paths[FINDINGS]["get"]["parameters"]}
    assert filters == {"status", "category", "severity", "department", "overdue", "updated_since", "cursor", "page_size"}
    assert "updated_since" in paths[FINDINGS]["get"]["description"]  # how to sync, from the view's docstring
    assert schema["components"]["schemas"]["FindingTransitionRequest"]["required"] == ["to", "version"]


# --- operators: a superuser keeps the default role 'leader' and must still see everything ----------

def test_superuser_with_the_default_role_sees_every_finding(finding_a, finding_b):
    root = make_user("root", Role.LEADER, is_superuser=True, is_staff=True)  # what createsuperuser makes
    assert client(root).get(url(finding_a)).status_code == 200
    assert {r["id"] for r in client(root).get(FINDINGS).json()["results"]} == {finding_a.pk, finding_b.pk}
