"""The demo data command: targets met, constraints kept, idempotent, the planted certificate cycles, and a
living demo campaign written through the actions (every state, real histories, an exact tally, reports made)."""
import datetime
import io
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth import authenticate as _authenticate
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image, ImageStat

from accounts.models import User
from campaign.demo_data import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.categories import GROUP_OF
from findings.models import Comment, Finding, FindingEvidence, FindingTransition, Report
from findings.queries import findings_visible, overdue_q
from inspections.models import ChecklistAnswer, EventCorrection, Evidence, TimelineEvent, Walkthrough
from inspections.queries import leaders_without_walk, walkthrough_proposals, walkthroughs_visible
from services.models import Department, Material, Region, ServiceItem, ServiceItemRevision, Step
from tests.test_tally import recount, stored


def authenticate(**credentials):
    # django-axes needs the request (it locks by username and address)
    return _authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def _counts():
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "items": ServiceItem.objects.count(),
        "materials": Material.objects.count(),
        "steps": Step.objects.count(),
        "users": get_user_model().objects.count(),
        "revisions": ServiceItemRevision.objects.count(),
    }


def _cycles(edges: dict[int, set[int]]) -> list[tuple[int, ...]]:
    """Every simple cycle, each reported once from its smallest node (the graph is small)."""
    found = []

    def dfs(start, node, path, on_path):
        for nxt in edges.get(node, ()):
            if nxt == start:
                found.append(tuple(path))
            elif nxt > start and nxt not in on_path:
                on_path.add(nxt)
                path.append(nxt)
                dfs(start, nxt, path, on_path)
                path.pop()
                on_path.discard(nxt)

    for start in sorted(edges):
        dfs(start, start, [start], {start})
    return found


def test_load_demo_data_is_complete_consistent_and_idempotent(db):
    """Load twice (and once more with --reset-passwords): targets, rules, no changes on re-run."""
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "部门 24 个" in out.getvalue()
    first = _counts()
    first_updated = dict(ServiceItem.objects.values_list("pk", "updated_at"))
    User = get_user_model()
    liaison = User.objects.get(username="liaison_amr")
    liaison.set_password("another-Secret-42")  # changed by its owner after the first run
    liaison.save()

    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert _counts() == first  # nothing added, in particular no new revisions
    assert dict(ServiceItem.objects.values_list("pk", "updated_at")) == first_updated  # nothing rewritten
    assert "新增事项修订 0 条" in out.getvalue()
    assert authenticate(username="liaison_amr", password="another-Secret-42") is not None  # password kept

    call_command("load_demo_data", "--reset-passwords", stdout=StringIO())
    assert authenticate(username="liaison_amr", password=DEMO_PASSWORD) is not None
    assert _counts() == first

    # Targets
    assert first["regions"] == 8
    assert first["departments"] >= 12
    assert set(Department.objects.values_list("level", flat=True)) == {"city", "county", "stationed", "utility"}
    assert first["items"] >= 60
    assert ServiceItem.objects.filter(high_frequency=True, enterprise_related=True).count() >= 30
    assert first["revisions"] == first["items"]  # exactly one revision per item
    assert not ServiceItem.objects.filter(materials__isnull=True).exists()
    assert not ServiceItem.objects.filter(steps__isnull=True).exists()
    certificates = Material.objects.filter(source="government", issuing_item__isnull=False)
    assert certificates.count() >= 5

    # Catalog rules
    for item in ServiceItem.objects.prefetch_related("materials", "steps"):
        materials, steps = list(item.materials.all()), list(item.steps.all())
        assert item.promised_limit_days <= item.legal_limit_days, item
        assert item.online_depth != 4 or item.max_visits == 0, item
        assert (item.case_type == "on_the_spot") == (item.promised_limit_days == 0), item
        assert 2 <= len(materials) <= 6, item
        assert [m.position for m in materials] == list(range(1, len(materials) + 1))
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        assert sum(s.time_limit_days or 0 for s in steps) <= item.legal_limit_days, item
        assert len(item.code) <= 64 and len(item.catalog_code) <= 12

    # Certificate graph: item -> items whose certificates it demands
    edges: dict[int, set[int]] = {}
    for item_id, issuer_id in certificates.values_list("item_id", "issuing_item_id"):
        edges.setdefault(item_id, set()).add(issuer_id)
    cycles = _cycles(edges)
    lengths = [len(cycle) for cycle in cycles]
    assert any(n >= 3 for n in lengths), lengths
    assert 2 in lengths, lengths
    # A cycle of three or more that crosses departments
    cross = [
        c for c in cycles
        if len(c) >= 3 and len(set(ServiceItem.objects.filter(pk__in=c).values_list("department", flat=True))) >= 2
    ]
    assert cross

    # Duplicate certificate: the 营业执照 of 企业设立登记 is demanded by several items
    licence_issuer = ServiceItem.objects.get(name="企业设立登记", department__code="city-amr")
    assert certificates.filter(issuing_item=licence_issuer).values("item").distinct().count() >= 4
    # A department demanding a certificate it issues itself
    assert certificates.filter(item__department=licence_issuer.department, issuing_item=licence_issuer).exists()

    # Accounts
    assert {row[0] for row in DEMO_ACCOUNTS} <= set(User.objects.values_list("username", flat=True))
    leader = authenticate(username="leader_amr", password=DEMO_PASSWORD)
    assert leader is not None and leader.role == "leader" and leader.department.code == "city-amr"
    office = User.objects.get(username="office")
    assert office.role == "office" and office.department is None and office.is_staff and not office.is_superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


# --- the demo campaign ---------------------------------------------------------------------------------

def _every_table() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _history_is_a_chain(finding) -> bool:
    """The moves of a finding, in order, lead from open to where it is, each from where the last left it."""
    at = "open"
    for move in finding.transitions.all():
        if move.from_status != at:
            return False
        at = move.to_status
    return at == finding.status


def test_the_demo_campaign_is_alive_real_and_loaded_once(db):
    """bin/run's first page has three months of campaign behind it: every mode and status of a
    walkthrough, findings in every state with their histories, overdue ones, departments that have not
    walked, public requests, and the four reports made — all of it through the product's actions, so
    the tally is a recount's; a second run changes no table."""
    _load_and_check()


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["2026-03-02T08:05", "2026-03-07T15:00"], ids=["monday-before-office-hours", "saturday"])
def test_the_demo_campaign_holds_whatever_day_it_is_loaded(db, moment):
    """The campaign is laid out from today: loaded on a Monday before the office opens, or on a
    weekend, it is just as complete, and nothing in it lies after that moment."""
    fake = timezone.make_aware(datetime.datetime.fromisoformat(moment))
    with mock.patch.object(timezone, "now", lambda: fake):
        _load_and_check()


def _load_and_check() -> None:
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "演示活动：" in out.getvalue() and "报告 4 份" in out.getvalue()
    now, today = timezone.now(), timezone.localdate()

    # Walkthroughs: all four modes, every status, over about three months, planned ones ahead.
    walks = Walkthrough.objects.all()
    assert {(w.mode, w.status) for w in walks if w.status == "completed"} == {
        (m, "completed") for m in ("simulate", "accompany", "sit_at_window", "inspect")}
    assert set(walks.values_list("mode", flat=True)) == {"simulate", "accompany", "sit_at_window", "inspect"}
    assert set(walks.values_list("status", flat=True)) == {"planned", "in_progress", "completed", "cancelled"}
    first = min(walks.values_list("scheduled_for", flat=True))
    assert datetime.timedelta(days=75) <= today - first <= datetime.timedelta(days=95)
    ahead = walks.filter(status="planned", scheduled_for__gte=today)
    assert ahead.filter(scheduled_for__lte=today + datetime.timedelta(days=14)).count() >= 4
    for walk in walks.filter(status="cancelled"):
        assert walk.transitions.get(to_status="cancelled").note  # with its reason
    assert walks.filter(status="completed", rewalk_of__isnull=False).exists()  # a 回头看
    assert walks.filter(bundle__isnull=False).exists()
    # Most departments walked; some did not at all, and their heads are on the office's chase list.
    walked = set(walks.values_list("department__code", flat=True))
    assert len(walked) >= 18
    idle = set(Department.objects.values_list("code", flat=True)) - walked
    assert idle
    recently = set(walks.filter(scheduled_for__gte=today - datetime.timedelta(days=30)).values_list("department__code", flat=True))
    assert len(set(Department.objects.values_list("code", flat=True)) - recently) >= len(idle) + 1
    chased = leaders_without_walk(month_start=today.replace(day=1), month_end=today)
    assert {u.department.code for u in chased} >= idle
    # What the heads logged: taps (some sent later from the phone, a few corrected), answers with notes,
    # figures over the catalog's (so proposals appear), photos with something in them, signatures.
    events = TimelineEvent.objects.all()
    assert events.count() >= 200
    assert sum(e.received_late for e in events) >= 5 and events.filter(device_at__isnull=False).exists()
    assert EventCorrection.objects.filter(withdrawn=False).exists()
    assert ChecklistAnswer.objects.filter(answer="problem").exclude(note="").count() >= 20
    assert set(ChecklistAnswer.objects.values_list("answer", flat=True)) == {"ok", "problem", "na"}
    assert any(walkthrough_proposals(w) for w in walks.filter(status="completed"))
    assert Finding.objects.exclude(proposal_key="").exists()
    assert walks.exclude(signature="").count() >= 10
    photos = list(Evidence.objects.all()[:5]) + list(FindingEvidence.objects.all()[:5])
    assert Evidence.objects.filter(event__isnull=False).exists() and Evidence.objects.filter(answer__isnull=False).exists()
    for photo in photos:
        with photo.file.open("rb") as fh, Image.open(io.BytesIO(fh.read())) as image:
            assert image.format == "JPEG" and photo.content_type == "image/jpeg"
            assert max(ImageStat.Stat(image.convert("L")).stddev) > 20  # drawn on, not blank

    # Findings: every state, each history a chain of real moves, the measures, the ledger, overdue ones.
    findings = Finding.objects.prefetch_related("transitions")
    assert set(findings.values_list("status", flat=True)) == {"open", "rectifying", "submitted", "closed", "dismissed",
                                                              "appealed"}
    # 申诉复核: an appeal waiting, one turned down and one accepted, each with its reasons
    appeals = FindingTransition.objects.filter(finding__in=findings).filter(Q(to_status="appealed") | Q(from_status="appealed"))
    assert {(t.from_status, t.to_status) for t in appeals} == {("rectifying", "appealed"), ("appealed", "rectifying"),
                                                              ("appealed", "dismissed")}
    assert all(t.note for t in appeals)
    assert all(_history_is_a_chain(f) for f in findings)
    for finding in findings.exclude(status__in=["open", "dismissed"]):
        assert finding.due_date and finding.assigned_at
    assert not findings.filter(status__in=["submitted", "closed"], measures="").exists()
    closed = findings.filter(status="closed")
    for field in ("materials_cut", "days_cut", "visits_cut"):
        assert closed.filter(**{f"{field}__gt": 0}).exists(), field
    resubmitted = [f for f in findings.filter(status="submitted")
                   if [(m.from_status, m.to_status) for m in f.transitions.all()][-2:] == [("submitted", "rectifying"),
                                                                                            ("rectifying", "submitted")]]
    assert resubmitted  # rejected, then submitted again
    assert findings.filter(status="dismissed").exclude(transitions__note="").exists()
    overdue = findings.filter(overdue_q())
    assert overdue.count() >= 3 and overdue.filter(status="rectifying").exists()
    assert len({GROUP_OF[c] for c in findings.values_list("category", flat=True)}) == 7  # every group of the taxonomy
    assert len(set(findings.values_list("category", flat=True))) >= 20
    assert Comment.objects.count() >= 30 and FindingEvidence.objects.count() >= 20
    assert findings.filter(walkthrough__isnull=True).exists()  # filed by the office directly
    # Three months, in the past, in order.
    assert today - timezone.localtime(min(findings.values_list("created_at", flat=True))).date() >= datetime.timedelta(days=60)
    for finding in findings:
        times = [finding.created_at, *(m.at for m in finding.transitions.all())]
        assert times == sorted(times) and times[-1] <= now, finding
    assert not Walkthrough.objects.filter(started_at__gt=now).exists()
    assert not TimelineEvent.objects.filter(at__gt=now).exists()
    # The department wall holds: a head sees their department's and what they walked elsewhere.
    leader = User.objects.get(username="leader_amr")
    assert set(findings_visible(leader).values_list("department__code", flat=True)) - {"city-amr"} <= {"city-data"}
    assert walkthroughs_visible(leader).exclude(department=leader.department).exists()  # the bundle he was assigned
    assert set(findings_visible(leader).exclude(department=leader.department).values_list("created_by", flat=True)) <= {leader.pk}

    # 局长陪您办 in every status; the four reports made.
    PublicRequest = apps.get_model("public", "PublicRequest")
    assert set(PublicRequest.objects.values_list("status", flat=True)) == {"received", "arranged", "forwarded", "closed"}
    assert PublicRequest.objects.filter(status="arranged", walkthrough__isnull=False).exists()
    assert PublicRequest.objects.filter(status="forwarded", finding__isnull=False).exists()
    reports = Report.objects.all()
    assert sorted(reports.values_list("kind", flat=True)) == ["bulletin", "department", "ledger", "walkthrough"]
    assert set(reports.values_list("status", flat=True)) == {"done"}
    for report in reports:
        assert report.pdf.storage.exists(report.pdf.name)
    assert reports.get(kind="ledger").xlsx

    # The tally is what a recount gives: every row went through the triggers.
    assert stored() == recount()

    # A second run changes nothing, in any table.
    before = _every_table()
    versions = dict(Finding.objects.values_list("pk", "version")), dict(Walkthrough.objects.values_list("pk", "updated_at"))
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "不再生成" in out.getvalue()
    assert _every_table() == before
    assert (dict(Finding.objects.values_list("pk", "version")), dict(Walkthrough.objects.values_list("pk", "updated_at"))) == versions


@pytest.mark.django_db
def test_the_demo_campaign_is_planned_the_same_every_time():
    """Deterministic: the same day gives the same campaign (seeded), so a run is reproducible."""
    from campaign.demo_campaign import Plan

    now = timezone.make_aware(datetime.datetime(2026, 3, 18, 15, 0))

    def plan():
        p = Plan(today=timezone.localdate(now), now=now)
        return ([(w.dept, w.item, w.mode, w.outcome, w.scheduled_for, w.start_at) for w in p.walks],
                [(f.dept, f.category, f.title, f.fate, [(m, k) for m, k, _ in f.steps]) for f in p.findings])

    first = plan()
    assert first == plan()
    walks, findings = first
    assert len(walks) >= 70 and len(findings) >= 80
    # each finding's moves follow one another, and the walkthroughs ahead are the only things after now
    for _dept, _category, _title, _fate, steps in findings:
        assert [m for m, _kind in steps] == sorted(m for m, _kind in steps)
    assert {outcome for *_rest, outcome, day, _start in walks if day > timezone.localdate(now)} == {"planned"}
