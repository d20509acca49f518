"""Benchmark: the findings list API (``GET /api/v1/findings/?page_size=100``) at two data sizes.

    python bench/api_list.py [--small 10000] [--big 1000000] [--db-small cw_bench_x --db-big cw_bench_y]

Against gunicorn (``--workers 2``, base settings with DEBUG=false, ALLOWED_HOSTS=127.0.0.1) on a free
loopback port, with a token of an office user the script creates, it times the first page without a
filter and with each filter (status, department — the busiest and a quiet one —, overdue,
updated_since) on a small and a big campaign, and prints the median server time of ``--repeat``
requests at each size and their ratio (target ≤ 1.5). Then, on the big campaign, it runs
``wrk -t2 -c16 -d10s`` (or a threaded Python client when wrk is missing) against the API and
against a bare Django view returning the same 100 rows with ``.values()`` (``bench/bare_urls.py``,
served through ``bench/bench_settings.py``, never part of the app) and prints the throughput ratio
(target ≥ 0.5).

Without ``--db-*`` it creates scratch databases ``cw_bench_api_small``/``cw_bench_api_big`` with
``manage.py load_campaign`` and drops them at the end; a given ``--db-*`` is used as it is and kept.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--small", type=int, default=10_000, help="findings in the small campaign")
    p.add_argument("--big", type=int, default=1_000_000, help="findings in the big campaign")
    p.add_argument("--db-small", help="an existing database loaded with load_campaign (kept)")
    p.add_argument("--db-big", help="an existing database loaded with load_campaign (kept)")
    p.add_argument("--repeat", type=int, default=15, help="requests per query (median taken)")
    p.add_argument("--duration", type=int, default=10, help="seconds of each load run")
    p.add_argument("--connections", type=int, default=16)
    return p.parse_args()


def department_ids(db: str) -> tuple[int, int]:
    """The busiest department and a quiet one (median of those that have findings)."""
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-At", "-c",
                          "SELECT department_id FROM findings_finding GROUP BY 1 ORDER BY count(*) DESC"],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[len(out) // 2])


def get(url: str, headers: dict) -> tuple[float, bytes]:
    req = urllib.request.Request(url, headers=headers)
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url}: {resp.status}")
    return time.perf_counter() - t, body


def time_queries(db: str, repeat: int) -> dict[str, float]:
    token = c.office_token(db)
    busy, quiet = department_ids(db)
    since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)).replace(microsecond=0).isoformat()
    since = since.replace("+00:00", "Z")
    queries = {
        "no filter": "",
        "status=rectifying": "&status=rectifying",
        "department=<busiest>": f"&department={busy}",
        "department=<quiet>": f"&department={quiet}",
        "overdue=true": "&overdue=true",
        "updated_since=<2 days ago>": f"&updated_since={since}",
    }
    headers = {"Authorization": f"Token {token}"}
    out = {}
    with c.Gunicorn(db) as base:
        for name, q in queries.items():
            url = f"{base}/api/v1/findings/?page_size=100{q}"
            for _ in range(3):  # warm: connections, caches, the plan
                _secs, body = get(url, headers)
            times = [get(url, headers)[0] for _ in range(repeat)]
            rows = len(json.loads(body)["results"])
            out[name] = statistics.median(times)
            print(f"    {name:28} {out[name] * 1000:8.1f} ms  ({rows} rows)")
    return out


def load(url: str, headers: dict, duration: int, connections: int) -> tuple[float, int]:
    """Requests per second and non-2xx count, with wrk if present, else a threaded client."""
    if shutil.which("wrk"):
        cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s"]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        if errors:
            print(f"      wrk socket errors: {errors.group(1)}")
        return rps, int(bad.group(1)) if bad else 0
    done, bad = [0], [0]
    stop_at = time.perf_counter() + duration
    lock = threading.Lock()

    def worker():
        while time.perf_counter() < stop_at:
            try:
                get(url, headers)
                with lock:
                    done[0] += 1
            except Exception:
                with lock:
                    bad[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return done[0] / (time.perf_counter() - t), bad[0]


def main():
    args = parse_args()
    # Every request carries the one office token: past the user rate (1,200 a minute by default)
    # the API answers 429, which wrk counts as requests served. The throttle still runs on every
    # request; it just never refuses here.
    os.environ.setdefault("API_THROTTLE_USER", "1000000/minute")
    with c.campaign_db(args.db_small, "cw_bench_api_small", args.small) as small, \
            c.campaign_db(args.db_big, "cw_bench_api_big", args.big) as big:
        sizes = {}
        for label, db in (("small", small), ("big", big)):
            n = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-At", "-c",
                                "SELECT count(*) FROM findings_finding"], capture_output=True, text=True, check=True).stdout.strip()
            sizes[label] = int(n)
        print(f"API list, page_size=100, median of {args.repeat} sequential requests (loopback, gunicorn --workers 2)")
        print(f"  {sizes['small']:,} findings ({small}):")
        t_small = time_queries(small, args.repeat)
        print(f"  {sizes['big']:,} findings ({big}):")
        t_big = time_queries(big, args.repeat)
        print(f"\n  {'query':28} {'small ms':>9} {'big ms':>9} {'ratio':>6}  (target ≤ 1.5)")
        for name in t_small:
            ratio = t_big[name] / t_small[name]
            print(f"  {name:28} {t_small[name] * 1000:9.1f} {t_big[name] * 1000:9.1f} {ratio:6.2f}  {'ok' if ratio <= 1.5 else 'MISSED'}")

        print(f"\nThroughput on {sizes['big']:,} findings ({'wrk -t2' if shutil.which('wrk') else 'threaded client'}, "
              f"{args.connections} connections, {args.duration} s each)")
        token = c.office_token(big)
        with c.Gunicorn(big, settings="bench.bench_settings") as base:
            api_url = f"{base}/api/v1/findings/?page_size=100"
            bare_url = f"{base}/bare/findings/?page_size=100"
            get(api_url, {"Authorization": f"Token {token}"})
            get(bare_url, {})
            api_rps, api_bad = load(api_url, {"Authorization": f"Token {token}"}, args.duration, args.connections)
            bare_rps, bare_bad = load(bare_url, {}, args.duration, args.connections)
        print(f"  API  /api/v1/findings/?page_size=100   {api_rps:8.1f} req/s  (non-2xx {api_bad})")
        print(f"  bare .values() view, same 100 rows      {bare_rps:8.1f} req/s  (non-2xx {bare_bad})")
        ratio = api_rps / bare_rps
        print(f"  ratio API / bare                        {ratio:8.2f}      (target ≥ 0.5: {'ok' if ratio >= 0.5 else 'MISSED'})")


if __name__ == "__main__":
    main()
