FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
# The locked runtime dependencies (make lock), exactly what CI tested, in their own layer.
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY tenants ./tenants
COPY connectors ./connectors
COPY webhooks ./webhooks
COPY crm_sync ./crm_sync
COPY templates ./templates
COPY tests/fixtures ./tests/fixtures
COPY manage.py Procfile ./
RUN pip install --no-cache-dir --no-deps . && pip check \
 && DATA_DIR=/tmp/build python manage.py collectstatic --noinput --verbosity 0 \
 && useradd --system --home /app switchboard \
 && mkdir -p /var/lib/switchboard/metrics && chown switchboard /var/lib/switchboard/metrics

USER switchboard
EXPOSE 8000
CMD ["granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8000", "--workers", "3", "--blocking-threads", "4", "--http1-header-read-timeout", "5000", "--respawn-failed-workers", "config.wsgi:application"]
