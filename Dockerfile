# The Laborbridge API: `docker compose up` runs it beside PostgreSQL (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them. The install is
# editable because app/config.py finds alembic.ini, migrations/ and seed_data/ beside the app package.
COPY pyproject.toml ./
RUN mkdir app matching && touch app/__init__.py matching/__init__.py \
    && pip install -e . \
    && rm -rf app matching

COPY alembic.ini ./
COPY migrations ./migrations
COPY seed_data ./seed_data
COPY matching ./matching
COPY app ./app

# Run as a user that owns nothing but its data directory (demo keys, model artefacts).
RUN useradd --system --uid 10001 --home-dir /app --no-create-home laborbridge \
    && mkdir -p /app/var && chown laborbridge /app/var
USER laborbridge

ENV LB_DATA_DIR=/app/var
EXPOSE 8000
# Exec form of `laborbridge serve --host 0.0.0.0`, so the server is PID 1 and gets SIGTERM itself.
CMD ["laborbridge", "serve", "--host", "0.0.0.0"]
