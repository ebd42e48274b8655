"""One worker crash must not stop the product (issue 14, point 10), under `make run`'s topology:
`someflyt up` with SQLite and the filesystem broker, real processes throughout.

- A half-written broker message (its JSON cut off) is logged and set aside in the broker's
  `bad/` folder; the worker goes on delivering.
- A child that dies (SIGKILL) is started again, with backoff; web keeps answering meanwhile.
- Only SIGTERM (or Ctrl-C) stops `up`, and then it stops every child.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.config import PROJECT_ROOT
from engine.people.demo import SAMPLE_SCHOOL_APPLICATION
from someflyt.supervise import RestartPolicy
from tests.smtp_sink import free_port
from tests.worker.conftest import wait_until

SOMEFLYT = [sys.executable, "-m", "someflyt.cli"]
STARTED = re.compile(r"someflyt up: (\w+) started \(pid (\d+)\)")
# What a writer leaves when it is read half-way (kombu's filesystem transport writes in place).
HALF_WRITTEN = b'{"body": "W1sxXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwg'


def _healthz(port: int) -> dict[str, str] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return json.load(answer)
    except OSError:
        return None


@dataclass
class Up:
    folder: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def pids(self) -> dict[str, list[int]]:
        """Every pid each child was started with, in order."""
        found: dict[str, list[int]] = {}
        for name, pid in STARTED.findall(self.output()):
            found.setdefault(name, []).append(int(pid))
        return found

    def pid(self, name: str) -> int:
        return self.pids()[name][-1]

    def start_case(self, account_name: str) -> None:
        done = subprocess.run(
            [
                *SOMEFLYT,
                "start",
                "account_application",
                "--as",
                "laerar.alesund",
                "--data",
                json.dumps(SAMPLE_SCHOOL_APPLICATION | {"account_name": account_name}),
            ],
            env=self.env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    def mails(self) -> list[Path]:
        return sorted((self.folder / "mail").glob("*.eml"))


def _environment(folder: Path) -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SOMEFLYT_", "DATABASE_URL", "CELERY_"))
    } | {
        "SOMEFLYT_INSTANCE": str(folder),
        "SOMEFLYT_SWEEP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        # This checkout's code, also where the package is installed from another one.
        "PYTHONPATH": str(PROJECT_ROOT),
    }


@pytest.fixture
def initialised(tmp_path: Path) -> dict[str, str]:
    env = _environment(tmp_path)
    subprocess.run([*SOMEFLYT, "init", "--demo"], env=env, check=True, capture_output=True)
    return env


@contextlib.contextmanager
def _up(folder: Path, env: dict[str, str]) -> Iterator[Up]:
    port = free_port()
    log_path = folder / "up.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [*SOMEFLYT, "up", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    up = Up(folder, env, port, process, log_path)
    try:
        wait_until(lambda: _healthz(port), 60, "the web server")
        yield up
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        log.close()
        print(up.output()[-4000:])


def test_a_half_written_broker_message_is_set_aside(tmp_path: Path, initialised) -> None:
    queue = tmp_path / "broker" / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    bad_name = f"1_{uuid.uuid4()}.celery.msg"  # sorts first: the worker reads it before others
    (queue / bad_name).write_bytes(HALF_WRITTEN)

    with _up(tmp_path, initialised) as up:
        set_aside = tmp_path / "broker" / "bad" / bad_name
        wait_until(set_aside.exists, 60, "the bad message in broker/bad/")
        assert set_aside.read_bytes() == HALF_WRITTEN  # kept as it was, for a look
        assert not (queue / bad_name).exists()
        assert re.search(rf"broker message .*{re.escape(bad_name)}.* set aside", up.output())

        up.start_case("alesundvgs")  # the worker goes on: the mail arrives
        wait_until(up.mails, 60, "a mail")
        assert len(up.pids()["worker"]) == 1, "the worker died and had to be started again"


def test_up_starts_a_child_that_died_again_and_stops_only_when_told(
    tmp_path: Path, initialised
) -> None:
    with _up(tmp_path, initialised) as up:
        first = up.pids()
        assert set(first) == {"web", "worker", "beat"}

        os.kill(up.pid("worker"), signal.SIGKILL)
        wait_until(lambda: len(up.pids().get("worker", [])) == 2, 60, "a new worker")
        assert re.search(r"someflyt up: worker ended \(-9\); starting it again in \d", up.output())
        assert up.process.poll() is None  # up itself goes on, and so do web and beat
        assert _healthz(up.port) is not None
        assert up.pids()["web"] == first["web"] and up.pids()["beat"] == first["beat"]

        up.start_case("alesundvgs")  # the new worker delivers
        wait_until(up.mails, 60, "a mail from the new worker")

        os.kill(up.pid("web"), signal.SIGKILL)
        wait_until(lambda: len(up.pids().get("web", [])) == 2, 60, "a new web server")
        wait_until(lambda: _healthz(up.port), 60, "the new web server to answer")

        children = [pid for pids in up.pids().values() for pid in pids]
        up.process.send_signal(signal.SIGTERM)
        assert up.process.wait(timeout=60) == 0
        for pid in children:  # every child is gone (and reaped: no zombie left)
            assert not Path(f"/proc/{pid}").exists(), f"child {pid} outlived `someflyt up`"


def test_the_restart_delay_backs_off_and_recovers() -> None:
    policy = RestartPolicy(first=1.0, longest=30.0, healthy_after=60.0)
    assert [policy.delay(ran_for=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert policy.delay(ran_for=120.0) == 1  # it ran well for a while: start over
    assert policy.delay(ran_for=2.0) == 2
