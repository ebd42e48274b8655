"""The Celery application: `celery -A tasks.celery_app worker` and `… beat`.

The broker is Redis in production (SOMEFLYT_BROKER_URL); the embedded default is kombu's
filesystem transport in the instance folder, which needs no server. Nothing depends on the
broker keeping a message: the database outbox and `next_timer_at` hold all work, and the beat
sweep queues whatever is due again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery import Celery
from kombu import Queue

from engine.config import instance_folder

SWEEP_SECONDS = float(os.environ.get("SOMEFLYT_SWEEP_SECONDS", "2"))


def broker_settings() -> dict[str, Any]:
    url = os.environ.get("SOMEFLYT_BROKER_URL", "")
    if url:
        return {
            "broker_url": url,
            # A request that queues a delivery must not hang while Redis is down: fail fast,
            # the sweep will queue it later.
            "broker_transport_options": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    folder = Path(instance_folder() / "broker")
    for sub in ("queue", "processed", "control", "bad"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        # kombu's transport, with whole-file writes and unreadable messages set aside
        "broker_transport": "tasks.filesystem_broker:Transport",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),  # taken messages, until read
            "control_folder": str(folder / "control"),  # not the working directory
            "bad_folder": str(folder / "bad"),  # messages no worker could read
            "store_processed": False,
        },
    }


app = Celery("someflyt", include=["tasks.jobs"])
app.conf.update(
    broker_settings(),
    task_acks_late=True,  # a job is acknowledged when it is done, not when it is taken
    task_reject_on_worker_lost=True,  # a killed worker's job goes back to the queue
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    # Jobs of a lost connection go back to the queue; deliveries are claimed, so none runs twice.
    worker_cancel_long_running_tasks_on_connection_loss=True,
    timezone="UTC",
    beat_schedule={
        "sweep": {"task": "someflyt.sweep", "schedule": SWEEP_SECONDS},
    },
    # Sweeps and timer jobs have their own queue, which a worker serves in turn with the
    # deliveries, so a backlog of mail never holds up the timers.
    task_queues=(Queue("sweep"), Queue("celery")),
    task_routes={
        "someflyt.sweep": {"queue": "sweep"},
        "someflyt.fire_timers": {"queue": "sweep"},  # timers at their moment, and helpers
    },
    task_default_queue="celery",
)
