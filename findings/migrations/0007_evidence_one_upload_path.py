# Walkthrough and rectification evidence share one abstract model (core.models.Evidence) and so one
# upload folder. Only new files go there; stored files keep their names. No SQL.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0006_tally'),
    ]

    operations = [
        migrations.AlterField(
            model_name='findingevidence',
            name='file',
            field=models.FileField(max_length=200, upload_to='evidence/%Y/%m/', verbose_name='file'),
        ),
    ]
