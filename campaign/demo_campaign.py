"""The demo campaign: about three months of 局长走流程 in Chizhou, written through the product's actions.

``load_demo_data`` calls :func:`load` after the catalog and the accounts. Everything is written by
the functions the pages and the API call — ``inspections.actions`` (plan, start, taps with and
without the phone's own time, corrections, figures, checklist answers, photos, complete with a
signature, cancel), ``findings.actions`` (file, assign, measures, submit, reject, close with the
ledger, dismiss, comments, photos), the certificate graph's filing, the office's handling of the
public page's requests, and ``findings.reports.actions`` — so histories, versions, the tally kept by
the database triggers and the department walls are what production would hold.

**Time.** The actions stamp "now" and check against it (a deadline may not lie in the past, a tap
must lie between the start of the walk and now). Rather than rewriting timestamps afterwards, the
campaign is played forward on a clock: every step is an act at a moment of the last ~90 days, the
acts run in time order, and while one runs ``django.utils.timezone.now`` returns that moment. So
every row is written once, by its action, with the time it would have had, and the checks run
against that time; the tally's triggers count each row as it is written, so it is exact without a
recount (``tests/test_demo_data.py`` compares it with one). Nothing is ever set to a time after the
real now: an act that would fall later is not played, which is how recent findings stay open.

**Once.** The campaign is written only into a database that has no walkthroughs and no findings yet
(all in one transaction), so a second run recognises it and adds nothing; nor is a demo campaign
ever mixed into a campaign people have begun. Deterministic: one seed for what is planned, and one
random stream per finding and per walk for how it goes.
"""
from __future__ import annotations

import datetime
import heapq
import itertools
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from core.categories import Category
from findings import actions as finding_actions
from findings.actions import DEFAULT_WORKING_DAYS
from findings.certificates import certificate_problem_file
from findings.models import Finding, FindingStatus, Report, ReportKind
from findings.reports import actions as report_actions
from findings.workdays import add_working_days
from inspections import actions as walk_actions
from inspections.checklists import founding_questions, questions_for
from inspections.models import Walkthrough
from inspections.queries import walkthrough_proposals
from services import certificates
from services.models import Bundle, Department, ServiceItem

from . import demo_data, demo_images
from . import demo_story as story

SEED = 2026
DAYS = 90  # how far back the campaign begins

# Walkthroughs already made, per department (the demo logins' departments the most). Four
# departments have not walked at all this period, two not in the last month: the office chases them.
WALKS = {
    "city-amr": 8, "city-housing": 7, "dongzhi-amr": 4, "city-nrp": 4, "city-eco": 3, "city-hrss": 3,
    "city-health": 3, "city-transport": 3, "city-police": 3, "city-culture": 2, "city-urban": 3, "city-hpf": 3,
    "city-data": 2, "tax": 3, "fire": 2, "power": 2, "water": 2, "guichi-amr": 3,
    "city-medsec": 2, "qingyang-housing": 2,  # not in the last month
}
IDLE = ("city-finance", "tobacco", "gas", "shitai-hrss")
# The demo logins' departments walked a few days ago and found something: their people have work to do.
RECENT = {"city-amr": 2, "city-housing": 3}
STALE = ("city-medsec", "qingyang-housing")

# Walkthroughs that are not simply done: (department, item key, mode, working days from today).
UPCOMING = [  # planned, this week and next
    ("city-amr", "amr_drug_retail", "inspect", 1), ("city-housing", "housing_presale", "simulate", 2),
    ("city-eco", "eco_discharge", "sit_at_window", 3), ("city-nrp", "nrp_realestate", "accompany", 5),
    ("city-transport", "transport_taxi", "simulate", 6), ("city-health", "health_public_place", "inspect", 8),
    ("fire", "fire_check", "accompany", 9),
]
IN_PROGRESS = [("city-amr", "amr_food", "accompany"), ("city-hrss", "hrss_unemployment", "sit_at_window")]
MISSED = [("city-culture", "culture_entertainment", "simulate", -2)]  # planned, its day passed, not walked
CANCELLED = [  # (department, item, mode, working days from today, walked before it was called off)
    ("city-housing", "housing_fire_acceptance", "inspect", -31, False),
    ("city-urban", "urban_waste", "simulate", -12, False),
    ("city-police", "police_residence", "sit_at_window", -20, True),
]
# The office assigns a head to another department's bundle (一件事): (head, bundle, mode, channel, working days ago).
BUNDLE_WALKS = [("leader_amr", "企业开办", "simulate", "both", 14), ("leader_housing", "水电气网联合报装", "accompany", "window", 38)]

# Rectification of the two departments of the certificate cycle the office files from the graph.
CERTIFICATE_FATES = {
    "city-hpf": ("closed", "与不动产登记中心实现数据共享，贷款审批改为内部核验抵押登记信息，不再要求申请人先行提供。",
                 {"materials_cut": 1, "visits_cut": 1}),
    "city-nrp": ("rectifying", "正与公积金中心会商，拟改为并联办理、内部核验。", {}),
}
# And a department demanding a certificate it issues itself (医师执业注册 wants 卫健委's own licence).
SELF_ISSUED = ("city-health", "closed", "医疗机构执业许可证改为系统内部核验，申请人不再提交。", {"materials_cut": 1})

SEVERITIES = [("minor", 60), ("major", 32), ("critical", 8)]
IN_TIME = ("rectifying", "rectifying_bare", "submitted", "rejected_submitted")  # fates not overdue today
MODES = [("simulate", 34), ("accompany", 20), ("sit_at_window", 18), ("inspect", 28)]
PROBLEMS = [(0, 34), (1, 40), (2, 21), (3, 5)]  # how many checklist problems a walk finds


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights=weights)[0]


def _local(day: datetime.date, minutes: int) -> datetime.datetime:
    """``minutes`` after midnight of ``day``, in Chizhou."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minutes))


def _working_day(day: datetime.date, step: int = 1) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=step)
    return day


def _back(today: datetime.date, n: int) -> datetime.date:
    """``n`` working days before ``today`` (after it for negative ``n``)."""
    day = today
    for _ in range(abs(n)):
        day += datetime.timedelta(days=-1 if n > 0 else 1)
        day = _working_day(day, -1 if n > 0 else 1)
    return day


def _office_hours(rng: random.Random, day: datetime.date) -> datetime.datetime:
    return _local(day, rng.choice([rng.randint(8 * 60 + 40, 11 * 60 + 30), rng.randint(14 * 60 + 30, 17 * 60 + 10)]))


# --- the plan ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class FindingPlan:
    n: int
    dept: str
    category: str
    severity: str
    title: str
    description: str
    measures: str
    ledger: dict
    filer: str
    filed_at: datetime.datetime | None = None
    item: str | None = None
    question: str = ""
    proposal: str = ""  # a proposal key: filed from the walkthrough's proposals
    photo: bool = False
    walk: WalkPlan | None = None
    fate: str = ""
    steps: list = field(default_factory=list)  # [(moment, kind, params)]
    pk: int | None = None


@dataclass(eq=False)
class WalkPlan:
    n: int
    dept: str
    item: str
    leader: str
    planner: str
    mode: str
    identity: str
    channel: str
    scheduled_for: datetime.date
    planned_at: datetime.datetime
    outcome: str  # completed | in_progress | planned | cancelled
    start_at: datetime.datetime | None = None
    cancel_at: datetime.datetime | None = None
    cancel_started: bool = False
    bundle: str | None = None
    problems: list = field(default_factory=list)  # question codes answered "problem"
    exceed: str | None = None  # the observed figure that exceeds the catalog
    proposal_decision: str = "file"  # file | discard | leave
    free: tuple | None = None  # a finding from story.FREE_FINDINGS
    findings: list = field(default_factory=list)
    rewalk_of: FindingPlan | None = None
    public: dict | None = None  # arranged from a public request
    pk: int | None = None


class Plan:
    """Everything that will happen, decided before anything is written."""

    def __init__(self, *, today: datetime.date, now: datetime.datetime):
        self.rng = random.Random(SEED)
        self.today, self.now = today, now
        self.items = {row["key"]: row for row in demo_data.ITEMS}
        self.heads = {u["department"]: u["username"] for u in demo_data.DEMO_USERS + demo_data.CAMPAIGN_USERS
                      if u["role"] == "leader"}
        self.liaisons = {u["department"]: u["username"] for u in demo_data.DEMO_USERS + demo_data.CAMPAIGN_USERS
                         if u["role"] == "liaison"}
        self.walks: list[WalkPlan] = []
        self.findings: list[FindingPlan] = []
        self.office_findings: list[FindingPlan] = []
        self.certificate_findings: dict[str, FindingPlan] = {}
        self.certificate_at: datetime.datetime | None = None
        self.public: list[dict] = []
        self._plan_walks()
        self._plan_public()
        self._plan_office()
        self._plan_fates()

    # -- walkthroughs

    def _items_of(self, dept: str) -> list[str]:
        keys = [k for k, row in self.items.items() if row["department"] == dept]
        return sorted(keys, key=lambda k: not self.items[k]["high_frequency"])

    def _walk(self, *, dept, item, mode, day, outcome, leader=None, planner=None, channel=None, bundle=None,
              rng=None) -> WalkPlan:
        rng = rng or self.rng
        row = self.items[item]
        leader = leader or self.heads[dept]
        identity = {"simulate": rng.choice(["applicant", "applicant", "incognito"]), "accompany": "applicant",
                    "sit_at_window": "staff", "inspect": rng.choice(["incognito", "incognito", "applicant"])}[mode]
        if channel is None:
            channel = "window"
            if mode == "simulate" and row["online_depth"] >= 3:
                channel = rng.choice(["window", "online", "both"])
            elif mode == "accompany" and row["online_depth"] >= 3 and rng.random() < 0.3:
                channel = "both"
        planned_day = _back(day, rng.randint(3, 9))
        planned_at = min(_office_hours(rng, planned_day), self.now - datetime.timedelta(hours=2))
        walk = WalkPlan(n=len(self.walks), dept=dept, item=item, leader=leader,
                        planner=planner or (leader if rng.random() < 0.75 else "office"), mode=mode, identity=identity,
                        channel=channel, scheduled_for=day, planned_at=planned_at, outcome=outcome, bundle=bundle)
        if outcome in ("completed", "in_progress"):
            walk.start_at = _local(day, rng.choice([rng.randint(8 * 60 + 50, 10 * 60 + 20), rng.randint(14 * 60 + 30, 15 * 60 + 30)]))
        self.walks.append(walk)
        return walk

    def _plan_walks(self) -> None:
        rng, today = self.rng, self.today
        span = DAYS * 5 // 7  # working days in the period
        for dept, count in WALKS.items():
            low, high = (24, span - 2) if dept in STALE else (2, span - 2)
            used = Counter()
            for i in range(count):
                # One walk in each stretch of the period, so they spread over it.
                a = low + (high - low) * i // count
                b = low + (high - low) * (i + 1) // count - 1
                day = _back(today, RECENT[dept] if i == 0 and dept in RECENT else rng.randint(a, max(a, b)))
                keys = [k for k in self._items_of(dept) if used[k] < 2]
                item = rng.choice(keys[:4] if rng.random() < 0.7 else keys)
                used[item] += 1
                walk = self._walk(dept=dept, item=item, mode=_pick(rng, MODES), day=day, outcome="completed")
                self._plan_findings(walk, at_least=2 if i == 0 and dept in RECENT else 0)
        for leader, bundle, mode, channel, ago in BUNDLE_WALKS:
            first = demo_data.BUNDLES[bundle][0]
            walk = self._walk(dept=self.items[first]["department"], item=first, mode=mode, day=_back(today, ago),
                              outcome="completed", leader=leader, planner="office", channel=channel, bundle=bundle)
            self._plan_findings(walk)
        for dept, item, mode, ahead in UPCOMING:
            self._walk(dept=dept, item=item, mode=mode, day=_back(today, -ahead), outcome="planned")
        for dept, item, mode, ago in MISSED:
            self._walk(dept=dept, item=item, mode=mode, day=_back(today, -ago), outcome="planned")
        for dept, item, mode, ago, started in CANCELLED:
            day = _back(today, -ago)
            walk = self._walk(dept=dept, item=item, mode=mode, day=day, outcome="cancelled")
            walk.cancel_started = started
            if started:
                walk.start_at = _local(day, 9 * 60 + rng.randint(0, 40))
                walk.cancel_at = walk.start_at + datetime.timedelta(minutes=rng.randint(25, 50))
            else:
                walk.cancel_at = _office_hours(rng, _back(day, rng.randint(1, 2)))
        # Under way: one since the last working day, one since this morning if the office is open now.
        last = _back(today, 1)
        for (dept, item, mode), since_today in zip(IN_PROGRESS, (False, True)):
            local_now = timezone.localtime(self.now)
            opened = local_now.weekday() < 5 and 10 * 60 <= local_now.hour * 60 + local_now.minute
            day = today if since_today and opened else last
            walk = self._walk(dept=dept, item=item, mode=mode, day=day, outcome="in_progress")
            walk.start_at = (self.now - datetime.timedelta(minutes=55)) if day == today else _local(day, 15 * 60 + 5)

    def _plan_findings(self, walk: WalkPlan, at_least: int = 0) -> None:
        rng, row = self.rng, self.items[walk.item]
        online = walk.channel in ("online", "both")
        # The founding notice's questions (version 1, which a new database walks with): the story has words for them.
        candidates = [q.code for q in founding_questions(walk.mode)
                      if online or q.code not in ("sim_online_smooth", "acc_online_from_login")]
        walk.problems = rng.sample(candidates, k=min(max(at_least, _pick(rng, PROBLEMS)), len(candidates)))
        if rng.random() < 0.4:
            options = ["materials", "steps"]
            if row["max_visits"] <= 1 and walk.channel != "online":
                options.append("visits")
            if online and row["online_depth"] >= 2:
                options.append("online")
            if walk.mode == "accompany" and row["promised_limit_days"] > 0:
                options.append("time")
            walk.exceed = rng.choice(options)
            walk.proposal_decision = _pick(rng, [("file", 65), ("discard", 15), ("leave", 20)])
        if rng.random() < 0.15:
            free = [f for f in story.FREE_FINDINGS
                    if f[0] != "inconsistent_levels" or self.items[walk.item]["department"] in (
                        "dongzhi-amr", "guichi-amr", "qingyang-housing", "shitai-hrss")]
            walk.free = rng.choice(free)
        context = self.context(walk)
        filed_at = walk.start_at + datetime.timedelta(minutes=rng.randint(90, 150))
        questions = {q.code: q for q in founding_questions(walk.mode)}
        for code in walk.problems:
            title, note, measures, ledger = rng.choice(story.QUESTION_PROBLEMS[code])
            walk.findings.append(self._finding(
                walk=walk, category=str(questions[code].category), question=code, filed_at=filed_at,
                title=f"{row['name']}：{story.fill(title, context)}", description=story.fill(note, context),
                measures=story.fill(measures, context), ledger=ledger, photo=rng.random() < 0.35))
        if walk.exceed and walk.proposal_decision == "file":
            category = {"materials": Category.EXCESS_MATERIALS, "steps": Category.EXCESS_STEPS,
                        "visits": Category.EXCESS_VISITS, "online": Category.ONLINE_NOT_COVERED,
                        "time": Category.TIME_LIMIT}[walk.exceed]
            measures = {"materials": ("取消{extra}要求，办事指南已修订。", {"materials_cut": 1}),
                        "steps": ("合并审查与决定环节，流程图已更新。", {"days_cut": 1}),
                        "visits": ("开通免费寄递，申请人无需再到现场领取。", {"visits_cut": 1}),
                        "online": ("补齐网上申报功能，实现全程网办。", {"visits_cut": 1}),
                        "time": ("建立临期预警，超期件逐件说明原因。", {"days_cut": 2})}[walk.exceed]
            walk.findings.append(self._finding(
                walk=walk, category=str(category), proposal=walk.exceed, filed_at=filed_at, title="", description="",
                measures=story.fill(measures[0], context), ledger=measures[1]))
        if walk.free:
            category, title, description, measures, ledger = walk.free
            walk.findings.append(self._finding(
                walk=walk, category=category, filed_at=filed_at, title=f"{row['name']}：{story.fill(title, context)}",
                description=story.fill(description, context), measures=measures, ledger=ledger))

    def context(self, walk: WalkPlan) -> dict:
        rng = random.Random(f"{SEED}:context:{walk.n}")
        row = self.items[walk.item]
        departments = {d["code"]: d for d in demo_data.DEPARTMENTS}
        dept = departments[row["department"]]
        partner = rng.choice(story.PARTNERS[dept["code"]])
        return {"item": row["name"], "hall": dept["hall"], "phone": dept["phone"], "promised": row["promised_limit_days"],
                "minutes": rng.randint(25, 55), "window": rng.randint(3, 28), "extra": rng.choice(story.EXTRA_MATERIALS),
                "cert": story.ISSUES[partner], "other": departments[partner]["name"],
                "applicant": rng.choice(story.APPLICANTS)}

    def _finding(self, *, walk: WalkPlan | None, category: str, filed_at, title, description, measures, ledger,
                 question="", proposal="", photo=False, dept=None, item=None, filer=None, severity=None) -> FindingPlan:
        plan = FindingPlan(
            n=len(self.findings), dept=dept or walk.dept, category=category,
            severity=severity or _pick(self.rng, SEVERITIES), title=title, description=description, measures=measures,
            ledger=ledger, filer=filer or walk.leader, filed_at=filed_at, item=item or (walk.item if walk else None),
            question=question, proposal=proposal, photo=photo, walk=walk)
        self.findings.append(plan)
        return plan

    # -- the public page, the office, the certificate graph

    def _plan_public(self) -> None:
        for n, request in enumerate(story.PUBLIC_REQUESTS):
            rng = random.Random(f"{SEED}:public:{n}")
            request = dict(request, n=n)
            submitted_day = self.today - datetime.timedelta(days=request["days_ago"])
            request["submitted_at"] = min(_local(submitted_day, rng.randint(7 * 60, 22 * 60)),
                                          self.now - datetime.timedelta(hours=3))
            if request["preferred"] is not None:
                request["preferred_date"] = _working_day(submitted_day + datetime.timedelta(days=request["preferred"]))
            if request["handle"]:
                handle_day = _working_day(submitted_day + datetime.timedelta(days=1))
                request["handled_at"] = min(_office_hours(rng, handle_day), self.now - datetime.timedelta(hours=1))
            if request["handle"] == "arrange":
                row = self.items[request["item"]]
                walk = self._walk(dept=row["department"], item=request["item"], mode="accompany",
                                  day=request["preferred_date"], outcome=request["walk"], leader=request["leader"],
                                  planner="office", channel="window", rng=rng)
                walk.identity, walk.public, walk.planned_at = "applicant", request, request["handled_at"]
                if walk.outcome == "completed":
                    self._plan_findings(walk)
                request["walk_plan"] = walk
            if request["handle"] == "forward":
                row = self.items[request["item"]]
                measures = {"excess_materials": ("取消购房合同复印件要求，网上已上传的材料窗口直接调取。", {"materials_cut": 1}),
                            "one_time_notice": ("推行书面一次性告知，所需交警意见和管线图在受理时一并告知。", {"visits_cut": 2})}
                request["finding_plan"] = self._finding(
                    walk=None, dept=row["department"], item=request["item"], category=request["category"],
                    filed_at=request["handled_at"], title=request["title"], description="", filer="office",
                    measures=measures[request["category"]][0], ledger=measures[request["category"]][1], severity="minor")
                request["finding_plan"].fate = request["fate"]
            self.public.append(request)

    def _plan_office(self) -> None:
        for n, (dept, item, category, severity, title, description, fate) in enumerate(story.OFFICE_FINDINGS):
            rng = random.Random(f"{SEED}:office:{n}")
            day = _back(self.today, rng.randint(22, 40))
            plan = self._finding(walk=None, dept=dept, item=item, category=category, severity=severity,
                                 filed_at=_office_hours(rng, day), title=title, description=description, filer="office",
                                 measures=rng.choice(["已安排专人负责，问题已整改。", "已完成系统修复并验证。"]), ledger={})
            plan.fate = fate
            self.office_findings.append(plan)
        rng = random.Random(f"{SEED}:certificates")
        self.certificate_at = _office_hours(rng, _back(self.today, 24))
        for dept, (fate, measures, ledger) in CERTIFICATE_FATES.items():
            plan = self._finding(walk=None, dept=dept, category=str(Category.CIRCULAR_CERTIFICATE), severity="major",
                                 filed_at=self.certificate_at, title="", description="", filer="office",
                                 measures=measures, ledger=ledger)
            plan.fate = fate
            self.certificate_findings[dept] = plan
        dept, fate, measures, ledger = SELF_ISSUED
        plan = self._finding(walk=None, dept=dept, category=str(Category.DUPLICATE_CERTIFICATE), severity="minor",
                             filed_at=self.certificate_at + datetime.timedelta(minutes=6), title="", description="",
                             filer="office", measures=measures, ledger=ledger)
        plan.fate = fate
        self.self_issued_finding = plan

    # -- what becomes of each finding

    def _age(self, plan: FindingPlan) -> int:
        """Working days from filing to today."""
        days, day = 0, timezone.localtime(plan.filed_at).date()
        while day < self.today:
            day += datetime.timedelta(days=1)
            days += day.weekday() < 5
        return days

    def steps(self, plan: FindingPlan, fate: str) -> list:
        """The moves of ``fate``, each at its moment: (moment, kind, params)."""
        rng = random.Random(f"{SEED}:fate:{plan.n}:{fate}")
        script = {
            "open": [],
            "rectifying_bare": [("assign", 1, 2)],
            "rectifying": [("assign", 1, 2), ("comment_liaison", 1, 3)],
            "overdue": [("assign", 1, 2), ("comment_liaison_late", 4, 6)],
            "submitted": [("assign", 1, 2), ("measures", 2, 4), ("submit", 0, 1)],
            "closed": [("assign", 1, 2), ("comment_liaison", 1, 2), ("measures", 1, 3), ("submit", 0, 1), ("close", 1, 3)],
            "closed_late": [("assign", 1, 2), ("comment_liaison_late", 5, 7), ("measures", 6, 8), ("submit", 0, 1),
                            ("close", 1, 2)],
            "rejected_submitted": [("assign", 1, 2), ("measures", 2, 3), ("submit", 0, 1), ("reject", 1, 2),
                                   ("measures_again", 2, 3), ("submit", 0, 1)],
            "rejected_closed": [("assign", 1, 2), ("measures", 2, 3), ("submit", 0, 1), ("reject", 1, 2),
                                ("measures_again", 2, 3), ("submit", 0, 1), ("close", 1, 2)],
            "rewalk_closed": [("assign", 1, 2), ("measures", 2, 3), ("submit", 0, 1), ("rewalk", 1, 1),
                              ("close", 5, 5)],
            "dismissed_open": [("dismiss", 1, 3)],
            "dismissed_rectifying": [("assign", 1, 2), ("comment_liaison", 1, 2), ("dismiss", 2, 4)],
            # 申诉复核: appealed within the appeal period, then decided either way, or still waiting
            "appealed": [("assign", 1, 2), ("appeal", 1, 2)],
            "appeal_upheld": [("assign", 1, 2), ("appeal", 1, 3), ("uphold", 1, 3), ("comment_liaison", 1, 2)],
            "appeal_accepted": [("assign", 1, 2), ("appeal", 1, 3), ("accept", 1, 3)],
        }[fate]
        steps, day, previous = [], timezone.localtime(plan.filed_at).date(), plan.filed_at
        for kind, low, high in script:
            day = _back(day, -rng.randint(low, high))
            moment = _office_hours(rng, day)
            if moment <= previous:  # the same day: later than what came before
                moment = previous + datetime.timedelta(minutes=rng.randint(20, 120))
            previous = moment
            params = {}
            if kind == "assign":
                params["note"] = rng.choice(story.ASSIGN_NOTES)
                if plan.severity == "critical" and rng.random() < 0.5:
                    params["due"] = _back(day, -3)
                default = add_working_days(day, DEFAULT_WORKING_DAYS[plan.severity])
                longer = _back(self.today, -rng.randint(2, 6))
                if fate in IN_TIME and default < self.today + datetime.timedelta(days=2) and (longer - day).days <= 45:
                    # A finding still in time today: the office gave a longer deadline when it assigned it.
                    params["due"] = longer
                    params["note"] = "涉及系统改造，整改期限适当放宽，请按期完成。"
                if rng.random() < 0.3 and fate not in ("overdue", "rectifying_bare"):
                    params["comment_office"] = rng.choice(story.COMMENTS_OFFICE)
            if kind == "reject":
                params["due"] = _back(day, -5)
            if kind == "rewalk":
                params["day"] = _back(day, -3)
            steps.append((moment, kind, params))
        return steps

    def _due(self, plan: FindingPlan, steps) -> datetime.date | None:
        """The deadline after the last step that set one."""
        due = None
        for moment, kind, params in steps:
            if kind == "assign":
                due = params.get("due") or add_working_days(timezone.localtime(moment).date(),
                                                            DEFAULT_WORKING_DAYS[plan.severity])
            elif kind == "reject":
                due = params["due"]
        return due

    def feasible(self, plan: FindingPlan, fate: str) -> bool:
        steps = self.steps(plan, fate)
        if any(moment > self.now - datetime.timedelta(minutes=5) for moment, _kind, _params in steps):
            return False
        if fate == "overdue":
            due = self._due(plan, steps)
            return due is not None and due < self.today - datetime.timedelta(days=1)
        if fate in IN_TIME:
            assign = next(s for s in steps if s[1] == "assign")
            due = self._due(plan, steps)
            # Still in time, and not on a deadline longer than a month and a half.
            return due >= self.today and (due - timezone.localtime(assign[0]).date()).days <= 45
        return True

    def _plan_fates(self) -> None:
        # First what the demo must show, on findings old enough for it; then by age.
        wanted = [  # the most particular first
            ("city-amr", "open"), ("city-housing", "open"), ("city-amr", "rectifying_bare"),
            ("city-housing", "rectifying_bare"), ("city-amr", "rejected_submitted"), ("city-amr", "submitted"),
            ("city-housing", "submitted"), (None, "rejected_submitted"), (None, "submitted"), (None, "submitted"),
            ("city-amr", "overdue"), ("city-housing", "overdue"), (None, "overdue"), (None, "rewalk_closed"),
            (None, "rejected_closed"), (None, "dismissed_open"), (None, "dismissed_rectifying"), (None, "closed_late"),
            ("city-amr", "closed"), ("city-housing", "closed"),
            (None, "appealed"), (None, "appeal_upheld"), (None, "appeal_accepted"),
        ]
        pool = [p for p in self.findings if not p.fate and p.walk is not None]
        for dept, fate in wanted:
            candidates = [p for p in pool if not p.fate and (dept is None or p.dept == dept) and self.feasible(p, fate)]
            if fate == "open":  # not yet assigned: filed in the last few days
                candidates = [p for p in candidates if self._age(p) <= 3]
            if candidates:
                self.rng.choice(candidates).fate = fate
        by_age = [
            (2, [("open", 1)]),
            (6, [("rectifying", 5), ("rectifying_bare", 2), ("open", 1), ("dismissed_open", 0.5)]),
            (14, [("closed", 3), ("submitted", 2), ("rectifying", 3), ("rejected_submitted", 0.5), ("dismissed_open", 0.5)]),
            (30, [("closed", 6), ("closed_late", 1), ("submitted", 1), ("rectifying", 1), ("overdue", 0.6),
                  ("rejected_closed", 0.5), ("dismissed_open", 0.3)]),
            (10_000, [("closed", 10), ("closed_late", 2), ("overdue", 0.6), ("rejected_closed", 1),
                      ("dismissed_open", 0.3), ("dismissed_rectifying", 0.3)]),
        ]
        for plan in self.findings:
            if not plan.fate:
                age = self._age(plan)
                choices = next(c for limit, c in by_age if age <= limit)
                plan.fate = _pick(self.rng, choices)
            plan.steps = self.steps(plan, plan.fate)
            for moment, kind, params in plan.steps:
                if kind == "rewalk" and moment <= self.now:
                    day = params["day"]
                    walk = self._walk(dept=plan.dept, item=plan.item, mode="inspect", day=day, outcome="completed",
                                      planner="office", channel="window",
                                      rng=random.Random(f"{SEED}:rewalk:{plan.n}"))
                    walk.identity, walk.rewalk_of, walk.planned_at = "incognito", plan, moment
                    params["walk"] = walk


# --- playing it ----------------------------------------------------------------------------------------

class Clock:
    """What ``timezone.now()`` answers while the campaign is played."""

    def __init__(self, now: datetime.datetime):
        self.real_now = now
        self.moment = now

    def set(self, moment: datetime.datetime) -> None:
        if moment > self.real_now:
            raise ValueError(f"the demo campaign may not write after now ({moment:%Y-%m-%d %H:%M})")
        self.moment = moment

    def now(self) -> datetime.datetime:
        return self.moment.astimezone(datetime.UTC)

    @contextmanager
    def running(self):
        with mock.patch.object(timezone, "now", self.now):
            yield


class Campaign:
    def __init__(self, plan: Plan, clock: Clock):
        self.plan, self.clock = plan, clock
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.filter(
            username__in=[u["username"] for u in demo_data.DEMO_USERS + demo_data.CAMPAIGN_USERS])}
        self.items = {i.code: i for i in ServiceItem.objects.select_related("department")}
        self.item_by_key = {row["key"]: self.items[row["code"]] for row in demo_data.ITEMS}
        self.departments = {d.code: d for d in Department.objects.all()}
        self.bundles = {b.name: b for b in Bundle.objects.all()}
        self.queue: list = []
        self.sequence = itertools.count()
        self.photos = 0

    def at(self, moment: datetime.datetime, act, *args) -> None:
        """Play ``act`` at ``moment`` — unless that is still to come."""
        if moment <= self.clock.real_now - datetime.timedelta(minutes=1):
            heapq.heappush(self.queue, (moment, next(self.sequence), act, args))

    def run(self) -> None:
        for walk in self.plan.walks:
            if walk.public is None and walk.rewalk_of is None:  # those are planned by the office's move
                self.at(walk.planned_at, self.walk_plan, walk)
        for request in self.plan.public:
            self.at(request["submitted_at"], self.public_submit, request)
        for finding in self.plan.office_findings:
            self.at(finding.filed_at, self.office_file, finding)
        self.at(self.plan.certificate_at, self.certificates_file)
        while self.queue:
            moment, _n, act, args = heapq.heappop(self.queue)
            self.clock.set(moment)
            act(*args)

    # -- helpers

    def user(self, username: str):
        return self.users[username]

    def tick(self, moment: datetime.datetime) -> datetime.datetime:
        self.clock.set(moment)
        return moment

    def advance(self, rng: random.Random, low: int, high: int) -> None:
        """A few minutes later (never past the real now)."""
        later = self.clock.moment + datetime.timedelta(minutes=rng.randint(low, high))
        self.tick(min(later, self.clock.real_now - datetime.timedelta(seconds=30)))

    def walkthrough(self, walk: WalkPlan) -> Walkthrough:
        return Walkthrough.objects.select_related("service_item", "department").get(pk=walk.pk)

    def finding(self, plan: FindingPlan) -> Finding:
        return Finding.objects.get(pk=plan.pk)

    def upload(self, rng, *, scene: str, title: str, place: str, taken: datetime.datetime) -> SimpleUploadedFile:
        self.photos += 1
        data = demo_images.photo_jpeg(rng, scene=scene, title=title, place=place, taken=timezone.localtime(taken))
        return SimpleUploadedFile(f"IMG_{timezone.localtime(taken):%Y%m%d_%H%M%S}.jpg", data, content_type="image/jpeg")

    # -- walkthroughs

    def walk_plan(self, walk: WalkPlan) -> None:
        rewalk_of = self.finding(walk.rewalk_of) if walk.rewalk_of else None
        created = walk_actions.walkthrough_plan(
            actor=self.user(walk.planner), service_item=self.item_by_key[walk.item], leader=self.user(walk.leader),
            mode=walk.mode, identity=walk.identity, channel=walk.channel, scheduled_for=walk.scheduled_for,
            rewalk_of=rewalk_of, bundle=self.bundles[walk.bundle] if walk.bundle else None)
        walk.pk = created.pk
        self.walk_follow(walk)

    def walk_follow(self, walk: WalkPlan) -> None:
        if walk.outcome in ("completed", "in_progress") or walk.cancel_started:
            self.at(walk.start_at, self.walk_walk, walk)
        elif walk.outcome == "cancelled":
            self.at(walk.cancel_at, self.walk_cancel, walk)

    def walk_cancel(self, walk: WalkPlan) -> None:
        rng = random.Random(f"{SEED}:cancel:{walk.n}")
        walk_actions.walkthrough_transition(walkthrough=self.walkthrough(walk), to="cancelled",
                                            actor=self.user(walk.leader), note=rng.choice(story.CANCEL_REASONS))

    def walk_walk(self, walk: WalkPlan) -> None:
        """At the window: start, tap, answer, photograph, note the figures, complete, file."""
        rng = random.Random(f"{SEED}:walk:{walk.n}")
        leader = self.user(walk.leader)
        context = self.plan.context(walk)
        row = self.plan.items[walk.item]
        place = context["hall"]
        w = walk_actions.walkthrough_transition(walkthrough=self.walkthrough(walk), to="in_progress", actor=leader)
        t = walk.start_at
        last = self.clock.real_now - datetime.timedelta(minutes=2)
        if walk.cancel_started:
            last = min(last, walk.cancel_at - datetime.timedelta(minutes=2))

        # The taps, a few of them logged offline (kept on the phone, sent when it was back online).
        kinds = self.taps(walk, row)
        offline = set()
        if len(kinds) >= 4 and rng.random() < 0.25:
            start = rng.randint(1, len(kinds) - 3)
            offline = set(range(start, start + 2))
        events, pending = [], []
        for i, kind in enumerate(kinds):
            t += datetime.timedelta(minutes=rng.randint(3, 12) if kind != "queueing" else rng.randint(2, 4))
            if kind == "submission" and "queueing" in kinds[:i]:
                t += datetime.timedelta(minutes=context["minutes"] // 2)
            if t > last:
                break
            note = story.fill(rng.choice(self.notes(walk, kind)), context)
            if i in offline:
                pending.append((t, kind, note))
                continue
            if pending:  # back online: what waited on the phone goes first, with the phone's times
                self.tick(t)
                for tapped, pending_kind, pending_note in pending:
                    events.append(walk_actions.event_add(walkthrough=w, actor=leader, kind=pending_kind,
                                                         note=pending_note, device_at=tapped))
                events.append(walk_actions.event_add(walkthrough=w, actor=leader, kind="note", note=story.OFFLINE_NOTE))
                pending = []
            self.tick(t)
            if i == 0 and walk.mode == "accompany":
                walk_actions.event_add(walkthrough=w, actor=leader, kind="note", device_at=t - datetime.timedelta(minutes=1),
                                       note=story.fill(story.ACCOMPANY_FIRST, context))
            event = walk_actions.event_add(walkthrough=w, actor=leader, kind=kind, note=note,
                                           device_at=t - datetime.timedelta(seconds=rng.randint(1, 20)))
            events.append(event)
            if kind in ("queueing", "upload") or (kind == "consultation" and rng.random() < 0.3):
                scene = "phone" if kind == "upload" else "hall"
                walk_actions.evidence_add(walkthrough=w, actor=leader, event=event, device_at=t,
                                          upload=self.upload(rng, scene=scene, title=row["name"], place=place, taken=t))
        if walk.outcome == "in_progress":
            if walk.mode in ("simulate", "accompany") and t <= last:
                walk_actions.walkthrough_update(walkthrough=w, actor=leader, data={
                    "observed_materials": len(row["materials"]), "queue_minutes": context["minutes"]})
            if timezone.localtime(walk.start_at).date() < timezone.localtime(self.clock.real_now).date():
                self.tick(t + datetime.timedelta(minutes=3))  # left open overnight, on purpose
                walk_actions.event_add(walkthrough=w, actor=leader, kind="note", note=story.STILL_OPEN)
            return
        if walk.cancel_started:
            self.tick(walk.cancel_at)
            walk_actions.walkthrough_transition(walkthrough=self.walkthrough(walk), to="cancelled", actor=leader,
                                                note=story.CANCEL_IN_PROGRESS)
            return

        # A tap corrected, or one withdrawn, before completing.
        if events and rng.random() < 0.15:
            event = rng.choice(events)
            t += datetime.timedelta(minutes=2)
            self.tick(t)
            walk_actions.event_correct(event=event, actor=leader, at=event.at - datetime.timedelta(minutes=3),
                                       reason=story.CORRECTION_REASON)
        elif events and rng.random() < 0.1:
            t += datetime.timedelta(minutes=1)
            self.tick(t)
            double = walk_actions.event_add(walkthrough=w, actor=leader, kind=events[-1].kind)
            t += datetime.timedelta(minutes=1)
            self.tick(t)
            walk_actions.event_correct(event=double, actor=leader, withdraw=True, reason=story.WITHDRAW_REASON)

        # The checklist.
        answers = {}
        problems = set(walk.problems)
        for question in questions_for(w):
            t += datetime.timedelta(seconds=rng.randint(40, 150))
            self.tick(t)
            if question.code in problems:
                answer = "problem"
                note = next(f.description for f in walk.findings if f.question == question.code)
            elif question.code in ("sim_online_smooth", "acc_online_from_login") and walk.channel == "window":
                answer, note = "na", rng.choice(story.NA_NOTES)
            elif question.code.startswith("cert_") or (question.code == "int_services" and not row["intermediary"]):
                answer, note = ("na", rng.choice(story.NA_NOTES)) if rng.random() < 0.6 else ("ok", "")
            else:
                answer, note = "ok", rng.choice(story.OK_NOTES)
            answers[question.code] = walk_actions.checklist_answer_set(
                walkthrough=w, actor=leader, question=question.code, answer=answer, note=note,
                device_at=t - datetime.timedelta(seconds=rng.randint(1, 30)))
        for code in walk.problems[:1]:
            t += datetime.timedelta(minutes=1)
            self.tick(t)
            walk_actions.evidence_add(walkthrough=w, actor=leader, answer=answers[code], device_at=t - datetime.timedelta(seconds=20),
                                      upload=self.upload(rng, scene=rng.choice(["form", "phone", "notice"]),
                                                         title=row["name"], place=place, taken=t))
        if rng.random() < 0.4:
            t += datetime.timedelta(minutes=1)
            self.tick(t)
            walk_actions.evidence_add(walkthrough=w, actor=leader, device_at=t,
                                      upload=self.upload(rng, scene="hall", title=place, place=place, taken=t))

        # What was met, beside the catalog (one figure over it, where planned), and the summary.
        t += datetime.timedelta(minutes=rng.randint(3, 8))
        self.tick(t)
        figures = self.figures(walk, row, context)
        n = len([f for f in walk.findings if not f.proposal]) + (walk.exceed is not None)
        if walk.rewalk_of:
            summary = story.fill(story.REWALK_SUMMARY, context)
        else:
            summary = story.fill(story.MODE_OPENINGS[walk.mode], context) + (
                rng.choice(story.SUMMARY_SOME).format(n=n) if n else rng.choice(story.SUMMARY_NONE))
        walk_actions.walkthrough_update(walkthrough=w, actor=leader, data={**figures, "summary": summary})

        t += datetime.timedelta(minutes=rng.randint(2, 6))
        self.tick(t)
        signature = demo_images.signature_png(rng) if rng.random() < 0.6 else None
        w = walk_actions.walkthrough_transition(walkthrough=self.walkthrough(walk), to="completed", actor=leader,
                                                signature=signature)

        # What was found: filed by the head once the walk is done.
        for finding in walk.findings:
            finding.filed_at = max(finding.filed_at, t + datetime.timedelta(minutes=rng.randint(5, 25)))
            self.tick(finding.filed_at)
            self.file(finding, w)
        if walk.exceed and walk.proposal_decision == "discard":
            self.tick(max(walk.start_at + datetime.timedelta(minutes=150), t + datetime.timedelta(minutes=10)))
            for proposal in walkthrough_proposals(self.walkthrough(walk)):
                finding_actions.proposal_discard(walkthrough=w, actor=leader, key=proposal["key"])

    def taps(self, walk: WalkPlan, row: dict) -> list[str]:
        on_the_spot = story.ON_THE_SPOT_TAPS if row["promised_limit_days"] == 0 else []
        if walk.mode == "inspect":
            return ["consultation", "note", "note"]
        if walk.mode == "sit_at_window":
            return ["consultation", "submission", "acceptance", *on_the_spot]
        if walk.channel == "online":
            return list(story.ONLINE_TAPS)
        if walk.channel == "both":
            return [*story.ONLINE_TAPS, "queueing", "acceptance", *on_the_spot]
        return [*story.WINDOW_TAPS, *on_the_spot]

    def notes(self, walk: WalkPlan, kind: str) -> list[str]:
        if walk.mode == "sit_at_window" and kind in story.SIT_NOTES:
            return story.SIT_NOTES[kind]
        if walk.mode == "inspect" and kind in story.INSPECT_NOTES:
            return story.INSPECT_NOTES[kind]
        return story.EVENT_NOTES[kind]

    def figures(self, walk: WalkPlan, row: dict, context: dict) -> dict:
        figures = {"observed_materials": len(row["materials"]), "observed_steps": len(row["steps"]),
                   "observed_visits": row["max_visits"] if walk.channel != "online" else 0}
        if walk.channel != "online" and walk.mode != "inspect":
            figures["queue_minutes"] = context["minutes"] if walk.mode != "sit_at_window" else None
        if walk.channel in ("online", "both"):
            figures["observed_online_depth"] = row["online_depth"]
        if walk.mode == "accompany" and row["promised_limit_days"] > 0 and (walk.n % 2 or walk.exceed == "time"):
            figures["elapsed_days"] = row["promised_limit_days"]
        if walk.exceed == "materials":
            figures["observed_materials"] += 1
        elif walk.exceed == "steps":
            figures["observed_steps"] += 1
        elif walk.exceed == "visits":
            figures["observed_visits"] = row["max_visits"] + 1
        elif walk.exceed == "online":
            figures["observed_online_depth"] = row["online_depth"] - 1
        elif walk.exceed == "time":
            figures["elapsed_days"] = row["promised_limit_days"] + 2
        return {k: v for k, v in figures.items() if v is not None}

    # -- findings

    def file(self, plan: FindingPlan, walkthrough: Walkthrough) -> None:
        rng = random.Random(f"{SEED}:file:{plan.n}")
        filer = self.user(plan.filer)
        if plan.proposal:
            proposal = next((p for p in walkthrough_proposals(walkthrough) if p["key"] == plan.proposal), None)
            if proposal is None:
                return
            plan.title = proposal["title"][:200]
            finding = finding_actions.finding_file(actor=filer, walkthrough=walkthrough, category=proposal["category"],
                                                   title=plan.title, proposal_key=plan.proposal, severity=plan.severity)
        else:
            description = plan.description
            if plan.question and rng.random() < 0.5:
                description += "\n" + rng.choice(["建议举一反三，排查同类事项。", "现场已向窗口负责人指出。"])
            finding = finding_actions.finding_file(
                actor=filer, walkthrough=walkthrough, category=plan.category, title=plan.title[:200],
                severity=plan.severity, description=description, checklist_question=plan.question)
        plan.pk = finding.pk
        if plan.photo:
            finding_actions.finding_evidence_add(finding=finding, actor=filer, upload=self.upload(
                rng, scene=rng.choice(["form", "hall"]), title=plan.title, place=walkthrough.department.name,
                taken=self.clock.moment))
        self.follow(plan)

    def office_file(self, plan: FindingPlan) -> None:
        finding = finding_actions.finding_file(
            actor=self.user("office"), category=plan.category, title=plan.title, severity=plan.severity,
            description=plan.description, department=self.departments[plan.dept],
            service_item=self.item_by_key[plan.item] if plan.item else None)
        plan.pk = finding.pk
        self.follow(plan)

    def certificates_file(self) -> None:
        """The office opens the certificate graph and files its shortest circle (the two departments of
        循环证明·2), then, a few minutes later, a department that demands its own certificate."""
        analysis = certificates.analyse()
        problem = next(p for p in analysis.cycles if len(p.steps) == 2)
        for finding in certificate_problem_file(actor=self.user("office"), problem=problem):
            plan = self.plan.certificate_findings.get(finding.department.code)
            if plan is not None:
                plan.pk, plan.title = finding.pk, finding.title
                self.follow(plan)
        plan = self.plan.self_issued_finding
        self.tick(plan.filed_at)
        problem = next(p for p in analysis.self_issued if p.steps[0].department_id == self.departments[plan.dept].pk)
        for finding in certificate_problem_file(actor=self.user("office"), problem=problem):
            plan.pk, plan.title = finding.pk, finding.title
            self.follow(plan)

    def follow(self, plan: FindingPlan) -> None:
        if not plan.steps:
            plan.steps = self.plan.steps(plan, plan.fate)
        for moment, kind, params in plan.steps:
            self.at(moment, self.move, plan, kind, params)

    def move(self, plan: FindingPlan, kind: str, params: dict) -> None:
        rng = random.Random(f"{SEED}:move:{plan.n}:{kind}:{self.clock.moment.isoformat()}")
        office, liaison = self.user("office"), self.user(self.plan.liaisons[plan.dept])
        finding = self.finding(plan)
        if finding.status in (FindingStatus.CLOSED, FindingStatus.DISMISSED):
            return
        if kind == "assign":
            finding_actions.finding_transition(finding=finding, to="rectifying", actor=office, note=params["note"],
                                               due_date=params.get("due"))
            if params.get("comment_office"):
                self.advance(rng, 2, 20)
                finding_actions.comment_add(finding=finding, actor=office, body=params["comment_office"])
        elif kind == "comment_liaison":
            finding_actions.comment_add(finding=finding, actor=liaison, body=rng.choice(story.COMMENTS_LIAISON))
            if plan.walk and rng.random() < 0.3:
                self.advance(rng, 20, 90)
                finding_actions.comment_add(finding=finding, actor=self.user(plan.walk.leader),
                                            body=rng.choice(story.COMMENTS_LEADER))
        elif kind == "comment_liaison_late":
            finding_actions.comment_add(finding=finding, actor=liaison, body=rng.choice(story.COMMENTS_LIAISON_LATE))
        elif kind in ("measures", "measures_again"):
            measures = plan.measures if kind == "measures" else f"{finding.measures}\n{story.RESUBMIT_MEASURES}"
            finding = finding_actions.finding_record_measures(finding=finding, actor=liaison, measures=measures)
            if kind == "measures_again" or rng.random() < 0.7:
                self.advance(rng, 3, 15)
                finding_actions.finding_evidence_add(finding=finding, actor=liaison, upload=self.upload(
                    rng, scene="notice", title=plan.title.split("：")[0], place=self.departments[plan.dept].name,
                    taken=self.clock.moment))
        elif kind == "submit":
            finding_actions.finding_transition(finding=finding, to="submitted", actor=liaison,
                                               note=rng.choice(["", "整改完成，请核实。", "已按要求整改到位。"]))
        elif kind == "reject":
            reason = story.REJECT_TIME_LIMIT if finding.category == "time_limit" else rng.choice(story.REJECT_REASONS)
            finding_actions.finding_transition(finding=finding, to="rectifying", actor=office, note=reason,
                                               due_date=_back(timezone.localdate(), -5))
        elif kind == "close":
            rewalked = finding.rewalks.filter(status="completed").exists()
            ledger = {k: v for k, v in plan.ledger.items()}
            finding_actions.finding_transition(
                finding=finding, to="closed", actor=office, ledger=ledger or None,
                note=story.CLOSE_AFTER_REWALK if rewalked else rng.choice(story.CLOSE_NOTES))
        elif kind == "dismiss":
            finding_actions.finding_transition(finding=finding, to="dismissed", actor=office,
                                               note=rng.choice(story.DISMISS_REASONS))
        elif kind == "appeal":
            finding_actions.finding_appeal(finding=finding, actor=liaison, note=rng.choice(story.APPEAL_REASONS))
        elif kind == "uphold":
            finding_actions.finding_transition(finding=finding, to="rectifying", actor=office,
                                               note=rng.choice(story.UPHOLD_REASONS))
        elif kind == "accept":
            finding_actions.finding_transition(finding=finding, to="dismissed", actor=office,
                                               note=rng.choice(story.ACCEPT_REASONS))
        elif kind == "rewalk" and "walk" in params:
            self.walk_plan(params["walk"])

    # -- 局长陪您办

    def public_submit(self, request: dict) -> None:
        """As the public page stores it (``public/views.py:public_request``); public is not imported
        from here (the layers keep public and campaign apart), its model is looked up by name."""
        PublicRequest = apps.get_model("public", "PublicRequest")
        rng = random.Random(f"{SEED}:code:{request['n']}")
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        row = PublicRequest.objects.create(
            kind=request["kind"], code="".join(rng.choice(alphabet) for _ in range(10)),
            service_item=self.item_by_key[request["item"]] if request["item"] else None, item_text=request["text"],
            name=request["name"], phone=request["phone"], description=request["description"],
            preferred_date=request.get("preferred_date"))
        request["pk"] = row.pk
        if request["handle"]:
            self.at(request["handled_at"], self.public_handle, request)

    def public_handle(self, request: dict) -> None:
        """What the office's page does (``public/views.py:office_request_act``)."""
        PublicRequest = apps.get_model("public", "PublicRequest")
        office = self.user("office")
        row = PublicRequest.objects.select_related("service_item__department").get(pk=request["pk"])
        if request["handle"] == "arrange":
            walk = request["walk_plan"]
            created = walk_actions.walkthrough_plan(
                actor=office, service_item=row.service_item, leader=self.user(walk.leader), mode="accompany",
                identity="applicant", channel="window", scheduled_for=walk.scheduled_for)
            walk.pk = created.pk
            row.walkthrough, row.status = created, "arranged"
            row.reply = f"已安排局长于{walk.scheduled_for:%Y-%m-%d}陪同您办理，营商办将电话与您联系。"
            self.walk_follow(walk)
        elif request["handle"] == "forward":
            plan = request["finding_plan"]
            finding = finding_actions.finding_file(
                actor=office, department=row.service_item.department, service_item=row.service_item,
                category=request["category"], title=request["title"],
                description=f"来自“局长陪您办”群众诉求，编号 {row.code}：\n{row.description}")
            plan.pk = finding.pk
            row.finding, row.status = finding, "forwarded"
            row.reply = "您反映的问题已转交责任部门整改，整改结果将在此公布。"
            self.follow(plan)
        else:
            row.status, row.reply = "closed", request["reply"]
        row.handled_by = office
        row.save(update_fields=["walkthrough", "finding", "status", "reply", "handled_by", "updated_at"])


# --- reports ---------------------------------------------------------------------------------------------

def reports_make(*, stdout=None) -> list:
    """A walk record, a 整改通知书, a 督查通报 and a 整改台账, asked for as people would and made here.

    Made here (some 4 s for the four) rather than left to the worker, so that ``bin/run``'s first page
    shows them done, and so does a database loaded where no worker runs: ``bin/run`` starts the worker
    only after this command, and a fresh worker takes a while to start WeasyPrint and work through its
    queue. ``report_render`` is what the worker's task calls; the task the request queued then finds
    the report done and does nothing. If making one fails here (no Pango, say), it is left to the
    worker: the one-minute sweep picks up a run that did not finish."""
    User = get_user_model()
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader_amr")
    amr = Department.objects.get(code="city-amr")
    # The head's walk with the most to show: signed, and the most photos and taps.
    walk = (Walkthrough.objects.filter(leader=leader, department=amr, status="completed").exclude(signature="")
            .annotate(photos=Count("evidence", distinct=True), taps=Count("events", distinct=True))
            .order_by("-photos", "-taps", "-completed_at").first()
            or Walkthrough.objects.filter(leader=leader, status="completed").order_by("-completed_at").first())
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    requests = [
        dict(actor=office, kind=ReportKind.BULLETIN, period_start=last_month_end.replace(day=1), period_end=last_month_end),
        dict(actor=office, kind=ReportKind.DEPARTMENT, department=amr),
        dict(actor=office, kind=ReportKind.LEDGER),
    ]
    if walk is not None:
        requests.insert(0, dict(actor=leader, kind=ReportKind.WALKTHROUGH, walkthrough=walk))
    made = []
    with translation.override(settings.LANGUAGE_CODE):
        for params in requests:
            report = report_actions.report_request(**params)
            try:
                report_actions.report_render(report_id=report.pk)
                if report.kind == ReportKind.LEDGER:  # planned in pieces: made here too
                    report_actions.ledger_make_here(report_id=report.pk)
            except Exception as exc:  # left to the worker
                if stdout is not None:
                    stdout.write(f"报告 #{report.pk} 未能在此生成（{type(exc).__name__}），将由后台任务生成。")
            made.append(Report.objects.get(pk=report.pk))
    return made


# --- the entry point ---------------------------------------------------------------------------------------

def exists() -> bool:
    return Walkthrough.objects.exists() or Finding.objects.exists()


def load(*, stdout=None, reports: bool = True) -> list[str]:
    """Play the campaign into an empty campaign database, then make the reports; lines to print."""
    if exists():
        return ["演示活动：库中已有走流程或问题记录，不再生成（演示活动只写入尚无记录的库）。"]
    now = timezone.now().replace(microsecond=0)
    plan = Plan(today=timezone.localdate(), now=now)
    clock = Clock(now)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE), clock.running():
        campaign = Campaign(plan, clock)
        campaign.run()
    made = reports_make(stdout=stdout) if reports else []
    walks = Counter(Walkthrough.objects.values_list("status", flat=True))
    findings = Counter(Finding.objects.values_list("status", flat=True))
    overdue = Finding.objects.filter(status__in=["open", "rectifying", "submitted"], due_date__lt=timezone.localdate()).count()
    idle = Department.objects.exclude(code__in=Walkthrough.objects.values("department__code")).count()
    PublicRequest = apps.get_model("public", "PublicRequest")
    labels = dict(Walkthrough._meta.get_field("status").choices)
    return [
        f"演示活动：近 {DAYS} 天走流程 {sum(walks.values())} 次（"
        + "，".join(f"{labels[s]} {walks[s]}" for s in ("completed", "in_progress", "planned", "cancelled")) + "），"
        f"{idle} 个部门本期尚未走流程",
        f"问题 {sum(findings.values())} 个（" + "，".join(f"{FindingStatus(s).label} {findings[s]}" for s in FindingStatus.values)
        + f"），其中逾期 {overdue} 个；现场照片 {campaign.photos} 张；局长陪您办诉求 {PublicRequest.objects.count()} 件",
        f"报告 {len(made)} 份：" + "，".join(f"{r.get_kind_display()}（{r.get_status_display()}）" for r in made),
    ]
