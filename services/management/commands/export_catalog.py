from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from services.catalog_io import catalog_export


class Command(BaseCommand):
    help = "Export the service catalog to an .xlsx workbook (items, materials, steps) or a .csv of items."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            with open(path, "w", newline="", encoding="utf-8-sig") as fh:
                catalog_export(out=fh, fmt="csv")
        elif suffix == ".xlsx":
            with open(path, "wb") as fh:
                catalog_export(out=fh, fmt="xlsx")
        else:
            raise CommandError("The file name must end in .xlsx or .csv")
        self.stdout.write(str(path))
