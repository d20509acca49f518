# Field capture (issue 16): device times beside the server's, photos on checklist answers, event
# corrections with their trace, the head's signature. Existing events were received when they happened.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def received_when_logged(apps, schema_editor):
    apps.get_model('inspections', 'TimelineEvent').objects.update(received_at=F('at'))


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0005_publicrequest_to_public_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='checklistanswer',
            name='device_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='answered at (device)'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='answer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evidence', to='inspections.checklistanswer'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='device_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='taken at (device)'),
        ),
        migrations.AddField(
            model_name='timelineevent',
            name='device_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='tapped at (device)'),
        ),
        migrations.AddField(
            model_name='timelineevent',
            name='received_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='received at'),
        ),
        migrations.AddField(
            model_name='timelineevent',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='withdrawn at'),
        ),
        migrations.AddField(
            model_name='walkthrough',
            name='signature',
            field=models.FileField(blank=True, max_length=200, upload_to='signatures/%Y/%m/', verbose_name='signature'),
        ),
        migrations.AddField(
            model_name='walkthrough',
            name='signed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='signed at'),
        ),
        migrations.CreateModel(
            name='EventCorrection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('made_at', models.DateTimeField(auto_now_add=True, verbose_name='made at')),
                ('old_at', models.DateTimeField(verbose_name='old time')),
                ('new_at', models.DateTimeField(verbose_name='new time')),
                ('old_note', models.CharField(blank=True, max_length=1000, verbose_name='old note')),
                ('new_note', models.CharField(blank=True, max_length=1000, verbose_name='new note')),
                ('withdrawn', models.BooleanField(default=False, verbose_name='withdrawn')),
                ('reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='corrections', to='inspections.timelineevent')),
            ],
            options={
                'verbose_name': 'event correction',
                'verbose_name_plural': 'event corrections',
                'ordering': ['made_at', 'id'],
            },
        ),
        migrations.RunPython(received_when_logged, migrations.RunPython.noop),
    ]
