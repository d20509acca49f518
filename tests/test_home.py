"""The home page as each role's to-do list: its lines, counts equal to the rows behind their links,
a fixed number of queries, the head's start button, the liaison's deadlines."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import Role
from chizhou_walkthrough.todo import deadline_state, working_days_after
from findings import actions as finding_actions
from findings.models import Finding
from inspections import actions as walk_actions
from inspections.models import Walkthrough
from public.models import PublicRequest
from tests.conftest import make_item, make_user

OFFICE_LINES = ["to-assign", "to-verify", "to-decide", "overdue", "walks-week", "not-walked", "public-waiting"]
LEADER_LINES = ["walks-in-progress", "walks-planned", "walks-month", "walks-month-done",
                "findings-open", "findings-rectifying", "findings-submitted", "findings-overdue"]
LIAISON_LINES = ["rectifying", "overdue", "submitted", "appealed"]


def _walk(leader, item, date, to=()):
    walk = walk_actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode="simulate",
                                         identity="applicant", channel="window", scheduled_for=date)
    for status in to:
        walk = walk_actions.walkthrough_transition(walkthrough=walk, to=status, actor=leader,
                                                   note="改期" if status == "cancelled" else "")
    return walk


def _finding(office, department, item, title, *, to=(), due=None):
    finding = finding_actions.finding_file(actor=office, department=department, service_item=item, category="excess_materials",
                                           title=title)
    liaison = department.users.filter(role=Role.LIAISON).first()
    for status in to:
        actor = liaison if status in ("submitted", "appealed") else office
        if status == "submitted":
            finding = finding_actions.finding_record_measures(finding=finding, actor=liaison, measures="已整改")
        finding = finding_actions.finding_transition(finding=finding, to=status, actor=actor,
                                                     note="材料不全" if (finding.status, status) == ("submitted", "rectifying")
                                                     or status == "appealed" else "",
                                                     due_date=due if status == "rectifying" else None)
    return finding


def seed(n, *, office, leader_a, leader_b, liaison_a, department_a, department_b):
    """``n`` of everything each home page counts, in both departments, inside and outside this week
    and month (``today`` is always in both)."""
    today = timezone.localdate()
    far = today + datetime.timedelta(days=40)
    past = today - datetime.timedelta(days=40)
    item_a = make_item(department_a, f"H-A-{n}-{Walkthrough.objects.count()}")
    item_b = make_item(department_b, f"H-B-{n}-{Walkthrough.objects.count()}")
    for i in range(n):
        for leader, item in ((leader_a, item_a), (leader_b, item_b)):
            _walk(leader, item, today)
            _walk(leader, item, far)
            _walk(leader, item, past)
            _walk(leader, item, today, to=["in_progress"])
            _walk(leader, item, today, to=["cancelled"])
        walked = _walk(leader_a, item_a, today, to=["in_progress", "completed"])  # leader_a walked this month, leader_b not
        first = Finding.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for department, item in ((department_a, item_a), (department_b, item_b)):
            soon = today + datetime.timedelta(days=10 + i)
            _finding(office, department, item, f"待交办{i}")
            _finding(office, department, item, f"整改中{i}", to=["rectifying"], due=soon)
            late = _finding(office, department, item, f"已逾期{i}", to=["rectifying"], due=soon)
            Finding.objects.filter(pk=late.pk).update(due_date=today - datetime.timedelta(days=2 + i))
            _finding(office, department, item, f"待核实{i}", to=["rectifying", "submitted"], due=soon)
            _finding(office, department, item, f"被退回{i}", to=["rectifying", "submitted", "rectifying"], due=soon + datetime.timedelta(days=5))
            _finding(office, department, item, f"已销号{i}", to=["rectifying", "submitted", "closed"], due=soon)
            _finding(office, department, item, f"申诉中{i}", to=["rectifying", "appealed"], due=soon)
        # department A's findings came from leader_a's walk: they are the head's own
        Finding.objects.filter(pk__gt=first, department=department_a).update(walkthrough=walked)
        PublicRequest.objects.create(kind="lead", code=f"W{n}{i:08d}", name="某企业", phone="13800000000", description="等待")
        PublicRequest.objects.create(kind="lead", code=f"C{n}{i:08d}", name="某企业", phone="13800000000", description="已办",
                                     status="closed", reply="已处理")


@pytest.fixture
def people(office, leader_a, leader_b, liaison_a, department_a, department_b):
    make_user("liaison_b", Role.LIAISON, department_b)
    make_user("leader_idle", Role.LEADER, department_b)  # walks nothing: on the office's chase list
    return dict(office=office, leader_a=leader_a, leader_b=leader_b, liaison_a=liaison_a,
                department_a=department_a, department_b=department_b)


def lines_of(response) -> dict:
    return {line.key: line for group in response.context["groups"] for line in group.lines}


def rows_behind(client, url) -> int:
    """How many rows the list a line links to shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    name = resolve(url.split("?")[0]).url_name
    if name == "finding-list":
        assert not response.context["form"].errors, (url, response.context["form"].errors)
        return response.context["page"].paginator.count
    if name == "walkthrough-list":
        assert not response.context["form"].errors, (url, response.context["form"].errors)  # no filter silently dropped
        return response.context["total"]
    if name == "walkthrough-calendar":
        return len(response.context["not_walked"])
    if name == "public-request-list":
        return len(response.context["rows"])
    raise AssertionError(f"no count known for {url}")


def test_anonymous_goes_to_login_and_an_api_client_is_refused(client, api_a):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(api_a)
    assert client.get("/").status_code == 403


@pytest.mark.parametrize("role,keys", [("office", OFFICE_LINES), ("leader_a", LEADER_LINES), ("liaison_a", LIAISON_LINES)])
def test_each_role_sees_its_lines_and_every_count_is_the_rows_behind_its_link(client, people, role, keys):
    seed(2, **people)
    client.force_login(people[role])
    response = client.get("/")
    html = response.content.decode()
    lines = lines_of(response)
    assert list(lines) == keys
    for key, line in lines.items():
        assert f'id="todo-{key}"' in html and f'href="{line.url.replace("&", "&amp;")}"' in html
        assert line.count == rows_behind(client, line.url), f"{role} {key}: {line.count} on the home page, rows behind {line.url}"
        assert line.count > 0, f"{role} {key}: the seed should give every line something to count"


def test_the_counts_are_the_expected_ones(client, people):
    seed(2, **people)
    client.force_login(people["office"])
    office = {k: line.count for k, line in lines_of(client.get("/")).items()}
    # two departments × two of each: open 4, submitted 4, overdue 4; walks today in both departments
    # (planned, in progress, completed for A; cancelled ones not counted); leader_b and leader_idle unwalked
    assert office == {"to-assign": 4, "to-verify": 4, "to-decide": 4, "overdue": 4, "walks-week": 2 * 2 + 2 * 2 + 2,
                      "not-walked": 2, "public-waiting": 2}
    client.force_login(people["leader_a"])
    leader = {k: line.count for k, line in lines_of(client.get("/")).items()}
    assert leader["walks-in-progress"] == 2 and leader["walks-planned"] == 6 and leader["walks-month-done"] == 2
    assert leader["findings-open"] == 2 and leader["findings-rectifying"] == 6 and leader["findings-overdue"] == 2
    client.force_login(people["liaison_a"])
    liaison = {k: line.count for k, line in lines_of(client.get("/")).items()}
    assert liaison == {"rectifying": 6, "overdue": 2, "submitted": 2, "appealed": 2}


def test_lines_with_nothing_show_zero_quietly(client, people):
    client.force_login(people["office"])
    response = client.get("/")
    assert {k: line.count for k, line in lines_of(response).items() if k != "not-walked"} == dict.fromkeys(
        [k for k in OFFICE_LINES if k != "not-walked"], 0)
    assert 'class="todo-line none" id="todo-to-assign"' in response.content.decode()


@pytest.mark.parametrize("role", ["office", "leader_a", "liaison_a"])
def test_the_home_page_runs_a_fixed_number_of_queries(client, people, role):
    client.force_login(people[role])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    seed(1, **people)
    small = count()
    seed(4, **people)
    assert count() == small


def test_the_head_starts_the_next_walk_from_home(client, people):
    leader = people["leader_a"]
    today = timezone.localdate()
    item = make_item(people["department_a"], "H-START")
    later = _walk(leader, item, today + datetime.timedelta(days=3))
    nearest = _walk(leader, item, today)
    client.force_login(leader)
    html = client.get("/").content.decode()
    assert reverse("walkthrough-plan") in html
    start = reverse("walkthrough-transition", args=[nearest.pk, "in_progress"])
    assert f'action="{start}"' in html and 'name="from" value="planned"' in html
    response = client.post(start, {"from": "planned"})
    assert response.status_code == 302 and response["Location"] == reverse("walkthrough-detail", args=[nearest.pk])
    assert Walkthrough.objects.get(pk=nearest.pk).status == "in_progress"
    # now the one under way comes first, to continue; the later one waits
    html = client.get("/").content.decode()
    assert "继续走流程" in html and reverse("walkthrough-detail", args=[nearest.pk]) in html
    assert reverse("walkthrough-transition", args=[later.pk, "in_progress"]) not in html


def test_a_head_with_nothing_planned_is_asked_to_plan(client, people):
    client.force_login(people["leader_a"])
    response = client.get("/")
    assert response.context["next_walk"] is None
    assert "还没有计划" in response.content.decode() or "没有计划" in response.content.decode()
    assert reverse("walkthrough-plan") in response.content.decode()


def test_a_head_sees_neither_another_departments_findings_nor_its_walks(client, people):
    seed(1, **people)
    client.force_login(people["leader_b"])
    lines = lines_of(client.get("/"))
    # only the findings from their own walks: none of department A's (from leader_a's walk), none of B's filed by the office
    assert lines["findings-open"].count == 0 and lines["walks-planned"].count == 3


def test_the_liaison_sees_sent_back_first_then_by_deadline_in_working_days(client, people):
    office, department = people["office"], people["department_a"]
    today = timezone.localdate()
    item = make_item(department, "H-L")
    far = _finding(office, department, item, "远期", to=["rectifying"], due=today + datetime.timedelta(days=30))
    near = _finding(office, department, item, "近期", to=["rectifying"], due=today + datetime.timedelta(days=7))
    late = _finding(office, department, item, "逾期", to=["rectifying"], due=today + datetime.timedelta(days=7))
    Finding.objects.filter(pk=late.pk).update(due_date=today - datetime.timedelta(days=7))
    back = _finding(office, department, item, "退回", to=["rectifying", "submitted", "rectifying"],
                    due=today + datetime.timedelta(days=60))
    _finding(office, people["department_b"], make_item(people["department_b"], "H-LB"), "别的部门", to=["rectifying"],
             due=today + datetime.timedelta(days=1))
    client.force_login(people["liaison_a"])
    response = client.get("/")
    rows = response.context["rows"]
    assert [f.pk for f in rows] == [back.pk, late.pk, near.pk, far.pk]
    assert rows[0].sent_back and rows[0].last_note == "材料不全" and not rows[1].sent_back
    assert rows[1].deadline == {"kind": "late", "days": 5} and rows[2].deadline == {"kind": "left", "days": 5}
    html = response.content.decode()
    assert "被退回" in html and "材料不全" in html and "已逾期 5 个工作日" in html and "还剩 5 个工作日" in html
    assert "工作日" in html and "别的部门" not in html


@pytest.mark.django_db  # the working days come from the holiday calendar (core/workdays.py)
def test_working_days():
    friday = datetime.date(2026, 11, 27)
    monday = datetime.date(2026, 11, 30)
    assert working_days_after(friday, monday) == 1
    assert working_days_after(friday, friday + datetime.timedelta(days=1)) == 0  # Saturday
    assert working_days_after(monday, monday + datetime.timedelta(days=14)) == 10
    assert working_days_after(monday, friday) == 0
    assert deadline_state(friday, friday) == {"kind": "today", "days": 0}
    assert deadline_state(monday, friday) == {"kind": "left", "days": 1}
    assert deadline_state(friday, monday) == {"kind": "late", "days": 1}
    assert deadline_state(None, friday) == {"kind": "none", "days": 0}


def test_home_in_english_too(client, people):
    client.force_login(people["office"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Findings to assign" in html and "Public requests waiting" in html


def test_the_office_sees_the_names_of_heads_who_have_not_walked(client, people):
    seed(1, **people)
    client.force_login(people["office"])
    html = client.get("/").content.decode()
    names = re.search(r'id="not-walked-names">(.*?)</p>', html, re.S).group(1)
    assert "leader_idle" in names and str(people["leader_b"]) in names and str(people["leader_a"]) not in names
