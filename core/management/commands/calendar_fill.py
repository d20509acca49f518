"""Fill the working calendar from the pinned package (core/workdays.py), keeping the office's edits."""
from django.core.management.base import BaseCommand, CommandError

from core import workdays


class Command(BaseCommand):
    help = ("Fill the working calendar (holidays and make-up working days) from the chinesecalendar package: "
            "every year it knows, or one year. Days the office edited are kept.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only this year (may be repeated)")
        parser.add_argument("--weekdays", action="store_true",
                            help="fill the year(s) Monday to Friday (a year the package does not know yet), "
                                 "for the office to mark its holidays and make-up days in the admin")

    def handle(self, *args, year=None, weekdays=False, **options):
        known = workdays.package_years()
        years = year or known
        if weekdays and not year:
            raise CommandError("--weekdays needs --year.")
        for y in years:
            try:
                n = workdays.fill_year(y, from_package=not weekdays)
            except ValueError as exc:
                raise CommandError(f"{exc} Upgrade the package (requirements.txt), or fill the year in the admin "
                                   f"(--weekdays, then mark the holidays and make-up days).") from exc
            self.stdout.write(f"{y}: {n} days written")
        self.stdout.write(self.style.SUCCESS(f"{workdays.PACKAGE} {workdays.package_version()} knows {known[0]}–{known[-1]}."))
