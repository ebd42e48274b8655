"""The WSGI entry point for gunicorn: `gunicorn someflyt.wsgi:app`."""

from someflyt.wiring import web_app

app = web_app()
