"""Benchmark: the dashboard (``dashboard_figures``, the ``/dashboard/`` page) and the findings page at two data sizes.

    python bench/dashboard.py [--small 10000] [--big 1000000] [--db-small cw_bench_x --db-big cw_bench_y]

For each campaign it times, in a process of its own connected to that database (base settings,
DEBUG=false), the median of ``--repeat`` runs of ``dashboard_figures`` for the office (the whole
city) and for the busiest department, and of the whole ``/dashboard/`` page for an office user
(through Django's test client: view, queries and template, no HTTP server), and of the ``/findings/``
page (unfiltered, the busiest department's rectifying findings, overdue), and prints the ratio
big / small (target ≤ 3×) and the number of queries per page.

Without ``--db-*`` it creates scratch databases ``cw_bench_dash_small``/``cw_bench_dash_big`` with
``manage.py load_campaign`` and drops them at the end; a given ``--db-*`` is used as it is and kept.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--small", type=int, default=10_000)
    p.add_argument("--big", type=int, default=1_000_000)
    p.add_argument("--db-small")
    p.add_argument("--db-big")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure this database, print JSON
    return p.parse_args()


def measure(repeat: int) -> dict:
    sys.path.insert(0, str(c.ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, User
    from findings.dashboard import Filters, dashboard_figures
    from findings.models import Finding
    from django.db.models import Count

    def median_of(fn):
        fn()  # warm
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    busiest = Finding.objects.values("department").annotate(n=Count("id")).order_by("-n").first()["department"]
    office, _ = User.objects.get_or_create(username="bench-office", defaults={"role": Role.OFFICE})
    client = Client()
    client.force_login(office)
    out = {"findings": Finding.objects.count()}
    out["figures_office"] = median_of(lambda: dashboard_figures(scope_department_id=None, filters=Filters()))
    out["figures_department"] = median_of(lambda: dashboard_figures(scope_department_id=busiest, filters=Filters()))

    def page():
        r = client.get("/dashboard/")
        assert r.status_code == 200, r.status_code

    out["page_office"] = median_of(page)
    with CaptureQueriesContext(connection) as ctx:
        page()
    out["page_queries"] = len(ctx.captured_queries)

    def findings_page(query=""):
        def get():
            r = client.get(f"/findings/{query}")
            assert r.status_code == 200, r.status_code
        return get

    out["findings_office"] = median_of(findings_page())
    out["findings_filtered"] = median_of(findings_page(f"?department={busiest}&status=rectifying"))
    out["findings_overdue"] = median_of(findings_page("?overdue=on"))
    with CaptureQueriesContext(connection) as ctx:
        findings_page()()
    out["findings_queries"] = len(ctx.captured_queries)
    return out


def run_measure(db: str, repeat: int) -> dict:
    env = {**os.environ, "DATABASE_URL": c.url_of(db), "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "chizhou_walkthrough.settings.base"}
    env.pop("ALLOWED_HOSTS", None)  # the test client's host "testserver" is in the default list
    out = subprocess.run([sys.executable, __file__, "--measure", db, "--repeat", str(repeat)], env=env, cwd=c.ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    with c.campaign_db(args.db_small, "cw_bench_dash_small", args.small) as small, \
            c.campaign_db(args.db_big, "cw_bench_dash_big", args.big) as big:
        s, b = run_measure(small, args.repeat), run_measure(big, args.repeat)
        print(f"Dashboard, median of {args.repeat} runs (in-process, PostgreSQL)")
        print(f"  {'':34} {s['findings']:>12,} {b['findings']:>12,}   ratio (target ≤ 3)")
        for key, label in (("figures_office", "dashboard_figures, office"),
                           ("figures_department", "dashboard_figures, busiest dept"),
                           ("page_office", "/dashboard/ page, office"),
                           ("findings_office", "/findings/ page, office"),
                           ("findings_filtered", "/findings/?department=…&status=…"),
                           ("findings_overdue", "/findings/?overdue=on")):
            ratio = b[key] / s[key]
            # The target is for pages; the function alone is shown for where the time goes.
            verdict = "(part of the page)" if key.startswith("figures") else "ok" if ratio <= 3 else "MISSED"
            print(f"  {label:34} {s[key] * 1000:10.1f}ms {b[key] * 1000:10.1f}ms   {ratio:6.1f}×  {verdict}")
        print(f"  queries per /dashboard/ page       {s['page_queries']:>12} {b['page_queries']:>12}")
        print(f"  queries per /findings/ page        {s['findings_queries']:>12} {b['findings_queries']:>12}")


if __name__ == "__main__":
    main()
