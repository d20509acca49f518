"""Fill a (scratch) database with a realistic synthetic campaign, at bulk speed, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cw_bench_x python manage.py load_campaign --findings 1000000

Writes regions, ~150 departments (city / county / stationed / utility), ~20 service items each, a
leader and a liaison per department plus office users, walkthroughs (one per ~8 findings), findings
spread over departments by a Zipf-like law, with realistic statuses (most closed, some overdue, some
open), 1–4 transitions each and comments on ~20 %. ``created_at``/``updated_at`` are spread over the
year before today. On PostgreSQL the three big tables (findings, transitions, comments) go in through
``COPY`` (psycopg2 ``copy_expert``); elsewhere through ``bulk_create``. Prints rows per second per
table and in all. Refuses a database that already holds findings unless ``--force``.
"""
from __future__ import annotations

import datetime
import io
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from core.categories import Category
from findings.models import Comment, Finding, FindingTransition
from inspections.checklists import current_template
from inspections.models import Walkthrough
from services.models import Department, Region, ServiceItem

LEVELS = [("city", 45), ("county", 70), ("stationed", 20), ("utility", 15)]
REGIONS = [("guichi", "贵池区"), ("dongzhi", "东至县"), ("shitai", "石台县"), ("qingyang", "青阳县"),
           ("jingkai", "池州经开区"), ("jiuhua", "九华山风景区")]
MODES = ["simulate", "accompany", "sit_at_window", "inspect"]
SEVERITIES = [("minor", 70), ("major", 25), ("critical", 5)]
TITLES = ["要求提交目录外材料", "窗口未授权需多次跑动", "网上办理页面无法提交", "承诺时限超期办结", "导服人员答复不一致",
          "办事指南与实际不符", "排队等候超过一小时", "中介服务收费不透明", "跨部门流转不畅", "电子证照未互认"]
COMMENTS = ["已联系窗口负责人核实。", "整改材料已上传，请核查。", "请补充整改前后对比照片。", "已纳入下周复查计划。"]


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("--findings", type=int, default=1_000_000)
        parser.add_argument("--departments", type=int, default=150)
        parser.add_argument("--items-per-department", type=int, default=20)
        parser.add_argument("--findings-per-walkthrough", type=int, default=8)
        parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY / bulk_create batch")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="load even if the database already holds findings")

    def handle(self, *args, **o):
        if Finding.objects.exists() and not o["force"]:
            raise CommandError("This database already holds findings; use a scratch database or --force.")
        self.rng = random.Random(o["seed"])
        self.batch = o["batch"]
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.tag = f"{o['seed']}-{int(time.time())}"
        self.stats: list[tuple[str, int, float]] = []
        started = time.perf_counter()
        with transaction.atomic():
            depts = self.timed("departments+regions", self.load_departments, o["departments"])
            items = self.timed("service items", self.load_items, depts, o["items_per_department"])
            users = self.timed("users", self.load_users, depts)
            n_walk = max(1, o["findings"] // o["findings_per_walkthrough"])
            walks = self.timed("walkthroughs", self.load_walkthroughs, depts, items, users, n_walk)
        # Findings and their history: one transaction per batch keeps memory and WAL bounded.
        self.timed("findings+transitions+comments", self.load_findings, depts, items, users, walks, o["findings"])
        if self.pg:
            with connection.cursor() as cur:
                t = time.perf_counter()
                # VACUUM too, as autovacuum soon would on a live database: fresh COPYed pages are not yet
                # marked all-visible, and index-only scans (counts of overdue findings) would read the heap.
                for table in ("findings_finding", "findings_findingtransition", "findings_comment",
                              "inspections_walkthrough", "findings_tally"):
                    cur.execute(f"VACUUM (ANALYZE) {table}")
                self.stats.append(("VACUUM ANALYZE", 0, time.perf_counter() - t))
        total = time.perf_counter() - started
        self.stats.append(("(generating big-table rows in Python)", 0, self.generate_secs))
        rows = sum(r for _n, r, _s in self.stats if not _n.startswith("findings+"))
        self.stdout.write("Big tables: seconds of COPY/bulk_create alone; generating their rows is its own line.")
        self.stdout.write(f"{'table':38} {'rows':>12} {'seconds':>9} {'rows/s':>10}")
        for name, count, secs in self.stats:
            if name.startswith("findings+"):
                continue
            self.stdout.write(f"{name:38} {count:12,} {secs:9.1f} {count / secs if secs and count else 0:10,.0f}")
        self.stdout.write(f"{'TOTAL (wall clock, all rows)':38} {rows:12,} {total:9.1f} {rows / total:10,.0f}")

    def timed(self, name, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        secs = time.perf_counter() - t
        if isinstance(out, list):
            count = len(out)
        elif isinstance(out, dict) and "office" in out:
            count = len(out["office"]) + len(out["leader"]) + len(out["liaison"])
        elif isinstance(out, dict) and name.startswith("findings+"):
            count = 0
            self.generate_secs = secs - sum(s for n, _c, s in self.stats if n in ("findings", "transitions", "comments"))
        else:
            count = sum(len(v) for v in out.values()) if isinstance(out, dict) else 0
        self.stats.append((name, count, secs))
        return out

    def weighted(self, pairs):
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    # --- small tables: bulk_create ---------------------------------------------------------------

    def load_departments(self, n):
        regions = []
        for i, (code, name) in enumerate(REGIONS):
            region, _ = Region.objects.get_or_create(code=f"lc-{code}", defaults={"name": f"{name}（基准）", "sort_order": i})
            regions.append(region)
        levels = [lvl for lvl, share in LEVELS for _ in range(max(1, round(n * share / 100)))][:n]
        while len(levels) < n:
            levels.append("city")
        Department.objects.bulk_create(
            Department(code=f"lc-{self.tag}-{d}", name=f"基准部门{self.tag}-{d:03d}", level=levels[d],
                       region=regions[0] if levels[d] == "city" else regions[d % len(regions)])
            for d in range(n))
        return list(Department.objects.filter(code__startswith=f"lc-{self.tag}-").order_by("id").values_list("id", flat=True))

    def load_items(self, depts, per):
        ServiceItem.objects.bulk_create(
            (ServiceItem(code=f"LC{self.tag}-{d}-{k:03d}", name=f"基准事项{d}-{k:03d}", item_type="licensing",
                         department_id=dept, legal_limit_days=20, promised_limit_days=self.rng.choice([1, 3, 5, 10]),
                         max_visits=(visits := self.rng.choice([0, 1, 1, 2])), online_depth=4 if visits == 0 else self.rng.choice([2, 3]),
                         high_frequency=self.rng.random() < 0.3, enterprise_related=self.rng.random() < 0.4)
             for d, dept in enumerate(depts) for k in range(per)), batch_size=self.batch)
        by_dept: dict[int, list[int]] = {}
        for pk, dept in ServiceItem.objects.filter(code__startswith=f"LC{self.tag}-").values_list("id", "department_id"):
            by_dept.setdefault(dept, []).append(pk)
        return by_dept

    def load_users(self, depts):
        password = make_password(None)  # unusable: these people never log in
        users = [User(username=f"lc{self.tag}-office{i}", role=Role.OFFICE, password=password) for i in range(3)]
        for d, dept in enumerate(depts):
            users.append(User(username=f"lc{self.tag}-leader{d}", role=Role.LEADER, department_id=dept, password=password))
            users.append(User(username=f"lc{self.tag}-liaison{d}", role=Role.LIAISON, department_id=dept, password=password))
        User.objects.bulk_create(users, batch_size=self.batch)
        out = {"office": [], "leader": {}, "liaison": {}}
        for pk, role, dept in User.objects.filter(username__startswith=f"lc{self.tag}-").values_list("id", "role", "department_id"):
            if role == Role.OFFICE:
                out["office"].append(pk)
            else:
                out[role][dept] = pk
        return out

    def load_walkthroughs(self, depts, items, users, n):
        weights = self.zipf(len(depts))
        rng = self.rng
        chosen = rng.choices(depts, weights=weights, k=n)
        checklists = {mode: current_template(mode).pk for mode in MODES}  # walked with the checklist in force
        rows = []
        for dept in chosen:
            day = self.today - datetime.timedelta(days=rng.randrange(365))
            mode = rng.choice(MODES)
            rows.append(Walkthrough(service_item_id=rng.choice(items[dept]), department_id=dept, leader_id=users["leader"][dept],
                                    planned_by_id=users["office"][0], mode=mode, checklist_id=checklists[mode],
                                    scheduled_for=day, status="completed", observed_materials=rng.randrange(1, 12)))
        Walkthrough.objects.bulk_create(rows, batch_size=self.batch)
        # auto_now stamps "now"; spread the times over the year like the schedule.
        with connection.cursor() as cur:
            if self.pg:
                cur.execute("UPDATE inspections_walkthrough SET created_at = scheduled_for + time '09:00', "
                            "updated_at = scheduled_for + time '17:00', completed_at = scheduled_for + time '12:00' "
                            "WHERE leader_id = ANY(%s)", [list(users["leader"].values())])
        by_dept: dict[int, list[int]] = {}
        for pk, dept in Walkthrough.objects.filter(leader_id__in=users["leader"].values()).values_list("id", "department_id"):
            by_dept.setdefault(dept, []).append(pk)
        return by_dept

    @staticmethod
    def zipf(n, s=1.0):
        return [1 / (k + 1) ** s for k in range(n)]

    # --- big tables: COPY on PostgreSQL ----------------------------------------------------------

    def load_findings(self, depts, items, users, walks, total):
        rng = self.rng
        weights = self.zipf(len(depts))
        categories = list(Category.values)
        year = 365 * 86400
        counts = {"findings": 0, "transitions": 0, "comments": 0}
        secs = {"findings": 0.0, "transitions": 0.0, "comments": 0.0}
        office = users["office"]
        next_id = (Finding.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        done = 0
        while done < total:
            n = min(self.batch, total - done)
            dept_of = rng.choices(depts, weights=weights, k=n)
            f_rows, t_rows, c_rows = [], [], []
            for i in range(n):
                fid = next_id + done + i
                dept = dept_of[i]
                created = self.now - datetime.timedelta(seconds=rng.randrange(year))
                age_days = (self.now - created).days
                severity = self.weighted(SEVERITIES)
                r = rng.random()
                # Older findings are mostly struck off; recent ones still moving.
                if r < (0.85 if age_days > 60 else 0.35):
                    status = "closed" if rng.random() < 0.94 else "dismissed"
                elif r < (0.93 if age_days > 60 else 0.65):
                    status = "rectifying"
                elif r < (0.97 if age_days > 60 else 0.85):
                    status = "submitted"
                else:
                    status = "open"
                assigned = created + datetime.timedelta(hours=rng.randrange(2, 72)) if status != "open" else None
                due = (assigned.date() + datetime.timedelta(days=rng.choice([7, 15, 30]))) if assigned else None
                steps = [("open", "rectifying", assigned)] if assigned and status != "dismissed" else []
                submitted = closed = None
                if status in ("submitted", "closed"):
                    submitted = assigned + datetime.timedelta(days=rng.randrange(1, 40), hours=rng.randrange(24))
                    steps.append(("rectifying", "submitted", submitted))
                if status == "closed":
                    closed = submitted + datetime.timedelta(days=rng.randrange(1, 10))
                    steps.append(("submitted", "closed", closed))
                if status == "dismissed":
                    closed = created + datetime.timedelta(days=rng.randrange(1, 20))
                    steps.append(("open", "dismissed", closed))
                last = max([s[2] for s in steps] + [created])
                if last > self.now:  # a future stamp would break updated_since syncs
                    last = self.now
                    steps = [(a, b, min(at, self.now)) for a, b, at in steps]
                    closed = min(closed, self.now) if closed else None
                    submitted = min(submitted, self.now) if submitted else None
                walk = rng.choice(walks[dept]) if dept in walks and rng.random() < 0.9 else None
                item = rng.choice(items[dept])
                f_rows.append((fid, walk, "", "", item, dept, rng.choice(categories), severity,
                               f"{rng.choice(TITLES)}（{fid}）", "基准数据：办事群众反映的问题。", status, len(steps) + 1, due,
                               "已制定整改措施。" if submitted else "", office[0], created, last, assigned, submitted, closed))
                for a, b, at in steps:
                    actor = users["liaison"][dept] if b == "submitted" else office[0]
                    t_rows.append((fid, a, b, actor, at, ""))
                if not steps:  # every finding has a history: at least its filing
                    t_rows.append((fid, "open", "open", office[0], created, "登记"))
                if rng.random() < 0.2:
                    for _k in range(rng.randint(1, 3)):
                        at = created + datetime.timedelta(seconds=rng.randrange(max(1, int((last - created).total_seconds()) + 1)))
                        c_rows.append((fid, users["liaison"][dept] if rng.random() < 0.5 else office[0], rng.choice(COMMENTS), at))
            with transaction.atomic():
                for name, table, cols, rows in (
                    ("findings", "findings_finding",
                     "id, walkthrough_id, checklist_question, proposal_key, service_item_id, department_id, category, severity, "
                     "title, description, status, version, due_date, measures, created_by_id, created_at, updated_at, "
                     "assigned_at, submitted_at, closed_at", f_rows),
                    ("transitions", "findings_findingtransition", "finding_id, from_status, to_status, actor_id, at, note", t_rows),
                    ("comments", "findings_comment", "finding_id, author_id, body, created_at", c_rows),
                ):
                    t = time.perf_counter()
                    self.write(table, cols, rows)
                    secs[name] += time.perf_counter() - t
                    counts[name] += len(rows)
            done += n
            self.stdout.write(f"  {done:,}/{total:,} findings", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        if self.pg:
            with connection.cursor() as cur:
                cur.execute("SELECT setval(pg_get_serial_sequence('findings_finding', 'id'), (SELECT MAX(id) FROM findings_finding))")
        for name in ("findings", "transitions", "comments"):
            self.stats.append((name, counts[name], secs[name]))
        return counts

    def write(self, table, cols, rows):
        if not rows:
            return
        if self.pg:
            buf = io.StringIO()
            for row in rows:
                buf.write("\t".join(self.copy_value(v) for v in row))
                buf.write("\n")
            buf.seek(0)
            with connection.cursor() as cur:
                cur.cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
            return
        names = [c.strip() for c in cols.split(",")]
        model = {"findings_finding": Finding, "findings_findingtransition": FindingTransition, "findings_comment": Comment}[table]
        objs = []
        for row in rows:
            obj = model(**{n.replace("_id", "_id") if n != "id" else "id": v for n, v in zip(names, row)})
            objs.append(obj)
        model.objects.bulk_create(objs, batch_size=5000)
        # auto_now/auto_now_add overwrote the stamps: put them back.
        with connection.cursor() as cur:
            if table == "findings_finding":
                cur.executemany("UPDATE findings_finding SET created_at=%s, updated_at=%s WHERE id=%s",
                                [(r[15], r[16], r[0]) for r in rows])
            elif table == "findings_comment":
                pass  # created_at close enough on SQLite; stamps matter for PostgreSQL runs

    @staticmethod
    def copy_value(v):
        if v is None:
            return r"\N"
        if isinstance(v, datetime.datetime):
            return v.isoformat()
        if isinstance(v, str):
            return v.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
        return str(v)
