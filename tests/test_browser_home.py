"""Each role's home page in Chinese, on a phone (390×844) and a desktop (1440×900): what to do now,
each figure followed to its rows; the head starts the next walk from home; the unread count."""
import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from findings import actions as finding_actions
from findings import notifications
from findings.models import Finding
from inspections import actions as walk_actions
from public.models import PublicRequest
from tests.conftest import make_item, make_user, screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
DESKTOP = dict(viewport={"width": 1440, "height": 900})


@pytest.fixture
def campaign(transactional_db, office, department_a, department_b, leader_a, liaison_a, leader_b):
    today = timezone.localdate()
    days = datetime.timedelta
    food = make_item(department_a, "HB-1", name="食品经营许可", high_frequency=True, enterprise_related=True)
    company = make_item(department_a, "HB-2", name="企业设立登记", high_frequency=True, enterprise_related=True)
    shop = make_item(department_a, "HB-3", name="个体工商户登记")
    build = make_item(department_b, "HB-4", name="建筑工程施工许可证核发")
    make_user("leader_c", Role.LEADER, department_b, last_name="赵", first_name="建国")
    make_user("leader_d", Role.LEADER, department_a, last_name="孙", first_name="副局长")

    def walk(leader, item, date, *moves, mode="simulate"):
        w = walk_actions.walkthrough_plan(actor=leader, service_item=item, leader=leader, mode=mode, identity="applicant",
                                          channel="window", scheduled_for=date)
        for to in moves:
            w = walk_actions.walkthrough_transition(walkthrough=w, to=to, actor=leader)
        return w

    walked = walk(leader_a, company, today, "in_progress", "completed")
    walk(leader_a, food, today)
    walk(leader_a, shop, today + days(6), mode="inspect")
    walk(leader_b, build, today + days(2))

    def finding(department, item, title, *moves, due=None, note="", severity="minor"):
        f = finding_actions.finding_file(actor=office, department=department, service_item=item, category="excess_materials",
                                         title=title, severity=severity)
        for to in moves:
            if to == "submitted":
                f = finding_actions.finding_record_measures(finding=f, actor=liaison_a, measures="已修订办事指南")
                f = finding_actions.finding_transition(finding=f, to=to, actor=liaison_a)
            else:
                f = finding_actions.finding_transition(finding=f, to=to, actor=office, note=note if f.status == "submitted" else "",
                                                       due_date=due if to == "rectifying" else None)
        return f

    finding(department_a, company, "窗口要求重复提交营业执照复印件")
    finding(department_a, food, "办事指南未列明容缺受理的材料", "rectifying", due=today + days(9), severity="major")
    late = finding(department_a, food, "线上申报系统无法上传PDF格式的平面图", "rectifying", due=today + days(9))
    Finding.objects.filter(pk=late.pk).update(due_date=today - days(3))
    finding(department_a, shop, "一次性告知单内容不全", "rectifying", "submitted", "rectifying", due=today + days(4),
            note="告知单仍缺少经营场所证明的要求，请补充后再提交")
    finding(department_a, company, "取号机故障后无人处理", "rectifying", "submitted", due=today + days(8))
    finding(department_b, build, "施工许可要求提供已取消的证明", severity="critical")
    # department A's findings came from leader_a's walk: the head's own, on the head's home page
    Finding.objects.filter(department=department_a).update(walkthrough=walked)
    for i, (name, text) in enumerate([("池州某餐饮有限公司", "想请局长陪同办理食品经营许可"),
                                      ("王女士", "办理个体户登记时被要求开具无犯罪证明")]):
        PublicRequest.objects.create(kind="accompany" if i == 0 else "lead", code=f"HOMEREQ{i:03d}", name=name,
                                     phone="13800000000", description=text, service_item=food if i == 0 else shop)
    for f in Finding.objects.filter(department=department_a, status="rectifying").order_by("id"):
        notifications.finding_notify(finding_id=f.pk, event="assigned")
    rejected = Finding.objects.get(title="一次性告知单内容不全")
    notifications.finding_notify(finding_id=rejected.pk, event="rejected")
    return {"office": office, "leader_a": leader_a, "liaison_a": liaison_a}


def _open(browser, live_server, user, size):
    context = browser.new_context(locale="zh-CN", **size)
    page = context.new_page()
    login(page, live_server, user.username)
    expect(page.locator("h1")).to_contain_text("您好")
    return context, page


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"


@pytest.mark.parametrize("size_name,size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_office_home(browser, live_server, campaign, size_name, size):
    context, page = _open(browser, live_server, campaign["office"], size)
    try:
        expect(page.locator("#todo-to-assign .todo-count")).to_have_text("2")
        expect(page.locator("#todo-to-verify .todo-count")).to_have_text("1")
        expect(page.locator("#todo-overdue .todo-count")).to_have_text("1")
        expect(page.locator("#todo-public-waiting .todo-count")).to_have_text("2")
        expect(page.locator("#not-walked-names")).to_contain_text("赵建国")
        _fits(page)
        screenshot(page, f"home-office-{size_name}")
        page.locator("#todo-to-assign").click()
        expect(page.locator("h1")).to_have_text("问题与整改")
        expect(page.locator("p.muted", has_text="个问题").first).to_contain_text("共 2 个问题")
    finally:
        context.close()


@pytest.mark.parametrize("size_name,size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_heads_home_and_starting_the_next_walk(browser, live_server, campaign, size_name, size):
    context, page = _open(browser, live_server, campaign["leader_a"], size)
    try:
        card = page.locator("#next-walk")
        expect(card).to_contain_text("食品经营许可")
        expect(card).to_contain_text("今天")
        expect(page.locator("#todo-walks-planned .todo-count")).to_have_text("2")
        expect(page.locator("#todo-walks-month-done .todo-count")).to_have_text("1")
        expect(page.locator("#todo-findings-overdue .todo-count")).to_have_text("1")
        _fits(page)
        screenshot(page, f"home-leader-{size_name}")
        if size_name == "phone":
            screenshot(page, "home-leader-phone-screen", full_page=False)  # what the head sees without scrolling
            card.get_by_role("button", name="开始走流程").click()
            expect(page.locator(".walkbar")).to_contain_text("进行中")
            page.goto(f"{live_server.url}/")
            expect(page.locator("#next-walk")).to_contain_text("正在进行的走流程")
            expect(page.locator("#next-walk").get_by_role("link", name="继续走流程")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("size_name,size", [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_liaisons_home_and_notifications(browser, live_server, campaign, size_name, size):
    context, page = _open(browser, live_server, campaign["liaison_a"], size)
    try:
        expect(page.locator("#todo-rectifying .todo-count")).to_have_text("3")
        rows = page.locator("#deadlines li.deadline")
        expect(rows).to_have_count(3)
        expect(rows.first).to_contain_text("一次性告知单内容不全")
        expect(rows.first).to_contain_text("被退回")
        expect(rows.nth(1)).to_contain_text("已逾期")
        expect(page.locator("#deadlines")).to_contain_text("工作日")
        badge = page.locator("#inbox .badge")
        expect(badge).to_have_text("4")
        _fits(page)
        screenshot(page, f"home-liaison-{size_name}")
        page.locator("#inbox").click()
        expect(page.locator("h1")).to_have_text("通知")
        expect(page.locator("li.notification.unread")).to_have_count(4)
        expect(page.locator("li.notification").first).to_contain_text("整改退回")
        _fits(page)
        screenshot(page, f"notifications-liaison-{size_name}")
        page.locator("li.notification").first.locator("a").click()
        expect(page.locator("h1")).to_contain_text("一次性告知单内容不全")
        # opening the finding reads both of its notifications (assigned, then sent back)
        expect(page.locator("#inbox .badge")).to_have_text("2")
    finally:
        context.close()
