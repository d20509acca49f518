"""Default deadlines per severity, and the periodic tasks (the schedule lives in the database,
editable in the admin, shared by every beat — only one beat runs at a time)."""
from django.db import migrations

DEADLINES = {"minor": 15, "major": 10, "critical": 5}


def forwards(apps, schema_editor):
    SeverityDeadline = apps.get_model("findings", "SeverityDeadline")
    for severity, days in DEADLINES.items():
        SeverityDeadline.objects.get_or_create(severity=severity, defaults={"working_days": days})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="8", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="整改期限提醒（每天 8:00）", defaults={"task": "findings.tasks.findings_remind", "crontab": morning}
    )
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="目录导入补发（每 5 分钟）", defaults={"task": "services.tasks.catalog_imports_sweep", "interval": every_five}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=["findings.tasks.findings_remind", "services.tasks.catalog_imports_sweep"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
