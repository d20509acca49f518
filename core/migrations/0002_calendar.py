"""The working calendar (core/workdays.py), filled with every year the pinned package knows."""
from django.db import migrations, models


def fill(apps, schema_editor):
    from core import workdays

    day, year = apps.get_model("core", "CalendarDay"), apps.get_model("core", "CalendarYear")
    for y in workdays.package_years():
        workdays.fill_year(y, models=(day, year))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False, verbose_name="date")),
                ("workday", models.BooleanField(verbose_name="working day")),
                ("kind", models.CharField(choices=[("weekday", "Weekday (working)"), ("weekend", "Weekend (rest)"), ("holiday", "Public holiday (rest)"), ("makeup", "Make-up working day (调休上班)")], max_length=8, verbose_name="kind of day")),
                ("name", models.CharField(blank=True, help_text="e.g. 国庆节, 春节", max_length=60, verbose_name="name")),
                ("source", models.CharField(choices=[("package", "State Council arrangement (package)"), ("default", "Monday to Friday (not yet arranged)"), ("office", "Edited by the office")], default="office", max_length=8, verbose_name="source")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "calendar day",
                "verbose_name_plural": "calendar days",
                "ordering": ["day"],
                "constraints": [models.CheckConstraint(condition=models.Q(models.Q(("kind__in", ["weekday", "makeup"]), ("workday", True)), models.Q(("kind__in", ["weekend", "holiday"]), ("workday", False)), _connector="OR"), name="calendar_day_workday_follows_kind")],
            },
        ),
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                ("year", models.PositiveSmallIntegerField(primary_key=True, serialize=False, verbose_name="year")),
                ("filled_from", models.CharField(max_length=60, verbose_name="filled from")),
                ("filled_at", models.DateTimeField(verbose_name="filled at")),
            ],
            options={
                "verbose_name": "calendar year",
                "verbose_name_plural": "calendar years",
                "ordering": ["year"],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
