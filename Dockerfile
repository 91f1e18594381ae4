# Chronos: web server + worker in one container, data (SQLite, secret key, backups) in /app/data.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CHRONOS_DATA_DIR=/app/data \
    CHRONOS_HOST=0.0.0.0 \
    CHRONOS_PORT=8080

# postgresql-client: pg_dump/pg_restore for backups when DATABASE_URL points at PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN URLLIB3_NO_OVERRIDE=1 pip install -r requirements.txt

COPY . .
# Static files are collected into the image, outside the data volume, so a start finds them
# up to date and skips the step. The build-time key is thrown away with this layer's process.
ENV CHRONOS_STATIC_ROOT=/app/staticfiles
RUN SECRET_KEY=build-only-not-used-at-run-time-0123456789 CHRONOS_DATA_DIR=/tmp/build-data \
    python -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'chronos.settings'); \
django.setup(); from apps.core.startup import collect_static_if_needed; collect_static_if_needed()" \
    && rm -rf /tmp/build-data
RUN useradd --create-home --uid 1000 chronos && mkdir -p /app/data && chown -R chronos /app/data /app/staticfiles
USER chronos

VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"

# migrate, first-start set-up, then the web server (granian) + the worker; SIGTERM stops both cleanly.
CMD ["python", "manage.py", "start"]
