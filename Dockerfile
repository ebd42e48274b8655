FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine engine
COPY web web
COPY tasks tasks
COPY workflows workflows
RUN pip install --no-cache-dir .
ENV SOMEFLYT_WORKFLOWS=/app/workflows
USER nobody
EXPOSE 5000
