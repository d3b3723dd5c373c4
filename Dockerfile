FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# Build-time values only: collectstatic needs settings to load, not real services.
RUN mkdir -p var \
    && DEBUG=false SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 EMAIL_HOST=localhost \
       python manage.py collectstatic --no-input \
    && useradd --system --home /app vignette && chown -R vignette /app/var
USER vignette
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
