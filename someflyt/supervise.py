"""`someflyt up` keeps its children running: web, a Celery worker and beat.

A child that ends — a crash, the OOM killer, a `kill` — is started again after a pause that
doubles with each quick failure (1 s, 2 s, 4 s … at most 30 s) and starts over once a child
has run for a minute; the others go on meanwhile. Only Ctrl-C or SIGTERM stops `up`, and then
it stops every child and waits for them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

POLL_SECONDS = 0.2
STOP_SECONDS = 20.0  # how long a child may take to shut down before it is killed


@dataclass
class RestartPolicy:
    """The pause before a child is started again."""

    first: float = 1.0
    longest: float = 30.0
    healthy_after: float = 60.0  # a child that ran this long failed for a new reason
    failures: int = field(default=0, init=False)

    def delay(self, ran_for: float) -> float:
        if ran_for >= self.healthy_after:
            self.failures = 0
        pause = min(self.first * 2**self.failures, self.longest)
        self.failures += 1
        return pause


@dataclass
class _Child:
    name: str
    command: Sequence[str]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    returncode: int | None = None

    def start(self, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(list(self.command), env=dict(env))
        self.started_at = time.monotonic()
        say(f"{self.name} started (pid {self.process.pid})")

    def check(self, env: Mapping[str, str]) -> None:
        """Start it again if it ended and its pause is over."""
        now = time.monotonic()
        if self.process is None:
            if now >= self.restart_at:
                self.start(env)
            return
        code = self.process.poll()
        if code is None:
            return
        self.returncode = code
        pause = self.policy.delay(ran_for=now - self.started_at)
        say(f"{self.name} ended ({code}); starting it again in {pause:.0f} s")
        self.process = None
        self.restart_at = now + pause

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop within {STOP_SECONDS:.0f} s; killing it")
            self.process.kill()
            self.process.wait()
        self.returncode = self.process.returncode


def say(text: str) -> None:
    print(f"someflyt up: {text}", file=sys.stderr, flush=True)


def _interrupt(*_: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop is enough; let the children end
    raise KeyboardInterrupt


def run(commands: Mapping[str, Sequence[str]], env: Mapping[str, str]) -> dict[str, int | None]:
    """Run the children until Ctrl-C or SIGTERM; returns each one's last exit code."""
    children = [_Child(name, command) for name, command in commands.items()]
    # SIGTERM (a service manager, `kill`) stops the children too, like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for child in children:
            child.start(env)
        while True:
            time.sleep(POLL_SECONDS)
            for child in children:
                child.check(env)
    except KeyboardInterrupt:
        say("stopping")
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait()
    return {child.name: child.returncode for child in children}
