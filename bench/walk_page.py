"""The walk page on a slow mobile network: how long until a head can tap an event button, and how
many bytes the phone downloads — cold (first visit: no HTTP cache, no service worker) and warm
(second visit in the same browser: HTTP cache and service worker).

    . .venv/bin/activate
    python bench/walk_page.py                       # both storages, 5 runs each, 1.6 Mbit/s, 150 ms
    python bench/walk_page.py --storage manifest --runs 3 --verbose

What runs is what production serves: ``collectstatic`` into a scratch folder, gunicorn (2 workers,
DEBUG off) with whitenoise serving the collected, compressed files, on a scratch PostgreSQL database
``cw_bench_walk`` (migrated, ``load_demo_data``, one walkthrough in progress for ``leader_amr`` with
a few events; dropped at the end) — or ``--database-url`` (used as it is, must hold the demo data).
Two static storages are compared (``STATICFILES_BACKEND``, chizhou_walkthrough/settings/base.py):

- ``plain`` (before): ``CompressedStaticFilesStorage``, plain names, whitenoise's ``max-age=60``;
- ``manifest`` (after): ``CompressedManifestStaticFilesStorage``, content-hashed names,
  ``max-age=315360000, immutable``, and the service worker precaching the page's hashed files.

The network: Debian's chromium (Playwright drives it) talks to a throttling TCP proxy in front of
gunicorn, ``--latency`` ms round trip (half each way, plus one round trip to open a connection) and
``--kbps`` kbit/s shared by all connections in each direction. A proxy rather than Chromium's own
``Network.emulateNetworkConditions``: that one throttles only the page's requests, not those the
service worker makes (the walk page's HTML on a warm visit comes through it), so it would flatter
the warm figures. Bytes are those the proxy delivers to the browser (bodies as sent — brotli or gzip
— plus HTTP headers), until the buttons are usable and in all (after the page settled: the service
worker's install included).

"Usable" is the moment static/js/walk.js has attached its handlers: it stamps ``#walk[data-ready]``
with ``performance.now()`` (ms since navigation start); the bench then checks the first event
button is visible and enabled. Each run prints that time; the summary gives median and worst.
``--later S`` adds one warm visit S seconds after the first (default 65: past the plain storage's
``max-age=60``, so its files are revalidated as on any later day; 0 skips it).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, drop_scratch, free_port, run, stop, url_of  # noqa: E402

BACKENDS = {
    "plain": "whitenoise.storage.CompressedStaticFilesStorage",
    "manifest": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
LEADER, PASSWORD = "leader_amr", "Chizhou@2026"  # campaign/demo_data.py

WALK_SCRIPT = f"""
import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizhou_walkthrough.settings.base")
import django; django.setup()
from django.utils import timezone
from accounts.models import User
from inspections import actions
from inspections.models import Status
from services.models import ServiceItem
leader = User.objects.get(username={LEADER!r})
item = ServiceItem.objects.filter(department=leader.department, steps__isnull=False).distinct().order_by("pk").first()
w = actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode="simulate", identity="applicant",
                             channel="window", scheduled_for=timezone.localdate())
w = actions.walkthrough_transition(walkthrough=w, to=Status.IN_PROGRESS, actor=leader)
for kind, note in [("consultation", "窗口人员解答清楚"), ("queueing", "取号 A023"), ("note", "窗口未一次性告知所需材料")]:
    try:
        actions.event_add(walkthrough=w, actor=leader, kind=kind, note=note)
    except Exception as error:  # a kind this catalog does not offer: the page is measured anyway
        print("event not added:", kind, error)
print(w.pk)
"""


# --- the throttled link -------------------------------------------------------------------------------

class Link:
    """One direction of the phone's link: bytes leave at ``rate`` bytes/s, one after the other, and
    arrive ``delay`` s later (a bottleneck queue followed by the propagation delay)."""

    def __init__(self, rate: float, delay: float):
        self.rate, self.delay, self.free_at = rate, delay, 0.0

    def arrival(self, size: int, ready: float) -> float:
        start = max(ready, self.free_at)
        self.free_at = start + size / self.rate
        return self.free_at + self.delay


class ThrottlingProxy:
    """A TCP proxy on a free loopback port in front of ``target_port``, run in its own thread."""

    def __init__(self, target_port: int, latency_ms: float, kbps: float):
        self.target_port, self.rtt = target_port, latency_ms / 1000
        rate = kbps * 1000 / 8
        self.down, self.up = Link(rate, self.rtt / 2), Link(rate, self.rtt / 2)
        self.delivered: list[tuple[float, int]] = []  # (epoch s, bytes) delivered to the browser
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.started.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.server = server
        self.started.set()
        self.loop.run_forever()

    async def _client(self, c_reader, c_writer):
        opened = time.time()
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            c_writer.close()
            return
        # The browser may send its request after the handshake: one round trip after connecting.
        await asyncio.gather(self._pipe(c_reader, s_writer, self.up, opened + self.rtt, False),
                             self._pipe(s_reader, c_writer, self.down, 0.0, True), return_exceptions=True)

    async def _pipe(self, reader, writer, link, not_before, count):
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                pause = at - time.time()
                if pause > 0:
                    await asyncio.sleep(pause)
                writer.write(data)
                await writer.drain()
                if count:
                    self.delivered.append((time.time(), len(data)))
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                pass

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(4096):
                queue.put_nowait((link.arrival(len(data), max(time.time(), not_before)), data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((0, None))
        try:
            await sender
        except (ConnectionError, OSError):
            pass
        writer.close()

    def bytes_between(self, start: float, end: float) -> int:
        return sum(n for at, n in list(self.delivered) if start <= at <= end)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


# --- the server ------------------------------------------------------------------------------------------

def server_env(database_url: str, storage: str, static_root: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "chizhou_walkthrough.settings.base", "PYTHONPATH": str(ROOT),
            "STATIC_ROOT": static_root, "STATICFILES_BACKEND": BACKENDS[storage]}


class Gunicorn:
    def __init__(self, env: dict, root: Path):
        self.env, self.root, self.proc = env, root, None

    def __enter__(self) -> int:
        self.port = free_port()
        cmd = [str(Path(PYTHON).parent / "gunicorn"), "chizhou_walkthrough.wsgi:application", "--bind",
               f"127.0.0.1:{self.port}", "--workers", "2", "--log-level", "warning", "--timeout", "120"]
        self.log = open(f"/tmp/cw-bench-walk-gunicorn-{self.port}.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return self.port
            except Exception:
                if self.proc.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {self.log.name}")
                time.sleep(0.1)
        raise SystemExit("gunicorn did not answer /healthz")

    def __exit__(self, *exc):
        stop(self.proc)
        self.log.close()


# --- the browser ------------------------------------------------------------------------------------------

READY = "() => { const w = document.getElementById('walk'); return w && w.dataset.ready ? Number(w.dataset.ready) : null; }"


def watch_requests(context, page):
    """Per-request log from the page's own DevTools session (not the service worker's)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    requests: dict[str, dict] = {}
    cdp.on("Network.requestWillBeSent", lambda e: requests.setdefault(e["requestId"], {"url": e["request"]["url"]}))
    def response(e):
        headers = {k.lower(): v for k, v in e["response"].get("headers", {}).items()}
        requests.setdefault(e["requestId"], {}).update(
            status=e["response"]["status"], sw=e["response"].get("fromServiceWorker", False),
            disk=e["response"].get("fromDiskCache", False), encoding=headers.get("content-encoding", ""),
            cache=headers.get("cache-control", ""))

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished", lambda e: requests.setdefault(e["requestId"], {}).update(bytes=e["encodedDataLength"]))
    cdp.on("Network.requestServedFromCache", lambda e: requests.setdefault(e["requestId"], {}).update(memory=True))
    return requests


def visit(context, proxy, url, verbose):
    page = context.new_page()
    requests = watch_requests(context, page)
    page.goto(url, wait_until="commit", timeout=60000)
    page.wait_for_function(READY, timeout=60000)
    ready_ms, origin = page.evaluate(READY), page.evaluate("performance.timeOrigin") / 1000
    button = page.locator("#timeline .tapgrid button").first
    assert button.is_visible() and button.is_enabled(), "the first event button is not usable"
    ready_at = origin + ready_ms / 1000
    # Settled: the load done, the service worker active and its install (precache) finished.
    page.wait_for_load_state("load")
    page.evaluate("() => navigator.serviceWorker ? navigator.serviceWorker.ready.then(() => true) : true")
    page.wait_for_timeout(2500)
    result = {"ready_ms": ready_ms, "bytes_ready": proxy.bytes_between(origin - 0.05, ready_at),
              "bytes_all": proxy.bytes_between(origin - 0.05, time.time())}
    if verbose:
        for r in requests.values():
            where = "service worker" if r.get("sw") else "memory cache" if r.get("memory") else "disk cache" if r.get("disk") else "network"
            print(f"      {r.get('status', '-')!s:>3} {r.get('bytes', 0):>7,} B {where:<14} {r.get('encoding', ''):<3} "
                  f"{r.get('url', '?').split('127.0.0.1', 1)[-1][:90]}  [{r.get('cache', '')}]")
    page.close()
    return result


def measure(storage: str, database_url: str, walk_pk: int, args) -> dict:
    from playwright.sync_api import sync_playwright

    static_root = tempfile.mkdtemp(prefix=f"cw-bench-static-{storage}-")
    env = server_env(database_url, storage, static_root)
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=args.app_root, env=env, check=True)
    print(f"  [{storage}] collectstatic in {time.perf_counter() - started:.1f} s")
    figures = {"cold": [], "warm": [], "later": []}
    try:
        env["PYTHONPATH"] = str(args.app_root)
        with Gunicorn(env, args.app_root) as port, sync_playwright() as pw:
            proxy = ThrottlingProxy(port, args.latency, args.kbps)
            base = f"http://127.0.0.1:{proxy.port}"
            url = f"{base}/walkthroughs/{walk_pk}/"
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
            phone = dict(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                         device_scale_factor=2, service_workers="allow")
            # Signed in once, unthrottled (its own context: nothing of it is cached in the measured ones).
            login = browser.new_context(**phone)
            page = login.new_page()
            page.goto(f"http://127.0.0.1:{port}/accounts/login/")
            page.get_by_label("用户名").fill(LEADER)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"http://127.0.0.1:{port}/")
            cookies = [{**c, "domain": "127.0.0.1"} for c in login.cookies()]
            login.close()
            for n in range(1, args.runs + 1):
                context = browser.new_context(**phone)
                context.add_cookies(cookies)
                cold = visit(context, proxy, url, args.verbose and n == 1)
                warm = visit(context, proxy, url, args.verbose and n == 1)
                figures["cold"].append(cold)
                figures["warm"].append(warm)
                line = (f"  [{storage}] run {n}: cold {cold['ready_ms']:,.0f} ms, {cold['bytes_ready'] / 1000:,.1f} kB "
                        f"({cold['bytes_all'] / 1000:,.1f} kB in all) · warm {warm['ready_ms']:,.0f} ms, "
                        f"{warm['bytes_ready'] / 1000:,.1f} kB ({warm['bytes_all'] / 1000:,.1f} kB in all)")
                if n == 1 and args.later:
                    time.sleep(max(0, args.later - 3))
                    later = visit(context, proxy, url, args.verbose)
                    figures["later"].append(later)
                    line += (f" · {args.later} s later {later['ready_ms']:,.0f} ms, {later['bytes_ready'] / 1000:,.1f} kB "
                             f"({later['bytes_all'] / 1000:,.1f} kB in all)")
                print(line, flush=True)
                context.close()
            browser.close()
            proxy.close()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    return figures


def summary(name: str, figures: list[dict]) -> str:
    if not figures:
        return f"| {name} | – | – | – |"
    times = [f["ready_ms"] for f in figures]
    ready = [f["bytes_ready"] / 1000 for f in figures]
    every = [f["bytes_all"] / 1000 for f in figures]
    return (f"| {name} | {statistics.median(times):,.0f} ms (worst {max(times):,.0f}) | "
            f"{statistics.median(ready):,.1f} kB (worst {max(ready):,.1f}) | {statistics.median(every):,.1f} kB |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storage", choices=["both", "plain", "manifest"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=150, help="round trip, ms (default 150)")
    parser.add_argument("--kbps", type=float, default=1600, help="kbit/s each way (default 1600)")
    parser.add_argument("--later", type=int, default=65, help="one more warm visit this many s later (0: none)")
    parser.add_argument("--database-url", help="a database holding the demo data (kept); default: a scratch one")
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="serve the app from this checkout (e.g. an earlier commit, for 'before'; it needs "
                             "walk.js's data-ready mark); the database is migrated from this one")
    parser.add_argument("--verbose", action="store_true", help="list every request of the first runs")
    args = parser.parse_args()
    if not shutil.which("chromium"):
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")

    scratch = None
    database_url = args.database_url
    try:
        if not database_url:
            scratch = "cw_bench_walk"
            drop_scratch(scratch)
            run(["createdb", "-h", "127.0.0.1", "-U", "postgres", scratch])
            database_url = url_of(scratch)
            env = {"DATABASE_URL": database_url, "DEBUG": "false"}
            started = time.perf_counter()
            run([PYTHON, "manage.py", "migrate", "-v0"], env)
            run([PYTHON, "manage.py", "load_demo_data"], env)
            print(f"  scratch database {scratch}: migrated and demo data loaded in {time.perf_counter() - started:.0f} s")
        walk_pk = int(run([PYTHON, "-c", WALK_SCRIPT], {"DATABASE_URL": database_url, "DEBUG": "false"}).split()[-1])
        print(f"  walk page: /walkthroughs/{walk_pk}/ as {LEADER}; network {args.kbps:,.0f} kbit/s each way, "
              f"{args.latency:.0f} ms round trip; {args.runs} runs; load {os.getloadavg()[0]:.2f}")
        storages = ["plain", "manifest"] if args.storage == "both" else [args.storage]
        results = {s: measure(s, database_url, walk_pk, args) for s in storages}
    finally:
        if scratch:
            drop_scratch(scratch)

    print()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| visit | usable after (median of runs) | bytes until usable | bytes in all (median) |")
    print("| --- | --- | --- | --- |")
    for storage, figures in results.items():
        label = "plain names" if storage == "plain" else "hashed names"
        print(summary(f"{label}: cold", figures["cold"]))
        print(summary(f"{label}: warm", figures["warm"]))
        if figures["later"]:
            print(summary(f"{label}: warm, {args.later} s later", figures["later"]))
    print("targets: cold ≤ 3,000 ms, warm ≤ 1,000 ms, ≤ 150 kB transferred cold")


if __name__ == "__main__":
    main()
