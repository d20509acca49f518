"""Benchmark: importing a catalog spreadsheet (``services.catalog_io.catalog_import``) of two sizes.

    python bench/catalog_import.py [--sizes 2000 10000] [--materials-per-item 5]

For each size, on a scratch PostgreSQL database (``cw_bench_catalog``, created and dropped by the
script): writes departments and N items with their materials, exports them with ``catalog_export``
to an xlsx (sheets 事项/材料), and deletes them. Then imports the file with ``catalog_import`` into
the empty catalog twice, each time in a fresh process that does nothing else, so that its resident
peak (``getrusage`` maxrss) is the import's and not that of writing the data: once timed, once under
``tracemalloc`` for the peak of Python allocations. Memory that does not grow with the file shows as
the same peak for 2,000 and 10,000 items.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as c  # noqa: E402

DB = "cw_bench_catalog"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    p.add_argument("--materials-per-item", type=int, default=5)
    p.add_argument("--departments", type=int, default=150)
    p.add_argument("--prepare", type=int, help=argparse.SUPPRESS)  # internal: write this size's file, print JSON
    p.add_argument("--import-file", help=argparse.SUPPRESS)  # internal: import this file, print JSON
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def setup_django():
    sys.path.insert(0, str(c.ROOT))
    import django

    django.setup()


def clear():
    from services.models import Material, ServiceItem, ServiceItemRevision

    ServiceItemRevision.objects.all().delete()
    Material.objects.all().delete()
    ServiceItem.objects.all().delete()


def prepare(n: int, per: int, n_depts: int) -> dict:
    """Write the catalog of n items, export it to a file and empty the catalog again."""
    setup_django()
    from django.db import transaction

    from services.catalog_io import catalog_export
    from services.models import Department, Material, Region, ServiceItem

    clear()
    with transaction.atomic():
        region, _ = Region.objects.get_or_create(code="bench-cat", defaults={"name": "基准目录区"})
        if not Department.objects.filter(code__startswith="bcat-").exists():
            Department.objects.bulk_create(Department(code=f"bcat-{d}", name=f"目录部门{d:03d}", level="city", region=region)
                                           for d in range(n_depts))
        depts = list(Department.objects.filter(code__startswith="bcat-").values_list("id", flat=True))
        ServiceItem.objects.bulk_create((ServiceItem(code=f"CAT-{k:06d}", name=f"目录事项{k:06d}（含较长的事项名称用于测试）",
                                                     item_type="licensing", department_id=depts[k % len(depts)],
                                                     legal_limit_days=20, promised_limit_days=5, fee_basis="不收费",
                                                     location="池州市政务服务中心一楼") for k in range(n)), batch_size=5000)
        ids = list(ServiceItem.objects.values_list("id", flat=True))
        Material.objects.bulk_create((Material(item_id=pk, position=p, name=f"申请材料{p}（原件及复印件）", note="加盖公章")
                                      for pk in ids for p in range(1, per + 1)), batch_size=5000)
    path = Path(tempfile.mkdtemp(prefix="cw-bench-cat-")) / f"catalog-{n}.xlsx"
    with open(path, "wb") as out:
        catalog_export(out=out, fmt="xlsx")
    clear()
    return {"path": str(path), "file": path.stat().st_size}


def import_file(path: str, trace: bool) -> dict:
    """Import the file into the empty catalog (the only work of this process), then empty it again."""
    setup_django()
    import openpyxl  # noqa: F401  (loaded before tracing starts: the module is not the import's memory)

    from services.catalog_io import catalog_import

    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    result = catalog_import(path=path)
    secs = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert not result.errors, result.errors[:3]
    clear()
    return {"items": result.created, "materials": result.materials, "secs": secs, "maxrss": maxrss, "traced_peak": peak}


def run_child(args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], env=env, cwd=c.ROOT, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    args = parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.materials_per_item, args.departments)))
        return
    if args.import_file:
        print(json.dumps(import_file(args.import_file, args.trace)))
        return
    c.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB])
    try:
        env = {**os.environ, "DATABASE_URL": c.url_of(DB), "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "chizhou_walkthrough.settings.base"}
        c.run([sys.executable, "manage.py", "migrate", "-v0"], env)
        print(f"Catalog import (xlsx, {args.materials_per_item} materials per item), PostgreSQL")
        print(f"  {'items':>7} {'materials':>10} {'file':>9} {'seconds':>8} {'items/s':>8} {'tracemalloc peak':>17} {'maxrss':>10}")
        for n in args.sizes:
            f = run_child(["--prepare", str(n), "--materials-per-item", str(args.materials_per_item),
                           "--departments", str(args.departments)], env)
            try:
                r = run_child(["--import-file", f["path"]], env)
                r["traced_peak"] = run_child(["--import-file", f["path"], "--trace"], env)["traced_peak"]
            finally:
                Path(f["path"]).unlink()
                Path(f["path"]).parent.rmdir()
            print(f"  {r['items']:7,} {r['materials']:10,} {f['file'] / 2**20:7.1f}MiB {r['secs']:8.1f} {r['items'] / r['secs']:8.0f} "
                  f"{r['traced_peak'] / 2**20:13.1f} MiB {r['maxrss'] / 2**20:6.0f} MiB")
    finally:
        c.drop_scratch(DB)


if __name__ == "__main__":
    main()
