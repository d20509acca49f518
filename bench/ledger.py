"""Benchmark: the rectification ledger (整改台账), PDF and xlsx, as the app makes it — in pieces, by
real ``celery worker`` processes — against today's single render.

    python bench/ledger.py --rows 10000 [--db l_db] [--small 1000 --db-small l_db_1000] [--workers 1,2]

Measured in one run, on PostgreSQL and Redis (``REDIS_URL``; the workers take a queue of their own):

1. *single*: today's path, ``render_pdf`` + ``render_ledger_xlsx`` of the ``--small`` ledger in one
   fresh process (``--single-big`` also at ``--rows``: slow, and about 0.3 MiB a row);
2. *pieces*: ``report_request`` of the whole city's ledger (every finding of the database) with 1 and
   with 2 worker processes (``celery worker --pool=solo -c 1`` each, started fresh for each run), at
   ``--small`` and at ``--rows`` findings: wall time from the request to the report done (both files
   stored), time per row, and the peak resident memory (``VmHWM``) of every process involved — each
   worker, and the process that asked and waited. Cold: the page-number stamps the app keeps
   (``reports/stamps/`` in storage) are removed before each run.

Then the targets: peak RSS of any process ≤ 600 MiB; time per row at ``--rows`` no worse than at
``--small`` (one worker each); two workers' wall time ≤ 0.6 × one worker's; the pieces at ``--small``
no slower than the single render.

Without ``--db`` / ``--db-small`` it makes the scratch databases ``cw_bench_ledger_<n>`` with
``manage.py load_campaign --findings <n>`` and drops them at the end; a given database is used as it
is (every finding in it is a row of the ledger) and kept.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402

LIMIT_MIB = 600


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=10_000, help="findings of the big ledger")
    p.add_argument("--small", type=int, default=1000, help="findings of the small ledger (compared with the single render)")
    p.add_argument("--db", help="an existing database holding the big ledger's findings (kept)")
    p.add_argument("--db-small", help="an existing database holding the small ledger's findings (kept)")
    p.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    p.add_argument("--chunk-rows", type=int, help="REPORT_LEDGER_CHUNK_ROWS for the workers (default: the setting's)")
    p.add_argument("--single-big", action="store_true", help="also the single render at --rows (minutes, GiBs)")
    p.add_argument("--skip-single", action="store_true")
    p.add_argument("--what", help=argparse.SUPPRESS)  # internal: single | drive
    return p.parse_args()


def vm_hwm(pid: int) -> int:
    """Peak resident memory of a live process, in bytes (``VmHWM``)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# --- inside the child processes -------------------------------------------------------------------

def single() -> dict:
    """Today's single render of the whole ledger, PDF and xlsx, in this process."""
    import io

    import django

    sys.path.insert(0, str(c.ROOT))
    django.setup()
    from django.utils import timezone

    from findings.models import Finding
    from findings.reports import render
    from findings.reports.data import ReportInput
    from inspections.models import Walkthrough

    data = ReportInput(kind="ledger", findings=Finding.objects.all(), walkthroughs=Walkthrough.objects.none(),
                       walkthrough=None, department=None, period_start=None, period_end=None,
                       number="", issued_on=timezone.localdate())
    started = time.perf_counter()
    pdf = render.render_pdf(data)
    out = io.BytesIO()
    render.render_ledger_xlsx(data, out)
    secs = time.perf_counter() - started
    from pypdf import PdfReader

    return {"secs": secs, "rows": Finding.objects.count(), "pages": len(PdfReader(io.BytesIO(pdf)).pages),
            "pdf_bytes": len(pdf), "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def drive() -> dict:
    """Ask for the ledger as the office does (``report_request``) and wait until it is done."""
    import django

    sys.path.insert(0, str(c.ROOT))
    django.setup()
    from pypdf import PdfReader

    from accounts.models import Role, User
    from findings.models import Finding, Report, ReportPart
    from findings.reports import actions

    office, _new = User.objects.get_or_create(username="bench-ledger", defaults={"role": Role.OFFICE})
    Report.objects.filter(kind="ledger").delete()  # not the same request's report again: a new one
    started = time.perf_counter()
    report = actions.report_request(actor=office, kind="ledger")
    while True:
        report.refresh_from_db()
        if report.status in ("done", "failed"):
            break
        time.sleep(0.2)
    secs = time.perf_counter() - started
    if report.status != "done":
        raise SystemExit(f"the ledger failed: {report.error}")
    with report.pdf.open("rb") as fh:
        pages = len(PdfReader(fh).pages)
    parts = ReportPart.objects.filter(report=report, role=ReportPart.CHUNK)
    return {"secs": secs, "rows": Finding.objects.count(), "pages": pages, "parts": parts.count(),
            "pdf_bytes": report.pdf.size, "xlsx_bytes": report.xlsx.size,
            "attempts": sorted(set(parts.values_list("attempts", flat=True))),
            "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


# --- the conductor --------------------------------------------------------------------------------

def env_for(db: str, queue: str, chunk_rows: int | None) -> dict:
    env = {**os.environ, "DATABASE_URL": c.url_of(db), "DEBUG": "false", "CELERY_QUEUE": queue,
           "DJANGO_SETTINGS_MODULE": "chizhou_walkthrough.settings.base", "PYTHONPATH": str(c.ROOT),
           "PYTHONUNBUFFERED": "1"}
    if chunk_rows:
        env["REPORT_LEDGER_CHUNK_ROWS"] = str(chunk_rows)
    return env


def child(what: str, db: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--what", what], env=env, cwd=c.ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


class Workers:
    """``n`` fresh ``celery worker --pool=solo -c 1`` processes on their own queue; their VmHWM is read
    (sampled, and once more before they stop)."""

    def __init__(self, n: int, env: dict):
        self.n, self.env, self.procs, self.peaks = n, env, [], {}

    def __enter__(self):
        celery = str(Path(sys.executable).parent / "celery")
        for i in range(self.n):
            proc = subprocess.Popen(
                [celery, "-A", "chizhou_walkthrough", "worker", "--pool=solo", "-c", "1", "--loglevel=INFO",
                 "-Q", self.env["CELERY_QUEUE"], "-n", f"bench-ledger-{i}@%h", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--prefetch-multiplier=1"],
                cwd=c.ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
            ready = threading.Event()
            threading.Thread(target=self._read, args=(proc, ready), daemon=True).start()
            if not ready.wait(90):
                raise SystemExit("a celery worker did not become ready")
            self.procs.append(proc)
        self.stop_sampling = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _read(self, proc, ready):
        self.log = getattr(self, "log", [])
        for line in proc.stdout:
            self.log.append(line)
            if " ready." in line:
                ready.set()

    def _sample(self):
        while not self.stop_sampling.wait(0.5):
            self._read_peaks()

    def _read_peaks(self):
        for i, proc in enumerate(self.procs):
            self.peaks[i] = max(self.peaks.get(i, 0), vm_hwm(proc.pid))

    def __exit__(self, *exc):
        self.stop_sampling.set()
        self._read_peaks()
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def media_root() -> Path:
    return Path(os.environ.get("MEDIA_ROOT") or Path(os.environ.get("VAR_DIR") or c.ROOT / "var") / "media")


def pieces(db: str, workers: int, chunk_rows: int | None) -> dict:
    env = env_for(db, f"bench-ledger-{os.getpid()}-{workers}", chunk_rows)
    # Cold: the page-number stamps the app keeps (reports/stamps/) are laid out again in this run.
    shutil.rmtree(media_root() / "reports" / "stamps", ignore_errors=True)
    with Workers(workers, env) as running:
        result = child("drive", db, env)
    result["workers_peak"] = [running.peaks[i] for i in range(workers)]
    return result


def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def main():
    args = parse_args()
    if args.what:
        print(json.dumps({"single": single, "drive": drive}[args.what]()))
        return
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the workers and the request share the broker)")
    counts = [int(n) for n in args.workers.split(",")]
    with c.campaign_db(args.db_small, f"cw_bench_ledger_{args.small}", args.small) as small, \
            c.campaign_db(args.db, f"cw_bench_ledger_{args.rows}", args.rows) as big:
        load = os.getloadavg()
        print(f"Rectification ledger — {os.cpu_count()} CPUs, load average {load[0]:.2f} at the start")
        single_runs = {}
        if not args.skip_single:
            single_runs[args.small] = child("single", small, env_for(small, "unused", None))
            if args.single_big:
                single_runs[args.rows] = child("single", big, env_for(big, "unused", None))
        runs = {}
        for size, db in ((args.small, small), (args.rows, big)):
            for n in counts:
                runs[size, n] = pieces(db, n, args.chunk_rows)
                r = runs[size, n]
                print(f"  … {r['rows']:,} rows, {n} worker(s): {r['secs']:.1f} s", flush=True)

        print(f"\n  {'ledger':<34} {'rows':>7} {'pages':>6} {'wall s':>8} {'ms/row':>7}  peak RSS per process")
        for size, r in single_runs.items():
            print(f"  {'single render (today), 1 process':<34} {r['rows']:7,} {r['pages']:6} {r['secs']:8.1f} "
                  f"{1000 * r['secs'] / r['rows']:7.1f}  render {mib(r['maxrss'])}")
        for (size, n), r in runs.items():
            peaks = ", ".join(f"worker{i + 1} {mib(p)}" for i, p in enumerate(r["workers_peak"]))
            label = f"{r['parts']} pieces, {n} worker{'s' if n > 1 else ''}"
            print(f"  {label:<34} {r['rows']:7,} {r['pages']:6} {r['secs']:8.1f} {1000 * r['secs'] / r['rows']:7.1f}  "
                  f"{peaks}; requester {mib(r['maxrss'])}")
        print(f"  load average at the end: {os.getloadavg()[0]:.2f}")

        def verdict(ok: bool) -> str:
            return "ok" if ok else "MISSED"

        print("\n  targets")
        big_runs = [r for (size, _n), r in runs.items() if size == args.rows]
        peak = max(max(r["workers_peak"] + [r["maxrss"]]) for r in big_runs)
        print(f"  peak RSS of any process at {args.rows:,} rows: {mib(peak)} (≤ {LIMIT_MIB} MiB: {verdict(peak <= LIMIT_MIB * 2**20)})")
        if (args.small, 1) in runs and (args.rows, 1) in runs:
            a = runs[args.small, 1]["secs"] / runs[args.small, 1]["rows"]
            b = runs[args.rows, 1]["secs"] / runs[args.rows, 1]["rows"]
            print(f"  time per row, one worker: {1000 * b:.1f} ms at {args.rows:,} vs {1000 * a:.1f} ms at {args.small:,}: "
                  f"{b / a:.2f}× (≤ 1: {verdict(b <= a)})")
        for size in (args.small, args.rows):
            if (size, 1) in runs and (size, 2) in runs:
                ratio = runs[size, 2]["secs"] / runs[size, 1]["secs"]
                print(f"  two workers / one worker at {size:,} rows: {ratio:.2f}× (≤ 0.6: {verdict(ratio <= 0.6)})")
        if args.small in single_runs:
            base = single_runs[args.small]["secs"]
            for n in counts:
                if (args.small, n) in runs:
                    ratio = runs[args.small, n]["secs"] / base
                    print(f"  pieces with {n} worker(s) / single render at {args.small:,} rows: {ratio:.2f}× (≤ 1: {verdict(ratio <= 1)})")


if __name__ == "__main__":
    main()
