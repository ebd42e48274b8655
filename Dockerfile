# One image for every SoMe-flyt process: `someflyt init` (migrate), gunicorn (web), the Celery
# worker and Celery beat; docker-compose.yml picks the command and defines the healthchecks
# (none here, or worker and beat would inherit the web one).

# The diagram viewer comes from the npm registry, built in its own stage.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md babel.cfg ./
COPY engine engine
COPY web web
COPY tasks tasks
COPY someflyt someflyt
COPY workflows workflows
# Compile the UI catalogues (Babel comes with Flask-Babel) before installing, so the .mo files
# ship with the package; byte-compile the sources, since the runtime user cannot write here.
RUN pybabel compile -d web/translations \
    && pip install . \
    && rm -rf build someflyt.egg-info \
    && python -m compileall -q engine web tasks someflyt workflows
COPY --from=frontend /app/node_modules /app/node_modules

# Not root. The code is read-only to it; instance/ is the one folder it may write (the embedded
# defaults, e.g. .eml files when no SMTP host is set; compose sets everything else).
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin someflyt \
    && mkdir -p /app/instance \
    && chown someflyt:someflyt /app/instance
ENV SOMEFLYT_WORKFLOWS=/app/workflows \
    SOMEFLYT_NODE_MODULES=/app/node_modules \
    SOMEFLYT_INSTANCE=/app/instance
USER someflyt
EXPOSE 5000
CMD ["gunicorn", "--bind", "0.0.0.0:5000", "--workers", "3", "--access-logfile", "-", "someflyt.wsgi:app"]
