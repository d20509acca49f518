"""The certificate graph (证明关系图): circular, self-issued and duplicate certificates, and the
certificates the catalog demands most.

A material issued by a government department (a certificate, 证明) points at the item that issues
it. Read each such material as an edge "item → issuing item" — to finish *item* the applicant must
first obtain what *issuing item* issues — and the catalog is a directed graph:

* a cycle A → B → … → A is a circular certificate (循环证明): whoever starts anywhere on it goes round;
* an edge between two items of one department is a department asking for a certificate it issues
  itself (重复证明, proof the government already holds); a self-loop A → A is the extreme case;
* one issuing item demanded by two or more items of a bundle (一件事) is a certificate demanded twice
  along one errand (重复证明).

Everything is computed from one read of the certificate rows (plus the item and department names),
so the page runs a fixed number of queries whatever the catalog's size; the graph work is plain
Python on integer ids: iterative Tarjan for the strongly connected components, then Johnson's
algorithm inside each component, both without recursion, since a catalog's chains can be long.
The search has a cap and a budget: a catalog tangled into one component of thousands of items has
more cycles than anyone could read, and the page then says so instead of running for minutes.

A problem filed as findings carries its stable key in the description (``[cycle:12-34-56]``),
which is how the page knows what has been filed already. Filing is not the catalog's business: it
lives a layer up, in ``findings/certificates.py``, which hands ``analyse()`` what is already filed.

The office may mark a flagged relation legitimate (``CertificateDecision``, written by
``services/certificate_actions.py``): a licence renewal that needs the original licence is a
department demanding its own certificate, and rightly so. ``analyse()`` leaves such a problem out of
the flagged ones and lists it, with the decision, in ``legitimate`` — one more query, whatever the
number of decisions. A decision is checked against the catalog in memory: in force and covering its
problem, outgrown (a bundle duplicate that more items demand now: flagged again), or dormant (the
relation is no longer in the catalog; it applies again should the relation come back).
"""
from __future__ import annotations

import hashlib
import heapq
import itertools
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from core.categories import Category

from .models import Bundle, BundleItem, CertificateDecision, Department, Material, MaterialSource, ServiceItem

CYCLE_LIMIT = 10_000
# Steps of the cycle search (edges looked at, items copied into cycles found) before it gives up
# and says so. Johnson's algorithm spends O(items + edges) per cycle, and a tangled catalog has
# astronomically many long cycles: unbounded, the search would run for minutes and fill the memory.
# Five million steps take about half a second here (bench/certificates.py, the tangled run).
CYCLE_BUDGET = 5_000_000
MOST_DEMANDED = 20
SHOWN = 200  # problems of each kind described for the page (all are counted)
# A cycle through more items than this is no errand anyone runs: it is a tangle of the catalog,
# counted and summed up on the page (how many items, the largest tangle) but not listed step by step.
LONGEST_LISTED = 100
ID_MAX = 2**63 - 1  # ids are 64-bit
SPEC_MAX = 2000  # characters of a problem's name the file button may post
DESCRIPTION_MAX = 4000  # Finding.description
TITLE_MAX = 200  # Finding.title
# A problem's name (Problem.spec), and the same name as a filed finding's description carries it.
SPEC_PATTERN = re.compile(r"^(cycle|self):(\d+(?:-\d+)+)$|^bundle:(\d+):(\d+)$")
KEY_PATTERN = re.compile(r"\[((?:cycle|self):\d+(?:-\d+)+|bundle:\d+:\d+)\]")

Edge = tuple[int, int]


# --- the graph, on plain ids ----------------------------------------------------------------------

class Cycles(list):
    """Elementary cycles, each a list of item ids starting at its smallest id (so each is reported
    once, whichever node one starts from). ``truncated`` is set when the cap or the search budget
    stopped the search before every cycle was found."""

    truncated: bool = False


def _adjacency(edges: Iterable[Edge]) -> dict[int, list[int]]:
    """Successors of each item, sorted, without self-loops (a self-loop is self-issued, not a cycle)."""
    succ: dict[int, set[int]] = defaultdict(set)
    for source, target in edges:
        if source != target:
            succ[source].add(target)
    return {node: sorted(targets) for node, targets in succ.items()}


def strongly_connected_components(adj: Mapping[int, Sequence[int]]) -> list[list[int]]:
    """Tarjan's algorithm with an explicit stack. Every node reachable from ``adj``'s keys lands in
    exactly one component; only components of two or more nodes can hold a cycle."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    empty: tuple[int, ...] = ()
    for root in adj:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(adj.get(root, empty)))]
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(adj.get(nxt, empty))))
                    break
                if nxt in on_stack and index[nxt] < low[node]:
                    low[node] = index[nxt]
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _subgraph(adj: Mapping[int, Sequence[int]], nodes: set[int]) -> dict[int, list[int]]:
    return {node: [n for n in adj.get(node, ()) if n in nodes] for node in nodes}


def _cycles_in_components(adj: Mapping[int, Sequence[int]], components: Iterable[list[int]], *,
                          limit: int = CYCLE_LIMIT, budget: int = CYCLE_BUDGET) -> Cycles:
    """Johnson's algorithm, iterative. Within a component, the cycles through its smallest node
    are found first and start with it; then that node is removed and the rest split again into
    components — so every cycle is found exactly once, already in canonical rotation.

    The smallest components go first: they hold the short cycles an office can act on, and a
    tangle of thousands of items (which has more cycles than anyone can read) then only gets
    what is left of the budget. The budget counts edges looked at and items copied into cycles."""
    found = Cycles()
    pending = [(len(c), min(c), set(c)) for c in components if len(c) > 1]
    heapq.heapify(pending)
    spent = 0
    while pending:
        _size, start, nodes = heapq.heappop(pending)
        sub = _subgraph(adj, nodes)
        spent += len(sub) + sum(len(s) for s in sub.values())
        blocked = {start}
        blocked_by: dict[int, set[int]] = defaultdict(set)
        path = [start]
        closed = [False]  # per path position: a cycle was found below it
        work = [iter(sub[start])]
        while work:
            for nxt in work[-1]:
                spent += 1
                if nxt == start:
                    found.append(path[:])
                    spent += len(path)
                    closed[-1] = True
                    if len(found) >= limit:
                        found.truncated = True
                        return found
                elif nxt not in blocked:
                    path.append(nxt)
                    closed.append(False)
                    blocked.add(nxt)
                    work.append(iter(sub[nxt]))
                    break
            else:
                work.pop()
                node = path.pop()
                if closed.pop():
                    if closed:
                        closed[-1] = True
                    unblock = [node]  # Johnson's recursive unblock, with a stack
                    while unblock:
                        n = unblock.pop()
                        if n in blocked:
                            blocked.discard(n)
                            unblock.extend(blocked_by.pop(n, ()))
                else:
                    for n in sub[node]:
                        blocked_by[n].add(node)
            if spent > budget:
                found.truncated = True
                return found
        nodes.discard(start)
        if len(nodes) > 1:
            rest = _subgraph(sub, nodes)
            spent += len(rest) + sum(len(s) for s in rest.values())
            for component in strongly_connected_components(rest):
                if len(component) > 1:
                    heapq.heappush(pending, (len(component), min(component), set(component)))
    return found


def find_cycles(edges: Iterable[Edge], *, limit: int = CYCLE_LIMIT, budget: int = CYCLE_BUDGET) -> Cycles:
    """Every elementary cycle of two or more items, once each, starting at its smallest id;
    sorted by length, then ids. At most ``limit`` cycles (``.truncated`` says when more exist)."""
    adj = _adjacency(edges)
    cycles = _cycles_in_components(adj, strongly_connected_components(adj), limit=limit, budget=budget)
    cycles.sort(key=lambda c: (len(c), c))
    return cycles


def self_issued(edges: Iterable[Edge], department_of: Mapping[int, int]) -> list[Edge]:
    """(item, issuing item) pairs where both belong to one department — it asks for a certificate it
    issues itself; each pair once, sorted. A self-loop (item, item) counts too."""
    pairs = {(item, issuer) for item, issuer in edges
             if item in department_of and department_of.get(issuer) == department_of[item]}
    return sorted(pairs)


class BundleDuplicate(NamedTuple):
    bundle: int  # index into the bundles given
    issuer: int
    items: list[int]  # the bundle's items demanding the issuer's certificate, in bundle order


def bundle_duplicates(bundle_items: Sequence[Sequence[int]], edges: Iterable[Edge]) -> list[BundleDuplicate]:
    """For each bundle (its items in the order an applicant meets them), each issuing item whose
    certificate two or more of the bundle's items demand; once per (bundle, issuing item)."""
    wanted = {item for items in bundle_items for item in items}
    demands: dict[int, set[int]] = defaultdict(set)
    for item, issuer in edges:
        if item in wanted:
            demands[item].add(issuer)
    duplicates = []
    for index, items in enumerate(bundle_items):
        by_issuer: dict[int, list[int]] = defaultdict(list)
        for item in dict.fromkeys(items):  # an item listed twice in a bundle still asks once
            for issuer in demands.get(item, ()):
                by_issuer[issuer].append(item)
        duplicates.extend(BundleDuplicate(index, issuer, demanders)
                          for issuer, demanders in sorted(by_issuer.items()) if len(demanders) > 1)
    return duplicates


# --- what the page shows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    id: int
    name: str
    department_id: int
    department: str

    @property
    def label(self) -> str:
        return _("%(item)s (%(department)s)") % {"item": self.name, "department": self.department}


class Link(NamedTuple):
    item: Node
    certificate: str
    issuer: Node


@dataclass
class Problem:
    """One circular, self-issued or bundle-duplicate certificate, ready to show and to file.

    ``spec`` names it ("cycle:12-34-56", "self:12-34", "bundle:<bundle id>:34"): the file button
    posts it and each finding filed carries it as its key."""

    kind: str  # "cycle", "self" or "bundle"
    spec: str
    steps: list[Node]  # cycle: its items in order; self: item, issuing item; bundle: the demanding items
    certificates: list[str]  # cycle and self: what step i demands of the next; bundle: what each demands
    issuer: Node | None = None
    bundle: str = ""
    filed_departments: set[int] = field(default_factory=set)
    # The office's decision in force for this key, if any; it covers the problem (which is then not
    # flagged) unless more items demand the certificate than the decision was taken for.
    decision: CertificateDecision | None = None

    @property
    def decided(self) -> bool:
        """Marked legitimate by a decision that covers the problem as it is now."""
        return self.decision is not None and decision_covers(self.decision, self)

    def demanders(self) -> list[int]:
        """The items a decision on this problem covers: the cycle's items, the item and the issuer,
        or the bundle's items that demand the certificate."""
        return [n.id for n in self.steps]

    @property
    def category(self) -> str:
        return Category.CIRCULAR_CERTIFICATE if self.kind == "cycle" else Category.DUPLICATE_CERTIFICATE

    @property
    def anchor(self) -> str:
        return "p-" + hashlib.sha1(self.spec.encode()).hexdigest()[:12]

    def departments(self) -> dict[int, Node]:
        """Each department to file against, with the first of its items that demands the certificate."""
        demanders = self.steps[:1] if self.kind == "self" else self.steps
        first: dict[int, Node] = {}
        for node in demanders:
            first.setdefault(node.department_id, node)
        return first

    @property
    def filed(self) -> bool:
        return set(self.departments()) <= self.filed_departments

    def chain(self) -> list[Node]:
        """The cycle closed on itself (A, B, C, A); the other kinds as they are."""
        return self.steps + self.steps[:1] if self.kind == "cycle" else self.steps

    def title(self) -> str:
        if self.kind == "cycle":
            text = _("Circular certificate: %(chain)s") % {"chain": " → ".join(n.name for n in self.chain())}
        elif self.kind == "self":
            item = self.steps[0]
            text = _("%(department)s demands its own certificate “%(certificate)s” for %(item)s") % {
                "department": item.department, "certificate": self.certificates[0], "item": item.name}
        else:
            text = _("“%(certificate)s” demanded %(count)d times in the bundle “%(bundle)s”") % {
                "certificate": self.certificates[0], "count": len(self.steps), "bundle": self.bundle}
        return text if len(text) <= TITLE_MAX else text[:TITLE_MAX - 1] + "…"

    def links(self) -> list[Link]:
        """Each demand: the item, the certificate it demands, the item that issues it."""
        if self.kind == "bundle":
            return [Link(node, certificate, self.issuer) for node, certificate in zip(self.steps, self.certificates)]
        chain = self.chain()
        return [Link(chain[i], certificate, chain[i + 1]) for i, certificate in enumerate(self.certificates)]

    def sentences(self) -> list[str]:
        """The problem in words, one demand per line."""
        return [_("%(item)s demands “%(certificate)s”, issued by %(issuer)s.") % {
            "item": link.item.label, "certificate": link.certificate, "issuer": link.issuer.label}
            for link in self.links()]

    def description(self) -> str:
        if self.kind == "cycle":
            head = [_("Circular certificate: an applicant who starts anywhere on this chain goes round it."),
                    " → ".join(n.label for n in self.chain())]
        elif self.kind == "self":
            head = [_("The department demands a certificate it issues itself.")]
        else:
            head = [_("In the bundle “%(bundle)s” the same certificate is demanded %(count)d times.")
                    % {"bundle": self.bundle, "count": len(self.steps)}]
        tail = _("Certificate graph reference: [%(key)s]") % {"key": self.spec}
        lines, room = [], DESCRIPTION_MAX - len(tail) - 4
        for line in head + self.sentences():
            if len(line) + 1 > room:
                lines.append("…")
                break
            lines.append(line)
            room -= len(line) + 1
        return "\n".join(lines + ["", tail])


class Demand(NamedTuple):
    issuer: Node
    certificate: str  # the name the demanding items most often give it
    count: int  # distinct items demanding it
    demanders: list[Node]


class BundleRef(NamedTuple):
    ref: str
    name: str
    items: list[int]


def decision_covers(decision: CertificateDecision, problem: Problem) -> bool:
    """Whether the decision still speaks for the problem: the same relation, and — for a bundle
    duplicate — no item demanding the certificate beyond those it was taken for."""
    return decision.key == problem.spec and set(problem.demanders()) <= set(decision.items or ())


class DecisionState:
    IN_FORCE = "in_force"  # the problem is in the catalog and the decision covers it: not flagged
    OUTGROWN = "outgrown"  # more items of the bundle demand the certificate now: flagged again
    DORMANT = "dormant"  # the relation is not in the catalog now; should it come back, it is not flagged


@dataclass
class Decided:
    """A decision in force, with the problem it is about as the catalog has it now (``None`` when
    the relation is no longer in the catalog)."""

    decision: CertificateDecision
    problem: Problem | None

    @property
    def state(self) -> str:
        if self.problem is None:
            return DecisionState.DORMANT
        return DecisionState.IN_FORCE if decision_covers(self.decision, self.problem) else DecisionState.OUTGROWN

    @property
    def anchor(self) -> str:
        return "d-" + hashlib.sha1(self.decision.key.encode()).hexdigest()[:12]


@dataclass
class CertificateAnalysis:
    """The graph's problems: all of them counted, the first ``SHOWN`` of each kind described
    (cycles shortest first, and only those of at most ``LONGEST_LISTED`` items)."""

    items: int  # active items
    certificates: int  # certificate rows read
    edges: int  # distinct item → issuing item pairs among active items
    cycles: list[Problem]
    cycle_count: int
    long_cycles: int  # found, but longer than LONGEST_LISTED
    cycles_truncated: bool  # the cap or the budget stopped the search: there are more
    on_cycles: int  # items lying on at least one cycle (members of a strongly connected component)
    largest_tangle: int  # items in the largest strongly connected component
    self_issued: list[Problem]
    self_issued_count: int
    bundle_duplicates: list[Problem]
    bundle_duplicate_count: int
    most_demanded: list[Demand]
    bundles: int
    timings: dict[str, float]
    # The office's decisions in force, newest first, each with its problem as the catalog has it now.
    # The problems they cover are left out of the lists and counts above.
    legitimate: list[Decided] = field(default_factory=list)

    def chart(self, *, cycles: int = 50, nodes: int = 300) -> dict:
        """Items and edges of the first (shortest) cycles, at most ``cycles`` of them and ``nodes``
        items, for the ECharts graph of the page."""
        shown: dict[int, Node] = {}
        links: dict[Edge, str] = {}
        drawn = 0
        for problem in self.cycles[:cycles]:
            if len(shown) + len(problem.steps) > nodes:
                break
            drawn += 1
            for link in problem.links():
                shown.setdefault(link.item.id, link.item)
                links.setdefault((link.item.id, link.issuer.id), link.certificate)
        departments = list(dict.fromkeys(n.department for n in shown.values()))
        category = {name: i for i, name in enumerate(departments)}
        return {
            "cycles": drawn,
            "categories": [{"name": name} for name in departments],
            "nodes": [{"id": str(n.id), "name": n.name, "category": category[n.department],
                       "tip": n.label, "link": reverse("catalog-detail", args=[n.id])} for n in shown.values()],
            # Each arrow carries the certificate's name: the chart writes it on the arrow.
            "links": [{"source": str(a), "target": str(b), "certificate": certificate,
                       "tip": _("%(item)s demands “%(certificate)s”, issued by %(issuer)s.") % {
                           "item": shown[a].label, "certificate": certificate, "issuer": shown[b].label}}
                      for (a, b), certificate in links.items()],
        }


# --- reading the catalog ------------------------------------------------------------------------------

class _Catalog:
    """Names and departments of the items a computation touches, and what each edge is called."""

    def __init__(self, items: Iterable[tuple[int, str, int]], departments: Mapping[int, str]):
        self.names: dict[int, str] = {}
        self.department_of: dict[int, int] = {}
        for pk, name, department_id in items:
            self.names[pk] = name
            self.department_of[pk] = department_id
        self.departments = departments
        self.certificate: dict[Edge, str] = {}
        self.rows_read = 0

    def node(self, pk: int) -> Node:
        department_id = self.department_of[pk]
        return Node(pk, self.names[pk], department_id, self.departments.get(department_id, ""))

    def read_edges(self, rows: Iterable[tuple[int, int, str]]) -> list[Edge]:
        """Distinct edges between active items, remembering the first material name of each."""
        edges = []
        for item, issuer, name in rows:
            self.rows_read += 1
            if item in self.names and issuer in self.names and (item, issuer) not in self.certificate:
                self.certificate[(item, issuer)] = name
                edges.append((item, issuer))
        return edges

    def cycle(self, ids: list[int]) -> Problem:
        closed = ids + ids[:1]
        return Problem("cycle", "cycle:" + "-".join(map(str, ids)), [self.node(i) for i in ids],
                       [self.certificate[(closed[i], closed[i + 1])] for i in range(len(ids))])

    def self_pair(self, item: int, issuer: int) -> Problem:
        return Problem("self", f"self:{item}-{issuer}", [self.node(item), self.node(issuer)],
                       [self.certificate[(item, issuer)]])

    def duplicate(self, bundle: BundleRef, issuer: int, items: list[int]) -> Problem:
        return Problem("bundle", f"bundle:{bundle.ref}:{issuer}", [self.node(i) for i in items],
                       [self.certificate[(i, issuer)] for i in items], issuer=self.node(issuer), bundle=bundle.name)

    def problem(self, spec: str, bundles: Iterable[BundleRef]) -> Problem | None:
        """The problem ``spec`` names, if the catalog read (its items and edges) has it; ``None`` else."""
        parsed = spec_parse(spec)
        if parsed is None:
            return None
        kind, path, bundle_ref, issuer = parsed
        if kind == "cycle":
            closed = path + path[:1]
            return self.cycle(path) if all((a, b) in self.certificate for a, b in zip(closed, closed[1:])) else None
        if kind == "self":
            item, issuer = path
            same = item in self.department_of and self.department_of.get(issuer) == self.department_of[item]
            return self.self_pair(item, issuer) if same and (item, issuer) in self.certificate else None
        bundle = next((b for b in bundles if b.ref == bundle_ref), None)
        if bundle is None:
            return None
        demanders = [i for i in dict.fromkeys(bundle.items) if (i, issuer) in self.certificate]
        return self.duplicate(bundle, issuer, demanders) if len(demanders) > 1 else None


def spec_parse(spec: str) -> tuple[str, list[int], str, int] | None:
    """A problem's key taken apart: kind, item ids (cycle, self), bundle ref and issuer (bundle);
    ``None`` for anything that is no well-formed key — a cycle must be elementary and in the
    canonical rotation (smallest id first), as the page and the API name it."""
    match = SPEC_PATTERN.match(spec or "") if len(spec or "") <= SPEC_MAX else None
    if match is None:
        return None
    kind, ids_text, bundle_ref, issuer_text = match.groups()
    if kind is None:
        issuer = int(issuer_text)
        return ("bundle", [], bundle_ref, issuer) if issuer <= ID_MAX else None
    path = [int(i) for i in ids_text.split("-")]
    if max(path) > ID_MAX:  # no id: a database would refuse the number
        return None
    if kind == "self" and len(path) != 2:
        return None
    if kind == "cycle" and (len(set(path)) != len(path) or path[0] != min(path)):
        return None
    return kind, path, "", 0


def _certificate_rows():
    return Material.objects.filter(source=MaterialSource.GOVERNMENT, issuing_item__isnull=False)


def _department_names() -> dict[int, str]:
    return dict(Department.objects.values_list("id", "name"))


def bundles_load() -> list[BundleRef]:
    """The active bundles (一件事), each with its items in the order an applicant meets them.

    Flat rows rather than ``prefetch_related``: a thousand bundles cost 0.2 s as model instances
    and a tenth of that as tuples."""
    names = dict(Bundle.objects.filter(is_active=True).values_list("id", "name"))
    items: dict[int, list[int]] = defaultdict(list)
    for bundle_id, item_id in (BundleItem.objects.filter(bundle__is_active=True).order_by("bundle_id", "position")
                               .values_list("bundle_id", "item_id")):
        items[bundle_id].append(item_id)
    return [BundleRef(str(pk), name, items[pk]) for pk, name in names.items() if len(items[pk]) > 1]


def most_demanded(limit: int = MOST_DEMANDED) -> list[Demand]:
    """The certificates demanded by the most active items, counted by the database; three queries."""
    certificates = _certificate_rows().filter(item__is_active=True, issuing_item__is_active=True)
    top = list(certificates.values("issuing_item").annotate(n=Count("item", distinct=True))
               .order_by("-n", "issuing_item").values_list("issuing_item", "n")[:limit])
    if not top:
        return []
    ids = [pk for pk, _n in top]
    issuers = {pk: Node(pk, name, department_id, department) for pk, name, department_id, department in
               ServiceItem.objects.filter(id__in=ids).values_list("id", "name", "department_id", "department__name")}
    demanders: dict[int, dict[int, Node]] = defaultdict(dict)
    names: dict[int, Counter] = defaultdict(Counter)
    rows = (certificates.filter(issuing_item_id__in=ids)
            .order_by("issuing_item_id", "item__department__name", "item__name", "item_id")
            .values_list("issuing_item_id", "item_id", "item__name", "item__department_id", "item__department__name", "name"))
    for issuer, item, item_name, department_id, department, material in rows:
        demanders[issuer].setdefault(item, Node(item, item_name, department_id, department))
        names[issuer][material] += 1
    return [Demand(issuers[pk], names[pk].most_common(1)[0][0], n, list(demanders[pk].values())) for pk, n in top]


def analyse(*, show: int = SHOWN, limit: int = CYCLE_LIMIT, budget: int = CYCLE_BUDGET,
            filed: Mapping[str, set[int]] | None = None) -> CertificateAnalysis:
    """The whole certificate graph of the active catalog, in a fixed number of queries: items,
    departments, certificate rows, bundles and their items, most demanded (three).

    ``filed`` maps a problem's key to the departments that have a finding for it already
    (``findings.certificates.filed_keys()``); the problems described are marked with it."""
    started = time.perf_counter()
    items = ServiceItem.objects.filter(is_active=True).values_list("id", "name", "department_id")
    catalog = _Catalog(items.iterator(chunk_size=5000), _department_names())
    rows = _certificate_rows().order_by("item_id", "position").values_list("item_id", "issuing_item_id", "name")
    edges = catalog.read_edges(rows.iterator(chunk_size=5000))
    timings = {"load": time.perf_counter() - started}

    mark = time.perf_counter()
    adj = _adjacency(edges)
    components = strongly_connected_components(adj)
    timings["scc"] = time.perf_counter() - mark

    mark = time.perf_counter()
    cycle_ids = _cycles_in_components(adj, components, limit=limit, budget=budget)
    cycle_ids.sort(key=lambda c: (len(c), c))
    timings["cycles"] = time.perf_counter() - mark

    mark = time.perf_counter()
    pairs = self_issued(edges, catalog.department_of)
    bundles = bundles_load()
    duplicates = bundle_duplicates([b.items for b in bundles], edges)
    timings["duplicates"] = time.perf_counter() - mark

    mark = time.perf_counter()
    demanded = most_demanded()
    timings["most_demanded"] = time.perf_counter() - mark

    mark = time.perf_counter()
    filed = filed or {}
    decisions = decisions_in_force()
    legitimate = [Decided(d, catalog.problem(d.key, bundles)) for d in decisions.values()]
    covered = {entry.decision.key for entry in legitimate if entry.state == DecisionState.IN_FORCE}
    if covered:  # the relations marked legitimate are not flagged, nor counted
        cycle_ids = _kept(cycle_ids, lambda c: "cycle:" + "-".join(map(str, c)) not in covered)
        pairs = [pair for pair in pairs if f"self:{pair[0]}-{pair[1]}" not in covered]
        duplicates = [d for d in duplicates if f"bundle:{bundles[d.bundle].ref}:{d.issuer}" not in covered]
    cycles = [catalog.cycle(ids) for ids in itertools.islice((c for c in cycle_ids if len(c) <= LONGEST_LISTED), show)]
    pairs.sort(key=lambda pair: (catalog.departments.get(catalog.department_of[pair[0]], ""), catalog.names[pair[0]], pair))
    selfs = [catalog.self_pair(item, issuer) for item, issuer in pairs[:show]]
    dups = [catalog.duplicate(bundles[d.bundle], d.issuer, d.items) for d in duplicates[:show]]
    for problem in cycles + selfs + dups + [entry.problem for entry in legitimate if entry.problem]:
        problem.filed_departments = filed.get(problem.spec, set())
        problem.decision = decisions.get(problem.spec)
    timings["describe"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    tangles = [len(c) for c in components if len(c) > 1]
    return CertificateAnalysis(
        items=len(catalog.names), certificates=catalog.rows_read, edges=len(edges),
        cycles=cycles, cycle_count=len(cycle_ids), long_cycles=sum(1 for c in cycle_ids if len(c) > LONGEST_LISTED),
        cycles_truncated=cycle_ids.truncated, on_cycles=sum(tangles), largest_tangle=max(tangles, default=0),
        self_issued=selfs, self_issued_count=len(pairs), bundle_duplicates=dups, bundle_duplicate_count=len(duplicates),
        most_demanded=demanded, bundles=len(bundles), timings=timings, legitimate=legitimate,
    )


def _kept(cycles: Cycles, keep) -> Cycles:
    kept = Cycles(c for c in cycles if keep(c))
    kept.truncated = cycles.truncated
    return kept


def decisions_in_force() -> dict[str, CertificateDecision]:
    """The office's decisions in force by key, newest first, with who took them; one query."""
    rows = CertificateDecision.objects.filter(withdrawn_at__isnull=True).select_related("decided_by")
    return {d.key: d for d in rows.order_by("-decided_at", "-id")}


# --- filing -------------------------------------------------------------------------------------------

def problem_resolve(spec: str) -> Problem | None:
    """The problem a file button names, checked against the catalog as it is now — not as the page
    showed it — with a few queries on its own items; ``None`` if it no longer exists. The decision
    in force for it, if any, comes with it (``problem.decision``; ``problem.decided``)."""
    parsed = spec_parse(spec)
    if parsed is None:
        return None
    kind, path, bundle_ref, issuer = parsed
    bundles: list[BundleRef] = []
    if kind == "bundle":
        bundles = [b for b in bundles_load() if b.ref == bundle_ref]
        if not bundles:
            return None
        ids = set(bundles[0].items) | {issuer}
    else:
        ids = set(path)
    catalog = _Catalog(ServiceItem.objects.filter(id__in=ids, is_active=True).values_list("id", "name", "department_id"),
                       _department_names())
    catalog.read_edges(_certificate_rows().filter(item_id__in=ids, issuing_item_id__in=ids)
                       .order_by("item_id", "position").values_list("item_id", "issuing_item_id", "name"))
    problem = catalog.problem(spec, bundles)
    if problem is not None:
        problem.decision = decision_in_force(problem.spec)
    return problem


def decision_in_force(key: str) -> CertificateDecision | None:
    return CertificateDecision.objects.filter(key=key, withdrawn_at__isnull=True).select_related("decided_by").first()
