"""Beat entries for reports: the sweep that re-queues what the broker lost, and the weekly bulletin."""
from django.db import migrations


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="报告补发（每分钟）", defaults={"task": "findings.tasks.reports_sweep", "interval": every_minute}
    )
    monday, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="每周督查通报（周一 7:30）", defaults={"task": "findings.tasks.weekly_bulletin", "crontab": monday}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=["findings.tasks.reports_sweep", "findings.tasks.weekly_bulletin"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("findings", "0003_report"), ("findings", "0002_defaults_and_schedules")]
    operations = [migrations.RunPython(forwards, backwards)]
