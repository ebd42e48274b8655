"""Celery jobs (notifications, timers). Thin until the worker issue: see engine.services."""
