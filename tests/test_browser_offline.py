"""The walk page offline-first, on a phone (static/js/walk.js, static/js/sw.js).

A head logs a walkthrough while the connection is gone: every tap, note, figure, answer and photo
waits on the phone (IndexedDB), survives a reload served by the service worker, and arrives exactly
once, in order, when the connection returns. Large photos are made smaller on the phone; refusals
are shown in Chinese and store nothing; the same Idempotency-Key twice makes one row; a drawn
signature arrives on completion. Screenshots in tests/artifacts/offline-*.png.
"""
import os
import threading
import time

import pytest
from django.core.signals import request_started
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from core.models import IdempotencyKey
from inspections import actions
from inspections.models import ChecklistAnswer, Evidence, Status, TimelineEvent, Walkthrough
from services.models import Material, Step
from tests.conftest import make_item, screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NOTE_PLACEHOLDER = "可先写备注，再点击刚刚发生的环节"


@pytest.fixture
def phone(browser):
    """A phone's browser: 390 px wide, touch, Chinese, service workers allowed."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, service_workers="allow")
    yield context
    context.close()


@pytest.fixture
def walking(transactional_db, department_a, leader_a):
    """A walkthrough of 食品经营许可 the head has started."""
    item = make_item(department_a, "OFF-1", name="食品经营许可", high_frequency=True, enterprise_related=True, max_visits=1)
    for i, name in enumerate(["申请书", "营业执照", "场所平面布局图"], start=1):
        Material.objects.create(item=item, position=i, name=name)
    for i, name in enumerate(["受理", "审查", "决定"], start=1):
        Step.objects.create(item=item, position=i, name=name)
    walkthrough = actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate",
                                           identity="applicant", channel="window", scheduled_for=timezone.localdate())
    return actions.walkthrough_transition(walkthrough=walkthrough, to=Status.IN_PROGRESS, actor=leader_a)


@pytest.fixture
def server_requests():
    """Every request that reaches the live server, as (method, path), in the order they came."""
    seen, lock = [], threading.Lock()

    def record(sender, environ=None, **kwargs):
        with lock:
            seen.append(((environ or {}).get("REQUEST_METHOD", ""), (environ or {}).get("PATH_INFO", "")))

    request_started.connect(record, weak=False, dispatch_uid="test_browser_offline")
    yield seen
    request_started.disconnect(dispatch_uid="test_browser_offline")


def posts(seen):
    return [path for method, path in list(seen) if method == "POST"]


KEPT = """async () => !!navigator.serviceWorker.controller
    && !!(await caches.match(location.origin + location.pathname))
    && (await Promise.all(["/static/js/walk.js", "/static/css/walk.css", "/static/js/site.js", "/static/css/site.css"]
        .map(url => caches.match(url)))).every(Boolean)"""


KEPT_STATE = """async () => JSON.stringify({controller: !!navigator.serviceWorker.controller, caches: await Promise.all(
    (await caches.keys()).map(async k => [k, (await (await caches.open(k)).keys()).map(r => r.url)]))})"""


def watch_csp(page):
    """Collect the page's Content-Security-Policy violations (none allowed: no inline script or style)."""
    page.csp_violations = []
    page.on("console", lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page


def open_walk(context, live_server, user, walkthrough, *, signed_in=False):
    """Open the walk page and wait until the service worker controls it and keeps it (with its files)."""
    page = watch_csp(context.new_page())
    if not signed_in:
        login(page, live_server, user.username)
        page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/walkthroughs/{walkthrough.pk}/")
    deadline = time.monotonic() + 20
    while not page.evaluate(KEPT):  # (wait_for_function does not wait for a promise)
        assert time.monotonic() < deadline, "the service worker did not keep the walk page: " + page.evaluate(KEPT_STATE)
        page.wait_for_timeout(100)
    return page


def tap(page, kind, note=""):
    timeline = page.locator("#timeline")
    timeline.get_by_placeholder(NOTE_PLACEHOLDER).fill(note)
    timeline.get_by_role("button", name=kind, exact=True).click()


def to_top(page):
    """Back to the top of the page (the phone's visual viewport too, which window.scrollTo leaves)."""
    page.locator("header.topbar").scroll_into_view_if_needed()


def count_badge(page):
    return page.locator("#outbox-count")


def photo_file(path, size=(1200, 900), color=(40, 120, 200)):
    Image.new("RGB", size, color).save(path, "JPEG", quality=85)
    return path


def test_offline_walk_is_kept_and_sent_once_in_order(phone, live_server, walking, leader_a, server_requests, tmp_path):
    photo = photo_file(tmp_path / "窗口.jpg")
    page = open_walk(phone, live_server, leader_a, walking)

    phone.set_offline(True)
    server_requests.clear()
    taps = [("咨询", "窗口人员解答清楚"), ("排队", "取号 A023"), ("提交", ""), ("受理", "当场受理"), ("审批", "")]
    for n, (kind, note) in enumerate(taps, start=1):
        tap(page, kind, note)
        expect(count_badge(page)).to_have_text(f"{n} 条待同步")
    tap(page, "备注", "窗口未一次性告知所需材料")
    expect(count_badge(page)).to_have_text("6 条待同步")
    expect(page.locator("#timeline").get_by_placeholder(NOTE_PLACEHOLDER)).to_have_value("")  # ready for the next

    observed = page.locator("#observed")
    observed.get_by_label("实际要求材料数").fill("5")
    observed.get_by_label("实际跑动次数").fill("2")
    observed.get_by_label("实际经过环节数").fill("3")
    observed.get_by_label("排队时间（分钟）").fill("35")
    observed.get_by_role("button", name="保存数据").click()
    expect(count_badge(page)).to_have_text("7 条待同步")

    questions = page.locator("#checklist li.question")
    questions.nth(0).get_by_role("button", name="正常").click()
    questions.nth(2).get_by_placeholder("备注").fill("要求提供已由本部门核发的证照")
    questions.nth(2).get_by_role("button", name="有问题").click()
    expect(questions.nth(2).locator("button.chosen")).to_have_text("有问题")  # shown at once, before it is sent
    expect(count_badge(page)).to_have_text("9 条待同步")

    page.locator("#evidence input[type=file]").set_input_files(str(photo))
    page.locator("#evidence").get_by_role("button", name="上传").click()
    expect(count_badge(page)).to_have_text("10 条待同步")

    items = page.locator("#outbox .outbox-item")
    expect(items).to_have_count(10)
    expect(items.first).to_contain_text("咨询")
    expect(items.first).to_contain_text("待同步")
    expect(items.nth(8)).to_contain_text("有问题")
    expect(items.last).to_contain_text("窗口.jpg")
    expect(page.locator("#walk-offline")).to_contain_text("网络已断开")
    expect(page.locator("#timeline li.outbox-pending")).to_have_count(6)
    page.locator("#timeline li.outbox-pending").last.scroll_into_view_if_needed()
    screenshot(page, "offline-1-queued-phone", full_page=False)
    page.locator("#outbox").scroll_into_view_if_needed()
    screenshot(page, "offline-1-queued-list-phone", full_page=False)
    assert posts(server_requests) == [] and not TimelineEvent.objects.exists()

    # The phone reloads the page with no connection: the service worker serves it, the queue is still there.
    page.reload()
    expect(count_badge(page)).to_have_text("10 条待同步")
    expect(page.locator("#outbox .outbox-item")).to_have_count(10)
    expect(page.locator("#walk-offline")).to_contain_text("网络已断开")
    expect(page.locator("#clock")).not_to_have_text("00:00")
    pending = page.locator("#timeline li.outbox-pending")  # the taps wait in the timeline too
    expect(pending).to_have_count(6)
    expect(pending.first).to_contain_text("咨询 · 窗口人员解答清楚")
    page.wait_for_timeout(500)  # after the browser restored the scroll position
    to_top(page)
    screenshot(page, "offline-2-reloaded-phone", full_page=False)
    # The browser closed and opened again, still offline: the same.
    page.close()
    page = watch_csp(phone.new_page())
    page.goto(f"{live_server.url}/walkthroughs/{walking.pk}/")
    expect(count_badge(page)).to_have_text("10 条待同步")
    expect(page.locator("#outbox .outbox-item")).to_have_count(10)
    assert server_requests == [], "nothing may reach the server while the phone is offline"

    phone.set_offline(False)
    expect(count_badge(page)).to_have_text("已全部发送。", timeout=30000)
    expect(page.locator("#outbox")).to_be_hidden()
    expect(page.locator("#walk-offline")).to_have_count(0)
    expect(page.locator("#timeline .timeline li[id^=event-]")).to_have_count(6)
    expect(page.locator("#timeline li.outbox-pending")).to_have_count(0)
    to_top(page)
    screenshot(page, "offline-3-sent-phone", full_page=False)
    expect(count_badge(page)).to_be_hidden(timeout=10000)
    screenshot(page, "offline-3-sent-full-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # Each item exactly once, in the order of the taps.
    sent = posts(server_requests)
    base = f"/walkthroughs/{walking.pk}"
    assert sent == [f"{base}/events/"] * 6 + [f"{base}/observed/", f"{base}/checklist/sim_online_smooth/",
                                               f"{base}/checklist/sim_materials/", f"{base}/evidence/"], sent
    assert IdempotencyKey.objects.filter(user=leader_a).count() == 10
    events = list(TimelineEvent.objects.filter(walkthrough=walking).order_by("id"))
    assert [e.kind for e in events] == ["consultation", "queueing", "submission", "acceptance", "approval", "note"]
    assert [e.note for e in events] == ["窗口人员解答清楚", "取号 A023", "", "当场受理", "", "窗口未一次性告知所需材料"]
    assert all(e.device_at is not None and e.received_at > e.device_at and e.at == e.device_at for e in events)
    assert [e.device_at for e in events] == sorted(e.device_at for e in events)
    assert events[-1].received_at > events[-1].device_at  # received after the phone came back
    answers = {a.question: a for a in ChecklistAnswer.objects.filter(walkthrough=walking)}
    assert {q: a.answer for q, a in answers.items()} == {"sim_online_smooth": "ok", "sim_materials": "problem"}
    assert answers["sim_materials"].note == "要求提供已由本部门核发的证照" and all(a.device_at for a in answers.values())
    evidence = Evidence.objects.get(walkthrough=walking)
    assert evidence.event_id is None and evidence.answer_id is None and evidence.original_name == "窗口.jpg"
    assert evidence.device_at is not None
    walking.refresh_from_db()
    assert (walking.observed_materials, walking.observed_visits, walking.observed_steps, walking.queue_minutes) == (5, 2, 3, 35)

    # Reloaded once more offline, the kept copy now shows what arrived.
    phone.set_offline(True)
    page.reload()
    expect(page.locator("#timeline .timeline li[id^=event-]")).to_have_count(6)
    expect(page.locator("#outbox")).to_be_hidden()
    phone.set_offline(False)
    # The worker kept the walk page and static files, nothing else (no POST, no photo, no other page).
    kept = page.evaluate("""async () => (await Promise.all((await caches.keys()).map(async k =>
        (await (await caches.open(k)).keys()).map(r => new URL(r.url).pathname)))).flat()""")
    assert f"/walkthroughs/{walking.pk}/" in kept and "/static/js/walk.js" in kept
    assert all(p.startswith("/static/") or p == f"/walkthroughs/{walking.pk}/" for p in kept), kept
    assert not page.csp_violations


def noise_jpeg(path, *, size=(4000, 3000), quality=95, orientation=None):
    """Random pixels, so the JPEG stays as large as a camera's (13 MB at 4000×3000, quality 95)."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=quality, exif=exif)
    return path


def test_large_and_multi_picture_photos_upload_from_the_phone(phone, live_server, walking, leader_a, tmp_path):
    # A camera's photo: 13 MB, 4000×3000, taken with the phone turned (EXIF orientation 6: the
    # stored pixels are landscape, the picture is portrait).
    big = noise_jpeg(tmp_path / "IMG_20261129_101500.jpg", orientation=6)
    assert big.stat().st_size > 12.5 * 2**20
    page = open_walk(phone, live_server, leader_a, walking)

    page.locator("#evidence input[type=file]").set_input_files(str(big))
    page.locator("#evidence").get_by_role("button", name="上传").click()
    expect(page.locator("#evidence .thumbs img")).to_have_count(1, timeout=60000)
    expect(count_badge(page)).not_to_have_text("1 条待同步")
    evidence = Evidence.objects.get(walkthrough=walking)
    assert evidence.content_type == "image/jpeg" and evidence.size <= 10 * 2**20
    assert evidence.original_name == "IMG_20261129_101500.jpg"
    with Image.open(evidence.file.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1920, 2560)  # long side 2560, upright: the rotation was applied on the phone
        assert stored.getexif().get(0x0112) in (None, 1)

    # A phone's JPEG with a second picture after the first (MPO: a gain map, a depth map), small
    # enough to be sent as it is: the server keeps the phone's own bytes.
    first = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    mpo = tmp_path / "PXL_20261129_101600.jpg"
    first.save(mpo, "MPO", save_all=True, append_images=[first.resize((400, 300))], quality=85)
    with Image.open(mpo) as check:
        assert check.format == "MPO" and check.n_frames == 2
    page.locator("#evidence input[type=file]").set_input_files(str(mpo))
    page.locator("#evidence").get_by_role("button", name="上传").click()
    expect(page.locator("#evidence .thumbs img")).to_have_count(2, timeout=30000)
    kept = Evidence.objects.filter(walkthrough=walking).order_by("id").last()
    assert kept.original_name == "PXL_20261129_101600.jpg" and kept.content_type == "image/jpeg"
    assert kept.file.read() == mpo.read_bytes()
    screenshot(page, "offline-4-photos-phone")


def test_refusals_are_shown_in_chinese_and_store_nothing(phone, live_server, walking, leader_a, tmp_path):
    big_pdf = tmp_path / "办事指南.pdf"
    big_pdf.write_bytes(b"%PDF-1.4\n" + os.urandom(11 * 2**20))
    fake = tmp_path / "截图.jpg"
    fake.write_bytes(b"MZ\x90\x00 this is a program, not a photo" * 100)
    page = open_walk(phone, live_server, leader_a, walking)
    evidence = page.locator("#evidence")

    # Too large and not a photo the phone can make smaller: said at once, nothing queued or sent.
    evidence.locator("input[type=file]").set_input_files(str(big_pdf))
    evidence.get_by_role("button", name="上传").click()
    expect(evidence.locator(".feedback.error")).to_contain_text("文件过大，无法在手机上缩小")
    expect(count_badge(page)).to_be_hidden()

    # Not a photo at all: the server refuses it; the reason shows in the panel and in the queue.
    evidence.locator("input[type=file]").set_input_files(str(fake))
    evidence.get_by_role("button", name="上传").click()
    rejected = page.locator("#outbox .outbox-item.rejected")
    expect(rejected).to_have_count(1)
    expect(rejected.locator(".outbox-reason")).to_contain_text("只能上传照片")
    expect(rejected).to_contain_text("未被接受")
    expect(page.locator("#evidence p.error")).to_contain_text("只能上传照片")
    assert not Evidence.objects.exists()
    rejected.get_by_role("button", name="放弃此条").click()
    expect(rejected).to_have_count(0)

    # An impossible figure: refused with the field's name; the items after it still go.
    observed = page.locator("#observed")
    observed.get_by_label("实际要求材料数").fill("99999999999")
    observed.get_by_role("button", name="保存数据").click()
    expect(rejected).to_have_count(1)
    expect(rejected.locator(".outbox-reason")).to_contain_text("实际要求材料数")
    expect(page.locator("#observed p.error")).to_contain_text("999")
    tap(page, "受理", "拒收之后的点击照常发送")
    expect(page.locator("#timeline .timeline li[id^=event-]")).to_have_count(1)
    expect(count_badge(page)).to_have_text("1 条待同步")
    expect(count_badge(page)).to_have_class("outbox-count has-rejected")
    page.locator("#outbox").scroll_into_view_if_needed()
    screenshot(page, "offline-5-refused-phone", full_page=False)
    walking.refresh_from_db()
    assert walking.observed_materials is None and TimelineEvent.objects.count() == 1

    # Change and send again: the figures come back into the form, the head corrects them.
    rejected.get_by_role("button", name="修改后重发").click()
    expect(rejected).to_have_count(0)
    field = observed.get_by_label("实际要求材料数")
    expect(field).to_have_value("99999999999")
    field.fill("5")
    observed.get_by_role("button", name="保存数据").click()
    expect(page.locator("#observed")).to_contain_text("已保存")
    expect(page.locator("#outbox")).to_be_hidden()
    walking.refresh_from_db()
    assert walking.observed_materials == 5
    assert not Evidence.objects.exists()


def test_the_same_idempotency_key_twice_stores_one_row(phone, live_server, walking, leader_a):
    page = open_walk(phone, live_server, leader_a, walking)
    result = page.evaluate("""async ([events, api]) => {
        const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
        const post = (key, note) => {
            const body = new FormData();
            body.append("kind", "acceptance");
            body.append("note", note);
            body.append("device_at", new Date().toISOString());
            return fetch(events, {method: "POST", body, credentials: "same-origin",
                headers: {"HX-Request": "true", "Idempotency-Key": key, "X-CSRFToken": token}}).then(r => r.status);
        };
        const one = crypto.randomUUID();
        const sequential = [await post(one, "先后两次"), await post(one, "先后两次")];
        const two = crypto.randomUUID();
        const together = await Promise.all([post(two, "同时两次"), post(two, "同时两次")]);
        const three = crypto.randomUUID();
        const apiPost = () => fetch(api, {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "Idempotency-Key": three, "X-CSRFToken": token},
            body: JSON.stringify({kind: "approval", note: "接口两次"})})
            .then(async r => [r.status, r.headers.get("Idempotent-Replayed"), (await r.json()).id]);
        return {sequential, together, api: [await apiPost(), await apiPost()]};
    }""", [f"/walkthroughs/{walking.pk}/events/", f"/api/v1/walkthroughs/{walking.pk}/events/"])
    assert result["sequential"] == [200, 200] and result["together"] == [200, 200]
    assert TimelineEvent.objects.filter(note="先后两次").count() == 1
    assert TimelineEvent.objects.filter(note="同时两次").count() == 1
    (first_status, first_replayed, first_id), (again_status, again_replayed, again_id) = result["api"]
    assert (first_status, again_status) == (201, 201) and first_replayed is None and again_replayed == "true"
    assert first_id == again_id and TimelineEvent.objects.filter(note="接口两次").count() == 1

    # A double tap on the page logs once.
    page.locator("#timeline").get_by_role("button", name="办结", exact=True).dblclick()
    expect(page.locator("#timeline .timeline li", has_text="办结")).to_have_count(1)
    page.wait_for_timeout(1000)
    assert TimelineEvent.objects.filter(kind="completion").count() == 1


def test_two_tabs_send_each_item_once(phone, live_server, walking, leader_a, server_requests):
    first = open_walk(phone, live_server, leader_a, walking)
    second = phone.new_page()
    second.goto(f"{live_server.url}/walkthroughs/{walking.pk}/")
    phone.set_offline(True)
    tap(first, "咨询")
    tap(second, "排队")
    tap(first, "提交")
    tap(second, "受理")
    tap(first, "审批")
    expect(count_badge(first)).to_have_text("5 条待同步")
    expect(count_badge(second)).to_have_text("5 条待同步")
    server_requests.clear()
    phone.set_offline(False)
    expect(count_badge(first)).to_have_text("已全部发送。", timeout=30000)
    expect(second.locator("#outbox")).to_be_hidden(timeout=30000)
    expect(second.locator("#timeline .timeline li[id^=event-]")).to_have_count(5)  # the other tab took the panel too
    assert [e.kind for e in TimelineEvent.objects.order_by("id")] == ["consultation", "queueing", "submission", "acceptance", "approval"]
    assert posts(server_requests) == [f"/walkthroughs/{walking.pk}/events/"] * 5  # one tab sent each, once

    # Signing out forgets the kept pages: they are one person's.
    second.close()
    first.get_by_role("button", name="退出").click()
    first.wait_for_url("**/accounts/login/**")
    kept = first.evaluate("""async () => (await Promise.all((await caches.keys()).map(async k =>
        (await (await caches.open(k)).keys()).map(r => new URL(r.url).pathname)))).flat()""")
    assert not [p for p in kept if p.startswith("/walkthroughs/")], kept


def test_completing_waits_for_what_the_phone_keeps(phone, live_server, walking, leader_a, server_requests):
    page = open_walk(phone, live_server, leader_a, walking)
    phone.set_offline(True)
    tap(page, "受理", "离线时的最后一步")
    expect(count_badge(page)).to_have_text("1 条待同步")
    page.get_by_role("button", name="完成走流程").click()
    expect(page.locator("#complete .feedback")).to_contain_text("网络已断开")
    walking.refresh_from_db()
    assert walking.status == Status.IN_PROGRESS
    assert not [p for p in posts(server_requests) if "/move/" in p]

    phone.set_offline(False)
    expect(count_badge(page)).to_have_text("已全部发送。", timeout=30000)
    page.get_by_role("button", name="完成走流程").click()
    expect(page.locator(".walkbar")).to_contain_text("已完成")
    walking.refresh_from_db()
    assert walking.status == Status.COMPLETED and not walking.signature  # nothing drawn, nothing sent
    assert list(walking.events.values_list("note", flat=True)) == ["离线时的最后一步"]


def test_a_drawn_signature_arrives_on_completion(phone, live_server, walking, leader_a):
    page = open_walk(phone, live_server, leader_a, walking)
    tap(page, "咨询", "误点")
    tap(page, "受理", "当场受理")
    events = page.locator("#timeline .timeline li[id^=event-]")
    expect(events).to_have_count(2)

    # Withdraw the mistaken tap, with a reason: it stays, struck through.
    events.nth(0).locator("summary", has_text="更正").click()
    events.nth(0).get_by_label("原因").fill("点错了")
    events.nth(0).get_by_role("button", name="撤回该环节").click()
    expect(page.locator("#timeline li.withdrawn")).to_have_count(1)
    expect(page.locator("#timeline li.withdrawn")).to_contain_text("已撤回")
    expect(page.locator("#timeline li.withdrawn")).to_have_css("text-decoration-line", "line-through")
    events.nth(1).locator("summary", has_text="更正").click()
    screenshot(page, "offline-6-corrections-phone")
    events.nth(1).locator("summary", has_text="更正").click()

    canvas = page.locator("canvas.signature-pad")
    expect(canvas).to_be_visible()
    expect(page.get_by_role("button", name="清除签名")).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(box["x"] + 20 + i * 12, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=3)
    page.mouse.up()
    screenshot(page, "offline-7-signature-phone", full_page=False)
    page.get_by_role("button", name="完成走流程").click()
    expect(page.locator(".walkbar")).to_contain_text("已完成")

    walking.refresh_from_db()
    assert walking.status == Status.COMPLETED and walking.signed_at is not None and walking.signature
    with Image.open(walking.signature.path) as signature:
        assert signature.format == "PNG" and signature.size == (600, 200)
        assert signature.getchannel("A").getbbox() is not None  # something was drawn
    assert Walkthrough.objects.get(pk=walking.pk).events.filter(withdrawn_at__isnull=False).count() == 1
