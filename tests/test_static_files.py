"""Static files for phones (chizhou_walkthrough/settings/base.py STORAGES, chizhou_walkthrough/views.py:
service_worker, static/js/sw.js).

The test settings keep plain names (no collectstatic before each run); here `collectstatic` runs
with the production storage, whitenoise's CompressedManifestStaticFilesStorage, into a temporary
folder, from a copy of static/ (so that a test can change a file), and the pages are served through
whitenoise as in production:

- the walk page names its files by content-hashed URLs, served compressed with far-future,
  immutable caching;
- /sw.js precaches exactly the files the walk page loads, by those URLs, and its version changes
  when one of them changes (a new release replaces the worker and its cache);
- in Chromium, the walk page visited once online reloads offline from the worker with its hashed
  files; after a release the worker's old cache is gone and the new files are kept.
"""
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from chizhou_walkthrough.views import WALK_PAGE_ASSETS
from inspections import actions
from inspections.models import Status
from tests.conftest import make_item

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
HASHED = re.compile(r"^/static/(?P<name>.+)\.(?P<hash>[0-9a-f]{12})\.(?P<ext>css|js)$")
FOREVER = "max-age=315360000"


class _Assets(HTMLParser):
    """The same-origin scripts and stylesheets a page loads, in order."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "stylesheet" and attrs.get("href"):
            self.urls.append(attrs["href"])


def page_assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return [u for u in parser.urls if u.startswith("/static/")]


def sw_list(body: str, name: str):
    import json

    return json.loads(re.search(rf"^var {name} = (.+?);", body, re.M).group(1))


@pytest.fixture
def source(tmp_path):
    """A copy of static/ to collect from (a test may change a file in it)."""
    folder = tmp_path / "static-src"
    shutil.copytree(ROOT / "static", folder)
    return folder


def production_static(source: Path, root: Path):
    """The settings of a production static setup: hashed storage, collected into ``root``."""
    from django.conf import settings

    return override_settings(
        STATICFILES_DIRS=[source], STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=str(root), STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}},
        ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"])


def collect(source: Path, root: Path) -> None:
    with production_static(source, root):
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture
def walking(db, department_a, leader_a):
    item = make_item(department_a, "STA-1", name="食品经营许可", high_frequency=True)
    walkthrough = actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                           identity="applicant", channel="window", scheduled_for=timezone.localdate())
    return actions.walkthrough_transition(walkthrough=walkthrough, to=Status.IN_PROGRESS, actor=leader_a)


def walk_page(walking, leader_a) -> tuple[Client, list[str]]:
    client = Client()  # made inside the settings: its whitenoise reads the collected folder
    client.force_login(leader_a)
    response = client.get(f"/walkthroughs/{walking.pk}/")
    assert response.status_code == 200
    return client, page_assets(response.content.decode())


def test_the_walk_page_names_hashed_files_cached_for_good(source, tmp_path, walking, leader_a):
    root = tmp_path / "collected"
    collect(source, root)
    with production_static(source, root):
        client, assets = walk_page(walking, leader_a)
        names = []
        for url in assets:
            match = HASHED.match(url)
            assert match, f"not a content-hashed name: {url}"
            names.append(f"{match['name']}.{match['ext']}")
            response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
            assert response.status_code == 200, url
            cache = response["Cache-Control"]
            assert FOREVER in cache and "immutable" in cache, (url, cache)
            assert response["Content-Encoding"] == "br", url  # compressed ahead by collectstatic
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert len(body) < (source / names[-1]).stat().st_size, url
        assert sorted(names) == sorted(WALK_PAGE_ASSETS)  # the view's list is the page's (no ECharts here)
        # A plain name (not from the manifest) is still served, but revalidated: never "immutable".
        plain = client.get("/static/js/walk.js")
        assert plain.status_code == 200 and "immutable" not in plain["Cache-Control"]


def test_service_worker_precaches_exactly_the_walk_pages_files(source, tmp_path, walking, leader_a):
    root = tmp_path / "collected"
    collect(source, root)
    with production_static(source, root):
        client, assets = walk_page(walking, leader_a)
        worker = client.get("/sw.js")
        assert worker.status_code == 200 and worker["Cache-Control"] == "no-cache"
        body = worker.content.decode()
        assert sw_list(body, "PRECACHE") == assets
        assert sw_list(body, "FETCH_MODE") == "default"  # hashed: the HTTP cache's copy is right
        version = sw_list(body, "VERSION")
        # Unchanged: a 304 to the browser's update check.
        assert client.get("/sw.js", HTTP_IF_NONE_MATCH=worker["ETag"]).status_code == 304

    # A release that changes walk.js: a new hashed name, a new version (so a new worker and cache).
    walk_js = source / "js" / "walk.js"
    walk_js.write_text(walk_js.read_text(encoding="utf-8") + "\n// a release\n", encoding="utf-8")
    root2 = tmp_path / "collected-2"
    collect(source, root2)
    with production_static(source, root2):
        client, assets2 = walk_page(walking, leader_a)
        worker2 = client.get("/sw.js")
        body2 = worker2.content.decode()
        assert sw_list(body2, "PRECACHE") == assets2
        changed = [(a, b) for a, b in zip(assets, assets2) if a != b]
        assert len(changed) == 1 and "/js/walk." in changed[0][0], changed
        assert sw_list(body2, "VERSION") != version
        assert client.get("/sw.js", HTTP_IF_NONE_MATCH=worker["ETag"]).status_code == 200


def test_with_plain_names_the_worker_revalidates_what_it_keeps(walking, leader_a):
    """The test settings' (and a plain storage's) names carry no hash: the worker fetches them past the
    HTTP cache when it installs, and its version still follows their contents."""
    client, assets = walk_page(walking, leader_a)
    body = client.get("/sw.js").content.decode()
    assert sw_list(body, "PRECACHE") == assets == [f"/static/{name}" for name in WALK_PAGE_ASSETS]
    assert sw_list(body, "FETCH_MODE") == "no-cache"


# --- in Chromium, through whitenoise ---------------------------------------------------------------

KEPT_STATE = """async () => JSON.stringify({controller: !!navigator.serviceWorker.controller, caches: await Promise.all(
    (await caches.keys()).map(async k => [k, (await (await caches.open(k)).keys()).map(r => new URL(r.url).pathname)]))})"""


class _Server:
    """A live server without Django's static handler in front (/static/ goes to whitenoise, as in
    production), whose application can be replaced — a release — while it keeps its address."""

    def __init__(self):
        from django.db import connections
        from django.test.testcases import LiveServerThread

        override = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
        self.thread = LiveServerThread("127.0.0.1", static_handler=self._wrap, connections_override=override)
        self.thread.daemon = True
        for conn in override.values():
            conn.inc_thread_sharing()
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://127.0.0.1:{self.thread.port}"

    def _wrap(self, app):
        self.app = app
        return lambda environ, start_response: self.app(environ, start_response)

    def release(self):
        """A new application (its whitenoise reads the settings in force now)."""
        from django.core.handlers.wsgi import WSGIHandler

        self.app = WSGIHandler()

    def stop(self):
        self.thread.terminate()
        for conn in self.thread.connections_override.values():
            conn.dec_thread_sharing()


def wait_kept(page, urls, *, alone=False, timeout=60):
    """Wait until the worker controls the page and keeps it with ``urls`` (``alone``: in the only static cache)."""
    import json

    deadline = time.monotonic() + timeout
    while True:
        state = json.loads(page.evaluate(KEPT_STATE))
        kept = dict(state["caches"]) if state["controller"] else {}
        statics = [name for name in kept if name.startswith("cw-static-")]
        static = {u for name in statics for u in kept[name]}
        if (set(urls) <= static and any(name.startswith("cw-pages") and paths for name, paths in kept.items())
                and (not alone or len(statics) == 1)):
            return kept
        assert time.monotonic() < deadline, f"the worker did not keep the page and {urls}: {state}"
        if alone and len(statics) > 1:
            # the browser's own update check, as it makes one on each visit: the new worker takes over
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r && r.update()).catch(() => null)")
        page.wait_for_timeout(100)


@pytest.mark.slow
@pytest.mark.browser
def test_warm_offline_from_hashed_files_and_a_release_replaces_the_cache(browser, source, tmp_path, transactional_db,
                                                                        department_a, leader_a):
    from tests.test_browser import PASSWORD

    item = make_item(department_a, "STA-2", name="食品经营许可")
    walkthrough = actions.walkthrough_transition(
        walkthrough=actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                             identity="applicant", channel="window", scheduled_for=timezone.localdate()),
        to=Status.IN_PROGRESS, actor=leader_a)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, service_workers="allow")
    root, server = tmp_path / "collected", None
    collect(source, root)
    try:
        with production_static(source, root):
            server = _Server()
            page = context.new_page()
            page.goto(f"{server.url}/accounts/login/")
            page.get_by_label("用户名").fill(leader_a.username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{server.url}/")
            static_seen = []
            page.on("response", lambda r: static_seen.append((r.url, r.headers.get("cache-control", ""))) if "/static/" in r.url else None)
            page.goto(f"{server.url}/walkthroughs/{walkthrough.pk}/")
            assets = page_assets(page.content())
            assert assets and all(HASHED.match(u) for u in assets), assets
            assert all("immutable" in cache for url, cache in static_seen), static_seen
            kept = wait_kept(page, assets)
            old_cache = next(name for name in kept if name.startswith("cw-static-"))

            # Offline: the page and its hashed files come from the worker; the buttons work (walk.js ran).
            context.set_offline(True)
            page.reload()
            page.wait_for_selector("#walk[data-ready]")
            assert page.get_by_role("button", name="咨询", exact=True).is_enabled()
            assert page.evaluate("getComputedStyle(document.querySelector('.tapgrid')).display") == "grid"
            context.set_offline(False)

        # A release: walk.js changed, collected again, the same address serves it; the next visit
        # brings a new worker, which keeps the new files and deletes the old cache.
        walk_js = source / "js" / "walk.js"
        walk_js.write_text(walk_js.read_text(encoding="utf-8") + "\n// a release\n", encoding="utf-8")
        root2 = tmp_path / "collected-2"
        collect(source, root2)
        with production_static(source, root2):
            server.release()
            page.goto(f"{server.url}/walkthroughs/{walkthrough.pk}/")
            new_assets = page_assets(page.content())
            assert new_assets != assets and all(HASHED.match(u) for u in new_assets), new_assets
            try:
                kept = wait_kept(page, new_assets, alone=True, timeout=30)
            except AssertionError:
                # On a loaded machine the old worker can hold on to the tab it served; a person closes
                # the tab and opens the page again, and the new worker takes over then.
                page.close()
                page = context.new_page()
                page.goto(f"{server.url}/walkthroughs/{walkthrough.pk}/")
                kept = wait_kept(page, new_assets, alone=True)
            assert old_cache not in kept, kept
            assert not set(assets) - set(new_assets) & {u for paths in kept.values() for u in paths}
    finally:
        if server:
            server.stop()
        context.close()
