"""Every URL pattern, for every role: who gets 200, 302, 401, 403 or 404."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for
from tests.role_matrix import EXEMPT_NAMES, EXEMPT_NAMESPACES, MATRIX, ROLES


def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            yield from _patterns(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def test_every_url_pattern_is_in_the_matrix():
    unnamed, missing = [], []
    for namespace, pattern in _patterns():
        top = namespace.split(":")[0]
        if top in EXEMPT_NAMESPACES:
            continue
        if "(?P<format>" in str(pattern.pattern) or str(pattern.pattern).endswith(r"\.(?P<format>[a-z0-9]+)/?$"):
            continue  # DRF's format-suffix twins of registered routes
        if not pattern.name:
            unnamed.append(str(pattern.pattern))
            continue
        name = f"{namespace}{pattern.name}"
        if name not in MATRIX and name not in EXEMPT_NAMES:
            missing.append(name)
    assert not unnamed, f"URL patterns without a name: {unnamed}"
    assert not missing, f"URL patterns missing from tests/role_matrix.py: {sorted(set(missing))}"


CASES = [(name, i, role) for name, cases in MATRIX.items() for i in range(len(cases)) for role in ROLES]


@pytest.mark.parametrize("name,index,role", CASES, ids=[f"{n}[{i}]-{r}" for n, i, r in CASES])
def test_role_matrix(matrix_objects, name, index, role):
    case = MATRIX[name][index]
    path = case.path(matrix_objects)
    client = client_for(role, matrix_objects, api=path.startswith("/api/"))
    data = case.data(matrix_objects) if case.data else None
    response = getattr(client, case.method)(path, data, format="json") if path.startswith("/api/") and data is not None \
        else getattr(client, case.method)(path, data or {})
    expected = case.expect[role]
    assert response.status_code == expected, (
        f"{case.method.upper()} {path} as {role}: got {response.status_code}, expected {expected}"
        f"{' — ' + case.note if case.note else ''}"
    )
    if expected == 302 and role == "anon" and not path.startswith(("/admin/", "/accounts/", "/i18n/")):
        assert response["Location"].startswith("/accounts/login/")
