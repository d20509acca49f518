"""Every page carries site.js (after htmx) and the texts it shows when a request fails, translated."""
import re

import pytest

from tests.conftest import make_item

EXPECTED = {
    "zh-hans": {
        "network-save": "网络连接失败，未保存，请检查网络后重试。",
        "server-save": "保存失败（服务器错误 {status}），请重试。",
        "ok": "已保存。",
    },
    "en": {
        "network-save": "Network connection failed: not saved. Check the connection and try again.",
        "server-save": "Not saved (server error {status}). Please try again.",
        "ok": "Saved.",
    },
}
KEYS = ["ok", "network-save", "network-load", "timeout-save", "timeout-load", "server-save", "server-load", "refused-save",
        "refused-load", "forbidden", "too-large", "too-many", "signed-out", "swap"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("path", ["/", "/catalog/", "/accounts/login/"])
def test_pages_carry_the_feedback_texts(client, department_a, leader_a, language, path):
    make_item(department_a, "FM-1")
    if path != "/accounts/login/":
        client.force_login(leader_a)
    client.cookies["django_language"] = language
    html = client.get(path).content.decode()
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert scripts[:2] == ["/static/vendor/htmx/htmx.min.js", "/static/js/site.js"], scripts
    body = re.search(r"<body([^>]*)>", html).group(1)
    found = dict(re.findall(r'data-cw-msg-([a-z-]+)="([^"]*)"', body))
    assert sorted(found) == sorted(KEYS)
    assert all(found.values()), found
    for key, text in EXPECTED[language].items():
        assert found[key] == text
    if language == "zh-hans":  # translated, every one of them
        assert not [k for k, v in found.items() if re.search(r"[A-Za-z]{3,}", v.replace("{status}", ""))], found
    assert 'data-cw-login-url="/accounts/login/"' in body
