"""申诉复核 in a Chinese phone browser: the liaison appeals with a photo from the phone, a refusal shows
beside the form, the office accepts the appeal — each step seen on the finding's page."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from findings import actions
from findings.models import Finding, FindingTransition
from tests.conftest import screenshot
from tests.test_browser import login

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def _photo(path):
    image = Image.new("RGB", (1200, 900), (40, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def test_the_liaison_appeals_on_a_phone_and_the_office_accepts(browser, live_server, transactional_db, tmp_path,
                                                             department_a, liaison_a, office):
    finding = actions.finding_file(actor=office, department=department_a, category="excess_materials",
                                   title="窗口要求提供户籍证明")
    finding = actions.finding_transition(finding=finding, to="rectifying", actor=office)
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    login(page, live_server, liaison_a.username)
    page.goto(f"{live_server.url}/findings/{finding.pk}/")
    panel = page.locator("#appeal")
    expect(panel.get_by_role("heading", name="申诉")).to_be_visible()

    # Reasons left blank (only spaces): the refusal is shown in the panel, where the person is
    panel.locator("textarea[name=note]").fill("   ")
    panel.get_by_role("button", name="提出申诉").click()
    alert = page.locator("#appeal [role=alert]")
    expect(alert).to_have_text("请填写申诉理由。")
    expect(alert).to_be_in_viewport()
    assert Finding.objects.get(pk=finding.pk).status == "rectifying"

    # With reasons and a photo from the phone
    page.locator("#appeal textarea[name=note]").fill("该事项已于今年划转至市数据资源局办理")
    page.locator("#appeal input[type=file]").set_input_files(str(_photo(tmp_path / "划转文件.jpg")))
    page.locator("#appeal").get_by_role("button", name="提出申诉").click()
    expect(page.locator(".fstatus")).to_have_text("申诉中")
    expect(page.get_by_text("申诉已提交，待营商办复核。")).to_be_visible()
    screenshot(page, "appeal-filed-phone")
    finding.refresh_from_db()
    assert finding.status == "appealed" and finding.evidence.count() == 1
    phone.close()

    desk = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = desk.new_page()
    login(page, live_server, office.username)
    page.goto(f"{live_server.url}/findings/{finding.pk}/")
    expect(page.get_by_text("该事项已于今年划转至市数据资源局办理")).to_be_visible()  # the reasons, in the history
    accept = page.locator("form.move-dismissed")
    accept.locator("input[name=note]").fill("经复核，职责已依法划转，申诉成立")
    accept.get_by_role("button", name="申诉成立，撤销该问题").click()
    expect(page.locator(".fstatus")).to_have_text("已撤销")
    screenshot(page, "appeal-accepted-phone")
    desk.close()
    assert list(FindingTransition.objects.filter(finding=finding).values_list("from_status", "to_status")) == [
        ("open", "rectifying"), ("rectifying", "appealed"), ("appealed", "dismissed")]
