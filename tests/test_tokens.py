"""Tokens and logins: whom the office may mint a token for, a password change revokes tokens, the
API throttle and the login lockout count the real address (X-Forwarded-For only behind PROXY_COUNT
proxies), and one address cannot try username after username."""
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import actions
from accounts.lockout import client_address
from accounts.models import ApiToken, Role
from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "Another-walk-2027"


@pytest.fixture
def root(db):
    return make_user("root", Role.OFFICE, is_superuser=True, is_staff=True)


def _token(user):
    token, key = actions.api_token_create(user=user, name="t", created_by=None)
    return token, key


def _works(key) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/departments/").status_code == 200


# --- whom the office may mint for ------------------------------------------------------------------------

def test_office_cannot_mint_a_token_for_a_superuser(client, office, root):
    client.force_login(office)
    response = client.post(reverse("admin:accounts_apitoken_add"), {"user": root.pk, "name": "root's"})
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["user"]
    assert not ApiToken.objects.filter(user=root).exists()


def test_office_does_not_see_or_revoke_a_superusers_tokens(client, office, root, leader_a):
    token, _key = _token(root)
    mine, _ = _token(leader_a)
    client.force_login(office)
    listing = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert token.prefix not in listing and mine.prefix in listing
    assert client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).status_code == 302  # not found
    client.post(reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_office_mints_for_people_it_manages_and_an_operator_for_anyone(client, office, root, leader_a):
    client.force_login(office)
    client.post(reverse("admin:accounts_apitoken_add"), {"user": leader_a.pk, "name": "leader's"})
    assert ApiToken.objects.filter(user=leader_a, name="leader's").exists()
    client.force_login(root)
    client.post(reverse("admin:accounts_apitoken_add"), {"user": root.pk, "name": "operator's"})
    assert ApiToken.objects.filter(user=root, name="operator's").exists()


# --- a password change revokes the tokens ------------------------------------------------------------------

def test_set_password_revokes_tokens(leader_a):
    token, key = _token(leader_a)
    assert _works(key)
    leader_a.set_password(NEW_PASSWORD)
    leader_a.save()
    assert not _works(key)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_password_change_page_revokes_tokens(client, leader_a):
    _token_, key = _token(leader_a)
    client.force_login(leader_a)
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                       "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _works(key)


def test_admin_password_change_revokes_tokens(client, office, api_a):
    assert _works(api_a.token_key)
    client.force_login(office)
    response = client.post(reverse("admin:auth_user_password_change", args=[api_a.pk]),
                           {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not _works(api_a.token_key)


def test_login_and_other_saves_keep_tokens(client, leader_a):
    _token_, key = _token(leader_a)
    leader_a.first_name = "新"
    leader_a.save()
    assert client.post("/accounts/login/", {"username": "leader_a", "password": PASSWORD}).status_code == 302
    assert _works(key)


def test_a_hash_upgrade_at_login_is_no_password_change(client, leader_a):
    _token_, key = _token(leader_a)
    hashers = ["django.contrib.auth.hashers.ScryptPasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        assert client.post("/accounts/login/", {"username": "leader_a", "password": PASSWORD}).status_code == 302
        leader_a.refresh_from_db()
        assert leader_a.password.startswith("scrypt")  # upgraded
    assert _works(key)


# --- the address: X-Forwarded-For only behind PROXY_COUNT proxies --------------------------------------------

def _throttled_rest_framework(**extra):
    return {**settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "20/minute"}, **extra}


def _bad_token_requests(count):
    client = APIClient()
    statuses = []
    for i in range(count):
        response = client.post("/api/v1/auth/token/", {"username": f"u{i}", "password": "wrong-password-1"},
                               format="json", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        statuses.append(response.status_code)
    return statuses


@pytest.mark.django_db
def test_api_throttle_ignores_x_forwarded_for_without_a_proxy():
    cache.clear()
    assert settings.PROXY_COUNT == 0 and settings.REST_FRAMEWORK["NUM_PROXIES"] == 0  # the default
    with override_settings(REST_FRAMEWORK=_throttled_rest_framework()):
        statuses = _bad_token_requests(25)
    cache.clear()
    assert 429 in statuses
    assert statuses.index(429) == 20


@pytest.mark.django_db
def test_api_throttle_reads_x_forwarded_for_behind_a_proxy():
    cache.clear()
    with override_settings(PROXY_COUNT=1, REST_FRAMEWORK=_throttled_rest_framework(NUM_PROXIES=1)):
        statuses = _bad_token_requests(25)
    cache.clear()
    assert 429 not in statuses  # 25 clients behind our proxy, each within its rate


def test_client_address():
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert client_address(request) == "10.0.0.1"  # nobody's proxy: the header is anyone's to write
    with override_settings(PROXY_COUNT=1):
        assert client_address(request) == "203.0.113.5"  # what our proxy saw, not what the client wrote
    with override_settings(PROXY_COUNT=2):
        assert client_address(request) == "1.1.1.1"
    with override_settings(PROXY_COUNT=1):
        assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


# --- one address, many usernames ----------------------------------------------------------------------------

def _login(client, username, password, address, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_one_address_trying_many_usernames_is_locked(client, leader_a):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert limit == 50 and limit > settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        assert _login(client, f"guess{i}", "wrong-password-1", "10.7.7.7").status_code == 200
    # below the address's limit a person behind the same address still logs in
    assert _login(client, "leader_a", PASSWORD, "10.7.7.7").status_code == 302
    client.logout()
    assert _login(client, "guess-last", "wrong-password-1", "10.7.7.7").status_code == 429  # the 50th failure
    # now every username from that address is refused, even with the right password
    assert _login(client, "leader_a", PASSWORD, "10.7.7.7").status_code == 429
    # rotating X-Forwarded-For does not help without a proxy
    assert _login(client, "leader_a", PASSWORD, "10.7.7.7", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # another address is not locked
    assert _login(client, "leader_a", PASSWORD, "10.7.7.8").status_code == 302
    assert sum(a.failures_since_start for a in AccessAttempt.objects.filter(ip_address="10.7.7.7")) >= limit


def test_the_api_token_endpoint_shares_the_address_lockout(leader_a):
    for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        APIClient().post("/api/v1/auth/token/", {"username": f"guess{i}", "password": "wrong-password-1"},
                         format="json", REMOTE_ADDR="10.6.6.6")
    response = APIClient().post("/api/v1/auth/token/", {"username": "leader_a", "password": PASSWORD},
                                format="json", REMOTE_ADDR="10.6.6.6")
    assert response.status_code == 401  # the right password, refused: the address is locked
    assert not ApiToken.objects.filter(user=leader_a).exists()
