# The diagram viewer comes from the npm registry, built in its own stage.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY engine engine
COPY web web
COPY tasks tasks
COPY workflows workflows
# Compile the UI catalogues before installing, so the .mo files ship with the package.
RUN pip install --no-cache-dir babel \
    && pybabel compile -d web/translations \
    && pip install --no-cache-dir .
COPY --from=frontend /app/node_modules /app/node_modules
ENV SOMEFLYT_WORKFLOWS=/app/workflows \
    SOMEFLYT_NODE_MODULES=/app/node_modules
USER nobody
EXPOSE 5000
