"""Load the Chizhou demo catalog, the demo accounts and a demo campaign (idempotent).

    python manage.py load_demo_data [--reset-passwords]

Rows are keyed by code (regions, departments, items), by (item, position) (materials, steps) and by
username (users). A row is written only when a value differs, so a second run changes nothing: no
new rows, no new item revisions, no ``updated_at`` bumps, and existing passwords are kept unless
``--reset-passwords`` is given.

Then the demo campaign (``campaign/demo_campaign.py``): about three months of walkthroughs, findings,
rectification, public requests and four reports, written through the product's own actions, and
only into a database without walkthroughs and findings — so a second run adds nothing there either.
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign import demo_campaign, demo_data
from services.actions import item_revision_record
from services.models import (
    Bundle,
    BundleItem,
    Department,
    Material,
    MaterialSource,
    Region,
    ServiceItem,
    ServiceItemRevision,
    Step,
)

ITEM_FIELDS = [
    "catalog_code", "name", "item_type", "served_party", "case_type", "legal_limit_days",
    "promised_limit_days", "limit_unit", "max_visits", "online_depth", "in_hall", "window_authorized",
    "has_authorization_letter", "fee", "fee_basis", "intermediary", "high_frequency", "enterprise_related",
    "effective_date", "location", "enquiry_phone",
]


class Counter:
    def __init__(self):
        self.created = 0
        self.updated = 0


_LOOK_UP = object()


def upsert(model, lookup: dict, values: dict, counter: Counter, obj=_LOOK_UP):
    """Like ``update_or_create``, but saves only when a value actually differs.

    ``obj`` is the existing row if the caller already read it (``None``: there is none).
    """
    if obj is _LOOK_UP:
        obj = model.objects.filter(**lookup).first()
    if obj is None:
        counter.created += 1
        return model.objects.create(**lookup, **values)
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        update_fields = [f[:-3] if f.endswith("_id") else f for f in changed]
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            update_fields.append("updated_at")
        obj.save(update_fields=update_fields)
        counter.updated += 1
    return obj


def check_data() -> None:
    """Refuse inconsistent demo data before touching the database."""
    errors = []
    keys = [i["key"] for i in demo_data.ITEMS]
    codes = [i["code"] for i in demo_data.ITEMS]
    if len(set(keys)) != len(keys):
        errors.append("重复的事项 key")
    if len(set(codes)) != len(codes):
        errors.append("重复的实施编码")
    dept_codes = {d["code"] for d in demo_data.DEPARTMENTS}
    for item in demo_data.ITEMS:
        label = f"{item['key']}（{item['name']}）"
        if item["department"] not in dept_codes:
            errors.append(f"{label}: 未知部门 {item['department']}")
        if len(item["code"]) > 64 or len(item["catalog_code"]) > 12:
            errors.append(f"{label}: 编码过长")
        if item["promised_limit_days"] > item["legal_limit_days"]:
            errors.append(f"{label}: 承诺时限超过法定时限")
        if item["online_depth"] == 4 and item["max_visits"] != 0:
            errors.append(f"{label}: 全程网办事项到现场次数须为 0")
        if (item["case_type"] == "on_the_spot") != (item["promised_limit_days"] == 0):
            errors.append(f"{label}: 办件类型与承诺时限不符")
        step_days = sum(days or 0 for _, _, days in item["steps"])
        if step_days > item["legal_limit_days"]:
            errors.append(f"{label}: 环节时限之和超过法定时限")
        for material in item["materials"]:
            issuer = material[4]
            if issuer is not None and (issuer not in keys or material[3] != MaterialSource.GOVERNMENT):
                errors.append(f"{label}: 材料「{material[0]}」的核发事项无效")
    for user in demo_data.DEMO_USERS + demo_data.CAMPAIGN_USERS:
        if user["department"] is not None and user["department"] not in dept_codes:
            errors.append(f"{user['username']}: 未知部门 {user['department']}")
    if errors:
        raise CommandError("演示数据有误：\n" + "\n".join(errors))


class Command(BaseCommand):
    help = ("加载池州市演示数据：地区、部门、政务服务事项（含材料、环节、证明关系）、演示账号，"
            "以及近三个月的演示活动（走流程、问题整改、群众诉求和报告）。可重复执行。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="把已存在的演示账号密码重置为演示密码（默认只为新建账号设置密码）。",
        )

    def handle(self, *args, **options):
        check_data()
        with transaction.atomic():
            summary = self.load(reset_passwords=options["reset_passwords"])
        # The campaign in a transaction of its own: the catalog and accounts stay if it cannot be
        # played, and the next run tries it again.
        summary += demo_campaign.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据加载完成。"))
        for line in summary:
            self.stdout.write(line)

    def load(self, *, reset_passwords: bool) -> list[str]:
        counters = {name: Counter() for name in ("region", "department", "item", "material", "step", "user")}
        revisions_before = ServiceItemRevision.objects.count()

        regions = {}
        for row in demo_data.REGIONS:
            regions[row["code"]] = upsert(
                Region, {"code": row["code"]}, {"name": row["name"], "sort_order": row["sort_order"]},
                counters["region"],
            )

        departments = {}
        for row in demo_data.DEPARTMENTS:
            departments[row["code"]] = upsert(
                Department,
                {"code": row["code"]},
                {"name": row["name"], "level": row["level"], "region_id": regions[row["region"]].pk, "is_active": True},
                counters["department"],
            )

        # First every item, so that certificates can point at any of them.
        items = {}
        existing = ServiceItem.objects.in_bulk([row["code"] for row in demo_data.ITEMS], field_name="code")
        for row in demo_data.ITEMS:
            values = {field: row[field] for field in ITEM_FIELDS}
            values["fee"] = Decimal(row["fee"]).quantize(Decimal("0.01"))
            values["department_id"] = departments[row["department"]].pk
            values["is_active"] = True
            items[row["key"]] = upsert(
                ServiceItem, {"code": row["code"]}, values, counters["item"], obj=existing.get(row["code"])
            )

        # Then materials and steps (read once, written only where they differ), then one revision per
        # item if its state changed.
        demo_ids = [item.pk for item in items.values()]
        rows = {
            Material: {(m.item_id, m.position): m for m in Material.objects.filter(item_id__in=demo_ids)},
            Step: {(s.item_id, s.position): s for s in Step.objects.filter(item_id__in=demo_ids)},
        }
        for row in demo_data.ITEMS:
            item = items[row["key"]]
            wanted = {
                Material: [
                    {"name": name, "necessity": necessity, "form": form, "source": source,
                     "issuing_item_id": items[issuer].pk if issuer else None}
                    for name, necessity, form, source, issuer in row["materials"]
                ],
                Step: [
                    {"name": name, "handler": handler, "time_limit_days": days}
                    for name, handler, days in row["steps"]
                ],
            }
            for model, values_list in wanted.items():
                counter = counters["material" if model is Material else "step"]
                new = []
                for position, values in enumerate(values_list, start=1):
                    stored = rows[model].get((item.pk, position))
                    if stored is None:
                        new.append(model(item=item, position=position, **values))
                        counter.created += 1
                        continue
                    changed = [field for field, value in values.items() if getattr(stored, field) != value]
                    if changed:
                        for field in changed:
                            setattr(stored, field, values[field])
                        stored.save(update_fields=[f[:-3] if f.endswith("_id") else f for f in changed])
                        counter.updated += 1
                model.objects.bulk_create(new)
                surplus = [k for k in rows[model] if k[0] == item.pk and k[1] > len(values_list)]
                if surplus:
                    model.objects.filter(item=item, position__gt=len(values_list)).delete()
                    counter.updated += len(surplus)
            item_revision_record(item=item, source="demo", actor=None)

        self.load_users(departments, counters["user"], reset_passwords)
        self.load_bundles(items)

        demo_items = ServiceItem.objects.filter(code__in=[row["code"] for row in demo_data.ITEMS])
        materials = Material.objects.filter(item__in=demo_items)
        certificates = materials.filter(source=MaterialSource.GOVERNMENT, issuing_item__isnull=False)
        new_revisions = ServiceItemRevision.objects.count() - revisions_before
        hf = demo_items.filter(high_frequency=True, enterprise_related=True).count()
        changed = sum(c.created + c.updated for c in counters.values())
        return [
            f"地区 {len(demo_data.REGIONS)} 个，部门 {len(demo_data.DEPARTMENTS)} 个，"
            f"政务服务事项 {demo_items.count()} 项（其中高频涉企 {hf} 项）",
            f"申请材料 {materials.count()} 份（其中证明 {certificates.count()} 份，"
            f"涉及 {certificates.values('issuing_item').distinct().count()} 个核发事项），"
            f"办理环节 {Step.objects.filter(item__in=demo_items).count()} 个",
            f"演示账号 {len(demo_data.DEMO_USERS)} 个，另有各部门局长和联络员 {len(demo_data.CAMPAIGN_USERS)} 个，"
            f"密码均为 {demo_data.DEMO_PASSWORD}",
            f"本次新建 {sum(c.created for c in counters.values())} 条、更新 "
            f"{sum(c.updated for c in counters.values())} 条记录，新增事项修订 {new_revisions} 条"
            + ("（数据已是最新，无变化）" if changed == 0 and new_revisions == 0 else ""),
        ]

    def load_bundles(self, items: dict) -> None:
        """一件事 bundles: the ordered items of demo_data.BUNDLES (written only where they differ)."""
        for position, (name, keys) in enumerate(demo_data.BUNDLES.items(), start=1):
            bundle, _created = Bundle.objects.get_or_create(name=name, defaults={"code": f"bundle-{position}"})
            wanted = [(i, items[key].pk) for i, key in enumerate(keys, start=1)]
            stored = list(bundle.entries.order_by("position").values_list("position", "item_id"))
            if stored != wanted:
                bundle.entries.all().delete()
                BundleItem.objects.bulk_create(BundleItem(bundle=bundle, position=p, item_id=i) for p, i in wanted)

    def load_users(self, departments: dict, counter: Counter, reset_passwords: bool) -> None:
        """The demo accounts and the campaign's heads and liaisons. The demo password is hashed once
        for all of them (each hash takes the hasher's full work, some 0.3 s with PBKDF2), and on
        ``--reset-passwords`` each distinct stored hash is checked once."""
        User = get_user_model()
        demo_hash = None
        is_demo_password: dict[str, bool] = {}
        for row in demo_data.DEMO_USERS + demo_data.CAMPAIGN_USERS:
            values = {
                "role": row["role"],
                "department_id": departments[row["department"]].pk if row["department"] else None,
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "is_staff": row["is_staff"],
                "is_superuser": row["is_superuser"],
                "is_active": True,
            }
            user = User.objects.filter(username=row["username"]).first()
            if user is None or reset_passwords:
                demo_hash = demo_hash or make_password(demo_data.DEMO_PASSWORD)
            if user is None:
                user = User(username=row["username"], password=demo_hash, **values)
                user.save()
                counter.created += 1
                continue
            changed = [field for field, value in values.items() if getattr(user, field) != value]
            for field in changed:
                setattr(user, field, values[field])
            if reset_passwords:
                if user.password not in is_demo_password:
                    is_demo_password[user.password] = check_password(demo_data.DEMO_PASSWORD, user.password)
                if not is_demo_password[user.password]:
                    user.password = demo_hash
                    changed.append("password")
            if changed:
                user.save(update_fields=[f[:-3] if f.endswith("_id") else f for f in changed])
                counter.updated += 1
