"""A real browser: log in and browse the catalog in Chinese, on a desktop and on a phone."""
import pytest
from playwright.sync_api import expect

from services.models import Material
from tests.conftest import PASSWORD, make_item, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def seeded(transactional_db, department_a, department_b, leader_a):
    issuing = make_item(department_b, "W-1", name="建设工程规划许可证核发")
    item = make_item(department_a, "W-2", name="企业设立登记", high_frequency=True, enterprise_related=True)
    Material.objects.create(item=item, position=1, name="营业执照", source="government", issuing_item=issuing)
    return leader_a


def login(page, live_server, username):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_login_and_see_the_catalog_in_chinese(page, live_server, seeded):
    login(page, live_server, seeded.username)
    page.get_by_role("link", name="服务事项目录").first.click()
    page.wait_for_selector("text=企业设立登记")
    assert page.locator("h1").inner_text() == "服务事项目录"
    assert page.get_by_text("建设工程规划许可证核发").count() >= 1
    screenshot(page, "catalog-list")
    # search narrows the list without a page reload (htmx)
    page.get_by_placeholder("事项名称或编码").fill("企业")
    expect(page.locator("#item-rows tbody tr")).to_have_count(1)
    assert "建设工程规划许可证核发" not in page.locator("#item-rows").inner_text()
    page.get_by_role("link", name="企业设立登记").click()
    page.wait_for_selector("text=政府部门核发")
    screenshot(page, "catalog-detail")


def test_wrong_password_is_told_in_chinese(page, live_server, seeded):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(seeded.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=用户名或密码错误")


def test_catalog_on_a_phone(browser, live_server, seeded):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        login(page, live_server, seeded.username)
        page.goto(f"{live_server.url}/catalog/")
        page.wait_for_selector("text=企业设立登记")
        # no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, "catalog-phone")
    finally:
        context.close()


def test_no_content_security_policy_violations(page, live_server, transactional_db, department_a, office):
    """The CSP is strict (no inline script or style): every page must work within it."""
    item = make_item(department_a, "CSP-1", name="企业设立登记")
    violations = []
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text[:150]}") if "Content Security Policy" in msg.text else None)
    login(page, live_server, office.username)
    for path in ["/", "/catalog/", f"/catalog/{item.pk}/", "/admin/", f"/admin/services/serviceitem/{item.pk}/change/",
                 "/admin/accounts/user/", "/api/v1/docs/", "/accounts/password/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector("text=service-items", timeout=15000)
    screenshot(page, "api-docs")
    assert not violations, violations
