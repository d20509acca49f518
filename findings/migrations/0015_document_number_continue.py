"""Before numbering per kind, every report printed 池营商办〔<year of rendering>〕<report id>号. The
notice keeps that format, so its counter for each year continues after the highest id printed that
year: no number already on paper is issued again. (The bulletin's new format, 池营商办通〔…〕, cannot
meet an old one; the walk record and the ledger are no longer numbered.)"""
from django.conf import settings
from django.db import migrations


def continue_after_old_numbers(apps, schema_editor):
    import zoneinfo

    Report = apps.get_model("findings", "Report")
    DocumentNumber = apps.get_model("findings", "DocumentNumber")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    highest: dict[int, int] = {}
    # Old reports had no number field: the id and the year they were made are what was printed.
    for pk, finished in Report.objects.filter(number="", finished_at__isnull=False).values_list("pk", "finished_at").iterator():
        year = finished.astimezone(zone).year
        highest[year] = max(highest.get(year, 0), pk)
    for year, last in highest.items():
        counter, _created = DocumentNumber.objects.get_or_create(
            issuer=settings.REPORT_ISSUER, kind="department", year=year, defaults={"last": last})
        if counter.last < last:
            DocumentNumber.objects.filter(pk=counter.pk).update(last=last)


class Migration(migrations.Migration):

    dependencies = [("findings", "0014_report_part")]

    operations = [migrations.RunPython(continue_after_old_numbers, migrations.RunPython.noop)]
