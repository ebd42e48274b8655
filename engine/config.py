"""Configuration from the environment, read once by bootstrap()."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    workflows_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        url = os.environ.get("DATABASE_URL") or default_sqlite_url()
        workflows = Path(os.environ.get("SOMEFLYT_WORKFLOWS", PROJECT_ROOT / "workflows"))
        return cls(database_url=url, workflows_dir=workflows)


def default_sqlite_url() -> str:
    """The embedded default: a SQLite file in a local instance folder."""
    folder = Path(os.environ.get("SOMEFLYT_INSTANCE", Path.cwd() / "instance"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'someflyt.db'}"
