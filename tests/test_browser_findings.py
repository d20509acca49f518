"""The whole rectification loop in a real browser, three people, each in their own browser."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from findings.models import Finding, FindingTransition
from inspections import actions as walk_actions
from tests.conftest import make_item, screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def person(browser, live_server):
    contexts = []

    def open_as(username):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        contexts.append(context)
        page = context.new_page()
        login(page, live_server, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_file_assign_submit_reject_submit_close(person, live_server, transactional_db, department_a, leader_a, liaison_a, office):
    item = make_item(department_a, "BL-1", name="建设工程消防验收")
    walk = walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="inspect",
                                         identity="incognito", channel="window", scheduled_for=timezone.localdate())
    walk = walk_actions.walkthrough_transition(walkthrough=walk, to="in_progress", actor=leader_a)
    walk_actions.checklist_answer_set(walkthrough=walk, actor=leader_a, question="sup_one_time_notice", answer="problem",
                                      note="材料清单前后不一")
    walk_actions.walkthrough_transition(walkthrough=walk, to="completed", actor=leader_a)

    # the head files a finding from the problem answer of their walkthrough
    head = person(leader_a.username)
    head.goto(f"{live_server.url}/walkthroughs/{walk.pk}/")
    head.get_by_role("link", name="就此问题登记").click()
    expect(head.get_by_label("问题类别")).to_have_value("one_time_notice")
    expect(head.get_by_label("问题描述")).to_have_value("材料清单前后不一")  # the answer's note starts it
    head.get_by_label("较重").check()
    head.get_by_label("问题描述").fill("材料清单前后不一：窗口两次告知的材料清单不一致，企业多跑一次。")
    head.get_by_role("button", name="登记").click()
    # back on the walk, where the finding is now listed
    expect(head).to_have_url(re.compile(rf"/walkthroughs/{walk.pk}/#findings$"))
    expect(head.locator("#findings")).to_contain_text("一次性告知")
    finding = Finding.objects.get()
    screenshot(head, "loop-1-filed")

    # the office assigns it with a deadline
    desk = person(office.username)
    desk.goto(f"{live_server.url}/findings/{finding.pk}/")
    deadline = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    desk.locator("form.move-rectifying input[name=due_date]").fill(deadline)
    desk.get_by_role("button", name="交办整改").click()
    expect(desk.locator(".fstatus").first).to_have_text("整改中")

    # the liaison records measures and submits
    contact = person(liaison_a.username)
    contact.goto(f"{live_server.url}/findings/")
    contact.get_by_role("link", name=finding.title).click()
    contact.get_by_label("整改措施").fill("统一并公开材料清单，窗口一次性书面告知。")
    contact.get_by_role("button", name="保存整改措施").click()
    contact.get_by_role("button", name="提交核实").click()
    expect(contact.locator(".fstatus").first).to_have_text("待核实")
    screenshot(contact, "loop-2-submitted")

    # the office rejects it with a reason
    desk.reload()
    desk.locator("form.move-rectifying input[name=note]").fill("办事指南尚未在网上更新")
    desk.get_by_role("button", name="退回重新整改").click()
    expect(desk.locator(".fstatus").first).to_have_text("整改中")

    # the liaison submits again
    contact.reload()
    contact.get_by_role("button", name="提交核实").click()
    expect(contact.locator(".fstatus").first).to_have_text("待核实")

    # the office verifies and strikes it off, recording what got simpler
    desk.reload()
    desk.get_by_label("减少跑动（次）").fill("1")
    desk.get_by_role("button", name="核实通过，销号").click()
    expect(desk.locator(".fstatus").first).to_have_text("已销号")
    expect(desk.locator(".history")).to_contain_text("办事指南尚未在网上更新")
    screenshot(desk, "loop-3-closed")

    moves = list(FindingTransition.objects.filter(finding=finding).values_list("to_status", flat=True))
    assert moves == ["rectifying", "submitted", "rectifying", "submitted", "closed"]
    assert Finding.objects.get().visits_cut == 1
