"""The certificate graph: cycles of any length found once each, self-issued and bundle-duplicate
certificates, the most demanded ones, a fixed number of queries, and the office page that files
each problem once per department involved."""
import itertools
import random
import re

import pytest
from django.utils.translation import gettext
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from findings.certificates import certificate_problem_file, filed_keys
from findings.models import Finding
from services import certificates
from services.certificates import analyse, bundle_duplicates, find_cycles, self_issued
from services.models import Bundle, BundleItem, Department, Material, MaterialSource
from tests.conftest import make_item


def demand(item, issuer, name=None, *, source=MaterialSource.GOVERNMENT):
    """``item`` demands the certificate ``issuer`` issues."""
    position = item.materials.count() + 1
    return Material.objects.create(item=item, position=position, name=name or f"{issuer.name}证明",
                                   source=source, issuing_item=issuer)


def canonical(ids):
    start = ids.index(min(ids))
    return ids[start:] + ids[:start]


def spec(kind, *ids):
    return f"{kind}:" + "-".join(str(i) for i in ids)


def forms(html, route):
    """The problem keys the page's forms posting to ``route`` carry, in page order."""
    action = re.escape(reverse(route))
    return [m.group(1) for m in re.finditer(
        rf'<form method="post" action="{action}(?:#[^"]*)?"[^>]*>.*?name="problem" value="([^"]*)"', html, re.S)]


# --- the graph on plain ids -------------------------------------------------------------------------

def brute_force_cycles(nodes, edges):
    """Every elementary cycle by trying every ordering of every subset: slow, obviously right."""
    found = set()
    for k in range(2, len(nodes) + 1):
        for subset in itertools.combinations(sorted(nodes), k):
            first, rest = subset[0], subset[1:]
            for order in itertools.permutations(rest):
                cycle = (first, *order)
                if all((cycle[i], cycle[(i + 1) % k]) in edges for i in range(k)):
                    found.add(cycle)
    return found


def test_cycles_match_brute_force_on_random_graphs():
    rng = random.Random(2026)
    for _ in range(40):
        nodes = list(range(1, 8))
        edges = {(a, b) for a in nodes for b in nodes if a != b and rng.random() < 0.3}
        cycles = find_cycles(edges)
        assert len(cycles) == len({tuple(c) for c in cycles}), "a cycle reported twice"
        assert {tuple(c) for c in cycles} == brute_force_cycles(nodes, edges)
        assert all(c[0] == min(c) for c in cycles)
        assert not cycles.truncated


def test_a_cycle_is_reported_once_whichever_node_one_starts_from():
    ring = [5, 3, 9, 7]
    rng = random.Random(1)
    for shift in range(len(ring)):
        rotated = ring[shift:] + ring[:shift]
        edges = list(zip(rotated, rotated[1:] + rotated[:1]))
        for _ in range(5):
            rng.shuffle(edges)
            assert find_cycles(edges) == [[3, 9, 7, 5]]


def test_complete_graph_has_every_cycle_once():
    nodes = range(1, 5)
    edges = [(a, b) for a in nodes for b in nodes if a != b]
    cycles = find_cycles(edges)
    # C(4,2)·1! + C(4,3)·2! + C(4,4)·3! elementary cycles
    assert len(cycles) == 6 + 8 + 6 == len({tuple(c) for c in cycles})
    assert cycles[:6] == [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]  # sorted by length, then ids


def test_a_self_loop_is_self_issued_not_a_cycle():
    edges = [(1, 1), (1, 2), (2, 1), (3, 3)]
    assert find_cycles(edges) == [[1, 2]]
    assert self_issued(edges, {1: 10, 2: 20, 3: 30}) == [(1, 1), (3, 3)]
    assert self_issued(edges, {1: 10, 2: 10, 3: 30}) == [(1, 1), (1, 2), (2, 1), (3, 3)]


def test_random_dag_has_no_cycles():
    rng = random.Random(7)
    order = list(range(1, 2001))
    rng.shuffle(order)  # ids do not follow the topological order
    rank = {node: i for i, node in enumerate(order)}
    edges = [(a, b) for a, b in (rng.sample(order, 2) for _ in range(8000)) if rank[a] < rank[b]]
    assert find_cycles(edges) == []
    adj = certificates._adjacency(edges)
    assert all(len(c) == 1 for c in certificates.strongly_connected_components(adj))


def test_long_chains_need_no_recursion():
    n = 30_000
    ring = [(i, i % n + 1) for i in range(1, n + 1)]
    cycles = find_cycles(ring[::-1])
    assert cycles == [list(range(1, n + 1))] and not cycles.truncated
    assert find_cycles(ring[:-1]) == []  # the same chain, open: 30,000 deep, no cycle


def test_the_cap_stops_the_search_and_says_so():
    nodes = range(1, 8)
    edges = [(a, b) for a in nodes for b in nodes if a != b]
    everything = find_cycles(edges)
    assert len(everything) == 21 + 70 + 210 + 504 + 840 + 720 and not everything.truncated
    capped = find_cycles(edges, limit=100)
    assert len(capped) == 100 and capped.truncated
    assert {tuple(c) for c in capped} <= {tuple(c) for c in everything}
    starved = find_cycles(edges, budget=500)
    assert starved.truncated and len(starved) < len(everything)


def test_bundle_duplicates_on_plain_lists():
    edges = [(2, 9), (3, 9), (3, 9), (4, 8), (5, 8), (1, 7), (6, 9)]
    bundles = [[1, 2, 3, 4], [5, 4, 4, 2], [6, 2]]
    assert bundle_duplicates(bundles, edges) == [
        (0, 9, [2, 3]),  # 4 → 8 alone in bundle 0; the repeated material of 3 counts once
        (1, 8, [5, 4]),  # bundle order, an item listed twice counts once
        (2, 9, [6, 2]),
    ]


# --- the catalog ------------------------------------------------------------------------------------

@pytest.fixture
def catalog(department_a, department_b):
    """A 2-cycle, a 4-cycle, a self-issued certificate and a bundle duplicate — and noise that
    must not be reported."""
    a, b = department_a, department_b
    items = {name: make_item(dept, f"T-{name}", name=f"事项{name}") for name, dept in [
        ("A", a), ("B", b), ("C", a), ("D", b), ("E", a), ("F", b), ("G", a), ("H", a),
        ("L", a), ("J", b), ("K", b), ("M", b), ("N", a), ("O", b), ("P", a), ("Q", a), ("R", b),
    ]}
    i = items
    demand(i["A"], i["B"], "借款合同")
    demand(i["A"], i["B"], "借款合同（副本）")  # the same certificate twice: still one edge
    demand(i["B"], i["A"], "不动产登记证明")
    for x, y in ["CD", "DE", "EF", "FC"]:
        demand(i[x], i[y])
    demand(i["G"], i["H"], "本局核发的许可证")
    for x in "JKM":
        demand(i[x], i["L"], "营业执照")
    demand(i["N"], i["O"])
    demand(i["O"], i["P"])
    demand(i["P"], i["N"], source=MaterialSource.APPLICANT)  # not a certificate: no N → O → P → N cycle
    demand(i["Q"], i["R"])
    demand(i["R"], i["Q"])
    i["R"].is_active = False  # a retired item closes no cycle
    i["R"].save(update_fields=["is_active"])
    Material.objects.create(item=i["A"], position=9, name="申请表")  # an applicant's own material
    make_bundle("开办测试店", [i["L"], i["J"], i["K"]])
    make_bundle("已停用的一件事", [i["J"], i["M"]], is_active=False)  # retired: its duplicate is not reported
    return items


def make_bundle(name, items, **extra):
    bundle = Bundle.objects.create(code=f"b-{Bundle.objects.count()}", name=name, **extra)
    BundleItem.objects.bulk_create(BundleItem(bundle=bundle, item=item, position=p) for p, item in enumerate(items, 1))
    return bundle


def test_analyse_finds_each_problem_once_and_nothing_else(catalog):
    i = catalog
    result = analyse()
    assert {p.spec for p in result.cycles} == {
        spec("cycle", *canonical([i["A"].pk, i["B"].pk])),
        spec("cycle", *canonical([i["C"].pk, i["D"].pk, i["E"].pk, i["F"].pk])),
    }
    assert len(result.cycles) == result.cycle_count == 2 and not result.cycles_truncated
    assert (result.on_cycles, result.largest_tangle, result.long_cycles) == (6, 4, 0)
    assert [p.spec for p in result.self_issued] == [spec("self", i["G"].pk, i["H"].pk)]
    bundle = Bundle.objects.get(name="开办测试店")
    assert [p.spec for p in result.bundle_duplicates] == [f"bundle:{bundle.pk}:{i['L'].pk}"]
    duplicate = result.bundle_duplicates[0]
    assert [n.id for n in duplicate.steps] == [i["J"].pk, i["K"].pk] and duplicate.issuer.id == i["L"].pk

    two = result.cycles[0]
    assert [n.name for n in two.chain()] == ["事项A", "事项B", "事项A"]
    assert two.certificates == ["借款合同", "不动产登记证明"]
    assert [n.department for n in two.steps] == ["市市场监督管理局", "市住房和城乡建设局"]

    top = result.most_demanded[0]
    assert (top.issuer.id, top.certificate, top.count) == (i["L"].pk, "营业执照", 3)
    assert {n.id for n in top.demanders} == {i["J"].pk, i["K"].pk, i["M"].pk}
    assert result.items == 16 and result.edges == 12 and result.certificates == 15

    first = analyse(show=1)  # every problem counted, only the first of each kind described
    assert [p.spec for p in first.cycles] == [two.spec] and first.cycle_count == 2
    assert (first.self_issued_count, first.bundle_duplicate_count) == (1, 1)


def test_analyse_runs_a_fixed_number_of_queries(department_a, department_b):
    rng = random.Random(3)
    items = []

    def grow(n):
        for _ in range(n):
            item = make_item(rng.choice([department_a, department_b]), f"Q-{len(items)}")
            items.append(item)
        for item in items[-n:]:
            for issuer in rng.sample(items, 2):
                demand(item, issuer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            result = analyse(filed=filed_keys())
        assert result.cycles and result.self_issued  # both sizes have problems to describe
        return len(ctx.captured_queries)

    grow(20)
    make_bundle("一件事", items[:5])
    small = queries()
    grow(180)
    make_bundle("另一件事", items[-5:])
    assert queries() == small
    # departments, items, certificate rows, bundles, their items, most demanded (ranking, issuers,
    # demanders), the decisions in force, filed findings
    assert small == 10


def test_filing_links_the_problem_to_findings(catalog, office, department_a, department_b):
    i = catalog
    result = analyse()
    four = next(p for p in result.cycles if len(p.steps) == 4)
    created = certificate_problem_file(actor=office, problem=four)
    assert {(f.department_id, f.service_item_id) for f in created} == {
        (department_a.pk, i["C"].pk), (department_b.pk, i["D"].pk)}
    again = analyse(filed=filed_keys())
    assert [p.filed for p in again.cycles] == [False, True]
    assert certificate_problem_file(actor=office, problem=four) == []


# --- the page ---------------------------------------------------------------------------------------

def test_the_office_sees_the_graph(client, office, catalog):
    catalog["D"].name = "事项D<i>"  # names are data, never markup
    catalog["D"].save(update_fields=["name"])
    client.force_login(office)
    response = client.get(reverse("certificate-graph"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "循环证明" in html and "重复证明" in html
    table = html[html.index('id="cycles"'):html.index("</table>", html.index('id="cycles"'))]
    assert re.search(r"事项A</a> → .*事项B</a> → .*事项A</a>", table)
    assert re.search(r"事项C</a> → .*事项D&lt;i&gt;</a> → .*事项E</a> → .*事项F</a> → .*事项C</a>", table)
    assert "事项Q" not in table and "事项N" not in table
    assert "<i>" not in html and "D\\u003Ci\\u003E" in html  # escaped in the page and in the chart's JSON
    # The CSP allows no inline script: only script files and the chart's JSON.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag or 'type="application/json"' in tag for tag in scripts)
    assert 'id="certificate-graph-data"' in html and "js/certificates.js" in html


@pytest.mark.parametrize("who", ["leader_a", "liaison_a", "leader_b"])
def test_departments_may_not_see_the_graph(client, catalog, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("certificate-graph")).status_code == 403
    response = client.post(reverse("certificate-file-finding"), {"problem": spec("self", catalog["G"].pk, catalog["H"].pk), "confirm": "1"})
    assert response.status_code == 403
    assert not Finding.objects.exists()


def test_anonymous_is_sent_to_log_in(client, catalog):
    response = client.get(reverse("certificate-graph"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_file_button_files_one_finding_per_department_once(client, office, catalog, department_a, department_b):
    i = catalog
    client.force_login(office)
    four = spec("cycle", *canonical([i["C"].pk, i["D"].pk, i["E"].pk, i["F"].pk]))
    response = client.post(reverse("certificate-file-finding"), {"problem": four, "confirm": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("certificate-graph"))
    findings = list(Finding.objects.order_by("department_id"))
    assert [(f.department_id, f.service_item_id, f.category, f.status) for f in findings] == [
        (department_a.pk, i["C"].pk, "circular_certificate", "open"),
        (department_b.pk, i["D"].pk, "circular_certificate", "open"),
    ]
    assert f"[{four}]" in findings[0].description
    assert "事项C" in findings[0].title and "事项F" in findings[0].description

    client.post(reverse("certificate-file-finding"), {"problem": four, "confirm": "1"})
    assert Finding.objects.count() == 2

    html = client.get(reverse("certificate-graph")).content.decode()
    assert four not in forms(html, "certificate-file-finding")  # no button: already filed
    assert spec("cycle", *canonical([i["A"].pk, i["B"].pk])) in forms(html, "certificate-file-finding")


def test_a_self_issued_certificate_is_filed_against_its_department(client, office, catalog, department_a):
    client.force_login(office)
    client.post(reverse("certificate-file-finding"), {"problem": spec("self", catalog["G"].pk, catalog["H"].pk), "confirm": "1"})
    client.post(reverse("certificate-file-finding"), {"problem": spec("self", catalog["G"].pk, catalog["H"].pk), "confirm": "1"})
    finding = Finding.objects.get()
    assert (finding.department_id, finding.service_item_id, finding.category) == (
        department_a.pk, catalog["G"].pk, "duplicate_certificate")


@pytest.mark.parametrize("problem", ["cycle:{N}-{O}-{P}", "cycle:{Q}-{R}", "cycle:{B}-{A}", "self:{A}-{B}",
                                     "bundle:nope:{L}", "cycle:1-x", ""])
def test_a_problem_not_in_the_catalog_files_nothing(client, office, catalog, problem):
    client.force_login(office)
    ids = {name: item.pk for name, item in catalog.items()}
    response = client.post(reverse("certificate-file-finding"), {"problem": problem.format(**ids), "confirm": "1"})
    assert response.status_code == 302
    assert not Finding.objects.exists()


def test_a_cycle_broken_since_the_page_was_shown_is_not_filed(client, office, catalog):
    i = catalog
    client.force_login(office)
    two = spec("cycle", *canonical([i["A"].pk, i["B"].pk]))
    assert two in forms(client.get(reverse("certificate-graph")).content.decode(), "certificate-file-finding")
    Material.objects.filter(item=i["B"], issuing_item=i["A"]).delete()
    client.post(reverse("certificate-file-finding"), {"problem": two, "confirm": "1"})
    assert not Finding.objects.exists()


@pytest.fixture
def restaurant(department_a, department_b):
    """开办餐饮店: 企业设立登记 issues the 营业执照 that three later items of the bundle demand again."""
    fire = Department.objects.create(code="fire", name="池州市消防救援支队", level="stationed", region=department_a.region)
    setup = make_item(department_a, "R-setup", name="企业设立登记")
    food = make_item(department_a, "R-food", name="食品经营许可")
    check = make_item(fire, "R-fire", name="公众聚集场所投入使用、营业前消防安全检查")
    sewage = make_item(department_b, "R-sewage", name="城镇污水排入排水管网许可")
    for item in (food, check, sewage):
        demand(item, setup, "营业执照")
    bundle = make_bundle("开办餐饮店", [setup, food, check, sewage])
    return {"setup": setup, "food": food, "check": check, "sewage": sewage, "fire": fire, "bundle": bundle}


def test_a_bundle_duplicate_is_filed_against_each_demanding_department(client, office, restaurant, department_a, department_b):
    r = restaurant
    client.force_login(office)
    html = client.get(reverse("certificate-graph")).content.decode()
    key = f"bundle:{r['bundle'].pk}:{r['setup'].pk}"
    assert key in forms(html, "certificate-file-finding")
    client.post(reverse("certificate-file-finding"), {"problem": key, "confirm": "1"})
    client.post(reverse("certificate-file-finding"), {"problem": key, "confirm": "1"})
    assert sorted(Finding.objects.values_list("department_id", "service_item_id", "category")) == sorted([
        (department_a.pk, r["food"].pk, "duplicate_certificate"),
        (r["fire"].pk, r["check"].pk, "duplicate_certificate"),
        (department_b.pk, r["sewage"].pk, "duplicate_certificate"),
    ])
    assert "开办餐饮店" in Finding.objects.first().description
    # 食品经营许可 also demands the 营业执照 of its own 市场监管局: a self-issued pair as well.
    assert f'self:{r["food"].pk}-{r["setup"].pk}' in forms(html, "certificate-file-finding")


# --- filing asks to confirm ----------------------------------------------------------------------------

def test_filing_asks_first_and_files_once_per_department_after_confirming(client, office, catalog, department_a, department_b):
    i = catalog
    client.force_login(office)
    four = spec("cycle", *canonical([i["C"].pk, i["D"].pk, i["E"].pk, i["F"].pk]))
    asked = client.post(reverse("certificate-file-finding"), {"problem": four})
    assert asked.status_code == 200 and not Finding.objects.exists()  # a question, nothing filed
    html = asked.content.decode()
    page = html[html.index('id="confirm-filing"'):]
    assert department_a.name in page and department_b.name in page and "循环证明" in page
    assert "事项C" in page and "事项D" in page  # the item each department's finding is about
    assert forms(html, "certificate-file-finding") == [four] and 'name="confirm" value="1"' in page

    for _ in range(2):  # the confirmation, clicked twice
        done = client.post(reverse("certificate-file-finding"), {"problem": four, "confirm": "1"})
        assert done.status_code == 302
    assert sorted(Finding.objects.values_list("department_id", flat=True)) == sorted([department_a.pk, department_b.pk])

    # asked again when every department has it: nothing to ask, back to the page
    assert client.post(reverse("certificate-file-finding"), {"problem": four}).status_code == 302
    # asked again once one department has it: only the other is still to file
    Finding.objects.filter(department=department_b).delete()
    page = client.post(reverse("certificate-file-finding"), {"problem": four}).content.decode()
    listed = page[page.index('<ul id="departments">'):page.index("</ul>", page.index('<ul id="departments">'))]
    lines = {line.split(" · ")[0]: line for line in re.findall(r"<li>(.*?)</li>", listed)}
    filed = gettext("filed already, nothing new")  # the page speaks the site's language (Chinese by default)
    assert filed in lines[department_a.name] and filed not in lines[department_b.name]


def test_confirmation_of_a_problem_gone_meanwhile_files_nothing(client, office, catalog):
    i = catalog
    client.force_login(office)
    two = spec("cycle", *canonical([i["A"].pk, i["B"].pk]))
    assert client.post(reverse("certificate-file-finding"), {"problem": two}).status_code == 200
    Material.objects.filter(item=i["B"], issuing_item=i["A"]).delete()
    assert client.post(reverse("certificate-file-finding"), {"problem": two, "confirm": "1"}).status_code == 302
    assert not Finding.objects.exists()


# --- marking a relation legitimate ---------------------------------------------------------------------

from core.errors import ActionError  # noqa: E402
from services.certificate_actions import certificate_decide, certificate_decision_withdraw  # noqa: E402
from services.models import CertificateDecision  # noqa: E402


def test_marked_legitimate_is_not_flagged_but_listed_and_not_filed(client, office, catalog):
    i = catalog
    key = spec("self", i["G"].pk, i["H"].pk)
    client.force_login(office)
    response = client.post(reverse("certificate-decide"), {"problem": key, "reason": "换证须核验原许可证"})
    assert response.status_code == 302 and response["Location"].endswith("#legitimate")

    result = analyse(filed=filed_keys())
    assert result.self_issued == [] and result.self_issued_count == 0
    [entry] = result.legitimate
    assert (entry.decision.key, entry.decision.reason, entry.decision.decided_by, entry.state) == (
        key, "换证须核验原许可证", office, "in_force")
    assert entry.decision.decided_at is not None and entry.problem.spec == key and entry.problem.decided

    html = client.get(reverse("certificate-graph")).content.decode()
    assert key not in forms(html, "certificate-file-finding") and key not in forms(html, "certificate-decide")
    assert forms(html, "certificate-withdraw") == [key]
    listed = html[html.index('id="decisions"'):html.index("</table>", html.index('id="decisions"'))]
    assert "换证须核验原许可证" in listed and str(office) in listed and "事项G" in listed
    assert timezone.localtime(entry.decision.decided_at).strftime("%Y-%m-%d %H:%M") in listed

    # not filed: not from the page (asked or confirmed), nor by the action itself
    for data in ({"problem": key}, {"problem": key, "confirm": "1"}):
        assert client.post(reverse("certificate-file-finding"), data).status_code == 302
    with pytest.raises(ActionError):
        certificate_problem_file(actor=office, problem=certificates.problem_resolve(key))
    assert not Finding.objects.exists()


def test_withdrawn_it_is_flagged_again_and_the_decision_is_kept(client, office, catalog):
    i = catalog
    key = spec("self", i["G"].pk, i["H"].pk)
    client.force_login(office)
    client.post(reverse("certificate-decide"), {"problem": key, "reason": "换证须核验原许可证"})
    response = client.post(reverse("certificate-withdraw"), {"problem": key})
    assert response.status_code == 302
    result = analyse()
    assert [p.spec for p in result.self_issued] == [key] and result.legitimate == []
    decision = CertificateDecision.objects.get()
    assert decision.withdrawn_by == office and decision.withdrawn_at is not None
    assert key in forms(client.get(reverse("certificate-graph")).content.decode(), "certificate-file-finding")
    # a second withdrawal finds nothing to withdraw, and says so
    with pytest.raises(ActionError):
        certificate_decision_withdraw(actor=office, problem=key)
    # decided again: a new decision, the old one stays withdrawn
    client.post(reverse("certificate-decide"), {"problem": key, "reason": "复核后确认"})
    assert [(d.reason, d.withdrawn_at is None) for d in CertificateDecision.objects.order_by("id")] == [
        ("换证须核验原许可证", False), ("复核后确认", True)]


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_reason_is_required_and_the_refusal_is_shown_beside_the_form(client, office, catalog, reason):
    i = catalog
    key = spec("cycle", *canonical([i["A"].pk, i["B"].pk]))
    client.force_login(office)
    response = client.post(reverse("certificate-decide"), {"problem": key, "reason": reason})
    assert response.status_code == 400 and not CertificateDecision.objects.exists()
    html = response.content.decode()
    row = html[html.index(f'id="{certificates.problem_resolve(key).anchor}"'):]
    row = row[:row.index("</tr>")]
    assert '<details class="decide" open>' in row
    with translation.override("zh-hans"):  # the page's language, whether or not the catalogue has it yet
        refusal = translation.gettext("Give the reason why this relation is legitimate.")
    assert f'<p class="error" role="alert">{refusal}</p>' in row  # beside its own form
    assert html.count('role="alert"') == 1


def test_deciding_twice_keeps_the_first_decision(office, catalog):
    key = spec("self", catalog["G"].pk, catalog["H"].pk)
    first, created = certificate_decide(actor=office, problem=key, reason="第一次")
    again, created_again = certificate_decide(actor=office, problem=key, reason="第二次")
    assert created and not created_again and again.pk == first.pk and CertificateDecision.objects.get().reason == "第一次"


@pytest.mark.parametrize("problem", ["self:{A}-{B}", "cycle:{B}-{A}", "bundle:nope:{L}", "nonsense"])
def test_only_a_problem_of_the_catalog_is_decided(office, catalog, problem):
    ids = {name: item.pk for name, item in catalog.items()}
    with pytest.raises(ActionError):
        certificate_decide(actor=office, problem=problem.format(**ids), reason="理由")
    assert not CertificateDecision.objects.exists()


@pytest.mark.parametrize("who", ["leader_a", "liaison_a", "leader_b"])
def test_departments_may_not_decide_or_withdraw(client, office, catalog, request, who):
    key = spec("self", catalog["G"].pk, catalog["H"].pk)
    other = spec("cycle", *canonical([catalog["A"].pk, catalog["B"].pk]))
    certificate_decide(actor=office, problem=other, reason="理由")
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.post(reverse("certificate-decide"), {"problem": key, "reason": "理由"}).status_code == 403
    assert client.post(reverse("certificate-withdraw"), {"problem": other}).status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        certificate_decide(actor=user, problem=key, reason="理由")
    with pytest.raises(PermissionDenied):
        certificate_decision_withdraw(actor=user, problem=other)
    assert list(CertificateDecision.objects.values_list("key", "withdrawn_at")) == [(other, None)]


def test_a_decided_cycle_leaves_the_count_and_the_chart(office, catalog):
    i = catalog
    two = spec("cycle", *canonical([i["A"].pk, i["B"].pk]))
    before = analyse()
    assert before.cycle_count == 2 and str(i["A"].pk) in {n["id"] for n in before.chart()["nodes"]}
    certificate_decide(actor=office, problem=two, reason="抵押登记与借款合同备案互为前置，依法规定")
    after = analyse()
    assert after.cycle_count == 1 and [p.spec for p in after.cycles] != [two]
    assert str(i["A"].pk) not in {n["id"] for n in after.chart()["nodes"]}


def test_a_decision_survives_renames_sleeps_while_the_relation_is_gone_and_wakes_when_it_returns(office, catalog, department_b):
    i = catalog
    key = spec("self", i["G"].pk, i["H"].pk)
    certificate_decide(actor=office, problem=key, reason="换证须核验原许可证")
    i["G"].name = "许可证延续"
    i["G"].save(update_fields=["name"])
    Material.objects.filter(item=i["G"]).update(name="原许可证（正本）", position=5)
    [entry] = analyse().legitimate
    assert entry.state == "in_force" and entry.problem.certificates == ["原许可证（正本）"]
    assert analyse().self_issued == []

    i["H"].department = department_b  # no longer the same department: no problem, the decision sleeps
    i["H"].save(update_fields=["department"])
    [entry] = analyse().legitimate
    assert entry.state == "dormant" and entry.problem is None
    i["H"].department = i["G"].department  # back: covered again, not flagged
    i["H"].save(update_fields=["department"])
    result = analyse()
    assert result.self_issued == [] and result.legitimate[0].state == "in_force"


def test_a_bundle_decision_is_outgrown_when_another_item_demands_the_certificate(office, restaurant, department_b):
    r = restaurant
    key = f"bundle:{r['bundle'].pk}:{r['setup'].pk}"
    decision, _ = certificate_decide(actor=office, problem=key, reason="各环节须核验营业执照原件")
    assert sorted(decision.items) == sorted([r["food"].pk, r["check"].pk, r["sewage"].pk])
    assert key not in {p.spec for p in analyse().bundle_duplicates}

    signage = make_item(department_b, "R-sign", name="户外招牌设置审批")
    demand(signage, r["setup"], "营业执照")
    BundleItem.objects.create(bundle=r["bundle"], item=signage, position=5)
    result = analyse()
    [flagged] = [p for p in result.bundle_duplicates if p.spec == key]
    assert flagged.decision == decision and not flagged.decided  # flagged again, with the old decision beside it
    assert [e.state for e in result.legitimate] == ["outgrown"]
    assert certificate_problem_file(actor=office, problem=certificates.problem_resolve(key))  # filable again

    renewed, created = certificate_decide(actor=office, problem=key, reason="招牌审批同样须核验营业执照")
    assert created and signage.pk in renewed.items
    decision.refresh_from_db()
    assert decision.withdrawn_by == office  # replaced, kept
    assert [e.state for e in analyse().legitimate] == ["in_force"]


def test_the_page_runs_the_same_queries_for_1_and_12_decisions(client, office, department_a):
    issuer = make_item(department_a, "DQ-I", name="本局许可")
    keys = []
    for n in range(13):
        item = make_item(department_a, f"DQ-{n}", name=f"许可延续{n}")
        demand(item, issuer, "原许可证")
        keys.append(spec("self", item.pk, issuer.pk))
    client.force_login(office)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("certificate-graph")).status_code == 200
        return len(ctx.captured_queries)

    certificate_decide(actor=office, problem=keys[0], reason="换证")
    one = queries()
    for key in keys[1:12]:
        certificate_decide(actor=office, problem=key, reason="换证")
    assert len(analyse().legitimate) == 12 and analyse().self_issued_count == 1
    assert queries() == one


def test_the_chart_names_the_certificate_on_each_arrow(catalog):
    i = catalog
    chart = analyse().chart()
    arrows = {(link["source"], link["target"]): link["certificate"] for link in chart["links"]}
    assert arrows[(str(i["A"].pk), str(i["B"].pk))] == "借款合同"
    assert arrows[(str(i["B"].pk), str(i["A"].pk))] == "不动产登记证明"
    assert len(arrows) == 6 and all(arrows.values())


def test_the_admin_lists_the_decisions_withdrawn_ones_too_and_changes_none(client, office, catalog):
    key = spec("self", catalog["G"].pk, catalog["H"].pk)
    decision, _ = certificate_decide(actor=office, problem=key, reason="换证须核验原许可证")
    certificate_decision_withdraw(actor=office, problem=key)
    client.force_login(office)
    listed = client.get(reverse("admin:services_certificatedecision_changelist"))
    assert listed.status_code == 200 and "换证须核验原许可证" in listed.content.decode()
    assert client.get(reverse("admin:services_certificatedecision_add")).status_code == 403
    page = client.get(reverse("admin:services_certificatedecision_change", args=[decision.pk]))
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()  # read only
    assert client.post(reverse("admin:services_certificatedecision_delete", args=[decision.pk]), {"post": "yes"}).status_code == 403
    assert CertificateDecision.objects.filter(pk=decision.pk).exists()
