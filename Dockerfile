# Production image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --system --create-home --uid 1000 portal
COPY pyproject.toml ./
COPY config ./config
COPY grid ./grid
COPY residents ./residents
COPY risks ./risks
COPY disputes ./disputes
RUN pip install --upgrade pip && pip install -e .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY --from=assets /build/node_modules ./node_modules
# collectstatic needs settings but no secrets of its own: give it throw-away values.
RUN DJANGO_SECRET_KEY=collectstatic-only-$(date +%s)-not-a-secret-xxxxxxxxxxxxxxxxxxxxxxxxx \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/none.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 DJANGO_STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput -v 0 \
    && rm -rf node_modules && mkdir -p /app/media && chown portal /app/media
ENV DJANGO_STATIC_ROOT=/app/staticfiles DJANGO_MEDIA_ROOT=/app/media
USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
