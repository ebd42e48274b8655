"""Celery: deliver notifications and drive timers. Jobs are thin; the work is in `engine`."""
