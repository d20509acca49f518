import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizhou_walkthrough.settings.base")

app = Celery("chizhou_walkthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
