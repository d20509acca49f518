from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from services.catalog_io import catalog_import


class Command(BaseCommand):
    help = "Import the service catalog from an .xlsx workbook (sheets 事项/材料/环节) or a .csv of items. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        result = catalog_import(path=path)
        if not result.ok:
            for e in result.errors:
                where = _("sheet %(sheet)s, row %(row)d") % {"sheet": e["sheet"], "row": e["row"]} if e["row"] else e["sheet"]
                self.stderr.write(f"{where} {e['code']}: {e['message']}")
            if result.error_count > len(result.errors):
                self.stderr.write(_("… and %(n)d more") % {"n": result.error_count - len(result.errors)})
            raise CommandError(_("%(n)d rows rejected; nothing was imported.") % {"n": result.error_count})
        self.stdout.write(
            _("Imported: %(created)d items created, %(updated)d updated, %(materials)d materials, %(steps)d steps.")
            % {"created": result.created, "updated": result.updated, "materials": result.materials, "steps": result.steps}
        )
