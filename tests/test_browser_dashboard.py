"""The office's dashboard in a real browser: charts drawn, a filter changed, a figure followed."""
import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.test_browser import login
from tests.test_dashboard import seed

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def city_data(transactional_db, office, department_a, department_b):
    from tests.conftest import make_item

    items = {d.pk: make_item(d, f"DB-{d.code}") for d in (department_a, department_b)}
    seed(office, [department_a, department_b], items, 80)
    return office


def test_dashboard_filter_and_follow_a_figure(page, live_server, city_data, department_b):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, live_server, city_data.username)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_have_text("局长走流程督查看板")
    expect(page.locator("[data-chart=statuses] svg")).to_have_count(1)  # ECharts drew the chart
    expect(page.locator("[data-chart=groups] svg")).to_have_count(1)
    screenshot(page, "dashboard-office")

    page.locator("#dash-filters select[name=department]").select_option(label=department_b.name)
    page.get_by_role("button", name="应用").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?since=&until=&region=&level=&department={department_b.pk}")
    expect(page.locator("#ranking tbody tr")).to_have_count(1)  # only the chosen department
    overdue = page.locator("#stat-overdue b").inner_text()
    screenshot(page, "dashboard-filtered")

    page.locator("#stat-overdue").click()
    expect(page.locator("h1")).to_have_text("问题与整改")
    expect(page.locator("p.muted").first).to_contain_text(f"共 {overdue} 个问题")
    assert "department" in page.url and "overdue=on" in page.url
    screenshot(page, "dashboard-followed")
    assert not violations, violations
