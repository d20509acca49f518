"""Benchmark: the rectification ledger (整改台账) PDF and xlsx of ``--rows`` findings.

    python bench/ledger.py [--rows 1000] [--db cw_bench_x]

Times ``findings.reports.render.render_pdf`` for a ledger of ``--rows`` findings (1–4 transitions
each, as ``load_campaign`` writes them) and, as the floor, WeasyPrint alone rendering the same rows
— read beforehand, outside the timing — in a bare HTML table with the same stylesheets (so the same
embedded CJK font); prints both, their ratio (target ≤ 2×) and the peak memory of each: Python
allocations (``tracemalloc``, in a separate run because tracing slows Python down) and the
process's resident peak (``getrusage`` maxrss, each in a fresh subprocess so one does not inherit
the other's peak). Then the same for ``render_ledger_xlsx``.

Without ``--db`` it creates the scratch database ``cw_bench_ledger`` with ``manage.py load_campaign
--findings 10000`` and drops it at the end; a given ``--db`` is used as it is and kept.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--db")
    p.add_argument("--findings", type=int, default=10_000, help="campaign size when the script makes its own database")
    p.add_argument("--what", help=argparse.SUPPRESS)  # internal: pdf | bare | xlsx
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def one(what: str, rows: int, trace: bool) -> dict:
    sys.path.insert(0, str(c.ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from findings.models import Finding
    from findings.reports import render
    from findings.reports.data import ReportInput
    from inspections.models import Walkthrough

    ids = list(Finding.objects.order_by("created_at", "id").values_list("id", flat=True)[:rows])
    data = ReportInput(kind="ledger", findings=Finding.objects.filter(pk__in=ids), walkthroughs=Walkthrough.objects.none(),
                       walkthrough=None, department=None, period_start=None, period_end=None,
                       number="", issued_on=timezone.localdate())
    html = None
    if what == "bare":
        # The same rows, read and formatted before the clock starts: only WeasyPrint is timed.
        from django.utils import translation
        from django.utils.html import escape

        with translation.override(render.LANGUAGE), timezone.override("Asia/Shanghai"):
            ledger_rows = list(render._ledger_rows(render._ledger_findings(data)))
        cells = "".join(
            "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in (
                r.n, r.department, r.item, r.title, r.category, r.severity, r.found_on, r.due_date or "", r.status,
                "是" if r.overdue else "", r.measures, r.closed_on or "")) + f"<td>{'<br>'.join(escape(h) for h in r.history)}</td></tr>"
            for r in ledger_rows)
        html = f"<html><head><meta charset='utf-8'></head><body><table>{cells}</table></body></html>"

    def work():
        if what == "pdf":
            return len(render.render_pdf(data))
        if what == "bare":
            return len(render._html_to_pdf(html, render._no_progress))
        out = io.BytesIO()
        render.render_ledger_xlsx(data, out)
        return len(out.getvalue())

    if trace:
        tracemalloc.start()
        work()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"traced_peak": peak}
    t = time.perf_counter()
    size = work()
    secs = time.perf_counter() - t
    return {"secs": secs, "bytes": size, "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "rows": len(ids)}


def run_one(db: str, what: str, rows: int, trace: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": c.url_of(db), "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "chizhou_walkthrough.settings.base"}
    cmd = [sys.executable, __file__, "--what", what, "--rows", str(rows), "--db", db] + (["--trace"] if trace else [])
    out = subprocess.run(cmd, env=env, cwd=c.ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def mib(n: float) -> str:
    return f"{n / 2**20:7.1f} MiB"


def main():
    args = parse_args()
    if args.what:
        print(json.dumps(one(args.what, args.rows, args.trace)))
        return
    with c.campaign_db(args.db, "cw_bench_ledger", args.findings) as db:
        res = {}
        for what in ("pdf", "bare", "xlsx"):
            res[what] = run_one(db, what, args.rows, False)
            res[what].update(run_one(db, what, args.rows, True))
        n = res["pdf"]["rows"]
        print(f"Rectification ledger of {n:,} findings ({db})")
        print(f"  {'':40} {'seconds':>8} {'output':>10} {'tracemalloc peak':>17} {'maxrss':>12}")
        for what, label in (("pdf", "render_pdf (ledger)"), ("bare", "WeasyPrint, bare table, same rows+CSS"),
                            ("xlsx", "render_ledger_xlsx")):
            r = res[what]
            print(f"  {label:40} {r['secs']:8.2f} {r['bytes'] / 1024:8.0f}KiB {mib(r['traced_peak']):>17} {mib(r['maxrss']):>12}")
        ratio = res["pdf"]["secs"] / res["bare"]["secs"]
        print(f"  PDF ratio render_pdf / bare WeasyPrint: {ratio:.2f}× (target ≤ 2×: {'ok' if ratio <= 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
