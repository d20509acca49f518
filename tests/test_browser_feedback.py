"""Nothing silently lost, on a phone in Chinese: a date form sent as it opens, and every htmx request
that fails — refused, no network, a server error, a timeout, a session that ended — says so next to
what made it, in the interface's language; success looks different from failure.

The mechanism is static/js/site.js (loaded by templates/base.html for every page)."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from findings.models import Report
from inspections.models import Status, Walkthrough
from tests.conftest import make_item, screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NETWORK_SAVE = "网络连接失败，未保存，请检查网络后重试。"
NETWORK_LOAD = "网络连接失败，未能加载，请检查网络后重试。"
SERVER_SAVE = "保存失败（服务器错误 500），请重试。"
SERVER_LOAD = "加载失败（服务器错误 500），请稍后重试。"
TIMEOUT_LOAD = "服务器长时间未响应，未能加载，请稍后重试。"
REFUSED_LOAD = "加载失败：服务器拒绝了这次请求（404），请刷新页面后重试。"
SIGNED_OUT = "登录已过期，本次操作未完成，请重新登录后重试。"
RED, GREEN = "rgb(253, 236, 234)", "rgb(230, 244, 234)"  # the error and success backgrounds (site.css)


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def seen(locator) -> bool:
    """On screen and not covered (by the walk page's sticky bar, say): what the person actually sees."""
    return locator.evaluate("""el => {
        const r = el.getBoundingClientRect();
        if (r.top < 0 || r.bottom > innerHeight) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!hit && el.contains(hit);
    }""")


def plan_from_the_form(page, live_server) -> Walkthrough:
    """Plan as a head does: choose the item, leave the date as the form opens (today), send."""
    page.goto(f"{live_server.url}/walkthroughs/new/")
    date = page.get_by_label("日期")
    expect(date).to_have_value(timezone.localdate().isoformat())  # a value <input type=date> can show
    page.get_by_label("服务事项").select_option(label="★ 食品经营许可（市市场监督管理局）")
    page.get_by_role("button", name="安排").click()
    expect(page.locator(".walkbar")).to_contain_text("已计划")
    return Walkthrough.objects.get()


def htmx_form(page, selector: str, target: str):
    """Give a walk-page form the htmx attributes the walk page's forms carry in the last release
    (hx-post to its action, the answer swapping its panel). The walk page is moving to its own
    offline outbox (static/js/walk.js) and no other page posts through htmx yet; this keeps the
    server's real answers (a refusal with its fragment, a save) going through htmx and site.js."""
    page.evaluate(
        """([selector, target]) => {
            const old = document.querySelector(selector);
            const form = old.cloneNode(true);  // without any listener another script put on it
            form.removeAttribute("data-outbox");
            form.setAttribute("hx-post", form.getAttribute("action"));
            form.setAttribute("hx-target", target);
            form.setAttribute("hx-swap", "outerHTML");
            old.replaceWith(form);
            htmx.process(form);
        }""",
        [selector, target],
    )


@pytest.fixture
def food_item(transactional_db, department_a):
    return make_item(department_a, "FB-1", name="食品经营许可", high_frequency=True, enterprise_related=True, max_visits=1)


def test_plan_form_is_sent_with_the_date_it_opens_with(phone, live_server, food_item, leader_a):
    page = phone
    login(page, live_server, leader_a.username)
    walkthrough = plan_from_the_form(page, live_server)
    assert walkthrough.scheduled_for == timezone.localdate() and walkthrough.status == Status.PLANNED

    # The messages banner: success and error look different (colour, icon) and are announced differently.
    done = page.locator("ul.messages li.success")
    expect(done).to_be_visible()
    assert done.get_attribute("role") == "status" and background(done) == GREEN
    assert done.evaluate("el => getComputedStyle(el, '::before').content").startswith('"✓"')
    screenshot(page, "feedback-plan-saved-phone", full_page=False)

    Walkthrough.objects.filter(pk=walkthrough.pk).update(status=Status.CANCELLED)  # meanwhile, elsewhere
    page.get_by_role("button", name="开始走流程").click()
    refused = page.locator("ul.messages li.error")
    expect(refused).to_be_visible()
    assert refused.get_attribute("role") == "alert" and background(refused) == RED
    assert refused.evaluate("el => getComputedStyle(el, '::before').content").startswith('"✕"')
    screenshot(page, "feedback-banner-error-phone", full_page=False)


def test_walk_page_saves_say_what_happened(phone, live_server, food_item, leader_a):
    page = phone
    login(page, live_server, leader_a.username)
    walkthrough = plan_from_the_form(page, live_server)
    page.get_by_role("button", name="开始走流程").click()
    expect(page.locator(".walkbar")).to_contain_text("进行中")
    observed = page.locator("#observed")
    observed_url = re.compile(rf"/walkthroughs/{walkthrough.pk}/observed/$")

    # (b) the server refuses: its fragment (status 400) is swapped in, with its message, in Chinese.
    htmx_form(page, "#observed form", "#observed")
    observed.get_by_label("实际要求材料数").fill("99999999999")
    observed.get_by_role("button", name="保存数据").click()
    alert = observed.locator("[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("实际要求材料数")
    assert background(alert) == RED and seen(alert)  # brought into view, clear of the sticky bar
    screenshot(page, "feedback-refused-phone", full_page=False)

    # (c) no network: the message right after the form, nothing saved.
    htmx_form(page, "#observed form", "#observed")
    page.route(observed_url, lambda route: route.abort("internetdisconnected"))
    observed.get_by_label("实际要求材料数").fill("5")
    observed.get_by_role("button", name="保存数据").click()
    message = page.locator("#observed form + .feedback.error")
    expect(message).to_be_visible()
    expect(message).to_have_text(NETWORK_SAVE)
    assert message.get_attribute("role") == "alert" and background(message) == RED and seen(message)
    screenshot(page, "feedback-network-phone", full_page=False)
    page.unroute(observed_url)

    # (d) a server error: the message replaces the previous one.
    page.route(observed_url, lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>"))
    observed.get_by_role("button", name="保存数据").click()
    expect(message).to_have_text(SERVER_SAVE)
    expect(page.locator("#observed .feedback.error, #observed + .feedback.error")).to_have_count(1)
    expect(observed.locator("h1")).to_have_count(0)  # the error page is not swapped into the panel
    screenshot(page, "feedback-server-error-phone", full_page=False)
    page.unroute(observed_url)
    assert Walkthrough.objects.get().observed_materials is None

    # (e) success: the saved cue, green, and no error left.
    observed.get_by_role("button", name="保存数据").click()
    saved = observed.locator("[role=status]")
    expect(saved).to_be_visible()
    expect(saved).to_contain_text("已保存")
    expect(page.locator("[role=alert]")).to_have_count(0)
    assert background(saved) == GREEN and seen(saved)
    assert Walkthrough.objects.get().observed_materials == 5
    screenshot(page, "feedback-saved-phone", full_page=False)

    # A fragment without a message of its own gets site.js's brief cue, after the form that sent it.
    htmx_form(page, "#timeline form.taps", "#timeline")
    page.locator("#timeline").get_by_role("button", name="咨询", exact=True).click()
    cue = page.locator("#timeline form.taps + .feedback.ok, #timeline > .feedback.ok")
    expect(cue).to_have_text("已保存。")
    assert cue.get_attribute("role") == "status" and background(cue) == GREEN and seen(cue)
    screenshot(page, "feedback-ok-cue-phone", full_page=False)
    expect(cue).to_have_count(0, timeout=8000)  # brief


def test_catalog_search_failures_are_told(phone, live_server, food_item, leader_a):
    """A GET through htmx (the catalog's live search): failures to load, the session ending, and the
    messages in English when the interface is."""
    page = phone
    login(page, live_server, leader_a.username)
    page.goto(f"{live_server.url}/catalog/")
    search = page.get_by_placeholder("事项名称或编码")
    rows = page.locator("#item-rows")
    message = page.locator("form.filters + .feedback.error")
    htmx_search = re.compile(r"/catalog/\?")

    page.route(htmx_search, lambda route: route.abort("internetdisconnected"))
    search.fill("食品")
    expect(message).to_have_text(NETWORK_LOAD)
    screenshot(page, "feedback-catalog-network-phone", full_page=False)
    page.unroute(htmx_search)

    page.route(htmx_search, lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>"))
    search.fill("食品经营")
    expect(message).to_have_text(SERVER_LOAD)
    page.unroute(htmx_search)

    page.evaluate("htmx.config.timeout = 800")
    page.route(htmx_search, lambda route: None)  # an answer that never comes
    search.fill("食品经营许")
    expect(message).to_have_text(TIMEOUT_LOAD)
    page.unroute(htmx_search)
    page.evaluate("htmx.config.timeout = 30000")

    search.fill("食品经营许可")
    expect(rows).to_contain_text("食品经营许可")
    expect(page.locator(".feedback")).to_have_count(0)  # a success clears the message

    page.context.clear_cookies()  # the session ended (another tab logged out, or eight hours passed)
    search.fill("食品")
    expect(message).to_have_text(SIGNED_OUT)
    expect(rows.locator("input[type=password]")).to_have_count(0)  # the login page is not swapped into the list
    screenshot(page, "feedback-signed-out-phone", full_page=False)

    login(page, live_server, leader_a.username)
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.route(htmx_search, lambda route: route.abort("internetdisconnected"))
    page.get_by_placeholder("Item name or code").fill("food")
    expect(message).to_have_text("Network connection failed: could not load. Check the connection and try again.")
    screenshot(page, "feedback-catalog-network-en-phone", full_page=False)


def test_report_polling_refused_is_told(phone, live_server, transactional_db, office):
    """The report page polls its status through htmx; a refusal (the report is gone) says so in the panel."""
    report = Report.objects.create(kind="bulletin", scope="all", request_key="k", requested_by=office, enqueued_at=timezone.now())
    page = phone
    login(page, live_server, office.username)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    expect(page.locator("#report-status progress")).to_be_visible()
    report.delete()
    message = page.locator("#report-status > .feedback.error")
    expect(message).to_have_text(REFUSED_LOAD, timeout=10000)
    expect(page.locator("#report-status .feedback")).to_have_count(1)
    screenshot(page, "feedback-report-refused-phone", full_page=False)
