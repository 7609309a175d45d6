# Oqim image: one image, three processes (web, worker, scheduler) chosen by the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OQIM_ENV=production \
    OQIM_DATA_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected at build time (seed 000); the key is a build-only placeholder.
RUN SECRET_KEY=build-only-placeholder-not-used-at-runtime-0000000000000 ALLOWED_HOSTS=build FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1wbGFjZWhvbGRlci1rZXktMDAwMDA= \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 oqim && mkdir -p /app/var/media && chown -R oqim /app/var

USER oqim
EXPOSE 8000
# Through a shell with exec: $PORT is expanded, and daphne is PID 1 and gets SIGTERM.
CMD ["sh", "-c", "exec python manage.py web --port ${PORT:-8000}"]
