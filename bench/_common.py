"""Shared pieces of the campaign benchmarks: scratch PostgreSQL databases, the campaign loader,
gunicorn on a free loopback port, an office user with an API token, and latency statistics.

Scratch databases are always named ``cw_bench_*``; a database the bench did not create is only
read, never filled (``--db-big`` / ``--db-small`` take an existing one, loaded with
``manage.py load_campaign``, and are left alone).
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432/"
PYTHON = sys.executable


def url_of(db: str) -> str:
    return PG + db


def run(cmd: list[str], env: dict | None = None, quiet: bool = True) -> str:
    out = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def create_scratch(db: str, findings: int) -> float:
    """createdb + migrate + load_campaign; returns the load's wall-clock seconds."""
    assert db.startswith("cw_bench_"), db
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db])
    env = {"DATABASE_URL": url_of(db), "DEBUG": "false"}
    run([PYTHON, "manage.py", "migrate", "-v0"], env)
    started = time.perf_counter()
    out = run([PYTHON, "manage.py", "load_campaign", "--findings", str(findings)], env)
    secs = time.perf_counter() - started
    print(f"  loaded {findings:,} findings into {db} in {secs:.1f} s")
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    return secs


def drop_scratch(db: str) -> None:
    if db and db.startswith("cw_bench_"):
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", db], cwd=ROOT)


@contextlib.contextmanager
def campaign_db(given: str | None, scratch: str, findings: int):
    """The database to measure: ``given`` as it is (kept), or ``scratch`` loaded with ``findings``
    findings by ``create_scratch`` and dropped on the way out, whatever happened."""
    if given:
        yield given
        return
    try:
        create_scratch(scratch, findings)
        yield scratch
    finally:
        drop_scratch(scratch)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db: str, settings: str = "chizhou_walkthrough.settings.base") -> dict:
    return {"DATABASE_URL": url_of(db), "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT)}


class Gunicorn:
    """``with Gunicorn(db) as base_url:`` — gunicorn on a free port, killed (its process group) on exit."""

    def __init__(self, db: str, workers: int = 2, settings: str = "chizhou_walkthrough.settings.base", threads: int = 1):
        self.db, self.workers, self.settings, self.threads = db, workers, settings, threads
        self.proc = None

    def __enter__(self) -> str:
        self.port = free_port()
        cmd = [str(Path(PYTHON).parent / "gunicorn"), "chizhou_walkthrough.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
               "--workers", str(self.workers), "--threads", str(self.threads), "--log-level", "warning",
               "--timeout", "120"]
        self.log = open(f"/tmp/cw-bench-gunicorn-{self.port}.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **server_env(self.db, self.settings)},
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                return base
            except Exception:
                if self.proc.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {self.log.name}")
                time.sleep(0.1)
        raise SystemExit("gunicorn did not answer /healthz")

    def __exit__(self, *exc):
        stop(self.proc)
        self.log.close()


def stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)


OFFICE_SCRIPT = """
import django, sys; django.setup()
from accounts.models import User, Role, ApiToken
from accounts.actions import api_token_create
u, _ = User.objects.get_or_create(username="bench-office", defaults={"role": Role.OFFICE})
u.role = Role.OFFICE; u.is_active = True; u.set_password("bench-pass-2026!"); u.save()
ApiToken.objects.filter(user=u).delete()
_t, key = api_token_create(user=u, name="bench", created_by=None)
print(key)
"""


def office_token(db: str) -> str:
    """Creates (or resets) the office user ``bench-office`` / ``bench-pass-2026!`` and returns a fresh token."""
    return run([PYTHON, "-c", OFFICE_SCRIPT], server_env(db)).strip().splitlines()[-1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]
