"""The engine's messages by code. The texts are in gettext catalogues now (engine.texts); this
name stays for the callers that import it from here."""

from __future__ import annotations

from engine.texts import LANGUAGES, render

__all__ = ["LANGUAGES", "render"]
