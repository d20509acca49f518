"""The demo data command: targets met, constraints kept, idempotent, and the planted certificate cycles."""
from io import StringIO

from django.contrib.auth import authenticate as _authenticate
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.core.management import call_command

from campaign.demo_data import DEMO_ACCOUNTS, DEMO_PASSWORD
from services.models import Department, Material, Region, ServiceItem, ServiceItemRevision, Step


def authenticate(**credentials):
    # django-axes needs the request (it locks by username and address)
    return _authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def _counts():
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "items": ServiceItem.objects.count(),
        "materials": Material.objects.count(),
        "steps": Step.objects.count(),
        "users": get_user_model().objects.count(),
        "revisions": ServiceItemRevision.objects.count(),
    }


def _cycles(edges: dict[int, set[int]]) -> list[tuple[int, ...]]:
    """Every simple cycle, each reported once from its smallest node (the graph is small)."""
    found = []

    def dfs(start, node, path, on_path):
        for nxt in edges.get(node, ()):
            if nxt == start:
                found.append(tuple(path))
            elif nxt > start and nxt not in on_path:
                on_path.add(nxt)
                path.append(nxt)
                dfs(start, nxt, path, on_path)
                path.pop()
                on_path.discard(nxt)

    for start in sorted(edges):
        dfs(start, start, [start], {start})
    return found


def test_load_demo_data_is_complete_consistent_and_idempotent(db):
    """Load twice (and once more with --reset-passwords): targets, rules, no changes on re-run."""
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "部门 24 个" in out.getvalue()
    first = _counts()
    first_updated = dict(ServiceItem.objects.values_list("pk", "updated_at"))
    User = get_user_model()
    liaison = User.objects.get(username="liaison_amr")
    liaison.set_password("another-Secret-42")  # changed by its owner after the first run
    liaison.save()

    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert _counts() == first  # nothing added, in particular no new revisions
    assert dict(ServiceItem.objects.values_list("pk", "updated_at")) == first_updated  # nothing rewritten
    assert "新增事项修订 0 条" in out.getvalue()
    assert authenticate(username="liaison_amr", password="another-Secret-42") is not None  # password kept

    call_command("load_demo_data", "--reset-passwords", stdout=StringIO())
    assert authenticate(username="liaison_amr", password=DEMO_PASSWORD) is not None
    assert _counts() == first

    # Targets
    assert first["regions"] == 8
    assert first["departments"] >= 12
    assert set(Department.objects.values_list("level", flat=True)) == {"city", "county", "stationed", "utility"}
    assert first["items"] >= 60
    assert ServiceItem.objects.filter(high_frequency=True, enterprise_related=True).count() >= 30
    assert first["revisions"] == first["items"]  # exactly one revision per item
    assert not ServiceItem.objects.filter(materials__isnull=True).exists()
    assert not ServiceItem.objects.filter(steps__isnull=True).exists()
    certificates = Material.objects.filter(source="government", issuing_item__isnull=False)
    assert certificates.count() >= 5

    # Catalog rules
    for item in ServiceItem.objects.prefetch_related("materials", "steps"):
        materials, steps = list(item.materials.all()), list(item.steps.all())
        assert item.promised_limit_days <= item.legal_limit_days, item
        assert item.online_depth != 4 or item.max_visits == 0, item
        assert (item.case_type == "on_the_spot") == (item.promised_limit_days == 0), item
        assert 2 <= len(materials) <= 6, item
        assert [m.position for m in materials] == list(range(1, len(materials) + 1))
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        assert sum(s.time_limit_days or 0 for s in steps) <= item.legal_limit_days, item
        assert len(item.code) <= 64 and len(item.catalog_code) <= 12

    # Certificate graph: item -> items whose certificates it demands
    edges: dict[int, set[int]] = {}
    for item_id, issuer_id in certificates.values_list("item_id", "issuing_item_id"):
        edges.setdefault(item_id, set()).add(issuer_id)
    cycles = _cycles(edges)
    lengths = [len(cycle) for cycle in cycles]
    assert any(n >= 3 for n in lengths), lengths
    assert 2 in lengths, lengths
    # A cycle of three or more that crosses departments
    cross = [
        c for c in cycles
        if len(c) >= 3 and len(set(ServiceItem.objects.filter(pk__in=c).values_list("department", flat=True))) >= 2
    ]
    assert cross

    # Duplicate certificate: the 营业执照 of 企业设立登记 is demanded by several items
    licence_issuer = ServiceItem.objects.get(name="企业设立登记", department__code="city-amr")
    assert certificates.filter(issuing_item=licence_issuer).values("item").distinct().count() >= 4
    # A department demanding a certificate it issues itself
    assert certificates.filter(item__department=licence_issuer.department, issuing_item=licence_issuer).exists()

    # Accounts
    assert {row[0] for row in DEMO_ACCOUNTS} <= set(User.objects.values_list("username", flat=True))
    leader = authenticate(username="leader_amr", password=DEMO_PASSWORD)
    assert leader is not None and leader.role == "leader" and leader.department.code == "city-amr"
    office = User.objects.get(username="office")
    assert office.role == "office" and office.department is None and office.is_staff and not office.is_superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff

