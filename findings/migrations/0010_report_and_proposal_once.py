"""One report on its way per request, one finding per walkthrough proposal — enforced by the database.

Rows that the double submits of the past left behind would violate the new constraints, so they are
settled first, without deleting anything:

- of the reports of one request still pending or running, the running one (else the oldest) is kept;
  the others are marked failed, naming the report that stands for them;
- of the findings filed for one proposal of one walkthrough, the oldest keeps the proposal's key; the
  others keep everything (history, comments, evidence) but the key, so they remain findings filed from
  the walkthrough, just no longer "the" proposal's.
"""
from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone

UNFINISHED = ["pending", "running"]


def settle_duplicates(apps, schema_editor):
    Report = apps.get_model("findings", "Report")
    Finding = apps.get_model("findings", "Finding")
    twins = (Report.objects.filter(status__in=UNFINISHED).values("request_key")
             .annotate(n=Count("id")).filter(n__gt=1).values_list("request_key", flat=True))
    for key in list(twins):
        rows = list(Report.objects.filter(request_key=key, status__in=UNFINISHED).order_by("id"))
        keep = next((r for r in rows if r.status == "running"), rows[0])
        Report.objects.filter(pk__in=[r.pk for r in rows if r.pk != keep.pk]).update(
            status="failed", error=f"重复的请求，由报告 #{keep.pk} 代替", finished_at=timezone.now())
    groups = (Finding.objects.exclude(proposal_key="").filter(walkthrough__isnull=False).values("walkthrough_id", "proposal_key")
              .annotate(n=Count("id")).filter(n__gt=1))
    for group in list(groups):
        ids = list(Finding.objects.filter(walkthrough_id=group["walkthrough_id"], proposal_key=group["proposal_key"])
                   .order_by("created_at", "id").values_list("id", flat=True))
        Finding.objects.filter(pk__in=ids[1:]).update(proposal_key="")


class Migration(migrations.Migration):

    dependencies = [
        ("findings", "0009_notification"),
    ]

    operations = [
        migrations.RunPython(settle_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.UniqueConstraint(condition=~Q(proposal_key=""), fields=("walkthrough", "proposal_key"),
                                               name="finding_proposal_once"),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(condition=Q(status__in=["pending", "running"]), fields=("request_key",),
                                               name="report_one_unfinished_per_request"),
        ),
    ]
