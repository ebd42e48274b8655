"""`make run`'s topology: `someflyt up` runs the web server, a real Celery worker and beat on
SQLite and the filesystem broker; a case's mail lands in the instance's mail folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from tests.smtp_sink import free_port
from tests.worker.conftest import wait_until

BIN = Path(sys.executable).parent


def _healthz(port: int) -> dict[str, str] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return json.load(answer)
    except OSError:
        return None


def test_someflyt_up_serves_and_delivers_without_any_server(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOMEFLYT_", "DATABASE_URL"))
    } | {"SOMEFLYT_INSTANCE": str(tmp_path), "SOMEFLYT_SWEEP_SECONDS": "1"}
    someflyt = str(BIN / "someflyt")
    subprocess.run([someflyt, "init", "--demo"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "up.log").open("wb")
    up = subprocess.Popen(
        [someflyt, "up", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        health = wait_until(lambda: _healthz(port), 60, "the web server")
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}
        started = subprocess.run(
            [
                someflyt,
                "start",
                "account_application",
                "--as",
                "laerar.alesund",
                "--data",
                json.dumps(SAMPLE_SCHOOL_APPLICATION),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert started.returncode == 0, started.stderr
        # The CLI hands nothing to the broker: the beat sweep finds the row and the worker
        # writes the mail to the embedded sink.
        [mail] = wait_until(lambda: list((tmp_path / "mail").glob("*.eml")), 60, "a mail")
        text = mail.read_text()
        assert "To: Rolf Rektor <rektor.alesund@mrfylke.no>" in text
        assert f"http://127.0.0.1:{port}/tasks/" in text  # links point at this server
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=60) == 0  # and it stops its worker and beat with it
        log.close()
        print((tmp_path / "up.log").read_text()[-3000:])
