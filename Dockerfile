# syntax=docker/dockerfile:1
# One image for every app service (web, worker, beat, migrate); see docker-compose.yml.
FROM python:3.11-slim-bookworm

# XDG_CACHE_HOME: fontconfig (used by WeasyPrint) wants a writable cache; /app is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=chizhou_walkthrough.settings.production \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    XDG_CACHE_HOME=/tmp/.cache \
    WEB_CONCURRENCY=3

# WeasyPrint's runtime libraries (Debian bookworm names). Chinese fonts are vendored in
# static/fonts/, so no extra font packages
# (fontconfig pulls in fonts-dejavu-core as a fallback). libpq is not needed: psycopg2-binary bundles it.
# Versions are not pinned: bookworm point releases replace them, and a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Production settings refuse to import without SECRET_KEY (>= 50 chars) and ALLOWED_HOSTS.
# These throwaway values exist only for this RUN step: they are not in the image's
# environment, and the real ones come from the container's environment at run time.
# VAR_DIR points at /tmp so the embedded SQLite/broker folders made on import stay out of the image.
# hadolint ignore=DL3064
ARG BUILD_SECRET_KEY=collectstatic-only-throwaway-key-never-used-at-runtime-0123456789
ARG BUILD_ALLOWED_HOSTS=build.invalid
RUN SECRET_KEY="$BUILD_SECRET_KEY" ALLOWED_HOSTS="$BUILD_ALLOWED_HOSTS" VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var /data/media \
    && chown app:app /app/var /data/media

# Code and collected static files stay root-owned (read-only for the app); only
# /app/var and /data/media are writable. A fresh named volume mounted on /data/media
# copies this directory's ownership, so the non-root user can write uploads and reports.
USER 10001:10001

EXPOSE 8000

# gunicorn reads the worker count from WEB_CONCURRENCY.
CMD ["gunicorn", "chizhou_walkthrough.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60", "--access-logfile", "-"]
