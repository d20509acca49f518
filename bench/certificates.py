"""Benchmark: the certificate graph of a large synthetic catalog.

    python bench/certificates.py [--items 50000] [--departments 200] [--materials 250000]

Fills a scratch database with a catalog of ``--items`` items across ``--departments`` departments
and ``--materials`` materials, about ``--certificate-share`` of them certificates issued by random
items, plus a few planted cycles and bundles (every tenth demanding one certificate twice); then
times ``services.certificates.analyse()`` and prints rows, edges, the seconds spent loading, finding
the strongly connected components, finding the cycles, and in all, and the peak memory of one run
(tracemalloc, measured in a separate run because tracing slows Python down).

Without ``DATABASE_URL`` it works on a throwaway SQLite file in a fresh folder under /tmp (through
``VAR_DIR``), never on the development database; with it, on that database (migrated first), which
must hold no catalog but the bench's own.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizhou_walkthrough.settings.base")
SCRATCH = None
if not os.environ.get("DATABASE_URL"):
    SCRATCH = tempfile.mkdtemp(prefix="cw-bench-certs-", dir="/tmp")
    os.environ["VAR_DIR"] = SCRATCH

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from services import certificates  # noqa: E402
from services.models import Bundle, BundleItem, Department, Material, Region, ServiceItem  # noqa: E402

PREFIX = "BENCH-"
PLANTED = [2, 3, 5, 8]  # lengths of the cycles planted on purpose
BATCH = 5000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--materials", type=int, default=250_000)
    parser.add_argument("--certificate-share", type=float, default=0.2)
    parser.add_argument("--bundles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def fill(args) -> tuple[list[list[int]], int, float]:
    """The synthetic catalog; returns the planted cycles (canonical), the number of bundles with a
    planted duplicate, and the rows written per second."""
    rng = random.Random(args.seed)
    started = time.perf_counter()
    rows = 0
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(code="bench", defaults={"name": "基准测试区"})
        Department.objects.bulk_create(
            Department(code=f"bench-{d}", name=f"基准部门{d:03d}", level="city", region=region) for d in range(args.departments))
        rows += args.departments + 1
        dept_ids = list(Department.objects.filter(code__startswith="bench-").order_by("id").values_list("id", flat=True))
        ServiceItem.objects.bulk_create(
            (ServiceItem(code=f"{PREFIX}{n:06d}", name=f"基准事项{n:06d}", item_type="licensing", department_id=dept_ids[n % len(dept_ids)],
                         legal_limit_days=20, promised_limit_days=10) for n in range(args.items)), batch_size=BATCH)
        rows += args.items
        ids = list(ServiceItem.objects.filter(code__startswith=PREFIX).order_by("code").values_list("id", flat=True))
        department_of = {pk: dept_ids[n % len(dept_ids)] for n, pk in enumerate(ids)}

        per_item, extra = divmod(args.materials, args.items)
        next_position = {}

        def materials():
            for n, pk in enumerate(ids):
                count = per_item + (1 if n < extra else 0)
                for position in range(1, count + 1):
                    if rng.random() < args.certificate_share:
                        issuer = rng.choice(ids)
                        yield Material(item_id=pk, position=position, name=f"证明{issuer}", source="government", issuing_item_id=issuer)
                    else:
                        yield Material(item_id=pk, position=position, name="申请表")
                next_position[pk] = count + 1

        Material.objects.bulk_create(materials(), batch_size=BATCH)
        rows += args.materials

        planted = []
        for length in PLANTED:
            # Items of different departments, so a planted cycle is not also self-issued.
            chain = []
            while len(chain) < length:
                pk = rng.choice(ids)
                if pk not in chain and all(department_of[pk] != department_of[c] for c in chain[-1:]) and (
                        len(chain) < length - 1 or department_of[pk] != department_of[chain[0]]):
                    chain.append(pk)
            links = []
            for a, b in zip(chain, chain[1:] + chain[:1]):
                links.append(Material(item_id=a, position=next_position[a], name=f"证明{b}", source="government", issuing_item_id=b))
                next_position[a] += 1
            Material.objects.bulk_create(links)
            rows += len(links)
            start = chain.index(min(chain))
            planted.append(chain[start:] + chain[:start])

        Bundle.objects.bulk_create(Bundle(code=f"bench-{b}", name=f"基准一件事{b:04d}") for b in range(args.bundles))
        bundle_ids = list(Bundle.objects.filter(code__startswith="bench-").order_by("id").values_list("id", flat=True))
        members = {b: rng.sample(ids, 5) for b in bundle_ids}
        BundleItem.objects.bulk_create(
            (BundleItem(bundle_id=b, item_id=pk, position=p) for b in bundle_ids for p, pk in enumerate(members[b], 1)),
            batch_size=BATCH)
        # Every tenth bundle: its second and third items demand what its first one issues, again.
        again = []
        for b in bundle_ids[::10]:
            first, *rest = members[b]
            for pk in rest[:2]:
                again.append(Material(item_id=pk, position=next_position[pk], name=f"证明{first}", source="government",
                                      issuing_item_id=first))
                next_position[pk] += 1
        Material.objects.bulk_create(again, batch_size=BATCH)
        rows += args.bundles * 6 + len(again)
    return planted, len(bundle_ids[::10]), rows / (time.perf_counter() - started)


def timed_runs(runs: int):
    results = []
    for _ in range(runs):
        gc.collect()
        results.append(certificates.analyse())
    return results


def main():
    args = parse_args()
    vendor = connection.vendor
    print(f"database: {vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0, interactive=False)
    if ServiceItem.objects.exclude(code__startswith=PREFIX).exists():
        sys.exit("This database holds a real catalog; run the bench on a scratch database.")
    if ServiceItem.objects.exists():
        sys.exit("This database already holds a bench catalog; drop it and start afresh.")

    planted, planted_duplicates, rate = fill(args)
    print(f"filled: {args.items} items, {args.departments} departments, {Material.objects.count()} materials "
          f"({Material.objects.filter(source='government').count()} certificates), {args.bundles} bundles "
          f"at {rate:,.0f} rows/s")
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    runs = timed_runs(args.runs)
    median = sorted(runs, key=lambda r: r.timings["total"])[len(runs) // 2]
    t = median.timings
    print(f"rows read: {median.certificates} certificate rows of {median.items} active items")
    print(f"edges: {median.edges}")
    print(f"found: {median.cycle_count} cycles{' (search stopped at the cap or budget)' if median.cycles_truncated else ''}, "
          f"{median.long_cycles} of them longer than {certificates.LONGEST_LISTED} items; {median.on_cycles} items on cycles, "
          f"largest tangle {median.largest_tangle}; {median.self_issued_count} self-issued, "
          f"{median.bundle_duplicate_count} bundle duplicates; top certificate demanded by {median.most_demanded[0].count} items")
    listed = {tuple(int(i) for i in p.spec.split(":")[1].split("-")) for p in median.cycles}
    missing = [c for c in planted if tuple(c) not in listed]
    print(f"planted cycles listed: {len(planted) - len(missing)} of {len(planted)} (lengths {PLANTED}); "
          f"bundle duplicates found: {median.bundle_duplicate_count} (planted: {planted_duplicates})")
    print(f"seconds (median of {len(runs)} runs): load {t['load']:.3f} · scc {t['scc']:.3f} · cycles {t['cycles']:.3f} · "
          f"duplicates {t['duplicates']:.3f} · most demanded {t['most_demanded']:.3f} · describe {t['describe']:.3f} · "
          f"total {t['total']:.3f} (all runs: {', '.join(format(r.timings['total'], '.3f') for r in runs)})")

    gc.collect()
    tracemalloc.start()
    certificates.analyse()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of one analyse(): {peak / 2**20:.1f} MiB (tracemalloc)")

    rendered = page_seconds()
    if rendered is not None:
        print(f"page (office, rendered through the test client): {rendered:.3f} s")
    if missing and not median.cycles_truncated:
        sys.exit(f"planted cycles not found: {missing}")
    if median.bundle_duplicate_count < planted_duplicates:
        sys.exit("planted bundle duplicates not found")


def page_seconds() -> float | None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from accounts.models import Role, User

    try:
        url = reverse("certificate-graph")
    except NoReverseMatch:
        print("page: the URL is not wired yet; skipped")
        return None
    user, _ = User.objects.get_or_create(username="bench-office", defaults={"role": Role.OFFICE})
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


if __name__ == "__main__":
    try:
        main()
    finally:
        if SCRATCH:
            shutil.rmtree(SCRATCH, ignore_errors=True)
