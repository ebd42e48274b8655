"""Schema upgrades through Alembic, callable from code (init, tests) and the CLI.

The engine's own migrations are one line of history; a process package that owns tables
keeps its migrations in its folder (`workflows/<process_id>/migrations/`) as a branch of its
own, labelled with the process id and depending on the engine revision it needs. Upgrading
goes to every head.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from engine.packages import package_folders

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def version_locations() -> list[Path]:
    """The engine's migrations and those of every installed process package."""
    packages = [folder / "migrations" for folder in package_folders()]
    return [MIGRATIONS_DIR / "versions", *(path for path in packages if path.is_dir())]


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(str(path) for path in version_locations())
    )
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
