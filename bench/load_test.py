"""Bounded load test: simulated users against gunicorn + PostgreSQL, on loopback, stopping by itself.

    python bench/load_test.py --db cw_bench_x [--users 50] [--duration 120] [--workers 2]

Starts gunicorn (base settings, DEBUG=false, ALLOWED_HOSTS=127.0.0.1) on a free loopback port
against ``--db`` (an existing database loaded with ``manage.py load_campaign``; or, without
``--db``, a scratch ``cw_bench_load`` of ``--findings`` findings, dropped at the end). Creates
``--users`` office users (``bench-load-N``) and one API token. Each simulated user logs in once
through the login form (session cookie, CSRF), then loops until the time is up over a realistic
mix with a think time of ``--think`` seconds: the dashboard, the findings list (with a status or
department filter), a finding's page, the catalog, the API findings list with a token and the API
walkthroughs list. Prints requests, errors (must be zero) and p50/p95/p99 latency per kind.
Only 127.0.0.1 is ever contacted; gunicorn is killed on exit.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402

USERS_SCRIPT = """
import django, sys; django.setup()
from accounts.models import User, Role
from django.contrib.auth.hashers import make_password
n = int(sys.argv[1]); pw = make_password("bench-pass-2026!")
for i in range(n):
    User.objects.update_or_create(username=f"bench-load-{i}", defaults={"role": Role.OFFICE, "password": pw, "is_active": True})
from findings.models import Finding
from services.models import ServiceItem
print(",".join(map(str, Finding.objects.order_by("-updated_at").values_list("id", flat=True)[:500])))
print(",".join(map(str, Finding.objects.values_list("department_id", flat=True).distinct()[:50])))
"""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", help="an existing database loaded with load_campaign (kept)")
    p.add_argument("--findings", type=int, default=100_000, help="campaign size when the script makes its own database")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--duration", type=int, default=120, help="seconds")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    p.add_argument("--think", type=float, default=1.0, help="seconds between a user's requests (±50 %%)")
    p.add_argument("--seed", type=int, default=2026)
    return p.parse_args()


class User:
    def __init__(self, base, name, token, finding_ids, dept_ids, rng):
        self.base, self.name, self.token, self.finding_ids, self.dept_ids, self.rng = base, name, token, finding_ids, dept_ids, rng
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self):
        page = self.opener.open(self.base + "/accounts/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": self.name, "password": "bench-pass-2026!"}).encode()
        req = urllib.request.Request(self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/accounts/login/"})
        resp = self.opener.open(req, timeout=60)
        if "/accounts/login/" in resp.geturl():
            raise RuntimeError(f"login failed for {self.name}")

    def next_request(self):
        r = self.rng
        kind = r.choices(["dashboard", "finding list", "finding page", "catalog", "api findings", "api walkthroughs"],
                         weights=[15, 25, 25, 10, 15, 10])[0]
        headers = {}
        if kind == "dashboard":
            path = "/dashboard/"
        elif kind == "finding list":
            path = r.choice(["/findings/", "/findings/?status=rectifying", f"/findings/?department={r.choice(self.dept_ids)}",
                             "/findings/?overdue=on"])
        elif kind == "finding page":
            path = f"/findings/{r.choice(self.finding_ids)}/"
        elif kind == "catalog":
            path = r.choice(["/catalog/", "/catalog/?page=2"])
        elif kind == "api findings":
            path = r.choice(["/api/v1/findings/?page_size=100", "/api/v1/findings/?page_size=100&status=rectifying",
                             f"/api/v1/findings/?page_size=100&department={r.choice(self.dept_ids)}"])
            headers = {"Authorization": f"Token {self.token}"}
        else:
            path = "/api/v1/walkthroughs/?page_size=50"
            headers = {"Authorization": f"Token {self.token}"}
        return kind, path, headers


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    with c.campaign_db(args.db, "cw_bench_load", args.findings) as db:
        out = c.run([sys.executable, "-c", USERS_SCRIPT, str(args.users)], c.server_env(db)).strip().splitlines()
        finding_ids = [int(x) for x in out[-2].split(",")]
        dept_ids = [int(x) for x in out[-1].split(",")]
        token = c.office_token(db)
        stats: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, list[str]] = defaultdict(list)
        lock = threading.Lock()
        with c.Gunicorn(db, workers=args.workers, threads=args.threads) as base:
            users = [User(base, f"bench-load-{i}", token, finding_ids, dept_ids, random.Random(rng.random())) for i in range(args.users)]
            stop_at = [0.0]

            def run_user(u: User):
                try:
                    t = time.perf_counter()
                    u.login()
                    with lock:
                        stats["login"].append(time.perf_counter() - t)
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        errors["login"].append(repr(exc))
                    return
                time.sleep(u.rng.uniform(0, args.think))  # users do not arrive in lockstep
                while time.perf_counter() < stop_at[0]:
                    kind, path, headers = u.next_request()
                    t = time.perf_counter()
                    try:
                        with u.opener.open(urllib.request.Request(base + path, headers=headers), timeout=60) as resp:
                            resp.read()
                            if resp.status != 200 or "/accounts/login/" in resp.geturl():
                                raise RuntimeError(f"{resp.status} {resp.geturl()}")
                        with lock:
                            stats[kind].append(time.perf_counter() - t)
                    except Exception as exc:  # noqa: BLE001
                        with lock:
                            errors[kind].append(f"{path}: {exc!r}")
                    time.sleep(args.think * u.rng.uniform(0.5, 1.5))

            stop_at[0] = time.perf_counter() + args.duration
            started = time.perf_counter()
            threads = [threading.Thread(target=run_user, args=(u,), daemon=True) for u in users]
            for th in threads:
                th.start()
            for th in threads:
                th.join(args.duration + 120)
            elapsed = time.perf_counter() - started
        total = sum(len(v) for v in stats.values())
        n_err = sum(len(v) for v in errors.values())
        print(f"Load test: {args.users} users, {args.duration} s, think {args.think} s, gunicorn {args.workers} workers × "
              f"{args.threads} threads, database {db}")
        print(f"  requests {total:,} in {elapsed:.0f} s = {total / elapsed:.1f} req/s; errors {n_err} "
              f"({'ok' if n_err == 0 else 'MISSED: must be zero'})")
        print(f"  {'kind':18} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for kind in ["login", "dashboard", "finding list", "finding page", "catalog", "api findings", "api walkthroughs"]:
            v = stats.get(kind, [])
            print(f"  {kind:18} {len(v):9,} {len(errors.get(kind, [])):7} {c.percentile(v, 50) * 1000:8.0f} "
                  f"{c.percentile(v, 95) * 1000:8.0f} {c.percentile(v, 99) * 1000:8.0f}")
        for kind, errs in errors.items():
            for e in errs[:3]:
                print(f"  error ({kind}): {e}")


if __name__ == "__main__":
    main()
