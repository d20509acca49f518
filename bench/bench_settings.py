"""Settings for the benchmarks' bare view only: the base settings with ``bench.bare_urls`` as the URLconf.

Used by ``bench/api_list.py`` (``DJANGO_SETTINGS_MODULE=bench.bench_settings``); the app never loads it.
"""
from chizhou_walkthrough.settings.base import *  # noqa: F401,F403

ROOT_URLCONF = "bench.bare_urls"
