
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0007_evidence_one_upload_path'),
    ]

    operations = [
        migrations.AddField(
            model_name='findingevidence',
            name='device_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='taken at (device)'),
        ),
    ]
