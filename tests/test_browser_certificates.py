"""The certificate graph in a Chinese phone browser: the arrows name their certificate, a relation is
marked legitimate (a refusal beside the form first), and filing asks in a dialog before it files."""
import pytest
from playwright.sync_api import expect

from findings.models import Finding
from services.models import CertificateDecision
from tests.conftest import ARTIFACTS, screenshot
from tests.test_browser import login
from tests.test_certificates import canonical, catalog, spec  # noqa: F401 - catalog is a fixture

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def test_the_office_reads_the_arrows_marks_a_relation_legitimate_and_files_after_confirming(
        browser, live_server, transactional_db, catalog, office, department_a, department_b):  # noqa: F811
    i = catalog
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    login(page, live_server, office.username)
    page.goto(f"{live_server.url}/catalog/certificates/")

    # The arrows carry the certificate's name, drawn in the chart's SVG.
    chart = page.locator("[data-chart='certificate-cycles']")
    expect(chart.locator("svg")).to_be_visible()
    page.wait_for_timeout(1500)  # the force layout settles
    texts = chart.locator("svg text").all_text_contents()
    chart.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(ARTIFACTS / "certificate-graph-chart-phone.png"))
    assert any("借款合同" in t for t in texts) and any("不动产登记" in t for t in texts), texts

    # A reason of spaces only: refused beside the form of that problem.
    self_key = spec("self", i["G"].pk, i["H"].pk)
    row = page.locator("#self-issued tbody tr").filter(has=page.locator(f"input[value='{self_key}']"))
    row.locator("details.decide summary").click()
    row.locator("textarea[name=reason]").fill("   ")
    row.locator("details.decide button").click()
    row = page.locator("#self-issued tbody tr").filter(has=page.locator(f"input[value='{self_key}']"))
    alert = row.locator("[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()
    assert not CertificateDecision.objects.exists()

    row.locator("textarea[name=reason]").fill("许可证延续须核验原许可证，属合理要求")
    row.locator("details.decide button").click()
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("许可证延续须核验原许可证，属合理要求")
    expect(decisions).to_contain_text("事项G")
    expect(page.locator("#self-issued")).to_have_count(0)  # nothing left flagged of that kind
    screenshot(page, "certificate-legitimate-phone")
    assert CertificateDecision.objects.get().decided_by == office

    # Filing asks first: the dialog names the departments; cancel files nothing, "file" files once.
    four = spec("cycle", *canonical([i["C"].pk, i["D"].pk, i["E"].pk, i["F"].pk]))
    form = page.locator(f"form.file-problem:has(input[value='{four}'])")
    form.locator("button").click()
    dialog = page.locator("#file-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(department_a.name)
    expect(dialog).to_contain_text(department_b.name)
    screenshot(page, "certificate-file-dialog-phone", full_page=False)
    dialog.locator("button[value=cancel]").click()
    expect(dialog).to_be_hidden()
    assert not Finding.objects.exists()

    form.locator("button").click()
    dialog.locator("button[value=file]").dblclick()
    expect(page.locator(f"form.file-problem:has(input[value='{four}'])")).to_have_count(0)  # filed: no button
    assert sorted(Finding.objects.values_list("department_id", flat=True)) == sorted([department_a.pk, department_b.pk])
    phone.close()
