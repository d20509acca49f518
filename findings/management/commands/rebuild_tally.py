from django.core.management.base import BaseCommand

from findings import tally


class Command(BaseCommand):
    help = ("Recount the dashboard's tally from the findings and walkthroughs. The database keeps it exact by "
            "itself; this repairs it after someone edited the tally table or disabled its triggers.")

    def handle(self, *args, **options):
        rows = tally.rebuild()
        self.stdout.write(f"{rows} tally rows")
