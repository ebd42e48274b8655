"""Real processes for the worker tests: gunicorn, a Celery worker and beat, each a child of the
test in its own process group, against a fresh PostgreSQL database, a private Redis server and
the SMTP sink (tests/smtp_sink.py).

Nothing is patched inside the children: they get the settings a deployment would give them in
the environment. Every child's output goes to a file in the test's tmp_path; the tails are
printed when the test ends (pytest shows them for a failing test). Children are always stopped:
SIGTERM, then SIGKILL to the whole group.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from functools import partial
from http.cookiejar import CookieJar
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import lxml.html
import pytest
import redis
from sqlalchemy import create_engine, select, text

from engine.bootstrap import Engine
from engine.clock import Clock
from engine.config import PROJECT_ROOT, Settings
from engine.store.models import AuditEvent, OutboxMessage
from tests.conftest import POSTGRES_URL, WORKFLOWS, _psycopg_url, _require_postgres
from tests.smtp_sink import SmtpSink, free_port

BIN = Path(sys.executable).parent
SWEEP_SECONDS = 1.0
STARTUP_TIMEOUT = 60.0
T = TypeVar("T")


# --- waiting -----------------------------------------------------------------------------------


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll until `condition()` is truthy and return it; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def settle(seconds: float = 3 * SWEEP_SECONDS) -> None:
    """Let several sweeps pass before counting: the one fixed wait, for "nothing more came"."""
    time.sleep(seconds)


# --- mail --------------------------------------------------------------------------------------


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode(message.get_content_charset() or "utf-8")


def address_of(message: Message) -> str:
    return parseaddr(str(make_header(decode_header(message["To"]))))[1]


def mails_to(sink: SmtpSink, address: str, subject_start: str = "") -> list[Message]:
    return [
        m
        for m in sink.received()
        if address_of(m) == address and subject_of(m).startswith(subject_start)
    ]


def wait_for_mails(
    sink: SmtpSink, address: str, subject_start: str, count: int = 1, timeout: float = 60.0
) -> list[Message]:
    return wait_until(
        lambda: (found := mails_to(sink, address, subject_start)) and len(found) >= count and found,
        timeout,
        f"{count} mail(s) to {address} «{subject_start}…» (got {len(sink.received())} in all)",
    )


# --- requirements ------------------------------------------------------------------------------


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing server is a failure)")
    pytest.skip(reason)


def require_redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        _missing("redis-server is not on PATH")
    return found


# --- Redis -------------------------------------------------------------------------------------


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A private redis-server on a free port (the shared one is never touched)."""

    def __init__(self, executable: str, folder: Path) -> None:
        self.executable = executable
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def log_path(self) -> Path:
        return self.folder / "redis.log"

    def start(self) -> RedisServer:
        assert self._process is None
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: _redis_answers(self.port), 20, f"redis-server on port {self.port}")
        return self

    def queued_tasks(self, queue: str = "celery") -> list[tuple[str, list[Any]]]:
        """(task name, args) of every message waiting in a Celery queue (kombu's format)."""
        client = redis.Redis(port=self.port, socket_timeout=5)
        try:
            raw = client.lrange(queue, 0, -1)
        finally:
            client.close()
        found = []
        for item in raw:
            message = json.loads(item)
            args = json.loads(base64.b64decode(message["body"]))[0]
            found.append((message["headers"]["task"], args))
        return found

    def stop(self) -> None:
        if self._process is not None:
            _stop(self._process, grace=10)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None


# --- the children ------------------------------------------------------------------------------


def child_env(database_url: str, instance: Path) -> dict[str, str]:
    """This process's environment without any SoMe-flyt or Celery setting, plus the database."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOMEFLYT_", "CELERY_")) and k != "DATABASE_URL"
    }
    return inherited | {
        "DATABASE_URL": database_url,
        "SOMEFLYT_INSTANCE": str(instance),
        "PYTHONUNBUFFERED": "1",
    }


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM to the leader, then SIGKILL to its whole group (pool children included)."""
    if process.poll() is None:
        process.terminate()
    _finish(process, grace)


def _finish(process: subprocess.Popen[bytes], grace: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left
    process.wait(timeout=30)


def _ready(child: Child, ready: Callable[[], bool]) -> bool:
    assert child.alive(), f"{child.name} exited ({child.process.returncode}):\n{child.output()}"
    return ready()


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill_group(self) -> None:
        """SIGKILL the leader and every process of its group at once (no shutdown at all)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@dataclass
class Stack:
    """One deployment under test: database, broker, mail server and the processes."""

    folder: Path
    database_url: str
    redis: RedisServer
    sink: SmtpSink
    web_port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)  # more SOMEFLYT_* for the children
    children: list[Child] = field(default_factory=list)
    _engines: list[Engine] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def env(self) -> dict[str, str]:
        return (
            child_env(self.database_url, self.folder / "instance")
            | {
                "SOMEFLYT_BROKER_URL": self.redis.url,
                "SOMEFLYT_SMTP_HOST": "127.0.0.1",
                "SOMEFLYT_SMTP_PORT": str(self.sink.port),
                "SOMEFLYT_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "SOMEFLYT_BASE_URL": self.base_url,
                "SOMEFLYT_SECRET_KEY": "test",
                "SOMEFLYT_ENV": "development",  # plain http on loopback: no Secure cookies
                "SOMEFLYT_MAIL_RETRY_BASE_SECONDS": "1",
            }
            | self.settings
        )

    # -- processes

    def _spawn(self, name: str, command: list[str]) -> Child:
        log_path = self.folder / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            command,
            env=self.env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: kill_group() reaches every child
        )
        child = Child(name, process, log_path, log)
        self.children.append(child)
        return child

    def start(self, *names: str) -> list[Child]:
        """Start "web", "worker" and/or "beat" side by side; return when all are ready."""
        spawn = {"web": self._spawn_web, "worker": self._spawn_worker, "beat": self._spawn_beat}
        started = [spawn[name]() for name in names]
        for child, ready, what in started:
            wait_until(partial(_ready, child, ready), STARTUP_TIMEOUT, what, interval=0.2)
        return [child for child, _, _ in started]

    def start_worker(self, queues: str | None = None) -> Child:
        """A worker; `queues` ("sweep") serves only those (a worker that does no deliveries)."""
        child, ready, what = self._spawn_worker(queues)
        wait_until(partial(_ready, child, ready), STARTUP_TIMEOUT, what, interval=0.2)
        return child

    def _spawn_web(self) -> tuple[Child, Callable[[], bool], str]:
        child = self._spawn(
            "web",
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "--no-control-socket",  # the default is one path in $HOME for every gunicorn
                "someflyt.wsgi:app",
            ],
        )

        def answers() -> bool:
            try:
                # Not /healthz: that imports the Celery app, and the tests must see what a
                # request does in a worker that served nothing else before.
                return WebSession(self.base_url).get("/login").status == 200
            except OSError:
                return False

        return child, answers, "gunicorn to answer /login"

    def _spawn_worker(self, queues: str | None = None) -> tuple[Child, Callable[[], bool], str]:
        number = sum(c.name.startswith("worker") for c in self.children) + 1
        child = self._spawn(
            f"worker{number}",
            [
                str(BIN / "celery"),
                "-A",
                "tasks.celery_app",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "--hostname",
                f"worker{number}@%h",
                "--without-gossip",
                "--without-mingle",
                *(["--queues", queues] if queues else []),
            ],
        )
        return child, lambda: " ready." in child.output(), f"{child.name} to be ready"

    def _spawn_beat(self) -> tuple[Child, Callable[[], bool], str]:
        child = self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "tasks.celery_app",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.folder / "beat-schedule"),
            ],
        )
        return child, lambda: "beat: Starting" in child.output(), "beat to start"

    # -- looking into the database from the test

    def engine(self, clock: Clock | None = None) -> Engine:
        """An engine in this test process on the same database (no broker: on_outbox unset)."""
        eng = Engine(Settings(self.database_url, WORKFLOWS), clock=clock)
        self._engines.append(eng)
        return eng

    def outbox(self) -> list[OutboxMessage]:
        with self.engine().reading() as session:
            rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            session.expunge_all()
            return rows

    def audit_events(self, kind: str) -> list[AuditEvent]:
        with self.engine().reading() as session:
            rows = list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
                )
            )
            session.expunge_all()
            return rows

    # -- the end

    def close(self) -> None:
        for eng in self._engines:
            eng.dispose()
        for child in self.children:  # all at once: each shuts down in its own time
            if child.alive():
                child.process.terminate()
        for child in self.children:
            _finish(child.process, grace=10)
            child.log.close()
        for child in self.children:
            tail = "\n".join(child.output().splitlines()[-60:])
            print(f"\n===== {child.name} (exit {child.process.returncode}) =====\n{tail}")


# --- HTTP as a person with a browser would ------------------------------------------------------


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the test looks at the 302 itself


@dataclass
class Page:
    status: int
    location: str
    body: str
    seconds: float

    def csrf_token(self) -> str:
        return lxml.html.fromstring(self.body).xpath('//input[@name="csrf_token"]/@value')[0]

    def links(self, prefix: str) -> list[str]:
        return lxml.html.fromstring(self.body).xpath(f'//a[starts-with(@href, "{prefix}")]/@href')


class WebSession:
    """One person's cookie jar against the running server (urllib, no redirects followed)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = build_opener(HTTPCookieProcessor(CookieJar()), _NoRedirects())

    def _open(self, request: Request) -> Page:
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=60) as response:
                status, headers, body = response.status, response.headers, response.read()
        except HTTPError as error:
            with error:
                status, headers, body = error.code, error.headers, error.read()
        return Page(
            status=status,
            location=urlsplit(headers.get("Location", "")).path,
            body=body.decode("utf-8", errors="replace"),
            seconds=time.monotonic() - started,
        )

    def get(self, path: str) -> Page:
        return self._open(Request(self.base_url + path))

    def post(self, path: str, fields: dict[str, Any]) -> Page:
        """Posts `fields` with the csrf token of the page at `path`."""
        token = self.get(path).csrf_token()
        pairs = [
            (name, item)
            for name, value in fields.items()
            for item in (value if isinstance(value, list) else [value])
        ]
        data = urlencode([*pairs, ("csrf_token", token)]).encode()
        return self._open(Request(self.base_url + path, data=data, method="POST"))

    def log_in(self, username: str, password: str = "demo") -> WebSession:
        page = self.post("/login", {"username": username, "password": password})
        assert page.status == 302, f"login as {username}: {page.status}"
        return self


# --- fixtures ----------------------------------------------------------------------------------


def _database_url(name: str) -> str:
    return _psycopg_url(f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}")


@contextlib.contextmanager
def _new_database(template: str | None = None) -> Iterator[str]:
    """CREATE DATABASE (a copy of `template`, if given) with a unique name; DROP at the end."""
    name = f"someflyt_worker_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(_psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        try:
            yield name
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def initialised_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`someflyt init --demo` (migrations, workflows, demo people) once per session, on a
    database every test then copies: CREATE DATABASE … TEMPLATE takes a fraction of a second,
    the command takes seconds."""
    _require_postgres()
    with _new_database() as name:
        done = subprocess.run(
            [str(BIN / "someflyt"), "init", "--demo"],
            env=child_env(_database_url(name), tmp_path_factory.mktemp("init")),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"someflyt init failed:\n{done.stdout}\n{done.stderr}"
        yield name


@pytest.fixture
def fresh_database(initialised_template: str) -> Iterator[str]:
    """A PostgreSQL database of its own for one test (initialised, no case yet), dropped after."""
    with _new_database(template=initialised_template) as name:
        yield _database_url(name)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(require_redis_server(), tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(
    tmp_path: Path, fresh_database: str, redis_server: RedisServer, smtp_sink: SmtpSink
) -> Iterator[Stack]:
    """Database initialised with the demo people (`someflyt init --demo`); no process runs
    yet: each test starts what it needs."""
    deployment = Stack(tmp_path, fresh_database, redis_server, smtp_sink)
    try:
        yield deployment
    finally:
        deployment.close()
