# The requests of the public page (局长陪您办), moved here from ``inspections`` with every row: the
# first operation takes over the existing table in Django's picture of the models (no SQL), the
# second renames the table to this app's name (one ALTER TABLE … RENAME, rows and indexes kept).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0006_tally'),
        ('inspections', '0005_publicrequest_to_public_app'),
        ('services', '0002_bundle_bundleitem'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PublicRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('accompany', 'Ask a head to go with me (局长陪您办)'), ('lead', 'Report a blockage (问题线索)')], max_length=16, verbose_name='kind')),
                        ('code', models.CharField(max_length=16, unique=True, verbose_name='tracking code')),
                        ('item_text', models.CharField(blank=True, max_length=200, verbose_name='the matter, in your words')),
                        ('name', models.CharField(max_length=100, verbose_name='name or company')),
                        ('phone', models.CharField(max_length=20, verbose_name='contact phone')),
                        ('description', models.TextField(max_length=1000, verbose_name='what you need, or what went wrong')),
                        ('preferred_date', models.DateField(blank=True, null=True, verbose_name='preferred date')),
                        ('status', models.CharField(choices=[('received', 'Received'), ('arranged', 'A head will go with you'), ('forwarded', 'Passed on for rectification'), ('closed', 'Closed')], default='received', max_length=12, verbose_name='status')),
                        ('reply', models.CharField(blank=True, max_length=500, verbose_name='reply to the requester')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('finding', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='findings.finding')),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('service_item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='services.serviceitem', verbose_name='service item')),
                        ('walkthrough', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='inspections.walkthrough')),
                    ],
                    options={
                        'verbose_name': 'public request',
                        'verbose_name_plural': 'public requests',
                        'ordering': ['-created_at', '-id'],
                        'db_table': 'inspections_publicrequest',
                        'indexes': [models.Index(fields=['status', 'created_at'], name='publicrequest_status')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='publicrequest', table=None),
    ]
