"""Accounts: lockout, the login log, hashed revocable tokens, roles, session expiry, headers."""
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import actions
from accounts.models import ApiToken, Role, User
from accounts.queries import department_scope
from tests.conftest import PASSWORD, make_user

LOGIN = "/accounts/login/"


def post_login(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_ten_failed_logins_lock_the_account_from_that_address(client, leader_a, caplog):
    caplog.set_level(logging.INFO, logger="chizhou.auth")
    for _ in range(9):
        assert post_login(client, "leader_a", "wrong-password").status_code == 200
    locked = post_login(client, "leader_a", "wrong-password")
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    # even the right password is refused while locked
    assert post_login(client, "leader_a", PASSWORD).status_code == 429
    # the same person from another address is not locked out (a whole bureau shares one NAT)
    assert post_login(client, "leader_a", PASSWORD, address="10.0.0.8").status_code == 302
    # the log: rows the office reads in the admin, and lines for the operators
    assert AccessFailureLog.objects.filter(username="leader_a", ip_address="10.0.0.7").count() >= 10
    assert AccessAttempt.objects.get(username="leader_a", ip_address="10.0.0.7").failures_since_start >= 10
    failures = [r for r in caplog.records if "login failed user=leader_a address=10.0.0.7" in r.getMessage()]
    assert len(failures) >= 10


def test_login_and_logout_are_logged_with_time_and_address(client, leader_a, caplog):
    caplog.set_level(logging.INFO, logger="chizhou.auth")
    assert post_login(client, "leader_a", PASSWORD, address="10.1.2.3").status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR="10.1.2.3")
    entry = AccessLog.objects.get(username="leader_a")
    assert entry.ip_address == "10.1.2.3" and entry.attempt_time and entry.logout_time
    messages = [r.getMessage() for r in caplog.records]
    assert "login ok user=leader_a address=10.1.2.3" in messages
    assert "logout user=leader_a address=10.1.2.3" in messages


def test_api_accounts_cannot_use_the_pages(client, api_a):
    api_a.set_password(PASSWORD)
    api_a.save()
    response = post_login(client, "api_a", PASSWORD)
    assert response.status_code == 200 and "仅用于接口访问" in response.content.decode()


def test_session_expires_after_a_working_day(client, leader_a):
    post_login(client, "leader_a", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60


# --- tokens ---------------------------------------------------------------------------------------------

def test_token_is_stored_hashed_never_in_plain_text(api_a):
    key = api_a.token_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows and not any(key in str(value) for row in rows for value in row)
    token = ApiToken.objects.get(user=api_a)
    assert token.prefix == key[:8] and token.key_hash == actions.token_hash(key) and len(token.key_hash) == 64


def test_token_works_records_use_and_revocation_is_immediate(api_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_a.token_key}")
    assert client.get("/api/v1/departments/").status_code == 200
    token = ApiToken.objects.get(user=api_a)
    assert token.last_used_at is not None
    assert actions.api_token_revoke(token=token, actor=None)
    response = client.get("/api/v1/departments/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nope", "Token \xff\xfe"])
def test_bad_token_headers_get_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/departments/").status_code == 401


def test_obtain_token_with_username_and_password(leader_a):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "leader_a", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    key = response.json()["token"]
    authed = APIClient()
    authed.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert authed.get("/api/v1/service-items/").status_code == 200
    wrong = client.post("/api/v1/auth/token/", {"username": "leader_a", "password": "nope"}, format="json")
    assert wrong.status_code == 401
    missing = client.post("/api/v1/auth/token/", {"username": "leader_a"}, format="json")
    assert missing.status_code == 400 and "password" in missing.json()


def test_api_role_is_read_only(api_a, department_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_a.token_key}")
    response = client.post("/api/v1/service-items/", {"code": "X", "name": "x"}, format="json")
    assert response.status_code == 403


def test_office_creates_a_token_in_the_admin_and_sees_it_once(client, office, api_a):
    client.force_login(office)
    response = client.post(reverse("admin:accounts_apitoken_add"), {"user": api_a.pk, "name": "12345热线"}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="12345热线")
    shown = [str(m) for m in response.context["messages"] if "仅显示这一次" in str(m)]
    assert len(shown) == 1
    key = shown[0].rsplit("：", 1)[-1].strip()
    assert key.startswith(token.prefix)
    assert actions.token_hash(key) == token.key_hash
    # the change page never shows it again
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert key not in page
    # revoke through the admin action
    client.post(reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- people and roles ----------------------------------------------------------------------------------

def test_create_user_command(department_a):
    call_command("create_user", "li_ju", "--role", "leader", "--department", "city-amr", "--password", "Chizhou-walk-2026")
    user = User.objects.get(username="li_ju")
    assert user.role == Role.LEADER and user.department == department_a and user.check_password("Chizhou-walk-2026")
    call_command("create_user", "wang", "--role", "office", "--password", "Chizhou-walk-2026")
    assert User.objects.get(username="wang").is_staff
    with pytest.raises(CommandError):
        call_command("create_user", "x1", "--role", "leader", "--password", "Chizhou-walk-2026")  # no department
    with pytest.raises(CommandError):
        call_command("create_user", "x2", "--role", "leader", "--department", "nope", "--password", "Chizhou-walk-2026")
    with pytest.raises(CommandError):
        call_command("create_user", "x3", "--role", "liaison", "--department", "city-amr", "--password", "123")
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()


def test_office_cannot_make_operators_in_the_admin(client, office, leader_a):
    client.force_login(office)
    page = client.get(reverse("admin:accounts_user_change", args=[leader_a.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="role"' in page
    root = make_user("root", Role.OFFICE, is_superuser=True, is_staff=True)
    assert client.get(reverse("admin:accounts_user_change", args=[root.pk])).status_code == 302  # not found → admin index


def test_admin_refuses_a_leader_without_department(client, office, leader_a):
    client.force_login(office)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "new_leader", "password1": "Chizhou-walk-2026", "password2": "Chizhou-walk-2026",
        "usable_password": "true", "role": "leader", "department": "",
    })
    assert response.status_code == 200 and not User.objects.filter(username="new_leader").exists()


def test_department_scope(office, leader_a, liaison_a, leader_b, api_a, department_b):
    unscoped_api = make_user("api_all", Role.API)
    visible = lambda viewer: set(User.objects.filter(department_scope(viewer)).values_list("username", flat=True))  # noqa: E731
    assert visible(office) >= {"leader_a", "liaison_a", "leader_b", "api_a"}
    assert visible(leader_a) == visible(liaison_a) == {"leader_a", "liaison_a", "api_a"}
    assert visible(leader_b) == {"leader_b"}
    assert visible(api_a) == {"leader_a", "liaison_a", "api_a"}
    assert visible(unscoped_api) >= {"leader_a", "leader_b"}
    leader_a.is_active = False
    assert visible(leader_a) == set()


def test_security_headers_and_csp(client, leader_a):
    client.force_login(leader_a)
    response = client.get("/catalog/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
