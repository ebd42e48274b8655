"""Configuration from the environment, read once by bootstrap(). README lists every variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.store.anchoring import load_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    """Where the embedded default keeps its files (database, broker queue, mail sink)."""
    folder = Path(os.environ.get("SOMEFLYT_INSTANCE", Path.cwd() / "instance"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class MailSettings:
    """SMTP delivery; without a host, mail is written as .eml files to `folder` instead."""

    host: str = ""
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    sender: str = "SoMe-flyt <someflyt@mrfylke.no>"
    folder: Path | None = None
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    timeout_seconds: float = 30.0
    # How long a worker's claim on a delivery holds; longer than an SMTP conversation may
    # last, or a slow worker could be overtaken and the mail sent twice.
    lease_seconds: float = 120.0

    @classmethod
    def from_env(cls) -> MailSettings:
        env = os.environ.get
        host = env("SOMEFLYT_SMTP_HOST", "")
        timeout = float(env("SOMEFLYT_SMTP_TIMEOUT", "30"))
        return cls(
            host=host,
            port=int(env("SOMEFLYT_SMTP_PORT", "25")),
            security=env("SOMEFLYT_SMTP_SECURITY", "none"),
            user=env("SOMEFLYT_SMTP_USER", ""),
            password=env("SOMEFLYT_SMTP_PASSWORD", ""),
            sender=env("SOMEFLYT_MAIL_FROM", cls.sender),
            folder=None if host else Path(env("SOMEFLYT_MAIL_DIR", instance_folder() / "mail")),
            max_attempts=int(env("SOMEFLYT_MAIL_MAX_ATTEMPTS", "6")),
            retry_base_seconds=float(env("SOMEFLYT_MAIL_RETRY_BASE_SECONDS", "30")),
            timeout_seconds=timeout,
            lease_seconds=max(float(env("SOMEFLYT_MAIL_LEASE_SECONDS", "120")), timeout + 5),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    workflows_dir: Path
    base_url: str = "http://127.0.0.1:5000"  # links in e-mails
    mail: MailSettings = field(default_factory=MailSettings)
    # Signs every audit event and checkpoint; never in the database (engine/store/anchoring.py).
    audit_key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        url = os.environ.get("DATABASE_URL") or default_sqlite_url()
        workflows = Path(os.environ.get("SOMEFLYT_WORKFLOWS", PROJECT_ROOT / "workflows"))
        return cls(
            database_url=url,
            workflows_dir=workflows,
            base_url=os.environ.get("SOMEFLYT_BASE_URL", cls.base_url).rstrip("/"),
            mail=MailSettings.from_env(),
            audit_key=load_key(),
        )


def default_sqlite_url() -> str:
    """The embedded default: a SQLite file in a local instance folder."""
    return f"sqlite:///{instance_folder() / 'someflyt.db'}"
