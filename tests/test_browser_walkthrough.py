"""A head on a phone at the window: plan, start, log, photograph, count, answer, complete."""

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from inspections.models import ChecklistAnswer, Evidence, Status, TimelineEvent, Walkthrough
from services.models import Material, Step
from tests.conftest import make_item, screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def test_walk_a_service_on_a_phone(phone, live_server, transactional_db, department_a, leader_a, tmp_path):
    item = make_item(department_a, "PH-1", name="食品经营许可", high_frequency=True, enterprise_related=True, max_visits=1)
    for i, name in enumerate(["申请书", "营业执照", "场所平面布局图"], start=1):
        Material.objects.create(item=item, position=i, name=name)
    for i, name in enumerate(["受理", "审查", "决定"], start=1):
        Step.objects.create(item=item, position=i, name=name)
    photo = tmp_path / "window.jpg"
    Image.new("RGB", (320, 240), (200, 60, 60)).save(photo, "JPEG")
    page = phone

    login(page, live_server, leader_a.username)
    page.goto(f"{live_server.url}/walkthroughs/new/")
    page.get_by_label("服务事项").select_option(label="★ 食品经营许可（市市场监督管理局）")
    page.get_by_label("模拟办件（体验办）").check()
    page.get_by_label("以办事企业或群众身份").check()
    page.get_by_label("窗口", exact=True).check()
    page.get_by_label("日期").fill(timezone.localdate().isoformat())
    screenshot(page, "walk-1-plan-phone")
    page.get_by_role("button", name="安排").click()
    expect(page.locator(".walkbar")).to_contain_text("已计划")

    page.get_by_role("button", name="开始走流程").click()
    expect(page.locator(".walkbar")).to_contain_text("进行中")
    expect(page.locator("#clock")).not_to_have_text("00:00", timeout=5000)  # the clock runs

    timeline = page.locator("#timeline")
    for kind, note in [("咨询", "窗口人员解答清楚"), ("排队", "取号 A023"), ("提交", ""), ("受理", "当场受理")]:
        timeline.get_by_placeholder("可先写备注，再点击刚刚发生的环节").fill(note)
        timeline.get_by_role("button", name=kind, exact=True).click()
        expect(page.locator("#timeline .timeline li", has_text=kind)).to_have_count(1)
    assert page.url.endswith(f"/walkthroughs/{Walkthrough.objects.get().pk}/")  # htmx: no page loads
    screenshot(page, "walk-2-timeline-phone")
    screenshot(page, "walk-2-screen-phone", full_page=False)  # what the head sees in one hand

    page.locator("#evidence input[type=file]").set_input_files(str(photo))
    page.locator("#evidence").get_by_role("button", name="上传").click()
    expect(page.locator("#evidence img")).to_have_count(1)

    observed = page.locator("#observed")
    observed.get_by_label("实际要求材料数").fill("5")
    observed.get_by_label("实际跑动次数").fill("2")
    observed.get_by_label("实际经过环节数").fill("3")
    observed.get_by_label("排队时间（分钟）").fill("35")
    observed.get_by_role("button", name="保存数据").click()
    expect(page.locator("#observed")).to_contain_text("已保存")
    expect(page.locator("#observed td.worse")).to_have_count(2)  # more materials and visits than declared
    screenshot(page, "walk-3-observed-phone")

    questions = page.locator("#checklist li.question")
    count = questions.count()
    assert count == 5
    for i in range(count):
        answer = "有问题" if i == 2 else "正常"
        page.locator("#checklist li.question").nth(i).get_by_role("button", name=answer).click()
        expect(page.locator("#checklist li.question").nth(i).locator("button.chosen")).to_have_text(answer)
    screenshot(page, "walk-4-checklist-phone")

    page.get_by_role("button", name="完成走流程").click()
    expect(page.locator(".walkbar")).to_contain_text("已完成")
    expect(page.locator("#timeline button")).to_have_count(0)
    screenshot(page, "walk-5-record-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    walkthrough = Walkthrough.objects.get()
    assert walkthrough.status == Status.COMPLETED and walkthrough.observed_materials == 5 and walkthrough.queue_minutes == 35
    assert TimelineEvent.objects.filter(walkthrough=walkthrough).count() == 4
    assert Evidence.objects.filter(walkthrough=walkthrough).count() == 1
    assert ChecklistAnswer.objects.filter(walkthrough=walkthrough, answer="problem").values_list("question", flat=True).get() == "sim_materials"
