# The public page's requests moved to their own app, ``public`` (public/migrations/0001_initial.py
# takes over the table). Only Django's picture of the models changes here: no table, no row.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0004_publicrequest'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='PublicRequest')],
            database_operations=[],
        ),
    ]
